/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/session-flows.h"

#include <stdlib.h>
#include <string.h>

#include "controller/mirror-plan.h"
#include "controller/pipeline.h"
#include "coverage.h"
#include "flow.h"
#include "openflow/openflow.h"
#include "openvswitch/vlog.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(session_flows);

COVERAGE_DEFINE(session_flows_owner_built);

/* The owners of one session. */
struct sf_session {
    struct hmap_node hmap_node;     /* In 'sessions', by uuid_hash(). */
    struct uuid uuid;
    struct tm_owner_key *owners;
    size_t n_owners, allocated_owners;
    struct tm_flow_table deliver;   /* What its group's buckets need in
                                     * TM_TABLE_DELIVER. */
};

/* A session's group id. */
struct sf_group_id {
    struct hmap_node hmap_node;     /* In 'group_ids', by uuid_hash(). */
    struct uuid uuid;
    uint32_t id;
};

/* Group ids. */

/* Returns the group id entry of 'uuid' in 'ids', or NULL. */
static struct sf_group_id *
group_id_find(const struct hmap *ids, const struct uuid *uuid)
{
    struct sf_group_id *g;
    HMAP_FOR_EACH_WITH_HASH (g, hmap_node, uuid_hash(uuid), ids) {
        if (uuid_equals(&g->uuid, uuid)) {
            return g;
        }
    }
    return NULL;
}

/* True if some entry of 'ids' has group id 'id'. */
static bool
group_id_used(const struct hmap *ids, uint32_t id)
{
    const struct sf_group_id *g;
    HMAP_FOR_EACH (g, hmap_node, ids) {
        if (g->id == id) {
            return true;
        }
    }
    return false;
}

/* Returns the group id of session 'uuid' (key 'key'), allocating the first
 * free one from its natural id if it has none. */
static uint32_t
group_id_get(struct hmap *ids, const struct uuid *uuid, uint32_t key)
{
    struct sf_group_id *g = group_id_find(ids, uuid);
    if (!g) {
        uint32_t id = pipeline_natural_group_id(key);
        while (group_id_used(ids, id)) {
            id = pipeline_next_group_id(id);
        }
        g = xmalloc(sizeof *g);
        g->uuid = *uuid;
        g->id = id;
        hmap_insert(ids, &g->hmap_node, uuid_hash(uuid));
    }
    return g->id;
}

/* Releases the group id of session 'uuid', if any. */
static void
group_id_release(struct hmap *ids, const struct uuid *uuid)
{
    struct sf_group_id *g = group_id_find(ids, uuid);
    if (g) {
        hmap_remove(ids, &g->hmap_node);
        free(g);
    }
}

/* Frees every entry of 'ids'. */
static void
group_ids_clear(struct hmap *ids)
{
    struct sf_group_id *g;
    HMAP_FOR_EACH_POP (g, hmap_node, ids) {
        free(g);
    }
}

/* Copies 'src' into the empty 'dst'. */
static void
group_ids_clone(struct hmap *dst, const struct hmap *src)
{
    const struct sf_group_id *g;
    HMAP_FOR_EACH (g, hmap_node, src) {
        struct sf_group_id *copy = xmemdup(g, sizeof *g);
        hmap_insert(dst, &copy->hmap_node, uuid_hash(&g->uuid));
    }
}

/* Per-session owner lists. */

/* Returns the owners of session 'uuid' in 'sessions', or NULL. */
static struct sf_session *
sf_find(const struct hmap *sessions, const struct uuid *uuid)
{
    struct sf_session *s;
    HMAP_FOR_EACH_WITH_HASH (s, hmap_node, uuid_hash(uuid), sessions) {
        if (uuid_equals(&s->uuid, uuid)) {
            return s;
        }
    }
    return NULL;
}

/* Returns the owners of session 'uuid', creating the entry if needed. */
static struct sf_session *
sf_get(struct hmap *sessions, const struct uuid *uuid)
{
    struct sf_session *s = sf_find(sessions, uuid);
    if (!s) {
        s = xzalloc(sizeof *s);
        s->uuid = *uuid;
        tm_flow_table_init(&s->deliver);
        hmap_insert(sessions, &s->hmap_node, uuid_hash(uuid));
    }
    return s;
}

/* Frees 's'. */
static void
sf_free(struct sf_session *s)
{
    free(s->owners);
    tm_flow_table_destroy(&s->deliver);
    free(s);
}

/* Frees every entry of 'sessions'. */
static void
sf_clear(struct hmap *sessions)
{
    struct sf_session *s;
    HMAP_FOR_EACH_POP (s, hmap_node, sessions) {
        sf_free(s);
    }
}

/* Adds 'key' to 's''s owners. */
static void
sf_add_owner(struct sf_session *s, const struct tm_owner_key *key)
{
    if (s->n_owners >= s->allocated_owners) {
        s->owners = x2nrealloc(s->owners, &s->allocated_owners,
                               sizeof *s->owners);
    }
    s->owners[s->n_owners++] = *key;
}

/* The building of owners.  A builder writes into 'desired', records what
 * changed (when 'sf' is given) and keeps the group ids in 'group_ids'. */
struct sf_builder {
    struct tm_desired *desired;
    struct hmap *sessions;
    struct hmap *group_ids;
    struct session_flows *track;    /* NULL: nothing to record. */
};

/* Records that owner 'key' changed. */
static void
record(struct sf_builder *b, const struct tm_owner_key *key)
{
    struct session_flows *sf = b->track;
    if (!sf) {
        return;
    }
    if (sf->n_changed >= sf->allocated_changed) {
        sf->changed = x2nrealloc(sf->changed, &sf->allocated_changed,
                                 sizeof *sf->changed);
    }
    sf->changed[sf->n_changed++] = *key;
}

/* Publishes 'o' (sealed here) as its owner's set. */
static void
publish(struct sf_builder *b, struct tm_owned *o)
{
    COVERAGE_INC(session_flows_owner_built);
    tm_owned_seal(o);
    struct tm_owner_key key = o->key;
    if (tm_desired_set(b->desired, o)) {
        record(b, &key);
    }
}

/* Removes owner 'key'. */
static void
retract(struct sf_builder *b, const struct tm_owner_key *key)
{
    if (tm_desired_remove(b->desired, key)) {
        record(b, key);
    }
}

/* The stage of 'ps' for copies taken in direction 'egress'. */
static struct pl_stage
stage_of(const struct plan_session *ps, bool egress, uint32_t group_id)
{
    return (struct pl_stage) {
        .session = &ps->pl,
        .ofport = ps->in_port[egress],
        .egress = egress,
        .stage = ps->stage,
        .group_id = group_id,
    };
}

/* Builds the owner of rule 'i' of 'ps' (for its direction) into 's'. */
static void
build_rule(struct sf_builder *b, struct sf_session *s,
           const struct plan_session *ps, size_t i, uint32_t group_id)
{
    const struct plan_rule *pr = &ps->sp.rules[i];
    bool egress = !strcmp(pr->rule.direction, "egress");
    if (ps->in_port[egress] == OFPP_NONE) {
        return;
    }
    struct tm_owner_key key = tm_owner_key(TM_OWNER_RULE, &ps->sp.uuid,
                                           &pr->uuid, egress, 0);
    struct tm_owned *o = tm_owned_create(&key, ps->sp.key);
    struct pl_stage stage = stage_of(ps, egress, group_id);
    pipeline_add_rule(&stage, &ps->rules[i], &o->table);
    publish(b, o);
    sf_add_owner(s, &key);
}

/* Builds every owner of programmed session 'ps' into 's'. */
static void
build_programmed(struct sf_builder *b, struct sf_session *s,
                 const struct plan_session *ps)
{
    uint32_t group_id = 0;
    if (pipeline_session_uses_group(&ps->pl)) {
        group_id = group_id_get(b->group_ids, &ps->sp.uuid, ps->sp.key);
        struct tm_owner_key key = tm_owner_key(TM_OWNER_GROUP, &ps->sp.uuid,
                                               NULL, false, 0);
        struct tm_owned *o = tm_owned_create(&key, ps->sp.key);
        pipeline_add_group(&ps->pl, group_id, &o->table, &s->deliver);
        publish(b, o);
        sf_add_owner(s, &key);
    } else {
        group_id_release(b->group_ids, &ps->sp.uuid);
    }

    for (size_t i = 0; i < ps->sp.n_rules; i++) {
        build_rule(b, s, ps, i, group_id);
    }
    for (int egress = 0; egress < 2; egress++) {
        if (ps->in_port[egress] == OFPP_NONE) {
            continue;
        }
        struct tm_owner_key key = tm_owner_key(TM_OWNER_FALLTHROUGH,
                                               &ps->sp.uuid, NULL, egress, 0);
        struct tm_owned *o = tm_owned_create(&key, ps->sp.key);
        struct pl_stage stage = stage_of(ps, egress, group_id);
        pipeline_add_fallthrough(&stage, &o->table);
        publish(b, o);
        sf_add_owner(s, &key);
    }
}

/* Builds the decapsulation owner of 'ps' into 's'. */
static void
build_decap(struct sf_builder *b, struct sf_session *s,
            const struct plan_session *ps)
{
    struct tm_owner_key key = tm_owner_key(TM_OWNER_DECAP, &ps->sp.uuid,
                                           NULL, false, 0);
    struct tm_owned *o = tm_owned_create(&key, 0);
    pipeline_add_decaps(&ps->decap_entry, 1, &o->table);
    publish(b, o);
    sf_add_owner(s, &key);
    group_id_release(b->group_ids, &ps->sp.uuid);
}

/* True if 'key' is in the first 'n' elements of 'keys'. */
static bool
keys_contain(const struct tm_owner_key *keys, size_t n,
             const struct tm_owner_key *key)
{
    for (size_t i = 0; i < n; i++) {
        if (tm_owner_key_equal(&keys[i], key)) {
            return true;
        }
    }
    return false;
}

/* Rebuilds every owner of session 'uuid' ('ps' NULL: gone), removing those
 * it no longer has. */
static void
build_session(struct sf_builder *b, const struct uuid *uuid,
              const struct plan_session *ps)
{
    struct sf_session *old = sf_find(b->sessions, uuid);
    struct tm_owner_key *old_keys = old ? old->owners : NULL;
    size_t n_old = old ? old->n_owners : 0;
    if (old) {
        old->owners = NULL;
        old->n_owners = old->allocated_owners = 0;
        tm_flow_table_clear(&old->deliver);
    }

    if (ps && (ps->programmed || ps->decap)) {
        struct sf_session *s = sf_get(b->sessions, uuid);
        if (ps->programmed) {
            build_programmed(b, s, ps);
        } else {
            build_decap(b, s, ps);
        }
        for (size_t i = 0; i < n_old; i++) {
            if (!keys_contain(s->owners, s->n_owners, &old_keys[i])) {
                retract(b, &old_keys[i]);
            }
        }
    } else {
        for (size_t i = 0; i < n_old; i++) {
            retract(b, &old_keys[i]);
        }
        group_id_release(b->group_ids, uuid);
        if (old) {
            hmap_remove(b->sessions, &old->hmap_node);
            sf_free(old);
        }
    }
    free(old_keys);
}

/* Rebuilds only the owners of the rules 'rules' of session 'ps' (a change
 * that touched nothing but them).  Returns false if it had to build the
 * whole session instead (it had no owners yet). */
static bool
build_rules(struct sf_builder *b, const struct plan_session *ps,
            const struct uuid *rules, size_t n_rules)
{
    struct sf_session *s = sf_find(b->sessions, &ps->sp.uuid);
    if (!s) {
        build_session(b, &ps->sp.uuid, ps);
        return false;
    }
    uint32_t group_id = 0;
    struct sf_group_id *g = group_id_find(b->group_ids, &ps->sp.uuid);
    if (g) {
        group_id = g->id;
    }

    /* Drop the owners of these rules from the list, then build them
     * again (those that still exist). */
    size_t n = 0;
    for (size_t i = 0; i < s->n_owners; i++) {
        const struct tm_owner_key *k = &s->owners[i];
        bool touched = false;
        for (size_t j = 0; j < n_rules && !touched; j++) {
            touched = (k->kind == TM_OWNER_RULE
                       && uuid_equals(&k->sub, &rules[j]));
        }
        if (touched) {
            struct tm_owner_key key = *k;
            const struct plan_rule *pr
                = session_plan_find_rule(&ps->sp, &key.sub);
            if (!pr || strcmp(pr->rule.direction,
                              key.egress ? "egress" : "ingress")) {
                retract(b, &key);
            }
        } else {
            s->owners[n++] = *k;
        }
    }
    s->n_owners = n;
    for (size_t j = 0; j < n_rules; j++) {
        for (size_t i = 0; i < ps->sp.n_rules; i++) {
            if (uuid_equals(&ps->sp.rules[i].uuid, &rules[j])) {
                build_rule(b, s, ps, i, group_id);
            }
        }
    }
    return true;
}

/* Rebuilds the owners shared by all sessions: the default drop, one
 * classification per port that copies arrive on, and the truncating
 * deliveries. */
static void
build_shared(struct sf_builder *b, const struct mirror_plan *plan)
{
    struct tm_owner_key key = tm_owner_key(TM_OWNER_INFRA, NULL, NULL, false,
                                           0);
    struct tm_owned *o = tm_owned_create(&key, 0);
    pipeline_add_default_drop(&o->table);
    publish(b, o);

    /* Classification: the ports of programmed sessions. */
    bool *used = xcalloc(UINT16_MAX + 1, sizeof *used);
    const struct plan_session *ps;
    HMAP_FOR_EACH (ps, hmap_node, &plan->sessions) {
        for (int d = 0; ps->programmed && d < 2; d++) {
            if (ps->in_port[d] != OFPP_NONE) {
                used[ofp_to_u16(ps->in_port[d])] = true;
            }
        }
    }
    struct tm_desired_node *node;
    struct tm_owner_key *stale = NULL;
    size_t n_stale = 0, allocated_stale = 0;
    TM_DESIRED_FOR_EACH (node, b->desired) {
        const struct tm_owner_key *k = &node->owned->key;
        if (k->kind == TM_OWNER_CLASSIFY && !used[k->port]) {
            if (n_stale >= allocated_stale) {
                stale = x2nrealloc(stale, &allocated_stale, sizeof *stale);
            }
            stale[n_stale++] = *k;
        }
    }
    for (size_t i = 0; i < n_stale; i++) {
        retract(b, &stale[i]);
    }
    free(stale);
    for (uint32_t port = 1; port <= UINT16_MAX; port++) {
        if (used[port]) {
            key = tm_owner_key(TM_OWNER_CLASSIFY, NULL, NULL, false, port);
            if (!tm_desired_find(b->desired, &key)) {
                o = tm_owned_create(&key, 0);
                pipeline_add_classify(u16_to_ofp(port), &o->table);
                publish(b, o);
            }
        }
    }
    free(used);

    /* The deliveries that the groups' buckets need. */
    key = tm_owner_key(TM_OWNER_DELIVER, NULL, NULL, false, 0);
    o = tm_owned_create(&key, 0);
    const struct sf_session *s;
    HMAP_FOR_EACH (s, hmap_node, b->sessions) {
        const struct tm_flow *f;
        HMAP_FOR_EACH (f, hmap_node, &s->deliver.flows) {
            if (!tm_flow_table_find_flow(&o->table, f)) {
                struct match match;
                minimatch_expand(&f->match, &match);
                tm_flow_table_add(&o->table, f->table_id, f->priority,
                                  f->cookie, &match, f->ofpacts,
                                  f->ofpacts_len);
            }
        }
    }
    if (hmap_is_empty(&o->table.flows)) {
        tm_owned_unref(o);
        retract(b, &key);
    } else {
        publish(b, o);
    }
}

/* Builds everything from 'plan' into the builder's (empty) table. */
static void
build_all(struct sf_builder *b, const struct mirror_plan *plan)
{
    const struct plan_session *ps;
    HMAP_FOR_EACH (ps, hmap_node, &plan->sessions) {
        build_session(b, &ps->sp.uuid, ps);
    }
    build_shared(b, plan);
}

/* The module. */

/* Initializes an empty table. */
void
session_flows_init(struct session_flows *sf)
{
    memset(sf, 0, sizeof *sf);
    tm_desired_init(&sf->desired);
    hmap_init(&sf->sessions);
    hmap_init(&sf->group_ids);
}

/* Frees everything. */
void
session_flows_destroy(struct session_flows *sf)
{
    tm_desired_destroy(&sf->desired);
    sf_clear(&sf->sessions);
    hmap_destroy(&sf->sessions);
    group_ids_clear(&sf->group_ids);
    hmap_destroy(&sf->group_ids);
    free(sf->changed);
}

/* Forgets the tracked changes. */
void
session_flows_clear_tracked(struct session_flows *sf)
{
    sf->n_changed = 0;
}

/* Rebuilds everything.  See session-flows.h. */
void
session_flows_run(struct session_flows *sf, const struct mirror_plan *plan)
{
    struct tm_desired fresh;
    struct hmap sessions = HMAP_INITIALIZER(&sessions);
    tm_desired_init(&fresh);

    /* Group ids of sessions that still use one are kept. */
    struct sf_builder b = {
        .desired = &fresh, .sessions = &sessions,
        .group_ids = &sf->group_ids, .track = NULL,
    };
    build_all(&b, plan);
    struct sf_group_id *g;
    HMAP_FOR_EACH_SAFE (g, hmap_node, &sf->group_ids) {
        if (!sf_find(&sessions, &g->uuid)) {
            hmap_remove(&sf->group_ids, &g->hmap_node);
            free(g);
        }
    }

    /* What differs from before is what changed. */
    struct sf_builder t = { .desired = &sf->desired, .track = sf };
    struct tm_desired_node *node;
    TM_DESIRED_FOR_EACH (node, &fresh) {
        publish(&t, tm_owned_ref(node->owned));
    }
    struct tm_owner_key *gone = NULL;
    size_t n_gone = 0, allocated = 0;
    TM_DESIRED_FOR_EACH (node, &sf->desired) {
        if (!tm_desired_find(&fresh, &node->owned->key)) {
            if (n_gone >= allocated) {
                gone = x2nrealloc(gone, &allocated, sizeof *gone);
            }
            gone[n_gone++] = node->owned->key;
        }
    }
    for (size_t i = 0; i < n_gone; i++) {
        retract(&t, &gone[i]);
    }
    free(gone);
    tm_desired_destroy(&fresh);

    sf_clear(&sf->sessions);
    hmap_swap(&sf->sessions, &sessions);
    hmap_destroy(&sessions);
}

/* Rebuilds what the plan's tracked changes affect. */
bool
session_flows_update(struct session_flows *sf,
                     const struct mirror_plan *plan)
{
    if (plan->recomputed) {
        return false;
    }
    struct sf_builder b = {
        .desired = &sf->desired, .sessions = &sf->sessions,
        .group_ids = &sf->group_ids, .track = sf,
    };
    /* The shared owners depend on what sessions are programmed, on which
     * ports, and on their groups: a change to rules alone (or to a state
     * or message) leaves them as they are. */
    bool shared = false;
    const struct plan_change *c;
    HMAP_FOR_EACH (c, hmap_node, &plan->changed) {
        const struct plan_session *ps = mirror_plan_find(plan, &c->uuid);
        if (!ps || c->deleted || !c->rules_only) {
            build_session(&b, &c->uuid, ps);
            shared = true;
        } else if (c->n_rules) {
            shared |= !build_rules(&b, ps, c->rules, c->n_rules);
        }
    }
    if (shared) {
        build_shared(&b, plan);
    }
    return true;
}

/* Builds what a full recompute gives now into 'out'. */
void
session_flows_recompute_into(const struct session_flows *sf,
                             const struct mirror_plan *plan,
                             struct tm_desired *out)
{
    struct hmap sessions = HMAP_INITIALIZER(&sessions);
    struct hmap group_ids = HMAP_INITIALIZER(&group_ids);
    group_ids_clone(&group_ids, &sf->group_ids);

    tm_desired_clear(out);
    struct sf_builder b = {
        .desired = out, .sessions = &sessions, .group_ids = &group_ids,
        .track = NULL,
    };
    build_all(&b, plan);

    sf_clear(&sessions);
    hmap_destroy(&sessions);
    group_ids_clear(&group_ids);
    hmap_destroy(&group_ids);
}
