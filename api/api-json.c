/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The native API's JSON, with jansson.  See api-json.h.  Like every
 * jansson user in tmirror, this file includes no OVS JSON header (the
 * build refuses one that does; README, Decisions, "jansson and
 * libopenvswitch"). */

#include <config.h>

#include "api-json.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

/* Initializes an empty annotation. */
void
api_annot_init(struct api_annot *a)
{
    smap_init(&a->fields);
    a->rule_fields = NULL;
    a->n_rules = 0;
}

/* Frees what 'a' owns. */
void
api_annot_destroy(struct api_annot *a)
{
    smap_destroy(&a->fields);
    for (size_t i = 0; i < a->n_rules; i++) {
        smap_destroy(&a->rule_fields[i]);
    }
    free(a->rule_fields);
}

/* Loads 'body' as one JSON object.  Returns NULL and sets '*errorp' on
 * failure. */
static json_t *
load_object(const char *body, char **errorp)
{
    json_error_t jerr;
    json_t *obj = json_loads(body, JSON_REJECT_DUPLICATES, &jerr);
    if (!obj) {
        *errorp = xasprintf("JSON syntax error at line %d, column %d: %s",
                            jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(obj)) {
        json_decref(obj);
        *errorp = xstrdup("$: expected a JSON object");
        return NULL;
    }
    return obj;
}

/* Checks that 'body' is one object. */
char *
api_json_check_object(const char *body)
{
    char *error = NULL;
    json_t *obj = load_object(body, &error);
    json_decref(obj);
    return error;
}

/* Replaces the document path 'prefix' at the start of 'msg' by "$".  Frees
 * 'msg'. */
static char *
relative_path(char *msg, const char *prefix)
{
    size_t len = strlen(prefix);
    if (!strncmp(msg, prefix, len)) {
        char *rel = xasprintf("$%s", msg + len);
        free(msg);
        return rel;
    }
    return msg;
}

/* Returns a string member 'key' of 'obj', or NULL. */
static const char *
string_member(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Builds the document that holds 'obj' (reference stolen) as one object
 * of kind 'kind'. */
static json_t *
wrap_object(enum api_kind kind, json_t *obj)
{
    switch (kind) {
    case API_FILTER:
        return json_pack("{s:i, s:[o]}", "version", INTENT_DOC_VERSION,
                         "filters", obj);
    case API_RULE:
        return json_pack("{s:i, s:[{s:s, s:[o]}]}", "version",
                         INTENT_DOC_VERSION, "filters", "name", "f", "rules",
                         obj);
    case API_TARGET:
        return json_pack("{s:i, s:[o]}", "version", INTENT_DOC_VERSION,
                         "targets", obj);
    case API_SESSION: {
        /* Stand-ins named as the session's references, when they are
         * strings; otherwise the parser reports the bad member. */
        const char *t = string_member(obj, "target");
        const char *f = string_member(obj, "filter");
        json_t *doc = json_pack("{s:i, s:[o]}", "version", INTENT_DOC_VERSION,
                                "sessions", obj);
        if (t && *t) {
            json_object_set_new(doc, "targets",
                                json_pack("[{s:s, s:s, s:s}]", "name", t,
                                          "type", "port", "port", "stand-in"));
        }
        if (f && *f) {
            json_object_set_new(doc, "filters",
                                json_pack("[{s:s}]", "name", f));
        }
        return doc;
    }
    }
    OVS_NOT_REACHED();
}

/* Parses one object of kind 'kind'.  See api-json.h. */
char *
api_json_parse_object(enum api_kind kind, const char *body,
                      struct intent_doc *doc)
{
    char *error = NULL;
    json_t *obj = load_object(body, &error);
    if (!obj) {
        return error;
    }
    json_t *wrapped = wrap_object(kind, obj);
    char *text = json_dumps(wrapped, JSON_COMPACT);
    json_decref(wrapped);

    error = intent_doc_parse(text, NULL, doc);
    free(text);
    if (error) {
        static const char *const prefixes[] = {
            [API_FILTER] = "$.filters[0]",
            [API_RULE] = "$.filters[0].rules[0]",
            [API_TARGET] = "$.targets[0]",
            [API_SESSION] = "$.sessions[0]",
        };
        error = relative_path(error, prefixes[kind]);
    }
    return error;
}

/* Returns the array of kind 'kind' in the rendered document 'root'. */
static json_t *
kind_array(enum api_kind kind, json_t *root)
{
    switch (kind) {
    case API_FILTER:
        return json_object_get(root, "filters");
    case API_RULE:
        return json_object_get(json_array_get(json_object_get(root,
                                                              "filters"), 0),
                               "rules");
    case API_TARGET:
        return json_object_get(root, "targets");
    case API_SESSION:
        return json_object_get(root, "sessions");
    }
    OVS_NOT_REACHED();
}

/* Adds the string members of 'fields' to 'obj'. */
static void
add_fields(json_t *obj, const struct smap *fields)
{
    struct smap_node *node;
    SMAP_FOR_EACH (node, fields) {
        json_object_set_new(obj, node->key,
                            json_pack("s", node->value));
    }
}

/* Renders 'doc' and returns the array of kind 'kind' in it, with a new
 * reference; '*rootp' receives the document (to be freed). */
static json_t *
render_array(enum api_kind kind, const struct intent_doc *doc,
             json_t **rootp)
{
    char *text = intent_doc_format(doc);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    free(text);
    ovs_assert(root);
    *rootp = root;
    json_t *array = kind_array(kind, root);
    if (!array) {
        array = json_pack("[]");
    } else {
        json_incref(array);
    }
    return array;
}

/* Renders objects.  See api-json.h. */
char *
api_json_render(enum api_kind kind, const struct intent_doc *doc,
                const struct api_annot *annots, bool single,
                const char *next_token)
{
    json_t *root;
    json_t *array = render_array(kind, doc, &root);

    for (size_t i = 0; i < json_array_size(array); i++) {
        json_t *obj = json_array_get(array, i);
        add_fields(obj, &annots[i].fields);
        json_t *rules = json_object_get(obj, "rules");
        for (size_t j = 0; j < json_array_size(rules)
                           && j < annots[i].n_rules; j++) {
            add_fields(json_array_get(rules, j), &annots[i].rule_fields[j]);
        }
    }

    json_t *out;
    if (single) {
        out = json_array_get(array, 0);
        json_incref(out);
    } else {
        out = json_pack("{s:O}", "items", array);
        if (next_token) {
            json_object_set_new(out, "next_token",
                                json_pack("s", next_token));
        }
    }
    char *text = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS);
    char *result = xasprintf("%s\n", text);
    free(text);
    json_decref(out);
    json_decref(array);
    json_decref(root);
    return result;
}

/* Merges 'patch' into the rendered object of kind 'kind'. */
char *
api_json_merge(enum api_kind kind, const struct intent_doc *doc,
               const char *patch_text, char **merged, bool *has_rules)
{
    char *error = NULL;
    json_t *patch = load_object(patch_text, &error);
    if (!patch) {
        return error;
    }

    json_t *root;
    json_t *array = render_array(kind, doc, &root);
    json_t *obj = json_array_get(array, 0);

    const char *key;
    json_t *value;
    json_object_foreach (patch, key, value) {
        if (json_is_null(value)) {
            json_object_del(obj, key);
        } else {
            json_object_set(obj, key, value);
        }
    }
    *has_rules = json_object_get(patch, "rules") != NULL;
    *merged = json_dumps(obj, JSON_COMPACT);
    json_decref(array);
    json_decref(root);
    json_decref(patch);
    return NULL;
}

/* Renders a session's status rows. */
char *
api_json_status(const char *id, const char *name,
                const struct api_status *rows, size_t n)
{
    json_t *list = json_pack("[]");
    for (size_t i = 0; i < n; i++) {
        const struct api_status *s = &rows[i];
        json_t *row = json_pack("{s:s, s:s, s:s}", "chassis", s->chassis,
                                "state", s->state, "message", s->message);
        if (s->packets >= 0) {
            json_object_set_new(row, "packets",
                                json_pack("I", (json_int_t) s->packets));
        }
        if (s->bytes >= 0) {
            json_object_set_new(row, "bytes",
                                json_pack("I", (json_int_t) s->bytes));
        }
        json_array_append_new(list, row);
    }
    json_t *out = json_pack("{s:s, s:s, s:o}", "id", id, "name", name,
                            "status", list);
    char *text = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS);
    char *result = xasprintf("%s\n", text);
    free(text);
    json_decref(out);
    return result;
}

/* Renders the change list of PUT /v1/config. */
char *
api_json_changes(const struct svec *changes, bool dry_run)
{
    json_t *list = json_pack("[]");
    for (size_t i = 0; i < changes->n; i++) {
        json_array_append_new(list, json_pack("s", changes->names[i]));
    }
    json_t *out = json_pack("{s:b, s:o}", "dry_run", dry_run, "changes",
                            list);
    char *text = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS);
    char *result = xasprintf("%s\n", text);
    free(text);
    json_decref(out);
    return result;
}

/* Renders an error. */
char *
api_json_error(const char *code, const char *message)
{
    json_t *out = json_pack("{s:{s:s, s:s}}", "error", "code", code,
                            "message", message);
    char *text = json_dumps(out, JSON_COMPACT);
    char *result = text ? xasprintf("%s\n", text)
                        : xstrdup("{\"error\":{\"code\":\"InternalError\","
                                  "\"message\":\"unprintable message\"}}\n");
    free(text);
    json_decref(out);
    return result;
}
