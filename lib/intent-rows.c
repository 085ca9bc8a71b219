/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "tmirror/intent-rows.h"

#include "openvswitch/util.h"
#include "smap.h"
#include "tmirror-idl.h"
#include "tmirror/text.h"
#include "util.h"
#include "uuid.h"

/* Fills 'rule' with the values of 'row' (pointers into 'row'). */
void
tm_rule_from_row(const struct tmrec_filter_rule *row, struct tm_rule *rule)
{
    memset(rule, 0, sizeof *rule);
    rule->direction = row->direction;
    rule->rule_number = row->rule_number;
    rule->action = row->action;
    rule->has_protocol = row->n_protocol > 0;
    rule->protocol = rule->has_protocol ? row->protocol[0] : 0;
    rule->source_cidr = row->source_cidr;
    rule->destination_cidr = row->destination_cidr;
    rule->has_source_port_from = row->n_source_port_from > 0;
    rule->source_port_from = (rule->has_source_port_from
                              ? row->source_port_from[0] : 0);
    rule->has_source_port_to = row->n_source_port_to > 0;
    rule->source_port_to = (rule->has_source_port_to
                            ? row->source_port_to[0] : 0);
    rule->has_destination_port_from = row->n_destination_port_from > 0;
    rule->destination_port_from = (rule->has_destination_port_from
                                   ? row->destination_port_from[0] : 0);
    rule->has_destination_port_to = row->n_destination_port_to > 0;
    rule->destination_port_to = (rule->has_destination_port_to
                                 ? row->destination_port_to[0] : 0);
    rule->vlan = row->vlan;
}

/* Fills 'target' with the values of 'row'.  Allocates the option arrays,
 * which tm_target_view_destroy() frees. */
void
tm_target_from_row(const struct tmrec_target *row, struct tm_target *target)
{
    memset(target, 0, sizeof *target);
    target->name = row->name;
    target->type = row->type;
    target->port = row->port;
    target->addresses = (const char *const *) row->addresses;
    target->n_addresses = row->n_addresses;
    target->encap = row->encap;
    tm_target_view_set_options(target, &row->options);
}

/* Points 'target''s option arrays at the keys and values of 'options', in
 * key order.  Allocates the arrays, which tm_target_view_destroy() frees;
 * the strings stay in 'options'. */
void
tm_target_view_set_options(struct tm_target *target,
                           const struct smap *options)
{
    size_t n = smap_count(options);
    const char **keys = xcalloc(n ? n : 1, sizeof *keys);
    const char **values = xcalloc(n ? n : 1, sizeof *values);
    const struct smap_node **nodes = smap_sort(options);
    for (size_t i = 0; i < n; i++) {
        keys[i] = nodes[i]->key;
        values[i] = nodes[i]->value;
    }
    free(nodes);
    target->option_keys = keys;
    target->option_values = values;
    target->n_options = n;
}

/* Frees what tm_target_from_row() allocated. */
void
tm_target_view_destroy(struct tm_target *target)
{
    free(CONST_CAST(const char **, target->option_keys));
    free(CONST_CAST(const char **, target->option_values));
    target->option_keys = target->option_values = NULL;
    target->n_options = 0;
}

/* Returns a label for a row of 'kind' named 'name'.  See intent-rows.h. */
char *
tm_row_label(const char *kind, const char *name, const struct uuid *uuid)
{
    if (tm_is_valid_name(name)) {
        return xasprintf("%s %s", kind, name);
    } else if ((!name || !*name) && uuid) {
        return xasprintf("%s "UUID_FMT, kind, UUID_ARGS(uuid));
    }
    char *escaped = tm_text_escape(name ? name : "");
    char *label = xasprintf("%s %s", kind, escaped);
    free(escaped);
    return label;
}

/* Returns "LABEL: ERROR" and frees 'label' and 'error', or returns NULL if
 * 'error' is NULL (and frees 'label'). */
static char *
labeled(char *label, char *error)
{
    char *msg = error ? xasprintf("%s: %s", label, error) : NULL;
    free(label);
    free(error);
    return msg;
}

/* Checks one Filter row's own values; the message names the filter. */
char *
tm_filter_row_check(const struct tmrec_filter *row)
{
    char *error = tm_check_name("name", row->name);
    if (!error) {
        error = tm_check_description("description", row->description);
    }
    if (!error) {
        error = tm_check_smap_utf8("external_ids", &row->external_ids);
    }
    return labeled(tm_row_label("filter", row->name, &row->header_.uuid),
                   error);
}

/* Checks one Filter_Rule row; the message names its filter and key. */
char *
tm_rule_row_check(const char *filter_name,
                  const struct tmrec_filter_rule *row)
{
    struct tm_rule rule;
    tm_rule_from_row(row, &rule);
    char *error = tm_rule_validate(&rule);
    if (!error) {
        error = tm_check_description("description", row->description);
    }
    if (!error) {
        error = tm_check_smap_utf8("external_ids", &row->external_ids);
    }
    if (!error) {
        return NULL;
    }
    char *filter = tm_row_label("filter", filter_name, NULL);
    char *label = xasprintf("%s rule %s %"PRId64, filter, row->direction,
                            row->rule_number);
    free(filter);
    return labeled(label, error);
}

/* Checks one Target row; the message names the target. */
char *
tm_target_row_check(const struct tmrec_target *row)
{
    char *error = tm_check_name("name", row->name);
    if (!error) {
        struct tm_target target;
        tm_target_from_row(row, &target);
        error = tm_target_validate(&target);
        tm_target_view_destroy(&target);
    }
    if (!error && !strcmp(row->type, "port")) {
        error = tm_check_iface_id("port", row->port);
    }
    if (!error) {
        error = tm_check_description("description", row->description);
    }
    if (!error) {
        error = tm_check_smap_utf8("external_ids", &row->external_ids);
    }
    return labeled(tm_row_label("target", row->name, &row->header_.uuid),
                   error);
}

/* Returns true if 'target' is an ip target that uses erspan. */
bool
tm_target_is_erspan(const struct tmrec_target *target)
{
    return (target && !strcmp(target->type, "ip")
            && !strcmp(tm_target_encap(target->encap), "erspan"));
}

/* Checks one Session row's own values against its target's encapsulation;
 * the message names the session. */
char *
tm_session_row_check(const struct tmrec_session *row)
{
    const char *encap = NULL;
    if (row->target && !strcmp(row->target->type, "ip")) {
        encap = tm_target_encap(row->target->encap);
    }
    char *error = tm_check_name("name", row->name);
    if (!error) {
        error = tm_check_iface_id("source", row->source);
    }
    if (!error && !row->target) {
        error = xstrdup("target: missing value");
    }
    if (!error && !row->filter) {
        error = xstrdup("filter: missing value");
    }
    if (!error) {
        error = tm_session_validate(row->session_number, row->vni,
                                    (row->n_packet_length
                                     ? row->packet_length[0] : -1),
                                    encap);
    }
    if (!error) {
        error = tm_check_description("description", row->description);
    }
    if (!error) {
        error = tm_check_smap_utf8("external_ids", &row->external_ids);
    }
    return labeled(tm_row_label("session", row->name, &row->header_.uuid),
                   error);
}

/* qsort() comparison of Filter_Rule rows in evaluation order: ingress
 * first, then by rule_number. */
int
tm_rule_compare(const void *a_, const void *b_)
{
    const struct tmrec_filter_rule *const *a = a_;
    const struct tmrec_filter_rule *const *b = b_;
    int cmp = -strcmp((*a)->direction, (*b)->direction);
    if (cmp) {
        return cmp;
    }
    return (((*a)->rule_number > (*b)->rule_number)
            - ((*a)->rule_number < (*b)->rule_number));
}

/* Returns 'filter''s rules in evaluation order.  See intent-rows.h. */
const struct tmrec_filter_rule **
tm_filter_sorted_rules(const struct tmrec_filter *filter)
{
    size_t n = filter->n_rules;
    const struct tmrec_filter_rule **rules
        = xmalloc((n ? n : 1) * sizeof *rules);
    if (n) {
        memcpy(rules, filter->rules, n * sizeof *rules);
    }
    qsort(rules, n, sizeof *rules, tm_rule_compare);
    return rules;
}
