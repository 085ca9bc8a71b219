/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* How tmirror-ctl prints intent rows for people: a rule, a target, a
 * session in the syntax of the commands that make them, and "show", the
 * whole intent as a tree in name order. */

#include <config.h>

#include "ctl-show.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-common.h"
#include "ctl-intent.h"
#include "db-ctl-base.h"
#include "openvswitch/dynamic-string.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "tmirror-idl.h"
#include "tmirror/intent-check.h"
#include "tmirror/intent-rows.h"
#include "tmirror/text.h"
#include "tmirror/validate.h"
#include "tmirror/vlan-set.h"
#include "util.h"

/* Appends the protocol of 'rule' by name or number. */
void
put_protocol(struct ds *s, int64_t protocol)
{
    const char *name = tm_protocol_name(protocol);
    if (name) {
        ds_put_cstr(s, name);
    } else {
        ds_put_format(s, "%"PRId64, protocol);
    }
}

/* Appends a port range "N" or "N-M" from optional columns. */
void
put_port_range(struct ds *s, const int64_t *from, size_t n_from,
               const int64_t *to, size_t n_to)
{
    if (n_from && n_to && from[0] != to[0]) {
        ds_put_format(s, "%"PRId64"-%"PRId64, from[0], to[0]);
    } else if (n_from) {
        ds_put_format(s, "%"PRId64, from[0]);
    } else if (n_to) {
        ds_put_format(s, "%"PRId64, to[0]);
    }
}

/* Appends 'rule' to 's' in rule-add syntax, e.g. "ingress 10 accept
 * protocol=tcp dst-port=80". */
static void
format_rule(struct ds *s, const struct tmrec_filter_rule *r)
{
    ds_put_format(s, "%s %"PRId64" %s", r->direction, r->rule_number,
                  r->action);
    if (r->n_protocol) {
        ds_put_cstr(s, " protocol=");
        put_protocol(s, r->protocol[0]);
    }
    if (r->source_cidr && *r->source_cidr) {
        ds_put_cstr(s, " src=");
        put_maybe_quoted(s, r->source_cidr);
    }
    if (r->destination_cidr && *r->destination_cidr) {
        ds_put_cstr(s, " dst=");
        put_maybe_quoted(s, r->destination_cidr);
    }
    if (r->n_source_port_from || r->n_source_port_to) {
        ds_put_cstr(s, " src-port=");
        put_port_range(s, r->source_port_from, r->n_source_port_from,
                       r->source_port_to, r->n_source_port_to);
    }
    if (r->n_destination_port_from || r->n_destination_port_to) {
        ds_put_cstr(s, " dst-port=");
        put_port_range(s, r->destination_port_from,
                       r->n_destination_port_from,
                       r->destination_port_to, r->n_destination_port_to);
    }
    if (r->vlan && *r->vlan) {
        ds_put_format(s, " vlan=%s", r->vlan);
    }
    if (*r->description) {
        ds_put_cstr(s, " description=");
        put_maybe_quoted(s, r->description);
    }
}
/* Appends a target's destination: its iface-id or its addresses. */
void
format_target_dest(struct ds *s, const struct tmrec_target *t)
{
    if (!strcmp(t->type, "port")) {
        put_maybe_quoted(s, t->port ? t->port : "");
        return;
    }
    for (size_t i = 0; i < t->n_addresses; i++) {
        ds_put_cstr(s, i ? "," : "");
        put_maybe_quoted(s, t->addresses[i]);
    }
}

/* Appends a target's options as "dst-port=N erspan-ver=N ...", each preceded
 * by a space. */
void
format_target_options(struct ds *s, const struct tmrec_target *t)
{
    const struct smap_node **nodes = smap_sort(&t->options);
    for (size_t i = 0; i < smap_count(&t->options); i++) {
        const char *key = nodes[i]->key;
        ds_put_format(s, " %s=%s",
                      !strcmp(key, "dst_port") ? "dst-port"
                      : !strcmp(key, "erspan_ver") ? "erspan-ver" : key,
                      nodes[i]->value);
    }
    free(nodes);
}

/* Appends 'target' in target-add syntax, e.g. "ip 192.0.2.1 encap=vxlan". */
void
format_target(struct ds *s, const struct tmrec_target *t)
{
    ds_put_format(s, "%s ", t->type);
    format_target_dest(s, t);
    if (!strcmp(t->type, "ip")) {
        ds_put_format(s, " encap=%s", tm_target_encap(t->encap));
    }
    format_target_options(s, t);
    if (*t->description) {
        ds_put_cstr(s, " description=");
        put_maybe_quoted(s, t->description);
    }
}

/* Appends 'session' as "source IFACE number N target T filter F vni V ...".
 */
static void
format_session(struct ds *s, const struct tmrec_session *x)
{
    ds_put_cstr(s, "source=");
    put_maybe_quoted(s, x->source);
    ds_put_format(s, " number=%"PRId64" target=", x->session_number);
    put_name(s, x->target ? x->target->name : "");
    ds_put_cstr(s, " filter=");
    put_name(s, x->filter ? x->filter->name : "");
    ds_put_format(s, " vni=%"PRId64, x->vni);
    if (x->n_packet_length) {
        ds_put_format(s, " packet-length=%"PRId64, x->packet_length[0]);
    }
    ds_put_format(s, " enabled=%s", x->enabled ? "true" : "false");
    if (x->independent) {
        ds_put_cstr(s, " independent=true");
    }
    if (*x->description) {
        ds_put_cstr(s, " description=");
        put_maybe_quoted(s, x->description);
    }
}

/* Appends 'filter' and its rules, indented. */
void
show_filter(struct ds *s, const struct tmrec_filter *filter)
{
    ds_put_cstr(s, "filter ");
    put_name(s, filter->name);
    ds_put_char(s, '\n');
    if (*filter->description) {
        ds_put_cstr(s, "    description: ");
        put_maybe_quoted(s, filter->description);
        ds_put_char(s, '\n');
    }
    const struct tmrec_filter_rule **rules = tm_filter_sorted_rules(filter);
    for (size_t i = 0; i < filter->n_rules; i++) {
        ds_put_cstr(s, "    rule ");
        format_rule(s, rules[i]);
        ds_put_char(s, '\n');
    }
    free(rules);
}

/* "show": the whole intent as a tree, in name order. */
void
cmd_show(struct ctl_context *ctx)
{
    struct ds *s = &ctx->output;
    size_t n;

    const struct tmrec_filter **filters
        = SORTED_ROWS(ctx->idl, filter, tmrec_filter, &n);
    for (size_t i = 0; i < n; i++) {
        show_filter(s, filters[i]);
    }
    free(filters);

    const struct tmrec_target **targets
        = SORTED_ROWS(ctx->idl, target, tmrec_target, &n);
    for (size_t i = 0; i < n; i++) {
        ds_put_cstr(s, "target ");
        put_name(s, targets[i]->name);
        ds_put_cstr(s, "\n    ");
        format_target(s, targets[i]);
        ds_put_char(s, '\n');
    }
    free(targets);

    const struct tmrec_session **sessions
        = SORTED_ROWS(ctx->idl, session, tmrec_session, &n);
    for (size_t i = 0; i < n; i++) {
        ds_put_cstr(s, "session ");
        put_name(s, sessions[i]->name);
        ds_put_cstr(s, "\n    ");
        format_session(s, sessions[i]);
        ds_put_char(s, '\n');
    }
    free(sessions);

    const struct tmrec_chassis **chassis
        = SORTED_ROWS(ctx->idl, chassis, tmrec_chassis, &n);
    for (size_t i = 0; i < n; i++) {
        ds_put_cstr(s, "chassis ");
        put_name(s, chassis[i]->name);
        ds_put_cstr(s, "\n    ");
        if (*chassis[i]->encap_ip) {
            ds_put_cstr(s, "encap_ip=");
            put_maybe_quoted(s, chassis[i]->encap_ip);
            ds_put_char(s, ' ');
        }
        ds_put_format(s, "cfg=%"PRId64"\n", chassis[i]->cfg);
    }
    free(chassis);
}
