/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_MIRROR_PLAN_H
#define TMIRROR_MIRROR_PLAN_H 1

/* The local plan: for every session that concerns this chassis, what it
 * does here (session-plan.h), the Open_vSwitch rows that it needs
 * (vswitch-sync), the OpenFlow ports that ovs-vswitchd gave them, and each
 * session's state.
 *
 * The plan is kept up to date incrementally: mirror_plan_update() looks
 * again at the sessions a change names (a rule, a filter, a target, a
 * source port...), and only if the set of captures or tunnel ports they
 * need changed, or the Open_vSwitch database did, does it run vswitch-sync
 * again (whose cost is one host's, not the fleet's).  mirror_plan_run() is
 * the full recompute, and must always give the same plan.
 *
 * What changed is tracked for the flows (session-flows.h) and the status:
 * per session, whether only some of its rules changed. */

#include <stdbool.h>
#include <stdint.h>
#include "controller/capture.h"
#include "controller/pipeline.h"
#include "controller/session-plan.h"
#include "controller/vswitch-sync.h"
#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "openvswitch/types.h"
#include "openvswitch/uuid.h"
#include "sset.h"
#include "svec.h"

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct ovs_index;
struct ds;

struct plan_session {
    struct hmap_node hmap_node;     /* In 'sessions', by uuid_hash(). */
    struct session_plan sp;         /* What it is to do here. */

    /* Resolved with the Open_vSwitch side. */
    enum plan_state state;
    char *message;                  /* "" when none. */
    bool programmed;                /* Has flows. */
    ofp_port_t in_port[2];          /* Copies arrive: [0] ingress, [1]
                                     * egress; OFPP_NONE if none. */
    int backend[2];                 /* enum capture_backend of in_port[],
                                     * -1 if none. */
    uint32_t stage;                 /* Position among its source's
                                     * programmed sessions. */
    struct pl_target target;        /* 'dests' owned. */
    struct tm_rule *rules;          /* For 'pl' (strings in 'sp'). */
    struct pl_session pl;           /* For the pipeline. */
    struct pl_path *paths;          /* How its copies leave. */
    size_t n_paths;
    bool decap;                     /* 'decap_entry' is valid. */
    struct pl_decap decap_entry;

    struct svec ref_keys;           /* Its keys in 'refs'. */
    uint64_t planned_gen;           /* 'gen' of the plan when it was last
                                     * replanned. */
};

/* What one change did to a session, for the flows and the status. */
struct plan_change {
    struct hmap_node hmap_node;     /* In 'changed', by uuid_hash(). */
    struct uuid uuid;
    bool deleted;
    bool rules_only;                /* Only 'rules' differ. */
    struct uuid *rules;             /* Rules added, removed or changed. */
    size_t n_rules, allocated_rules;
};

struct mirror_plan {
    struct hmap sessions;           /* Contains "struct plan_session"s. */
    struct shash refs;              /* Reference index: "f:UUID",
                                     * "r:UUID" (only while held for a
                                     * rule not loaded yet), "t:UUID",
                                     * "s:IFACE",
                                     * "a:IFACE", "b" -> struct hmapx of
                                     * sessions. */

    /* The Open_vSwitch side. */
    struct plan_capture *choices;       /* How each (source, direction) is
                                         * captured (capture.h). */
    size_t n_choices;
    struct vs_capture_req *captures;    /* Requests, in admission order:
                                         * the choices that are ready. */
    size_t n_captures;
    struct vs_tunnel_req *tunnels;
    size_t n_tunnels;
    struct vs_result vs;                /* vswitch-sync's last answer. */
    struct vs_capture_req *vs_captures; /* The requests 'vs' answers, in */
    size_t n_vs_captures;               /* its order (strings owned): the */
    struct vs_tunnel_req *vs_tunnels;   /* current ones may be newer when */
    size_t n_vs_tunnels;                /* vswitch-sync could not run. */
    char *vs_signature;                 /* What the requests were. */
    bool vs_pending_write;              /* Differences found without a
                                         * transaction to write them, or a
                                         * second run needed in one. */
    uint64_t vs_txn_seq;                /* 'txn_seq' of the last run with a
                                         * transaction. */

    /* Tracked changes since mirror_plan_clear_tracked(). */
    struct hmap changed;            /* Contains "struct plan_change"s. */
    struct sset changed_sources;    /* Sources whose stages changed. */
    bool recomputed;                /* Everything may have changed. */

    struct rule_set_cache rule_sets;    /* The filters' rules (rule-set.h). */
    uint64_t gen;                   /* Incremented by
                                     * mirror_plan_clear_tracked(): a
                                     * session is replanned at most once
                                     * in between, however many inputs
                                     * name it. */
    uint64_t noted_gen;             /* 'gen' when the rule sets were last
                                     * told what the IDL tracks
                                     * (plan_note_changes()). */
};

/* One (source, direction) that a session here captures. */
struct plan_capture {
    const char *iface_id;           /* A session's 'sp.source'. */
    bool egress;
    struct capture_choice choice;
};

/* What mirror_plan_run() and _update() work with. */
struct plan_inputs {
    struct plan_context ctx;        /* See session-plan.h. */
    struct ovsdb_idl *ovs_idl;
    struct ovsdb_idl_txn *ovs_txn;  /* NULL: vswitch-sync may not write. */
    uint64_t txn_seq;               /* Identifies 'ovs_txn': vswitch-sync
                                     * runs at most once per transaction. */
    const struct vs_config *vs_cfg;
    bool ovs_changed;               /* The Open_vSwitch side changed. */
    struct capture *capture;        /* Chooses the backends. */
    bool capture_apply;             /* Also hand the tc captures to it
                                     * (false: compare only). */
};

void mirror_plan_init(struct mirror_plan *);
void mirror_plan_destroy(struct mirror_plan *);

/* Recomputes the whole plan from the IDLs.  Returns true if it changed. */
bool mirror_plan_run(struct mirror_plan *, const struct plan_inputs *);

/* Looks again at the sessions that the reference keys in 'keys' name (see
 * 'refs'), and at 'sessions' (UUIDs of Session rows that changed, inserted
 * or deleted ones included), and re-resolves what they affect.  Returns
 * true if the plan changed. */
bool mirror_plan_update(struct mirror_plan *, const struct plan_inputs *,
                        const struct sset *keys,
                        const struct uuid *sessions, size_t n_sessions);

/* Forgets the tracked changes. */
void mirror_plan_clear_tracked(struct mirror_plan *);

/* Returns the session with 'uuid', or NULL. */
const struct plan_session *mirror_plan_find(const struct mirror_plan *,
                                            const struct uuid *);

/* Helpers for the reference keys. */
char *mirror_plan_key_uuid(char kind, const struct uuid *);
char *mirror_plan_key_name(char kind, const char *name);
void mirror_plan_add_rule_keys(const struct mirror_plan *,
                               const struct uuid *rule, struct sset *keys);

/* Declares to 'pv' the delivery paths of every programmed session. */
struct path_verify;
void mirror_plan_want_paths(const struct mirror_plan *, struct path_verify *,
                            const char *bridge, const char *local_ip);

/* Appends the capacity of each source bridge for tmirror/show, and the tc
 * captures' count. */
void mirror_plan_format_capacity(const struct mirror_plan *, struct ds *);

/* Returns how 'ps' is captured: "tc", "mirror", "egress tc, ingress
 * mirror"..., or "" when not programmed. */
const char *mirror_plan_capture_name(const struct plan_session *ps);

#endif /* mirror-plan.h */
