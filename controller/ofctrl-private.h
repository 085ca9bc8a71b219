/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_OFCTRL_PRIVATE_H
#define TMIRROR_OFCTRL_PRIVATE_H 1

/* What the files of ofctrl share: ofctrl.c (the connection, owners and
 * sessions and the main loop), ofctrl-counters.c (the sessions' counters),
 * ofctrl-dump.c (dumps and count
 * checks), ofctrl-bundle.c (the bundles that bring the switch to what is
 * desired) and ofctrl-query.c (what ofctrl reports). */

#include <stdbool.h>
#include <stdint.h>

#include "controller/desired-flows.h"
#include "controller/flow-table.h"
#include "hmapx.h"
#include "openvswitch/hmap.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/rconn.h"
#include "openvswitch/types.h"
#include "openvswitch/vlog.h"
#include "ofctrl.h"

struct ofpbuf;
struct ofp_header;

/* Both files log as the one module "ofctrl" that ofctrl.c defines, so that
 * "vlog/set ofctrl:..." covers all of it; VLM_ofctrl is the pointer that
 * VLOG_DEFINE_THIS_MODULE exports. */
#ifndef OFCTRL_DEFINES_MODULE
extern struct vlog_module *VLM_ofctrl;
#define this_module (*VLM_ofctrl)
#endif

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

/* A round of counters reads every session due within 'stats_interval' /
 * STATS_ROUND_SLACK of the first one, so that sessions stay read together
 * and their replies come back together. */
#define STATS_ROUND_SLACK 4

/* While counter replies are all the connection owes us, it is read every
 * STATS_COALESCE_MS instead of at each reply, so that one pass handles many
 * replies; for at the most STATS_COALESCE_MAX ms after the round was sent
 * (a reply that never comes does not keep the timer running).  Anything
 * else in flight (a dump, a bundle, a check) is read at once. */
#define STATS_COALESCE_MS 40
#define STATS_COALESCE_MAX 1000

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
                                     * ofctrl_owner_is_pending(). */
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
    long long int stats_round;      /* When the last round was sent. */
    uint64_t stats_seqno;

    /* The installed flows, as last counted for the count check, and what
     * the switch held then (change_seqno, n_dumps). */
    size_t installed_flows;
    bool installed_flows_valid;
    uint64_t installed_flows_seqno, installed_flows_dumps;

    /* For ofctrl_format_status(). */
    uint64_t n_dumps, n_bundles, n_bundles_failed, n_flow_mods;
    uint64_t n_group_mods, n_repairs, n_errors;
    size_t n_dumped_flows, n_dumped_groups;
};

/* True if 'group_id' is in the range of group ids tmirror owns. */
static inline bool
ofctrl_group_id_is_ours(uint32_t group_id)
{
    return group_id >= TM_GROUP_BASE && group_id <= TM_GROUP_MAX;
}

/* ofctrl.c. */
enum ofputil_protocol ofctrl_protocol(const struct ofctrl *);
enum ofp_version ofctrl_version(const struct ofctrl *);
ovs_be32 ofctrl_send(struct ofctrl *, struct ofpbuf *);
struct session *ofctrl_session_get(struct ofctrl *, uint32_t key);
struct session *ofctrl_session_find(const struct ofctrl *, uint32_t key);
struct owner *ofctrl_owner_find(const struct ofctrl *,
                                const struct tm_owner_key *);
bool ofctrl_owner_is_pending(const struct owner *);
void ofctrl_owner_settle(struct ofctrl *, struct owner *);

/* ofctrl-dump.c. */
ovs_be32 ofctrl_request_flow_stats(struct ofctrl *, bool aggregate,
                                   uint64_t cookie, uint64_t cookie_mask);
void ofctrl_start_dump(struct ofctrl *);
void ofctrl_start_check(struct ofctrl *);
void ofctrl_handle_check_reply(struct ofctrl *, const struct ofp_header *);
void ofctrl_handle_flow_stats_reply(struct ofctrl *, struct ofpbuf *);
void ofctrl_handle_group_desc_reply(struct ofctrl *, struct ofpbuf *);

/* ofctrl-counters.c. */
long long int ofctrl_stats_due(const struct ofctrl *);
void ofctrl_request_stats(struct ofctrl *);
bool ofctrl_stats_coalescing(const struct ofctrl *);
void ofctrl_handle_aggregate_reply(struct ofctrl *,
                                   const struct ofp_header *);

/* ofctrl-bundle.c. */
void ofctrl_bundle_ops_clear(struct ofctrl *);
bool ofctrl_send_pending(struct ofctrl *);
void ofctrl_dump_complete(struct ofctrl *);
void ofctrl_bundle_added(struct ofctrl *);
void ofctrl_bundle_committed(struct ofctrl *);
void ofctrl_handle_error(struct ofctrl *, const struct ofp_header *);

#endif /* ofctrl-private.h */
