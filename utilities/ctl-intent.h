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

#include <stdint.h>

struct ovsdb_idl;
struct tm_intent_lookup;
struct tmrec_target;

/* Creates the lookups (intent-lookup.h) for 'idl'.  The other functions need
 * them. */
void ctl_intent_init(struct ovsdb_idl *idl);

/* Returns the lookups that ctl_intent_init() created. */
const struct tm_intent_lookup *ctl_intent_lookup(void);

/* Checks every row that the transaction open on 'idl' inserts or modifies,
 * with what they reference and what references them
 * (tm_intent_check_txn()).  Returns NULL or a malloc()'d message naming the
 * row, field and value; the caller frees it. */
char *ctl_intent_check(const struct ovsdb_idl *idl);

/* Picks an unused VNI (random) for a new session whose target is 'target'
 * (may be NULL): within 1..1023 when 'target' is an ip target using erspan,
 * else 1..16777215.  Stores it in '*vni' and returns NULL, or returns a
 * malloc()'d message if every value is in use. */
char *ctl_intent_pick_vni(const struct ovsdb_idl *idl,
                          const struct tmrec_target *target, int64_t *vni);

#endif /* utilities/ctl-intent.h */
