/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Typed access to the members of a jansson object, with errors that name the
 * JSON path of the offending value, and the path at an offset of JSON text
 * for the errors that jansson reports while parsing (see tmirror/jpath.h). */

#include <config.h>

#include "tmirror/jpath.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "smap.h"
#include "tmirror/validate.h"
#include "util.h"

/* Appends 's' to 'ds' as a JSON string, written the way OVS's JSON library
 * writes one (so that messages keep their form): '"', '\\' and control
 * characters escaped (\b, \t, \n, \f, \r, else \u00xx), every other byte
 * as it is. */
static void
put_json_string(struct ds *ds, const char *s)
{
    ds_put_char(ds, '"');
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        switch (*p) {
        case '"':
        case '\\':
            ds_put_char(ds, '\\');
            ds_put_char(ds, *p);
            break;
        case '\b':
            ds_put_cstr(ds, "\\b");
            break;
        case '\t':
            ds_put_cstr(ds, "\\t");
            break;
        case '\n':
            ds_put_cstr(ds, "\\n");
            break;
        case '\f':
            ds_put_cstr(ds, "\\f");
            break;
        case '\r':
            ds_put_cstr(ds, "\\r");
            break;
        default:
            if (*p < 0x20) {
                ds_put_format(ds, "\\u%04x", *p);
            } else {
                ds_put_char(ds, *p);
            }
            break;
        }
    }
    ds_put_char(ds, '"');
}

/* Returns the JSON path of member 'key' of the object at 'parent':
 * "$.a.key", or "$.a[\"odd key\"]" when 'key' is not an identifier. */
char *
jpath_key(const char *parent, const char *key)
{
    bool plain = *key != '\0';
    for (const char *p = key; *p; p++) {
        if (!(isalnum((unsigned char) *p) || *p == '_' || *p == '-')) {
            plain = false;
            break;
        }
    }
    if (plain) {
        return xasprintf("%s.%s", parent, key);
    }
    struct ds ds = DS_EMPTY_INITIALIZER;
    ds_put_format(&ds, "%s[", parent);
    put_json_string(&ds, key);
    ds_put_char(&ds, ']');
    return ds_steal_cstr(&ds);
}

/* Returns the JSON path of element 'i' of the array at 'parent'. */
char *
jpath_index(const char *parent, size_t i)
{
    return xasprintf("%s[%"PRIuSIZE"]", parent, i);
}

/* Returns 'value' as compact JSON text for a message, shortened if long. */
char *
jpath_describe(const json_t *value)
{
    char *s = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!s) {
        return xstrdup("(unprintable)");
    }
    char *copy = strlen(s) > 40 ? xasprintf("%.36s...", s) : xstrdup(s);
    free(s);
    return copy;
}

/* Returns true if 'value' is a string made of an optional '-' and one or
 * more decimal digits. */
bool
jpath_is_quoted_integer(const json_t *value)
{
    if (!json_is_string(value)) {
        return false;
    }
    const char *s = json_string_value(value);
    if (*s == '-') {
        s++;
    }
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (!isdigit((unsigned char) *s)) {
            return false;
        }
    }
    return true;
}

/* Returns the hint for a scalar written as a string, or "". */
static const char *
quoted_scalar_hint(const json_t *value)
{
    if (jpath_is_quoted_integer(value)) {
        return " (write numbers without quotes)";
    }
    if (json_is_string(value)
        && (!strcmp(json_string_value(value), "true")
            || !strcmp(json_string_value(value), "false"))) {
        return " (write true and false without quotes)";
    }
    return "";
}

/* Returns "PATH: expected EXPECTED, got VALUE", with a hint for a number or
 * a boolean written as a string. */
char *
jpath_type_error(const char *path, const char *expected, const json_t *value)
{
    char *got = jpath_describe(value);
    char *error = xasprintf("%s: expected %s, got %s%s", path, expected, got,
                            quoted_scalar_hint(value));
    free(got);
    return error;
}

/* Returns 'msg' (which it frees) prefixed by 'path': "PATH: MSG". */
char *
jpath_prefix(const char *path, char *msg)
{
    char *error = xasprintf("%s: %s", path, msg);
    free(msg);
    return error;
}

/* Refuses any key of object 'obj' (at 'path') that is not in the
 * NULL-terminated, sorted list 'keys'; reports the smallest such key. */
char *
jpath_check_keys(const json_t *obj, const char *path,
                 const char *const keys[])
{
    const char *bad = NULL;
    const char *key;
    json_t *value;

    json_object_foreach (CONST_CAST(json_t *, obj), key, value) {
        bool known = false;
        for (size_t i = 0; keys[i]; i++) {
            if (!strcmp(key, keys[i])) {
                known = true;
                break;
            }
        }
        if (!known && (!bad || strcmp(key, bad) < 0)) {
            bad = key;
        }
    }
    if (!bad) {
        return NULL;
    }

    struct ds ds = DS_EMPTY_INITIALIZER;
    char *kpath = jpath_key(path, bad);
    ds_put_format(&ds, "%s: unknown key (expected ", kpath);
    for (size_t i = 0; keys[i]; i++) {
        ds_put_format(&ds, "%s%s", i ? ", " : "", keys[i]);
    }
    ds_put_char(&ds, ')');
    free(kpath);
    return ds_steal_cstr(&ds);
}

/* Fetches the string member 'key' of 'obj' (at 'path') into '*out',
 * replacing its previous value.  'kind' says whether it must be present and
 * whether it may be empty; an absent one leaves '*out' alone. */
char *
jpath_get_string(const json_t *obj, const char *path, const char *key,
                 enum jpath_string_kind kind, char **out)
{
    const json_t *value = json_object_get(obj, key);
    if (!value) {
        return (kind == JPATH_REQUIRED
                ? xasprintf("%s: missing required key \"%s\"", path, key)
                : NULL);
    }

    char *kpath = jpath_key(path, key);
    char *error = NULL;
    if (!json_is_string(value)) {
        error = jpath_type_error(kpath, "a string", value);
    } else if (kind == JPATH_REQUIRED && !json_string_length(value)) {
        error = xasprintf("%s: must not be empty", kpath);
    } else if (kind == JPATH_NONEMPTY && !json_string_length(value)) {
        error = xasprintf("%s: must not be empty (leave the key out "
                          "instead)", kpath);
    } else {
        free(*out);
        *out = xstrdup(json_string_value(value));
    }
    free(kpath);
    return error;
}

/* Fetches the integer member 'key' of 'obj' (at 'path'), checking that it is
 * within 'min'..'max'.  Sets '*has' to whether it is present (and then
 * '*out' to its value).  A 'required' member must be present. */
char *
jpath_get_int(const json_t *obj, const char *path, const char *key,
              bool required, int64_t min, int64_t max, bool *has,
              int64_t *out)
{
    const json_t *value = json_object_get(obj, key);
    *has = value != NULL;
    if (!value) {
        return (required
                ? xasprintf("%s: missing required key \"%s\"", path, key)
                : NULL);
    }

    char *kpath = jpath_key(path, key);
    char *error;
    if (!json_is_integer(value)) {
        error = jpath_type_error(kpath, "an integer", value);
    } else {
        int64_t v = json_integer_value(value);
        error = tm_check_int(kpath, v, min, max);
        if (!error) {
            *out = v;
        }
    }
    free(kpath);
    return error;
}

/* Fetches the boolean member 'key' of 'obj' (at 'path') into '*out' if
 * present. */
char *
jpath_get_bool(const json_t *obj, const char *path, const char *key,
               bool *out)
{
    const json_t *value = json_object_get(obj, key);
    if (!value) {
        return NULL;
    }
    if (!json_is_boolean(value)) {
        char *kpath = jpath_key(path, key);
        char *error = jpath_type_error(kpath, "true or false", value);
        free(kpath);
        return error;
    }
    *out = json_is_true(value);
    return NULL;
}

/* Fetches the member 'key' of 'obj' (at 'path'), an object of strings, into
 * the empty 'out'.  Sets '*has' (if nonnull) to whether it is present. */
char *
jpath_get_smap(const json_t *obj, const char *path, const char *key,
               bool *has, struct smap *out)
{
    const json_t *value = json_object_get(obj, key);
    if (has) {
        *has = value != NULL;
    }
    if (!value) {
        return NULL;
    }

    char *kpath = jpath_key(path, key);
    char *error = NULL;
    if (!json_is_object(value)) {
        error = jpath_type_error(kpath, "an object of strings", value);
    } else {
        const char *k;
        json_t *v;
        json_object_foreach (CONST_CAST(json_t *, value), k, v) {
            if (!json_is_string(v)) {
                char *vpath = jpath_key(kpath, k);
                error = jpath_type_error(vpath, "a string", v);
                free(vpath);
                break;
            }
            smap_replace(out, k, json_string_value(v));
        }
    }
    free(kpath);
    return error;
}

/* Fetches the array member 'key' of 'obj' (at 'path') into '*out' (NULL if
 * absent). */
char *
jpath_get_array(const json_t *obj, const char *path, const char *key,
                const json_t **out)
{
    const json_t *value = json_object_get(obj, key);
    *out = NULL;
    if (!value) {
        return NULL;
    }
    if (!json_is_array(value)) {
        char *kpath = jpath_key(path, key);
        char *error = jpath_type_error(kpath, "an array", value);
        free(kpath);
        return error;
    }
    *out = value;
    return NULL;
}

/* Checks that 'value' (at 'path') is an object. */
char *
jpath_check_object(const json_t *value, const char *path)
{
    return (json_is_object(value) ? NULL
            : jpath_type_error(path, "an object", value));
}

/* ---- Locating an offset in JSON text. ---- */

/* One open object or array while scanning JSON text. */
struct jpath_frame {
    bool is_object;
    bool want_key;              /* Object: the next string is a key. */
    char *key;                  /* Object: the current key, or NULL. */
    size_t index;               /* Array: the current element. */
};

/* Appends to 'ds' the code point 'c' in UTF-8. */
static void
put_utf8(struct ds *ds, unsigned int c)
{
    if (c < 0x80) {
        ds_put_char(ds, c);
    } else if (c < 0x800) {
        ds_put_char(ds, 0xc0 | (c >> 6));
        ds_put_char(ds, 0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
        ds_put_char(ds, 0xe0 | (c >> 12));
        ds_put_char(ds, 0x80 | ((c >> 6) & 0x3f));
        ds_put_char(ds, 0x80 | (c & 0x3f));
    } else {
        ds_put_char(ds, 0xf0 | (c >> 18));
        ds_put_char(ds, 0x80 | ((c >> 12) & 0x3f));
        ds_put_char(ds, 0x80 | ((c >> 6) & 0x3f));
        ds_put_char(ds, 0x80 | (c & 0x3f));
    }
}

/* Reads 4 hex digits at 'p' (before 'end') into '*c'. */
static bool
read_hex4(const char *p, const char *end, unsigned int *c)
{
    if (end - p < 4) {
        return false;
    }
    *c = 0;
    for (int i = 0; i < 4; i++) {
        int d = hexit_value(p[i]);
        if (d < 0) {
            return false;
        }
        *c = (*c << 4) | d;
    }
    return true;
}

/* Returns the character that the JSON escape "\\E" stands for ('u'
 * aside). */
static char
unescape(char e)
{
    switch (e) {
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    default:
        return e;               /* '"', '\\', '/'. */
    }
}

/* Reads the JSON string whose opening quote is at '*pp', up to 'end', and
 * returns its decoded value; leaves '*pp' after the closing quote (or at
 * 'end'). */
static char *
scan_string(const char **pp, const char *end)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    const char *p = *pp + 1;
    while (p < end && *p != '"') {
        if (*p != '\\' || p + 1 >= end) {
            ds_put_char(&ds, *p++);
            continue;
        }
        char e = p[1];
        p += 2;
        unsigned int c, lo;
        if (e != 'u') {
            ds_put_char(&ds, unescape(e));
        } else if (read_hex4(p, end, &c)) {
            p += 4;
            if (c >= 0xd800 && c < 0xdc00 && end - p >= 6 && p[0] == '\\'
                && p[1] == 'u' && read_hex4(p + 2, end, &lo)
                && lo >= 0xdc00 && lo < 0xe000) {
                c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
                p += 6;
            }
            put_utf8(&ds, c);
        }
    }
    *pp = p < end ? p + 1 : end;
    return ds_steal_cstr(&ds);
}

/* Returns the path that the open 'frames' (n of them) describe. */
static char *
frames_path(const struct jpath_frame *frames, size_t n)
{
    char *path = xstrdup("$");
    for (size_t i = 0; i < n; i++) {
        const struct jpath_frame *f = &frames[i];
        char *next = (!f->is_object ? jpath_index(path, f->index)
                      : f->key ? jpath_key(path, f->key)
                      : NULL);
        if (next) {
            free(path);
            path = next;
        }
    }
    return path;
}

/* Returns the path of the value or key that ends at byte 'offset' of
 * 'text'.  Scans the text once, keeping the open objects and arrays. */
char *
jpath_at_offset(const char *text, size_t offset)
{
    size_t len = strnlen(text, offset);
    const char *p = text, *end = text + len;
    struct jpath_frame *frames = NULL;
    size_t n = 0, allocated = 0;

    while (p < end) {
        struct jpath_frame *top = n ? &frames[n - 1] : NULL;
        switch (*p) {
        case '{':
        case '[':
            if (n >= allocated) {
                frames = x2nrealloc(frames, &allocated, sizeof *frames);
            }
            frames[n++] = (struct jpath_frame) {
                .is_object = *p == '{', .want_key = *p == '{',
            };
            p++;
            break;
        case '}':
        case ']':
            if (n) {
                free(frames[--n].key);
            }
            p++;
            break;
        case ',':
            if (top && top->is_object) {
                top->want_key = true;
                free(top->key);
                top->key = NULL;
            } else if (top) {
                top->index++;
            }
            p++;
            break;
        case '"': {
            char *s = scan_string(&p, end);
            if (top && top->is_object && top->want_key) {
                free(top->key);
                top->key = s;
                top->want_key = false;
            } else {
                free(s);
            }
            break;
        }
        default:
            p++;
            break;
        }
    }

    char *path = frames_path(frames, n);
    for (size_t i = 0; i < n; i++) {
        free(frames[i].key);
    }
    free(frames);
    return path;
}
