/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/mirror-plan.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ovs-index.h"
#include "controller/path-verify.h"
#include "coverage.h"
#include "hmapx.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "svec.h"
#include "tmirror-idl.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(mirror_plan);

COVERAGE_DEFINE(mirror_plan_session);
COVERAGE_DEFINE(mirror_plan_held);
COVERAGE_DEFINE(mirror_plan_vswitch);

/* Reference keys. */

/* Returns the key "KIND:UUID". */
char *
mirror_plan_key_uuid(char kind, const struct uuid *uuid)
{
    return xasprintf("%c:"UUID_FMT, kind, UUID_ARGS(uuid));
}

/* Returns the key "KIND:NAME". */
char *
mirror_plan_key_name(char kind, const char *name)
{
    return xasprintf("%c:%s", kind, name);
}

/* Adds 'ps' under 'key' (taken) in 'plan->refs'. */
static void
refs_add(struct mirror_plan *plan, struct plan_session *ps, char *key)
{
    struct hmapx *set = shash_find_data(&plan->refs, key);
    if (!set) {
        set = xmalloc(sizeof *set);
        hmapx_init(set);
        shash_add(&plan->refs, key, set);
    }
    hmapx_add(set, ps);
    svec_add_nocopy(&ps->ref_keys, key);
}

/* Removes 'ps' from every key it is under. */
static void
refs_remove(struct mirror_plan *plan, struct plan_session *ps)
{
    for (size_t i = 0; i < ps->ref_keys.n; i++) {
        struct shash_node *node = shash_find(&plan->refs,
                                             ps->ref_keys.names[i]);
        if (!node) {
            continue;
        }
        struct hmapx *set = node->data;
        hmapx_find_and_delete(set, ps);
        if (hmapx_is_empty(set)) {
            hmapx_destroy(set);
            free(set);
            shash_delete(&plan->refs, node);
        }
    }
    svec_clear(&ps->ref_keys);
}

/* Files 'ps' under the keys of what it depends on. */
static void
refs_index(struct mirror_plan *plan, struct plan_session *ps)
{
    const struct session_plan *sp = &ps->sp;
    refs_add(plan, ps, mirror_plan_key_uuid('f', &sp->filter_uuid));
    refs_add(plan, ps, mirror_plan_key_uuid('t', &sp->target_uuid));
    refs_add(plan, ps, mirror_plan_key_name('s', sp->source));
    for (size_t i = 0; i < sp->n_rules; i++) {
        refs_add(plan, ps, mirror_plan_key_uuid('r', &sp->rules[i].uuid));
    }
    if (sp->appliance) {
        refs_add(plan, ps, mirror_plan_key_name('a', sp->appliance));
    }
    /* Everything with a port target may depend on Binding and Chassis
     * rows (where the appliance, or the source, is). */
    if (sp->appliance) {
        refs_add(plan, ps, xstrdup("b"));
    }
}

/* Sessions. */

/* Frees what the resolution of 'ps' allocated, leaving it unresolved. */
static void
ps_unresolve(struct plan_session *ps)
{
    free(ps->message);
    ps->message = NULL;
    free(ps->target.dests);
    memset(&ps->target, 0, sizeof ps->target);
    free(ps->rules);
    ps->rules = NULL;
    pl_paths_destroy(ps->paths, ps->n_paths);
    ps->paths = NULL;
    ps->n_paths = 0;
    ps->programmed = false;
    ps->decap = false;
    ps->in_port[0] = ps->in_port[1] = OFPP_NONE;
    ps->backend[0] = ps->backend[1] = -1;
}

/* Frees 'ps' (already out of the reference index). */
static void
ps_free(struct plan_session *ps)
{
    ps_unresolve(ps);
    session_plan_destroy(&ps->sp);
    svec_destroy(&ps->ref_keys);
    free(ps);
}

/* Returns the session with 'uuid', or NULL. */
static struct plan_session *
plan_find(const struct mirror_plan *plan, const struct uuid *uuid)
{
    struct plan_session *ps;
    HMAP_FOR_EACH_WITH_HASH (ps, hmap_node, uuid_hash(uuid),
                             &plan->sessions) {
        if (uuid_equals(&ps->sp.uuid, uuid)) {
            return ps;
        }
    }
    return NULL;
}

/* Returns the session with 'uuid', or NULL. */
const struct plan_session *
mirror_plan_find(const struct mirror_plan *plan, const struct uuid *uuid)
{
    return plan_find(plan, uuid);
}

/* Tracked changes. */

/* Returns the change record of 'uuid', creating it (as a rules-only change
 * with no rules) if needed. */
static struct plan_change *
change_get(struct mirror_plan *plan, const struct uuid *uuid)
{
    struct plan_change *c;
    HMAP_FOR_EACH_WITH_HASH (c, hmap_node, uuid_hash(uuid), &plan->changed) {
        if (uuid_equals(&c->uuid, uuid)) {
            return c;
        }
    }
    c = xzalloc(sizeof *c);
    c->uuid = *uuid;
    c->rules_only = true;
    hmap_insert(&plan->changed, &c->hmap_node, uuid_hash(uuid));
    return c;
}

/* Records that rule 'rule' of session 'uuid' changed. */
static void
change_add_rule(struct plan_change *c, const struct uuid *rule)
{
    for (size_t i = 0; i < c->n_rules; i++) {
        if (uuid_equals(&c->rules[i], rule)) {
            return;
        }
    }
    if (c->n_rules >= c->allocated_rules) {
        c->rules = x2nrealloc(c->rules, &c->allocated_rules,
                              sizeof *c->rules);
    }
    c->rules[c->n_rules++] = *rule;
}

/* Records what differs between 'old' (NULL: new session) and 'new' (NULL:
 * deleted). */
static void
change_record(struct mirror_plan *plan, const struct uuid *uuid,
              const struct session_plan *old, const struct session_plan *new)
{
    struct plan_change *c = change_get(plan, uuid);
    if (!new) {
        c->deleted = true;
        c->rules_only = false;
        return;
    }
    c->deleted = false;
    if (!old || session_plan_differs_beyond_rules(old, new)) {
        c->rules_only = false;
        return;
    }
    for (size_t i = 0; i < new->n_rules; i++) {
        if (!session_plan_rule_unchanged(new, i, old)) {
            change_add_rule(c, &new->rules[i].uuid);
        }
    }
    for (size_t i = 0; i < old->n_rules; i++) {
        if (!session_plan_find_rule(new, &old->rules[i].uuid)) {
            change_add_rule(c, &old->rules[i].uuid);
        }
    }
}

/* Forgets the tracked changes. */
void
mirror_plan_clear_tracked(struct mirror_plan *plan)
{
    struct plan_change *c;
    HMAP_FOR_EACH_POP (c, hmap_node, &plan->changed) {
        free(c->rules);
        free(c);
    }
    sset_clear(&plan->changed_sources);
    plan->recomputed = false;
}

/* Planning. */

/* Returns the Session row with 'uuid' that the IDL holds, or NULL (also for
 * a row whose deletion is being tracked). */
static const struct tmrec_session *
plan_session_row(const struct ovsdb_idl *idl, const struct uuid *uuid)
{
    const struct tmrec_session *row = tmrec_session_get_for_uuid(idl, uuid);
    return row && !tmrec_session_is_deleted(row) ? row : NULL;
}

/* If Session 'row' references rows that the IDL does not hold yet, keeps
 * the plan 'ps' that it has (and with it the flows and rows in place),
 * files 'ps' under the keys of the missing rows so that their arrival
 * replans it, and returns true.  Planning with what is there would apply,
 * for the length of a condition change, a filter without its new rule: a
 * new reject rule would let through copies that it rejects. */
static bool
plan_session_hold(struct mirror_plan *plan, struct plan_session *ps,
                  const struct tmrec_session *row)
{
    struct plan_missing_ref *refs;
    size_t n = session_plan_missing_refs(row, &refs);
    for (size_t i = 0; i < n; i++) {
        char *key = mirror_plan_key_uuid(refs[i].kind, &refs[i].uuid);
        struct hmapx *set = shash_find_data(&plan->refs, key);
        if (set && hmapx_contains(set, ps)) {
            free(key);              /* Held before, for the same row. */
        } else {
            refs_add(plan, ps, key);
        }
    }
    free(refs);
    if (n) {
        COVERAGE_INC(mirror_plan_held);
        VLOG_DBG("session %s: %"PRIuSIZE" referenced row(s) not loaded yet, "
                 "its plan is kept", ps->sp.name, n);
    }
    return n > 0;
}

/* Replans the session of Session row 'row' (NULL: deleted, then 'uuid' says
 * which).  Returns true if its plan changed. */
static bool
plan_session_update(struct mirror_plan *plan, const struct plan_inputs *in,
                    const struct uuid *uuid, const struct tmrec_session *row)
{
    COVERAGE_INC(mirror_plan_session);
    struct plan_session *ps = plan_find(plan, uuid);
    if (!row) {
        if (!ps) {
            return false;
        }
        sset_add(&plan->changed_sources, ps->sp.source);
        change_record(plan, uuid, &ps->sp, NULL);
        refs_remove(plan, ps);
        hmap_remove(&plan->sessions, &ps->hmap_node);
        ps_free(ps);
        return true;
    }

    if (ps && plan_session_hold(plan, ps, row)) {
        return false;
    }

    struct session_plan sp;
    session_plan_build(&in->ctx, row, &sp);
    if (ps && !session_plan_differs_beyond_rules(&ps->sp, &sp)
        && session_plan_same_rules(&ps->sp, &sp)
        && !strcmp(ps->sp.message, sp.message)) {
        session_plan_destroy(&sp);
        return false;
    }
    change_record(plan, uuid, ps ? &ps->sp : NULL, &sp);
    if (!ps) {
        ps = xzalloc(sizeof *ps);
        svec_init(&ps->ref_keys);
        ps->in_port[0] = ps->in_port[1] = OFPP_NONE;
        ps->backend[0] = ps->backend[1] = -1;
        hmap_insert(&plan->sessions, &ps->hmap_node, uuid_hash(uuid));
    } else {
        sset_add(&plan->changed_sources, ps->sp.source);
        refs_remove(plan, ps);
        session_plan_destroy(&ps->sp);
    }
    ps->sp = sp;
    sset_add(&plan->changed_sources, ps->sp.source);
    refs_index(plan, ps);
    return true;
}

/* The Open_vSwitch side. */

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
static int
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
static void
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
static void
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
static bool
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

/* Resolution. */

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
static void
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
static void
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

/* What a session's flows depend on, beyond its rules, for telling whether
 * they must be rebuilt. */
struct ps_shape {
    bool programmed, decap;
    ofp_port_t in_port[2];
    uint32_t stage;
    bool is_port;
    ofp_port_t port_ofport;
    size_t n_dests;
    uint64_t dests_hash;
    struct pl_decap decap_entry;
};

/* Returns the shape of 'ps'. */
static struct ps_shape
ps_shape(const struct plan_session *ps)
{
    struct ps_shape s;
    memset(&s, 0, sizeof s);
    s.programmed = ps->programmed;
    s.decap = ps->decap;
    s.in_port[0] = ps->in_port[0];
    s.in_port[1] = ps->in_port[1];
    s.stage = ps->stage;
    s.is_port = ps->target.is_port;
    s.port_ofport = ps->target.port_ofport;
    s.n_dests = ps->target.n_dests;
    s.dests_hash = (ps->target.n_dests
                    ? hash_bytes(ps->target.dests,
                                 ps->target.n_dests
                                 * sizeof *ps->target.dests, 0)
                    : 0);
    if (ps->decap) {
        s.decap_entry = ps->decap_entry;
    }
    return s;
}

/* Assigns the stages of the programmed sessions of 'source', in stage
 * order (compare_stage_order()); beyond TM_MAX_STAGES a session is in
 * error.  Sessions whose stage changed are recorded as changed. */
static void
plan_chain(struct mirror_plan *plan, const char *source)
{
    char *key = mirror_plan_key_name('s', source);
    struct hmapx *set = shash_find_data(&plan->refs, key);
    free(key);
    if (!set) {
        return;
    }
    size_t n = hmapx_count(set), k = 0;
    struct plan_session **list = xmalloc((n ? n : 1) * sizeof *list);
    struct hmapx_node *node;
    HMAPX_FOR_EACH (node, set) {
        struct plan_session *ps = node->data;
        if (ps->programmed && !strcmp(ps->sp.source, source)) {
            list[k++] = ps;
        }
    }
    qsort(list, k, sizeof *list, compare_stage_order);
    for (size_t i = 0; i < k; i++) {
        struct plan_session *ps = list[i];
        if (i >= TM_MAX_STAGES) {
            struct ps_shape before = ps_shape(ps);
            ps_unresolve(ps);
            ps->stage = 0;
            ps_set(ps, PLAN_ERROR, xasprintf("source %s has more than %d "
                                             "sessions", source,
                                             TM_MAX_STAGES));
            struct ps_shape after = ps_shape(ps);
            if (memcmp(&before, &after, sizeof before)) {
                change_get(plan, &ps->sp.uuid)->rules_only = false;
            }
        } else if (ps->stage != i) {
            ps->stage = i;
            change_get(plan, &ps->sp.uuid)->rules_only = false;
        }
    }
    free(list);
}

/* Re-resolves 'ps' and records a change if its shape or state changed. */
static void
plan_reresolve(struct mirror_plan *plan, struct plan_session *ps,
               const struct plan_inputs *in)
{
    struct ps_shape before = ps_shape(ps);
    enum plan_state state = ps->state;
    char *message = ps->message ? xstrdup(ps->message) : NULL;
    uint32_t stage = ps->stage;

    ps_resolve(ps, plan, in);
    ps->stage = ps->programmed ? stage : 0;  /* Only programmed sessions
                                              * have a stage. */
    struct ps_shape after = ps_shape(ps);
    if (memcmp(&before, &after, sizeof before)) {
        change_get(plan, &ps->sp.uuid)->rules_only = false;
        sset_add(&plan->changed_sources, ps->sp.source);
    } else if (state != ps->state || !message
               || strcmp(message, ps->message)) {
        change_get(plan, &ps->sp.uuid);
    }
    free(message);
}

/* True if session 'uuid' has a change record. */
static bool
change_exists(const struct mirror_plan *plan, const struct uuid *uuid)
{
    const struct plan_change *c;
    HMAP_FOR_EACH_WITH_HASH (c, hmap_node, uuid_hash(uuid), &plan->changed) {
        if (uuid_equals(&c->uuid, uuid)) {
            return true;
        }
    }
    return false;
}

/* After the sessions in 'plan->changed' were replanned (or everything, if
 * 'all'), brings the Open_vSwitch side and the resolution up to date: every
 * session is re-resolved when vswitch-sync ran (its answers may have
 * changed for anyone), else only the replanned ones; then the stages of the
 * sources concerned are assigned. */
static void
plan_settle(struct mirror_plan *plan, const struct plan_inputs *in, bool all)
{
    bool ran = plan_refresh_vswitch(plan, in, all);
    struct plan_session *ps;
    HMAP_FOR_EACH (ps, hmap_node, &plan->sessions) {
        if (all || ran || change_exists(plan, &ps->sp.uuid)) {
            plan_reresolve(plan, ps, in);
        }
    }

    struct sset sources;
    sset_clone(&sources, &plan->changed_sources);
    if (all || ran) {
        HMAP_FOR_EACH (ps, hmap_node, &plan->sessions) {
            sset_add(&sources, ps->sp.source);
        }
    }
    const char *source;
    SSET_FOR_EACH (source, &sources) {
        plan_chain(plan, source);
    }
    sset_destroy(&sources);
}

/* Reads the options of TM_Global that planning needs into 'ctx'. */
static void
plan_read_global(const struct ovsdb_idl *tm_idl, struct plan_context *ctx)
{
    const struct tmrec_tm_global *global = tmrec_tm_global_first(tm_idl);
    ctx->allow_cross_zone = global && smap_get_bool(&global->options,
                                                    "allow_cross_zone",
                                                    false);
}

/* The node. */

/* Initializes an empty plan. */
void
mirror_plan_init(struct mirror_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    hmap_init(&plan->sessions);
    shash_init(&plan->refs);
    hmap_init(&plan->changed);
    sset_init(&plan->changed_sources);
}

/* Frees everything 'plan' owns. */
void
mirror_plan_destroy(struct mirror_plan *plan)
{
    struct plan_session *ps;
    HMAP_FOR_EACH_POP (ps, hmap_node, &plan->sessions) {
        svec_clear(&ps->ref_keys);
        ps_free(ps);
    }
    hmap_destroy(&plan->sessions);
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &plan->refs) {
        hmapx_destroy(node->data);
        free(node->data);
        shash_delete(&plan->refs, node);
    }
    shash_destroy(&plan->refs);
    mirror_plan_clear_tracked(plan);
    hmap_destroy(&plan->changed);
    sset_destroy(&plan->changed_sources);
    plan_clear_choices(plan);
    free(plan->captures);
    free(plan->tunnels);
    plan_free_answered(plan);
    vs_result_destroy(&plan->vs);
    free(plan->vs_signature);
}

/* Recomputes the whole plan.  See mirror-plan.h. */
bool
mirror_plan_run(struct mirror_plan *plan, const struct plan_inputs *in_)
{
    struct plan_inputs in = *in_;
    plan_read_global(in.ctx.tm_idl, &in.ctx);

    /* Sessions no longer in the database go; every other is replanned. */
    struct plan_session *ps;
    HMAP_FOR_EACH_SAFE (ps, hmap_node, &plan->sessions) {
        if (!plan_session_row(in.ctx.tm_idl, &ps->sp.uuid)) {
            struct uuid uuid = ps->sp.uuid;
            plan_session_update(plan, &in, &uuid, NULL);
        }
    }
    const struct tmrec_session *row;
    TMREC_SESSION_FOR_EACH (row, in.ctx.tm_idl) {
        plan_session_update(plan, &in, &row->header_.uuid, row);
    }
    plan_settle(plan, &in, true);
    plan->recomputed = true;
    return !hmap_is_empty(&plan->changed);
}

/* Updates the sessions that 'keys' and 'sessions' name.  See
 * mirror-plan.h. */
bool
mirror_plan_update(struct mirror_plan *plan, const struct plan_inputs *in_,
                   const struct sset *keys, const struct uuid *sessions,
                   size_t n_sessions)
{
    struct plan_inputs in = *in_;
    plan_read_global(in.ctx.tm_idl, &in.ctx);

    struct hmapx todo = HMAPX_INITIALIZER(&todo);
    const char *key;
    SSET_FOR_EACH (key, keys) {
        struct hmapx *set = shash_find_data(&plan->refs, key);
        if (set) {
            struct hmapx_node *node;
            HMAPX_FOR_EACH (node, set) {
                hmapx_add(&todo, node->data);
            }
        }
    }
    /* Copy the UUIDs first: replanning changes the sets. */
    size_t n = hmapx_count(&todo) + n_sessions, i = 0;
    struct uuid *uuids = xmalloc((n ? n : 1) * sizeof *uuids);
    struct hmapx_node *node;
    HMAPX_FOR_EACH (node, &todo) {
        uuids[i++] = ((struct plan_session *) node->data)->sp.uuid;
    }
    hmapx_destroy(&todo);
    memcpy(&uuids[i], sessions, n_sessions * sizeof *uuids);

    for (i = 0; i < n; i++) {
        const struct tmrec_session *row
            = plan_session_row(in.ctx.tm_idl, &uuids[i]);
        plan_session_update(plan, &in, &uuids[i], row);
    }
    free(uuids);
    plan_settle(plan, &in, false);
    return !hmap_is_empty(&plan->changed);
}

/* Declares the delivery paths of the programmed sessions. */
void
mirror_plan_want_paths(const struct mirror_plan *plan, struct path_verify *pv,
                       const char *bridge, const char *local_ip)
{
    path_verify_begin(pv);
    const struct plan_session *ps;
    HMAP_FOR_EACH (ps, hmap_node, &plan->sessions) {
        for (size_t j = 0; ps->programmed && j < ps->n_paths; j++) {
            path_verify_want(pv, bridge, ps->paths[j].actions,
                             ps->paths[j].tun_dst,
                             ps->paths[j].tun_dst ? local_ip : NULL);
        }
    }
    path_verify_end(pv);
}

/* Appends the capacity of the source bridges. */
void
mirror_plan_format_capacity(const struct mirror_plan *plan, struct ds *s)
{
    ds_put_cstr(s, "capacity (Mirror rows per bridge, at most 32):\n");
    for (size_t i = 0; i < plan->vs.n_capacity; i++) {
        const struct vs_bridge_capacity *cap = &plan->vs.capacity[i];
        ds_put_format(s, "  %s: %d used (%d tmirror, %d other), %d free\n",
                      cap->bridge, cap->owned + cap->foreign, cap->owned,
                      cap->foreign, cap->free);
    }
    size_t n_tc = 0, n_mirror = 0;
    for (size_t i = 0; i < plan->n_captures; i++) {
        if (plan->captures[i].tc_port) {
            n_tc++;
        } else {
            n_mirror++;
        }
    }
    ds_put_format(s, "capacity (captures by backend): %"PRIuSIZE" tc (no "
                  "Mirror row, no limit), %"PRIuSIZE" Mirror rows\n",
                  n_tc, n_mirror);
}

/* Returns how 'ps' is captured.  See mirror-plan.h. */
const char *
mirror_plan_capture_name(const struct plan_session *ps)
{
    int e = ps->backend[1], i = ps->backend[0];
    if (e < 0 && i < 0) {
        return "";
    } else if (e == i || e < 0 || i < 0) {
        return capture_backend_name(e >= 0 ? e : i);
    } else {
        return (e == CAPTURE_BY_TC ? "egress tc, ingress mirror"
                : "egress mirror, ingress tc");
    }
}
