/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Unit tests for include/tmirror/validate.h (lib/validate.c). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tmirror/validate.h"
#include "tmirror/vlan-set.h"
#include "util.h"

/* Asserts that 'error' is NULL, printing it otherwise. */
static void
check_ok(char *error)
{
    if (error) {
        print_error("unexpected error: %s\n", error);
        free(error);
        fail();
    }
}

/* Asserts that 'error' is exactly 'expected', then frees it. */
static void
check_err(char *error, const char *expected)
{
    assert_non_null(error);
    assert_string_equal(error, expected);
    free(error);
}

/* Asserts that 'error' is nonnull, then frees it. */
static void
check_fails(char *error)
{
    assert_non_null(error);
    free(error);
}

static void
test_parse_int(void **state)
{
    (void) state;
    int64_t v = 7;

    check_ok(tm_parse_int("rule_number", "1", 1, 32766, &v));
    assert_int_equal(v, 1);
    check_ok(tm_parse_int("rule_number", "32766", 1, 32766, &v));
    assert_int_equal(v, 32766);
    check_err(tm_parse_int("rule_number", "0", 1, 32766, &v),
              "rule_number: 0 is out of range (1 to 32766)");
    check_err(tm_parse_int("rule_number", "32767", 1, 32766, &v),
              "rule_number: 32767 is out of range (1 to 32766)");
    check_err(tm_parse_int("rule_number", "40000", 1, 32766, &v),
              "rule_number: 40000 is out of range (1 to 32766)");
    assert_int_equal(v, 32766);     /* Unchanged on error. */
    check_err(tm_parse_int("rule_number", "12a", 1, 32766, &v),
              "rule_number: 12a is not an integer (expected 1 to 32766)");
    check_fails(tm_parse_int("rule_number", " 12", 1, 32766, &v));
    check_fails(tm_parse_int("rule_number", "+12", 1, 32766, &v));
    check_fails(tm_parse_int("rule_number", "0x10", 1, 32766, &v));
    check_err(tm_parse_int("rule_number", "", 1, 32766, &v),
              "rule_number: missing value (expected an integer from 1 to "
              "32766)");
    check_fails(tm_parse_int("rule_number", NULL, 1, 32766, &v));
    check_err(tm_parse_int("vni", "-1", 0, 16777215, &v),
              "vni: -1 is out of range (0 to 16777215)");
    check_ok(tm_parse_int("vni", "16777215", 0, 16777215, &v));
    assert_int_equal(v, 16777215);
    check_err(tm_parse_int("vni", "16777216", 0, 16777215, &v),
              "vni: 16777216 is out of range (0 to 16777215)");
    check_fails(tm_parse_int("vni", "99999999999999999999999", 0, 16777215,
                             &v));
    check_ok(tm_parse_int("vni", "0", 0, 16777215, &v));
    assert_int_equal(v, 0);
}

static void
test_check_int(void **state)
{
    (void) state;
    check_ok(tm_check_int("packet_length", 1, 1, 65535));
    check_ok(tm_check_int("packet_length", 65535, 1, 65535));
    check_err(tm_check_int("packet_length", 0, 1, 65535),
              "packet_length: 0 is out of range (1 to 65535)");
    check_err(tm_check_int("packet_length", 65536, 1, 65535),
              "packet_length: 65536 is out of range (1 to 65535)");
}

static void
test_protocol(void **state)
{
    (void) state;
    int64_t p = -1;

    check_ok(tm_parse_protocol("protocol", "tcp", &p));
    assert_int_equal(p, 6);
    check_ok(tm_parse_protocol("protocol", "udp", &p));
    assert_int_equal(p, 17);
    check_ok(tm_parse_protocol("protocol", "icmp", &p));
    assert_int_equal(p, 1);
    check_ok(tm_parse_protocol("protocol", "icmpv6", &p));
    assert_int_equal(p, 58);
    check_ok(tm_parse_protocol("protocol", "sctp", &p));
    assert_int_equal(p, 132);
    check_ok(tm_parse_protocol("protocol", "TCP", &p));
    assert_int_equal(p, 6);
    check_ok(tm_parse_protocol("protocol", "0", &p));
    assert_int_equal(p, 0);
    check_ok(tm_parse_protocol("protocol", "255", &p));
    assert_int_equal(p, 255);
    check_err(tm_parse_protocol("protocol", "256", &p),
              "protocol: 256 is out of range (0 to 255)");
    assert_int_equal(p, 255);
    check_err(tm_parse_protocol("protocol", "-1", &p),
              "protocol: -1 is out of range (0 to 255)");
    check_err(tm_parse_protocol("protocol", "http", &p),
              "protocol: http is not a protocol (expected tcp, udp, icmp, "
              "icmpv6, sctp or a number from 0 to 255)");
    check_fails(tm_parse_protocol("protocol", "", &p));

    assert_string_equal(tm_protocol_name(6), "tcp");
    assert_string_equal(tm_protocol_name(58), "icmpv6");
    assert_null(tm_protocol_name(47));
    assert_true(tm_protocol_has_ports(6));
    assert_true(tm_protocol_has_ports(17));
    assert_true(tm_protocol_has_ports(132));
    assert_false(tm_protocol_has_ports(1));
    assert_false(tm_protocol_has_ports(58));
    assert_false(tm_protocol_has_ports(0));
}

static void
test_port_range(void **state)
{
    (void) state;
    int64_t from = -1, to = -1;

    check_ok(tm_parse_port_range("src-port", "80", &from, &to));
    assert_int_equal(from, 80);
    assert_int_equal(to, 80);
    check_ok(tm_parse_port_range("src-port", "0-65535", &from, &to));
    assert_int_equal(from, 0);
    assert_int_equal(to, 65535);
    check_ok(tm_parse_port_range("src-port", "1000-1000", &from, &to));
    assert_int_equal(from, 1000);
    assert_int_equal(to, 1000);
    check_err(tm_parse_port_range("src-port", "65536", &from, &to),
              "src-port: 65536 is out of range (0 to 65535)");
    check_err(tm_parse_port_range("src-port", "1-65536", &from, &to),
              "src-port: 65536 is out of range (0 to 65535)");
    check_err(tm_parse_port_range("src-port", "90-80", &from, &to),
              "src-port: 90-80 is not a valid range (90 is greater than 80)");
    assert_int_equal(from, 1000);
    assert_int_equal(to, 1000);
    check_err(tm_parse_port_range("src-port", "http", &from, &to),
              "src-port: http is not a port or a port range (expected N or "
              "N-M, 0 to 65535)");
    check_fails(tm_parse_port_range("src-port", "-80", &from, &to));
    check_fails(tm_parse_port_range("src-port", "80-", &from, &to));
    check_fails(tm_parse_port_range("src-port", "1-2-3", &from, &to));
    check_fails(tm_parse_port_range("src-port", "1--2", &from, &to));
    check_fails(tm_parse_port_range("src-port", "", &from, &to));
}

/* Parses 's' and asserts that it formats back as 'expected'. */
static void
check_cidr(const char *s, int family, const char *expected)
{
    struct tm_cidr cidr;
    check_ok(tm_parse_cidr("source_cidr", s, &cidr));
    assert_int_equal(cidr.family, family);
    char *text = tm_cidr_to_string(&cidr);
    assert_string_equal(text, expected);
    free(text);
}

static void
test_cidr(void **state)
{
    (void) state;
    struct tm_cidr cidr;

    check_cidr("10.0.0.0/8", AF_INET, "10.0.0.0/8");
    check_cidr("10.1.2.3", AF_INET, "10.1.2.3/32");
    check_cidr("10.1.2.3/32", AF_INET, "10.1.2.3/32");
    check_cidr("0.0.0.0/0", AF_INET, "0.0.0.0/0");
    check_cidr("2001:db8::/32", AF_INET6, "2001:db8::/32");
    check_cidr("2001:DB8:0::/48", AF_INET6, "2001:db8::/48");
    check_cidr("::/0", AF_INET6, "::/0");
    check_cidr("fe80::1", AF_INET6, "fe80::1/128");

    check_err(tm_parse_cidr("source_cidr", "10.0.0.1/8", &cidr),
              "source_cidr: 10.0.0.1/8 has host bits set (did you mean "
              "10.0.0.0/8?)");
    check_err(tm_parse_cidr("destination_cidr", "2001:db8::1/32", &cidr),
              "destination_cidr: 2001:db8::1/32 has host bits set (did you "
              "mean 2001:db8::/32?)");
    check_err(tm_parse_cidr("source_cidr", "10.0.0.0/33", &cidr),
              "source_cidr: 10.0.0.0/33 has an invalid prefix length "
              "(expected 0 to 32)");
    check_err(tm_parse_cidr("source_cidr", "::/129", &cidr),
              "source_cidr: ::/129 has an invalid prefix length (expected 0 "
              "to 128)");
    check_fails(tm_parse_cidr("source_cidr", "10.0.0.0/", &cidr));
    check_fails(tm_parse_cidr("source_cidr", "10.0.0.0/-1", &cidr));
    check_fails(tm_parse_cidr("source_cidr", "10.0.0.0/8x", &cidr));
    check_err(tm_parse_cidr("source_cidr", "10.0.0.256/32", &cidr),
              "source_cidr: 10.0.0.256/32 is not an IPv4 or IPv6 CIDR "
              "(expected A.B.C.D/N or X:X::X/N)");
    check_fails(tm_parse_cidr("source_cidr", "10.0.0/24", &cidr));
    check_fails(tm_parse_cidr("source_cidr", "example.com", &cidr));
    check_fails(tm_parse_cidr("source_cidr", "2001:db8:::/48", &cidr));
    check_fails(tm_parse_cidr("source_cidr", "", &cidr));
}

static void
test_parse_ip(void **state)
{
    (void) state;
    int family = 0;

    check_ok(tm_parse_ip("addresses", "192.0.2.1", &family));
    assert_int_equal(family, AF_INET);
    check_ok(tm_parse_ip("addresses", "2001:db8::7", &family));
    assert_int_equal(family, AF_INET6);
    check_ok(tm_parse_ip("addresses", "192.0.2.1", NULL));
    check_err(tm_parse_ip("addresses", "192.0.2.0/24", &family),
              "addresses: 192.0.2.0/24 is not an IPv4 or IPv6 address");
    assert_int_equal(family, AF_INET6);
    check_fails(tm_parse_ip("addresses", "host", &family));
    check_fails(tm_parse_ip("addresses", "", &family));
}

/* Returns a valid ingress accept rule with nothing else set. */
static struct tm_rule
base_rule(void)
{
    struct tm_rule r;
    memset(&r, 0, sizeof r);
    r.direction = "ingress";
    r.rule_number = 10;
    r.action = "accept";
    return r;
}

/* Sets source ports 'from'..'to' on 'r'. */
static void
set_src_ports(struct tm_rule *r, int64_t from, int64_t to)
{
    r->has_source_port_from = r->has_source_port_to = true;
    r->source_port_from = from;
    r->source_port_to = to;
}

static void
test_rule_basics(void **state)
{
    (void) state;
    struct tm_rule r = base_rule();
    check_ok(tm_rule_validate(&r));

    r.direction = "egress";
    check_ok(tm_rule_validate(&r));
    r.direction = "both";
    check_err(tm_rule_validate(&r), "direction: both is not ingress or egress");
    r = base_rule();
    r.action = "drop";
    check_err(tm_rule_validate(&r), "action: drop is not accept or reject");
    r.action = "reject";
    check_ok(tm_rule_validate(&r));

    r.rule_number = 0;
    check_err(tm_rule_validate(&r),
              "rule_number: 0 is out of range (1 to 32766)");
    r.rule_number = 32767;
    check_err(tm_rule_validate(&r),
              "rule_number: 32767 is out of range (1 to 32766)");
    r.rule_number = 32766;
    check_ok(tm_rule_validate(&r));

    r.has_protocol = true;
    r.protocol = 256;
    check_err(tm_rule_validate(&r), "protocol: 256 is out of range (0 to 255)");
    r.protocol = 0;
    check_ok(tm_rule_validate(&r));
}

/* VLAN sets: what is accepted, how it is parsed, and every refusal naming
 * the field and the value. */
static void
test_vlan_set(void **state)
{
    (void) state;
    struct tm_vlan_set set;

    check_ok(tm_parse_vlan_set("vlan", "100,18-27,9", &set));
    assert_int_equal(set.n, 3);
    assert_int_equal(set.ranges[0].from, 9);
    assert_int_equal(set.ranges[0].to, 9);
    assert_int_equal(set.ranges[1].from, 18);
    assert_int_equal(set.ranges[1].to, 27);
    assert_int_equal(set.ranges[2].from, 100);
    tm_vlan_set_destroy(&set);
    check_ok(tm_parse_vlan_set("vlan", "1-4094", &set));
    assert_int_equal(set.n, 1);
    assert_int_equal(set.ranges[0].to, 4094);
    tm_vlan_set_destroy(&set);

    check_err(tm_check_vlan_set("vlan", "0"),
              "vlan: 0 is not a VLAN id (1 to 4094)");
    check_err(tm_check_vlan_set("vlan", "9,4095"),
              "vlan: 4095 is not a VLAN id (1 to 4094)");
    check_err(tm_check_vlan_set("vlan", "4000-4096"),
              "vlan: 4096 is not a VLAN id (1 to 4094)");
    check_err(tm_check_vlan_set("vlan", "99999999999"),
              "vlan: \"99999999999\" is not a VLAN id or a range of them "
              "(expected, e.g., 9,18-27)");
    check_err(tm_check_vlan_set("vlan", "27-18"),
              "vlan: 27-18 is not a valid range (27 is greater than 18)");
    check_err(tm_check_vlan_set("vlan", "9,x"),
              "vlan: \"x\" is not a VLAN id or a range of them "
              "(expected, e.g., 9,18-27)");
    check_err(tm_check_vlan_set("vlan", "9, 10"),
              "vlan: \" 10\" is not a VLAN id or a range of them "
              "(expected, e.g., 9,18-27)");
    check_err(tm_check_vlan_set("vlan", "9,"),
              "vlan: \"\" is not a VLAN id or a range of them "
              "(expected, e.g., 9,18-27)");
    check_err(tm_check_vlan_set("vlan", "-5"),
              "vlan: \"-5\" is not a VLAN id or a range of them "
              "(expected, e.g., 9,18-27)");
    check_err(tm_check_vlan_set("vlan", "1-2-3"),
              "vlan: \"1-2-3\" is not a VLAN id or a range of them "
              "(expected, e.g., 9,18-27)");
    check_err(tm_check_vlan_set("vlan", "9,9"),
              "vlan: VLAN 9 is listed twice (in 9 and in 9)");
    check_err(tm_check_vlan_set("vlan", "18-27,20"),
              "vlan: VLAN 20 is listed twice (in 18-27 and in 20)");
    check_err(tm_check_vlan_set("vlan", "30-40,10-30"),
              "vlan: VLAN 30 is listed twice (in 10-30 and in 30-40)");
    check_err(tm_check_vlan_set("vlan", ""),
              "vlan: missing value (expected VLAN ids or ranges, e.g., "
              "9,18-27)");

    char *text = xmalloc(TM_VLAN_TEXT_MAX + 2);
    memset(text, '1', TM_VLAN_TEXT_MAX + 1);
    text[TM_VLAN_TEXT_MAX + 1] = '\0';
    check_err(tm_check_vlan_set("vlan", text),
              "vlan: 11111111111111111111... is 1025 characters long (at "
              "most 1024)");
    free(text);
}

/* A rule's vlan: unset and "" mean any; a bad set is refused by
 * tm_rule_validate() with the same message as tm_check_vlan_set(). */
static void
test_rule_vlan(void **state)
{
    (void) state;
    struct tm_rule r = base_rule();
    r.vlan = "";
    check_ok(tm_rule_validate(&r));
    r.vlan = "9,18-27";
    check_ok(tm_rule_validate(&r));
    r.vlan = "4095";
    check_err(tm_rule_validate(&r), "vlan: 4095 is not a VLAN id (1 to 4094)");
    r.vlan = "10,10";
    check_err(tm_rule_validate(&r),
              "vlan: VLAN 10 is listed twice (in 10 and in 10)");
}

static void
test_rule_cidrs(void **state)
{
    (void) state;
    struct tm_rule r = base_rule();

    r.source_cidr = "10.0.0.0/8";
    r.destination_cidr = "192.168.0.0/16";
    check_ok(tm_rule_validate(&r));
    r.source_cidr = "";
    r.destination_cidr = "2001:db8::/32";
    check_ok(tm_rule_validate(&r));
    r.source_cidr = "2001:db8:1::/48";
    check_ok(tm_rule_validate(&r));

    r.source_cidr = "10.0.0.0/8";
    check_err(tm_rule_validate(&r),
              "destination_cidr: 2001:db8::/32 is IPv6 but source_cidr "
              "10.0.0.0/8 is IPv4 (both must be of one family)");
    r.source_cidr = "10.0.0.1/8";
    r.destination_cidr = NULL;
    check_err(tm_rule_validate(&r),
              "source_cidr: 10.0.0.1/8 has host bits set (did you mean "
              "10.0.0.0/8?)");

    /* ICMP against the CIDR family. */
    r.source_cidr = "2001:db8::/32";
    r.has_protocol = true;
    r.protocol = 1;
    check_err(tm_rule_validate(&r),
              "protocol: icmp does not match source_cidr 2001:db8::/32 "
              "(IPv6); use icmpv6");
    r.protocol = 58;
    check_ok(tm_rule_validate(&r));
    r.source_cidr = NULL;
    r.destination_cidr = "10.0.0.0/8";
    check_err(tm_rule_validate(&r),
              "protocol: icmpv6 does not match destination_cidr 10.0.0.0/8 "
              "(IPv4); use icmp");
    r.protocol = 1;
    check_ok(tm_rule_validate(&r));
}

static void
test_rule_ports(void **state)
{
    (void) state;
    struct tm_rule r = base_rule();

    set_src_ports(&r, 80, 80);
    check_err(tm_rule_validate(&r),
              "source_port: 80 needs protocol tcp, udp or sctp (no "
              "protocol is set)");
    r.has_protocol = true;
    r.protocol = 1;
    check_err(tm_rule_validate(&r),
              "source_port: 80 needs protocol tcp, udp or sctp (protocol "
              "is icmp)");
    r.protocol = 47;
    check_err(tm_rule_validate(&r),
              "source_port: 80 needs protocol tcp, udp or sctp (protocol "
              "is 47)");
    r.protocol = 6;
    check_ok(tm_rule_validate(&r));
    set_src_ports(&r, 80, 90);
    r.protocol = 58;
    check_err(tm_rule_validate(&r),
              "source_port: 80-90 needs protocol tcp, udp or sctp (protocol "
              "is icmpv6)");
    r.protocol = 17;
    check_ok(tm_rule_validate(&r));
    r.protocol = 132;
    check_ok(tm_rule_validate(&r));

    set_src_ports(&r, 0, 65535);
    check_ok(tm_rule_validate(&r));
    set_src_ports(&r, 0, 65536);
    check_err(tm_rule_validate(&r),
              "source_port_to: 65536 is out of range (0 to 65535)");
    set_src_ports(&r, 90, 80);
    check_err(tm_rule_validate(&r),
              "source_port: 90-80 is not a valid range (90 is greater than "
              "80)");
    set_src_ports(&r, 80, 90);
    r.has_source_port_to = false;
    check_err(tm_rule_validate(&r),
              "source_port_from: 80 is set without source_port_to");

    r = base_rule();
    r.has_protocol = true;
    r.protocol = 6;
    r.has_destination_port_to = true;
    r.destination_port_to = 443;
    check_err(tm_rule_validate(&r),
              "destination_port_to: 443 is set without destination_port_from");
    r.has_destination_port_from = true;
    r.destination_port_from = 443;
    check_ok(tm_rule_validate(&r));
    r.destination_port_from = -1;
    check_err(tm_rule_validate(&r),
              "destination_port_from: -1 is out of range (0 to 65535)");
}

/* Returns an ip target with one address and no options. */
static struct tm_target
base_ip_target(const char *const *addresses, size_t n)
{
    struct tm_target t;
    memset(&t, 0, sizeof t);
    t.name = "t1";
    t.type = "ip";
    t.addresses = addresses;
    t.n_addresses = n;
    return t;
}

static void
test_target_port(void **state)
{
    (void) state;
    static const char *const addrs[] = { "192.0.2.1" };
    static const char *const keys[] = { "dst_port" };
    static const char *const values[] = { "4789" };
    struct tm_target t;

    memset(&t, 0, sizeof t);
    t.name = "tp";
    t.type = "port";
    t.port = "vm-tap-1";
    check_ok(tm_target_validate(&t));

    t.port = NULL;
    check_err(tm_target_validate(&t),
              "port: missing value (a port target needs an iface-id)");
    t.port = "vm-tap-1";
    t.addresses = addrs;
    t.n_addresses = 1;
    check_err(tm_target_validate(&t),
              "addresses: 192.0.2.1 is not allowed for a port target");
    t.n_addresses = 0;
    t.encap = "vxlan";
    check_err(tm_target_validate(&t),
              "encap: vxlan is not allowed for a port target");
    t.encap = NULL;
    t.option_keys = keys;
    t.option_values = values;
    t.n_options = 1;
    check_err(tm_target_validate(&t),
              "options: dst_port is not allowed for a port target");

    t.n_options = 0;
    t.type = "host";
    check_err(tm_target_validate(&t), "type: host is not port or ip");
    t.type = NULL;
    check_fails(tm_target_validate(&t));
    t.type = "port";
    t.name = "";
    check_fails(tm_target_validate(&t));
}

static void
test_target_ip(void **state)
{
    (void) state;
    static const char *const one[] = { "192.0.2.1" };
    static const char *const two[] = { "192.0.2.1", "2001:db8::1" };
    static const char *const dup[] = { "2001:db8::1", "2001:DB8::1" };
    static const char *const bad[] = { "192.0.2.1", "192.0.2.300" };
    struct tm_target t = base_ip_target(one, 1);

    check_ok(tm_target_validate(&t));
    t = base_ip_target(two, 2);
    check_ok(tm_target_validate(&t));
    t = base_ip_target(dup, 2);
    check_err(tm_target_validate(&t),
              "addresses: 2001:DB8::1 is listed more than once");
    t = base_ip_target(bad, 2);
    check_err(tm_target_validate(&t),
              "addresses: 192.0.2.300 is not an IPv4 or IPv6 address");
    t = base_ip_target(one, 0);
    check_err(tm_target_validate(&t),
              "addresses: missing value (an ip target needs at least one "
              "address)");
    t = base_ip_target(one, 1);
    t.port = "vm1";
    check_err(tm_target_validate(&t),
              "port: vm1 is not allowed for an ip target");

    t = base_ip_target(one, 1);
    t.encap = "geneve";
    check_ok(tm_target_validate(&t));
    t.encap = "gre";
    check_ok(tm_target_validate(&t));
    t.encap = "erspan";
    check_ok(tm_target_validate(&t));
    t.encap = "ipip";
    check_err(tm_target_validate(&t),
              "encap: ipip is not vxlan, geneve, gre or erspan");
    t.encap = "";
    check_err(tm_target_validate(&t),
              "encap: missing value (expected vxlan, geneve, gre or erspan; "
              "leave it out for vxlan)");

    assert_string_equal(tm_target_encap(NULL), "vxlan");
    assert_string_equal(tm_target_encap(""), "vxlan");
    assert_string_equal(tm_target_encap("gre"), "gre");
}

/* Checks that tm_parse_collector() refuses 'address' as 'why'. */
static void
check_not_collector(const char *address, const char *why)
{
    char *expected = xasprintf("addresses: %s is %s (expected the unicast "
                               "address of a collector)", address, why);
    check_err(tm_parse_collector("addresses", address), expected);
    free(expected);
}

static void
test_collector(void **state)
{
    (void) state;

    check_ok(tm_parse_collector("addresses", "192.0.2.1"));
    check_ok(tm_parse_collector("addresses", "10.255.255.255"));
    check_ok(tm_parse_collector("addresses", "1.0.0.0"));
    check_ok(tm_parse_collector("addresses", "126.255.255.255"));
    check_ok(tm_parse_collector("addresses", "128.0.0.1"));
    check_ok(tm_parse_collector("addresses", "223.255.255.255"));
    check_ok(tm_parse_collector("addresses", "169.254.1.1"));
    check_ok(tm_parse_collector("addresses", "2001:db8::1"));
    check_ok(tm_parse_collector("addresses", "fec0::1"));
    check_ok(tm_parse_collector("addresses", "::2"));

    check_not_collector("0.0.0.0", "the unspecified address");
    check_not_collector("0.1.2.3", "in 0.0.0.0/8 (\"this network\")");
    check_not_collector("127.0.0.1", "a loopback address");
    check_not_collector("127.255.255.254", "a loopback address");
    check_not_collector("224.0.0.1", "a multicast address");
    check_not_collector("239.255.255.255", "a multicast address");
    check_not_collector("255.255.255.255", "the broadcast address");
    check_not_collector("240.0.0.1", "in the reserved block 240.0.0.0/4");
    check_not_collector("::", "the unspecified address");
    check_not_collector("0::0", "the unspecified address");
    check_not_collector("::1", "the loopback address");
    check_not_collector("ff02::1", "a multicast address");
    check_not_collector("ff0e::1:2", "a multicast address");
    check_not_collector("fe80::1", "a link-local address, which a tunnel "
                        "cannot reach without naming an interface");
    check_not_collector("febf::1", "a link-local address, which a tunnel "
                        "cannot reach without naming an interface");
    check_err(tm_parse_collector("addresses", "::ffff:192.0.2.1"),
              "addresses: ::ffff:192.0.2.1 is not an IPv4 or IPv6 address");
    check_err(tm_parse_collector("addresses", "192.0.2.0/24"),
              "addresses: 192.0.2.0/24 is not an IPv4 or IPv6 address");

    /* A target refuses them too. */
    static const char *const lo[] = { "192.0.2.1", "127.0.0.1" };
    struct tm_target t = base_ip_target(lo, 2);
    check_err(tm_target_validate(&t),
              "addresses: 127.0.0.1 is a loopback address (expected the "
              "unicast address of a collector)");
}

/* Validates an ip target with 'encap' and one option 'key'='value'. */
static char *
validate_option(const char *encap, const char *key, const char *value)
{
    static const char *const one[] = { "192.0.2.1" };
    struct tm_target t = base_ip_target(one, 1);
    const char *keys[] = { key };
    const char *values[] = { value };

    t.encap = encap;
    t.option_keys = keys;
    t.option_values = values;
    t.n_options = 1;
    return tm_target_validate(&t);
}

static void
test_target_options(void **state)
{
    (void) state;

    check_ok(validate_option(NULL, "dst_port", "4790"));
    check_ok(validate_option("geneve", "dst_port", "1"));
    check_ok(validate_option("vxlan", "dst_port", "65535"));
    check_err(validate_option("vxlan", "dst_port", "0"),
              "options:dst_port: 0 is out of range (1 to 65535)");
    check_err(validate_option("vxlan", "dst_port", "65536"),
              "options:dst_port: 65536 is out of range (1 to 65535)");
    check_err(validate_option("gre", "dst_port", "4789"),
              "options:dst_port: 4789 is not supported with encap gre (only "
              "vxlan and geneve)");
    check_ok(validate_option("erspan", "erspan_ver", "1"));
    check_ok(validate_option("erspan", "erspan_ver", "2"));
    check_err(validate_option("erspan", "erspan_ver", "3"),
              "options:erspan_ver: 3 is out of range (1 to 2)");
    check_err(validate_option("vxlan", "erspan_ver", "1"),
              "options:erspan_ver: 1 is not supported with encap vxlan (only "
              "erspan)");
    check_err(validate_option("vxlan", "ttl", "5"),
              "options: ttl is not a known option (expected dst_port or "
              "erspan_ver)");
}

static void
test_session(void **state)
{
    (void) state;

    check_ok(tm_session_validate(1, -1, -1, NULL));
    check_ok(tm_session_validate(32766, 1, 1, "vxlan"));
    check_ok(tm_session_validate(5, 16777215, 65535, "geneve"));
    check_err(tm_session_validate(0, -1, -1, NULL),
              "session_number: 0 is out of range (1 to 32766)");
    check_err(tm_session_validate(32767, -1, -1, NULL),
              "session_number: 32767 is out of range (1 to 32766)");
    check_err(tm_session_validate(1, 16777216, -1, "vxlan"),
              "vni: 16777216 is out of range (1 to 16777215)");
    check_err(tm_session_validate(1, 0, -1, "vxlan"),
              "vni: 0 is out of range (1 to 16777215)");
    check_err(tm_session_validate(1, -1, 0, NULL),
              "packet_length: 0 is out of range (1 to 65535)");
    check_err(tm_session_validate(1, -1, 65536, NULL),
              "packet_length: 65536 is out of range (1 to 65535)");

    check_ok(tm_session_validate(1, 1023, -1, "erspan"));
    check_err(tm_session_validate(1, 1024, -1, "erspan"),
              "vni: 1024 is too large for an erspan target (1 to 1023: the "
              "ERSPAN session id has 10 bits)");
    check_ok(tm_session_validate(1, 1024, -1, "gre"));
    check_ok(tm_session_validate(1, 1024, -1, NULL));
}

/* A sorted array of used VNIs, for tm_vni_choose(). */
struct used_vnis {
    const int64_t *values;
    size_t n;
};

/* qsort() and bsearch() comparison of int64_t values. */
static int
compare_int64(const void *a_, const void *b_)
{
    int64_t a = *(const int64_t *) a_;
    int64_t b = *(const int64_t *) b_;
    return a < b ? -1 : a > b;
}

/* tm_vni_choose() callback over a struct used_vnis. */
static bool
vni_in_array(int64_t vni, const void *used_)
{
    const struct used_vnis *used = used_;
    return used->n && bsearch(&vni, used->values, used->n,
                              sizeof *used->values, compare_int64);
}

/* Picks a VNI with 'n' sorted 'values' in use. */
static char *
choose(const int64_t *values, size_t n, bool erspan, uint32_t seed,
       int64_t *vni)
{
    struct used_vnis used = { values, n };
    return tm_vni_choose(vni_in_array, &used, erspan, seed, vni);
}

static void
test_vni_choose(void **state)
{
    (void) state;
    int64_t vni = -1;

    /* Nothing used: any value in range, never 0. */
    for (uint32_t seed = 0; seed < 100; seed++) {
        check_ok(choose(NULL, 0, false, seed, &vni));
        assert_in_range(vni, 1, 16777215);
        check_ok(choose(NULL, 0, true, seed, &vni));
        assert_in_range(vni, 1, 1023);
    }

    /* Deterministic for one seed, different for different seeds; skips
     * used values. */
    int64_t first, other;
    check_ok(choose(NULL, 0, false, 42, &first));
    check_ok(choose(NULL, 0, false, 42, &vni));
    assert_int_equal(vni, first);
    check_ok(choose(NULL, 0, false, 43, &other));
    assert_true(other != first);
    check_ok(choose(NULL, 0, true, 42, &first));
    int64_t used[] = { first, first == 1023 ? 1 : first + 1, 5000 };
    qsort(used, 3, sizeof *used, compare_int64);
    check_ok(choose(used, 3, true, 42, &vni));
    assert_true(vni != used[0] && vni != used[1] && vni != used[2]);
    assert_in_range(vni, 1, 1023);

    /* ERSPAN: all of 1..1023 used but one: the walk finds it. */
    int64_t *all = malloc(1024 * sizeof *all);
    size_t n = 0;
    for (int64_t v = 1; v <= 1023; v++) {
        if (v != 700) {
            all[n++] = v;
        }
    }
    for (uint32_t seed = 0; seed < 20; seed++) {
        check_ok(choose(all, n, true, seed, &vni));
        assert_int_equal(vni, 700);
    }
    /* Exhausted. */
    all[n++] = 700;
    qsort(all, n, sizeof *all, compare_int64);
    vni = -5;
    check_err(choose(all, n, true, 3, &vni),
              "vni: every value from 1 to 1023 is in use (erspan targets "
              "need a VNI of at most 1023)");
    assert_int_equal(vni, -5);
    /* Values above 1023 do not help an ERSPAN session, but the full range
     * still has room. */
    check_ok(choose(all, n, false, 3, &vni));
    assert_in_range(vni, 1024, 16777215);
    free(all);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_int),
        cmocka_unit_test(test_check_int),
        cmocka_unit_test(test_protocol),
        cmocka_unit_test(test_port_range),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_parse_ip),
        cmocka_unit_test(test_rule_basics),
        cmocka_unit_test(test_rule_cidrs),
        cmocka_unit_test(test_rule_ports),
        cmocka_unit_test(test_target_port),
        cmocka_unit_test(test_target_ip),
        cmocka_unit_test(test_collector),
        cmocka_unit_test(test_target_options),
        cmocka_unit_test(test_session),
        cmocka_unit_test(test_vni_choose),
        cmocka_unit_test(test_vlan_set),
        cmocka_unit_test(test_rule_vlan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
