/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "api-call.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "api-auth.h"
#include "api-ec2.h"
#include "api-json.h"
#include "api-metrics.h"
#include "api-native.h"
#include "api-openapi.h"
#include "api-request.h"
#include "coverage.h"
#include "http-server.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "tmirror-idl.h"
#include "tmirror/intent-check.h"
#include "tmirror/intent-rows.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(api_call);

COVERAGE_DEFINE(api_write);
COVERAGE_DEFINE(api_write_retry);
COVERAGE_DEFINE(api_write_refused);
COVERAGE_DEFINE(api_write_timeout);

/* How long a write may wait for the database by default: queued, it is
 * then answered 503; in flight, 504. */
#define DEFAULT_WRITE_TIMEOUT_MS (30 * 1000)

/* Times a transaction that the server asked to retry is rebuilt. */
#define MAX_ATTEMPTS 5

/* Initializes 'ctx' around 'idl' (which it then owns). */
void
api_context_init(struct api_context *ctx, struct ovsdb_idl *idl)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->idl = idl;
    ctx->auth = api_auth_create_empty();
    sigv4_replay_init(&ctx->replay);
    shash_init(&ctx->chassis_seen);
    ovs_list_init(&ctx->waiting);
    ctx->write_timeout = DEFAULT_WRITE_TIMEOUT_MS;
    ctx->default_page = 100;
    ctx->max_page = 1000;
}

/* Frees what 'ctx' owns.  Calls in progress must have been aborted. */
void
api_context_destroy(struct api_context *ctx)
{
    api_auth_unref(ctx->auth);
    sigv4_replay_destroy(&ctx->replay);
    shash_destroy_free_data(&ctx->chassis_seen);
    tm_intent_lookup_destroy(ctx->lookup);
    ovsdb_idl_destroy(ctx->idl);
}

/* Returns the project tag in 'external_ids'. */
const char *
api_row_project(const struct smap *external_ids)
{
    return smap_get(external_ids, API_PROJECT_KEY);
}

/* Returns true if the call's project sees a row with 'external_ids'. */
bool
api_call_sees(const struct api_call *call, const struct smap *external_ids)
{
    return call->project && api_project_sees(call->project,
                                             api_row_project(external_ids));
}

/* Returns a new call for 'req'. */
static struct api_call *
call_create(struct api_context *ctx, struct api_request *req)
{
    struct api_call *call = xzalloc(sizeof *call);
    call->ctx = ctx;
    call->req = req;
    call->auth = api_auth_ref(ctx->auth);
    smap_init(&call->params);
    ovs_list_init(&call->list_node);
    return call;
}

/* Sets the call's response. */
void
api_call_reply(struct api_call *call, int status, const char *content_type,
               const char *body)
{
    api_request_reply(call->req, status, content_type, body, strlen(body));
    call->replied = true;
}

/* Sets a JSON response, taking ownership of 'json'. */
void
api_call_reply_json(struct api_call *call, int status, char *json)
{
    api_call_reply(call, status, "application/json", json);
    free(json);
}

/* Sets an error response in the call's dialect. */
void
api_call_error(struct api_call *call, int status, const char *code,
               const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *message = xvasprintf(format, args);
    va_end(args);

    if (call->dialect == API_EC2) {
        char *xml = api_ec2_error_xml(code, message, call->req->serial);
        api_call_reply(call, status, "text/xml", xml);
        free(xml);
    } else if (call->dialect == API_PLAIN) {
        char *text = xasprintf("%s: %s\n", code, message);
        api_call_reply(call, status, "text/plain; charset=utf-8", text);
        free(text);
    } else {
        api_call_reply_json(call, status, api_json_error(code, message));
    }
    free(call->req->log_note);
    call->req->log_note = xasprintf("%s: %s", code, message);
    free(message);
}

/* Authorizes 'action'. */
bool
api_call_authorize(struct api_call *call, const char *action)
{
    call->action = action;
    if (call->cred && api_auth_allows(call->cred, action)) {
        return true;
    }
    if (call->dialect == API_EC2) {
        api_call_error(call, 403, "UnauthorizedOperation",
                       "You are not authorized to perform this operation "
                       "(%s is not in the policy of this credential)",
                       action);
    } else {
        api_call_error(call, 403, "Forbidden", "%s is not in the policy of "
                       "this credential", action);
    }
    return false;
}

/* Frees 'call' after handing its request back to the HTTP thread. */
void
api_call_finish(struct api_call *call)
{
    if (!call->replied) {
        api_call_error(call, 500, "InternalError", "the request was not "
                       "answered");
    }
    if (call->cred && !call->req->log_note) {
        call->req->log_note = xasprintf("project=%s%s%s",
                                        call->project->name,
                                        call->action ? " " : "",
                                        call->action ? call->action : "");
    }
    http_server_reply(call->ctx->server, call->req);
    if (call->txn) {
        ovsdb_idl_txn_destroy(call->txn);
    }
    if (call->aux_free) {
        call->aux_free(call->aux);
    }
    smap_destroy(&call->params);
    free(call->path_arg);
    free(call->path_arg2);
    api_auth_unref(call->auth);
    free(call);
}

/* Queues a write. */
void
api_call_start_write(struct api_call *call, api_handler_func *handler,
                     api_handler_func *on_commit)
{
    call->handler = handler;
    call->on_commit = on_commit;
    ovs_list_push_back(&call->ctx->waiting, &call->list_node);
}

/* Returns the HTTP status for a refusal by the cross-row checks. */
static int
intent_error_status(const char *error)
{
    return (strstr(error, "already used") || strstr(error, "more than one")
            ? 409 : 400);
}

/* Runs 'call''s handler in a new transaction and commits it.  Returns true
 * if the transaction is now in flight, false if the call is answered. */
static bool
write_begin(struct api_context *ctx, struct api_call *call)
{
    if (!ovsdb_idl_is_connected(ctx->idl)) {
        api_call_error(call, 503, "Unavailable", "the database is not "
                       "connected; retry later");
        return false;
    }
    call->attempts++;
    call->uuid_taken = false;
    call->txn = ovsdb_idl_txn_create(ctx->idl);
    ovsdb_idl_txn_add_comment(call->txn, "tmirror-api: %s %s (%s)",
                              call->req->method, call->req->path,
                              call->action ? call->action : "?");
    call->handler(call);
    if (call->replied) {
        COVERAGE_INC(api_write_refused);
        ovsdb_idl_txn_abort(call->txn);
        ovsdb_idl_txn_destroy(call->txn);
        call->txn = NULL;
        return false;
    }

    char *error = tm_intent_check_txn(ctx->lookup);
    if (error) {
        COVERAGE_INC(api_write_refused);
        int status = intent_error_status(error);
        api_call_error(call, status,
                       (call->dialect == API_EC2 ? "InvalidParameterValue"
                        : status == 409 ? "Conflict" : "InvalidValue"),
                       "%s", error);
        free(error);
        ovsdb_idl_txn_abort(call->txn);
        ovsdb_idl_txn_destroy(call->txn);
        call->txn = NULL;
        return false;
    }
    if (call->dry_run) {
        ovsdb_idl_txn_set_dry_run(call->txn);
    }
    COVERAGE_INC(api_write);
    ctx->n_writes++;
    ovsdb_idl_txn_commit(call->txn);
    call->committed = time_msec();
    ctx->in_flight = call;
    return true;
}

/* Gives up the write in flight, which the database has not answered within
 * the write timeout: a server that stopped answering (stopped, or stuck on
 * its disk) must not hold this and every later write forever.  The
 * transaction may still be applied, so the answer says the outcome is not
 * known. */
static void
write_expire(struct api_context *ctx)
{
    struct api_call *call = ctx->in_flight;
    ctx->in_flight = NULL;
    COVERAGE_INC(api_write_timeout);
    VLOG_WARN("%s %s: the database did not answer the transaction within "
              "%lld ms; giving up", call->req->method, call->req->path,
              ctx->write_timeout);
    ovsdb_idl_txn_destroy(call->txn);
    call->txn = NULL;
    api_call_error(call, 504, call->dialect == API_EC2 ? "Unavailable"
                   : "Timeout", "the database did not answer within %lld s; "
                   "the change may or may not have been made: read it back "
                   "before retrying", ctx->write_timeout / 1000);
    api_call_finish(call);
}

/* Returns the HTTP status and code for a transaction error 'error' from
 * the server. */
static int
txn_error_status(const char *error, const char **code)
{
    if (strstr(error, "constraint violation")
        || strstr(error, "referential integrity violation")) {
        *code = "Conflict";
        return 409;
    }
    *code = "InternalError";
    return 500;
}

/* Looks at the write in flight.  Returns true if it is finished. */
static bool
write_poll(struct api_context *ctx)
{
    struct api_call *call = ctx->in_flight;
    enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit(call->txn);
    if (status == TXN_INCOMPLETE) {
        if (time_msec() - call->committed < ctx->write_timeout) {
            return false;
        }
        write_expire(ctx);
        return true;
    }
    ctx->in_flight = NULL;

    if (status == TXN_SUCCESS || status == TXN_UNCHANGED) {
        call->on_commit(call);
    } else if (status == TXN_TRY_AGAIN && call->attempts < MAX_ATTEMPTS) {
        COVERAGE_INC(api_write_retry);
        ctx->n_conflicts++;
        ovsdb_idl_txn_destroy(call->txn);
        call->txn = NULL;
        ovs_list_push_front(&ctx->waiting, &call->list_node);
        return true;
    } else if (status == TXN_ERROR) {
        const char *code;
        const char *error = ovsdb_idl_txn_get_error(call->txn);
        int http = txn_error_status(error, &code);
        if (call->dialect == API_EC2) {
            code = http == 409 ? "InvalidParameterValue" : "InternalError";
        }
        api_call_error(call, http, code, "the database refused the "
                       "change: %s", error);
    } else {
        api_call_error(call, 503, "Unavailable", "the transaction did not "
                       "complete (%s); retry later",
                       ovsdb_idl_txn_status_to_string(status));
    }
    api_call_finish(call);
    return true;
}

/* Answers 503 to the queued writes that have waited longer than the write
 * timeout (they have not started: nothing of them was made), also while
 * another write is in flight. */
static void
writes_expire_waiting(struct api_context *ctx)
{
    struct api_call *call;
    LIST_FOR_EACH_SAFE (call, list_node, &ctx->waiting) {
        if (time_msec() - call->req->received < ctx->write_timeout) {
            break;              /* The list is in order of arrival. */
        }
        ovs_list_remove(&call->list_node);
        api_call_error(call, 503, "Unavailable", "the database did not "
                       "answer in time; nothing was changed; retry later");
        api_call_finish(call);
    }
}

/* Advances writes: polls the one in flight, then starts the next ones
 * until one is in flight.  Writes that waited past the write timeout are
 * answered 503, and one in flight past it 504. */
static void
writes_run(struct api_context *ctx)
{
    writes_expire_waiting(ctx);
    for (;;) {
        if (ctx->in_flight && !write_poll(ctx)) {
            return;
        }
        if (ctx->in_flight) {
            continue;
        }
        if (ovs_list_is_empty(&ctx->waiting)) {
            return;
        }
        struct api_call *call = CONTAINER_OF(ovs_list_pop_front(
                                                 &ctx->waiting),
                                             struct api_call, list_node);
        if (!write_begin(ctx, call)) {
            api_call_finish(call);
        }
    }
}

/* Routes one request to its dialect. */
static void
dispatch(struct api_context *ctx, struct api_request *req)
{
    struct api_call *call = call_create(ctx, req);
    ctx->n_requests++;

    const char *path = req->path;
    if (!strcmp(path, "/v1/openapi.json")) {
        api_openapi_handle(call);
    } else if (!ovsdb_idl_is_connected(ctx->idl)) {
        /* Not only writes: what the replica last saw (a session "active")
         * may be long out of date, so it is not served as the truth. */
        call->dialect = (!strcmp(path, "/") ? API_EC2
                         : !strcmp(path, "/metrics") ? API_PLAIN
                         : API_NATIVE);
        api_call_error(call, 503, "Unavailable", "the database is not "
                       "connected%s; retry later",
                       ovsdb_idl_has_ever_connected(ctx->idl)
                       ? " (what tmirror-api last saw may be out of date)"
                       : " yet");
    } else if (!strcmp(path, "/v1") || !strncmp(path, "/v1/", 4)) {
        call->dialect = API_NATIVE;
        api_native_handle(call);
    } else if (!strcmp(path, "/metrics")) {
        call->dialect = API_PLAIN;
        api_metrics_handle(call);
    } else if (!strcmp(path, "/")) {
        call->dialect = API_EC2;
        api_ec2_handle(call);
    } else {
        api_call_error(call, 404, "NotFound", "%s: no such resource (the "
                       "native API is under /v1/, EC2 at /, metrics at "
                       "/metrics)", path);
    }

    if (call->replied) {
        api_call_finish(call);
    } else if (!call->handler) {
        api_call_finish(call);  /* 500: a handler forgot to answer. */
    }
}

/* Handles the queued 'requests' and advances writes. */
void
api_context_run(struct api_context *ctx, struct ovs_list *requests)
{
    struct api_request *req;
    LIST_FOR_EACH_POP (req, list_node, requests) {
        dispatch(ctx, req);
    }
    writes_run(ctx);
}

/* Wakes for the write in flight.  Writes wait only behind the one in
 * flight, so its completion is what starts the next. */
void
api_context_wait(struct api_context *ctx)
{
    if (ctx->in_flight) {
        ovsdb_idl_txn_wait(ctx->in_flight->txn);
        poll_timer_wait_until(ctx->in_flight->committed
                              + ctx->write_timeout);
    }
    if (!ovs_list_is_empty(&ctx->waiting)) {
        const struct api_call *first = CONTAINER_OF(
            ovs_list_front(&ctx->waiting), struct api_call, list_node);
        poll_timer_wait_until(first->req->received + ctx->write_timeout);
    }
}

/* Answers every write in progress with 503. */
void
api_context_abort_all(struct api_context *ctx)
{
    if (ctx->in_flight) {
        struct api_call *call = ctx->in_flight;
        ctx->in_flight = NULL;
        api_call_error(call, 503, "Unavailable", "tmirror-api is stopping");
        api_call_finish(call);
    }
    struct api_call *call;
    LIST_FOR_EACH_POP (call, list_node, &ctx->waiting) {
        api_call_error(call, 503, "Unavailable", "tmirror-api is stopping");
        api_call_finish(call);
    }
}
