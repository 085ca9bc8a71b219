/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* One capture request of vswitch-sync, source by source: admission
 * against the Mirror slots of the source's bridge, the base name of its
 * patch ports, the two patch ports and the Mirror row (or, for a tc
 * capture, the veth's Port on the mirror bridge), and the state reported
 * for it from the ofports that ovs-vswitchd assigned.  It owns no state
 * beyond the caller's struct vs_ctx and struct vs_result. */

#include <config.h>

#include "vswitch-sync-private.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>

#include "flow.h"
#include "hash.h"
#include "openflow/openflow.h"
#include "util.h"

/* Fills 'res' with 'state' and a formatted message (NULL 'format': none). */
void OVS_PRINTF_FORMAT(3, 4)
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
        VLOG_INFO_RL(&vs_change_rl, "port %s: its veth was made again "
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
                VLOG_INFO_RL(&vs_change_rl, "source %s: patch ports named "
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
void
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
