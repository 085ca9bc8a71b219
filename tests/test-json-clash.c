/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* jansson and libopenvswitch in one program: each side's json_integer(),
 * json_real(), json_string(), json_array(), json_object() and json_equal()
 * must reach its own library.  This file is the jansson half; the OVS half
 * is tests/json-clash-ovs.c.  Linked against OVS's archive as it is (before
 * the build renamed its symbols), the jansson calls here would run OVS's
 * functions on jansson's arguments: json_integer(5) would dereference the
 * address 5. */

#include <config.h>

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json-clash-ovs.h"

/* jansson's constructors and json_equal(), called by name. */
static void
test_jansson_side(void **state)
{
    (void) state;

    json_t *integer = json_integer(5);
    assert_non_null(integer);
    assert_true(json_is_integer(integer));
    assert_int_equal(json_integer_value(integer), 5);

    json_t *real = json_real(2.5);
    assert_non_null(real);
    assert_true(json_is_real(real));
    assert_true(json_real_value(real) == 2.5);

    json_t *string = json_string("mirror");
    assert_non_null(string);
    assert_string_equal(json_string_value(string), "mirror");

    json_t *array = json_array();
    assert_non_null(array);
    assert_int_equal(json_array_append(array, integer), 0);
    assert_int_equal(json_array_size(array), 1);

    json_t *object = json_object();
    assert_non_null(object);
    assert_int_equal(json_object_set(object, "s", string), 0);
    assert_int_equal(json_object_size(object), 1);

    json_t *five = json_integer(5);
    assert_true(json_equal(integer, five));
    assert_false(json_equal(integer, real));

    json_decref(five);
    json_decref(object);
    json_decref(array);
    json_decref(string);
    json_decref(real);
    json_decref(integer);
}

/* OVS's accessors of the same names, from a file that sees OVS's JSON API,
 * in the same program. */
static void
test_ovs_side(void **state)
{
    (void) state;

    assert_int_equal(json_clash_ovs_integer(-7), -7);
    assert_true(json_clash_ovs_real(0.25) == 0.25);
    char *s = json_clash_ovs_string("ovs");
    assert_string_equal(s, "ovs");
    free(s);
    assert_int_equal(json_clash_ovs_array_size(3), 3);
    assert_int_equal(json_clash_ovs_object_size(4), 4);
    assert_true(json_clash_ovs_equal(9, 9));
    assert_false(json_clash_ovs_equal(9, 10));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jansson_side),
        cmocka_unit_test(test_ovs_side),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
