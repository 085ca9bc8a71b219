/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>
#include "ofctrl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "bitmap.h"
#include "coverage.h"
#include "dirs.h"
#include "flow-table.h"
#include "hash.h"
#include "nx-match.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
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

/* How often the switch's flow table is dumped and compared, in ms. */
#define OFCTRL_DUMP_INTERVAL 1000

/* The most OpenFlow messages handled in one ofctrl_run(). */
#define OFCTRL_MAX_RECV 1000

enum ofctrl_state {
    S_DISCONNECTED,             /* No connection to the switch. */
    S_IDLE,                     /* Waiting for the next dump. */
    S_DUMPING,                  /* Flow and group dumps requested. */
    S_ADDING,                   /* Bundle opened and filled; barrier sent. */
    S_COMMITTING,               /* Bundle commit and barrier sent. */
};

/* One message added to the bundle in flight, for error reports.  'flow'
 * points into 'norm' or 'dumped', which do not change while a bundle is in
 * flight. */
struct bundle_op {
    struct hmap_node hmap_node; /* In 'bundle_ops', by xid. */
    ovs_be32 xid;
    const char *verb;           /* "add", "modify", "delete". */
    const struct tm_flow *flow; /* The flow, or NULL for a group. */
    uint32_t group_id;          /* The group, if 'flow' is NULL. */
};

/* A 64-bit digest of a flow (key, cookie and actions) or of a group (id and
 * canonical spec).  Keeping digests instead of copies of confirmed flows
 * saves a struct match (3.4 kB) per flow; a collision could only hide a
 * repair from the log, never skip one. */
struct fingerprint {
    struct hmap_node hmap_node; /* In 'installed', by low 32 bits. */
    uint32_t high;              /* High 32 bits. */
};

/* Packet and byte counters of one session, summed over its accept flows. */
struct session_stats {
    struct hmap_node hmap_node; /* In 'stats', by session key. */
    uint32_t key;
    uint64_t packets;
    uint64_t bytes;
};

struct ofctrl {
    char *bridge;               /* NULL if none. */
    struct rconn *rconn;
    unsigned int rconn_seqno;   /* Last rconn_get_connection_seqno(). */
    unsigned int conn_seqno;    /* Connections made so far. */
    enum ofctrl_state state;
    long long int next_dump;    /* In S_IDLE, when to dump next. */
    bool dump_now;              /* Dump as soon as S_IDLE. */
    bool cleanup;               /* Delete everything ours (cookie-masked). */

    /* What the pipeline wants (copy of the last ofctrl_put()). */
    struct tm_flow_table desired;
    int64_t desired_cfg;
    uint64_t desired_seqno;     /* Bumped when 'desired' changes. */

    /* 'desired' normalised as the switch would store it: each flow encoded
     * and decoded again; group specs in a canonical form. */
    struct tm_flow_table norm;
    uint64_t norm_seqno;        /* 'desired_seqno' it was made from, or 0. */
    int64_t norm_cfg;
    int norm_version;           /* OpenFlow version it was made for. */

    /* The last dump. */
    ovs_be32 flow_xid;
    ovs_be32 group_xid;
    bool flows_done;
    bool groups_done;
    bool dump_failed;
    struct tm_flow_table dumped;    /* Groups' spec: canonical form. */
    size_t n_dumped_flows;
    size_t n_dumped_groups;
    struct hmap stats;          /* Contains "struct session_stats"s. */

    /* The bundle in flight. */
    uint32_t bundle_id;
    ovs_be32 barrier_xid;
    struct hmap bundle_ops;     /* Contains "struct bundle_op"s. */
    size_t bundle_errors;
    uint64_t bundle_seqno;      /* 'norm_seqno' the bundle implements. */
    int64_t bundle_cfg;

    /* What the switch confirmed. */
    int64_t installed_cfg;
    uint64_t confirmed_seqno;   /* On this connection; 0 if none. */
    struct hmap installed;      /* "struct fingerprint"s of the flows and
                                 * groups last confirmed, for telling
                                 * tampering from intended changes. */
    uint64_t installed_seqno;

    /* Counters for ofctrl_format_status(). */
    uint64_t n_dumps;
    uint64_t n_bundles;
    uint64_t n_bundles_failed;
    uint64_t n_flow_mods;
    uint64_t n_group_mods;
    uint64_t n_repairs;
    uint64_t n_errors;
};

static void ofctrl_reset(struct ofctrl *);
static void ofctrl_handle_msg(struct ofctrl *, struct ofpbuf *);
static void ofctrl_start_dump(struct ofctrl *);
static void ofctrl_dump_complete(struct ofctrl *);
static void ofctrl_confirm(struct ofctrl *, uint64_t seqno, int64_t cfg);
static void bundle_ops_clear(struct ofctrl *);
static void fingerprints_clear(struct hmap *);
static void stats_clear(struct ofctrl *);

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

/* Creates an OpenFlow manager, not connected to any bridge yet.  The caller
 * owns it and frees it with ofctrl_destroy(). */
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
    oc->dump_now = true;
    tm_flow_table_init(&oc->desired);
    oc->desired_cfg = -1;
    oc->desired_seqno = 1;
    tm_flow_table_init(&oc->norm);
    tm_flow_table_init(&oc->dumped);
    hmap_init(&oc->stats);
    hmap_init(&oc->bundle_ops);
    hmap_init(&oc->installed);
    oc->installed_cfg = -1;
    return oc;
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
    tm_flow_table_destroy(&oc->desired);
    tm_flow_table_destroy(&oc->norm);
    tm_flow_table_destroy(&oc->dumped);
    fingerprints_clear(&oc->installed);
    hmap_destroy(&oc->installed);
    stats_clear(oc);
    hmap_destroy(&oc->stats);
    bundle_ops_clear(oc);
    hmap_destroy(&oc->bundle_ops);
    free(oc);
}

/* Connects 'oc' to 'bridge''s management socket in ovs_rundir(), or
 * disconnects it if 'bridge' is NULL.  Does nothing if unchanged. */
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

/* Forgets everything that depends on the current connection: requests in
 * flight, the last confirmation and the tampering baseline.  The next
 * connection starts with a dump. */
static void
ofctrl_reset(struct ofctrl *oc)
{
    oc->state = rconn_is_connected(oc->rconn) ? S_IDLE : S_DISCONNECTED;
    oc->dump_now = true;
    oc->flow_xid = oc->group_xid = oc->barrier_xid = 0;
    bundle_ops_clear(oc);
    oc->confirmed_seqno = 0;
    fingerprints_clear(&oc->installed);
    oc->installed_seqno = 0;
}

/* Replaces the desired flows and groups by a copy of 'desired', which
 * implements configuration 'cfg'.  If the table did not change, only 'cfg'
 * is recorded (and confirmed at once if the table already is). */
void
ofctrl_put(struct ofctrl *oc, const struct tm_flow_table *desired,
           int64_t cfg)
{
    if (!tm_flow_table_equal(&oc->desired, desired)) {
        tm_flow_table_copy(&oc->desired, desired);
        oc->desired_seqno++;
        oc->dump_now = true;
        poll_immediate_wake();
    }
    oc->desired_cfg = cfg;
    if (oc->confirmed_seqno == oc->desired_seqno
        && rconn_is_connected(oc->rconn)) {
        oc->installed_cfg = cfg;
    }
}

/* Notices a new connection or a disconnection, and starts over after
 * either: a new connection begins with a dump, never with a flush. */
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

    if (oc->state == S_IDLE
        && (oc->dump_now || time_msec() >= oc->next_dump)) {
        ofctrl_start_dump(oc);
    }
}

/* Arranges for poll_block() to wake up when ofctrl_run() has work. */
void
ofctrl_wait(struct ofctrl *oc)
{
    rconn_run_wait(oc->rconn);
    rconn_recv_wait(oc->rconn);
    if (oc->state == S_IDLE) {
        if (oc->dump_now) {
            poll_immediate_wake();
        } else {
            poll_timer_wait_until(oc->next_dump);
        }
    }
}

/* True while connected and the switch has confirmed the last ofctrl_put(). */
bool
ofctrl_is_synced(const struct ofctrl *oc)
{
    return (rconn_is_connected(oc->rconn)
            && oc->confirmed_seqno == oc->desired_seqno);
}

/* Returns the 'cfg' of the last ofctrl_put() the switch confirmed, or -1. */
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

/* Returns the number of connections made to the switch so far. */
unsigned int
ofctrl_get_connection_seqno(const struct ofctrl *oc)
{
    return oc->conn_seqno;
}

/* Returns the 64-bit digest of flow 'f'. */
static uint64_t
flow_fingerprint(const struct tm_flow *f)
{
    uint32_t basis = ((uint32_t) f->table_id << 16) | f->priority;
    uint32_t lo = minimatch_hash(&f->match, basis);
    uint32_t hi = minimatch_hash(&f->match, ~basis);

    lo = hash_bytes(f->ofpacts, f->ofpacts_len, hash_uint64_basis(f->cookie,
                                                                  lo));
    hi = hash_bytes(f->ofpacts, f->ofpacts_len, hash_uint64_basis(f->cookie,
                                                                  hi));
    return ((uint64_t) hi << 32) | lo;
}

/* Returns the 64-bit digest of group 'g'. */
static uint64_t
group_fingerprint(const struct tm_group *g)
{
    uint32_t lo = hash_string(g->spec, hash_int(g->group_id, 1));
    uint32_t hi = hash_string(g->spec, hash_int(g->group_id, 2));
    return ((uint64_t) hi << 32) | lo;
}

/* True if 'fingerprints' contains 'fp'. */
static bool
fingerprint_contains(const struct hmap *fingerprints, uint64_t fp)
{
    const struct fingerprint *node;
    HMAP_FOR_EACH_WITH_HASH (node, hmap_node, (uint32_t) fp, fingerprints) {
        if (node->high == fp >> 32) {
            return true;
        }
    }
    return false;
}

/* Adds 'fp' to 'fingerprints'. */
static void
fingerprint_add(struct hmap *fingerprints, uint64_t fp)
{
    if (!fingerprint_contains(fingerprints, fp)) {
        struct fingerprint *node = xmalloc(sizeof *node);
        node->high = fp >> 32;
        hmap_insert(fingerprints, &node->hmap_node, (uint32_t) fp);
    }
}

/* Frees every fingerprint in 'fingerprints'. */
static void
fingerprints_clear(struct hmap *fingerprints)
{
    struct fingerprint *node;
    HMAP_FOR_EACH_POP (node, hmap_node, fingerprints) {
        free(node);
    }
}

/* Frees the per-session statistics. */
static void
stats_clear(struct ofctrl *oc)
{
    struct session_stats *ss;
    HMAP_FOR_EACH_POP (ss, hmap_node, &oc->stats) {
        free(ss);
    }
}

/* Returns the statistics of 'key', or NULL. */
static struct session_stats *
stats_find(const struct ofctrl *oc, uint32_t key)
{
    struct session_stats *ss;
    HMAP_FOR_EACH_WITH_HASH (ss, hmap_node, hash_int(key, 0), &oc->stats) {
        if (ss->key == key) {
            return ss;
        }
    }
    return NULL;
}

/* Recomputes the per-session statistics from the dumped flows. */
static void
stats_update(struct ofctrl *oc)
{
    const struct tm_flow *f;

    stats_clear(oc);
    HMAP_FOR_EACH (f, hmap_node, &oc->dumped.flows) {
        if (tm_cookie_get_kind(f->cookie) != TM_COOKIE_ACCEPT) {
            continue;
        }
        uint32_t key = tm_cookie_get_session(f->cookie);
        struct session_stats *ss = stats_find(oc, key);
        if (!ss) {
            ss = xzalloc(sizeof *ss);
            ss->key = key;
            hmap_insert(&oc->stats, &ss->hmap_node, hash_int(key, 0));
        }
        ss->packets += f->n_packets;
        ss->bytes += f->n_bytes;
    }
}

/* Stores in '*packets' and '*bytes' the counters of the accepting flows of
 * 'session_key' in the last dump.  Returns false (and zeros) if it had
 * none. */
bool
ofctrl_get_session_stats(const struct ofctrl *oc, uint32_t session_key,
                         uint64_t *packets, uint64_t *bytes)
{
    const struct session_stats *ss = stats_find(oc, session_key);

    *packets = ss ? ss->packets : 0;
    *bytes = ss ? ss->bytes : 0;
    return ss != NULL;
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
                  hmap_count(&oc->desired.flows),
                  hmap_count(&oc->desired.groups),
                  oc->n_dumped_flows, oc->n_dumped_groups);
    ds_put_format(s, "  dumps: %"PRIu64", bundles: %"PRIu64
                  " (failed: %"PRIu64"), flow mods: %"PRIu64
                  ", group mods: %"PRIu64", repairs: %"PRIu64
                  ", errors: %"PRIu64"\n",
                  oc->n_dumps, oc->n_bundles, oc->n_bundles_failed,
                  oc->n_flow_mods, oc->n_group_mods, oc->n_repairs,
                  oc->n_errors);
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
    oc->dump_now = false;
    oc->state = S_DUMPING;
}

/* Returns to S_IDLE and schedules the next dump. */
static void
ofctrl_go_idle(struct ofctrl *oc)
{
    oc->state = S_IDLE;
    oc->next_dump = time_msec() + OFCTRL_DUMP_INTERVAL;
}

/* Appends 'gd''s type, properties and buckets to 's' in a canonical form
 * that does not depend on bucket ids, so that a desired group and a dumped
 * one compare equal as strings when they behave the same. */
static void
format_group_canonical(struct ds *s, uint8_t type,
                       const struct ovs_list *buckets,
                       const struct ofputil_group_props *props)
{
    const struct ofputil_bucket *bucket;

    ds_put_format(s, "type=%"PRIu8, type);
    if (props->selection_method[0]) {
        ds_put_format(s, ",selection_method=%s,selection_method_param=%"
                      PRIu64, props->selection_method,
                      props->selection_method_param);
        if (bitmap_count1(props->fields.used.bm, MFF_N_IDS)) {
            ds_put_cstr(s, ",fields(");
            oxm_format_field_array(s, &props->fields);
            ds_put_char(s, ')');
        }
    }
    LIST_FOR_EACH (bucket, list_node, buckets) {
        struct ofpact_format_params fp = { .s = s };

        ds_put_format(s, ",bucket=weight:%"PRIu16",watch_port:%"PRIu32
                      ",watch_group:%"PRIu32",actions=", bucket->weight,
                      ofp_to_u16(bucket->watch_port), bucket->watch_group);
        ofpacts_format(bucket->ofpacts, bucket->ofpacts_len, &fp);
    }
}

/* Parses desired group 'group_id' with 'spec' into 'gm' for 'command'.
 * Returns false, after logging why, if 'spec' is invalid. */
static bool
parse_group(uint32_t group_id, const char *spec, int command,
            struct ofputil_group_mod *gm)
{
    enum ofputil_protocol usable;
    char *s = xasprintf("group_id=%"PRIu32"%s%s", group_id,
                        spec[0] ? "," : "", spec);
    char *error = parse_ofp_group_mod_str(gm, command, s, NULL, NULL,
                                          &usable);
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_ERR_RL(&rl, "desired group %"PRIu32": invalid spec \"%s\": %s",
                    group_id, spec, error);
        free(error);
        free(s);
        return false;
    }
    free(s);
    return true;
}

/* Normalises one desired flow for the connection's protocol: encodes it as
 * a flow_mod and decodes it back, so that its match and actions are what
 * the switch will report.  Adds the result to 'oc->norm'. */
static void
normalise_flow(struct ofctrl *oc, const struct tm_flow *f,
               enum ofputil_protocol protocol)
{
    struct ofputil_flow_mod fm = {
        .priority = f->priority,
        .new_cookie = htonll(f->cookie),
        .table_id = f->table_id,
        .command = OFPFC_ADD,
        .buffer_id = UINT32_MAX,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .ofpacts = f->ofpacts,
        .ofpacts_len = f->ofpacts_len,
    };
    fm.match = f->match;        /* Borrowed: encoding only reads it. */
    struct ofpbuf *msg = ofputil_encode_flow_mod(&fm, protocol);
    ofpmsg_update_length(msg);

    struct ofputil_flow_mod back;
    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 0);
    enum ofperr error = ofputil_decode_flow_mod(&back, msg->data, protocol,
                                                NULL, NULL, &ofpacts,
                                                OFPP_MAX, 255);
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        if (!VLOG_DROP_ERR(&rl)) {
            char *m = minimatch_to_string(&f->match, NULL,
                                          OFP_DEFAULT_PRIORITY);
            VLOG_ERR("desired flow table=%"PRIu8", priority=%"PRIu16", %s "
                     "cannot be encoded (%s): not installed",
                     f->table_id, f->priority, m, ofperr_get_name(error));
            free(m);
        }
    } else {
        struct match match;
        minimatch_expand(&back.match, &match);
        minimatch_destroy(&back.match);
        tm_flow_table_add(&oc->norm, back.table_id, back.priority,
                          f->cookie, &match, back.ofpacts,
                          back.ofpacts_len);
    }
    ofpbuf_uninit(&ofpacts);
    ofpbuf_delete(msg);
}

/* Normalises one desired group: parses, encodes and decodes it, and adds
 * its canonical form to 'oc->norm'. */
static void
normalise_group(struct ofctrl *oc, const struct tm_group *g,
                enum ofp_version version)
{
    struct ofputil_group_mod gm;

    if (!parse_group(g->group_id, g->spec, OFPGC11_ADD, &gm)) {
        return;
    }
    struct ofpbuf *msg = ofputil_encode_group_mod(version, &gm, NULL, -1);
    ofpmsg_update_length(msg);
    ofputil_uninit_group_mod(&gm);

    struct ofputil_group_mod back;
    enum ofperr error = ofputil_decode_group_mod(msg->data, &back);
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_ERR_RL(&rl, "desired group %"PRIu32" \"%s\" cannot be encoded "
                    "(%s): not installed", g->group_id, g->spec,
                    ofperr_get_name(error));
    } else {
        struct ds s = DS_EMPTY_INITIALIZER;
        format_group_canonical(&s, back.type, &back.buckets, &back.props);
        tm_flow_table_add_group(&oc->norm, g->group_id, ds_cstr(&s));
        ds_destroy(&s);
        ofputil_uninit_group_mod(&back);
    }
    ofpbuf_delete(msg);

    if (!group_id_is_ours(g->group_id)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_WARN_RL(&rl, "desired group id %"PRIu32" is outside tmirror's "
                     "range %"PRIu32"..%"PRIu32, g->group_id,
                     TM_GROUP_BASE, TM_GROUP_MAX);
    }
}

/* Brings 'oc->norm' up to date with 'oc->desired' for the current
 * connection's OpenFlow version. */
static void
ofctrl_normalise(struct ofctrl *oc)
{
    enum ofp_version version = ofctrl_version(oc);

    if (oc->norm_seqno == oc->desired_seqno && oc->norm_version == version) {
        oc->norm_cfg = oc->desired_cfg;
        return;
    }

    enum ofputil_protocol protocol = ofctrl_protocol(oc);
    tm_flow_table_clear(&oc->norm);

    const struct tm_flow *f;
    HMAP_FOR_EACH (f, hmap_node, &oc->desired.flows) {
        normalise_flow(oc, f, protocol);
    }
    const struct tm_group *g;
    HMAP_FOR_EACH (g, hmap_node, &oc->desired.groups) {
        normalise_group(oc, g, version);
    }
    oc->norm_seqno = oc->desired_seqno;
    oc->norm_cfg = oc->desired_cfg;
    oc->norm_version = version;
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
        if (!tm_cookie_is_ours(cookie)) {
            continue;
        }
        struct tm_flow *f = tm_flow_table_add(&oc->dumped, fs.table_id,
                                              fs.priority, cookie, &fs.match,
                                              fs.ofpacts, fs.ofpacts_len);
        f->n_packets = fs.packet_count != UINT64_MAX ? fs.packet_count : 0;
        f->n_bytes = fs.byte_count != UINT64_MAX ? fs.byte_count : 0;
    }
    ofpbuf_uninit(&ofpacts);
    if (!more) {
        oc->flows_done = true;
    }
}

/* Decodes the groups in a group description reply into 'oc->dumped',
 * keeping those tmirror owns or wants. */
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
        if (group_id_is_ours(gd.group_id)
            || tm_flow_table_find_group(&oc->desired, gd.group_id)) {
            struct ds s = DS_EMPTY_INITIALIZER;
            format_group_canonical(&s, gd.type, &gd.buckets, &gd.props);
            tm_flow_table_add_group(&oc->dumped, gd.group_id, ds_cstr(&s));
            ds_destroy(&s);
        }
        ofputil_uninit_group_desc(&gd);
    }
    if (!more) {
        oc->groups_done = true;
    }
}

/* Frees the descriptions of the bundle's messages. */
static void
bundle_ops_clear(struct ofctrl *oc)
{
    struct bundle_op *op;
    HMAP_FOR_EACH_POP (op, hmap_node, &oc->bundle_ops) {
        free(op);
    }
}

static char *describe_flow(const char *verb, const struct tm_flow *);

/* Returns a description of bundle message 'xid' (to be freed), or NULL. */
static char *
bundle_op_describe(const struct ofctrl *oc, ovs_be32 xid)
{
    struct bundle_op *op;
    HMAP_FOR_EACH_WITH_HASH (op, hmap_node, hash_int(ntohl(xid), 0),
                             &oc->bundle_ops) {
        if (op->xid == xid) {
            return (op->flow ? describe_flow(op->verb, op->flow)
                    : op->group_id ? xasprintf("%s group_id=%"PRIu32,
                                               op->verb, op->group_id)
                    : xstrdup(op->verb));
        }
    }
    return NULL;
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

/* Appends 'msg' to 'list', remembering what it does under its xid for
 * error reports. */
static void
bundle_push(struct ofctrl *oc, struct ovs_list *list, struct ofpbuf *msg,
            const char *verb, const struct tm_flow *flow, uint32_t group_id)
{
    const struct ofp_header *oh = msg->data;
    struct bundle_op *op = xmalloc(sizeof *op);

    op->xid = oh->xid;
    op->verb = verb;
    op->flow = flow;
    op->group_id = group_id;
    hmap_insert(&oc->bundle_ops, &op->hmap_node, hash_int(ntohl(op->xid), 0));
    ovs_list_push_back(list, &msg->list_node);
}

/* Returns a description of 'f' for logs, prefixed by 'verb'. */
static char *
describe_flow(const char *verb, const struct tm_flow *f)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ofpact_format_params fp = { .s = &s };

    ds_put_format(&s, "%s table=%"PRIu8", priority=%"PRIu16", cookie=%#"
                  PRIx64", ", verb, f->table_id, f->priority, f->cookie);
    size_t length = s.length;
    minimatch_format(&f->match, NULL, NULL, &s, OFP_DEFAULT_PRIORITY);
    if (s.length > length) {
        ds_put_char(&s, ' ');
    }
    ds_put_cstr(&s, "actions=");
    ofpacts_format(f->ofpacts, f->ofpacts_len, &fp);
    return ds_steal_cstr(&s);
}

/* Adds a flow_mod of 'command' for flow 'f' to the bundle. */
static void
bundle_flow_mod(struct ofctrl *oc, struct bundle_builder *bb,
                const struct tm_flow *f, uint16_t command)
{
    struct ofputil_flow_mod fm = {
        .priority = f->priority,
        .table_id = f->table_id,
        .command = command,
        .buffer_id = UINT32_MAX,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
    };
    const char *verb;
    struct ovs_list *list;

    if (command == OFPFC_ADD) {
        fm.new_cookie = htonll(f->cookie);
        fm.ofpacts = f->ofpacts;
        fm.ofpacts_len = f->ofpacts_len;
        verb = "add";
        list = &bb->flow_adds;
    } else if (command == OFPFC_MODIFY_STRICT) {
        fm.cookie = htonll(f->cookie);
        fm.cookie_mask = OVS_BE64_MAX;
        fm.new_cookie = OVS_BE64_MAX;
        fm.ofpacts = f->ofpacts;
        fm.ofpacts_len = f->ofpacts_len;
        verb = "modify";
        list = &bb->flow_adds;
    } else {
        fm.cookie = htonll(f->cookie);
        fm.cookie_mask = OVS_BE64_MAX;
        fm.new_cookie = OVS_BE64_MAX;
        verb = "delete";
        list = &bb->flow_dels;
    }
    fm.match = f->match;        /* Borrowed: encoding only reads it. */
    struct ofpbuf *msg = ofputil_encode_flow_mod(&fm, ofctrl_protocol(oc));
    bundle_push(oc, list, msg, verb, f, 0);
    bb->n_flow_mods++;
    if (VLOG_IS_DBG_ENABLED()) {
        char *what = describe_flow(verb, f);
        VLOG_DBG("bundle %"PRIu32": %s", oc->bundle_id + 1, what);
        free(what);
    }
}

/* Adds a group_mod of 'command' for group 'group_id' to the bundle, with
 * the desired spec of that group for adds and modifies. */
static void
bundle_group_mod(struct ofctrl *oc, struct bundle_builder *bb,
                 uint32_t group_id, int command)
{
    const struct tm_group *g = tm_flow_table_find_group(&oc->desired,
                                                        group_id);
    struct ofputil_group_mod gm;

    if (!parse_group(group_id, command == OFPGC11_DELETE ? "" : g->spec,
                     command, &gm)) {
        return;
    }
    struct ofpbuf *msg = ofputil_encode_group_mod(ofctrl_version(oc), &gm,
                                                  NULL, -1);
    ofputil_uninit_group_mod(&gm);

    const char *verb = (command == OFPGC11_ADD ? "add"
                        : command == OFPGC11_MODIFY ? "modify" : "delete");
    bundle_push(oc, command == OFPGC11_DELETE ? &bb->group_dels
                : &bb->group_adds, msg, verb, NULL, group_id);
    VLOG_DBG("bundle %"PRIu32": %s group_id=%"PRIu32, oc->bundle_id + 1,
             verb, group_id);
    bb->n_group_mods++;
}

/* Logs and counts a repair of something the switch had confirmed. */
static void
log_repair(struct ofctrl *oc, const char *what, const char *how)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 20);

    oc->n_repairs++;
    VLOG_INFO_RL(&rl, "repairing %s: %s", how, what);
}

/* Adds to 'bb' what turns the dumped flows into the normalised desired
 * ones. */
static void
diff_flows(struct ofctrl *oc, struct bundle_builder *bb)
{
    const struct tm_flow *d, *i;

    HMAP_FOR_EACH (d, hmap_node, &oc->norm.flows) {
        i = tm_flow_table_find_flow(&oc->dumped, d);
        if (i && tm_flow_same_actions(d, i)) {
            continue;
        }

        if (fingerprint_contains(&oc->installed, flow_fingerprint(d))) {
            char *what = describe_flow(i ? "changed" : "missing", d);
            COVERAGE_INC(ofctrl_flow_repaired);
            log_repair(oc, what, "flow");
            free(what);
        }

        bundle_flow_mod(oc, bb, d, (!i || i->cookie != d->cookie
                                    ? OFPFC_ADD : OFPFC_MODIFY_STRICT));
    }

    HMAP_FOR_EACH (i, hmap_node, &oc->dumped.flows) {
        if (!tm_flow_table_find_flow(&oc->norm, i)) {
            if (oc->installed_seqno
                && !fingerprint_contains(&oc->installed,
                                         flow_fingerprint(i))) {
                char *what = describe_flow("unexpected", i);
                COVERAGE_INC(ofctrl_flow_repaired);
                log_repair(oc, what, "flow");
                free(what);
            }
            bundle_flow_mod(oc, bb, i, OFPFC_DELETE_STRICT);
        }
    }
}

/* Adds to 'bb' what turns the dumped groups into the desired ones. */
static void
diff_groups(struct ofctrl *oc, struct bundle_builder *bb)
{
    const struct tm_group *d, *i;

    HMAP_FOR_EACH (d, hmap_node, &oc->norm.groups) {
        i = tm_flow_table_find_group(&oc->dumped, d->group_id);
        if (i && !strcmp(i->spec, d->spec)) {
            continue;
        }

        if (fingerprint_contains(&oc->installed, group_fingerprint(d))) {
            char *what = xasprintf("group_id=%"PRIu32" %s", d->group_id,
                                   i ? "changed" : "missing");
            COVERAGE_INC(ofctrl_group_repaired);
            log_repair(oc, what, "group");
            free(what);
        }
        bundle_group_mod(oc, bb, d->group_id,
                         i ? OFPGC11_MODIFY : OFPGC11_ADD);
    }

    HMAP_FOR_EACH (i, hmap_node, &oc->dumped.groups) {
        if (!tm_flow_table_find_group(&oc->norm, i->group_id)) {
            bundle_group_mod(oc, bb, i->group_id, OFPGC11_DELETE);
        }
    }
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
                    "delete all flows with tmirror's cookie", NULL, 0);
        bb->n_flow_mods++;
    }

    const struct tm_group *i;
    HMAP_FOR_EACH (i, hmap_node, &oc->dumped.groups) {
        if (group_id_is_ours(i->group_id)) {
            bundle_group_mod(oc, bb, i->group_id, OFPGC11_DELETE);
        }
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

/* Sends a bundle control message of 'type' for the current bundle, and
 * returns its xid. */
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
 * accepted (ofctrl_bundle_added()). */
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

    oc->n_bundles++;
    oc->n_flow_mods += bb->n_flow_mods;
    oc->n_group_mods += bb->n_group_mods;
    COVERAGE_INC(ofctrl_bundle_sent);
    VLOG_DBG("bundle %"PRIu32": %"PRIuSIZE" flow mods, %"PRIuSIZE
             " group mods", oc->bundle_id, bb->n_flow_mods, bb->n_group_mods);
}

/* Records that the switch holds the desired table 'seqno' that implements
 * 'cfg'. */
static void
ofctrl_confirm(struct ofctrl *oc, uint64_t seqno, int64_t cfg)
{
    oc->confirmed_seqno = seqno;
    oc->installed_cfg = seqno == oc->desired_seqno ? oc->desired_cfg : cfg;
    if (oc->installed_seqno != seqno && seqno == oc->norm_seqno) {
        const struct tm_flow *f;
        const struct tm_group *g;

        fingerprints_clear(&oc->installed);
        HMAP_FOR_EACH (f, hmap_node, &oc->norm.flows) {
            fingerprint_add(&oc->installed, flow_fingerprint(f));
        }
        HMAP_FOR_EACH (g, hmap_node, &oc->norm.groups) {
            fingerprint_add(&oc->installed, group_fingerprint(g));
        }
        oc->installed_seqno = seqno;
    }
}

/* Records that the switch holds nothing of ours any more, as desired
 * during a cleanup. */
static void
ofctrl_cleanup_done(struct ofctrl *oc)
{
    fingerprints_clear(&oc->installed);
    oc->installed_seqno = 0;
    oc->confirmed_seqno = oc->desired_seqno;
}

/* Compares a complete dump with the desired table and sends the
 * difference, or confirms the desired table if there is none. */
static void
ofctrl_dump_complete(struct ofctrl *oc)
{
    oc->n_dumps++;
    if (oc->dump_failed) {
        ofctrl_go_idle(oc);
        return;
    }
    oc->n_dumped_flows = hmap_count(&oc->dumped.flows);
    oc->n_dumped_groups = hmap_count(&oc->dumped.groups);
    stats_update(oc);

    struct bundle_builder bb = { .n_flow_mods = 0 };
    ovs_list_init(&bb.group_adds);
    ovs_list_init(&bb.flow_dels);
    ovs_list_init(&bb.flow_adds);
    ovs_list_init(&bb.group_dels);

    bundle_ops_clear(oc);
    if (oc->cleanup) {
        diff_cleanup(oc, &bb);
    } else {
        ofctrl_normalise(oc);
        diff_flows(oc, &bb);
        diff_groups(oc, &bb);
    }

    if (!bb.n_flow_mods && !bb.n_group_mods) {
        if (!oc->cleanup) {
            ofctrl_confirm(oc, oc->norm_seqno, oc->norm_cfg);
        } else {
            ofctrl_cleanup_done(oc);
        }
        ofctrl_go_idle(oc);
        return;
    }
    oc->bundle_seqno = oc->cleanup ? 0 : oc->norm_seqno;
    oc->bundle_cfg = oc->norm_cfg;
    bundle_send(oc, &bb);
}

/* Called when the barrier after the bundle's messages returns: commits the
 * bundle if the switch accepted every message, otherwise discards it. */
static void
ofctrl_bundle_added(struct ofctrl *oc)
{
    if (oc->bundle_errors) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_WARN_RL(&rl, "bundle %"PRIu32": %"PRIuSIZE" message(s) refused, "
                     "discarded (the switch is unchanged); retrying",
                     oc->bundle_id, oc->bundle_errors);
        bundle_send_ctrl(oc, OFPBCT_DISCARD_REQUEST);
        oc->n_bundles_failed++;
        COVERAGE_INC(ofctrl_bundle_failed);
        ofctrl_go_idle(oc);
        return;
    }
    bundle_send_ctrl(oc, OFPBCT_COMMIT_REQUEST);
    oc->barrier_xid = ofctrl_send(
        oc, ofputil_encode_barrier_request(ofctrl_version(oc)));
    oc->state = S_COMMITTING;
}

/* Called when the barrier after the commit returns. */
static void
ofctrl_bundle_committed(struct ofctrl *oc)
{
    if (oc->bundle_errors) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_WARN_RL(&rl, "bundle %"PRIu32": commit failed (the switch is "
                     "unchanged); retrying", oc->bundle_id);
        oc->n_bundles_failed++;
        COVERAGE_INC(ofctrl_bundle_failed);
    } else if (oc->bundle_seqno) {
        ofctrl_confirm(oc, oc->bundle_seqno, oc->bundle_cfg);
    } else {
        ofctrl_cleanup_done(oc);
    }
    bundle_ops_clear(oc);
    ofctrl_go_idle(oc);
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
        if (!VLOG_DROP_WARN(&rl)) {
            char *what = bundle_op_describe(oc, oh->xid);
            VLOG_WARN("bundle %"PRIu32": %s: %s", oc->bundle_id, name,
                      what ? what : "bundle control");
            free(what);
        }
    } else {
        VLOG_WARN_RL(&rl, "unexpected OpenFlow error: %s", name);
    }
}

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

/* Removes every flow (by cookie) and group (by id range) that tmirror owns
 * on the bridge, and waits up to 'timeout_ms' for the switch to confirm.
 * Afterwards the desired table is empty. */
void
ofctrl_cleanup(struct ofctrl *oc, int timeout_ms)
{
    long long int deadline = time_msec() + timeout_ms;
    struct tm_flow_table empty;

    tm_flow_table_init(&empty);
    ofctrl_put(oc, &empty, oc->desired_cfg);
    tm_flow_table_destroy(&empty);
    oc->cleanup = true;
    oc->confirmed_seqno = 0;
    oc->dump_now = true;

    while (time_msec() < deadline) {
        ofctrl_run(oc);
        if (oc->state == S_IDLE && ofctrl_is_synced(oc)) {
            break;
        }
        ofctrl_wait(oc);
        poll_timer_wait_until(deadline);
        poll_block();
    }
    if (!ofctrl_is_synced(oc)) {
        VLOG_WARN("cleanup of the mirror bridge not confirmed within %d ms",
                  timeout_ms);
    }
    oc->cleanup = false;
}
