/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_API_JSON_H
#define TMIRROR_API_JSON_H 1

/* The native API's JSON (api-json.c, the only jansson user of the request
 * path): request bodies in, responses out, converted through the plain C
 * structs of the export/apply document model (tmirror/intent-doc.h), so that the
 * API's objects are exactly the objects of "tmirror-ctl export" and are
 * checked by the same parser.  No OVS JSON here. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api-ids.h"
#include "tmirror/intent-doc.h"
#include "smap.h"
#include "svec.h"

/* Extra members of one rendered object ("id", "project", ...), and of its
 * rules for a filter. */
struct api_annot {
    struct smap fields;
    struct smap *rule_fields;   /* One per rule of a filter, or NULL. */
    size_t n_rules;
};

void api_annot_init(struct api_annot *);
void api_annot_destroy(struct api_annot *);

/* Parses the request body 'body' as one object of kind 'kind' into 'doc'
 * (initialized by the caller, who destroys it in any case): a filter
 * becomes doc->filters[0], a rule doc->filters[0].rules[0], a target
 * doc->targets[0], a session doc->sessions[0] (with stand-ins for its
 * target and filter, which the caller resolves in the database).  Returns
 * NULL or a message whose JSON path is relative to the body ("$.number:
 * ..."). */
char *api_json_parse_object(enum api_kind kind, const char *body,
                            struct intent_doc *doc);

/* Renders the objects of kind 'kind' in 'doc' (for API_RULE, the rules of
 * doc->filters[0]) with 'annots' (one per object, in order).  With 'single'
 * the one object alone; otherwise {"items": [...]} plus "next_token" when
 * 'next_token' is nonnull. */
char *api_json_render(enum api_kind kind, const struct intent_doc *doc,
                      const struct api_annot *annots, bool single,
                      const char *next_token);

/* Renders the object of kind 'kind' in 'doc' without annotations and
 * applies the JSON merge patch 'patch' (RFC 7396: null deletes a member)
 * to it, giving the text of the updated object in '*merged'.  Returns NULL
 * or an error about 'patch'.  Stores in '*has_rules' whether the patch
 * names "rules". */
char *api_json_merge(enum api_kind kind, const struct intent_doc *doc,
                     const char *patch, char **merged, bool *has_rules);

/* One Session_Status row. */
struct api_status {
    const char *chassis;
    const char *state;
    const char *message;
    int64_t packets;            /* -1 if unknown. */
    int64_t bytes;
};

/* Renders {"id": ..., "session": ..., "status": [...]}. */
char *api_json_status(const char *id, const char *name,
                      const struct api_status *, size_t n);

/* Renders {"dry_run": B, "changes": [...]}. */
char *api_json_changes(const struct svec *changes, bool dry_run);

/* Renders {"error": {"code": CODE, "message": MESSAGE}}. */
char *api_json_error(const char *code, const char *message);

/* Checks that 'body' is one JSON object; returns NULL or a message. */
char *api_json_check_object(const char *body);

#endif /* api/api-json.h */
