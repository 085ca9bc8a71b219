/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Helpers shared by tmirror-ctl's per-object commands (ctl-filter.c,
 * ctl-rule.c, ctl-target.c, ctl-session.c, ctl-show.c): parsing KEY=VALUE
 * arguments, finding rows by name for a command, starting and filling 2-d
 * tables, writing names and free text so that a value another client wrote
 * cannot break a line, and rows in name order.  They own no state but the
 * sort offset that sorted_rows() hands to qsort(). */

#include <config.h>

#include "ctl-common.h"

#include <stdlib.h>
#include <string.h>

#include "ctl-intent.h"
#include "db-ctl-base.h"
#include "openvswitch/dynamic-string.h"
#include "ovsdb-idl.h"
#include "table.h"
#include "tmirror-idl.h"
#include "tmirror/intent-check.h"
#include "tmirror/text.h"
#include "tmirror/validate.h"
#include "util.h"

/* Splits "KEY=VALUE" 'arg' of command 'cmd': returns a malloc()'d KEY and
 * stores VALUE in '*valuep', or reports an error in 'ctx' and returns
 * NULL. */
char *
split_kv(struct ctl_context *ctx, const char *arg, const char **valuep)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        ctl_error(ctx, "%s: %s is not KEY=VALUE", ctx->argv[0], arg);
        return NULL;
    }
    *valuep = eq + 1;
    return xmemdup0(arg, eq - arg);
}

/* Refuses, with an error in 'ctx', a KEY that two of the arguments from
 * 'first' on give ("KEY=VALUE" each): the later one would silently win.
 * Returns true if there is none. */
bool
check_repeated_keys(struct ctl_context *ctx, int first)
{
    for (int i = first + 1; i < ctx->argc; i++) {
        const char *eq = strchr(ctx->argv[i], '=');
        size_t len = eq ? eq - ctx->argv[i] : strlen(ctx->argv[i]);
        for (int j = first; j < i; j++) {
            if (!strncmp(ctx->argv[j], ctx->argv[i], len)
                && ctx->argv[j][len] == (eq ? '=' : '\0')) {
                ctl_error(ctx, "%s: key %.*s is given twice (%s, then %s)",
                          ctx->argv[0], (int) len, ctx->argv[i],
                          ctx->argv[j], ctx->argv[i]);
                return false;
            }
        }
    }
    return true;
}

/* Reports in 'ctx' that 'key' is not one of 'allowed'. */
void
unknown_key(struct ctl_context *ctx, const char *key, const char *allowed)
{
    ctl_error(ctx, "%s: unknown key %s (expected %s)", ctx->argv[0], key,
              allowed);
}

/* Stores in 'ctx' the error 'error' (a malloc()'d validate.h message) and
 * returns true, or returns false if 'error' is NULL. */
bool
take_error(struct ctl_context *ctx, char *error)
{
    if (!error) {
        return false;
    }
    ctl_error(ctx, "%s", error);
    free(error);
    return true;
}

/* Returns 'name' as a message shows it, in a malloc()'d string: as it is
 * when it is a valid name, else quoted and escaped (it may come from the
 * command line or from another client). */
char *
shown_name(const char *name)
{
    return tm_is_valid_name(name) ? xstrdup(name) : tm_text_escape(name);
}

/* Returns the filter named 'name', or NULL. */
const struct tmrec_filter *
filter_by_name(const struct ovsdb_idl *idl OVS_UNUSED, const char *name)
{
    return tm_intent_lookup_filter(ctl_intent_lookup(), name, NULL);
}

/* Returns the target named 'name', or NULL. */
const struct tmrec_target *
target_by_name(const struct ovsdb_idl *idl OVS_UNUSED, const char *name)
{
    return tm_intent_lookup_target(ctl_intent_lookup(), name, NULL);
}

/* Returns the session named 'name', or NULL. */
const struct tmrec_session *
session_by_name(const struct ovsdb_idl *idl OVS_UNUSED, const char *name)
{
    return tm_intent_lookup_session(ctl_intent_lookup(), name, NULL);
}

/* Looks up the filter 'name' for a command; reports an error in 'ctx' and
 * returns NULL if there is none. */
const struct tmrec_filter *
must_get_filter(struct ctl_context *ctx, const char *name)
{
    const struct tmrec_filter *filter = filter_by_name(ctx->idl, name);
    if (!filter) {
        char *shown = shown_name(name);
        ctl_error(ctx, "%s: filter %s does not exist", ctx->argv[0], shown);
        free(shown);
    }
    return filter;
}

/* Looks up the target 'name' for a command (see must_get_filter()). */
const struct tmrec_target *
must_get_target(struct ctl_context *ctx, const char *name)
{
    const struct tmrec_target *target = target_by_name(ctx->idl, name);
    if (!target) {
        char *shown = shown_name(name);
        ctl_error(ctx, "%s: target %s does not exist", ctx->argv[0], shown);
        free(shown);
    }
    return target;
}

/* Looks up the session 'name' for a command (see must_get_filter()). */
const struct tmrec_session *
must_get_session(struct ctl_context *ctx, const char *name)
{
    const struct tmrec_session *session = session_by_name(ctx->idl, name);
    if (!session) {
        char *shown = shown_name(name);
        ctl_error(ctx, "%s: session %s does not exist", ctx->argv[0], shown);
        free(shown);
    }
    return session;
}

/* Returns the name of a session that uses 'filter' or 'target' (the first in
 * name order), or NULL. */
const char *
session_using(const struct tmrec_filter *filter,
              const struct tmrec_target *target)
{
    const struct tmrec_session *user
        = tm_intent_lookup_user(ctl_intent_lookup(), filter, target);
    return user ? user->name : NULL;
}

/* Starts a 2-d table in 'ctx' with the given column headings (a NULL
 * terminated list). */
struct table *
start_table(struct ctl_context *ctx, const char *const *headings)
{
    ctx->table = xmalloc(sizeof *ctx->table);
    table_init(ctx->table);
    for (; *headings; headings++) {
        table_add_column(ctx->table, "%s", *headings);
    }
    return ctx->table;
}

/* Adds a text cell 's' (copied) to the current row of 't', escaped if it
 * would not print on one line (another client may have written it). */
void
add_text_cell(struct table *t, const char *s)
{
    s = s ? s : "";
    table_add_cell(t)->text = (tm_text_is_printable(s) ? xstrdup(s)
                               : tm_text_escape(s));
}

/* Adds an integer cell, or an empty one if 'n' is 0, to 't'. */
void
add_int_cell(struct table *t, const int64_t *value, size_t n)
{
    struct cell *cell = table_add_cell(t);
    if (n) {
        cell->json = json_integer_create(value[0]);
    } else {
        cell->text = xstrdup("");
    }
}

/* Appends 'text' to 's' as is, or in double quotes and escaped
 * (tm_text_escape()) if it is empty or has spaces, quotes, '=', or any
 * character that a description may not hold, so that a value written by
 * another client can neither break a line of the output nor hide what it
 * holds. */
void
put_maybe_quoted(struct ds *s, const char *text)
{
    if (!*text || strpbrk(text, " \"\\=") || !tm_text_is_printable(text)) {
        char *escaped = tm_text_escape(text);
        ds_put_cstr(s, escaped);
        free(escaped);
    } else {
        ds_put_cstr(s, text);
    }
}


/* Appends the name 'name' to 's', as is if it is a valid name (text.h), else
 * quoted and escaped. */
void
put_name(struct ds *s, const char *name)
{
    if (tm_is_valid_name(name)) {
        ds_put_cstr(s, name);
    } else {
        char *escaped = tm_text_escape(name ? name : "");
        ds_put_cstr(s, escaped);
        free(escaped);
    }
}

/* qsort() comparison of rows by their name, given a pointer to the row's
 * 'name' member offset. */
static size_t name_offset;
static int
compare_by_name(const void *a_, const void *b_)
{
    const char *a = *(const char **) ((const char *) *(const void **) a_
                                      + name_offset);
    const char *b = *(const char **) ((const char *) *(const void **) b_
                                      + name_offset);
    return strcmp(a, b);
}

/* Returns the rows of 'table' in 'idl', sorted by their string column at
 * 'offset' in the row struct, as a malloc()'d array; stores the count in
 * '*n'. */
const void **
sorted_rows(const struct ovsdb_idl *idl,
            const struct ovsdb_idl_table_class *table, size_t offset,
            size_t *n)
{
    const void **rows = NULL;
    size_t allocated = 0;
    *n = 0;
    for (const struct ovsdb_idl_row *row = ovsdb_idl_first_row(idl, table);
         row; row = ovsdb_idl_next_row(row)) {
        if (*n >= allocated) {
            rows = x2nrealloc(rows, &allocated, sizeof *rows);
        }
        rows[(*n)++] = row;
    }
    name_offset = offset;
    if (*n) {
        qsort(rows, *n, sizeof *rows, compare_by_name);
    }
    return rows;
}
