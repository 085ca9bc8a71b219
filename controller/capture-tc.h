/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CAPTURE_TC_H
#define TMIRROR_CAPTURE_TC_H 1

/* tc capture: copies of a VM port's frames made by the kernel, without OVS
 * Mirror rows (so without the 32-mirrors-per-bridge limit).
 *
 * For one capture, that is one (source, direction), capture_tc keeps in
 * place:
 *
 *   - a veth pair of its own: 'tc_port', on which the copies are sent, and
 *     its peer 'bridge_port', which the caller adds to the mirror bridge as
 *     an ordinary (system) port, so that on the mirror bridge in_port says
 *     both the source and the direction.  Both ends are in device group
 *     CAPTURE_TC_LINK_GROUP (set when the pair is created, so a pair never
 *     exists unmarked) and have IPv6 and transmit checksum offload off (the
 *     copies are whole frames with complete checksums, and the pair sends
 *     nothing of its own);
 *   - a clsact qdisc on the source netdev, shared by both directions,
 *     created only if there is none, and removed only if tmirror created it
 *     and no other filter uses it;
 *   - one filter per direction, handle 1 at priority CAPTURE_TC_PRIO,
 *     matching every frame (cls_matchall if the kernel has it, else cls_bpf
 *     with the one-instruction classic BPF program "ret #-1", probed once on
 *     the first tc_port) whose one action is "mirred egress mirror dev
 *     <tc_port> continue" with a tmirror action cookie.  (Not cls_u32: u32
 *     filters at one priority on the two hooks of a clsact share their hash
 *     tables, so that a dump of either hook lists both, a deletion through
 *     one hook removes the other's filter, and emptied classifiers stay.)
 *     "egress" (what the VM sends) is the netdev's ingress hook; "ingress"
 *     (what the VM receives) is its egress hook.  The filter comes first on
 *     its hook and passes every frame on ("continue"), so the filters of
 *     other programs at later priorities see and decide exactly as before;
 *     the original frame is never changed (mirred copies it).
 *
 * Ownership: a veth is tmirror's if it is in CAPTURE_TC_LINK_GROUP; a filter
 * if it is at CAPTURE_TC_PRIO, chain 0, and its action carries the tmirror
 * cookie, which also records whether tmirror created the clsact (so that
 * this survives a restart).  Nothing else is ever changed or deleted.
 *
 * Exact or refused: a capture is REFUSED (and nothing of it is installed;
 * what tmirror had installed for it is removed) when the source has ingress
 * policing (the caller says so; OVS polices with an "ingress" qdisc, which
 * cannot coexist with clsact), when ovs-vswitchd runs with hw-offload (it
 * flushes its ports' tc filters), when the netdev has an "ingress" qdisc
 * (OVS's policing, libvirt's, or anyone's), a clsact on a shared filter
 * block, or a filter of another program at CAPTURE_TC_PRIO on the
 * direction's hook, or when a device with a veth's name exists and is not
 * tmirror's.  The message names the conflict.
 *
 * Kept true: capture_tc listens to RTNLGRP_TC and RTNLGRP_LINK (lib/
 * netlink-notifier), so it sees within milliseconds that another program
 * removed the qdisc, a filter or a veth, or that the source netdev was
 * recreated with a new ifindex; it repairs them at once and counts each
 * repair and the time the capture was missing.  A full audit every
 * 'audit_interval_ms' catches anything the notifications missed.
 *
 * How the controller drives it (from the Open_vSwitch database):
 *   - A source can be captured with tc if its Interface is a kernel netdev:
 *     Interface.type "" (system), "system", "tap" or "internal", and
 *     Interface.ifindex > 0 (ovs-vswitchd sets 0 for dummy, DPDK and
 *     vhost-user ports, whose frames never cross a kernel netdev: those use
 *     Mirror rows).  The source passed here is Interface.name.
 *   - 'policing' is Interface.ingress_policing_rate > 0 or
 *     ingress_policing_kpkts_rate > 0 (OVS ignores a burst without a rate).
 *   - capture_tc_set_hw_offload() follows Open_vSwitch
 *     other_config:hw-offload=true.
 *   - For each (source, direction) that tc should capture, in a
 *     deterministic order, capture_tc_want(), then capture_tc_sweep() once
 *     the desired set is complete (after the first sweep, capture_tc_run()
 *     also removes the stale veths and filters of an earlier run).
 *     capture_tc_unwant() removes one capture between sweeps.
 *   - It adds 'bridge_port' to the mirror bridge (an OVS Port and
 *     Interface of type "system", tmirror-owned, recording
 *     capture_tc_get_status()->bridge_ifindex in its external_ids) once
 *     bridge_port_ready, and uses its ofport as the in_port of the (source,
 *     direction) in table 0, as for the patch ports of Mirror rows.  When
 *     bridge_ifindex differs from the recorded one, it deletes the Port and
 *     adds it again once ovs-vswitchd has applied the deletion (in one
 *     transaction, ovs-vswitchd would keep reading the old netdev).
 *   - It maps the capture's state to the session's: ACTIVE to active,
 *     PENDING to pending (the message says why), REFUSED and ERROR (the
 *     capture is retried every second) to the Mirror-row fallback in auto
 *     mode (or error with the message when no row is free), to error with
 *     the message in tc mode.  It
 *     reports n_repairs, missing_ms and missing_since in the session's
 *     statistics and status.
 *   - "exit --cleanup": capture_tc_cleanup(); a plain exit calls only
 *     capture_tc_destroy(), which leaves everything in place, so copies go
 *     on while the controller is stopped.
 */

#include <stdbool.h>
#include <stdint.h>

struct ds;

/* The priority of tmirror's filters on both hooks: the first one. */
#define CAPTURE_TC_PRIO 1

/* The device group of tmirror's veths ("tm"). */
#define CAPTURE_TC_LINK_GROUP 0x746d

/* Directions in tmirror's (and AWS's) words, seen from the VM. */
enum capture_tc_dir {
    CAPTURE_TC_EGRESS,          /* What the VM sends. */
    CAPTURE_TC_INGRESS,         /* What the VM receives. */
};
const char *capture_tc_dir_name(enum capture_tc_dir);

/* The classifier of the filters. */
enum capture_tc_classifier {
    CAPTURE_TC_CLS_PROBE,       /* matchall if the kernel has it, else bpf. */
    CAPTURE_TC_CLS_MATCHALL,
    CAPTURE_TC_CLS_BPF,
};

struct capture_tc_options {
    enum capture_tc_classifier classifier;      /* Default: probe. */
    int audit_interval_ms;                      /* Default: 10000. */
};

/* One wanted capture. */
struct capture_tc_spec {
    const char *source;         /* The source's kernel netdev. */
    enum capture_tc_dir dir;
    const char *tc_port;        /* Veth end that the copies are sent on. */
    const char *bridge_port;    /* Its peer, for the mirror bridge. */
    bool policing;              /* The source's Interface has policing
                                 * (a property of the source: the last
                                 * capture_tc_want() for it sets it). */
};

enum capture_tc_state {
    CAPTURE_TC_PENDING,         /* Not yet in place (source netdev absent,
                                 * not yet reconciled). */
    CAPTURE_TC_ACTIVE,          /* In place and verified. */
    CAPTURE_TC_REFUSED,         /* tc cannot capture this exactly. */
    CAPTURE_TC_ERROR,           /* An operation failed; retried. */
};
const char *capture_tc_state_name(enum capture_tc_state);

/* What capture_tc reports for one capture. */
struct capture_tc_status {
    enum capture_tc_state state;
    const char *message;        /* Why it is not ACTIVE, else NULL. */
    bool bridge_port_ready;     /* The veth pair exists and is up. */
    int bridge_ifindex;         /* Ifindex of 'bridge_port' (0 if none).  It
                                 * changes when the pair had to be made
                                 * again: ovs-vswitchd then goes on reading
                                 * the old netdev until its port is deleted
                                 * and, in a later transaction, added. */
    unsigned int n_repairs;     /* Times found broken and repaired. */
    long long int missing_ms;   /* Total time broken before repaired. */
    long long int last_gap_ms;  /* Duration of the last such gap. */
    long long int missing_since;/* time_msec() it went missing, or 0. */
    uint64_t packets, bytes;    /* Copies made by the filter, as of the last
                                 * check (restart at 0 when it is
                                 * reinstalled). */
};

struct capture_tc *capture_tc_init(const struct capture_tc_options *);
/* Frees 'ctc', leaving every qdisc, filter and veth in place. */
void capture_tc_destroy(struct capture_tc *);

/* Sets whether ovs-vswitchd offloads flows to hardware (then every capture
 * is refused). */
void capture_tc_set_hw_offload(struct capture_tc *, bool hw_offload);

/* Adds the capture 'spec' to the desired set, or updates it. */
void capture_tc_want(struct capture_tc *, const struct capture_tc_spec *);
/* Removes a capture from the desired set. */
void capture_tc_unwant(struct capture_tc *, const char *source,
                       enum capture_tc_dir);
/* Removes from the desired set the captures not wanted since the previous
 * sweep.  The first sweep also marks the desired set as complete: only then
 * does capture_tc_run() change anything, and once it removes the stale
 * tmirror veths and filters that no capture wants. */
void capture_tc_sweep(struct capture_tc *);

void capture_tc_run(struct capture_tc *);
void capture_tc_wait(struct capture_tc *);

/* Returns the status of a capture in the desired set, or NULL. */
const struct capture_tc_status *capture_tc_get_status(
    const struct capture_tc *, const char *source, enum capture_tc_dir);

/* True if the desired set is complete and the last pass found the kernel
 * as desired (nothing changed, nothing left to check or retry). */
bool capture_tc_is_settled(const struct capture_tc *);

/* The classifier in use ("matchall", "bpf", or "unknown" before the
 * probe). */
const char *capture_tc_get_classifier(const struct capture_tc *);

/* Appends a human-readable summary, one line per capture, for show
 * commands. */
void capture_tc_format(const struct capture_tc *, struct ds *);

/* Removes every veth, filter and clsact that tmirror owns in this network
 * namespace (wanted or not, this run's or an earlier one's) and empties the
 * desired set.  Returns the number of objects that could not be removed. */
int capture_tc_cleanup(struct capture_tc *);

#endif /* capture-tc.h */
