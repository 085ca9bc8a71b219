/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CONTROLLER_H
#define TMIRROR_CONTROLLER_H 1

/* The state of tmirror-controller, shared by its main loop
 * (tmirror-controller.c) and its unixctl commands
 * (controller-commands.c). */

#include <stdbool.h>
#include <stdint.h>
#include "controller/mirror-engine.h"
#include "controller/session-counters.h"
#include "ovsdb-idl.h"

struct capture;
struct intent_monitor;
struct ofctrl;
struct path_verify;
struct revalidate;
struct unixctl_conn;
struct vswitchd_client;

/* Settings read from the local Open_vSwitch row's external_ids. */
struct controller_config {
    char *system_id;
    char *remote;               /* tmirror-remote. */
    char *encap_ip;             /* tmirror-encap-ip, "" if unset. */
    char *bridge;               /* tmirror-bridge. */
    char *availability_zone;    /* tmirror-availability-zone. */
    bool tunnel_local_ip;       /* tmirror-tunnel-local-ip (default true):
                                 * pin the tunnel ports' local_ip to
                                 * encap_ip. */
    bool monitor_all;           /* tmirror-monitor-all: download the whole
                                 * database (for debugging). */
    int verify_interval;        /* tmirror-verify-interval, in ms. */
    int audit_interval;         /* tmirror-audit-interval, in ms. */
    int stats_interval;         /* tmirror-stats-interval, in ms. */
    char hostname[256];
};

struct controller {
    struct ovsdb_idl_loop ovs_loop;
    struct ovsdb_idl_loop tm_loop;
    struct controller_config cfg;
    struct mirror_engine engine;
    struct intent_monitor *monitor;
    struct ofctrl *ofctrl;
    struct vswitchd_client *vswitchd;   /* ovs-vswitchd's unixctl server. */
    struct path_verify *paths;          /* Do copies leave? */
    struct revalidate *reval;           /* Have datapath flows caught up? */
    struct session_counters counters;   /* Running totals per session. */
    struct capture *capture;            /* tc and Mirror-row backends. */

    int64_t tm_cfg;             /* TM_Global.cfg now. */
    bool ovs_done;              /* ovs-vswitchd applied what we wrote. */
    bool vs_wrote;              /* ...and a revalidation nudge follows. */
    uint64_t nudge_wanted;      /* ofctrl nudge seqno that must be reached
                                 * before claiming a configuration. */
    uint64_t nudge_revalidated; /* nudge_wanted whose revalidation was
                                 * requested. */
    uint64_t ofctrl_seqno;      /* ofctrl_get_mods_seqno() seen. */
    bool monitor_settled;
    bool monitor_bootstrapped;  /* The conditions reached a fixpoint once. */
    bool monitor_all_sent;
    bool bindings_dirty;        /* Binding rows not written yet. */
    bool status_dirty;          /* Session_Status rows not written yet. */
    bool status_refresh_pending; /* ...and their counters not either. */
    uint64_t status_seqnos[4];  /* What the last status run saw. */
    unsigned int tm_seqno;      /* Traffic_Mirror IDL seqno seen. */

    bool exiting;
    bool cleanup;
    struct unixctl_conn *exit_conn;
};

/* Returns the tunnels' local_ip, or NULL. */
const char *controller_local_ip(const struct controller *);
/* Returns the Open_vSwitch database remote. */
const char *controller_ovs_remote(void);

struct session_status_ctx;
/* Fills '*ctx' for the session status module from 'c', with 'txn' (NULL:
 * none) and 'refresh_stats'.  The one place that says what the status of
 * this chassis is judged from, for writing it and for checking it. */
void controller_status_ctx(struct controller *c, struct ovsdb_idl_txn *txn,
                           bool refresh_stats,
                           struct session_status_ctx *ctx);

#endif /* controller.h */
