/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Parsing and validation of a document (tmirror/intent-doc.h): JSON text to
 * a 'struct intent_doc', each object checked with the rules of validate.h,
 * an error naming the JSON path of the offending value.  The format is
 * described in intent-doc.c. */

#include <config.h>

#include "tmirror/intent-doc.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "smap.h"
#include "tmirror/intent-rows.h"
#include "tmirror/jpath.h"
#include "tmirror/text.h"
#include "tmirror/validate.h"
#include "util.h"

/* Orders C strings. */
static int
string_cmp(const void *a_, const void *b_)
{
    const char *const *a = a_, *const *b = b_;
    return strcmp(*a, *b);
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
    return jpath_prefix(path, msg);
}

/* Checks the string 'value' of member 'key' of the object at 'path' with
 * 'check' (a text.h rule), unless it is NULL or, with 'skip_empty', "" (a
 * value that another check refuses). */
static char *
check_text(const char *path, const char *key, const char *value,
           bool skip_empty, char *(*check)(const char *, const char *))
{
    if (!value || (skip_empty && !*value)) {
        return NULL;
    }
    char *kpath = jpath_key(path, key);
    char *error = check(kpath, value);
    free(kpath);
    return error;
}

/* ---- Rules. ---- */

static const char *const rule_keys[] = {
    "action", "description", "destination_cidr", "destination_port",
    "direction", "external_ids", "number", "protocol", "source_cidr",
    "source_port", "vlan", NULL,
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
    {"vlan", "vlan"},
    {"description", "description"},
    {NULL, NULL},
};

/* Parses the optional "protocol" of the rule object 'obj' at 'path': a name
 * (a string) or a number (an integer, never a string of digits). */
static char *
parse_protocol(const json_t *obj, const char *path,
               struct intent_doc_rule *rule)
{
    const json_t *value = json_object_get(obj, "protocol");
    if (!value) {
        return NULL;
    }

    char *kpath = jpath_key(path, "protocol");
    char *error = NULL;
    int64_t protocol = 0;
    if (json_is_string(value) && !jpath_is_quoted_integer(value)) {
        error = tm_parse_protocol(kpath, json_string_value(value), &protocol);
    } else if (json_is_integer(value)) {
        protocol = json_integer_value(value);
        error = tm_check_int(kpath, protocol, 0, 255);
    } else {
        error = jpath_type_error(kpath, "a protocol name or number", value);
    }
    if (!error) {
        rule->has_protocol = true;
        rule->protocol = protocol;
    }
    free(kpath);
    return error;
}

/* Parses the optional port or port range 'key' of the rule object 'obj' at
 * 'path': a number (an integer) or a range (a string "N-M"). */
static char *
parse_port(const json_t *obj, const char *path, const char *key,
           bool *has, int64_t *from, int64_t *to)
{
    const json_t *value = json_object_get(obj, key);
    if (!value) {
        return NULL;
    }

    char *kpath = jpath_key(path, key);
    char *error = NULL;
    int64_t f = 0, t = 0;
    if (json_is_string(value) && strchr(json_string_value(value), '-')
        && !jpath_is_quoted_integer(value)) {
        error = tm_parse_port_range(kpath, json_string_value(value), &f, &t);
    } else if (json_is_integer(value)) {
        f = t = json_integer_value(value);
        error = tm_check_int(kpath, f, 0, 65535);
    } else {
        error = jpath_type_error(kpath, "a port number or a \"N-M\" range",
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
 * '*out' in canonical form (left out means any). */
static char *
parse_cidr(const json_t *obj, const char *path, const char *key, char **out)
{
    char *s = NULL;
    char *error = jpath_get_string(obj, path, key, JPATH_NONEMPTY, &s);
    if (error || !s) {
        return error;
    }

    char *kpath = jpath_key(path, key);
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
rule_to_view(const struct intent_doc_rule *rule, struct tm_rule *view)
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
    view->vlan = rule->vlan;
}

/* Parses and validates the rule object 'obj' at 'path' into 'rule'. */
static char *
parse_rule(const json_t *obj, const char *path, struct intent_doc_rule *rule)
{
    bool has;
    char *error;

    if ((error = jpath_check_object(obj, path))
        || (error = jpath_check_keys(obj, path, rule_keys))
        || (error = jpath_get_string(obj, path, "direction", JPATH_REQUIRED,
                                     &rule->direction))
        || (error = jpath_get_int(obj, path, "number", true, TM_NUMBER_MIN,
                                  TM_NUMBER_MAX, &has, &rule->number))
        || (error = jpath_get_string(obj, path, "action", JPATH_REQUIRED,
                                     &rule->action))
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
        || (error = jpath_get_string(obj, path, "vlan", JPATH_NONEMPTY,
                                     &rule->vlan))
        || (error = jpath_get_string(obj, path, "description", JPATH_OPTIONAL,
                                     &rule->description))
        || (error = jpath_get_smap(obj, path, "external_ids", NULL,
                                   &rule->external_ids))
        || (error = check_text(path, "description", rule->description, false,
                               tm_check_description))) {
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
check_rule_duplicates(const struct intent_doc_filter *filter, const char *path)
{
    for (size_t i = 1; i < filter->n_rules; i++) {
        const struct intent_doc_rule *r = &filter->rules[i];
        for (size_t j = 0; j < i; j++) {
            const struct intent_doc_rule *q = &filter->rules[j];
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
             struct intent_doc_filter *filter)
{
    const json_t *rules;
    char *error;

    if ((error = jpath_check_object(obj, path))
        || (error = jpath_check_keys(obj, path, filter_keys))
        || (error = jpath_get_string(obj, path, "name", JPATH_REQUIRED,
                                     &filter->name))
        || (error = jpath_get_string(obj, path, "description", JPATH_OPTIONAL,
                                     &filter->description))
        || (error = jpath_get_smap(obj, path, "external_ids", NULL,
                                   &filter->external_ids))
        || (error = check_text(path, "name", filter->name, false,
                               tm_check_name))
        || (error = check_text(path, "description", filter->description,
                               false, tm_check_description))
        || (error = jpath_get_array(obj, path, "rules", &rules))) {
        return error;
    }

    size_t n = rules ? json_array_size(rules) : 0;
    filter->rules = xcalloc(n ? n : 1, sizeof *filter->rules);
    for (size_t i = 0; i < n; i++) {
        char *rules_path = jpath_key(path, "rules");
        char *rpath = jpath_index(rules_path, i);
        struct intent_doc_rule *rule = &filter->rules[filter->n_rules++];
        intent_doc_rule_init(rule);
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

/* Turns a validate.h message about the target object 'obj' at 'path' into
 * one that starts with the path of the value at fault: an option that the
 * document gave inside "options" is named there, else as rewrite_error()
 * does with 'target_fields'.  Frees 'msg'. */
static char *
rewrite_target_error(const json_t *obj, const char *path, char *msg)
{
    static const char *const option_keys[] = {"dst_port", "erspan_ver"};
    for (size_t i = 0; i < ARRAY_SIZE(option_keys); i++) {
        const char *key = option_keys[i];
        char *prefix = xasprintf("options:%s: ", key);
        bool match = !strncmp(msg, prefix, strlen(prefix));
        free(prefix);
        if (match && !json_object_get(obj, key)) {
            char *error = xasprintf("%s.options.%s: %s", path, key,
                                    msg + strlen("options:: ") + strlen(key));
            free(msg);
            return error;
        }
    }
    return rewrite_error(path, msg, target_fields);
}

/* Parses the "addresses" array of the target object 'obj' at 'path', each
 * an IP address. */
static char *
parse_addresses(const json_t *obj, const char *path,
                struct intent_doc_target *target)
{
    const json_t *array;
    char *error = jpath_get_array(obj, path, "addresses", &array);
    if (error || !array) {
        return error;
    }

    char *apath = jpath_key(path, "addresses");
    size_t n = json_array_size(array);
    target->addresses = xcalloc(n ? n : 1, sizeof *target->addresses);
    for (size_t i = 0; i < n && !error; i++) {
        const json_t *value = json_array_get(array, i);
        char *epath = jpath_index(apath, i);
        if (!json_is_string(value)) {
            error = jpath_type_error(epath, "a string", value);
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
                    int64_t min, int64_t max, struct intent_doc_target *target)
{
    bool has;
    int64_t value;
    char *error = jpath_get_int(obj, path, key, false, min, max, &has, &value);
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
target_to_view(const struct intent_doc_target *target, struct tm_target *view)
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
             struct intent_doc_target *target)
{
    char *error;

    if ((error = jpath_check_object(obj, path))
        || (error = jpath_check_keys(obj, path, target_keys))
        || (error = jpath_get_string(obj, path, "name", JPATH_REQUIRED,
                                     &target->name))
        || (error = jpath_get_string(obj, path, "type", JPATH_REQUIRED,
                                     &target->type))
        || (error = jpath_get_string(obj, path, "port", JPATH_OPTIONAL,
                                     &target->port))
        || (error = parse_addresses(obj, path, target))
        || (error = jpath_get_string(obj, path, "encap", JPATH_OPTIONAL,
                                     &target->encap))
        || (error = jpath_get_smap(obj, path, "options", NULL,
                                   &target->options))
        || (error = parse_target_option(obj, path, "dst_port", 1, 65535,
                                        target))
        || (error = parse_target_option(obj, path, "erspan_ver", 1, 2,
                                        target))
        || (error = jpath_get_string(obj, path, "description", JPATH_OPTIONAL,
                                     &target->description))
        || (error = jpath_get_smap(obj, path, "external_ids", NULL,
                                   &target->external_ids))
        || (error = check_text(path, "name", target->name, false,
                               tm_check_name))
        || (error = check_text(path, "port", target->port, true,
                               tm_check_iface_id))
        || (error = check_text(path, "description", target->description,
                               false, tm_check_description))) {
        return error;
    }

    /* validate.h refuses an empty port of a port target and an empty encap;
     * an ip target's empty port would be a second way to leave it out. */
    if (target->port && !*target->port && strcmp(target->type, "port")) {
        return xasprintf("%s.port: must not be empty (leave the key out "
                         "instead)", path);
    }

    struct tm_target view;
    target_to_view(target, &view);
    error = tm_target_validate(&view);
    tm_target_view_destroy(&view);
    if (error) {
        return rewrite_target_error(obj, path, error);
    }
    if (target->n_addresses) {
        qsort(target->addresses, target->n_addresses,
              sizeof *target->addresses, string_cmp);
    }
    return NULL;
}

/* ---- Sessions. ---- */

static const char *const session_keys[] = {
    "description", "enabled", "external_ids", "filter", "independent",
    "name", "number", "packet_length", "source", "target", "vni", NULL,
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

/* Returns the encapsulation that sessions toward a target of type 'type'
 * and encap 'encap' use for the VNI checks: NULL for a port target. */
static const char *
session_encap(const char *type, const char *encap)
{
    return type && !strcmp(type, "ip") ? tm_target_encap(encap) : NULL;
}

/* Finds the target that 'session' (at 'path') names, in 'doc' first, then
 * through 'refs' (if nonnull), and stores the encapsulation its sessions use
 * in '*encap'.  Returns an error naming the path and the name if there is
 * none. */
static char *
resolve_target(const struct intent_doc *doc,
               const struct intent_doc_refs *refs,
               const struct intent_doc_session *session, const char *path,
               const char **encap)
{
    const struct intent_doc_target *target
        = intent_doc_find_target(doc, session->target);
    const char *type, *row_encap;
    if (target) {
        *encap = session_encap(target->type, target->encap);
    } else if (refs && refs->find_target(refs->aux, session->target, &type,
                                         &row_encap)) {
        *encap = session_encap(type, row_encap);
    } else {
        char *name = tm_text_escape(session->target);
        char *error = xasprintf("%s.target: %s is not the name of a target "
                                "in this document%s", path, name,
                                refs ? " or in the database" : "");
        free(name);
        return error;
    }
    return NULL;
}

/* Checks that the filter that 'session' (at 'path') names is in 'doc' or,
 * through 'refs' (if nonnull), elsewhere. */
static char *
resolve_filter(const struct intent_doc *doc,
               const struct intent_doc_refs *refs,
               const struct intent_doc_session *session, const char *path)
{
    if (intent_doc_find_filter(doc, session->filter)
        || (refs && refs->find_filter(refs->aux, session->filter))) {
        return NULL;
    }
    char *name = tm_text_escape(session->filter);
    char *error = xasprintf("%s.filter: %s is not the name of a filter in "
                            "this document%s", path, name,
                            refs ? " or in the database" : "");
    free(name);
    return error;
}

/* Parses and validates the session object 'obj' at 'path' into 'session';
 * its target and filter must be in 'doc' or found through 'refs'. */
static char *
parse_session(const json_t *obj, const char *path,
              const struct intent_doc *doc, const struct intent_doc_refs *refs,
              struct intent_doc_session *session)
{
    const char *encap = NULL;
    bool has;
    char *error;

    if ((error = jpath_check_object(obj, path))
        || (error = jpath_check_keys(obj, path, session_keys))
        || (error = jpath_get_string(obj, path, "name", JPATH_REQUIRED,
                                     &session->name))
        || (error = jpath_get_string(obj, path, "source", JPATH_REQUIRED,
                                     &session->source))
        || (error = jpath_get_string(obj, path, "target", JPATH_REQUIRED,
                                     &session->target))
        || (error = jpath_get_string(obj, path, "filter", JPATH_REQUIRED,
                                     &session->filter))
        || (error = jpath_get_int(obj, path, "number", true, TM_NUMBER_MIN,
                                  TM_NUMBER_MAX, &has, &session->number))
        || (error = jpath_get_int(obj, path, "vni", false, TM_VNI_MIN,
                                  TM_VNI_MAX,
                                  &has, &session->vni))
        || (error = jpath_get_int(obj, path, "packet_length", false,
                                  TM_PACKET_LENGTH_MIN, TM_PACKET_LENGTH_MAX,
                                  &has, &session->packet_length))
        || (error = jpath_get_bool(obj, path, "enabled", &session->enabled))
        || (error = jpath_get_bool(obj, path, "independent",
                                   &session->independent))
        || (error = jpath_get_string(obj, path, "description",
                                     JPATH_OPTIONAL, &session->description))
        || (error = jpath_get_smap(obj, path, "external_ids", NULL,
                                   &session->external_ids))
        || (error = check_text(path, "name", session->name, false,
                               tm_check_name))
        || (error = check_text(path, "source", session->source, false,
                               tm_check_iface_id))
        || (error = check_text(path, "description", session->description,
                               false, tm_check_description))
        || (error = resolve_target(doc, refs, session, path, &encap))
        || (error = resolve_filter(doc, refs, session, path))) {
        return error;
    }

    error = tm_session_validate(session->number, session->vni,
                                session->packet_length, encap);
    return error ? rewrite_error(path, error, session_fields) : NULL;
}

/* Refuses a session that repeats the (source, number) or the VNI of an
 * earlier session of 'doc'; 'i' is its index. */
static char *
check_session_duplicates(const struct intent_doc *doc, size_t i)
{
    const struct intent_doc_session *s = &doc->sessions[i];
    for (size_t j = 0; j < i; j++) {
        const struct intent_doc_session *q = &doc->sessions[j];
        if (s->number == q->number && !strcmp(s->source, q->source)) {
            char *source = tm_text_escape(s->source);
            char *error = xasprintf("$.sessions[%"PRIuSIZE"].number: "
                                    "%"PRId64" is already the number of "
                                    "$.sessions[%"PRIuSIZE"] for source %s",
                                    i, s->number, j, source);
            free(source);
            return error;
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
        error = jpath_get_array(ROOT, "$", KEY, &array_);                   \
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

/* Parses the array "sessions" of the root 'root' into 'doc', whose targets
 * and filters are already parsed, checking names, (source, number) and VNIs
 * for duplicates. */
static char *
parse_sessions(const json_t *root, const struct intent_doc_refs *refs,
               struct intent_doc *doc)
{
    const json_t *array;
    char *error = jpath_get_array(root, "$", "sessions", &array);
    size_t n = array ? json_array_size(array) : 0;
    doc->sessions = xcalloc(n ? n : 1, sizeof *doc->sessions);
    for (size_t i = 0; !error && i < n; i++) {
        char *path = jpath_index("$.sessions", i);
        struct intent_doc_session *session = &doc->sessions[i];
        intent_doc_session_init(session);
        doc->n_sessions++;
        error = parse_session(json_array_get(array, i), path, doc, refs,
                              session);
        free(path);
        if (!error) {
            error = check_name_duplicate("sessions", &doc->sessions[0].name,
                                         sizeof *doc->sessions,
                                         doc->n_sessions);
        }
        if (!error) {
            error = check_session_duplicates(doc, i);
        }
    }
    return error;
}

/* Parses the document root 'root' into 'doc'. */
static char *
parse_root(const json_t *root, const struct intent_doc_refs *refs,
           struct intent_doc *doc)
{
    char *error;
    bool has;
    int64_t version;

    if (!json_is_object(root)) {
        return jpath_type_error("$", "an object", root);
    }
    if ((error = jpath_check_keys(root, "$", doc_keys))
        || (error = jpath_get_int(root, "$", "version", true, INT64_MIN,
                                  INT64_MAX, &has, &version))) {
        return error;
    }
    if (version != INTENT_DOC_VERSION) {
        return xasprintf("$.version: %"PRId64" is not supported (expected "
                         "%d)", version, INTENT_DOC_VERSION);
    }
    if ((error = jpath_get_smap(root, "$", "options", &doc->has_options,
                                &doc->options))
        || (error = jpath_get_smap(root, "$", "external_ids",
                                   &doc->has_external_ids,
                                   &doc->external_ids))) {
        return error;
    }

    PARSE_ARRAY(root, "targets", doc->targets, doc->n_targets,
                intent_doc_target_init, parse_target);
    if (error) {
        return error;
    }
    PARSE_ARRAY(root, "filters", doc->filters, doc->n_filters,
                intent_doc_filter_init, parse_filter);
    return error ? error : parse_sessions(root, refs, doc);
}

/* Returns the message for the jansson error 'jerr' in 'text': the path and
 * the key for a duplicate key, the path and the literal for a number out of
 * jansson's range, else the line, column and jansson's text. */
static char *
syntax_error(const char *text, const json_error_t *jerr)
{
    enum json_error_code code = json_error_code(jerr);
    size_t offset = jerr->position >= 0 ? jerr->position : 0;
    if (code != json_error_duplicate_key
        && code != json_error_numeric_overflow) {
        return xasprintf("JSON syntax error at line %d, column %d: %s",
                         jerr->line, jerr->column, jerr->text);
    }

    char *path = jpath_at_offset(text, offset);
    char *error;
    if (code == json_error_duplicate_key) {
        error = xasprintf("%s: key given twice in one object (line %d, "
                          "column %d)", path, jerr->line, jerr->column);
    } else {
        size_t start = strnlen(text, offset);
        while (start > 0 && strchr("0123456789+-.eE", text[start - 1])) {
            start--;
        }
        error = xasprintf("%s: %.*s is out of range (line %d, column %d)",
                          path, (int) (strnlen(text, offset) - start),
                          text + start, jerr->line, jerr->column);
    }
    free(path);
    return error;
}

/* Parses and validates the JSON document 'text' into 'doc'. */
char *
intent_doc_parse(const char *text, const struct intent_doc_refs *refs,
                 struct intent_doc *doc)
{
    json_error_t jerr;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        return syntax_error(text, &jerr);
    }
    char *error = parse_root(root, refs, doc);
    json_decref(root);
    return error;
}
