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
 * (unix:$OVS_RUNDIR/BRIDGE.mgmt).  The desired flows and groups come per
 * owner (desired-flows.h).  ofctrl remembers, per owner, what it installed,
 * and when an owner's desired set changes it sends only the difference
 * between the two, in one OpenFlow 1.4+ bundle (groups added before the
 * flows that use them, removed after) followed by a barrier.  It never
 * flushes, and it never touches flows and groups it does not own (flows
 * whose cookie lacks TM_COOKIE_MAGIC, groups outside
 * TM_GROUP_BASE..TM_GROUP_MAX).
 *
 * It dumps the switch's table (flows by cookie, and groups) and compares it
 * with the desired one only after a (re)connection, when asked
 * (ofctrl_request_audit(), "recompute"), and as a slow audit every
 * ofctrl_set_audit_interval() ms, repairing what someone else changed:
 * nothing is dumped on a quiet switch between audits.
 *
 * When an owner's flows are refused by the switch, the bundle is discarded
 * (atomically: the switch is unchanged), the owner is set aside with the
 * switch's error, and the other owners are sent again, so that one bad set
 * of flows holds nobody else back.
 *
 * Counters: every ofctrl_set_stats_interval() ms, one aggregate flow
 * statistics request per session (cookie TM_COOKIE_ACCEPT with the session
 * key) gives the packets and bytes its accepting flows matched; less often
 * for a session whose counters do not change.  The sessions due together
 * are read in one round, whose replies ofctrl_wait() collects on a short
 * timer while nothing else is awaited from the switch. */

#include <stdbool.h>
#include <stdint.h>

struct ds;
struct ofctrl;
struct tm_flow_table;
struct tm_owned;
struct tm_owner_key;

/* Creates an OpenFlow manager (not yet connected). */
struct ofctrl *ofctrl_create(void);
void ofctrl_destroy(struct ofctrl *);

/* Sets the bridge to manage ('bridge' NULL to disconnect).  The target is
 * unix:<rundir>/<bridge>.mgmt, where rundir is ovs_rundir(). */
void ofctrl_set_bridge(struct ofctrl *, const char *bridge);

/* Makes 'owned' (ofctrl takes a reference) the desired flows and groups of
 * its owner. */
void ofctrl_set_owned(struct ofctrl *, struct tm_owned *owned);
/* Makes owner 'key' want nothing. */
void ofctrl_remove_owner(struct ofctrl *, const struct tm_owner_key *key);
/* Records that the desired flows, as now set, implement configuration
 * 'cfg'. */
void ofctrl_set_cfg(struct ofctrl *, int64_t cfg);

/* Replaces every desired owner by one owner holding a copy of 'desired'
 * (for tests and simple callers), which implements 'cfg'. */
void ofctrl_put(struct ofctrl *, const struct tm_flow_table *desired,
                int64_t cfg);

/* Asks for the bridge's flows to be changed in some harmless way (an owned
 * flow modified to itself), which makes ovs-vswitchd revalidate every
 * datapath flow of that datapath: OVS 3.1 does not do so when only a Mirror
 * row changes.  Done with the next bundle; ofctrl_get_nudge_seqno() tells
 * when it was committed. */
void ofctrl_request_nudge(struct ofctrl *);
/* Returns the number of nudges committed so far. */
uint64_t ofctrl_get_nudge_seqno(const struct ofctrl *);

/* Makes the next idle moment dump and compare the whole table. */
void ofctrl_request_audit(struct ofctrl *);
/* Sets the interval of the slow audit, in ms (0: never). */
void ofctrl_set_audit_interval(struct ofctrl *, long long int ms);
/* Sets the interval of the counters' refresh, in ms (at least 100). */
void ofctrl_set_stats_interval(struct ofctrl *, long long int ms);

void ofctrl_run(struct ofctrl *);
void ofctrl_wait(struct ofctrl *);

/* True while connected and the switch holds every owner's desired flows
 * (owners set aside as refused aside). */
bool ofctrl_is_synced(const struct ofctrl *);
/* The 'cfg' whose desired flows the switch confirmed last, or -1. */
int64_t ofctrl_get_installed_cfg(const struct ofctrl *);
bool ofctrl_is_connected(const struct ofctrl *);
/* Increases each time a new connection to the switch is made. */
unsigned int ofctrl_get_connection_seqno(const struct ofctrl *);
/* Returns a number that changes whenever what the switch holds changes
 * (a bundle committed, a connection lost or made), so that callers know
 * when to look at ofctrl_session_installed() again. */
uint64_t ofctrl_get_change_seqno(const struct ofctrl *);
/* Returns a number that changes whenever a committed bundle changed the
 * switch's flows or groups: what ovs-vswitchd must then revalidate. */
uint64_t ofctrl_get_mods_seqno(const struct ofctrl *);

/* True if every owner of 'session_key' is installed as desired. */
bool ofctrl_session_installed(const struct ofctrl *, uint32_t session_key);
/* True if 'session_key' is installed, or was and only its rules are being
 * replaced (what it copies until then is what the old rules select). */
bool ofctrl_session_delivering(const struct ofctrl *, uint32_t session_key);
/* Returns the switch's error for a refused owner of 'session_key', or
 * NULL. */
const char *ofctrl_session_refused(const struct ofctrl *,
                                   uint32_t session_key);

/* Packets and bytes matched by the TM_COOKIE_ACCEPT flows of 'session_key'
 * at the last refresh.  Returns false (and zeros) if the session has no
 * accepting flow or its counters have not been read since it got one.
 * ofctrl_session_stats_pending() is true in the second case. */
bool ofctrl_session_stats_pending(const struct ofctrl *,
                                  uint32_t session_key);
bool ofctrl_get_session_stats(const struct ofctrl *, uint32_t session_key,
                              uint64_t *packets, uint64_t *bytes);
/* Returns a number that changes whenever new counters arrived. */
uint64_t ofctrl_get_stats_seqno(const struct ofctrl *);

/* Appends a human-readable state summary for tmirror/show. */
void ofctrl_format_status(const struct ofctrl *, struct ds *);

/* Appends the installed flows, sorted, in ovs-ofctl syntax. */
void ofctrl_format_installed(const struct ofctrl *, struct ds *);

/* Removes every flow and group tmirror owns on the bridge and waits (up to
 * 'timeout_ms') for the barrier.  For "exit --cleanup". */
void ofctrl_cleanup(struct ofctrl *, int timeout_ms);

#endif /* ofctrl.h */
