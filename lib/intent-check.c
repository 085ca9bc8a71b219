/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The row-scoped cross-row checks of the intent.  See
 * include/tmirror/intent-check.h for the rules and the contract. */

#include <config.h>

#include "tmirror/intent-check.h"

#include <stdlib.h>
#include <string.h>

#include "hmapx.h"
#include "ovsdb-data.h"
#include "ovsdb-idl-provider.h"
#include "tmirror-idl.h"
#include "tmirror/intent-rows.h"
#include "tmirror/validate.h"
#include "util.h"
#include "uuid.h"

/* ------------------------------------------------------------------------ */
/* Checks of one row. */

/* Returns "LABEL: FIELD: VALUE is used by more than one KIND" for a row of
 * 'kind' whose name another row of its table has. */
static char *
duplicate_name(const char *kind, const char *name, const struct uuid *uuid)
{
    char *label = tm_row_label(kind, name, uuid);
    char *msg = xasprintf("%s: name: %s is used by more than one %s", label,
                          name, kind);
    free(label);
    return msg;
}

/* Checks a touched filter's own values and that no other filter has its
 * name. */
char *
tm_intent_check_filter(const struct tm_intent_lookup *lk,
                       const struct tmrec_filter *filter)
{
    char *error = tm_filter_row_check(filter);
    if (!error && lk && !tm_intent_lookup_defer_unique(lk)
        && tm_intent_lookup_filter(lk, filter->name, filter)) {
        error = duplicate_name("filter", filter->name,
                               &filter->header_.uuid);
    }
    return error;
}

/* Checks the rules of 'filter' that 'is_touched' selects.  See
 * intent-check.h. */
char *
tm_intent_check_rules(
    const struct tmrec_filter *filter,
    bool (*is_touched)(const struct tmrec_filter_rule *, const void *aux),
    const void *aux)
{
    const struct tmrec_filter_rule **rules = tm_filter_sorted_rules(filter);
    size_t n = filter->n_rules;
    char *error = NULL;

    for (size_t i = 0; i < n && !error; i++) {
        if (!is_touched || is_touched(rules[i], aux)) {
            error = tm_rule_row_check(filter->name, rules[i]);
        }
    }
    for (size_t i = 1; i < n && !error; i++) {
        if (!tm_rule_compare(&rules[i], &rules[i - 1])
            && (!is_touched || is_touched(rules[i], aux)
                || is_touched(rules[i - 1], aux))) {
            char *label = tm_row_label("filter", filter->name,
                                       &filter->header_.uuid);
            error = xasprintf("%s: rule_number: %s %"PRId64" is used by "
                              "more than one rule", label,
                              rules[i]->direction, rules[i]->rule_number);
            free(label);
        }
    }
    free(rules);
    return error;
}

/* tm_intent_lookup_target_sessions() callback: keeps in '*bad_' the
 * session of lowest name whose VNI is too large for ERSPAN. */
static void
keep_erspan_misfit(const struct tmrec_session *s, void *bad_)
{
    const struct tmrec_session **bad = bad_;
    if (s->vni > TM_ERSPAN_VNI_MAX
        && (!*bad || strcmp(s->name, (*bad)->name) < 0)) {
        *bad = s;
    }
}

/* Returns the message for the sessions of an erspan target 'target' that
 * have a VNI above 1023 (the one of lowest name), or NULL. */
static char *
check_target_sessions(const struct tm_intent_lookup *lk,
                      const struct tmrec_target *target)
{
    const struct tmrec_session *bad = NULL;
    if (tm_target_is_erspan(target)) {
        tm_intent_lookup_target_sessions(lk, target, keep_erspan_misfit,
                                         &bad);
    }
    if (!bad) {
        return NULL;
    }

    char *label = tm_row_label("target", target->name,
                               &target->header_.uuid);
    char *msg = xasprintf("%s: encap: erspan needs sessions with a VNI of at "
                          "most %d (the ERSPAN session id has 10 bits), but "
                          "session %s has vni %"PRId64, label,
                          TM_ERSPAN_VNI_MAX, bad->name, bad->vni);
    free(label);
    return msg;
}

/* Checks a touched target's own values, that no other target has its name,
 * and that the sessions that use it suit it. */
char *
tm_intent_check_target(const struct tm_intent_lookup *lk,
                       const struct tmrec_target *target)
{
    char *error = tm_target_row_check(target);
    if (error || !lk) {
        return error;
    }
    if (!tm_intent_lookup_defer_unique(lk)
        && tm_intent_lookup_target(lk, target->name, target)) {
        return duplicate_name("target", target->name, &target->header_.uuid);
    }
    return check_target_sessions(lk, target);
}

/* Checks that no session other than 'session' has its name, its (source,
 * session_number) or its VNI. */
static char *
check_session_unique(const struct tm_intent_lookup *lk,
                     const struct tmrec_session *session)
{
    const struct tmrec_session *other;

    if (tm_intent_lookup_defer_unique(lk)) {
        return NULL;
    }
    if (tm_intent_lookup_session(lk, session->name, session)) {
        return duplicate_name("session", session->name,
                              &session->header_.uuid);
    }
    other = tm_intent_lookup_session_by_number(lk, session->source,
                                               session->session_number,
                                               session);
    if (other) {
        return xasprintf("session %s: session_number: %"PRId64" is already "
                         "used by session %s for source %s", session->name,
                         session->session_number, other->name,
                         session->source);
    }
    other = tm_intent_lookup_session_by_vni(lk, session->vni, session);
    if (other) {
        return xasprintf("session %s: vni: %"PRId64" is already used by "
                         "session %s", session->name, session->vni,
                         other->name);
    }
    return NULL;
}

/* Checks a touched session's own values, against its target, and that no
 * other session has its name, (source, session_number) or VNI. */
char *
tm_intent_check_session(const struct tm_intent_lookup *lk,
                        const struct tmrec_session *session)
{
    char *error = tm_session_row_check(session);
    return error || !lk ? error : check_session_unique(lk, session);
}

/* Checks a session, its target, its filter and the filter's rules. */
char *
tm_intent_check_session_deep(const struct tmrec_session *session)
{
    char *error = tm_session_row_check(session);
    if (!error) {
        error = tm_target_row_check(session->target);
    }
    if (!error) {
        error = tm_filter_row_check(session->filter);
    }
    if (!error) {
        error = tm_intent_check_rules(session->filter, NULL, NULL);
    }
    return error;
}

/* ------------------------------------------------------------------------ */
/* Checks of a transaction. */

/* Returns true if the open transaction inserts or modifies 'row'.
 * ovsdb-idl.h has no call that lists a transaction's rows; the provider's
 * row says it: a row that a transaction inserts has no committed data
 * ('old_datum'), one that it modifies has its own copy ('new_datum'). */
static bool
row_is_touched(const struct ovsdb_idl_row *row)
{
    return row->new_datum != row->old_datum;
}

/* Returns true if the open transaction adds 'rule' to 'filter_' (a
 * tmrec_filter) or modifies it. */
static bool
rule_is_touched_in(const struct tmrec_filter_rule *rule, const void *filter_)
{
    const struct tmrec_filter *filter = filter_;
    const struct ovsdb_idl_row *row = &filter->header_;

    if (row_is_touched(&rule->header_) || !row->old_datum) {
        return true;
    }
    union ovsdb_atom atom = { .uuid = rule->header_.uuid };
    unsigned int pos;
    return !ovsdb_datum_find_key(&row->old_datum[TMREC_FILTER_COL_RULES],
                                 &atom, OVSDB_TYPE_UUID, &pos);
}

/* Returns true if 'rule' is in the hmapx 'rules_'. */
static bool
rule_is_in(const struct tmrec_filter_rule *rule, const void *rules_)
{
    return hmapx_contains(rules_, rule);
}

/* A row and its name, for sorting. */
struct named_row {
    const char *name;
    const struct ovsdb_idl_row *row;
};

/* qsort() comparison of named rows: by name, then by UUID. */
static int
compare_named_rows(const void *a_, const void *b_)
{
    const struct named_row *a = a_;
    const struct named_row *b = b_;
    int cmp = strcmp(a->name, b->name);
    return cmp ? cmp : uuid_compare_3way(&a->row->uuid, &b->row->uuid);
}

/* Returns the rows of 'table' that the open transaction touches (all rows
 * if 'all'), sorted by the name that 'get_name' gives, in a malloc()'d
 * array; stores their number in '*n'. */
static struct named_row *
collect_rows(const struct ovsdb_idl *idl,
             const struct ovsdb_idl_table_class *table, bool all,
             const char *(*get_name)(const struct ovsdb_idl_row *),
             size_t *n)
{
    struct named_row *rows = NULL;
    size_t allocated = 0;

    *n = 0;
    for (const struct ovsdb_idl_row *row = ovsdb_idl_first_row(idl, table);
         row; row = ovsdb_idl_next_row(row)) {
        if (all || row_is_touched(row)) {
            if (*n >= allocated) {
                rows = x2nrealloc(rows, &allocated, sizeof *rows);
            }
            rows[(*n)++] = (struct named_row) { get_name(row), row };
        }
    }
    if (*n) {
        qsort(rows, *n, sizeof *rows, compare_named_rows);
    }
    return rows;
}

/* Name getters for collect_rows(). */
static const char *
filter_name(const struct ovsdb_idl_row *row)
{
    return CONTAINER_OF(row, struct tmrec_filter, header_)->name;
}

static const char *
target_name(const struct ovsdb_idl_row *row)
{
    return CONTAINER_OF(row, struct tmrec_target, header_)->name;
}

static const char *
session_name(const struct ovsdb_idl_row *row)
{
    return CONTAINER_OF(row, struct tmrec_session, header_)->name;
}

static const char *
no_name(const struct ovsdb_idl_row *row OVS_UNUSED)
{
    return "";
}

/* Checks the touched filters and, in each, the rules that the transaction
 * adds to it or modifies; adds those rules to 'covered'. */
static char *
check_touched_filters(const struct tm_intent_lookup *lk,
                      const struct ovsdb_idl *idl, struct hmapx *covered)
{
    size_t n;
    struct named_row *rows = collect_rows(idl, &tmrec_table_filter, false,
                                          filter_name, &n);
    char *error = NULL;
    for (size_t i = 0; i < n && !error; i++) {
        const struct tmrec_filter *f
            = CONTAINER_OF(rows[i].row, struct tmrec_filter, header_);
        error = tm_intent_check_filter(lk, f);
        if (!error) {
            error = tm_intent_check_rules(f, rule_is_touched_in, f);
        }
        for (size_t j = 0; j < f->n_rules; j++) {
            hmapx_add(covered, CONST_CAST(struct tmrec_filter_rule *,
                                          f->rules[j]));
        }
    }
    free(rows);
    return error;
}

/* Checks the touched rules that no touched filter covered, in the filters
 * that hold them.  Finding those filters takes a pass over the filters (with
 * a demand, over the filters asked for by the rules they hold), but only
 * generic commands on Filter_Rule rows need it. */
static char *
check_touched_rules(const struct tm_intent_lookup *lk,
                    const struct ovsdb_idl *idl, const struct hmapx *covered)
{
    struct hmapx rules = HMAPX_INITIALIZER(&rules);
    size_t n;
    struct named_row *rows = collect_rows(idl, &tmrec_table_filter_rule,
                                          false, no_name, &n);
    for (size_t i = 0; i < n; i++) {
        const struct tmrec_filter_rule *r
            = CONTAINER_OF(rows[i].row, struct tmrec_filter_rule, header_);
        if (!hmapx_contains(covered, r)) {
            hmapx_add(&rules, CONST_CAST(struct tmrec_filter_rule *, r));
            tm_intent_lookup_demand_rule_holders(lk, r);
        }
    }
    free(rows);

    char *error = NULL;
    if (!hmapx_is_empty(&rules)) {
        rows = collect_rows(idl, &tmrec_table_filter, true, filter_name, &n);
        for (size_t i = 0; i < n && !error; i++) {
            const struct tmrec_filter *f
                = CONTAINER_OF(rows[i].row, struct tmrec_filter, header_);
            for (size_t j = 0; j < f->n_rules; j++) {
                if (hmapx_contains(&rules, f->rules[j])) {
                    error = tm_intent_check_rules(f, rule_is_in, &rules);
                    break;
                }
            }
        }
        free(rows);
    }
    hmapx_destroy(&rules);
    return error;
}

/* Checks the touched targets. */
static char *
check_touched_targets(const struct tm_intent_lookup *lk,
                      const struct ovsdb_idl *idl)
{
    size_t n;
    struct named_row *rows = collect_rows(idl, &tmrec_table_target, false,
                                          target_name, &n);
    char *error = NULL;
    for (size_t i = 0; i < n && !error; i++) {
        error = tm_intent_check_target(
            lk, CONTAINER_OF(rows[i].row, struct tmrec_target, header_));
    }
    free(rows);
    return error;
}

/* Checks the touched sessions. */
static char *
check_touched_sessions(const struct tm_intent_lookup *lk,
                       const struct ovsdb_idl *idl)
{
    size_t n;
    struct named_row *rows = collect_rows(idl, &tmrec_table_session, false,
                                          session_name, &n);
    char *error = NULL;
    for (size_t i = 0; i < n && !error; i++) {
        error = tm_intent_check_session(
            lk, CONTAINER_OF(rows[i].row, struct tmrec_session, header_));
    }
    free(rows);
    return error;
}

/* Checks what the open transaction touches.  See intent-check.h. */
char *
tm_intent_check_txn(const struct tm_intent_lookup *lk)
{
    const struct ovsdb_idl *idl = tm_intent_lookup_idl(lk);
    struct hmapx covered = HMAPX_INITIALIZER(&covered);

    /* The rows that touched rows reference, when the IDL holds only some. */
    tm_intent_lookup_demand_refs(lk);
    char *error = check_touched_filters(lk, idl, &covered);
    if (!error) {
        error = check_touched_rules(lk, idl, &covered);
    }
    hmapx_destroy(&covered);
    if (!error) {
        error = check_touched_targets(lk, idl);
    }
    if (!error) {
        error = check_touched_sessions(lk, idl);
    }
    return error;
}

/* ------------------------------------------------------------------------ */
/* VNI choice. */

/* Picks an unused VNI.  See intent-check.h. */
char *
tm_intent_pick_vni(const struct tm_intent_lookup *lk,
                   const struct tmrec_target *target, uint32_t seed,
                   int64_t *vni)
{
    bool erspan = tm_target_is_erspan(target);
    struct tm_vni_probe *probe = tm_intent_lookup_vni_probe(lk, erspan);
    char *error = tm_vni_choose(tm_vni_probe_is_used, probe, erspan, seed,
                                vni);
    tm_vni_probe_destroy(probe);
    return error;
}
