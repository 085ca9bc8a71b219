/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The OpenFlow connection to the mirror bridge.  See ofctrl.h.
 *
 * Per owner (struct owner), ofctrl keeps what is desired and what it
 * installed, both shared tm_owned sets.  An owner whose two differ is
 * "pending"; a bundle carries the differences of every pending owner, and
 * its commit makes what it carried installed.  After a (re)connection the
 * installed sets are unknown: the first dump is compared with the whole
 * desired table, and that bundle's commit makes everything installed.  An
 * audit while synced compares the dump with the installed table and counts
 * what it has to put back as repairs. */

#include <config.h>
#include "ofctrl.h"
#define OFCTRL_DEFINES_MODULE 1
#include "controller/ofctrl-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "controller/desired-flows.h"
#include "controller/flow-encode.h"
#include "controller/flow-table.h"
#include "byte-order.h"
#include "coverage.h"
#include "dirs.h"
#include "hash.h"
#include "hmapx.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/rconn.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ofctrl);



#define OFCTRL_DEFAULT_AUDIT_INTERVAL 600000
#define OFCTRL_DEFAULT_CHECK_INTERVAL 10000
#define OFCTRL_DEFAULT_STATS_INTERVAL 2000

/* The most OpenFlow messages handled in one ofctrl_run(). */
#define OFCTRL_MAX_RECV 1000


static void ofctrl_reset(struct ofctrl *);
static void ofctrl_handle_msg(struct ofctrl *, struct ofpbuf *);

/* Returns the OpenFlow protocol of the current connection. */
enum ofputil_protocol
ofctrl_protocol(const struct ofctrl *oc)
{
    return ofputil_protocol_from_ofp_version(rconn_get_version(oc->rconn));
}

/* Returns the OpenFlow version of the current connection. */
enum ofp_version
ofctrl_version(const struct ofctrl *oc)
{
    return rconn_get_version(oc->rconn);
}

/* Creates an OpenFlow manager, not connected yet.  The caller frees it
 * with ofctrl_destroy(). */
struct ofctrl *
ofctrl_create(void)
{
    struct ofctrl *oc = xzalloc(sizeof *oc);
    uint32_t versions = (1u << OFP14_VERSION) | (1u << OFP15_VERSION);

    /* No inactivity probe on a local Unix socket; reconnect within 1 s after
     * ovs-vswitchd restarts. */
    oc->rconn = rconn_create(0, 1, 0, versions);
    oc->rconn_seqno = rconn_get_connection_seqno(oc->rconn);
    oc->state = S_DISCONNECTED;
    hmap_init(&oc->owners);
    hmapx_init(&oc->pending);
    hmapx_init(&oc->in_bundle);
    hmap_init(&oc->sessions);
    hmap_init(&oc->bundle_ops);
    tm_flow_table_init(&oc->dumped);
    oc->desired_cfg = -1;
    oc->desired_seqno = 1;
    oc->installed_cfg = -1;
    oc->audit_interval = OFCTRL_DEFAULT_AUDIT_INTERVAL;
    oc->check_interval = OFCTRL_DEFAULT_CHECK_INTERVAL;
    oc->stats_interval = OFCTRL_DEFAULT_STATS_INTERVAL;
    return oc;
}

/* Frees an owner's references. */
static void
owner_free(struct owner *o)
{
    tm_owned_unref(o->desired);
    tm_owned_unref(o->installed);
    tm_owned_unref(o->sent);
    tm_owned_unref(o->refused);
    free(o->refusal);
    free(o);
}

/* Disconnects and frees 'oc' and everything it owns. */
void
ofctrl_destroy(struct ofctrl *oc)
{
    if (!oc) {
        return;
    }
    rconn_destroy(oc->rconn);
    free(oc->bridge);
    ofctrl_bundle_ops_clear(oc);
    hmap_destroy(&oc->bundle_ops);
    struct owner *o;
    HMAP_FOR_EACH_POP (o, hmap_node, &oc->owners) {
        owner_free(o);
    }
    hmap_destroy(&oc->owners);
    hmapx_destroy(&oc->pending);
    hmapx_destroy(&oc->in_bundle);
    struct session *s;
    HMAP_FOR_EACH_POP (s, hmap_node, &oc->sessions) {
        free(s);
    }
    hmap_destroy(&oc->sessions);
    tm_flow_table_destroy(&oc->dumped);
    free(oc);
}

/* Sessions. */

/* Returns the session of 'key', or NULL. */
struct session *
ofctrl_session_find(const struct ofctrl *oc, uint32_t key)
{
    struct session *s;
    HMAP_FOR_EACH_WITH_HASH (s, hmap_node, hash_int(key, 0), &oc->sessions) {
        if (s->key == key) {
            return s;
        }
    }
    return NULL;
}

/* Returns the session of 'key', creating it if needed. */
struct session *
ofctrl_session_get(struct ofctrl *oc, uint32_t key)
{
    struct session *s = ofctrl_session_find(oc, key);
    if (!s) {
        s = xzalloc(sizeof *s);
        s->key = key;
        hmap_insert(&oc->sessions, &s->hmap_node, hash_int(key, 0));
    }
    return s;
}

/* Frees session 'key' if nothing refers to it any more. */
static void
session_gc(struct ofctrl *oc, struct session *s)
{
    if (s && !s->n_owners && !s->n_accepting) {
        hmap_remove(&oc->sessions, &s->hmap_node);
        free(s);
    }
}

/* Adds 'sign' (1 or -1) to the accepting-flow counts of the sessions whose
 * accepting flows 'set' holds (usually one). */
static void
count_accepting(struct ofctrl *oc, const struct tm_owned *set, int sign)
{
    if (!set) {
        return;
    }
    uint32_t *keys = NULL;
    size_t n_keys = 0, allocated = 0;
    const struct tm_flow *f;
    HMAP_FOR_EACH (f, hmap_node, &set->table.flows) {
        if (tm_cookie_get_kind(f->cookie) != TM_COOKIE_ACCEPT) {
            continue;
        }
        uint32_t key = tm_cookie_get_session(f->cookie);
        bool seen = false;
        for (size_t i = 0; i < n_keys && !seen; i++) {
            seen = keys[i] == key;
        }
        if (!seen) {
            if (n_keys >= allocated) {
                keys = x2nrealloc(keys, &allocated, sizeof *keys);
            }
            keys[n_keys++] = key;
        }
    }
    for (size_t i = 0; i < n_keys; i++) {
        struct session *s = ofctrl_session_get(oc, keys[i]);
        s->n_accepting += sign;
        if (!s->n_accepting) {
            s->have_stats = false;
            session_gc(oc, s);
        }
    }
    free(keys);
}

/* Owners. */

/* Returns the owner of 'key', or NULL. */
struct owner *
ofctrl_owner_find(const struct ofctrl *oc, const struct tm_owner_key *key)
{
    struct owner *o;
    HMAP_FOR_EACH_WITH_HASH (o, hmap_node, tm_owner_key_hash(key),
                             &oc->owners) {
        if (tm_owner_key_equal(&o->key, key)) {
            return o;
        }
    }
    return NULL;
}

/* True if 'o' needs a bundle: what it wants is not what is installed, and
 * it was not refused. */
bool
ofctrl_owner_is_pending(const struct owner *o)
{
    return (o->desired != o->installed
            && !(o->refused && o->refused == o->desired));
}

/* Recomputes whether 'o' is settled (installed as desired) and keeps its
 * session's counts and the pending count in line; frees 'o' when it wants
 * and holds nothing. */
void
ofctrl_owner_settle(struct ofctrl *oc, struct owner *o)
{
    bool unsettled = o->desired != o->installed;
    struct session *s = o->session_key ? ofctrl_session_get(oc, o->session_key)
                                       : NULL;
    if (unsettled != o->unsettled) {
        if (s) {
            s->n_unsettled += unsettled ? 1 : -1;
            if (o->key.kind == TM_OWNER_RULE) {
                s->n_unsettled_rules += unsettled ? 1 : -1;
            } else if (unsettled) {
                s->confirmed = false;
            }
        }
        o->unsettled = unsettled;
    }
    if (s && !s->n_unsettled) {
        s->confirmed = true;
    }
    if (o->refused && o->refused != o->desired) {
        /* What was refused is no longer wanted. */
        tm_owned_unref(o->refused);
        o->refused = NULL;
        free(o->refusal);
        o->refusal = NULL;
        if (s) {
            s->n_refused--;
        }
    }
    bool pending = ofctrl_owner_is_pending(o);
    if (pending != o->pending) {
        oc->n_pending += pending ? 1 : -1;
        o->pending = pending;
        if (pending) {
            hmapx_add(&oc->pending, o);
        } else {
            hmapx_find_and_delete_assert(&oc->pending, o);
        }
    }
    if (!o->desired && !o->installed && !o->in_bundle) {
        if (s) {
            s->n_owners--;
        }
        hmap_remove(&oc->owners, &o->hmap_node);
        owner_free(o);
    }
    session_gc(oc, s);
}

/* Returns the owner of 'key', creating it if needed. */
static struct owner *
owner_get(struct ofctrl *oc, const struct tm_owner_key *key,
          uint32_t session_key)
{
    struct owner *o = ofctrl_owner_find(oc, key);
    if (!o) {
        o = xzalloc(sizeof *o);
        o->key = *key;
        o->session_key = session_key;
        hmap_insert(&oc->owners, &o->hmap_node, tm_owner_key_hash(key));
        if (session_key) {
            ofctrl_session_get(oc, session_key)->n_owners++;
        }
    }
    return o;
}

/* Sets what owner 'key' wants ('set' NULL: nothing; a reference is
 * taken). */
static void
ofctrl_set_desired(struct ofctrl *oc, const struct tm_owner_key *key,
                   uint32_t session_key, struct tm_owned *set)
{
    struct owner *o = set ? owner_get(oc, key, session_key)
                          : ofctrl_owner_find(oc, key);
    if (!o) {
        return;
    }
    bool same = tm_owned_same(o->desired, set);
    if (!same) {
        count_accepting(oc, o->desired, -1);
        count_accepting(oc, set, 1);
        oc->desired_seqno++;
        poll_immediate_wake();
    }
    /* Keep the caller's copy, so that one copy of the flows is resident;
     * what is installed is that copy too when it has the same contents. */
    bool installed_same = tm_owned_same(o->installed, set);
    tm_owned_unref(o->desired);
    o->desired = set ? tm_owned_ref(set) : NULL;
    if (installed_same && o->installed != o->desired) {
        tm_owned_unref(o->installed);
        o->installed = set ? tm_owned_ref(set) : NULL;
    }
    ofctrl_owner_settle(oc, o);
}

/* Makes 'owned' its owner's desired set. */
void
ofctrl_set_owned(struct ofctrl *oc, struct tm_owned *owned)
{
    ofctrl_set_desired(oc, &owned->key, owned->session_key, owned);
}

/* Makes owner 'key' want nothing. */
void
ofctrl_remove_owner(struct ofctrl *oc, const struct tm_owner_key *key)
{
    ofctrl_set_desired(oc, key, 0, NULL);
}

/* Records the configuration that the desired flows implement. */
void
ofctrl_set_cfg(struct ofctrl *oc, int64_t cfg)
{
    oc->desired_cfg = cfg;
    if (rconn_is_connected(oc->rconn) && oc->installed_known
        && !oc->n_pending && oc->state == S_IDLE) {
        /* Nothing to send (refused owners aside: their sessions say so). */
        oc->installed_cfg = cfg;
    }
}

/* Replaces every owner by one holding a copy of 'desired'. */
void
ofctrl_put(struct ofctrl *oc, const struct tm_flow_table *desired,
           int64_t cfg)
{
    struct tm_owner_key key = tm_owner_key(TM_OWNER_TABLE, NULL, NULL, false,
                                           0);
    struct owner *o, *next;
    HMAP_FOR_EACH_SAFE (o, next, hmap_node, &oc->owners) {
        if (!tm_owner_key_equal(&o->key, &key)) {
            ofctrl_remove_owner(oc, &o->key);
        }
    }
    struct tm_owned *set = tm_owned_create(&key, 0);
    tm_flow_table_copy(&set->table, desired);
    tm_owned_seal(set);
    ofctrl_set_owned(oc, set);
    tm_owned_unref(set);
    ofctrl_set_cfg(oc, cfg);
}

/* Settings. */

/* Asks for a revalidation nudge with the next bundle. */
void
ofctrl_request_nudge(struct ofctrl *oc)
{
    oc->nudge_requested = true;
    poll_immediate_wake();
}

/* Returns the number of nudges committed. */
uint64_t
ofctrl_get_nudge_seqno(const struct ofctrl *oc)
{
    return oc->n_nudges;
}

/* Asks for a full dump and comparison as soon as possible. */
void
ofctrl_request_audit(struct ofctrl *oc)
{
    oc->audit_requested = true;
    poll_immediate_wake();
}

/* Sets the interval of the full audit (0: none).  A cheap count of the
 * installed flows runs more often (every 10 s, or the audit interval if
 * shorter) and starts a full audit when the count is off. */
void
ofctrl_set_audit_interval(struct ofctrl *oc, long long int ms)
{
    ms = ms > 0 ? MAX(ms, 100) : 0;
    if (ms != oc->audit_interval) {
        oc->audit_interval = ms;
        oc->check_interval = (ms && ms < OFCTRL_DEFAULT_CHECK_INTERVAL
                              ? ms : OFCTRL_DEFAULT_CHECK_INTERVAL);
        oc->next_audit = ms ? time_msec() + ms : LLONG_MAX;
        oc->next_check = time_msec() + oc->check_interval;
    }
}

/* Sets the interval of the counters' refresh. */
void
ofctrl_set_stats_interval(struct ofctrl *oc, long long int ms)
{
    ms = MAX(ms, 100);
    if (ms != oc->stats_interval) {
        long long int next = time_msec() + ms;
        struct session *s;

        oc->stats_interval = ms;
        HMAP_FOR_EACH (s, hmap_node, &oc->sessions) {
            s->stats_quiet = 0;
            s->next_stats = MIN(s->next_stats, next);
        }
    }
}

/* Connection. */

/* Connects to 'bridge''s management socket, or disconnects. */
void
ofctrl_set_bridge(struct ofctrl *oc, const char *bridge)
{
    if (bridge && !bridge[0]) {
        bridge = NULL;
    }
    if (!bridge ? !oc->bridge
        : oc->bridge && !strcmp(bridge, oc->bridge)) {
        return;
    }

    free(oc->bridge);
    oc->bridge = bridge ? xstrdup(bridge) : NULL;
    if (bridge) {
        char *target = xasprintf("unix:%s/%s.mgmt", ovs_rundir(), bridge);
        VLOG_INFO("%s: connecting to the mirror bridge", target);
        rconn_connect(oc->rconn, target, bridge);
        free(target);
    } else {
        rconn_disconnect(oc->rconn);
    }
    oc->rconn_seqno = rconn_get_connection_seqno(oc->rconn);
    ofctrl_reset(oc);
}

/* Forgets what depends on the connection: requests in flight and what is
 * installed.  The next connection starts with a dump, never a flush. */
static void
ofctrl_reset(struct ofctrl *oc)
{
    oc->state = rconn_is_connected(oc->rconn) ? S_IDLE : S_DISCONNECTED;
    oc->installed_known = false;
    oc->flow_xid = oc->group_xid = oc->barrier_xid = oc->check_xid = 0;
    ofctrl_bundle_ops_clear(oc);

    hmapx_clear(&oc->in_bundle);
    struct owner *o, *next;
    HMAP_FOR_EACH_SAFE (o, next, hmap_node, &oc->owners) {
        o->in_bundle = false;
        tm_owned_unref(o->sent);
        o->sent = NULL;
        tm_owned_unref(o->installed);
        o->installed = NULL;
        if (o->refused) {
            /* A new switch may accept it. */
            tm_owned_unref(o->refused);
            o->refused = NULL;
            free(o->refusal);
            o->refusal = NULL;
            if (o->session_key) {
                ofctrl_session_get(oc, o->session_key)->n_refused--;
            }
        }
        ofctrl_owner_settle(oc, o);
    }
    struct session *s;
    HMAP_FOR_EACH (s, hmap_node, &oc->sessions) {
        s->stats_xid = 0;
        s->stats_quiet = 0;
        s->next_stats = 0;
    }
    oc->change_seqno++;
}

/* Notices a new connection or a disconnection. */
static void
ofctrl_check_connection(struct ofctrl *oc)
{
    unsigned int seqno = rconn_get_connection_seqno(oc->rconn);
    if (seqno != oc->rconn_seqno) {
        oc->rconn_seqno = seqno;
        if (rconn_is_connected(oc->rconn)) {
            oc->conn_seqno++;
            VLOG_INFO("%s: connected (%s)", rconn_get_target(oc->rconn),
                      ofputil_version_to_string(ofctrl_version(oc)));
        } else {
            VLOG_INFO("%s: disconnected", rconn_get_target(oc->rconn));
        }
        ofctrl_reset(oc);
    }
}

/* Sends 'msg' (consumed) and returns its xid. */
ovs_be32
ofctrl_send(struct ofctrl *oc, struct ofpbuf *msg)
{
    const struct ofp_header *oh = msg->data;
    ovs_be32 xid = oh->xid;

    ofpmsg_update_length(msg);
    rconn_send(oc->rconn, msg, NULL);
    return xid;
}

/* Main loop. */

/* Dispatches one message received from the switch. */
static void
ofctrl_handle_msg(struct ofctrl *oc, struct ofpbuf *msg)
{
    const struct ofp_header *oh = msg->data;
    enum ofptype type;

    if (ofptype_decode(&type, oh)) {
        return;
    }

    switch (type) {
    case OFPTYPE_ECHO_REQUEST:
        rconn_send(oc->rconn, ofputil_encode_echo_reply(oh), NULL);
        break;

    case OFPTYPE_ERROR:
        ofctrl_handle_error(oc, oh);
        break;

    case OFPTYPE_FLOW_STATS_REPLY:
        if (oc->state == S_DUMPING && oh->xid == oc->flow_xid) {
            ofctrl_handle_flow_stats_reply(oc, msg);
        }
        break;

    case OFPTYPE_AGGREGATE_STATS_REPLY:
        ofctrl_handle_aggregate_reply(oc, oh);
        break;

    case OFPTYPE_GROUP_DESC_STATS_REPLY:
        if (oc->state == S_DUMPING && oh->xid == oc->group_xid) {
            ofctrl_handle_group_desc_reply(oc, msg);
        }
        break;

    case OFPTYPE_BARRIER_REPLY:
        if (oh->xid == oc->barrier_xid) {
            if (oc->state == S_ADDING) {
                ofctrl_bundle_added(oc);
            } else if (oc->state == S_COMMITTING) {
                ofctrl_bundle_committed(oc);
            }
        }
        break;

    default:
        break;
    }

    if (oc->state == S_DUMPING && oc->flows_done && oc->groups_done) {
        ofctrl_dump_complete(oc);
    }
}

/* Starts what is due in S_IDLE: a dump, a bundle, a check. */
static void
ofctrl_run_idle(struct ofctrl *oc)
{
    long long int now = time_msec();
    if (!oc->installed_known || oc->audit_requested || oc->cleanup
        || (oc->audit_interval && now >= oc->next_audit && !oc->n_pending)) {
        ofctrl_start_dump(oc);
    } else if (oc->n_pending || oc->nudge_requested) {
        if (!ofctrl_send_pending(oc) && oc->nudge_requested) {
            oc->nudge_requested = false;    /* Nothing installed to nudge. */
            oc->n_nudges++;
        }
    } else if (oc->check_interval && now >= oc->next_check
               && !oc->check_xid) {
        ofctrl_start_check(oc);
    }
}

/* Runs the connection and the reconciliation state machine. */
void
ofctrl_run(struct ofctrl *oc)
{
    rconn_run(oc->rconn);
    ofctrl_check_connection(oc);
    if (!rconn_is_connected(oc->rconn)) {
        oc->state = S_DISCONNECTED;
        return;
    }
    if (oc->state == S_DISCONNECTED) {
        ofctrl_reset(oc);
    }

    for (int i = 0; i < OFCTRL_MAX_RECV; i++) {
        struct ofpbuf *msg = rconn_recv(oc->rconn);
        if (!msg) {
            break;
        }
        ofctrl_handle_msg(oc, msg);
        ofpbuf_delete(msg);
    }
    ofctrl_check_connection(oc);
    if (!rconn_is_connected(oc->rconn)) {
        oc->state = S_DISCONNECTED;
        return;
    }

    if (oc->state == S_IDLE) {
        ofctrl_run_idle(oc);
    }
    if (time_msec() >= ofctrl_stats_due(oc)) {
        ofctrl_request_stats(oc);
    }
}

/* Arranges for poll_block() to wake up when ofctrl_run() has work. */
void
ofctrl_wait(struct ofctrl *oc)
{
    rconn_run_wait(oc->rconn);
    if (!rconn_is_connected(oc->rconn)) {
        rconn_recv_wait(oc->rconn);
        return;
    }
    if (ofctrl_stats_coalescing(oc)) {
        poll_timer_wait(STATS_COALESCE_MS);
    } else {
        rconn_recv_wait(oc->rconn);
    }
    if (oc->state == S_IDLE) {
        if (!oc->installed_known || oc->audit_requested || oc->n_pending
            || oc->nudge_requested) {
            poll_immediate_wake();
        }
        if (oc->audit_interval) {
            poll_timer_wait_until(oc->next_audit);
        }
        if (oc->check_interval) {
            poll_timer_wait_until(oc->next_check);
        }
    }
    long long int due = ofctrl_stats_due(oc);
    if (due != LLONG_MAX) {
        poll_timer_wait_until(due);
    }
}


/* Removes every flow and group tmirror owns on the bridge and waits up to
 * 'timeout_ms' for the switch to confirm.  Afterwards nothing is desired. */
void
ofctrl_cleanup(struct ofctrl *oc, int timeout_ms)
{
    long long int deadline = time_msec() + timeout_ms;

    struct owner *o, *next;
    HMAP_FOR_EACH_SAFE (o, next, hmap_node, &oc->owners) {
        ofctrl_remove_owner(oc, &o->key);
    }
    oc->cleanup = true;
    oc->installed_known = false;
    bool done = false;
    while (time_msec() < deadline) {
        ofctrl_run(oc);
        if (oc->state == S_IDLE && oc->installed_known) {
            done = true;
            break;
        }
        ofctrl_wait(oc);
        poll_timer_wait_until(deadline);
        poll_block();
    }
    if (!done) {
        VLOG_WARN("cleanup of the mirror bridge not confirmed within %d ms",
                  timeout_ms);
    }
    oc->cleanup = false;
}
