/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_VSWITCH_SYNC_PRIVATE_H
#define TMIRROR_VSWITCH_SYNC_PRIVATE_H 1

/* What the files of vswitch-sync share and nothing else includes: the
 * context of one vswitch_sync_run() call (struct vs_ctx, filled in by
 * vswitch-sync.c), the desired state of an owned port, the small helpers
 * on rows, and the entry points of each part:
 *
 *   vswitch-sync.c          the public interface, indexing the replica,
 *                           results, the log module and coverage counters;
 *   vswitch-sync-port.c     owned Ports and their Interface;
 *   vswitch-sync-bridge.c   the mirror bridge;
 *   vswitch-sync-mirror.c   Mirror rows and the slots of a source bridge;
 *   vswitch-sync-capture.c  one capture request: admission, patch ports,
 *                           Mirror row or tc port, its state;
 *   vswitch-sync-tunnel.c   flow-based tunnel ports;
 *   vswitch-sync-stale.c    deleting owned rows no longer wanted. */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "compiler.h"
#include "hmapx.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "smap.h"
#include "sset.h"
#include "vswitch-idl.h"
#include "vswitch-sync.h"

/* All files of vswitch-sync log as the one module "vswitch_sync" that
 * vswitch-sync.c defines, so that "vlog/set vswitch_sync:..." covers all of
 * them; VLM_vswitch_sync is the pointer that VLOG_DEFINE_THIS_MODULE
 * exports. */
#ifndef VS_SYNC_DEFINES_MODULE
extern struct vlog_module *VLM_vswitch_sync;
#define this_module (*VLM_vswitch_sync)
#endif

/* ovs-vswitchd honours at most this many Mirror rows per bridge
 * (MAX_MIRRORS in ofproto/ofproto-dpif-mirror.h). */
#define VS_MAX_MIRRORS 32

#define VS_OWNED_KEY "tmirror-owned"
#define VS_IFACE_ID_KEY "tmirror-iface-id"
#define VS_TC_IFINDEX_KEY "tmirror-tc-ifindex"

/* Creations, repairs and deletions: normally a handful, but a tool fighting
 * tmirror over a row would repeat them on every run.  (Both are defined in
 * vswitch-sync.c.) */
extern struct vlog_rate_limit vs_change_rl;
extern struct vlog_rate_limit vs_warn_rl;

/* Count into the coverage counters vswitch_sync_create, _repair and
 * _delete that vswitch-sync.c defines (a counter can only be incremented
 * in the file that defines it). */
void vs_count_create(void);
void vs_count_repair(void);
void vs_count_delete(void);

/* Where a Port or an Interface is. */
struct vs_loc {
    const struct ovsrec_interface *iface;   /* NULL for a Port. */
    const struct ovsrec_port *port;
    const struct ovsrec_bridge *br;
};

/* An owned Mirror row and the bridge whose 'mirrors' holds it. */
struct vs_mirror_loc {
    const struct ovsrec_mirror *mirror;
    const struct ovsrec_bridge *br;
};

/* Mirror slot accounting for one source bridge. */
struct vs_cap {
    const struct ovsrec_bridge *br;
    int foreign;
    int owned;
};

/* What one call works with.  All maps point into the IDL. */
struct vs_ctx {
    struct ovsdb_idl *idl;
    struct ovsdb_idl_txn *txn;          /* NULL: compare only. */
    const struct vs_config *cfg;
    const struct ovsrec_open_vswitch *ovs;

    const struct ovsrec_bridge *mbr;    /* Mirror bridge, or NULL. */
    bool mbr_new;                       /* Inserted by this call. */
    struct ovsrec_port **mbr_new_ports; /* Ports for a new 'mbr'. */
    size_t n_mbr_new_ports, allocated_mbr_new_ports;

    struct shash ports;                 /* Port name -> struct vs_loc. */
    struct shash ifaces;                /* Interface name -> vs_loc. */
    struct shash sources;               /* iface-id -> vs_loc. */
    struct shash owned_mirrors;         /* name -> struct vs_mirror_loc. */
    struct shash base_names;            /* "tm-XXXXXXXX" -> iface-id. */
    struct shash bases;                 /* iface-id -> "tm-XXXXXXXX" (owned):
                                         * the names of its patch ports. */

    struct vs_cap *caps;                /* Source bridges, in order. */
    size_t n_caps, allocated_caps;

    struct sset new_names;              /* Ports inserted by this call. */
    struct hmapx keep;                  /* Owned rows still wanted. */
    struct hmapx deleted;               /* Rows deleted by this call. */
    bool dirty;                         /* A difference was found. */
    bool may_create;                    /* New ports may be inserted:
                                         * ovs-vswitchd has applied every
                                         * earlier change (cur_cfg). */
    bool deferred;                      /* Something waits for that. */
};

/* The outcome of comparing one row with its desired state. */
enum vs_row_state {
    VS_ROW_OK,          /* Already as desired. */
    VS_ROW_CHANGED,     /* Created or repaired (or would be, without txn). */
    VS_ROW_CONFLICT,    /* A foreign row is in the way. */
};

/* Desired state of one owned Port with one Interface of the same name. */
struct vs_port_spec {
    const char *name;
    const char *type;
    struct smap options;
    const int64_t *tag;
    size_t n_tag;
    const int64_t *trunks;
    size_t n_trunks;
    const char *vlan_mode;
    const char *iface_id;       /* For external_ids:tmirror-iface-id. */
    int tc_ifindex;             /* Nonzero: external_ids:tmirror-tc-ifindex
                                 * (the port is a tc capture's veth). */
};

/* Returns true if a row with these external_ids belongs to tmirror. */
static inline bool
vs_owned(const struct smap *external_ids)
{
    return smap_get_bool(external_ids, VS_OWNED_KEY, false);
}

/* Compares two optional strings, NULL being the same as "". */
static inline bool
vs_str_equal(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

/* Compares two integer sets as the IDL stores them (sorted). */
static inline bool
vs_ints_equal(const int64_t *a, size_t n_a, const int64_t *b, size_t n_b)
{
    return n_a == n_b && (!n_a || !memcmp(a, b, n_a * sizeof *a));
}

/* "" and "system" are the same datapath type. */
static inline const char *
vs_dp_type(const struct ovsrec_bridge *br)
{
    return br->datapath_type && br->datapath_type[0]
           ? br->datapath_type : "system";
}

/* Returns the Interface's OpenFlow port number: positive when assigned, -1
 * when ovs-vswitchd failed to add it, 0 while not yet known. */
static inline int64_t
vs_iface_ofport(const struct ovsrec_interface *iface)
{
    return iface && iface->n_ofport ? iface->ofport[0] : 0;
}

/* Marks a difference and says whether it may be written. */
static inline bool
vs_may_write(struct vs_ctx *ctx)
{
    ctx->dirty = true;
    return ctx->txn != NULL;
}

/* vswitch-sync-port.c. */
void vs_owned_ids(struct smap *ids, const char *iface_id);
const struct ovsrec_port *vs_insert_port(struct vs_ctx *,
                                         const struct ovsrec_bridge *,
                                         const struct vs_port_spec *);
enum vs_row_state vs_ensure_port(struct vs_ctx *,
                                 const struct ovsrec_bridge *,
                                 const struct vs_port_spec *,
                                 const struct ovsrec_port **portp,
                                 const struct ovsrec_interface **ifacep,
                                 char **errp);

/* vswitch-sync-bridge.c. */
void vs_mirror_bridge_run(struct vs_ctx *, const struct vs_capture_req *,
                          size_t n_reqs);

/* vswitch-sync-mirror.c. */
struct vs_cap *vs_cap_get(struct vs_ctx *, const struct ovsrec_bridge *);
enum vs_row_state vs_ensure_mirror(struct vs_ctx *,
                                   const struct ovsrec_bridge *,
                                   const char *name,
                                   const struct ovsrec_port *src,
                                   const struct ovsrec_port *out,
                                   bool egress, const char *iface_id,
                                   char **errp);

/* vswitch-sync-capture.c. */
void vs_capture_set(struct vs_capture_result *, enum vs_capture_state,
                    const char *format, ...)
    OVS_PRINTF_FORMAT(3, 4);
void vs_captures_run(struct vs_ctx *, const struct vs_capture_req *,
                     size_t n_reqs, struct vs_result *);

/* vswitch-sync-tunnel.c. */
void vs_tunnels_run(struct vs_ctx *, const struct vs_tunnel_req *,
                    size_t n_reqs, struct vs_result *);

/* vswitch-sync-stale.c. */
void vs_delete_stale(struct vs_ctx *);

#endif /* vswitch-sync-private.h */
