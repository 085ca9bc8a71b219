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

/* Validates a rule, target or session row with validate.h; a session is
 * checked against its target's encapsulation.  Returns NULL or a malloc()'d
 * message that names the row, e.g. "filter web rule ingress 10: ...". */
char *tm_rule_row_check(const char *filter_name,
                        const struct tmrec_filter_rule *row);
char *tm_target_row_check(const struct tmrec_target *row);
char *tm_session_row_check(const struct tmrec_session *row);

#endif /* tmirror/intent-rows.h */
