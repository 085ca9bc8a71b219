/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "api-metrics.h"

#include <stdlib.h>
#include <string.h>

#include "api-auth.h"
#include "api-call.h"
#include "api-ids.h"
#include "api-request.h"
#include "openvswitch/dynamic-string.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "tmirror-idl.h"
#include "util.h"

/* Appends 's' as a label value: backslash, double quote and new-line
 * escaped. */
static void
put_label(struct ds *ds, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"') {
            ds_put_format(ds, "\\%c", *s);
        } else if (*s == '\n') {
            ds_put_cstr(ds, "\\n");
        } else {
            ds_put_char(ds, *s);
        }
    }
}

/* Appends "# HELP" and "# TYPE" for 'name'. */
static void
put_header(struct ds *ds, const char *name, const char *type,
           const char *help)
{
    ds_put_format(ds, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                  type);
}

/* Returns the statistic 'key' of 'row', or -1. */
static int64_t
stat_of(const struct tmrec_session_status *row, const char *key)
{
    for (size_t i = 0; i < row->n_statistics; i++) {
        if (!strcmp(row->key_statistics[i], key)) {
            return row->value_statistics[i];
        }
    }
    return -1;
}

/* Appends the labels of a Session_Status row. */
static void
put_status_labels(struct ds *ds, const struct tmrec_session_status *st)
{
    char id[API_ID_LEN + 1];
    api_id_format(API_SESSION, &st->session->header_.uuid, id);
    ds_put_cstr(ds, "{session=\"");
    put_label(ds, st->session->name);
    ds_put_format(ds, "\",session_id=\"%s\",chassis=\"", id);
    put_label(ds, st->chassis_name);
    ds_put_char(ds, '"');
}

/* qsort() comparison of Session_Status rows by session name, then
 * chassis, so that the series come in a stable order. */
static int
compare_status(const void *a_, const void *b_)
{
    const struct tmrec_session_status *a
        = *(const struct tmrec_session_status **) a_;
    const struct tmrec_session_status *b
        = *(const struct tmrec_session_status **) b_;
    int cmp = strcmp(a->session->name, b->session->name);
    return cmp ? cmp : strcmp(a->chassis_name, b->chassis_name);
}

/* Returns the visible Session_Status rows, sorted; '*n' gets their
 * number.  The caller frees the array. */
static const struct tmrec_session_status **
visible_status(struct api_call *call, size_t *n)
{
    const struct tmrec_session_status **rows = NULL;
    size_t allocated = 0;
    const struct tmrec_session_status *st;

    *n = 0;
    TMREC_SESSION_STATUS_FOR_EACH (st, call->ctx->idl) {
        if (st->session && api_call_sees(call, &st->session->external_ids)) {
            if (*n >= allocated) {
                rows = x2nrealloc(rows, &allocated, sizeof *rows);
            }
            rows[(*n)++] = st;
        }
    }
    if (*n) {
        qsort(rows, *n, sizeof *rows, compare_status);
    }
    return rows;
}

/* Appends one series per row of 'rows' for the statistic 'key' (or, with
 * 'key' NULL, the state gauges). */
static void
put_status_series(const struct tmrec_session_status **rows, size_t n,
                  struct ds *ds, const char *name, const char *key)
{
    static const char *const states[] = { "active", "pending", "error" };
    for (size_t r = 0; r < n; r++) {
        const struct tmrec_session_status *st = rows[r];
        if (key) {
            int64_t v = stat_of(st, key);
            if (v >= 0) {
                ds_put_cstr(ds, name);
                put_status_labels(ds, st);
                ds_put_format(ds, "} %"PRId64"\n", v);
            }
            continue;
        }
        for (size_t i = 0; i < ARRAY_SIZE(states); i++) {
            ds_put_cstr(ds, name);
            put_status_labels(ds, st);
            ds_put_format(ds, ",state=\"%s\"} %d\n", states[i],
                          !strcmp(st->state, states[i]));
        }
    }
}

/* qsort() comparison of Chassis rows by name. */
static int
compare_chassis(const void *a_, const void *b_)
{
    const struct tmrec_chassis *a = *(const struct tmrec_chassis **) a_;
    const struct tmrec_chassis *b = *(const struct tmrec_chassis **) b_;
    return strcmp(a->name, b->name);
}

/* Appends the chassis gauges, in chassis name order. */
static void
put_chassis(struct api_call *call, struct ds *ds)
{
    struct api_context *ctx = call->ctx;
    const struct tmrec_chassis **rows = NULL;
    size_t n = 0, allocated = 0;
    const struct tmrec_chassis *ch;

    TMREC_CHASSIS_FOR_EACH (ch, ctx->idl) {
        if (n >= allocated) {
            rows = x2nrealloc(rows, &allocated, sizeof *rows);
        }
        rows[n++] = ch;
    }
    if (n) {
        qsort(rows, n, sizeof *rows, compare_chassis);
    }

    put_header(ds, "tmirror_chassis_cfg", "gauge", "The TM_Global cfg that "
               "the chassis has programmed into its datapath.");
    for (size_t i = 0; i < n; i++) {
        ds_put_cstr(ds, "tmirror_chassis_cfg{chassis=\"");
        put_label(ds, rows[i]->name);
        ds_put_format(ds, "\"} %"PRId64"\n", rows[i]->cfg);
    }
    put_header(ds, "tmirror_chassis_last_seen_seconds", "gauge", "Unix "
               "time at which tmirror-api last saw the chassis's row "
               "change (or appear).");
    for (size_t i = 0; i < n; i++) {
        const long long int *seen = shash_find_data(&ctx->chassis_seen,
                                                    rows[i]->name);
        if (seen) {
            ds_put_cstr(ds, "tmirror_chassis_last_seen_seconds{chassis=\"");
            put_label(ds, rows[i]->name);
            ds_put_format(ds, "\"} %.3f\n", *seen / 1000.0);
        }
    }
    free(rows);

    const struct tmrec_tm_global *g = tmrec_tm_global_first(ctx->idl);
    put_header(ds, "tmirror_global_cfg", "gauge", "TM_Global cfg: the "
               "configuration sequence number chassis catch up with.");
    ds_put_format(ds, "tmirror_global_cfg %"PRId64"\n", g ? g->cfg : 0);
}

/* GET /metrics. */
void
api_metrics_handle(struct api_call *call)
{
    struct api_request *req = call->req;
    if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
        api_call_error(call, 405, "MethodNotAllowed", "/metrics takes GET");
        return;
    }
    const char *authz = api_request_header(req, "authorization");
    const struct api_credential *cred
        = (authz && !strncasecmp(authz, "Bearer ", 7)
           ? api_auth_find_token(call->auth, authz + 7) : NULL);
    if (!cred) {
        smap_replace(&req->resp_headers, "WWW-Authenticate",
                     "Bearer realm=\"tmirror-api\"");
        api_call_error(call, 401, "Unauthorized", "/metrics needs "
                       "\"Authorization: Bearer TOKEN\"");
        return;
    }
    call->cred = cred;
    call->project = cred->project;
    if (!api_call_authorize(call, "tmirror:GetMetrics")) {
        return;
    }

    size_t n;
    const struct tmrec_session_status **rows = visible_status(call, &n);
    struct ds ds = DS_EMPTY_INITIALIZER;
    put_header(&ds, "tmirror_session_packets_total", "counter", "Packets "
               "mirrored by a session on a chassis (its Session_Status "
               "statistics).");
    put_status_series(rows, n, &ds, "tmirror_session_packets_total",
                      "packets");
    put_header(&ds, "tmirror_session_bytes_total", "counter", "Bytes "
               "mirrored by a session on a chassis (of the original "
               "frames).");
    put_status_series(rows, n, &ds, "tmirror_session_bytes_total",
                      "bytes");
    put_header(&ds, "tmirror_session_state", "gauge", "1 for the state "
               "(active, pending, error) that a chassis reports for a "
               "session, 0 for the others.");
    put_status_series(rows, n, &ds, "tmirror_session_state", NULL);
    free(rows);
    if (call->project->admin) {
        put_chassis(call, &ds);
    }

    struct api_context *ctx = call->ctx;
    put_header(&ds, "tmirror_api_requests_total", "counter", "Requests "
               "this tmirror-api has handled.");
    ds_put_format(&ds, "tmirror_api_requests_total %llu\n", ctx->n_requests);
    put_header(&ds, "tmirror_api_writes_total", "counter", "Database "
               "transactions this tmirror-api has committed or tried.");
    ds_put_format(&ds, "tmirror_api_writes_total %llu\n", ctx->n_writes);
    put_header(&ds, "tmirror_api_retries_total", "counter", "Transactions "
               "retried because another client changed a row they read.");
    ds_put_format(&ds, "tmirror_api_retries_total %llu\n", ctx->n_conflicts);

    api_call_reply(call, 200, "text/plain; version=0.0.4; charset=utf-8",
                   ds_cstr(&ds));
    ds_destroy(&ds);
}

/* Records when tracked Chassis rows changed. */
void
api_metrics_track_chassis(struct api_context *ctx)
{
    const struct tmrec_chassis *ch;
    TMREC_CHASSIS_FOR_EACH_TRACKED (ch, ctx->idl) {
        if (tmrec_chassis_is_deleted(ch)) {
            free(shash_find_and_delete(&ctx->chassis_seen, ch->name));
            continue;
        }
        long long int *seen = shash_find_data(&ctx->chassis_seen, ch->name);
        if (!seen) {
            seen = xmalloc(sizeof *seen);
            shash_add(&ctx->chassis_seen, ch->name, seen);
        }
        *seen = time_wall_msec();
    }
}
