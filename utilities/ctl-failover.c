/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* tmirror-ctl's transaction token and the state of its outcome
 * (ctl-failover.h).  The module owns the token and the in-doubt flag. */

#include <config.h>

#include "ctl-failover.h"

#include <string.h>

#include "coverage.h"
#include "openvswitch/vlog.h"
#include "bitmap.h"
#include "ovsdb-data.h"
#include "ovsdb-idl-provider.h"
#include "ovsdb-idl.h"
#include "openvswitch/poll-loop.h"
#include "smap.h"
#include "svec.h"
#include "timeval.h"
#include "tmirror-idl.h"
#include "tmirror/txn-token.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(ctl_failover);

COVERAGE_DEFINE(ctl_txn_landed);
COVERAGE_DEFINE(ctl_leader_search);

/* This invocation's token: the key in TM_Global's external_ids. */
static char *token_key;

/* A transaction was sent and its outcome is not known. */
static bool in_doubt;

/* The remotes in use (rotated at each restart of the search) and since
 * when the IDL has had no connection (LLONG_MIN: it has one). */
static struct svec remotes = SVEC_EMPTY_INITIALIZER;
static long long int lost_since = LLONG_MIN;

/* The tables that had rows when the open transaction began, by table class
 * index (NULL for an empty table), so that rows it deletes can be seen. */
static struct ovsdb_idl_table **txn_tables;
static size_t n_txn_tables;

/* Makes the token. */
void
ctl_failover_init(void)
{
    struct uuid uuid;
    uuid_generate(&uuid);
    free(token_key);
    token_key = xasprintf(TXN_TOKEN_PREFIX UUID_FMT, UUID_ARGS(&uuid));
}

/* Counts the comma-separated remotes in 'remotes'. */
size_t
ctl_failover_n_remotes(const char *remotes)
{
    size_t n = 1;
    for (const char *p = remotes; *p; p++) {
        n += *p == ',';
    }
    return n;
}

/* Watches 'idl''s connection to 'db' (the remotes as given). */
void
ctl_failover_run(struct ovsdb_idl *idl, const char *db)
{
    if (ctl_failover_n_remotes(db) < 2) {
        return;
    }
    if (!remotes.n) {
        char *copy = xstrdup(db), *save_ptr = NULL;
        for (char *r = strtok_r(copy, ",", &save_ptr); r;
             r = strtok_r(NULL, ",", &save_ptr)) {
            svec_add(&remotes, r);
        }
        free(copy);
    }
    long long int now = time_msec();
    if (ovsdb_idl_is_connected(idl)) {
        lost_since = LLONG_MIN;
    } else if (lost_since == LLONG_MIN) {
        lost_since = now;
    } else if (now - lost_since >= CTL_FAILOVER_SEARCH_MS) {
        /* Rotating the list makes it a new remote for the IDL: a new
         * session, whose first round tries every member at once. */
        char *first = remotes.names[0];
        memmove(remotes.names, remotes.names + 1,
                (remotes.n - 1) * sizeof *remotes.names);
        remotes.names[remotes.n - 1] = first;
        char *joined = svec_join(&remotes, ",", "");
        VLOG_DBG("no connection for %lld ms: trying %s", now - lost_since,
                 joined);
        ovsdb_idl_set_remote(idl, joined, true);
        free(joined);
        COVERAGE_INC(ctl_leader_search);
        lost_since = now;
    }
}

/* Wakes the poll loop when ctl_failover_run() has something to do. */
void
ctl_failover_wait(void)
{
    if (lost_since != LLONG_MIN) {
        poll_timer_wait_until(lost_since + CTL_FAILOVER_SEARCH_MS);
    }
}

/* Records the tables that have rows, for ctl_failover_txn_changes(). */
void
ctl_failover_txn_begin(const struct ovsdb_idl *idl,
                       const struct ovsdb_idl_class *class)
{
    if (!txn_tables) {
        n_txn_tables = class->n_tables;
        txn_tables = xcalloc(n_txn_tables, sizeof *txn_tables);
    }
    for (size_t i = 0; i < n_txn_tables; i++) {
        const struct ovsdb_idl_row *row
            = ovsdb_idl_first_row(idl, &class->tables[i]);
        txn_tables[i] = row ? row->table : NULL;
    }
}

/* Returns true if the open transaction writes a value that differs from the
 * committed one in 'row' (an existing row). */
static bool
row_changes(const struct ovsdb_idl_row *row)
{
    const struct ovsdb_idl_table_class *class = row->table->class_;
    if ((row->map_op_written
         && !bitmap_is_all_zeros(row->map_op_written, class->n_columns))
        || (row->set_op_written
            && !bitmap_is_all_zeros(row->set_op_written, class->n_columns))) {
        return true;
    }
    if (!row->written || row->new_datum == row->old_datum) {
        return false;
    }
    size_t i;
    BITMAP_FOR_EACH_1 (i, class->n_columns, row->written) {
        if (!ovsdb_datum_equals(&row->old_datum[i], &row->new_datum[i],
                                &class->columns[i].type)) {
            return true;
        }
    }
    return false;
}

/* Returns true if the open transaction inserts, deletes or changes a row
 * (writes of unchanged values do not count: the IDL drops them). */
bool
ctl_failover_txn_changes(const struct ovsdb_idl *idl,
                         const struct ovsdb_idl_class *class)
{
    for (size_t i = 0; i < class->n_tables; i++) {
        const struct ovsdb_idl_row *row;
        if (i < n_txn_tables && txn_tables[i]) {
            HMAP_FOR_EACH (row, hmap_node, &txn_tables[i]->rows) {
                if ((row->old_datum && !row->new_datum)
                    || (!row->old_datum && row->new_datum)
                    || (row->old_datum && row_changes(row))) {
                    return true;
                }
            }
        } else {
            for (row = ovsdb_idl_first_row(idl, &class->tables[i]); row;
                 row = ovsdb_idl_next_row(row)) {
                if (!row->old_datum) {
                    return true;
                }
            }
        }
    }
    return false;
}

/* Verifies the pre-state of the token map. */
void
ctl_failover_verify(const struct tmrec_tm_global *global)
{
    tmrec_tm_global_verify_external_ids(global);
}

/* Writes the token map with this invocation's token, without expired ones. */
void
ctl_failover_mark(const struct tmrec_tm_global *global)
{
    long long int now = time_wall_msec();
    struct smap ids;
    smap_clone(&ids, &global->external_ids);
    txn_token_prune(&ids, now);
    smap_replace_nocopy(&ids, token_key, xasprintf("%lld", now));
    tmrec_tm_global_set_external_ids(global, &ids);
    smap_destroy(&ids);
}

/* Looks for the token in the database. */
bool
ctl_failover_landed(const struct ovsdb_idl *idl)
{
    const struct tmrec_tm_global *global = tmrec_tm_global_first(idl);
    if (global && token_key && smap_get(&global->external_ids, token_key)) {
        COVERAGE_INC(ctl_txn_landed);
        VLOG_INFO("the transaction sent before the connection was lost "
                  "landed (%s): not sending it again", token_key);
        return true;
    }
    return false;
}

/* Sets the in-doubt flag. */
void
ctl_failover_set_in_doubt(bool doubt)
{
    in_doubt = doubt;
}

/* Returns the in-doubt flag. */
bool
ctl_failover_in_doubt(void)
{
    return in_doubt;
}
