/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/mirror-plan.h"
#include "controller/plan-private.h"

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

/* Reference keys. */

/* Adds to 'keys' what names the sessions that use Filter_Rule 'rule': the
 * filters built from it (their rule sets say so), and the rule itself, for
 * sessions held until it arrives (plan_session_hold()). */
void
mirror_plan_add_rule_keys(const struct mirror_plan *plan,
                          const struct uuid *rule, struct sset *keys)
{
    sset_add_and_free(keys, mirror_plan_key_uuid('r', rule));
    const struct rule_set *set;
    HMAP_FOR_EACH (set, hmap_node, &plan->rule_sets.sets) {
        if (rule_set_has_row(set, rule)) {
            sset_add_and_free(keys, mirror_plan_key_uuid('f', &set->filter));
        }
    }
}

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
    /* Not one key per rule: a session's rules are its filter's
     * (mirror_plan_add_rule_keys()). */
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
void
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
    rule_set_cache_sweep(&plan->rule_sets);
    plan->gen++;
}

/* Planning. */

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

    if (ps && ps->planned_gen == plan->gen) {
        /* Replanned already since the last clear, from the same rows. */
        return false;
    }
    if (ps && plan_session_hold(plan, ps, row)) {
        ps->planned_gen = plan->gen;
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
    ps->planned_gen = plan->gen;
    sset_add(&plan->changed_sources, ps->sp.source);
    refs_index(plan, ps);
    return true;
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
    rule_set_cache_init(&plan->rule_sets);
    plan->gen = 1;
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
    rule_set_cache_destroy(&plan->rule_sets);
}

/* Marks stale, once per engine run and before anything is planned, the
 * rule sets built from rows that changed (rule_set_cache_note_changes()):
 * after the IDL forgets what it tracked, their change numbers say nothing
 * of it. */
static void
plan_note_changes(struct mirror_plan *plan, const struct ovsdb_idl *idl)
{
    if (plan->noted_gen != plan->gen) {
        plan->noted_gen = plan->gen;
        rule_set_cache_note_changes(&plan->rule_sets, idl);
    }
}

/* Recomputes the whole plan.  See mirror-plan.h. */
bool
mirror_plan_run(struct mirror_plan *plan, const struct plan_inputs *in_)
{
    struct plan_inputs in = *in_;
    plan_read_global(in.ctx.tm_idl, &in.ctx);
    in.ctx.rule_sets = &plan->rule_sets;
    plan_note_changes(plan, in.ctx.tm_idl);

    /* Sessions no longer in the database go; every other is replanned. */
    struct plan_session *ps;
    HMAP_FOR_EACH_SAFE (ps, hmap_node, &plan->sessions) {
        if (!session_plan_get_row(in.ctx.tm_idl, &ps->sp.uuid)) {
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
    in.ctx.rule_sets = &plan->rule_sets;
    plan_note_changes(plan, in.ctx.tm_idl);

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
            = session_plan_get_row(in.ctx.tm_idl, &uuids[i]);
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
