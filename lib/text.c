/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* What the strings of the intent may hold.  See include/tmirror/text.h for
 * the rules and the contract of every function. */

#include <config.h>

#include "tmirror/text.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "smap.h"
#include "util.h"

#define NAME_RULE "a name is 1 to 255 ASCII letters, digits, '-', '_', " \
    "'.' or ':', starting with a letter or a digit"
#define IFACE_ID_RULE "an iface-id is 1 to 255 bytes of UTF-8 without " \
    "spaces or control characters"
#define DESCRIPTION_RULE "a description is one line of at most 255 " \
    "characters, without control characters"

/* Decodes the UTF-8 character at 's', which has 'n' >= 1 bytes left, into
 * '*cp'.  Returns its length in bytes, or 0 if 's' does not start a
 * well-formed sequence (RFC 3629: no overlong form, no surrogate, nothing
 * above U+10FFFF), the same rule as OVSDB's. */
static size_t
utf8_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t min;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    } else if ((s[0] & 0xe0) == 0xc0) {
        len = 2, min = 0x80, *cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3, min = 0x800, *cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4, min = 0x10000, *cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        *cp = (*cp << 6) | (s[i] & 0x3f);
    }
    if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) {
        return 0;
    }
    return len;
}

/* Returns true if 'cp' may not appear in a description: a control
 * character, a line or paragraph separator, or a bidirectional control. */
static bool
is_refused_in_text(uint32_t cp)
{
    return (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)
            || cp == 0x2028 || cp == 0x2029
            || (cp >= 0x202a && cp <= 0x202e)
            || (cp >= 0x2066 && cp <= 0x2069));
}

/* Returns true if 'cp' is white space (Unicode's White_Space property). */
static bool
is_space(uint32_t cp)
{
    return ((cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85
            || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a)
            || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f
            || cp == 0x3000);
}

/* Returns true if 'c' may appear in a name. */
static bool
is_name_char(int c)
{
    return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
            || c == ':');
}

/* Returns true if 'c' may start a name. */
static bool
is_name_start(int c)
{
    return is_name_char(c) && c != '-' && c != '_' && c != '.' && c != ':';
}

/* Escapes 's'.  See text.h. */
char *
tm_text_escape(const char *s_)
{
    const uint8_t *s = (const uint8_t *) s_;
    size_t n = strlen(s_);
    struct ds out = DS_EMPTY_INITIALIZER;

    ds_put_char(&out, '"');
    while (n) {
        uint32_t cp;
        size_t len = utf8_decode(s, n, &cp);
        if (!len) {
            ds_put_format(&out, "\\x%02X", s[0]);
            len = 1;
        } else if (cp == '"' || cp == '\\') {
            ds_put_format(&out, "\\%c", (int) cp);
        } else if (cp == '\n') {
            ds_put_cstr(&out, "\\n");
        } else if (cp == '\r') {
            ds_put_cstr(&out, "\\r");
        } else if (cp == '\t') {
            ds_put_cstr(&out, "\\t");
        } else if (is_refused_in_text(cp)) {
            ds_put_format(&out, "\\u%04"PRIX32, cp);
        } else {
            ds_put_buffer(&out, (const char *) s, len);
        }
        s += len;
        n -= len;
    }
    ds_put_char(&out, '"');
    return ds_steal_cstr(&out);
}

/* Returns a malloc()'d description of character 'cp' for a message:
 * "'x'" for a visible ASCII character, else "U+XXXX". */
static char *
describe_char(uint32_t cp)
{
    return (cp > 0x20 && cp < 0x7f
            ? xasprintf("'%c'", (int) cp)
            : xasprintf("U+%04"PRIX32, cp));
}

/* Returns a message "FIELD: "VALUE" TEXT". */
static char *
text_error(const char *field, const char *s, const char *format, ...)
    OVS_PRINTF_FORMAT(3, 4);
static char *
text_error(const char *field, const char *s, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *text = xvasprintf(format, args);
    va_end(args);

    char *value = tm_text_escape(s);
    char *msg = xasprintf("%s: %s %s", field, value, text);
    free(value);
    free(text);
    return msg;
}

/* Checks that 's' is valid UTF-8 and that none of its characters is
 * refused by 'refuse'; 'rule' explains the rule in the message.  Stores the
 * number of characters in '*n_chars'. */
static char *
check_chars(const char *field, const char *s, bool (*refuse)(uint32_t),
            const char *rule, size_t *n_chars)
{
    const uint8_t *p = (const uint8_t *) s;
    size_t n = strlen(s);

    *n_chars = 0;
    while (n) {
        uint32_t cp;
        size_t len = utf8_decode(p, n, &cp);
        if (!len) {
            return text_error(field, s, "is not valid UTF-8");
        }
        if (refuse && refuse(cp)) {
            char *c = describe_char(cp);
            char *msg = text_error(field, s, "contains %s (%s)", c, rule);
            free(c);
            return msg;
        }
        p += len;
        n -= len;
        ++*n_chars;
    }
    return NULL;
}

/* Returns true if 's' is a valid name. */
bool
tm_is_valid_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (!n || n > TM_NAME_MAX_LEN || !is_name_start((unsigned char) s[0])) {
        return false;
    }
    for (size_t i = 1; i < n; i++) {
        if (!is_name_char((unsigned char) s[i])) {
            return false;
        }
    }
    return true;
}

/* Returns true if 's' prints as it is, on one line. */
bool
tm_text_is_printable(const char *s)
{
    size_t n_chars;
    char *error = check_chars("", s, is_refused_in_text, "", &n_chars);
    free(error);
    return !error;
}

/* Returns true if 'cp' may not appear in a name. */
static bool
refused_in_name(uint32_t cp)
{
    return cp >= 0x80 || !is_name_char(cp);
}

/* Checks a name. */
char *
tm_check_name(const char *field, const char *s)
{
    if (!s || !*s) {
        return xasprintf("%s: missing value (%s)", field, NAME_RULE);
    }

    size_t n_chars;
    char *error = check_chars(field, s, refused_in_name, NAME_RULE,
                              &n_chars);
    if (error) {
        return error;
    }
    if (!is_name_start((unsigned char) s[0])) {
        return text_error(field, s, "starts with '%c' (%s)", s[0],
                          NAME_RULE);
    }
    if (strlen(s) > TM_NAME_MAX_LEN) {
        return text_error(field, s, "is %"PRIuSIZE" characters long (at "
                          "most %d)", strlen(s), TM_NAME_MAX_LEN);
    }
    return NULL;
}

/* Returns true if 'cp' may not appear in an iface-id. */
static bool
refused_in_iface_id(uint32_t cp)
{
    return is_refused_in_text(cp) || is_space(cp);
}

/* Checks an iface-id. */
char *
tm_check_iface_id(const char *field, const char *s)
{
    if (!s || !*s) {
        return xasprintf("%s: missing value (expected an iface-id)", field);
    }

    size_t n_chars;
    char *error = check_chars(field, s, refused_in_iface_id, IFACE_ID_RULE,
                              &n_chars);
    if (!error && strlen(s) > TM_IFACE_ID_MAX_LEN) {
        error = text_error(field, s, "is %"PRIuSIZE" bytes long (at most "
                           "%d)", strlen(s), TM_IFACE_ID_MAX_LEN);
    }
    return error;
}

/* Checks a description (NULL is the empty description). */
char *
tm_check_description(const char *field, const char *s)
{
    size_t n_chars;
    char *error = s ? check_chars(field, s, is_refused_in_text,
                                  DESCRIPTION_RULE, &n_chars) : NULL;
    if (!error && s && n_chars > TM_DESCRIPTION_MAX_LEN) {
        error = text_error(field, s, "is %"PRIuSIZE" characters long (at "
                           "most %d)", n_chars, TM_DESCRIPTION_MAX_LEN);
    }
    return error;
}

/* Checks that 's' (NULL is the empty string) is valid UTF-8. */
char *
tm_check_utf8(const char *field, const char *s)
{
    size_t n_chars;
    return s ? check_chars(field, s, NULL, NULL, &n_chars) : NULL;
}

/* Checks the keys and values of 'map', in key order. */
char *
tm_check_smap_utf8(const char *field, const struct smap *map)
{
    const struct smap_node **nodes = smap_sort(map);
    char *error = NULL;

    for (size_t i = 0; i < smap_count(map) && !error; i++) {
        error = tm_check_utf8(field, nodes[i]->key);
        if (!error) {
            char *key_field = xasprintf("%s:%s", field, nodes[i]->key);
            error = tm_check_utf8(key_field, nodes[i]->value);
            free(key_field);
        }
    }
    free(nodes);
    return error;
}
