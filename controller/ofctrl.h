/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_OFCTRL_H
#define TMIRROR_OFCTRL_H 1

/* The OpenFlow connection to the mirror bridge, and the reconciliation of
 * its flow table with the desired one.
 *
 * ofctrl keeps an rconn to the bridge's management socket
 * (unix:$OVS_RUNDIR/BRIDGE.mgmt).  It never flushes: after every (re)connect,
 * and then periodically (about once a second, so that tampering is repaired
 * within a second) and whenever the desired table changes, it dumps the
 * flows whose cookie carries TM_COOKIE_MAGIC and the groups in
 * TM_GROUP_BASE..TM_GROUP_MAX, compares them with the desired table, and
 * sends only the difference in one OpenFlow 1.4+ bundle (groups added before
 * the flows that use them, removed after), followed by a barrier.  Flows and
 * groups it does not own are never touched.
 *
 * The dump also gives per-flow packet and byte counters, which
 * ofctrl_get_session_stats() sums for accepting flows by session key. */

#include <stdbool.h>
#include <stdint.h>

struct ofctrl;
struct tm_flow_table;
struct ds;

/* Creates an OpenFlow manager (not yet connected). */
struct ofctrl *ofctrl_create(void);
void ofctrl_destroy(struct ofctrl *);

/* Sets the bridge to manage ('bridge' NULL to disconnect).  The target is
 * unix:<rundir>/<bridge>.mgmt, where rundir is ovs_rundir(). */
void ofctrl_set_bridge(struct ofctrl *, const char *bridge);

/* Replaces the desired flows and groups with a copy of 'desired' and records
 * 'cfg' as the configuration sequence number they implement. */
void ofctrl_put(struct ofctrl *, const struct tm_flow_table *desired,
                int64_t cfg);

void ofctrl_run(struct ofctrl *);
void ofctrl_wait(struct ofctrl *);

/* True while connected and the switch has confirmed (barrier reply after the
 * last bundle, or a dump showing no difference) the last ofctrl_put(). */
bool ofctrl_is_synced(const struct ofctrl *);
/* The 'cfg' of the last ofctrl_put() that the switch confirmed, or -1. */
int64_t ofctrl_get_installed_cfg(const struct ofctrl *);
bool ofctrl_is_connected(const struct ofctrl *);
/* Increases each time a new connection to the switch is made (for example
 * after ovs-vswitchd restarted). */
unsigned int ofctrl_get_connection_seqno(const struct ofctrl *);

/* Packets and bytes matched by the TM_COOKIE_ACCEPT flows of 'session_key'
 * in the last dump.  Returns false if the session has no such flow. */
bool ofctrl_get_session_stats(const struct ofctrl *, uint32_t session_key,
                              uint64_t *packets, uint64_t *bytes);

/* Appends a human-readable state summary (connection, counts of flows and
 * groups desired/installed, repairs made) for tmirror/show. */
void ofctrl_format_status(const struct ofctrl *, struct ds *);

/* Removes every flow and group tmirror owns on the bridge and waits (up to
 * 'timeout_ms') for the barrier.  For "exit --cleanup". */
void ofctrl_cleanup(struct ofctrl *, int timeout_ms);

#endif /* ofctrl.h */
