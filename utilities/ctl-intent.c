/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "ctl-intent.h"

#include <stdlib.h>
#include <string.h>

#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "random.h"
#include "sset.h"
#include "svec.h"
#include "tmirror-idl.h"
#include "tmirror/intent-rows.h"
#include "tmirror/validate.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(ctl_intent);

/* An array of rows of one table, sorted by name. */
struct named_rows {
    const struct ovsdb_idl_row **rows;
    const char **names;
    size_t n;
};

/* One entry of the sort in named_rows_sort(). */
struct named_row {
    const char *name;
    const struct ovsdb_idl_row *row;
};

/* qsort() comparison: by name, then by UUID, so the order is stable. */
static int
compare_named_row(const void *a_, const void *b_)
{
    const struct named_row *a = a_;
    const struct named_row *b = b_;
    int cmp = strcmp(a->name, b->name);
    return cmp ? cmp : uuid_compare_3way(&a->row->uuid, &b->row->uuid);
}

/* Sorts 'n' rows whose names are 'names' into 'out', which owns its arrays
 * (free with named_rows_destroy()). */
static void
named_rows_sort(struct named_row *entries, size_t n, struct named_rows *out)
{
    qsort(entries, n, sizeof *entries, compare_named_row);
    out->rows = xmalloc((n ? n : 1) * sizeof *out->rows);
    out->names = xmalloc((n ? n : 1) * sizeof *out->names);
    for (size_t i = 0; i < n; i++) {
        out->rows[i] = entries[i].row;
        out->names[i] = entries[i].name;
    }
    out->n = n;
    free(entries);
}

/* Frees what named_rows_sort() allocated. */
static void
named_rows_destroy(struct named_rows *rows)
{
    free(rows->rows);
    free(rows->names);
}

/* Returns the name of a Filter row. */
static const char *
filter_name(const struct ovsdb_idl_row *row)
{
    return CONTAINER_OF(row, struct tmrec_filter, header_)->name;
}

/* Returns the name of a Target row. */
static const char *
target_name(const struct ovsdb_idl_row *row)
{
    return CONTAINER_OF(row, struct tmrec_target, header_)->name;
}

/* Returns the name of a Session row. */
static const char *
session_name(const struct ovsdb_idl_row *row)
{
    return CONTAINER_OF(row, struct tmrec_session, header_)->name;
}

/* Collects every row of 'table' in 'idl', sorted by the name that
 * 'get_name' returns. */
static void
sorted_rows(const struct ovsdb_idl *idl,
            const struct ovsdb_idl_table_class *table,
            const char *(*get_name)(const struct ovsdb_idl_row *),
            struct named_rows *out)
{
    size_t n = 0, allocated = 0;
    struct named_row *entries = NULL;

    for (const struct ovsdb_idl_row *row = ovsdb_idl_first_row(idl, table);
         row; row = ovsdb_idl_next_row(row)) {
        if (n >= allocated) {
            entries = x2nrealloc(entries, &allocated, sizeof *entries);
        }
        entries[n].name = get_name(row);
        entries[n++].row = row;
    }
    named_rows_sort(entries, n, out);
}

/* Adds 'error' (if nonnull) to 'errors', taking ownership. */
static void
add_error(struct svec *errors, char *error)
{
    if (error) {
        svec_add_nocopy(errors, error);
    }
}

/* Checks that the sorted 'rows' of table 'table' ("filter", ...) have
 * nonempty names, each used once. */
static void
check_names(const struct named_rows *rows, const char *table,
            struct svec *errors)
{
    for (size_t i = 0; i < rows->n; i++) {
        if (!rows->names[i][0]) {
            add_error(errors, xasprintf("%s "UUID_FMT": name: missing value "
                                        "(every %s needs a name)", table,
                                        UUID_ARGS(&rows->rows[i]->uuid),
                                        table));
        } else if (i && !strcmp(rows->names[i], rows->names[i - 1])) {
            add_error(errors, xasprintf("%s %s: name: %s is used by more "
                                        "than one %s", table, rows->names[i],
                                        rows->names[i], table));
        }
    }
}

/* qsort() comparison of Filter_Rule rows in evaluation order: ingress
 * first, then by rule_number. */
static int
compare_rules(const void *a_, const void *b_)
{
    const struct tmrec_filter_rule *a = *(const struct tmrec_filter_rule **) a_;
    const struct tmrec_filter_rule *b = *(const struct tmrec_filter_rule **) b_;
    int cmp = -strcmp(a->direction, b->direction);
    if (cmp) {
        return cmp;
    }
    return (a->rule_number > b->rule_number) - (a->rule_number < b->rule_number);
}

/* Returns 'filter''s rules in evaluation order.  See ctl-intent.h. */
const struct tmrec_filter_rule **
ctl_intent_sorted_rules(const struct tmrec_filter *filter)
{
    size_t n = filter->n_rules;
    const struct tmrec_filter_rule **rules
        = xmalloc((n ? n : 1) * sizeof *rules);
    if (n) {
        memcpy(rules, filter->rules, n * sizeof *rules);
    }
    qsort(rules, n, sizeof *rules, compare_rules);
    return rules;
}

/* Checks the rules of 'filter': each valid, (direction, rule_number)
 * unique. */
static void
check_filter_rules(const struct tmrec_filter *filter, struct svec *errors)
{
    size_t n = filter->n_rules;
    const struct tmrec_filter_rule **rules = ctl_intent_sorted_rules(filter);

    for (size_t i = 0; i < n; i++) {
        add_error(errors, tm_rule_row_check(filter->name, rules[i]));
        if (i && !compare_rules(&rules[i], &rules[i - 1])) {
            add_error(errors, xasprintf("filter %s: rule_number: %s "
                                        "%"PRId64" is used by more than one "
                                        "rule", filter->name,
                                        rules[i]->direction,
                                        rules[i]->rule_number));
        }
    }
    free(rules);
}

/* Checks every filter and its rules. */
static void
check_filters(const struct ovsdb_idl *idl, struct svec *errors)
{
    struct named_rows filters;
    sorted_rows(idl, &tmrec_table_filter, filter_name, &filters);

    check_names(&filters, "filter", errors);
    for (size_t i = 0; i < filters.n; i++) {
        check_filter_rules(
            CONTAINER_OF(filters.rows[i], struct tmrec_filter, header_),
            errors);
    }
    named_rows_destroy(&filters);
}

/* Checks every target. */
static void
check_targets(const struct ovsdb_idl *idl, struct svec *errors)
{
    struct named_rows targets;
    sorted_rows(idl, &tmrec_table_target, target_name, &targets);

    check_names(&targets, "target", errors);
    for (size_t i = 0; i < targets.n; i++) {
        add_error(errors, tm_target_row_check(
                      CONTAINER_OF(targets.rows[i], struct tmrec_target,
                                   header_)));
    }
    named_rows_destroy(&targets);
}

/* Checks that no session before 'session' (in 'seen_keys' and 'seen_vnis',
 * which map keys to session names) uses its (source, session_number) or its
 * VNI, then records 'session' in both. */
static void
check_session_unique(const struct tmrec_session *session,
                     struct shash *seen_keys, struct shash *seen_vnis,
                     struct svec *errors)
{
    char *key = xasprintf("%"PRId64" %s", session->session_number,
                          session->source);
    const char *other = shash_find_data(seen_keys, key);
    if (other) {
        add_error(errors, xasprintf("session %s: session_number: %"PRId64
                                    " is already used by session %s for "
                                    "source %s", session->name,
                                    session->session_number, other,
                                    session->source));
        free(key);
    } else {
        shash_add_nocopy(seen_keys, key, session->name);
    }

    if (session->n_vni) {
        char *vni = xasprintf("%"PRId64, session->vni[0]);
        other = shash_find_data(seen_vnis, vni);
        if (other) {
            add_error(errors, xasprintf("session %s: vni: %"PRId64" is "
                                        "already used by session %s",
                                        session->name, session->vni[0],
                                        other));
            free(vni);
        } else {
            shash_add_nocopy(seen_vnis, vni, session->name);
        }
    }
}

/* Checks every session. */
static void
check_sessions(const struct ovsdb_idl *idl, struct svec *errors)
{
    struct named_rows sessions;
    struct shash seen_keys = SHASH_INITIALIZER(&seen_keys);
    struct shash seen_vnis = SHASH_INITIALIZER(&seen_vnis);
    sorted_rows(idl, &tmrec_table_session, session_name, &sessions);

    check_names(&sessions, "session", errors);
    for (size_t i = 0; i < sessions.n; i++) {
        const struct tmrec_session *s
            = CONTAINER_OF(sessions.rows[i], struct tmrec_session, header_);
        if (!s->target || !s->filter) {
            add_error(errors, xasprintf("session %s: %s: missing value",
                                        s->name,
                                        !s->target ? "target" : "filter"));
            continue;
        }
        add_error(errors, tm_session_row_check(s));
        check_session_unique(s, &seen_keys, &seen_vnis, errors);
    }
    shash_destroy(&seen_keys);
    shash_destroy(&seen_vnis);
    named_rows_destroy(&sessions);
}

/* Adds every violation of the intent in 'idl' to 'errors', in a stable
 * order. */
static void
ctl_intent_violations(const struct ovsdb_idl *idl, struct svec *errors)
{
    check_filters(idl, errors);
    check_targets(idl, errors);
    check_sessions(idl, errors);
}

/* The violations that were in the database before this run's commands: a
 * command is refused only for a violation it introduces, so that rows that
 * another client wrote badly do not block unrelated work (or their own
 * repair one row at a time). */
static struct sset baseline = SSET_INITIALIZER(&baseline);

/* Records the violations present in 'idl' now.  See ctl-intent.h. */
void
ctl_intent_baseline(const struct ovsdb_idl *idl)
{
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    ctl_intent_violations(idl, &errors);
    sset_clear(&baseline);
    for (size_t i = 0; i < errors.n; i++) {
        sset_add(&baseline, errors.names[i]);
    }
    svec_destroy(&errors);
}

/* Checks the intent in 'idl'.  See ctl-intent.h. */
char *
ctl_intent_check(const struct ovsdb_idl *idl)
{
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    char *error = NULL;

    ctl_intent_violations(idl, &errors);
    for (size_t i = 0; i < errors.n && !error; i++) {
        if (!sset_contains(&baseline, errors.names[i])) {
            error = xstrdup(errors.names[i]);
        }
    }
    svec_destroy(&errors);
    return error;
}

/* Returns true if 'target' is an ip target that uses erspan. */
bool
ctl_intent_target_is_erspan(const struct tmrec_target *target)
{
    return (target && !strcmp(target->type, "ip")
            && !strcmp(tm_target_encap(target->encap), "erspan"));
}

/* Picks an unused VNI for a new session toward 'target'. */
char *
ctl_intent_pick_vni(const struct ovsdb_idl *idl,
                    const struct tmrec_target *target, int64_t *vni)
{
    const struct tmrec_session *session;
    size_t n = 0, allocated = 0;
    int64_t *used = NULL;

    TMREC_SESSION_FOR_EACH (session, idl) {
        if (session->n_vni) {
            if (n >= allocated) {
                used = x2nrealloc(used, &allocated, sizeof *used);
            }
            used[n++] = session->vni[0];
        }
    }
    char *error = tm_vni_choose(used, n, ctl_intent_target_is_erspan(target),
                                random_uint32(), vni);
    free(used);
    return error;
}
