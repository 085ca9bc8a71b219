/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The owned Mirror rows of vswitch-sync: the slot accounting of each
 * source bridge (ovs-vswitchd honours VS_MAX_MIRRORS per bridge), and
 * creating or repairing the Mirror row that copies one source port in one
 * direction into its patch port.  It owns no state beyond the caller's
 * struct vs_ctx. */

#include <config.h>

#include "vswitch-sync-private.h"

#include "util.h"


/* Returns the slot accounting of source bridge 'br', creating it (with the
 * count of foreign Mirror rows in 'br') on first use. */
struct vs_cap *
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
enum vs_row_state
vs_ensure_mirror(struct vs_ctx *ctx, const struct ovsrec_bridge *br,
                 const char *name, const struct ovsrec_port *src,
                 const struct ovsrec_port *out, bool egress,
                 const char *iface_id, char **errp)
{
    *errp = vs_mirror_conflict(br, name);
    if (*errp) {
        VLOG_WARN_RL(&vs_warn_rl, "%s", *errp);
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
            VLOG_INFO_RL(&vs_change_rl, "repairing mirror %s on bridge %s",
                         name, br->name);
            vs_count_repair();
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
        vs_count_create();
        VLOG_INFO_RL(&vs_change_rl, "created mirror %s on bridge %s (%s of "
                     "port %s)", name, br->name,
                     egress ? "egress" : "ingress", src->name);
    }
    return VS_ROW_CHANGED;
}
