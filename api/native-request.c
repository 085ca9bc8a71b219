/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The native API's request plumbing: bearer tokens, query parameters,
 * bodies, error and object replies, and paged lists in name order. */

#include <config.h>

#include "native-internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api-auth.h"
#include "api-call.h"
#include "api-db.h"
#include "api-form.h"
#include "api-json.h"
#include "api-request.h"
#include "openvswitch/dynamic-string.h"
#include "ovsdb-idl.h"
#include "svec.h"
#include "tmirror-idl.h"
#include "util.h"

/* ---- Request plumbing. ---- */

/* Returns the value of hex digit 'c', or -1. */
static int
hexval(int c)
{
    return (c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1);
}

/* Parses the query string of the call into call->params.  Refuses a
 * parameter not in 'allowed' (NULL-terminated) or given twice. */
bool
native_parse_query(struct api_call *call, const char *const allowed[])
{
    char *error = api_form_parse(call->req->query, &call->params);
    if (error) {
        api_call_error(call, 400, "InvalidParameter", "%s", error);
        free(error);
        return false;
    }
    struct smap_node *node;
    SMAP_FOR_EACH (node, &call->params) {
        bool known = false;
        for (size_t i = 0; allowed[i]; i++) {
            known = known || !strcmp(node->key, allowed[i]);
        }
        if (!known) {
            api_call_error(call, 400, "InvalidParameter", "%s: unknown query "
                           "parameter", node->key);
            return false;
        }
    }
    return true;
}

/* Reads a boolean query parameter. */
bool
native_query_bool(struct api_call *call, const char *key, bool *out)
{
    const char *v = smap_get(&call->params, key);
    *out = false;
    if (!v) {
        return true;
    }
    if (!strcmp(v, "true") || !strcmp(v, "1") || !*v) {
        *out = true;
    } else if (strcmp(v, "false") && strcmp(v, "0")) {
        api_call_error(call, 400, "InvalidParameter", "%s: %s is not true "
                       "or false", key, v);
        return false;
    }
    return true;
}

/* Authenticates the call with its bearer token. */
bool
native_authenticate(struct api_call *call)
{
    const char *authz = api_request_header(call->req, "authorization");
    smap_replace(&call->req->resp_headers, "WWW-Authenticate",
                 "Bearer realm=\"tmirror-api\"");
    if (!authz || strncasecmp(authz, "Bearer ", 7)) {
        api_call_error(call, 401, "Unauthorized", "missing \"Authorization: "
                       "Bearer TOKEN\" header");
        return false;
    }
    const struct api_credential *cred
        = api_auth_find_token(call->auth, authz + 7);
    if (!cred) {
        api_call_error(call, 401, "Unauthorized", "the bearer token is not "
                       "one of the configured credentials");
        return false;
    }
    smap_remove(&call->req->resp_headers, "WWW-Authenticate");
    call->cred = cred;
    call->project = cred->project;
    return true;
}

/* Checks the body of a write: JSON content type, one object. */
bool
native_check_body(struct api_call *call)
{
    const char *type = api_request_header(call->req, "content-type");
    size_t len = type ? strcspn(type, "; ") : 0;
    if (!type || ((len != strlen("application/json")
                   || strncasecmp(type, "application/json", len))
                  && (len != strlen("application/merge-patch+json")
                      || strncasecmp(type, "application/merge-patch+json",
                                     len)))) {
        api_call_error(call, 415, "UnsupportedMediaType", "Content-Type: %s "
                       "is not application/json", type ? type : "(none)");
        return false;
    }
    if (strlen(call->req->body) != call->req->body_len) {
        api_call_error(call, 400, "InvalidJSON", "the body contains a NUL "
                       "byte");
        return false;
    }
    char *error = api_json_check_object(call->req->body);
    if (error) {
        api_call_error(call, 400, "InvalidJSON", "%s", error);
        free(error);
        return false;
    }
    return true;
}

/* Replies 404 for a missing 'kind' named 'ref'. */
void
native_not_found(struct api_call *call, enum api_kind kind, const char *ref)
{
    api_call_error(call, 404, "NotFound", "%s %s: no such %s (for project "
                   "%s)", api_kind_name(kind), ref, api_kind_name(kind),
                   call->project->name);
}

/* Replies with one rendered object. */
void
native_reply_render(struct api_call *call, int status, enum api_kind kind,
             struct api_render *render)
{
    if (call->dry_run) {
        struct svec changes = SVEC_EMPTY_INITIALIZER;
        svec_add_nocopy(&changes, xasprintf("%s %s", call->req->method,
                                            call->req->path));
        api_call_reply_json(call, 200, api_json_changes(&changes, true));
        svec_destroy(&changes);
        return;
    }
    if (!render->n) {
        /* The row is gone already (deleted by someone else meanwhile). */
        api_call_reply_json(call, status, api_json_error("Gone", "the row "
                                                         "was deleted "
                                                         "meanwhile"));
        return;
    }
    api_call_reply_json(call, status,
                        api_json_render(kind, &render->doc, render->annots,
                                        true, NULL));
}

/* ---- Lists. ---- */

/* Returns 's' hex-encoded. */
static char *
hex_encode(const char *s)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        ds_put_format(&ds, "%02x", *p);
    }
    return ds_steal_cstr(&ds);
}

/* Decodes a hex next_token; NULL if it is not one. */
static char *
hex_decode(const char *s)
{
    size_t n = strlen(s);
    if (n % 2 || !n) {
        return NULL;
    }
    char *out = xmalloc(n / 2 + 1);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0 || (!hi && !lo)) {
            free(out);
            return NULL;
        }
        out[i] = hi * 16 + lo;
    }
    out[n / 2] = '\0';
    return out;
}

/* Reads ?limit and ?next_token.  '*after' is the name to start after (or
 * NULL). */
static bool
page_params(struct api_call *call, size_t *limit, char **after)
{
    static const char *const allowed[] = { "limit", "next_token", NULL };
    if (!native_parse_query(call, allowed)) {
        return false;
    }
    *limit = call->ctx->default_page;
    const char *l = smap_get(&call->params, "limit");
    if (l) {
        char *end;
        long v = strtol(l, &end, 10);
        if (!*l || *end || v < 1 || v > call->ctx->max_page) {
            api_call_error(call, 400, "InvalidParameter", "limit: %s is not "
                           "an integer from 1 to %"PRIuSIZE, l,
                           call->ctx->max_page);
            return false;
        }
        *limit = v;
    }
    *after = NULL;
    const char *token = smap_get(&call->params, "next_token");
    if (token) {
        *after = hex_decode(token);
        if (!*after) {
            api_call_error(call, 400, "InvalidParameter", "next_token: %s is "
                           "not a token this API returned", token);
            return false;
        }
    }
    return true;
}

/* Lists rows of 'kind' in name order through the name index: what the
 * call sees, after 'after', at most 'limit'. */
void
native_list_rows(struct api_call *call, enum api_kind kind)
{
    size_t limit;
    char *after;
    if (!page_params(call, &limit, &after)) {
        return;
    }

    struct api_context *ctx = call->ctx;
    struct api_render render;
    api_render_init(&render);
    struct ovsdb_idl_index *index;
    const struct ovsdb_idl_row *key;
    switch (kind) {
    case API_FILTER: {
        index = ctx->filter_by_name;
        struct tmrec_filter *k = tmrec_filter_index_init_row(index);
        tmrec_filter_index_set_name(k, after ? after : "");
        key = &k->header_;
        break;
    }
    case API_TARGET: {
        index = ctx->target_by_name;
        struct tmrec_target *k = tmrec_target_index_init_row(index);
        tmrec_target_index_set_name(k, after ? after : "");
        key = &k->header_;
        break;
    }
    case API_SESSION: {
        index = ctx->session_by_name;
        struct tmrec_session *k = tmrec_session_index_init_row(index);
        tmrec_session_index_set_name(k, after ? after : "");
        key = &k->header_;
        break;
    }
    case API_RULE:
    default:
        OVS_NOT_REACHED();
    }

    const char *last = NULL;
    bool more = false;
    for (struct ovsdb_idl_cursor cursor = ovsdb_idl_cursor_first_ge(index,
                                                                    key);
         ovsdb_idl_cursor_data(&cursor); ovsdb_idl_cursor_next(&cursor)) {
        const struct ovsdb_idl_row *row = ovsdb_idl_cursor_data(&cursor);
        const struct smap *ids;
        const char *name;
        if (kind == API_FILTER) {
            const struct tmrec_filter *f = tmrec_filter_cast(row);
            ids = &f->external_ids;
            name = f->name;
        } else if (kind == API_TARGET) {
            const struct tmrec_target *t = tmrec_target_cast(row);
            ids = &t->external_ids;
            name = t->name;
        } else {
            const struct tmrec_session *s = tmrec_session_cast(row);
            ids = &s->external_ids;
            name = s->name;
        }
        if ((after && !strcmp(name, after)) || !api_call_sees(call, ids)) {
            continue;
        }
        if (render.n >= limit) {
            more = true;
            break;
        }
        if (kind == API_FILTER) {
            api_render_filter(&render, tmrec_filter_cast(row));
        } else if (kind == API_TARGET) {
            api_render_target(&render, tmrec_target_cast(row));
        } else {
            api_render_session(&render, tmrec_session_cast(row));
        }
        last = name;
    }
    ovsdb_idl_index_destroy_row(key);

    char *token = more && last ? hex_encode(last) : NULL;
    api_call_reply_json(call, 200, api_json_render(kind, &render.doc,
                                                   render.annots, false,
                                                   token));
    free(token);
    free(after);
    api_render_destroy(&render);
}

