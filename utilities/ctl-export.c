/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* tmirror-ctl "export [FILE]": the configuration in the database as one JSON
 * document (tmirror/intent-doc.h; the format is described in
 * lib/intent-doc.c and tmirror-ctl(8)). */

#include <config.h>

#include "ctl-export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-ctl-base.h"
#include "openvswitch/dynamic-string.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "tmirror-idl.h"
#include "tmirror/intent-doc.h"
#include "tmirror/txn-token.h"
#include "util.h"

/* Sets '*has', '*from' and '*to' from a pair of optional port columns. */
static void
port_from_idl(const int64_t *from, size_t n_from, const int64_t *to,
              size_t n_to, bool *has, int64_t *fromp, int64_t *top)
{
    *has = n_from || n_to;
    *fromp = n_from ? from[0] : n_to ? to[0] : 0;
    *top = n_to ? to[0] : *fromp;
}

/* Returns a copy of the optional string 's', or NULL if it is NULL or "". */
static char *
opt_strdup(const char *s)
{
    return s && *s ? xstrdup(s) : NULL;
}

/* Fills 'rule' (uninitialized) from 'row'. */
static void
rule_from_idl(const struct tmrec_filter_rule *row,
              struct intent_doc_rule *rule)
{
    intent_doc_rule_init(rule);
    rule->direction = xstrdup(row->direction);
    rule->number = row->rule_number;
    rule->action = xstrdup(row->action);
    rule->has_protocol = row->n_protocol > 0;
    rule->protocol = row->n_protocol ? row->protocol[0] : 0;
    rule->source_cidr = opt_strdup(row->source_cidr);
    rule->destination_cidr = opt_strdup(row->destination_cidr);
    port_from_idl(row->source_port_from, row->n_source_port_from,
                  row->source_port_to, row->n_source_port_to,
                  &rule->has_source_port, &rule->source_port_from,
                  &rule->source_port_to);
    port_from_idl(row->destination_port_from, row->n_destination_port_from,
                  row->destination_port_to, row->n_destination_port_to,
                  &rule->has_destination_port,
                  &rule->destination_port_from,
                  &rule->destination_port_to);
    rule->vlan = opt_strdup(row->vlan);
    free(rule->description);
    rule->description = xstrdup(row->description);
    smap_clone(&rule->external_ids, &row->external_ids);
}

/* Fills 'filter' (uninitialized) from 'row', rules included. */
static void
filter_from_idl(const struct tmrec_filter *row,
                struct intent_doc_filter *filter)
{
    intent_doc_filter_init(filter);
    filter->name = xstrdup(row->name);
    free(filter->description);
    filter->description = xstrdup(row->description);
    smap_clone(&filter->external_ids, &row->external_ids);
    filter->rules = xcalloc(row->n_rules ? row->n_rules : 1,
                            sizeof *filter->rules);
    for (size_t i = 0; i < row->n_rules; i++) {
        rule_from_idl(row->rules[i], &filter->rules[filter->n_rules++]);
    }
}

/* Fills 'target' (uninitialized) from 'row'. */
static void
target_from_idl(const struct tmrec_target *row,
                struct intent_doc_target *target)
{
    intent_doc_target_init(target);
    target->name = xstrdup(row->name);
    target->type = xstrdup(row->type);
    target->port = opt_strdup(row->port);
    target->addresses = xcalloc(row->n_addresses ? row->n_addresses : 1,
                                sizeof *target->addresses);
    for (size_t i = 0; i < row->n_addresses; i++) {
        target->addresses[target->n_addresses++]
            = xstrdup(row->addresses[i]);
    }
    target->encap = opt_strdup(row->encap);
    smap_clone(&target->options, &row->options);
    free(target->description);
    target->description = xstrdup(row->description);
    smap_clone(&target->external_ids, &row->external_ids);
}

/* Fills 'session' (uninitialized) from 'row'. */
static void
session_from_idl(const struct tmrec_session *row,
                 struct intent_doc_session *session)
{
    intent_doc_session_init(session);
    session->name = xstrdup(row->name);
    session->source = xstrdup(row->source);
    session->target = xstrdup(row->target ? row->target->name : "");
    session->filter = xstrdup(row->filter ? row->filter->name : "");
    session->number = row->session_number;
    session->vni = row->vni;
    session->packet_length = (row->n_packet_length
                              ? row->packet_length[0] : -1);
    session->enabled = row->enabled;
    session->independent = row->independent;
    free(session->description);
    session->description = xstrdup(row->description);
    smap_clone(&session->external_ids, &row->external_ids);
}

/* Appends a new element to the array '*elems' of '*n' elements, growing it
 * as needed ('*allocated' elements), and returns it. */
#define APPEND(ELEMS, N, ALLOCATED)                                     \
    ((N) >= (ALLOCATED)                                                 \
     ? ((ELEMS) = x2nrealloc(ELEMS, &(ALLOCATED), sizeof *(ELEMS)))     \
     : (ELEMS),                                                         \
     &(ELEMS)[(N)++])

/* Fills 'doc' (initialized, empty) with the configuration in 'idl', in
 * canonical order. */
void
ctl_export_doc(const struct ovsdb_idl *idl, struct intent_doc *doc)
{
    const struct tmrec_tm_global *global = tmrec_tm_global_first(idl);
    doc->has_options = doc->has_external_ids = true;
    if (global) {
        smap_clone(&doc->options, &global->options);
        smap_clone(&doc->external_ids, &global->external_ids);
        txn_token_strip(&doc->external_ids);
    }

    size_t allocated = 0;
    const struct tmrec_filter *filter;
    TMREC_FILTER_FOR_EACH (filter, idl) {
        filter_from_idl(filter, APPEND(doc->filters, doc->n_filters,
                                       allocated));
    }
    allocated = 0;
    const struct tmrec_target *target;
    TMREC_TARGET_FOR_EACH (target, idl) {
        target_from_idl(target, APPEND(doc->targets, doc->n_targets,
                                       allocated));
    }
    allocated = 0;
    const struct tmrec_session *session;
    TMREC_SESSION_FOR_EACH (session, idl) {
        session_from_idl(session, APPEND(doc->sessions, doc->n_sessions,
                                         allocated));
    }
    intent_doc_sort(doc);
}

/* Writes 'text' into the file 'file_name'.  Returns NULL or an error. */
static char *
write_text(const char *file_name, const char *text)
{
    FILE *file = fopen(file_name, "w");
    if (!file) {
        return xasprintf("%s: %s", file_name, ovs_strerror(errno));
    }
    bool ok = fputs(text, file) >= 0;
    int error = ok ? 0 : errno;
    if (fclose(file) && ok) {
        ok = false;
        error = errno;
    }
    return ok ? NULL : xasprintf("%s: %s", file_name, ovs_strerror(error));
}

/* Adds the tables and columns that export and apply read to the IDL. */
void
ctl_export_pre(struct ctl_context *ctx)
{
    ovsdb_idl_add_column(ctx->idl, &tmrec_tm_global_col_options);
    ovsdb_idl_add_column(ctx->idl, &tmrec_tm_global_col_external_ids);
    ovsdb_idl_add_table(ctx->idl, &tmrec_table_filter);
    ovsdb_idl_add_table(ctx->idl, &tmrec_table_filter_rule);
    ovsdb_idl_add_table(ctx->idl, &tmrec_table_target);
    ovsdb_idl_add_table(ctx->idl, &tmrec_table_session);
}

/* "export [FILE]": the configuration as a JSON document on stdout or in
 * FILE ("-" is stdout). */
static void
cmd_export(struct ctl_context *ctx)
{
    struct intent_doc doc;
    intent_doc_init(&doc);
    ctl_export_doc(ctx->idl, &doc);
    char *text = intent_doc_format(&doc);
    intent_doc_destroy(&doc);

    if (ctx->argc > 1 && strcmp(ctx->argv[1], "-")) {
        char *error = write_text(ctx->argv[1], text);
        free(text);
        if (error) {
            ctl_fatal("export: %s", error);
        }
    } else {
        ds_put_cstr(&ctx->output, text);
        free(text);
    }
}

static const struct ctl_command_syntax export_commands[] = {
    {"export", 0, 1, "[FILE]", ctl_export_pre, cmd_export, NULL, "", RO},
    {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, RO},
};

/* Registers "export". */
void
ctl_export_register_commands(void)
{
    ctl_register_commands(export_commands);
}
