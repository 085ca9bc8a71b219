/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_FLOW_TABLE_H
#define TMIRROR_FLOW_TABLE_H 1

/* A set of OpenFlow flows and groups for the mirror bridge: what the pipeline
 * wants (desired) or what the switch reported (dumped).  ofctrl compares two
 * of them and sends the difference. */

#include <stdbool.h>
#include <stdint.h>
#include "openvswitch/hmap.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"

/* Cookies.  Every flow tmirror installs carries TM_COOKIE_MAGIC in the top
 * 16 bits; flows without it are someone else's and are never touched.
 *
 *   bits 63..48  0x746d ("tm")
 *   bits 47..40  kind (TM_COOKIE_*)
 *   bits 31..0   session key (tm_session_key()), 0 for infrastructure. */
#define TM_COOKIE_MAGIC     UINT64_C(0x746d000000000000)
#define TM_COOKIE_MAGIC_MASK UINT64_C(0xffff000000000000)
enum tm_cookie_kind {
    TM_COOKIE_INFRA = 0,        /* Classification, drops. */
    TM_COOKIE_ACCEPT = 1,       /* A rule that accepts: counts mirrored. */
    TM_COOKIE_OTHER = 2,        /* Reject, fall-through, conjunction parts,
                                 * decapsulation toward a local appliance. */
};
uint64_t tm_cookie(enum tm_cookie_kind, uint32_t session_key);
enum tm_cookie_kind tm_cookie_get_kind(uint64_t cookie);
uint32_t tm_cookie_get_session(uint64_t cookie);
bool tm_cookie_is_ours(uint64_t cookie);

/* Group ids tmirror owns on the mirror bridge: TM_GROUP_BASE and up. */
#define TM_GROUP_BASE 0x746d0000u
#define TM_GROUP_MAX  0x746dffffu

struct tm_flow {
    struct hmap_node hmap_node; /* In tm_flow_table 'flows'. */
    uint8_t table_id;
    uint16_t priority;
    struct minimatch match;     /* Compact: a flow table may hold 100,000s. */
    uint64_t cookie;
    struct ofpact *ofpacts;     /* Owned. */
    size_t ofpacts_len;
    /* Filled in for dumped flows only. */
    uint64_t n_packets;
    uint64_t n_bytes;
};

struct tm_group {
    struct hmap_node hmap_node; /* In tm_flow_table 'groups'. */
    uint32_t group_id;
    /* Everything after "group_id=N," in ovs-ofctl add-group syntax, e.g.
     * "type=select,selection_method=dp_hash,selection_method_param=...,
     * bucket=actions=...,bucket=actions=...".  Owned. */
    char *spec;
};

struct tm_flow_table {
    struct hmap flows;          /* Contains "struct tm_flow"s. */
    struct hmap groups;         /* Contains "struct tm_group"s. */
};

void tm_flow_table_init(struct tm_flow_table *);
void tm_flow_table_destroy(struct tm_flow_table *);
void tm_flow_table_clear(struct tm_flow_table *);
void tm_flow_table_swap(struct tm_flow_table *, struct tm_flow_table *);

/* Adds a flow, copying 'match' and 'ofpacts'.  A flow with the same
 * (table_id, priority, match) replaces the earlier one, which is logged as a
 * bug since the pipeline must never produce two. */
struct tm_flow *tm_flow_table_add(struct tm_flow_table *, uint8_t table_id,
                                  uint16_t priority, uint64_t cookie,
                                  const struct match *,
                                  const struct ofpact *ofpacts,
                                  size_t ofpacts_len);
struct tm_flow *tm_flow_table_find(const struct tm_flow_table *,
                                   uint8_t table_id, uint16_t priority,
                                   const struct match *);
/* Returns the flow with the same (table_id, priority, match) as 'f', which
 * may belong to another table, or NULL. */
struct tm_flow *tm_flow_table_find_flow(const struct tm_flow_table *,
                                        const struct tm_flow *f);
/* Replaces the contents of 'dst' with a copy of 'src'. */
void tm_flow_table_copy(struct tm_flow_table *dst,
                        const struct tm_flow_table *src);
/* Adds a copy of every flow and group of 'src' to 'dst'. */
void tm_flow_table_merge(struct tm_flow_table *dst,
                         const struct tm_flow_table *src);
/* 64-bit digests of a flow (key, cookie, actions) and of a group (id,
 * spec). */
uint64_t tm_flow_fingerprint(const struct tm_flow *);
uint64_t tm_group_fingerprint(const struct tm_group *);
/* True if both hold the same flows (cookies and actions included) and
 * groups. */
bool tm_flow_table_equal(const struct tm_flow_table *,
                         const struct tm_flow_table *);
/* True if 'a' and 'b' have the same cookie and actions. */
bool tm_flow_same_actions(const struct tm_flow *a, const struct tm_flow *b);

/* Adds or replaces group 'group_id' with 'spec' (copied). */
struct tm_group *tm_flow_table_add_group(struct tm_flow_table *,
                                         uint32_t group_id, const char *spec);
struct tm_group *tm_flow_table_find_group(const struct tm_flow_table *,
                                          uint32_t group_id);

size_t tm_flow_table_count(const struct tm_flow_table *);
/* Appends every flow, sorted by table, priority (descending) and match, in
 * ovs-ofctl syntax, one per line: for tests and tmirror/show-flows. */
void tm_flow_table_format(const struct tm_flow_table *, struct ds *);

#endif /* flow-table.h */
