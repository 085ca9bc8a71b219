/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_TESTS_JSON_CLASH_OVS_H
#define TMIRROR_TESTS_JSON_CLASH_OVS_H 1

/* The OVS half of tests/test-json-clash.c: each function builds a value with
 * OVS's JSON library and reads it back through the accessor whose name
 * jansson also exports (json_integer(), json_object(), ...).  Plain C types
 * only, so that the jansson half can call them. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int64_t json_clash_ovs_integer(int64_t value);      /* json_integer() */
double json_clash_ovs_real(double value);            /* json_real() */
char *json_clash_ovs_string(const char *value);      /* json_string() */
size_t json_clash_ovs_array_size(size_t n);          /* json_array() */
size_t json_clash_ovs_object_size(size_t n);         /* json_object() */
bool json_clash_ovs_equal(int64_t a, int64_t b);     /* json_equal() */

#endif /* tests/json-clash-ovs.h */
