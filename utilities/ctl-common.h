/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_COMMON_H
#define TMIRROR_CTL_COMMON_H 1

/* Helpers shared by tmirror-ctl's per-object commands (ctl-filter.c,
 * ctl-rule.c, ctl-target.c, ctl-session.c, ctl-show.c): parsing KEY=VALUE
 * arguments, finding rows by name for a command, starting and filling 2-d
 * tables, writing names and free text so that a value another client wrote
 * cannot break a line, and rows in name order.  They own no state but the
 * sort offset that sorted_rows() hands to qsort() (ctl-common.c). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ctl_context;
struct ds;
struct ovsdb_idl;
struct ovsdb_idl_table_class;
struct table;
struct tmrec_filter;
struct tmrec_session;
struct tmrec_target;

/* The rows of table TABLE (struct STRUCT, with a 'name' column) in 'IDL',
 * sorted by name, as a malloc()'d array of N. */
#define SORTED_ROWS(IDL, TABLE, STRUCT, N)                              \
    ((const struct STRUCT **) sorted_rows(IDL, &tmrec_table_##TABLE,    \
                                          offsetof(struct STRUCT, name), N))

/* Splits "KEY=VALUE" 'arg' of command 'cmd': returns a malloc()'d KEY and
 * stores VALUE in '*valuep', or reports an error in 'ctx' and returns
 * NULL. */
char *split_kv(struct ctl_context *ctx, const char *arg, const char **valuep);

/* Refuses, with an error in 'ctx', a KEY that two of the arguments from
 * 'first' on give ("KEY=VALUE" each): the later one would silently win.
 * Returns true if there is none. */
bool check_repeated_keys(struct ctl_context *ctx, int first);

/* Reports in 'ctx' that 'key' is not one of 'allowed'. */
void unknown_key(struct ctl_context *ctx, const char *key,
                 const char *allowed);

/* Stores in 'ctx' the error 'error' (a malloc()'d validate.h message) and
 * returns true, or returns false if 'error' is NULL. */
bool take_error(struct ctl_context *ctx, char *error);

/* Returns 'name' as a message shows it, in a malloc()'d string: as it is
 * when it is a valid name, else quoted and escaped (it may come from the
 * command line or from another client). */
char *shown_name(const char *name);

/* Returns the filter named 'name', or NULL. */
const struct tmrec_filter *filter_by_name(const struct ovsdb_idl *,
                                          const char *name);

/* Returns the target named 'name', or NULL. */
const struct tmrec_target *target_by_name(const struct ovsdb_idl *,
                                          const char *name);

/* Returns the session named 'name', or NULL. */
const struct tmrec_session *session_by_name(const struct ovsdb_idl *,
                                            const char *name);

/* Looks up the filter 'name' for a command; reports an error in 'ctx' and
 * returns NULL if there is none. */
const struct tmrec_filter *must_get_filter(struct ctl_context *ctx,
                                           const char *name);

/* Looks up the target 'name' for a command (see must_get_filter()). */
const struct tmrec_target *must_get_target(struct ctl_context *ctx,
                                           const char *name);

/* Looks up the session 'name' for a command (see must_get_filter()). */
const struct tmrec_session *must_get_session(struct ctl_context *ctx,
                                             const char *name);

/* Returns the name of a session that uses 'filter' or 'target' (the first in
 * name order), or NULL. */
const char *session_using(const struct tmrec_filter *filter,
                          const struct tmrec_target *target);

/* Starts a 2-d table in 'ctx' with the given column headings (a NULL
 * terminated list). */
struct table *start_table(struct ctl_context *ctx,
                          const char *const *headings);

/* Adds a text cell 's' (copied) to the current row of 't', escaped if it
 * would not print on one line (another client may have written it). */
void add_text_cell(struct table *t, const char *s);

/* Adds an integer cell, or an empty one if 'n' is 0, to 't'. */
void add_int_cell(struct table *t, const int64_t *value, size_t n);

/* Appends 'text' to 's' as is, or in double quotes and escaped
 * (tm_text_escape()) if it is empty or has spaces, quotes, '=', or any
 * character that a description may not hold, so that a value written by
 * another client can neither break a line of the output nor hide what it
 * holds. */
void put_maybe_quoted(struct ds *s, const char *text);

/* Appends the name 'name' to 's', as is if it is a valid name (text.h), else
 * quoted and escaped. */
void put_name(struct ds *s, const char *name);

/* Returns the rows of 'table' in 'idl', sorted by their string column at
 * 'offset' in the row struct, as a malloc()'d array; stores the count in
 * '*n'. */
const void **sorted_rows(const struct ovsdb_idl *idl,
                         const struct ovsdb_idl_table_class *table,
                         size_t offset, size_t *n);

#endif /* utilities/ctl-common.h */
