/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "api-form.h"

#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "smap.h"
#include "util.h"

/* Returns the value of hex digit 'c', or -1. */
static int
hexval(int c)
{
    return (c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1);
}

/* Decodes one component.  Returns NULL if it encodes a NUL byte. */
char *
api_form_decode(const char *s, size_t n)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '+') {
            ds_put_char(&ds, ' ');
        } else if (s[i] == '%' && i + 2 < n
                   && (hi = hexval(s[i + 1])) >= 0
                   && (lo = hexval(s[i + 2])) >= 0) {
            if (!hi && !lo) {
                ds_destroy(&ds);
                return NULL;
            }
            ds_put_char(&ds, hi * 16 + lo);
            i += 2;
        } else {
            ds_put_char(&ds, s[i]);
        }
    }
    return ds_steal_cstr(&ds);
}

/* Parses form text into 'params'. */
char *
api_form_parse(const char *text, struct smap *params)
{
    const char *p = text ? text : "";
    char *error = NULL;
    while (*p && !error) {
        size_t len = strcspn(p, "&");
        if (len) {
            const char *eq = memchr(p, '=', len);
            size_t klen = eq ? eq - p : len;
            char *key = api_form_decode(p, klen);
            char *value = eq ? api_form_decode(eq + 1, len - klen - 1)
                             : xstrdup("");
            if (!key || !value) {
                error = xasprintf("%.*s: contains a NUL byte (%%00)",
                                  (int) MIN(klen, 64), p);
            } else if (!*key) {
                error = xstrdup("a parameter has an empty name");
            } else if (smap_get(params, key)) {
                error = xasprintf("%s: given more than once", key);
            } else {
                smap_add(params, key, value);
            }
            free(key);
            free(value);
        }
        p += len;
        if (*p == '&') {
            p++;
        }
    }
    return error;
}
