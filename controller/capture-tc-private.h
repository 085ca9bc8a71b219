/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CAPTURE_TC_PRIVATE_H
#define TMIRROR_CAPTURE_TC_PRIVATE_H 1

/* The parts of capture_tc shared by its files: capture-tc.c (the desired
 * set, notifications, scheduling, status, cleanup), capture-tc-source.c
 * (one source netdev's qdisc and filters) and capture-tc-veth.c (one
 * capture's veth pair).  Not for use outside them. */

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include "controller/capture-tc.h"
#include "controller/capture-tc-netlink.h"
#include "openvswitch/hmap.h"
#include "openvswitch/compiler.h"
#include "sset.h"

struct nl_sock;
struct nln;
struct nln_notifier;

/* Retry period of a capture whose last operation failed. */
#define CTC_RETRY_MS 1000

/* How long an "ingress" qdisc must have been gone before tmirror adds a
 * clsact in its place: ovs-vswitchd (and libvirt) delete and re-add theirs
 * whenever they reconfigure policing, and a clsact added in between would
 * make their policing fail. */
#define CTC_INGRESS_HOLD_MS 5000

/* The action cookie: "tmcp", version, flags, direction, 0. */
#define CTC_COOKIE_LEN 8
#define CTC_COOKIE_VERSION 1
#define CTC_COOKIE_CREATED_QDISC 0x01

/* Where a capture is in its life. */
enum ctc_phase {
    CTC_NEW,                    /* Never installed (or refused since). */
    CTC_INSTALLED,              /* Installed and verified. */
    CTC_LOST,                   /* Was installed, found broken, not yet
                                 * repaired. */
};

struct ctc_source;

/* One wanted (source, direction). */
struct ctc_capture {
    struct ctc_source *src;
    enum capture_tc_dir dir;
    char *tc_port;
    char *bridge_port;
    char *spec_error;           /* Why the spec is invalid, or NULL. */
    bool marked;                /* Wanted since the last sweep. */
    enum ctc_phase phase;
    bool veth_ok;               /* Set by the last pass. */
    bool veth_intact;           /* The pair was in place before the pass. */
    int tc_ifindex;
    int bridge_ifindex;
    char *message;              /* 'status.message'. */
    struct capture_tc_status status;
};

/* One source netdev with at least one capture, or with tmirror state still
 * to remove. */
struct ctc_source {
    struct hmap_node node;      /* In capture_tc 'sources'. */
    char *name;
    bool policing;
    int ifindex;                /* At the last pass, 0 if absent. */
    long long int ingress_seen; /* When an "ingress" qdisc was last seen on
                                 * 'ifindex', or LLONG_MIN. */
    bool created_qdisc;         /* tmirror added the clsact on 'ifindex'. */
    bool clean;                 /* No tmirror filter left (last pass). */
    bool dirty;                 /* To check at the next run. */
    long long int dirty_since;  /* When it became dirty. */
    long long int retry_at;     /* Next retry after a failure, or
                                 * LLONG_MAX. */
    bool changed;               /* The current pass changed something. */
    struct ctc_capture *caps[2];/* By enum capture_tc_dir. */
};

/* What a notification is about, filled by ctc_nl_parse(). */
struct ctc_change {
    int ifindex;
    char name[IFNAMSIZ];        /* For link messages. */
};

struct capture_tc {
    struct nl_sock *sock;       /* For requests; NULL if unavailable. */
    struct nln *nln;
    struct nln_notifier *tc_notifier;
    struct nln_notifier *link_notifier;
    struct ctc_change change;

    struct capture_tc_options opts;
    struct hmap sources;        /* Contains "struct ctc_source"s. */
    struct sset doomed;         /* tc_ports of unwanted captures. */
    bool hw_offload;
    bool complete;              /* The desired set was swept once. */
    bool gc_pending;            /* Remove stale state of earlier runs. */
    long long int doomed_retry_at; /* When to retry failed deletions. */
    long long int dump_retry_at;   /* When to retry a failed qdisc dump. */
    long long int next_audit;

    int cls;                    /* enum tcnl_classifier, or -1. */
};

/* capture-tc.c. */
struct ctc_capture *ctc_capture_by_port(const struct capture_tc *,
                                        const char *name);
void ctc_mark_dirty(struct ctc_source *);
void ctc_changed(struct ctc_source *);
char *ctc_check_name(const char *field, const char *name);
void ctc_set_state(struct ctc_capture *, enum capture_tc_state,
                   const char *format, ...) OVS_PRINTF_FORMAT(3, 4);
void ctc_set_all(struct ctc_source *, enum capture_tc_state,
                 const char *msg);
void ctc_retry(struct ctc_source *);
char *ctc_error_string(int error, char *errmsg);

/* capture-tc-veth.c. */
int ctc_veth_delete(struct capture_tc *, const char *name);
void ctc_veth_run(struct capture_tc *, struct ctc_capture *, int mtu);

/* capture-tc-source.c. */
void ctc_source_run(struct capture_tc *, struct ctc_source *,
                    const struct tcnl_qdisc *qdiscs, size_t n_qdiscs);
int ctc_gc_netdev(struct capture_tc *, const struct tcnl_link *,
                  const struct tcnl_qdisc *);

#endif /* capture-tc-private.h */
