/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* tmirror-ctl "apply FILE [--dry-run] [--prune]": makes the database match
 * a JSON document (tmirror/intent-doc.h; the format is described in
 * lib/intent-doc.c and tmirror-ctl(8)).
 *
 * "apply" matches objects by name, rules by (filter, direction, number),
 * creates what is missing and updates what differs, all in the transaction
 * of this tmirror-ctl run; an object named in the document is set to exactly
 * what the document says.  With --prune it also deletes the filters, rules,
 * targets and sessions that the document neither defines nor names in one of
 * its sessions; without it they are kept.  It prints one line per change
 * ("create filter web", "update session s1: vni 7 -> 9", "delete rule web
 * ingress 10", ...) or "no
 * changes"; with --dry-run it prints the same lines followed by "dry run: N
 * changes not applied" and commits nothing (the whole transaction of this
 * tmirror-ctl run is sent as a dry run, so the server still checks it).
 * Sessions are applied last; a VNI is picked (ctl_intent_pick_vni()) for
 * each session that names none and has none that still fits its target.
 * A session may name a target or filter that the document does not define
 * but the database has (which is then left as it is).  A bad document is
 * refused with the JSON path of the offending value, before anything
 * changes.
 *
 * ctl-apply-rows.c makes each row match its object; this file reads the
 * document and drives the whole command. */

#include <config.h>

#include "ctl-apply.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-apply-rows.h"
#include "ctl-export.h"
#include "ctl-intent.h"
#include "db-ctl-base.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "ovsdb-idl.h"
#include "tmirror-idl.h"
#include "tmirror/intent-doc.h"
#include "tmirror/validate.h"
#include "util.h"

/* Returns true if some session of the document asks for VNI 'vni'. */
static bool
doc_vni_taken(const struct intent_doc *doc, int64_t vni)
{
    for (size_t i = 0; i < doc->n_sessions; i++) {
        if (doc->sessions[i].vni == vni) {
            return true;
        }
    }
    return false;
}

/* Gives session 'row' (document session 's', which names no VNI) a VNI: it
 * keeps the one it has if that still suits its target and no document
 * session asks for it, else gets a new one from ctl_intent_pick_vni(). */
static void
assign_vni(struct apply_ctx *a, const struct tmrec_session *row,
           const struct intent_doc_session *s, bool is_new)
{
    const struct tmrec_target *target = apply_find_target(a, s->target);
    const char *encap = (!strcmp(target->type, "ip")
                         ? tm_target_encap(target->encap) : NULL);
    int64_t old = row->vni >= TM_VNI_MIN ? row->vni : -1;
    if (old >= 0 && !doc_vni_taken(a->doc, old)) {
        char *error = tm_session_validate(s->number, old, -1, encap);
        if (!error) {
            return;
        }
        free(error);
    }

    int64_t vni;
    char *error = ctl_intent_pick_vni(a->ctx->idl, target, &vni);
    if (error) {
        ctl_fatal("apply: session %s: %s", s->name, error);
    }
    tmrec_session_set_vni(row, vni);
    if (is_new || old < 0) {
        apply_change(a, "assign vni %"PRId64" to session %s", vni, s->name);
    } else {
        apply_change(a, "update session %s: vni %"PRId64" -> %"PRId64
                     " (assigned)", s->name, old, vni);
    }
}

/* Returns true if 'doc' has a session named 'name'. */
static bool
doc_has_session(const struct intent_doc *doc, const char *name)
{
    for (size_t i = 0; i < doc->n_sessions; i++) {
        if (!strcmp(doc->sessions[i].name, name)) {
            return true;
        }
    }
    return false;
}

/* Deletes, with --prune, the sessions, filters (with their rules) and
 * targets that the document neither defines nor names in a session, each
 * kind in name order.  A filter or target of the database that a session of
 * the document uses is kept as it is. */
static void
prune_rows(struct apply_ctx *a)
{
    const struct shash_node **nodes = shash_sort(&a->old_sessions);
    for (size_t i = 0; i < shash_count(&a->old_sessions); i++) {
        const struct tmrec_session *row = nodes[i]->data;
        if (!doc_has_session(a->doc, row->name)) {
            apply_change(a, "delete session %s", row->name);
            tmrec_session_delete(row);
        }
    }
    free(nodes);

    nodes = shash_sort(&a->old_filters);
    for (size_t i = 0; i < shash_count(&a->old_filters); i++) {
        const struct tmrec_filter *row = nodes[i]->data;
        if (!intent_doc_find_filter(a->doc, row->name)
            && !intent_doc_uses_filter(a->doc, row->name)) {
            apply_change(a, "delete filter %s", row->name);
            for (size_t j = 0; j < row->n_rules; j++) {
                tmrec_filter_rule_delete(row->rules[j]);
            }
            tmrec_filter_delete(row);
        }
    }
    free(nodes);

    nodes = shash_sort(&a->old_targets);
    for (size_t i = 0; i < shash_count(&a->old_targets); i++) {
        const struct tmrec_target *row = nodes[i]->data;
        if (!intent_doc_find_target(a->doc, row->name)
            && !intent_doc_uses_target(a->doc, row->name)) {
            apply_change(a, "delete target %s", row->name);
            tmrec_target_delete(row);
        }
    }
    free(nodes);
}

/* Indexes the configuration rows of 'idl' by name into 'a'. */
static void
index_rows(struct apply_ctx *a, const struct ovsdb_idl *idl)
{
    const struct tmrec_filter *filter;
    TMREC_FILTER_FOR_EACH (filter, idl) {
        shash_add_once(&a->old_filters, filter->name, filter);
    }
    const struct tmrec_target *target;
    TMREC_TARGET_FOR_EACH (target, idl) {
        shash_add_once(&a->old_targets, target->name, target);
    }
    const struct tmrec_session *session;
    TMREC_SESSION_FOR_EACH (session, idl) {
        shash_add_once(&a->old_sessions, session->name, session);
    }
}

/* Makes the database in 'ctx' match 'doc' (sorted), whose rows 'a' has
 * indexed, recording the changes in 'a->changes'. */
static void
apply_doc(struct apply_ctx *a)
{
    const struct intent_doc *doc = a->doc;

    if (a->prune) {
        prune_rows(a);
    }
    apply_global(a);
    for (size_t i = 0; i < doc->n_targets; i++) {
        apply_target(a, &doc->targets[i]);
    }
    for (size_t i = 0; i < doc->n_filters; i++) {
        apply_filter(a, &doc->filters[i]);
    }

    const struct tmrec_session **rows = xcalloc(doc->n_sessions + 1,
                                                sizeof *rows);
    for (size_t i = 0; i < doc->n_sessions; i++) {
        rows[i] = apply_session(a, &doc->sessions[i]);
    }
    /* VNIs last, so that the picks avoid every VNI the document names. */
    for (size_t i = 0; i < doc->n_sessions; i++) {
        if (doc->sessions[i].vni < 0) {
            assign_vni(a, rows[i], &doc->sessions[i],
                       !shash_find(&a->old_sessions,
                                   doc->sessions[i].name));
        }
    }
    free(rows);
}

/* intent_doc_refs: finds the target 'name' among the rows indexed in
 * 'aux' (a "struct apply_ctx"). */
static bool
refs_find_target(const void *aux, const char *name, const char **type,
                 const char **encap)
{
    const struct apply_ctx *a = aux;
    const struct tmrec_target *row = shash_find_data(&a->old_targets, name);
    if (row) {
        *type = row->type;
        *encap = row->encap;
    }
    return row != NULL;
}

/* intent_doc_refs: finds the filter 'name' like refs_find_target(). */
static bool
refs_find_filter(const void *aux, const char *name)
{
    const struct apply_ctx *a = aux;
    return shash_find(&a->old_filters, name) != NULL;
}

/* Reads the whole file 'file_name' ("-" for stdin) into '*textp'.  Standard
 * input is read once and kept, because a command runs again when its
 * transaction must be retried.  Returns NULL or an error message. */
static char *
read_document(const char *file_name, char **textp)
{
    static char *stdin_text;
    bool is_stdin = !strcmp(file_name, "-");
    if (is_stdin && stdin_text) {
        *textp = xstrdup(stdin_text);
        return NULL;
    }

    FILE *file = is_stdin ? stdin : fopen(file_name, "r");
    if (!file) {
        return xasprintf("%s: %s", file_name, ovs_strerror(errno));
    }
    struct ds ds = DS_EMPTY_INITIALIZER;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, file)) > 0) {
        ds_put_buffer(&ds, buf, n);
    }
    int error = ferror(file) ? errno : 0;
    if (!is_stdin) {
        fclose(file);
    }
    if (error) {
        ds_destroy(&ds);
        return xasprintf("%s: %s", is_stdin ? "stdin" : file_name,
                         ovs_strerror(error));
    }
    size_t nul = strlen(ds_cstr(&ds));
    if (nul < ds.length) {
        ds_destroy(&ds);
        return xasprintf("%s: byte %"PRIuSIZE" is a NUL character (not "
                         "JSON text)", is_stdin ? "stdin" : file_name, nul);
    }
    if (is_stdin) {
        stdin_text = xstrdup(ds_cstr(&ds));
    }
    *textp = ds_steal_cstr(&ds);
    return NULL;
}

/* "apply FILE [--dry-run] [--prune]": makes the database match the JSON
 * document in FILE ("-" for stdin), in this run's transaction.  The options
 * may also come before the command name. */
static void
cmd_apply(struct ctl_context *ctx)
{
    bool dry_run = shash_find(&ctx->options, "--dry-run") != NULL;
    bool prune = shash_find(&ctx->options, "--prune") != NULL;
    const char *file_name = NULL;

    for (int i = 1; i < ctx->argc; i++) {
        const char *arg = ctx->argv[i];
        if (!strcmp(arg, "--dry-run")) {
            dry_run = true;
        } else if (!strcmp(arg, "--prune")) {
            prune = true;
        } else if (arg[0] == '-' && arg[1] == '-') {
            ctl_fatal("apply: %s: unknown option (expected --dry-run or "
                      "--prune)", arg);
        } else if (file_name) {
            ctl_fatal("apply: %s: only one FILE is allowed (%s given "
                      "before)", arg, file_name);
        } else {
            file_name = arg;
        }
    }
    if (!file_name) {
        ctl_fatal("apply: missing FILE (use \"-\" for stdin)");
    }

    char *text;
    char *error = read_document(file_name, &text);
    if (error) {
        ctl_fatal("apply: %s", error);
    }

    struct intent_doc doc;
    intent_doc_init(&doc);
    struct apply_ctx a = {
        .ctx = ctx,
        .doc = &doc,
        .prune = prune,
        .changes = DS_EMPTY_INITIALIZER,
        .old_filters = SHASH_INITIALIZER(&a.old_filters),
        .old_targets = SHASH_INITIALIZER(&a.old_targets),
        .old_sessions = SHASH_INITIALIZER(&a.old_sessions),
        .filters = SHASH_INITIALIZER(&a.filters),
        .targets = SHASH_INITIALIZER(&a.targets),
    };
    index_rows(&a, ctx->idl);
    const struct intent_doc_refs refs = {
        .find_target = refs_find_target,
        .find_filter = refs_find_filter,
        .aux = &a,
    };
    error = intent_doc_parse(text, &refs, &doc);
    free(text);
    if (error) {
        intent_doc_destroy(&doc);
        if (error[0] == '$') {
            ctl_fatal("apply: %s", error);
        }
        ctl_fatal("apply: %s: %s",
                  strcmp(file_name, "-") ? file_name : "stdin", error);
    }
    intent_doc_sort(&doc);

    apply_doc(&a);

    error = ctl_intent_check(ctx->idl);
    if (error) {
        ctl_fatal("apply: %s", error);
    }

    if (!a.n_changes) {
        ds_put_cstr(&ctx->output, "no changes\n");
    } else {
        ds_put_buffer(&ctx->output, a.changes.string, a.changes.length);
        if (dry_run) {
            ds_put_format(&ctx->output, "dry run: %"PRIuSIZE" changes not "
                          "applied\n", a.n_changes);
        }
    }
    if (dry_run) {
        ovsdb_idl_txn_set_dry_run(ctx->txn);
    }

    ds_destroy(&a.changes);
    shash_destroy(&a.old_filters);
    shash_destroy(&a.old_targets);
    shash_destroy(&a.old_sessions);
    shash_destroy(&a.filters);
    shash_destroy(&a.targets);
    intent_doc_destroy(&doc);
}

static const struct ctl_command_syntax apply_commands[] = {
    {"apply", 1, 3, "FILE [--dry-run] [--prune]", ctl_export_pre, cmd_apply,
     NULL, "--dry-run,--prune", RW},
    {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, RO},
};

/* Registers "apply". */
void
ctl_apply_register_commands(void)
{
    ctl_register_commands(apply_commands);
}
