/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_VSWITCH_SYNC_H
#define TMIRROR_VSWITCH_SYNC_H 1

/* Reconciles the rows tmirror owns in the local Open_vSwitch database: the
 * mirror bridge, one patch-port pair and one Mirror row per captured
 * (source port, direction), flow-based tunnel ports, and reports the
 * OpenFlow port numbers the pipeline needs.
 *
 * Every row it creates carries external_ids:tmirror-owned=true, and it only
 * ever changes or deletes such rows (plus the references to them in the
 * 'ports' and 'mirrors' columns of Bridge rows, and the 'bridges' column of
 * the Open_vSwitch row for a bridge it created).  A mirror bridge that an
 * operator created beforehand is used as it is: its other ports and settings
 * are left alone.
 *
 * Capture: for each request (source iface-id, direction) whose Interface
 * (external_ids:iface-id, on any bridge other than the mirror bridge) exists,
 * a patch port "tm-XXXXXXXX-i|e" on the source bridge, with the same tag,
 * trunks and vlan_mode as the source's Port so that copies leave it as the
 * VM sent or received them, peered with a patch port on the mirror bridge;
 * and a Mirror row with select_src_port (egress: what the VM sends) or
 * select_dst_port (ingress) = the source Port and output_port = that patch
 * port.  Capacity: ovs-vswitchd honours at most 32 Mirror rows per bridge,
 * foreign ones included.  Requests come in admission order; a source is
 * admitted only if all of its requests fit; the others get
 * VS_CAPTURE_NO_CAPACITY.  A request with a 'tc_port' needs no Mirror row:
 * only that port on the mirror bridge, whose ofport is the result's.
 *
 * The mirror bridge: created when missing (fail_mode=secure, datapath_type
 * of the first source bridge, protocols OpenFlow10,OpenFlow13,OpenFlow14,
 * OpenFlow15, other_config:disable-in-band=true), owned only if tmirror
 * created it. */

#include <stdbool.h>
#include <stdint.h>
#include "openvswitch/types.h"

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct ds;

enum vs_capture_state {
    VS_CAPTURE_OK,              /* Ports and Mirror in place, ofport known. */
    VS_CAPTURE_PENDING,         /* Created, waiting for ovs-vswitchd. */
    VS_CAPTURE_NO_SOURCE,       /* No Interface with that iface-id here. */
    VS_CAPTURE_NO_CAPACITY,     /* Its bridge has no free Mirror slots. */
    VS_CAPTURE_ERROR,           /* Other; see 'message'. */
};

struct vs_capture_req {
    const char *iface_id;
    bool egress;
    const char *tc_port;        /* NULL: a Mirror row and patch ports.  Else
                                 * the source is captured with tc (capture.h)
                                 * and this is the veth end that carries the
                                 * copies: it becomes an owned Port of type
                                 * "system" on the mirror bridge, and no
                                 * Mirror row or slot is used. */
    int tc_ifindex;             /* The ifindex of 'tc_port': when it
                                 * changes (the veth was made again), the
                                 * Port is deleted and, once ovs-vswitchd
                                 * has applied that, added back. */
};

struct vs_capture_result {
    enum vs_capture_state state;
    char *message;              /* Owned; NULL when OK. */
    char *bridge;               /* Owned; the source's bridge, or NULL. */
    ofp_port_t mirror_ofport;   /* On the mirror bridge, when OK. */
};

/* One flow-based tunnel port per (encap, dst_port); dst_port 0 = default. */
struct vs_tunnel_req {
    const char *encap;          /* "vxlan", "geneve", "gre", "erspan". */
    int dst_port;
};

struct vs_bridge_capacity {
    char *bridge;               /* Owned. */
    int foreign;                /* Mirror rows tmirror does not own. */
    int owned;                  /* Mirror rows tmirror owns. */
    int free;                   /* 32 - foreign - owned (not below 0). */
};

struct vs_config {
    const char *bridge;         /* Mirror bridge name, e.g. "br-mirror". */
    const char *encap_ip;       /* Tunnel local_ip, or NULL. */
    bool cleanup;               /* Remove everything owned instead. */
};

struct vs_result {
    bool bridge_ready;          /* Mirror bridge exists in the database. */
    bool bridge_owned;          /* tmirror created it. */
    struct vs_capture_result *captures;     /* One per request. */
    size_t n_captures;
    ofp_port_t *tunnel_ofports; /* One per tunnel request; OFPP_NONE
                                 * while pending or on error. */
    char **tunnel_errors;       /* One per tunnel request: NULL, or why the
                                 * port cannot be used (owned strings). */
    size_t n_tunnels;
    struct vs_bridge_capacity *capacity;    /* One per bridge with sources. */
    size_t n_capacity;
    bool changed;               /* This call wrote something into 'txn'. */
    bool dirty;                 /* It found differences (written only if it
                                 * had a transaction). */
    bool deferred;              /* Some rows can only be written once
                                 * ovs-vswitchd has applied the changes
                                 * made so far (Open_vSwitch cur_cfg). */
};

/* Registers the Open_vSwitch columns this module reads and writes with
 * 'ovs_idl' (created with monitor_everything_by_default == false). */
void vswitch_sync_register(struct ovsdb_idl *ovs_idl);

/* Compares the database with what 'cfg', 'captures' and 'tunnels' call for
 * and, when 'txn' is nonnull, writes the differences into it, incrementing
 * Open_vSwitch next_cfg so that ovs-vswitchd's cur_cfg tells when it has
 * applied them.  A port is never deleted and re-created under the same name
 * before ovs-vswitchd has applied the deletion, and new ports are only
 * inserted once it has applied every earlier change (result->deferred says
 * that something waits for that).  Fills in 'result' (free it with
 * vs_result_destroy()). */
void vswitch_sync_run(struct ovsdb_idl *ovs_idl, struct ovsdb_idl_txn *txn,
                      const struct vs_config *cfg,
                      const struct vs_capture_req *captures, size_t n_captures,
                      const struct vs_tunnel_req *tunnels, size_t n_tunnels,
                      struct vs_result *result);

/* The OpenFlow port number on the mirror bridge of the Interface whose
 * external_ids:iface-id is 'iface_id' (an appliance NIC for a port target),
 * or OFPP_NONE. */
ofp_port_t vswitch_sync_find_appliance(struct ovsdb_idl *ovs_idl,
                                       const char *bridge,
                                       const char *iface_id);

/* True if an Interface whose external_ids:iface-id is 'iface_id' is on a
 * bridge of this chassis other than the mirror bridge 'bridge' (a source
 * that can be captured here). */
bool vswitch_sync_has_source(struct ovsdb_idl *ovs_idl, const char *bridge,
                             const char *iface_id);

void vs_result_destroy(struct vs_result *);
const char *vs_capture_state_to_string(enum vs_capture_state);

#endif /* vswitch-sync.h */
