/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* tmirror-ctl's commands on the rules of a Filter: rule-add, rule-del,
 * rule-list. */

#include <config.h>

#include "ctl-rule.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-common.h"
#include "ctl-intent.h"
#include "ctl-show.h"
#include "db-ctl-base.h"
#include "openvswitch/dynamic-string.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "table.h"
#include "tmirror-idl.h"
#include "tmirror/intent-check.h"
#include "tmirror/intent-rows.h"
#include "tmirror/text.h"
#include "tmirror/validate.h"
#include "tmirror/vlan-set.h"
#include "util.h"

/* Parses "ingress|egress" (argument 'arg') for 'ctx'. */
static bool
parse_direction(struct ctl_context *ctx, const char *arg)
{
    if (strcmp(arg, "ingress") && strcmp(arg, "egress")) {
        ctl_error(ctx, "direction: %s is not ingress or egress", arg);
        return false;
    }
    return true;
}

/* Returns true if the IDL holds every rule of 'filter' (a client that
 * fetches only some rows asks for them first, see ctl-scope.h); else
 * reports an error in 'ctx' rather than rewrite the filter's rules without
 * the missing ones. */
static bool
filter_rules_complete(struct ctl_context *ctx,
                      const struct tmrec_filter *filter)
{
    const struct ovsdb_datum *rules
        = tmrec_filter_get_rules(filter, OVSDB_TYPE_UUID);
    if (rules->n != filter->n_rules) {
        ctl_error(ctx, "%s: filter %s: %"PRIuSIZE" of its %u rules could not "
                  "be read", ctx->argv[0], filter->name,
                  rules->n - filter->n_rules, rules->n);
        return false;
    }
    return true;
}

/* Finds the rule of 'filter' with 'direction' and 'number', or NULL. */
static const struct tmrec_filter_rule *
find_rule(const struct tmrec_filter *filter, const char *direction,
          int64_t number)
{
    for (size_t i = 0; i < filter->n_rules; i++) {
        const struct tmrec_filter_rule *r = filter->rules[i];
        if (!strcmp(r->direction, direction) && r->rule_number == number) {
            return r;
        }
    }
    return NULL;
}

/* Rewrites 'filter''s rules with 'add' added and 'remove' removed (either
 * may be NULL).  The whole column is written, not a partial update, so that
 * later commands and ctl_intent_check() see the change in the IDL; it is
 * verified, so that a rule another client adds meanwhile (which this client
 * may not hold) makes the commit try again rather than drop the rule. */
static void
set_filter_rules(const struct tmrec_filter *filter,
                 struct tmrec_filter_rule *add,
                 const struct tmrec_filter_rule *remove)
{
    tmrec_filter_verify_rules(filter);
    struct tmrec_filter_rule **rules
        = xmalloc((filter->n_rules + 1) * sizeof *rules);
    size_t n = 0;
    for (size_t i = 0; i < filter->n_rules; i++) {
        if (filter->rules[i] != remove) {
            rules[n++] = filter->rules[i];
        }
    }
    if (add) {
        rules[n++] = add;
    }
    tmrec_filter_set_rules(filter, rules, n);
    free(rules);
}

/* The optional values of a rule-add command, parsed. */
struct rule_args {
    struct tm_rule rule;
    char *src, *dst;            /* Canonical CIDRs or NULL. */
    const char *vlan;           /* As given, or NULL. */
    const char *description;
};

/* Parses one KEY=VALUE argument of rule-add into 'ra'.  Returns false after
 * reporting an error in 'ctx'. */
static bool
parse_rule_kv(struct ctl_context *ctx, const char *arg, struct rule_args *ra)
{
    struct tm_rule *r = &ra->rule;
    const char *value;
    char *key = split_kv(ctx, arg, &value);
    char *error = NULL;
    struct tm_cidr cidr;

    if (!key) {
        return false;
    }
    if (!strcmp(key, "protocol")) {
        error = tm_parse_protocol("protocol", value, &r->protocol);
        r->has_protocol = !error;
    } else if (!strcmp(key, "src") || !strcmp(key, "dst")) {
        bool src = key[0] == 's';
        error = tm_parse_cidr(src ? "source_cidr" : "destination_cidr",
                              value, &cidr);
        if (!error) {
            char **p = src ? &ra->src : &ra->dst;
            free(*p);
            *p = tm_cidr_to_string(&cidr);
        }
    } else if (!strcmp(key, "src-port")) {
        error = tm_parse_port_range("source_port", value,
                                    &r->source_port_from, &r->source_port_to);
        r->has_source_port_from = r->has_source_port_to = !error;
    } else if (!strcmp(key, "dst-port")) {
        error = tm_parse_port_range("destination_port", value,
                                    &r->destination_port_from,
                                    &r->destination_port_to);
        r->has_destination_port_from = r->has_destination_port_to = !error;
    } else if (!strcmp(key, "vlan")) {
        error = tm_check_vlan_set("vlan", value);
        ra->vlan = value;
    } else if (!strcmp(key, "description")) {
        ra->description = value;
        error = tm_check_description("description", value);
    } else {
        unknown_key(ctx, key, "protocol, src, dst, src-port, dst-port, vlan "
                    "or description");
        free(key);
        return false;
    }
    free(key);
    return !take_error(ctx, error);
}

/* Writes the parsed 'ra' into the new row 'row'. */
static void
write_rule(const struct tmrec_filter_rule *row, const struct rule_args *ra)
{
    const struct tm_rule *r = &ra->rule;

    tmrec_filter_rule_set_direction(row, r->direction);
    tmrec_filter_rule_set_rule_number(row, r->rule_number);
    tmrec_filter_rule_set_action(row, r->action);
    tmrec_filter_rule_set_protocol(row, &r->protocol, r->has_protocol);
    tmrec_filter_rule_set_source_cidr(row, ra->src);
    tmrec_filter_rule_set_destination_cidr(row, ra->dst);
    tmrec_filter_rule_set_source_port_from(row, &r->source_port_from,
                                           r->has_source_port_from);
    tmrec_filter_rule_set_source_port_to(row, &r->source_port_to,
                                         r->has_source_port_to);
    tmrec_filter_rule_set_destination_port_from(
        row, &r->destination_port_from, r->has_destination_port_from);
    tmrec_filter_rule_set_destination_port_to(
        row, &r->destination_port_to, r->has_destination_port_to);
    tmrec_filter_rule_set_vlan(row, ra->vlan);
    tmrec_filter_rule_set_description(row, ra->description
                                           ? ra->description : "");
}

/* Parses the fixed and optional arguments of rule-add into 'ra'. */
static bool
parse_rule_args(struct ctl_context *ctx, struct rule_args *ra)
{
    memset(ra, 0, sizeof *ra);
    ra->rule.direction = ctx->argv[2];
    ra->rule.action = ctx->argv[4];
    if (!parse_direction(ctx, ctx->argv[2])
        || take_error(ctx, tm_parse_int("rule_number", ctx->argv[3],
                                        TM_NUMBER_MIN, TM_NUMBER_MAX,
                                        &ra->rule.rule_number))) {
        return false;
    }
    if (strcmp(ctx->argv[4], "accept") && strcmp(ctx->argv[4], "reject")) {
        ctl_error(ctx, "action: %s is not accept or reject", ctx->argv[4]);
        return false;
    }
    if (!check_repeated_keys(ctx, 5)) {
        return false;
    }
    for (int i = 5; i < ctx->argc; i++) {
        if (!parse_rule_kv(ctx, ctx->argv[i], ra)) {
            return false;
        }
    }
    ra->rule.source_cidr = ra->src;
    ra->rule.destination_cidr = ra->dst;
    ra->rule.vlan = ra->vlan;
    return !take_error(ctx, tm_rule_validate(&ra->rule));
}

/* "rule-add FILTER DIRECTION NUMBER ACTION [KEY=VALUE]...". */
void
cmd_rule_add(struct ctl_context *ctx)
{
    struct rule_args ra;
    if (!parse_rule_args(ctx, &ra)) {
        goto out;
    }

    const struct tmrec_filter *filter = must_get_filter(ctx, ctx->argv[1]);
    if (!filter || !filter_rules_complete(ctx, filter)) {
        goto out;
    }
    if (find_rule(filter, ra.rule.direction, ra.rule.rule_number)) {
        if (!shash_find(&ctx->options, "--may-exist")) {
            ctl_error(ctx, "rule-add: filter %s already has rule %s %"PRId64,
                      filter->name, ra.rule.direction, ra.rule.rule_number);
        }
        goto out;
    }

    struct tmrec_filter_rule *row = tmrec_filter_rule_insert(ctx->txn);
    write_rule(row, &ra);
    set_filter_rules(filter, row, NULL);

out:
    free(ra.src);
    free(ra.dst);
}

/* "rule-del FILTER DIRECTION NUMBER". */
void
cmd_rule_del(struct ctl_context *ctx)
{
    int64_t number;
    if (!parse_direction(ctx, ctx->argv[2])
        || take_error(ctx, tm_parse_int("rule_number", ctx->argv[3],
                                        TM_NUMBER_MIN, TM_NUMBER_MAX,
                                        &number))) {
        return;
    }
    const struct tmrec_filter *filter = must_get_filter(ctx, ctx->argv[1]);
    if (!filter || !filter_rules_complete(ctx, filter)) {
        return;
    }
    const struct tmrec_filter_rule *rule = find_rule(filter, ctx->argv[2],
                                                     number);
    if (!rule) {
        if (!shash_find(&ctx->options, "--if-exists")) {
            ctl_error(ctx, "rule-del: filter %s has no rule %s %"PRId64,
                      filter->name, ctx->argv[2], number);
        }
        return;
    }
    set_filter_rules(filter, NULL, rule);
    tmrec_filter_rule_delete(rule);
}

/* "rule-list FILTER": a table of the rules in evaluation order. */
void
cmd_rule_list(struct ctl_context *ctx)
{
    static const char *const headings[] = {
        "direction", "number", "action", "protocol", "src", "dst",
        "src-port", "dst-port", "vlan", "description", NULL
    };
    const struct tmrec_filter *filter = must_get_filter(ctx, ctx->argv[1]);
    if (!filter) {
        return;
    }

    struct table *t = start_table(ctx, headings);
    const struct tmrec_filter_rule **rules = tm_filter_sorted_rules(filter);
    for (size_t i = 0; i < filter->n_rules; i++) {
        const struct tmrec_filter_rule *r = rules[i];
        struct ds s = DS_EMPTY_INITIALIZER;

        table_add_row(t);
        add_text_cell(t, r->direction);
        add_int_cell(t, &r->rule_number, 1);
        add_text_cell(t, r->action);
        if (r->n_protocol) {
            put_protocol(&s, r->protocol[0]);
        }
        add_text_cell(t, ds_cstr(&s));
        add_text_cell(t, r->source_cidr);
        add_text_cell(t, r->destination_cidr);
        ds_clear(&s);
        put_port_range(&s, r->source_port_from, r->n_source_port_from,
                       r->source_port_to, r->n_source_port_to);
        add_text_cell(t, ds_cstr(&s));
        ds_clear(&s);
        put_port_range(&s, r->destination_port_from,
                       r->n_destination_port_from, r->destination_port_to,
                       r->n_destination_port_to);
        add_text_cell(t, ds_cstr(&s));
        add_text_cell(t, r->vlan);
        add_text_cell(t, r->description);
        ds_destroy(&s);
    }
    free(rules);
}
