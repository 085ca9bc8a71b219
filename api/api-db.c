/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "api-db.h"

#include <stdlib.h>
#include <string.h>

#include "api-auth.h"
#include "api-call.h"
#include "openvswitch/dynamic-string.h"
#include "ovsdb-idl.h"
#include "random.h"
#include "smap.h"
#include "svec.h"
#include "tmirror-idl.h"
#include "tmirror/intent-check.h"
#include "tmirror/intent-rows.h"
#include "util.h"
#include "uuid.h"

/* Registers what the API reads and writes. */
void
api_db_init(struct api_context *ctx)
{
    struct ovsdb_idl *idl = ctx->idl;

    /* Every column of the tables the API serves; not Binding, Connection,
     * SSL or the RBAC tables. */
    static const struct ovsdb_idl_table_class *const tables[] = {
        &tmrec_table_tm_global, &tmrec_table_filter,
        &tmrec_table_filter_rule, &tmrec_table_target,
        &tmrec_table_session, &tmrec_table_chassis,
        &tmrec_table_session_status,
    };
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        for (size_t j = 0; j < tables[i]->n_columns; j++) {
            ovsdb_idl_add_column(idl, &tables[i]->columns[j]);
        }
    }
    /* Only Chassis changes are tracked (for last-seen in /metrics). */
    ovsdb_idl_track_add_column(idl, &tmrec_chassis_col_name);
    ovsdb_idl_track_add_column(idl, &tmrec_chassis_col_cfg);
    ovsdb_idl_track_add_column(idl, &tmrec_chassis_col_hostname);
    ovsdb_idl_track_add_column(idl, &tmrec_chassis_col_encap_ip);
    ovsdb_idl_track_add_column(idl, &tmrec_chassis_col_other_config);
    ovsdb_idl_track_add_column(idl, &tmrec_chassis_col_external_ids);

    ctx->filter_by_name = ovsdb_idl_index_create1(idl,
                                                  &tmrec_filter_col_name);
    ctx->target_by_name = ovsdb_idl_index_create1(idl,
                                                  &tmrec_target_col_name);
    ctx->session_by_name = ovsdb_idl_index_create1(idl,
                                                   &tmrec_session_col_name);
    ctx->status_by_session = ovsdb_idl_index_create1(
        idl, &tmrec_session_status_col_session);
    ctx->lookup = tm_intent_lookup_create(idl, true);
}

/* ---- Lookups. ---- */

const struct tmrec_filter *
api_db_find_filter(const struct api_call *call, const char *ref)
{
    struct api_context *ctx = call->ctx;
    const struct tmrec_filter *row = NULL;
    struct uuid uuid;

    if (api_id_parse(API_FILTER, ref, &uuid)) {
        row = tmrec_filter_get_for_uuid(ctx->idl, &uuid);
    } else {
        struct tmrec_filter *key
            = tmrec_filter_index_init_row(ctx->filter_by_name);
        tmrec_filter_index_set_name(key, ref);
        row = tmrec_filter_index_find(ctx->filter_by_name, key);
        tmrec_filter_index_destroy_row(key);
    }
    return row && api_call_sees(call, &row->external_ids) ? row : NULL;
}

const struct tmrec_target *
api_db_find_target(const struct api_call *call, const char *ref)
{
    struct api_context *ctx = call->ctx;
    const struct tmrec_target *row = NULL;
    struct uuid uuid;

    if (api_id_parse(API_TARGET, ref, &uuid)) {
        row = tmrec_target_get_for_uuid(ctx->idl, &uuid);
    } else {
        struct tmrec_target *key
            = tmrec_target_index_init_row(ctx->target_by_name);
        tmrec_target_index_set_name(key, ref);
        row = tmrec_target_index_find(ctx->target_by_name, key);
        tmrec_target_index_destroy_row(key);
    }
    return row && api_call_sees(call, &row->external_ids) ? row : NULL;
}

const struct tmrec_session *
api_db_find_session(const struct api_call *call, const char *ref)
{
    struct api_context *ctx = call->ctx;
    const struct tmrec_session *row = NULL;
    struct uuid uuid;

    if (api_id_parse(API_SESSION, ref, &uuid)) {
        row = tmrec_session_get_for_uuid(ctx->idl, &uuid);
    } else {
        struct tmrec_session *key
            = tmrec_session_index_init_row(ctx->session_by_name);
        tmrec_session_index_set_name(key, ref);
        row = tmrec_session_index_find(ctx->session_by_name, key);
        tmrec_session_index_destroy_row(key);
    }
    return row && api_call_sees(call, &row->external_ids) ? row : NULL;
}

const struct tmrec_filter_rule *
api_db_find_rule(const struct tmrec_filter *filter, const char *ref)
{
    struct uuid uuid;
    bool by_id = api_id_parse(API_RULE, ref, &uuid);
    for (size_t i = 0; i < filter->n_rules; i++) {
        const struct tmrec_filter_rule *rule = filter->rules[i];
        if (by_id) {
            if (uuid_equals(&rule->header_.uuid, &uuid)) {
                return rule;
            }
        } else {
            char *key = xasprintf("%s-%"PRId64, rule->direction,
                                  rule->rule_number);
            bool match = !strcmp(key, ref);
            free(key);
            if (match) {
                return rule;
            }
        }
    }
    return NULL;
}

/* Returns the visible filter that holds 'rule'. */
const struct tmrec_filter *
api_db_rule_filter(const struct api_call *call,
                   const struct tmrec_filter_rule *rule)
{
    const struct tmrec_filter *filter;
    TMREC_FILTER_FOR_EACH (filter, call->ctx->idl) {
        for (size_t i = 0; i < filter->n_rules; i++) {
            if (filter->rules[i] == rule) {
                return (api_call_sees(call, &filter->external_ids)
                        ? filter : NULL);
            }
        }
    }
    return NULL;
}

/* ---- Rows to objects. ---- */

/* Returns a copy of 's', or NULL if it is NULL or empty. */
static char *
opt_strdup(const char *s)
{
    return s && *s ? xstrdup(s) : NULL;
}

/* Returns the session's VNI, or -1. */
int64_t
api_db_session_vni(const struct tmrec_session *row)
{
    return row->vni;
}

/* Fills 'rule' (uninitialized) from 'row'. */
static void
rule_from_row(const struct tmrec_filter_rule *row, struct intent_doc_rule *r)
{
    memset(r, 0, sizeof *r);
    r->direction = xstrdup(row->direction);
    r->number = row->rule_number;
    r->action = xstrdup(row->action);
    r->has_protocol = row->n_protocol > 0;
    r->protocol = row->n_protocol ? row->protocol[0] : 0;
    r->source_cidr = opt_strdup(row->source_cidr);
    r->destination_cidr = opt_strdup(row->destination_cidr);
    r->has_source_port = row->n_source_port_from || row->n_source_port_to;
    r->source_port_from = (row->n_source_port_from ? row->source_port_from[0]
                           : row->n_source_port_to ? row->source_port_to[0]
                           : 0);
    r->source_port_to = (row->n_source_port_to ? row->source_port_to[0]
                         : r->source_port_from);
    r->has_destination_port = (row->n_destination_port_from
                               || row->n_destination_port_to);
    r->destination_port_from = (row->n_destination_port_from
                                ? row->destination_port_from[0]
                                : row->n_destination_port_to
                                ? row->destination_port_to[0] : 0);
    r->destination_port_to = (row->n_destination_port_to
                              ? row->destination_port_to[0]
                              : r->destination_port_from);
    r->vlan = opt_strdup(row->vlan);
    r->description = xstrdup(row->description);
    smap_clone(&r->external_ids, &row->external_ids);
}

/* Repairs the maps in 'doc' after its arrays moved in memory (realloc()):
 * an empty hmap points into itself. */
static void
doc_maps_moved(struct intent_doc *doc)
{
    for (size_t i = 0; i < doc->n_filters; i++) {
        struct intent_doc_filter *f = &doc->filters[i];
        hmap_moved(&f->external_ids.map);
        for (size_t j = 0; j < f->n_rules; j++) {
            hmap_moved(&f->rules[j].external_ids.map);
        }
    }
    for (size_t i = 0; i < doc->n_targets; i++) {
        hmap_moved(&doc->targets[i].options.map);
        hmap_moved(&doc->targets[i].external_ids.map);
    }
    for (size_t i = 0; i < doc->n_sessions; i++) {
        hmap_moved(&doc->sessions[i].external_ids.map);
    }
}

/* Returns true if 'n' is 0 or a power of 2: an array that grows one element
 * at a time doubles its allocation then, so appends cost O(1) amortized
 * (and so do the map repairs after each move). */
static bool
is_pow2_or_zero(size_t n)
{
    return !(n & (n - 1));
}

/* Appends an annotation to 'render' and returns it. */
static struct api_annot *
add_annot(struct api_render *render)
{
    if (render->n >= render->allocated) {
        render->annots = x2nrealloc(render->annots, &render->allocated,
                                    sizeof *render->annots);
        for (size_t i = 0; i < render->n; i++) {
            hmap_moved(&render->annots[i].fields.map);
        }
    }
    struct api_annot *a = &render->annots[render->n++];
    api_annot_init(a);
    return a;
}

/* Adds the common members "id" and "project". */
static void
annotate(struct api_annot *a, enum api_kind kind, const struct uuid *uuid,
         const struct smap *external_ids)
{
    char id[API_ID_LEN + 1];
    api_id_format(kind, uuid, id);
    smap_add(&a->fields, "id", id);
    const char *project = api_row_project(external_ids);
    if (project) {
        smap_add(&a->fields, "project", project);
    }
}

void
api_render_init(struct api_render *render)
{
    memset(render, 0, sizeof *render);
    intent_doc_init(&render->doc);
}

void
api_render_destroy(struct api_render *render)
{
    for (size_t i = 0; i < render->n; i++) {
        api_annot_destroy(&render->annots[i]);
    }
    free(render->annots);
    intent_doc_destroy(&render->doc);
}

/* Appends a filter object (with its rules, in evaluation order) for 'row'
 * to 'doc' and returns it. */
struct intent_doc_filter *
api_db_doc_add_filter(struct intent_doc *doc, const struct tmrec_filter *row,
               const struct tmrec_filter_rule ***sortedp)
{
    if (is_pow2_or_zero(doc->n_filters)) {
        doc->filters = xrealloc(doc->filters, (MAX(1, 2 * doc->n_filters)
                                * sizeof *doc->filters));
        doc_maps_moved(doc);
    }
    struct intent_doc_filter *f = &doc->filters[doc->n_filters++];
    memset(f, 0, sizeof *f);
    f->name = xstrdup(row->name);
    f->description = xstrdup(row->description);
    smap_clone(&f->external_ids, &row->external_ids);

    const struct tmrec_filter_rule **rules = tm_filter_sorted_rules(row);
    f->rules = xcalloc(row->n_rules + 1, sizeof *f->rules);
    for (size_t i = 0; i < row->n_rules; i++) {
        rule_from_row(rules[i], &f->rules[f->n_rules++]);
    }
    if (sortedp) {
        *sortedp = rules;
    } else {
        free(rules);
    }
    return f;
}

void
api_render_filter(struct api_render *render, const struct tmrec_filter *row)
{
    const struct tmrec_filter_rule **rules;
    api_db_doc_add_filter(&render->doc, row, &rules);

    struct api_annot *a = add_annot(render);
    annotate(a, API_FILTER, &row->header_.uuid, &row->external_ids);
    a->rule_fields = xcalloc(row->n_rules + 1, sizeof *a->rule_fields);
    a->n_rules = row->n_rules;
    for (size_t i = 0; i < row->n_rules; i++) {
        char id[API_ID_LEN + 1];
        smap_init(&a->rule_fields[i]);
        api_id_format(API_RULE, &rules[i]->header_.uuid, id);
        smap_add(&a->rule_fields[i], "id", id);
    }
    free(rules);
}

void
api_render_rule(struct api_render *render, const struct tmrec_filter *filter,
                const struct tmrec_filter_rule *row)
{
    struct intent_doc *doc = &render->doc;
    if (!doc->n_filters) {
        doc->filters = xzalloc(sizeof *doc->filters);
        doc->n_filters = 1;
        doc->filters[0].name = xstrdup(filter->name);
        doc->filters[0].description = xstrdup("");
        smap_init(&doc->filters[0].external_ids);
    }
    struct intent_doc_filter *f = &doc->filters[0];
    if (is_pow2_or_zero(f->n_rules)) {
        f->rules = xrealloc(f->rules, (MAX(1, 2 * f->n_rules)
                            * sizeof *f->rules));
        doc_maps_moved(doc);
    }
    rule_from_row(row, &f->rules[f->n_rules++]);

    struct api_annot *a = add_annot(render);
    char id[API_ID_LEN + 1];
    api_id_format(API_RULE, &row->header_.uuid, id);
    smap_add(&a->fields, "id", id);
    api_id_format(API_FILTER, &filter->header_.uuid, id);
    smap_add(&a->fields, "filter_id", id);
}

/* Appends a target object for 'row' to 'doc'. */
void
api_db_doc_add_target(struct intent_doc *doc, const struct tmrec_target *row)
{
    if (is_pow2_or_zero(doc->n_targets)) {
        doc->targets = xrealloc(doc->targets, (MAX(1, 2 * doc->n_targets)
                                * sizeof *doc->targets));
        doc_maps_moved(doc);
    }
    struct intent_doc_target *t = &doc->targets[doc->n_targets++];
    memset(t, 0, sizeof *t);
    t->name = xstrdup(row->name);
    t->type = xstrdup(row->type);
    t->port = opt_strdup(row->port);
    t->addresses = xcalloc(row->n_addresses + 1, sizeof *t->addresses);
    for (size_t i = 0; i < row->n_addresses; i++) {
        t->addresses[t->n_addresses++] = xstrdup(row->addresses[i]);
    }
    t->encap = opt_strdup(row->encap);
    smap_clone(&t->options, &row->options);
    t->description = xstrdup(row->description);
    smap_clone(&t->external_ids, &row->external_ids);
}

void
api_render_target(struct api_render *render, const struct tmrec_target *row)
{
    api_db_doc_add_target(&render->doc, row);
    annotate(add_annot(render), API_TARGET, &row->header_.uuid,
             &row->external_ids);
}

/* Appends a session object for 'row' to 'doc'. */
void
api_db_doc_add_session(struct intent_doc *doc,
                       const struct tmrec_session *row)
{
    if (is_pow2_or_zero(doc->n_sessions)) {
        doc->sessions = xrealloc(doc->sessions, (MAX(1, 2 * doc->n_sessions)
                                 * sizeof *doc->sessions));
        doc_maps_moved(doc);
    }
    struct intent_doc_session *s = &doc->sessions[doc->n_sessions++];
    memset(s, 0, sizeof *s);
    s->name = xstrdup(row->name);
    s->source = xstrdup(row->source);
    s->target = xstrdup(row->target ? row->target->name : "");
    s->filter = xstrdup(row->filter ? row->filter->name : "");
    s->number = row->session_number;
    s->vni = api_db_session_vni(row);
    s->packet_length = row->n_packet_length ? row->packet_length[0] : -1;
    s->enabled = row->enabled;
    s->independent = row->independent;
    s->description = xstrdup(row->description);
    smap_clone(&s->external_ids, &row->external_ids);
}

void
api_render_session(struct api_render *render,
                   const struct tmrec_session *row)
{
    api_db_doc_add_session(&render->doc, row);
    struct api_annot *a = add_annot(render);
    annotate(a, API_SESSION, &row->header_.uuid, &row->external_ids);
    char id[API_ID_LEN + 1];
    if (row->target) {
        api_id_format(API_TARGET, &row->target->header_.uuid, id);
        smap_add(&a->fields, "target_id", id);
    }
    if (row->filter) {
        api_id_format(API_FILTER, &row->filter->header_.uuid, id);
        smap_add(&a->fields, "filter_id", id);
    }
}

/* Fills 'doc' with what the call sees. */
void
api_db_export(const struct api_call *call, struct intent_doc *doc)
{
    struct ovsdb_idl *idl = call->ctx->idl;
    const struct tmrec_tm_global *global = tmrec_tm_global_first(idl);
    if (call->project->admin) {
        doc->has_options = doc->has_external_ids = true;
        if (global) {
            smap_clone(&doc->options, &global->options);
            smap_clone(&doc->external_ids, &global->external_ids);
        }
    }

    const struct tmrec_filter *filter;
    TMREC_FILTER_FOR_EACH (filter, idl) {
        if (api_call_sees(call, &filter->external_ids)) {
            api_db_doc_add_filter(doc, filter, NULL);
        }
    }
    const struct tmrec_target *target;
    TMREC_TARGET_FOR_EACH (target, idl) {
        if (api_call_sees(call, &target->external_ids)) {
            api_db_doc_add_target(doc, target);
        }
    }
    const struct tmrec_session *session;
    TMREC_SESSION_FOR_EACH (session, idl) {
        if (api_call_sees(call, &session->external_ids)) {
            api_db_doc_add_session(doc, session);
        }
    }
    intent_doc_sort(doc);
}

/* ---- Objects to rows. ---- */

/* Computes the external_ids to write: 'in' plus the project tag. */
static void
tagged_external_ids(const struct api_call *call, const struct smap *in,
                    const struct smap *old, struct smap *out)
{
    smap_clone(out, in);
    const char *tag = NULL;
    if (call->project->admin) {
        tag = smap_get(in, API_PROJECT_KEY);
        if (!tag && old) {
            tag = smap_get(old, API_PROJECT_KEY);
        }
        if (!tag) {
            tag = call->project->name;
        }
    } else {
        tag = call->project->name;
    }
    smap_replace(out, API_PROJECT_KEY, tag);
}

/* Picks the UUID of a row the call creates: call->uuid (preset, or made
 * here) for the first, unless an update took it, then fresh ones.  With
 * persistent UUIDs, the id of a new row is known before the commit. */
static struct uuid
new_uuid(struct api_call *call)
{
    if (!call->uuid_taken) {
        if (uuid_is_zero(&call->uuid)) {
            uuid_generate(&call->uuid);
        }
        call->uuid_taken = true;
        return call->uuid;
    }
    struct uuid uuid;
    uuid_generate(&uuid);
    return uuid;
}

/* Writes 'r' into rule row 'row'. */
static void
rule_to_row(struct api_call *call OVS_UNUSED,
            const struct tmrec_filter_rule *row,
            const struct intent_doc_rule *r)
{
    tmrec_filter_rule_set_direction(row, r->direction);
    tmrec_filter_rule_set_rule_number(row, r->number);
    tmrec_filter_rule_set_action(row, r->action);
    tmrec_filter_rule_set_protocol(row, &r->protocol, r->has_protocol);
    tmrec_filter_rule_set_source_cidr(row, r->source_cidr);
    tmrec_filter_rule_set_destination_cidr(row, r->destination_cidr);
    tmrec_filter_rule_set_source_port_from(row, &r->source_port_from,
                                           r->has_source_port);
    tmrec_filter_rule_set_source_port_to(row, &r->source_port_to,
                                         r->has_source_port);
    tmrec_filter_rule_set_destination_port_from(row,
                                                &r->destination_port_from,
                                                r->has_destination_port);
    tmrec_filter_rule_set_destination_port_to(row, &r->destination_port_to,
                                              r->has_destination_port);
    tmrec_filter_rule_set_vlan(row, r->vlan);
    tmrec_filter_rule_set_description(row, r->description);
    /* Rules belong to their filter's project: no tag of their own. */
    tmrec_filter_rule_set_external_ids(row, &r->external_ids);
}

/* Makes 'filter''s rules match 'f->rules', keeping the rows of rules that
 * keep their (direction, number). */
static void
sync_rules(struct api_call *call, const struct tmrec_filter *filter,
           const struct intent_doc_filter *f)
{
    struct tmrec_filter_rule **rows = xcalloc(f->n_rules + 1, sizeof *rows);
    for (size_t i = 0; i < f->n_rules; i++) {
        const struct intent_doc_rule *r = &f->rules[i];
        const struct tmrec_filter_rule *row = NULL;
        for (size_t j = 0; j < filter->n_rules && !row; j++) {
            const struct tmrec_filter_rule *old = filter->rules[j];
            if (old->rule_number == r->number
                && !strcmp(old->direction, r->direction)) {
                row = old;
            }
        }
        if (!row) {
            struct uuid uuid = new_uuid(call);
            row = tmrec_filter_rule_insert_persist_uuid(call->txn, &uuid);
        }
        rule_to_row(call, row, r);
        rows[i] = CONST_CAST(struct tmrec_filter_rule *, row);
    }
    tmrec_filter_set_rules(filter, rows, f->n_rules);
    free(rows);
}

const struct tmrec_filter *
api_db_write_filter(struct api_call *call, const struct tmrec_filter *row,
                    const struct intent_doc_filter *f, bool set_rules)
{
    if (!row) {
        struct uuid uuid = new_uuid(call);
        row = tmrec_filter_insert_persist_uuid(call->txn, &uuid);
        set_rules = true;
    }
    tmrec_filter_set_name(row, f->name);
    tmrec_filter_set_description(row, f->description);
    struct smap ids;
    tagged_external_ids(call, &f->external_ids, &row->external_ids, &ids);
    tmrec_filter_set_external_ids(row, &ids);
    smap_destroy(&ids);
    if (set_rules) {
        sync_rules(call, row, f);
    }
    return row;
}

/* Sets 'filter''s rules to its current ones plus 'add' (if nonnull) and
 * minus 'remove' (if nonnull).  The whole column is written, not a partial
 * update, so that the cross-row checks see the result within the
 * transaction. */
void
api_db_filter_set_rules(const struct tmrec_filter *filter,
                        const struct tmrec_filter_rule *add,
                        const struct tmrec_filter_rule *remove)
{
    struct tmrec_filter_rule **rules = xcalloc(filter->n_rules + 1,
                                               sizeof *rules);
    size_t n = 0;
    for (size_t i = 0; i < filter->n_rules; i++) {
        if (filter->rules[i] != remove) {
            rules[n++] = filter->rules[i];
        }
    }
    if (add) {
        rules[n++] = CONST_CAST(struct tmrec_filter_rule *, add);
    }
    tmrec_filter_set_rules(filter, rules, n);
    free(rules);
}

const struct tmrec_filter_rule *
api_db_write_rule(struct api_call *call, const struct tmrec_filter *filter,
                  const struct tmrec_filter_rule *row,
                  const struct intent_doc_rule *r)
{
    if (!row) {
        struct uuid uuid = new_uuid(call);
        row = tmrec_filter_rule_insert_persist_uuid(call->txn, &uuid);
        api_db_filter_set_rules(filter, row, NULL);
    }
    rule_to_row(call, row, r);
    return row;
}

const struct tmrec_target *
api_db_write_target(struct api_call *call, const struct tmrec_target *row,
                    const struct intent_doc_target *t)
{
    if (!row) {
        struct uuid uuid = new_uuid(call);
        row = tmrec_target_insert_persist_uuid(call->txn, &uuid);
    }
    tmrec_target_set_name(row, t->name);
    tmrec_target_set_type(row, t->type);
    tmrec_target_set_port(row, t->port);
    tmrec_target_set_addresses(row, (const char **) t->addresses,
                               t->n_addresses);
    tmrec_target_set_encap(row, t->encap);
    tmrec_target_set_options(row, &t->options);
    tmrec_target_set_description(row, t->description);
    struct smap ids;
    tagged_external_ids(call, &t->external_ids, &row->external_ids, &ids);
    tmrec_target_set_external_ids(row, &ids);
    smap_destroy(&ids);
    return row;
}

/* Chooses the VNI of a session: the one given, else the row's own when it
 * still fits its target, else an unused one.  Returns false (and replies)
 * if none is free. */
static bool
session_vni(struct api_call *call, const struct tmrec_session *old,
            const struct intent_doc_session *s,
            const struct tmrec_target *target, int64_t *vni)
{
    if (s->vni >= 0) {
        *vni = s->vni;
        return true;
    }
    int64_t own = old ? api_db_session_vni(old) : -1;
    if (own >= 0 && (!tm_target_is_erspan(target) || own <= 1023)) {
        *vni = own;
        return true;
    }
    char *error = tm_intent_pick_vni(call->ctx->lookup, target,
                                     random_uint32(), vni);
    if (error) {
        api_call_error(call, 409, call->dialect == API_EC2
                       ? "InvalidParameterValue" : "Conflict", "%s", error);
        free(error);
        return false;
    }
    return true;
}

const struct tmrec_session *
api_db_write_session(struct api_call *call, const struct tmrec_session *row,
                     const struct intent_doc_session *s,
                     const struct tmrec_target *target,
                     const struct tmrec_filter *filter)
{
    int64_t vni;
    if (!session_vni(call, row, s, target, &vni)) {
        return NULL;
    }
    if (!row) {
        struct uuid uuid = new_uuid(call);
        row = tmrec_session_insert_persist_uuid(call->txn, &uuid);
    }
    tmrec_session_set_name(row, s->name);
    tmrec_session_set_source(row, s->source);
    tmrec_session_set_target(row, target);
    tmrec_session_set_filter(row, filter);
    tmrec_session_set_session_number(row, s->number);
    tmrec_session_set_vni(row, vni);
    tmrec_session_set_packet_length(row, &s->packet_length,
                                    s->packet_length >= 0);
    tmrec_session_set_enabled(row, s->enabled);
    tmrec_session_set_independent(row, s->independent);
    tmrec_session_set_description(row, s->description);
    struct smap ids;
    tagged_external_ids(call, &s->external_ids, &row->external_ids, &ids);
    tmrec_session_set_external_ids(row, &ids);
    smap_destroy(&ids);

    /* The VNI checks depend on the target's encapsulation: a concurrent
     * change to it makes the server ask for a retry. */
    tmrec_target_verify_type(target);
    tmrec_target_verify_encap(target);
    return row;
}

/* Returns the first 5 names, in name order, of the sessions for which
 * 'match' is true, and how many more there are. */
static char *
session_users(const struct api_call *call,
              bool (*match)(const struct tmrec_session *, const void *),
              const void *aux)
{
    struct svec names = SVEC_EMPTY_INITIALIZER;
    const struct tmrec_session *s;
    TMREC_SESSION_FOR_EACH (s, call->ctx->idl) {
        if (match(s, aux)) {
            svec_add(&names, s->name);
        }
    }
    if (!names.n) {
        svec_destroy(&names);
        return NULL;
    }
    svec_sort(&names);
    struct ds ds = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < names.n && i < 5; i++) {
        ds_put_format(&ds, "%s%s", i ? ", " : "", names.names[i]);
    }
    if (names.n > 5) {
        ds_put_format(&ds, " and %"PRIuSIZE" more", names.n - 5);
    }
    svec_destroy(&names);
    return ds_steal_cstr(&ds);
}

static bool
uses_target(const struct tmrec_session *s, const void *target)
{
    return s->target == target;
}

static bool
uses_filter(const struct tmrec_session *s, const void *filter)
{
    return s->filter == filter;
}

char *
api_db_users_of_target(const struct api_call *call,
                       const struct tmrec_target *target)
{
    return session_users(call, uses_target, target);
}

char *
api_db_users_of_filter(const struct api_call *call,
                       const struct tmrec_filter *filter)
{
    return session_users(call, uses_filter, filter);
}

/* Checks that the project may use port 'iface_id'. */
bool
api_db_check_port(struct api_call *call, const char *field,
                  const char *iface_id)
{
    if (api_project_may_use_port(call->project, iface_id)) {
        return true;
    }
    api_call_error(call, 403, call->dialect == API_EC2
                   ? "UnauthorizedOperation" : "Forbidden",
                   "%s: project %s may not use port %s", field,
                   call->project->name, iface_id);
    return false;
}
