/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/mirror-plan.h"

#include <arpa/inet.h>
#include <string.h>

#include "controller/flow-table.h"
#include "controller/path-verify.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "smap.h"
#include "tmirror/intent-rows.h"
#include "tmirror-idl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mirror_plan);

/* Returns the name of 'state' as Session_Status.state spells it. */
const char *
plan_state_to_string(enum plan_state state)
{
    switch (state) {
    case PLAN_ACTIVE: return "active";
    case PLAN_PENDING: return "pending";
    case PLAN_ERROR: return "error";
    }
    return "error";
}

/* Sets the state and message of 'ps', taking ownership of 'message'. */
static void
plan_set(struct plan_session *ps, enum plan_state state, char *message)
{
    free(ps->message);
    ps->state = state;
    ps->message = message ? message : xstrdup("");
}

/* qsort() comparator: sessions by source, then session number. */
static int
compare_sessions(const void *a_, const void *b_)
{
    const struct plan_session *a = a_;
    const struct plan_session *b = b_;
    int cmp = strcmp(a->row->source, b->row->source);
    if (cmp) {
        return cmp;
    }
    return (a->row->session_number < b->row->session_number ? -1
            : a->row->session_number > b->row->session_number);
}

/* Checks 'ps''s filter and copies its valid rules into 'ps'.  Any invalid
 * rule (for example one written by another tool) puts the session in error:
 * mirroring with part of an operator's filter would copy the wrong
 * packets. */
static bool
plan_collect_rules(struct plan_session *ps)
{
    const struct tmrec_filter *filter = ps->row->filter;

    ps->rules = xcalloc(filter->n_rules ? filter->n_rules : 1,
                        sizeof *ps->rules);
    for (size_t i = 0; i < filter->n_rules; i++) {
        const struct tmrec_filter_rule *r = filter->rules[i];
        char *error = tm_rule_row_check(filter->name, r);
        if (error) {
            plan_set(ps, PLAN_ERROR, error);
            return false;
        }
        for (size_t j = 0; j < ps->n_rules; j++) {
            if (!strcmp(ps->rules[j].direction, r->direction)
                && ps->rules[j].rule_number == r->rule_number) {
                plan_set(ps, PLAN_ERROR,
                         xasprintf("filter %s: rule_number %"PRId64" is "
                                   "used twice for %s", filter->name,
                                   r->rule_number, r->direction));
                return false;
            }
        }
        tm_rule_from_row(r, &ps->rules[ps->n_rules++]);
        if (!strcmp(r->direction, "egress")) {
            ps->wants_egress = true;
        } else {
            ps->wants_ingress = true;
        }
    }
    return true;
}

/* Validates the session's own values and its target.  Returns false (and
 * sets the state) if the session cannot be mirrored anywhere. */
static bool
plan_check_session(struct plan_session *ps)
{
    const struct tmrec_session *row = ps->row;

    if (!row->enabled) {
        plan_set(ps, PLAN_PENDING, xstrdup("session is disabled"));
        return false;
    }
    if (!row->target || !row->filter) {
        plan_set(ps, PLAN_ERROR, xasprintf("session %s: %s is missing",
                                           row->name,
                                           row->target ? "filter"
                                           : "target"));
        return false;
    }
    char *error = tm_session_row_check(row);
    if (!error) {
        error = tm_target_row_check(row->target);
    }
    if (!error && !strcmp(row->target->type, "ip") && !row->n_vni) {
        error = xasprintf("session %s: vni: not set (an ip target needs "
                          "one; tmirror-ctl assigns one)", row->name);
    }
    if (error) {
        plan_set(ps, PLAN_ERROR, error);
        return false;
    }
    return plan_collect_rules(ps);
}

/* Returns the index of the tunnel request for ('encap', 'dst_port') in
 * 'plan', adding it if needed ('encap' must outlive 'plan'). */
static int
plan_tunnel_index__(struct mirror_plan *plan, const char *encap,
                    int dst_port)
{
    for (size_t i = 0; i < plan->n_tunnels; i++) {
        if (!strcmp(plan->tunnels[i].encap, encap)
            && plan->tunnels[i].dst_port == dst_port) {
            return i;
        }
    }
    plan->tunnels = xrealloc(plan->tunnels,
                             (plan->n_tunnels + 1) * sizeof *plan->tunnels);
    plan->tunnels[plan->n_tunnels].encap = encap;
    plan->tunnels[plan->n_tunnels].dst_port = dst_port;
    return plan->n_tunnels++;
}

/* Returns the index of the tunnel request for (encap, dst_port) in 'plan',
 * adding it if needed.  Default UDP ports are stored as 0 so that a target
 * that names the default shares the port with one that does not. */
static int
plan_tunnel_index(struct mirror_plan *plan, const struct tmrec_target *t)
{
    const char *encap = tm_target_encap(t->encap);
    int dst_port = smap_get_int(&t->options, "dst_port", 0);
    if ((!strcmp(encap, "vxlan") && dst_port == TM_VXLAN_DEFAULT_PORT)
        || (!strcmp(encap, "geneve") && dst_port == TM_GENEVE_DEFAULT_PORT)) {
        dst_port = 0;
    }
    return plan_tunnel_index__(plan, encap, dst_port);
}

/* Returns the name of the chassis other than 'self' that has a Binding row
 * for 'port', or NULL.  When several do, the lowest name wins, and the log
 * says so. */
static const char *
plan_find_binding(const struct ovsdb_idl *tm_idl, const char *port,
                  const char *self)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    const struct tmrec_binding *b;
    const char *best = NULL;
    size_t n = 0;

    TMREC_BINDING_FOR_EACH (b, tm_idl) {
        if (!strcmp(b->port, port) && strcmp(b->chassis_name, self)) {
            n++;
            if (!best || strcmp(b->chassis_name, best) < 0) {
                best = b->chassis_name;
            }
        }
    }
    if (n > 1) {
        VLOG_WARN_RL(&rl, "port %s is bound on %"PRIuSIZE" chassis; using "
                     "%s (the lowest name)", port, n, best);
    }
    return best;
}

/* Returns the Chassis row named 'name', or NULL. */
static const struct tmrec_chassis *
plan_find_chassis(const struct ovsdb_idl *tm_idl, const char *name)
{
    const struct tmrec_chassis *ch;
    TMREC_CHASSIS_FOR_EACH (ch, tm_idl) {
        if (!strcmp(ch->name, name)) {
            return ch;
        }
    }
    return NULL;
}

/* Returns true if 's' is an IPv4 or IPv6 address. */
static bool
plan_is_ip(const char *s)
{
    ovs_be32 ip4;
    struct in6_addr ip6;
    return ip_parse(s, &ip4) || ipv6_parse(s, &ip6);
}

/* Finds the chassis that hosts the appliance of 'ps''s port target, whose
 * source is here and whose appliance is not, and checks that copies can be
 * sent there.  Returns NULL (and fills ps->remote_chassis and
 * ps->remote_ip) or an error message for the caller to free. */
static char *
plan_find_remote_target(const struct ovsdb_idl *tm_idl,
                        const struct plan_context *ctx,
                        struct plan_session *ps)
{
    const struct tmrec_target *t = ps->row->target;
    const char *name = plan_find_binding(tm_idl, t->port, ctx->chassis_name);
    if (!name) {
        return xasprintf("target %s: appliance port %s is not on this "
                         "chassis's mirror bridge %s nor on any other "
                         "chassis (no Binding row)", t->name, t->port,
                         ctx->bridge);
    }
    if (!ps->row->n_vni) {
        return xasprintf("session %s: vni: not set (appliance port %s is on "
                         "chassis %s, and copies sent there need one; "
                         "tmirror-ctl assigns one)", ps->row->name, t->port,
                         name);
    }
    const struct tmrec_chassis *ch = plan_find_chassis(tm_idl, name);
    if (!ch) {
        return xasprintf("target %s: appliance port %s is bound to chassis "
                         "%s, which has no Chassis row", t->name, t->port,
                         name);
    }
    if (!ch->encap_ip || !ch->encap_ip[0]) {
        return xasprintf("target %s: appliance port %s is on chassis %s, "
                         "but chassis %s has no encap ip (set "
                         "external_ids:tmirror-encap-ip)", t->name, t->port,
                         name, name);
    }
    if (!plan_is_ip(ch->encap_ip)) {
        return xasprintf("chassis %s: encap_ip \"%s\" is not an IP address",
                         name, ch->encap_ip);
    }
    const char *az = ch->availability_zone ? ch->availability_zone : "";
    const struct tmrec_tm_global *global = tmrec_tm_global_first(tm_idl);
    if (az[0] && ctx->availability_zone[0]
        && strcmp(az, ctx->availability_zone)
        && !(global && smap_get_bool(&global->options, "allow_cross_zone",
                                     false))) {
        return xasprintf("target %s: appliance port %s is on chassis %s in "
                         "availability zone %s, but the source is in "
                         "availability zone %s (set TM_Global "
                         "options:allow_cross_zone=true to allow)", t->name,
                         t->port, name, az, ctx->availability_zone);
    }
    ps->remote_chassis = xstrdup(name);
    ps->remote_ip = xstrdup(ch->encap_ip);
    return NULL;
}

/* Decides this chassis's part in 'ps', a valid session with a port target:
 * sending to an appliance on another chassis (source here, appliance not),
 * receiving for a local appliance (appliance here, source not), or neither
 * (the local case, or nothing to do here). */
static void
plan_check_port_target(struct mirror_plan *plan, struct plan_session *ps,
                       const struct ovsdb_idl *tm_idl,
                       const struct plan_context *ctx)
{
    const struct tmrec_target *t = ps->row->target;
    bool appliance_here = (vswitch_sync_find_appliance(ctx->ovs_idl,
                                                       ctx->bridge, t->port)
                           != OFPP_NONE);
    bool source_here = vswitch_sync_has_source(ctx->ovs_idl, ctx->bridge,
                                               ps->row->source);

    if (source_here && !appliance_here) {
        char *error = plan_find_remote_target(tm_idl, ctx, ps);
        if (error) {
            plan_set(ps, PLAN_ERROR, error);
            return;
        }
        ps->remote_target = true;
        ps->tunnel_idx = plan_tunnel_index__(plan, "geneve", 0);
    } else if (appliance_here && !source_here && ps->row->n_vni) {
        const char *from = plan_find_binding(tm_idl, ps->row->source,
                                             ctx->chassis_name);
        ps->remote_chassis = from ? xstrdup(from) : NULL;
        ps->decap = true;
        ps->tunnel_idx = plan_tunnel_index__(plan, "geneve", 0);
    }
}

/* Adds capture requests for every source, in admission order: by source,
 * egress before ingress, for the directions its usable sessions need. */
static void
plan_add_captures(struct mirror_plan *plan)
{
    plan->captures = xcalloc(2 * plan->n_sessions + 1,
                             sizeof *plan->captures);
    for (size_t i = 0; i < plan->n_sessions; ) {
        const char *source = plan->sessions[i].row->source;
        bool egress = false, ingress = false;
        size_t j;
        for (j = i; j < plan->n_sessions
                    && !strcmp(plan->sessions[j].row->source, source); j++) {
            const struct plan_session *ps = &plan->sessions[j];
            if (ps->state != PLAN_ERROR && ps->row->enabled) {
                egress |= ps->wants_egress;
                ingress |= ps->wants_ingress;
            }
        }
        if (egress) {
            plan->captures[plan->n_captures++]
                = (struct vs_capture_req) { source, true };
        }
        if (ingress) {
            plan->captures[plan->n_captures++]
                = (struct vs_capture_req) { source, false };
        }
        i = j;
    }
}

/* Phase 1: reads and validates the intent from 'tm_idl' into 'plan', for
 * the chassis that 'ctx' describes. */
void
mirror_plan_build(const struct ovsdb_idl *tm_idl,
                  const struct plan_context *ctx, struct mirror_plan *plan)
{
    memset(plan, 0, sizeof *plan);

    const struct tmrec_session *row;
    size_t n = 0;
    TMREC_SESSION_FOR_EACH (row, tm_idl) {
        n++;
    }
    plan->sessions = xcalloc(n ? n : 1, sizeof *plan->sessions);
    TMREC_SESSION_FOR_EACH (row, tm_idl) {
        struct plan_session *ps = &plan->sessions[plan->n_sessions++];
        ps->row = row;
        ps->uuid = row->header_.uuid;
        ps->key = tm_session_key(&row->header_.uuid);
        ps->tunnel_idx = -1;
        ps->state = PLAN_PENDING;
        ps->message = xstrdup("");
    }
    qsort(plan->sessions, plan->n_sessions, sizeof *plan->sessions,
          compare_sessions);

    for (size_t i = 0; i < plan->n_sessions; i++) {
        struct plan_session *ps = &plan->sessions[i];
        if (!plan_check_session(ps)) {
            continue;
        }
        if (!strcmp(ps->row->target->type, "ip")) {
            ps->tunnel_idx = plan_tunnel_index(plan, ps->row->target);
        } else {
            plan_check_port_target(plan, ps, tm_idl, ctx);
        }
    }
    plan_add_captures(plan);
}

/* Finds the capture result for (source, direction), or NULL. */
static const struct vs_capture_result *
find_capture(const struct mirror_plan *plan, const struct vs_result *vs,
             const char *source, bool egress)
{
    for (size_t i = 0; i < plan->n_captures && i < vs->n_captures; i++) {
        if (plan->captures[i].egress == egress
            && !strcmp(plan->captures[i].iface_id, source)) {
            return &vs->captures[i];
        }
    }
    return NULL;
}

/* Applies the capture results for 'ps''s source.  Returns false (and sets
 * the state) if the session cannot be programmed now. */
static bool
plan_resolve_capture(struct mirror_plan *plan, struct plan_session *ps,
                     struct ovsdb_idl *ovs_idl, const char *bridge,
                     const struct vs_result *vs)
{
    const char *source = ps->row->source;
    bool dirs[2] = { ps->wants_egress, ps->wants_ingress };

    if (!dirs[0] && !dirs[1]) {
        ps->local = vswitch_sync_has_source(ovs_idl, bridge, source);
        if (!ps->local) {
            plan_set(ps, PLAN_PENDING, xasprintf("source port %s is not on "
                                                 "this chassis", source));
            return false;
        }
        plan_set(ps, PLAN_ACTIVE, xasprintf("filter %s has no rules: "
                                            "nothing is mirrored",
                                            ps->row->filter->name));
        return false;
    }
    for (int d = 0; d < 2; d++) {
        const struct vs_capture_result *c;
        if (!dirs[d] || !(c = find_capture(plan, vs, source, d == 0))) {
            continue;
        }
        switch (c->state) {
        case VS_CAPTURE_OK:
            ps->local = true;
            break;
        case VS_CAPTURE_NO_SOURCE:
            plan_set(ps, PLAN_PENDING, xasprintf("source port %s is not on "
                                                 "this chassis", source));
            return false;
        case VS_CAPTURE_PENDING:
            ps->local = true;
            plan->pending = true;
            plan_set(ps, PLAN_PENDING,
                     xstrdup("waiting for ovs-vswitchd to add the capture"));
            return false;
        case VS_CAPTURE_NO_CAPACITY:
        case VS_CAPTURE_ERROR:
        default:
            ps->local = true;
            plan_set(ps, PLAN_ERROR,
                     xstrdup(c->message ? c->message : "capture failed"));
            return false;
        }
    }
    return true;
}

/* Returns the ofport of 'ps''s tunnel request, or OFPP_NONE. */
static ofp_port_t
plan_tunnel_ofport(const struct plan_session *ps, const struct vs_result *vs)
{
    return (ps->tunnel_idx >= 0 && ps->tunnel_idx < vs->n_tunnels
            ? vs->tunnel_ofports[ps->tunnel_idx] : OFPP_NONE);
}

/* Sets the state of 'ps', whose 'encap' tunnel port has no ofport: an error
 * when vswitch-sync says why the port cannot be used (a foreign port with
 * its name, ovs-vswitchd refusing it), else pending while ovs-vswitchd adds
 * it.  'purpose' (may be NULL) says what the port is for. */
static void
plan_tunnel_missing(struct mirror_plan *plan, struct plan_session *ps,
                    const struct vs_result *vs, const char *encap,
                    const char *purpose)
{
    const char *error = (ps->tunnel_idx >= 0 && ps->tunnel_idx < vs->n_tunnels
                         ? vs->tunnel_errors[ps->tunnel_idx] : NULL);
    if (error) {
        plan_set(ps, PLAN_ERROR, xasprintf("%s tunnel port: %s", encap,
                                           error));
        return;
    }
    plan->pending = true;
    plan_set(ps, PLAN_PENDING,
             xasprintf("waiting for ovs-vswitchd to add the %s tunnel port%s",
                       encap, purpose ? purpose : ""));
}

/* Fills 'ps->target' for an ip target from its addresses and tunnel port. */
static bool
plan_resolve_ip_target(struct mirror_plan *plan, struct plan_session *ps,
                       const struct vs_result *vs)
{
    const struct tmrec_target *t = ps->row->target;
    ofp_port_t ofport = plan_tunnel_ofport(ps, vs);
    if (ofport == OFPP_NONE) {
        plan_tunnel_missing(plan, ps, vs, tm_target_encap(t->encap), NULL);
        return false;
    }

    struct pl_target *pt = &ps->target;
    pt->is_port = false;
    pt->encap = tm_target_encap(t->encap);
    pt->erspan_ver = smap_get_int(&t->options, "erspan_ver", 1);
    pt->dests = xcalloc(t->n_addresses, sizeof *pt->dests);
    for (size_t i = 0; i < t->n_addresses; i++) {
        struct pl_tunnel_dest *d = &pt->dests[pt->n_dests];
        ovs_be32 ip4;
        if (ip_parse(t->addresses[i], &ip4)) {
            d->ip = in6_addr_mapped_ipv4(ip4);
        } else if (!ipv6_parse(t->addresses[i], &d->ip)) {
            continue;           /* tm_target_row_check() refused it. */
        }
        d->tunnel_ofport = ofport;
        pt->n_dests++;
    }
    return pt->n_dests > 0;
}

/* Fills 'ps->target' for a port target on another chassis: one GENEVE
 * destination, that chassis's encap_ip. */
static bool
plan_resolve_remote_target(struct mirror_plan *plan, struct plan_session *ps,
                           const struct vs_result *vs)
{
    ofp_port_t ofport = plan_tunnel_ofport(ps, vs);
    if (ofport == OFPP_NONE) {
        plan_tunnel_missing(plan, ps, vs, "geneve", NULL);
        return false;
    }

    struct pl_target *pt = &ps->target;
    pt->is_port = false;
    pt->encap = "geneve";
    pt->dests = xcalloc(1, sizeof *pt->dests);
    struct pl_tunnel_dest *d = &pt->dests[0];
    ovs_be32 ip4;
    if (ip_parse(ps->remote_ip, &ip4)) {
        d->ip = in6_addr_mapped_ipv4(ip4);
    } else if (!ipv6_parse(ps->remote_ip, &d->ip)) {
        return false;           /* plan_find_remote_target() checked it. */
    }
    d->tunnel_ofport = ofport;
    pt->n_dests = 1;
    return true;
}

/* For a session whose appliance is here and whose source is on another
 * chassis: adds the decapsulation entry and says so in the state, which
 * stays pending (the source is not here; the sending chassis reports
 * active and counts the copies). */
static void
plan_resolve_decap(struct mirror_plan *plan, struct plan_session *ps,
                   struct ovsdb_idl *ovs_idl, const char *bridge,
                   const struct vs_result *vs)
{
    const char *port = ps->row->target->port;
    ofp_port_t tunnel = plan_tunnel_ofport(ps, vs);
    ofp_port_t appliance = vswitch_sync_find_appliance(ovs_idl, bridge, port);

    if (tunnel == OFPP_NONE) {
        char *purpose = xasprintf(" (to receive copies for appliance %s)",
                                  port);
        plan_tunnel_missing(plan, ps, vs, "geneve", purpose);
        free(purpose);
        return;
    } else if (appliance == OFPP_NONE) {
        plan_set(ps, PLAN_PENDING, xasprintf("source port %s is not on this "
                                             "chassis", ps->row->source));
        return;
    }

    plan->decaps = xrealloc(plan->decaps,
                            (plan->n_decaps + 1) * sizeof *plan->decaps);
    plan->decaps[plan->n_decaps++] = (struct pl_decap) {
        .tunnel_ofport = tunnel,
        .vni = ps->row->vni[0],
        .appliance_ofport = appliance,
        .key = ps->key,
    };
    char *from = (ps->remote_chassis
                  ? xasprintf("chassis %s", ps->remote_chassis)
                  : xstrdup("another chassis"));
    plan_set(ps, PLAN_PENDING,
             xasprintf("delivering copies from %s to appliance %s (source "
                       "port %s is not on this chassis)", from, port,
                       ps->row->source));
    free(from);
}

/* Resolves 'ps''s target to a delivery on the mirror bridge.  Returns false
 * (and sets the state) when it cannot be reached now. */
static bool
plan_resolve_target(struct mirror_plan *plan, struct plan_session *ps,
                    struct ovsdb_idl *ovs_idl, const char *bridge,
                    const struct vs_result *vs)
{
    const struct tmrec_target *t = ps->row->target;

    if (ps->remote_target) {
        return plan_resolve_remote_target(plan, ps, vs);
    }
    if (!strcmp(t->type, "port")) {
        ofp_port_t ofport = vswitch_sync_find_appliance(ovs_idl, bridge,
                                                        t->port);
        if (ofport == OFPP_NONE) {
            plan_set(ps, PLAN_ERROR,
                     xasprintf("target %s: appliance port %s is not on this "
                               "chassis's mirror bridge %s", t->name,
                               t->port, bridge));
            return false;
        }
        ps->target.is_port = true;
        ps->target.port_ofport = ofport;
        return true;
    }
    return plan_resolve_ip_target(plan, ps, vs);
}

/* Adds a pl_source for every admitted capture, with its programmed sessions
 * that have rules for that direction, in session order. */
static struct pl_source *
plan_make_sources(struct mirror_plan *plan, const struct vs_result *vs,
                  size_t *n_sources)
{
    struct pl_source *sources = xcalloc(plan->n_captures + 1,
                                        sizeof *sources);
    size_t n = 0;
    for (size_t i = 0; i < plan->n_captures && i < vs->n_captures; i++) {
        const struct vs_capture_req *req = &plan->captures[i];
        if (vs->captures[i].state != VS_CAPTURE_OK) {
            continue;
        }
        struct pl_source *src = &sources[n++];
        src->iface_id = req->iface_id;
        src->egress = req->egress;
        src->ofport = vs->captures[i].mirror_ofport;
        const struct pl_session **list = xcalloc(plan->n_sessions + 1,
                                                 sizeof *list);
        for (size_t j = 0; j < plan->n_sessions; j++) {
            struct plan_session *ps = &plan->sessions[j];
            if (!ps->programmed || strcmp(ps->row->source, req->iface_id)
                || !(req->egress ? ps->wants_egress : ps->wants_ingress)) {
                continue;
            }
            if (src->n_sessions >= TM_MAX_STAGES) {
                ps->programmed = false;
                plan_set(ps, PLAN_ERROR,
                         xasprintf("source %s has more than %d sessions",
                                   req->iface_id, TM_MAX_STAGES));
                continue;
            }
            list[src->n_sessions++] = &ps->pl;
        }
        src->sessions = list;
    }
    *n_sources = n;
    return sources;
}

/* Phase 2: with vswitch-sync's results, decides each session's state and
 * builds the desired flow table into 'desired'. */
void
mirror_plan_resolve(struct mirror_plan *plan, struct ovsdb_idl *ovs_idl,
                    const char *bridge, const struct vs_result *vs,
                    struct tm_flow_table *desired)
{
    for (size_t i = 0; i < plan->n_sessions; i++) {
        struct plan_session *ps = &plan->sessions[i];
        if (ps->decap && ps->state != PLAN_ERROR && ps->row->enabled) {
            plan_resolve_decap(plan, ps, ovs_idl, bridge, vs);
            continue;
        }
        if (ps->state == PLAN_ERROR || !ps->row->enabled
            || !plan_resolve_capture(plan, ps, ovs_idl, bridge, vs)
            || !plan_resolve_target(plan, ps, ovs_idl, bridge, vs)) {
            continue;
        }
        ps->programmed = true;
        ps->pl.key = ps->key;
        ps->pl.session_number = ps->row->session_number;
        ps->pl.vni = ps->row->n_vni ? ps->row->vni[0] : 0;
        ps->pl.packet_length = (ps->row->n_packet_length
                                ? ps->row->packet_length[0] : 0);
        ps->pl.target = &ps->target;
        ps->pl.rules = ps->rules;
        ps->pl.n_rules = ps->n_rules;
        pipeline_delivery_paths(&ps->target, &ps->paths, &ps->n_paths);
        plan_set(ps, PLAN_ACTIVE, NULL);
    }

    size_t n_sources;
    struct pl_source *sources = plan_make_sources(plan, vs, &n_sources);
    pipeline_build(sources, n_sources, desired);
    pipeline_add_decaps(plan->decaps, plan->n_decaps, desired);
    for (size_t i = 0; i < n_sources; i++) {
        free(sources[i].sessions);
    }
    free(sources);
}

/* Combines the states of 'ps''s paths into its state: the first failing
 * path makes it an error, else the first path not yet known to carry copies
 * makes it pending. */
static void
plan_apply_paths(struct plan_session *ps, const struct path_verify *pv,
                 const char *bridge)
{
    enum pv_state worst = PV_OK;
    const char *why = NULL;
    for (size_t i = 0; i < ps->n_paths; i++) {
        const char *message;
        enum pv_state state = path_verify_get(pv, bridge,
                                              ps->paths[i].actions,
                                              &message);
        if (state == PV_FAIL || (state != PV_OK && worst == PV_OK)) {
            worst = state;
            why = message;
            if (state == PV_FAIL) {
                break;
            }
        }
    }
    if (worst == PV_FAIL) {
        plan_set(ps, PLAN_ERROR, xasprintf("target %s: %s",
                                           ps->row->target->name, why));
    } else if (worst != PV_OK) {
        plan_set(ps, PLAN_PENDING, xasprintf("target %s: %s",
                                             ps->row->target->name, why));
    }
}

/* Declares the programmed sessions' paths to 'pv' and applies what it knows
 * to their states.  See mirror-plan.h. */
void
mirror_plan_verify_paths(struct mirror_plan *plan, struct path_verify *pv,
                         const char *bridge, const char *local_ip)
{
    path_verify_begin(pv);
    for (size_t i = 0; i < plan->n_sessions; i++) {
        const struct plan_session *ps = &plan->sessions[i];
        for (size_t j = 0; ps->programmed && j < ps->n_paths; j++) {
            path_verify_want(pv, bridge, ps->paths[j].actions,
                             ps->paths[j].tun_dst,
                             ps->paths[j].tun_dst ? local_ip : NULL);
        }
    }
    path_verify_end(pv);
    for (size_t i = 0; i < plan->n_sessions; i++) {
        struct plan_session *ps = &plan->sessions[i];
        if (ps->programmed) {
            plan_apply_paths(ps, pv, bridge);
        }
    }
}

/* Returns the plan entry for the session with 'uuid', or NULL. */
const struct plan_session *
mirror_plan_find(const struct mirror_plan *plan, const struct uuid *uuid)
{
    for (size_t i = 0; i < plan->n_sessions; i++) {
        if (uuid_equals(&plan->sessions[i].uuid, uuid)) {
            return &plan->sessions[i];
        }
    }
    return NULL;
}

/* Frees everything 'plan' owns. */
void
mirror_plan_destroy(struct mirror_plan *plan)
{
    for (size_t i = 0; i < plan->n_sessions; i++) {
        struct plan_session *ps = &plan->sessions[i];
        free(ps->message);
        free(ps->rules);
        free(ps->target.dests);
        free(ps->remote_chassis);
        free(ps->remote_ip);
        pl_paths_destroy(ps->paths, ps->n_paths);
    }
    free(plan->decaps);
    free(plan->sessions);
    free(plan->captures);
    free(plan->tunnels);
    memset(plan, 0, sizeof *plan);
}
