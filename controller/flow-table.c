/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>
#include "flow-table.h"

#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(flow_table);

#define TM_COOKIE_KIND_SHIFT 40

/* Returns the cookie for a flow of 'kind' that belongs to 'session_key'
 * (0 for infrastructure flows). */
uint64_t
tm_cookie(enum tm_cookie_kind kind, uint32_t session_key)
{
    return (TM_COOKIE_MAGIC
            | ((uint64_t) (kind & 0xff) << TM_COOKIE_KIND_SHIFT)
            | session_key);
}

/* Returns the kind encoded in 'cookie'. */
enum tm_cookie_kind
tm_cookie_get_kind(uint64_t cookie)
{
    return (cookie >> TM_COOKIE_KIND_SHIFT) & 0xff;
}

/* Returns the session key encoded in 'cookie'. */
uint32_t
tm_cookie_get_session(uint64_t cookie)
{
    return cookie & UINT32_MAX;
}

/* True if 'cookie' carries tmirror's magic, that is, if the flow is ours. */
bool
tm_cookie_is_ours(uint64_t cookie)
{
    return (cookie & TM_COOKIE_MAGIC_MASK) == TM_COOKIE_MAGIC;
}

/* Returns the hash of a flow's key (table, priority, match). */
static uint32_t
tm_flow_hash(uint8_t table_id, uint16_t priority,
             const struct minimatch *match)
{
    return minimatch_hash(match, ((uint32_t) table_id << 16) | priority);
}

/* Zeros the bytes of 'ofpacts' that carry no meaning but may hold garbage
 * (the alignment padding after set_field values and masks, which
 * ofpact_put_set_field() leaves uninitialized), so that ofpacts_equal()
 * compares only what matters. */
static void
ofpacts_zero_padding(struct ofpact *ofpacts, size_t ofpacts_len)
{
    const struct ofpact *a;

    OFPACT_FOR_EACH_FLATTENED (a, ofpacts, ofpacts_len) {
        if (a->type == OFPACT_SET_FIELD) {
            struct ofpact_set_field *sf = CONST_CAST(
                struct ofpact_set_field *, ofpact_get_SET_FIELD(a));
            size_t n = sf->field->n_bytes;
            size_t padded = ROUND_UP(n, OFPACT_ALIGNTO);

            memset((uint8_t *) sf->value + n, 0, padded - n);
            memset((uint8_t *) ofpact_set_field_mask(sf) + n, 0, padded - n);
        }
    }
}

/* Initializes 'ft' as an empty table of flows and groups. */
void
tm_flow_table_init(struct tm_flow_table *ft)
{
    hmap_init(&ft->flows);
    hmap_init(&ft->groups);
}

/* Frees every flow and group in 'ft' and the table's own memory. */
void
tm_flow_table_destroy(struct tm_flow_table *ft)
{
    if (ft) {
        tm_flow_table_clear(ft);
        hmap_destroy(&ft->flows);
        hmap_destroy(&ft->groups);
    }
}

/* Removes and frees every flow and group in 'ft', leaving it empty. */
void
tm_flow_table_clear(struct tm_flow_table *ft)
{
    struct tm_flow *flow;
    HMAP_FOR_EACH_POP (flow, hmap_node, &ft->flows) {
        minimatch_destroy(&flow->match);
        free(flow->ofpacts);
        free(flow);
    }

    struct tm_group *group;
    HMAP_FOR_EACH_POP (group, hmap_node, &ft->groups) {
        free(group->spec);
        free(group);
    }
}

/* Exchanges the contents of 'a' and 'b'. */
void
tm_flow_table_swap(struct tm_flow_table *a, struct tm_flow_table *b)
{
    hmap_swap(&a->flows, &b->flows);
    hmap_swap(&a->groups, &b->groups);
}

/* Returns the flow in 'ft' with the given table, priority and match, or
 * NULL. */
static struct tm_flow *
tm_flow_table_find__(const struct tm_flow_table *ft, uint8_t table_id,
                     uint16_t priority, const struct minimatch *match)
{
    struct tm_flow *flow;
    uint32_t hash = tm_flow_hash(table_id, priority, match);

    HMAP_FOR_EACH_WITH_HASH (flow, hmap_node, hash, &ft->flows) {
        if (flow->table_id == table_id && flow->priority == priority
            && minimatch_equal(&flow->match, match)) {
            return flow;
        }
    }
    return NULL;
}

/* Returns the flow in 'ft' with the given table, priority and match, or
 * NULL. */
struct tm_flow *
tm_flow_table_find(const struct tm_flow_table *ft, uint8_t table_id,
                   uint16_t priority, const struct match *match)
{
    struct minimatch mm;
    minimatch_init(&mm, match);
    struct tm_flow *flow = tm_flow_table_find__(ft, table_id, priority, &mm);
    minimatch_destroy(&mm);
    return flow;
}

/* Returns the flow in 'ft' with the same table, priority and match as 'f'
 * (which may be in another table), or NULL. */
struct tm_flow *
tm_flow_table_find_flow(const struct tm_flow_table *ft,
                        const struct tm_flow *f)
{
    return tm_flow_table_find__(ft, f->table_id, f->priority, &f->match);
}

/* Logs that the pipeline produced the flow with 'match' twice. */
static void
log_duplicate(uint8_t table_id, uint16_t priority,
              const struct minimatch *match, uint64_t old_cookie,
              uint64_t new_cookie)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    if (!VLOG_DROP_ERR(&rl)) {
        struct ds s = DS_EMPTY_INITIALIZER;
        minimatch_format(match, NULL, NULL, &s, OFP_DEFAULT_PRIORITY);
        VLOG_ERR("duplicate flow table=%"PRIu8", priority=%"PRIu16", %s: "
                 "replacing the earlier one (cookie %#"PRIx64" by %#"PRIx64
                 ")", table_id, priority, ds_cstr(&s), old_cookie,
                 new_cookie);
        ds_destroy(&s);
    }
}

/* Adds a flow to 'ft' with a copy of 'match' (consumed: moved into the new
 * flow, or destroyed) and of 'ofpacts'. */
static struct tm_flow *
tm_flow_table_add__(struct tm_flow_table *ft, uint8_t table_id,
                    uint16_t priority, uint64_t cookie,
                    struct minimatch *match,
                    const struct ofpact *ofpacts, size_t ofpacts_len)
{
    struct tm_flow *flow = tm_flow_table_find__(ft, table_id, priority,
                                                match);
    if (flow) {
        log_duplicate(table_id, priority, match, flow->cookie, cookie);
        minimatch_destroy(match);
        free(flow->ofpacts);
    } else {
        flow = xzalloc(sizeof *flow);
        flow->table_id = table_id;
        flow->priority = priority;
        minimatch_move(&flow->match, match);
        hmap_insert(&ft->flows, &flow->hmap_node,
                    tm_flow_hash(table_id, priority, &flow->match));
    }
    flow->cookie = cookie;
    flow->ofpacts = ofpacts_len ? xmemdup(ofpacts, ofpacts_len) : NULL;
    ofpacts_zero_padding(flow->ofpacts, ofpacts_len);
    flow->ofpacts_len = ofpacts_len;
    flow->n_packets = 0;
    flow->n_bytes = 0;
    return flow;
}

/* Adds a flow to 'ft', copying 'match' (compactly, as a minimatch) and
 * 'ofpacts'.  A flow with the same (table_id, priority, match) is replaced,
 * and the duplicate is logged since the pipeline must never produce one.
 * Returns the flow, owned by 'ft'. */
struct tm_flow *
tm_flow_table_add(struct tm_flow_table *ft, uint8_t table_id,
                  uint16_t priority, uint64_t cookie,
                  const struct match *match,
                  const struct ofpact *ofpacts, size_t ofpacts_len)
{
    struct minimatch mm;
    minimatch_init(&mm, match);
    return tm_flow_table_add__(ft, table_id, priority, cookie, &mm,
                               ofpacts, ofpacts_len);
}

/* Replaces the contents of 'dst' with a copy of 'src'. */
void
tm_flow_table_copy(struct tm_flow_table *dst, const struct tm_flow_table *src)
{
    tm_flow_table_clear(dst);
    tm_flow_table_merge(dst, src);
}

/* Adds a copy of every flow and group of 'src' to 'dst' (a flow or group
 * already in 'dst' is replaced, as by tm_flow_table_add()). */
void
tm_flow_table_merge(struct tm_flow_table *dst,
                    const struct tm_flow_table *src)
{
    const struct tm_flow *f;
    HMAP_FOR_EACH (f, hmap_node, &src->flows) {
        struct minimatch mm;
        minimatch_clone(&mm, &f->match);
        tm_flow_table_add__(dst, f->table_id, f->priority, f->cookie, &mm,
                            f->ofpacts, f->ofpacts_len);
    }

    const struct tm_group *g;
    HMAP_FOR_EACH (g, hmap_node, &src->groups) {
        tm_flow_table_add_group(dst, g->group_id, g->spec);
    }
}

/* True if 'a' and 'b' hold the same flows (with the same cookies and
 * actions) and the same groups. */
bool
tm_flow_table_equal(const struct tm_flow_table *a,
                    const struct tm_flow_table *b)
{
    if (hmap_count(&a->flows) != hmap_count(&b->flows)
        || hmap_count(&a->groups) != hmap_count(&b->groups)) {
        return false;
    }

    const struct tm_flow *fa;
    HMAP_FOR_EACH (fa, hmap_node, &a->flows) {
        const struct tm_flow *fb = tm_flow_table_find_flow(b, fa);
        if (!fb || !tm_flow_same_actions(fa, fb)) {
            return false;
        }
    }

    const struct tm_group *ga;
    HMAP_FOR_EACH (ga, hmap_node, &a->groups) {
        const struct tm_group *gb = tm_flow_table_find_group(b, ga->group_id);
        if (!gb || strcmp(ga->spec, gb->spec)) {
            return false;
        }
    }
    return true;
}

/* Returns a 64-bit digest of flow 'f' (its key, cookie and actions). */
uint64_t
tm_flow_fingerprint(const struct tm_flow *f)
{
    uint32_t basis = ((uint32_t) f->table_id << 16) | f->priority;
    uint32_t lo = minimatch_hash(&f->match, basis);
    uint32_t hi = minimatch_hash(&f->match, ~basis);

    lo = hash_bytes(f->ofpacts, f->ofpacts_len,
                    hash_uint64_basis(f->cookie, lo));
    hi = hash_bytes(f->ofpacts, f->ofpacts_len,
                    hash_uint64_basis(f->cookie, hi));
    return ((uint64_t) hi << 32) | lo;
}

/* Returns a 64-bit digest of group 'g' (its id and spec). */
uint64_t
tm_group_fingerprint(const struct tm_group *g)
{
    uint32_t lo = hash_string(g->spec, hash_int(g->group_id, 1));
    uint32_t hi = hash_string(g->spec, hash_int(g->group_id, 2));
    return ((uint64_t) hi << 32) | lo;
}

/* True if 'a' and 'b' have the same cookie and the same actions. */
bool
tm_flow_same_actions(const struct tm_flow *a, const struct tm_flow *b)
{
    return (a->cookie == b->cookie
            && ofpacts_equal(a->ofpacts, a->ofpacts_len,
                             b->ofpacts, b->ofpacts_len));
}

/* Returns group 'group_id' in 'ft', or NULL. */
struct tm_group *
tm_flow_table_find_group(const struct tm_flow_table *ft, uint32_t group_id)
{
    struct tm_group *group;

    HMAP_FOR_EACH_WITH_HASH (group, hmap_node, hash_int(group_id, 0),
                             &ft->groups) {
        if (group->group_id == group_id) {
            return group;
        }
    }
    return NULL;
}

/* Adds group 'group_id' to 'ft' with a copy of 'spec', or replaces the spec
 * of the group already there.  Returns the group, owned by 'ft'. */
struct tm_group *
tm_flow_table_add_group(struct tm_flow_table *ft, uint32_t group_id,
                        const char *spec)
{
    struct tm_group *group = tm_flow_table_find_group(ft, group_id);

    if (group) {
        free(group->spec);
    } else {
        group = xzalloc(sizeof *group);
        group->group_id = group_id;
        hmap_insert(&ft->groups, &group->hmap_node, hash_int(group_id, 0));
    }
    group->spec = xstrdup(spec ? spec : "");
    return group;
}

/* Returns the number of flows in 'ft'. */
size_t
tm_flow_table_count(const struct tm_flow_table *ft)
{
    return hmap_count(&ft->flows);
}

/* A flow and its formatted match, for sorting in tm_flow_table_format(). */
struct tm_flow_sort {
    const struct tm_flow *flow;
    char *match;
};

/* qsort() comparator: table ascending, priority descending, match string. */
static int
compare_flow_sort(const void *a_, const void *b_)
{
    const struct tm_flow_sort *a = a_;
    const struct tm_flow_sort *b = b_;

    if (a->flow->table_id != b->flow->table_id) {
        return a->flow->table_id < b->flow->table_id ? -1 : 1;
    }
    if (a->flow->priority != b->flow->priority) {
        return a->flow->priority > b->flow->priority ? -1 : 1;
    }
    return strcmp(a->match, b->match);
}

/* qsort() comparator for groups by ascending id. */
static int
compare_group_ptr(const void *a_, const void *b_)
{
    const struct tm_group *const *a = a_;
    const struct tm_group *const *b = b_;

    return ((*a)->group_id < (*b)->group_id ? -1
            : (*a)->group_id > (*b)->group_id);
}

/* Appends every flow in 'ft' to 's', one per line, sorted by table,
 * descending priority and match, in the form "table=T, priority=P,
 * cookie=0xC, MATCH actions=ACTIONS", then every group sorted by id as
 * "group_id=N,SPEC". */
void
tm_flow_table_format(const struct tm_flow_table *ft, struct ds *s)
{
    size_t n = hmap_count(&ft->flows);
    struct tm_flow_sort *sorted = xmalloc((n ? n : 1) * sizeof *sorted);
    const struct tm_flow *flow;
    size_t i = 0;

    HMAP_FOR_EACH (flow, hmap_node, &ft->flows) {
        sorted[i].flow = flow;
        sorted[i].match = minimatch_to_string(&flow->match, NULL,
                                              OFP_DEFAULT_PRIORITY);
        i++;
    }
    qsort(sorted, n, sizeof *sorted, compare_flow_sort);

    for (i = 0; i < n; i++) {
        const struct tm_flow *f = sorted[i].flow;
        struct ofpact_format_params fp = { .s = s };

        ds_put_format(s, "table=%"PRIu8", priority=%"PRIu16", "
                      "cookie=%#"PRIx64", ", f->table_id, f->priority,
                      f->cookie);
        if (sorted[i].match[0]) {
            ds_put_format(s, "%s ", sorted[i].match);
        }
        ds_put_cstr(s, "actions=");
        ofpacts_format(f->ofpacts, f->ofpacts_len, &fp);
        ds_put_char(s, '\n');
        free(sorted[i].match);
    }
    free(sorted);

    size_t n_groups = hmap_count(&ft->groups);
    const struct tm_group **groups = xmalloc((n_groups ? n_groups : 1)
                                             * sizeof *groups);
    const struct tm_group *group;
    i = 0;
    HMAP_FOR_EACH (group, hmap_node, &ft->groups) {
        groups[i++] = group;
    }
    qsort(groups, n_groups, sizeof *groups, compare_group_ptr);
    for (i = 0; i < n_groups; i++) {
        ds_put_format(s, "group_id=%"PRIu32",%s\n",
                      groups[i]->group_id, groups[i]->spec);
    }
    free(groups);
}
