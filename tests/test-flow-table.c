/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Unit tests for controller/flow-table.h (controller/flow-table.c). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "controller/flow-table.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "flow.h"
#include "openvswitch/meta-flow.h"

/* Fills 'match' with "reg1=REG1,ip,nw_src=NW_SRC/8" (NW_SRC host order). */
static void
make_match(struct match *match, uint32_t reg1, uint32_t nw_src)
{
    match_init_catchall(match);
    match_set_reg(match, 1, reg1);
    match_set_dl_type(match, htons(ETH_TYPE_IP));
    match_set_nw_src_masked(match, htonl(nw_src), htonl(0xff000000));
}

/* Appends "output:PORT" to 'ofpacts'. */
static void
put_output(struct ofpbuf *ofpacts, uint16_t port)
{
    ofpact_put_OUTPUT(ofpacts)->port = u16_to_ofp(port);
}

static void
test_cookie(void **state OVS_UNUSED)
{
    uint64_t c = tm_cookie(TM_COOKIE_ACCEPT, 0xdeadbeef);

    assert_int_equal(c, UINT64_C(0x746d0100deadbeef));
    assert_true(tm_cookie_is_ours(c));
    assert_int_equal(tm_cookie_get_kind(c), TM_COOKIE_ACCEPT);
    assert_int_equal(tm_cookie_get_session(c), 0xdeadbeef);

    c = tm_cookie(TM_COOKIE_INFRA, 0);
    assert_int_equal(c, TM_COOKIE_MAGIC);
    assert_true(tm_cookie_is_ours(c));
    assert_int_equal(tm_cookie_get_kind(c), TM_COOKIE_INFRA);
    assert_int_equal(tm_cookie_get_session(c), 0);

    c = tm_cookie(TM_COOKIE_OTHER, 7);
    assert_int_equal(tm_cookie_get_kind(c), TM_COOKIE_OTHER);
    assert_int_equal(tm_cookie_get_session(c), 7);

    assert_false(tm_cookie_is_ours(0));
    assert_false(tm_cookie_is_ours(0x1234));
    assert_false(tm_cookie_is_ours(UINT64_C(0x746c000000000000)));
    assert_false(tm_cookie_is_ours(UINT64_MAX));
}

static void
test_add_find(void **state OVS_UNUSED)
{
    struct tm_flow_table ft;
    struct match m1, m2;
    struct ofpbuf ofpacts;

    tm_flow_table_init(&ft);
    ofpbuf_init(&ofpacts, 0);
    put_output(&ofpacts, 2);
    make_match(&m1, 0, 0x0a000000);
    make_match(&m2, 1, 0x0a000000);

    assert_int_equal(tm_flow_table_count(&ft), 0);
    struct tm_flow *f = tm_flow_table_add(&ft, 1, 100, 0x746d000000000001,
                                          &m1, ofpacts.data, ofpacts.size);
    assert_non_null(f);
    assert_int_equal(f->table_id, 1);
    assert_int_equal(f->priority, 100);
    assert_int_equal(f->cookie, 0x746d000000000001);
    assert_int_equal(f->ofpacts_len, ofpacts.size);
    assert_ptr_not_equal(f->ofpacts, ofpacts.data);   /* Copied. */
    assert_int_equal(f->n_packets, 0);
    assert_int_equal(tm_flow_table_count(&ft), 1);

    /* The key is (table, priority, match). */
    assert_ptr_equal(tm_flow_table_find(&ft, 1, 100, &m1), f);
    assert_null(tm_flow_table_find(&ft, 0, 100, &m1));
    assert_null(tm_flow_table_find(&ft, 1, 99, &m1));
    assert_null(tm_flow_table_find(&ft, 1, 100, &m2));

    /* Same match in another table or priority: distinct flows. */
    tm_flow_table_add(&ft, 0, 100, 1, &m1, NULL, 0);
    tm_flow_table_add(&ft, 1, 101, 1, &m1, NULL, 0);
    tm_flow_table_add(&ft, 1, 100, 1, &m2, NULL, 0);
    assert_int_equal(tm_flow_table_count(&ft), 4);

    /* Changing the caller's buffer does not affect the table. */
    ofpbuf_clear(&ofpacts);
    put_output(&ofpacts, 3);
    const struct ofpact_output *out = (const void *) f->ofpacts;
    assert_int_equal(ofp_to_u16(out->port), 2);

    ofpbuf_uninit(&ofpacts);
    tm_flow_table_destroy(&ft);
}

static void
test_replace(void **state OVS_UNUSED)
{
    struct tm_flow_table ft;
    struct match m;
    struct ofpbuf a1, a2;

    tm_flow_table_init(&ft);
    ofpbuf_init(&a1, 0);
    ofpbuf_init(&a2, 0);
    put_output(&a1, 1);
    put_output(&a2, 2);
    make_match(&m, 3, 0x0b000000);

    /* The duplicate is logged as a bug; keep the test output quiet. */
    vlog_set_levels(vlog_module_from_name("flow_table"), VLF_ANY_DESTINATION,
                    VLL_OFF);

    struct tm_flow *f1 = tm_flow_table_add(&ft, 1, 5, 10, &m, a1.data,
                                           a1.size);
    struct tm_flow *f2 = tm_flow_table_add(&ft, 1, 5, 20, &m, a2.data,
                                           a2.size);
    assert_ptr_equal(f1, f2);
    assert_int_equal(tm_flow_table_count(&ft), 1);
    assert_int_equal(f2->cookie, 20);
    assert_true(ofpacts_equal(f2->ofpacts, f2->ofpacts_len,
                              a2.data, a2.size));

    /* Replacing with no actions (drop). */
    tm_flow_table_add(&ft, 1, 5, 20, &m, NULL, 0);
    assert_int_equal(f2->ofpacts_len, 0);
    assert_int_equal(tm_flow_table_count(&ft), 1);

    ofpbuf_uninit(&a1);
    ofpbuf_uninit(&a2);
    tm_flow_table_destroy(&ft);
}

static void
test_same_actions(void **state OVS_UNUSED)
{
    struct tm_flow_table a, b;
    struct match m;
    struct ofpbuf a1, a2;

    tm_flow_table_init(&a);
    tm_flow_table_init(&b);
    ofpbuf_init(&a1, 0);
    ofpbuf_init(&a2, 0);
    put_output(&a1, 1);
    put_output(&a2, 2);
    make_match(&m, 0, 0x0a000000);

    struct tm_flow *x = tm_flow_table_add(&a, 0, 1, 5, &m, a1.data, a1.size);
    struct tm_flow *y = tm_flow_table_add(&b, 0, 1, 5, &m, a1.data, a1.size);
    assert_true(tm_flow_same_actions(x, y));

    y = tm_flow_table_add(&b, 0, 1, 6, &m, a1.data, a1.size);
    assert_false(tm_flow_same_actions(x, y));         /* Cookie differs. */

    y = tm_flow_table_add(&b, 0, 1, 5, &m, a2.data, a2.size);
    assert_false(tm_flow_same_actions(x, y));         /* Actions differ. */

    y = tm_flow_table_add(&b, 0, 1, 5, &m, NULL, 0);
    assert_false(tm_flow_same_actions(x, y));         /* drop vs output. */

    x = tm_flow_table_add(&a, 0, 1, 5, &m, NULL, 0);
    assert_true(tm_flow_same_actions(x, y));          /* Both drop. */

    ofpbuf_uninit(&a1);
    ofpbuf_uninit(&a2);
    tm_flow_table_destroy(&a);
    tm_flow_table_destroy(&b);
}

/* Appends "set_field:VALUE->reg1" to 'ofpacts' after filling the buffer's
 * free space with 'garbage', as happens with a reused buffer. */
static void
put_set_reg1(struct ofpbuf *ofpacts, uint32_t value, uint8_t garbage)
{
    memset(ofpbuf_put_uninit(ofpacts, 256), garbage, 256);
    ofpacts->size -= 256;

    ovs_be32 v = htonl(value);
    ofpact_put_set_field(ofpacts, mf_from_id(MFF_REG1), &v, NULL);
}

static void
test_set_field_padding(void **state OVS_UNUSED)
{
    struct tm_flow_table a, b;
    struct ofpbuf a1, a2;
    struct match m;

    tm_flow_table_init(&a);
    tm_flow_table_init(&b);
    ofpbuf_init(&a1, 0);
    ofpbuf_init(&a2, 0);
    make_match(&m, 0, 0x0a000000);

    /* Same action, different garbage in the alignment padding. */
    put_set_reg1(&a1, 1, 0xaa);
    put_set_reg1(&a2, 1, 0x55);
    struct tm_flow *x = tm_flow_table_add(&a, 0, 1, 5, &m, a1.data, a1.size);
    struct tm_flow *y = tm_flow_table_add(&b, 0, 1, 5, &m, a2.data, a2.size);
    assert_true(tm_flow_same_actions(x, y));

    /* A different value still differs. */
    ofpbuf_clear(&a2);
    put_set_reg1(&a2, 2, 0xaa);
    y = tm_flow_table_add(&b, 0, 1, 5, &m, a2.data, a2.size);
    assert_false(tm_flow_same_actions(x, y));

    ofpbuf_uninit(&a1);
    ofpbuf_uninit(&a2);
    tm_flow_table_destroy(&a);
    tm_flow_table_destroy(&b);
}

static void
test_groups(void **state OVS_UNUSED)
{
    struct tm_flow_table ft;

    tm_flow_table_init(&ft);
    assert_null(tm_flow_table_find_group(&ft, TM_GROUP_BASE));

    char spec[] = "type=select,bucket=actions=output:1";
    struct tm_group *g = tm_flow_table_add_group(&ft, TM_GROUP_BASE, spec);
    assert_non_null(g);
    assert_int_equal(g->group_id, TM_GROUP_BASE);
    assert_string_equal(g->spec, spec);
    assert_ptr_not_equal(g->spec, spec);            /* Copied. */
    spec[0] = 'X';
    assert_string_equal(g->spec, "type=select,bucket=actions=output:1");

    struct tm_group *g2 = tm_flow_table_add_group(
        &ft, TM_GROUP_BASE, "type=all,bucket=actions=output:2");
    assert_ptr_equal(g, g2);
    assert_string_equal(g2->spec, "type=all,bucket=actions=output:2");

    tm_flow_table_add_group(&ft, TM_GROUP_BASE + 1, "type=all");
    assert_int_equal(hmap_count(&ft.groups), 2);
    assert_ptr_equal(tm_flow_table_find_group(&ft, TM_GROUP_BASE), g);
    assert_non_null(tm_flow_table_find_group(&ft, TM_GROUP_BASE + 1));
    assert_null(tm_flow_table_find_group(&ft, TM_GROUP_BASE + 2));

    /* Groups do not count as flows. */
    assert_int_equal(tm_flow_table_count(&ft), 0);
    tm_flow_table_destroy(&ft);
}

static void
test_swap_clear(void **state OVS_UNUSED)
{
    struct tm_flow_table a, b;
    struct match m1, m2;

    tm_flow_table_init(&a);
    tm_flow_table_init(&b);
    make_match(&m1, 0, 0x0a000000);
    make_match(&m2, 1, 0x0a000000);

    tm_flow_table_add(&a, 0, 1, 1, &m1, NULL, 0);
    tm_flow_table_add(&a, 0, 1, 1, &m2, NULL, 0);
    tm_flow_table_add_group(&a, TM_GROUP_BASE, "type=all");
    tm_flow_table_add(&b, 2, 3, 4, &m1, NULL, 0);

    tm_flow_table_swap(&a, &b);
    assert_int_equal(tm_flow_table_count(&a), 1);
    assert_int_equal(tm_flow_table_count(&b), 2);
    assert_non_null(tm_flow_table_find(&a, 2, 3, &m1));
    assert_non_null(tm_flow_table_find(&b, 0, 1, &m2));
    assert_non_null(tm_flow_table_find_group(&b, TM_GROUP_BASE));
    assert_null(tm_flow_table_find_group(&a, TM_GROUP_BASE));

    /* Lookups keep working after more inserts into swapped tables. */
    tm_flow_table_add(&a, 0, 1, 1, &m2, NULL, 0);
    assert_non_null(tm_flow_table_find(&a, 0, 1, &m2));

    tm_flow_table_clear(&b);
    assert_int_equal(tm_flow_table_count(&b), 0);
    assert_null(tm_flow_table_find_group(&b, TM_GROUP_BASE));
    tm_flow_table_add(&b, 0, 1, 1, &m1, NULL, 0);   /* Usable after clear. */
    assert_int_equal(tm_flow_table_count(&b), 1);

    /* Many flows. */
    for (uint32_t i = 0; i < 1000; i++) {
        struct match m;
        make_match(&m, i, 0x0a000000);
        tm_flow_table_add(&b, 1, 10, i, &m, NULL, 0);
    }
    assert_int_equal(tm_flow_table_count(&b), 1001);
    for (uint32_t i = 0; i < 1000; i++) {
        struct match m;
        make_match(&m, i, 0x0a000000);
        struct tm_flow *f = tm_flow_table_find(&b, 1, 10, &m);
        assert_non_null(f);
        assert_int_equal(f->cookie, i);
    }

    tm_flow_table_destroy(&a);
    tm_flow_table_destroy(&b);
    tm_flow_table_destroy(NULL);
}

static void
test_format(void **state OVS_UNUSED)
{
    struct tm_flow_table ft;
    struct match m1, m2, any;
    struct ofpbuf ofpacts;

    tm_flow_table_init(&ft);
    ofpbuf_init(&ofpacts, 0);
    put_output(&ofpacts, 2);
    make_match(&m1, 0, 0x0a000000);
    make_match(&m2, 0, 0x0b000000);
    match_init_catchall(&any);

    /* Inserted out of order on purpose. */
    tm_flow_table_add(&ft, 1, 10, tm_cookie(TM_COOKIE_OTHER, 1), &any,
                      NULL, 0);
    tm_flow_table_add(&ft, 1, 200, tm_cookie(TM_COOKIE_ACCEPT, 1), &m2,
                      ofpacts.data, ofpacts.size);
    tm_flow_table_add(&ft, 1, 200, tm_cookie(TM_COOKIE_ACCEPT, 1), &m1,
                      ofpacts.data, ofpacts.size);
    tm_flow_table_add(&ft, 0, 5, tm_cookie(TM_COOKIE_INFRA, 0), &any,
                      NULL, 0);
    tm_flow_table_add_group(&ft, TM_GROUP_BASE + 1,
                            "type=select,bucket=actions=output:2");
    tm_flow_table_add_group(&ft, TM_GROUP_BASE,
                            "type=select,bucket=actions=output:1");

    struct ds s = DS_EMPTY_INITIALIZER;
    tm_flow_table_format(&ft, &s);
    assert_string_equal(
        ds_cstr(&s),
        "table=0, priority=5, cookie=0x746d000000000000, actions=drop\n"
        "table=1, priority=200, cookie=0x746d010000000001, "
        "ip,reg1=0,nw_src=10.0.0.0/8 actions=output:2\n"
        "table=1, priority=200, cookie=0x746d010000000001, "
        "ip,reg1=0,nw_src=11.0.0.0/8 actions=output:2\n"
        "table=1, priority=10, cookie=0x746d020000000001, actions=drop\n"
        "group_id=1953300480,type=select,bucket=actions=output:1\n"
        "group_id=1953300481,type=select,bucket=actions=output:2\n");
    ds_clear(&s);

    /* An empty table formats as nothing. */
    tm_flow_table_clear(&ft);
    tm_flow_table_format(&ft, &s);
    assert_string_equal(ds_cstr(&s), "");
    ds_destroy(&s);

    ofpbuf_uninit(&ofpacts);
    tm_flow_table_destroy(&ft);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie),
        cmocka_unit_test(test_add_find),
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_same_actions),
        cmocka_unit_test(test_set_field_padding),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_swap_clear),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
