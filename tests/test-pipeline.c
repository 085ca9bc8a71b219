/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Unit tests for controller/pipeline.h: the mirror bridge's flow table for
 * given sources, sessions, rules and targets, checked on its ovs-ofctl
 * text.
 *
 * With TM_PIPELINE_DUMP=NAME in the environment, the flows of scenario NAME
 * are printed in ovs-ofctl add-flows syntax (and its groups in add-groups
 * syntax, after a line "--groups--") instead of running the tests, for
 * checking them against a real ovs-vswitchd. */

#include <config.h>

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "controller/flow-table.h"
#include "controller/pipeline.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"
#include "uuid.h"

/* Ports on br-mirror in these tests. */
#define SRC_IN 10               /* vm1's ingress copies. */
#define SRC_OUT 11              /* vm1's egress copies. */
#define SRC2_OUT 12             /* vm2's egress copies. */
#define APP 20                  /* An appliance port. */
#define VXLAN 30                /* Flow-based tunnel ports. */
#define GENEVE 31
#define GRE 32
#define ERSPAN 33

#define COOKIE_ACCEPT(KEY) "cookie=0x746d0100000000" KEY
#define COOKIE_OTHER(KEY) "cookie=0x746d0200000000" KEY

/* Returns a rule. */
static struct tm_rule
rule(const char *direction, int64_t number, const char *action)
{
    struct tm_rule r = {
        .direction = direction,
        .rule_number = number,
        .action = action,
    };
    return r;
}

/* Sets the protocol and destination port range of 'r'. */
static void
rule_dport(struct tm_rule *r, int64_t proto, int64_t from, int64_t to)
{
    r->has_protocol = true;
    r->protocol = proto;
    r->has_destination_port_from = r->has_destination_port_to = true;
    r->destination_port_from = from;
    r->destination_port_to = to;
}

/* Sets the source port range of 'r'. */
static void
rule_sport(struct tm_rule *r, int64_t from, int64_t to)
{
    r->has_source_port_from = r->has_source_port_to = true;
    r->source_port_from = from;
    r->source_port_to = to;
}

/* Returns a session with 'key', 'number' and 'rules'. */
static struct pl_session
session(uint32_t key, int64_t number, const struct pl_target *target,
        const struct tm_rule *rules, size_t n_rules)
{
    struct pl_session s = {
        .key = key,
        .session_number = number,
        .vni = 1000 + number,
        .target = target,
        .rules = rules,
        .n_rules = n_rules,
    };
    return s;
}

/* Returns a port target on port APP. */
static struct pl_target
port_target(void)
{
    struct pl_target t = { .is_port = true, .port_ofport = APP };
    return t;
}

/* Fills 'dests' with 'n' addresses from 'addrs' on 'ofport', and returns an
 * ip target with them. */
static struct pl_target
ip_target(const char *encap, int erspan_ver, struct pl_tunnel_dest *dests,
          const char *const *addrs, size_t n, ofp_port_t ofport)
{
    for (size_t i = 0; i < n; i++) {
        ovs_be32 ip4;
        if (inet_pton(AF_INET, addrs[i], &ip4) == 1) {
            in6_addr_set_mapped_ipv4(&dests[i].ip, ip4);
        } else {
            assert_int_equal(inet_pton(AF_INET6, addrs[i], &dests[i].ip), 1);
        }
        dests[i].tunnel_ofport = ofport;
    }
    struct pl_target t = {
        .encap = encap,
        .erspan_ver = erspan_ver,
        .dests = dests,
        .n_dests = n,
    };
    return t;
}

/* Builds the pipeline for 'sources' and returns its text (freed by the
 * caller). */
static char *
build(const struct pl_source *sources, size_t n)
{
    struct tm_flow_table ft;
    struct ds s = DS_EMPTY_INITIALIZER;
    tm_flow_table_init(&ft);
    pipeline_build(sources, n, &ft);
    tm_flow_table_format(&ft, &s);
    tm_flow_table_destroy(&ft);
    return ds_steal_cstr(&s);
}

/* Asserts that 'text' contains the line 'line'. */
static void
assert_line(const char *text, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++) {
        if ((p == text || p[-1] == '\n') && (p[len] == '\n' || !p[len])) {
            return;
        }
    }
    print_error("line not found: %s\nin:\n%s", line, text);
    fail();
}

/* Asserts that 'text' does not contain 'needle'. */
static void
assert_no(const char *text, const char *needle)
{
    if (strstr(text, needle)) {
        print_error("unexpected: %s\nin:\n%s", needle, text);
        fail();
    }
}

/* Returns the number of lines of 'text' that contain 'needle'. */
static size_t
count_lines(const char *text, const char *needle)
{
    size_t n = 0;
    const char *line = text;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? end - line : strlen(line);
        char *copy = xmemdup0(line, len);
        n += strstr(copy, needle) != NULL;
        free(copy);
        line += len + (end != NULL);
    }
    return n;
}

/* Two sessions on one source (given in session_number order), with:
 *   session 1 (key 0xa1, port target): egress rule 10 rejects TCP to 22,
 *     rule 20 accepts TCP, ingress rule 5 accepts everything;
 *   session 2 (key 0xb2, vxlan to 192.0.2.9): egress rule 1 accepts
 *     everything. */
struct two_sessions {
    struct tm_rule rules1[3], rules2[1];
    struct pl_target t1, t2;
    struct pl_tunnel_dest dests2[1];
    struct pl_session s1, s2;
    const struct pl_session *list[2];
    struct pl_source sources[2];
};

static void
two_sessions_init(struct two_sessions *x)
{
    x->rules1[0] = rule("egress", 10, "reject");
    rule_dport(&x->rules1[0], 6, 22, 22);
    x->rules1[1] = rule("egress", 20, "accept");
    x->rules1[1].has_protocol = true;
    x->rules1[1].protocol = 6;
    x->rules1[2] = rule("ingress", 5, "accept");
    x->rules2[0] = rule("egress", 1, "accept");

    x->t1 = port_target();
    x->t2 = ip_target("vxlan", 0, x->dests2,
                      (const char *[]) { "192.0.2.9" }, 1, VXLAN);
    x->s1 = session(0xa1, 1, &x->t1, x->rules1, 3);
    x->s2 = session(0xb2, 2, &x->t2, x->rules2, 1);
    x->list[0] = &x->s1;
    x->list[1] = &x->s2;
    x->sources[0] = (struct pl_source) {
        .iface_id = "vm1", .egress = true, .ofport = SRC_OUT,
        .sessions = x->list, .n_sessions = 2,
    };
    x->sources[1] = (struct pl_source) {
        .iface_id = "vm1", .egress = false, .ofport = SRC_IN,
        .sessions = x->list, .n_sessions = 2,
    };
}

static void
test_two_sessions(void **state OVS_UNUSED)
{
    struct two_sessions x;
    two_sessions_init(&x);
    char *t = build(x.sources, 2);

    /* Classification and default drop. */
    assert_line(t, "table=0, priority=100, cookie=0x746d000000000000, "
                "in_port=11 actions=set_field:0->reg1,resubmit(,1)");
    assert_line(t, "table=0, priority=100, cookie=0x746d000000000000, "
                "in_port=10 actions=set_field:0->reg1,resubmit(,1)");
    assert_line(t, "table=0, priority=0, cookie=0x746d000000000000, "
                "actions=drop");

    /* Stage 0 = session 1, egress: rule 10 rejects, rule 20 accepts. */
    assert_line(t, "table=1, priority=65525, " COOKIE_OTHER("a1") ", "
                "tcp,reg1=0,in_port=11,tp_dst=22 "
                "actions=set_field:0x1->reg1,resubmit(,1)");
    assert_line(t, "table=1, priority=65525, " COOKIE_OTHER("a1") ", "
                "tcp6,reg1=0,in_port=11,tp_dst=22 "
                "actions=set_field:0x1->reg1,resubmit(,1)");
    assert_line(t, "table=1, priority=65515, " COOKIE_ACCEPT("a1") ", "
                "tcp,reg1=0,in_port=11 actions=output:20");
    assert_line(t, "table=1, priority=65515, " COOKIE_ACCEPT("a1") ", "
                "tcp6,reg1=0,in_port=11 actions=output:20");
    assert_line(t, "table=1, priority=1, " COOKIE_OTHER("a1") ", "
                "reg1=0,in_port=11 "
                "actions=set_field:0x1->reg1,resubmit(,1)");
    /* Stage 1 = session 2, egress: rule 1 accepts to vxlan. */
    assert_line(t, "table=1, priority=65534, " COOKIE_ACCEPT("b2") ", "
                "reg1=0x1,in_port=11 actions=set_field:0x3ea->tun_id,"
                "set_field:192.0.2.9->tun_dst,output:30");
    assert_line(t, "table=1, priority=1, " COOKIE_OTHER("b2") ", "
                "reg1=0x1,in_port=11 "
                "actions=set_field:0x2->reg1,resubmit(,1)");

    /* Ingress: only session 1's ingress rule; session 2 has none. */
    assert_line(t, "table=1, priority=65530, " COOKIE_ACCEPT("a1") ", "
                "reg1=0,in_port=10 actions=output:20");
    assert_int_equal(count_lines(t, "in_port=10"), 4);
    assert_int_equal(count_lines(t, "in_port=11"), 8);
    assert_int_equal(count_lines(t, ""), 13);
    free(t);
}

static void
test_session_order(void **state OVS_UNUSED)
{
    /* The stage follows the order of 'sessions' (session_number order),
     * whatever the keys. */
    struct two_sessions x;
    two_sessions_init(&x);
    x.list[0] = &x.s2;
    x.list[1] = &x.s1;
    char *t = build(x.sources, 1);
    assert_line(t, "table=1, priority=65534, " COOKIE_ACCEPT("b2") ", "
                "reg1=0,in_port=11 actions=set_field:0x3ea->tun_id,"
                "set_field:192.0.2.9->tun_dst,output:30");
    assert_line(t, "table=1, priority=65515, " COOKIE_ACCEPT("a1") ", "
                "tcp,reg1=0x1,in_port=11 actions=output:20");
    free(t);
}

static void
test_independent(void **state OVS_UNUSED)
{
    /* Session 1 is independent: its accept delivers a clone (with the
     * tunnel metadata inside it) and goes on to stage 1, where session 2
     * still sees the packet; an ordinary accept stops. */
    struct two_sessions x;
    two_sessions_init(&x);
    x.s2.independent = true;
    x.list[0] = &x.s2;
    x.list[1] = &x.s1;
    char *t = build(x.sources, 1);
    assert_line(t, "table=1, priority=65534, " COOKIE_ACCEPT("b2") ", "
                "reg1=0,in_port=11 actions=clone(set_field:0x3ea->tun_id,"
                "set_field:192.0.2.9->tun_dst,output:30),"
                "set_field:0x1->reg1,resubmit(,1)");
    assert_line(t, "table=1, priority=1, " COOKIE_OTHER("b2") ", "
                "reg1=0,in_port=11 "
                "actions=set_field:0x1->reg1,resubmit(,1)");
    assert_line(t, "table=1, priority=65515, " COOKIE_ACCEPT("a1") ", "
                "tcp,reg1=0x1,in_port=11 actions=output:20");
    free(t);

    /* Truncation of an independent session's copies stays in the clone. */
    x.s2.packet_length = 64;
    x.t2 = port_target();
    t = build(x.sources, 1);
    assert_line(t, "table=1, priority=65534, " COOKIE_ACCEPT("b2") ", "
                "reg1=0,in_port=11 actions=clone(output(port=20,max_len=64)),"
                "set_field:0x1->reg1,resubmit(,1)");
    free(t);
}

static void
test_vlan_rule(void **state OVS_UNUSED)
{
    /* A VLAN set in a rule is part of the stage's matches. */
    struct tm_rule r = rule("egress", 1, "accept");
    r.vlan = "9,18-19";
    struct pl_target t1 = port_target();
    struct pl_session s1 = session(0xc3, 1, &t1, &r, 1);
    const struct pl_session *list[] = { &s1 };
    struct pl_source src = {
        .iface_id = "vm1", .egress = true, .ofport = SRC_OUT,
        .sessions = list, .n_sessions = 1,
    };
    char *t = build(&src, 1);
    assert_line(t, "table=1, priority=65534, " COOKIE_ACCEPT("c3") ", "
                "reg1=0,in_port=11,dl_vlan=9 actions=output:20");
    assert_line(t, "table=1, priority=65534, " COOKIE_ACCEPT("c3") ", "
                "reg1=0,in_port=11,vlan_tci=0x1012/0x1ffe "
                "actions=output:20");
    assert_int_equal(count_lines(t, "table=1"), 3);
    free(t);
}

static void
test_no_rules(void **state OVS_UNUSED)
{
    /* A filter without rules mirrors nothing: only fall-through flows. */
    struct pl_target t1 = port_target();
    struct pl_session s1 = session(0xc3, 1, &t1, NULL, 0);
    const struct pl_session *list[] = { &s1 };
    struct pl_source src = {
        .iface_id = "vm1", .egress = true, .ofport = SRC_OUT,
        .sessions = list, .n_sessions = 1,
    };
    char *t = build(&src, 1);
    assert_int_equal(count_lines(t, "table=1"), 1);
    assert_line(t, "table=1, priority=1, " COOKIE_OTHER("c3") ", "
                "reg1=0,in_port=11 "
                "actions=set_field:0x1->reg1,resubmit(,1)");
    assert_no(t, "0x746d01");
    free(t);

    /* Rules only for the other direction: the same. */
    struct tm_rule r = rule("ingress", 1, "accept");
    s1.rules = &r;
    s1.n_rules = 1;
    t = build(&src, 1);
    assert_int_equal(count_lines(t, "table=1"), 1);
    free(t);

    /* No sessions: only the classification flow. */
    src.n_sessions = 0;
    t = build(&src, 1);
    assert_int_equal(count_lines(t, ""), 2);
    assert_int_equal(count_lines(t, "table=1"), 0);
    free(t);
}

static void
test_undeliverable(void **state OVS_UNUSED)
{
    /* A session without a target, or whose target has no port, gets only
     * its fall-through flow, so later sessions still see the packets. */
    struct tm_rule r = rule("egress", 1, "accept");
    struct pl_target bad_port = port_target();
    bad_port.port_ofport = OFPP_NONE;
    struct pl_tunnel_dest d[1];
    struct pl_target bad_tunnel = ip_target("vxlan", 0, d,
                                            (const char *[]) { "192.0.2.1" },
                                            1, OFPP_NONE);
    struct pl_target good = port_target();
    struct pl_session s1 = session(0x1, 1, NULL, &r, 1);
    struct pl_session s2 = session(0x2, 2, &bad_port, &r, 1);
    struct pl_session s3 = session(0x3, 3, &bad_tunnel, &r, 1);
    struct pl_session s4 = session(0x4, 4, &good, &r, 1);
    const struct pl_session *list[] = { &s1, &s2, &s3, &s4 };
    struct pl_source src = {
        .iface_id = "vm1", .egress = true, .ofport = SRC_OUT,
        .sessions = list, .n_sessions = 4,
    };
    char *t = build(&src, 1);
    assert_int_equal(count_lines(t, "priority=65534"), 1);
    assert_line(t, "table=1, priority=65534, cookie=0x746d010000000004, "
                "reg1=0x3,in_port=11 actions=output:20");
    assert_int_equal(count_lines(t, "table=1, priority=1,"), 4);
    free(t);
}

static void
test_truncation(void **state OVS_UNUSED)
{
    struct tm_rule r = rule("egress", 7, "accept");
    struct pl_target pt = port_target();
    struct pl_tunnel_dest d[1];
    struct pl_target gt = ip_target("geneve", 0, d,
                                    (const char *[]) { "2001:db8::9" }, 1,
                                    GENEVE);
    struct pl_session s1 = session(0x1, 1, &pt, &r, 1);
    struct pl_session s2 = session(0x2, 2, &gt, &r, 1);
    s1.packet_length = 100;
    s2.packet_length = 9;      /* Less than an Ethernet header. */
    const struct pl_session *l1[] = { &s1 }, *l2[] = { &s2 };
    struct pl_source src[] = {
        { .iface_id = "vm1", .egress = true, .ofport = SRC_OUT,
          .sessions = l1, .n_sessions = 1 },
        { .iface_id = "vm2", .egress = true, .ofport = SRC2_OUT,
          .sessions = l2, .n_sessions = 1 },
    };
    char *t = build(src, 2);
    assert_line(t, "table=1, priority=65528, cookie=0x746d010000000001, "
                "reg1=0,in_port=11 actions=output(port=20,max_len=100)");
    assert_line(t, "table=1, priority=65528, cookie=0x746d010000000002, "
                "reg1=0,in_port=12 actions=set_field:0x3ea->tun_id,"
                "set_field:2001:db8::9->tun_ipv6_dst,"
                "output(port=31,max_len=14)");
    free(t);
}

/* Builds one egress (or ingress) source with one session of 'target', one
 * accept-all rule, and returns the accept flow's actions. */
static char *
accept_actions(const struct pl_target *target, bool egress, uint32_t vni)
{
    struct tm_rule r = rule(egress ? "egress" : "ingress", 1, "accept");
    struct pl_session s = session(0x5, 1, target, &r, 1);
    s.vni = vni;
    const struct pl_session *list[] = { &s };
    struct pl_source src = {
        .iface_id = "vm1", .egress = egress, .ofport = SRC_OUT,
        .sessions = list, .n_sessions = 1,
    };
    char *t = build(&src, 1);
    char *p = strstr(t, "priority=65534");
    assert_non_null(p);
    p = strstr(p, "actions=") + strlen("actions=");
    char *actions = xmemdup0(p, strcspn(p, "\n"));
    free(t);
    return actions;
}

static void
test_tunnel_encaps(void **state OVS_UNUSED)
{
    struct pl_tunnel_dest d[1];
    const char *addr[] = { "198.51.100.7" };
    struct pl_target t;
    char *a;

    t = ip_target("vxlan", 0, d, addr, 1, VXLAN);
    a = accept_actions(&t, true, 16777215);
    assert_string_equal(a, "set_field:0xffffff->tun_id,"
                        "set_field:198.51.100.7->tun_dst,output:30");
    free(a);

    t = ip_target("geneve", 0, d, addr, 1, GENEVE);
    a = accept_actions(&t, true, 42);
    assert_string_equal(a, "set_field:0x2a->tun_id,"
                        "set_field:198.51.100.7->tun_dst,output:31");
    free(a);

    t = ip_target("gre", 0, d, addr, 1, GRE);
    a = accept_actions(&t, false, 7);
    assert_string_equal(a, "set_field:0x7->tun_id,"
                        "set_field:198.51.100.7->tun_dst,output:32");
    free(a);

    t = ip_target("erspan", 1, d, addr, 1, ERSPAN);
    a = accept_actions(&t, true, 1023);
    assert_string_equal(a, "set_field:0x3ff->tun_id,"
                        "set_field:1->tun_erspan_ver,"
                        "set_field:0->tun_erspan_idx,"
                        "set_field:198.51.100.7->tun_dst,output:33");
    free(a);

    t = ip_target("erspan", 2, d, addr, 1, ERSPAN);
    a = accept_actions(&t, true, 101);
    assert_string_equal(a, "set_field:0x65->tun_id,"
                        "set_field:2->tun_erspan_ver,"
                        "set_field:1->tun_erspan_dir,"
                        "set_field:0->tun_erspan_hwid,"
                        "set_field:198.51.100.7->tun_dst,output:33");
    free(a);
    a = accept_actions(&t, false, 101);
    assert_string_equal(a, "set_field:0x65->tun_id,"
                        "set_field:2->tun_erspan_ver,"
                        "set_field:0->tun_erspan_dir,"
                        "set_field:0->tun_erspan_hwid,"
                        "set_field:198.51.100.7->tun_dst,output:33");
    free(a);

    /* An unknown encap delivers nothing. */
    t = ip_target("ipip", 0, d, addr, 1, VXLAN);
    struct tm_rule r = rule("egress", 1, "accept");
    struct pl_session s = session(0x5, 1, &t, &r, 1);
    const struct pl_session *list[] = { &s };
    struct pl_source src = {
        .iface_id = "vm1", .egress = true, .ofport = SRC_OUT,
        .sessions = list, .n_sessions = 1,
    };
    a = build(&src, 1);
    assert_no(a, "priority=65534");
    free(a);
}

static void
test_select_group(void **state OVS_UNUSED)
{
    struct pl_tunnel_dest d[3];
    /* Given out of order: buckets come out ordered by address. */
    const char *addrs[] = { "192.0.2.30", "192.0.2.10", "192.0.2.20" };
    struct pl_target t = ip_target("vxlan", 0, d, addrs, 3, VXLAN);
    struct tm_rule r = rule("egress", 1, "accept");
    struct pl_session s = session(0x12345678, 1, &t, &r, 1);
    s.packet_length = 128;
    const struct pl_session *list[] = { &s };
    struct pl_source src[] = {
        { .iface_id = "vm1", .egress = true, .ofport = SRC_OUT,
          .sessions = list, .n_sessions = 1 },
        { .iface_id = "vm2", .egress = true, .ofport = SRC2_OUT,
          .sessions = list, .n_sessions = 1 },
    };
    char *text = build(src, 2);

    /* One group for the session, shared by both sources, its id from the
     * key's low 16 bits. */
    uint32_t g = TM_GROUP_BASE + 0x5678;
#define GROUP_FLOW "table=1, priority=65534, cookie=0x746d010012345678, " \
                   "reg1=0,in_port=%d actions=set_field:0x3e9->tun_id," \
                   "group:%"PRIu32
    char *flow11 = xasprintf(GROUP_FLOW, SRC_OUT, g);
    char *flow12 = xasprintf(GROUP_FLOW, SRC2_OUT, g);
#undef GROUP_FLOW
    char *group = xasprintf("group_id=%"PRIu32",type=select,"
                            "bucket=actions=set_field:192.0.2.10->tun_dst,"
                            "set_field:0x1e->reg2,set_field:0x80->reg3,"
                            "resubmit(,2),"
                            "bucket=actions=set_field:192.0.2.20->tun_dst,"
                            "set_field:0x1e->reg2,set_field:0x80->reg3,"
                            "resubmit(,2),"
                            "bucket=actions=set_field:192.0.2.30->tun_dst,"
                            "set_field:0x1e->reg2,set_field:0x80->reg3,"
                            "resubmit(,2)", g);
    /* Truncation happens in table 2, since OVS ignores output(max_len) in a
     * bucket's action set. */
    assert_line(text, "table=2, priority=100, cookie=0x746d000000000000, "
                "reg2=0x1e,reg3=0x80 actions=output(port=30,max_len=128)");
    assert_int_equal(count_lines(text, "table=2"), 1);
    assert_line(text, flow11);
    assert_line(text, flow12);
    assert_line(text, group);
    free(flow11);
    free(flow12);
    free(group);
    assert_no(text, "selection_method");
    assert_int_equal(count_lines(text, "bucket="), 1);
    free(text);
}

static void
test_group_collision(void **state OVS_UNUSED)
{
    /* Two sessions whose keys share the low 16 bits: the lower key gets
     * the natural id, the other the next one, whatever the source order. */
    struct pl_tunnel_dest d[2];
    const char *addrs[] = { "192.0.2.1", "192.0.2.2" };
    struct pl_target t = ip_target("geneve", 0, d, addrs, 2, GENEVE);
    struct tm_rule r = rule("egress", 1, "accept");
    struct pl_session a = session(0x00010007, 1, &t, &r, 1);
    struct pl_session b = session(0x00020007, 1, &t, &r, 1);
    const struct pl_session *la[] = { &a }, *lb[] = { &b };
    struct pl_source src[] = {
        { .iface_id = "vm2", .egress = true, .ofport = SRC2_OUT,
          .sessions = lb, .n_sessions = 1 },
        { .iface_id = "vm1", .egress = true, .ofport = SRC_OUT,
          .sessions = la, .n_sessions = 1 },
    };
    char *text = build(src, 2);
    char *want_a = xasprintf("in_port=11 actions=set_field:0x3e9->tun_id,"
                             "group:%"PRIu32, TM_GROUP_BASE + 7);
    char *want_b = xasprintf("in_port=12 actions=set_field:0x3e9->tun_id,"
                             "group:%"PRIu32, TM_GROUP_BASE + 8);
    assert_int_equal(count_lines(text, want_a), 1);
    assert_int_equal(count_lines(text, want_b), 1);
    assert_int_equal(count_lines(text, "group_id="), 2);
    /* Without truncation the buckets output directly. */
    assert_int_equal(count_lines(text, ",type=select,bucket=actions="
                                 "set_field:192.0.2.1->tun_dst,output:31,"
                                 "bucket=actions=set_field:192.0.2.2->tun_dst,"
                                 "output:31"), 2);
    assert_int_equal(count_lines(text, "table=2"), 0);
    free(want_a);
    free(want_b);
    free(text);
}

static void
test_conjunction(void **state OVS_UNUSED)
{
    /* Both ranges need several prefixes: p1 + p2 + 1 flows, not p1 * p2. */
    struct tm_rule r[2];
    r[0] = rule("egress", 100, "accept");
    rule_dport(&r[0], 6, 1000, 1999);   /* 7 prefixes. */
    rule_sport(&r[0], 1, 65534);        /* 30 prefixes. */
    r[0].destination_cidr = "10.0.0.0/8";
    r[1] = rule("egress", 200, "reject");
    rule_dport(&r[1], 17, 1000, 1999);
    rule_sport(&r[1], 1024, 65535);     /* 6 prefixes. */
    struct pl_target pt = port_target();
    struct pl_session s = session(0x9, 1, &pt, r, 2);
    const struct pl_session *list[] = { &s };
    struct pl_source src = {
        .iface_id = "vm1", .egress = true, .ofport = SRC_OUT,
        .sessions = list, .n_sessions = 1,
    };
    char *t = build(&src, 1);

    assert_int_equal(count_lines(t, "priority=65435"), 30 + 7 + 1);
    assert_int_equal(count_lines(t, "priority=65335"), 2 * (6 + 7) + 1);
    assert_int_equal(count_lines(t, ",1/2)"), 30 + 2 * 6);
    assert_int_equal(count_lines(t, ",2/2)"), 7 + 2 * 7);
    assert_int_equal(count_lines(t, "conj_id="), 2);

    /* The conj_id flows carry the actions and the accept cookie. */
    const char *p = strstr(t, "priority=65435, cookie=0x746d010000000009, "
                           "conj_id=");
    assert_non_null(p);
    assert_non_null(strstr(p, "reg1=0,in_port=11 actions=output:20\n"));
    p = strstr(t, "priority=65335, cookie=0x746d020000000009, conj_id=");
    assert_non_null(p);
    free(t);
}

/* A third session: an egress rule with two port ranges (a conjunction)
 * toward a 3-address ERSPAN v2 group, one address IPv6. */
struct erspan_group {
    struct tm_rule rules[1];
    struct pl_tunnel_dest dests[3];
    struct pl_target target;
    struct pl_session session;
};

/* Fills 'g'; its session points into 'g'. */
static void
erspan_group_init(struct erspan_group *g)
{
    g->rules[0] = rule("egress", 3, "accept");
    rule_dport(&g->rules[0], 6, 1000, 1999);
    rule_sport(&g->rules[0], 1, 65534);
    g->target = ip_target("erspan", 2, g->dests, (const char *[]) {
                              "192.0.2.3", "2001:db8::1", "192.0.2.1" },
                          3, ERSPAN);
    g->session = session(0xdeadbeef, 3, &g->target, g->rules, 1);
}

static void
test_determinism(void **state OVS_UNUSED)
{
    struct two_sessions x;
    two_sessions_init(&x);
    struct erspan_group g;
    erspan_group_init(&g);
    struct pl_session s3 = g.session;
    const struct pl_session *list[] = { &x.s1, &x.s2, &s3 };
    x.sources[0].sessions = x.sources[1].sessions = list;
    x.sources[0].n_sessions = x.sources[1].n_sessions = 3;

    char *a = build(x.sources, 2);
    char *b = build(x.sources, 2);
    assert_string_equal(a, b);

    /* Reusing one table gives the same result too. */
    struct tm_flow_table ft;
    struct ds s = DS_EMPTY_INITIALIZER;
    tm_flow_table_init(&ft);
    pipeline_build(x.sources, 2, &ft);
    pipeline_build(x.sources, 2, &ft);
    tm_flow_table_format(&ft, &s);
    assert_string_equal(a, ds_cstr(&s));
    ds_destroy(&s);
    tm_flow_table_destroy(&ft);
    free(a);
    free(b);
}

/* Returns 'flow''s actions after encoding them as OpenFlow 1.5 and decoding
 * them again, as ofctrl sees them in a flow dump, in 'ofpacts'. */
static void
roundtrip_actions(const struct tm_flow *flow, struct ofpbuf *ofpacts)
{
    struct ofpbuf openflow;
    ofpbuf_clear(ofpacts);
    if (!flow->ofpacts_len) {
        return;
    }
    ofpbuf_init(&openflow, 0);
    ofpacts_put_openflow_actions(flow->ofpacts, flow->ofpacts_len, &openflow,
                                 OFP15_VERSION);
    assert_int_equal(ofpacts_pull_openflow_actions(&openflow, openflow.size,
                                                   OFP15_VERSION, NULL, NULL,
                                                   ofpacts), 0);
    ofpbuf_uninit(&openflow);
}

static void
test_actions_roundtrip(void **state OVS_UNUSED)
{
    /* Every flow's actions compare equal to themselves as dumped back from
     * the switch, so that ofctrl does not rewrite them forever.  (Compared
     * as text: the decoder records the wire encoding in each action's 'raw'
     * member, so byte-wise ofpacts_equal() differs for set_field,
     * resubmit, ... whatever the pipeline does.) */
    struct two_sessions x;
    two_sessions_init(&x);
    struct erspan_group g;
    erspan_group_init(&g);
    struct pl_session s3 = g.session;
    s3.packet_length = 64;
    struct pl_tunnel_dest d1[1];
    struct pl_target t1 = ip_target("erspan", 1, d1, (const char *[]) {
                                        "2001:db8::7" }, 1, ERSPAN);
    struct pl_session s4 = session(0xfeed, 4, &t1, x.rules2, 1);
    s4.packet_length = 1500;
    const struct pl_session *list[] = { &x.s1, &x.s2, &s3, &s4 };
    x.sources[0].sessions = x.sources[1].sessions = list;
    x.sources[0].n_sessions = x.sources[1].n_sessions = 4;

    struct tm_flow_table ft, dumped;
    tm_flow_table_init(&ft);
    tm_flow_table_init(&dumped);
    pipeline_build(x.sources, 2, &ft);

    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 0);
    struct tm_flow *f;
    HMAP_FOR_EACH (f, hmap_node, &ft.flows) {
        roundtrip_actions(f, &ofpacts);
        struct match match;
        minimatch_expand(&f->match, &match);
        struct tm_flow *g = tm_flow_table_add(&dumped, f->table_id,
                                              f->priority, f->cookie,
                                              &match, ofpacts.data,
                                              ofpacts.size);
        if (!ofpacts_equal_stringwise(f->ofpacts, f->ofpacts_len,
                                      g->ofpacts, g->ofpacts_len)) {
            char *s = minimatch_to_string(&f->match, NULL, f->priority);
            struct ds a = DS_EMPTY_INITIALIZER, b = DS_EMPTY_INITIALIZER;
            ofpacts_format(f->ofpacts, f->ofpacts_len,
                           &(struct ofpact_format_params) { .s = &a });
            ofpacts_format(g->ofpacts, g->ofpacts_len,
                           &(struct ofpact_format_params) { .s = &b });
            print_error("actions differ after a round trip: %s: %s vs %s\n",
                        s, ds_cstr(&a), ds_cstr(&b));
            ds_destroy(&a);
            ds_destroy(&b);
            free(s);
            fail();
        }
    }
    assert_int_equal(tm_flow_table_count(&ft), tm_flow_table_count(&dumped));
    ofpbuf_uninit(&ofpacts);
    tm_flow_table_destroy(&ft);
    tm_flow_table_destroy(&dumped);
}

static void
test_session_key(void **state OVS_UNUSED)
{
    struct uuid u;
    assert_true(uuid_from_string(&u,
                                 "12345678-9abc-def0-1234-56789abcdef0"));
    assert_int_equal(tm_session_key(&u), 0x12345678);
}

/* Prints the flows of TM_MAX_STAGES (or $TM_PIPELINE_STAGES) sessions on
 * one egress source (port 11) of which only the last accepts (to a
 * truncating 3-address vxlan group), to check the resubmit depth on a real
 * switch. */
static int
dump_deep(void)
{
    struct pl_session sessions[TM_MAX_STAGES + 8];
    const struct pl_session *list[TM_MAX_STAGES + 8];
    const char *n_s = getenv("TM_PIPELINE_STAGES");
    size_t n = n_s ? atoi(n_s) : TM_MAX_STAGES;
    n = MIN(n, ARRAY_SIZE(sessions));
    struct tm_rule r = rule("egress", 1, "accept");
    struct pl_tunnel_dest d[3];
    struct pl_target t = ip_target("vxlan", 0, d, (const char *[]) {
                                       "192.0.2.1", "192.0.2.2",
                                       "192.0.2.3" }, 3, VXLAN);
    for (size_t i = 0; i < n; i++) {
        bool last = i == n - 1;
        sessions[i] = session(i + 1, i + 1, &t, &r, last);
        sessions[i].packet_length = 100;
        list[i] = &sessions[i];
    }
    struct pl_source src = {
        .iface_id = "vm1", .egress = true, .ofport = SRC_OUT,
        .sessions = list, .n_sessions = n,
    };
    char *text = build(&src, 1);
    char *groups = strstr(text, "group_id=");
    groups[-1] = '\0';
    printf("%s\n--groups--\n%s", text, groups);
    free(text);
    return 0;
}

/* Prints the flows of one session (VNI 101) to a 3-address ERSPAN v2
 * target on port 33, for egress (port 11) and ingress (port 10) copies. */
static int
dump_erspan(void)
{
    struct tm_rule r[] = { rule("egress", 1, "accept"),
                           rule("ingress", 1, "accept") };
    struct pl_tunnel_dest d[3];
    struct pl_target t = ip_target("erspan", 2, d, (const char *[]) {
                                       "192.0.2.1", "192.0.2.2",
                                       "192.0.2.3" }, 3, ERSPAN);
    struct pl_session s = session(0x77, 1, &t, r, 2);
    s.vni = 101;
    const struct pl_session *list[] = { &s };
    struct pl_source src[] = {
        { .iface_id = "vm1", .egress = true, .ofport = SRC_OUT,
          .sessions = list, .n_sessions = 1 },
        { .iface_id = "vm1", .egress = false, .ofport = SRC_IN,
          .sessions = list, .n_sessions = 1 },
    };
    char *text = build(src, 2);
    char *groups = strstr(text, "group_id=");
    groups[-1] = '\0';
    printf("%s\n--groups--\n%s", text, groups);
    free(text);
    return 0;
}

/* Prints scenario 'name' in ovs-ofctl syntax; see the top of this file. */
static int
dump_scenario(const char *name)
{
    struct two_sessions x;
    two_sessions_init(&x);
    struct tm_rule conj[2];
    conj[0] = rule("egress", 3, "accept");
    rule_dport(&conj[0], 6, 1000, 1999);
    rule_sport(&conj[0], 1, 65534);
    conj[1] = rule("egress", 4, "reject");
    conj[1].has_protocol = true;
    conj[1].protocol = 6;
    struct pl_tunnel_dest d[3];
    struct pl_target t3 = ip_target("vxlan", 0, d, (const char *[]) {
                                        "192.0.2.3", "192.0.2.2",
                                        "192.0.2.1" }, 3, VXLAN);
    struct pl_session s3 = session(0xdeadbeef, 3, &t3, conj, 2);
    s3.packet_length = 100;
    const struct pl_session *list[] = { &s3, &x.s1, &x.s2 };

    if (!strcmp(name, "deep")) {
        return dump_deep();
    } else if (!strcmp(name, "erspan")) {
        return dump_erspan();
    } else if (!strcmp(name, "full")) {
        x.sources[0].sessions = x.sources[1].sessions = list;
        x.sources[0].n_sessions = x.sources[1].n_sessions = 3;
    } else if (strcmp(name, "two")) {
        fprintf(stderr, "unknown scenario %s (full, two, deep, erspan)\n",
                name);
        return 1;
    }

    struct tm_flow_table ft;
    tm_flow_table_init(&ft);
    pipeline_build(x.sources, 2, &ft);
    struct ds s = DS_EMPTY_INITIALIZER;
    tm_flow_table_format(&ft, &s);
    char *groups = strstr(ds_cstr(&s), "group_id=");
    if (groups) {
        groups[-1] = '\0';
    }
    printf("%s\n--groups--\n%s", ds_cstr(&s), groups ? groups : "");
    ds_destroy(&s);
    tm_flow_table_destroy(&ft);
    return 0;
}

static void
test_decaps(void **state OVS_UNUSED)
{
    /* Copies from other chassis: one table-0 flow per (tunnel, vni), with a
     * non-counting cookie; invalid ofports are skipped, and of two sessions
     * with the same vni the lower key wins whatever the order. */
    struct pl_decap decaps[] = {
        { .tunnel_ofport = GENEVE, .vni = 77, .appliance_ofport = APP,
          .key = 0x5 },
        { .tunnel_ofport = GENEVE, .vni = 78, .appliance_ofport = APP + 1,
          .key = 0x6 },
        { .tunnel_ofport = GENEVE, .vni = 77, .appliance_ofport = APP + 2,
          .key = 0x4 },
        { .tunnel_ofport = OFPP_NONE, .vni = 79, .appliance_ofport = APP,
          .key = 0x7 },
        { .tunnel_ofport = GENEVE, .vni = 80, .appliance_ofport = OFPP_NONE,
          .key = 0x8 },
    };
    struct tm_flow_table ft;
    struct ds s = DS_EMPTY_INITIALIZER;
    tm_flow_table_init(&ft);
    pipeline_build(NULL, 0, &ft);
    pipeline_add_decaps(decaps, ARRAY_SIZE(decaps), &ft);
    tm_flow_table_format(&ft, &s);
    char *t = ds_steal_cstr(&s);

    assert_int_equal(count_lines(t, "tun_id="), 2);
    assert_line(t, "table=0, priority=100, " COOKIE_OTHER("04") ", "
                "tun_id=0x4d,in_port=31 actions=output:22");
    assert_line(t, "table=0, priority=100, " COOKIE_OTHER("06") ", "
                "tun_id=0x4e,in_port=31 actions=output:21");
    /* The default drop is still there, and nothing counts. */
    assert_int_equal(count_lines(t, "priority=0"), 1);
    assert_int_equal(count_lines(t, "cookie=0x746d01"), 0);
    free(t);

    /* No entries: only pipeline_build()'s flows. */
    pipeline_build(NULL, 0, &ft);
    pipeline_add_decaps(NULL, 0, &ft);
    tm_flow_table_format(&ft, &s);
    t = ds_steal_cstr(&s);
    assert_int_equal(count_lines(t, ""), 1);
    free(t);
    tm_flow_table_destroy(&ft);
}

int
main(void)
{
    const char *dump = getenv("TM_PIPELINE_DUMP");
    if (dump) {
        return dump_scenario(dump);
    }

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_sessions),
        cmocka_unit_test(test_session_order),
        cmocka_unit_test(test_independent),
        cmocka_unit_test(test_vlan_rule),
        cmocka_unit_test(test_no_rules),
        cmocka_unit_test(test_undeliverable),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_tunnel_encaps),
        cmocka_unit_test(test_select_group),
        cmocka_unit_test(test_group_collision),
        cmocka_unit_test(test_conjunction),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_actions_roundtrip),
        cmocka_unit_test(test_session_key),
        cmocka_unit_test(test_decaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
