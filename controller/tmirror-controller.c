/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* tmirror-controller: one per hypervisor.  Watches the Traffic_Mirror
 * database (the operator's intent) and the local Open_vSwitch database, and
 * keeps the mirroring that the intent asks for in place on this chassis:
 * Mirror rows and ports (vswitch-sync), the mirror bridge's flow table
 * (pipeline + ofctrl), and this chassis's rows in the Traffic_Mirror
 * database (chassis, session-status). */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command-line.h"
#include "controller/chassis.h"
#include "controller/flow-table.h"
#include "controller/mirror-plan.h"
#include "controller/ofctrl.h"
#include "controller/path-verify.h"
#include "controller/session-counters.h"
#include "controller/session-status.h"
#include "controller/vswitch-sync.h"
#include "controller/vswitchd-client.h"
#include "coverage.h"
#include "daemon.h"
#include "dirs.h"
#include "fatal-signal.h"
#include "memory.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "simap.h"
#include "smap.h"
#include "sset.h"
#include "stream-ssl.h"
#include "stream.h"
#include "timeval.h"
#include "tmirror-idl.h"
#include "unixctl.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(main);

COVERAGE_DEFINE(controller_run);

#define STATS_INTERVAL_MS 2000
#define DEFAULT_BRIDGE "br-mirror"
#define DEFAULT_VERIFY_INTERVAL 10000
#define DEFAULT_AUDIT_INTERVAL 600000
#define DEFAULT_STATS_INTERVAL 2000

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
    int verify_interval;        /* tmirror-verify-interval, in ms. */
    int audit_interval;         /* tmirror-audit-interval, in ms. */
    int stats_interval;         /* tmirror-stats-interval, in ms. */
    char hostname[256];
};

/* Everything the daemon owns, handed to the unixctl callbacks. */
struct controller {
    struct ovsdb_idl_loop ovs_loop;
    struct ovsdb_idl_loop tm_loop;
    struct controller_config cfg;
    struct ofctrl *ofctrl;
    struct vswitchd_client *vswitchd;   /* ovs-vswitchd's unixctl server. */
    struct path_verify *paths;          /* Do copies leave? */
    struct session_counters counters;   /* Running totals per session. */

    struct mirror_plan plan;    /* Last iteration's. */
    struct vs_result vs;        /* Last iteration's. */
    bool have_plan;
    struct tm_flow_table desired;
    struct tm_flow_table put;   /* What was last handed to ofctrl. */
    int64_t put_cfg;
    int64_t tm_cfg;             /* TM_Global.cfg of the current plan. */
    bool ovs_done;              /* Open_vSwitch side applied. */

    long long int next_stats;
    bool exiting;
    bool cleanup;
    struct unixctl_conn *exit_conn;
};

static char *ovs_remote;
static char *unixctl_path;

static void parse_options(int argc, char *argv[]);
OVS_NO_RETURN static void usage(void);

static unixctl_cb_func tmirror_show_cmd;
static unixctl_cb_func session_list_cmd;
static unixctl_cb_func recompute_cmd;
static unixctl_cb_func exit_cmd;

/* Replaces '*dst' by a copy of 'src' and returns true if they differ. */
static bool
replace_string(char **dst, const char *src)
{
    if (*dst && !strcmp(*dst, src)) {
        return false;
    }
    free(*dst);
    *dst = xstrdup(src);
    return true;
}

/* Reads this chassis's settings from the Open_vSwitch row and points the
 * Traffic_Mirror IDL at tmirror-remote when that changes. */
static void
controller_read_config(struct controller *c)
{
    const struct ovsrec_open_vswitch *ovs
        = ovsrec_open_vswitch_first(c->ovs_loop.idl);
    const struct smap *ids = ovs ? &ovs->external_ids : NULL;
    const char *sysid = ids ? smap_get_def(ids, "system-id", "") : "";
    const char *remote = ids ? smap_get_def(ids, "tmirror-remote", "") : "";

    replace_string(&c->cfg.system_id, sysid);
    replace_string(&c->cfg.encap_ip,
                   ids ? smap_get_def(ids, "tmirror-encap-ip", "") : "");
    replace_string(&c->cfg.bridge,
                   ids ? smap_get_def(ids, "tmirror-bridge", DEFAULT_BRIDGE)
                   : DEFAULT_BRIDGE);
    replace_string(&c->cfg.availability_zone,
                   (ids ? smap_get_def(ids, "tmirror-availability-zone", "")
                    : ""));
    c->cfg.tunnel_local_ip = !ids || smap_get_bool(ids,
                                                   "tmirror-tunnel-local-ip",
                                                   true);
    int interval = (ids ? smap_get_int(ids, "tmirror-verify-interval",
                                       DEFAULT_VERIFY_INTERVAL)
                    : DEFAULT_VERIFY_INTERVAL);
    if (interval != c->cfg.verify_interval) {
        c->cfg.verify_interval = interval;
        path_verify_set_interval(c->paths, interval);
    }
    interval = (ids ? smap_get_int(ids, "tmirror-audit-interval",
                                   DEFAULT_AUDIT_INTERVAL)
                : DEFAULT_AUDIT_INTERVAL);
    if (interval != c->cfg.audit_interval) {
        c->cfg.audit_interval = interval;
        ofctrl_set_audit_interval(c->ofctrl, interval);
    }
    interval = (ids ? smap_get_int(ids, "tmirror-stats-interval",
                                   DEFAULT_STATS_INTERVAL)
                : DEFAULT_STATS_INTERVAL);
    if (interval != c->cfg.stats_interval) {
        c->cfg.stats_interval = interval;
        ofctrl_set_stats_interval(c->ofctrl, interval);
    }
    if (replace_string(&c->cfg.remote, remote) && remote[0]) {
        VLOG_INFO("Traffic_Mirror database: %s", remote);
        ovsdb_idl_set_remote(c->tm_loop.idl, remote, true);
    }
}

/* Returns true if both databases have been read at least once, so that
 * reconciling cannot mistake "not loaded yet" for "nothing wanted". */
static bool
controller_is_ready(const struct controller *c)
{
    return (ovsdb_idl_has_ever_connected(c->ovs_loop.idl)
            && ovsrec_open_vswitch_first(c->ovs_loop.idl)
            && c->cfg.system_id[0]
            && c->cfg.remote[0]
            && ovsdb_idl_has_ever_connected(c->tm_loop.idl));
}

/* Tells whether ovs-vswitchd has applied every change written to the
 * Open_vSwitch database so far. */
static bool
ovs_changes_applied(const struct controller *c, bool changed)
{
    const struct ovsrec_open_vswitch *ovs
        = ovsrec_open_vswitch_first(c->ovs_loop.idl);
    return (!changed && !c->ovs_loop.committing_txn && ovs
            && ovs->cur_cfg >= ovs->next_cfg);
}

/* Returns the local_ip of the tunnel ports, or NULL. */
static const char *
controller_local_ip(const struct controller *c)
{
    return (c->cfg.encap_ip[0] && c->cfg.tunnel_local_ip
            ? c->cfg.encap_ip : NULL);
}

/* Runs vswitch-sync for the current plan and notes whether ovs-vswitchd
 * has applied everything it wrote. */
static void
controller_sync_vswitch(struct controller *c, struct ovsdb_idl_txn *ovs_txn)
{
    const struct vs_config vs_cfg = {
        .bridge = c->cfg.bridge,
        .encap_ip = controller_local_ip(c),
        .cleanup = c->cleanup,
    };
    vs_result_destroy(&c->vs);
    memset(&c->vs, 0, sizeof c->vs);
    vswitch_sync_run(c->ovs_loop.idl, ovs_txn, &vs_cfg,
                     c->plan.captures, c->plan.n_captures,
                     c->plan.tunnels, c->plan.n_tunnels, &c->vs);
    c->ovs_done = ovs_changes_applied(c, c->vs.changed || c->vs.deferred);
    if (c->vs.changed) {
        path_verify_invalidate(c->paths);
    }
    path_verify_set_ready(c->paths, c->ovs_done);
}

/* Hands the desired flow table to ofctrl when it, or the configuration
 * number it implements, changed.  The number is only claimed when nothing
 * is still waiting for ovs-vswitchd. */
static void
controller_put_flows(struct controller *c)
{
    int64_t cfg = (c->ovs_done && !c->plan.pending) ? c->tm_cfg : -1;

    ofctrl_set_bridge(c->ofctrl, c->vs.bridge_ready ? c->cfg.bridge : NULL);
    if (cfg != c->put_cfg || !tm_flow_table_equal(&c->desired, &c->put)) {
        ofctrl_put(c->ofctrl, &c->desired, cfg);
        tm_flow_table_swap(&c->put, &c->desired);
        c->put_cfg = cfg;
    }
    tm_flow_table_clear(&c->desired);
}

/* Returns the TM_Global.cfg that this chassis has in its datapath, or -1 if
 * it has nothing new to report. */
static int64_t
controller_installed_cfg(const struct controller *c)
{
    if (!c->vs.bridge_ready && !hmap_count(&c->put.flows)
        && c->ovs_done && !c->plan.pending) {
        return c->tm_cfg;       /* Nothing to program anywhere. */
    }
    int64_t cfg = ofctrl_get_installed_cfg(c->ofctrl);
    return (ofctrl_is_synced(c->ofctrl) && path_verify_is_settled(c->paths)
            ? cfg : -1);
}

/* Collects the ports that this chassis hosts and that the intent names:
 * local sources of sessions, and the appliance port of every port Target
 * that is on this chassis's mirror bridge (whichever chassis its sessions'
 * sources are on, so that those chassis can find it). */
static void
controller_local_ports(const struct controller *c, struct sset *ports)
{
    for (size_t i = 0; i < c->plan.n_sessions; i++) {
        const struct plan_session *ps = &c->plan.sessions[i];
        if (ps->local) {
            sset_add(ports, ps->row->source);
        }
    }
    const struct tmrec_target *t;
    TMREC_TARGET_FOR_EACH (t, c->tm_loop.idl) {
        if (!strcmp(t->type, "port") && t->port && t->port[0]
            && vswitch_sync_find_appliance(c->ovs_loop.idl, c->cfg.bridge,
                                           t->port) != OFPP_NONE) {
            sset_add(ports, t->port);
        }
    }
}

/* Writes this chassis's rows in the Traffic_Mirror database. */
static void
controller_report(struct controller *c, struct ovsdb_idl_txn *tm_txn)
{
    const struct chassis_config ch_cfg = {
        .name = c->cfg.system_id,
        .hostname = c->cfg.hostname,
        .encap_ip = c->cfg.encap_ip,
        .availability_zone = c->cfg.availability_zone,
    };
    int64_t installed = controller_installed_cfg(c);
    chassis_run(c->tm_loop.idl, tm_txn, &ch_cfg, installed);

    struct sset ports = SSET_INITIALIZER(&ports);
    controller_local_ports(c, &ports);
    binding_run(c->tm_loop.idl, tm_txn, c->cfg.system_id, &ports);
    sset_destroy(&ports);

    bool refresh = time_msec() >= c->next_stats;
    if (refresh) {
        c->next_stats = time_msec() + STATS_INTERVAL_MS;
    }
    bool synced = (ofctrl_is_synced(c->ofctrl)
                   && ofctrl_get_installed_cfg(c->ofctrl) == c->put_cfg
                   && c->ovs_done && !c->plan.pending);
    session_status_run(c->tm_loop.idl, tm_txn, c->cfg.system_id, &c->plan,
                       c->ofctrl, &c->counters, synced, refresh);
}

/* One reconciliation pass over both databases. */
static void
controller_reconcile(struct controller *c, struct ovsdb_idl_txn *ovs_txn,
                     struct ovsdb_idl_txn *tm_txn)
{
    COVERAGE_INC(controller_run);

    const struct tmrec_tm_global *global
        = tmrec_tm_global_first(c->tm_loop.idl);
    c->tm_cfg = global ? global->cfg : 0;

    mirror_plan_destroy(&c->plan);
    const struct plan_context plan_ctx = {
        .ovs_idl = c->ovs_loop.idl,
        .bridge = c->cfg.bridge,
        .chassis_name = c->cfg.system_id,
        .availability_zone = c->cfg.availability_zone,
    };
    mirror_plan_build(c->tm_loop.idl, &plan_ctx, &c->plan);
    c->have_plan = true;
    controller_sync_vswitch(c, ovs_txn);
    mirror_plan_resolve(&c->plan, c->ovs_loop.idl, c->cfg.bridge, &c->vs,
                        &c->desired);
    mirror_plan_verify_paths(&c->plan, c->paths, c->cfg.bridge,
                             controller_local_ip(c));
    controller_put_flows(c);
    controller_report(c, tm_txn);
}

/* Removes everything this chassis owns ("exit --cleanup"): flows and
 * groups, then Open_vSwitch rows, then its Traffic_Mirror rows.  Gives up
 * after a few seconds and says so in the log. */
static void
controller_cleanup(struct controller *c)
{
    VLOG_INFO("removing everything tmirror owns on this chassis");
    ofctrl_cleanup(c->ofctrl, 5000);

    long long int deadline = time_msec() + 10000;
    bool tm_done = !c->cfg.system_id[0] || !c->cfg.remote[0];
    for (;;) {
        struct ovsdb_idl_txn *ovs_txn = ovsdb_idl_loop_run(&c->ovs_loop);
        struct ovsdb_idl_txn *tm_txn = ovsdb_idl_loop_run(&c->tm_loop);
        mirror_plan_destroy(&c->plan);
        memset(&c->plan, 0, sizeof c->plan);
        controller_sync_vswitch(c, ovs_txn);
        if (tm_txn && !tm_done) {
            chassis_cleanup(c->tm_loop.idl, tm_txn, c->cfg.system_id);
        }
        int tm_status = ovsdb_idl_loop_commit_and_wait(&c->tm_loop);
        ovsdb_idl_loop_commit_and_wait(&c->ovs_loop);
        tm_done |= tm_status == 1;
        if ((c->ovs_done && tm_done) || time_msec() > deadline) {
            break;
        }
        poll_timer_wait_until(deadline);
        poll_block();
    }
    if (!c->ovs_done || !tm_done) {
        VLOG_WARN("cleanup incomplete after 10 s");
    }
}

/* Creates the IDLs and the OpenFlow manager. */
static void
controller_init(struct controller *c)
{
    memset(c, 0, sizeof *c);
    struct ovsdb_idl *ovs_idl = ovsdb_idl_create(ovs_remote,
                                                 &ovsrec_idl_class,
                                                 false, true);
    ovsdb_idl_add_table(ovs_idl, &ovsrec_table_open_vswitch);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_open_vswitch_col_external_ids);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_open_vswitch_col_cur_cfg);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_open_vswitch_col_next_cfg);
    vswitch_sync_register(ovs_idl);
    c->ovs_loop = (struct ovsdb_idl_loop) OVSDB_IDL_LOOP_INITIALIZER(ovs_idl);

    /* The Traffic_Mirror remote comes from the Open_vSwitch row; a read-
     * mostly client may use any cluster member. */
    struct ovsdb_idl *tm_idl = ovsdb_idl_create(NULL, &tmrec_idl_class,
                                                true, true);
    ovsdb_idl_set_leader_only(tm_idl, false);
    c->tm_loop = (struct ovsdb_idl_loop) OVSDB_IDL_LOOP_INITIALIZER(tm_idl);

    c->cfg.system_id = xstrdup("");
    c->cfg.remote = xstrdup("");
    c->cfg.encap_ip = xstrdup("");
    c->cfg.bridge = xstrdup(DEFAULT_BRIDGE);
    c->cfg.availability_zone = xstrdup("");
    if (gethostname(c->cfg.hostname, sizeof c->cfg.hostname - 1)) {
        ovs_strlcpy(c->cfg.hostname, "", sizeof c->cfg.hostname);
    }

    c->ofctrl = ofctrl_create();
    c->vswitchd = vswitchd_client_create(NULL);
    c->paths = path_verify_create(c->vswitchd);
    c->cfg.verify_interval = DEFAULT_VERIFY_INTERVAL;
    path_verify_set_interval(c->paths, DEFAULT_VERIFY_INTERVAL);
    session_counters_init(&c->counters);
    tm_flow_table_init(&c->desired);
    tm_flow_table_init(&c->put);
    c->put_cfg = -2;
}

/* Frees what controller_init() and the main loop allocated. */
static void
controller_destroy(struct controller *c)
{
    mirror_plan_destroy(&c->plan);
    vs_result_destroy(&c->vs);
    tm_flow_table_destroy(&c->desired);
    tm_flow_table_destroy(&c->put);
    ofctrl_destroy(c->ofctrl);
    path_verify_destroy(c->paths);
    vswitchd_client_destroy(c->vswitchd);
    session_counters_destroy(&c->counters);
    ovsdb_idl_loop_destroy(&c->ovs_loop);
    ovsdb_idl_loop_destroy(&c->tm_loop);
    free(c->cfg.system_id);
    free(c->cfg.remote);
    free(c->cfg.encap_ip);
    free(c->cfg.bridge);
    free(c->cfg.availability_zone);
}

/* Runs the OpenFlow connection.  When that confirms flows (a barrier
 * reply), this pass has already reported its state, so another pass is
 * made at once to advance Chassis.cfg and the sessions' states without
 * waiting for the next timer. */
static void
controller_run_ofctrl(struct controller *c)
{
    int64_t installed = ofctrl_get_installed_cfg(c->ofctrl);
    bool synced = ofctrl_is_synced(c->ofctrl);

    ofctrl_run(c->ofctrl);
    if (installed != ofctrl_get_installed_cfg(c->ofctrl)
        || synced != ofctrl_is_synced(c->ofctrl)) {
        poll_immediate_wake();
    }
}

/* Runs the verification of delivery paths.  A changed verdict changes
 * sessions' states (and may let Chassis.cfg advance), so it makes another
 * pass at once. */
static void
controller_run_paths(struct controller *c)
{
    uint64_t seqno = path_verify_get_seqno(c->paths);

    vswitchd_client_run(c->vswitchd);
    path_verify_run(c->paths);
    if (seqno != path_verify_get_seqno(c->paths)) {
        poll_immediate_wake();
    }
}

/* One pass of the main loop. */
static void
controller_run(struct controller *c, struct unixctl_server *unixctl)
{
    struct ovsdb_idl_txn *ovs_txn = ovsdb_idl_loop_run(&c->ovs_loop);
    controller_read_config(c);
    struct ovsdb_idl_txn *tm_txn = ovsdb_idl_loop_run(&c->tm_loop);

    if (controller_is_ready(c)) {
        controller_reconcile(c, ovs_txn, tm_txn);
    }
    controller_run_ofctrl(c);
    controller_run_paths(c);
    unixctl_server_run(unixctl);
    memory_run();
    if (memory_should_report()) {
        struct simap usage = SIMAP_INITIALIZER(&usage);
        simap_put(&usage, "flows", hmap_count(&c->put.flows));
        simap_put(&usage, "sessions", c->plan.n_sessions);
        memory_report(&usage);
        simap_destroy(&usage);
    }
    ovsdb_idl_loop_commit_and_wait(&c->tm_loop);
    ovsdb_idl_loop_commit_and_wait(&c->ovs_loop);
}

/* Arranges for poll_block() to wake when there is work. */
static void
controller_wait(struct controller *c, struct unixctl_server *unixctl)
{
    ofctrl_wait(c->ofctrl);
    vswitchd_client_wait(c->vswitchd);
    path_verify_wait(c->paths);
    unixctl_server_wait(unixctl);
    memory_wait();
    if (c->have_plan) {
        poll_timer_wait_until(c->next_stats);
    }
}

int
main(int argc, char *argv[])
{
    struct unixctl_server *unixctl;
    struct controller c;

    ovs_cmdl_proctitle_init(argc, argv);
    /* tmirror's version for -V and the "version" unixctl command alike. */
    ovs_set_program_name(argv[0], "(tmirror) " TMIRROR_VERSION);
    service_start(&argc, &argv);
    parse_options(argc, argv);
    fatal_ignore_sigpipe();

    daemonize_start(false);
    int error = unixctl_server_create(unixctl_path, &unixctl);
    if (error) {
        ovs_fatal(error, "could not create unixctl server");
    }
    controller_init(&c);
    unixctl_command_register("tmirror/show", "", 0, 0, tmirror_show_cmd, &c);
    unixctl_command_register("session/list", "", 0, 0, session_list_cmd,
                             &c);
    unixctl_command_register("recompute", "", 0, 0, recompute_cmd, &c);
    unixctl_command_register("exit", "[--cleanup]", 0, 1, exit_cmd, &c);
    daemonize_complete();

    while (!c.exiting) {
        controller_run(&c, unixctl);
        if (c.exiting) {
            break;
        }
        controller_wait(&c, unixctl);
        poll_block();
        if (should_service_stop()) {
            c.exiting = true;
        }
    }

    if (c.cleanup) {
        controller_cleanup(&c);
    }
    if (c.exit_conn) {
        unixctl_command_reply(c.exit_conn, NULL);
    }
    unixctl_server_destroy(unixctl);
    controller_destroy(&c);
    service_stop();
    free(ovs_remote);
    free(unixctl_path);
    return 0;
}

/* Parses the command line into 'ovs_remote' and 'unixctl_path'. */
static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_UNIXCTL = UCHAR_MAX + 1,
        VLOG_OPTION_ENUMS,
        DAEMON_OPTION_ENUMS,
        SSL_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        VLOG_LONG_OPTIONS,
        DAEMON_LONG_OPTIONS,
        STREAM_SSL_LONG_OPTIONS,
        {NULL, 0, NULL, 0}
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 'h':
            usage();

        case 'V':
            fputs(ovs_get_program_version(), stdout);
            exit(EXIT_SUCCESS);

        case OPT_UNIXCTL:
            free(unixctl_path);
            unixctl_path = xstrdup(optarg);
            break;

        VLOG_OPTION_HANDLERS
        DAEMON_OPTION_HANDLERS
        STREAM_SSL_OPTION_HANDLERS

        case '?':
            exit(EXIT_FAILURE);

        default:
            abort();
        }
    }
    free(short_options);

    argc -= optind;
    argv += optind;
    if (argc == 0) {
        ovs_remote = xasprintf("unix:%s/db.sock", ovs_rundir());
    } else if (argc == 1) {
        ovs_remote = xstrdup(argv[0]);
    } else {
        VLOG_FATAL("at most one non-option argument accepted; "
                   "use --help for usage");
    }
}

/* Prints --help and exits. */
static void
usage(void)
{
    printf("%s: tmirror controller (traffic mirroring for Open vSwitch)\n"
           "usage: %s [OPTIONS] [OVS_DATABASE]\n"
           "where OVS_DATABASE is the local Open_vSwitch database "
           "(default: unix:%s/db.sock).\n"
           "\nConfiguration is read from the Open_vSwitch row's "
           "external_ids:\n"
           "  system-id, tmirror-remote, tmirror-encap-ip, tmirror-bridge\n"
           "  (default " DEFAULT_BRIDGE "), tmirror-availability-zone,\n"
           "  tmirror-tunnel-local-ip (default true).\n",
           program_name, program_name, ovs_rundir());
    stream_usage("database", true, true, false);
    daemon_usage();
    vlog_usage();
    printf("\nOther options:\n"
           "  --unixctl=SOCKET        override default control socket name\n"
           "  -h, --help              display this help message\n"
           "  -V, --version           display version information\n");
    exit(EXIT_SUCCESS);
}

/* "tmirror/show": the chassis, its connections, capacity and sessions. */
static void
tmirror_show_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
                 const char *argv[] OVS_UNUSED, void *c_)
{
    struct controller *c = c_;
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_format(&s, "chassis %s (hostname %s)\n",
                  c->cfg.system_id[0] ? c->cfg.system_id : "(no system-id)",
                  c->cfg.hostname);
    ds_put_format(&s, "  Traffic_Mirror: %s (%s)\n",
                  c->cfg.remote[0] ? c->cfg.remote : "(no tmirror-remote)",
                  (ovsdb_idl_is_connected(c->tm_loop.idl) ? "connected"
                   : "not connected"));
    ds_put_format(&s, "  Open_vSwitch: %s (%s)\n", ovs_remote,
                  (ovsdb_idl_is_connected(c->ovs_loop.idl) ? "connected"
                   : "not connected"));
    ds_put_format(&s, "  encap ip: %s\n",
                  c->cfg.encap_ip[0] ? c->cfg.encap_ip : "(unset)");
    ds_put_format(&s, "  mirror bridge: %s (%s)\n", c->cfg.bridge,
                  (!c->vs.bridge_ready ? "missing"
                   : c->vs.bridge_owned ? "created by tmirror"
                   : "created by the operator"));
    ofctrl_format_status(c->ofctrl, &s);
    path_verify_format(c->paths, &s);
    ds_put_format(&s, "  cfg: wanted %"PRId64", in datapath %"PRId64"\n",
                  c->tm_cfg, ofctrl_get_installed_cfg(c->ofctrl));
    ds_put_cstr(&s, "capacity (Mirror rows per bridge, at most 32):\n");
    for (size_t i = 0; i < c->vs.n_capacity; i++) {
        const struct vs_bridge_capacity *cap = &c->vs.capacity[i];
        ds_put_format(&s, "  %s: %d used (%d tmirror, %d other), %d free\n",
                      cap->bridge, cap->owned + cap->foreign, cap->owned,
                      cap->foreign, cap->free);
    }
    ds_put_format(&s, "sessions: %"PRIuSIZE"\n", c->plan.n_sessions);
    for (size_t i = 0; i < c->plan.n_sessions; i++) {
        const struct plan_session *ps = &c->plan.sessions[i];
        uint64_t packets, bytes;
        session_counters_get(&c->counters, &ps->uuid, &packets, &bytes);
        ds_put_format(&s, "  %s: source %s number %"PRId64" %s"
                      " packets %"PRIu64" bytes %"PRIu64"%s%s\n",
                      ps->row->name, ps->row->source,
                      ps->row->session_number,
                      plan_state_to_string(ps->state), packets, bytes,
                      ps->message[0] ? ": " : "", ps->message);
    }
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* "session/list": one line per session: name, state and message. */
static void
session_list_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
                 const char *argv[] OVS_UNUSED, void *c_)
{
    struct controller *c = c_;
    struct ds s = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < c->plan.n_sessions; i++) {
        const struct plan_session *ps = &c->plan.sessions[i];
        ds_put_format(&s, "%s %s %"PRId64" %s%s%s\n", ps->row->name,
                      ps->row->source, ps->row->session_number,
                      plan_state_to_string(ps->state),
                      ps->message[0] ? " " : "", ps->message);
    }
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* "recompute": the main loop recomputes everything on every pass; this
 * forces a pass now and a fresh comparison with the switch. */
static void
recompute_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
              const char *argv[] OVS_UNUSED, void *c_)
{
    struct controller *c = c_;
    c->put_cfg = -2;            /* Makes the next pass put the flows. */
    poll_immediate_wake();
    unixctl_command_reply(conn, NULL);
}

/* "exit [--cleanup]". */
static void
exit_cmd(struct unixctl_conn *conn, int argc, const char *argv[], void *c_)
{
    struct controller *c = c_;
    if (argc > 1 && strcmp(argv[1], "--cleanup")) {
        unixctl_command_reply_error(conn, "exit: unknown option (only "
                                    "--cleanup is accepted)");
        return;
    }
    c->cleanup = argc > 1;
    c->exiting = true;
    c->exit_conn = conn;
}
