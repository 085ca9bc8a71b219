/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Resolution of a plan's sessions with the Open_vSwitch side: which ports
 * their copies arrive on, which tunnel or appliance they leave by, and the
 * pipeline's view of them (see mirror-plan.h). */

#include <config.h>

#include "controller/plan-private.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ovs-index.h"
#include "openflow/openflow.h"
#include "packets.h"
#include "util.h"

/* Returns the result of capture (source, 'egress'), or NULL. */
static const struct vs_capture_result *
find_capture(const struct mirror_plan *plan, const char *source, bool egress)
{
    for (size_t i = 0; i < plan->n_vs_captures && i < plan->vs.n_captures;
         i++) {
        if (plan->vs_captures[i].egress == egress
            && !strcmp(plan->vs_captures[i].iface_id, source)) {
            return &plan->vs.captures[i];
        }
    }
    return NULL;
}

/* Returns the capture choice of (source, 'egress'), or NULL. */
static const struct plan_capture *
find_choice(const struct mirror_plan *plan, const char *source, bool egress)
{
    for (size_t i = 0; i < plan->n_choices; i++) {
        if (plan->choices[i].egress == egress
            && !strcmp(plan->choices[i].iface_id, source)) {
            return &plan->choices[i];
        }
    }
    return NULL;
}

/* Returns the index of the tunnel ('encap', 'dst_port'), or -1. */
static int
find_tunnel(const struct mirror_plan *plan, const char *encap, int dst_port)
{
    for (size_t i = 0; i < plan->n_vs_tunnels && i < plan->vs.n_tunnels;
         i++) {
        if (!strcmp(plan->vs_tunnels[i].encap, encap)
            && plan->vs_tunnels[i].dst_port == dst_port) {
            return i;
        }
    }
    return -1;
}

/* Sets 'ps''s resolved state, taking 'message' (NULL: none). */
void
ps_set(struct plan_session *ps, enum plan_state state, char *message)
{
    free(ps->message);
    ps->state = state;
    ps->message = message ? message : xstrdup("");
}

/* Sets the state of 'ps' from a capture that is not ready: pending or
 * error, with the choice's message. */
static void
ps_set_capture_wait(struct plan_session *ps, const struct capture_choice *ch)
{
    ps_set(ps, ch->failed ? PLAN_ERROR : PLAN_PENDING,
           xasprintf("source port %s: %s", ps->sp.source,
                     ch->message ? ch->message : "capture not ready"));
}

/* Sets the state of 'ps' from vswitch-sync's failed result 'c' for a
 * capture whose choice is 'ch'. */
static void
ps_set_capture_failed(struct plan_session *ps,
                      const struct vs_capture_result *c,
                      const struct capture_choice *ch)
{
    const char *msg = c->message ? c->message : "capture failed";
    ps_set(ps, PLAN_ERROR, (ch && ch->message
                            ? xasprintf("%s, and %s", ch->message, msg)
                            : xstrdup(msg)));
}

/* Resolves the captures of 'ps'.  Returns false (and sets the state) if it
 * cannot be programmed now.  A direction that 'ps' has no rules for still
 * gets its port when another session of the source captures it, so that
 * 'ps' occupies its stage there too and passes copies on to the next. */
static bool
ps_resolve_captures(struct plan_session *ps, const struct mirror_plan *plan)
{
    bool dirs[2] = { ps->sp.wants_ingress, ps->sp.wants_egress };
    if (!dirs[0] && !dirs[1]) {
        ps_set(ps, PLAN_ACTIVE, xasprintf("filter %s has no rules: nothing "
                                          "is mirrored",
                                          ps->sp.filter_name));
        return false;
    }
    for (int d = 1; d >= 0; d--) {     /* Egress first. */
        const struct plan_capture *pc = find_choice(plan, ps->sp.source, d);
        const struct capture_choice *ch = pc ? &pc->choice : NULL;
        const struct vs_capture_result *c = find_capture(plan, ps->sp.source,
                                                         d);
        if (!dirs[d]) {
            if (c && c->state == VS_CAPTURE_OK) {
                ps->in_port[d] = c->mirror_ofport;
                ps->backend[d] = ch ? ch->backend : CAPTURE_BY_MIRROR;
            }
            continue;
        }
        if (ch && !ch->ready) {
            ps_set_capture_wait(ps, ch);
            return false;
        }
        if (!c) {
            /* Not asked of vswitch-sync yet (it could not run in this
             * pass). */
            ps_set(ps, PLAN_PENDING,
                   xstrdup("waiting for ovs-vswitchd to add the capture"));
            return false;
        }
        switch (c->state) {
        case VS_CAPTURE_OK:
            ps->in_port[d] = c->mirror_ofport;
            ps->backend[d] = ch ? ch->backend : CAPTURE_BY_MIRROR;
            break;
        case VS_CAPTURE_NO_SOURCE:
            ps_set(ps, PLAN_PENDING, xasprintf("source port %s is not on "
                                               "this chassis",
                                               ps->sp.source));
            return false;
        case VS_CAPTURE_PENDING:
            ps_set(ps, PLAN_PENDING,
                   xstrdup("waiting for ovs-vswitchd to add the capture"));
            return false;
        case VS_CAPTURE_NO_CAPACITY:
        case VS_CAPTURE_ERROR:
        default:
            ps_set_capture_failed(ps, c, ch);
            return false;
        }
    }
    return true;
}

/* Returns the reason why a programmed 'ps' uses a Mirror row although tc
 * capture was possible, or NULL. */
static const char *
ps_fallback_reason(const struct plan_session *ps,
                   const struct mirror_plan *plan)
{
    for (int d = 1; d >= 0; d--) {     /* Egress first. */
        const struct plan_capture *pc = find_choice(plan, ps->sp.source, d);
        if (pc && ps->in_port[d] != OFPP_NONE
            && pc->choice.backend == CAPTURE_BY_MIRROR
            && pc->choice.message) {
            return pc->choice.message;
        }
    }
    return NULL;
}

/* Returns the ofport of the tunnel that 'ps' uses, or OFPP_NONE (and sets
 * the state: error if vswitch-sync says why, else pending). */
static ofp_port_t
ps_resolve_tunnel(struct plan_session *ps, const struct mirror_plan *plan,
                  const char *encap, int dst_port, const char *purpose)
{
    int idx = find_tunnel(plan, encap, dst_port);
    ofp_port_t ofport = idx >= 0 ? plan->vs.tunnel_ofports[idx] : OFPP_NONE;
    if (ofport != OFPP_NONE) {
        return ofport;
    }
    const char *error = idx >= 0 ? plan->vs.tunnel_errors[idx] : NULL;
    if (error) {
        ps_set(ps, PLAN_ERROR, xasprintf("%s tunnel port: %s", encap, error));
    } else {
        ps_set(ps, PLAN_PENDING, xasprintf("waiting for ovs-vswitchd to add "
                                           "the %s tunnel port%s", encap,
                                           purpose ? purpose : ""));
    }
    return OFPP_NONE;
}

/* Fills 'ps->target' with the tunnel destinations of 'ps'. */
static void
ps_fill_tunnel_target(struct plan_session *ps, ofp_port_t ofport)
{
    struct pl_target *pt = &ps->target;
    pt->is_port = false;
    pt->encap = ps->sp.encap;
    pt->erspan_ver = ps->sp.erspan_ver;
    pt->dests = xcalloc(ps->sp.n_addresses + 1, sizeof *pt->dests);
    for (size_t i = 0; i < ps->sp.n_addresses; i++) {
        struct pl_tunnel_dest *d = &pt->dests[pt->n_dests];
        ovs_be32 ip4;
        if (ip_parse(ps->sp.addresses[i], &ip4)) {
            d->ip = in6_addr_mapped_ipv4(ip4);
        } else if (!ipv6_parse(ps->sp.addresses[i], &d->ip)) {
            continue;           /* Validation refused it already. */
        }
        d->tunnel_ofport = ofport;
        pt->n_dests++;
    }
}

/* Resolves a session whose appliance is here and source elsewhere. */
static void
ps_resolve_decap(struct plan_session *ps, const struct mirror_plan *plan,
                 const struct plan_inputs *in)
{
    char *purpose = xasprintf(" (to receive copies for appliance %s)",
                              ps->sp.appliance);
    ofp_port_t tunnel = ps_resolve_tunnel(ps, plan, "geneve", 0, purpose);
    free(purpose);
    if (tunnel == OFPP_NONE) {
        return;
    }
    ofp_port_t appliance = ovs_index_find_appliance(in->ctx.ovs,
                                                    ps->sp.appliance);
    if (appliance == OFPP_NONE) {
        ps_set(ps, PLAN_PENDING, xasprintf("source port %s is not on this "
                                           "chassis", ps->sp.source));
        return;
    }
    ps->decap = true;
    ps->decap_entry = (struct pl_decap) {
        .tunnel_ofport = tunnel,
        .vni = ps->sp.vni,
        .appliance_ofport = appliance,
        .key = ps->sp.key,
    };
    char *from = (ps->sp.remote_chassis
                  ? xasprintf("chassis %s", ps->sp.remote_chassis)
                  : xstrdup("another chassis"));
    ps_set(ps, PLAN_PENDING,
           xasprintf("delivering copies from %s to appliance %s (source "
                     "port %s is not on this chassis)", from,
                     ps->sp.appliance, ps->sp.source));
    free(from);
}

/* Resolves 'ps' with the Open_vSwitch side (its stage is set later, with
 * its source's chain). */
void
ps_resolve(struct plan_session *ps, const struct mirror_plan *plan,
           const struct plan_inputs *in)
{
    const struct session_plan *sp = &ps->sp;

    ps_unresolve(ps);
    ps_set(ps, sp->state, xstrdup(sp->message));
    if (sp->state != PLAN_ACTIVE || sp->role == PLAN_ROLE_NONE) {
        return;
    }
    if (sp->role == PLAN_ROLE_DECAP) {
        ps_resolve_decap(ps, plan, in);
        return;
    }
    if (!ps_resolve_captures(ps, plan)) {
        return;
    }

    if (sp->delivery == PLAN_DELIVER_APPLIANCE) {
        ofp_port_t ofport = ovs_index_find_appliance(in->ctx.ovs,
                                                     sp->appliance);
        if (ofport == OFPP_NONE) {
            ps_set(ps, PLAN_ERROR,
                   xasprintf("target %s: appliance port %s is not on this "
                             "chassis's mirror bridge %s", sp->target_name,
                             sp->appliance, in->ctx.bridge));
            return;
        }
        ps->target.is_port = true;
        ps->target.port_ofport = ofport;
    } else {
        ofp_port_t ofport = ps_resolve_tunnel(ps, plan, sp->encap,
                                              sp->dst_port, NULL);
        if (ofport == OFPP_NONE) {
            return;
        }
        ps_fill_tunnel_target(ps, ofport);
    }

    ps->rules = xcalloc(sp->n_rules + 1, sizeof *ps->rules);
    for (size_t i = 0; i < sp->n_rules; i++) {
        ps->rules[i] = sp->rules[i].rule;
    }
    ps->pl = (struct pl_session) {
        .key = sp->key,
        .session_number = sp->number,
        .vni = sp->vni >= 0 ? sp->vni : 0,
        .packet_length = sp->packet_length,
        .target = &ps->target,
        .rules = ps->rules,
        .n_rules = sp->n_rules,
        .independent = sp->independent,
    };
    pipeline_delivery_paths(&ps->target, &ps->paths, &ps->n_paths);
    ps->programmed = true;
    const char *fallback = ps_fallback_reason(ps, plan);
    ps_set(ps, PLAN_ACTIVE, (fallback
                             ? xasprintf("captured with Mirror rows: %s",
                                         fallback)
                             : NULL));
}
