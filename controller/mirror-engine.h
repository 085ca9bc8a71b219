/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_MIRROR_ENGINE_H
#define TMIRROR_MIRROR_ENGINE_H 1

/* The controller's incremental processing engine (tmirror/inc-engine.h):
 *
 *   inputs:  the Traffic_Mirror tables (Session, Filter, Filter_Rule,
 *            Target, Binding, Chassis, TM_Global), the Open_vSwitch
 *            database, the chassis's configuration, and the tc captures
 *            whose state changed in the kernel (capture.h: a netlink
 *            event that changes nothing the plan sees is no change);
 *   ovs_index:  the local ports by iface-id (ovs-index.h);
 *   plan:       the sessions that concern this chassis, their Open_vSwitch
 *               rows and ofports, their states (mirror-plan.h);
 *   flows:      the desired OpenFlow table per owner (session-flows.h).
 *
 * Change handlers turn a changed rule into the sessions that use it, a
 * changed port into the sessions that name it, and so on; everything else
 * (TM_Global, the configuration) recomputes. */

#include <stdbool.h>
#include "controller/mirror-plan.h"
#include "controller/ovs-index.h"
#include "controller/session-flows.h"
#include "controller/vswitch-sync.h"
#include "tmirror/inc-engine.h"

struct ds;
struct ovsdb_idl;
struct ovsdb_idl_txn;

/* What the nodes read besides their inputs; the controller keeps it up to
 * date before each run. */
struct mirror_engine_ctx {
    struct ovsdb_idl *tm_idl;
    struct ovsdb_idl *ovs_idl;
    struct ovsdb_idl_txn *ovs_txn;      /* NULL while one commits. */
    uint64_t txn_seq;                   /* Bumped for every pass. */
    struct vs_config vs_cfg;
    const char *chassis_name;
    const char *availability_zone;
    struct ovsdb_idl_index *binding_by_port;
    struct ovsdb_idl_index *chassis_by_name;
    struct capture *capture;            /* The capture backends. */
    bool config_changed;                /* Since the last run. */
    bool force_ovs;                     /* vswitch-sync must run again. */
};

struct mirror_engine {
    struct engine engine;
    struct mirror_engine_ctx ctx;
};

void mirror_engine_init(struct mirror_engine *, struct ovsdb_idl *tm_idl,
                        struct ovsdb_idl *ovs_idl);
void mirror_engine_destroy(struct mirror_engine *);

/* Runs the engine.  Returns true if the flows changed (their tracked
 * owners say which) or the plan did. */
void mirror_engine_run(struct mirror_engine *);
/* Forgets what the last run tracked (and the IDLs' tracked changes). */
void mirror_engine_clear_tracked(struct mirror_engine *);

const struct ovs_index *mirror_engine_ovs_index(const struct mirror_engine *);
struct mirror_plan *mirror_engine_plan(const struct mirror_engine *);
struct session_flows *mirror_engine_flows(const struct mirror_engine *);
bool mirror_engine_plan_changed(const struct mirror_engine *);
bool mirror_engine_tm_changed(const struct mirror_engine *);
bool mirror_engine_cond_inputs_changed(const struct mirror_engine *);
bool mirror_engine_ovs_changed(const struct mirror_engine *);

/* Compares the incremental state with a full recompute of the plan and
 * the flows, and the owned Open_vSwitch rows with what vswitch-sync wants,
 * appending the differences to 's'.  Returns true if all are equal. */
bool mirror_engine_check(struct mirror_engine *, struct ds *s);

#endif /* mirror-engine.h */
