/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/session-status.h"

#include <string.h>

#include "controller/capture.h"
#include "controller/mirror-plan.h"
#include "controller/ofctrl.h"
#include "controller/path-verify.h"
#include "controller/session-counters.h"
#include "coverage.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "tmirror-idl.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(session_status);

COVERAGE_DEFINE(session_status_update);

/* Registers what this module reads and writes of Session_Status. */
void
session_status_register(struct ovsdb_idl *idl)
{
    ovsdb_idl_add_table(idl, &tmrec_table_session_status);
    ovsdb_idl_add_column(idl, &tmrec_session_status_col_session);
    ovsdb_idl_add_column(idl, &tmrec_session_status_col_chassis_name);
    ovsdb_idl_add_column(idl, &tmrec_session_status_col_state);
    ovsdb_idl_add_column(idl, &tmrec_session_status_col_message);
    ovsdb_idl_add_column(idl, &tmrec_session_status_col_statistics);
    ovsdb_idl_add_column(idl, &tmrec_session_status_col_external_ids);
}

/* Combines the states of 'ps''s paths: the first failing path makes it an
 * error, else the first one not yet known to carry copies makes it
 * pending.  Returns PV_OK with '*why' NULL if all carry copies. */
static enum pv_state
judge_paths(const struct plan_session *ps, const struct path_verify *pv,
            const char *bridge, const char **why)
{
    enum pv_state worst = PV_OK;
    *why = NULL;
    for (size_t i = 0; i < ps->n_paths; i++) {
        const char *message;
        enum pv_state state = path_verify_get(pv, bridge,
                                              ps->paths[i].actions,
                                              &message);
        if (state == PV_FAIL || (state != PV_OK && worst == PV_OK)) {
            worst = state;
            *why = message;
            if (state == PV_FAIL) {
                break;
            }
        }
    }
    return worst;
}

/* Judges 'ps'.  See session-status.h. */
void
session_status_judge(const struct plan_session *ps,
                     const struct ofctrl *ofctrl,
                     const struct path_verify *pv, const char *bridge,
                     struct status_verdict *v)
{
    v->counting = false;
    if (!ps->programmed) {
        v->state = plan_state_to_string(ps->state);
        v->message = xstrdup(ps->message);
        return;
    }

    const char *refusal = ofctrl_session_refused(ofctrl, ps->sp.key);
    const char *why;
    if (refusal) {
        v->state = "error";
        v->message = xstrdup(refusal);
    } else if (!ofctrl_session_delivering(ofctrl, ps->sp.key)) {
        v->state = "pending";
        v->message = xstrdup("waiting for ovs-vswitchd to confirm the "
                             "flows");
    } else {
        enum pv_state paths = judge_paths(ps, pv, bridge, &why);
        if (paths == PV_FAIL) {
            v->state = "error";
            v->message = xasprintf("target %s: %s", ps->sp.target_name, why);
        } else if (paths != PV_OK) {
            v->state = "pending";
            v->message = xasprintf("target %s: %s", ps->sp.target_name, why);
        } else {
            v->state = "active";
            v->message = xstrdup(ps->message);
            v->counting = true;
        }
    }
}

/* Returns the UUID of the session that status row 'row' names, whether or
 * not that session is in this IDL. */
static struct uuid
status_session_uuid(const struct tmrec_session_status *row)
{
    const struct ovsdb_datum *d = ovsdb_idl_read(
        &row->header_, &tmrec_session_status_col_session);
    return d && d->n ? d->keys[0].uuid : UUID_ZERO;
}

/* Returns the value of 'key' in 'row''s statistics, or -1. */
static int64_t
status_get_stat(const struct tmrec_session_status *row, const char *key)
{
    for (size_t i = 0; row && i < row->n_statistics; i++) {
        if (!strcmp(row->key_statistics[i], key)) {
            return row->value_statistics[i];
        }
    }
    return -1;
}

/* One of this chassis's rows, found by session. */
struct status_row {
    struct hmap_node hmap_node;
    struct uuid session;
    const struct tmrec_session_status *row;
};

/* Finds the row of session 'uuid' in 'rows'. */
static const struct tmrec_session_status *
status_find(const struct hmap *rows, const struct uuid *uuid)
{
    const struct status_row *r;
    HMAP_FOR_EACH_WITH_HASH (r, hmap_node, uuid_hash(uuid), rows) {
        if (uuid_equals(&r->session, uuid)) {
            return r->row;
        }
    }
    return NULL;
}

/* Collects this chassis's rows into 'rows'; deletes duplicates and, if
 * 'may_delete', rows of sessions that do not concern this chassis. */
static void
status_collect(const struct session_status_ctx *ctx, struct hmap *rows)
{
    const struct tmrec_session_status *row, *next;
    TMREC_SESSION_STATUS_FOR_EACH_SAFE (row, next, ctx->tm_idl) {
        if (strcmp(row->chassis_name, ctx->chassis_name)) {
            continue;
        }
        struct uuid uuid = status_session_uuid(row);
        const struct plan_session *ps = mirror_plan_find(ctx->plan, &uuid);
        bool concerns = ps && ps->sp.role != PLAN_ROLE_NONE;
        if (status_find(rows, &uuid) || (!concerns && ctx->may_delete)) {
            if (ctx->txn) {
                tmrec_session_status_delete(row);
            }
            continue;
        }
        struct status_row *r = xmalloc(sizeof *r);
        r->session = uuid;
        r->row = row;
        hmap_insert(rows, &r->hmap_node, uuid_hash(&uuid));
    }
}

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

/* Folds 'ps''s flow counters into its totals and, when 'write', copies the
 * totals into 'row' (NULL: a row being inserted) if they changed. */
static void
status_update_stats(const struct session_status_ctx *ctx,
                    const struct tmrec_session_status *row,
                    const struct plan_session *ps, bool counting, bool write)
{
    uint64_t flow_packets = 0, flow_bytes = 0, packets, bytes;
    if (!row && !ctx->may_delete) {
        /* The row may exist but not be loaded yet: the totals resume from
         * it, so they start only once it is known. */
        session_counters_keep(ctx->counters, &ps->sp.uuid);
        return;
    }
    if (ps->programmed
        && !ofctrl_get_session_stats(ctx->ofctrl, ps->sp.key, &flow_packets,
                                     &flow_bytes)
        && ofctrl_session_stats_pending(ctx->ofctrl, ps->sp.key)) {
        /* Flows are installed but their counters not read yet: folding in
         * zeros now would count them twice later. */
        session_counters_keep(ctx->counters, &ps->sp.uuid);
        return;
    }
    session_counters_update(ctx->counters, &ps->sp.uuid, flow_packets,
                            flow_bytes, status_get_stat(row, "packets"),
                            status_get_stat(row, "bytes"), counting,
                            row && !strcmp(row->state, "active"),
                            &packets, &bytes);
    if (!row || !ctx->txn) {
        return;
    }
    const char *keys[] = { "bytes", "packets", "capture_repairs",
                           "capture_missing_ms" };
    int64_t values[4] = { bytes, packets, -1, -1 };
    size_t n = 2;
    if (ctx->capture && (ps->backend[0] == CAPTURE_BY_TC
                         || ps->backend[1] == CAPTURE_BY_TC)) {
        capture_get_gaps(ctx->capture, ps->sp.source, &values[2],
                         &values[3]);
        n = 4;
    }
    if (!write && row->n_statistics == n) {
        /* The counters wait for the next refresh; a change of backend
         * (which keys there are) does not. */
        return;
    }
    bool same = row->n_statistics == n;
    for (size_t i = 0; same && i < n; i++) {
        same = status_get_stat(row, keys[i]) == values[i];
    }
    if (!same) {
        tmrec_session_status_set_statistics(row, keys, values, n);
    }
}

/* Writes external_ids:tmirror-capture of 'row' from 'ps'. */
static void
status_set_capture(const struct tmrec_session_status *row,
                   const struct plan_session *ps)
{
    const char *want = mirror_plan_capture_name(ps);
    const char *have = smap_get(&row->external_ids, "tmirror-capture");
    if (!want[0] && have) {
        tmrec_session_status_update_external_ids_delkey(row,
                                                        "tmirror-capture");
    } else if (want[0] && (!have || strcmp(have, want))) {
        tmrec_session_status_update_external_ids_setkey(row,
                                                        "tmirror-capture",
                                                        want);
    }
}

/* Brings this chassis's rows in line.  See session-status.h. */
void
session_status_run(const struct session_status_ctx *ctx)
{
    struct hmap rows = HMAP_INITIALIZER(&rows);
    status_collect(ctx, &rows);

    const struct plan_session *ps;
    HMAP_FOR_EACH (ps, hmap_node, &ctx->plan->sessions) {
        if (ps->sp.role == PLAN_ROLE_NONE) {
            continue;
        }
        struct status_verdict v;
        session_status_judge(ps, ctx->ofctrl, ctx->paths, ctx->bridge, &v);
        const struct tmrec_session_status *row = status_find(&rows,
                                                             &ps->sp.uuid);
        if (row) {
            session_counters_note_row(ctx->counters, &ps->sp.uuid,
                                      !strcmp(row->state, "active"));
        }
        if (!ctx->txn) {
            status_update_stats(ctx, row, ps, v.counting, false);
        } else {
            bool write_stats = ctx->refresh_stats;
            if (!row && ctx->may_delete) {
                /* Only once the monitored rows are complete: before, this
                 * chassis's row may exist but not be loaded yet. */
                const struct tmrec_session *srow
                    = session_plan_get_row(ctx->tm_idl, &ps->sp.uuid);
                if (srow) {
                    status_update_stats(ctx, NULL, ps, v.counting, false);
                    row = tmrec_session_status_insert(ctx->txn);
                    tmrec_session_status_set_session(row, srow);
                    tmrec_session_status_set_chassis_name(row,
                                                          ctx->chassis_name);
                    write_stats = true;
                }
            }
            if (row) {
                status_set_state(row, v.state, v.message);
                status_set_capture(row, ps);
                status_update_stats(ctx, row, ps, v.counting, write_stats);
            }
        }
        free(v.message);
    }
    session_counters_sweep(ctx->counters);

    struct status_row *r;
    HMAP_FOR_EACH_POP (r, hmap_node, &rows) {
        free(r);
    }
    hmap_destroy(&rows);
}

/* Returns the name of the session of 'uuid' for messages: its plan's, or
 * the UUID. */
static char *
status_session_name(const struct mirror_plan *plan, const struct uuid *uuid)
{
    const struct plan_session *ps = mirror_plan_find(plan, uuid);
    return ps ? xstrdup(ps->sp.name) : xasprintf(UUID_FMT, UUID_ARGS(uuid));
}

/* Checks this chassis's rows against the verdicts.  See
 * session-status.h. */
size_t
session_status_check(const struct session_status_ctx *ctx, struct ds *s)
{
    struct hmap rows = HMAP_INITIALIZER(&rows);
    size_t n = 0;
    const struct tmrec_session_status *row;
    TMREC_SESSION_STATUS_FOR_EACH (row, ctx->tm_idl) {
        if (strcmp(row->chassis_name, ctx->chassis_name)) {
            continue;
        }
        struct uuid uuid = status_session_uuid(row);
        const struct plan_session *ps = mirror_plan_find(ctx->plan, &uuid);
        char *name = status_session_name(ctx->plan, &uuid);
        if (status_find(&rows, &uuid)) {
            ds_put_format(s, "  Session_Status: two rows for session %s\n",
                          name);
            n++;
        } else if ((!ps || ps->sp.role == PLAN_ROLE_NONE)
                   && ctx->may_delete) {
            ds_put_format(s, "  Session_Status: a row for session %s, "
                          "which does not concern this chassis\n", name);
            n++;
        } else {
            struct status_row *r = xmalloc(sizeof *r);
            r->session = uuid;
            r->row = row;
            hmap_insert(&rows, &r->hmap_node, uuid_hash(&uuid));
        }
        free(name);
    }

    const struct plan_session *ps;
    HMAP_FOR_EACH (ps, hmap_node, &ctx->plan->sessions) {
        if (ps->sp.role == PLAN_ROLE_NONE) {
            continue;
        }
        row = status_find(&rows, &ps->sp.uuid);
        if (!row) {
            if (ctx->may_delete) {
                ds_put_format(s, "  Session_Status: no row for session %s\n",
                              ps->sp.name);
                n++;
            }
            continue;
        }
        struct status_verdict v;
        session_status_judge(ps, ctx->ofctrl, ctx->paths, ctx->bridge, &v);
        if (strcmp(row->state, v.state) || strcmp(row->message, v.message)) {
            ds_put_format(s, "  Session_Status of session %s: \"%s\" "
                          "\"%s\" in the database, \"%s\" \"%s\" now\n",
                          ps->sp.name, row->state, row->message, v.state,
                          v.message);
            n++;
        }
        free(v.message);
    }

    struct status_row *r;
    HMAP_FOR_EACH_POP (r, hmap_node, &rows) {
        free(r);
    }
    hmap_destroy(&rows);
    return n;
}
