/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The OVS half of tests/test-json-clash.c (see json-clash-ovs.h).  This file
 * sees OVS's openvswitch/json.h, so each call below of json_integer(),
 * json_real(), ... reaches the renamed OVS function (ovs_json_integer(),
 * ...), never jansson's. */

#include <config.h>

#include "json-clash-ovs.h"

#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "util.h"

/* Returns 'value' read back from an OVS integer. */
int64_t
json_clash_ovs_integer(int64_t value)
{
    struct json *json = json_integer_create(value);
    int64_t result = json_integer(json);
    json_destroy(json);
    return result;
}

/* Returns 'value' read back from an OVS real. */
double
json_clash_ovs_real(double value)
{
    struct json *json = json_real_create(value);
    double result = json_real(json);
    json_destroy(json);
    return result;
}

/* Returns a copy of 'value' read back from an OVS string. */
char *
json_clash_ovs_string(const char *value)
{
    struct json *json = json_string_create(value);
    char *result = xstrdup(json_string(json));
    json_destroy(json);
    return result;
}

/* Returns the size of an OVS array of 'n' nulls. */
size_t
json_clash_ovs_array_size(size_t n)
{
    struct json *json = json_array_create_empty();
    for (size_t i = 0; i < n; i++) {
        json_array_add(json, json_null_create());
    }
    size_t result = json_array(json)->n;
    json_destroy(json);
    return result;
}

/* Returns the size of an OVS object with 'n' members. */
size_t
json_clash_ovs_object_size(size_t n)
{
    struct json *json = json_object_create();
    for (size_t i = 0; i < n; i++) {
        json_object_put_nocopy(json, xasprintf("k%"PRIuSIZE, i),
                               json_integer_create(i));
    }
    size_t result = shash_count(json_object(json));
    json_destroy(json);
    return result;
}

/* Returns whether OVS's integers 'a' and 'b' are equal. */
bool
json_clash_ovs_equal(int64_t a, int64_t b)
{
    struct json *ja = json_integer_create(a);
    struct json *jb = json_integer_create(b);
    bool result = json_equal(ja, jb);
    json_destroy(ja);
    json_destroy(jb);
    return result;
}
