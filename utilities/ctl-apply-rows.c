/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* "tmirror-ctl apply", row by row: makes one filter (with its rules), target,
 * session or the TM_Global row match an object of the document, and records
 * a change line for each column it changes (see ctl-apply-rows.h). */

#include <config.h>

#include "ctl-apply-rows.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "db-ctl-base.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "tmirror-idl.h"
#include "tmirror/intent-doc.h"
#include "tmirror/txn-token.h"
#include "util.h"

/* Appends a new element to the array '*elems' of '*n' elements, growing it
 * as needed ('*allocated' elements), and returns it. */
#define APPEND(ELEMS, N, ALLOCATED)                                     \
    ((N) >= (ALLOCATED)                                                 \
     ? ((ELEMS) = x2nrealloc(ELEMS, &(ALLOCATED), sizeof *(ELEMS)))     \
     : (ELEMS),                                                         \
     &(ELEMS)[(N)++])

/* Orders C strings. */
static int
string_cmp(const void *a_, const void *b_)
{
    const char *const *a = a_, *const *b = b_;
    return strcmp(*a, *b);
}

/* Records one change line. */
void
apply_change(struct apply_ctx *a, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    ds_put_format_valist(&a->changes, format, args);
    va_end(args);
    ds_put_char(&a->changes, '\n');
    a->n_changes++;
}

/* Compares the displayed values 'old' and 'new' of 'field' of the object
 * 'obj' ("session s1"); if they differ, records "update OBJ: FIELD OLD ->
 * NEW" (unless 'obj' is NULL: a new row) and returns true.  Frees 'old' and
 * 'new'. */
static bool
diff_values(struct apply_ctx *a, const char *obj, const char *field,
            struct ds *old, struct ds *new)
{
    bool differs = strcmp(ds_cstr(old), ds_cstr(new)) != 0;
    if (differs && obj) {
        apply_change(a, "update %s: %s %s -> %s", obj, field, ds_cstr(old),
                     ds_cstr(new));
    }
    ds_destroy(old);
    ds_destroy(new);
    return differs;
}

/* Displays the optional string 's' ("none" if NULL). */
static void
put_opt_string(struct ds *ds, const char *s)
{
    if (s) {
        json_string_escape(s, ds);
    } else {
        ds_put_cstr(ds, "none");
    }
}

/* Displays the optional integer 'v' ("none" if 'n' is 0). */
static void
put_opt_int(struct ds *ds, const int64_t *v, size_t n)
{
    if (n) {
        ds_put_format(ds, "%"PRId64, v[0]);
    } else {
        ds_put_cstr(ds, "none");
    }
}

/* Displays 'smap' as a JSON object in key order. */
static void
put_smap_display(struct ds *ds, const struct smap *smap)
{
    const struct smap_node **nodes = smap_sort(smap);
    size_t n = smap_count(smap);
    ds_put_char(ds, '{');
    for (size_t i = 0; i < n; i++) {
        ds_put_cstr(ds, i ? ", " : "");
        json_string_escape(nodes[i]->key, ds);
        ds_put_cstr(ds, ": ");
        json_string_escape(nodes[i]->value, ds);
    }
    ds_put_char(ds, '}');
    free(nodes);
}

/* Displays the set of 'n' strings 'set' as a sorted JSON array. */
static void
put_strset_display(struct ds *ds, char *const *set, size_t n)
{
    char **copy = xcalloc(n ? n : 1, sizeof *copy);
    if (n) {
        memcpy(copy, set, n * sizeof *copy);
        qsort(copy, n, sizeof *copy, string_cmp);
    }
    ds_put_char(ds, '[');
    for (size_t i = 0; i < n; i++) {
        ds_put_cstr(ds, i ? ", " : "");
        json_string_escape(copy[i], ds);
    }
    ds_put_char(ds, ']');
    free(copy);
}

/* Displays a port range from two optional columns: none, N, N-M. */
static void
put_range_display(struct ds *ds, const int64_t *from, size_t n_from,
                  const int64_t *to, size_t n_to)
{
    if (!n_from && !n_to) {
        ds_put_cstr(ds, "none");
        return;
    }
    put_opt_int(ds, from, n_from);
    if (!n_from || !n_to || from[0] != to[0]) {
        ds_put_char(ds, '-');
        put_opt_int(ds, to, n_to);
    }
}

/* Compares two optional strings (NULL = none). */
static bool
diff_str(struct apply_ctx *a, const char *obj, const char *field,
         const char *old, const char *new)
{
    struct ds o = DS_EMPTY_INITIALIZER, n = DS_EMPTY_INITIALIZER;
    put_opt_string(&o, old);
    put_opt_string(&n, new);
    return diff_values(a, obj, field, &o, &n);
}

/* Compares two optional integers. */
static bool
diff_int(struct apply_ctx *a, const char *obj, const char *field,
         const int64_t *old, size_t n_old, const int64_t *new, size_t n_new)
{
    struct ds o = DS_EMPTY_INITIALIZER, n = DS_EMPTY_INITIALIZER;
    put_opt_int(&o, old, n_old);
    put_opt_int(&n, new, n_new);
    return diff_values(a, obj, field, &o, &n);
}

/* Compares two maps. */
static bool
diff_smap(struct apply_ctx *a, const char *obj, const char *field,
          const struct smap *old, const struct smap *new)
{
    struct ds o = DS_EMPTY_INITIALIZER, n = DS_EMPTY_INITIALIZER;
    put_smap_display(&o, old);
    put_smap_display(&n, new);
    return diff_values(a, obj, field, &o, &n);
}

/* Compares two booleans. */
static bool
diff_bool(struct apply_ctx *a, const char *obj, const char *field,
          bool old, bool new)
{
    struct ds o = DS_EMPTY_INITIALIZER, n = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&o, old ? "true" : "false");
    ds_put_cstr(&n, new ? "true" : "false");
    return diff_values(a, obj, field, &o, &n);
}

/* Compares a port range held in two optional columns with the document's
 * ('has', 'from', 'to'); if they differ, sets both columns with 'set_from'
 * and 'set_to'. */
static void
apply_range(struct apply_ctx *a, const char *obj, const char *field,
            const struct tmrec_filter_rule *row,
            const int64_t *old_from, size_t n_old_from,
            const int64_t *old_to, size_t n_old_to,
            bool has, int64_t from, int64_t to,
            void (*set_from)(const struct tmrec_filter_rule *,
                             const int64_t *, size_t),
            void (*set_to)(const struct tmrec_filter_rule *,
                           const int64_t *, size_t))
{
    struct ds o = DS_EMPTY_INITIALIZER, n = DS_EMPTY_INITIALIZER;
    put_range_display(&o, old_from, n_old_from, old_to, n_old_to);
    put_range_display(&n, &from, has, &to, has);
    if (diff_values(a, obj, field, &o, &n)) {
        set_from(row, &from, has);
        set_to(row, &to, has);
    }
}

/* Returns the shash key that orders rules like the document: direction
 * (ingress first), then number. */
static char *
rule_key(const char *direction, int64_t number)
{
    return xasprintf("%d:%05"PRId64, strcmp(direction, "ingress") ? 1 : 0,
                     number);
}

/* Makes rule 'row' match 'r'.  'obj' names the rule for change lines, or is
 * NULL for a new row. */
static void
apply_rule_fields(struct apply_ctx *a, const char *obj,
                  const struct tmrec_filter_rule *row,
                  const struct intent_doc_rule *r)
{
    if (obj) {
        tmrec_filter_rule_verify_direction(row);
        tmrec_filter_rule_verify_rule_number(row);
        tmrec_filter_rule_verify_action(row);
        tmrec_filter_rule_verify_protocol(row);
        tmrec_filter_rule_verify_source_cidr(row);
        tmrec_filter_rule_verify_destination_cidr(row);
        tmrec_filter_rule_verify_source_port_from(row);
        tmrec_filter_rule_verify_source_port_to(row);
        tmrec_filter_rule_verify_destination_port_from(row);
        tmrec_filter_rule_verify_destination_port_to(row);
        tmrec_filter_rule_verify_vlan(row);
        tmrec_filter_rule_verify_description(row);
        tmrec_filter_rule_verify_external_ids(row);
    }
    if (diff_str(a, obj, "direction", row->direction, r->direction)) {
        tmrec_filter_rule_set_direction(row, r->direction);
    }
    if (diff_int(a, obj, "number", &row->rule_number, 1, &r->number, 1)) {
        tmrec_filter_rule_set_rule_number(row, r->number);
    }
    if (diff_str(a, obj, "action", row->action, r->action)) {
        tmrec_filter_rule_set_action(row, r->action);
    }
    if (diff_int(a, obj, "protocol", row->protocol, row->n_protocol,
                 &r->protocol, r->has_protocol)) {
        tmrec_filter_rule_set_protocol(row, &r->protocol, r->has_protocol);
    }
    if (diff_str(a, obj, "source_cidr", row->source_cidr, r->source_cidr)) {
        tmrec_filter_rule_set_source_cidr(row, r->source_cidr);
    }
    if (diff_str(a, obj, "destination_cidr", row->destination_cidr,
                 r->destination_cidr)) {
        tmrec_filter_rule_set_destination_cidr(row, r->destination_cidr);
    }
    apply_range(a, obj, "source_port", row,
                row->source_port_from, row->n_source_port_from,
                row->source_port_to, row->n_source_port_to,
                r->has_source_port, r->source_port_from, r->source_port_to,
                tmrec_filter_rule_set_source_port_from,
                tmrec_filter_rule_set_source_port_to);
    apply_range(a, obj, "destination_port", row,
                row->destination_port_from, row->n_destination_port_from,
                row->destination_port_to, row->n_destination_port_to,
                r->has_destination_port, r->destination_port_from,
                r->destination_port_to,
                tmrec_filter_rule_set_destination_port_from,
                tmrec_filter_rule_set_destination_port_to);
    if (diff_str(a, obj, "vlan", row->vlan, r->vlan)) {
        tmrec_filter_rule_set_vlan(row, r->vlan);
    }
    if (diff_str(a, obj, "description", row->description, r->description)) {
        tmrec_filter_rule_set_description(row, r->description);
    }
    if (diff_smap(a, obj, "external_ids", &row->external_ids,
                  &r->external_ids)) {
        tmrec_filter_rule_set_external_ids(row, &r->external_ids);
    }
}

/* Makes the rules of filter 'row' (named 'f->name') match 'f''s: updates
 * matching rules, creates missing ones and, with --prune, deletes the
 * others.  'is_new' is true if 'row' was just inserted. */
static void
apply_rules(struct apply_ctx *a, const struct tmrec_filter *row,
            const struct intent_doc_filter *f, bool is_new)
{
    struct shash old = SHASH_INITIALIZER(&old);
    if (!is_new) {
        tmrec_filter_verify_rules(row);
        for (size_t i = 0; i < row->n_rules; i++) {
            const struct tmrec_filter_rule *rule = row->rules[i];
            char *key = rule_key(rule->direction, rule->rule_number);
            shash_add_once(&old, key, rule);
            free(key);
        }
    }

    size_t n = 0, allocated = 0;
    struct tmrec_filter_rule **rules = NULL;
    bool changed = false;
    for (size_t i = 0; i < f->n_rules; i++) {
        const struct intent_doc_rule *r = &f->rules[i];
        char *key = rule_key(r->direction, r->number);
        const struct tmrec_filter_rule *rule = shash_find_and_delete(&old,
                                                                     key);
        free(key);

        char *obj = xasprintf("rule %s %s %"PRId64, f->name, r->direction,
                              r->number);
        if (!rule) {
            rule = tmrec_filter_rule_insert(a->ctx->txn);
            apply_change(a, "create %s", obj);
            apply_rule_fields(a, NULL, rule, r);
            changed = true;
        } else {
            apply_rule_fields(a, obj, rule, r);
        }
        free(obj);
        *APPEND(rules, n, allocated) = CONST_CAST(struct tmrec_filter_rule *,
                                                  rule);
    }

    /* The rules that the document does not name, in rule order. */
    const struct shash_node **nodes = shash_sort(&old);
    for (size_t i = 0; i < shash_count(&old); i++) {
        const struct tmrec_filter_rule *rule = nodes[i]->data;
        if (a->prune) {
            apply_change(a, "delete rule %s %s %"PRId64, f->name,
                         rule->direction, rule->rule_number);
            tmrec_filter_rule_delete(rule);
            changed = true;
        } else {
            *APPEND(rules, n, allocated)
                = CONST_CAST(struct tmrec_filter_rule *, rule);
        }
    }
    free(nodes);
    shash_destroy(&old);

    if (changed) {
        tmrec_filter_set_rules(row, rules, n);
    }
    free(rules);
}

/* Makes the filter named 'f->name' match 'f', creating it if needed. */
void
apply_filter(struct apply_ctx *a, const struct intent_doc_filter *f)
{
    const struct tmrec_filter *row = shash_find_data(&a->old_filters,
                                                     f->name);
    char *obj = NULL;
    bool is_new = !row;
    if (is_new) {
        row = tmrec_filter_insert(a->ctx->txn);
        apply_change(a, "create filter %s", f->name);
    } else {
        obj = xasprintf("filter %s", f->name);
        tmrec_filter_verify_name(row);
        tmrec_filter_verify_description(row);
        tmrec_filter_verify_external_ids(row);
    }

    if (diff_str(a, obj, "name", row->name, f->name)) {
        tmrec_filter_set_name(row, f->name);
    }
    if (diff_str(a, obj, "description", row->description, f->description)) {
        tmrec_filter_set_description(row, f->description);
    }
    if (diff_smap(a, obj, "external_ids", &row->external_ids,
                  &f->external_ids)) {
        tmrec_filter_set_external_ids(row, &f->external_ids);
    }
    apply_rules(a, row, f, is_new);
    shash_add_once(&a->filters, f->name, row);
    free(obj);
}

/* Makes the target named 't->name' match 't', creating it if needed. */
void
apply_target(struct apply_ctx *a, const struct intent_doc_target *t)
{
    const struct tmrec_target *row = shash_find_data(&a->old_targets,
                                                     t->name);
    char *obj = NULL;
    if (!row) {
        row = tmrec_target_insert(a->ctx->txn);
        apply_change(a, "create target %s", t->name);
    } else {
        obj = xasprintf("target %s", t->name);
        tmrec_target_verify_name(row);
        tmrec_target_verify_type(row);
        tmrec_target_verify_port(row);
        tmrec_target_verify_addresses(row);
        tmrec_target_verify_encap(row);
        tmrec_target_verify_options(row);
        tmrec_target_verify_description(row);
        tmrec_target_verify_external_ids(row);
    }

    if (diff_str(a, obj, "name", row->name, t->name)) {
        tmrec_target_set_name(row, t->name);
    }
    if (diff_str(a, obj, "type", row->type, t->type)) {
        tmrec_target_set_type(row, t->type);
    }
    if (diff_str(a, obj, "port", row->port, t->port)) {
        tmrec_target_set_port(row, t->port);
    }
    struct ds o = DS_EMPTY_INITIALIZER, n = DS_EMPTY_INITIALIZER;
    put_strset_display(&o, row->addresses, row->n_addresses);
    put_strset_display(&n, t->addresses, t->n_addresses);
    if (diff_values(a, obj, "addresses", &o, &n)) {
        tmrec_target_set_addresses(row, (const char **) t->addresses,
                                   t->n_addresses);
    }
    if (diff_str(a, obj, "encap", row->encap, t->encap)) {
        tmrec_target_set_encap(row, t->encap);
    }
    if (diff_smap(a, obj, "options", &row->options, &t->options)) {
        tmrec_target_set_options(row, &t->options);
    }
    if (diff_str(a, obj, "description", row->description, t->description)) {
        tmrec_target_set_description(row, t->description);
    }
    if (diff_smap(a, obj, "external_ids", &row->external_ids,
                  &t->external_ids)) {
        tmrec_target_set_external_ids(row, &t->external_ids);
    }
    shash_add_once(&a->targets, t->name, row);
    free(obj);
}

/* Returns the row of the target named 'name': the document's, once applied,
 * else the database's; NULL if neither has one. */
const struct tmrec_target *
apply_find_target(const struct apply_ctx *a, const char *name)
{
    const struct tmrec_target *row = shash_find_data(&a->targets, name);
    return row ? row : shash_find_data(&a->old_targets, name);
}

/* Returns the row of the filter named 'name', like apply_find_target(). */
const struct tmrec_filter *
apply_find_filter(const struct apply_ctx *a, const char *name)
{
    const struct tmrec_filter *row = shash_find_data(&a->filters, name);
    return row ? row : shash_find_data(&a->old_filters, name);
}

/* Makes the session named 's->name' match 's', creating it if needed, except
 * for a VNI that the document leaves out (see assign_vni()).  Returns the
 * row. */
const struct tmrec_session *
apply_session(struct apply_ctx *a, const struct intent_doc_session *s)
{
    const struct tmrec_session *row = shash_find_data(&a->old_sessions,
                                                      s->name);
    char *obj = NULL;
    if (!row) {
        row = tmrec_session_insert(a->ctx->txn);
        apply_change(a, "create session %s", s->name);
    } else {
        obj = xasprintf("session %s", s->name);
        tmrec_session_verify_name(row);
        tmrec_session_verify_source(row);
        tmrec_session_verify_target(row);
        tmrec_session_verify_filter(row);
        tmrec_session_verify_session_number(row);
        tmrec_session_verify_vni(row);
        tmrec_session_verify_packet_length(row);
        tmrec_session_verify_enabled(row);
        tmrec_session_verify_independent(row);
        tmrec_session_verify_description(row);
        tmrec_session_verify_external_ids(row);
    }

    const struct tmrec_target *target = apply_find_target(a, s->target);
    const struct tmrec_filter *filter = apply_find_filter(a, s->filter);
    ovs_assert(target && filter);   /* The parser checked the references. */

    if (diff_str(a, obj, "name", row->name, s->name)) {
        tmrec_session_set_name(row, s->name);
    }
    if (diff_str(a, obj, "source", row->source, s->source)) {
        tmrec_session_set_source(row, s->source);
    }
    if (diff_str(a, obj, "target", row->target ? row->target->name : NULL,
                 s->target) || row->target != target) {
        tmrec_session_set_target(row, target);
    }
    if (diff_str(a, obj, "filter", row->filter ? row->filter->name : NULL,
                 s->filter) || row->filter != filter) {
        tmrec_session_set_filter(row, filter);
    }
    if (diff_int(a, obj, "number", &row->session_number, 1, &s->number, 1)) {
        tmrec_session_set_session_number(row, s->number);
    }
    if (s->vni >= 0 && diff_int(a, obj, "vni", &row->vni, 1,
                                &s->vni, 1)) {
        tmrec_session_set_vni(row, s->vni);
    }
    if (diff_int(a, obj, "packet_length", row->packet_length,
                 row->n_packet_length, &s->packet_length,
                 s->packet_length >= 0)) {
        tmrec_session_set_packet_length(row, &s->packet_length,
                                        s->packet_length >= 0);
    }
    if (diff_bool(a, obj, "enabled", row->enabled, s->enabled)) {
        tmrec_session_set_enabled(row, s->enabled);
    }
    if (diff_bool(a, obj, "independent", row->independent,
                  s->independent)) {
        tmrec_session_set_independent(row, s->independent);
    }
    if (diff_str(a, obj, "description", row->description, s->description)) {
        tmrec_session_set_description(row, s->description);
    }
    if (diff_smap(a, obj, "external_ids", &row->external_ids,
                  &s->external_ids)) {
        tmrec_session_set_external_ids(row, &s->external_ids);
    }
    free(obj);
    return row;
}

/* Applies the document's TM_Global options and external_ids, those that it
 * has, creating the TM_Global row if needed. */
void
apply_global(struct apply_ctx *a)
{
    const struct intent_doc *doc = a->doc;
    const struct tmrec_tm_global *row = tmrec_tm_global_first(a->ctx->idl);
    const char *obj = "global";
    if (!row) {
        if (!(doc->has_options && !smap_is_empty(&doc->options))
            && !(doc->has_external_ids
                 && !smap_is_empty(&doc->external_ids))) {
            return;
        }
        row = tmrec_tm_global_insert(a->ctx->txn);
        apply_change(a, "create global");
        obj = NULL;
    } else {
        tmrec_tm_global_verify_options(row);
        tmrec_tm_global_verify_external_ids(row);
    }

    if (doc->has_options
        && diff_smap(a, obj, "options", &row->options, &doc->options)) {
        tmrec_tm_global_set_options(row, &doc->options);
    }
    if (doc->has_external_ids) {
        /* Transaction tokens are not configuration: kept as they are. */
        struct smap old, new;
        txn_token_config_ids(&row->external_ids, &doc->external_ids, &old,
                             &new);
        if (diff_smap(a, obj, "external_ids", &old, &new)) {
            txn_token_copy(&row->external_ids, &new);
            tmrec_tm_global_set_external_ids(row, &new);
        }
        smap_destroy(&old);
        smap_destroy(&new);
    }
}
