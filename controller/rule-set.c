/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/rule-set.h"

#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "ovsdb-idl.h"
#include "tmirror-idl.h"
#include "tmirror/intent-check.h"
#include "tmirror/intent-rows.h"
#include "util.h"
#include "uuid.h"

COVERAGE_DEFINE(rule_set_built);
COVERAGE_DEFINE(rule_set_reused);
COVERAGE_DEFINE(rule_set_stale);

/* An entry of a set's index by rule UUID. */
struct rule_set_node {
    struct hmap_node hmap_node; /* In 'by_uuid', by uuid_hash(). */
    const struct plan_rule *rule;
};

/* Stamps. */

/* Returns the stamp of IDL row 'row'. */
static struct rule_set_stamp
stamp_of(const struct ovsdb_idl_row *row)
{
    return (struct rule_set_stamp) { .row = row, .uuid = row->uuid };
}

/* True if 'row' is the row 'stamp' recorded. */
static bool
stamp_is_row(const struct rule_set_stamp *stamp,
             const struct ovsdb_idl_row *row)
{
    return stamp->row == row && uuid_equals(&stamp->uuid, &row->uuid);
}

/* True if 'set' was built from 'filter' and its rules as they are now:
 * not marked stale, and from the same rows. */
static bool
set_is_current(const struct rule_set *set, const struct tmrec_filter *filter)
{
    if (set->stale || !stamp_is_row(&set->filter_stamp, &filter->header_)
        || set->n_rule_stamps != filter->n_rules) {
        return false;
    }
    for (size_t i = 0; i < filter->n_rules; i++) {
        if (!stamp_is_row(&set->rule_stamps[i], &filter->rules[i]->header_)) {
            return false;
        }
    }
    return true;
}

/* Rules. */

/* Fills 'dst' with copies of 'src''s strings. */
static void
rule_copy(struct tm_rule *dst, const struct tm_rule *src)
{
    *dst = *src;
    dst->direction = nullable_xstrdup(src->direction);
    dst->action = nullable_xstrdup(src->action);
    dst->source_cidr = (src->source_cidr && src->source_cidr[0]
                        ? xstrdup(src->source_cidr) : NULL);
    dst->destination_cidr = (src->destination_cidr
                             && src->destination_cidr[0]
                             ? xstrdup(src->destination_cidr) : NULL);
    dst->vlan = src->vlan && src->vlan[0] ? xstrdup(src->vlan) : NULL;
}

/* Frees the strings of 'r'. */
static void
rule_free(struct tm_rule *r)
{
    free(CONST_CAST(char *, r->direction));
    free(CONST_CAST(char *, r->action));
    free(CONST_CAST(char *, r->source_cidr));
    free(CONST_CAST(char *, r->destination_cidr));
    free(CONST_CAST(char *, r->vlan));
}

/* True if 'a' and 'b' have the same values. */
bool
rule_equal(const struct tm_rule *a, const struct tm_rule *b)
{
    return (nullable_string_is_equal(a->direction, b->direction)
            && nullable_string_is_equal(a->action, b->action)
            && a->rule_number == b->rule_number
            && a->has_protocol == b->has_protocol
            && a->protocol == b->protocol
            && nullable_string_is_equal(a->source_cidr, b->source_cidr)
            && nullable_string_is_equal(a->destination_cidr,
                                        b->destination_cidr)
            && a->has_source_port_from == b->has_source_port_from
            && a->has_source_port_to == b->has_source_port_to
            && a->source_port_from == b->source_port_from
            && a->source_port_to == b->source_port_to
            && a->has_destination_port_from == b->has_destination_port_from
            && a->has_destination_port_to == b->has_destination_port_to
            && a->destination_port_from == b->destination_port_from
            && a->destination_port_to == b->destination_port_to
            && nullable_string_is_equal(a->vlan, b->vlan));
}

/* qsort() comparator: rules by direction, then number. */
static int
compare_plan_rules(const void *a_, const void *b_)
{
    const struct plan_rule *a = a_, *b = b_;
    int cmp = strcmp(a->rule.direction, b->rule.direction);
    return (cmp ? cmp
            : a->rule.rule_number < b->rule.rule_number ? -1
            : a->rule.rule_number > b->rule.rule_number);
}

/* Sets. */

/* Copies, sorts and indexes the rules of 'filter' (already checked) into
 * 'set'. */
static void
set_collect(struct rule_set *set, const struct tmrec_filter *filter)
{
    set->rules = xcalloc(filter->n_rules ? filter->n_rules : 1,
                         sizeof *set->rules);
    for (size_t i = 0; i < filter->n_rules; i++) {
        const struct tmrec_filter_rule *r = filter->rules[i];
        struct tm_rule view;
        tm_rule_from_row(r, &view);
        struct plan_rule *pr = &set->rules[set->n_rules++];
        pr->uuid = r->header_.uuid;
        rule_copy(&pr->rule, &view);
    }
    qsort(set->rules, set->n_rules, sizeof *set->rules, compare_plan_rules);

    hmap_reserve(&set->by_uuid, set->n_rules);
    for (size_t i = 0; i < set->n_rules; i++) {
        const struct plan_rule *pr = &set->rules[i];
        struct rule_set_node *node = xmalloc(sizeof *node);
        node->rule = pr;
        hmap_insert(&set->by_uuid, &node->hmap_node, uuid_hash(&pr->uuid));
        if (!strcmp(pr->rule.direction, "egress")) {
            set->wants_egress = true;
        } else {
            set->wants_ingress = true;
        }
    }
}

/* Builds the rule set of 'filter'.  An invalid rule (for example one
 * written by another tool) or a rule number used twice in a direction makes
 * the set an error: mirroring with part of an operator's filter would copy
 * the wrong packets. */
static struct rule_set *
set_build(const struct tmrec_filter *filter)
{
    COVERAGE_INC(rule_set_built);
    struct rule_set *set = xzalloc(sizeof *set);
    set->ref_cnt = 1;
    set->filter = filter->header_.uuid;
    hmap_init(&set->by_uuid);
    set->filter_stamp = stamp_of(&filter->header_);
    set->n_rule_stamps = filter->n_rules;
    set->rule_stamps = xcalloc(filter->n_rules ? filter->n_rules : 1,
                               sizeof *set->rule_stamps);
    for (size_t i = 0; i < filter->n_rules; i++) {
        set->rule_stamps[i] = stamp_of(&filter->rules[i]->header_);
    }

    set->error = tm_intent_check_rules(filter, NULL, NULL);
    if (!set->error) {
        set_collect(set, filter);
    }
    return set;
}

/* Frees 'set'. */
static void
set_free(struct rule_set *set)
{
    struct rule_set_node *node;
    HMAP_FOR_EACH_POP (node, hmap_node, &set->by_uuid) {
        free(node);
    }
    hmap_destroy(&set->by_uuid);
    for (size_t i = 0; i < set->n_rules; i++) {
        rule_free(&set->rules[i].rule);
    }
    free(set->rules);
    free(set->rule_stamps);
    free(set->error);
    free(set);
}

/* Returns a new reference to 'set'. */
struct rule_set *
rule_set_ref(struct rule_set *set)
{
    set->ref_cnt++;
    return set;
}

/* Drops a reference to 'set' (may be NULL), freeing it with the last. */
void
rule_set_unref(struct rule_set *set)
{
    if (set && !--set->ref_cnt) {
        set_free(set);
    }
}

/* True if 'set' was built from a Filter_Rule row with UUID 'rule' (valid or
 * not). */
bool
rule_set_has_row(const struct rule_set *set, const struct uuid *rule)
{
    for (size_t i = 0; i < set->n_rule_stamps; i++) {
        if (uuid_equals(&set->rule_stamps[i].uuid, rule)) {
            return true;
        }
    }
    return false;
}

/* Returns the rule of 'set' with 'uuid', or NULL. */
const struct plan_rule *
rule_set_find(const struct rule_set *set, const struct uuid *uuid)
{
    const struct rule_set_node *node;
    HMAP_FOR_EACH_WITH_HASH (node, hmap_node, uuid_hash(uuid),
                             &set->by_uuid) {
        if (uuid_equals(&node->rule->uuid, uuid)) {
            return node->rule;
        }
    }
    return NULL;
}

/* The cache. */

/* Initializes an empty cache. */
void
rule_set_cache_init(struct rule_set_cache *cache)
{
    hmap_init(&cache->sets);
}

/* Drops the cache's references (plans keep theirs). */
void
rule_set_cache_destroy(struct rule_set_cache *cache)
{
    struct rule_set *set;
    HMAP_FOR_EACH_POP (set, hmap_node, &cache->sets) {
        rule_set_unref(set);
    }
    hmap_destroy(&cache->sets);
}

/* Drops the sets that only the cache still holds: their filters are no
 * longer used by any plan. */
void
rule_set_cache_sweep(struct rule_set_cache *cache)
{
    struct rule_set *set;
    HMAP_FOR_EACH_SAFE (set, hmap_node, &cache->sets) {
        if (set->ref_cnt == 1) {
            hmap_remove(&cache->sets, &set->hmap_node);
            rule_set_unref(set);
        }
    }
}

/* Returns the cache's set for 'uuid', current or not, or NULL. */
static struct rule_set *
cache_find(const struct rule_set_cache *cache, const struct uuid *uuid)
{
    struct rule_set *set;
    HMAP_FOR_EACH_WITH_HASH (set, hmap_node, uuid_hash(uuid), &cache->sets) {
        if (uuid_equals(&set->filter, uuid)) {
            return set;
        }
    }
    return NULL;
}

/* Marks stale the sets of 'cache' built from a Filter or Filter_Rule row
 * that 'idl' tracks as inserted, modified or deleted.  Called before
 * planning, while the IDL still tracks the changes: once it forgets them
 * it resets the rows' change sequence numbers, and a set built before the
 * change would look current again.  A stale set stays in the cache (it
 * still maps its rules to its filter) until rule_set_get() replaces it or
 * rule_set_cache_sweep() drops it. */
void
rule_set_cache_note_changes(struct rule_set_cache *cache,
                            const struct ovsdb_idl *idl)
{
    if (hmap_is_empty(&cache->sets)) {
        return;
    }
    const struct tmrec_filter *f;
    TMREC_FILTER_FOR_EACH_TRACKED (f, idl) {
        struct rule_set *set = cache_find(cache, &f->header_.uuid);
        if (set && !set->stale) {
            COVERAGE_INC(rule_set_stale);
            set->stale = true;
        }
    }
    const struct tmrec_filter_rule *r;
    TMREC_FILTER_RULE_FOR_EACH_TRACKED (r, idl) {
        struct rule_set *set;
        HMAP_FOR_EACH (set, hmap_node, &cache->sets) {
            if (!set->stale && rule_set_has_row(set, &r->header_.uuid)) {
                COVERAGE_INC(rule_set_stale);
                set->stale = true;
            }
        }
    }
}

/* Returns a new reference to the rule set of 'filter'.  See rule-set.h. */
struct rule_set *
rule_set_get(struct rule_set_cache *cache, const struct tmrec_filter *filter)
{
    if (!cache) {
        return set_build(filter);
    }
    struct rule_set *set = cache_find(cache, &filter->header_.uuid);
    if (set && set_is_current(set, filter)) {
        COVERAGE_INC(rule_set_reused);
        return rule_set_ref(set);
    }
    if (set) {
        hmap_remove(&cache->sets, &set->hmap_node);
        rule_set_unref(set);
    }
    set = set_build(filter);
    hmap_insert(&cache->sets, &set->hmap_node, uuid_hash(&set->filter));
    return rule_set_ref(set);
}
