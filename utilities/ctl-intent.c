/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "ctl-intent.h"

#include "openvswitch/util.h"
#include "random.h"
#include "tmirror/intent-check.h"
#include "util.h"

/* The lookups of tmirror-ctl's IDL (there is one per process).  Without
 * IDL indexes: a one-shot process that reads the database once spends less
 * on a few passes over the rows than on building indexes (see
 * intent-lookup.h). */
static struct tm_intent_lookup *the_lookup;

/* Creates the lookups.  See ctl-intent.h. */
void
ctl_intent_init(struct ovsdb_idl *idl)
{
    ovs_assert(!the_lookup);
    the_lookup = tm_intent_lookup_create(idl, false);
}

/* Returns the lookups. */
const struct tm_intent_lookup *
ctl_intent_lookup(void)
{
    ovs_assert(the_lookup);
    return the_lookup;
}

/* Checks the open transaction.  See ctl-intent.h. */
char *
ctl_intent_check(const struct ovsdb_idl *idl OVS_UNUSED)
{
    return tm_intent_check_txn(ctl_intent_lookup());
}

/* Picks an unused VNI for a new session toward 'target'. */
char *
ctl_intent_pick_vni(const struct ovsdb_idl *idl OVS_UNUSED,
                    const struct tmrec_target *target, int64_t *vni)
{
    return tm_intent_pick_vni(ctl_intent_lookup(), target, random_uint32(),
                              vni);
}
