/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The flow-based tunnel ports of vswitch-sync, one per (encap, dst_port)
 * on the mirror bridge: their name and options, and whether ovs-vswitchd
 * could add them.  It owns no state beyond the caller's struct vs_ctx and
 * struct vs_result. */

#include <config.h>

#include "vswitch-sync-private.h"

#include <stdlib.h>

#include "flow.h"
#include "openflow/openflow.h"
#include "util.h"

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
        VLOG_WARN_RL(&vs_warn_rl, "tunnel encap \"%s\": not one of vxlan, "
                     "geneve, gre, erspan", encap);
        return false;
    }
    if (req->dst_port < 0 || req->dst_port > 65535) {
        VLOG_WARN_RL(&vs_warn_rl, "tunnel %s dst_port %d: not in 0..65535",
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
void
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
                VLOG_WARN_RL(&vs_warn_rl, "%s", error);
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
