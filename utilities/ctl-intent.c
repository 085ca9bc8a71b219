/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "ctl-intent.h"

#include "hash.h"
#include "openvswitch/util.h"
#include "ovsdb-idl-provider.h"
#include "ovsdb-idl.h"
#include "random.h"
#include "tmirror-idl.h"
#include "tmirror/intent-check.h"
#include "tmirror/row-demand.h"
#include "tmirror/validate.h"
#include "util.h"

/* The lookups of tmirror-ctl's IDL (there is one per process).  Without
 * IDL indexes: a one-shot process that reads the database once spends less
 * on a few passes over the rows than on building indexes (see
 * intent-lookup.h), all the more so when it holds only the rows its
 * commands asked for ('the_demand'). */
static struct tm_intent_lookup *the_lookup;

/* The rows the commands asked for, or NULL when the IDL monitors the whole
 * database. */
static struct tm_row_demand *the_demand;

/* VNI choice: every round of the commands (see ctl_intent_begin_round())
 * must pick the same VNIs from the same rows, or the rows it asks about
 * would change at every round.  So the seeds come from one random value
 * per process and the number of the pick within the round. */
static uint32_t vni_seed_base;
static uint32_t n_vni_picks;

/* The tables that hold one row per object of the fleet: fetched by
 * demand.  The others (TM_Global, Connection, SSL, RBAC) are small and
 * monitored whole. */
static const struct ovsdb_idl_table_class *const demand_tables[] = {
    &tmrec_table_filter, &tmrec_table_filter_rule, &tmrec_table_target,
    &tmrec_table_session, &tmrec_table_session_status,
    &tmrec_table_chassis, &tmrec_table_binding,
};

/* Returns true if 'table' is one of the 'n' tables 'omit'. */
static bool
is_omitted(const struct ovsdb_idl_table_class *table,
           const struct ovsdb_idl_table_class *const *omit, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (omit[i] == table) {
            return true;
        }
    }
    return false;
}

/* Creates the lookups.  See ctl-intent.h. */
void
ctl_intent_init(struct ovsdb_idl *idl, bool partial,
                const struct ovsdb_idl_table_class *const *omit,
                size_t n_omit)
{
    ovs_assert(!the_lookup);
    the_lookup = tm_intent_lookup_create(idl, false);
    if (partial) {
        const struct ovsdb_idl_table_class *driven[ARRAY_SIZE(demand_tables)];
        size_t n_driven = 0;
        for (size_t i = 0; i < ARRAY_SIZE(demand_tables); i++) {
            const struct ovsdb_idl_table_class *t = demand_tables[i];
            if (!is_omitted(t, omit, n_omit)) {
                driven[n_driven++] = t;
                continue;
            }
            /* A table without a monitored column is left out of the
             * monitor request altogether. */
            for (size_t j = 0; j < t->n_columns; j++) {
                ovsdb_idl_omit(idl, &t->columns[j]);
            }
        }
        the_demand = tm_row_demand_create(idl, driven, n_driven);
        tm_intent_lookup_set_demand(the_lookup, the_demand);
    }
    vni_seed_base = random_uint32();
}

/* Returns the lookups. */
const struct tm_intent_lookup *
ctl_intent_lookup(void)
{
    ovs_assert(the_lookup);
    return the_lookup;
}

/* Returns the demand, or NULL. */
struct tm_row_demand *
ctl_intent_demand(void)
{
    return the_demand;
}

/* Leaves the uniqueness the database enforces to the server.  See
 * ctl-intent.h. */
void
ctl_intent_defer_unique(void)
{
    tm_intent_lookup_set_defer_unique(the_lookup, true);
}

/* Stops leaving uniqueness to the server if this round did.  See
 * ctl-intent.h. */
bool
ctl_intent_undefer(void)
{
    if (!tm_intent_lookup_take_deferred(the_lookup)) {
        return false;
    }
    tm_intent_lookup_set_defer_unique(the_lookup, false);
    return true;
}

/* Starts a round of the commands.  See ctl-intent.h. */
bool
ctl_intent_begin_round(void)
{
    n_vni_picks = 0;
    tm_intent_lookup_take_deferred(the_lookup);
    tm_intent_lookup_demand_refs(ctl_intent_lookup());
    return !ctl_intent_is_pending();
}

/* Returns true if the commands asked for rows the IDL may not hold yet. */
bool
ctl_intent_is_pending(void)
{
    return the_demand && tm_row_demand_is_pending(the_demand);
}

/* Checks the open transaction.  See ctl-intent.h. */
char *
ctl_intent_check(const struct ovsdb_idl *idl OVS_UNUSED)
{
    return tm_intent_check_txn(ctl_intent_lookup());
}

/* Returns the seed of the 'i'th VNI pick of a round. */
static uint32_t
vni_seed(uint32_t i)
{
    return hash_int(i, vni_seed_base);
}

/* Asks for the sessions of the VNIs that the first 'n' picks of a round try
 * first.  See ctl-intent.h. */
void
ctl_intent_ask_vnis(size_t n)
{
    for (size_t i = 0; the_demand && i < n; i++) {
        for (uint32_t j = 0; j < TM_VNI_N_RANDOM; j++) {
            tm_row_demand_integer(the_demand, &tmrec_session_col_vni,
                                  OVSDB_F_EQ,
                                  tm_vni_candidate(vni_seed(i), j, false));
        }
    }
}

/* Picks an unused VNI for a new session toward 'target'. */
char *
ctl_intent_pick_vni(const struct ovsdb_idl *idl OVS_UNUSED,
                    const struct tmrec_target *target, int64_t *vni)
{
    uint32_t seed = vni_seed(n_vni_picks++);
    return tm_intent_pick_vni(ctl_intent_lookup(), target, seed, vni);
}
