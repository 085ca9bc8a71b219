/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_SESSION_STATUS_H
#define TMIRROR_SESSION_STATUS_H 1

/* This chassis's Session_Status rows: one per session that concerns this
 * chassis (its source, or its appliance, is here), with its state, a
 * message saying why it is not active, and packet and byte counters.  Only
 * rows whose chassis_name is this chassis's are ever written or deleted,
 * and a session that does not concern this chassis has no row from it.
 *
 * A session's state here combines the plan (mirror-plan.h), whether the
 * switch holds its flows (ofctrl) and whether its delivery paths carry
 * copies out (path-verify.h): active only when all three say so.
 *
 * How the source is captured (capture.h) is in external_ids:tmirror-capture
 * ("tc", "mirror", "egress tc, ingress mirror", ...; absent while nothing
 * is captured); a source with tc captures also has the statistics
 * capture_repairs (times tmirror found its tc capture broken and repaired
 * it) and capture_missing_ms (how long it was missing in all). */

#include <stdbool.h>
#include "openvswitch/types.h"

struct capture;
struct ds;
struct mirror_plan;
struct ofctrl;
struct ovsdb_idl;
struct ovsdb_idl_txn;
struct path_verify;
struct plan_session;
struct session_counters;

/* The state and message of 'ps' as this chassis reports them. */
struct status_verdict {
    const char *state;          /* "active", "pending", "error". */
    char *message;              /* Owned. */
    bool counting;              /* Its flows' counters are copies that
                                 * leave. */
};
void session_status_judge(const struct plan_session *ps,
                          const struct ofctrl *, const struct path_verify *,
                          const char *bridge, struct status_verdict *);

struct session_status_ctx {
    struct ovsdb_idl *tm_idl;
    struct ovsdb_idl_txn *txn;  /* NULL: the database is away. */
    const char *chassis_name;
    const char *bridge;
    const struct mirror_plan *plan;
    const struct ofctrl *ofctrl;
    const struct path_verify *paths;
    struct session_counters *counters;
    const struct capture *capture;  /* For the tc captures' repairs. */
    bool may_delete;            /* The monitored rows are complete, so that
                                 * a row without a session here is stale. */
    bool refresh_stats;         /* Write new counters now. */
};

/* Brings this chassis's rows in line. */
void session_status_run(const struct session_status_ctx *);

/* Compares this chassis's rows with what session_status_run() would make
 * of them now: one row per session of 'ctx->plan' that concerns this
 * chassis, with the state and message session_status_judge() gives, and
 * none for other sessions (once 'ctx->may_delete').  Writes nothing
 * ('ctx->txn' is not used) and leaves the statistics alone.  Appends the
 * differences to 's' and returns how many there are. */
size_t session_status_check(const struct session_status_ctx *, struct ds *s);

/* Registers the columns this module reads and writes. */
void session_status_register(struct ovsdb_idl *);

#endif /* session-status.h */
