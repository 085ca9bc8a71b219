/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/session-counters.h"

#include <stdbool.h>
#include "coverage.h"
#include "util.h"
#include "uuid.h"

COVERAGE_DEFINE(session_counters_reset);

struct session_counter {
    struct hmap_node hmap_node; /* In 'sessions', by uuid_hash(). */
    struct uuid uuid;
    uint64_t packets;           /* Totals. */
    uint64_t bytes;
    uint64_t last_packets;      /* The flows' counters when last read. */
    uint64_t last_bytes;
    bool seen;                  /* Updated since the last sweep. */
    bool folded;                /* The flows' counters were folded in. */
    bool row_was_active;        /* Its status row said "active" when this
                                 * controller first saw it. */
};

/* Initializes an empty set of totals. */
void
session_counters_init(struct session_counters *sc)
{
    hmap_init(&sc->sessions);
}

/* Frees every total. */
void
session_counters_destroy(struct session_counters *sc)
{
    struct session_counter *c;
    HMAP_FOR_EACH_POP (c, hmap_node, &sc->sessions) {
        free(c);
    }
    hmap_destroy(&sc->sessions);
}

/* Returns the entry for 'uuid', or NULL. */
static struct session_counter *
session_counter_find(const struct session_counters *sc,
                     const struct uuid *uuid)
{
    struct session_counter *c;
    HMAP_FOR_EACH_WITH_HASH (c, hmap_node, uuid_hash(uuid), &sc->sessions) {
        if (uuid_equals(&c->uuid, uuid)) {
            return c;
        }
    }
    return NULL;
}

/* Returns the entry for 'uuid', creating an empty one if needed. */
static struct session_counter *
session_counter_get(struct session_counters *sc, const struct uuid *uuid)
{
    struct session_counter *c = session_counter_find(sc, uuid);
    if (!c) {
        c = xzalloc(sizeof *c);
        c->uuid = *uuid;
        hmap_insert(&sc->sessions, &c->hmap_node, uuid_hash(uuid));
    }
    return c;
}

/* Records what the status row of 'uuid' said when first seen.  See
 * session-counters.h. */
void
session_counters_note_row(struct session_counters *sc,
                          const struct uuid *uuid, bool row_active)
{
    struct session_counter *c = session_counter_find(sc, uuid);
    if (!c) {
        c = session_counter_get(sc, uuid);
        c->row_was_active = row_active;
    }
    c->seen = true;
}

/* Returns how much a flow counter grew from 'last' to 'now': all of 'now'
 * if it went down (the flow was reinstalled and counts from zero). */
static uint64_t
counter_delta(uint64_t last, uint64_t now)
{
    return now >= last ? now - last : now;
}

/* Folds the flows' counters into the totals of 'uuid'. */
void
session_counters_update(struct session_counters *sc, const struct uuid *uuid,
                        uint64_t flow_packets, uint64_t flow_bytes,
                        int64_t row_packets, int64_t row_bytes, bool count,
                        bool row_active, uint64_t *packets, uint64_t *bytes)
{
    /* What the flows counted before this first look happened while the
     * session was active, as far as anyone knows. */
    struct session_counter *c = session_counter_get(sc, uuid);
    bool trust_flows = count || row_active || c->row_was_active;
    if (!c->folded) {
        c->folded = true;
        if (row_packets > (int64_t) flow_packets
            || row_bytes > (int64_t) flow_bytes || !trust_flows) {
            /* The flows were reinstalled since the row was written, or what
             * they counted were not copies that left: resume from the
             * row. */
            c->packets = MAX(row_packets, 0);
            c->bytes = MAX(row_bytes, 0);
        } else {
            c->packets = flow_packets;
            c->bytes = flow_bytes;
        }
    } else {
        uint64_t dp = counter_delta(c->last_packets, flow_packets);
        uint64_t db = counter_delta(c->last_bytes, flow_bytes);
        if (flow_packets < c->last_packets || flow_bytes < c->last_bytes) {
            COVERAGE_INC(session_counters_reset);
        }
        if (count) {
            c->packets += dp;
            c->bytes += db;
        }
    }
    c->last_packets = flow_packets;
    c->last_bytes = flow_bytes;
    c->seen = true;
    *packets = c->packets;
    *bytes = c->bytes;
}

/* Returns the last computed totals of 'uuid'. */
void
session_counters_get(const struct session_counters *sc,
                     const struct uuid *uuid,
                     uint64_t *packets, uint64_t *bytes)
{
    const struct session_counter *c = session_counter_find(sc, uuid);
    *packets = c ? c->packets : 0;
    *bytes = c ? c->bytes : 0;
}

/* Forgets the sessions that were not updated since the last sweep. */
/* Marks 'uuid''s totals as seen.  See session-counters.h. */
void
session_counters_keep(struct session_counters *sc, const struct uuid *uuid)
{
    struct session_counter *c = session_counter_find(sc, uuid);
    if (c) {
        c->seen = true;
    }
}

void
session_counters_sweep(struct session_counters *sc)
{
    struct session_counter *c;
    HMAP_FOR_EACH_SAFE (c, hmap_node, &sc->sessions) {
        if (!c->seen) {
            hmap_remove(&sc->sessions, &c->hmap_node);
            free(c);
        } else {
            c->seen = false;
        }
    }
}
