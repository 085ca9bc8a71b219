/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* tmirror-ctl's Target commands: target-add, target-del, target-list. */

#include <config.h>

#include "ctl-target.h"

#include <stdlib.h>
#include <string.h>

#include "ctl-common.h"
#include "ctl-intent.h"
#include "ctl-show.h"
#include "db-ctl-base.h"
#include "openvswitch/dynamic-string.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "svec.h"
#include "table.h"
#include "tmirror-idl.h"
#include "tmirror/intent-check.h"
#include "tmirror/intent-rows.h"
#include "tmirror/text.h"
#include "tmirror/validate.h"
#include "util.h"

/* The arguments of target-add, parsed. */
struct target_args {
    struct svec addresses;
    const char *encap;
    const char *description;
    struct smap options;
};

/* Parses the KEY=VALUE arguments of an ip target-add into 'ta'. */
static bool
parse_ip_target_kvs(struct ctl_context *ctx, struct target_args *ta)
{
    for (int i = 4; i < ctx->argc; i++) {
        const char *value;
        char *key = split_kv(ctx, ctx->argv[i], &value);
        if (!key) {
            return false;
        }
        if (!strcmp(key, "encap")) {
            ta->encap = value;      /* tm_target_validate() refuses "". */
        } else if (!strcmp(key, "dst-port")) {
            smap_replace(&ta->options, "dst_port", value);
        } else if (!strcmp(key, "erspan-ver")) {
            smap_replace(&ta->options, "erspan_ver", value);
        } else if (!strcmp(key, "description")) {
            ta->description = value;
        } else {
            unknown_key(ctx, key, "encap, dst-port, erspan-ver or "
                        "description");
            free(key);
            return false;
        }
        free(key);
    }
    return true;
}

/* Parses target-add's arguments after the name into 'ta' and validates
 * them as a whole. */
static bool
parse_target_args(struct ctl_context *ctx, struct target_args *ta)
{
    const char *type = ctx->argv[2];

    if (!check_repeated_keys(ctx, 4)) {
        return false;
    }
    if (!strcmp(type, "port")) {
        for (int i = 4; i < ctx->argc; i++) {
            const char *value;
            char *key = split_kv(ctx, ctx->argv[i], &value);
            if (!key) {
                return false;
            }
            if (strcmp(key, "description")) {
                unknown_key(ctx, key, "description for a port target");
                free(key);
                return false;
            }
            ta->description = value;
            free(key);
        }
    } else if (!strcmp(type, "ip")) {
        /* Empty pieces are kept so that validation reports them. */
        const char *p = ctx->argv[3];
        for (;;) {
            const char *comma = strchr(p, ',');
            if (!comma) {
                svec_add(&ta->addresses, p);
                break;
            }
            svec_add_nocopy(&ta->addresses, xmemdup0(p, comma - p));
            p = comma + 1;
        }
        if (!parse_ip_target_kvs(ctx, ta)) {
            return false;
        }
    } else {
        ctl_error(ctx, "type: %s is not port or ip", type);
        return false;
    }

    struct tm_target t;
    const struct smap_node **nodes = smap_sort(&ta->options);
    size_t n = smap_count(&ta->options);
    const char **keys = xcalloc(n + 1, sizeof *keys);
    const char **values = xcalloc(n + 1, sizeof *values);
    for (size_t i = 0; i < n; i++) {
        keys[i] = nodes[i]->key;
        values[i] = nodes[i]->value;
    }
    memset(&t, 0, sizeof t);
    t.name = ctx->argv[1];
    t.type = type;
    t.port = !strcmp(type, "port") ? ctx->argv[3] : NULL;
    t.addresses = (const char *const *) ta->addresses.names;
    t.n_addresses = ta->addresses.n;
    t.encap = ta->encap;
    t.option_keys = keys;
    t.option_values = values;
    t.n_options = n;
    char *error = tm_target_validate(&t);
    if (!error && t.port) {
        error = tm_check_iface_id("port", t.port);
    }
    if (!error) {
        error = tm_check_description("description", ta->description);
    }
    free(nodes);
    free(keys);
    free(values);
    return !take_error(ctx, error);
}

/* "target-add TARGET port IFACE-ID" or "target-add TARGET ip ADDR[,ADDR...]
 * [KEY=VALUE]...". */
void
cmd_target_add(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    struct target_args ta;

    memset(&ta, 0, sizeof ta);
    svec_init(&ta.addresses);
    smap_init(&ta.options);
    if (take_error(ctx, tm_check_name("name", name))
        || !parse_target_args(ctx, &ta)) {
        goto out;
    }

    if (target_by_name(ctx->idl, name)) {
        if (!shash_find(&ctx->options, "--may-exist")) {
            ctl_error(ctx, "target-add: target %s already exists", name);
        }
        goto out;
    }

    struct tmrec_target *row = tmrec_target_insert(ctx->txn);
    tmrec_target_set_name(row, name);
    tmrec_target_set_type(row, ctx->argv[2]);
    if (!strcmp(ctx->argv[2], "port")) {
        tmrec_target_set_port(row, ctx->argv[3]);
    } else {
        tmrec_target_set_addresses(row, (const char **) ta.addresses.names,
                                   ta.addresses.n);
        tmrec_target_set_encap(row, tm_target_encap(ta.encap));
        tmrec_target_set_options(row, &ta.options);
    }
    tmrec_target_set_description(row, ta.description ? ta.description : "");

out:
    svec_destroy(&ta.addresses);
    smap_destroy(&ta.options);
}

/* "target-del TARGET". */
void
cmd_target_del(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    const struct tmrec_target *target = target_by_name(ctx->idl, name);
    if (!target) {
        if (!shash_find(&ctx->options, "--if-exists")) {
            char *shown = shown_name(name);
            ctl_error(ctx, "target-del: target %s does not exist", shown);
            free(shown);
        }
        return;
    }

    const char *user = session_using(NULL, target);
    if (user) {
        ctl_error(ctx, "target-del: target %s is used by session %s (delete "
                  "the session or change its target first)", name, user);
        return;
    }
    tmrec_target_delete(target);
}

/* "target-list": a table of the targets. */
void
cmd_target_list(struct ctl_context *ctx)
{
    static const char *const headings[] = {
        "name", "type", "destination", "encap", "options", "description",
        NULL
    };
    struct table *t = start_table(ctx, headings);
    size_t n;
    const struct tmrec_target **targets
        = SORTED_ROWS(ctx->idl, target, tmrec_target, &n);
    for (size_t i = 0; i < n; i++) {
        const struct tmrec_target *x = targets[i];
        struct ds s = DS_EMPTY_INITIALIZER;

        table_add_row(t);
        add_text_cell(t, x->name);
        add_text_cell(t, x->type);
        format_target_dest(&s, x);
        add_text_cell(t, ds_cstr(&s));
        add_text_cell(t, !strcmp(x->type, "ip") ? tm_target_encap(x->encap)
                                                : "");
        ds_clear(&s);
        format_target_options(&s, x);
        add_text_cell(t, s.length ? ds_cstr(&s) + 1 : "");
        add_text_cell(t, x->description);
        ds_destroy(&s);
    }
    free(targets);
}
