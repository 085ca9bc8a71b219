/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_PATH_VERIFY_H
#define TMIRROR_PATH_VERIFY_H 1

/* Verification that copies can leave the host.
 *
 * Installing a flow proves nothing about the copies it makes: a VXLAN
 * collector without a route, or a tunnel local_ip that no route uses, makes
 * ovs-vswitchd drop every copy while the flows count them.  So every
 * delivery that programmed sessions use (an appliance port, or a tunnel port
 * with a destination address) is traced through ovs-vswitchd itself, with
 * "ofproto/trace-packet-out BRIDGE in_port=LOCAL ACTIONS", where ACTIONS are
 * the delivery part of the sessions' flows.  The trace's datapath actions
 * say whether the copy leaves:
 *
 *   - not "drop": PV_OK;
 *   - "neighbor cache miss": PV_PENDING, ovs-vswitchd is resolving the next
 *     hop's MAC address; checked again within a second;
 *   - "native tunnel routing failed": PV_FAIL, refined with
 *     "ovs/route/lookup" into "no route to X" or a local_ip mismatch;
 *   - any other drop: PV_FAIL with ovs-vswitchd's reason.
 *
 * A tunnel that ovs-vswitchd does not route itself (a kernel datapath) is
 * checked against ovs-vswitchd's route table with ovs/route/lookup.
 *
 * Paths are verified when first wanted, after a reconnection to
 * ovs-vswitchd, and again every 'interval' ms (routes change without anyone
 * telling tmirror); a failing path sooner, 1 s after the failure, then
 * after twice as long each time, up to 'interval', so that an error clears
 * soon after the operator fixed its cause.  A trace is keyed by (bridge, actions): sessions that
 * share a delivery share its verification. */

#include <stdbool.h>
#include <stdint.h>
#include "openvswitch/types.h"

struct vswitchd_client;
struct ds;

enum pv_state {
    PV_VERIFYING,               /* Never verified yet (or not settled). */
    PV_OK,                      /* Copies leave. */
    PV_PENDING,                 /* Not yet, and ovs-vswitchd is working on
                                 * it, or verification is impossible now. */
    PV_FAIL,                    /* Copies are dropped; see the message. */
};

struct path_verify;

/* Creates a verifier that talks to ovs-vswitchd through 'vc' (not owned). */
struct path_verify *path_verify_create(struct vswitchd_client *vc);
void path_verify_destroy(struct path_verify *);

/* Sets how often settled paths are verified again, in ms (at least 1000). */
void path_verify_set_interval(struct path_verify *, long long int ms);

/* Says whether ovs-vswitchd has applied the configuration the paths depend
 * on (tunnel ports and their options); traces are only sent then. */
void path_verify_set_ready(struct path_verify *, bool ready);
/* Makes every verdict possibly out of date: each path is traced again
 * before path_verify_is_settled() is true again, while its last verdict
 * stays visible. */
void path_verify_invalidate(struct path_verify *);

/* Declaring the wanted paths: path_verify_begin(), then one
 * path_verify_want() per path, then path_verify_end(), which forgets the
 * paths not wanted this time. */
void path_verify_begin(struct path_verify *);
/* Wants the path of a copy delivered on 'bridge' by 'actions' (ovs-ofctl
 * syntax: an output to a port, possibly preceded by the setting of the
 * tunnel destination 'tun_dst', NULL if none).  'local_ip' is the tunnel
 * port's local_ip (NULL if none), for messages. */
void path_verify_want(struct path_verify *, const char *bridge,
                      const char *actions, const char *tun_dst,
                      const char *local_ip);
void path_verify_end(struct path_verify *);

/* Returns the state of a wanted path and, in '*message' (never NULL, owned
 * by the verifier), why it is not PV_OK. */
enum pv_state path_verify_get(const struct path_verify *, const char *bridge,
                              const char *actions, const char **message);

/* Returns a number that changes whenever a path's state or message
 * changes. */
uint64_t path_verify_get_seqno(const struct path_verify *);

/* True if every wanted path has an up-to-date verdict (none is
 * PV_VERIFYING, none was invalidated since its last trace). */
bool path_verify_is_settled(const struct path_verify *);

void path_verify_run(struct path_verify *);
void path_verify_wait(struct path_verify *);

/* Appends a summary (paths by state, traces sent) for tmirror/show. */
void path_verify_format(const struct path_verify *, struct ds *);

/* Parses the output of ofproto/trace-packet-out: returns the state it shows
 * and, in '*reason' (malloc()'d, NULL for PV_OK), why copies do not leave.
 * Sets '*routing_failed' if native tunnel routing failed and '*native' if
 * ovs-vswitchd routes the tunnel itself.  Exposed for unit tests. */
enum pv_state path_verify_parse_trace(const char *trace, char **reason,
                                      bool *routing_failed, bool *native);

#endif /* path-verify.h */
