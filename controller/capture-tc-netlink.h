/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CAPTURE_TC_NETLINK_H
#define TMIRROR_CAPTURE_TC_NETLINK_H 1

/* The rtnetlink requests that tc capture needs, built and parsed with
 * libopenvswitch's netlink helpers (lib/netlink.h, lib/netlink-socket.h,
 * tc_make_request() from lib/tc.h): links (veth pairs, their group, alias,
 * MTU and state), the clsact qdisc, and match-everything filters
 * (cls_matchall, or cls_bpf with the one-instruction classic program
 * "ret #-1") whose one action is "mirred egress mirror dev X continue" with
 * an action cookie.
 *
 * Requests that change something go through tcnl_transact() on a socket the
 * caller owns, so that the kernel's extended acknowledgement ("Exclusivity
 * flag on, cannot modify.") reaches the caller's error message.  Dumps use
 * nl_dump.  Nothing here keeps state.  Every function works in the network
 * namespace of the calling process. */

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl_sock;
struct ofpbuf;

/* The two hooks of a clsact qdisc.  The ingress hook sees what the device
 * receives (for a VM's tap or veth: what the VM sends); the egress hook sees
 * what the device transmits (what the VM receives). */
enum tcnl_hook {
    TCNL_HOOK_INGRESS,
    TCNL_HOOK_EGRESS,
};
const char *tcnl_hook_name(enum tcnl_hook);

/* Sends 'request' (an rtnetlink request, to which it adds NLM_F_ACK) on
 * 'sock' and waits for the kernel's acknowledgement.  Returns 0 or a
 * positive errno value; on error, if 'errmsgp' is nonnull, stores in it the
 * kernel's extended ack message (to free) or NULL.  On success, if 'replyp'
 * is nonnull, stores in it the reply of a GET, or NULL if there was none
 * (to free with ofpbuf_delete()).  Uninitializes 'request'. */
int tcnl_transact(struct nl_sock *sock, struct ofpbuf *request,
                  struct ofpbuf **replyp, char **errmsgp);

/* A network device, as RTM_GETLINK describes it. */
struct tcnl_link {
    int ifindex;
    char name[IFNAMSIZ];
    char kind[16];              /* IFLA_INFO_KIND ("veth"), or "". */
    char alias[64];             /* IFLA_IFALIAS (truncated), or "". */
    int peer_ifindex;           /* IFLA_LINK (a veth's peer), or 0. */
    uint32_t group;             /* IFLA_GROUP. */
    unsigned int flags;         /* IFF_*. */
    int mtu;
};

/* Gets the device called 'name'.  Returns 0, ENODEV if there is none, or
 * another positive errno value. */
int tcnl_link_get(struct nl_sock *, const char *name, struct tcnl_link *);

/* Gets every device in the namespace into '*links' (an array of '*n', to
 * free).  Returns 0 or a positive errno value. */
int tcnl_link_dump(struct tcnl_link **links, size_t *n);

/* Creates a veth pair 'name' <-> 'peer', both in device group 'group' (set
 * in the same request, so that a pair never exists unmarked) and with MTU
 * 'mtu' (0: the kernel's default), both down. */
int tcnl_veth_create(struct nl_sock *, const char *name, const char *peer,
                     uint32_t group, int mtu, char **errmsgp);

/* Sets device 'ifindex' up (if 'up'), its MTU (if 'mtu' > 0) and its alias
 * (if 'alias' is nonnull). */
int tcnl_link_set(struct nl_sock *, int ifindex, bool up, int mtu,
                  const char *alias, char **errmsgp);

/* Deletes device 'ifindex' (for a veth, both ends). */
int tcnl_link_delete(struct nl_sock *, int ifindex, char **errmsgp);

/* Turns off transmit checksum offload on device 'name' (so that the kernel
 * completes partial checksums, and segments GSO packets, before the frame
 * leaves it) and disables IPv6 on it (no router solicitations, DAD or MLD
 * frames of its own).  Returns 0 or a positive errno value. */
int tcnl_link_quiet(const char *name);

/* A qdisc at a device's ingress handle (ffff:), shared by "ingress" and
 * "clsact". */
struct tcnl_qdisc {
    int ifindex;
    char kind[16];              /* "clsact", "ingress", ... */
    uint32_t ingress_block;     /* Shared filter blocks, 0 if none. */
    uint32_t egress_block;
};

/* Dumps the ingress-handle qdiscs of every device into '*qdiscs' (an array
 * of '*n', to free).  (The kernel answers a RTM_GETQDISC for one device's
 * ingress handle with nothing, and does not filter a dump by device.)
 * Returns 0 or a positive errno value. */
int tcnl_qdisc_dump(struct tcnl_qdisc **qdiscs, size_t *n);

/* Returns the entry for 'ifindex' in 'qdiscs', or NULL if it has none. */
const struct tcnl_qdisc *tcnl_qdisc_find(const struct tcnl_qdisc *qdiscs,
                                         size_t n, int ifindex);

/* Creates a clsact qdisc on 'ifindex' (fails with EEXIST if any qdisc is at
 * the ingress handle) or deletes the clsact qdisc there. */
int tcnl_clsact_add(struct nl_sock *, int ifindex, char **errmsgp);
int tcnl_clsact_del(struct nl_sock *, int ifindex, char **errmsgp);

/* The classifier of a match-everything filter. */
enum tcnl_classifier {
    TCNL_CLS_MATCHALL,          /* cls_matchall. */
    TCNL_CLS_BPF,               /* cls_bpf, classic BPF "ret #-1". */
};
const char *tcnl_classifier_name(enum tcnl_classifier);

#define TCNL_COOKIE_MAX 16

/* One entry of a hook's dump: a classifier instance at a priority (handle 0)
 * or one of its filters. */
struct tcnl_filter {
    uint16_t prio;
    uint16_t protocol;          /* Host byte order (ETH_P_ALL = 3). */
    uint32_t handle;
    uint32_t chain;
    char kind[16];
    bool match_all;             /* matchall, or bpf whose program is exactly
                                 * "ret #-1" in classic BPF. */

    /* The filter's first action, if any. */
    int n_actions;
    char act_kind[16];
    uint8_t cookie[TCNL_COOKIE_MAX];
    size_t cookie_len;
    bool mirred;                /* The first action is mirred. */
    int mirred_eaction;         /* TCA_EGRESS_MIRROR, ... */
    int mirred_control;         /* TC_ACT_UNSPEC for "continue", ... */
    uint32_t mirred_ifindex;
    uint64_t packets, bytes;    /* The first action's counters. */
};

/* Dumps the filters of 'hook' of 'ifindex' (every chain and priority) into
 * '*filters' (an array of '*n', to free).  A device without clsact has none.
 * Returns 0 or a positive errno value. */
int tcnl_filter_dump(int ifindex, enum tcnl_hook, struct tcnl_filter **,
                     size_t *n);

/* Adds (or, if 'replace', replaces) filter 1 at 'prio' of 'hook' on
 * 'ifindex': classifier 'cls' matching every frame, in software only, whose
 * one action is "mirred egress mirror dev 'target_ifindex' continue" with
 * 'cookie' as the action cookie.  (cls_matchall cannot replace a filter in
 * place: for it, a replacement is a deletion followed by an addition.) */
int tcnl_mirror_filter_put(struct nl_sock *, int ifindex, enum tcnl_hook,
                           uint16_t prio, enum tcnl_classifier cls,
                           bool replace, int target_ifindex,
                           const void *cookie, size_t cookie_len,
                           char **errmsgp);

/* Deletes the filter 'handle' of kind 'kind' at 'prio'/'protocol' of
 * 'hook' on 'ifindex'. */
int tcnl_filter_del(struct nl_sock *, int ifindex, enum tcnl_hook,
                    uint16_t prio, uint16_t protocol, uint32_t handle,
                    const char *kind, char **errmsgp);

/* Probes, on device 'ifindex' (which must be the caller's own: a clsact
 * qdisc is added there and removed again), which classifiers the kernel
 * has: the first of matchall and bpf that accepts a match-everything filter.
 * Stores it in '*cls'.  Returns 0, ENOENT if neither does (with '*errmsgp'
 * set as for tcnl_transact()), or another positive errno value if the probe
 * itself failed (for example, no clsact in this kernel). */
int tcnl_probe_classifier(struct nl_sock *, int ifindex,
                          enum tcnl_classifier *cls, char **errmsgp);

#endif /* capture-tc-netlink.h */
