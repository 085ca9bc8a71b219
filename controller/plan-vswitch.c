/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The plan's Open_vSwitch side: the capture and tunnel requests that the
 * sessions of the plan make of vswitch-sync, in admission order, and the
 * answers it last gave (see mirror-plan.h). */

#include <config.h>

#include "controller/plan-private.h"

#include <stdlib.h>
#include <string.h>

#include "controller/ovs-index.h"
#include "coverage.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

COVERAGE_DEFINE(mirror_plan_vswitch);

/* qsort() comparator: sessions by source, then number. */
static int
compare_by_source(const void *a_, const void *b_)
{
    const struct plan_session *const *a = a_, *const *b = b_;
    int cmp = strcmp((*a)->sp.source, (*b)->sp.source);
    return (cmp ? cmp
            : (*a)->sp.number < (*b)->sp.number ? -1
            : (*a)->sp.number > (*b)->sp.number);
}

/* qsort() comparator: the sessions of one source in stage order, the
 * independent ones first (they pass every packet on, so each sees all of
 * them and the ordinary ones after them keep their first match), each kind
 * by number. */
int
compare_stage_order(const void *a_, const void *b_)
{
    const struct plan_session *const *a = a_, *const *b = b_;
    if ((*a)->sp.independent != (*b)->sp.independent) {
        return (*a)->sp.independent ? -1 : 1;
    }
    return compare_by_source(a_, b_);
}

/* Returns the sessions of 'plan' sorted by (source, number), in a malloc()'d
 * array of 'hmap_count(&plan->sessions)' elements. */
static struct plan_session **
plan_sorted_sessions(const struct mirror_plan *plan)
{
    size_t n = hmap_count(&plan->sessions);
    struct plan_session **all = xmalloc((n ? n : 1) * sizeof *all);
    size_t i = 0;
    struct plan_session *ps;
    HMAP_FOR_EACH (ps, hmap_node, &plan->sessions) {
        all[i++] = ps;
    }
    qsort(all, n, sizeof *all, compare_by_source);
    return all;
}

/* True if 'ps' needs its source captured. */
static bool
ps_captures(const struct plan_session *ps)
{
    return (ps->sp.role == PLAN_ROLE_SOURCE && ps->sp.state == PLAN_ACTIVE
            && ps->sp.enabled);
}

/* Returns the index of the tunnel request for ('encap', 'dst_port') in
 * 'reqs' (adding it, 'encap' must outlive the requests). */
static size_t
tunnel_index(struct vs_tunnel_req **reqs, size_t *n, const char *encap,
             int dst_port)
{
    for (size_t i = 0; i < *n; i++) {
        if (!strcmp((*reqs)[i].encap, encap)
            && (*reqs)[i].dst_port == dst_port) {
            return i;
        }
    }
    *reqs = xrealloc(*reqs, (*n + 1) * sizeof **reqs);
    (*reqs)[*n].encap = encap;
    (*reqs)[*n].dst_port = dst_port;
    return (*n)++;
}

/* Frees the capture choices of 'plan'. */
void
plan_clear_choices(struct mirror_plan *plan)
{
    for (size_t i = 0; i < plan->n_choices; i++) {
        capture_choice_destroy(&plan->choices[i].choice);
    }
    free(plan->choices);
    plan->choices = NULL;
    plan->n_choices = 0;
}

/* Chooses how (source, 'egress') is captured, records it in 'plan' and, if
 * ready, adds its request for vswitch-sync; appends it to 'sig'. */
static void
plan_add_capture(struct mirror_plan *plan, const struct plan_inputs *in,
                 const char *source, bool egress, struct ds *sig)
{
    const struct ovs_source *src = ovs_index_find_source(in->ctx.ovs,
                                                         source);
    struct plan_capture *pc = &plan->choices[plan->n_choices++];
    pc->iface_id = source;
    pc->egress = egress;
    if (in->capture) {
        capture_choose(in->capture, source, egress, src, &pc->choice);
    } else {
        pc->choice = (struct capture_choice) { .backend = CAPTURE_BY_MIRROR,
                                               .ready = true };
    }
    if (in->capture_apply && pc->choice.tc_wanted && src) {
        capture_want_tc(in->capture, source, egress, src);
    }

    const struct capture_choice *ch = &pc->choice;
    if (ch->ready) {
        plan->captures[plan->n_captures++] = (struct vs_capture_req) {
            .iface_id = source,
            .egress = egress,
            .tc_port = ch->backend == CAPTURE_BY_TC ? ch->bridge_port : NULL,
            .tc_ifindex = ch->bridge_ifindex,
        };
    }
    ds_put_format(sig, "%s/%c:%s:%d:%d:%s:%d:%s ", source, egress ? 'e' : 'i',
                  capture_backend_name(ch->backend), ch->ready, ch->failed,
                  ch->bridge_port ? ch->bridge_port : "", ch->bridge_ifindex,
                  ch->message ? ch->message : "");
}

/* Computes the capture and tunnel requests of the whole plan: sources in
 * admission order (by iface-id; egress before ingress), tunnels in order
 * of first use.  Each capture's backend is chosen (capture.h); when
 * 'in->capture_apply', the tc ones become capture's desired set.  Returns
 * a signature of them. */
static char *
plan_requests(struct mirror_plan *plan, const struct plan_inputs *in)
{
    struct plan_session **all = plan_sorted_sessions(plan);
    size_t n = hmap_count(&plan->sessions);

    plan_clear_choices(plan);
    free(plan->captures);
    free(plan->tunnels);
    plan->choices = xcalloc(2 * n + 1, sizeof *plan->choices);
    plan->captures = xcalloc(2 * n + 1, sizeof *plan->captures);
    plan->n_captures = 0;
    plan->tunnels = NULL;
    plan->n_tunnels = 0;
    if (in->capture_apply && in->capture) {
        capture_want_begin(in->capture);
    }

    struct ds sig = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < n; ) {
        const char *source = all[i]->sp.source;
        bool egress = false, ingress = false;
        size_t j;
        for (j = i; j < n && !strcmp(all[j]->sp.source, source); j++) {
            const struct plan_session *ps = all[j];
            if (ps_captures(ps)) {
                egress |= ps->sp.wants_egress;
                ingress |= ps->sp.wants_ingress;
            }
            if (ps->sp.state == PLAN_ACTIVE && ps->sp.enabled
                && ((ps->sp.role == PLAN_ROLE_SOURCE
                     && ps->sp.delivery == PLAN_DELIVER_TUNNEL)
                    || ps->sp.role == PLAN_ROLE_DECAP)) {
                const char *encap = (ps->sp.role == PLAN_ROLE_DECAP
                                     ? "geneve" : ps->sp.encap);
                int dst_port = ps->sp.role == PLAN_ROLE_DECAP ? 0
                               : ps->sp.dst_port;
                tunnel_index(&plan->tunnels, &plan->n_tunnels, encap,
                             dst_port);
            }
        }
        if (egress) {
            plan_add_capture(plan, in, source, true, &sig);
        }
        if (ingress) {
            plan_add_capture(plan, in, source, false, &sig);
        }
        i = j;
    }
    for (size_t i = 0; i < plan->n_tunnels; i++) {
        ds_put_format(&sig, "%s:%d ", plan->tunnels[i].encap,
                      plan->tunnels[i].dst_port);
    }
    if (in->capture_apply && in->capture) {
        capture_want_end(in->capture);
    }
    free(all);
    return ds_steal_cstr(&sig);
}

/* Frees the copies of the requests that vswitch-sync last answered. */
void
plan_free_answered(struct mirror_plan *plan)
{
    for (size_t i = 0; i < plan->n_vs_captures; i++) {
        free(CONST_CAST(char *, plan->vs_captures[i].iface_id));
    }
    for (size_t i = 0; i < plan->n_vs_tunnels; i++) {
        free(CONST_CAST(char *, plan->vs_tunnels[i].encap));
    }
    free(plan->vs_captures);
    free(plan->vs_tunnels);
    plan->vs_captures = NULL;
    plan->vs_tunnels = NULL;
    plan->n_vs_captures = plan->n_vs_tunnels = 0;
}

/* Remembers the current requests as those that 'plan->vs' answers, so that
 * its results, which follow the requests' order, are read against them
 * even after the requests change without vswitch-sync running. */
static void
plan_keep_answered(struct mirror_plan *plan)
{
    plan_free_answered(plan);
    plan->vs_captures = xmemdup(plan->captures, (plan->n_captures + 1)
                                * sizeof *plan->captures);
    plan->n_vs_captures = plan->n_captures;
    for (size_t i = 0; i < plan->n_captures; i++) {
        plan->vs_captures[i].iface_id = xstrdup(plan->captures[i].iface_id);
    }
    plan->vs_tunnels = xmalloc((plan->n_tunnels + 1)
                               * sizeof *plan->vs_tunnels);
    plan->n_vs_tunnels = plan->n_tunnels;
    for (size_t i = 0; i < plan->n_tunnels; i++) {
        plan->vs_tunnels[i].encap = xstrdup(plan->tunnels[i].encap);
        plan->vs_tunnels[i].dst_port = plan->tunnels[i].dst_port;
    }
}

/* Runs vswitch-sync for the current requests. */
static void
plan_run_vswitch(struct mirror_plan *plan, const struct plan_inputs *in)
{
    COVERAGE_INC(mirror_plan_vswitch);
    vs_result_destroy(&plan->vs);
    vswitch_sync_run(in->ovs_idl, in->ovs_txn, in->vs_cfg, plan->captures,
                     plan->n_captures, plan->tunnels, plan->n_tunnels,
                     &plan->vs);
    plan_keep_answered(plan);
    /* Without a transaction, differences wait for the next one. */
    plan->vs_pending_write = !in->ovs_txn && plan->vs.dirty;
    if (in->ovs_txn) {
        plan->vs_txn_seq = in->txn_seq;
    }
}

/* Brings the requests and vswitch-sync's answer up to date; returns true if
 * vswitch-sync ran. */
bool
plan_refresh_vswitch(struct mirror_plan *plan, const struct plan_inputs *in,
                     bool force)
{
    char *sig = plan_requests(plan, in);
    bool same = plan->vs_signature && !strcmp(sig, plan->vs_signature);
    if (same && !force && !in->ovs_changed && !plan->vs_pending_write) {
        free(sig);
        return false;
    }
    if (in->ovs_txn && plan->vs_txn_seq == in->txn_seq) {
        /* It already wrote into this transaction, which the IDL does not
         * show yet: once more in the next one. */
        free(sig);
        plan->vs_pending_write = true;
        return false;
    }
    free(plan->vs_signature);
    plan->vs_signature = sig;
    plan_run_vswitch(plan, in);
    return true;
}
