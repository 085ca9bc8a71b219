/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "api-apply.h"

#include <stdlib.h>
#include <string.h>

#include "api-auth.h"
#include "api-call.h"
#include "api-db.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "svec.h"
#include "tmirror-idl.h"
#include "tmirror/txn-token.h"
#include "util.h"

/* ---- PUT /v1/config. ---- */

/* Returns true if rendering 'a' and 'b' (single-object documents) gives
 * the same text. */
static bool
same_doc(const struct intent_doc *a, const struct intent_doc *b)
{
    char *ta = intent_doc_format(a);
    char *tb = intent_doc_format(b);
    bool same = !strcmp(ta, tb);
    free(ta);
    free(tb);
    return same;
}

/* A document with no objects and no TM_Global maps, whose arrays borrow
 * one object of another document. */
static void
borrow_doc(struct intent_doc *doc)
{
    memset(doc, 0, sizeof *doc);
    smap_init(&doc->options);
    smap_init(&doc->external_ids);
}

/* Records "create/update KIND NAME" unless 'old_doc' equals the new
 * object. */
static void
note_change(struct svec *changes, const char *kind, const char *name,
            bool created, struct intent_doc *old_doc,
            const struct intent_doc *new_doc)
{
    /* The project tag is the API's, not the document's: compare without
     * it unless the document sets it. */
    struct smap *old_ids
        = (old_doc->n_filters ? &old_doc->filters[0].external_ids
           : old_doc->n_targets ? &old_doc->targets[0].external_ids
           : old_doc->n_sessions ? &old_doc->sessions[0].external_ids
           : NULL);
    const struct smap *new_ids
        = (new_doc->n_filters ? &new_doc->filters[0].external_ids
           : new_doc->n_targets ? &new_doc->targets[0].external_ids
           : &new_doc->sessions[0].external_ids);
    if (old_ids && !smap_get(new_ids, API_PROJECT_KEY)) {
        smap_remove(old_ids, API_PROJECT_KEY);
    }
    if (created) {
        svec_add_nocopy(changes, xasprintf("create %s %s", kind, name));
    } else if (!same_doc(old_doc, new_doc)) {
        svec_add_nocopy(changes, xasprintf("update %s %s", kind, name));
    }
}

/* Applies the targets of 'doc'.  Returns false if it replied. */
static bool
apply_targets(struct api_call *call, const struct intent_doc *doc,
              struct svec *changes)
{
    for (size_t i = 0; i < doc->n_targets; i++) {
        const struct intent_doc_target *t = &doc->targets[i];
        if (!strcmp(t->type, "port")
            && !api_db_check_port(call, "port", t->port)) {
            return false;
        }
        const struct tmrec_target *row = api_db_find_target(call, t->name);
        struct intent_doc old_doc, new_doc;
        intent_doc_init(&old_doc);
        if (row) {
            api_db_doc_add_target(&old_doc, row);
        }
        borrow_doc(&new_doc);
        new_doc.targets = CONST_CAST(struct intent_doc_target *, t);
        new_doc.n_targets = 1;
        note_change(changes, "target", t->name, !row, &old_doc, &new_doc);
        intent_doc_destroy(&old_doc);
        api_db_write_target(call, row, t);
    }
    return true;
}

/* Applies the filters of 'doc'. */
static void
apply_filters(struct api_call *call, const struct intent_doc *doc,
              struct svec *changes)
{
    for (size_t i = 0; i < doc->n_filters; i++) {
        const struct intent_doc_filter *f = &doc->filters[i];
        const struct tmrec_filter *row = api_db_find_filter(call, f->name);
        struct intent_doc old_doc, new_doc;
        intent_doc_init(&old_doc);
        if (row) {
            api_db_doc_add_filter(&old_doc, row, NULL);
        }
        borrow_doc(&new_doc);
        new_doc.filters = CONST_CAST(struct intent_doc_filter *, f);
        new_doc.n_filters = 1;
        note_change(changes, "filter", f->name, !row, &old_doc, &new_doc);
        intent_doc_destroy(&old_doc);
        api_db_write_filter(call, row, f, true);
    }
}

/* Finds a target or filter named 'name' among the rows written in this
 * transaction or already visible. */
static const struct tmrec_target *
target_by_name(const struct api_call *call, const char *name)
{
    const struct tmrec_target *t;
    TMREC_TARGET_FOR_EACH (t, call->ctx->idl) {
        if (!strcmp(t->name, name) && api_call_sees(call, &t->external_ids)) {
            return t;
        }
    }
    return NULL;
}

static const struct tmrec_filter *
filter_by_name(const struct api_call *call, const char *name)
{
    const struct tmrec_filter *f;
    TMREC_FILTER_FOR_EACH (f, call->ctx->idl) {
        if (!strcmp(f->name, name) && api_call_sees(call, &f->external_ids)) {
            return f;
        }
    }
    return NULL;
}

/* Applies the sessions of 'doc'. */
static bool
apply_sessions(struct api_call *call, const struct intent_doc *doc,
               struct svec *changes)
{
    for (size_t i = 0; i < doc->n_sessions; i++) {
        const struct intent_doc_session *s = &doc->sessions[i];
        if (!api_db_check_port(call, "source", s->source)) {
            return false;
        }
        const struct tmrec_target *target = target_by_name(call, s->target);
        const struct tmrec_filter *filter = filter_by_name(call, s->filter);
        if (!target || !filter) {
            api_call_error(call, 400, "InvalidValue", "$.sessions[%"PRIuSIZE
                           "].%s: %s is not visible to project %s", i,
                           target ? "filter" : "target",
                           target ? s->filter : s->target,
                           call->project->name);
            return false;
        }
        const struct tmrec_session *row = api_db_find_session(call, s->name);
        struct intent_doc old_doc, new_doc;
        intent_doc_init(&old_doc);
        if (row) {
            api_db_doc_add_session(&old_doc, row);
        }
        borrow_doc(&new_doc);
        new_doc.sessions = CONST_CAST(struct intent_doc_session *, s);
        new_doc.n_sessions = 1;
        /* A session that names no VNI keeps its own: compare without. */
        if (row && s->vni < 0) {
            old_doc.sessions[0].vni = -1;
        }
        note_change(changes, "session", s->name, !row, &old_doc, &new_doc);
        intent_doc_destroy(&old_doc);
        if (!api_db_write_session(call, row, s, target, filter)) {
            return false;
        }
    }
    return true;
}

/* Returns true if 'doc' has an object of 'n' elements of 'size' bytes
 * whose first member, a name, is 'name'. */
static bool
doc_names(const void *elems, size_t n, size_t size, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        const char *elem_name = *(char *const *) ((const char *) elems
                                                  + i * size);
        if (!strcmp(elem_name, name)) {
            return true;
        }
    }
    return false;
}

/* Deletes the visible rows that 'doc' neither defines nor, for targets and
 * filters, names in a session (as "tmirror-ctl apply --prune"). */
static void
prune(struct api_call *call, const struct intent_doc *doc,
      struct svec *changes)
{
    struct ovsdb_idl *idl = call->ctx->idl;
    const struct tmrec_session *s;
    TMREC_SESSION_FOR_EACH (s, idl) {
        if (api_call_sees(call, &s->external_ids)
            && !doc_names(doc->sessions, doc->n_sessions,
                          sizeof *doc->sessions, s->name)) {
            svec_add_nocopy(changes, xasprintf("delete session %s",
                                               s->name));
            tmrec_session_delete(s);
        }
    }
    const struct tmrec_target *t;
    TMREC_TARGET_FOR_EACH (t, idl) {
        if (api_call_sees(call, &t->external_ids)
            && !doc_names(doc->targets, doc->n_targets, sizeof *doc->targets,
                          t->name)
            && !intent_doc_uses_target(doc, t->name)) {
            svec_add_nocopy(changes, xasprintf("delete target %s", t->name));
            tmrec_target_delete(t);
        }
    }
    const struct tmrec_filter *f;
    TMREC_FILTER_FOR_EACH (f, idl) {
        if (api_call_sees(call, &f->external_ids)
            && !doc_names(doc->filters, doc->n_filters, sizeof *doc->filters,
                          f->name)
            && !intent_doc_uses_filter(doc, f->name)) {
            svec_add_nocopy(changes, xasprintf("delete filter %s", f->name));
            tmrec_filter_delete(f);
        }
    }
}

/* Applies TM_Global's maps (admin projects only). */
static bool
apply_global(struct api_call *call, const struct intent_doc *doc,
             struct svec *changes)
{
    if (!doc->has_options && !doc->has_external_ids) {
        return true;
    }
    if (!call->project->admin) {
        api_call_error(call, 403, "Forbidden", "$.%s: only an admin project "
                       "may set TM_Global's maps",
                       doc->has_options ? "options" : "external_ids");
        return false;
    }
    const struct tmrec_tm_global *g = tmrec_tm_global_first(call->ctx->idl);
    if (!g) {
        g = tmrec_tm_global_insert(call->txn);
    }
    if (doc->has_options && !smap_equal(&g->options, &doc->options)) {
        tmrec_tm_global_set_options(g, &doc->options);
        svec_add(changes, "update options");
    }
    if (doc->has_external_ids) {
        /* Transaction tokens are not configuration: kept as they are. */
        struct smap old, new;
        txn_token_config_ids(&g->external_ids, &doc->external_ids, &old,
                             &new);
        if (!smap_equal(&old, &new)) {
            txn_token_copy(&g->external_ids, &new);
            tmrec_tm_global_set_external_ids(g, &new);
            svec_add(changes, "update external_ids");
        }
        smap_destroy(&old);
        smap_destroy(&new);
    }
    return true;
}

/* Makes the database match 'doc'.  See api-db.h. */
bool
api_db_apply(struct api_call *call, const struct intent_doc *doc,
             bool prune_rows, struct svec *changes)
{
    call->uuid_taken = true;    /* Every new row gets a fresh UUID. */
    if (!apply_global(call, doc, changes)) {
        return false;
    }
    if (prune_rows) {
        prune(call, doc, changes);
    }
    if (!apply_targets(call, doc, changes)) {
        return false;
    }
    apply_filters(call, doc, changes);
    return apply_sessions(call, doc, changes);
}
