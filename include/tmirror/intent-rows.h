/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_INTENT_ROWS_H
#define TMIRROR_INTENT_ROWS_H 1

/* Views of Traffic_Mirror rows as the plain values that validate.h checks,
 * so that tmirror-ctl and tmirror-controller judge a row the same way. */

#include "tmirror/validate.h"

struct tmrec_filter_rule;
struct tmrec_target;
struct tmrec_session;
struct uuid;

/* Fills 'rule' from 'row'.  'rule' points into 'row': valid while it is. */
void tm_rule_from_row(const struct tmrec_filter_rule *row,
                      struct tm_rule *rule);

/* Fills 'target' from 'row'.  The option arrays are allocated; free them
 * with tm_target_view_destroy().  Other members point into 'row'. */
void tm_target_from_row(const struct tmrec_target *row,
                        struct tm_target *target);
void tm_target_view_destroy(struct tm_target *target);

/* Fills 'target''s option arrays from 'options' (allocated, freed by
 * tm_target_view_destroy(); the strings stay in 'options'). */
struct smap;
void tm_target_view_set_options(struct tm_target *target,
                                const struct smap *options);

/* Returns "KIND NAME" (e.g. "filter web") for a message about a row, as a
 * malloc()'d string: the name escaped and quoted when it is not a valid name
 * (text.h), the row's UUID when the name is empty. */
char *tm_row_label(const char *kind, const char *name,
                   const struct uuid *uuid);

/* Validates one row by itself, with validate.h and text.h: every value of
 * the row, including its name, description and external_ids, and for a
 * session its values against its target's encapsulation.  A rule is checked
 * as a rule of the filter named 'filter_name' (for the message only).
 * Returns NULL or a
 * malloc()'d message that names the row, e.g. "filter web rule ingress 10:
 * ...".  The rows that a row references are not checked (see
 * intent-check.h). */
struct tmrec_filter;
char *tm_filter_row_check(const struct tmrec_filter *row);
char *tm_rule_row_check(const char *filter_name,
                        const struct tmrec_filter_rule *row);
char *tm_target_row_check(const struct tmrec_target *row);
char *tm_session_row_check(const struct tmrec_session *row);

/* Returns 'filter''s rules in evaluation order, ingress first, then by
 * rule_number, as a malloc()'d array that the caller frees (the rows stay
 * the IDL's). */
const struct tmrec_filter_rule **tm_filter_sorted_rules(
    const struct tmrec_filter *filter);

/* Compares two rules in evaluation order (for qsort() of rule pointers);
 * returns 0 when they have the same direction and rule number. */
int tm_rule_compare(const void *a, const void *b);

/* Returns true if 'target' is an ip target whose encapsulation is erspan. */
bool tm_target_is_erspan(const struct tmrec_target *target);

#endif /* tmirror/intent-rows.h */
