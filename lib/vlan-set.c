/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* VLAN sets ("9,18-27"): parsing and validation.  See tmirror/vlan-set.h. */

#include <config.h>

#include "tmirror/vlan-set.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Parses the decimal VLAN id at '*s' (digits only), advancing '*s' past
 * it.  Returns false if there is no digit or the value exceeds 99999 (so
 * that it cannot overflow; anything above TM_VLAN_MAX is refused by the
 * caller with the value). */
static bool
parse_vid(const char **s, uint32_t *vid)
{
    const char *p = *s;
    uint32_t v = 0;
    while (*p >= '0' && *p <= '9') {
        if (v > 99999) {
            return false;
        }
        v = v * 10 + (*p++ - '0');
    }
    if (p == *s) {
        return false;
    }
    *s = p;
    *vid = v;
    return true;
}

/* Checks one VLAN id 'vid' of the set. */
static char *
check_vid(const char *field, uint32_t vid)
{
    if (vid < TM_VLAN_MIN || vid > TM_VLAN_MAX) {
        return xasprintf("%s: %"PRIu32" is not a VLAN id (%d to %d)",
                         field, vid, TM_VLAN_MIN, TM_VLAN_MAX);
    }
    return NULL;
}

/* Parses one item "N" or "N-M" of 'len' bytes at 'item' into '*r'. */
static char *
parse_item(const char *field, const char *item, size_t len,
           struct tm_vlan_range *r)
{
    char *text = xmemdup0(item, len);
    const char *p = text;
    uint32_t from, to;
    char *error = NULL;

    if (!parse_vid(&p, &from)) {
        goto syntax;
    }
    to = from;
    if (*p == '-') {
        p++;
        if (!parse_vid(&p, &to)) {
            goto syntax;
        }
    }
    if (*p) {
        goto syntax;
    }
    error = check_vid(field, from);
    if (!error) {
        error = check_vid(field, to);
    }
    if (!error && from > to) {
        error = xasprintf("%s: %s is not a valid range (%"PRIu32" is "
                          "greater than %"PRIu32")", field, text, from, to);
    }
    if (!error) {
        r->from = from;
        r->to = to;
    }
    free(text);
    return error;

syntax:
    error = xasprintf("%s: \"%s\" is not a VLAN id or a range of them "
                      "(expected, e.g., 9,18-27)", field, text);
    free(text);
    return error;
}

/* qsort() comparator for ranges by their start. */
static int
compare_ranges(const void *a_, const void *b_)
{
    const struct tm_vlan_range *a = a_, *b = b_;
    return a->from < b->from ? -1 : a->from > b->from;
}

/* Formats range 'r' as the text an operator wrote for it. */
static char *
range_text(const struct tm_vlan_range *r)
{
    return (r->from == r->to ? xasprintf("%"PRIu16, r->from)
            : xasprintf("%"PRIu16"-%"PRIu16, r->from, r->to));
}

/* Sorts 'set' and refuses a VLAN id that two items name. */
static char *
check_disjoint(const char *field, struct tm_vlan_set *set)
{
    qsort(set->ranges, set->n, sizeof *set->ranges, compare_ranges);
    for (size_t i = 1; i < set->n; i++) {
        const struct tm_vlan_range *a = &set->ranges[i - 1];
        const struct tm_vlan_range *b = &set->ranges[i];
        if (b->from <= a->to) {
            char *ta = range_text(a), *tb = range_text(b);
            char *error = xasprintf("%s: VLAN %"PRIu16" is listed twice "
                                    "(in %s and in %s)", field, b->from,
                                    ta, tb);
            free(ta);
            free(tb);
            return error;
        }
    }
    return NULL;
}

/* Parses 's': see vlan-set.h. */
char *
tm_parse_vlan_set(const char *field, const char *s, struct tm_vlan_set *set)
{
    set->ranges = NULL;
    set->n = 0;
    if (!s || !*s) {
        return xasprintf("%s: missing value (expected VLAN ids or ranges, "
                         "e.g., 9,18-27)", field);
    }
    size_t len = strlen(s);
    if (len > TM_VLAN_TEXT_MAX) {
        return xasprintf("%s: %.20s... is %"PRIuSIZE" characters long (at "
                         "most %d)", field, s, len, TM_VLAN_TEXT_MAX);
    }

    size_t allocated = 0;
    char *error = NULL;
    const char *item = s;
    for (;;) {
        const char *comma = strchr(item, ',');
        size_t item_len = comma ? (size_t) (comma - item) : strlen(item);
        if (set->n >= allocated) {
            set->ranges = x2nrealloc(set->ranges, &allocated,
                                     sizeof *set->ranges);
        }
        error = parse_item(field, item, item_len, &set->ranges[set->n]);
        if (error) {
            break;
        }
        set->n++;
        if (!comma) {
            break;
        }
        item = comma + 1;
    }
    if (!error) {
        error = check_disjoint(field, set);
    }
    if (error) {
        tm_vlan_set_destroy(set);
    }
    return error;
}

/* Checks 's' as a VLAN set. */
char *
tm_check_vlan_set(const char *field, const char *s)
{
    struct tm_vlan_set set;
    char *error = tm_parse_vlan_set(field, s, &set);
    if (!error) {
        tm_vlan_set_destroy(&set);
    }
    return error;
}

/* Frees what 'set' owns and leaves it empty. */
void
tm_vlan_set_destroy(struct tm_vlan_set *set)
{
    free(set->ranges);
    set->ranges = NULL;
    set->n = 0;
}
