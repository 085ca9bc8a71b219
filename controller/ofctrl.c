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

COVERAGE_DEFINE(ofctrl_dump);
COVERAGE_DEFINE(ofctrl_bundle_sent);
COVERAGE_DEFINE(ofctrl_bundle_failed);
COVERAGE_DEFINE(ofctrl_flow_repaired);
COVERAGE_DEFINE(ofctrl_group_repaired);
COVERAGE_DEFINE(ofctrl_error);
COVERAGE_DEFINE(ofctrl_refused);

#define OFCTRL_DEFAULT_AUDIT_INTERVAL 600000
#define OFCTRL_DEFAULT_CHECK_INTERVAL 10000
#define OFCTRL_DEFAULT_STATS_INTERVAL 2000

/* The most OpenFlow messages handled in one ofctrl_run(). */
#define OFCTRL_MAX_RECV 1000

enum ofctrl_state {
    S_DISCONNECTED,             /* No connection to the switch. */
    S_IDLE,                     /* Nothing in flight. */
    S_DUMPING,                  /* Flow and group dumps requested. */
    S_ADDING,                   /* Bundle opened and filled; barrier sent. */
    S_COMMITTING,               /* Bundle commit and barrier sent. */
};

/* One owner of flows, as ofctrl knows it. */
struct owner {
    struct hmap_node hmap_node;     /* In 'owners', by tm_owner_key_hash(). */
    struct tm_owner_key key;
    uint32_t session_key;
    struct tm_owned *desired;       /* NULL: wants nothing. */
    struct tm_owned *installed;     /* NULL: nothing installed. */
    struct tm_owned *sent;          /* What the bundle in flight carries. */
    bool in_bundle;                 /* Part of the bundle in flight. */
    struct tm_owned *refused;       /* A desired set the switch refused. */
    char *refusal;                  /* The switch's error for it. */
    bool unsettled;                 /* Counted in its session's
                                     * 'n_unsettled'. */
    bool pending;                   /* Counted in 'n_pending'. */
};

/* Per session key: how its owners stand, and its counters. */
struct session {
    struct hmap_node hmap_node;     /* In 'sessions', by hash_int(key). */
    uint32_t key;
    size_t n_owners;
    size_t n_unsettled;             /* Owners not installed as desired. */
    size_t n_unsettled_rules;       /* Those of them that are rules. */
    bool confirmed;                 /* Every owner was installed once, and
                                     * since then only rules changed. */
    size_t n_refused;
    const char *refusal;            /* One of its owners' 'refusal'. */
    size_t n_accepting;             /* Owners with accepting flows. */
    bool have_stats;
    uint64_t packets, bytes;
    ovs_be32 stats_xid;             /* Request in flight, or 0. */
    unsigned int stats_quiet;       /* Replies in a row that changed nothing
                                     * (at most STATS_MAX_BACKOFF). */
    long long int next_stats;       /* When its counters are read next. */
};

/* A session whose counters do not change is read less often: every
 * 'stats_interval' << 'stats_quiet', so at the most every
 * 'stats_interval' << STATS_MAX_BACKOFF (8 s by default); a change brings it
 * back to every 'stats_interval'. */
#define STATS_MAX_BACKOFF 2

/* One message of the bundle in flight, for error reports. */
struct bundle_op {
    struct hmap_node hmap_node;     /* In 'bundle_ops', by xid. */
    ovs_be32 xid;
    char *what;                     /* "add table=1, ...", or NULL until
                                     * bundle_op_what() describes 'flow'. */
    const char *verb;               /* With 'flow': "add", "delete"... */
    struct tm_flow *flow;           /* A copy, or NULL. */
    struct owner *owner;            /* NULL for a whole-table difference. */
};

struct ofctrl {
    char *bridge;                   /* NULL if none. */
    struct rconn *rconn;
    unsigned int rconn_seqno;
    unsigned int conn_seqno;
    enum ofctrl_state state;
    uint64_t change_seqno;
    uint64_t mods_seqno;        /* Bundles that changed flows or groups. */

    struct hmap owners;             /* Contains "struct owner"s. */
    struct hmap sessions;           /* Contains "struct session"s. */
    size_t n_pending;               /* Owners that need a bundle:
                                     * owner_is_pending(). */
    struct hmapx pending;           /* Those owners, so that a bundle costs
                                     * what changed, not every owner. */
    struct hmapx in_bundle;         /* Owners with 'in_bundle' set. */
    int64_t desired_cfg;
    uint64_t desired_seqno;         /* Bumped on every desired change. */

    /* Dumps. */
    bool installed_known;           /* False after a (re)connection. */
    bool audit_requested;
    long long int audit_interval;
    long long int next_audit;
    long long int check_interval;
    long long int next_check;
    ovs_be32 check_xid;             /* Aggregate count check in flight. */
    ovs_be32 flow_xid, group_xid;
    bool flows_done, groups_done, dump_failed;
    struct tm_flow_table dumped;

    /* The bundle in flight. */
    uint32_t bundle_id;
    ovs_be32 barrier_xid;
    struct hmap bundle_ops;         /* Contains "struct bundle_op"s. */
    size_t bundle_errors;
    bool bundle_is_full;            /* From a dump: everything installed. */
    uint64_t bundle_seqno;          /* 'desired_seqno' it implements. */
    int64_t bundle_cfg;
    bool bundle_nudge;
    bool bundle_only_nudge;     /* The nudge is all the bundle changes. */
    size_t bundle_n_mods;       /* Flow and group mods, but the nudge. */
    bool cleanup;

    /* What the switch confirmed. */
    int64_t installed_cfg;

    /* Revalidation nudges. */
    bool nudge_requested;
    uint64_t n_nudges;

    /* Counters. */
    long long int stats_interval;
    long long int next_stats;
    uint64_t stats_seqno;

    /* For ofctrl_format_status(). */
    uint64_t n_dumps, n_bundles, n_bundles_failed, n_flow_mods;
    uint64_t n_group_mods, n_repairs, n_errors;
    size_t n_dumped_flows, n_dumped_groups;
};

static void ofctrl_reset(struct ofctrl *);
static void ofctrl_handle_msg(struct ofctrl *, struct ofpbuf *);
static void ofctrl_bundle_committed(struct ofctrl *);
static void bundle_ops_clear(struct ofctrl *);
static void owner_settle(struct ofctrl *, struct owner *);

/* Returns the OpenFlow protocol of the current connection. */
static enum ofputil_protocol
ofctrl_protocol(const struct ofctrl *oc)
{
    return ofputil_protocol_from_ofp_version(rconn_get_version(oc->rconn));
}

/* Returns the OpenFlow version of the current connection. */
static enum ofp_version
ofctrl_version(const struct ofctrl *oc)
{
    return rconn_get_version(oc->rconn);
}

/* True if 'group_id' is in the range of group ids tmirror owns. */
static bool
group_id_is_ours(uint32_t group_id)
{
    return group_id >= TM_GROUP_BASE && group_id <= TM_GROUP_MAX;
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
    bundle_ops_clear(oc);
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
static struct session *
session_find(const struct ofctrl *oc, uint32_t key)
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
static struct session *
session_get(struct ofctrl *oc, uint32_t key)
{
    struct session *s = session_find(oc, key);
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
        struct session *s = session_get(oc, keys[i]);
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
static struct owner *
owner_find(const struct ofctrl *oc, const struct tm_owner_key *key)
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
static bool
owner_is_pending(const struct owner *o)
{
    return (o->desired != o->installed
            && !(o->refused && o->refused == o->desired));
}

/* Recomputes whether 'o' is settled (installed as desired) and keeps its
 * session's counts and the pending count in line; frees 'o' when it wants
 * and holds nothing. */
static void
owner_settle(struct ofctrl *oc, struct owner *o)
{
    bool unsettled = o->desired != o->installed;
    struct session *s = o->session_key ? session_get(oc, o->session_key)
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
    bool pending = owner_is_pending(o);
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
    struct owner *o = owner_find(oc, key);
    if (!o) {
        o = xzalloc(sizeof *o);
        o->key = *key;
        o->session_key = session_key;
        hmap_insert(&oc->owners, &o->hmap_node, tm_owner_key_hash(key));
        if (session_key) {
            session_get(oc, session_key)->n_owners++;
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
                          : owner_find(oc, key);
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
    owner_settle(oc, o);
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
        oc->stats_interval = ms;
        oc->next_stats = time_msec() + ms;
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
    bundle_ops_clear(oc);

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
                session_get(oc, o->session_key)->n_refused--;
            }
        }
        owner_settle(oc, o);
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
static ovs_be32
ofctrl_send(struct ofctrl *oc, struct ofpbuf *msg)
{
    const struct ofp_header *oh = msg->data;
    ovs_be32 xid = oh->xid;

    ofpmsg_update_length(msg);
    rconn_send(oc->rconn, msg, NULL);
    return xid;
}

/* Dumps and audits. */

/* Requests the dump of our flows (by cookie) and of all groups. */
static void
ofctrl_start_dump(struct ofctrl *oc)
{
    struct ofputil_flow_stats_request fsr = {
        .aggregate = false,
        .cookie = htonll(TM_COOKIE_MAGIC),
        .cookie_mask = htonll(TM_COOKIE_MAGIC_MASK),
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = OFPTT_ALL,
    };
    match_init_catchall(&fsr.match);

    COVERAGE_INC(ofctrl_dump);
    tm_flow_table_clear(&oc->dumped);
    oc->flows_done = oc->groups_done = oc->dump_failed = false;
    oc->flow_xid = ofctrl_send(oc, ofputil_encode_flow_stats_request(
                                   &fsr, ofctrl_protocol(oc)));
    oc->group_xid = ofctrl_send(oc, ofputil_encode_group_desc_request(
                                    ofctrl_version(oc), OFPG_ALL));
    oc->audit_requested = false;
    oc->next_audit = (oc->audit_interval ? time_msec() + oc->audit_interval
                      : LLONG_MAX);
    oc->state = S_DUMPING;
}

/* Requests the count of our flows (the cheap check between audits). */
static void
ofctrl_start_check(struct ofctrl *oc)
{
    struct ofputil_flow_stats_request fsr = {
        .aggregate = true,
        .cookie = htonll(TM_COOKIE_MAGIC),
        .cookie_mask = htonll(TM_COOKIE_MAGIC_MASK),
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = OFPTT_ALL,
    };
    match_init_catchall(&fsr.match);
    oc->check_xid = ofctrl_send(oc, ofputil_encode_flow_stats_request(
                                    &fsr, ofctrl_protocol(oc)));
    oc->next_check = time_msec() + oc->check_interval;
}

/* Returns the number of flows installed. */
static size_t
installed_flow_count(const struct ofctrl *oc)
{
    size_t n = 0;
    const struct owner *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        n += o->installed ? hmap_count(&o->installed->table.flows) : 0;
    }
    return n;
}

/* Handles the reply to the count check: a count that differs from what is
 * installed means someone changed the table: audit it now. */
static void
handle_check_reply(struct ofctrl *oc, const struct ofp_header *oh)
{
    struct ofputil_aggregate_stats as;
    oc->check_xid = 0;
    if (ofputil_decode_aggregate_stats_reply(&as, oh)) {
        return;
    }
    if (oc->installed_known && !oc->n_pending && oc->state == S_IDLE
        && as.flow_count != installed_flow_count(oc)) {
        VLOG_INFO("the mirror bridge holds %"PRIu32" of tmirror's flows, "
                  "%"PRIuSIZE" expected: auditing", as.flow_count,
                  installed_flow_count(oc));
        oc->audit_requested = true;
    }
}

/* Decodes the flows in a flow stats reply into 'oc->dumped'. */
static void
handle_flow_stats_reply(struct ofctrl *oc, struct ofpbuf *msg)
{
    const struct ofp_header *oh = msg->data;
    bool more = ofpmp_more(oh);
    struct ofpbuf ofpacts;

    ofpbuf_init(&ofpacts, 0);
    for (;;) {
        struct ofputil_flow_stats fs;
        int retval = ofputil_decode_flow_stats_reply(&fs, msg, false,
                                                     &ofpacts);
        if (retval) {
            if (retval != EOF) {
                static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
                VLOG_WARN_RL(&rl, "bad flow stats reply: %s",
                             ofperr_get_name(retval));
                oc->dump_failed = true;
                more = false;
            }
            break;
        }
        uint64_t cookie = ntohll(fs.cookie);
        if (tm_cookie_is_ours(cookie)) {
            tm_flow_table_add(&oc->dumped, fs.table_id, fs.priority, cookie,
                              &fs.match, fs.ofpacts, fs.ofpacts_len);
        }
    }
    ofpbuf_uninit(&ofpacts);
    if (!more) {
        oc->flows_done = true;
    }
}

/* Decodes the groups in a group description reply into 'oc->dumped',
 * keeping those in tmirror's range. */
static void
handle_group_desc_reply(struct ofctrl *oc, struct ofpbuf *msg)
{
    const struct ofp_header *oh = msg->data;
    bool more = ofpmp_more(oh);
    enum ofp_version version = oh->version;

    for (;;) {
        struct ofputil_group_desc gd;
        int retval = ofputil_decode_group_desc_reply(&gd, msg, version);
        if (retval) {
            if (retval != EOF) {
                static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
                VLOG_WARN_RL(&rl, "bad group description reply: %s",
                             ofperr_get_name(retval));
                oc->dump_failed = true;
                more = false;
            }
            break;
        }
        if (group_id_is_ours(gd.group_id)) {
            struct ds s = DS_EMPTY_INITIALIZER;
            flow_encode_group_canonical(&s, gd.type, &gd.buckets, &gd.props);
            tm_flow_table_add_group(&oc->dumped, gd.group_id, ds_cstr(&s));
            ds_destroy(&s);
        }
        ofputil_uninit_group_desc(&gd);
    }
    if (!more) {
        oc->groups_done = true;
    }
}

/* Bundles. */

/* Frees the descriptions of the bundle's messages. */
static void
bundle_ops_clear(struct ofctrl *oc)
{
    struct bundle_op *op;
    HMAP_FOR_EACH_POP (op, hmap_node, &oc->bundle_ops) {
        free(op->what);
        if (op->flow) {
            minimatch_destroy(&op->flow->match);
            free(op->flow->ofpacts);
            free(op->flow);
        }
        free(op);
    }
}

/* Returns what 'op' does, for a message: described only when asked for (a
 * refusal, a debug log), since formatting every flow of a bundle would cost
 * more than building it. */
static const char *
bundle_op_what(struct bundle_op *op)
{
    if (!op->what) {
        op->what = (op->flow ? flow_encode_describe(op->verb, op->flow)
                    : xstrdup("?"));
    }
    return op->what;
}

/* The messages of a bundle being built, in the order they must be
 * applied. */
struct bundle_builder {
    struct ovs_list group_adds;     /* Group adds and modifies. */
    struct ovs_list flow_dels;
    struct ovs_list flow_adds;      /* Flow adds and modifies. */
    struct ovs_list group_dels;
    size_t n_flow_mods;
    size_t n_group_mods;
};

/* Initializes 'bb' empty. */
static void
bundle_builder_init(struct bundle_builder *bb)
{
    memset(bb, 0, sizeof *bb);
    ovs_list_init(&bb->group_adds);
    ovs_list_init(&bb->flow_dels);
    ovs_list_init(&bb->flow_adds);
    ovs_list_init(&bb->group_dels);
}

/* Appends 'msg' to 'list', remembering what it does ('what', owned, or NULL
 * with 'verb' and 'flow', copied) and for which owner under its xid. */
static void
bundle_push(struct ofctrl *oc, struct ovs_list *list, struct ofpbuf *msg,
            char *what, const char *verb, const struct tm_flow *flow,
            struct owner *owner)
{
    const struct ofp_header *oh = msg->data;
    struct bundle_op *op = xzalloc(sizeof *op);

    op->xid = oh->xid;
    op->what = what;
    op->verb = verb;
    if (!what && flow) {
        op->flow = xmemdup(flow, sizeof *flow);
        minimatch_clone(&op->flow->match, &flow->match);
        op->flow->ofpacts = xmemdup(flow->ofpacts, flow->ofpacts_len);
    }
    op->owner = owner;
    hmap_insert(&oc->bundle_ops, &op->hmap_node, hash_int(ntohl(op->xid), 0));
    ovs_list_push_back(list, &msg->list_node);
    if (VLOG_IS_DBG_ENABLED()) {
        VLOG_DBG("bundle %"PRIu32": %s", oc->bundle_id + 1,
                 bundle_op_what(op));
    }
}

/* Adds a flow_mod of 'command' for 'f' to 'bb'. */
static void
bundle_flow_mod(struct ofctrl *oc, struct bundle_builder *bb,
                const struct tm_flow *f, uint16_t command,
                struct owner *owner)
{
    const char *verb = (command == OFPFC_ADD ? "add"
                        : command == OFPFC_MODIFY_STRICT ? "modify"
                        : "delete");
    struct ofpbuf *msg = flow_encode_flow_mod(f, command,
                                              ofctrl_protocol(oc));
    bundle_push(oc, command == OFPFC_DELETE_STRICT ? &bb->flow_dels
                : &bb->flow_adds, msg, NULL, verb, f, owner);
    bb->n_flow_mods++;
}

/* Adds a group_mod of 'command' for group 'group_id' with 'spec' to
 * 'bb'. */
static void
bundle_group_mod(struct ofctrl *oc, struct bundle_builder *bb,
                 uint32_t group_id, const char *spec, int command,
                 struct owner *owner)
{
    struct ofpbuf *msg = flow_encode_group_mod(group_id, spec, command,
                                               ofctrl_version(oc));
    if (!msg) {
        return;
    }
    const char *verb = (command == OFPGC11_ADD ? "add"
                        : command == OFPGC11_MODIFY ? "modify" : "delete");
    bundle_push(oc, command == OFPGC11_DELETE ? &bb->group_dels
                : &bb->group_adds, msg,
                xasprintf("%s group_id=%"PRIu32, verb, group_id), NULL, NULL,
                owner);
    bb->n_group_mods++;
}

/* Adds to 'bb' what turns 'old' (NULL: nothing) into 'new' (NULL:
 * nothing), two sets of one owner. */
static void
diff_owner(struct ofctrl *oc, struct bundle_builder *bb, struct owner *o,
           const struct tm_owned *old, const struct tm_owned *new)
{
    struct tm_flow_table empty_table;
    tm_flow_table_init(&empty_table);
    const struct tm_flow_table *a = old ? &old->table : &empty_table;
    const struct tm_flow_table *b = new ? &new->table : &empty_table;
    const struct tm_flow *f, *g;

    HMAP_FOR_EACH (f, hmap_node, &b->flows) {
        g = tm_flow_table_find_flow(a, f);
        if (!g || !tm_flow_same_actions(f, g)) {
            bundle_flow_mod(oc, bb, f, (!g || g->cookie != f->cookie
                                        ? OFPFC_ADD : OFPFC_MODIFY_STRICT),
                            o);
        }
    }
    HMAP_FOR_EACH (g, hmap_node, &a->flows) {
        if (!tm_flow_table_find_flow(b, g)) {
            bundle_flow_mod(oc, bb, g, OFPFC_DELETE_STRICT, o);
        }
    }

    const struct tm_group *x, *y;
    HMAP_FOR_EACH (x, hmap_node, &b->groups) {
        y = tm_flow_table_find_group(a, x->group_id);
        if (!y || strcmp(x->spec, y->spec)) {
            bundle_group_mod(oc, bb, x->group_id, x->spec,
                             y ? OFPGC11_MODIFY : OFPGC11_ADD, o);
        }
    }
    HMAP_FOR_EACH (y, hmap_node, &a->groups) {
        if (!tm_flow_table_find_group(b, y->group_id)) {
            bundle_group_mod(oc, bb, y->group_id, "", OFPGC11_DELETE, o);
        }
    }
    tm_flow_table_destroy(&empty_table);
}

/* Returns the set of 'o' that a dump is compared with: what is installed
 * (an audit) or what is desired (after a reconnection; what is installed
 * if the desired set was refused). */
static const struct tm_owned *
owner_reference_set(const struct owner *o, bool installed)
{
    return (installed || (o->refused && o->refused == o->desired)
            ? o->installed : o->desired);
}

/* Returns the union of the sets of every owner ('installed' or
 * 'desired'), normalised for the connection, for comparing with a dump.
 * Groups are kept in their canonical form. */
static void
normalised_union(const struct ofctrl *oc, bool installed,
                 struct tm_flow_table *out)
{
    enum ofputil_protocol protocol = ofctrl_protocol(oc);
    enum ofp_version version = ofctrl_version(oc);
    const struct owner *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        const struct tm_owned *set = owner_reference_set(o, installed);
        if (!set) {
            continue;
        }
        if (set->as_dumped) {
            tm_flow_table_merge(out, &set->table);
            continue;
        }
        const struct tm_flow *f;
        HMAP_FOR_EACH (f, hmap_node, &set->table.flows) {
            flow_encode_normalise(f, protocol, out);
        }
        const struct tm_group *g;
        HMAP_FOR_EACH (g, hmap_node, &set->table.groups) {
            flow_encode_normalise_group(g->group_id, g->spec, version, out);
        }
    }
}

/* Finds the original (unnormalised) flow with the same key as normalised
 * 'f' among the owners' reference sets, for sending, and its owner. */
static const struct tm_flow *
find_reference_flow(const struct ofctrl *oc, const struct tm_flow *f,
                    bool installed, struct owner **ownerp)
{
    struct owner *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        const struct tm_owned *set = owner_reference_set(o, installed);
        const struct tm_flow *d = set ? tm_flow_table_find_flow(&set->table,
                                                                 f)
                                      : NULL;
        if (d) {
            *ownerp = o;
            return d;
        }
    }
    *ownerp = NULL;
    return NULL;
}

/* Logs and counts a repair. */
static void
log_repair(struct ofctrl *oc, const char *what, const char *how)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 20);

    oc->n_repairs++;
    VLOG_INFO_RL(&rl, "repairing %s: %s", how, what);
}

/* Adds to 'bb' what turns the dumped table into 'want' (normalised);
 * 'repairs' says whether differences are tampering (an audit while in
 * sync) or expected (after a reconnection).  Without 'deletes', what the
 * dump holds and 'want' does not is left alone (after a reconnection, when
 * a refused owner may own it). */
static void
diff_dump(struct ofctrl *oc, struct bundle_builder *bb,
          const struct tm_flow_table *want, bool repairs, bool deletes)
{
    const struct tm_flow *d, *i;
    HMAP_FOR_EACH (d, hmap_node, &want->flows) {
        i = tm_flow_table_find_flow(&oc->dumped, d);
        if (i && tm_flow_same_actions(d, i)) {
            continue;
        }
        struct owner *owner;
        const struct tm_flow *orig = find_reference_flow(oc, d, repairs,
                                                         &owner);
        if (repairs) {
            char *what = flow_encode_describe(i ? "changed" : "missing", d);
            COVERAGE_INC(ofctrl_flow_repaired);
            log_repair(oc, what, "flow");
            free(what);
        }
        bundle_flow_mod(oc, bb, orig ? orig : d,
                        (!i || i->cookie != d->cookie
                         ? OFPFC_ADD : OFPFC_MODIFY_STRICT), owner);
    }
    HMAP_FOR_EACH (i, hmap_node, &oc->dumped.flows) {
        if (deletes && !tm_flow_table_find_flow(want, i)) {
            if (repairs) {
                char *what = flow_encode_describe("unexpected", i);
                COVERAGE_INC(ofctrl_flow_repaired);
                log_repair(oc, what, "flow");
                free(what);
            }
            bundle_flow_mod(oc, bb, i, OFPFC_DELETE_STRICT, NULL);
        }
    }

    const struct tm_group *dg, *ig;
    HMAP_FOR_EACH (dg, hmap_node, &want->groups) {
        ig = tm_flow_table_find_group(&oc->dumped, dg->group_id);
        if (ig && !strcmp(ig->spec, dg->spec)) {
            continue;
        }
        if (repairs) {
            char *what = xasprintf("group_id=%"PRIu32" %s", dg->group_id,
                                   ig ? "changed" : "missing");
            COVERAGE_INC(ofctrl_group_repaired);
            log_repair(oc, what, "group");
            free(what);
        }
        /* The spec to send is the owner's, not the canonical form. */
        const struct owner *o;
        HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
            const struct tm_owned *set = owner_reference_set(o, repairs);
            const struct tm_group *g = (set ? tm_flow_table_find_group(
                                            &set->table, dg->group_id)
                                        : NULL);
            if (g) {
                bundle_group_mod(oc, bb, g->group_id, g->spec,
                                 ig ? OFPGC11_MODIFY : OFPGC11_ADD,
                                 CONST_CAST(struct owner *, o));
                break;
            }
        }
    }
    HMAP_FOR_EACH (ig, hmap_node, &oc->dumped.groups) {
        if (deletes && !tm_flow_table_find_group(want, ig->group_id)) {
            bundle_group_mod(oc, bb, ig->group_id, "", OFPGC11_DELETE, NULL);
        }
    }
}

/* After a reconnection, gives what the dump holds and 'want' does not to
 * the refused owners (by the session in the cookie, else the first one), as
 * what they have installed: it may be theirs, so it is neither deleted now
 * nor counted as tampering later, and it is replaced once they want
 * something the switch accepts. */
static void
adopt_unclaimed(struct ofctrl *oc, const struct tm_flow_table *want)
{
    struct owner *first = NULL, *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        if (o->refused && !o->installed) {
            o->installed = tm_owned_create(&o->key, o->session_key);
            o->installed->as_dumped = true;
            if (!first) {
                first = o;
            }
        }
    }
    if (!first) {
        return;
    }
    const struct tm_flow *f;
    HMAP_FOR_EACH (f, hmap_node, &oc->dumped.flows) {
        if (tm_flow_table_find_flow(want, f)) {
            continue;
        }
        struct owner *to = first;
        uint32_t key = tm_cookie_get_session(f->cookie);
        HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
            if (o->refused && o->session_key == key && o->installed) {
                to = o;
                break;
            }
        }
        struct match match;
        minimatch_expand(&f->match, &match);
        tm_flow_table_add(&to->installed->table, f->table_id, f->priority,
                          f->cookie, &match, f->ofpacts, f->ofpacts_len);
    }
    const struct tm_group *g;
    HMAP_FOR_EACH (g, hmap_node, &oc->dumped.groups) {
        if (!tm_flow_table_find_group(want, g->group_id)) {
            tm_flow_table_add_group(&first->installed->table, g->group_id,
                                    g->spec);
        }
    }
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        if (o->refused && o->installed) {
            tm_owned_seal(o->installed);
        }
    }
}

/* True if some owner's desired set was refused. */
static bool
any_refused(const struct ofctrl *oc)
{
    const struct owner *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        if (o->refused) {
            return true;
        }
    }
    return false;
}

/* Adds to 'bb' the removal of every flow and group tmirror owns. */
static void
diff_cleanup(struct ofctrl *oc, struct bundle_builder *bb)
{
    if (hmap_count(&oc->dumped.flows)) {
        struct ofputil_flow_mod fm = {
            .cookie = htonll(TM_COOKIE_MAGIC),
            .cookie_mask = htonll(TM_COOKIE_MAGIC_MASK),
            .new_cookie = OVS_BE64_MAX,
            .table_id = OFPTT_ALL,
            .command = OFPFC_DELETE,
            .buffer_id = UINT32_MAX,
            .out_port = OFPP_ANY,
            .out_group = OFPG_ANY,
        };
        struct match match;

        match_init_catchall(&match);
        minimatch_init(&fm.match, &match);
        struct ofpbuf *msg = ofputil_encode_flow_mod(&fm,
                                                     ofctrl_protocol(oc));
        minimatch_destroy(&fm.match);
        bundle_push(oc, &bb->flow_dels, msg,
                    xstrdup("delete all flows with tmirror's cookie"), NULL,
                    NULL, NULL);
        bb->n_flow_mods++;
    }

    const struct tm_group *g;
    HMAP_FOR_EACH (g, hmap_node, &oc->dumped.groups) {
        bundle_group_mod(oc, bb, g->group_id, "", OFPGC11_DELETE, NULL);
    }
}

/* Sends the messages in 'list' as bundle additions. */
static void
bundle_send_list(struct ofctrl *oc, struct ovs_list *list, uint16_t flags)
{
    struct ofpbuf *msg;

    LIST_FOR_EACH_POP (msg, list_node, list) {
        struct ofputil_bundle_add_msg bam = {
            .bundle_id = oc->bundle_id,
            .flags = flags,
            .msg = msg->data,
        };
        ofpmsg_update_length(msg);
        ofctrl_send(oc, ofputil_encode_bundle_add(ofctrl_version(oc), &bam));
        ofpbuf_delete(msg);
    }
}

/* Sends a bundle control message of 'type' for the current bundle. */
static ovs_be32
bundle_send_ctrl(struct ofctrl *oc, uint16_t type)
{
    struct ofputil_bundle_ctrl_msg bc = {
        .bundle_id = oc->bundle_id,
        .type = type,
        .flags = OFPBF_ATOMIC | OFPBF_ORDERED,
    };
    return ofctrl_send(oc, ofputil_encode_bundle_ctrl_request(
                           ofctrl_version(oc), &bc));
}

/* Opens a bundle with the messages in 'bb' followed by a barrier.  The
 * commit is sent only when the barrier shows that every message was
 * accepted. */
static void
bundle_send(struct ofctrl *oc, struct bundle_builder *bb)
{
    uint16_t flags = OFPBF_ATOMIC | OFPBF_ORDERED;

    oc->bundle_id++;
    oc->bundle_errors = 0;
    bundle_send_ctrl(oc, OFPBCT_OPEN_REQUEST);
    bundle_send_list(oc, &bb->group_adds, flags);
    bundle_send_list(oc, &bb->flow_dels, flags);
    bundle_send_list(oc, &bb->flow_adds, flags);
    bundle_send_list(oc, &bb->group_dels, flags);
    oc->barrier_xid = ofctrl_send(
        oc, ofputil_encode_barrier_request(ofctrl_version(oc)));
    oc->state = S_ADDING;

    oc->bundle_n_mods = bb->n_flow_mods - oc->bundle_nudge + bb->n_group_mods;
    if (!oc->bundle_only_nudge) {
        oc->n_bundles++;            /* A nudge alone programs nothing. */
    }
    oc->n_flow_mods += bb->n_flow_mods - oc->bundle_nudge;
    oc->n_group_mods += bb->n_group_mods;
    COVERAGE_INC(ofctrl_bundle_sent);
    VLOG_DBG("bundle %"PRIu32": %"PRIuSIZE" flow mods, %"PRIuSIZE
             " group mods", oc->bundle_id, bb->n_flow_mods, bb->n_group_mods);
}

/* Returns a flow of what 'o' has installed that the bundle being built
 * leaves alone, or NULL: any of them if 'o' is not pending, else one that
 * its desired set keeps with the same cookie and actions.  (A flow that the
 * bundle changes must not be the nudge: modified back "to itself" after
 * the change, it would undo it.) */
static const struct tm_flow *
nudge_candidate(const struct owner *o)
{
    if (!o->installed) {
        return NULL;
    }
    bool pending = owner_is_pending(o);
    const struct tm_flow *f;
    HMAP_FOR_EACH (f, hmap_node, &o->installed->table.flows) {
        const struct tm_flow *d = (pending && o->desired
                                   ? tm_flow_table_find_flow(
                                         &o->desired->table, f)
                                   : NULL);
        if (!pending || (d && tm_flow_same_actions(d, f))) {
            return f;
        }
    }
    return NULL;
}

/* Adds the revalidation nudge to 'bb': an installed flow that the bundle
 * does not otherwise touch, modified to itself (the default drop if it
 * qualifies, else any such flow).  Returns false if there is none. */
static bool
bundle_add_nudge(struct ofctrl *oc, struct bundle_builder *bb)
{
    struct tm_owner_key infra = tm_owner_key(TM_OWNER_INFRA, NULL, NULL,
                                             false, 0);
    const struct owner *o = owner_find(oc, &infra);
    const struct tm_flow *nudge = o ? nudge_candidate(o) : NULL;
    if (!nudge) {
        HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
            nudge = nudge_candidate(o);
            if (nudge) {
                break;
            }
        }
    }
    if (nudge) {
        bundle_flow_mod(oc, bb, nudge, OFPFC_MODIFY_STRICT, NULL);
    }
    return nudge != NULL;
}

/* Marks 'o' as in the bundle in flight, with the set it carries: its
 * desired set, or what is installed if that set was refused. */
static void
bundle_mark_owner(struct ofctrl *oc, struct owner *o)
{
    o->in_bundle = true;
    hmapx_add(&oc->in_bundle, o);
    tm_owned_unref(o->sent);
    o->sent = (o->refused && o->refused == o->desired
               ? (o->installed ? tm_owned_ref(o->installed) : NULL)
               : (o->desired ? tm_owned_ref(o->desired) : NULL));
}

/* Marks the owners that the bundle in flight was built for (see
 * bundle_mark_owner()). */
static void
bundle_mark_owners(struct ofctrl *oc, bool full)
{
    struct owner *o;
    if (full) {
        HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
            bundle_mark_owner(oc, o);
        }
    } else {
        struct hmapx_node *node;
        HMAPX_FOR_EACH (node, &oc->pending) {
            bundle_mark_owner(oc, node->data);
        }
    }
}

/* Takes every owner out of the bundle in flight, forgetting what it was
 * sent, and settles it. */
static void
bundle_release_owners(struct ofctrl *oc)
{
    struct hmapx owners = HMAPX_INITIALIZER(&owners);
    hmapx_swap(&owners, &oc->in_bundle);
    struct hmapx_node *node;
    HMAPX_FOR_EACH (node, &owners) {
        struct owner *o = node->data;
        o->in_bundle = false;
        tm_owned_unref(o->sent);
        o->sent = NULL;
        owner_settle(oc, o);        /* May free 'o'. */
    }
    hmapx_destroy(&owners);
}

/* Builds and sends a bundle for the pending owners.  Returns false if
 * there was nothing to send. */
static bool
ofctrl_send_pending(struct ofctrl *oc)
{
    struct bundle_builder bb;
    bundle_builder_init(&bb);
    bundle_ops_clear(oc);

    struct hmapx_node *node;
    HMAPX_FOR_EACH (node, &oc->pending) {
        struct owner *o = node->data;
        diff_owner(oc, &bb, o, o->installed, o->desired);
    }
    bool nudge = oc->nudge_requested && bundle_add_nudge(oc, &bb);
    if (!bb.n_flow_mods && !bb.n_group_mods) {
        /* The pending owners differ only in form. */
        struct hmapx pending = HMAPX_INITIALIZER(&pending);
        hmapx_clone(&pending, &oc->pending);
        HMAPX_FOR_EACH (node, &pending) {
            struct owner *o = node->data;
            tm_owned_unref(o->installed);
            o->installed = o->desired ? tm_owned_ref(o->desired) : NULL;
            owner_settle(oc, o);    /* May free 'o'. */
        }
        hmapx_destroy(&pending);
        if (!oc->n_pending) {
            oc->installed_cfg = oc->desired_cfg;
        }
        oc->change_seqno++;
        return false;
    }
    bundle_mark_owners(oc, false);
    oc->bundle_is_full = false;
    oc->bundle_nudge = nudge;
    oc->bundle_only_nudge = nudge && bb.n_flow_mods == 1 && !bb.n_group_mods;
    oc->nudge_requested &= !nudge;
    oc->bundle_seqno = oc->desired_seqno;
    oc->bundle_cfg = oc->desired_cfg;
    bundle_send(oc, &bb);
    return true;
}

/* Compares a complete dump with what should be there and sends the
 * difference. */
static void
ofctrl_dump_complete(struct ofctrl *oc)
{
    oc->n_dumps++;
    oc->state = S_IDLE;
    if (oc->dump_failed) {
        return;
    }
    oc->n_dumped_flows = hmap_count(&oc->dumped.flows);
    oc->n_dumped_groups = hmap_count(&oc->dumped.groups);

    struct bundle_builder bb;
    bundle_builder_init(&bb);
    bundle_ops_clear(oc);
    bool repairs = oc->installed_known;
    if (oc->cleanup) {
        diff_cleanup(oc, &bb);
    } else {
        /* After a reconnection the switch should end up with what is
         * desired; in an audit, with what is installed (pending changes
         * follow in their own bundle). */
        struct tm_flow_table want;
        tm_flow_table_init(&want);
        normalised_union(oc, repairs, &want);
        bool refused = !repairs && any_refused(oc);
        if (refused) {
            adopt_unclaimed(oc, &want);
        }
        diff_dump(oc, &bb, &want, repairs, !refused);
        tm_flow_table_destroy(&want);
    }
    tm_flow_table_clear(&oc->dumped);

    if (!bb.n_flow_mods && !bb.n_group_mods) {
        if (!oc->cleanup && !repairs) {
            bundle_mark_owners(oc, true);
            oc->bundle_seqno = oc->desired_seqno;
            oc->bundle_cfg = oc->desired_cfg;
            oc->bundle_is_full = true;
            oc->bundle_nudge = false;
            oc->bundle_only_nudge = false;
            oc->bundle_n_mods = 0;
            /* Nothing to send: as if committed. */
            oc->state = S_COMMITTING;
            oc->bundle_errors = 0;
            ofctrl_bundle_committed(oc);
        } else if (oc->cleanup) {
            oc->installed_known = true;
        }
        return;
    }
    if (!oc->cleanup && !repairs) {
        bundle_mark_owners(oc, true);
    }
    oc->bundle_is_full = !repairs && !oc->cleanup;
    oc->bundle_nudge = false;
    oc->bundle_only_nudge = false;
    oc->bundle_seqno = oc->desired_seqno;
    oc->bundle_cfg = oc->desired_cfg;
    bundle_send(oc, &bb);
}

/* Called when the barrier after the bundle's messages returns: commits the
 * bundle if the switch accepted every message, otherwise discards it and
 * sets aside the owners whose messages were refused. */
static void
ofctrl_bundle_added(struct ofctrl *oc)
{
    if (!oc->bundle_errors) {
        bundle_send_ctrl(oc, OFPBCT_COMMIT_REQUEST);
        oc->barrier_xid = ofctrl_send(
            oc, ofputil_encode_barrier_request(ofctrl_version(oc)));
        oc->state = S_COMMITTING;
        return;
    }

    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    VLOG_WARN_RL(&rl, "bundle %"PRIu32": %"PRIuSIZE" message(s) refused, "
                 "discarded (the switch is unchanged)", oc->bundle_id,
                 oc->bundle_errors);
    bundle_send_ctrl(oc, OFPBCT_DISCARD_REQUEST);
    oc->nudge_requested |= oc->bundle_nudge;
    oc->n_bundles_failed++;
    COVERAGE_INC(ofctrl_bundle_failed);

    bundle_release_owners(oc);
    bundle_ops_clear(oc);
    oc->state = S_IDLE;
    oc->change_seqno++;
}

/* Called when the barrier after the commit returns: what the bundle carried
 * is installed. */
static void
ofctrl_bundle_committed(struct ofctrl *oc)
{
    struct owner *o, *next;
    int64_t old_installed_cfg = oc->installed_cfg;
    if (oc->bundle_errors) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_WARN_RL(&rl, "bundle %"PRIu32": commit failed (the switch is "
                     "unchanged); retrying", oc->bundle_id);
        oc->nudge_requested |= oc->bundle_nudge;
        oc->n_bundles_failed++;
        COVERAGE_INC(ofctrl_bundle_failed);
    } else if (oc->cleanup) {
        HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
            tm_owned_unref(o->installed);
            o->installed = NULL;
        }
        oc->installed_known = true;
    } else {
        struct hmapx_node *node;
        HMAPX_FOR_EACH (node, &oc->in_bundle) {
            o = node->data;
            tm_owned_unref(o->installed);
            o->installed = o->sent;
            o->sent = NULL;
        }
        if (oc->bundle_is_full) {
            oc->installed_known = true;
        }
        if (oc->bundle_nudge) {
            oc->n_nudges++;
        }
        if (oc->bundle_n_mods) {
            oc->mods_seqno++;
        }
    }
    if (oc->cleanup) {
        HMAP_FOR_EACH_SAFE (o, next, hmap_node, &oc->owners) {
            owner_settle(oc, o);
        }
    }
    bundle_release_owners(oc);
    if (!oc->bundle_errors && oc->installed_known && !oc->n_pending) {
        /* Everything desired is installed, but for refused owners, whose
         * sessions report it. */
        oc->installed_cfg = oc->desired_cfg;
    }
    bundle_ops_clear(oc);
    oc->state = S_IDLE;
    if (oc->bundle_errors || !oc->bundle_only_nudge
        || oc->installed_cfg != old_installed_cfg) {
        /* A nudge alone changes nothing that anyone follows: counting it
         * as a change would make the revalidation it serves ask for
         * another. */
        oc->change_seqno++;
    }
}

/* Records the switch's error 'name' for the owner of bundle message
 * 'xid'. */
static void
bundle_refuse(struct ofctrl *oc, ovs_be32 xid, const char *name)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 20);
    struct bundle_op *op;
    HMAP_FOR_EACH_WITH_HASH (op, hmap_node, hash_int(ntohl(xid), 0),
                             &oc->bundle_ops) {
        if (op->xid != xid) {
            continue;
        }
        VLOG_WARN_RL(&rl, "bundle %"PRIu32": %s: %s", oc->bundle_id, name,
                     bundle_op_what(op));
        struct owner *o = op->owner;
        if (o && o->in_bundle && o->sent && o->sent == o->desired
            && !o->refused) {
            COVERAGE_INC(ofctrl_refused);
            o->refused = tm_owned_ref(o->desired);
            o->refusal = xasprintf("the switch refused a flow (%s): %s",
                                   name, bundle_op_what(op));
            if (o->session_key) {
                struct session *s = session_get(oc, o->session_key);
                s->n_refused++;
                s->refusal = o->refusal;
            }
        }
        return;
    }
    VLOG_WARN_RL(&rl, "bundle %"PRIu32": %s: bundle control", oc->bundle_id,
                 name);
}

/* Handles an OpenFlow error reply. */
static void
handle_error(struct ofctrl *oc, const struct ofp_header *oh)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 20);
    enum ofperr error = ofperr_decode_msg(oh, NULL);
    const char *name = error ? ofperr_get_name(error) : "unknown error";

    oc->n_errors++;
    COVERAGE_INC(ofctrl_error);
    if (oc->state == S_DUMPING
        && (oh->xid == oc->flow_xid || oh->xid == oc->group_xid)) {
        VLOG_WARN_RL(&rl, "dump request refused: %s", name);
        oc->dump_failed = true;
        if (oh->xid == oc->flow_xid) {
            oc->flows_done = true;
        } else {
            oc->groups_done = true;
        }
    } else if (oc->state == S_ADDING || oc->state == S_COMMITTING) {
        oc->bundle_errors++;
        bundle_refuse(oc, oh->xid, name);
    } else {
        VLOG_WARN_RL(&rl, "unexpected OpenFlow error: %s", name);
    }
}

/* Counters. */

/* Sends one aggregate request per session with accepting flows whose
 * counters are due (see STATS_MAX_BACKOFF). */
static void
ofctrl_request_stats(struct ofctrl *oc)
{
    long long int now = time_msec();
    struct session *s;
    HMAP_FOR_EACH (s, hmap_node, &oc->sessions) {
        if (!s->n_accepting || s->stats_xid || now < s->next_stats) {
            continue;
        }
        s->next_stats = now + (oc->stats_interval << s->stats_quiet);
        struct ofputil_flow_stats_request fsr = {
            .aggregate = true,
            .cookie = htonll(tm_cookie(TM_COOKIE_ACCEPT, s->key)),
            .cookie_mask = OVS_BE64_MAX,
            .out_port = OFPP_ANY,
            .out_group = OFPG_ANY,
            .table_id = OFPTT_ALL,
        };
        match_init_catchall(&fsr.match);
        s->stats_xid = ofctrl_send(oc, ofputil_encode_flow_stats_request(
                                       &fsr, ofctrl_protocol(oc)));
    }
    oc->next_stats = time_msec() + oc->stats_interval;
}


/* Handles an aggregate reply: the count check, or a session's counters. */
static void
handle_aggregate_reply(struct ofctrl *oc, const struct ofp_header *oh)
{
    if (oc->check_xid && oh->xid == oc->check_xid) {
        handle_check_reply(oc, oh);
        return;
    }
    struct session *s;
    HMAP_FOR_EACH (s, hmap_node, &oc->sessions) {
        if (s->stats_xid && s->stats_xid == oh->xid) {
            struct ofputil_aggregate_stats as;
            bool changed = false;
            s->stats_xid = 0;
            if (!ofputil_decode_aggregate_stats_reply(&as, oh)) {
                uint64_t packets = (as.packet_count != UINT64_MAX
                                    ? as.packet_count : 0);
                uint64_t bytes = (as.byte_count != UINT64_MAX
                                  ? as.byte_count : 0);
                changed = (!s->have_stats || packets != s->packets
                           || bytes != s->bytes);
                s->stats_quiet = (changed ? 0
                                  : MIN(s->stats_quiet + 1,
                                        STATS_MAX_BACKOFF));
                s->packets = packets;
                s->bytes = bytes;
                s->have_stats = true;
            }
            if (changed) {
                /* Only a change is announced, so that an idle chassis does
                 * not rewrite its status every interval. */
                oc->stats_seqno++;
            }
            return;
        }
    }
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
        handle_error(oc, oh);
        break;

    case OFPTYPE_FLOW_STATS_REPLY:
        if (oc->state == S_DUMPING && oh->xid == oc->flow_xid) {
            handle_flow_stats_reply(oc, msg);
        }
        break;

    case OFPTYPE_AGGREGATE_STATS_REPLY:
        handle_aggregate_reply(oc, oh);
        break;

    case OFPTYPE_GROUP_DESC_STATS_REPLY:
        if (oc->state == S_DUMPING && oh->xid == oc->group_xid) {
            handle_group_desc_reply(oc, msg);
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
    if (time_msec() >= oc->next_stats) {
        ofctrl_request_stats(oc);
    }
}

/* Arranges for poll_block() to wake up when ofctrl_run() has work. */
void
ofctrl_wait(struct ofctrl *oc)
{
    rconn_run_wait(oc->rconn);
    rconn_recv_wait(oc->rconn);
    if (!rconn_is_connected(oc->rconn)) {
        return;
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
    if (!hmap_is_empty(&oc->sessions)) {
        poll_timer_wait_until(oc->next_stats);
    }
}

/* Queries. */

/* True while connected and everything desired is installed. */
bool
ofctrl_is_synced(const struct ofctrl *oc)
{
    if (!rconn_is_connected(oc->rconn) || !oc->installed_known
        || oc->state != S_IDLE || oc->n_pending) {
        return false;
    }
    const struct owner *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        if (o->refused) {
            return false;
        }
    }
    return true;
}

/* Returns the 'cfg' last confirmed, or -1. */
int64_t
ofctrl_get_installed_cfg(const struct ofctrl *oc)
{
    return oc->installed_cfg;
}

/* True if connected to the switch. */
bool
ofctrl_is_connected(const struct ofctrl *oc)
{
    return rconn_is_connected(oc->rconn);
}

/* Returns the number of connections made so far. */
unsigned int
ofctrl_get_connection_seqno(const struct ofctrl *oc)
{
    return oc->conn_seqno;
}

/* Returns a number that changes with what the switch holds. */
uint64_t
ofctrl_get_change_seqno(const struct ofctrl *oc)
{
    return oc->change_seqno;
}

/* Returns a number that changes whenever a bundle that changed flows or
 * groups of the switch was committed (not for a nudge alone, a dump that
 * found nothing to change, or a connection). */
uint64_t
ofctrl_get_mods_seqno(const struct ofctrl *oc)
{
    return oc->mods_seqno;
}

/* True if every owner of 'session_key' is installed as desired. */
bool
ofctrl_session_installed(const struct ofctrl *oc, uint32_t session_key)
{
    const struct session *s = session_find(oc, session_key);
    return (rconn_is_connected(oc->rconn) && oc->installed_known
            && (!s || (!s->n_unsettled && !s->n_refused)));
}

/* True if 'session_key''s copies are delivered as ovs-vswitchd confirmed:
 * every owner is installed, or every owner was installed and only rules
 * have changed since (the old rules go on copying until the switch commits
 * the new ones, in one bundle). */
bool
ofctrl_session_delivering(const struct ofctrl *oc, uint32_t session_key)
{
    const struct session *s = session_find(oc, session_key);
    if (!s) {
        return ofctrl_session_installed(oc, session_key);
    }
    return (rconn_is_connected(oc->rconn) && oc->installed_known
            && !s->n_refused
            && (!s->n_unsettled
                || (s->confirmed && s->n_unsettled == s->n_unsettled_rules)));
}

/* Returns why an owner of 'session_key' was refused, or NULL. */
const char *
ofctrl_session_refused(const struct ofctrl *oc, uint32_t session_key)
{
    const struct session *s = session_find(oc, session_key);
    if (!s || !s->n_refused) {
        return NULL;
    }
    const struct owner *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        if (o->session_key == session_key && o->refusal) {
            return o->refusal;
        }
    }
    return NULL;
}

/* Returns the counters of 'session_key'. */
bool
ofctrl_get_session_stats(const struct ofctrl *oc, uint32_t session_key,
                         uint64_t *packets, uint64_t *bytes)
{
    const struct session *s = session_find(oc, session_key);
    bool ok = s && s->n_accepting && s->have_stats;
    *packets = ok ? s->packets : 0;
    *bytes = ok ? s->bytes : 0;
    return ok;
}

/* Returns true if 'session_key' has accepting flows whose counters have not
 * been read yet. */
bool
ofctrl_session_stats_pending(const struct ofctrl *oc, uint32_t session_key)
{
    const struct session *s = session_find(oc, session_key);
    return s && s->n_accepting && !s->have_stats;
}

/* Returns a number that changes when counters arrive. */
uint64_t
ofctrl_get_stats_seqno(const struct ofctrl *oc)
{
    return oc->stats_seqno;
}

static const char *
ofctrl_state_name(enum ofctrl_state state)
{
    switch (state) {
    case S_DISCONNECTED: return "disconnected";
    case S_IDLE: return "idle";
    case S_DUMPING: return "dumping";
    case S_ADDING: return "bundle-adding";
    case S_COMMITTING: return "bundle-committing";
    }
    return "unknown";
}

/* Appends a summary of 'oc''s state to 's'. */
void
ofctrl_format_status(const struct ofctrl *oc, struct ds *s)
{
    size_t n_desired_flows = 0, n_desired_groups = 0, n_refused = 0;
    const struct owner *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        if (o->desired) {
            n_desired_flows += hmap_count(&o->desired->table.flows);
            n_desired_groups += hmap_count(&o->desired->table.groups);
        }
        n_refused += o->refused != NULL;
    }

    ds_put_format(s, "OpenFlow: %s", oc->bridge ? oc->bridge : "(no bridge)");
    if (rconn_is_connected(oc->rconn)) {
        ds_put_format(s, " connected (%s), connection %u\n",
                      ofputil_version_to_string(ofctrl_version(oc)),
                      oc->conn_seqno);
    } else {
        ds_put_format(s, " not connected (%s)\n",
                      rconn_get_state(oc->rconn));
    }
    ds_put_format(s, "  state: %s, synced: %s, installed cfg: %"PRId64
                  ", desired cfg: %"PRId64"\n",
                  ofctrl_state_name(oc->state),
                  ofctrl_is_synced(oc) ? "yes" : "no",
                  oc->installed_cfg, oc->desired_cfg);
    ds_put_format(s, "  desired: %"PRIuSIZE" flows, %"PRIuSIZE" groups; "
                  "last dump: %"PRIuSIZE" flows, %"PRIuSIZE" groups\n",
                  n_desired_flows, n_desired_groups,
                  oc->n_dumped_flows, oc->n_dumped_groups);
    ds_put_format(s, "  dumps: %"PRIu64", bundles: %"PRIu64
                  " (failed: %"PRIu64"), flow mods: %"PRIu64
                  ", group mods: %"PRIu64", repairs: %"PRIu64
                  ", errors: %"PRIu64"\n",
                  oc->n_dumps, oc->n_bundles, oc->n_bundles_failed,
                  oc->n_flow_mods, oc->n_group_mods, oc->n_repairs,
                  oc->n_errors);
    if (n_refused || oc->n_pending) {
        ds_put_format(s, "  owners: %"PRIuSIZE", pending: %"PRIuSIZE
                      ", refused: %"PRIuSIZE"\n", hmap_count(&oc->owners),
                      oc->n_pending, n_refused);
    }
}

/* Appends the installed flows, sorted. */
void
ofctrl_format_installed(const struct ofctrl *oc, struct ds *s)
{
    struct tm_flow_table all;
    tm_flow_table_init(&all);
    const struct owner *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        if (o->installed) {
            tm_flow_table_merge(&all, &o->installed->table);
        }
    }
    tm_flow_table_format(&all, s);
    tm_flow_table_destroy(&all);
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
