/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_INTENT_LOOKUP_H
#define TMIRROR_INTENT_LOOKUP_H 1

/* How the checks of intent-check.h find the rows related to a row: the
 * filter, target or session of a name, the session that has a VNI or a
 * (source, session_number), the sessions that use a target.  Lookups see the
 * IDL as the open transaction leaves it.
 *
 * Two ways, one answer:
 *
 *   - With IDL indexes, each lookup costs O(log n).  The indexes are built
 *     as rows arrive, which pays in a long-lived process (the controller,
 *     the HTTP API).
 *
 *   - Without, each lookup is a pass over the rows in the IDL.  Building the
 *     indexes costs more than a few passes: with 100,000 sessions, about
 *     10 s of CPU against a few milliseconds, so a one-shot process that
 *     reads the database once (tmirror-ctl) does without.  When such a
 *     process monitors only the rows a command needs, a pass costs only
 *     those rows.
 *
 *   - Without indexes and with a demand (row-demand.h), for a client that
 *     downloads only some rows: each lookup also asks for the rows that
 *     answer it (a clause of the IDL's conditions), and its answer counts
 *     only once the demand has nothing pending.  A lookup keyed by a row
 *     that the open transaction inserts asks nothing: only rows of the
 *     same transaction, which the IDL holds, can reference it.
 *
 * Where several rows match (possible inside a transaction), the one of
 * lowest UUID is returned for a lookup by name, the one of lowest name
 * otherwise, so that the same database always gives the same message. */

#include <stdbool.h>
#include <stdint.h>

struct ovsdb_idl;
struct tm_row_demand;
struct tmrec_filter;
struct tmrec_filter_rule;
struct tmrec_session;
struct tmrec_target;

struct tm_intent_lookup;

/* Creates the lookups for 'idl'.  With 'use_indexes', creates IDL indexes,
 * which must happen before the IDL's first ovsdb_idl_run() and needs the
 * indexed columns monitored (the names of Filter, Target and Session;
 * Session's source, session_number, vni and target).  The IDL owns the
 * indexes; tm_intent_lookup_destroy() frees the rest. */
struct tm_intent_lookup *tm_intent_lookup_create(struct ovsdb_idl *,
                                                 bool use_indexes);
void tm_intent_lookup_destroy(struct tm_intent_lookup *);

/* Makes the lookups of 'lookup' (created without indexes) ask 'demand' for
 * the rows that answer them.  The caller keeps 'demand'. */
void tm_intent_lookup_set_demand(struct tm_intent_lookup *,
                                 struct tm_row_demand *demand);

/* With a demand: asks for every row that a row in the IDL references and
 * that the IDL lacks (a session's target and filter, a filter's rules), so
 * that the IDL's pointers between rows are complete once nothing is
 * pending.  Without, does nothing. */
void tm_intent_lookup_demand_refs(const struct tm_intent_lookup *);

/* With a demand: asks for the filters whose rules include 'rule'. */
void tm_intent_lookup_demand_rule_holders(const struct tm_intent_lookup *,
                                          const struct tmrec_filter_rule *);

/* With 'defer', the checks of intent-check.h skip the uniqueness that the
 * database's own indexes enforce (the names of filters, targets and
 * sessions, a session's (source, session_number) and VNI), so that a
 * client that fetches rows by demand need not fetch the rows to compare
 * with; tm_intent_lookup_defer_unique() is how a check asks, and counts
 * the checks skipped, which tm_intent_lookup_take_deferred() returns.  Such
 * a client must then, when its check reports an error or the server
 * refuses the commit, check again without deferral, so that the message is
 * the one a full check gives. */
void tm_intent_lookup_set_defer_unique(struct tm_intent_lookup *,
                                       bool defer);
bool tm_intent_lookup_defer_unique(const struct tm_intent_lookup *);
unsigned int tm_intent_lookup_take_deferred(struct tm_intent_lookup *);

/* Returns the IDL that 'lookup' searches. */
const struct ovsdb_idl *tm_intent_lookup_idl(const struct tm_intent_lookup *);

/* The row named 'name' other than 'except' (may be NULL), or NULL. */
const struct tmrec_filter *tm_intent_lookup_filter(
    const struct tm_intent_lookup *, const char *name,
    const struct tmrec_filter *except);
const struct tmrec_target *tm_intent_lookup_target(
    const struct tm_intent_lookup *, const char *name,
    const struct tmrec_target *except);
const struct tmrec_session *tm_intent_lookup_session(
    const struct tm_intent_lookup *, const char *name,
    const struct tmrec_session *except);

/* The session other than 'except' that has ('source', 'number'), or that
 * has 'vni', or NULL. */
const struct tmrec_session *tm_intent_lookup_session_by_number(
    const struct tm_intent_lookup *, const char *source, int64_t number,
    const struct tmrec_session *except);
const struct tmrec_session *tm_intent_lookup_session_by_vni(
    const struct tm_intent_lookup *, int64_t vni,
    const struct tmrec_session *except);

/* Calls 'cb' for every session whose target is 'target', in no particular
 * order. */
void tm_intent_lookup_target_sessions(
    const struct tm_intent_lookup *, const struct tmrec_target *target,
    void (*cb)(const struct tmrec_session *, void *aux), void *aux);

/* Calls 'cb' for every session whose filter is 'filter', in no particular
 * order. */
void tm_intent_lookup_filter_sessions(
    const struct tm_intent_lookup *, const struct tmrec_filter *filter,
    void (*cb)(const struct tmrec_session *, void *aux), void *aux);

/* The session of lowest name that uses 'filter' (if nonnull) or 'target'
 * (if nonnull), or NULL. */
const struct tmrec_session *tm_intent_lookup_user(
    const struct tm_intent_lookup *, const struct tmrec_filter *filter,
    const struct tmrec_target *target);

/* Whether VNIs are in use, for tm_vni_choose() while picking one VNI: its
 * callback is tm_vni_probe_is_used() with the probe as 'aux'.  Without
 * indexes, the probe collects the VNIs in use on its first question, so
 * that the following ones cost nothing; it is good until the transaction
 * changes a VNI. */
struct tm_vni_probe;
struct tm_vni_probe *tm_intent_lookup_vni_probe(
    const struct tm_intent_lookup *, bool erspan);
bool tm_vni_probe_is_used(int64_t vni, const void *probe);
void tm_vni_probe_destroy(struct tm_vni_probe *);

#endif /* tmirror/intent-lookup.h */
