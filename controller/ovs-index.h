/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_OVS_INDEX_H
#define TMIRROR_OVS_INDEX_H 1

/* An index of the local Open_vSwitch database by iface-id: where each VM
 * port (a source that could be captured) is, and which appliance NICs are
 * plugged into the mirror bridge, with their OpenFlow port numbers.
 *
 * Rebuilt when the Open_vSwitch database changes (its size is one host's,
 * never the fleet's), and then says which iface-ids changed, so that only
 * the sessions that name them are looked at again.
 *
 * Several Interfaces with one iface-id (during a live migration, say): the
 * one with external_ids:iface-status=active wins, then the lowest positive
 * ofport, then the lowest Interface name, as in vswitch-sync. */

#include <stdbool.h>
#include <stdint.h>
#include "openvswitch/shash.h"
#include "openvswitch/types.h"
#include "sset.h"

struct ovsdb_idl;
struct ovsrec_bridge;
struct ovsrec_interface;
struct ovsrec_port;

/* A VM port: a source that can be captured on this chassis. */
struct ovs_source {
    const struct ovsrec_interface *iface;
    const struct ovsrec_port *port;
    const struct ovsrec_bridge *br;
    int64_t ofport;             /* 0 while unknown. */
    char *signature;            /* What a change compares (owned). */
};

struct ovs_index {
    char *bridge;               /* The mirror bridge it was built for. */
    struct shash sources;       /* iface-id -> struct ovs_source. */
    struct shash appliances;    /* iface-id -> (intptr_t) ofport on the
                                 * mirror bridge. */

    /* Tracked: what changed in the last ovs_index_build(). */
    struct sset changed_sources;
    struct sset changed_appliances;
};

void ovs_index_init(struct ovs_index *);
void ovs_index_destroy(struct ovs_index *);

/* Rebuilds 'idx' from 'idl' for mirror bridge 'bridge' and records in the
 * tracked sets the iface-ids whose entries changed.  Returns true if any
 * did. */
bool ovs_index_build(struct ovs_index *idx, const struct ovsdb_idl *idl,
                     const char *bridge);
void ovs_index_clear_tracked(struct ovs_index *);

/* Returns the source with 'iface_id', or NULL. */
const struct ovs_source *ovs_index_find_source(const struct ovs_index *,
                                               const char *iface_id);
/* Returns the ofport on the mirror bridge of the appliance NIC with
 * 'iface_id', or OFPP_NONE. */
ofp_port_t ovs_index_find_appliance(const struct ovs_index *,
                                    const char *iface_id);

#endif /* ovs-index.h */
