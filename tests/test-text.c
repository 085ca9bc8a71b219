/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Unit tests for include/tmirror/text.h (lib/text.c). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "smap.h"
#include "tmirror/text.h"
#include "unicode.h"
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

/* Asserts that tm_text_escape('s') is 'expected'. */
static void
check_escape(const char *s, const char *expected)
{
    char *escaped = tm_text_escape(s);
    assert_string_equal(escaped, expected);
    free(escaped);
}

static void
test_escape(void **state)
{
    (void) state;

    check_escape("", "\"\"");
    check_escape("web", "\"web\"");
    check_escape("a b", "\"a b\"");
    check_escape("say \"hi\"\\", "\"say \\\"hi\\\"\\\\\"");
    check_escape("a\nb\tc\rd", "\"a\\nb\\tc\\rd\"");
    check_escape("\x01\x1f\x7f", "\"\\u0001\\u001F\\u007F\"");
    check_escape("caf\xc3\xa9", "\"caf\xc3\xa9\"");          /* é */
    check_escape("\xc2\x85", "\"\\u0085\"");                 /* NEL */
    check_escape("\xe2\x80\xae", "\"\\u202E\"");             /* RLO */
    check_escape("\xe2\x80\xa8", "\"\\u2028\"");             /* LS */
    check_escape("web\xff", "\"web\\xFF\"");
    check_escape("\xc3", "\"\\xC3\"");                       /* Truncated. */
    check_escape("\xc0\xaf", "\"\\xC0\\xAF\"");              /* Overlong. */
    check_escape("\xed\xa0\x80", "\"\\xED\\xA0\\x80\"");     /* Surrogate. */
    check_escape("\xf4\x90\x80\x80", "\"\\xF4\\x90\\x80\\x80\"");
    check_escape("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");  /* Emoji. */
}

static void
test_utf8(void **state)
{
    (void) state;
    static const char *const samples[] = {
        "", "ascii", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
        "\xff", "a\x80", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
        "\xed\x9f\xbf", "\xee\x80\x80", "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80",
        "\xf8\x88\x80\x80\x80", "\xe2\x82", "\xc3\xa9\xa9",
    };

    /* The same verdict as OVSDB's own validation. */
    for (size_t i = 0; i < ARRAY_SIZE(samples); i++) {
        char *ovs = utf8_validate(samples[i], NULL);
        char *ours = tm_check_utf8("f", samples[i]);
        if (!ovs != !ours) {
            print_error("sample %"PRIuSIZE": OVS says %s, tmirror says %s\n",
                        i, ovs ? ovs : "valid", ours ? ours : "valid");
            fail();
        }
        free(ovs);
        free(ours);
    }
    check_ok(tm_check_utf8("external_ids:k", NULL));
    check_err(tm_check_utf8("external_ids:owner", "ops\xff"),
              "external_ids:owner: \"ops\\xFF\" is not valid UTF-8");
}

static void
test_name(void **state)
{
    (void) state;
    static const char *const good[] = {
        "web", "w", "0", "web1-ids", "vm_42.prod", "tms-0123abcd",
        "a:b", "A-Z.z_9",
    };
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        check_ok(tm_check_name("name", good[i]));
        assert_true(tm_is_valid_name(good[i]));
    }

    char long_name[300];
    memset(long_name, 'a', sizeof long_name);
    long_name[255] = '\0';
    check_ok(tm_check_name("name", long_name));
    long_name[255] = 'a';
    long_name[256] = '\0';
    char *error = tm_check_name("name", long_name);
    assert_non_null(strstr(error, "is 256 characters long (at most 255)"));
    free(error);
    assert_false(tm_is_valid_name(long_name));

#define RULE "a name is 1 to 255 ASCII letters, digits, '-', '_', '.' or " \
    "':', starting with a letter or a digit"
    check_err(tm_check_name("name", ""), "name: missing value (" RULE ")");
    check_err(tm_check_name("name", NULL), "name: missing value (" RULE ")");
    check_err(tm_check_name("name", "my web"),
              "name: \"my web\" contains U+0020 (" RULE ")");
    check_err(tm_check_name("name", "a\nb"),
              "name: \"a\\nb\" contains U+000A (" RULE ")");
    check_err(tm_check_name("name", "tab\there"),
              "name: \"tab\\there\" contains U+0009 (" RULE ")");
    check_err(tm_check_name("name", "a/b"),
              "name: \"a/b\" contains '/' (" RULE ")");
    check_err(tm_check_name("name", "caf\xc3\xa9"),
              "name: \"caf\xc3\xa9\" contains U+00E9 (" RULE ")");
    check_err(tm_check_name("name", "web\xff"),
              "name: \"web\\xFF\" is not valid UTF-8");
    check_err(tm_check_name("name", "-x"),
              "name: \"-x\" starts with '-' (" RULE ")");
    check_err(tm_check_name("name", ".hidden"),
              "name: \".hidden\" starts with '.' (" RULE ")");
    assert_false(tm_is_valid_name("-x"));
    assert_false(tm_is_valid_name(""));
    assert_false(tm_is_valid_name(NULL));
    assert_false(tm_is_valid_name("a b"));
#undef RULE
}

static void
test_iface_id(void **state)
{
    (void) state;

    check_ok(tm_check_iface_id("source", "vm1"));
    check_ok(tm_check_iface_id("source",
                               "6f1d6c7e-36c4-4b7e-9a0e-7c9f3a3c0d1e"));
    check_ok(tm_check_iface_id("source", "tap/eth0@host:1"));
    check_ok(tm_check_iface_id("source", "caf\xc3\xa9"));

#define RULE "an iface-id is 1 to 255 bytes of UTF-8 without spaces or " \
    "control characters"
    check_err(tm_check_iface_id("source", ""),
              "source: missing value (expected an iface-id)");
    check_err(tm_check_iface_id("source", "vm 1"),
              "source: \"vm 1\" contains U+0020 (" RULE ")");
    check_err(tm_check_iface_id("port", "vm\t1"),
              "port: \"vm\\t1\" contains U+0009 (" RULE ")");
    check_err(tm_check_iface_id("source", "vm\xc2\xa0" "1"),
              "source: \"vm\xc2\xa0" "1\" contains U+00A0 (" RULE ")");
    check_err(tm_check_iface_id("source", "vm\xe2\x80\xae"),
              "source: \"vm\\u202E\" contains U+202E (" RULE ")");
    check_err(tm_check_iface_id("source", "vm\xff"),
              "source: \"vm\\xFF\" is not valid UTF-8");
#undef RULE

    char long_id[300];
    memset(long_id, 'x', sizeof long_id);
    long_id[256] = '\0';
    char *error = tm_check_iface_id("source", long_id);
    assert_non_null(strstr(error, "is 256 bytes long (at most 255)"));
    free(error);
}

static void
test_description(void **state)
{
    (void) state;

    check_ok(tm_check_description("description", ""));
    check_ok(tm_check_description("description", NULL));
    check_ok(tm_check_description("description", "HTTP and HTTPS, \"web\""));
    check_ok(tm_check_description("description",
                                  "\xe6\x97\xa5\xe6\x9c\xac caf\xc3\xa9"));

#define RULE "a description is one line of at most 255 characters, without " \
    "control characters"
    check_err(tm_check_description("description", "line 1\nline 2"),
              "description: \"line 1\\nline 2\" contains U+000A (" RULE ")");
    check_err(tm_check_description("description", "a\tb"),
              "description: \"a\\tb\" contains U+0009 (" RULE ")");
    check_err(tm_check_description("description", "bell\x07"),
              "description: \"bell\\u0007\" contains U+0007 (" RULE ")");
    check_err(tm_check_description("description", "x\xc2\x9b" "y"),
              "description: \"x\\u009By\" contains U+009B (" RULE ")");
    check_err(tm_check_description("description", "abc\xe2\x80\xae" "def"),
              "description: \"abc\\u202Edef\" contains U+202E (" RULE ")");
    check_err(tm_check_description("description", "abc\xe2\x81\xa6"),
              "description: \"abc\\u2066\" contains U+2066 (" RULE ")");
    check_err(tm_check_description("description", "a\xe2\x80\xa9"),
              "description: \"a\\u2029\" contains U+2029 (" RULE ")");
    check_err(tm_check_description("description", "web\xff"),
              "description: \"web\\xFF\" is not valid UTF-8");
#undef RULE

    /* 255 characters, counted as characters: each é is two bytes. */
    char text[2 * 256 + 1];
    for (size_t i = 0; i < 255; i++) {
        memcpy(&text[2 * i], "\xc3\xa9", 2);
    }
    text[2 * 255] = '\0';
    check_ok(tm_check_description("description", text));
    memcpy(&text[2 * 255], "\xc3\xa9", 3);
    char *error = tm_check_description("description", text);
    assert_non_null(strstr(error, "is 256 characters long (at most 255)"));
    free(error);
}

static void
test_printable(void **state)
{
    (void) state;
    char long_text[1001];
    memset(long_text, 'x', 1000);
    long_text[1000] = '\0';

    assert_true(tm_text_is_printable(""));
    assert_true(tm_text_is_printable("web traffic, \"quoted\" caf\xc3\xa9"));
    assert_true(tm_text_is_printable(long_text));
    assert_false(tm_text_is_printable("a\nb"));
    assert_false(tm_text_is_printable("tab\t"));
    assert_false(tm_text_is_printable("\xe2\x80\xae"));
    assert_false(tm_text_is_printable("bad\xff"));
}

static void
test_smap(void **state)
{
    (void) state;
    struct smap map = SMAP_INITIALIZER(&map);

    check_ok(tm_check_smap_utf8("external_ids", &map));
    smap_add(&map, "owner", "ops");
    smap_add(&map, "note", "line\none");
    check_ok(tm_check_smap_utf8("external_ids", &map));
    smap_add(&map, "zz", "bad\xfe");
    smap_add(&map, "aa", "bad\xff");
    check_err(tm_check_smap_utf8("external_ids", &map),
              "external_ids:aa: \"bad\\xFF\" is not valid UTF-8");
    smap_clear(&map);
    smap_add(&map, "k\xff", "v");
    check_err(tm_check_smap_utf8("options", &map),
              "options: \"k\\xFF\" is not valid UTF-8");
    smap_destroy(&map);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_name),
        cmocka_unit_test(test_iface_id),
        cmocka_unit_test(test_description),
        cmocka_unit_test(test_printable),
        cmocka_unit_test(test_smap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
