/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The mirror bridge of vswitch-sync: choosing the datapath_type of a new
 * one, creating it with its LOCAL port and tmirror's settings, and
 * restoring those settings on one that tmirror owns.  It owns the list of
 * OpenFlow versions the bridge speaks (vs_protocols). */

#include <config.h>

#include "vswitch-sync-private.h"

#include "util.h"

static const char *vs_protocols[] = {
    "OpenFlow10", "OpenFlow13", "OpenFlow14", "OpenFlow15",
};

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
    vs_count_create();
    VLOG_INFO_RL(&vs_change_rl, "created bridge %s (datapath_type \"%s\")",
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
        VLOG_INFO_RL(&vs_change_rl, "restoring settings of bridge %s",
                     br->name);
        vs_count_repair();
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
void
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

