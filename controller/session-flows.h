/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_SESSION_FLOWS_H
#define TMIRROR_SESSION_FLOWS_H 1

/* The desired flows of the mirror bridge, per owner (desired-flows.h),
 * from the plan (mirror-plan.h), kept up to date incrementally:
 *
 *   - a session whose rules alone changed gets those rules' flows rebuilt,
 *     and nothing else;
 *   - a session that changed otherwise (target, stage, ports, state) gets
 *     all of its owners rebuilt;
 *   - the classification flows, one per port that copies arrive on, and
 *     the shared truncating deliveries follow.
 *
 * session_flows_run() rebuilds everything and must give the same table
 * (the property test checks it).  Group ids are allocated per session and
 * kept while the session needs a group, so that a session's group does not
 * move when others come and go; both the full and the incremental build use
 * the same allocation. */

#include <stdbool.h>
#include <stddef.h>
#include "controller/desired-flows.h"
#include "openvswitch/hmap.h"

struct mirror_plan;
struct ds;

struct session_flows {
    struct tm_desired desired;      /* Every owner's flows. */
    struct hmap sessions;           /* Per session: its owners
                                     * ("struct sf_session"). */
    struct hmap group_ids;          /* Session UUID -> group id. */

    /* Tracked: owners set or removed since the last clear. */
    struct tm_owner_key *changed;
    size_t n_changed, allocated_changed;
};

void session_flows_init(struct session_flows *);
void session_flows_destroy(struct session_flows *);

/* Rebuilds every owner from 'plan'; records what differs from before. */
void session_flows_run(struct session_flows *, const struct mirror_plan *);

/* Rebuilds the owners that the plan's tracked changes affect.  Returns
 * false if it cannot (the plan was recomputed): then run
 * session_flows_run(). */
bool session_flows_update(struct session_flows *,
                          const struct mirror_plan *);

void session_flows_clear_tracked(struct session_flows *);

/* Builds, into 'out', the table that a full recompute would give now,
 * without touching 'sf' (its group ids are reused); for comparisons. */
void session_flows_recompute_into(const struct session_flows *,
                                  const struct mirror_plan *,
                                  struct tm_desired *out);

#endif /* session-flows.h */
