/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Unit tests for controller/filter-compile.h: port range expansion and the
 * compilation of filter rules into OpenFlow matches. */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "controller/filter-compile.h"
#include "flow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-flow.h"
#include "packets.h"
#include "random.h"
#include "util.h"

/* Returns the minimal number of prefixes covering [from, to] inside the
 * aligned block [base, base + size), by recursive halving (an independent
 * reference for fc_range_to_prefixes()). */
static size_t
reference_count(uint32_t from, uint32_t to, uint32_t base, uint32_t size)
{
    uint32_t last = base + size - 1;
    if (to < base || from > last) {
        return 0;
    } else if (from <= base && last <= to) {
        return 1;
    }
    return (reference_count(from, to, base, size / 2)
            + reference_count(from, to, base + size / 2, size / 2));
}

/* Checks the expansion of [from, to] exhaustively: every port is matched by
 * exactly one prefix iff it is in the range, and the count is minimal. */
static void
check_range(uint16_t from, uint16_t to)
{
    struct fc_prefix p[FC_MAX_PREFIXES];
    size_t n = fc_range_to_prefixes(from, to, p);

    assert_true(n >= 1 && n <= FC_MAX_PREFIXES);
    assert_int_equal(n, reference_count(from, to, 0, 0x10000));
    for (uint32_t port = 0; port <= 0xffff; port++) {
        size_t hits = 0;
        for (size_t i = 0; i < n; i++) {
            hits += (port & p[i].mask) == p[i].value;
        }
        if (hits != (port >= from && port <= to)) {
            print_error("range [%u,%u]: port %u matched %zu times\n",
                        from, to, port, hits);
            fail();
        }
    }
}

static void
test_range_fixed(void **state OVS_UNUSED)
{
    static const uint16_t ranges[][2] = {
        { 0, 0 }, { 0, 65535 }, { 1, 65534 }, { 80, 80 }, { 1024, 65535 },
        { 1000, 1999 }, { 0, 1 }, { 65535, 65535 }, { 65534, 65535 },
        { 1, 1 }, { 0, 1023 }, { 32768, 32768 }, { 32767, 32768 },
        { 49152, 65535 }, { 6000, 6063 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(ranges); i++) {
        check_range(ranges[i][0], ranges[i][1]);
    }

    struct fc_prefix p[FC_MAX_PREFIXES];
    assert_int_equal(fc_range_to_prefixes(0, 65535, p), 1);
    assert_int_equal(p[0].mask, 0);
    assert_int_equal(fc_range_to_prefixes(80, 80, p), 1);
    assert_int_equal(p[0].value, 80);
    assert_int_equal(p[0].mask, 0xffff);
    assert_int_equal(fc_range_to_prefixes(1, 65534, p), 30);
    assert_int_equal(fc_range_to_prefixes(1024, 65535, p), 6);
}

static void
test_range_random(void **state OVS_UNUSED)
{
    random_set_seed(0x746d);
    for (int i = 0; i < 60; i++) {
        uint16_t a = random_uint32();
        uint16_t b = i % 3 ? a + random_range(2000) : random_uint32();
        if (a > b) {
            uint16_t t = a;
            a = b;
            b = t;
        }
        check_range(a, b);
    }
}

/* Returns a rule that accepts everything in direction ingress. */
static struct tm_rule
rule_any(void)
{
    struct tm_rule r = {
        .direction = "ingress",
        .rule_number = 100,
        .action = "accept",
    };
    return r;
}

/* Sets the source ('src') or destination port range of 'r'. */
static void
rule_ports(struct tm_rule *r, bool src, int64_t from, int64_t to)
{
    if (src) {
        r->has_source_port_from = r->has_source_port_to = true;
        r->source_port_from = from;
        r->source_port_to = to;
    } else {
        r->has_destination_port_from = r->has_destination_port_to = true;
        r->destination_port_from = from;
        r->destination_port_to = to;
    }
}

/* Sets the protocol of 'r'. */
static void
rule_proto(struct tm_rule *r, int64_t protocol)
{
    r->has_protocol = true;
    r->protocol = protocol;
}

/* Compiles 'r' (which must be valid) into 'out' with conjunction id 7. */
static void
compile_ok(const struct tm_rule *r, struct fc_result *out)
{
    fc_result_init(out);
    char *error = fc_compile_rule(r, 7, out);
    if (error) {
        print_error("unexpected error: %s\n", error);
        free(error);
        fail();
    }
}

/* Asserts that 'r' compiles to exactly the plain matches in 'expected'
 * (ovs-ofctl syntax, in order), NULL-terminated. */
static void
check_plain(const struct tm_rule *r, const char *const *expected)
{
    struct fc_result out;
    compile_ok(r, &out);

    size_t n = 0;
    while (expected[n]) {
        n++;
    }
    assert_int_equal(out.n, n);
    for (size_t i = 0; i < n; i++) {
        char *s = match_to_string(&out.flows[i].match, NULL,
                                  OFP_DEFAULT_PRIORITY);
        assert_int_equal(out.flows[i].kind, FC_PLAIN);
        assert_string_equal(s, expected[i]);
        free(s);
    }
    fc_result_destroy(&out);
}

static void
test_compile_families(void **state OVS_UNUSED)
{
    struct tm_rule r = rule_any();
    check_plain(&r, (const char *[]) { "", NULL });

    r.source_cidr = "10.0.0.0/8";
    check_plain(&r, (const char *[]) { "ip,nw_src=10.0.0.0/8", NULL });

    r.destination_cidr = "192.168.1.7/32";
    check_plain(&r, (const char *[]) {
        "ip,nw_src=10.0.0.0/8,nw_dst=192.168.1.7", NULL });

    r = rule_any();
    r.destination_cidr = "2001:db8::/32";
    check_plain(&r, (const char *[]) { "ipv6,ipv6_dst=2001:db8::/32",
                                       NULL });

    r = rule_any();
    r.source_cidr = "0.0.0.0/0";
    check_plain(&r, (const char *[]) { "ip", NULL });
    r.source_cidr = "::/0";
    check_plain(&r, (const char *[]) { "ipv6", NULL });

    /* A protocol without a CIDR: both families. */
    r = rule_any();
    rule_proto(&r, 6);
    check_plain(&r, (const char *[]) { "tcp", "tcp6", NULL });
    rule_proto(&r, 47);
    check_plain(&r, (const char *[]) { "ip,nw_proto=47", "ipv6,nw_proto=47",
                                       NULL });
    rule_proto(&r, 0);
    check_plain(&r, (const char *[]) { "ip,nw_proto=0", "ipv6,nw_proto=0",
                                       NULL });
    r.source_cidr = "fe80::/10";
    rule_proto(&r, 17);
    check_plain(&r, (const char *[]) { "udp6,ipv6_src=fe80::/10", NULL });
}

static void
test_compile_icmp(void **state OVS_UNUSED)
{
    struct tm_rule r = rule_any();
    rule_proto(&r, 1);
    check_plain(&r, (const char *[]) { "icmp", NULL });
    r.source_cidr = "10.1.0.0/16";
    check_plain(&r, (const char *[]) { "icmp,nw_src=10.1.0.0/16", NULL });

    r = rule_any();
    rule_proto(&r, 58);
    check_plain(&r, (const char *[]) { "icmp6", NULL });
    r.destination_cidr = "2001:db8::1";
    check_plain(&r, (const char *[]) { "icmp6,ipv6_dst=2001:db8::1", NULL });

    /* ICMP with an IPv6 CIDR is refused (by validation). */
    r = rule_any();
    rule_proto(&r, 1);
    r.source_cidr = "2001:db8::/32";
    struct fc_result out;
    fc_result_init(&out);
    char *error = fc_compile_rule(&r, 7, &out);
    assert_non_null(error);
    assert_int_equal(out.n, 0);
    free(error);
    fc_result_destroy(&out);
}

static void
test_compile_ports(void **state OVS_UNUSED)
{
    struct tm_rule r = rule_any();
    rule_proto(&r, 6);
    r.source_cidr = "10.0.0.0/8";
    rule_ports(&r, false, 80, 80);
    check_plain(&r, (const char *[]) { "tcp,nw_src=10.0.0.0/8,tp_dst=80",
                                       NULL });

    /* SCTP, a range of 4 prefixes on the source and one destination port. */
    r = rule_any();
    rule_proto(&r, 132);
    r.destination_cidr = "10.0.0.1";
    rule_ports(&r, true, 1020, 1030);
    rule_ports(&r, false, 5000, 5000);
    check_plain(&r, (const char *[]) {
        "sctp,nw_dst=10.0.0.1,tp_src=0x3fc/0xfffc,tp_dst=5000",
        "sctp,nw_dst=10.0.0.1,tp_src=0x400/0xfffc,tp_dst=5000",
        "sctp,nw_dst=10.0.0.1,tp_src=0x404/0xfffe,tp_dst=5000",
        "sctp,nw_dst=10.0.0.1,tp_src=1030,tp_dst=5000",
        NULL });

    /* A full range adds nothing. */
    r = rule_any();
    rule_proto(&r, 17);
    rule_ports(&r, true, 0, 65535);
    rule_ports(&r, false, 53, 53);
    check_plain(&r, (const char *[]) { "udp,tp_dst=53", "udp6,tp_dst=53",
                                       NULL });
}

/* Counts the flows of 'out' of each kind. */
static void
count_kinds(const struct fc_result *out, size_t *plain, size_t *clause0,
            size_t *clause1, size_t *final)
{
    *plain = *clause0 = *clause1 = *final = 0;
    for (size_t i = 0; i < out->n; i++) {
        const struct fc_flow *f = &out->flows[i];
        switch (f->kind) {
        case FC_PLAIN:
            (*plain)++;
            break;
        case FC_CONJ_CLAUSE:
            assert_int_equal(f->conj_id, 7);
            assert_int_equal(f->n_clauses, 2);
            (*(f->clause ? clause1 : clause0))++;
            break;
        case FC_CONJ_FINAL:
            assert_int_equal(f->conj_id, 7);
            (*final)++;
            break;
        }
    }
}

static void
test_compile_conjunction(void **state OVS_UNUSED)
{
    struct fc_prefix p[FC_MAX_PREFIXES];
    size_t n_src = fc_range_to_prefixes(1000, 1999, p);
    size_t n_dst = fc_range_to_prefixes(1, 65534, p);
    struct tm_rule r = rule_any();
    struct fc_result out;
    size_t plain, c0, c1, final;

    /* Both ranges need several prefixes: p1 + p2 + 1 flows. */
    rule_proto(&r, 6);
    r.source_cidr = "10.0.0.0/8";
    rule_ports(&r, true, 1000, 1999);
    rule_ports(&r, false, 1, 65534);
    assert_true(fc_rule_needs_conjunction(&r));
    compile_ok(&r, &out);
    count_kinds(&out, &plain, &c0, &c1, &final);
    assert_int_equal(plain, 0);
    assert_int_equal(c0, n_src);
    assert_int_equal(c1, n_dst);
    assert_int_equal(final, 1);
    assert_int_equal(out.n, n_src + n_dst + 1);
    char *s = match_to_string(&out.flows[out.n - 1].match, NULL,
                              OFP_DEFAULT_PRIORITY);
    assert_string_equal(s, "conj_id=7");
    free(s);
    fc_result_destroy(&out);

    /* Without a CIDR: both families share the id, 2 * (p1 + p2) + 1. */
    r.source_cidr = NULL;
    compile_ok(&r, &out);
    count_kinds(&out, &plain, &c0, &c1, &final);
    assert_int_equal(c0, 2 * n_src);
    assert_int_equal(c1, 2 * n_dst);
    assert_int_equal(final, 1);
    fc_result_destroy(&out);

    /* A conjunction needs an id. */
    fc_result_init(&out);
    char *error = fc_compile_rule(&r, 0, &out);
    assert_non_null(error);
    assert_int_equal(out.n, 0);
    free(error);
    fc_result_destroy(&out);

    /* One range with one prefix: plain flows, max(p1, p2) of them. */
    rule_ports(&r, false, 443, 443);
    r.source_cidr = "10.0.0.0/8";
    assert_false(fc_rule_needs_conjunction(&r));
    compile_ok(&r, &out);
    count_kinds(&out, &plain, &c0, &c1, &final);
    assert_int_equal(plain, n_src);
    assert_int_equal(out.n, n_src);
    fc_result_destroy(&out);

    /* Source range only. */
    r.has_destination_port_from = r.has_destination_port_to = false;
    assert_false(fc_rule_needs_conjunction(&r));
    compile_ok(&r, &out);
    assert_int_equal(out.n, n_src);
    fc_result_destroy(&out);
}

/* True if 'flow' matches 'match'. */
static bool
flow_matches(const struct match *match, const struct flow *flow)
{
    const uint64_t *f = (const uint64_t *) flow;
    const uint64_t *m = (const uint64_t *) &match->wc.masks;
    const uint64_t *v = (const uint64_t *) &match->flow;
    for (size_t i = 0; i < sizeof *flow / sizeof *f; i++) {
        if ((f[i] & m[i]) != v[i]) {
            return false;
        }
    }
    return true;
}

/* True if the compiled flows 'out' select 'flow', following OVS's
 * semantics for conjunctions. */
static bool
compiled_matches(const struct fc_result *out, const struct flow *flow)
{
    bool clause[3] = { false, false, false };
    size_t n_clauses = 0;
    for (size_t i = 0; i < out->n; i++) {
        const struct fc_flow *f = &out->flows[i];
        if (f->kind == FC_PLAIN && flow_matches(&f->match, flow)) {
            return true;
        } else if (f->kind == FC_CONJ_CLAUSE) {
            assert_true(f->clause < f->n_clauses && f->n_clauses <= 3);
            n_clauses = f->n_clauses;
            if (flow_matches(&f->match, flow)) {
                clause[f->clause] = true;
            }
        }
    }
    for (size_t i = 0; i < n_clauses; i++) {
        if (!clause[i]) {
            return false;
        }
    }
    return n_clauses > 0;
}

/* Returns an IPv4 TCP or UDP (or, if 'v6', IPv6) flow with the given
 * ports. */
static struct flow
make_flow(bool v6, uint8_t proto, uint16_t sport, uint16_t dport)
{
    struct flow flow;
    memset(&flow, 0, sizeof flow);
    flow.dl_type = htons(v6 ? ETH_TYPE_IPV6 : ETH_TYPE_IP);
    flow.nw_proto = proto;
    if (v6) {
        inet_pton(AF_INET6, "2001:db8::5", &flow.ipv6_src);
        inet_pton(AF_INET6, "2001:db8::6", &flow.ipv6_dst);
    } else {
        flow.nw_src = htonl(0x0a000005);
        flow.nw_dst = htonl(0x0a000006);
    }
    flow.tp_src = htons(sport);
    flow.tp_dst = htons(dport);
    return flow;
}

/* Compiles rules with random port ranges and checks, on the range edges and
 * on random ports, that the flows select a packet iff the rule does. */
static void
test_compile_semantics(void **state OVS_UNUSED)
{
    random_set_seed(42);
    for (int i = 0; i < 40; i++) {
        uint16_t s0 = random_range(60000), s1 = s0 + random_range(5000);
        uint16_t d0 = random_range(60000), d1 = d0 + random_range(5000);
        uint8_t proto = i % 3 == 0 ? 6 : i % 3 == 1 ? 17 : 132;
        struct tm_rule r = rule_any();
        rule_proto(&r, proto);
        rule_ports(&r, true, s0, s1);
        rule_ports(&r, false, d0, d1);

        struct fc_result out;
        compile_ok(&r, &out);
        uint16_t sports[] = { s0 - 1, s0, s1, s1 + 1, random_uint32() };
        uint16_t dports[] = { d0 - 1, d0, d1, d1 + 1, random_uint32() };
        for (size_t a = 0; a < ARRAY_SIZE(sports); a++) {
            for (size_t b = 0; b < ARRAY_SIZE(dports); b++) {
                bool want = (sports[a] >= s0 && sports[a] <= s1
                             && dports[b] >= d0 && dports[b] <= d1);
                for (int v6 = 0; v6 < 2; v6++) {
                    struct flow f = make_flow(v6, proto, sports[a],
                                              dports[b]);
                    assert_int_equal(compiled_matches(&out, &f), want);
                    f.nw_proto = proto == 6 ? 17 : 6;
                    assert_false(compiled_matches(&out, &f));
                }
            }
        }
        fc_result_destroy(&out);
    }
}

/* VLAN sets become vlan_tci prefixes that require a tag (the CFI bit). */
static void
test_compile_vlan(void **state OVS_UNUSED)
{
    struct tm_rule r = rule_any();
    r.vlan = "9";
    check_plain(&r, (const char *[]) { "dl_vlan=9", NULL });

    r.vlan = "";
    check_plain(&r, (const char *[]) { "", NULL });

    /* 18-27 is 18-19, 20-23, 24-27; the order of the items does not
     * matter. */
    r.vlan = "18-27,9";
    check_plain(&r, (const char *[]) {
        "dl_vlan=9",
        "vlan_tci=0x1012/0x1ffe",
        "vlan_tci=0x1014/0x1ffc",
        "vlan_tci=0x1018/0x1ffc",
        NULL });

    /* With the rest of a rule. */
    r.vlan = "100";
    rule_proto(&r, 17);
    r.destination_cidr = "10.0.0.0/8";
    rule_ports(&r, false, 53, 53);
    check_plain(&r, (const char *[]) {
        "udp,dl_vlan=100,nw_dst=10.0.0.0/8,tp_dst=53", NULL });

    /* An invalid set is refused with the field and the value. */
    r.vlan = "4095";
    struct fc_result out;
    fc_result_init(&out);
    char *error = fc_compile_rule(&r, 7, &out);
    assert_string_equal(error, "vlan: 4095 is not a VLAN id (1 to 4094)");
    assert_int_equal(out.n, 0);
    free(error);
    fc_result_destroy(&out);
}

/* A VLAN set that needs several prefixes is one more conjunction clause:
 * with one multi-prefix port range, two clauses; with two, three. */
static void
test_compile_vlan_conjunction(void **state OVS_UNUSED)
{
    struct tm_rule r = rule_any();
    struct fc_result out;
    rule_proto(&r, 6);
    r.source_cidr = "10.0.0.0/8";
    r.vlan = "18-27";                           /* 3 prefixes. */
    rule_ports(&r, false, 1000, 1999);
    struct fc_prefix p[FC_MAX_PREFIXES];
    size_t n_dst = fc_range_to_prefixes(1000, 1999, p);
    size_t n_src = fc_range_to_prefixes(1, 65534, p);

    assert_true(fc_rule_needs_conjunction(&r));
    compile_ok(&r, &out);
    size_t counts[3] = { 0, 0, 0 }, final = 0;
    for (size_t i = 0; i < out.n; i++) {
        const struct fc_flow *f = &out.flows[i];
        if (f->kind == FC_CONJ_CLAUSE) {
            assert_int_equal(f->n_clauses, 2);
            counts[f->clause]++;
        } else {
            assert_int_equal(f->kind, FC_CONJ_FINAL);
            final++;
        }
    }
    assert_int_equal(counts[0], 3);
    assert_int_equal(counts[1], n_dst);
    assert_int_equal(final, 1);
    fc_result_destroy(&out);

    rule_ports(&r, true, 1, 65534);
    compile_ok(&r, &out);
    memset(counts, 0, sizeof counts);
    for (size_t i = 0; i < out.n; i++) {
        const struct fc_flow *f = &out.flows[i];
        if (f->kind == FC_CONJ_CLAUSE) {
            assert_int_equal(f->n_clauses, 3);
            counts[f->clause]++;
        }
    }
    assert_int_equal(counts[0], 3);
    assert_int_equal(counts[1], n_src);
    assert_int_equal(counts[2], n_dst);
    assert_int_equal(out.n, 3 + n_src + n_dst + 1);
    fc_result_destroy(&out);

    /* One VLAN and two multi-prefix ranges: the VLAN is in every clause
     * flow, two clauses. */
    r.vlan = "7";
    compile_ok(&r, &out);
    for (size_t i = 0; i < out.n; i++) {
        const struct fc_flow *f = &out.flows[i];
        if (f->kind == FC_CONJ_CLAUSE) {
            assert_int_equal(f->n_clauses, 2);
            assert_int_equal(ntohs(f->match.flow.vlans[0].tci),
                             VLAN_CFI | 7);
        }
    }
    fc_result_destroy(&out);
}

/* Compiles random VLAN sets (with port ranges) and checks, for every VLAN
 * id and for untagged frames, that the flows select a packet iff the rule
 * does. */
static void
test_compile_vlan_semantics(void **state OVS_UNUSED)
{
    random_set_seed(7);
    for (int i = 0; i < 20; i++) {
        bool in_set[4096] = { false };
        struct ds text = DS_EMPTY_INITIALIZER;
        int next = 1 + random_range(200);
        for (int k = 0; k < 4 && next <= 4094; k++) {
            int to = MIN(4094, next + (k % 2 ? random_range(300) : 0));
            ds_put_format(&text, "%s%d", k ? "," : "", next);
            if (to != next) {
                ds_put_format(&text, "-%d", to);
            }
            for (int v = next; v <= to; v++) {
                in_set[v] = true;
            }
            next = to + 2 + random_range(500);
        }
        struct tm_rule r = rule_any();
        r.vlan = ds_cstr(&text);
        uint16_t d0 = 1000 + random_range(1000), d1 = d0 + 777;
        if (i % 2) {
            rule_proto(&r, 6);
            rule_ports(&r, false, d0, d1);
        }

        struct fc_result out;
        compile_ok(&r, &out);
        for (int vid = -1; vid < 4096; vid++) {
            struct flow f = make_flow(false, 6, 5, d0);
            f.vlans[0].tci = vid < 0 ? 0 : htons(VLAN_CFI | vid);
            assert_int_equal(compiled_matches(&out, &f), vid >= 0
                             && in_set[vid]);
            if (i % 2) {
                f.tp_dst = htons(d1 + 1);
                assert_false(compiled_matches(&out, &f));
            }
        }
        fc_result_destroy(&out);
        ds_destroy(&text);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_fixed),
        cmocka_unit_test(test_range_random),
        cmocka_unit_test(test_compile_families),
        cmocka_unit_test(test_compile_icmp),
        cmocka_unit_test(test_compile_ports),
        cmocka_unit_test(test_compile_conjunction),
        cmocka_unit_test(test_compile_semantics),
        cmocka_unit_test(test_compile_vlan),
        cmocka_unit_test(test_compile_vlan_conjunction),
        cmocka_unit_test(test_compile_vlan_semantics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
