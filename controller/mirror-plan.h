/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_MIRROR_PLAN_H
#define TMIRROR_MIRROR_PLAN_H 1

/* The local plan: what this chassis must do for the intent in the
 * Traffic_Mirror database, and why a session is not (yet) mirrored here.
 *
 * Built in two phases in each main-loop iteration:
 *
 *   1. mirror_plan_build() reads the intent and validates every session, its
 *      filter's rules and its target, as tmirror-ctl would; it lists the
 *      (source, direction) captures and tunnel ports to ask vswitch-sync for.
 *      Sources are in admission order: by source iface-id, then session
 *      number.  A port target whose appliance is on another chassis's
 *      mirror bridge (Binding rows) is reached through the GENEVE tunnel
 *      port, with tun_dst = that chassis's encap_ip and tun_id = the VNI;
 *      a session whose appliance is here and whose source is elsewhere asks
 *      for the GENEVE port to receive its copies.
 *
 *   2. mirror_plan_resolve() takes vswitch-sync's answer (ofports, capacity)
 *      and builds the OpenFlow pipeline, and each session's state. */

#include <stdbool.h>
#include <stdint.h>
#include "controller/pipeline.h"
#include "controller/vswitch-sync.h"
#include "openvswitch/types.h"
#include "openvswitch/uuid.h"

struct ovsdb_idl;
struct tm_flow_table;
struct tmrec_session;

enum plan_state {
    PLAN_ACTIVE,                /* Programmed (once ofctrl confirms). */
    PLAN_PENDING,               /* Waiting: disabled, source elsewhere, or
                                 * ovs-vswitchd has not finished yet. */
    PLAN_ERROR,                 /* Cannot be mirrored here; see message. */
};

struct plan_session {
    const struct tmrec_session *row;
    struct uuid uuid;
    uint32_t key;               /* tm_session_key(&uuid). */
    enum plan_state state;
    char *message;              /* Owned; "" when none. */
    bool local;                 /* Its source is on this chassis. */
    bool programmed;            /* Has flows in the pipeline. */

    /* Valid rules of the session's filter, both directions. */
    struct tm_rule *rules;
    size_t n_rules;
    bool wants_egress, wants_ingress;

    struct pl_session pl;       /* For pipeline_build(). */
    struct pl_target target;    /* pl.target points here. */
    int tunnel_idx;             /* Index into tunnel requests, or -1. */

    /* Port target on another chassis (this chassis sends). */
    bool remote_target;
    char *remote_chassis;       /* Owned; chassis hosting the appliance. */
    char *remote_ip;            /* Owned; its encap_ip. */

    /* Appliance here, source elsewhere (this chassis receives). */
    bool decap;

    /* How its copies leave the mirror bridge, when programmed. */
    struct pl_path *paths;
    size_t n_paths;
};

/* What mirror_plan_build() needs to know about this chassis. */
struct plan_context {
    struct ovsdb_idl *ovs_idl;  /* Local Open_vSwitch database. */
    const char *bridge;         /* Mirror bridge. */
    const char *chassis_name;   /* This chassis's system-id. */
    const char *availability_zone;  /* "" if none. */
};

struct mirror_plan {
    struct plan_session *sessions;  /* By (source, session_number). */
    size_t n_sessions;

    struct vs_capture_req *captures;
    size_t n_captures;
    struct vs_tunnel_req *tunnels;
    size_t n_tunnels;

    struct pl_decap *decaps;    /* Decapsulation flows (receiving side). */
    size_t n_decaps;

    bool pending;               /* Something waits for ovs-vswitchd. */
};

void mirror_plan_build(const struct ovsdb_idl *tm_idl,
                       const struct plan_context *,
                       struct mirror_plan *);
void mirror_plan_resolve(struct mirror_plan *, struct ovsdb_idl *ovs_idl,
                         const char *bridge, const struct vs_result *,
                         struct tm_flow_table *desired);
void mirror_plan_destroy(struct mirror_plan *);

/* Wants the delivery paths of every programmed session from 'pv', and sets
 * each programmed session's state from what 'pv' knows of them: active only
 * if every path carries copies out ('bridge' is the mirror bridge,
 * 'local_ip' the tunnels' local_ip or NULL). */
struct path_verify;
void mirror_plan_verify_paths(struct mirror_plan *, struct path_verify *,
                              const char *bridge, const char *local_ip);

const struct plan_session *mirror_plan_find(const struct mirror_plan *,
                                            const struct uuid *);
const char *plan_state_to_string(enum plan_state);

#endif /* mirror-plan.h */
