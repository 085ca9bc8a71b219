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

/* The indexes of tmirror-ctl's IDL (there is one per process).  The IDL
 * owns the indexes themselves. */
static struct tm_intent_index *the_index;

/* Creates the indexes.  See ctl-intent.h. */
void
ctl_intent_init(struct ovsdb_idl *idl)
{
    ovs_assert(!the_index);
    the_index = tm_intent_index_create(idl);
}

/* Returns the indexes. */
const struct tm_intent_index *
ctl_intent_index(void)
{
    ovs_assert(the_index);
    return the_index;
}

/* Checks the open transaction.  See ctl-intent.h. */
char *
ctl_intent_check(const struct ovsdb_idl *idl)
{
    return tm_intent_check_txn(ctl_intent_index(), idl);
}

/* Picks an unused VNI for a new session toward 'target'. */
char *
ctl_intent_pick_vni(const struct ovsdb_idl *idl OVS_UNUSED,
                    const struct tmrec_target *target, int64_t *vni)
{
    return tm_intent_pick_vni(ctl_intent_index(), target, random_uint32(),
                              vni);
}
