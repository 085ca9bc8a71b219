/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_FAILOVER_H
#define TMIRROR_CTL_FAILOVER_H 1

/* tmirror-ctl across the loss of a cluster member: its transaction token
 * (tmirror/txn-token.h), which makes a change land exactly once when it has
 * to be sent again, and whether the outcome of a sent transaction is known.
 *
 * The rule (tmirror-ctl(8), "Failover"): every transaction that changes the
 * database verifies TM_Global's external_ids as it read them and adds its
 * token there.  When the connection is lost before the answer, the next
 * complete view of the database decides: the token is there, so the change
 * landed and is not sent again; or it is not, and the commands run again on
 * that view; if the first attempt lands meanwhile, the verification fails
 * the replay, and the next view shows the token. */

#include <stdbool.h>
#include <stddef.h>

struct ovsdb_idl;
struct ovsdb_idl_class;
struct ovsdb_idl_txn;
struct tmrec_tm_global;

/* With several remotes, the IDL's own reconnection backs off up to 8 s
 * between attempts, so that a leader elected meanwhile may wait a whole
 * round of members at that pace.  Without a connection for this long,
 * tmirror-ctl starts the search again: every member at once. */
#define CTL_FAILOVER_SEARCH_MS 1000

/* Watches the connection of 'idl' to 'db' (the remotes as given) and
 * restarts the search for a leader when it has been lost for
 * CTL_FAILOVER_SEARCH_MS.  Call at each pass of a poll loop that runs
 * 'idl'; ctl_failover_wait() arranges the wake-up. */
void ctl_failover_run(struct ovsdb_idl *idl, const char *db);
void ctl_failover_wait(void);

/* Makes this invocation's token (a fresh UUID). */
void ctl_failover_init(void);

/* Returns the number of remotes in 'remotes' (comma-separated). */
size_t ctl_failover_n_remotes(const char *remotes);

/* Notes, as a transaction begins on 'idl', which tables have rows, so that
 * ctl_failover_txn_changes() can see the rows it deletes. */
void ctl_failover_txn_begin(const struct ovsdb_idl *idl,
                            const struct ovsdb_idl_class *);

/* Returns true if the open transaction changes the database: only such a
 * transaction carries a token, so that one that changes nothing stays
 * unchanged. */
bool ctl_failover_txn_changes(const struct ovsdb_idl *idl,
                              const struct ovsdb_idl_class *);

/* Verifies 'global''s external_ids in the open transaction: call before any
 * command writes them. */
void ctl_failover_verify(const struct tmrec_tm_global *global);

/* Adds the token to 'global''s external_ids, as the commands left them, and
 * drops expired tokens: call after the commands ran. */
void ctl_failover_mark(const struct tmrec_tm_global *global);

/* Returns true if the database as 'idl' sees it holds this invocation's
 * token, that is, an earlier attempt's change landed. */
bool ctl_failover_landed(const struct ovsdb_idl *idl);

/* Records that a transaction was sent and no answer is known yet (true), or
 * that the server answered one (false). */
void ctl_failover_set_in_doubt(bool);

/* Returns true if a sent transaction's outcome is still unknown. */
bool ctl_failover_in_doubt(void);

#endif /* ctl-failover.h */
