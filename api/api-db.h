/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_API_DB_H
#define TMIRROR_API_DB_H 1

/* tmirror-api's view of the Traffic_Mirror database, shared by both
 * dialects: finding rows by id or name as a project sees them, turning rows
 * into the document model's objects (tmirror/intent-doc.h) for rendering, and
 * writing objects back into rows inside a call's transaction.
 *
 * Every row a call creates or rewrites gets the call's project in
 * external_ids:tmirror-project (an admin project keeps the tag a document
 * gives, or the row's own). */

#include <stdbool.h>
#include <stddef.h>

#include "api-ids.h"
#include "api-json.h"
#include "tmirror/intent-doc.h"

struct api_call;
struct api_context;
struct ovsdb_idl;
struct tmrec_filter;
struct tmrec_filter_rule;
struct tmrec_session;
struct tmrec_target;

/* Registers the tables, columns and indexes the API uses with 'ctx''s IDL
 * (before its first run). */
void api_db_init(struct api_context *ctx);

/* Finds a row by id ("tmf-...") or name, visible to the call's project;
 * NULL if there is none. */
const struct tmrec_filter *api_db_find_filter(const struct api_call *,
                                              const char *ref);
const struct tmrec_target *api_db_find_target(const struct api_call *,
                                              const char *ref);
const struct tmrec_session *api_db_find_session(const struct api_call *,
                                                const char *ref);
/* A rule of 'filter' by id or "DIRECTION-NUMBER" ("ingress-10"). */
const struct tmrec_filter_rule *api_db_find_rule(
    const struct tmrec_filter *filter, const char *ref);

/* The filter that holds 'rule', or NULL. */
const struct tmrec_filter *api_db_rule_filter(
    const struct api_call *, const struct tmrec_filter_rule *);

/* Objects to render: a document with one annotation per object. */
struct api_render {
    struct intent_doc doc;
    struct api_annot *annots;
    size_t n, allocated;
};

void api_render_init(struct api_render *);
void api_render_destroy(struct api_render *);
void api_render_filter(struct api_render *, const struct tmrec_filter *);
void api_render_target(struct api_render *, const struct tmrec_target *);
void api_render_session(struct api_render *, const struct tmrec_session *);
/* Rules go into the render's one filter (created empty by the first). */
void api_render_rule(struct api_render *, const struct tmrec_filter *,
                     const struct tmrec_filter_rule *);

/* Fills 'doc' with every configuration row the call sees (for GET
 * /v1/config). */
void api_db_export(const struct api_call *, struct intent_doc *doc);

/* Writes an object into a new row ('row' NULL, with the call's UUID) or
 * over 'row', in the call's transaction.  A filter's rules are made to
 * match 'f->rules' only when 'set_rules', keeping rule rows that keep their
 * (direction, number). */
const struct tmrec_filter *api_db_write_filter(struct api_call *,
                                               const struct tmrec_filter *row,
                                               const struct intent_doc_filter *f,
                                               bool set_rules);
const struct tmrec_filter_rule *api_db_write_rule(
    struct api_call *, const struct tmrec_filter *filter,
    const struct tmrec_filter_rule *row, const struct intent_doc_rule *r);
void api_db_filter_set_rules(const struct tmrec_filter *,
                             const struct tmrec_filter_rule *add,
                             const struct tmrec_filter_rule *remove);
const struct tmrec_target *api_db_write_target(struct api_call *,
                                               const struct tmrec_target *row,
                                               const struct intent_doc_target *);
/* Returns NULL and replies if no VNI is free. */
const struct tmrec_session *api_db_write_session(
    struct api_call *, const struct tmrec_session *row,
    const struct intent_doc_session *s, const struct tmrec_target *target,
    const struct tmrec_filter *filter);

/* Returns the names of the sessions (at most 5, then "...") that use
 * 'target' or 'filter', or NULL if none does. */
char *api_db_users_of_target(const struct api_call *,
                             const struct tmrec_target *);
char *api_db_users_of_filter(const struct api_call *,
                             const struct tmrec_filter *);

/* Checks that the call's project may use 'iface_id' as 'what' ("source",
 * "port"); replies 403 and returns false if not. */
bool api_db_check_port(struct api_call *, const char *field,
                       const char *iface_id);


/* Appends the document object of a row to 'doc' (for a filter, its rules
 * in evaluation order; '*sortedp', if nonnull, receives those rule rows,
 * to be freed). */
struct intent_doc_filter *api_db_doc_add_filter(
    struct intent_doc *, const struct tmrec_filter *,
    const struct tmrec_filter_rule ***sortedp);
void api_db_doc_add_target(struct intent_doc *, const struct tmrec_target *);
void api_db_doc_add_session(struct intent_doc *,
                            const struct tmrec_session *);

/* Generic IDL rows to typed ones (the header is the first member). */
#define tmrec_filter_cast(ROW) \
    CONTAINER_OF(ROW, const struct tmrec_filter, header_)
#define tmrec_target_cast(ROW) \
    CONTAINER_OF(ROW, const struct tmrec_target, header_)
#define tmrec_session_cast(ROW) \
    CONTAINER_OF(ROW, const struct tmrec_session, header_)

/* Session VNI accessors (Session.vni is optional in schema 1.0.0). */
int64_t api_db_session_vni(const struct tmrec_session *);

#endif /* api/api-db.h */
