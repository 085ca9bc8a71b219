/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_INTENT_H
#define TMIRROR_CTL_INTENT_H 1

/* Cross-row checks of the operator's intent, on the IDL as it stands inside
 * the current transaction (uncommitted changes included).  Shared by the
 * tmirror-ctl commands and the export/apply code. */

#include <stdbool.h>
#include <stdint.h>

struct ovsdb_idl;
struct tmrec_filter;
struct tmrec_filter_rule;
struct tmrec_target;

/* Checks every Filter (and its rules), Target and Session row with
 * validate.h, plus: names unique per table, (direction, rule_number) unique
 * within a filter, (source, session_number) unique, VNI unique across
 * sessions, VNI <= 1023 for sessions whose target uses erspan.  Rows are
 * visited in name order, so the same database always gives the same
 * message.
 *
 * Returns NULL or a malloc()'d message naming the row, field and value; the
 * caller frees it.  Violations recorded by ctl_intent_baseline() (present
 * before this run's commands, e.g. rows another client wrote) are not
 * reported: a command is refused only for what it introduces. */
char *ctl_intent_check(const struct ovsdb_idl *idl);

/* Records the violations present in 'idl' before any command runs. */
void ctl_intent_baseline(const struct ovsdb_idl *idl);

/* Picks an unused VNI (random start) for a new session whose target is
 * 'target' (may be NULL): within 1..1023 when 'target' is an ip target using
 * erspan, else 1..16777215.  Stores it in '*vni' and returns NULL, or
 * returns a malloc()'d message if every value is in use. */
char *ctl_intent_pick_vni(const struct ovsdb_idl *idl,
                          const struct tmrec_target *target, int64_t *vni);

/* Returns 'filter''s rules in evaluation order, ingress first, then by
 * rule_number, as a malloc()'d array that the caller frees (the rows stay
 * the IDL's). */
const struct tmrec_filter_rule **ctl_intent_sorted_rules(
    const struct tmrec_filter *filter);

/* Returns true if 'target' is an ip target whose encapsulation is erspan. */
bool ctl_intent_target_is_erspan(const struct tmrec_target *target);

#endif /* utilities/ctl-intent.h */
