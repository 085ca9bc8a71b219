/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CAPTURE_H
#define TMIRROR_CAPTURE_H 1

/* Capture: how the frames of a source (a VM port) reach the mirror bridge,
 * behind one interface with two backends:
 *
 *   - "tc" (capture-tc.h): the kernel copies the frames of the VM's netdev
 *     into a veth pair of tmirror's whose other end is a port of the mirror
 *     bridge.  No Mirror row, so no limit of 32 per bridge.  Only for ports
 *     that are kernel netdevs.
 *   - "mirror": an OVS Mirror row per (source, direction) into a patch port
 *     (vswitch-sync.h).  Works for any port (dummy, DPDK, vhost-user), but
 *     a bridge honours at most 32 rows.
 *
 * The backend of each (source, direction) follows from the hypervisor's
 * external_ids:tmirror-capture (Open_vSwitch row) and from the facts,
 * always the same way (capture_choose()):
 *
 *   - "mirror": Mirror rows for everything (as before tc capture existed).
 *   - "auto" (the default): tc where possible.  A port that is not a
 *     kernel netdev (Interface type other than "", "system", "tap",
 *     "internal", or ifindex 0) uses a Mirror row.  tc capture is exact or
 *     refused (ingress policing, hw-offload, another program's ingress or
 *     clsact qdisc that cannot be shared, ...: capture-tc.h); a refused
 *     capture, and one that failed at runtime (a netlink request the
 *     kernel rejected, such as a veth pair it would not create), uses a
 *     Mirror row, or is an error naming the conflict or the failure and
 *     the lack of a slot when its bridge has no free Mirror slot.  While
 *     it uses a Mirror row, the tc capture stays wanted (a failed one is
 *     retried every second), so that it takes over once the conflict or
 *     the failure is gone.
 *   - "tc": tc only; a source that tc cannot capture (refused or failed)
 *     is an error that says why (no Mirror row is ever used).
 *
 * The plan (mirror-plan.h) calls capture_choose() for every wanted (source,
 * direction), hands the tc ones to capture_want_tc() between
 * capture_want_begin() and capture_want_end(), and gives vswitch-sync the
 * Mirror-row requests and the tc captures' bridge ports.  capture_run()
 * keeps the kernel state true (notifications, audit, repairs) and records
 * which sources' capture changed in a way the plan must see
 * (capture_take_changes()); repair counts and gaps change only the
 * sessions' status (capture_get_stats_seqno()). */

#include <stdbool.h>
#include <stdint.h>

struct ds;
struct ovs_source;
struct ovsdb_idl;
struct ovsrec_open_vswitch;
struct sset;

enum capture_mode {
    CAPTURE_MODE_AUTO,
    CAPTURE_MODE_TC,
    CAPTURE_MODE_MIRROR,
};
const char *capture_mode_name(enum capture_mode);

enum capture_backend {
    CAPTURE_BY_MIRROR,          /* Mirror row and patch ports. */
    CAPTURE_BY_TC,              /* tc filter into a veth pair. */
};
const char *capture_backend_name(enum capture_backend);

/* What capture_choose() decided for one (source, direction). */
struct capture_choice {
    enum capture_backend backend;
    bool ready;                 /* vswitch-sync may add its rows (Mirror
                                 * row, or tc 'bridge_port'). */
    bool failed;                /* Not ready: error (else pending). */
    char *message;              /* Not ready: why.  Ready and a Mirror row
                                 * although tc was possible: why not tc.
                                 * Else NULL. */
    char *bridge_port;          /* CAPTURE_BY_TC: the mirror bridge's port. */
    int bridge_ifindex;         /* CAPTURE_BY_TC: its ifindex. */
    bool tc_wanted;             /* The tc capture is to be wanted (also
                                 * while a Mirror row stands in for it). */
};
void capture_choice_destroy(struct capture_choice *);

/* Registers the Open_vSwitch columns that the choice reads (Interface
 * type, ifindex, policing; Open_vSwitch other_config). */
void capture_register(struct ovsdb_idl *ovs_idl);

struct capture *capture_create(void);
/* Frees 'capture', leaving the kernel state in place (copies go on). */
void capture_destroy(struct capture *);

/* Follows the Open_vSwitch row: external_ids:tmirror-capture and
 * other_config:hw-offload.  Returns true if either changed.  An invalid
 * mode is logged and taken as "auto". */
bool capture_configure(struct capture *, const struct ovsrec_open_vswitch *);
enum capture_mode capture_get_mode(const struct capture *);

/* Decides how the (source 'iface_id', direction) is captured, 'src' being
 * its port here (NULL if none).  Reads only 'capture''s state. */
void capture_choose(const struct capture *, const char *iface_id,
                    bool egress, const struct ovs_source *src,
                    struct capture_choice *);

/* The set of tc captures: every (source, direction) that
 * capture_choose() did not put on a Mirror row by rule. */
void capture_want_begin(struct capture *);
void capture_want_tc(struct capture *, const char *iface_id, bool egress,
                     const struct ovs_source *src);
void capture_want_end(struct capture *);

void capture_run(struct capture *);
void capture_wait(struct capture *);

/* Moves into 'sources' the iface-ids whose capture changed in a way that
 * capture_choose() sees, since the last call.  Returns true if any. */
bool capture_take_changes(struct capture *, struct sset *sources);
/* Bumped whenever a repair count or gap changes. */
uint64_t capture_get_stats_seqno(const struct capture *);

/* Repairs of the tc captures of 'iface_id' and the time they were missing
 * (both directions, this run of the controller). */
void capture_get_gaps(const struct capture *, const char *iface_id,
                      int64_t *repairs, int64_t *missing_ms);

/* The names of the veth pair of a wanted tc capture: false if there is
 * none.  Two sources never share a name: see capture.c. */
bool capture_get_tc_ports(const struct capture *, const char *iface_id,
                          bool egress, const char **tc_port,
                          const char **bridge_port);

/* Appends the mode, the classifier and one line per tc capture. */
void capture_format(const struct capture *, struct ds *);
/* Number of tc captures wanted and active. */
void capture_count(const struct capture *, int *wanted, int *active);

/* Removes every qdisc, filter and veth of tmirror's in this network
 * namespace ("exit --cleanup").  Returns the number that remain. */
int capture_cleanup(struct capture *);

#endif /* capture.h */
