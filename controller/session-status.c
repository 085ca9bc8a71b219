/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/session-status.h"

#include "controller/mirror-plan.h"
#include "controller/ofctrl.h"
#include "controller/session-counters.h"
#include "coverage.h"
#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "tmirror-idl.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(session_status);

COVERAGE_DEFINE(session_status_update);

/* Writes 'state' and 'message' into 'row' where they differ. */
static void
status_set_state(const struct tmrec_session_status *row, const char *state,
                 const char *message)
{
    if (strcmp(row->state, state)) {
        tmrec_session_status_set_state(row, state);
        COVERAGE_INC(session_status_update);
    }
    if (strcmp(row->message, message)) {
        tmrec_session_status_set_message(row, message);
        COVERAGE_INC(session_status_update);
    }
}

/* Returns the value of 'key' in 'row''s statistics, or -1. */
static int64_t
status_get_stat(const struct tmrec_session_status *row, const char *key)
{
    for (size_t i = 0; i < row->n_statistics; i++) {
        if (!strcmp(row->key_statistics[i], key)) {
            return row->value_statistics[i];
        }
    }
    return -1;
}

/* Folds the session's flow counters into its running totals and, when
 * 'write', copies the totals into 'row' if they changed.  'row' is NULL for
 * a row being inserted. */
static void
status_update_stats(const struct tmrec_session_status *row,
                    const struct plan_session *ps,
                    const struct ofctrl *ofctrl,
                    struct session_counters *counters, bool count,
                    bool write)
{
    uint64_t flow_packets = 0, flow_bytes = 0, packets, bytes;
    if (ps->programmed) {
        ofctrl_get_session_stats(ofctrl, ps->key, &flow_packets,
                                 &flow_bytes);
    }
    session_counters_update(counters, &ps->uuid, flow_packets, flow_bytes,
                            row ? status_get_stat(row, "packets") : -1,
                            row ? status_get_stat(row, "bytes") : -1,
                            count, row && !strcmp(row->state, "active"),
                            &packets, &bytes);
    if (!write || !row) {
        return;
    }
    if (status_get_stat(row, "packets") == (int64_t) packets
        && status_get_stat(row, "bytes") == (int64_t) bytes) {
        return;
    }
    const char *keys[] = { "bytes", "packets" };
    int64_t values[] = { bytes, packets };
    tmrec_session_status_set_statistics(row, keys, values, 2);
}

/* True if what 'ps''s flows count now are copies that leave the host: it is
 * programmed, the switch confirmed its flows and its paths carry copies. */
static bool
status_counts(const struct plan_session *ps, bool synced)
{
    return ps->programmed && synced && ps->state == PLAN_ACTIVE;
}

/* Finds this chassis's row for the session with 'uuid' among 'rows'. */
static const struct tmrec_session_status *
status_find(const struct tmrec_session_status **rows, size_t n,
            const struct uuid *uuid)
{
    for (size_t i = 0; i < n; i++) {
        if (rows[i] && rows[i]->session
            && uuid_equals(&rows[i]->session->header_.uuid, uuid)) {
            return rows[i];
        }
    }
    return NULL;
}

/* Brings this chassis's Session_Status rows in line with 'plan'. */
void
session_status_run(struct ovsdb_idl *tm_idl, struct ovsdb_idl_txn *txn,
                   const char *chassis_name, const struct mirror_plan *plan,
                   const struct ofctrl *ofctrl,
                   struct session_counters *counters, bool synced,
                   bool refresh_stats)
{
    if (!txn || !chassis_name) {
        /* No transaction (the database is away): keep counting, so that a
         * flow restart meanwhile is not missed. */
        for (size_t i = 0; i < plan->n_sessions; i++) {
            const struct plan_session *ps = &plan->sessions[i];
            status_update_stats(NULL, ps, ofctrl, counters,
                                status_counts(ps, synced), false);
        }
        return;
    }

    /* This chassis's existing rows; duplicates and orphans are deleted. */
    const struct tmrec_session_status **rows = NULL;
    size_t n = 0, allocated = 0;
    const struct tmrec_session_status *row;
    TMREC_SESSION_STATUS_FOR_EACH (row, tm_idl) {
        if (strcmp(row->chassis_name, chassis_name)) {
            continue;
        }
        if (!row->session || !mirror_plan_find(plan,
                                               &row->session->header_.uuid)
            || status_find(rows, n, &row->session->header_.uuid)) {
            tmrec_session_status_delete(row);
            continue;
        }
        if (n >= allocated) {
            rows = x2nrealloc(rows, &allocated, sizeof *rows);
        }
        rows[n++] = row;
    }

    for (size_t i = 0; i < plan->n_sessions; i++) {
        const struct plan_session *ps = &plan->sessions[i];
        row = status_find(rows, n, &ps->uuid);
        bool write_stats = refresh_stats;
        if (!row) {
            status_update_stats(NULL, ps, ofctrl, counters,
                                status_counts(ps, synced), false);
            row = tmrec_session_status_insert(txn);
            tmrec_session_status_set_session(row, ps->row);
            tmrec_session_status_set_chassis_name(row, chassis_name);
            write_stats = true;
        }
        if (ps->programmed && !synced) {
            status_set_state(row, "pending",
                             "waiting for ovs-vswitchd to confirm the flows");
        } else {
            status_set_state(row, plan_state_to_string(ps->state),
                             ps->message);
        }
        status_update_stats(row, ps, ofctrl, counters,
                            status_counts(ps, synced), write_stats);
    }
    session_counters_sweep(counters);
    free(rows);
}
