/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Reconciles the rows tmirror owns in the local Open_vSwitch database.  See
 * vswitch-sync.h for the contract.  This file holds the public interface,
 * the indexing of the replica into a struct vs_ctx, the results, the log
 * module and the coverage counters; each kind of row has its own
 * vswitch-sync-*.c (vswitch-sync-private.h lists them).
 *
 * Every call recomputes the desired rows from its arguments and the IDL's
 * replica, compares, and writes only the differences, so that it is both
 * idempotent and self-healing.  Nothing is remembered between calls.
 *
 * Rows are "owned" when their external_ids:tmirror-owned is "true"; only
 * those are ever changed or deleted.  Rows named like ours that are not
 * owned are reported as conflicts and left alone.
 *
 * Decisions that the header leaves open:
 *
 *   - Several Interfaces with the same iface-id (e.g. during live
 *     migration): the one with external_ids:iface-status=active wins, then
 *     the lowest positive ofport, then the lowest Interface name.
 *
 *   - A request's dst_port equal to the encapsulation's default (4789 for
 *     vxlan, 6081 for geneve) is the same tunnel port as dst_port 0; gre and
 *     erspan ignore dst_port.
 *
 *   - The datapath_type of an existing mirror bridge is never changed; a
 *     source whose bridge has another datapath type (patch ports cannot join
 *     them) gets VS_CAPTURE_ERROR.  When the bridge is created before any
 *     source is found, it takes the datapath_type of the first other bridge
 *     by name.
 *
 *   - An owned bridge that holds ports or mirrors tmirror does not own (an
 *     appliance NIC plugged in by libvirt, say) is not deleted by cleanup or
 *     when it stops being the mirror bridge; only tmirror's rows in it are.
 *
 *   - Capacity admission depends only on the requests and on the foreign
 *     Mirror rows: an admitted capture that then fails (name conflict,
 *     datapath mismatch) keeps its slot, so the outcome of the other
 *     sources does not depend on such errors. */


#include <config.h>

#define VS_SYNC_DEFINES_MODULE 1
#include "vswitch-sync-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "flow.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "ovsdb-idl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(vswitch_sync);

COVERAGE_DEFINE(vswitch_sync_run);
COVERAGE_DEFINE(vswitch_sync_create);
COVERAGE_DEFINE(vswitch_sync_repair);
COVERAGE_DEFINE(vswitch_sync_delete);

/* Creations, repairs and deletions: normally a handful, but a tool fighting
 * tmirror over a row would repeat them on every run.  Shared by all files
 * of vswitch-sync (vswitch-sync-private.h). */
struct vlog_rate_limit vs_change_rl = VLOG_RATE_LIMIT_INIT(120, 300);
struct vlog_rate_limit vs_warn_rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Counts a row that vswitch-sync created. */
void
vs_count_create(void)
{
    COVERAGE_INC(vswitch_sync_create);
}

/* Counts a row that vswitch-sync repaired. */
void
vs_count_repair(void)
{
    COVERAGE_INC(vswitch_sync_repair);
}

/* Counts a row that vswitch-sync deleted. */
void
vs_count_delete(void)
{
    COVERAGE_INC(vswitch_sync_delete);
}

/* Registers with 'ovs_idl' exactly the tables and columns read or written
 * here, plus Open_vSwitch:external_ids that the daemon reads. */
void
vswitch_sync_register(struct ovsdb_idl *idl)
{
    ovsdb_idl_add_table(idl, &ovsrec_table_open_vswitch);
    ovsdb_idl_add_column(idl, &ovsrec_open_vswitch_col_bridges);
    ovsdb_idl_add_column(idl, &ovsrec_open_vswitch_col_external_ids);
    ovsdb_idl_add_column(idl, &ovsrec_open_vswitch_col_cur_cfg);
    ovsdb_idl_add_column(idl, &ovsrec_open_vswitch_col_next_cfg);

    ovsdb_idl_add_table(idl, &ovsrec_table_bridge);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_ports);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_mirrors);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_datapath_type);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_fail_mode);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_protocols);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_other_config);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_external_ids);

    ovsdb_idl_add_table(idl, &ovsrec_table_port);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_interfaces);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_tag);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_trunks);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_vlan_mode);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_external_ids);

    ovsdb_idl_add_table(idl, &ovsrec_table_interface);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_type);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_options);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_ofport);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_error);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_external_ids);

    ovsdb_idl_add_table(idl, &ovsrec_table_mirror);
    ovsdb_idl_add_column(idl, &ovsrec_mirror_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_mirror_col_select_all);
    ovsdb_idl_add_column(idl, &ovsrec_mirror_col_select_src_port);
    ovsdb_idl_add_column(idl, &ovsrec_mirror_col_select_dst_port);
    ovsdb_idl_add_column(idl, &ovsrec_mirror_col_select_vlan);
    ovsdb_idl_add_column(idl, &ovsrec_mirror_col_output_port);
    ovsdb_idl_add_column(idl, &ovsrec_mirror_col_output_vlan);
    ovsdb_idl_add_column(idl, &ovsrec_mirror_col_snaplen);
    ovsdb_idl_add_column(idl, &ovsrec_mirror_col_external_ids);
}

/* Returns the name of 'state' (as tmirror-controller shows it). */
const char *
vs_capture_state_to_string(enum vs_capture_state state)
{
    switch (state) {
    case VS_CAPTURE_OK: return "ok";
    case VS_CAPTURE_PENDING: return "pending";
    case VS_CAPTURE_NO_SOURCE: return "no-source";
    case VS_CAPTURE_NO_CAPACITY: return "no-capacity";
    case VS_CAPTURE_ERROR: return "error";
    }
    return "unknown";
}

/* Frees what 'r' owns (not 'r' itself) and zeroes it. */
void
vs_result_destroy(struct vs_result *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; i < r->n_captures; i++) {
        free(r->captures[i].message);
        free(r->captures[i].bridge);
    }
    free(r->captures);
    free(r->tunnel_ofports);
    for (size_t i = 0; i < r->n_tunnels; i++) {
        free(r->tunnel_errors[i]);
    }
    free(r->tunnel_errors);
    for (size_t i = 0; i < r->n_capacity; i++) {
        free(r->capacity[i].bridge);
    }
    free(r->capacity);
    memset(r, 0, sizeof *r);
}

/* Small helpers. */
/* Indexing the replica. */

/* Returns true if 'a' is a better source Interface than 'b' for the same
 * iface-id: iface-status=active first, then the lowest assigned ofport,
 * then the lowest name (so the choice is deterministic). */
static bool
vs_source_better(const struct ovsrec_interface *a,
                 const struct ovsrec_interface *b)
{
    bool a_active = vs_str_equal(smap_get(&a->external_ids, "iface-status"),
                                 "active");
    bool b_active = vs_str_equal(smap_get(&b->external_ids, "iface-status"),
                                 "active");
    if (a_active != b_active) {
        return a_active;
    }
    int64_t a_of = vs_iface_ofport(a) > 0 ? vs_iface_ofport(a) : INT64_MAX;
    int64_t b_of = vs_iface_ofport(b) > 0 ? vs_iface_ofport(b) : INT64_MAX;
    if (a_of != b_of) {
        return a_of < b_of;
    }
    return strcmp(a->name, b->name) < 0;
}

/* Records 'iface' (in 'port' on 'br') as a candidate source for its
 * iface-id, keeping the best candidate. */
static void
vs_index_source(struct vs_ctx *ctx, const struct ovsrec_interface *iface,
                const struct ovsrec_port *port,
                const struct ovsrec_bridge *br)
{
    const char *iface_id = smap_get(&iface->external_ids, "iface-id");
    if (!iface_id || !strcmp(br->name, ctx->cfg->bridge)) {
        return;
    }
    struct vs_loc *old = shash_find_data(&ctx->sources, iface_id);
    if (old && !vs_source_better(iface, old->iface)) {
        return;
    }
    if (!old) {
        old = xmalloc(sizeof *old);
        shash_add(&ctx->sources, iface_id, old);
    }
    *old = (struct vs_loc) { .iface = iface, .port = port, .br = br };
}

/* Indexes one bridge's ports, interfaces, sources and owned mirrors. */
static void
vs_index_bridge(struct vs_ctx *ctx, const struct ovsrec_bridge *br)
{
    for (size_t i = 0; i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        struct vs_loc *loc = xmalloc(sizeof *loc);
        *loc = (struct vs_loc) { .port = port, .br = br };
        if (!shash_add_once(&ctx->ports, port->name, loc)) {
            free(loc);
        }
        for (size_t j = 0; j < port->n_interfaces; j++) {
            const struct ovsrec_interface *iface = port->interfaces[j];
            loc = xmalloc(sizeof *loc);
            *loc = (struct vs_loc) { .iface = iface, .port = port, .br = br };
            if (!shash_add_once(&ctx->ifaces, iface->name, loc)) {
                free(loc);
            }
            vs_index_source(ctx, iface, port, br);
        }
    }
    for (size_t i = 0; i < br->n_mirrors; i++) {
        const struct ovsrec_mirror *m = br->mirrors[i];
        if (vs_owned(&m->external_ids)) {
            struct vs_mirror_loc *loc = xmalloc(sizeof *loc);
            *loc = (struct vs_mirror_loc) { .mirror = m, .br = br };
            if (!shash_add_once(&ctx->owned_mirrors, m->name, loc)) {
                free(loc);
            }
        }
    }
}

/* Sets up 'ctx' and indexes the whole replica. */
static void
vs_ctx_init(struct vs_ctx *ctx, struct ovsdb_idl *idl,
            struct ovsdb_idl_txn *txn, const struct vs_config *cfg)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->idl = idl;
    ctx->txn = txn;
    ctx->cfg = cfg;
    ctx->ovs = ovsrec_open_vswitch_first(idl);
    ctx->may_create = (txn && ctx->ovs
                       && ctx->ovs->cur_cfg >= ctx->ovs->next_cfg);
    shash_init(&ctx->ports);
    shash_init(&ctx->ifaces);
    shash_init(&ctx->sources);
    shash_init(&ctx->owned_mirrors);
    shash_init(&ctx->base_names);
    shash_init(&ctx->bases);
    sset_init(&ctx->new_names);
    hmapx_init(&ctx->keep);
    hmapx_init(&ctx->deleted);

    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH (br, idl) {
        vs_index_bridge(ctx, br);
        if (!strcmp(br->name, cfg->bridge)) {
            ctx->mbr = br;
        }
    }
}

/* Frees what 'ctx' allocated. */
static void
vs_ctx_destroy(struct vs_ctx *ctx)
{
    shash_destroy_free_data(&ctx->ports);
    shash_destroy_free_data(&ctx->ifaces);
    shash_destroy_free_data(&ctx->sources);
    shash_destroy_free_data(&ctx->owned_mirrors);
    shash_destroy(&ctx->base_names);
    shash_destroy_free_data(&ctx->bases);
    sset_destroy(&ctx->new_names);
    hmapx_destroy(&ctx->keep);
    hmapx_destroy(&ctx->deleted);
    free(ctx->caps);
    free(ctx->mbr_new_ports);
}

/* Results. */

/* Fills the capacity part of 'result' from 'ctx'. */
static void
vs_capacity_fill(const struct vs_ctx *ctx, struct vs_result *result)
{
    result->n_capacity = ctx->n_caps;
    result->capacity = xcalloc(ctx->n_caps, sizeof *result->capacity);
    for (size_t i = 0; i < ctx->n_caps; i++) {
        const struct vs_cap *cap = &ctx->caps[i];
        struct vs_bridge_capacity *out = &result->capacity[i];
        out->bridge = xstrdup(cap->br->name);
        out->foreign = cap->foreign;
        out->owned = cap->owned;
        out->free = MAX(0, VS_MAX_MIRRORS - cap->foreign - cap->owned);
    }
}

/* Compares the database with what 'cfg', 'captures' and 'tunnels' call for
 * and writes the differences into 'txn' (if nonnull).  See the header. */
void
vswitch_sync_run(struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
                 const struct vs_config *cfg,
                 const struct vs_capture_req *captures, size_t n_captures,
                 const struct vs_tunnel_req *tunnels, size_t n_tunnels,
                 struct vs_result *result)
{
    struct vs_ctx ctx;

    COVERAGE_INC(vswitch_sync_run);
    memset(result, 0, sizeof *result);
    result->n_captures = n_captures;
    result->captures = xcalloc(n_captures, sizeof *result->captures);
    result->n_tunnels = n_tunnels;
    result->tunnel_ofports = xmalloc(n_tunnels
                                     * sizeof *result->tunnel_ofports);
    result->tunnel_errors = xcalloc(n_tunnels ? n_tunnels : 1,
                                    sizeof *result->tunnel_errors);
    for (size_t i = 0; i < n_captures; i++) {
        result->captures[i].mirror_ofport = OFPP_NONE;
    }

    struct vs_config cfg_ = *cfg;
    if (!cfg_.bridge || !cfg_.bridge[0]) {
        cfg_.bridge = "br-mirror";
    }
    cfg = &cfg_;
    vs_ctx_init(&ctx, idl, txn, cfg);
    vs_mirror_bridge_run(&ctx, captures, n_captures);
    if (cfg->cleanup) {
        for (size_t i = 0; i < n_captures; i++) {
            vs_capture_set(&result->captures[i], VS_CAPTURE_ERROR,
                           "tmirror is removing its rows (cleanup)");
        }
    } else {
        vs_captures_run(&ctx, captures, n_captures, result);
    }
    vs_tunnels_run(&ctx, tunnels, n_tunnels, result);
    vs_delete_stale(&ctx);
    if (ctx.mbr_new) {
        ovsrec_bridge_set_ports(ctx.mbr, ctx.mbr_new_ports,
                                ctx.n_mbr_new_ports);
    }

    result->bridge_ready = ctx.mbr && !hmapx_contains(&ctx.deleted, ctx.mbr);
    result->bridge_owned = result->bridge_ready
                           && vs_owned(&ctx.mbr->external_ids);
    result->changed = ctx.dirty && txn;
    result->dirty = ctx.dirty;
    result->deferred = ctx.deferred;
    if (result->changed && ctx.ovs) {
        /* ovs-vswitchd sets cur_cfg to this once it has applied it. */
        ovsdb_idl_txn_increment(txn, &ctx.ovs->header_,
                                &ovsrec_open_vswitch_col_next_cfg, false);
    }
    vs_capacity_fill(&ctx, result);
    vs_ctx_destroy(&ctx);
}

/* True if an Interface with external_ids:iface-id 'iface_id' is on any
 * bridge other than 'bridge'.  See vswitch-sync.h. */
bool
vswitch_sync_has_source(struct ovsdb_idl *idl, const char *bridge,
                        const char *iface_id)
{
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH (br, idl) {
        if (!strcmp(br->name, bridge)) {
            continue;
        }
        for (size_t i = 0; i < br->n_ports; i++) {
            const struct ovsrec_port *port = br->ports[i];
            for (size_t j = 0; j < port->n_interfaces; j++) {
                const struct ovsrec_interface *iface = port->interfaces[j];
                if (vs_str_equal(smap_get(&iface->external_ids, "iface-id"),
                                 iface_id)) {
                    return true;
                }
            }
        }
    }
    return false;
}

/* Returns the ofport on mirror bridge 'bridge' of the Interface with
 * external_ids:iface-id 'iface_id' (the lowest, if several), or
 * OFPP_NONE. */
ofp_port_t
vswitch_sync_find_appliance(struct ovsdb_idl *idl, const char *bridge,
                            const char *iface_id)
{
    const struct ovsrec_bridge *br;
    int64_t best = 0;

    OVSREC_BRIDGE_FOR_EACH (br, idl) {
        if (strcmp(br->name, bridge)) {
            continue;
        }
        for (size_t i = 0; i < br->n_ports; i++) {
            const struct ovsrec_port *port = br->ports[i];
            for (size_t j = 0; j < port->n_interfaces; j++) {
                const struct ovsrec_interface *iface = port->interfaces[j];
                int64_t ofport = vs_iface_ofport(iface);
                if (ofport > 0 && (!best || ofport < best)
                    && vs_str_equal(smap_get(&iface->external_ids,
                                             "iface-id"), iface_id)) {
                    best = ofport;
                }
            }
        }
    }
    return best ? u16_to_ofp(best) : OFPP_NONE;
}
