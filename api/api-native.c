/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The native API.  Routes (REF is an id, "tmf-..." etc., or a name; RULE is
 * an id "tmfr-..." or DIRECTION-NUMBER, e.g. "ingress-10"):
 *
 *   GET    /v1/filters                    tmirror:ListFilters
 *   POST   /v1/filters                    tmirror:CreateFilter
 *   GET    /v1/filters/REF                tmirror:GetFilter
 *   PATCH  /v1/filters/REF                tmirror:UpdateFilter
 *   DELETE /v1/filters/REF                tmirror:DeleteFilter
 *   GET    /v1/filters/REF/rules          tmirror:ListRules
 *   POST   /v1/filters/REF/rules          tmirror:CreateRule
 *   GET    /v1/filters/REF/rules/RULE     tmirror:GetRule
 *   PATCH  /v1/filters/REF/rules/RULE     tmirror:UpdateRule
 *   DELETE /v1/filters/REF/rules/RULE     tmirror:DeleteRule
 *   (the same five for /v1/targets and /v1/sessions: ...Target, ...Session)
 *   GET    /v1/sessions/REF/status        tmirror:GetSessionStatus
 *   GET    /v1/config                     tmirror:GetConfig
 *   PUT    /v1/config[?dry_run=true][&prune=true]   tmirror:PutConfig
 *
 * Lists take ?limit=N (1..1000, default 100) and ?next_token=T, and are in
 * name order.  Objects are those of "tmirror-ctl export", plus the
 * read-only members "id", "project", and for sessions "target_id" and
 * "filter_id".  PATCH takes a JSON merge patch (RFC 7396). */

#include <config.h>

#include "api-native.h"
#include "native-internal.h"

#include <stdlib.h>
#include <string.h>

#include "api-auth.h"
#include "api-call.h"
#include "api-apply.h"
#include "api-db.h"
#include "api-form.h"
#include "api-openapi.h"
#include "api-json.h"
#include "api-request.h"
#include "openvswitch/dynamic-string.h"
#include "ovsdb-idl.h"
#include "svec.h"
#include "tmirror-idl.h"
#include "tmirror/intent-rows.h"
#include "util.h"

/* ---- Filters. ---- */

/* Renders the filter with the call's UUID after a commit. */
static void
filter_committed(struct api_call *call)
{
    struct api_render render;
    api_render_init(&render);
    const struct tmrec_filter *row
        = tmrec_filter_get_for_uuid(call->ctx->idl, &call->uuid);
    if (row) {
        api_render_filter(&render, row);
    }
    native_reply_render(call, call->aux ? 201 : 200, API_FILTER, &render);
    api_render_destroy(&render);
}

static void
filter_create(struct api_call *call)
{
    struct intent_doc doc;
    intent_doc_init(&doc);
    char *error = api_json_parse_object(API_FILTER, call->req->body, &doc);
    if (error) {
        api_call_error(call, 400, "InvalidValue", "%s", error);
        free(error);
    } else {
        memset(&call->uuid, 0, sizeof call->uuid);
        api_db_write_filter(call, NULL, &doc.filters[0], true);
        call->aux = call;       /* Created: 201. */
    }
    intent_doc_destroy(&doc);
}

/* Merges the call's body into the current object of 'kind' in 'render'
 * and parses the result into 'doc'.  Returns false if it replied. */
static bool
merge_body(struct api_call *call, enum api_kind kind,
           const struct api_render *render, struct intent_doc *doc,
           bool *has_rules)
{
    char *merged = NULL;
    char *error = api_json_merge(kind, &render->doc, call->req->body,
                                 &merged, has_rules);
    if (!error) {
        error = api_json_parse_object(kind, merged, doc);
    }
    free(merged);
    if (error) {
        api_call_error(call, 400, "InvalidValue", "%s", error);
        free(error);
        return false;
    }
    return true;
}

static void
filter_update(struct api_call *call)
{
    const struct tmrec_filter *row = api_db_find_filter(call, call->path_arg);
    if (!row) {
        native_not_found(call, API_FILTER, call->path_arg);
        return;
    }
    struct api_render render;
    api_render_init(&render);
    api_render_filter(&render, row);
    struct intent_doc doc;
    intent_doc_init(&doc);
    bool has_rules;
    if (merge_body(call, API_FILTER, &render, &doc, &has_rules)) {
        call->uuid = row->header_.uuid;
        call->uuid_taken = true;
        api_db_write_filter(call, row, &doc.filters[0], has_rules);
    }
    intent_doc_destroy(&doc);
    api_render_destroy(&render);
}

/* Replies 204 after a delete. */
static void
deleted(struct api_call *call)
{
    if (call->dry_run) {
        struct api_render render;
        api_render_init(&render);
        native_reply_render(call, 200, API_FILTER, &render);
        api_render_destroy(&render);
        return;
    }
    api_call_reply(call, 204, "application/json", "");
}

static void
filter_delete(struct api_call *call)
{
    const struct tmrec_filter *row = api_db_find_filter(call, call->path_arg);
    if (!row) {
        native_not_found(call, API_FILTER, call->path_arg);
        return;
    }
    char *users = api_db_users_of_filter(call, row);
    if (users) {
        api_call_error(call, 409, "InUse", "filter %s is used by session%s "
                       "%s", row->name, strchr(users, ',') ? "s" : "", users);
        free(users);
        return;
    }
    tmrec_filter_delete(row);
}

static void
filter_get(struct api_call *call)
{
    const struct tmrec_filter *row = api_db_find_filter(call, call->path_arg);
    if (!row) {
        native_not_found(call, API_FILTER, call->path_arg);
        return;
    }
    struct api_render render;
    api_render_init(&render);
    api_render_filter(&render, row);
    native_reply_render(call, 200, API_FILTER, &render);
    api_render_destroy(&render);
}

/* ---- Rules. ---- */

/* Finds the filter of the path and, if 'rule_ref', its rule; replies 404
 * if either is missing. */
static bool
find_filter_rule(struct api_call *call, const struct tmrec_filter **filterp,
                 const struct tmrec_filter_rule **rulep)
{
    *filterp = api_db_find_filter(call, call->path_arg);
    if (!*filterp) {
        native_not_found(call, API_FILTER, call->path_arg);
        return false;
    }
    if (rulep) {
        *rulep = api_db_find_rule(*filterp, call->path_arg2);
        if (!*rulep) {
            api_call_error(call, 404, "NotFound", "rule %s: no such rule in "
                           "filter %s", call->path_arg2, (*filterp)->name);
            return false;
        }
    }
    return true;
}

static void
rule_committed(struct api_call *call)
{
    struct api_render render;
    api_render_init(&render);
    const struct tmrec_filter_rule *row
        = tmrec_filter_rule_get_for_uuid(call->ctx->idl, &call->uuid);
    const struct tmrec_filter *filter = row ? api_db_rule_filter(call, row)
                                            : NULL;
    if (filter) {
        api_render_rule(&render, filter, row);
    }
    native_reply_render(call, call->aux ? 201 : 200, API_RULE, &render);
    api_render_destroy(&render);
}

static void
rule_create(struct api_call *call)
{
    const struct tmrec_filter *filter;
    if (!find_filter_rule(call, &filter, NULL)) {
        return;
    }
    struct intent_doc doc;
    intent_doc_init(&doc);
    char *error = api_json_parse_object(API_RULE, call->req->body, &doc);
    if (error) {
        api_call_error(call, 400, "InvalidValue", "%s", error);
        free(error);
    } else {
        memset(&call->uuid, 0, sizeof call->uuid);
        api_db_write_rule(call, filter, NULL, &doc.filters[0].rules[0]);
        call->aux = call;
    }
    intent_doc_destroy(&doc);
}

static void
rule_update(struct api_call *call)
{
    const struct tmrec_filter *filter;
    const struct tmrec_filter_rule *rule;
    if (!find_filter_rule(call, &filter, &rule)) {
        return;
    }
    struct api_render render;
    api_render_init(&render);
    api_render_rule(&render, filter, rule);
    struct intent_doc doc;
    intent_doc_init(&doc);
    bool has_rules;
    if (merge_body(call, API_RULE, &render, &doc, &has_rules)) {
        call->uuid = rule->header_.uuid;
        call->uuid_taken = true;
        api_db_write_rule(call, filter, rule, &doc.filters[0].rules[0]);
    }
    intent_doc_destroy(&doc);
    api_render_destroy(&render);
}

static void
rule_delete(struct api_call *call)
{
    const struct tmrec_filter *filter;
    const struct tmrec_filter_rule *rule;
    if (find_filter_rule(call, &filter, &rule)) {
        api_db_filter_set_rules(filter, NULL, rule);
    }
}

static void
rule_get(struct api_call *call)
{
    const struct tmrec_filter *filter;
    const struct tmrec_filter_rule *rule;
    if (!find_filter_rule(call, &filter, &rule)) {
        return;
    }
    struct api_render render;
    api_render_init(&render);
    api_render_rule(&render, filter, rule);
    native_reply_render(call, 200, API_RULE, &render);
    api_render_destroy(&render);
}

static void
rule_list(struct api_call *call)
{
    const struct tmrec_filter *filter;
    if (!find_filter_rule(call, &filter, NULL)) {
        return;
    }
    struct api_render render;
    api_render_init(&render);
    const struct tmrec_filter_rule **rules = tm_filter_sorted_rules(filter);
    for (size_t i = 0; i < filter->n_rules; i++) {
        api_render_rule(&render, filter, rules[i]);
    }
    free(rules);
    api_call_reply_json(call, 200, api_json_render(API_RULE, &render.doc,
                                                   render.annots, false,
                                                   NULL));
    api_render_destroy(&render);
}

/* ---- Targets. ---- */

static void
target_committed(struct api_call *call)
{
    struct api_render render;
    api_render_init(&render);
    const struct tmrec_target *row
        = tmrec_target_get_for_uuid(call->ctx->idl, &call->uuid);
    if (row) {
        api_render_target(&render, row);
    }
    native_reply_render(call, call->aux ? 201 : 200, API_TARGET, &render);
    api_render_destroy(&render);
}

/* Writes target 't' over 'row' (NULL: a new one) after the port check. */
static void
write_target(struct api_call *call, const struct tmrec_target *row,
             const struct intent_doc_target *t)
{
    if (t->port && !api_db_check_port(call, "$.port", t->port)) {
        return;
    }
    api_db_write_target(call, row, t);
}

static void
target_create(struct api_call *call)
{
    struct intent_doc doc;
    intent_doc_init(&doc);
    char *error = api_json_parse_object(API_TARGET, call->req->body, &doc);
    if (error) {
        api_call_error(call, 400, "InvalidValue", "%s", error);
        free(error);
    } else {
        memset(&call->uuid, 0, sizeof call->uuid);
        write_target(call, NULL, &doc.targets[0]);
        call->aux = call;
    }
    intent_doc_destroy(&doc);
}

static void
target_update(struct api_call *call)
{
    const struct tmrec_target *row = api_db_find_target(call, call->path_arg);
    if (!row) {
        native_not_found(call, API_TARGET, call->path_arg);
        return;
    }
    struct api_render render;
    api_render_init(&render);
    api_render_target(&render, row);
    struct intent_doc doc;
    intent_doc_init(&doc);
    bool has_rules;
    if (merge_body(call, API_TARGET, &render, &doc, &has_rules)) {
        call->uuid = row->header_.uuid;
        call->uuid_taken = true;
        write_target(call, row, &doc.targets[0]);
    }
    intent_doc_destroy(&doc);
    api_render_destroy(&render);
}

static void
target_delete(struct api_call *call)
{
    const struct tmrec_target *row = api_db_find_target(call, call->path_arg);
    if (!row) {
        native_not_found(call, API_TARGET, call->path_arg);
        return;
    }
    char *users = api_db_users_of_target(call, row);
    if (users) {
        api_call_error(call, 409, "InUse", "target %s is used by session%s "
                       "%s", row->name, strchr(users, ',') ? "s" : "", users);
        free(users);
        return;
    }
    tmrec_target_delete(row);
}

static void
target_get(struct api_call *call)
{
    const struct tmrec_target *row = api_db_find_target(call, call->path_arg);
    if (!row) {
        native_not_found(call, API_TARGET, call->path_arg);
        return;
    }
    struct api_render render;
    api_render_init(&render);
    api_render_target(&render, row);
    native_reply_render(call, 200, API_TARGET, &render);
    api_render_destroy(&render);
}

/* ---- Sessions. ---- */

static void
session_committed(struct api_call *call)
{
    struct api_render render;
    api_render_init(&render);
    const struct tmrec_session *row
        = tmrec_session_get_for_uuid(call->ctx->idl, &call->uuid);
    if (row) {
        api_render_session(&render, row);
    }
    native_reply_render(call, call->aux ? 201 : 200, API_SESSION, &render);
    api_render_destroy(&render);
}

/* Resolves the session's target and filter (ids or names, visible to the
 * project), checks its source port, and writes it over 'row'. */
static void
write_session(struct api_call *call, const struct tmrec_session *row,
              const struct intent_doc_session *s)
{
    if (!api_db_check_port(call, "$.source", s->source)) {
        return;
    }
    const struct tmrec_target *target = api_db_find_target(call, s->target);
    if (!target) {
        api_call_error(call, 400, "InvalidValue", "$.target: %s is not a "
                       "target of project %s", s->target,
                       call->project->name);
        return;
    }
    const struct tmrec_filter *filter = api_db_find_filter(call, s->filter);
    if (!filter) {
        api_call_error(call, 400, "InvalidValue", "$.filter: %s is not a "
                       "filter of project %s", s->filter,
                       call->project->name);
        return;
    }
    api_db_write_session(call, row, s, target, filter);
}

static void
session_create(struct api_call *call)
{
    struct intent_doc doc;
    intent_doc_init(&doc);
    char *error = api_json_parse_object(API_SESSION, call->req->body, &doc);
    if (error) {
        api_call_error(call, 400, "InvalidValue", "%s", error);
        free(error);
    } else {
        memset(&call->uuid, 0, sizeof call->uuid);
        write_session(call, NULL, &doc.sessions[0]);
        call->aux = call;
    }
    intent_doc_destroy(&doc);
}

static void
session_update(struct api_call *call)
{
    const struct tmrec_session *row = api_db_find_session(call,
                                                          call->path_arg);
    if (!row) {
        native_not_found(call, API_SESSION, call->path_arg);
        return;
    }
    struct api_render render;
    api_render_init(&render);
    api_render_session(&render, row);
    struct intent_doc doc;
    intent_doc_init(&doc);
    bool has_rules;
    if (merge_body(call, API_SESSION, &render, &doc, &has_rules)) {
        call->uuid = row->header_.uuid;
        call->uuid_taken = true;
        write_session(call, row, &doc.sessions[0]);
    }
    intent_doc_destroy(&doc);
    api_render_destroy(&render);
}

static void
session_delete(struct api_call *call)
{
    const struct tmrec_session *row = api_db_find_session(call,
                                                          call->path_arg);
    if (!row) {
        native_not_found(call, API_SESSION, call->path_arg);
        return;
    }
    tmrec_session_delete(row);
}

static void
session_get(struct api_call *call)
{
    const struct tmrec_session *row = api_db_find_session(call,
                                                          call->path_arg);
    if (!row) {
        native_not_found(call, API_SESSION, call->path_arg);
        return;
    }
    struct api_render render;
    api_render_init(&render);
    api_render_session(&render, row);
    native_reply_render(call, 200, API_SESSION, &render);
    api_render_destroy(&render);
}

/* Returns the Session_Status statistic 'key' of 'row', or -1. */
static int64_t
status_stat(const struct tmrec_session_status *row, const char *key)
{
    for (size_t i = 0; i < row->n_statistics; i++) {
        if (!strcmp(row->key_statistics[i], key)) {
            return row->value_statistics[i];
        }
    }
    return -1;
}

/* qsort() comparison of status rows by chassis name. */
static int
compare_status(const void *a_, const void *b_)
{
    const struct api_status *a = a_, *b = b_;
    return strcmp(a->chassis, b->chassis);
}

static void
session_status(struct api_call *call)
{
    const struct tmrec_session *row = api_db_find_session(call,
                                                          call->path_arg);
    if (!row) {
        native_not_found(call, API_SESSION, call->path_arg);
        return;
    }
    struct ovsdb_idl_index *index = call->ctx->status_by_session;
    struct tmrec_session_status *key
        = tmrec_session_status_index_init_row(index);
    tmrec_session_status_index_set_session(key, row);

    size_t n = 0, allocated = 0;
    struct api_status *rows = NULL;
    const struct tmrec_session_status *st;
    TMREC_SESSION_STATUS_FOR_EACH_EQUAL (st, key, index) {
        if (n >= allocated) {
            rows = x2nrealloc(rows, &allocated, sizeof *rows);
        }
        rows[n++] = (struct api_status) {
            .chassis = st->chassis_name,
            .state = st->state,
            .message = st->message,
            .packets = status_stat(st, "packets"),
            .bytes = status_stat(st, "bytes"),
        };
    }
    tmrec_session_status_index_destroy_row(key);
    if (n) {
        qsort(rows, n, sizeof *rows, compare_status);
    }

    char id[API_ID_LEN + 1];
    api_id_format(API_SESSION, &row->header_.uuid, id);
    api_call_reply_json(call, 200, api_json_status(id, row->name, rows, n));
    free(rows);
}

/* ---- The whole configuration. ---- */

static void
config_get(struct api_call *call)
{
    struct intent_doc doc;
    intent_doc_init(&doc);
    api_db_export(call, &doc);
    char *text = intent_doc_format(&doc);
    api_call_reply(call, 200, "application/json", text);
    free(text);
    intent_doc_destroy(&doc);
}

/* The change list of a PUT, kept for the reply. */
static void
free_svec(void *changes)
{
    svec_destroy(changes);
    free(changes);
}

/* intent_doc_refs: the target 'name' that the project of 'aux' (a "struct
 * api_call") sees. */
static bool
config_find_target(const void *aux, const char *name, const char **type,
                   const char **encap)
{
    const struct tmrec_target *row = api_db_find_target(aux, name);
    if (row && !strcmp(row->name, name)) {
        *type = row->type;
        *encap = row->encap;
        return true;
    }
    return false;
}

/* intent_doc_refs: the filter 'name' that the project of 'aux' sees. */
static bool
config_find_filter(const void *aux, const char *name)
{
    const struct tmrec_filter *row = api_db_find_filter(aux, name);
    return row && !strcmp(row->name, name);
}

static void
config_put(struct api_call *call)
{
    bool prune;
    if (!native_query_bool(call, "prune", &prune)) {
        return;
    }
    struct intent_doc doc;
    intent_doc_init(&doc);
    const struct intent_doc_refs refs = {
        .find_target = config_find_target,
        .find_filter = config_find_filter,
        .aux = call,
    };
    char *error = intent_doc_parse(call->req->body, &refs, &doc);
    if (error) {
        api_call_error(call, 400, "InvalidValue", "%s", error);
        free(error);
        intent_doc_destroy(&doc);
        return;
    }
    intent_doc_sort(&doc);

    if (call->aux) {
        free_svec(call->aux);   /* A retry: start the list again. */
    }
    struct svec *changes = xmalloc(sizeof *changes);
    svec_init(changes);
    call->aux = changes;
    call->aux_free = free_svec;
    api_db_apply(call, &doc, prune, changes);
    intent_doc_destroy(&doc);
}

static void
config_committed(struct api_call *call)
{
    api_call_reply_json(call, 200, api_json_changes(call->aux,
                                                    call->dry_run));
}

/* ---- Routing. ---- */

/* One route: METHOD and path pattern ("*" matches one segment). */
struct route {
    const char *method;
    const char *pattern;
    const char *action;
    api_handler_func *read;     /* A read handler, or... */
    api_handler_func *write;    /* ...a write handler and... */
    api_handler_func *done;     /* ...what renders its result. */
};

/* The collections' GET handlers. */
static void
list_filters(struct api_call *c)
{
    native_list_rows(c, API_FILTER);
}

static void
list_targets(struct api_call *c)
{
    native_list_rows(c, API_TARGET);
}

static void
list_sessions(struct api_call *c)
{
    native_list_rows(c, API_SESSION);
}

static const struct route routes[] = {
    {"GET", "/v1/filters", "tmirror:ListFilters", list_filters, NULL, NULL},
    {"POST", "/v1/filters", "tmirror:CreateFilter", NULL, filter_create,
     filter_committed},
    {"GET", "/v1/filters/*", "tmirror:GetFilter", filter_get, NULL, NULL},
    {"PATCH", "/v1/filters/*", "tmirror:UpdateFilter", NULL, filter_update,
     filter_committed},
    {"DELETE", "/v1/filters/*", "tmirror:DeleteFilter", NULL, filter_delete,
     deleted},
    {"GET", "/v1/filters/*/rules", "tmirror:ListRules", rule_list, NULL,
     NULL},
    {"POST", "/v1/filters/*/rules", "tmirror:CreateRule", NULL, rule_create,
     rule_committed},
    {"GET", "/v1/filters/*/rules/*", "tmirror:GetRule", rule_get, NULL,
     NULL},
    {"PATCH", "/v1/filters/*/rules/*", "tmirror:UpdateRule", NULL,
     rule_update, rule_committed},
    {"DELETE", "/v1/filters/*/rules/*", "tmirror:DeleteRule", NULL,
     rule_delete, deleted},
    {"GET", "/v1/targets", "tmirror:ListTargets", list_targets, NULL, NULL},
    {"POST", "/v1/targets", "tmirror:CreateTarget", NULL, target_create,
     target_committed},
    {"GET", "/v1/targets/*", "tmirror:GetTarget", target_get, NULL, NULL},
    {"PATCH", "/v1/targets/*", "tmirror:UpdateTarget", NULL, target_update,
     target_committed},
    {"DELETE", "/v1/targets/*", "tmirror:DeleteTarget", NULL, target_delete,
     deleted},
    {"GET", "/v1/sessions", "tmirror:ListSessions", list_sessions, NULL,
     NULL},
    {"POST", "/v1/sessions", "tmirror:CreateSession", NULL, session_create,
     session_committed},
    {"GET", "/v1/sessions/*", "tmirror:GetSession", session_get, NULL,
     NULL},
    {"PATCH", "/v1/sessions/*", "tmirror:UpdateSession", NULL,
     session_update, session_committed},
    {"DELETE", "/v1/sessions/*", "tmirror:DeleteSession", NULL,
     session_delete, deleted},
    {"GET", "/v1/sessions/*/status", "tmirror:GetSessionStatus",
     session_status, NULL, NULL},
    {"GET", "/v1/config", "tmirror:GetConfig", config_get, NULL, NULL},
    {"PUT", "/v1/config", "tmirror:PutConfig", NULL, config_put,
     config_committed},
};

/* Matches 'path' against 'pattern', storing up to two "*" segments.
 * Returns true on a match. */
static bool
match_path(const char *pattern, const char *path, struct svec *args)
{
    svec_clear(args);
    for (;;) {
        if (*pattern == '*') {
            size_t len = strcspn(path, "/");
            if (!len) {
                return false;
            }
            svec_add_nocopy(args, xmemdup0(path, len));
            pattern++;
            path += len;
        } else if (!*pattern || !*path) {
            return !*pattern && !*path;
        } else if (*pattern++ != *path++) {
            return false;
        }
    }
}

/* Handles a request under /v1/. */
void
api_native_handle(struct api_call *call)
{
    struct api_request *req = call->req;
    const struct route *found = NULL;
    bool path_known = false;
    struct svec args = SVEC_EMPTY_INITIALIZER;
    const char *method = strcmp(req->method, "HEAD") ? req->method : "GET";

    for (size_t i = 0; i < ARRAY_SIZE(routes) && !found; i++) {
        if (match_path(routes[i].pattern, req->path, &args)) {
            path_known = true;
            if (!strcmp(routes[i].method, method)) {
                found = &routes[i];
            }
        }
    }
    if (!found) {
        svec_destroy(&args);
        if (path_known) {
            api_call_error(call, 405, "MethodNotAllowed", "%s is not allowed "
                           "on %s", req->method, req->path);
        } else {
            api_call_error(call, 404, "NotFound", "%s: no such resource",
                           req->path);
        }
        return;
    }
    call->path_arg = args.n > 0 ? xstrdup(args.names[0]) : NULL;
    call->path_arg2 = args.n > 1 ? xstrdup(args.names[1]) : NULL;
    svec_destroy(&args);

    if (!native_authenticate(call)
        || !api_call_authorize(call, found->action)) {
        return;
    }
    if (found->read) {
        static const char *const none[] = { NULL };
        if (found->read != list_filters && found->read != list_targets
            && found->read != list_sessions
            && !native_parse_query(call, none)) {
            return;
        }
        found->read(call);
        return;
    }

    static const char *const write_params[] = { "dry_run", "prune", NULL };
    if (!native_parse_query(call, write_params)
        || !native_query_bool(call, "dry_run", &call->dry_run)) {
        return;
    }
    if (smap_get(&call->params, "prune") && found->write != config_put) {
        api_call_error(call, 400, "InvalidParameter", "prune: only for PUT "
                       "/v1/config");
        return;
    }
    if (strcmp(req->method, "DELETE") && !native_check_body(call)) {
        return;
    }
    api_call_start_write(call, found->write, found->done);
}

/* Lists the routes.  See api-openapi.h. */
void
api_native_routes(struct ds *ds)
{
    for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
        ds_put_format(ds, "%s %s %s\n", routes[i].method, routes[i].pattern,
                      routes[i].action);
    }
}
