/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/desired-flows.h"

#include <string.h>

#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"
#include "uuid.h"

/* Returns an owner key; unused members are zero. */
struct tm_owner_key
tm_owner_key(enum tm_owner_kind kind, const struct uuid *session,
             const struct uuid *sub, bool egress, uint16_t port)
{
    struct tm_owner_key key;
    memset(&key, 0, sizeof key);
    key.kind = kind;
    key.egress = egress;
    key.port = port;
    if (session) {
        key.session = *session;
    }
    if (sub) {
        key.sub = *sub;
    }
    return key;
}

/* Returns the hash of 'key'. */
uint32_t
tm_owner_key_hash(const struct tm_owner_key *key)
{
    uint32_t hash = hash_3words(key->kind, key->egress, key->port);
    hash = hash_words((const uint32_t *) key->session.parts, 4, hash);
    return hash_words((const uint32_t *) key->sub.parts, 4, hash);
}

/* True if 'a' and 'b' name the same owner. */
bool
tm_owner_key_equal(const struct tm_owner_key *a, const struct tm_owner_key *b)
{
    return (a->kind == b->kind && a->egress == b->egress
            && a->port == b->port && uuid_equals(&a->session, &b->session)
            && uuid_equals(&a->sub, &b->sub));
}

/* Appends 'key' in a readable form to 's'. */
void
tm_owner_key_format(const struct tm_owner_key *key, struct ds *s)
{
    static const char *names[] = {
        [TM_OWNER_INFRA] = "infra", [TM_OWNER_CLASSIFY] = "classify",
        [TM_OWNER_RULE] = "rule", [TM_OWNER_FALLTHROUGH] = "fallthrough",
        [TM_OWNER_GROUP] = "group", [TM_OWNER_DECAP] = "decap",
        [TM_OWNER_DELIVER] = "deliver", [TM_OWNER_TABLE] = "table",
    };
    ds_put_cstr(s, key->kind < ARRAY_SIZE(names) ? names[key->kind] : "?");
    switch (key->kind) {
    case TM_OWNER_CLASSIFY:
        ds_put_format(s, " port %"PRIu16, key->port);
        break;
    case TM_OWNER_RULE:
        ds_put_format(s, " session "UUID_FMT" rule "UUID_FMT" %s",
                      UUID_ARGS(&key->session), UUID_ARGS(&key->sub),
                      key->egress ? "egress" : "ingress");
        break;
    case TM_OWNER_FALLTHROUGH:
        ds_put_format(s, " session "UUID_FMT" %s", UUID_ARGS(&key->session),
                      key->egress ? "egress" : "ingress");
        break;
    case TM_OWNER_GROUP:
    case TM_OWNER_DECAP:
        ds_put_format(s, " session "UUID_FMT, UUID_ARGS(&key->session));
        break;
    default:
        break;
    }
}

/* Returns a new, empty owned set (one reference). */
struct tm_owned *
tm_owned_create(const struct tm_owner_key *key, uint32_t session_key)
{
    struct tm_owned *o = xzalloc(sizeof *o);
    o->ref_cnt = 1;
    o->key = *key;
    o->session_key = session_key;
    tm_flow_table_init(&o->table);
    return o;
}

/* Computes 'o''s digest: the sum of its flows' and groups' fingerprints,
 * which does not depend on their order. */
void
tm_owned_seal(struct tm_owned *o)
{
    uint64_t digest = hmap_count(&o->table.flows);
    const struct tm_flow *f;
    HMAP_FOR_EACH (f, hmap_node, &o->table.flows) {
        digest += tm_flow_fingerprint(f);
    }
    const struct tm_group *g;
    HMAP_FOR_EACH (g, hmap_node, &o->table.groups) {
        digest += tm_group_fingerprint(g);
    }
    o->digest = digest;
}

/* Takes one more reference to 'o'. */
struct tm_owned *
tm_owned_ref(struct tm_owned *o)
{
    ovs_assert(o->ref_cnt > 0);
    o->ref_cnt++;
    return o;
}

/* Drops one reference to 'o', freeing it with the last one. */
void
tm_owned_unref(struct tm_owned *o)
{
    if (o) {
        ovs_assert(o->ref_cnt > 0);
        if (!--o->ref_cnt) {
            tm_flow_table_destroy(&o->table);
            free(o);
        }
    }
}

/* True if 'a' and 'b' hold the same flows and groups. */
bool
tm_owned_same(const struct tm_owned *a, const struct tm_owned *b)
{
    if (a == b) {
        return true;
    }
    if (!a || !b || a->digest != b->digest
        || hmap_count(&a->table.flows) != hmap_count(&b->table.flows)) {
        return false;
    }
    return tm_flow_table_equal(&a->table, &b->table);
}

/* Initializes an empty set of owners. */
void
tm_desired_init(struct tm_desired *d)
{
    hmap_init(&d->owners);
    d->n_flows = d->n_groups = 0;
}

/* Drops every owner. */
void
tm_desired_clear(struct tm_desired *d)
{
    struct tm_desired_node *node;
    HMAP_FOR_EACH_POP (node, hmap_node, &d->owners) {
        tm_owned_unref(node->owned);
        free(node);
    }
    d->n_flows = d->n_groups = 0;
}

/* Frees 'd'. */
void
tm_desired_destroy(struct tm_desired *d)
{
    tm_desired_clear(d);
    hmap_destroy(&d->owners);
}

/* Returns the node of 'key', or NULL. */
static struct tm_desired_node *
tm_desired_find_node(const struct tm_desired *d,
                     const struct tm_owner_key *key)
{
    struct tm_desired_node *node;
    HMAP_FOR_EACH_WITH_HASH (node, hmap_node, tm_owner_key_hash(key),
                             &d->owners) {
        if (tm_owner_key_equal(&node->owned->key, key)) {
            return node;
        }
    }
    return NULL;
}

/* Returns the owned set of 'key', or NULL. */
struct tm_owned *
tm_desired_find(const struct tm_desired *d, const struct tm_owner_key *key)
{
    struct tm_desired_node *node = tm_desired_find_node(d, key);
    return node ? node->owned : NULL;
}

/* Adjusts the flow and group counts of 'd' by 'o', added ('sign' 1) or
 * removed (-1). */
static void
tm_desired_count(struct tm_desired *d, const struct tm_owned *o, int sign)
{
    d->n_flows += sign * (ssize_t) hmap_count(&o->table.flows);
    d->n_groups += sign * (ssize_t) hmap_count(&o->table.groups);
}

/* Makes 'o' its owner's set.  See desired-flows.h. */
bool
tm_desired_set(struct tm_desired *d, struct tm_owned *o)
{
    struct tm_desired_node *node = tm_desired_find_node(d, &o->key);
    if (node) {
        if (tm_owned_same(node->owned, o)) {
            tm_owned_unref(o);
            return false;
        }
        tm_desired_count(d, node->owned, -1);
        tm_owned_unref(node->owned);
    } else {
        node = xmalloc(sizeof *node);
        hmap_insert(&d->owners, &node->hmap_node,
                    tm_owner_key_hash(&o->key));
    }
    node->owned = o;
    tm_desired_count(d, o, 1);
    return true;
}

/* Removes owner 'key'. */
bool
tm_desired_remove(struct tm_desired *d, const struct tm_owner_key *key)
{
    struct tm_desired_node *node = tm_desired_find_node(d, key);
    if (!node) {
        return false;
    }
    tm_desired_count(d, node->owned, -1);
    hmap_remove(&d->owners, &node->hmap_node);
    tm_owned_unref(node->owned);
    free(node);
    return true;
}

/* Copies every owner's flows and groups into 'out'. */
void
tm_desired_flatten(const struct tm_desired *d, struct tm_flow_table *out)
{
    tm_flow_table_clear(out);
    const struct tm_desired_node *node;
    TM_DESIRED_FOR_EACH (node, d) {
        tm_flow_table_merge(out, &node->owned->table);
    }
}

/* Appends the owner 'key' to 's' with what it holds in 'a' and 'b'. */
static void
put_difference(struct ds *s, const struct tm_owner_key *key,
               const struct tm_owned *a, const struct tm_owned *b)
{
    ds_put_cstr(s, "  ");
    tm_owner_key_format(key, s);
    ds_put_format(s, ": %"PRIuSIZE" flows vs %"PRIuSIZE" flows\n",
                  a ? hmap_count(&a->table.flows) : 0,
                  b ? hmap_count(&b->table.flows) : 0);
}

/* Compares 'a' and 'b' owner by owner.  See desired-flows.h. */
size_t
tm_desired_compare(const struct tm_desired *a, const struct tm_desired *b,
                   size_t max, struct ds *s)
{
    size_t n = 0;
    const struct tm_desired_node *node;
    TM_DESIRED_FOR_EACH (node, a) {
        const struct tm_owned *other = tm_desired_find(b, &node->owned->key);
        if (!tm_owned_same(node->owned, other)) {
            if (n++ < max) {
                put_difference(s, &node->owned->key, node->owned, other);
            }
        }
    }
    TM_DESIRED_FOR_EACH (node, b) {
        if (!tm_desired_find(a, &node->owned->key)) {
            if (n++ < max) {
                put_difference(s, &node->owned->key, NULL, node->owned);
            }
        }
    }
    return n;
}
