/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_DESIRED_FLOWS_H
#define TMIRROR_DESIRED_FLOWS_H 1

/* The desired flow table, kept per owner.
 *
 * Every flow and group tmirror wants on the mirror bridge belongs to exactly
 * one owner: a (session, rule, direction), a session's fall-through for a
 * direction, a session's select group or decapsulation, the classification
 * of one (source, direction), the shared truncating deliveries, or the
 * table's default drop.  A change replaces the flows of the owners it
 * affects and nothing else, and ofctrl sends only the difference between
 * an owner's installed and desired flows.
 *
 * An owner's flows are a 'struct tm_owned': built once, then immutable and
 * reference-counted, so that the desired table and ofctrl's installed table
 * share them (one copy of the flows is resident when the switch is in
 * sync). */

#include <stdbool.h>
#include <stdint.h>
#include "controller/flow-table.h"
#include "openvswitch/hmap.h"
#include "openvswitch/uuid.h"

struct ds;

enum tm_owner_kind {
    TM_OWNER_INFRA,             /* The default drop. */
    TM_OWNER_CLASSIFY,          /* 'port': copies arriving on it. */
    TM_OWNER_RULE,              /* 'session', 'sub' = rule, 'egress'. */
    TM_OWNER_FALLTHROUGH,       /* 'session', 'egress'. */
    TM_OWNER_GROUP,             /* 'session'. */
    TM_OWNER_DECAP,             /* 'session'. */
    TM_OWNER_DELIVER,           /* Shared truncating outputs (table 2). */
    TM_OWNER_TABLE,             /* A whole table given to ofctrl_put(). */
};

struct tm_owner_key {
    uint8_t kind;               /* enum tm_owner_kind. */
    bool egress;
    uint16_t port;
    struct uuid session;
    struct uuid sub;
};

/* Returns an owner key. */
struct tm_owner_key tm_owner_key(enum tm_owner_kind, const struct uuid *session,
                                 const struct uuid *sub, bool egress,
                                 uint16_t port);
uint32_t tm_owner_key_hash(const struct tm_owner_key *);
bool tm_owner_key_equal(const struct tm_owner_key *,
                        const struct tm_owner_key *);
/* Appends a readable form of 'key' to 's'. */
void tm_owner_key_format(const struct tm_owner_key *, struct ds *s);

/* One owner's flows and groups. */
struct tm_owned {
    int ref_cnt;
    struct tm_owner_key key;
    uint32_t session_key;       /* tm_session_key() of 'key.session', or 0:
                                 * whose counters and errors these are. */
    uint64_t digest;            /* Of the contents, once sealed. */
    bool as_dumped;             /* Flows and groups as a switch reported
                                 * them (already normalised; groups in
                                 * canonical form). */
    struct tm_flow_table table;
};

/* Returns a new, empty owned set with one reference, to be filled and then
 * sealed with tm_owned_seal() before anyone else sees it. */
struct tm_owned *tm_owned_create(const struct tm_owner_key *,
                                 uint32_t session_key);
/* Computes the digest of 'o''s contents: from then on 'o' is immutable. */
void tm_owned_seal(struct tm_owned *o);
struct tm_owned *tm_owned_ref(struct tm_owned *);
void tm_owned_unref(struct tm_owned *);
/* True if 'a' and 'b' (either may be NULL) hold the same flows and
 * groups. */
bool tm_owned_same(const struct tm_owned *a, const struct tm_owned *b);

/* A set of owners, each with its current flows. */
struct tm_desired {
    struct hmap owners;         /* Contains "struct tm_desired_node"s. */
    size_t n_flows;
    size_t n_groups;
};

struct tm_desired_node {
    struct hmap_node hmap_node; /* By tm_owner_key_hash(). */
    struct tm_owned *owned;     /* One reference. */
};

void tm_desired_init(struct tm_desired *);
void tm_desired_destroy(struct tm_desired *);
void tm_desired_clear(struct tm_desired *);
/* Returns the owned set of 'key', or NULL. */
struct tm_owned *tm_desired_find(const struct tm_desired *,
                                 const struct tm_owner_key *);
/* Makes 'o' the set of its owner (taking over the caller's reference), and
 * returns true if that changed anything (false if 'o' holds the same
 * contents as before, in which case 'o' is dropped). */
bool tm_desired_set(struct tm_desired *, struct tm_owned *o);
/* Removes the owner 'key'; returns true if it was there. */
bool tm_desired_remove(struct tm_desired *, const struct tm_owner_key *);

#define TM_DESIRED_FOR_EACH(NODE, DESIRED) \
    HMAP_FOR_EACH (NODE, hmap_node, &(DESIRED)->owners)

/* Merges every owner's flows and groups into 'out' (cleared first), for
 * tests, comparisons and tmirror/show-flows. */
void tm_desired_flatten(const struct tm_desired *, struct tm_flow_table *out);

/* Appends to 's' the owners whose contents differ between 'a' and 'b' (at
 * most 'max' of them); returns how many differ. */
size_t tm_desired_compare(const struct tm_desired *a,
                          const struct tm_desired *b, size_t max,
                          struct ds *s);

#endif /* desired-flows.h */
