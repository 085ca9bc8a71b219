/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* tmirror-ctl's Filter commands: filter-add, filter-del, filter-list,
 * filter-show. */

#include <config.h>

#include "ctl-filter.h"

#include <stdlib.h>
#include <string.h>

#include "ctl-common.h"
#include "ctl-intent.h"
#include "ctl-show.h"
#include "db-ctl-base.h"
#include "openvswitch/dynamic-string.h"
#include "ovsdb-idl.h"
#include "sset.h"
#include "svec.h"
#include "table.h"
#include "tmirror-idl.h"
#include "tmirror/intent-check.h"
#include "tmirror/intent-rows.h"
#include "tmirror/text.h"
#include "tmirror/validate.h"
#include "util.h"

/* "filter-add FILTER [description=TEXT]". */
void
cmd_filter_add(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    const char *description = NULL;

    if (take_error(ctx, tm_check_name("name", name))
        || !check_repeated_keys(ctx, 2)) {
        return;
    }
    for (int i = 2; i < ctx->argc; i++) {
        const char *value;
        char *key = split_kv(ctx, ctx->argv[i], &value);
        if (!key) {
            return;
        }
        if (!strcmp(key, "description")) {
            description = value;
            if (take_error(ctx, tm_check_description("description",
                                                     value))) {
                free(key);
                return;
            }
        } else {
            unknown_key(ctx, key, "description");
            free(key);
            return;
        }
        free(key);
    }

    if (filter_by_name(ctx->idl, name)) {
        if (!shash_find(&ctx->options, "--may-exist")) {
            ctl_error(ctx, "filter-add: filter %s already exists", name);
        }
        return;
    }

    struct tmrec_filter *filter = tmrec_filter_insert(ctx->txn);
    tmrec_filter_set_name(filter, name);
    tmrec_filter_set_description(filter, description ? description : "");
}

/* "filter-del FILTER". */
void
cmd_filter_del(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    const struct tmrec_filter *filter = filter_by_name(ctx->idl, name);
    if (!filter) {
        if (!shash_find(&ctx->options, "--if-exists")) {
            char *shown = shown_name(name);
            ctl_error(ctx, "filter-del: filter %s does not exist", shown);
            free(shown);
        }
        return;
    }

    const char *user = session_using(filter, NULL);
    if (user) {
        ctl_error(ctx, "filter-del: filter %s is used by session %s (delete "
                  "the session or change its filter first)", name, user);
        return;
    }
    for (size_t i = 0; i < filter->n_rules; i++) {
        tmrec_filter_rule_delete(filter->rules[i]);
    }
    tmrec_filter_delete(filter);
}

/* "filter-list": a table of the filters. */
void
cmd_filter_list(struct ctl_context *ctx)
{
    static const char *const headings[] = {
        "name", "rules", "description", NULL
    };
    struct table *t = start_table(ctx, headings);
    size_t n;
    const struct tmrec_filter **filters
        = SORTED_ROWS(ctx->idl, filter, tmrec_filter, &n);
    for (size_t i = 0; i < n; i++) {
        int64_t n_rules = filters[i]->n_rules;
        table_add_row(t);
        add_text_cell(t, filters[i]->name);
        add_int_cell(t, &n_rules, 1);
        add_text_cell(t, filters[i]->description);
    }
    free(filters);
}

/* tm_intent_lookup_filter_sessions() callback: adds the session's name to
 * the svec 'names_'. */
static void
add_session_name(const struct tmrec_session *session, void *names_)
{
    svec_add(names_, session->name);
}

/* "filter-show FILTER": the filter, its rules and the sessions using it. */
void
cmd_filter_show(struct ctl_context *ctx)
{
    const struct tmrec_filter *filter = must_get_filter(ctx, ctx->argv[1]);
    if (!filter) {
        return;
    }
    show_filter(&ctx->output, filter);

    struct svec users = SVEC_EMPTY_INITIALIZER;
    tm_intent_lookup_filter_sessions(ctl_intent_lookup(), filter,
                                     add_session_name, &users);
    svec_sort(&users);
    for (size_t i = 0; i < users.n; i++) {
        ds_put_cstr(&ctx->output, "    used by session ");
        put_name(&ctx->output, users.names[i]);
        ds_put_char(&ctx->output, '\n');
    }
    svec_destroy(&users);
}
