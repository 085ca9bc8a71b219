/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The configuration as one JSON document (tmirror/intent-doc.h): the
 * document in memory, its canonical order and its JSON text.  Parsing and
 * validation are in intent-doc-parse.c.
 *
 * The document
 * ============
 *
 * One JSON object.  Every key is optional unless marked (required); unknown
 * keys, and keys given twice in one object, are refused.  "export" writes
 * the keys sorted, indented by two spaces, objects in name order, rules by
 * direction (ingress first) then number, and leaves out empty optional
 * values.
 *
 * Types, one rule for the whole document (tmirror-ctl(8), README
 * "Decisions"): a number is a JSON integer (no quotes, no fraction or
 * exponent); text is a JSON string; "enabled" is true or false; "options"
 * and "external_ids" are objects of strings (the database's string maps,
 * verbatim); lists are arrays.  Two members take a name or a number, each
 * in its own type: "protocol" ("tcp" or 6) and the rule ports (80 or
 * "80-443").  null is never a value, and an optional text member is not
 * "" (description aside): a member left out is unset.
 *
 *   {
 *     "version": 1,                    (required) only 1 is accepted
 *     "options": {"KEY": "VALUE"},     TM_Global options      } replaced when
 *     "external_ids": {...},           TM_Global external_ids } present, else
 *                                                               left alone
 *     "filters": [{
 *       "name": "web",                 (required, unique)
 *       "description": "TEXT",
 *       "external_ids": {...},
 *       "rules": [{
 *         "direction": "ingress",      (required) ingress or egress
 *         "number": 10,                (required) 1..32766, unique per
 *                                      direction within the filter
 *         "action": "accept",          (required) accept or reject
 *         "protocol": "tcp",           tcp, udp, icmp, icmpv6, sctp (any
 *                                      case) or an integer 0..255
 *         "source_cidr": "10.0.0.0/8", IPv4 or IPv6, no host bits; stored
 *         "destination_cidr": "...",   in canonical form
 *         "source_port": 80,           an integer or a string "N-M",
 *         "destination_port": "80-443",  0..65535, only with tcp, udp or
 *                                        sctp
 *         "vlan": "9,18-27",           VLAN ids 1..4094 and ranges, each
 *                                      VLAN once, always a string
 *                                      (tmirror/vlan-set.h)
 *         "description": "TEXT",
 *         "external_ids": {...}}]}],
 *     "targets": [{
 *       "name": "ids",                 (required, unique)
 *       "type": "ip",                  (required) port or ip
 *       "port": "IFACE-ID",            port targets only
 *       "addresses": ["192.0.2.10"],   ip targets: one or more IPs
 *       "encap": "vxlan",              vxlan (default), geneve, gre, erspan
 *       "dst_port": 4789,              vxlan and geneve: 1..65535
 *       "erspan_ver": 2,               erspan: 1 or 2
 *       "options": {"KEY": "VALUE"},   Target options not given above (the
 *                                      two above may be given here as
 *                                      strings instead, not both ways)
 *       "description": "TEXT",
 *       "external_ids": {...}}],
 *     "sessions": [{
 *       "name": "s1",                  (required, unique)
 *       "source": "IFACE-ID",          (required) the mirrored port
 *       "target": "ids",               (required) a target of this document
 *                                      or, if it has none of that name, of
 *                                      the database
 *       "filter": "web",               (required) likewise, a filter
 *       "number": 1,                   (required) 1..32766, unique per source
 *       "vni": 100,                    1..16777215 (1..1023 with erspan),
 *                                      unique; assigned when left out (an
 *                                      existing session keeps its own)
 *       "packet_length": 128,          1..65535
 *       "enabled": true,               default true
 *       "independent": true,           default false; written when true
 *       "description": "TEXT",
 *       "external_ids": {...}}]
 *   }
 *
 * State tables (Chassis, Binding, Session_Status), TM_Global's cfg,
 * connections and ssl are not part of the document.
 *
 * How "tmirror-ctl apply" makes the database match a document is described
 * in utilities/ctl-apply.c. */

#include <config.h>

#include "tmirror/intent-doc.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "smap.h"
#include "tmirror/validate.h"
#include "util.h"

/* ===================================================================== */
/* Documents in memory.                                                  */
/* ===================================================================== */

/* Initializes 'doc' as an empty document. */
void
intent_doc_init(struct intent_doc *doc)
{
    memset(doc, 0, sizeof *doc);
    smap_init(&doc->options);
    smap_init(&doc->external_ids);
}

/* Initializes 'rule' with no values. */
void
intent_doc_rule_init(struct intent_doc_rule *rule)
{
    memset(rule, 0, sizeof *rule);
    rule->description = xstrdup("");
    smap_init(&rule->external_ids);
}

/* Frees what 'rule' owns. */
static void
rule_destroy(struct intent_doc_rule *rule)
{
    free(rule->direction);
    free(rule->action);
    free(rule->source_cidr);
    free(rule->destination_cidr);
    free(rule->vlan);
    free(rule->description);
    smap_destroy(&rule->external_ids);
}

/* Initializes 'filter' with no values. */
void
intent_doc_filter_init(struct intent_doc_filter *filter)
{
    memset(filter, 0, sizeof *filter);
    filter->description = xstrdup("");
    smap_init(&filter->external_ids);
}

/* Frees what 'filter' owns, its rules included. */
static void
filter_destroy(struct intent_doc_filter *filter)
{
    free(filter->name);
    free(filter->description);
    smap_destroy(&filter->external_ids);
    for (size_t i = 0; i < filter->n_rules; i++) {
        rule_destroy(&filter->rules[i]);
    }
    free(filter->rules);
}

/* Initializes 'target' with no values. */
void
intent_doc_target_init(struct intent_doc_target *target)
{
    memset(target, 0, sizeof *target);
    smap_init(&target->options);
    target->description = xstrdup("");
    smap_init(&target->external_ids);
}

/* Frees what 'target' owns. */
static void
target_destroy(struct intent_doc_target *target)
{
    free(target->name);
    free(target->type);
    free(target->port);
    for (size_t i = 0; i < target->n_addresses; i++) {
        free(target->addresses[i]);
    }
    free(target->addresses);
    free(target->encap);
    smap_destroy(&target->options);
    free(target->description);
    smap_destroy(&target->external_ids);
}

/* Initializes 'session' with no values and the defaults. */
void
intent_doc_session_init(struct intent_doc_session *session)
{
    memset(session, 0, sizeof *session);
    session->vni = -1;
    session->packet_length = -1;
    session->enabled = true;
    session->description = xstrdup("");
    smap_init(&session->external_ids);
}

/* Frees what 'session' owns. */
static void
session_destroy(struct intent_doc_session *session)
{
    free(session->name);
    free(session->source);
    free(session->target);
    free(session->filter);
    free(session->description);
    smap_destroy(&session->external_ids);
}

/* Frees everything 'doc' owns and leaves it empty. */
void
intent_doc_destroy(struct intent_doc *doc)
{
    smap_destroy(&doc->options);
    smap_destroy(&doc->external_ids);
    for (size_t i = 0; i < doc->n_filters; i++) {
        filter_destroy(&doc->filters[i]);
    }
    free(doc->filters);
    for (size_t i = 0; i < doc->n_targets; i++) {
        target_destroy(&doc->targets[i]);
    }
    free(doc->targets);
    for (size_t i = 0; i < doc->n_sessions; i++) {
        session_destroy(&doc->sessions[i]);
    }
    free(doc->sessions);
    intent_doc_init(doc);
}

/* Orders rules by direction (ingress first), then number. */
static int
rule_cmp(const void *a_, const void *b_)
{
    const struct intent_doc_rule *a = a_, *b = b_;
    int da = !strcmp(a->direction, "ingress") ? 0 : 1;
    int db = !strcmp(b->direction, "ingress") ? 0 : 1;
    if (da != db) {
        return da - db;
    }
    int c = strcmp(a->direction, b->direction);
    if (c) {
        return c;
    }
    return a->number < b->number ? -1 : a->number > b->number;
}

/* Orders filters by name. */
static int
filter_cmp(const void *a_, const void *b_)
{
    const struct intent_doc_filter *a = a_, *b = b_;
    return strcmp(a->name, b->name);
}

/* Orders targets by name. */
static int
target_cmp(const void *a_, const void *b_)
{
    const struct intent_doc_target *a = a_, *b = b_;
    return strcmp(a->name, b->name);
}

/* Orders sessions by name. */
static int
session_cmp(const void *a_, const void *b_)
{
    const struct intent_doc_session *a = a_, *b = b_;
    return strcmp(a->name, b->name);
}

/* Orders C strings. */
static int
string_cmp(const void *a_, const void *b_)
{
    const char *const *a = a_, *const *b = b_;
    return strcmp(*a, *b);
}

/* Repairs the maps in 'doc' after its arrays were moved in memory (by
 * qsort() or realloc()): an empty hmap points into itself. */
static void
doc_maps_moved(struct intent_doc *doc)
{
    for (size_t i = 0; i < doc->n_filters; i++) {
        struct intent_doc_filter *f = &doc->filters[i];
        hmap_moved(&f->external_ids.map);
        for (size_t j = 0; j < f->n_rules; j++) {
            hmap_moved(&f->rules[j].external_ids.map);
        }
    }
    for (size_t i = 0; i < doc->n_targets; i++) {
        hmap_moved(&doc->targets[i].options.map);
        hmap_moved(&doc->targets[i].external_ids.map);
    }
    for (size_t i = 0; i < doc->n_sessions; i++) {
        hmap_moved(&doc->sessions[i].external_ids.map);
    }
}

/* Sorts 'doc' into its canonical order. */
void
intent_doc_sort(struct intent_doc *doc)
{
    if (doc->n_filters) {
        qsort(doc->filters, doc->n_filters, sizeof *doc->filters,
              filter_cmp);
    }
    for (size_t i = 0; i < doc->n_filters; i++) {
        struct intent_doc_filter *f = &doc->filters[i];
        if (f->n_rules) {
            qsort(f->rules, f->n_rules, sizeof *f->rules, rule_cmp);
        }
    }
    if (doc->n_targets) {
        qsort(doc->targets, doc->n_targets, sizeof *doc->targets,
              target_cmp);
    }
    for (size_t i = 0; i < doc->n_targets; i++) {
        struct intent_doc_target *t = &doc->targets[i];
        if (t->n_addresses) {
            qsort(t->addresses, t->n_addresses, sizeof *t->addresses,
                  string_cmp);
        }
    }
    if (doc->n_sessions) {
        qsort(doc->sessions, doc->n_sessions, sizeof *doc->sessions,
              session_cmp);
    }
    doc_maps_moved(doc);
}

/* Returns the target named 'name' in 'doc', or NULL. */
const struct intent_doc_target *
intent_doc_find_target(const struct intent_doc *doc, const char *name)
{
    for (size_t i = 0; i < doc->n_targets; i++) {
        if (!strcmp(doc->targets[i].name, name)) {
            return &doc->targets[i];
        }
    }
    return NULL;
}

/* Returns the filter named 'name' in 'doc', or NULL. */
const struct intent_doc_filter *
intent_doc_find_filter(const struct intent_doc *doc, const char *name)
{
    for (size_t i = 0; i < doc->n_filters; i++) {
        if (!strcmp(doc->filters[i].name, name)) {
            return &doc->filters[i];
        }
    }
    return NULL;
}

/* Returns true if a session of 'doc' names the target 'name'. */
bool
intent_doc_uses_target(const struct intent_doc *doc, const char *name)
{
    for (size_t i = 0; i < doc->n_sessions; i++) {
        if (!strcmp(doc->sessions[i].target, name)) {
            return true;
        }
    }
    return false;
}

/* Returns true if a session of 'doc' names the filter 'name'. */
bool
intent_doc_uses_filter(const struct intent_doc *doc, const char *name)
{
    for (size_t i = 0; i < doc->n_sessions; i++) {
        if (!strcmp(doc->sessions[i].filter, name)) {
            return true;
        }
    }
    return false;
}

/* ===================================================================== */
/* Formatting.                                                           */
/* ===================================================================== */

/* Returns a new JSON string for 's' (never NULL). */
static json_t *
jstr(const char *s)
{
    json_t *j = json_string(s);
    return j ? j : json_string_nocheck(s);
}

/* Returns a new JSON integer. */
static json_t *
jint(int64_t v)
{
    return json_integer(v);
}

/* Returns a new, empty JSON object. */
static json_t *
jobj(void)
{
    return json_object();
}

/* Returns a new, empty JSON array. */
static json_t *
jarr(void)
{
    return json_array();
}

/* Sets 'obj''s member 'key' to the string 's'. */
static void
put_str(json_t *obj, const char *key, const char *s)
{
    json_object_set_new(obj, key, jstr(s));
}

/* Sets 'obj''s member 'key' to the string 's' unless 's' is NULL or empty. */
static void
put_opt_str(json_t *obj, const char *key, const char *s)
{
    if (s && *s) {
        put_str(obj, key, s);
    }
}

/* Sets 'obj''s member 'key' to the map 'smap', if 'always' or nonempty. */
static void
put_smap(json_t *obj, const char *key, const struct smap *smap, bool always)
{
    if (!always && smap_is_empty(smap)) {
        return;
    }
    json_t *map = jobj();
    struct smap_node *node;
    SMAP_FOR_EACH (node, smap) {
        put_str(map, node->key, node->value);
    }
    json_object_set_new(obj, key, map);
}

/* Sets 'obj''s member 'key' to a port: a number, or "N-M" for a range. */
static void
put_port(json_t *obj, const char *key, int64_t from, int64_t to)
{
    if (from == to) {
        json_object_set_new(obj, key, jint(from));
    } else {
        char *s = xasprintf("%"PRId64"-%"PRId64, from, to);
        put_str(obj, key, s);
        free(s);
    }
}

/* Returns 'rule' as a JSON object. */
static json_t *
rule_to_json(const struct intent_doc_rule *rule)
{
    json_t *obj = jobj();
    put_str(obj, "direction", rule->direction);
    json_object_set_new(obj, "number", jint(rule->number));
    put_str(obj, "action", rule->action);
    if (rule->has_protocol) {
        const char *name = tm_protocol_name(rule->protocol);
        json_object_set_new(obj, "protocol",
                            name ? jstr(name) : jint(rule->protocol));
    }
    put_opt_str(obj, "source_cidr", rule->source_cidr);
    put_opt_str(obj, "destination_cidr", rule->destination_cidr);
    if (rule->has_source_port) {
        put_port(obj, "source_port", rule->source_port_from,
                 rule->source_port_to);
    }
    if (rule->has_destination_port) {
        put_port(obj, "destination_port", rule->destination_port_from,
                 rule->destination_port_to);
    }
    put_opt_str(obj, "vlan", rule->vlan);
    put_opt_str(obj, "description", rule->description);
    put_smap(obj, "external_ids", &rule->external_ids, false);
    return obj;
}

/* Returns 'filter' as a JSON object. */
static json_t *
filter_to_json(const struct intent_doc_filter *filter)
{
    json_t *obj = jobj();
    put_str(obj, "name", filter->name);
    put_opt_str(obj, "description", filter->description);
    put_smap(obj, "external_ids", &filter->external_ids, false);
    json_t *rules = jarr();
    for (size_t i = 0; i < filter->n_rules; i++) {
        json_array_append_new(rules, rule_to_json(&filter->rules[i]));
    }
    json_object_set_new(obj, "rules", rules);
    return obj;
}

/* If option 'key' of 'options' is a canonical integer, sets 'obj''s member
 * 'key' to it and returns true. */
static bool
put_int_option(json_t *obj, const struct smap *options, const char *key)
{
    const char *s = smap_get(options, key);
    if (!s) {
        return false;
    }
    char *end;
    errno = 0;
    long long int v = strtoll(s, &end, 10);
    if (errno || end == s || *end) {
        return false;
    }
    char *canon = xasprintf("%lld", v);
    bool ok = !strcmp(canon, s);
    free(canon);
    if (ok) {
        json_object_set_new(obj, key, jint(v));
    }
    return ok;
}

/* Returns 'target' as a JSON object. */
static json_t *
target_to_json(const struct intent_doc_target *target)
{
    json_t *obj = jobj();
    put_str(obj, "name", target->name);
    put_str(obj, "type", target->type);
    put_opt_str(obj, "port", target->port);
    if (target->n_addresses) {
        json_t *addresses = jarr();
        for (size_t i = 0; i < target->n_addresses; i++) {
            json_array_append_new(addresses, jstr(target->addresses[i]));
        }
        json_object_set_new(obj, "addresses", addresses);
    }
    put_opt_str(obj, "encap", target->encap);

    struct smap rest = SMAP_INITIALIZER(&rest);
    smap_clone(&rest, &target->options);
    if (put_int_option(obj, &target->options, "dst_port")) {
        smap_remove(&rest, "dst_port");
    }
    if (put_int_option(obj, &target->options, "erspan_ver")) {
        smap_remove(&rest, "erspan_ver");
    }
    put_smap(obj, "options", &rest, false);
    smap_destroy(&rest);

    put_opt_str(obj, "description", target->description);
    put_smap(obj, "external_ids", &target->external_ids, false);
    return obj;
}

/* Returns 'session' as a JSON object. */
static json_t *
session_to_json(const struct intent_doc_session *session)
{
    json_t *obj = jobj();
    put_str(obj, "name", session->name);
    put_str(obj, "source", session->source);
    put_str(obj, "target", session->target);
    put_str(obj, "filter", session->filter);
    json_object_set_new(obj, "number", jint(session->number));
    if (session->vni >= 0) {
        json_object_set_new(obj, "vni", jint(session->vni));
    }
    if (session->packet_length >= 0) {
        json_object_set_new(obj, "packet_length",
                            jint(session->packet_length));
    }
    json_object_set_new(obj, "enabled",
                        session->enabled ? json_true() : json_false());
    if (session->independent) {
        json_object_set_new(obj, "independent", json_true());
    }
    put_opt_str(obj, "description", session->description);
    put_smap(obj, "external_ids", &session->external_ids, false);
    return obj;
}

/* Returns 'doc' as pretty-printed JSON text with sorted keys. */
char *
intent_doc_format(const struct intent_doc *doc)
{
    json_t *root = jobj();
    json_object_set_new(root, "version", jint(INTENT_DOC_VERSION));
    if (doc->has_options) {
        put_smap(root, "options", &doc->options, true);
    }
    if (doc->has_external_ids) {
        put_smap(root, "external_ids", &doc->external_ids, true);
    }

    json_t *filters = jarr();
    for (size_t i = 0; i < doc->n_filters; i++) {
        json_array_append_new(filters, filter_to_json(&doc->filters[i]));
    }
    json_object_set_new(root, "filters", filters);

    json_t *targets = jarr();
    for (size_t i = 0; i < doc->n_targets; i++) {
        json_array_append_new(targets, target_to_json(&doc->targets[i]));
    }
    json_object_set_new(root, "targets", targets);

    json_t *sessions = jarr();
    for (size_t i = 0; i < doc->n_sessions; i++) {
        json_array_append_new(sessions,
                              session_to_json(&doc->sessions[i]));
    }
    json_object_set_new(root, "sessions", sessions);

    char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(root);
    char *result = xasprintf("%s\n", text ? text : "{}");
    free(text);
    return result;
}
