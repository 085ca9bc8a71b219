/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Deleting the owned rows of vswitch-sync that one call did not mark to
 * keep: ports with their interfaces, Mirror rows, and an owned bridge that
 * holds nothing tmirror does not own.  It owns no state beyond the
 * caller's struct vs_ctx. */

#include <config.h>

#include "vswitch-sync-private.h"

#include "util.h"

/* Deletes owned 'port' and its interfaces; removes it from 'br' unless the
 * bridge itself is being deleted. */
static void
vs_delete_port(struct vs_ctx *ctx, const struct ovsrec_bridge *br,
               const struct ovsrec_port *port, bool br_going)
{
    if (hmapx_contains(&ctx->deleted, port) || !vs_may_write(ctx)) {
        return;
    }
    VLOG_INFO_RL(&vs_change_rl, "deleting port %s from bridge %s",
                 port->name, br->name);
    vs_count_delete();
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
    VLOG_INFO_RL(&vs_change_rl, "deleting mirror %s from bridge %s",
                 m->name, br->name);
    vs_count_delete();
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
        VLOG_INFO_RL(&vs_change_rl, "deleting bridge %s", br->name);
        vs_count_delete();
        if (ctx->ovs) {
            ovsrec_open_vswitch_update_bridges_delvalue(ctx->ovs, br);
        }
        hmapx_add(&ctx->deleted, CONST_CAST(void *, br));
        ovsrec_bridge_delete(br);
    } else if (vs_owned(&br->external_ids)
               && !hmapx_contains(&ctx->keep, br)) {
        VLOG_WARN_RL(&vs_warn_rl, "not deleting bridge %s that tmirror "
                     "created: it holds ports or mirrors that tmirror does "
                     "not own", br->name);
    }
}

/* Deletes every owned row that this call did not mark to keep. */
void
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

