/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Reconciles the rows tmirror owns in the local Open_vSwitch database.  See
 * vswitch-sync.h for the contract.
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

#include "vswitch-sync.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "flow.h"
#include "hash.h"
#include "hmapx.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "sset.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(vswitch_sync);

COVERAGE_DEFINE(vswitch_sync_run);
COVERAGE_DEFINE(vswitch_sync_create);
COVERAGE_DEFINE(vswitch_sync_repair);
COVERAGE_DEFINE(vswitch_sync_delete);

/* ovs-vswitchd honours at most this many Mirror rows per bridge
 * (MAX_MIRRORS in ofproto/ofproto-dpif-mirror.h). */
#define VS_MAX_MIRRORS 32

#define VS_OWNED_KEY "tmirror-owned"
#define VS_IFACE_ID_KEY "tmirror-iface-id"
#define VS_TC_IFINDEX_KEY "tmirror-tc-ifindex"

/* Creations, repairs and deletions: normally a handful, but a tool fighting
 * tmirror over a row would repeat them on every run. */
static struct vlog_rate_limit change_rl = VLOG_RATE_LIMIT_INIT(120, 300);
static struct vlog_rate_limit warn_rl = VLOG_RATE_LIMIT_INIT(5, 20);

static const char *vs_protocols[] = {
    "OpenFlow10", "OpenFlow13", "OpenFlow14", "OpenFlow15",
};

/* Where a Port or an Interface is. */
struct vs_loc {
    const struct ovsrec_interface *iface;   /* NULL for a Port. */
    const struct ovsrec_port *port;
    const struct ovsrec_bridge *br;
};

/* An owned Mirror row and the bridge whose 'mirrors' holds it. */
struct vs_mirror_loc {
    const struct ovsrec_mirror *mirror;
    const struct ovsrec_bridge *br;
};

/* Mirror slot accounting for one source bridge. */
struct vs_cap {
    const struct ovsrec_bridge *br;
    int foreign;
    int owned;
};

/* What one call works with.  All maps point into the IDL. */
struct vs_ctx {
    struct ovsdb_idl *idl;
    struct ovsdb_idl_txn *txn;          /* NULL: compare only. */
    const struct vs_config *cfg;
    const struct ovsrec_open_vswitch *ovs;

    const struct ovsrec_bridge *mbr;    /* Mirror bridge, or NULL. */
    bool mbr_new;                       /* Inserted by this call. */
    struct ovsrec_port **mbr_new_ports; /* Ports for a new 'mbr'. */
    size_t n_mbr_new_ports, allocated_mbr_new_ports;

    struct shash ports;                 /* Port name -> struct vs_loc. */
    struct shash ifaces;                /* Interface name -> vs_loc. */
    struct shash sources;               /* iface-id -> vs_loc. */
    struct shash owned_mirrors;         /* name -> struct vs_mirror_loc. */
    struct shash base_names;            /* "tm-XXXXXXXX" -> iface-id. */
    struct shash bases;                 /* iface-id -> "tm-XXXXXXXX" (owned):
                                         * the names of its patch ports. */

    struct vs_cap *caps;                /* Source bridges, in order. */
    size_t n_caps, allocated_caps;

    struct sset new_names;              /* Ports inserted by this call. */
    struct hmapx keep;                  /* Owned rows still wanted. */
    struct hmapx deleted;               /* Rows deleted by this call. */
    bool dirty;                         /* A difference was found. */
    bool may_create;                    /* New ports may be inserted:
                                         * ovs-vswitchd has applied every
                                         * earlier change (cur_cfg). */
    bool deferred;                      /* Something waits for that. */
};

/* The outcome of comparing one row with its desired state. */
enum vs_row_state {
    VS_ROW_OK,          /* Already as desired. */
    VS_ROW_CHANGED,     /* Created or repaired (or would be, without txn). */
    VS_ROW_CONFLICT,    /* A foreign row is in the way. */
};

/* Desired state of one owned Port with one Interface of the same name. */
struct vs_port_spec {
    const char *name;
    const char *type;
    struct smap options;
    const int64_t *tag;
    size_t n_tag;
    const int64_t *trunks;
    size_t n_trunks;
    const char *vlan_mode;
    const char *iface_id;       /* For external_ids:tmirror-iface-id. */
    int tc_ifindex;             /* Nonzero: external_ids:tmirror-tc-ifindex
                                 * (the port is a tc capture's veth). */
};

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

/* Returns true if a row with these external_ids belongs to tmirror. */
static bool
vs_owned(const struct smap *external_ids)
{
    return smap_get_bool(external_ids, VS_OWNED_KEY, false);
}

/* Compares two optional strings, NULL being the same as "". */
static bool
vs_str_equal(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

/* Compares two integer sets as the IDL stores them (sorted). */
static bool
vs_ints_equal(const int64_t *a, size_t n_a, const int64_t *b, size_t n_b)
{
    return n_a == n_b && (!n_a || !memcmp(a, b, n_a * sizeof *a));
}

/* "" and "system" are the same datapath type. */
static const char *
vs_dp_type(const struct ovsrec_bridge *br)
{
    return br->datapath_type && br->datapath_type[0]
           ? br->datapath_type : "system";
}

/* Returns the Interface's OpenFlow port number: positive when assigned, -1
 * when ovs-vswitchd failed to add it, 0 while not yet known. */
static int64_t
vs_iface_ofport(const struct ovsrec_interface *iface)
{
    return iface && iface->n_ofport ? iface->ofport[0] : 0;
}

/* Marks a difference and says whether it may be written. */
static bool
vs_may_write(struct vs_ctx *ctx)
{
    ctx->dirty = true;
    return ctx->txn != NULL;
}

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

/* Deletion of owned rows. */

/* Deletes owned 'port' and its interfaces; removes it from 'br' unless the
 * bridge itself is being deleted. */
static void
vs_delete_port(struct vs_ctx *ctx, const struct ovsrec_bridge *br,
               const struct ovsrec_port *port, bool br_going)
{
    if (hmapx_contains(&ctx->deleted, port) || !vs_may_write(ctx)) {
        return;
    }
    VLOG_INFO_RL(&change_rl, "deleting port %s from bridge %s",
                 port->name, br->name);
    COVERAGE_INC(vswitch_sync_delete);
    if (!br_going) {
        ovsrec_bridge_update_ports_delvalue(br, port);
    }
    for (size_t i = 0; i < port->n_interfaces; i++) {
        const struct ovsrec_interface *iface = port->interfaces[i];
        if (hmapx_add(&ctx->deleted, CONST_CAST(void *, iface))) {
            ovsrec_interface_delete(iface);
        }
    }
    hmapx_add(&ctx->deleted, CONST_CAST(void *, port));
    ovsrec_port_delete(port);
}

/* Deletes owned Mirror 'm', removing it from 'br' unless 'br' is going. */
static void
vs_delete_mirror(struct vs_ctx *ctx, const struct ovsrec_bridge *br,
                 const struct ovsrec_mirror *m, bool br_going)
{
    if (hmapx_contains(&ctx->deleted, m) || !vs_may_write(ctx)) {
        return;
    }
    VLOG_INFO_RL(&change_rl, "deleting mirror %s from bridge %s",
                 m->name, br->name);
    COVERAGE_INC(vswitch_sync_delete);
    if (!br_going) {
        ovsrec_bridge_update_mirrors_delvalue(br, m);
    }
    hmapx_add(&ctx->deleted, CONST_CAST(void *, m));
    ovsrec_mirror_delete(m);
}

/* Returns true if 'br' holds a port or mirror that tmirror does not own. */
static bool
vs_bridge_has_foreign_rows(const struct ovsrec_bridge *br)
{
    for (size_t i = 0; i < br->n_ports; i++) {
        if (!vs_owned(&br->ports[i]->external_ids)) {
            return true;
        }
    }
    for (size_t i = 0; i < br->n_mirrors; i++) {
        if (!vs_owned(&br->mirrors[i]->external_ids)) {
            return true;
        }
    }
    return false;
}

/* Deletes the owned ports and mirrors of 'br' that are not kept, and 'br'
 * itself if it is owned, not kept and holds nothing foreign. */
static void
vs_delete_stale_in_bridge(struct vs_ctx *ctx, const struct ovsrec_bridge *br)
{
    bool br_going = (vs_owned(&br->external_ids)
                     && !hmapx_contains(&ctx->keep, br)
                     && !vs_bridge_has_foreign_rows(br));

    for (size_t i = 0; i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        if (vs_owned(&port->external_ids)
            && !hmapx_contains(&ctx->keep, port)) {
            vs_delete_port(ctx, br, port, br_going);
        }
    }
    for (size_t i = 0; i < br->n_mirrors; i++) {
        const struct ovsrec_mirror *m = br->mirrors[i];
        if (vs_owned(&m->external_ids) && !hmapx_contains(&ctx->keep, m)) {
            vs_delete_mirror(ctx, br, m, br_going);
        }
    }
    if (br_going && !hmapx_contains(&ctx->deleted, br) && vs_may_write(ctx)) {
        VLOG_INFO_RL(&change_rl, "deleting bridge %s", br->name);
        COVERAGE_INC(vswitch_sync_delete);
        if (ctx->ovs) {
            ovsrec_open_vswitch_update_bridges_delvalue(ctx->ovs, br);
        }
        hmapx_add(&ctx->deleted, CONST_CAST(void *, br));
        ovsrec_bridge_delete(br);
    } else if (vs_owned(&br->external_ids)
               && !hmapx_contains(&ctx->keep, br)) {
        VLOG_WARN_RL(&warn_rl, "not deleting bridge %s that tmirror created: "
                     "it holds ports or mirrors that tmirror does not own",
                     br->name);
    }
}

/* Deletes every owned row that this call did not mark to keep. */
static void
vs_delete_stale(struct vs_ctx *ctx)
{
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH_SAFE (br, ctx->idl) {
        if (!hmapx_contains(&ctx->deleted, br)
            && !(ctx->mbr_new && br == ctx->mbr)) {
            vs_delete_stale_in_bridge(ctx, br);
        }
    }
}

/* Ports. */

/* Adds 'port' to 'br': a mutation for an existing bridge, or the initial
 * 'ports' of the mirror bridge inserted by this call. */
static void
vs_bridge_add_port(struct vs_ctx *ctx, const struct ovsrec_bridge *br,
                   const struct ovsrec_port *port)
{
    if (ctx->mbr_new && br == ctx->mbr) {
        if (ctx->n_mbr_new_ports >= ctx->allocated_mbr_new_ports) {
            ctx->mbr_new_ports = x2nrealloc(ctx->mbr_new_ports,
                                            &ctx->allocated_mbr_new_ports,
                                            sizeof *ctx->mbr_new_ports);
        }
        ctx->mbr_new_ports[ctx->n_mbr_new_ports++]
            = CONST_CAST(struct ovsrec_port *, port);
    } else {
        ovsrec_bridge_update_ports_addvalue(br, port);
    }
}

/* Sets the owned-row external_ids of a row about to be inserted. */
static void
vs_owned_ids(struct smap *ids, const char *iface_id)
{
    smap_init(ids);
    smap_add(ids, VS_OWNED_KEY, "true");
    if (iface_id) {
        smap_add(ids, VS_IFACE_ID_KEY, iface_id);
    }
}

/* Inserts an owned Port and Interface as 'spec' describes, into 'br'.
 * Requires a transaction. */
static const struct ovsrec_port *
vs_insert_port(struct vs_ctx *ctx, const struct ovsrec_bridge *br,
               const struct vs_port_spec *spec)
{
    struct smap ids;
    vs_owned_ids(&ids, spec->iface_id);
    if (spec->tc_ifindex) {
        smap_add_format(&ids, VS_TC_IFINDEX_KEY, "%d", spec->tc_ifindex);
    }

    struct ovsrec_interface *iface = ovsrec_interface_insert(ctx->txn);
    ovsrec_interface_set_name(iface, spec->name);
    ovsrec_interface_set_type(iface, spec->type);
    ovsrec_interface_set_options(iface, &spec->options);
    ovsrec_interface_set_external_ids(iface, &ids);

    struct ovsrec_port *port = ovsrec_port_insert(ctx->txn);
    ovsrec_port_set_name(port, spec->name);
    ovsrec_port_set_interfaces(port, &iface, 1);
    ovsrec_port_set_tag(port, spec->tag, spec->n_tag);
    ovsrec_port_set_trunks(port, spec->trunks, spec->n_trunks);
    ovsrec_port_set_vlan_mode(port, spec->vlan_mode);
    ovsrec_port_set_external_ids(port, &ids);
    smap_destroy(&ids);

    vs_bridge_add_port(ctx, br, port);
    sset_add(&ctx->new_names, spec->name);
    hmapx_add(&ctx->keep, CONST_CAST(void *, port));
    COVERAGE_INC(vswitch_sync_create);
    VLOG_INFO_RL(&change_rl, "created port %s (type %s) on bridge %s",
                 spec->name, spec->type, br->name);
    return port;
}

/* Brings the columns of existing owned 'port' and its Interface 'iface' in
 * line with 'spec'.  Returns true if something had to change. */
static bool
vs_repair_port(struct vs_ctx *ctx, const struct ovsrec_port *port,
               const struct ovsrec_interface *iface,
               const struct vs_port_spec *spec)
{
    bool tag_ok = vs_ints_equal(port->tag, port->n_tag,
                                spec->tag, spec->n_tag);
    bool trunks_ok = vs_ints_equal(port->trunks, port->n_trunks,
                                   spec->trunks, spec->n_trunks);
    bool mode_ok = vs_str_equal(port->vlan_mode, spec->vlan_mode);
    bool type_ok = vs_str_equal(iface->type, spec->type);
    bool options_ok = smap_equal(&iface->options, &spec->options);
    /* A port whose name passed to another source (vs_pick_base()). */
    bool source_ok = (!spec->iface_id
                      || vs_str_equal(smap_get(&port->external_ids,
                                               VS_IFACE_ID_KEY),
                                      spec->iface_id));

    if (tag_ok && trunks_ok && mode_ok && type_ok && options_ok
        && source_ok) {
        return false;
    }
    VLOG_INFO_RL(&change_rl, "updating port %s:%s%s%s%s%s%s", spec->name,
                 tag_ok ? "" : " tag", trunks_ok ? "" : " trunks",
                 mode_ok ? "" : " vlan_mode", type_ok ? "" : " type",
                 options_ok ? "" : " options", source_ok ? "" : " source");
    if (!vs_may_write(ctx)) {
        return true;
    }
    COVERAGE_INC(vswitch_sync_repair);
    if (!tag_ok) {
        ovsrec_port_set_tag(port, spec->tag, spec->n_tag);
    }
    if (!trunks_ok) {
        ovsrec_port_set_trunks(port, spec->trunks, spec->n_trunks);
    }
    if (!mode_ok) {
        ovsrec_port_set_vlan_mode(port, spec->vlan_mode);
    }
    if (!type_ok) {
        ovsrec_interface_set_type(iface, spec->type);
    }
    if (!options_ok) {
        ovsrec_interface_set_options(iface, &spec->options);
    }
    if (!source_ok) {
        ovsrec_port_update_external_ids_setkey(port, VS_IFACE_ID_KEY,
                                               spec->iface_id);
        ovsrec_interface_update_external_ids_setkey(iface, VS_IFACE_ID_KEY,
                                                    spec->iface_id);
    }
    return true;
}

/* Returns an error message if a row tmirror does not own holds the name
 * 'name' that an owned Port and Interface need, else NULL. */
static char *
vs_port_conflict(const struct vs_ctx *ctx, const char *name)
{
    const struct vs_loc *port_loc = shash_find_data(&ctx->ports, name);
    const struct vs_loc *iface_loc = shash_find_data(&ctx->ifaces, name);

    if (port_loc && !vs_owned(&port_loc->port->external_ids)) {
        return xasprintf("port %s on bridge %s exists and is not owned by "
                         "tmirror", name, port_loc->br->name);
    }
    if (iface_loc && !vs_owned(&iface_loc->port->external_ids)) {
        return xasprintf("interface %s on bridge %s exists and is not owned "
                         "by tmirror", name, iface_loc->br->name);
    }
    return NULL;
}

/* Makes sure that 'br' holds an owned Port with one Interface, both named
 * and configured as 'spec' says; a misplaced or misshapen owned port is
 * replaced (the old one is then deleted as stale).  Stores the Port and
 * its Interface (NULL if not created for lack of a transaction) in '*portp'
 * and '*ifacep' and, on conflict, an error message in '*errp'. */
static enum vs_row_state
vs_ensure_port(struct vs_ctx *ctx, const struct ovsrec_bridge *br,
               const struct vs_port_spec *spec,
               const struct ovsrec_port **portp,
               const struct ovsrec_interface **ifacep, char **errp)
{
    *portp = NULL;
    *ifacep = NULL;
    *errp = vs_port_conflict(ctx, spec->name);
    if (*errp) {
        VLOG_WARN_RL(&warn_rl, "%s", *errp);
        return VS_ROW_CONFLICT;
    }

    const struct vs_loc *loc = shash_find_data(&ctx->ports, spec->name);
    if (sset_contains(&ctx->new_names, spec->name)
        || (loc && hmapx_contains(&ctx->keep, loc->port))) {
        /* Only possible if two of tmirror's names coincide (e.g. a mirror
         * bridge named like a tunnel port): never create a name twice. */
        *errp = xasprintf("port %s is needed twice by tmirror", spec->name);
        VLOG_WARN_RL(&warn_rl, "%s", *errp);
        return VS_ROW_CONFLICT;
    }
    if (loc && loc->br == br && loc->port->n_interfaces == 1
        && !strcmp(loc->port->interfaces[0]->name, spec->name)) {
        const struct ovsrec_interface *iface = loc->port->interfaces[0];
        hmapx_add(&ctx->keep, CONST_CAST(void *, loc->port));
        *portp = loc->port;
        *ifacep = iface;
        return (vs_repair_port(ctx, loc->port, iface, spec)
                ? VS_ROW_CHANGED : VS_ROW_OK);
    }
    if (loc) {
        /* Deleting a port and adding one of the same name in one
         * transaction leaves ovs-vswitchd with a patch port whose peer no
         * longer points back at it: nothing crosses it, although the
         * database looks right.  So the old port goes now (it is not kept,
         * so it is deleted as stale) and the new one comes once
         * ovs-vswitchd has applied the deletion. */
        VLOG_INFO_RL(&change_rl, "replacing port %s (was on bridge %s): "
                     "deleting it first", spec->name, loc->br->name);
        ctx->deferred = true;
        return VS_ROW_CHANGED;
    }
    if (!ctx->may_create) {
        /* ovs-vswitchd has not applied everything written so far, which
         * may include the deletion of a port of this name. */
        ctx->deferred = true;
        return VS_ROW_CHANGED;
    }
    if (vs_may_write(ctx)) {
        *portp = vs_insert_port(ctx, br, spec);
        *ifacep = (*portp)->interfaces[0];
    }
    return VS_ROW_CHANGED;
}

/* The mirror bridge. */

/* Returns the datapath_type for a new mirror bridge: that of the first
 * request's source found here, else that of the first other bridge by
 * name, else the default. */
static const char *
vs_new_bridge_dp_type(const struct vs_ctx *ctx,
                      const struct vs_capture_req *reqs, size_t n_reqs)
{
    for (size_t i = 0; i < n_reqs; i++) {
        const struct vs_loc *src = shash_find_data(&ctx->sources,
                                                   reqs[i].iface_id);
        if (src) {
            return src->br->datapath_type ? src->br->datapath_type : "";
        }
    }

    const struct ovsrec_bridge *best = NULL, *br;
    OVSREC_BRIDGE_FOR_EACH (br, ctx->idl) {
        if (strcmp(br->name, ctx->cfg->bridge)
            && (!best || strcmp(br->name, best->name) < 0)) {
            best = br;
        }
    }
    return best && best->datapath_type ? best->datapath_type : "";
}

/* Inserts the mirror bridge with its LOCAL internal port, as "ovs-vsctl
 * add-br" would, plus tmirror's settings. */
static void
vs_create_mirror_bridge(struct vs_ctx *ctx, const char *dp_type)
{
    const char *name = ctx->cfg->bridge;
    struct smap other_config = SMAP_CONST1(&other_config,
                                           "disable-in-band", "true");
    struct smap ids;
    vs_owned_ids(&ids, NULL);

    struct ovsrec_bridge *br = ovsrec_bridge_insert(ctx->txn);
    ovsrec_bridge_set_name(br, name);
    ovsrec_bridge_set_fail_mode(br, "secure");
    ovsrec_bridge_set_datapath_type(br, dp_type);
    ovsrec_bridge_set_protocols(br, vs_protocols, ARRAY_SIZE(vs_protocols));
    ovsrec_bridge_set_other_config(br, &other_config);
    ovsrec_bridge_set_external_ids(br, &ids);
    smap_destroy(&ids);
    ovsrec_open_vswitch_update_bridges_addvalue(ctx->ovs, br);

    ctx->mbr = br;
    ctx->mbr_new = true;
    hmapx_add(&ctx->keep, CONST_CAST(void *, br));
    COVERAGE_INC(vswitch_sync_create);
    VLOG_INFO_RL(&change_rl, "created bridge %s (datapath_type \"%s\")",
                 name, dp_type);

    struct vs_port_spec local = { .name = name, .type = "internal" };
    smap_init(&local.options);
    vs_insert_port(ctx, br, &local);
}

/* Returns true if the bridge's 'protocols' are exactly vs_protocols. */
static bool
vs_protocols_ok(const struct ovsrec_bridge *br)
{
    if (br->n_protocols != ARRAY_SIZE(vs_protocols)) {
        return false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(vs_protocols); i++) {
        bool found = false;
        for (size_t j = 0; j < br->n_protocols; j++) {
            found = found || !strcmp(br->protocols[j], vs_protocols[i]);
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

/* Restores tmirror's settings on the owned mirror bridge and its LOCAL
 * port. */
static void
vs_repair_mirror_bridge(struct vs_ctx *ctx)
{
    const struct ovsrec_bridge *br = ctx->mbr;
    bool fail_ok = vs_str_equal(br->fail_mode, "secure");
    bool proto_ok = vs_protocols_ok(br);
    bool inband_ok = vs_str_equal(smap_get(&br->other_config,
                                           "disable-in-band"), "true");

    if (!(fail_ok && proto_ok && inband_ok) && vs_may_write(ctx)) {
        VLOG_INFO_RL(&change_rl, "restoring settings of bridge %s",
                     br->name);
        COVERAGE_INC(vswitch_sync_repair);
        if (!fail_ok) {
            ovsrec_bridge_set_fail_mode(br, "secure");
        }
        if (!proto_ok) {
            ovsrec_bridge_set_protocols(br, vs_protocols,
                                        ARRAY_SIZE(vs_protocols));
        }
        if (!inband_ok) {
            ovsrec_bridge_update_other_config_setkey(br, "disable-in-band",
                                                     "true");
        }
    }

    struct vs_port_spec local = { .name = br->name, .type = "internal" };
    const struct ovsrec_port *port;
    const struct ovsrec_interface *iface;
    char *error;
    smap_init(&local.options);
    vs_ensure_port(ctx, br, &local, &port, &iface, &error);
    free(error);
}

/* Finds, creates or (if owned) repairs the mirror bridge.  In cleanup mode
 * only finds it. */
static void
vs_mirror_bridge_run(struct vs_ctx *ctx, const struct vs_capture_req *reqs,
                     size_t n_reqs)
{
    if (ctx->cfg->cleanup) {
        return;
    }
    if (!ctx->mbr) {
        if (ctx->ovs && vs_may_write(ctx)) {
            vs_create_mirror_bridge(ctx,
                                    vs_new_bridge_dp_type(ctx, reqs, n_reqs));
        }
    } else if (vs_owned(&ctx->mbr->external_ids)) {
        hmapx_add(&ctx->keep, CONST_CAST(void *, ctx->mbr));
        vs_repair_mirror_bridge(ctx);
    }
}

/* Capture. */

/* Returns the slot accounting of source bridge 'br', creating it (with the
 * count of foreign Mirror rows in 'br') on first use. */
static struct vs_cap *
vs_cap_get(struct vs_ctx *ctx, const struct ovsrec_bridge *br)
{
    for (size_t i = 0; i < ctx->n_caps; i++) {
        if (ctx->caps[i].br == br) {
            return &ctx->caps[i];
        }
    }
    if (ctx->n_caps >= ctx->allocated_caps) {
        ctx->caps = x2nrealloc(ctx->caps, &ctx->allocated_caps,
                               sizeof *ctx->caps);
    }
    struct vs_cap *cap = &ctx->caps[ctx->n_caps++];
    *cap = (struct vs_cap) { .br = br };
    for (size_t i = 0; i < br->n_mirrors; i++) {
        if (!vs_owned(&br->mirrors[i]->external_ids)) {
            cap->foreign++;
        }
    }
    return cap;
}

/* Returns an error message if 'br' holds a foreign Mirror named 'name'. */
static char *
vs_mirror_conflict(const struct ovsrec_bridge *br, const char *name)
{
    for (size_t i = 0; i < br->n_mirrors; i++) {
        const struct ovsrec_mirror *m = br->mirrors[i];
        if (!vs_owned(&m->external_ids) && !strcmp(m->name, name)) {
            return xasprintf("mirror %s on bridge %s exists and is not owned "
                             "by tmirror", name, br->name);
        }
    }
    return NULL;
}

/* Returns true if owned Mirror 'm' selects 'src' in the direction given by
 * 'egress', and only that, into 'out'. */
static bool
vs_mirror_ok(const struct ovsrec_mirror *m, const struct ovsrec_port *src,
             const struct ovsrec_port *out, bool egress)
{
    size_t n_src = m->n_select_src_port, n_dst = m->n_select_dst_port;
    bool select_ok = (egress
                      ? n_src == 1 && m->select_src_port[0] == src && !n_dst
                      : n_dst == 1 && m->select_dst_port[0] == src && !n_src);
    return (select_ok && !m->select_all && !m->n_select_vlan
            && m->output_port == out && !m->n_output_vlan && !m->n_snaplen);
}

/* Writes the desired columns of Mirror 'm'. */
static void
vs_mirror_set(const struct ovsrec_mirror *m, const struct ovsrec_port *src,
              const struct ovsrec_port *out, bool egress)
{
    struct ovsrec_port *srcp = CONST_CAST(struct ovsrec_port *, src);

    ovsrec_mirror_set_select_all(m, false);
    ovsrec_mirror_set_select_src_port(m, &srcp, egress ? 1 : 0);
    ovsrec_mirror_set_select_dst_port(m, &srcp, egress ? 0 : 1);
    ovsrec_mirror_set_select_vlan(m, NULL, 0);
    ovsrec_mirror_set_output_port(m, out);
    ovsrec_mirror_set_output_vlan(m, NULL, 0);
    ovsrec_mirror_set_snaplen(m, NULL, 0);
}

/* Makes sure that source bridge 'br' holds an owned Mirror 'name' copying
 * what 'src' sends (egress) or receives into 'out' (NULL when not yet
 * created for lack of a transaction). */
static enum vs_row_state
vs_ensure_mirror(struct vs_ctx *ctx, const struct ovsrec_bridge *br,
                 const char *name, const struct ovsrec_port *src,
                 const struct ovsrec_port *out, bool egress,
                 const char *iface_id, char **errp)
{
    *errp = vs_mirror_conflict(br, name);
    if (*errp) {
        VLOG_WARN_RL(&warn_rl, "%s", *errp);
        return VS_ROW_CONFLICT;
    }

    const struct vs_mirror_loc *loc = shash_find_data(&ctx->owned_mirrors,
                                                      name);
    if (loc && loc->br == br && !hmapx_contains(&ctx->keep, loc->mirror)) {
        hmapx_add(&ctx->keep, CONST_CAST(void *, loc->mirror));
        if (out && vs_mirror_ok(loc->mirror, src, out, egress)) {
            return VS_ROW_OK;
        }
        if (vs_may_write(ctx)) {
            VLOG_INFO_RL(&change_rl, "repairing mirror %s on bridge %s",
                         name, br->name);
            COVERAGE_INC(vswitch_sync_repair);
            vs_mirror_set(loc->mirror, src, out, egress);
        }
        return VS_ROW_CHANGED;
    }
    if (vs_may_write(ctx) && out) {
        struct smap ids;
        vs_owned_ids(&ids, iface_id);
        struct ovsrec_mirror *m = ovsrec_mirror_insert(ctx->txn);
        ovsrec_mirror_set_name(m, name);
        ovsrec_mirror_set_external_ids(m, &ids);
        smap_destroy(&ids);
        vs_mirror_set(m, src, out, egress);
        ovsrec_bridge_update_mirrors_addvalue(br, m);
        hmapx_add(&ctx->keep, CONST_CAST(void *, m));
        COVERAGE_INC(vswitch_sync_create);
        VLOG_INFO_RL(&change_rl, "created mirror %s on bridge %s (%s of "
                     "port %s)", name, br->name,
                     egress ? "egress" : "ingress", src->name);
    }
    return VS_ROW_CHANGED;
}

/* Fills 'res' with 'state' and a formatted message (NULL 'format': none). */
static void OVS_PRINTF_FORMAT(3, 4)
vs_capture_set(struct vs_capture_result *res, enum vs_capture_state state,
               const char *format, ...)
{
    res->state = state;
    free(res->message);
    res->message = NULL;
    if (format) {
        va_list args;
        va_start(args, format);
        res->message = xvasprintf(format, args);
        va_end(args);
    }
}

/* Returns the state of a capture whose rows are all in place, from the
 * ofports that ovs-vswitchd assigned to the source's own interface
 * 'vm_iface' and to the capture's two patch interfaces: a source that
 * ovs-vswitchd could not add to its datapath sends and receives nothing, so
 * its Mirror copies nothing either.  'applied' says whether ovs-vswitchd has
 * applied every change written so far: then a missing ofport will not come
 * by itself. */
static void
vs_capture_check_ofports(struct vs_capture_result *res,
                         const struct ovsrec_interface *vm_iface,
                         const struct ovsrec_interface *src_iface,
                         const struct ovsrec_interface *mir_iface,
                         bool applied)
{
    const struct ovsrec_interface *ifaces[3] = { vm_iface, src_iface,
                                                 mir_iface };

    for (size_t i = 0; i < 3; i++) {
        int64_t ofport = vs_iface_ofport(ifaces[i]);
        if (ofport < 0) {
            vs_capture_set(res, VS_CAPTURE_ERROR,
                           "ovs-vswitchd could not add %sinterface %s: %s",
                           i ? "" : "source ", ifaces[i]->name,
                           ifaces[i]->error ? ifaces[i]->error : "no reason");
            return;
        } else if (!ofport && applied) {
            vs_capture_set(res, VS_CAPTURE_ERROR,
                           "ovs-vswitchd applied the configuration but gave "
                           "%sinterface %s no OpenFlow port number%s%s",
                           i ? "" : "source ", ifaces[i]->name,
                           ifaces[i]->error ? ": " : "",
                           ifaces[i]->error ? ifaces[i]->error : "");
            return;
        } else if (!ofport) {
            vs_capture_set(res, VS_CAPTURE_PENDING,
                           "waiting for ovs-vswitchd to add %sinterface %s",
                           i ? "" : "source ", ifaces[i]->name);
            return;
        }
    }
    vs_capture_set(res, VS_CAPTURE_OK, NULL);
    res->mirror_ofport = u16_to_ofp(vs_iface_ofport(mir_iface));
}

/* Fills 'spec' for a patch port 'name' peered with 'peer'. */
static void
vs_patch_spec(struct vs_port_spec *spec, const char *name, const char *peer,
              const char *iface_id)
{
    memset(spec, 0, sizeof *spec);
    spec->name = name;
    spec->type = "patch";
    spec->iface_id = iface_id;
    smap_init(&spec->options);
    smap_add(&spec->options, "peer", peer);
}

/* Creates or repairs the two patch ports and the Mirror of one admitted
 * (source, direction) and stores the outcome in 'res'. */
static void
vs_capture_ensure(struct vs_ctx *ctx, const struct vs_loc *src,
                  const char *iface_id, bool egress,
                  struct vs_capture_result *res)
{
    const char *base = shash_find_data(&ctx->bases, iface_id);
    char dir = egress ? 'e' : 'i';
    char *src_name = xasprintf("%s-%c", base, dir);
    char *mir_name = xasprintf("%s-%cm", base, dir);
    struct vs_port_spec src_spec, mir_spec;
    const struct ovsrec_port *src_port = NULL, *mir_port;
    const struct ovsrec_interface *src_iface = NULL, *mir_iface;
    char *error = NULL;

    vs_patch_spec(&src_spec, src_name, mir_name, iface_id);
    src_spec.tag = src->port->tag;
    src_spec.n_tag = src->port->n_tag;
    src_spec.trunks = src->port->trunks;
    src_spec.n_trunks = src->port->n_trunks;
    src_spec.vlan_mode = src->port->vlan_mode;
    vs_patch_spec(&mir_spec, mir_name, src_name, iface_id);

    enum vs_row_state s1 = vs_ensure_port(ctx, ctx->mbr, &mir_spec,
                                          &mir_port, &mir_iface, &error);
    enum vs_row_state s2 = VS_ROW_CONFLICT;
    if (s1 != VS_ROW_CONFLICT) {
        s2 = vs_ensure_port(ctx, src->br, &src_spec, &src_port, &src_iface,
                            &error);
    }
    if (s2 != VS_ROW_CONFLICT) {
        /* Its outcome matters only through 'error': see below. */
        vs_ensure_mirror(ctx, src->br, src_name, src->port, src_port, egress,
                         iface_id, &error);
    }

    if (error) {
        vs_capture_set(res, VS_CAPTURE_ERROR, "%s", error);
    } else if (s1 != VS_ROW_OK || s2 != VS_ROW_OK) {
        vs_capture_set(res, VS_CAPTURE_PENDING, "creating or repairing %s "
                       "and mirror %s", mir_name, src_name);
    } else {
        /* At most the Mirror row is being created or repaired: the
         * patch ports and their ofports stay, so the flows that use them
         * must stay too (tearing them down would drop the other direction's
         * copies and reset the session's counters).  The caller does not
         * claim the configuration until ovs-vswitchd has applied the
         * change. */
        vs_capture_check_ofports(res, src->iface, src_iface, mir_iface,
                                 ctx->may_create);
    }
    free(error);
    smap_destroy(&src_spec.options);
    smap_destroy(&mir_spec.options);
    free(src_name);
    free(mir_name);
}

/* Creates or repairs the mirror bridge's Port for the tc capture 'req'
 * (the veth end that the kernel sends the copies on) and stores the
 * outcome in 'res'.  A Port recorded with another ifindex is left out of
 * the kept rows, so that it is deleted now and added back once
 * ovs-vswitchd has applied the deletion: it would otherwise go on reading
 * the old netdev. */
static void
vs_capture_tc(struct vs_ctx *ctx, const struct vs_capture_req *req,
              struct vs_capture_result *res)
{
    const struct vs_loc *loc = shash_find_data(&ctx->ports, req->tc_port);
    if (loc && vs_owned(&loc->port->external_ids)
        && smap_get_int(&loc->port->external_ids, VS_TC_IFINDEX_KEY, 0)
           != req->tc_ifindex) {
        VLOG_INFO_RL(&change_rl, "port %s: its veth was made again "
                     "(ifindex %d): deleting the port first", req->tc_port,
                     req->tc_ifindex);
        ctx->dirty = true;
        ctx->deferred = true;
        vs_capture_set(res, VS_CAPTURE_PENDING, "re-adding port %s",
                       req->tc_port);
        return;
    }

    struct vs_port_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.name = req->tc_port;
    spec.type = "system";
    spec.iface_id = req->iface_id;
    spec.tc_ifindex = req->tc_ifindex;
    smap_init(&spec.options);

    const struct ovsrec_port *port;
    const struct ovsrec_interface *iface;
    char *error = NULL;
    enum vs_row_state state = vs_ensure_port(ctx, ctx->mbr, &spec, &port,
                                             &iface, &error);
    int64_t ofport = vs_iface_ofport(iface);
    if (error) {
        vs_capture_set(res, VS_CAPTURE_ERROR, "%s", error);
    } else if (state != VS_ROW_OK || !ofport) {
        vs_capture_set(res, VS_CAPTURE_PENDING, "waiting for ovs-vswitchd "
                       "to add port %s", req->tc_port);
    } else if (ofport < 0) {
        vs_capture_set(res, VS_CAPTURE_ERROR, "ovs-vswitchd could not add "
                       "interface %s: %s", req->tc_port,
                       iface->error ? iface->error : "no reason");
    } else {
        vs_capture_set(res, VS_CAPTURE_OK, NULL);
        res->mirror_ofport = u16_to_ofp(ofport);
    }
    free(error);
    smap_destroy(&spec.options);
}

/* Gives 'iface_id' the base name of its patch ports (ctx->bases):
 * "tm-" and hash_string(iface_id, 0) in hex, or, if an earlier source of
 * this run (in admission order) has that one (two iface-ids with one 32-bit
 * hash), hash_string(iface_id, 1), 2, ...: two sources never share a
 * port.  The same sources give the same names. */
static void
vs_pick_base(struct vs_ctx *ctx, const char *iface_id)
{
    if (shash_find(&ctx->bases, iface_id)) {
        return;
    }
    const char *first = NULL;   /* The source that has the first name. */
    for (uint32_t basis = 0; ; basis++) {
        char *base = xasprintf("tm-%08"PRIx32, hash_string(iface_id, basis));
        const char *other = shash_find_data(&ctx->base_names, base);
        if (!other) {
            if (first) {
                VLOG_INFO_RL(&change_rl, "source %s: patch ports named "
                             "%s-* (tm-%08"PRIx32"-* are source %s's)",
                             iface_id, base, hash_string(iface_id, 0),
                             first);
            }
            shash_add(&ctx->base_names, base, iface_id);
            shash_add(&ctx->bases, iface_id, base);
            return;
        }
        first = first ? first : other;
        free(base);
    }
}

/* Returns an error message if 'iface_id' cannot be captured into the
 * mirror bridge for a reason other than capacity, else NULL.  'patched':
 * some of its captures use patch ports (Mirror rows), which join only
 * bridges of one datapath type, and are named here (vs_pick_base()). */
static char *
vs_capture_precheck(struct vs_ctx *ctx, const struct vs_loc *src,
                    const char *iface_id, bool patched)
{
    char *error = NULL;

    if (patched) {
        vs_pick_base(ctx, iface_id);
    }
    if (patched && ctx->mbr && !ctx->mbr_new
        && strcmp(vs_dp_type(ctx->mbr), vs_dp_type(src->br))) {
        error = xasprintf("bridge %s (datapath_type %s) cannot be patched "
                          "to mirror bridge %s (datapath_type %s)",
                          src->br->name, vs_dp_type(src->br),
                          ctx->mbr->name, vs_dp_type(ctx->mbr));
    }
    return error;
}

/* vs_capture_tc(), or pending while the mirror bridge does not exist. */
static void
vs_capture_tc_or_wait(struct vs_ctx *ctx, const struct vs_capture_req *req,
                      struct vs_capture_result *res)
{
    if (!ctx->mbr) {
        vs_capture_set(res, VS_CAPTURE_PENDING, "mirror bridge %s does not "
                       "exist yet", ctx->cfg->bridge);
    } else {
        vs_capture_tc(ctx, req, res);
    }
}

/* Returns true if request 'idx[i]' has the same direction as an earlier
 * request of the same source. */
static bool
vs_is_duplicate(const struct vs_capture_req *reqs, const size_t *idx,
                size_t i)
{
    for (size_t j = 0; j < i; j++) {
        if (reqs[idx[j]].egress == reqs[idx[i]].egress) {
            return true;
        }
    }
    return false;
}

/* Processes the requests of one source (indexes 'idx[0..n)' into 'reqs'):
 * admission against the capacity of its bridge, then its rows. */
static void
vs_capture_source(struct vs_ctx *ctx, const struct vs_capture_req *reqs,
                  const size_t *idx, size_t n, struct vs_result *result)
{
    const char *iface_id = reqs[idx[0]].iface_id;
    const struct vs_loc *src = shash_find_data(&ctx->sources, iface_id);
    bool dirs[2] = { false, false };    /* [0] ingress, [1] egress. */

    for (size_t i = 0; i < n; i++) {
        struct vs_capture_result *res = &result->captures[idx[i]];
        if (!reqs[idx[i]].tc_port) {
            dirs[reqs[idx[i]].egress] = true;
        }
        res->bridge = src ? xstrdup(src->br->name) : NULL;
        if (!src) {
            vs_capture_set(res, VS_CAPTURE_NO_SOURCE,
                           "source port %s is not on this chassis", iface_id);
        }
    }
    if (!src) {
        return;
    }

    struct vs_cap *cap = vs_cap_get(ctx, src->br);
    int needed = dirs[0] + dirs[1];
    int in_use = cap->foreign + cap->owned;
    if (in_use + needed > VS_MAX_MIRRORS) {
        for (size_t i = 0; i < n; i++) {
            if (reqs[idx[i]].tc_port) {
                vs_capture_tc_or_wait(ctx, &reqs[idx[i]],
                                      &result->captures[idx[i]]);
                continue;
            }
            vs_capture_set(&result->captures[idx[i]], VS_CAPTURE_NO_CAPACITY,
                           "bridge %s has no free Mirror slot for source %s "
                           "(%d of %d in use: %d foreign, %d tmirror; "
                           "needs %d)", src->br->name, iface_id, in_use,
                           VS_MAX_MIRRORS, cap->foreign, cap->owned, needed);
        }
        return;
    }
    cap->owned += needed;

    char *error = vs_capture_precheck(ctx, src, iface_id, needed > 0);
    for (size_t i = 0; i < n; i++) {
        struct vs_capture_result *res = &result->captures[idx[i]];
        bool egress = reqs[idx[i]].egress;
        if (error) {
            vs_capture_set(res, VS_CAPTURE_ERROR, "%s", error);
        } else if (reqs[idx[i]].tc_port) {
            vs_capture_tc_or_wait(ctx, &reqs[idx[i]], res);
        } else if (!ctx->mbr) {
            vs_capture_set(res, VS_CAPTURE_PENDING, "mirror bridge %s does "
                           "not exist yet", ctx->cfg->bridge);
        } else if (!vs_is_duplicate(reqs, idx, i)) {
            vs_capture_ensure(ctx, src, iface_id, egress, res);
        }
    }
    free(error);
}

/* Copies the outcome of the first request of each (source, direction) to
 * later duplicates of it. */
static void
vs_capture_copy_duplicates(const struct vs_capture_req *reqs,
                           const size_t *idx, size_t n,
                           struct vs_result *result)
{
    for (size_t i = 1; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            const struct vs_capture_req *a = &reqs[idx[i]], *b = &reqs[idx[j]];
            struct vs_capture_result *ra = &result->captures[idx[i]];
            const struct vs_capture_result *rb = &result->captures[idx[j]];
            if (a->egress == b->egress) {
                ra->state = rb->state;
                free(ra->message);
                ra->message = nullable_xstrdup(rb->message);
                ra->mirror_ofport = rb->mirror_ofport;
                break;
            }
        }
    }
}

/* Processes all capture requests, source by source in order of first
 * appearance (requests of one iface-id need not be consecutive). */
static void
vs_captures_run(struct vs_ctx *ctx, const struct vs_capture_req *reqs,
                size_t n_reqs, struct vs_result *result)
{
    bool *done = xcalloc(n_reqs, sizeof *done);
    size_t *idx = xmalloc(n_reqs * sizeof *idx);

    for (size_t i = 0; i < n_reqs; i++) {
        if (done[i]) {
            continue;
        }
        size_t n = 0;
        for (size_t j = i; j < n_reqs; j++) {
            if (!done[j] && !strcmp(reqs[j].iface_id, reqs[i].iface_id)) {
                done[j] = true;
                idx[n++] = j;
            }
        }
        vs_capture_source(ctx, reqs, idx, n, result);
        vs_capture_copy_duplicates(reqs, idx, n, result);
    }
    free(idx);
    free(done);
}

/* Tunnels. */

/* Returns the default UDP port of 'encap', or 0. */
static int
vs_default_dst_port(const char *encap)
{
    return (!strcmp(encap, "vxlan") ? 4789
            : !strcmp(encap, "geneve") ? 6081
            : 0);
}

/* Fills 'spec' for the tunnel port that 'req' needs and returns true, or
 * logs why 'req' is invalid and returns false.  The caller frees
 * spec->name and spec->options. */
static bool
vs_tunnel_spec(const struct vs_ctx *ctx, const struct vs_tunnel_req *req,
               struct vs_port_spec *spec)
{
    const char *encap = req->encap ? req->encap : "";
    bool udp = !strcmp(encap, "vxlan") || !strcmp(encap, "geneve");
    bool ip47 = !strcmp(encap, "gre") || !strcmp(encap, "erspan");

    if (!udp && !ip47) {
        VLOG_WARN_RL(&warn_rl, "tunnel encap \"%s\": not one of vxlan, "
                     "geneve, gre, erspan", encap);
        return false;
    }
    if (req->dst_port < 0 || req->dst_port > 65535) {
        VLOG_WARN_RL(&warn_rl, "tunnel %s dst_port %d: not in 0..65535",
                     encap, req->dst_port);
        return false;
    }
    int dst_port = (!udp || req->dst_port == vs_default_dst_port(encap)
                    ? 0 : req->dst_port);

    memset(spec, 0, sizeof *spec);
    spec->type = encap;
    spec->name = (dst_port ? xasprintf("tm-%s-%d", encap, dst_port)
                  : xasprintf("tm-%s", encap));
    smap_init(&spec->options);
    smap_add(&spec->options, "remote_ip", "flow");
    smap_add(&spec->options, "key", "flow");
    if (ctx->cfg->encap_ip && ctx->cfg->encap_ip[0]) {
        smap_add(&spec->options, "local_ip", ctx->cfg->encap_ip);
    }
    if (dst_port) {
        smap_add_format(&spec->options, "dst_port", "%d", dst_port);
    }
    if (!strcmp(encap, "erspan")) {
        smap_add(&spec->options, "erspan_ver", "flow");
    }
    return true;
}

/* Returns the index of an earlier request in 'reqs[0..i)' that needs the
 * same tunnel port as 'reqs[i]', or -1. */
static int
vs_tunnel_same_as(const struct vs_ctx *ctx, const struct vs_tunnel_req *reqs,
                  size_t i, const char *name)
{
    for (size_t j = 0; j < i; j++) {
        struct vs_port_spec spec;
        if (vs_tunnel_spec(ctx, &reqs[j], &spec)) {
            bool same = !strcmp(spec.name, name);
            free(CONST_CAST(char *, spec.name));
            smap_destroy(&spec.options);
            if (same) {
                return j;
            }
        }
    }
    return -1;
}

/* Returns why the tunnel port 'name' with Interface 'iface' (NULL if not
 * created yet) cannot be used, or NULL if it can be or may soon be.
 * 'state' is what vs_ensure_port() said about it. */
static char *
vs_tunnel_check(const struct vs_ctx *ctx, const char *name,
                const struct ovsrec_interface *iface,
                enum vs_row_state state)
{
    int64_t ofport = vs_iface_ofport(iface);
    if (ofport < 0) {
        return xasprintf("ovs-vswitchd could not add tunnel port %s: %s",
                         name, iface->error ? iface->error : "no reason");
    }
    if (!ofport && iface && state == VS_ROW_OK && ctx->may_create) {
        return xasprintf("ovs-vswitchd applied the configuration but gave "
                         "tunnel port %s no OpenFlow port number%s%s", name,
                         iface->error ? ": " : "",
                         iface->error ? iface->error : "");
    }
    return NULL;
}

/* Creates or repairs the tunnel ports on the mirror bridge and fills in
 * their ofports, or why they cannot be used. */
static void
vs_tunnels_run(struct vs_ctx *ctx, const struct vs_tunnel_req *reqs,
               size_t n_reqs, struct vs_result *result)
{
    for (size_t i = 0; i < n_reqs; i++) {
        struct vs_port_spec spec;
        const struct ovsrec_interface *iface = NULL;
        const struct ovsrec_port *port;
        char *error = NULL;

        result->tunnel_ofports[i] = OFPP_NONE;
        result->tunnel_errors[i] = NULL;
        if (!ctx->mbr || ctx->cfg->cleanup) {
            continue;
        }
        if (!vs_tunnel_spec(ctx, &reqs[i], &spec)) {
            result->tunnel_errors[i] = xasprintf(
                "tunnel encap \"%s\" with dst_port %d is not supported",
                reqs[i].encap ? reqs[i].encap : "", reqs[i].dst_port);
            continue;
        }

        int same = vs_tunnel_same_as(ctx, reqs, i, spec.name);
        if (same >= 0) {
            result->tunnel_ofports[i] = result->tunnel_ofports[same];
            result->tunnel_errors[i]
                = nullable_xstrdup(result->tunnel_errors[same]);
        } else {
            enum vs_row_state state = vs_ensure_port(ctx, ctx->mbr, &spec,
                                                     &port, &iface, &error);
            if (!error) {
                error = vs_tunnel_check(ctx, spec.name, iface, state);
            }
            if (error) {
                VLOG_WARN_RL(&warn_rl, "%s", error);
                result->tunnel_errors[i] = error;
            } else if (vs_iface_ofport(iface) > 0) {
                result->tunnel_ofports[i]
                    = u16_to_ofp(vs_iface_ofport(iface));
            }
        }
        free(CONST_CAST(char *, spec.name));
        smap_destroy(&spec.options);
    }
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
