/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The controller's engine nodes and their change handlers.  See
 * mirror-engine.h. */

#include <config.h>

#include "controller/mirror-engine.h"

#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "sset.h"
#include "tmirror-idl.h"
#include "util.h"
#include "uuid.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(mirror_engine);

/* Input nodes: a Traffic_Mirror table's tracked changes. */

struct table_input {
    const struct ovsdb_idl *idl;
    const struct ovsdb_idl_table_class *table;
};

/* Says whether the table has tracked changes. */
static void
table_input_run(struct engine_node *node, void *data_)
{
    struct table_input *data = data_;
    engine_set_node_state(node, ovsdb_idl_track_get_first(data->idl,
                                                          data->table)
                          ? ENGINE_UPDATED : ENGINE_UNCHANGED);
}

#define TABLE_INPUT(NAME, TABLE)                                        \
    static void *                                                       \
    en_##NAME##_init(struct engine_node *node OVS_UNUSED, void *arg)    \
    {                                                                   \
        struct mirror_engine_ctx *ctx = arg;                            \
        struct table_input *data = xzalloc(sizeof *data);               \
        data->idl = ctx->tm_idl;                                        \
        data->table = &tmrec_table_##TABLE;                             \
        return data;                                                    \
    }                                                                   \
    static void en_##NAME##_cleanup(void *data OVS_UNUSED) {}           \
    static void                                                         \
    en_##NAME##_run(struct engine_node *node, void *data)               \
    {                                                                   \
        table_input_run(node, data);                                    \
    }                                                                   \
    static ENGINE_NODE_DEFINE(NAME)

TABLE_INPUT(tm_session, session);
TABLE_INPUT(tm_filter, filter);
TABLE_INPUT(tm_filter_rule, filter_rule);
TABLE_INPUT(tm_target, target);
TABLE_INPUT(tm_binding, binding);
TABLE_INPUT(tm_chassis, chassis);
TABLE_INPUT(tm_global, tm_global);

/* Input node: the Open_vSwitch database (any tracked change), or a forced
 * rerun of vswitch-sync. */

static void *
en_ovs_init(struct engine_node *node OVS_UNUSED, void *arg)
{
    return arg;
}

static void en_ovs_cleanup(void *data OVS_UNUSED) {}

/* True if any Open_vSwitch table tmirror reads changed. */
static bool
ovs_tracked(const struct ovsdb_idl *idl)
{
    return (ovsdb_idl_track_get_first(idl, &ovsrec_table_open_vswitch)
            || ovsdb_idl_track_get_first(idl, &ovsrec_table_bridge)
            || ovsdb_idl_track_get_first(idl, &ovsrec_table_port)
            || ovsdb_idl_track_get_first(idl, &ovsrec_table_interface)
            || ovsdb_idl_track_get_first(idl, &ovsrec_table_mirror));
}

static void
en_ovs_run(struct engine_node *node, void *data)
{
    struct mirror_engine_ctx *ctx = data;
    bool changed = ovs_tracked(ctx->ovs_idl) || ctx->force_ovs;
    ctx->force_ovs = false;
    engine_set_node_state(node, changed ? ENGINE_UPDATED : ENGINE_UNCHANGED);
}

static ENGINE_NODE_DEFINE(ovs);

/* Input node: the chassis's configuration. */

static void *
en_config_init(struct engine_node *node OVS_UNUSED, void *arg)
{
    return arg;
}

static void en_config_cleanup(void *data OVS_UNUSED) {}

static void
en_config_run(struct engine_node *node, void *data)
{
    struct mirror_engine_ctx *ctx = data;
    engine_set_node_state(node, ctx->config_changed ? ENGINE_UPDATED
                                                    : ENGINE_UNCHANGED);
    ctx->config_changed = false;
}

static ENGINE_NODE_DEFINE(config);

/* Input node: the sources whose tc capture changed (capture.h). */

struct ed_capture {
    struct mirror_engine_ctx *ctx;
    struct sset changed;        /* iface-ids. */
};

static void *
en_capture_init(struct engine_node *node OVS_UNUSED, void *arg)
{
    struct ed_capture *data = xzalloc(sizeof *data);
    data->ctx = arg;
    sset_init(&data->changed);
    return data;
}

static void
en_capture_cleanup(void *data_)
{
    struct ed_capture *data = data_;
    sset_destroy(&data->changed);
}

static void
en_capture_run(struct engine_node *node, void *data_)
{
    struct ed_capture *data = data_;
    bool changed = (data->ctx->capture
                    && capture_take_changes(data->ctx->capture,
                                            &data->changed));
    engine_set_node_state(node, changed ? ENGINE_UPDATED : ENGINE_UNCHANGED);
}

static void
en_capture_clear_tracked_data(void *data_)
{
    struct ed_capture *data = data_;
    sset_clear(&data->changed);
}

static ENGINE_NODE_DEFINE_TRACKED(capture);

/* The local ports. */

struct ed_ovs_index {
    struct mirror_engine_ctx *ctx;
    struct ovs_index index;
};

static void *
en_ovs_index_init(struct engine_node *node OVS_UNUSED, void *arg)
{
    struct ed_ovs_index *data = xzalloc(sizeof *data);
    data->ctx = arg;
    ovs_index_init(&data->index);
    return data;
}

static void
en_ovs_index_cleanup(void *data_)
{
    struct ed_ovs_index *data = data_;
    ovs_index_destroy(&data->index);
}

static void
en_ovs_index_run(struct engine_node *node, void *data_)
{
    struct ed_ovs_index *data = data_;
    bool changed = ovs_index_build(&data->index, data->ctx->ovs_idl,
                                   data->ctx->vs_cfg.bridge);
    engine_set_node_state(node, changed ? ENGINE_UPDATED : ENGINE_UNCHANGED);
}

static void
en_ovs_index_clear_tracked_data(void *data_)
{
    struct ed_ovs_index *data = data_;
    ovs_index_clear_tracked(&data->index);
}

static ENGINE_NODE_DEFINE_TRACKED(ovs_index);

/* The plan. */

struct ed_plan {
    struct mirror_engine_ctx *ctx;
    const struct ovs_index *ovs;
    struct mirror_plan plan;
};

static void *
en_plan_init(struct engine_node *node OVS_UNUSED, void *arg)
{
    struct ed_plan *data = xzalloc(sizeof *data);
    data->ctx = arg;
    mirror_plan_init(&data->plan);
    return data;
}

static void
en_plan_cleanup(void *data_)
{
    struct ed_plan *data = data_;
    mirror_plan_destroy(&data->plan);
}

/* Fills 'in' for a run of the plan. */
static void
plan_inputs(struct engine_node *node, struct ed_plan *data,
            struct plan_inputs *in, bool ovs_changed)
{
    const struct ed_ovs_index *idx = engine_get_input_data(node,
                                                           "ovs_index");
    struct mirror_engine_ctx *ctx = data->ctx;
    *in = (struct plan_inputs) {
        .ctx = {
            .tm_idl = ctx->tm_idl,
            .ovs = &idx->index,
            .bridge = ctx->vs_cfg.bridge,
            .chassis_name = ctx->chassis_name,
            .availability_zone = ctx->availability_zone,
            .binding_by_port = ctx->binding_by_port,
            .chassis_by_name = ctx->chassis_by_name,
        },
        .ovs_idl = ctx->ovs_idl,
        .ovs_txn = ctx->ovs_txn,
        .txn_seq = ctx->txn_seq,
        .vs_cfg = &ctx->vs_cfg,
        .ovs_changed = ovs_changed,
        .capture = ctx->capture,
        .capture_apply = true,
    };
}

static void
en_plan_run(struct engine_node *node, void *data_)
{
    struct ed_plan *data = data_;
    struct plan_inputs in;
    plan_inputs(node, data, &in, true);
    mirror_plan_run(&data->plan, &in);
    engine_set_node_state(node, ENGINE_UPDATED);
}

static void
en_plan_clear_tracked_data(void *data_)
{
    struct ed_plan *data = data_;
    mirror_plan_clear_tracked(&data->plan);
}

/* Updates the sessions that 'keys' and 'uuids' name. */
static bool
plan_update(struct engine_node *node, const struct sset *keys,
            const struct uuid *uuids, size_t n_uuids, bool ovs_changed)
{
    struct ed_plan *data = node->data;
    struct plan_inputs in;
    plan_inputs(node, data, &in, ovs_changed);
    if (mirror_plan_update(&data->plan, &in, keys, uuids, n_uuids)) {
        engine_set_node_state(node, ENGINE_UPDATED);
    }
    return true;
}

/* Session rows changed: exactly those sessions. */
static bool
plan_session_handler(struct engine_node *node, void *data_)
{
    struct ed_plan *data = data_;
    struct uuid *uuids = NULL;
    size_t n = 0, allocated = 0;
    const struct tmrec_session *row;
    TMREC_SESSION_FOR_EACH_TRACKED (row, data->ctx->tm_idl) {
        if (n >= allocated) {
            uuids = x2nrealloc(uuids, &allocated, sizeof *uuids);
        }
        uuids[n++] = row->header_.uuid;
    }
    struct sset keys = SSET_INITIALIZER(&keys);
    plan_update(node, &keys, uuids, n, false);
    sset_destroy(&keys);
    free(uuids);
    return true;
}

/* Adds key "KIND:UUID" for every tracked row of 'table' to 'keys'. */
static void
tracked_keys(const struct ovsdb_idl *idl,
             const struct ovsdb_idl_table_class *table, char kind,
             struct sset *keys)
{
    for (const struct ovsdb_idl_row *row
             = ovsdb_idl_track_get_first(idl, table);
         row; row = ovsdb_idl_track_get_next(row)) {
        sset_add_and_free(keys, mirror_plan_key_uuid(kind, &row->uuid));
    }
}

/* Filter, Filter_Rule or Target rows changed: the sessions that use
 * them. */
static bool
plan_ref_handler(struct engine_node *node,
                 const struct ovsdb_idl_table_class *table, char kind)
{
    struct ed_plan *data = node->data;
    struct sset keys = SSET_INITIALIZER(&keys);
    tracked_keys(data->ctx->tm_idl, table, kind, &keys);
    plan_update(node, &keys, NULL, 0, false);
    sset_destroy(&keys);
    return true;
}

static bool
plan_filter_handler(struct engine_node *node, void *data OVS_UNUSED)
{
    return plan_ref_handler(node, &tmrec_table_filter, 'f');
}

/* Filter_Rule rows changed: the sessions of the filters that hold them. */
static bool
plan_rule_handler(struct engine_node *node, void *data_)
{
    struct ed_plan *data = data_;
    struct sset keys = SSET_INITIALIZER(&keys);
    const struct tmrec_filter_rule *row;
    TMREC_FILTER_RULE_FOR_EACH_TRACKED (row, data->ctx->tm_idl) {
        mirror_plan_add_rule_keys(&data->plan, &row->header_.uuid, &keys);
    }
    plan_update(node, &keys, NULL, 0, false);
    sset_destroy(&keys);
    return true;
}

static bool
plan_target_handler(struct engine_node *node, void *data OVS_UNUSED)
{
    return plan_ref_handler(node, &tmrec_table_target, 't');
}

/* TM_Global changed.  The plan reads only its options: a change of cfg
 * alone (every "tmirror-ctl --wait=hv" makes one) leaves it as it is.  A
 * change of the options, or a new or deleted row, recomputes. */
static bool
plan_global_handler(struct engine_node *node OVS_UNUSED,
                    void *data_)
{
    struct ed_plan *data = data_;
    const struct tmrec_tm_global *row;
    TMREC_TM_GLOBAL_FOR_EACH_TRACKED (row, data->ctx->tm_idl) {
        if (tmrec_tm_global_is_new(row) || tmrec_tm_global_is_deleted(row)
            || tmrec_tm_global_is_updated(row, TMREC_TM_GLOBAL_COL_OPTIONS)) {
            return false;
        }
    }
    return true;
}

/* Binding or Chassis rows changed: the sessions with port targets. */
static bool
plan_binding_handler(struct engine_node *node, void *data OVS_UNUSED)
{
    struct sset keys = SSET_INITIALIZER(&keys);
    sset_add(&keys, "b");
    plan_update(node, &keys, NULL, 0, false);
    sset_destroy(&keys);
    return true;
}

/* Chassis rows changed.  Planning reads their names, encap_ip and
 * availability_zone; a change of anything else (every "--wait=hv" makes
 * this chassis write its own 'cfg') concerns no session. */
static bool
plan_chassis_handler(struct engine_node *node, void *data_)
{
    struct ed_plan *data = data_;
    const struct tmrec_chassis *row;
    TMREC_CHASSIS_FOR_EACH_TRACKED (row, data->ctx->tm_idl) {
        if (tmrec_chassis_is_new(row) || tmrec_chassis_is_deleted(row)
            || tmrec_chassis_is_updated(row, TMREC_CHASSIS_COL_NAME)
            || tmrec_chassis_is_updated(row, TMREC_CHASSIS_COL_ENCAP_IP)
            || tmrec_chassis_is_updated(row,
                                        TMREC_CHASSIS_COL_AVAILABILITY_ZONE)) {
            return plan_binding_handler(node, data_);
        }
    }
    return true;
}

/* Local ports changed: the sessions that name them as source or
 * appliance (a port of the mirror bridge named as a source is an error that
 * comes and goes with it). */
static bool
plan_ovs_index_handler(struct engine_node *node, void *data OVS_UNUSED)
{
    const struct ed_ovs_index *idx = engine_get_input_data(node,
                                                           "ovs_index");
    struct sset keys = SSET_INITIALIZER(&keys);
    const char *name;
    SSET_FOR_EACH (name, &idx->index.changed_sources) {
        sset_add_and_free(&keys, mirror_plan_key_name('s', name));
    }
    SSET_FOR_EACH (name, &idx->index.changed_appliances) {
        sset_add_and_free(&keys, mirror_plan_key_name('a', name));
        sset_add_and_free(&keys, mirror_plan_key_name('s', name));
    }
    plan_update(node, &keys, NULL, 0, false);
    sset_destroy(&keys);
    return true;
}

/* The Open_vSwitch database changed: vswitch-sync runs again (ofports may
 * have arrived, rows may have been tampered with). */
static bool
plan_ovs_handler(struct engine_node *node, void *data OVS_UNUSED)
{
    struct sset keys = SSET_INITIALIZER(&keys);
    plan_update(node, &keys, NULL, 0, true);
    sset_destroy(&keys);
    return true;
}

/* tc captures changed in the kernel: the sessions of those sources. */
static bool
plan_capture_handler(struct engine_node *node, void *data OVS_UNUSED)
{
    const struct ed_capture *cap = engine_get_input_data(node, "capture");
    struct sset keys = SSET_INITIALIZER(&keys);
    const char *name;
    SSET_FOR_EACH (name, &cap->changed) {
        sset_add_and_free(&keys, mirror_plan_key_name('s', name));
    }
    plan_update(node, &keys, NULL, 0, false);
    sset_destroy(&keys);
    return true;
}

static ENGINE_NODE_DEFINE_TRACKED(plan);

/* The flows. */

static void *
en_flows_init(struct engine_node *node OVS_UNUSED, void *arg OVS_UNUSED)
{
    struct session_flows *sf = xzalloc(sizeof *sf);
    session_flows_init(sf);
    return sf;
}

static void
en_flows_cleanup(void *data)
{
    session_flows_destroy(data);
}

static void
en_flows_run(struct engine_node *node, void *data)
{
    const struct ed_plan *plan = engine_get_input_data(node, "plan");
    struct session_flows *sf = data;
    session_flows_run(sf, &plan->plan);
    engine_set_node_state(node, sf->n_changed ? ENGINE_UPDATED
                                              : ENGINE_UNCHANGED);
}

static void
en_flows_clear_tracked_data(void *data)
{
    session_flows_clear_tracked(data);
}

/* The plan changed: rebuild the owners of the sessions it names. */
static bool
flows_plan_handler(struct engine_node *node, void *data)
{
    const struct ed_plan *plan = engine_get_input_data(node, "plan");
    struct session_flows *sf = data;
    if (!session_flows_update(sf, &plan->plan)) {
        return false;
    }
    if (sf->n_changed) {
        engine_set_node_state(node, ENGINE_UPDATED);
    }
    return true;
}

static ENGINE_NODE_DEFINE_TRACKED(flows);

/* The engine. */

/* Wires the nodes and initializes them. */
void
mirror_engine_init(struct mirror_engine *me, struct ovsdb_idl *tm_idl,
                   struct ovsdb_idl *ovs_idl)
{
    memset(me, 0, sizeof *me);
    me->ctx.tm_idl = tm_idl;
    me->ctx.ovs_idl = ovs_idl;
    me->ctx.vs_cfg.bridge = "br-mirror";
    me->ctx.chassis_name = "";
    me->ctx.availability_zone = "";
    me->ctx.binding_by_port
        = ovsdb_idl_index_create1(tm_idl, &tmrec_binding_col_port);
    me->ctx.chassis_by_name
        = ovsdb_idl_index_create1(tm_idl, &tmrec_chassis_col_name);

    engine_add_input(&en_ovs_index, &en_ovs, NULL);
    engine_add_input(&en_ovs_index, &en_config, NULL);

    engine_add_input(&en_plan, &en_tm_global, plan_global_handler);
    engine_add_input(&en_plan, &en_config, NULL);
    engine_add_input(&en_plan, &en_ovs_index, plan_ovs_index_handler);
    engine_add_input(&en_plan, &en_ovs, plan_ovs_handler);
    engine_add_input(&en_plan, &en_capture, plan_capture_handler);
    engine_add_input(&en_plan, &en_tm_session, plan_session_handler);
    engine_add_input(&en_plan, &en_tm_filter, plan_filter_handler);
    engine_add_input(&en_plan, &en_tm_filter_rule, plan_rule_handler);
    engine_add_input(&en_plan, &en_tm_target, plan_target_handler);
    engine_add_input(&en_plan, &en_tm_binding, plan_binding_handler);
    engine_add_input(&en_plan, &en_tm_chassis, plan_chassis_handler);

    engine_add_input(&en_flows, &en_plan, flows_plan_handler);

    engine_init(&me->engine, &en_flows, &me->ctx);
}

/* Frees the nodes' data. */
void
mirror_engine_destroy(struct mirror_engine *me)
{
    engine_cleanup(&me->engine);
    for (size_t i = 0; i < ENGINE_MAX_NODES; i++) {
        /* The static nodes keep their inputs: clear them so that a new
         * engine (tests) can wire them again. */
    }
    en_ovs_index.n_inputs = en_plan.n_inputs = en_flows.n_inputs = 0;
}

/* Runs the engine. */
void
mirror_engine_run(struct mirror_engine *me)
{
    engine_run(&me->engine, true);
}

/* Forgets what the last run tracked. */
void
mirror_engine_clear_tracked(struct mirror_engine *me)
{
    engine_clear_tracked_data(&me->engine);
    ovsdb_idl_track_clear(me->ctx.tm_idl);
    ovsdb_idl_track_clear(me->ctx.ovs_idl);
}

const struct ovs_index *
mirror_engine_ovs_index(const struct mirror_engine *me OVS_UNUSED)
{
    return &((const struct ed_ovs_index *) en_ovs_index.data)->index;
}

struct mirror_plan *
mirror_engine_plan(const struct mirror_engine *me OVS_UNUSED)
{
    return &((struct ed_plan *) en_plan.data)->plan;
}

struct session_flows *
mirror_engine_flows(const struct mirror_engine *me OVS_UNUSED)
{
    return en_flows.data;
}

/* True if the plan node changed in the last run. */
bool
mirror_engine_plan_changed(const struct mirror_engine *me OVS_UNUSED)
{
    return en_plan.state == ENGINE_UPDATED;
}

/* True if any Traffic_Mirror input changed in the last run. */
bool
mirror_engine_tm_changed(const struct mirror_engine *me OVS_UNUSED)
{
    const struct engine_node *inputs[] = {
        &en_tm_session, &en_tm_filter, &en_tm_filter_rule, &en_tm_target,
        &en_tm_binding, &en_tm_chassis, &en_tm_global,
    };
    for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
        if (inputs[i]->state == ENGINE_UPDATED) {
            return true;
        }
    }
    return false;
}

/* True if, in the last run, any Traffic_Mirror table changed that the
 * monitor's conditions are computed from (intent-monitor.h): not rules,
 * chassis, TM_Global or statuses. */
bool
mirror_engine_cond_inputs_changed(const struct mirror_engine *me OVS_UNUSED)
{
    return (en_tm_session.state == ENGINE_UPDATED
            || en_tm_target.state == ENGINE_UPDATED
            || en_tm_filter.state == ENGINE_UPDATED
            || en_tm_binding.state == ENGINE_UPDATED);
}

/* True if the Open_vSwitch input changed in the last run. */
bool
mirror_engine_ovs_changed(const struct mirror_engine *me OVS_UNUSED)
{
    return en_ovs.state == ENGINE_UPDATED || en_ovs_index.state
                                             == ENGINE_UPDATED;
}

/* Compares two plans' sessions, appending differences to 's'. */
static size_t
compare_plans(const struct mirror_plan *a, const struct mirror_plan *b,
              struct ds *s)
{
    size_t n = 0;
    const struct plan_session *x;
    HMAP_FOR_EACH (x, hmap_node, &a->sessions) {
        const struct plan_session *y = mirror_plan_find(b, &x->sp.uuid);
        if (!y) {
            ds_put_format(s, "  session %s: only in the incremental plan\n",
                          x->sp.name);
            n++;
        } else if (x->state != y->state || strcmp(x->message, y->message)
                   || x->programmed != y->programmed
                   || x->in_port[0] != y->in_port[0]
                   || x->in_port[1] != y->in_port[1]
                   || x->stage != y->stage
                   || session_plan_differs_beyond_rules(&x->sp, &y->sp)
                   || !session_plan_same_rules(&x->sp, &y->sp)) {
            ds_put_format(s, "  session %s: incremental %s \"%s\" stage %"
                          PRIu32", recompute %s \"%s\" stage %"PRIu32"\n",
                          x->sp.name, plan_state_to_string(x->state),
                          x->message, x->stage,
                          plan_state_to_string(y->state), y->message,
                          y->stage);
            n++;
        }
    }
    HMAP_FOR_EACH (x, hmap_node, &b->sessions) {
        if (!mirror_plan_find(a, &x->sp.uuid)) {
            ds_put_format(s, "  session %s: only in the recompute\n",
                          x->sp.name);
            n++;
        }
    }
    return n;
}

/* Compares the incremental state with a full recompute.  See
 * mirror-engine.h. */
bool
mirror_engine_check(struct mirror_engine *me, struct ds *s)
{
    struct ed_plan *data = en_plan.data;
    struct mirror_plan fresh;
    mirror_plan_init(&fresh);
    struct plan_inputs in;
    plan_inputs(&en_plan, data, &in, true);
    in.ovs_txn = NULL;          /* Compare only. */
    in.capture_apply = false;
    mirror_plan_run(&fresh, &in);

    size_t n = compare_plans(&data->plan, &fresh, s);

    struct tm_desired desired;
    tm_desired_init(&desired);
    session_flows_recompute_into(en_flows.data, &fresh, &desired);
    n += tm_desired_compare(&((struct session_flows *) en_flows.data)
                            ->desired, &desired, 20, s);
    tm_desired_destroy(&desired);

    const char *inc_sig = data->plan.vs_signature;
    const char *fresh_sig = fresh.vs_signature;
    if (!nullable_string_is_equal(inc_sig, fresh_sig)) {
        ds_put_format(s, "  Open_vSwitch requests: incremental \"%s\", "
                      "recompute \"%s\"\n", inc_sig ? inc_sig : "(none)",
                      fresh_sig ? fresh_sig : "(none)");
        n++;
    }
    if (fresh.vs.dirty) {
        ds_put_cstr(s, "  the owned Open_vSwitch rows differ from what "
                    "vswitch-sync wants\n");
        n++;
    }
    mirror_plan_destroy(&fresh);
    return !n;
}
