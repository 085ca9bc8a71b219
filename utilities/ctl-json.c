/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* tmirror-ctl "export [FILE]" and "apply FILE [--dry-run] [--prune]".
 *
 * The document
 * ============
 *
 * One JSON object.  Every key is optional unless marked (required); unknown
 * keys are refused.  "export" writes the keys sorted, indented by two
 * spaces, objects in name order, rules by direction (ingress first) then
 * number, and leaves out empty optional values.
 *
 *   {
 *     "version": 1,                    only 1 is accepted
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
 *         "protocol": "tcp",           tcp, udp, icmp, icmpv6, sctp or 0..255
 *         "source_cidr": "10.0.0.0/8", IPv4 or IPv6, no host bits; stored
 *         "destination_cidr": "...",   in canonical form
 *         "source_port": 80,           N or "N-M", 0..65535, only with
 *         "destination_port": "80-443",  tcp, udp or sctp
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
 *       "options": {"KEY": "VALUE"},   any other Target options
 *       "description": "TEXT",
 *       "external_ids": {...}}],
 *     "sessions": [{
 *       "name": "s1",                  (required, unique)
 *       "source": "IFACE-ID",          (required) the mirrored port
 *       "target": "ids",               (required) a target of this document
 *       "filter": "web",               (required) a filter of this document
 *       "number": 1,                   (required) 1..32766, unique per source
 *       "vni": 100,                    0..16777215 (0..1023 with erspan),
 *                                      unique; assigned when left out (an
 *                                      existing session keeps its own)
 *       "packet_length": 128,          1..65535
 *       "enabled": true,               default true
 *       "description": "TEXT",
 *       "external_ids": {...}}]
 *   }
 *
 * State tables (Chassis, Binding, Session_Status), TM_Global's cfg,
 * connections and ssl are not part of the document.
 *
 * "apply" matches objects by name, rules by (filter, direction, number),
 * creates what is missing and updates what differs, all in the transaction
 * of this tmirror-ctl run; an object named in the document is set to exactly
 * what the document says.  With --prune it also deletes the filters, rules,
 * targets and sessions that the document does not name; without it they are
 * kept.  It prints one line per change ("create filter web", "update
 * session s1: vni 7 -> 9", "delete rule web ingress 10", ...) or "no
 * changes"; with --dry-run it prints the same lines followed by "dry run: N
 * changes not applied" and commits nothing (the whole transaction of this
 * tmirror-ctl run is sent as a dry run, so the server still checks it).
 * Sessions are applied last; a VNI is picked (ctl_intent_pick_vni()) for
 * each session that names none and has none that still fits its target.
 * A bad document is refused with the JSON path of the offending value.
 *
 * Implementation notes
 * ====================
 *
 * jansson and OVS's own JSON library both define the enumerators JSON_NULL,
 * JSON_OBJECT, ... and the functions json_object(), json_array(),
 * json_string(), json_integer(), json_real() and json_equal().  So that both
 * headers fit in this file, the OVS ones are included with those names
 * renamed (see below).  The linker still resolves those six function names
 * to libopenvswitch's versions, so this file never calls jansson's: it
 * creates values with json_pack() and json_stringn() instead. */

#include <config.h>

/* OVS and tmirror headers first, with OVS's clashing JSON names renamed. */
#define JSON_NULL ovs_json_null__
#define JSON_FALSE ovs_json_false__
#define JSON_TRUE ovs_json_true__
#define JSON_OBJECT ovs_json_object__
#define JSON_ARRAY ovs_json_array__
#define JSON_INTEGER ovs_json_integer__
#define JSON_REAL ovs_json_real__
#define JSON_STRING ovs_json_string__
#define json_object ovs_json_object_fn__
#define json_array ovs_json_array_fn__
#define json_string ovs_json_string_fn__
#define json_integer ovs_json_integer_fn__
#define json_real ovs_json_real_fn__
#define json_boolean ovs_json_boolean_fn__
#define json_equal ovs_json_equal_fn__

#include "ctl-json.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-intent.h"
#include "db-ctl-base.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "tmirror-idl.h"
#include "tmirror/intent-rows.h"
#include "tmirror/validate.h"
#include "util.h"

#undef JSON_NULL
#undef JSON_FALSE
#undef JSON_TRUE
#undef JSON_OBJECT
#undef JSON_ARRAY
#undef JSON_INTEGER
#undef JSON_REAL
#undef JSON_STRING
#undef json_object
#undef json_array
#undef json_string
#undef json_integer
#undef json_real
#undef json_boolean
#undef json_equal

#include <jansson.h>

VLOG_DEFINE_THIS_MODULE(ctl_json);

/* ===================================================================== */
/* Documents in memory.                                                   */
/* ===================================================================== */

/* Initializes 'doc' as an empty document. */
void
ctl_json_doc_init(struct ctl_json_doc *doc)
{
    memset(doc, 0, sizeof *doc);
    smap_init(&doc->options);
    smap_init(&doc->external_ids);
}

/* Initializes 'rule' with no values. */
static void
rule_init(struct ctl_json_rule *rule)
{
    memset(rule, 0, sizeof *rule);
    rule->description = xstrdup("");
    smap_init(&rule->external_ids);
}

/* Frees what 'rule' owns. */
static void
rule_destroy(struct ctl_json_rule *rule)
{
    free(rule->direction);
    free(rule->action);
    free(rule->source_cidr);
    free(rule->destination_cidr);
    free(rule->description);
    smap_destroy(&rule->external_ids);
}

/* Initializes 'filter' with no values. */
static void
filter_init(struct ctl_json_filter *filter)
{
    memset(filter, 0, sizeof *filter);
    filter->description = xstrdup("");
    smap_init(&filter->external_ids);
}

/* Frees what 'filter' owns, its rules included. */
static void
filter_destroy(struct ctl_json_filter *filter)
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
static void
target_init(struct ctl_json_target *target)
{
    memset(target, 0, sizeof *target);
    smap_init(&target->options);
    target->description = xstrdup("");
    smap_init(&target->external_ids);
}

/* Frees what 'target' owns. */
static void
target_destroy(struct ctl_json_target *target)
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
static void
session_init(struct ctl_json_session *session)
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
session_destroy(struct ctl_json_session *session)
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
ctl_json_doc_destroy(struct ctl_json_doc *doc)
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
    ctl_json_doc_init(doc);
}

/* Orders rules by direction (ingress first), then number. */
static int
rule_cmp(const void *a_, const void *b_)
{
    const struct ctl_json_rule *a = a_, *b = b_;
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
    const struct ctl_json_filter *a = a_, *b = b_;
    return strcmp(a->name, b->name);
}

/* Orders targets by name. */
static int
target_cmp(const void *a_, const void *b_)
{
    const struct ctl_json_target *a = a_, *b = b_;
    return strcmp(a->name, b->name);
}

/* Orders sessions by name. */
static int
session_cmp(const void *a_, const void *b_)
{
    const struct ctl_json_session *a = a_, *b = b_;
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
doc_maps_moved(struct ctl_json_doc *doc)
{
    for (size_t i = 0; i < doc->n_filters; i++) {
        struct ctl_json_filter *f = &doc->filters[i];
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
ctl_json_doc_sort(struct ctl_json_doc *doc)
{
    if (doc->n_filters) {
        qsort(doc->filters, doc->n_filters, sizeof *doc->filters,
              filter_cmp);
    }
    for (size_t i = 0; i < doc->n_filters; i++) {
        struct ctl_json_filter *f = &doc->filters[i];
        if (f->n_rules) {
            qsort(f->rules, f->n_rules, sizeof *f->rules, rule_cmp);
        }
    }
    if (doc->n_targets) {
        qsort(doc->targets, doc->n_targets, sizeof *doc->targets,
              target_cmp);
    }
    for (size_t i = 0; i < doc->n_targets; i++) {
        struct ctl_json_target *t = &doc->targets[i];
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

/* ===================================================================== */
/* Parsing and validation (pure).                                         */
/* ===================================================================== */

/* Returns the JSON path of member 'key' of the object at 'parent':
 * "$.a.key", or "$.a[\"odd key\"]" when 'key' is not an identifier. */
static char *
path_key(const char *parent, const char *key)
{
    bool plain = *key != '\0';
    for (const char *p = key; *p; p++) {
        if (!(isalnum((unsigned char) *p) || *p == '_' || *p == '-')) {
            plain = false;
            break;
        }
    }
    if (plain) {
        return xasprintf("%s.%s", parent, key);
    }
    struct ds ds = DS_EMPTY_INITIALIZER;
    ds_put_format(&ds, "%s[", parent);
    json_string_escape(key, &ds);
    ds_put_char(&ds, ']');
    return ds_steal_cstr(&ds);
}

/* Returns the JSON path of element 'i' of the array at 'parent'. */
static char *
path_index(const char *parent, size_t i)
{
    return xasprintf("%s[%"PRIuSIZE"]", parent, i);
}

/* Returns 'value' as compact JSON text for a message, shortened if long. */
static char *
describe(const json_t *value)
{
    char *s = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!s) {
        return xstrdup("(unprintable)");
    }
    char *copy = strlen(s) > 40 ? xasprintf("%.36s...", s) : xstrdup(s);
    free(s);
    return copy;
}

/* Returns "PATH: expected EXPECTED, got VALUE". */
static char *
type_error(const char *path, const char *expected, const json_t *value)
{
    char *got = describe(value);
    char *error = xasprintf("%s: expected %s, got %s", path, expected, got);
    free(got);
    return error;
}

/* Returns 'msg' (which it frees) prefixed by 'path': "PATH: MSG". */
static char *
at_path(const char *path, char *msg)
{
    char *error = xasprintf("%s: %s", path, msg);
    free(msg);
    return error;
}

/* Maps a field name used by validate.h messages to a document key. */
struct field_map {
    const char *field;
    const char *key;
};

/* Turns a validate.h message "FIELD: ..." about the object at 'path' into
 * "PATH.KEY: ..." when 'map' knows FIELD, else into "PATH: FIELD: ...".
 * Frees 'msg'. */
static char *
rewrite_error(const char *path, char *msg, const struct field_map *map)
{
    const char *colon = strstr(msg, ": ");
    if (colon) {
        size_t len = colon - msg;
        for (const struct field_map *m = map; m->field; m++) {
            if (strlen(m->field) == len && !strncmp(msg, m->field, len)) {
                char *error = xasprintf("%s.%s%s", path, m->key, colon);
                free(msg);
                return error;
            }
        }
    }
    return at_path(path, msg);
}

/* Refuses any key of object 'obj' (at 'path') that is not in the
 * NULL-terminated, sorted list 'keys'; reports the smallest such key. */
static char *
check_keys(const json_t *obj, const char *path, const char *const keys[])
{
    const char *bad = NULL;
    const char *key;
    json_t *value;

    json_object_foreach (CONST_CAST(json_t *, obj), key, value) {
        bool known = false;
        for (size_t i = 0; keys[i]; i++) {
            if (!strcmp(key, keys[i])) {
                known = true;
                break;
            }
        }
        if (!known && (!bad || strcmp(key, bad) < 0)) {
            bad = key;
        }
    }
    if (!bad) {
        return NULL;
    }

    struct ds ds = DS_EMPTY_INITIALIZER;
    char *kpath = path_key(path, bad);
    ds_put_format(&ds, "%s: unknown key (expected ", kpath);
    for (size_t i = 0; keys[i]; i++) {
        ds_put_format(&ds, "%s%s", i ? ", " : "", keys[i]);
    }
    ds_put_char(&ds, ')');
    free(kpath);
    return ds_steal_cstr(&ds);
}

/* Fetches the string member 'key' of 'obj' (at 'path') into '*out',
 * replacing its previous value.  A 'required' member must be present and
 * non-empty; an absent optional one leaves '*out' alone. */
static char *
get_string(const json_t *obj, const char *path, const char *key,
           bool required, char **out)
{
    const json_t *value = json_object_get(obj, key);
    if (!value) {
        return (required
                ? xasprintf("%s: missing required key \"%s\"", path, key)
                : NULL);
    }

    char *kpath = path_key(path, key);
    char *error = NULL;
    if (!json_is_string(value)) {
        error = type_error(kpath, "a string", value);
    } else if (required && !json_string_length(value)) {
        error = xasprintf("%s: must not be empty", kpath);
    } else {
        free(*out);
        *out = xstrdup(json_string_value(value));
    }
    free(kpath);
    return error;
}

/* Fetches the integer member 'key' of 'obj' (at 'path'), checking that it is
 * within 'min'..'max'.  Sets '*has' to whether it is present (and then
 * '*out' to its value).  A 'required' member must be present. */
static char *
get_int(const json_t *obj, const char *path, const char *key, bool required,
        int64_t min, int64_t max, bool *has, int64_t *out)
{
    const json_t *value = json_object_get(obj, key);
    *has = value != NULL;
    if (!value) {
        return (required
                ? xasprintf("%s: missing required key \"%s\"", path, key)
                : NULL);
    }

    char *kpath = path_key(path, key);
    char *error;
    if (!json_is_integer(value)) {
        error = type_error(kpath, "an integer", value);
    } else {
        int64_t v = json_integer_value(value);
        error = tm_check_int(kpath, v, min, max);
        if (!error) {
            *out = v;
        }
    }
    free(kpath);
    return error;
}

/* Fetches the boolean member 'key' of 'obj' (at 'path') into '*out' if
 * present. */
static char *
get_bool(const json_t *obj, const char *path, const char *key, bool *out)
{
    const json_t *value = json_object_get(obj, key);
    if (!value) {
        return NULL;
    }
    if (!json_is_boolean(value)) {
        char *kpath = path_key(path, key);
        char *error = type_error(kpath, "true or false", value);
        free(kpath);
        return error;
    }
    *out = json_is_true(value);
    return NULL;
}

/* Fetches the member 'key' of 'obj' (at 'path'), an object of strings, into
 * the empty 'out'.  Sets '*has' (if nonnull) to whether it is present. */
static char *
get_smap(const json_t *obj, const char *path, const char *key, bool *has,
         struct smap *out)
{
    const json_t *value = json_object_get(obj, key);
    if (has) {
        *has = value != NULL;
    }
    if (!value) {
        return NULL;
    }

    char *kpath = path_key(path, key);
    char *error = NULL;
    if (!json_is_object(value)) {
        error = type_error(kpath, "an object of strings", value);
    } else {
        const char *k;
        json_t *v;
        json_object_foreach (CONST_CAST(json_t *, value), k, v) {
            if (!json_is_string(v)) {
                char *vpath = path_key(kpath, k);
                error = type_error(vpath, "a string", v);
                free(vpath);
                break;
            }
            smap_replace(out, k, json_string_value(v));
        }
    }
    free(kpath);
    return error;
}

/* Fetches the array member 'key' of 'obj' (at 'path') into '*out' (NULL if
 * absent). */
static char *
get_array(const json_t *obj, const char *path, const char *key,
          const json_t **out)
{
    const json_t *value = json_object_get(obj, key);
    *out = NULL;
    if (!value) {
        return NULL;
    }
    if (!json_is_array(value)) {
        char *kpath = path_key(path, key);
        char *error = type_error(kpath, "an array", value);
        free(kpath);
        return error;
    }
    *out = value;
    return NULL;
}

/* Checks that 'value' (at 'path') is an object. */
static char *
check_object(const json_t *value, const char *path)
{
    return json_is_object(value) ? NULL
                                 : type_error(path, "an object", value);
}

/* ---- Rules. ---- */

static const char *const rule_keys[] = {
    "action", "description", "destination_cidr", "destination_port",
    "direction", "external_ids", "number", "protocol", "source_cidr",
    "source_port", NULL,
};

static const struct field_map rule_fields[] = {
    {"direction", "direction"},
    {"rule_number", "number"},
    {"action", "action"},
    {"protocol", "protocol"},
    {"source_cidr", "source_cidr"},
    {"destination_cidr", "destination_cidr"},
    {"source_port", "source_port"},
    {"source_port_from", "source_port"},
    {"source_port_to", "source_port"},
    {"destination_port", "destination_port"},
    {"destination_port_from", "destination_port"},
    {"destination_port_to", "destination_port"},
    {"description", "description"},
    {NULL, NULL},
};

/* Parses the optional "protocol" of the rule object 'obj' at 'path': a name
 * or a number. */
static char *
parse_protocol(const json_t *obj, const char *path,
               struct ctl_json_rule *rule)
{
    const json_t *value = json_object_get(obj, "protocol");
    if (!value) {
        return NULL;
    }

    char *kpath = path_key(path, "protocol");
    char *error = NULL;
    int64_t protocol = 0;
    if (json_is_string(value)) {
        error = tm_parse_protocol(kpath, json_string_value(value), &protocol);
    } else if (json_is_integer(value)) {
        protocol = json_integer_value(value);
        error = tm_check_int(kpath, protocol, 0, 255);
    } else {
        error = type_error(kpath, "a protocol name or number", value);
    }
    if (!error) {
        rule->has_protocol = true;
        rule->protocol = protocol;
    }
    free(kpath);
    return error;
}

/* Parses the optional port or port range 'key' of the rule object 'obj' at
 * 'path': a number or a string "N" or "N-M". */
static char *
parse_port(const json_t *obj, const char *path, const char *key,
           bool *has, int64_t *from, int64_t *to)
{
    const json_t *value = json_object_get(obj, key);
    if (!value) {
        return NULL;
    }

    char *kpath = path_key(path, key);
    char *error = NULL;
    int64_t f = 0, t = 0;
    if (json_is_string(value)) {
        error = tm_parse_port_range(kpath, json_string_value(value), &f, &t);
    } else if (json_is_integer(value)) {
        f = t = json_integer_value(value);
        error = tm_check_int(kpath, f, 0, 65535);
    } else {
        error = type_error(kpath, "a port number or a \"N-M\" range",
                           value);
    }
    if (!error) {
        *has = true;
        *from = f;
        *to = t;
    }
    free(kpath);
    return error;
}

/* Parses the optional CIDR 'key' of the rule object 'obj' at 'path' into
 * '*out' in canonical form ("" means any). */
static char *
parse_cidr(const json_t *obj, const char *path, const char *key, char **out)
{
    char *s = NULL;
    char *error = get_string(obj, path, key, false, &s);
    if (error || !s || !*s) {
        free(s);
        return error;
    }

    char *kpath = path_key(path, key);
    struct tm_cidr cidr;
    error = tm_parse_cidr(kpath, s, &cidr);
    if (!error) {
        *out = tm_cidr_to_string(&cidr);
    }
    free(kpath);
    free(s);
    return error;
}

/* Fills the validate.h view of 'rule'. */
static void
rule_to_view(const struct ctl_json_rule *rule, struct tm_rule *view)
{
    memset(view, 0, sizeof *view);
    view->direction = rule->direction;
    view->rule_number = rule->number;
    view->action = rule->action;
    view->has_protocol = rule->has_protocol;
    view->protocol = rule->protocol;
    view->source_cidr = rule->source_cidr;
    view->destination_cidr = rule->destination_cidr;
    view->has_source_port_from = view->has_source_port_to
        = rule->has_source_port;
    view->source_port_from = rule->source_port_from;
    view->source_port_to = rule->source_port_to;
    view->has_destination_port_from = view->has_destination_port_to
        = rule->has_destination_port;
    view->destination_port_from = rule->destination_port_from;
    view->destination_port_to = rule->destination_port_to;
}

/* Parses and validates the rule object 'obj' at 'path' into 'rule'. */
static char *
parse_rule(const json_t *obj, const char *path, struct ctl_json_rule *rule)
{
    bool has;
    char *error;

    if ((error = check_object(obj, path))
        || (error = check_keys(obj, path, rule_keys))
        || (error = get_string(obj, path, "direction", true,
                               &rule->direction))
        || (error = get_int(obj, path, "number", true, TM_NUMBER_MIN,
                            TM_NUMBER_MAX, &has, &rule->number))
        || (error = get_string(obj, path, "action", true, &rule->action))
        || (error = parse_protocol(obj, path, rule))
        || (error = parse_cidr(obj, path, "source_cidr",
                               &rule->source_cidr))
        || (error = parse_cidr(obj, path, "destination_cidr",
                               &rule->destination_cidr))
        || (error = parse_port(obj, path, "source_port",
                               &rule->has_source_port,
                               &rule->source_port_from,
                               &rule->source_port_to))
        || (error = parse_port(obj, path, "destination_port",
                               &rule->has_destination_port,
                               &rule->destination_port_from,
                               &rule->destination_port_to))
        || (error = get_string(obj, path, "description", false,
                               &rule->description))
        || (error = get_smap(obj, path, "external_ids", NULL,
                             &rule->external_ids))) {
        return error;
    }

    struct tm_rule view;
    rule_to_view(rule, &view);
    error = tm_rule_validate(&view);
    return error ? rewrite_error(path, error, rule_fields) : NULL;
}

/* ---- Filters. ---- */

static const char *const filter_keys[] = {
    "description", "external_ids", "name", "rules", NULL,
};

/* Refuses a second rule with the same direction and number as an earlier
 * one in 'filter' (at 'path'). */
static char *
check_rule_duplicates(const struct ctl_json_filter *filter, const char *path)
{
    for (size_t i = 1; i < filter->n_rules; i++) {
        const struct ctl_json_rule *r = &filter->rules[i];
        for (size_t j = 0; j < i; j++) {
            const struct ctl_json_rule *q = &filter->rules[j];
            if (r->number == q->number && !strcmp(r->direction,
                                                  q->direction)) {
                return xasprintf("%s.rules[%"PRIuSIZE"].number: %s rule "
                                 "%"PRId64" is already %s.rules[%"PRIuSIZE
                                 "]", path, i, r->direction, r->number,
                                 path, j);
            }
        }
    }
    return NULL;
}

/* Parses and validates the filter object 'obj' at 'path' into 'filter'. */
static char *
parse_filter(const json_t *obj, const char *path,
             struct ctl_json_filter *filter)
{
    const json_t *rules;
    char *error;

    if ((error = check_object(obj, path))
        || (error = check_keys(obj, path, filter_keys))
        || (error = get_string(obj, path, "name", true, &filter->name))
        || (error = get_string(obj, path, "description", false,
                               &filter->description))
        || (error = get_smap(obj, path, "external_ids", NULL,
                             &filter->external_ids))
        || (error = get_array(obj, path, "rules", &rules))) {
        return error;
    }

    size_t n = rules ? json_array_size(rules) : 0;
    filter->rules = xcalloc(n ? n : 1, sizeof *filter->rules);
    for (size_t i = 0; i < n; i++) {
        char *rules_path = path_key(path, "rules");
        char *rpath = path_index(rules_path, i);
        struct ctl_json_rule *rule = &filter->rules[filter->n_rules++];
        rule_init(rule);
        error = parse_rule(json_array_get(rules, i), rpath, rule);
        free(rpath);
        free(rules_path);
        if (error) {
            return error;
        }
    }
    return check_rule_duplicates(filter, path);
}

/* ---- Targets. ---- */

static const char *const target_keys[] = {
    "addresses", "description", "dst_port", "encap", "erspan_ver",
    "external_ids", "name", "options", "port", "type", NULL,
};

static const struct field_map target_fields[] = {
    {"name", "name"},
    {"type", "type"},
    {"port", "port"},
    {"addresses", "addresses"},
    {"encap", "encap"},
    {"options", "options"},
    {"options:dst_port", "dst_port"},
    {"dst_port", "dst_port"},
    {"options:erspan_ver", "erspan_ver"},
    {"erspan_ver", "erspan_ver"},
    {"description", "description"},
    {NULL, NULL},
};

/* Parses the "addresses" array of the target object 'obj' at 'path', each
 * an IP address. */
static char *
parse_addresses(const json_t *obj, const char *path,
                struct ctl_json_target *target)
{
    const json_t *array;
    char *error = get_array(obj, path, "addresses", &array);
    if (error || !array) {
        return error;
    }

    char *apath = path_key(path, "addresses");
    size_t n = json_array_size(array);
    target->addresses = xcalloc(n ? n : 1, sizeof *target->addresses);
    for (size_t i = 0; i < n && !error; i++) {
        const json_t *value = json_array_get(array, i);
        char *epath = path_index(apath, i);
        if (!json_is_string(value)) {
            error = type_error(epath, "a string", value);
        } else {
            error = tm_parse_ip(epath, json_string_value(value), NULL);
            if (!error) {
                target->addresses[target->n_addresses++]
                    = xstrdup(json_string_value(value));
            }
        }
        free(epath);
    }
    free(apath);
    return error;
}

/* Moves the integer member 'key' of the target object 'obj' at 'path', if
 * present, into the target's options, refusing it if "options" has it
 * too. */
static char *
parse_target_option(const json_t *obj, const char *path, const char *key,
                    int64_t min, int64_t max, struct ctl_json_target *target)
{
    bool has;
    int64_t value;
    char *error = get_int(obj, path, key, false, min, max, &has, &value);
    if (error || !has) {
        return error;
    }
    if (smap_get(&target->options, key)) {
        return xasprintf("%s.options.%s: is also given as %s.%s (give it "
                         "only once)", path, key, path, key);
    }
    smap_add_format(&target->options, key, "%"PRId64, value);
    return NULL;
}

/* Fills the validate.h view of 'target'; free the arrays with
 * tm_target_view_destroy(). */
static void
target_to_view(const struct ctl_json_target *target, struct tm_target *view)
{
    memset(view, 0, sizeof *view);
    view->name = target->name;
    view->type = target->type;
    view->port = target->port;
    view->addresses = (const char *const *) target->addresses;
    view->n_addresses = target->n_addresses;
    view->encap = target->encap;
    tm_target_view_set_options(view, &target->options);
}

/* Parses and validates the target object 'obj' at 'path' into 'target'. */
static char *
parse_target(const json_t *obj, const char *path,
             struct ctl_json_target *target)
{
    char *error;

    if ((error = check_object(obj, path))
        || (error = check_keys(obj, path, target_keys))
        || (error = get_string(obj, path, "name", true, &target->name))
        || (error = get_string(obj, path, "type", true, &target->type))
        || (error = get_string(obj, path, "port", false, &target->port))
        || (error = parse_addresses(obj, path, target))
        || (error = get_string(obj, path, "encap", false, &target->encap))
        || (error = get_smap(obj, path, "options", NULL, &target->options))
        || (error = parse_target_option(obj, path, "dst_port", 1, 65535,
                                        target))
        || (error = parse_target_option(obj, path, "erspan_ver", 1, 2,
                                        target))
        || (error = get_string(obj, path, "description", false,
                               &target->description))
        || (error = get_smap(obj, path, "external_ids", NULL,
                             &target->external_ids))) {
        return error;
    }

    struct tm_target view;
    target_to_view(target, &view);
    error = tm_target_validate(&view);
    tm_target_view_destroy(&view);
    if (error) {
        return rewrite_error(path, error, target_fields);
    }
    if (target->n_addresses) {
        qsort(target->addresses, target->n_addresses,
              sizeof *target->addresses, string_cmp);
    }
    return NULL;
}

/* ---- Sessions. ---- */

static const char *const session_keys[] = {
    "description", "enabled", "external_ids", "filter", "name", "number",
    "packet_length", "source", "target", "vni", NULL,
};

static const struct field_map session_fields[] = {
    {"name", "name"},
    {"source", "source"},
    {"session_number", "number"},
    {"vni", "vni"},
    {"packet_length", "packet_length"},
    {"description", "description"},
    {NULL, NULL},
};

/* Returns the target named 'name' in 'doc', or NULL. */
static const struct ctl_json_target *
doc_find_target(const struct ctl_json_doc *doc, const char *name)
{
    for (size_t i = 0; i < doc->n_targets; i++) {
        if (!strcmp(doc->targets[i].name, name)) {
            return &doc->targets[i];
        }
    }
    return NULL;
}

/* Returns the filter named 'name' in 'doc', or NULL. */
static const struct ctl_json_filter *
doc_find_filter(const struct ctl_json_doc *doc, const char *name)
{
    for (size_t i = 0; i < doc->n_filters; i++) {
        if (!strcmp(doc->filters[i].name, name)) {
            return &doc->filters[i];
        }
    }
    return NULL;
}

/* Returns the encapsulation that sessions toward 'target' use for the VNI
 * checks: NULL for a port target. */
static const char *
doc_target_encap(const struct ctl_json_target *target)
{
    return (target && !strcmp(target->type, "ip")
            ? tm_target_encap(target->encap) : NULL);
}

/* Parses and validates the session object 'obj' at 'path' into 'session';
 * its target and filter must be in 'doc'. */
static char *
parse_session(const json_t *obj, const char *path,
              const struct ctl_json_doc *doc,
              struct ctl_json_session *session)
{
    bool has;
    char *error;

    if ((error = check_object(obj, path))
        || (error = check_keys(obj, path, session_keys))
        || (error = get_string(obj, path, "name", true, &session->name))
        || (error = get_string(obj, path, "source", true, &session->source))
        || (error = get_string(obj, path, "target", true, &session->target))
        || (error = get_string(obj, path, "filter", true, &session->filter))
        || (error = get_int(obj, path, "number", true, TM_NUMBER_MIN,
                            TM_NUMBER_MAX, &has, &session->number))
        || (error = get_int(obj, path, "vni", false, TM_VNI_MIN,
                            TM_VNI_MAX, &has, &session->vni))
        || (error = get_int(obj, path, "packet_length", false,
                            TM_PACKET_LENGTH_MIN, TM_PACKET_LENGTH_MAX,
                            &has, &session->packet_length))
        || (error = get_bool(obj, path, "enabled", &session->enabled))
        || (error = get_string(obj, path, "description", false,
                               &session->description))
        || (error = get_smap(obj, path, "external_ids", NULL,
                             &session->external_ids))) {
        return error;
    }

    const struct ctl_json_target *target = doc_find_target(doc,
                                                           session->target);
    if (!target) {
        return xasprintf("%s.target: \"%s\" is not the name of a target in "
                         "this document", path, session->target);
    }
    if (!doc_find_filter(doc, session->filter)) {
        return xasprintf("%s.filter: \"%s\" is not the name of a filter in "
                         "this document", path, session->filter);
    }

    error = tm_session_validate(session->number, session->vni,
                                session->packet_length,
                                doc_target_encap(target));
    return error ? rewrite_error(path, error, session_fields) : NULL;
}

/* Refuses a session that repeats the (source, number) or the VNI of an
 * earlier session of 'doc'; 'i' is its index. */
static char *
check_session_duplicates(const struct ctl_json_doc *doc, size_t i)
{
    const struct ctl_json_session *s = &doc->sessions[i];
    for (size_t j = 0; j < i; j++) {
        const struct ctl_json_session *q = &doc->sessions[j];
        if (s->number == q->number && !strcmp(s->source, q->source)) {
            return xasprintf("$.sessions[%"PRIuSIZE"].number: %"PRId64" is "
                             "already the number of $.sessions[%"PRIuSIZE"] "
                             "for source \"%s\"", i, s->number, j,
                             s->source);
        }
        if (s->vni >= 0 && s->vni == q->vni) {
            return xasprintf("$.sessions[%"PRIuSIZE"].vni: %"PRId64" is "
                             "already the vni of $.sessions[%"PRIuSIZE"]",
                             i, s->vni, j);
        }
    }
    return NULL;
}

/* Refuses a name that an earlier element of the same array already has.
 * 'names' are the 'n' names parsed so far, 'what' the array's key. */
static char *
check_name_duplicate(const char *what, char *const *names, size_t stride,
                     size_t n)
{
#define NAME_AT(I) (*(char *const *) ((const char *) names + (I) * stride))
    const char *name = NAME_AT(n - 1);
    for (size_t j = 0; j + 1 < n; j++) {
        if (!strcmp(NAME_AT(j), name)) {
            return xasprintf("$.%s[%"PRIuSIZE"].name: \"%s\" is already the "
                             "name of $.%s[%"PRIuSIZE"]", what, n - 1, name,
                             what, j);
        }
    }
    return NULL;
#undef NAME_AT
}

/* ---- The whole document. ---- */

static const char *const doc_keys[] = {
    "external_ids", "filters", "options", "sessions", "targets", "version",
    NULL,
};

/* Parses the array 'key' of the root 'root' with 'parse_one' into the
 * array '*elems' of '*n' elements of 'size' bytes, initializing each with
 * 'init' first and checking that names are unique. */
#define PARSE_ARRAY(ROOT, KEY, ELEMS, N, INIT, PARSE)                       \
    do {                                                                    \
        const json_t *array_;                                               \
        error = get_array(ROOT, "$", KEY, &array_);                         \
        size_t n_ = array_ ? json_array_size(array_) : 0;                   \
        (ELEMS) = xcalloc(n_ ? n_ : 1, sizeof *(ELEMS));                    \
        for (size_t i_ = 0; !error && i_ < n_; i_++) {                      \
            char *path_ = xasprintf("$.%s[%"PRIuSIZE"]", KEY, i_);          \
            INIT(&(ELEMS)[(N)++]);                                          \
            error = PARSE(json_array_get(array_, i_), path_,                \
                          &(ELEMS)[i_]);                                    \
            free(path_);                                                    \
            if (!error) {                                                   \
                error = check_name_duplicate(KEY, &(ELEMS)[0].name,         \
                                             sizeof *(ELEMS), (N));         \
            }                                                               \
        }                                                                   \
    } while (0)

/* Parses a session against the document being parsed ('parse_doc'). */
static const struct ctl_json_doc *parse_doc;
static char *
parse_session_in_doc(const json_t *obj, const char *path,
                     struct ctl_json_session *session)
{
    return parse_session(obj, path, parse_doc, session);
}

/* Parses the document root 'root' into 'doc'. */
static char *
parse_root(const json_t *root, struct ctl_json_doc *doc)
{
    char *error;
    bool has;
    int64_t version;

    if (!json_is_object(root)) {
        return type_error("$", "an object", root);
    }
    if ((error = check_keys(root, "$", doc_keys))
        || (error = get_int(root, "$", "version", false, INT64_MIN,
                            INT64_MAX, &has, &version))) {
        return error;
    }
    if (has && version != CTL_JSON_VERSION) {
        return xasprintf("$.version: %"PRId64" is not supported (expected "
                         "%d)", version, CTL_JSON_VERSION);
    }
    if ((error = get_smap(root, "$", "options", &doc->has_options,
                          &doc->options))
        || (error = get_smap(root, "$", "external_ids",
                             &doc->has_external_ids, &doc->external_ids))) {
        return error;
    }

    PARSE_ARRAY(root, "targets", doc->targets, doc->n_targets, target_init,
                parse_target);
    if (error) {
        return error;
    }
    PARSE_ARRAY(root, "filters", doc->filters, doc->n_filters, filter_init,
                parse_filter);
    if (error) {
        return error;
    }
    parse_doc = doc;
    PARSE_ARRAY(root, "sessions", doc->sessions, doc->n_sessions,
                session_init, parse_session_in_doc);
    parse_doc = NULL;
    for (size_t i = 1; !error && i < doc->n_sessions; i++) {
        error = check_session_duplicates(doc, i);
    }
    return error;
}

/* Parses and validates the JSON document 'text' into 'doc'. */
char *
ctl_json_doc_parse(const char *text, struct ctl_json_doc *doc)
{
    json_error_t jerr;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        return xasprintf("JSON syntax error at line %d, column %d: %s",
                         jerr.line, jerr.column, jerr.text);
    }
    char *error = parse_root(root, doc);
    json_decref(root);
    return error;
}

/* ===================================================================== */
/* Formatting (pure).                                                     */
/* ===================================================================== */

/* Returns a new JSON string for 's' (never NULL). */
static json_t *
jstr(const char *s)
{
    json_t *j = json_stringn(s, strlen(s));
    return j ? j : json_stringn_nocheck(s, strlen(s));
}

/* Returns a new JSON integer. */
static json_t *
jint(int64_t v)
{
    return json_pack("I", (json_int_t) v);
}

/* Returns a new, empty JSON object. */
static json_t *
jobj(void)
{
    return json_pack("{}");
}

/* Returns a new, empty JSON array. */
static json_t *
jarr(void)
{
    return json_pack("[]");
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
rule_to_json(const struct ctl_json_rule *rule)
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
    put_opt_str(obj, "description", rule->description);
    put_smap(obj, "external_ids", &rule->external_ids, false);
    return obj;
}

/* Returns 'filter' as a JSON object. */
static json_t *
filter_to_json(const struct ctl_json_filter *filter)
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
target_to_json(const struct ctl_json_target *target)
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
session_to_json(const struct ctl_json_session *session)
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
    put_opt_str(obj, "description", session->description);
    put_smap(obj, "external_ids", &session->external_ids, false);
    return obj;
}

/* Returns 'doc' as pretty-printed JSON text with sorted keys. */
char *
ctl_json_doc_format(const struct ctl_json_doc *doc)
{
    json_t *root = jobj();
    json_object_set_new(root, "version", jint(CTL_JSON_VERSION));
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

/* ===================================================================== */
/* Export: a document from the database.                                  */
/* ===================================================================== */

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
rule_from_idl(const struct tmrec_filter_rule *row, struct ctl_json_rule *rule)
{
    rule_init(rule);
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
    free(rule->description);
    rule->description = xstrdup(row->description);
    smap_clone(&rule->external_ids, &row->external_ids);
}

/* Fills 'filter' (uninitialized) from 'row', rules included. */
static void
filter_from_idl(const struct tmrec_filter *row,
                struct ctl_json_filter *filter)
{
    filter_init(filter);
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
                struct ctl_json_target *target)
{
    target_init(target);
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
                 struct ctl_json_session *session)
{
    session_init(session);
    session->name = xstrdup(row->name);
    session->source = xstrdup(row->source);
    session->target = xstrdup(row->target ? row->target->name : "");
    session->filter = xstrdup(row->filter ? row->filter->name : "");
    session->number = row->session_number;
    session->vni = row->vni;
    session->packet_length = (row->n_packet_length
                              ? row->packet_length[0] : -1);
    session->enabled = row->enabled;
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
static void
doc_from_idl(const struct ovsdb_idl *idl, struct ctl_json_doc *doc)
{
    const struct tmrec_tm_global *global = tmrec_tm_global_first(idl);
    doc->has_options = doc->has_external_ids = true;
    if (global) {
        smap_clone(&doc->options, &global->options);
        smap_clone(&doc->external_ids, &global->external_ids);
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
    ctl_json_doc_sort(doc);
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
static void
pre_json(struct ctl_context *ctx)
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
    struct ctl_json_doc doc;
    ctl_json_doc_init(&doc);
    doc_from_idl(ctx->idl, &doc);
    char *text = ctl_json_doc_format(&doc);
    ctl_json_doc_destroy(&doc);

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

/* ===================================================================== */
/* Apply: make the database match a document.                             */
/* ===================================================================== */

/* The state of one "apply". */
struct apply_ctx {
    struct ctl_context *ctx;
    const struct ctl_json_doc *doc;
    bool prune;
    struct ds changes;          /* One line per change. */
    size_t n_changes;

    /* Rows as they were before this command, by name. */
    struct shash old_filters;   /* Contains "const struct tmrec_filter *". */
    struct shash old_targets;   /* Contains "const struct tmrec_target *". */
    struct shash old_sessions;  /* Contains "const struct tmrec_session *". */

    /* Rows of the document's objects, by name, once applied. */
    struct shash filters;       /* Contains "const struct tmrec_filter *". */
    struct shash targets;       /* Contains "const struct tmrec_target *". */
};

/* Records one change line. */
static void OVS_PRINTF_FORMAT(2, 3)
change(struct apply_ctx *a, const char *format, ...)
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
        change(a, "update %s: %s %s -> %s", obj, field, ds_cstr(old),
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
                  const struct ctl_json_rule *r)
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
            const struct ctl_json_filter *f, bool is_new)
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
        const struct ctl_json_rule *r = &f->rules[i];
        char *key = rule_key(r->direction, r->number);
        const struct tmrec_filter_rule *rule = shash_find_and_delete(&old,
                                                                     key);
        free(key);

        char *obj = xasprintf("rule %s %s %"PRId64, f->name, r->direction,
                              r->number);
        if (!rule) {
            rule = tmrec_filter_rule_insert(a->ctx->txn);
            change(a, "create %s", obj);
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
            change(a, "delete rule %s %s %"PRId64, f->name, rule->direction,
                   rule->rule_number);
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
static void
apply_filter(struct apply_ctx *a, const struct ctl_json_filter *f)
{
    const struct tmrec_filter *row = shash_find_data(&a->old_filters,
                                                     f->name);
    char *obj = NULL;
    bool is_new = !row;
    if (is_new) {
        row = tmrec_filter_insert(a->ctx->txn);
        change(a, "create filter %s", f->name);
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
static void
apply_target(struct apply_ctx *a, const struct ctl_json_target *t)
{
    const struct tmrec_target *row = shash_find_data(&a->old_targets,
                                                     t->name);
    char *obj = NULL;
    if (!row) {
        row = tmrec_target_insert(a->ctx->txn);
        change(a, "create target %s", t->name);
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

/* Makes the session named 's->name' match 's', creating it if needed, except
 * for a VNI that the document leaves out (see assign_vni()).  Returns the
 * row. */
static const struct tmrec_session *
apply_session(struct apply_ctx *a, const struct ctl_json_session *s)
{
    const struct tmrec_session *row = shash_find_data(&a->old_sessions,
                                                      s->name);
    char *obj = NULL;
    if (!row) {
        row = tmrec_session_insert(a->ctx->txn);
        change(a, "create session %s", s->name);
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
        tmrec_session_verify_description(row);
        tmrec_session_verify_external_ids(row);
    }

    const struct tmrec_target *target = shash_find_data(&a->targets,
                                                        s->target);
    const struct tmrec_filter *filter = shash_find_data(&a->filters,
                                                        s->filter);
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

/* Returns true if some session of the document asks for VNI 'vni'. */
static bool
doc_vni_taken(const struct ctl_json_doc *doc, int64_t vni)
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
           const struct ctl_json_session *s, bool is_new)
{
    const struct tmrec_target *target = shash_find_data(&a->targets,
                                                        s->target);
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
        change(a, "assign vni %"PRId64" to session %s", vni, s->name);
    } else {
        change(a, "update session %s: vni %"PRId64" -> %"PRId64
               " (assigned)", s->name, old, vni);
    }
}

/* Returns true if 'doc' has a session named 'name'. */
static bool
doc_has_session(const struct ctl_json_doc *doc, const char *name)
{
    for (size_t i = 0; i < doc->n_sessions; i++) {
        if (!strcmp(doc->sessions[i].name, name)) {
            return true;
        }
    }
    return false;
}

/* Deletes, with --prune, the sessions, filters (with their rules) and
 * targets that the document does not name, each kind in name order. */
static void
prune_rows(struct apply_ctx *a)
{
    const struct shash_node **nodes = shash_sort(&a->old_sessions);
    for (size_t i = 0; i < shash_count(&a->old_sessions); i++) {
        const struct tmrec_session *row = nodes[i]->data;
        if (!doc_has_session(a->doc, row->name)) {
            change(a, "delete session %s", row->name);
            tmrec_session_delete(row);
        }
    }
    free(nodes);

    nodes = shash_sort(&a->old_filters);
    for (size_t i = 0; i < shash_count(&a->old_filters); i++) {
        const struct tmrec_filter *row = nodes[i]->data;
        if (!doc_find_filter(a->doc, row->name)) {
            change(a, "delete filter %s", row->name);
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
        if (!doc_find_target(a->doc, row->name)) {
            change(a, "delete target %s", row->name);
            tmrec_target_delete(row);
        }
    }
    free(nodes);
}

/* Applies the document's TM_Global options and external_ids, those that it
 * has, creating the TM_Global row if needed. */
static void
apply_global(struct apply_ctx *a)
{
    const struct ctl_json_doc *doc = a->doc;
    const struct tmrec_tm_global *row = tmrec_tm_global_first(a->ctx->idl);
    const char *obj = "global";
    if (!row) {
        if (!(doc->has_options && !smap_is_empty(&doc->options))
            && !(doc->has_external_ids
                 && !smap_is_empty(&doc->external_ids))) {
            return;
        }
        row = tmrec_tm_global_insert(a->ctx->txn);
        change(a, "create global");
        obj = NULL;
    } else {
        tmrec_tm_global_verify_options(row);
        tmrec_tm_global_verify_external_ids(row);
    }

    if (doc->has_options
        && diff_smap(a, obj, "options", &row->options, &doc->options)) {
        tmrec_tm_global_set_options(row, &doc->options);
    }
    if (doc->has_external_ids
        && diff_smap(a, obj, "external_ids", &row->external_ids,
                     &doc->external_ids)) {
        tmrec_tm_global_set_external_ids(row, &doc->external_ids);
    }
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

/* Makes the database in 'ctx' match 'doc' (sorted), recording the changes
 * in 'a->changes'. */
static void
apply_doc(struct apply_ctx *a)
{
    const struct ctl_json_doc *doc = a->doc;

    index_rows(a, a->ctx->idl);
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
    struct ctl_json_doc doc;
    ctl_json_doc_init(&doc);
    error = ctl_json_doc_parse(text, &doc);
    free(text);
    if (error) {
        ctl_json_doc_destroy(&doc);
        if (error[0] == '$') {
            ctl_fatal("apply: %s", error);
        }
        ctl_fatal("apply: %s: %s",
                  strcmp(file_name, "-") ? file_name : "stdin", error);
    }
    ctl_json_doc_sort(&doc);

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
    ctl_json_doc_destroy(&doc);
}

static const struct ctl_command_syntax json_commands[] = {
    {"export", 0, 1, "[FILE]", pre_json, cmd_export, NULL, "", RO},
    {"apply", 1, 3, "FILE [--dry-run] [--prune]", pre_json, cmd_apply, NULL,
     "--dry-run,--prune", RW},
    {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, RO},
};

/* Registers "export" and "apply". */
void
ctl_json_register_commands(void)
{
    ctl_register_commands(json_commands);
}
