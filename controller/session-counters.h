/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_SESSION_COUNTERS_H
#define TMIRROR_SESSION_COUNTERS_H 1

/* Running totals of the packets and bytes mirrored per session.
 *
 * The switch counts per flow, and a flow's counters start again at zero
 * whenever it is reinstalled (ovs-vswitchd restarted, a tampered flow
 * repaired, a session disabled and enabled again).  These totals fold each
 * such restart in, so that what Session_Status reports never goes
 * backwards. */

#include <stdint.h>
#include "openvswitch/hmap.h"

struct uuid;

struct session_counters {
    struct hmap sessions;       /* Contains "struct session_counter"s. */
};

void session_counters_init(struct session_counters *);
void session_counters_destroy(struct session_counters *);

/* Folds the flow counters just read for session 'uuid' ('flow_packets',
 * 'flow_bytes') into its totals and returns them in '*packets' and
 * '*bytes'.  'row_packets' and 'row_bytes' are the totals last reported in
 * the database (-1 if none): when a session is first seen, for example after
 * tmirror-controller restarted, counting resumes from them if the flows'
 * counters are lower.  What the flows counted since the last call is added
 * only if 'count' (the session is active: its copies leave the host); the
 * rest was dropped by ovs-vswitchd and is not counted.  When a session is
 * first seen, what its flows counted until then is taken if 'count' or
 * 'row_active' (the row last said active: for example the flows went on
 * mirroring while the controller was stopped). */
void session_counters_update(struct session_counters *,
                             const struct uuid *uuid,
                             uint64_t flow_packets, uint64_t flow_bytes,
                             int64_t row_packets, int64_t row_bytes,
                             bool count, bool row_active,
                             uint64_t *packets, uint64_t *bytes);

/* Returns the totals of session 'uuid' last computed by
 * session_counters_update(), or zeros. */
void session_counters_get(const struct session_counters *,
                          const struct uuid *uuid,
                          uint64_t *packets, uint64_t *bytes);

/* Keeps the totals of session 'uuid' over the next sweep without updating
 * them (its counters cannot be read now). */
void session_counters_keep(struct session_counters *, const struct uuid *);

/* Records whether the status row of 'uuid' says "active" the first time
 * this controller sees it (later calls change nothing but keep the entry
 * over the next sweep).  The first look at the flows' counters trusts them
 * if that row did: a row this controller rewrote to "pending" while it
 * waited for the switch after a restart must not make it discard what the
 * flows counted while no controller ran. */
void session_counters_note_row(struct session_counters *,
                               const struct uuid *, bool row_active);

/* Forgets the sessions not seen by session_counters_update() since the last
 * call. */
void session_counters_sweep(struct session_counters *);

#endif /* session-counters.h */
