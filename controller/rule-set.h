/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_RULE_SET_H
#define TMIRROR_RULE_SET_H 1

/* The validated rules of one Filter row, sorted by (direction,
 * rule_number), shared by every session plan that uses the filter.
 *
 * A filter is typically shared by many sessions (one per source), and a
 * change to one of its rules replans all of them.  Validating, copying and
 * sorting the filter's rules once per session made a rule edit cost
 * sessions x rules; the cache builds a set once per filter and keeps it
 * until the Filter row or one of its Filter_Rule rows changes, so that the
 * sessions of a filter share one set, and two plans with the same set have
 * the same rules without comparing them.
 *
 * What changed is what the IDL tracks: the planner marks stale, once per
 * engine run and before it plans, every set built from a Filter or
 * Filter_Rule row that the IDL tracks as inserted, modified or deleted
 * (rule_set_cache_note_changes()).  (A row's change sequence numbers
 * cannot say it: the IDL resets them when it forgets what it tracked.)  A
 * set also records which rows it was built from, which maps a rule to its
 * filters and catches a filter whose rows are other ones.
 *
 * A set is immutable once built and reference counted: a plan keeps the
 * set it was made with after the cache has moved on to a newer one. */

#include <stdbool.h>
#include <stddef.h>
#include "openvswitch/hmap.h"
#include "openvswitch/uuid.h"
#include "tmirror/validate.h"

struct ovsdb_idl;
struct tmrec_filter;

/* One validated rule. */
struct plan_rule {
    struct uuid uuid;
    struct tm_rule rule;        /* Its strings are owned (by the set). */
};

/* A row a set was built from. */
struct rule_set_stamp {
    const void *row;            /* The IDL row (compared, never read). */
    struct uuid uuid;           /* Against a row freed and another one
                                 * allocated at the same address. */
};

struct rule_set {
    int ref_cnt;
    struct hmap_node hmap_node; /* In a cache, by uuid_hash(&filter). */
    struct uuid filter;
    char *error;                /* Why the rules cannot be used, or NULL. */
    struct plan_rule *rules;    /* Sorted by (direction, rule_number). */
    size_t n_rules;
    bool wants_egress, wants_ingress;
    struct hmap by_uuid;        /* "struct rule_set_node"s: 'rules' by
                                 * UUID. */

    /* The rows it was built from, for telling whether it is still
     * current. */
    struct rule_set_stamp filter_stamp;
    struct rule_set_stamp *rule_stamps;    /* In the filter's order. */
    size_t n_rule_stamps;
    bool stale;                 /* One of those rows changed since. */
};

struct rule_set_cache {
    struct hmap sets;           /* Contains "struct rule_set"s. */
};

void rule_set_cache_init(struct rule_set_cache *);
void rule_set_cache_destroy(struct rule_set_cache *);
void rule_set_cache_sweep(struct rule_set_cache *);
void rule_set_cache_note_changes(struct rule_set_cache *,
                                 const struct ovsdb_idl *);

/* Returns a new reference to the rule set of 'filter': the cached one if it
 * is current, else one built now (and cached, if 'cache' is nonnull). */
struct rule_set *rule_set_get(struct rule_set_cache *cache,
                              const struct tmrec_filter *filter);
struct rule_set *rule_set_ref(struct rule_set *);
void rule_set_unref(struct rule_set *);

bool rule_set_has_row(const struct rule_set *, const struct uuid *rule);
const struct plan_rule *rule_set_find(const struct rule_set *,
                                      const struct uuid *rule);
bool rule_equal(const struct tm_rule *, const struct tm_rule *);

#endif /* rule-set.h */
