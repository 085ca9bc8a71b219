/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Unit tests for the trace parser of controller/path-verify.c, on traces
 * that OVS 3.1's ofproto/trace-packet-out printed on these machines. */

#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "controller/path-verify.h"

/* Parses 'trace' and checks the state and reason. */
static void
expect(const char *trace, enum pv_state want, const char *want_reason,
       bool want_routing_failed, bool want_native)
{
    char *reason;
    bool routing_failed, native;
    enum pv_state state = path_verify_parse_trace(trace, &reason,
                                                  &routing_failed, &native);
    assert_int_equal(state, want);
    if (want_reason) {
        assert_non_null(reason);
        assert_string_equal(reason, want_reason);
    } else {
        assert_null(reason);
    }
    assert_int_equal(routing_failed, want_routing_failed);
    assert_int_equal(native, want_native);
    free(reason);
}

static void
test_tunnel_leaves(void **state OVS_UNUSED)
{
    expect("bridge(\"br-mirror\")\n"
           "    set_field:192.168.50.2->tun_dst\n"
           "    output:5\n"
           "     -> output to native tunnel\n"
           "     -> tunneling to 192.168.50.2 via br-phys\n"
           "Datapath actions: tnl_push(tnl_port(4789),header(size=50,"
           "type=4)),out_port(1)),2\n",
           PV_OK, NULL, false, true);
}

static void
test_no_route(void **state OVS_UNUSED)
{
    expect("    output:5\n"
           "     -> output to native tunnel\n"
           "     >> native tunnel routing failed\n"
           "\n"
           "Final flow: unchanged\n"
           "Datapath actions: drop",
           PV_FAIL, "native tunnel routing failed", true, true);
}

static void
test_neighbour_miss(void **state OVS_UNUSED)
{
    expect("     -> output to native tunnel\n"
           "     -> tunneling to 192.168.50.2 via br-phys\n"
           "     -> neighbor cache miss for 192.168.50.2 on bridge br-phys, "
           "sending ARP request\n"
           "Datapath actions: drop\n",
           PV_PENDING, "ovs-vswitchd is resolving the MAC address of the "
           "next hop 192.168.50.2 on bridge br-phys: copies are dropped "
           "until it answers", false, true);
}

static void
test_other_drop(void **state OVS_UNUSED)
{
    expect("    output:9\n"
           "     >> Nonexistent output port\n"
           "Datapath actions: drop\n",
           PV_FAIL, "ovs-vswitchd drops the copies: Nonexistent output port",
           false, false);
    expect("Datapath actions: drop\n", PV_FAIL,
           "ovs-vswitchd drops the copies (datapath actions: drop)",
           false, false);
}

static void
test_port_and_kernel_tunnel(void **state OVS_UNUSED)
{
    expect("    output:1\nDatapath actions: 4\n", PV_OK, NULL, false, false);
    expect("Datapath actions: set(tunnel(tun_id=0x5,dst=192.0.2.10,ttl=64,"
           "flags(df|key))),3\n", PV_OK, NULL, false, false);
}

static void
test_garbage(void **state OVS_UNUSED)
{
    expect("", PV_FAIL, "ovs-vswitchd's trace shows no datapath actions",
           false, false);
    expect("Datapath actions: ", PV_FAIL,
           "ovs-vswitchd drops the copies (datapath actions: drop)",
           false, false);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tunnel_leaves),
        cmocka_unit_test(test_no_route),
        cmocka_unit_test(test_neighbour_miss),
        cmocka_unit_test(test_other_drop),
        cmocka_unit_test(test_port_and_kernel_tunnel),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
