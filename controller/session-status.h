/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_SESSION_STATUS_H
#define TMIRROR_SESSION_STATUS_H 1

/* This chassis's Session_Status rows: one per session, with its state, a
 * message saying why it is not active, and packet and byte counters from
 * the mirror bridge's flows.  Only rows whose chassis_name is this
 * chassis's are ever written or deleted. */

#include <stdbool.h>

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct mirror_plan;
struct ofctrl;
struct session_counters;

/* Brings this chassis's rows in line with 'plan'.  'synced' says whether the
 * switch has confirmed the flows of the current plan; when it has not,
 * programmed sessions are reported "pending".  The flows' counters from
 * 'ofctrl' are folded into the running totals in 'counters' on every call,
 * and written into the rows when 'refresh_stats' (or for a new row). */
void session_status_run(struct ovsdb_idl *tm_idl, struct ovsdb_idl_txn *,
                        const char *chassis_name,
                        const struct mirror_plan *, const struct ofctrl *,
                        struct session_counters *counters,
                        bool synced, bool refresh_stats);

#endif /* session-status.h */
