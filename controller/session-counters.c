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
    struct hmap_node hmap_node; /* In session_counters 'sessions'. */
    struct uuid uuid;
    uint64_t base_packets;      /* Totals before the flows' last restart. */
    uint64_t base_bytes;
    uint64_t last_packets;      /* The flows' counters when last read. */
    uint64_t last_bytes;
    bool seen;                  /* Updated since the last sweep. */
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

/* Folds the flows' counters into the totals of 'uuid'. */
void
session_counters_update(struct session_counters *sc, const struct uuid *uuid,
                        uint64_t flow_packets, uint64_t flow_bytes,
                        int64_t row_packets, int64_t row_bytes,
                        uint64_t *packets, uint64_t *bytes)
{
    struct session_counter *c = session_counter_find(sc, uuid);
    if (!c) {
        c = xzalloc(sizeof *c);
        c->uuid = *uuid;
        hmap_insert(&sc->sessions, &c->hmap_node, uuid_hash(uuid));
        if (row_packets > (int64_t) flow_packets
            || row_bytes > (int64_t) flow_bytes) {
            c->base_packets = MAX(row_packets, 0);
            c->base_bytes = MAX(row_bytes, 0);
            c->last_packets = c->last_bytes = 0;
            c->base_packets -= MIN(c->base_packets, flow_packets);
            c->base_bytes -= MIN(c->base_bytes, flow_bytes);
        }
    } else if (flow_packets < c->last_packets || flow_bytes < c->last_bytes) {
        COVERAGE_INC(session_counters_reset);
        c->base_packets += c->last_packets;
        c->base_bytes += c->last_bytes;
    }
    c->last_packets = flow_packets;
    c->last_bytes = flow_bytes;
    c->seen = true;
    *packets = c->base_packets + flow_packets;
    *bytes = c->base_bytes + flow_bytes;
}

/* Returns the last computed totals of 'uuid'. */
void
session_counters_get(const struct session_counters *sc,
                     const struct uuid *uuid,
                     uint64_t *packets, uint64_t *bytes)
{
    const struct session_counter *c = session_counter_find(sc, uuid);
    *packets = c ? c->base_packets + c->last_packets : 0;
    *bytes = c ? c->base_bytes + c->last_bytes : 0;
}

/* Forgets the sessions that were not updated since the last sweep. */
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
