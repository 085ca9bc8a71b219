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
#include "util.h"

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

/* Checks one Filter_Rule row; the message names its filter and key. */
char *
tm_rule_row_check(const char *filter_name,
                  const struct tmrec_filter_rule *row)
{
    struct tm_rule rule;
    tm_rule_from_row(row, &rule);
    char *error = tm_rule_validate(&rule);
    if (!error) {
        return NULL;
    }
    char *msg = xasprintf("filter %s rule %s %"PRId64": %s",
                          filter_name, row->direction, row->rule_number,
                          error);
    free(error);
    return msg;
}

/* Checks one Target row; the message names the target. */
char *
tm_target_row_check(const struct tmrec_target *row)
{
    struct tm_target target;
    tm_target_from_row(row, &target);
    char *error = tm_target_validate(&target);
    tm_target_view_destroy(&target);
    if (!error) {
        return NULL;
    }
    char *msg = xasprintf("target %s: %s", row->name, error);
    free(error);
    return msg;
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
    char *error = tm_session_validate(row->session_number,
                                      row->n_vni ? row->vni[0] : -1,
                                      (row->n_packet_length
                                       ? row->packet_length[0] : -1),
                                      encap);
    if (!error) {
        return NULL;
    }
    char *msg = xasprintf("session %s: %s", row->name, error);
    free(error);
    return msg;
}
