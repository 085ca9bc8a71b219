/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_VLAN_SET_H
#define TMIRROR_VLAN_SET_H 1

/* A set of 802.1Q VLAN ids, as Filter_Rule.vlan writes it: VLAN ids and
 * ranges separated by commas, "9,18-27".
 *
 * The text is accepted when it is a comma-separated list of items "N" or
 * "N-M" in decimal, with 1 <= N <= M <= 4094 (0 marks a priority-tagged
 * frame and 4095 is reserved: neither is a VLAN), no blanks, no empty item,
 * no VLAN id in two items, and at most TM_VLAN_TEXT_MAX characters.  Items
 * may come in any order; the text is stored as written.  Every door into
 * the database (tmirror-ctl, apply documents, tmirror-api) and the
 * controller judge it with tm_parse_vlan_set(), so all refuse the same
 * values with the same message. */

#include <stddef.h>
#include <stdint.h>

#define TM_VLAN_MIN 1
#define TM_VLAN_MAX 4094
#define TM_VLAN_TEXT_MAX 1024   /* Neutron TaaS's vlan_filter column. */

/* One range of VLAN ids, 'from' <= 'to'. */
struct tm_vlan_range {
    uint16_t from, to;
};

/* A parsed VLAN set: disjoint ranges in ascending order.  Owns 'ranges'. */
struct tm_vlan_set {
    struct tm_vlan_range *ranges;
    size_t n;
};

/* Parses 's' into 'set' (which the caller must tm_vlan_set_destroy() on
 * success; it is left empty on error).  Returns NULL or a malloc()'d
 * message that names 'field' and the offending text, e.g. "vlan: 4095 is
 * not a VLAN id (1 to 4094)". */
char *tm_parse_vlan_set(const char *field, const char *s,
                        struct tm_vlan_set *set);

/* Like tm_parse_vlan_set(), for checking only. */
char *tm_check_vlan_set(const char *field, const char *s);

void tm_vlan_set_destroy(struct tm_vlan_set *);

#endif /* tmirror/vlan-set.h */
