/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Unit tests for the JSON document (lib/intent-doc.c, lib/intent-doc-parse.c):
 * parsing, validation with JSON paths in the messages, canonical formatting.
 * No database is involved. */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tmirror/intent-doc.h"
#include "util.h"

/* Returns a copy of 'text' with every ' turned into ", so that documents and
 * messages can be written without escaping. */
static char *
q(const char *text)
{
    char *s = xstrdup(text);
    for (char *p = s; *p; p++) {
        if (*p == '\'') {
            *p = '"';
        }
    }
    return s;
}

/* Parses 'text' (with ' for ") into 'doc', which it initializes; returns
 * the error, if any. */
static char *
parse(const char *text, struct intent_doc *doc)
{
    char *json = q(text);
    intent_doc_init(doc);
    char *error = intent_doc_parse(json, NULL, doc);
    free(json);
    return error;
}

/* Asserts that 'text' parses. */
static void
check_good(const char *text, struct intent_doc *doc)
{
    char *error = parse(text, doc);
    if (error) {
        print_error("unexpected error: %s\n", error);
        free(error);
        fail();
    }
}

/* Asserts that 'text' is refused with exactly 'expected' (with ' for "). */
static void
check_error(const char *text, const char *expected)
{
    struct intent_doc doc;
    char *error = parse(text, &doc);
    char *want = q(expected);
    if (!error) {
        print_error("no error, expected: %s\n", want);
        fail();
    }
    if (strcmp(error, want)) {
        print_error("got:      %s\nexpected: %s\n", error, want);
        fail();
    }
    free(want);
    free(error);
    intent_doc_destroy(&doc);
}

/* Asserts that 'text' is refused with a message that starts with 'prefix'
 * (with ' for "). */
static void
check_error_prefix(const char *text, const char *prefix)
{
    struct intent_doc doc;
    char *error = parse(text, &doc);
    char *want = q(prefix);
    if (!error) {
        print_error("no error, expected: %s...\n", want);
        fail();
    }
    if (strncmp(error, want, strlen(want))) {
        print_error("got:      %s\nexpected: %s...\n", error, want);
        fail();
    }
    free(want);
    free(error);
    intent_doc_destroy(&doc);
}

/* The version member that every document must have. */
#define V1 "'version': 1"
#define V V1 ", "

#define FILTER "{'name': 'web', 'rules': []}"
#define TARGET "{'name': 'ids', 'type': 'ip', 'addresses': ['192.0.2.10']}"
#define SESSION(EXTRA) \
    "{'name': 's1', 'source': 'vm1', 'target': 'ids', 'filter': 'web', " \
    "'number': 1" EXTRA "}"

/* Wraps one session with FILTER and TARGET into a document. */
#define DOC_SESSION(EXTRA) \
    "{" V "'filters': [" FILTER "], 'targets': [" TARGET "], " \
    "'sessions': [" SESSION(EXTRA) "]}"

/* Wraps one rule of filter "web" into a document. */
#define DOC_RULE(RULE) \
    "{" V "'filters': [{'name': 'web', 'rules': [" RULE "]}]}"

/* Wraps one target into a document. */
#define DOC_TARGET(TGT) "{" V "'targets': [" TGT "]}"

static const char full_doc[] =
    "{'version': 1,"
    " 'options': {'allow_cross_zone': 'true'},"
    " 'external_ids': {'owner': 'ops'},"
    " 'filters': [{'name': 'web', 'description': 'http',"
    "   'external_ids': {'k': 'v'},"
    "   'rules': [{'direction': 'ingress', 'number': 10, 'action': 'accept',"
    "              'protocol': 'tcp', 'source_cidr': '10.0.0.0/8',"
    "              'destination_port': '80-443', 'description': 'in'},"
    "             {'direction': 'egress', 'number': 20, 'action': 'reject',"
    "              'protocol': 17, 'destination_cidr': '2001:db8::/32',"
    "              'source_cidr': '2001:db8:1::/48', 'source_port': 53}]}],"
    " 'targets': [{'name': 'ids', 'type': 'ip',"
    "              'addresses': ['192.0.2.20', '192.0.2.10'],"
    "              'encap': 'vxlan', 'dst_port': 4790},"
    "             {'name': 'tap', 'type': 'port', 'port': 'vm-tap'}],"
    " 'sessions': [{'name': 's1', 'source': 'vm1', 'target': 'ids',"
    "               'filter': 'web', 'number': 1, 'vni': 100,"
    "               'packet_length': 128, 'enabled': false,"
    "               'description': 'first'},"
    "              {'name': 's2', 'source': 'vm1', 'target': 'tap',"
    "               'filter': 'web', 'number': 2}]}";

/* A complete document parses into the expected values. */
static void
test_good_document(void **state)
{
    (void) state;
    struct intent_doc doc;
    check_good(full_doc, &doc);

    assert_true(doc.has_options);
    assert_string_equal(smap_get(&doc.options, "allow_cross_zone"), "true");
    assert_true(doc.has_external_ids);
    assert_string_equal(smap_get(&doc.external_ids, "owner"), "ops");

    assert_int_equal(doc.n_filters, 1);
    const struct intent_doc_filter *f = &doc.filters[0];
    assert_string_equal(f->name, "web");
    assert_string_equal(f->description, "http");
    assert_string_equal(smap_get(&f->external_ids, "k"), "v");
    assert_int_equal(f->n_rules, 2);

    const struct intent_doc_rule *r = &f->rules[0];
    assert_string_equal(r->direction, "ingress");
    assert_int_equal(r->number, 10);
    assert_string_equal(r->action, "accept");
    assert_true(r->has_protocol);
    assert_int_equal(r->protocol, 6);
    assert_string_equal(r->source_cidr, "10.0.0.0/8");
    assert_null(r->destination_cidr);
    assert_false(r->has_source_port);
    assert_true(r->has_destination_port);
    assert_int_equal(r->destination_port_from, 80);
    assert_int_equal(r->destination_port_to, 443);
    assert_string_equal(r->description, "in");

    r = &f->rules[1];
    assert_int_equal(r->protocol, 17);
    assert_true(r->has_source_port);
    assert_int_equal(r->source_port_from, 53);
    assert_int_equal(r->source_port_to, 53);
    assert_string_equal(r->description, "");

    assert_int_equal(doc.n_targets, 2);
    const struct intent_doc_target *t = &doc.targets[0];
    assert_string_equal(t->type, "ip");
    assert_int_equal(t->n_addresses, 2);
    assert_string_equal(t->addresses[0], "192.0.2.10");   /* Sorted. */
    assert_string_equal(t->addresses[1], "192.0.2.20");
    assert_string_equal(t->encap, "vxlan");
    assert_string_equal(smap_get(&t->options, "dst_port"), "4790");
    t = &doc.targets[1];
    assert_string_equal(t->port, "vm-tap");
    assert_null(t->encap);

    assert_int_equal(doc.n_sessions, 2);
    const struct intent_doc_session *s = &doc.sessions[0];
    assert_string_equal(s->target, "ids");
    assert_int_equal(s->vni, 100);
    assert_int_equal(s->packet_length, 128);
    assert_false(s->enabled);
    s = &doc.sessions[1];
    assert_int_equal(s->vni, -1);             /* To be assigned. */
    assert_int_equal(s->packet_length, -1);
    assert_true(s->enabled);                  /* The default. */

    intent_doc_destroy(&doc);
}

/* An empty object is a valid (empty) document; absent TM_Global maps are
 * marked absent. */
static void
test_empty_document(void **state)
{
    (void) state;
    struct intent_doc doc;
    check_good("{" V1 "}", &doc);
    assert_false(doc.has_options);
    assert_false(doc.has_external_ids);
    assert_int_equal(doc.n_filters + doc.n_targets + doc.n_sessions, 0);
    intent_doc_destroy(&doc);
}

/* CIDRs are stored in canonical form; bare addresses become host
 * prefixes. */
static void
test_cidr_canonical(void **state)
{
    (void) state;
    struct intent_doc doc;
    check_good(DOC_RULE("{'direction': 'egress', 'number': 1, "
                        "'action': 'accept', 'source_cidr': '2001:DB8::/32'}"),
               &doc);
    assert_string_equal(doc.filters[0].rules[0].source_cidr,
                        "2001:db8::/32");
    assert_null(doc.filters[0].rules[0].destination_cidr);
    intent_doc_destroy(&doc);
}

static const char canonical_text[] =
    "{\n"
    "  \"external_ids\": {\n"
    "    \"owner\": \"ops\"\n"
    "  },\n"
    "  \"filters\": [\n"
    "    {\n"
    "      \"description\": \"http\",\n"
    "      \"external_ids\": {\n"
    "        \"k\": \"v\"\n"
    "      },\n"
    "      \"name\": \"web\",\n"
    "      \"rules\": [\n"
    "        {\n"
    "          \"action\": \"accept\",\n"
    "          \"description\": \"in\",\n"
    "          \"destination_port\": \"80-443\",\n"
    "          \"direction\": \"ingress\",\n"
    "          \"number\": 10,\n"
    "          \"protocol\": \"tcp\",\n"
    "          \"source_cidr\": \"10.0.0.0/8\"\n"
    "        },\n"
    "        {\n"
    "          \"action\": \"reject\",\n"
    "          \"destination_cidr\": \"2001:db8::/32\",\n"
    "          \"direction\": \"egress\",\n"
    "          \"number\": 20,\n"
    "          \"protocol\": \"udp\",\n"
    "          \"source_cidr\": \"2001:db8:1::/48\",\n"
    "          \"source_port\": 53\n"
    "        }\n"
    "      ]\n"
    "    }\n"
    "  ],\n"
    "  \"options\": {\n"
    "    \"allow_cross_zone\": \"true\"\n"
    "  },\n"
    "  \"sessions\": [\n"
    "    {\n"
    "      \"description\": \"first\",\n"
    "      \"enabled\": false,\n"
    "      \"filter\": \"web\",\n"
    "      \"name\": \"s1\",\n"
    "      \"number\": 1,\n"
    "      \"packet_length\": 128,\n"
    "      \"source\": \"vm1\",\n"
    "      \"target\": \"ids\",\n"
    "      \"vni\": 100\n"
    "    },\n"
    "    {\n"
    "      \"enabled\": true,\n"
    "      \"filter\": \"web\",\n"
    "      \"name\": \"s2\",\n"
    "      \"number\": 2,\n"
    "      \"source\": \"vm1\",\n"
    "      \"target\": \"tap\"\n"
    "    }\n"
    "  ],\n"
    "  \"targets\": [\n"
    "    {\n"
    "      \"addresses\": [\n"
    "        \"192.0.2.10\",\n"
    "        \"192.0.2.20\"\n"
    "      ],\n"
    "      \"dst_port\": 4790,\n"
    "      \"encap\": \"vxlan\",\n"
    "      \"name\": \"ids\",\n"
    "      \"type\": \"ip\"\n"
    "    },\n"
    "    {\n"
    "      \"name\": \"tap\",\n"
    "      \"port\": \"vm-tap\",\n"
    "      \"type\": \"port\"\n"
    "    }\n"
    "  ],\n"
    "  \"version\": 1\n"
    "}\n";

/* Formatting gives the canonical text, and parsing that text again gives
 * the same text: a fixed point. */
static void
test_format_round_trip(void **state)
{
    (void) state;
    struct intent_doc doc;
    check_good(full_doc, &doc);
    intent_doc_sort(&doc);
    char *text = intent_doc_format(&doc);
    assert_string_equal(text, canonical_text);
    intent_doc_destroy(&doc);

    intent_doc_init(&doc);
    char *error = intent_doc_parse(text, NULL, &doc);
    assert_null(error);
    intent_doc_sort(&doc);
    char *again = intent_doc_format(&doc);
    assert_string_equal(again, text);
    free(again);
    free(text);
    intent_doc_destroy(&doc);
}

/* Sorting orders objects by name and rules by direction (ingress first)
 * then number. */
/* A rule's "vlan" is a VLAN set in a string, judged by the shared rule
 * (tmirror/vlan-set.h) with its JSON path; a session's "independent" is a
 * boolean, false when left out; export writes both back. */
static void
test_vlan_and_independent(void **state)
{
    (void) state;
    struct intent_doc doc;
    check_good("{" V "'filters': [{'name': 'web', 'rules': ["
               "{'direction': 'egress', 'number': 1, 'action': 'accept', "
               "'vlan': '18-27,9'}]}], 'targets': [" TARGET "], "
               "'sessions': [" SESSION(", 'independent': true") ", "
               "{'name': 's2', 'source': 'vm1', 'target': 'ids', "
               "'filter': 'web', 'number': 2}]}", &doc);
    assert_string_equal(doc.filters[0].rules[0].vlan, "18-27,9");
    assert_true(doc.sessions[0].independent);
    assert_false(doc.sessions[1].independent);
    intent_doc_sort(&doc);
    char *text = intent_doc_format(&doc);
    assert_non_null(strstr(text, "\"vlan\": \"18-27,9\""));
    assert_non_null(strstr(text, "\"independent\": true"));
    assert_null(strstr(text, "\"independent\": false"));
    free(text);
    intent_doc_destroy(&doc);

    check_error(DOC_RULE("{'direction': 'egress', 'number': 1, "
                         "'action': 'accept', 'vlan': '4095'}"),
                "$.filters[0].rules[0].vlan: 4095 is not a VLAN id "
                "(1 to 4094)");
    check_error(DOC_RULE("{'direction': 'egress', 'number': 1, "
                         "'action': 'accept', 'vlan': '0'}"),
                "$.filters[0].rules[0].vlan: 0 is not a VLAN id (1 to 4094)");
    check_error(DOC_RULE("{'direction': 'egress', 'number': 1, "
                         "'action': 'accept', 'vlan': '27-18'}"),
                "$.filters[0].rules[0].vlan: 27-18 is not a valid range "
                "(27 is greater than 18)");
    check_error(DOC_RULE("{'direction': 'egress', 'number': 1, "
                         "'action': 'accept', 'vlan': '9,9'}"),
                "$.filters[0].rules[0].vlan: VLAN 9 is listed twice (in 9 "
                "and in 9)");
    check_error(DOC_RULE("{'direction': 'egress', 'number': 1, "
                         "'action': 'accept', 'vlan': 'x'}"),
                "$.filters[0].rules[0].vlan: 'x' is not a VLAN id or a "
                "range of them (expected, e.g., 9,18-27)");
    check_error_prefix(DOC_RULE("{'direction': 'egress', 'number': 1, "
                                "'action': 'accept', 'vlan': 9}"),
                       "$.filters[0].rules[0].vlan: expected a string");
    check_error_prefix(DOC_RULE("{'direction': 'egress', 'number': 1, "
                                "'action': 'accept', 'vlan': ''}"),
                       "$.filters[0].rules[0].vlan: ");
    check_error_prefix(DOC_SESSION(", 'independent': 'true'"),
                       "$.sessions[0].independent: expected true or false");
}

static void
test_sort(void **state)
{
    (void) state;
    struct intent_doc doc;
    check_good("{" V "'filters': [{'name': 'z', 'rules': ["
               "  {'direction': 'egress', 'number': 1, 'action': 'accept'},"
               "  {'direction': 'ingress', 'number': 20, 'action': 'accept'},"
               "  {'direction': 'ingress', 'number': 3, 'action': 'accept'}]},"
               " {'name': 'a'}],"
               " 'targets': [{'name': 't2', 'type': 'port', 'port': 'p'},"
               "             {'name': 't1', 'type': 'port', 'port': 'p'}],"
               " 'sessions': [{'name': 'b', 'source': 'v', 'target': 't1',"
               "               'filter': 'a', 'number': 2},"
               "              {'name': 'a', 'source': 'v', 'target': 't2',"
               "               'filter': 'z', 'number': 1}]}", &doc);
    intent_doc_sort(&doc);
    assert_string_equal(doc.filters[0].name, "a");
    assert_string_equal(doc.filters[1].name, "z");
    const struct intent_doc_rule *r = doc.filters[1].rules;
    assert_string_equal(r[0].direction, "ingress");
    assert_int_equal(r[0].number, 3);
    assert_int_equal(r[1].number, 20);
    assert_string_equal(r[2].direction, "egress");
    assert_string_equal(doc.targets[0].name, "t1");
    assert_string_equal(doc.sessions[0].name, "a");
    intent_doc_destroy(&doc);
}

/* Options other than dst_port and erspan_ver stay in "options"; a
 * non-canonical dst_port string stays there too. */
static void
test_target_options(void **state)
{
    (void) state;
    struct intent_doc doc;
    check_good(DOC_TARGET("{'name': 'e', 'type': 'ip', 'encap': 'erspan',"
                          " 'addresses': ['2001:db8::1'],"
                          " 'options': {'erspan_ver': '2'}}"), &doc);
    assert_string_equal(smap_get(&doc.targets[0].options, "erspan_ver"),
                        "2");
    char *text = intent_doc_format(&doc);
    assert_non_null(strstr(text, "\"erspan_ver\": 2"));
    assert_null(strstr(text, "\"options\""));
    free(text);
    intent_doc_destroy(&doc);
}

/* JSON syntax errors carry the line and column. */
static void
test_syntax_errors(void **state)
{
    (void) state;
    check_error_prefix("{\n  'filters': [,]\n}",
                       "JSON syntax error at line 2, column ");
    check_error_prefix("", "JSON syntax error at line 1, column 0: ");
    check_error("[1]", "$: expected an object, got [1]");
}

/* A key given twice in one object is refused with the path of the key,
 * however deep, and its line and column. */
static void
test_duplicate_keys(void **state)
{
    (void) state;
    check_error("{'version': 1, 'version': 1}",
                "$.version: key given twice in one object (line 1, "
                "column 24)");
    check_error("{" V "'targets': [{'name': 'a'},\n"
                " {'name': 'b', 'type': 'ip', 'name': 'c'}]}",
                "$.targets[1].name: key given twice in one object (line 2, "
                "column 35)");
    check_error("{" V "'options': {'a b': '1', 'a b': '2'}}",
                "$.options['a b']: key given twice in one object (line 1, "
                "column 44)");
    /* Escapes in keys are decoded; strings with brackets, commas and quotes
     * do not confuse the path. */
    check_error("{" V "'external_ids': {'x': '[{,\\'}', "
                "'\\u00e9': '1', '\xc3\xa9': '2'}}",
                "$.external_ids['\xc3\xa9']: key given twice in one "
                "object (line 1, column 65)");
    check_error("{" V "'sessions': [{'name': 's', 'number': 1, "
                "'number': 2}]}",
                "$.sessions[0].number: key given twice in one object (line "
                "1, column 63)");
}

/* Numbers too large for jansson are refused with their path and their
 * text; numbers that fit are refused by the member's range. */
static void
test_huge_numbers(void **state)
{
    (void) state;
    check_error(DOC_SESSION(", 'vni': 99999999999999999999"),
                "$.sessions[0].vni: 99999999999999999999 is out of range "
                "(line 1, column 250)");
    check_error(DOC_RULE("{'direction': 'ingress', "
                         "'number': -99999999999999999999}"),
                "$.filters[0].rules[0].number: -99999999999999999999 is out "
                "of range (line 1, column 109)");
    check_error(DOC_TARGET("{'name': 't', 'type': 'ip', "
                           "'addresses': ['192.0.2.1', 1e400]}"),
                "$.targets[0].addresses[1]: 1e400 is out of range (line 1, "
                "column 87)");
    check_error("{'version': 99999999999999999999}",
                "$.version: 99999999999999999999 is out of range (line 1, "
                "column 32)");
    check_error(DOC_SESSION(", 'vni': 9223372036854775807"),
                "$.sessions[0].vni: 9223372036854775807 is out of range "
                "(1 to 16777215)");
    check_error(DOC_SESSION(", 'packet_length': -9223372036854775808"),
                "$.sessions[0].packet_length: -9223372036854775808 is out of "
                "range (1 to 65535)");
}

/* Unknown keys are refused with their path and the known ones. */
static void
test_unknown_keys(void **state)
{
    (void) state;
    check_error("{" V "'filterz': []}",
                "$.filterz: unknown key (expected external_ids, filters, "
                "options, sessions, targets, version)");
    check_error(DOC_RULE("{'direction': 'ingress', 'number': 1, "
                         "'action': 'accept', 'proto': 'tcp'}"),
                "$.filters[0].rules[0].proto: unknown key (expected action, "
                "description, destination_cidr, destination_port, direction,"
                " external_ids, number, protocol, source_cidr, "
                "source_port, vlan)");
    check_error(DOC_SESSION(", 'vnii': 3"),
                "$.sessions[0].vnii: unknown key (expected description, "
                "enabled, external_ids, filter, independent, name, number, "
                "packet_length, source, target, vni)");
    check_error(DOC_TARGET("{'name': 't', 'type': 'ip', 'x y': 1}"),
                "$.targets[0]['x y']: unknown key (expected addresses, "
                "description, dst_port, encap, erspan_ver, external_ids, "
                "name, options, port, type)");
}

/* Values of the wrong JSON type are refused with their path. */
static void
test_wrong_types(void **state)
{
    (void) state;
    check_error("{'version': '1'}",
                "$.version: expected an integer, got '1' (write numbers "
                "without quotes)");
    check_error("{'version': 2}",
                "$.version: 2 is not supported (expected 1)");
    check_error("{" V "'options': {'a': 1}}",
                "$.options.a: expected a string, got 1");
    check_error("{" V "'external_ids': []}",
                "$.external_ids: expected an object of strings, got []");
    check_error("{" V "'filters': {}}",
                "$.filters: expected an array, got {}");
    check_error("{" V "'filters': [3]}",
                "$.filters[0]: expected an object, got 3");
    check_error("{" V "'filters': [{'name': 7}]}",
                "$.filters[0].name: expected a string, got 7");
    check_error(DOC_RULE("{'direction': 'ingress', 'number': '10', "
                         "'action': 'accept'}"),
                "$.filters[0].rules[0].number: expected an integer, "
                "got '10' (write numbers without quotes)");
    check_error(DOC_RULE("{'direction': 'ingress', 'number': 1.5, "
                         "'action': 'accept'}"),
                "$.filters[0].rules[0].number: expected an integer, "
                "got 1.5");
    check_error(DOC_RULE("{'direction': 'ingress', 'number': 1, "
                         "'action': 'accept', 'protocol': true}"),
                "$.filters[0].rules[0].protocol: expected a protocol name "
                "or number, got true");
    check_error(DOC_RULE("{'direction': 'ingress', 'number': 1, "
                         "'action': 'accept', 'source_port': [1]}"),
                "$.filters[0].rules[0].source_port: expected a port number "
                "or a 'N-M' range, got [1]");
    check_error(DOC_SESSION(", 'enabled': 'yes'"),
                "$.sessions[0].enabled: expected true or false, got 'yes'");
    check_error(DOC_TARGET("{'name': 't', 'type': 'ip', "
                           "'addresses': '192.0.2.1'}"),
                "$.targets[0].addresses: expected an array, "
                "got '192.0.2.1'");
    check_error(DOC_TARGET("{'name': 't', 'type': 'ip', "
                           "'addresses': [1]}"),
                "$.targets[0].addresses[0]: expected a string, got 1");
    check_error(DOC_TARGET("{'name': 't', 'type': 'ip', 'addresses': "
                           "['192.0.2.1'], 'description': {'a': "
                           "'0123456789012345678901234567890123456789'}}"),
                "$.targets[0].description: expected a string, "
                "got {'a':'012345678901234567890123456789...");
}

/* The type rule, accepted forms: a number is a JSON integer; protocol is a
 * name or an integer, a port an integer or a "N-M" range; target options
 * in "options" are strings like every map value; enabled is a boolean. */
static void
test_types_accepted(void **state)
{
    (void) state;
    struct intent_doc doc;
    check_good("{" V "'filters': [{'name': 'web', 'rules': ["
               " {'direction': 'ingress', 'number': 1, 'action': 'accept',"
               "  'protocol': 'TCP', 'source_port': 80,"
               "  'destination_port': '80-80'},"
               " {'direction': 'ingress', 'number': 2, 'action': 'accept',"
               "  'protocol': 132, 'destination_port': '0-65535'},"
               " {'direction': 'ingress', 'number': 3, 'action': 'accept',"
               "  'protocol': 47, 'description': ''}]}],"
               " 'targets': [{'name': 'vx', 'type': 'ip',"
               "   'addresses': ['192.0.2.1'], 'dst_port': 4789},"
               "  {'name': 'gv', 'type': 'ip', 'addresses': ['192.0.2.2'],"
               "   'encap': 'geneve', 'options': {'dst_port': '6082'}}],"
               " 'sessions': [{'name': 's', 'source': 'v', 'target': 'vx',"
               "   'filter': 'web', 'number': 1, 'vni': 16777215,"
               "   'packet_length': 65535, 'enabled': true,"
               "   'external_ids': {'k': ''}}]}", &doc);
    const struct intent_doc_rule *r = doc.filters[0].rules;
    assert_int_equal(r[0].protocol, 6);
    assert_int_equal(r[0].source_port_from, 80);
    assert_int_equal(r[0].source_port_to, 80);
    assert_int_equal(r[0].destination_port_from, 80);
    assert_int_equal(r[0].destination_port_to, 80);
    assert_int_equal(r[1].protocol, 132);
    assert_int_equal(r[1].destination_port_to, 65535);
    assert_int_equal(r[2].protocol, 47);
    assert_string_equal(smap_get(&doc.targets[0].options, "dst_port"),
                        "4789");
    assert_string_equal(smap_get(&doc.targets[1].options, "dst_port"),
                        "6082");
    assert_int_equal(doc.sessions[0].vni, 16777215);
    assert_true(doc.sessions[0].enabled);
    assert_string_equal(smap_get(&doc.sessions[0].external_ids, "k"), "");
    intent_doc_destroy(&doc);
}

/* The type rule, refused forms: numbers in quotes, fractions, exponents,
 * booleans in quotes or as numbers, null, with the path and the value. */
static void
test_types_refused(void **state)
{
    (void) state;
#define RULE_WITH(EXTRA) \
    DOC_RULE("{'direction': 'ingress', 'number': 1, 'action': 'accept'" \
             EXTRA "}")
#define IP_TARGET_WITH(EXTRA) \
    DOC_TARGET("{'name': 't', 'type': 'ip', 'addresses': ['192.0.2.1']" \
               EXTRA "}")
    check_error(RULE_WITH(", 'protocol': '6'"),
                "$.filters[0].rules[0].protocol: expected a protocol name or "
                "number, got '6' (write numbers without quotes)");
    check_error(RULE_WITH(", 'protocol': 6.0"),
                "$.filters[0].rules[0].protocol: expected a protocol name or "
                "number, got 6.0");
    check_error(RULE_WITH(", 'protocol': null"),
                "$.filters[0].rules[0].protocol: expected a protocol name or "
                "number, got null");
    check_error(RULE_WITH(", 'protocol': 'tcp', 'source_port': '53'"),
                "$.filters[0].rules[0].source_port: expected a port number "
                "or a 'N-M' range, got '53' (write numbers without quotes)");
    check_error(RULE_WITH(", 'protocol': 'tcp', 'destination_port': 'http'"),
                "$.filters[0].rules[0].destination_port: expected a port "
                "number or a 'N-M' range, got 'http'");
    check_error(RULE_WITH(", 'protocol': 'tcp', 'destination_port': 8e1"),
                "$.filters[0].rules[0].destination_port: expected a port "
                "number or a 'N-M' range, got 80.0");
    check_error(IP_TARGET_WITH(", 'dst_port': '4789'"),
                "$.targets[0].dst_port: expected an integer, got '4789' "
                "(write numbers without quotes)");
    check_error(DOC_TARGET("{'name': 't', 'type': 'ip', 'encap': 'erspan', "
                           "'addresses': ['192.0.2.1'], 'erspan_ver': '2'}"),
                "$.targets[0].erspan_ver: expected an integer, got '2' "
                "(write numbers without quotes)");
    check_error(IP_TARGET_WITH(", 'options': {'dst_port': 4789}"),
                "$.targets[0].options.dst_port: expected a string, got 4789");
    check_error(DOC_SESSION(", 'vni': '7'"),
                "$.sessions[0].vni: expected an integer, got '7' (write "
                "numbers without quotes)");
    check_error(DOC_SESSION(", 'packet_length': 64.0"),
                "$.sessions[0].packet_length: expected an integer, got 64.0");
    check_error(DOC_SESSION(", 'vni': null"),
                "$.sessions[0].vni: expected an integer, got null");
    check_error(DOC_SESSION(", 'enabled': 'true'"),
                "$.sessions[0].enabled: expected true or false, got 'true' "
                "(write true and false without quotes)");
    check_error(DOC_SESSION(", 'enabled': 1"),
                "$.sessions[0].enabled: expected true or false, got 1");
    check_error(DOC_SESSION(", 'enabled': null"),
                "$.sessions[0].enabled: expected true or false, got null");
    check_error(DOC_SESSION(", 'description': null"),
                "$.sessions[0].description: expected a string, got null");
    check_error(DOC_SESSION(", 'external_ids': {'k': null}"),
                "$.sessions[0].external_ids.k: expected a string, got null");
    check_error(DOC_SESSION(", 'external_ids': {'k': true}"),
                "$.sessions[0].external_ids.k: expected a string, got true");
    check_error("{'version': 1.0}",
                "$.version: expected an integer, got 1.0");
    check_error("{'version': null}",
                "$.version: expected an integer, got null");
    check_error("{" V "'filters': null}",
                "$.filters: expected an array, got null");
    check_error("{" V "'options': null}",
                "$.options: expected an object of strings, got null");
    check_error("{" V "'filters': [{'name': null}]}",
                "$.filters[0].name: expected a string, got null");
#undef RULE_WITH
#undef IP_TARGET_WITH
}

/* Negative numbers are refused by each member's range. */
static void
test_negative_numbers(void **state)
{
    (void) state;
    check_error(DOC_SESSION(", 'vni': -1"),
                "$.sessions[0].vni: -1 is out of range (1 to 16777215)");
    check_error(DOC_SESSION(", 'packet_length': -64"),
                "$.sessions[0].packet_length: -64 is out of range "
                "(1 to 65535)");
    check_error(DOC_RULE("{'direction': 'ingress', 'number': -5, "
                         "'action': 'accept'}"),
                "$.filters[0].rules[0].number: -5 is out of range "
                "(1 to 32766)");
    check_error(DOC_RULE("{'direction': 'ingress', 'number': 1, "
                         "'action': 'accept', 'protocol': -1}"),
                "$.filters[0].rules[0].protocol: -1 is out of range "
                "(0 to 255)");
    check_error(DOC_RULE("{'direction': 'ingress', 'number': 1, "
                         "'action': 'accept', 'protocol': 'udp', "
                         "'source_port': -1}"),
                "$.filters[0].rules[0].source_port: -1 is out of range "
                "(0 to 65535)");
    check_error(DOC_RULE("{'direction': 'ingress', 'number': 1, "
                         "'action': 'accept', 'protocol': 'udp', "
                         "'source_port': '-1'}"),
                "$.filters[0].rules[0].source_port: expected a port number "
                "or a 'N-M' range, got '-1' (write numbers without quotes)");
    check_error(DOC_TARGET("{'name': 't', 'type': 'ip', "
                           "'addresses': ['192.0.2.1'], 'dst_port': -4789}"),
                "$.targets[0].dst_port: -4789 is out of range (1 to 65535)");
    check_error("{'version': -1}",
                "$.version: -1 is not supported (expected 1)");
}

/* Optional text members are left out to mean "not set"; an empty string
 * is refused rather than read as "not set" (descriptions and map values
 * may be empty). */
static void
test_empty_strings(void **state)
{
    (void) state;
    check_error(DOC_RULE("{'direction': 'egress', 'number': 1, "
                         "'action': 'accept', 'destination_cidr': ''}"),
                "$.filters[0].rules[0].destination_cidr: must not be empty "
                "(leave the key out instead)");
    check_error(DOC_TARGET("{'name': 't', 'type': 'ip', "
                           "'addresses': ['192.0.2.1'], 'port': ''}"),
                "$.targets[0].port: must not be empty (leave the key out "
                "instead)");
    /* Where validate.h refuses an empty value itself, its message (the
     * CLI's) is given. */
    check_error_prefix(DOC_TARGET("{'name': 't', 'type': 'ip', "
                                  "'addresses': ['192.0.2.1'], "
                                  "'encap': ''}"),
                       "$.targets[0].encap: missing value");
    check_error_prefix(DOC_TARGET("{'name': 't', 'type': 'port', "
                                  "'port': ''}"),
                       "$.targets[0].port: missing value");
    check_error(DOC_TARGET("{'name': 't', 'type': ''}"),
                "$.targets[0].type: must not be empty");
}

/* Names, iface-ids and descriptions follow text.h's rules, refused with
 * the JSON path; names in messages are escaped. */
static void
test_text_rules(void **state)
{
    (void) state;
    check_error_prefix("{" V "'filters': [{'name': 'a b'}]}",
                       "$.filters[0].name: 'a b' contains U+0020 (");
    check_error_prefix(DOC_TARGET("{'name': 't\\n2', 'type': 'port', "
                                  "'port': 'p'}"),
                       "$.targets[0].name: 't\\n2' contains U+000A (");
    check_error_prefix(DOC_TARGET("{'name': 't', 'type': 'port', "
                                  "'port': 'vm 1'}"),
                       "$.targets[0].port: 'vm 1' contains U+0020 (");
    check_error_prefix(DOC_SESSION(", 'description': 'one\\ntwo'"),
                       "$.sessions[0].description: 'one\\ntwo' contains "
                       "U+000A (");
    check_error_prefix(DOC_RULE("{'direction': 'ingress', 'number': 1, "
                                "'action': 'accept', "
                                "'description': 'a\\tb'}"),
                       "$.filters[0].rules[0].description: 'a\\tb' "
                       "contains U+0009 (");
    check_error_prefix("{" V "'filters': [" FILTER "], 'targets': [" TARGET
                       "], 'sessions': [{'name': 's', 'source': 'vm\\t1', "
                       "'target': 'ids', 'filter': 'web', 'number': 1}]}",
                       "$.sessions[0].source: 'vm\\t1' contains U+0009 (");
    check_error("{" V "'filters': [" FILTER "], 'targets': [" TARGET "], "
                "'sessions': [{'name': 's', 'source': 'vm1', "
                "'target': 'x\\ny', 'filter': 'web', 'number': 1}]}",
                "$.sessions[0].target: 'x\\ny' is not the name of a target "
                "in this document");
}

/* Keys of the wrong level are unknown keys there. */
static void
test_wrong_nesting(void **state)
{
    (void) state;
    check_error("{" V "'rules': []}",
                "$.rules: unknown key (expected external_ids, filters, "
                "options, sessions, targets, version)");
    check_error("{" V "'filters': [{'name': 'f', 'sessions': []}]}",
                "$.filters[0].sessions: unknown key (expected description, "
                "external_ids, name, rules)");
    check_error("{" V "'filters': [[{'name': 'f'}]]}",
                "$.filters[0]: expected an object, got [{'name':'f'}]");
    check_error(DOC_TARGET("{'name': 't', 'type': 'ip', "
                           "'addresses': [['192.0.2.1']]}"),
                "$.targets[0].addresses[0]: expected a string, "
                "got ['192.0.2.1']");
    check_error("{" V "'options': {'a': {'b': 'c'}}}",
                "$.options.a: expected a string, got {'b':'c'}");
}

/* The version is required. */
static void
test_version_required(void **state)
{
    (void) state;
    check_error("{}", "$: missing required key 'version'");
    check_error("{'filters': []}", "$: missing required key 'version'");
}

/* Missing and empty required values. */
static void
test_required(void **state)
{
    (void) state;
    check_error("{" V "'filters': [{'rules': []}]}",
                "$.filters[0]: missing required key 'name'");
    check_error("{" V "'filters': [{'name': ''}]}",
                "$.filters[0].name: must not be empty");
    check_error(DOC_RULE("{'direction': 'ingress', 'action': 'accept'}"),
                "$.filters[0].rules[0]: missing required key 'number'");
    check_error("{" V "'filters': [" FILTER "], 'targets': [" TARGET "], "
                "'sessions': [{'name': 's', 'source': 'vm1', "
                "'target': 'ids', 'filter': 'web'}]}",
                "$.sessions[0]: missing required key 'number'");
}

/* Out-of-range and malformed values, with the path of the value. */
static void
test_bad_values(void **state)
{
    (void) state;
    check_error(DOC_SESSION(", 'vni': 99999999"),
                "$.sessions[0].vni: 99999999 is out of range "
                "(1 to 16777215)");
    check_error(DOC_SESSION(", 'packet_length': 0"),
                "$.sessions[0].packet_length: 0 is out of range "
                "(1 to 65535)");
    check_error("{" V "'filters': [" FILTER "], 'targets': [" TARGET "], "
                "'sessions': [" SESSION("") ", {'name': 's2', "
                "'source': 'vm1', 'target': 'ids', 'filter': 'web', "
                "'number': 40000}]}",
                "$.sessions[1].number: 40000 is out of range (1 to 32766)");
    check_error(DOC_RULE("{'direction': 'ingress', 'number': 0, "
                         "'action': 'accept'}"),
                "$.filters[0].rules[0].number: 0 is out of range "
                "(1 to 32766)");
    check_error_prefix(DOC_RULE("{'direction': 'ingress', 'number': 1, "
                                "'action': 'accept'}, "
                                "{'direction': 'ingress', 'number': 2, "
                                "'action': 'accept', 'protocol': 'tcpp'}"),
                       "$.filters[0].rules[1].protocol: tcpp is not a "
                       "protocol");
    check_error(DOC_RULE("{'direction': 'ingress', 'number': 1, "
                         "'action': 'accept', 'protocol': 256}"),
                "$.filters[0].rules[0].protocol: 256 is out of range "
                "(0 to 255)");
    check_error_prefix(DOC_RULE("{'direction': 'inbound', 'number': 1, "
                                "'action': 'accept'}"),
                       "$.filters[0].rules[0].direction: inbound");
    check_error_prefix(DOC_RULE("{'direction': 'ingress', 'number': 1, "
                                "'action': 'drop'}"),
                       "$.filters[0].rules[0].action: drop");
    check_error_prefix(DOC_RULE("{'direction': 'ingress', 'number': 1, "
                                "'action': 'accept', "
                                "'source_cidr': '10.0.0.1/8'}"),
                       "$.filters[0].rules[0].source_cidr: 10.0.0.1/8 has "
                       "host bits set");
    check_error_prefix(DOC_RULE("{'direction': 'ingress', 'number': 1, "
                                "'action': 'accept', "
                                "'destination_port': '443-80', "
                                "'protocol': 'tcp'}"),
                       "$.filters[0].rules[0].destination_port: 443-80");
    check_error_prefix(DOC_RULE("{'direction': 'ingress', 'number': 1, "
                                "'action': 'accept', "
                                "'destination_port': 80, "
                                "'protocol': 'icmp'}"),
                       "$.filters[0].rules[0].destination_port: ");
    check_error_prefix(DOC_RULE("{'direction': 'ingress', 'number': 1, "
                                "'action': 'accept', "
                                "'source_cidr': '10.0.0.0/8', "
                                "'destination_cidr': '2001:db8::/32'}"),
                       "$.filters[0].rules[0].destination_cidr: ");
    check_error_prefix(DOC_TARGET("{'name': 't', 'type': 'ip', "
                                  "'addresses': ['192.0.2.1', 'nope']}"),
                       "$.targets[0].addresses[1]: nope");
    check_error_prefix(DOC_TARGET("{'name': 't', 'type': 'ip', "
                                  "'addresses': ['192.0.2.1', "
                                  "'192.0.2.1']}"),
                       "$.targets[0].addresses: 192.0.2.1");
    check_error_prefix(DOC_TARGET("{'name': 't', 'type': 'ip', "
                                  "'addresses': ['192.0.2.1'], "
                                  "'encap': 'ipip'}"),
                       "$.targets[0].encap: ipip");
    check_error_prefix(DOC_TARGET("{'name': 't', 'type': 'tap'}"),
                       "$.targets[0].type: tap");
    check_error_prefix(DOC_TARGET("{'name': 't', 'type': 'port'}"),
                       "$.targets[0].port: ");
    check_error(DOC_TARGET("{'name': 't', 'type': 'ip', "
                           "'addresses': ['192.0.2.1'], 'dst_port': 0}"),
                "$.targets[0].dst_port: 0 is out of range (1 to 65535)");
    check_error(DOC_TARGET("{'name': 't', 'type': 'ip', "
                           "'addresses': ['192.0.2.1'], 'dst_port': 4789, "
                           "'options': {'dst_port': '4789'}}"),
                "$.targets[0].options.dst_port: is also given as "
                "$.targets[0].dst_port (give it only once)");
    check_error_prefix(DOC_TARGET("{'name': 't', 'type': 'ip', "
                                  "'addresses': ['192.0.2.1'], "
                                  "'encap': 'gre', 'dst_port': 4789}"),
                       "$.targets[0].dst_port: ");
    /* An option given in "options" is named there. */
    check_error_prefix(DOC_TARGET("{'name': 't', 'type': 'ip', "
                                  "'addresses': ['192.0.2.1'], "
                                  "'encap': 'gre', "
                                  "'options': {'dst_port': '4789'}}"),
                       "$.targets[0].options.dst_port: 4789 ");
    check_error_prefix(DOC_TARGET("{'name': 't', 'type': 'ip', "
                                  "'addresses': ['192.0.2.1'], "
                                  "'encap': 'erspan', "
                                  "'options': {'erspan_ver': '3'}}"),
                       "$.targets[0].options.erspan_ver: 3 ");
    check_error_prefix(DOC_TARGET("{'name': 't', 'type': 'ip', "
                                  "'addresses': ['192.0.2.1'], "
                                  "'options': {'foo': 'bar'}}"),
                       "$.targets[0].options: ");
}

/* A session's VNI must suit its target's encapsulation. */
static void
test_erspan_vni(void **state)
{
    (void) state;
    struct intent_doc doc;
    const char *good =
        "{" V "'filters': [" FILTER "], 'targets': [{'name': 'ids', "
        "'type': 'ip', 'addresses': ['192.0.2.1'], 'encap': 'erspan'}], "
        "'sessions': [" SESSION(", 'vni': 1023") "]}";
    check_good(good, &doc);
    intent_doc_destroy(&doc);
    check_error_prefix("{" V "'filters': [" FILTER "], 'targets': [{'name': "
                       "'ids', 'type': 'ip', 'addresses': ['192.0.2.1'], "
                       "'encap': 'erspan'}], 'sessions': ["
                       SESSION(", 'vni': 1024") "]}",
                       "$.sessions[0].vni: 1024");
}

/* References must name objects of the document. */
static void
test_references(void **state)
{
    (void) state;
    check_error("{" V "'filters': [" FILTER "], 'targets': [" TARGET "], "
                "'sessions': [{'name': 's', 'source': 'vm1', "
                "'target': 'nope', 'filter': 'web', 'number': 1}]}",
                "$.sessions[0].target: 'nope' is not the name of a target "
                "in this document");
    check_error("{" V "'filters': [" FILTER "], 'targets': [" TARGET "], "
                "'sessions': [{'name': 's', 'source': 'vm1', "
                "'target': 'ids', 'filter': 'nope', 'number': 1}]}",
                "$.sessions[0].filter: 'nope' is not the name of a filter "
                "in this document");
}

/* intent_doc_refs for the tests: a "database" with an erspan target
 * "dbspan", a port target "dbport" and a filter "dbf". */
static bool
fake_find_target(const void *aux, const char *name, const char **type,
                 const char **encap)
{
    assert_string_equal(aux, "fake");
    if (!strcmp(name, "dbspan")) {
        *type = "ip";
        *encap = "erspan";
        return true;
    } else if (!strcmp(name, "dbport")) {
        *type = "port";
        *encap = NULL;
        return true;
    }
    return false;
}

static bool
fake_find_filter(const void *aux, const char *name)
{
    assert_string_equal(aux, "fake");
    return !strcmp(name, "dbf");
}

static const struct intent_doc_refs fake_refs = {
    .find_target = fake_find_target,
    .find_filter = fake_find_filter,
    .aux = "fake",
};

/* Parses 'text' (with ' for ") against 'fake_refs'; returns the error. */
static char *
parse_refs(const char *text, struct intent_doc *doc)
{
    char *json = q(text);
    intent_doc_init(doc);
    char *error = intent_doc_parse(json, &fake_refs, doc);
    free(json);
    return error;
}

/* Asserts that 'text' parsed against 'fake_refs' gives 'expected' (with '
 * for "; NULL: no error), or with 'prefix' an error that starts so. */
static void
check_refs__(const char *text, const char *expected, bool prefix)
{
    struct intent_doc doc;
    char *error = parse_refs(text, &doc);
    char *want = expected ? q(expected) : NULL;
    if (!want != !error
        || (want && (prefix ? strncmp(error, want, strlen(want))
                     : strcmp(error, want)))) {
        print_error("got:      %s\nexpected: %s\n", error ? error : "(none)",
                    want ? want : "(none)");
        fail();
    }
    free(want);
    free(error);
    intent_doc_destroy(&doc);
}

#define check_refs(TEXT, EXPECTED) check_refs__(TEXT, EXPECTED, false)
#define check_refs_prefix(TEXT, EXPECTED) check_refs__(TEXT, EXPECTED, true)

#define REF_SESSION(TARGET, FILTER, EXTRA) \
    "{" V "'sessions': [{'name': 's', 'source': 'vm1', 'target': '" TARGET \
    "', 'filter': '" FILTER "', 'number': 1" EXTRA "}]}"

/* A session may name a target and a filter of the database; it is checked
 * against that target; a name in neither is refused with its path. */
static void
test_database_references(void **state)
{
    (void) state;
    check_refs(REF_SESSION("dbspan", "dbf", ", 'vni': 1023"), NULL);
    check_refs(REF_SESSION("dbport", "dbf", ", 'vni': 5000"), NULL);
    check_refs_prefix(REF_SESSION("dbspan", "dbf", ", 'vni': 1024"),
                      "$.sessions[0].vni: 1024 ");
    check_refs(REF_SESSION("nope", "dbf", ""),
               "$.sessions[0].target: 'nope' is not the name of a target in "
               "this document or in the database");
    check_refs(REF_SESSION("dbport", "nope", ""),
               "$.sessions[0].filter: 'nope' is not the name of a filter in "
               "this document or in the database");
    /* The document's own object of that name wins over the database's: a
     * vxlan "dbspan" takes VNIs above 1023. */
    check_refs("{" V "'targets': [{'name': 'dbspan', 'type': 'ip', "
               "'addresses': ['192.0.2.1']}], 'sessions': [{'name': 's', "
               "'source': 'vm1', 'target': 'dbspan', 'filter': 'dbf', "
               "'number': 1, 'vni': 5000}]}", NULL);
    /* Without refs, only the document counts. */
    check_error(REF_SESSION("dbport", "dbf", ""),
                "$.sessions[0].target: 'dbport' is not the name of a target "
                "in this document");
}

/* Names, rule keys, (source, number) and VNIs must be unique. */
static void
test_duplicates(void **state)
{
    (void) state;
    check_error("{" V "'filters': [" FILTER ", {'name': 'x'}, " FILTER "]}",
                "$.filters[2].name: 'web' is already the name of "
                "$.filters[0]");
    check_error("{" V "'targets': [" TARGET ", " TARGET "]}",
                "$.targets[1].name: 'ids' is already the name of "
                "$.targets[0]");
    check_error("{" V "'filters': [" FILTER "], 'targets': [" TARGET "], "
                "'sessions': [" SESSION("") ", " SESSION(", 'vni': 3") "]}",
                "$.sessions[1].name: 's1' is already the name of "
                "$.sessions[0]");
    check_error(DOC_RULE("{'direction': 'ingress', 'number': 5, "
                         "'action': 'accept'}, "
                         "{'direction': 'egress', 'number': 5, "
                         "'action': 'accept'}, "
                         "{'direction': 'ingress', 'number': 5, "
                         "'action': 'reject'}"),
                "$.filters[0].rules[2].number: ingress rule 5 is already "
                "$.filters[0].rules[0]");
    check_error("{" V "'filters': [" FILTER "], 'targets': [" TARGET "], "
                "'sessions': [" SESSION("") ", {'name': 's2', "
                "'source': 'vm1', 'target': 'ids', 'filter': 'web', "
                "'number': 1}]}",
                "$.sessions[1].number: 1 is already the number of "
                "$.sessions[0] for source 'vm1'");
    check_error("{" V "'filters': [" FILTER "], 'targets': [" TARGET "], "
                "'sessions': [" SESSION(", 'vni': 7") ", {'name': 's2', "
                "'source': 'vm2', 'target': 'ids', 'filter': 'web', "
                "'number': 1, 'vni': 7}]}",
                "$.sessions[1].vni: 7 is already the vni of $.sessions[0]");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_document),
        cmocka_unit_test(test_empty_document),
        cmocka_unit_test(test_cidr_canonical),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_vlan_and_independent),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_target_options),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_huge_numbers),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_types_accepted),
        cmocka_unit_test(test_types_refused),
        cmocka_unit_test(test_negative_numbers),
        cmocka_unit_test(test_empty_strings),
        cmocka_unit_test(test_text_rules),
        cmocka_unit_test(test_wrong_nesting),
        cmocka_unit_test(test_version_required),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_erspan_vni),
        cmocka_unit_test(test_references),
        cmocka_unit_test(test_database_references),
        cmocka_unit_test(test_duplicates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
