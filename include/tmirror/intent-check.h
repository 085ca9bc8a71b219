/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_INTENT_CHECK_H
#define TMIRROR_INTENT_CHECK_H 1

/* The rules that span rows of the intent, in one place for every door into
 * the Traffic_Mirror database: tmirror-ctl (its own commands, the generic
 * database commands and apply), the HTTP API, and tmirror-controller.
 *
 * The checks are row-scoped: a write is judged by the rows it inserts or
 * modifies, each with what it references and what references it, never by
 * judging the whole database; the related rows are found through
 * intent-lookup.h (IDL indexes, or passes over the rows that the IDL holds
 * in a one-shot client).  A row that a write touches must be valid
 * when the write is done (intent-rows.h: every value of the row), and
 * together with its neighbours:
 *
 *   - a filter's rules: (direction, rule_number) unique within the filter,
 *     checked for each rule that the write adds to the filter or changes;
 *   - a session: its target and filter exist, its VNI suits its target
 *     (at most 1023 for erspan), its name, its (source, session_number) and
 *     its VNI are not another session's;
 *   - a target: its name is not another target's, and the VNIs of the
 *     sessions that use it suit it (an erspan target needs VNIs of at most
 *     1023);
 *   - a filter: its name is not another filter's.
 *
 * Uniqueness is enforced by the database's own indexes (names, (source,
 * session_number), VNI); the checks look the other row up (intent-lookup.h)
 * so that the message can name both rows, and so that a client that loses
 * a race can explain the server's refusal after a retry.  Rows that a
 * write does not touch are not judged: a bad row written earlier by
 * another client blocks nothing else, and can be fixed or deleted by a
 * write that touches only it.
 *
 * Every check returns NULL or a malloc()'d message that starts with the
 * row that the write touched, e.g. "session v1-a: vni: 1001 is already
 * used by session v1-b". */

#include <stdbool.h>
#include <stdint.h>

#include "tmirror/intent-lookup.h"

struct ovsdb_idl;
struct tmrec_filter;
struct tmrec_filter_rule;
struct tmrec_session;
struct tmrec_target;

/* Row-scoped checks of one touched row, with its neighbours (see above).
 * With a null lookup, they check the row and what it references only, not
 * uniqueness nor the sessions of a target.
 *
 * tm_intent_check_rules() checks the rules of 'filter' for which
 * 'is_touched' returns true (all of them when 'is_touched' is NULL): each
 * valid, and its (direction, rule_number) used by no other rule of the
 * filter. */
char *tm_intent_check_filter(const struct tm_intent_lookup *,
                             const struct tmrec_filter *);
char *tm_intent_check_rules(
    const struct tmrec_filter *filter,
    bool (*is_touched)(const struct tmrec_filter_rule *, const void *aux),
    const void *aux);
char *tm_intent_check_target(const struct tm_intent_lookup *,
                             const struct tmrec_target *);
char *tm_intent_check_session(const struct tm_intent_lookup *,
                              const struct tmrec_session *);

/* Checks every Filter, Filter_Rule, Target and Session row that the
 * transaction open on the lookup's IDL inserts or modifies (a rule also
 * when the transaction adds it to a filter), in a stable order: filters,
 * rules, targets, sessions, each by name.  Returns the first violation.
 * This is what a client calls before it commits.  With a demand
 * (intent-lookup.h), the answer counts only if the demand has nothing
 * pending afterward. */
char *tm_intent_check_txn(const struct tm_intent_lookup *);

/* The whole judgment of one session as a controller needs it, without
 * indexes (the database enforces uniqueness): the session, its target, its
 * filter and every rule of the filter. */
char *tm_intent_check_session_deep(const struct tmrec_session *);

/* Picks a VNI that no session in the IDL uses, for a new session toward
 * 'target' (NULL: any): 1..1023 for an erspan target, else 1..16777215;
 * pseudo-random from 'seed' (tm_vni_choose()).  The IDL need not hold every
 * session: the database's index refuses a VNI in use, and the caller then
 * picks again with a fresher view.  Returns NULL and stores the VNI in
 * '*vni', or returns a message if every value is in use. */
char *tm_intent_pick_vni(const struct tm_intent_lookup *,
                         const struct tmrec_target *target, uint32_t seed,
                         int64_t *vni);

#endif /* tmirror/intent-check.h */
