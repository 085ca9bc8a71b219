/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_INTENT_H
#define TMIRROR_CTL_INTENT_H 1

/* tmirror-ctl's use of the shared checks of the intent
 * (include/tmirror/intent-check.h): the lookups of its one IDL, the check
 * of its transaction before commit, and the choice of VNIs.  Shared by
 * the tmirror-ctl commands and the export/apply code. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ovsdb_idl;
struct ovsdb_idl_table_class;
struct tm_intent_lookup;
struct tm_row_demand;
struct tmrec_target;

/* Creates the lookups (intent-lookup.h) for 'idl'.  The other functions need
 * them.  With 'partial', before 'idl' connects, the tables that grow with
 * the fleet (filters, rules, targets, sessions, status, chassis, bindings)
 * are fetched by demand (row-demand.h): the IDL holds only the rows the
 * commands asked for, and the lookups ask for the rows that answer them.
 * Of those tables, the 'n_omit' 'omit' (status, chassis, bindings: the
 * checks never read them) are not monitored at all: the server would
 * otherwise still go over all their rows for a new monitor, whatever its
 * condition. */
void ctl_intent_init(struct ovsdb_idl *idl, bool partial,
                     const struct ovsdb_idl_table_class *const *omit,
                     size_t n_omit);

/* Returns the lookups that ctl_intent_init() created. */
const struct tm_intent_lookup *ctl_intent_lookup(void);

/* Returns the demand, or NULL if the IDL monitors the whole database. */
struct tm_row_demand *ctl_intent_demand(void);

/* Makes the checks leave the uniqueness that the database's indexes enforce
 * to the server (intent-lookup.h), so that a write need not fetch the rows
 * to compare with.  Only for a transaction that is really committed (not
 * --dry-run), since the server's refusal is what tells. */
void ctl_intent_defer_unique(void);

/* If the checks of this round left some uniqueness to the server, stops
 * leaving it and returns true: the caller judges the round again (after a
 * refusal by the check or by the server), so that the message is the one
 * a full check gives.  Else returns false. */
bool ctl_intent_undefer(void);

/* Starts a round of the commands on the IDL's current contents: asks for
 * the rows that the rows it holds reference and lacks.  Returns true if
 * nothing is pending, so that the commands may run. */
bool ctl_intent_begin_round(void);

/* Returns true if a question of this round (a lookup, a command's demand)
 * is not answered by the rows the IDL holds: the round's results do not
 * count, and it must be run again once tm_row_demand_send()'s conditions
 * are acknowledged. */
bool ctl_intent_is_pending(void);

/* Asks for the sessions of the VNIs that the first 'n' VNI picks of a round
 * try first (outside the erspan range), so that a session-add without a
 * VNI needs no round of its own for them.  Without a demand, does
 * nothing. */
void ctl_intent_ask_vnis(size_t n);

/* Checks every row that the transaction open on 'idl' inserts or modifies,
 * with what they reference and what references them
 * (tm_intent_check_txn()).  Returns NULL or a malloc()'d message naming the
 * row, field and value; the caller frees it. */
char *ctl_intent_check(const struct ovsdb_idl *idl);

/* Picks an unused VNI (random) for a new session whose target is 'target'
 * (may be NULL): within 1..1023 when 'target' is an ip target using erspan,
 * else 1..16777215.  Stores it in '*vni' and returns NULL, or returns a
 * malloc()'d message if every value is in use.  The n-th pick of a round
 * tries the same values in every round of the process. */
char *ctl_intent_pick_vni(const struct ovsdb_idl *idl,
                          const struct tmrec_target *target, int64_t *vni);

#endif /* utilities/ctl-intent.h */
