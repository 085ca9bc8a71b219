/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Lookups of related rows for the checks, by IDL indexes or by passes over
 * the IDL.  See include/tmirror/intent-lookup.h. */

#include <config.h>

#include "tmirror/intent-lookup.h"

#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "ovsdb-idl-provider.h"
#include "ovsdb-idl.h"
#include "tmirror-idl.h"
#include "tmirror/row-demand.h"
#include "tmirror/validate.h"
#include "util.h"
#include "uuid.h"

/* The lookups: the IDL, its indexes (all NULL without indexes), and the
 * demand that lookups add their questions to (NULL when the IDL monitors
 * whole tables). */
struct tm_intent_lookup {
    const struct ovsdb_idl *idl;
    struct tm_row_demand *demand;
    bool defer_unique;          /* Leave database-enforced uniqueness? */
    unsigned int n_deferred;    /* Uniqueness checks left to the server. */
    struct ovsdb_idl_index *filter_by_name;
    struct ovsdb_idl_index *target_by_name;
    struct ovsdb_idl_index *session_by_name;
    struct ovsdb_idl_index *session_by_number;  /* source, session_number */
    struct ovsdb_idl_index *session_by_vni;
    struct ovsdb_idl_index *session_by_target;
};

/* Creates the lookups.  See intent-lookup.h. */
struct tm_intent_lookup *
tm_intent_lookup_create(struct ovsdb_idl *idl, bool use_indexes)
{
    struct tm_intent_lookup *lk = xzalloc(sizeof *lk);
    lk->idl = idl;
    if (use_indexes) {
        lk->filter_by_name = ovsdb_idl_index_create1(
            idl, &tmrec_filter_col_name);
        lk->target_by_name = ovsdb_idl_index_create1(
            idl, &tmrec_target_col_name);
        lk->session_by_name = ovsdb_idl_index_create1(
            idl, &tmrec_session_col_name);
        lk->session_by_number = ovsdb_idl_index_create2(
            idl, &tmrec_session_col_source,
            &tmrec_session_col_session_number);
        lk->session_by_vni = ovsdb_idl_index_create1(
            idl, &tmrec_session_col_vni);
        lk->session_by_target = ovsdb_idl_index_create1(
            idl, &tmrec_session_col_target);
    }
    return lk;
}

/* Frees 'lk' (the indexes belong to the IDL). */
void
tm_intent_lookup_destroy(struct tm_intent_lookup *lk)
{
    free(lk);
}

/* Makes the lookups of 'lk' ask 'demand' for the rows that answer them.
 * See intent-lookup.h. */
void
tm_intent_lookup_set_demand(struct tm_intent_lookup *lk,
                            struct tm_row_demand *demand)
{
    ovs_assert(!lk->filter_by_name);
    lk->demand = demand;
}

/* Makes the checks leave, or not, the uniqueness that the database enforces
 * to the server.  See intent-lookup.h. */
void
tm_intent_lookup_set_defer_unique(struct tm_intent_lookup *lk, bool defer)
{
    lk->defer_unique = defer;
    lk->n_deferred = 0;
}

/* Returns true if the caller, a uniqueness check that the database
 * enforces, should be left to the server; counts it. */
bool
tm_intent_lookup_defer_unique(const struct tm_intent_lookup *lk_)
{
    struct tm_intent_lookup *lk = CONST_CAST(struct tm_intent_lookup *, lk_);
    if (lk->defer_unique) {
        lk->n_deferred++;
    }
    return lk->defer_unique;
}

/* Returns how many uniqueness checks were left to the server since the last
 * tm_intent_lookup_set_defer_unique(), and forgets them. */
unsigned int
tm_intent_lookup_take_deferred(struct tm_intent_lookup *lk)
{
    unsigned int n = lk->n_deferred;
    lk->n_deferred = 0;
    return n;
}

/* Returns true if 'row' exists in the database, not only in the open
 * transaction: only such a row can be referenced by rows not yet fetched.
 * (A row the transaction inserts gets a new UUID at each round, so a
 * question about it would never be answered.) */
static bool
is_committed(const struct ovsdb_idl_row *row)
{
    return row->old_datum != NULL;
}

/* Returns the IDL that 'lk' searches. */
const struct ovsdb_idl *
tm_intent_lookup_idl(const struct tm_intent_lookup *lk)
{
    return lk->idl;
}

/* Returns true if 'row' should replace 'best' as the answer to a lookup by
 * name: the lowest UUID wins. */
static bool
better_by_uuid(const struct ovsdb_idl_row *row,
               const struct ovsdb_idl_row *best)
{
    return !best || uuid_compare_3way(&row->uuid, &best->uuid) < 0;
}

/* Returns true if session 'row' should replace 'best': the lowest name
 * wins. */
static bool
better_by_name(const struct tmrec_session *row,
               const struct tmrec_session *best)
{
    return !best || strcmp(row->name, best->name) < 0;
}

/* Returns the filter named 'name' other than 'except', or NULL. */
const struct tmrec_filter *
tm_intent_lookup_filter(const struct tm_intent_lookup *lk, const char *name,
                        const struct tmrec_filter *except)
{
    const struct tmrec_filter *f, *found = NULL;
    if (lk->filter_by_name) {
        struct tmrec_filter *key = tmrec_filter_index_init_row(
            lk->filter_by_name);
        tmrec_filter_index_set_name(key, name);
        TMREC_FILTER_FOR_EACH_EQUAL (f, key, lk->filter_by_name) {
            if (f != except && better_by_uuid(&f->header_,
                                              found ? &found->header_
                                                    : NULL)) {
                found = f;
            }
        }
        tmrec_filter_index_destroy_row(key);
    } else {
        if (lk->demand) {
            tm_row_demand_string(lk->demand, &tmrec_filter_col_name, name);
        }
        TMREC_FILTER_FOR_EACH (f, lk->idl) {
            if (f != except && !strcmp(f->name, name)
                && better_by_uuid(&f->header_,
                                  found ? &found->header_ : NULL)) {
                found = f;
            }
        }
    }
    return found;
}

/* Returns the target named 'name' other than 'except', or NULL. */
const struct tmrec_target *
tm_intent_lookup_target(const struct tm_intent_lookup *lk, const char *name,
                        const struct tmrec_target *except)
{
    const struct tmrec_target *t, *found = NULL;
    if (lk->target_by_name) {
        struct tmrec_target *key = tmrec_target_index_init_row(
            lk->target_by_name);
        tmrec_target_index_set_name(key, name);
        TMREC_TARGET_FOR_EACH_EQUAL (t, key, lk->target_by_name) {
            if (t != except && better_by_uuid(&t->header_,
                                              found ? &found->header_
                                                    : NULL)) {
                found = t;
            }
        }
        tmrec_target_index_destroy_row(key);
    } else {
        if (lk->demand) {
            tm_row_demand_string(lk->demand, &tmrec_target_col_name, name);
        }
        TMREC_TARGET_FOR_EACH (t, lk->idl) {
            if (t != except && !strcmp(t->name, name)
                && better_by_uuid(&t->header_,
                                  found ? &found->header_ : NULL)) {
                found = t;
            }
        }
    }
    return found;
}

/* Returns the best session equal to 'key' in 'index' other than 'except',
 * by UUID if 'by_uuid', else by name. */
static const struct tmrec_session *
find_equal_session(struct ovsdb_idl_index *index,
                   const struct tmrec_session *key,
                   const struct tmrec_session *except, bool by_uuid)
{
    const struct tmrec_session *s, *found = NULL;
    TMREC_SESSION_FOR_EACH_EQUAL (s, key, index) {
        if (s != except
            && (by_uuid
                ? better_by_uuid(&s->header_, found ? &found->header_ : NULL)
                : better_by_name(s, found))) {
            found = s;
        }
    }
    return found;
}

/* Returns the session named 'name' other than 'except', or NULL. */
const struct tmrec_session *
tm_intent_lookup_session(const struct tm_intent_lookup *lk, const char *name,
                         const struct tmrec_session *except)
{
    const struct tmrec_session *s, *found = NULL;
    if (lk->session_by_name) {
        struct tmrec_session *key = tmrec_session_index_init_row(
            lk->session_by_name);
        tmrec_session_index_set_name(key, name);
        found = find_equal_session(lk->session_by_name, key, except, true);
        tmrec_session_index_destroy_row(key);
    } else {
        if (lk->demand) {
            tm_row_demand_string(lk->demand, &tmrec_session_col_name, name);
        }
        TMREC_SESSION_FOR_EACH (s, lk->idl) {
            if (s != except && !strcmp(s->name, name)
                && better_by_uuid(&s->header_,
                                  found ? &found->header_ : NULL)) {
                found = s;
            }
        }
    }
    return found;
}

/* Returns the session other than 'except' with ('source', 'number'). */
const struct tmrec_session *
tm_intent_lookup_session_by_number(const struct tm_intent_lookup *lk,
                                   const char *source, int64_t number,
                                   const struct tmrec_session *except)
{
    const struct tmrec_session *s, *found = NULL;
    if (lk->session_by_number) {
        struct tmrec_session *key = tmrec_session_index_init_row(
            lk->session_by_number);
        tmrec_session_index_set_source(key, source);
        tmrec_session_index_set_session_number(key, number);
        found = find_equal_session(lk->session_by_number, key, except,
                                   false);
        tmrec_session_index_destroy_row(key);
    } else {
        /* A clause holds one column: all the sessions of 'source'. */
        if (lk->demand) {
            tm_row_demand_string(lk->demand, &tmrec_session_col_source,
                                 source);
        }
        TMREC_SESSION_FOR_EACH (s, lk->idl) {
            if (s != except && s->session_number == number
                && !strcmp(s->source, source) && better_by_name(s, found)) {
                found = s;
            }
        }
    }
    return found;
}

/* Returns the session other than 'except' with 'vni'. */
const struct tmrec_session *
tm_intent_lookup_session_by_vni(const struct tm_intent_lookup *lk,
                                int64_t vni,
                                const struct tmrec_session *except)
{
    const struct tmrec_session *s, *found = NULL;
    if (lk->session_by_vni) {
        struct tmrec_session *key = tmrec_session_index_init_row(
            lk->session_by_vni);
        tmrec_session_index_set_vni(key, vni);
        found = find_equal_session(lk->session_by_vni, key, except, false);
        tmrec_session_index_destroy_row(key);
    } else {
        if (lk->demand) {
            tm_row_demand_integer(lk->demand, &tmrec_session_col_vni,
                                  OVSDB_F_EQ, vni);
        }
        TMREC_SESSION_FOR_EACH (s, lk->idl) {
            if (s != except && s->vni == vni && better_by_name(s, found)) {
                found = s;
            }
        }
    }
    return found;
}

/* Calls 'cb' for every session of 'target'. */
void
tm_intent_lookup_target_sessions(
    const struct tm_intent_lookup *lk, const struct tmrec_target *target,
    void (*cb)(const struct tmrec_session *, void *aux), void *aux)
{
    const struct tmrec_session *s;
    if (lk->session_by_target) {
        struct tmrec_session *key = tmrec_session_index_init_row(
            lk->session_by_target);
        tmrec_session_index_set_target(key, target);
        TMREC_SESSION_FOR_EACH_EQUAL (s, key, lk->session_by_target) {
            cb(s, aux);
        }
        tmrec_session_index_destroy_row(key);
    } else {
        if (lk->demand && is_committed(&target->header_)) {
            tm_row_demand_uuid(lk->demand, &tmrec_table_session,
                               &tmrec_session_col_target, OVSDB_F_EQ,
                               &target->header_.uuid);
        }
        TMREC_SESSION_FOR_EACH (s, lk->idl) {
            if (s->target == target) {
                cb(s, aux);
            }
        }
    }
}

/* tm_intent_lookup_target_sessions() callback for tm_intent_lookup_user():
 * keeps the session of lowest name in '*best_'. */
static void
keep_lowest_name(const struct tmrec_session *s, void *best_)
{
    const struct tmrec_session **best = best_;
    if (better_by_name(s, *best)) {
        *best = s;
    }
}

/* Calls 'cb' for every session of 'filter'.  There is no index by filter:
 * only deleting or showing a filter asks. */
void
tm_intent_lookup_filter_sessions(
    const struct tm_intent_lookup *lk, const struct tmrec_filter *filter,
    void (*cb)(const struct tmrec_session *, void *aux), void *aux)
{
    const struct tmrec_session *s;
    if (lk->demand && is_committed(&filter->header_)) {
        tm_row_demand_uuid(lk->demand, &tmrec_table_session,
                           &tmrec_session_col_filter, OVSDB_F_EQ,
                           &filter->header_.uuid);
    }
    TMREC_SESSION_FOR_EACH (s, lk->idl) {
        if (s->filter == filter) {
            cb(s, aux);
        }
    }
}

/* Returns the session of lowest name that uses 'filter' or 'target'. */
const struct tmrec_session *
tm_intent_lookup_user(const struct tm_intent_lookup *lk,
                      const struct tmrec_filter *filter,
                      const struct tmrec_target *target)
{
    const struct tmrec_session *found = NULL;
    if (target) {
        tm_intent_lookup_target_sessions(lk, target, keep_lowest_name,
                                         &found);
    }
    if (filter) {
        tm_intent_lookup_filter_sessions(lk, filter, keep_lowest_name,
                                         &found);
    }
    return found;
}

/* Asks for the rows that 'row' (a Session or a Filter) references and that
 * the IDL does not hold: its target and filter, or its rules. */
static void
demand_refs_of(const struct tm_intent_lookup *lk,
               const struct ovsdb_idl_table_class *dst,
               const struct ovsdb_datum *datum)
{
    for (size_t i = 0; i < datum->n; i++) {
        const struct uuid *uuid = &datum->keys[i].uuid;
        const struct ovsdb_idl_row *row
            = ovsdb_idl_get_row_for_uuid(lk->idl, dst, uuid);
        /* A row that the IDL knows only as the destination of a reference
         * (an "orphan") has no data. */
        if (!row || (!row->old_datum && !row->new_datum)) {
            tm_row_demand_uuid(lk->demand, dst, NULL, OVSDB_F_EQ, uuid);
        }
    }
}

/* Asks for the referenced rows that the IDL lacks.  See intent-lookup.h. */
void
tm_intent_lookup_demand_refs(const struct tm_intent_lookup *lk)
{
    const struct tmrec_session *s;
    const struct tmrec_filter *f;

    if (!lk->demand) {
        return;
    }
    TMREC_SESSION_FOR_EACH (s, lk->idl) {
        if (!s->target) {
            demand_refs_of(lk, &tmrec_table_target,
                           tmrec_session_get_target(s, OVSDB_TYPE_UUID));
        }
        if (!s->filter) {
            demand_refs_of(lk, &tmrec_table_filter,
                           tmrec_session_get_filter(s, OVSDB_TYPE_UUID));
        }
    }
    TMREC_FILTER_FOR_EACH (f, lk->idl) {
        const struct ovsdb_datum *rules
            = tmrec_filter_get_rules(f, OVSDB_TYPE_UUID);
        if (rules->n != f->n_rules) {
            demand_refs_of(lk, &tmrec_table_filter_rule, rules);
        }
    }
}

/* Asks for the filters that hold 'rule'.  See intent-lookup.h. */
void
tm_intent_lookup_demand_rule_holders(const struct tm_intent_lookup *lk,
                                     const struct tmrec_filter_rule *rule)
{
    if (lk->demand && is_committed(&rule->header_)) {
        tm_row_demand_uuid(lk->demand, &tmrec_table_filter,
                           &tmrec_filter_col_rules, OVSDB_F_INCLUDES,
                           &rule->header_.uuid);
    }
}

/* Whether VNIs are in use: the lookups, and without indexes a bitmap of
 * the VNIs in use (up to 'max'), made on the first question. */
struct tm_vni_probe {
    const struct tm_intent_lookup *lk;
    int64_t max;
    unsigned long *used;        /* NULL until the first question. */
    unsigned int n_asked;       /* Questions so far. */
};

/* With a demand, the first questions of a probe ask for the sessions of
 * each VNI; later ones (a crowded range), for every session in the range.
 * tm_vni_choose() tries TM_VNI_N_RANDOM random values first. */
#define VNI_PROBE_SINGLE TM_VNI_N_RANDOM

/* Creates a probe.  See intent-lookup.h. */
struct tm_vni_probe *
tm_intent_lookup_vni_probe(const struct tm_intent_lookup *lk, bool erspan)
{
    struct tm_vni_probe *probe = xzalloc(sizeof *probe);
    probe->lk = lk;
    probe->max = erspan ? TM_ERSPAN_VNI_MAX : TM_VNI_MAX;
    return probe;
}

/* Returns true if a session has 'vni'.  (The probe is const for
 * tm_vni_choose(); its bitmap is a cache.) */
bool
tm_vni_probe_is_used(int64_t vni, const void *probe_)
{
    struct tm_vni_probe *probe = CONST_CAST(struct tm_vni_probe *, probe_);
    const struct tm_intent_lookup *lk = probe->lk;

    if (lk->session_by_vni) {
        return tm_intent_lookup_session_by_vni(lk, vni, NULL) != NULL;
    }
    if (lk->demand && !probe->used) {
        if (probe->max > TM_ERSPAN_VNI_MAX
            && probe->n_asked++ < VNI_PROBE_SINGLE) {
            return tm_intent_lookup_session_by_vni(lk, vni, NULL) != NULL;
        }
        tm_row_demand_integer(lk->demand, &tmrec_session_col_vni, OVSDB_F_LE,
                              probe->max);
    }
    if (!probe->used) {
        const struct tmrec_session *s;
        probe->used = bitmap_allocate(probe->max + 1);
        TMREC_SESSION_FOR_EACH (s, lk->idl) {
            if (s->vni >= 0 && s->vni <= probe->max) {
                bitmap_set1(probe->used, s->vni);
            }
        }
    }
    return vni >= 0 && vni <= probe->max && bitmap_is_set(probe->used, vni);
}

/* Frees 'probe'. */
void
tm_vni_probe_destroy(struct tm_vni_probe *probe)
{
    if (probe) {
        bitmap_free(probe->used);
        free(probe);
    }
}
