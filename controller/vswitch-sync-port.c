/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The owned Ports of vswitch-sync, each with one Interface of the same
 * name (patch ports, tc capture ports, tunnel ports, the mirror bridge's
 * LOCAL port): inserting one as a struct vs_port_spec describes, repairing
 * its columns, and refusing a name that a row tmirror does not own holds.
 * It owns no state: everything lives in the caller's struct vs_ctx. */

#include <config.h>

#include "vswitch-sync-private.h"

#include <stdlib.h>

#include "util.h"


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
void
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
const struct ovsrec_port *
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
    vs_count_create();
    VLOG_INFO_RL(&vs_change_rl, "created port %s (type %s) on bridge %s",
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
    VLOG_INFO_RL(&vs_change_rl, "updating port %s:%s%s%s%s%s%s", spec->name,
                 tag_ok ? "" : " tag", trunks_ok ? "" : " trunks",
                 mode_ok ? "" : " vlan_mode", type_ok ? "" : " type",
                 options_ok ? "" : " options", source_ok ? "" : " source");
    if (!vs_may_write(ctx)) {
        return true;
    }
    vs_count_repair();
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
enum vs_row_state
vs_ensure_port(struct vs_ctx *ctx, const struct ovsrec_bridge *br,
               const struct vs_port_spec *spec,
               const struct ovsrec_port **portp,
               const struct ovsrec_interface **ifacep, char **errp)
{
    *portp = NULL;
    *ifacep = NULL;
    *errp = vs_port_conflict(ctx, spec->name);
    if (*errp) {
        VLOG_WARN_RL(&vs_warn_rl, "%s", *errp);
        return VS_ROW_CONFLICT;
    }

    const struct vs_loc *loc = shash_find_data(&ctx->ports, spec->name);
    if (sset_contains(&ctx->new_names, spec->name)
        || (loc && hmapx_contains(&ctx->keep, loc->port))) {
        /* Only possible if two of tmirror's names coincide (e.g. a mirror
         * bridge named like a tunnel port): never create a name twice. */
        *errp = xasprintf("port %s is needed twice by tmirror", spec->name);
        VLOG_WARN_RL(&vs_warn_rl, "%s", *errp);
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
        VLOG_INFO_RL(&vs_change_rl, "replacing port %s (was on bridge %s): "
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
