/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* tmirror-controller: one per hypervisor.  Watches the part of the
 * Traffic_Mirror database that concerns this chassis (intent-monitor) and
 * the local Open_vSwitch database, and keeps the mirroring that the intent
 * asks for in place: Mirror rows and ports (vswitch-sync, through the plan),
 * the mirror bridge's flow table (session-flows + ofctrl), and this
 * chassis's rows in the Traffic_Mirror database (chassis, session-status).
 *
 * Everything between the databases and the flows is the incremental engine
 * of mirror-engine.h: a pass in which nothing changed does no work. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command-line.h"
#include "controller/capture.h"
#include "controller/chassis.h"
#include "controller/controller-commands.h"
#include "controller/controller.h"
#include "controller/intent-monitor.h"
#include "controller/ovs-index.h"
#include "controller/mirror-engine.h"
#include "controller/ofctrl.h"
#include "controller/path-verify.h"
#include "controller/revalidate.h"
#include "controller/session-counters.h"
#include "controller/session-status.h"
#include "controller/ssl-config.h"
#include "controller/vswitch-sync.h"
#include "controller/vswitchd-client.h"
#include "coverage.h"
#include "daemon.h"
#include "dirs.h"
#include "fatal-signal.h"
#include "memory.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
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
COVERAGE_DEFINE(controller_status_run);
COVERAGE_DEFINE(controller_tm_change);

#define DEFAULT_BRIDGE "br-mirror"
#define DEFAULT_VERIFY_INTERVAL 10000
#define DEFAULT_AUDIT_INTERVAL 600000
#define DEFAULT_STATS_INTERVAL 2000

static char *ovs_remote;
static char *unixctl_path;

static void parse_options(int argc, char *argv[]);
OVS_NO_RETURN static void usage(void);

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

/* Returns integer 'key' of 'ids' (NULL: none), or 'def'. */
static int
config_int(const struct smap *ids, const char *key, int def)
{
    return ids ? smap_get_int(ids, key, def) : def;
}

/* Applies the intervals of the configuration to the modules they tune. */
static void
controller_read_intervals(struct controller *c, const struct smap *ids)
{
    int verify = config_int(ids, "tmirror-verify-interval",
                            DEFAULT_VERIFY_INTERVAL);
    int audit = config_int(ids, "tmirror-audit-interval",
                           DEFAULT_AUDIT_INTERVAL);
    int stats = config_int(ids, "tmirror-stats-interval",
                           DEFAULT_STATS_INTERVAL);
    if (verify != c->cfg.verify_interval) {
        c->cfg.verify_interval = verify;
        path_verify_set_interval(c->paths, verify);
    }
    if (audit != c->cfg.audit_interval) {
        c->cfg.audit_interval = audit;
        ofctrl_set_audit_interval(c->ofctrl, audit);
    }
    if (stats != c->cfg.stats_interval) {
        c->cfg.stats_interval = stats;
        ofctrl_set_stats_interval(c->ofctrl, stats);
    }
}

/* Reads this chassis's settings from the Open_vSwitch row, points the
 * Traffic_Mirror IDL at tmirror-remote when that changes, and tells the
 * engine when something it depends on changed. */
static void
controller_read_config(struct controller *c)
{
    const struct ovsrec_open_vswitch *ovs
        = ovsrec_open_vswitch_first(c->ovs_loop.idl);
    const struct smap *ids = ovs ? &ovs->external_ids : NULL;
    const char *remote = ids ? smap_get_def(ids, "tmirror-remote", "") : "";
    bool changed = false;

    changed |= replace_string(&c->cfg.system_id,
                              ids ? smap_get_def(ids, "system-id", "") : "");
    changed |= replace_string(&c->cfg.encap_ip,
                              (ids ? smap_get_def(ids, "tmirror-encap-ip", "")
                               : ""));
    changed |= replace_string(&c->cfg.bridge,
                              (ids ? smap_get_def(ids, "tmirror-bridge",
                                                  DEFAULT_BRIDGE)
                               : DEFAULT_BRIDGE));
    changed |= replace_string(&c->cfg.availability_zone,
                              (ids ? smap_get_def(ids,
                                                  "tmirror-availability-zone",
                                                  "")
                               : ""));
    bool local_ip = !ids || smap_get_bool(ids, "tmirror-tunnel-local-ip",
                                          true);
    bool monitor_all = ids && smap_get_bool(ids, "tmirror-monitor-all",
                                            false);
    changed |= local_ip != c->cfg.tunnel_local_ip;
    c->cfg.tunnel_local_ip = local_ip;
    c->cfg.monitor_all = monitor_all;
    controller_read_intervals(c, ids);

    if (replace_string(&c->cfg.remote, remote) && remote[0]) {
        VLOG_INFO("Traffic_Mirror database: %s", remote);
        ovsdb_idl_set_remote(c->tm_loop.idl, remote, true);
    }
    changed |= capture_configure(c->capture, ovs);
    if (changed) {
        c->engine.ctx.config_changed = true;
    }
}

/* Returns true if both databases have been read at least once. */
static bool
controller_dbs_loaded(const struct controller *c)
{
    return (ovsdb_idl_has_ever_connected(c->ovs_loop.idl)
            && ovsrec_open_vswitch_first(c->ovs_loop.idl)
            && c->cfg.system_id[0]
            && c->cfg.remote[0]
            && ovsdb_idl_has_ever_connected(c->tm_loop.idl));
}

/* At start, the Traffic_Mirror IDL holds nothing but TM_Global: the
 * conditions grow from the local ports to the sessions, then to what they
 * reference, one round trip each.  Until they reach a fixpoint that the
 * server has acknowledged, the intent is incomplete, and reconciling it
 * would remove what a running datapath has.  This sends the conditions
 * from an index of the Open_vSwitch side of its own, without the engine,
 * and returns true once they are complete. */
static bool
controller_bootstrap_monitor(struct controller *c)
{
    if (!c->monitor_bootstrapped && controller_dbs_loaded(c)) {
        struct ovs_index idx;
        ovs_index_init(&idx);
        ovs_index_build(&idx, c->ovs_loop.idl, c->cfg.bridge);
        intent_monitor_update(c->monitor, &idx, c->cfg.system_id,
                              c->cfg.monitor_all);
        ovs_index_destroy(&idx);
        c->monitor_all_sent = c->cfg.monitor_all;
        c->monitor_bootstrapped = intent_monitor_is_settled(c->monitor);
        if (c->monitor_bootstrapped) {
            VLOG_INFO("Traffic_Mirror rows of this chassis loaded (%"PRIuSIZE
                      " rows)", intent_monitor_n_rows(c->monitor));
        }
    }
    return c->monitor_bootstrapped;
}

/* Returns true if both databases have been read, with every row that
 * concerns this chassis, so that reconciling cannot mistake "not loaded
 * yet" for "nothing wanted". */
static bool
controller_is_ready(struct controller *c)
{
    return controller_dbs_loaded(c) && controller_bootstrap_monitor(c);
}

/* Returns the local_ip of the tunnel ports, or NULL. */
const char *
controller_local_ip(const struct controller *c)
{
    return (c->cfg.encap_ip[0] && c->cfg.tunnel_local_ip
            ? c->cfg.encap_ip : NULL);
}

/* Fills the status module's context from 'c'.  See controller.h. */
void
controller_status_ctx(struct controller *c, struct ovsdb_idl_txn *txn,
                      bool refresh_stats, struct session_status_ctx *ctx)
{
    *ctx = (struct session_status_ctx) {
        .tm_idl = c->tm_loop.idl,
        .txn = txn,
        .chassis_name = c->cfg.system_id,
        .bridge = c->cfg.bridge,
        .plan = mirror_engine_plan(&c->engine),
        .ofctrl = c->ofctrl,
        .paths = c->paths,
        .counters = &c->counters,
        .capture = c->capture,
        .may_delete = c->monitor_settled,
        .refresh_stats = refresh_stats,
    };
}

/* Points the engine's context at this pass's transaction and settings. */
static void
controller_prepare_engine(struct controller *c, struct ovsdb_idl_txn *ovs_txn)
{
    struct mirror_engine_ctx *ctx = &c->engine.ctx;
    ctx->ovs_txn = ovs_txn;
    ctx->txn_seq++;
    ctx->vs_cfg = (struct vs_config) {
        .bridge = c->cfg.bridge,
        .encap_ip = controller_local_ip(c),
        .cleanup = false,
    };
    ctx->chassis_name = c->cfg.system_id;
    ctx->availability_zone = c->cfg.availability_zone;
    if (ovs_txn && mirror_engine_plan(&c->engine)->vs_pending_write) {
        ctx->force_ovs = true;      /* Write what could not be written. */
    }
}

/* Hands the owners whose flows changed in this run to ofctrl. */
static void
controller_push_flows(struct controller *c)
{
    struct session_flows *sf = mirror_engine_flows(&c->engine);
    for (size_t i = 0; i < sf->n_changed; i++) {
        struct tm_owned *o = tm_desired_find(&sf->desired, &sf->changed[i]);
        if (o) {
            ofctrl_set_owned(c->ofctrl, o);
        } else {
            ofctrl_remove_owner(c->ofctrl, &sf->changed[i]);
        }
    }
}

/* Follows the Open_vSwitch side: whether ovs-vswitchd has applied what
 * vswitch-sync wrote, and what that means for verification and
 * revalidation. */
static void
controller_follow_vswitch(struct controller *c)
{
    const struct mirror_plan *plan = mirror_engine_plan(&c->engine);
    const struct ovsrec_open_vswitch *ovs
        = ovsrec_open_vswitch_first(c->ovs_loop.idl);

    if (plan->vs.changed) {
        c->vs_wrote = true;
        path_verify_invalidate(c->paths);
    }
    c->ovs_done = (!plan->vs.changed && !plan->vs.deferred
                   && !plan->vs_pending_write
                   && !c->ovs_loop.committing_txn && ovs
                   && ovs->cur_cfg >= ovs->next_cfg);
    if (c->ovs_done && c->vs_wrote) {
        /* ovs-vswitchd applied new Mirror rows or ports: make it
         * revalidate the datapath flows that cached the old ones. */
        c->vs_wrote = false;
        ofctrl_request_nudge(c->ofctrl);
        c->nudge_wanted = ofctrl_get_nudge_seqno(c->ofctrl) + 1;
    }
    path_verify_set_ready(c->paths, c->ovs_done);
}

/* Requests a revalidation wait whenever a bundle changed the switch's
 * flows or groups, and once the nudge that follows new Mirror rows or ports
 * is committed (a nudge alone changes nothing). */
static void
controller_follow_ofctrl(struct controller *c)
{
    uint64_t seqno = ofctrl_get_mods_seqno(c->ofctrl);
    uint64_t nudges = ofctrl_get_nudge_seqno(c->ofctrl);
    bool nudged = (c->nudge_wanted > c->nudge_revalidated
                   && nudges >= c->nudge_wanted);
    if (seqno != c->ofctrl_seqno || nudged) {
        c->ofctrl_seqno = seqno;
        if (nudged) {
            c->nudge_revalidated = c->nudge_wanted;
        }
        revalidate_request(c->reval);
    }
}

/* Returns the TM_Global.cfg that this chassis may claim as in its datapath
 * once ofctrl confirms the flows, or -1 if something else is not there
 * yet. */
static int64_t
controller_claimable_cfg(const struct controller *c)
{
    bool nudged = ofctrl_get_nudge_seqno(c->ofctrl) >= c->nudge_wanted;
    return (c->ovs_done && nudged && c->monitor_settled
            ? c->tm_cfg : -1);
}

/* Returns the TM_Global.cfg that this chassis has in its datapath, or -1
 * if it has nothing new to report. */
static int64_t
controller_installed_cfg(const struct controller *c)
{
    int64_t cfg = ofctrl_get_installed_cfg(c->ofctrl);
    return (cfg >= 0 && cfg == c->tm_cfg
            && path_verify_is_settled(c->paths)
            && revalidate_is_done(c->reval) ? cfg : -1);
}

/* Collects the ports that this chassis hosts and that the intent names:
 * the sources of its sessions and the appliances of the port targets it
 * monitors whose NIC is on its mirror bridge. */
static void
controller_local_ports(const struct controller *c, struct sset *ports)
{
    const struct mirror_plan *plan = mirror_engine_plan(&c->engine);
    const struct ovs_index *idx = mirror_engine_ovs_index(&c->engine);
    const struct plan_session *ps;
    HMAP_FOR_EACH (ps, hmap_node, &plan->sessions) {
        if (ps->sp.role == PLAN_ROLE_SOURCE) {
            sset_add(ports, ps->sp.source);
        }
    }
    const struct tmrec_target *t;
    TMREC_TARGET_FOR_EACH (t, c->tm_loop.idl) {
        if (t->port && ovs_index_find_appliance(idx, t->port) != OFPP_NONE) {
            sset_add(ports, t->port);
        }
    }
}

/* Writes this chassis's Chassis and Binding rows. */
static void
controller_report_chassis(struct controller *c, struct ovsdb_idl_txn *tm_txn,
                          bool plan_changed)
{
    const struct chassis_config ch_cfg = {
        .name = c->cfg.system_id,
        .hostname = c->cfg.hostname,
        .encap_ip = c->cfg.encap_ip,
        .availability_zone = c->cfg.availability_zone,
    };
    chassis_run(c->tm_loop.idl, tm_txn, &ch_cfg, controller_installed_cfg(c));
    if (plan_changed || c->bindings_dirty) {
        struct sset ports = SSET_INITIALIZER(&ports);
        controller_local_ports(c, &ports);
        c->bindings_dirty = !tm_txn;
        binding_run(c->tm_loop.idl, tm_txn, c->cfg.system_id, &ports);
        sset_destroy(&ports);
    }
}

/* Writes the Session_Status rows when something they show may have
 * changed. */
static void
controller_report_status(struct controller *c, struct ovsdb_idl_txn *tm_txn,
                         bool plan_changed)
{
    uint64_t seqnos[4] = {
        ofctrl_get_change_seqno(c->ofctrl),
        path_verify_get_seqno(c->paths),
        ofctrl_get_stats_seqno(c->ofctrl),
        capture_get_stats_seqno(c->capture),
    };
    bool refresh = (seqnos[2] != c->status_seqnos[2]
                    || seqnos[3] != c->status_seqnos[3]
                    || c->status_refresh_pending);
    if (!plan_changed && !c->status_dirty
        && !memcmp(seqnos, c->status_seqnos, sizeof seqnos)) {
        return;
    }
    COVERAGE_INC(controller_status_run);
    memcpy(c->status_seqnos, seqnos, sizeof seqnos);
    c->status_dirty = !tm_txn;
    /* Counters read while the database could not be written are written
     * with the first transaction there is, even if they do not change
     * again. */
    c->status_refresh_pending = refresh && !tm_txn;

    struct session_status_ctx ctx;
    controller_status_ctx(c, tm_txn, refresh, &ctx);
    session_status_run(&ctx);
}

/* One pass of the engine and of what follows from it. */
static void
controller_reconcile(struct controller *c, struct ovsdb_idl_txn *ovs_txn,
                     struct ovsdb_idl_txn *tm_txn)
{
    COVERAGE_INC(controller_run);
    const struct tmrec_tm_global *global
        = tmrec_tm_global_first(c->tm_loop.idl);
    c->tm_cfg = global ? global->cfg : 0;

    controller_prepare_engine(c, ovs_txn);
    mirror_engine_run(&c->engine);
    bool plan_changed = mirror_engine_plan_changed(&c->engine);

    controller_push_flows(c);
    controller_follow_vswitch(c);
    if (plan_changed) {
        mirror_plan_want_paths(mirror_engine_plan(&c->engine), c->paths,
                               c->cfg.bridge, controller_local_ip(c));
    }
    if (mirror_engine_cond_inputs_changed(&c->engine)
        || mirror_engine_ovs_changed(&c->engine)
        || c->cfg.monitor_all != c->monitor_all_sent
        || !intent_monitor_is_started(c->monitor)) {
        c->monitor_all_sent = c->cfg.monitor_all;
        intent_monitor_update(c->monitor,
                              mirror_engine_ovs_index(&c->engine),
                              c->cfg.system_id, c->cfg.monitor_all);
    }
    bool was_settled = c->monitor_settled;
    c->monitor_settled = intent_monitor_is_settled(c->monitor);
    if (c->monitor_settled && !was_settled) {
        /* Now rows without a session here are known to be stale. */
        c->status_dirty = true;
    }

    ofctrl_set_bridge(c->ofctrl, (mirror_engine_plan(&c->engine)
                                  ->vs.bridge_ready ? c->cfg.bridge : NULL));
    ofctrl_set_cfg(c->ofctrl, controller_claimable_cfg(c));
    /* Someone else may have changed this chassis's own rows. */
    bool own_rows = mirror_engine_tm_changed(&c->engine)
        || ovsdb_idl_track_get_first(c->tm_loop.idl,
                                     &tmrec_table_session_status);
    controller_report_chassis(c, tm_txn, plan_changed || own_rows);
    controller_report_status(c, tm_txn, plan_changed || own_rows);
    mirror_engine_clear_tracked(&c->engine);
}

/* Removes everything this chassis owns ("exit --cleanup"): flows and
 * groups, then Open_vSwitch rows, then its Traffic_Mirror rows.  Gives up
 * after a few seconds and says so in the log. */
static void
controller_cleanup(struct controller *c)
{
    VLOG_INFO("removing everything tmirror owns on this chassis");
    ofctrl_cleanup(c->ofctrl, 5000);
    int left = capture_cleanup(c->capture);
    if (left) {
        VLOG_WARN("%d tc capture objects could not be removed", left);
    }

    long long int deadline = time_msec() + 10000;
    bool tm_done = !c->cfg.system_id[0] || !c->cfg.remote[0];
    bool ovs_done = false;
    for (;;) {
        struct ovsdb_idl_txn *ovs_txn = ovsdb_idl_loop_run(&c->ovs_loop);
        struct ovsdb_idl_txn *tm_txn = ovsdb_idl_loop_run(&c->tm_loop);
        const struct vs_config vs_cfg = {
            .bridge = c->cfg.bridge,
            .encap_ip = controller_local_ip(c),
            .cleanup = true,
        };
        struct vs_result vs;
        vswitch_sync_run(c->ovs_loop.idl, ovs_txn, &vs_cfg, NULL, 0, NULL, 0,
                         &vs);
        ovs_done = ovs_txn && !vs.changed && !c->ovs_loop.committing_txn;
        vs_result_destroy(&vs);
        if (tm_txn && !tm_done) {
            chassis_cleanup(c->tm_loop.idl, tm_txn, c->cfg.system_id);
        }
        int tm_status = ovsdb_idl_loop_commit_and_wait(&c->tm_loop);
        ovsdb_idl_loop_commit_and_wait(&c->ovs_loop);
        tm_done |= tm_status == 1;
        if ((ovs_done && tm_done) || time_msec() > deadline) {
            break;
        }
        poll_timer_wait_until(deadline);
        poll_block();
    }
    if (!ovs_done || !tm_done) {
        VLOG_WARN("cleanup incomplete after 10 s");
    }
}

/* Creates the IDLs, the engine and the modules around it. */
static void
controller_init(struct controller *c)
{
    memset(c, 0, sizeof *c);
    struct ovsdb_idl *ovs_idl = ovsdb_idl_create(ovs_remote,
                                                 &ovsrec_idl_class,
                                                 false, true);
    ovsdb_idl_add_table(ovs_idl, &ovsrec_table_open_vswitch);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_open_vswitch_col_external_ids);
    vswitch_sync_register(ovs_idl);
    capture_register(ovs_idl);
    ovsdb_idl_track_add_all(ovs_idl);
    ssl_config_register(ovs_idl);
    c->ovs_loop = (struct ovsdb_idl_loop) OVSDB_IDL_LOOP_INITIALIZER(ovs_idl);

    /* The Traffic_Mirror remote comes from the Open_vSwitch row; a read-
     * mostly client may use any cluster member.  Only what concerns this
     * chassis is monitored (intent-monitor). */
    struct ovsdb_idl *tm_idl = ovsdb_idl_create(NULL, &tmrec_idl_class,
                                                false, true);
    ovsdb_idl_set_leader_only(tm_idl, false);
    intent_monitor_register(tm_idl);
    session_status_register(tm_idl);
    ovsdb_idl_track_add_all(tm_idl);
    c->tm_loop = (struct ovsdb_idl_loop) OVSDB_IDL_LOOP_INITIALIZER(tm_idl);
    c->monitor = intent_monitor_create(tm_idl);

    c->cfg.system_id = xstrdup("");
    c->cfg.remote = xstrdup("");
    c->cfg.encap_ip = xstrdup("");
    c->cfg.bridge = xstrdup(DEFAULT_BRIDGE);
    c->cfg.availability_zone = xstrdup("");
    c->cfg.tunnel_local_ip = true;
    if (gethostname(c->cfg.hostname, sizeof c->cfg.hostname - 1)) {
        ovs_strlcpy(c->cfg.hostname, "", sizeof c->cfg.hostname);
    }

    c->capture = capture_create();
    mirror_engine_init(&c->engine, tm_idl, ovs_idl);
    c->engine.ctx.capture = c->capture;
    c->ofctrl = ofctrl_create();
    c->vswitchd = vswitchd_client_create(NULL);
    c->paths = path_verify_create(c->vswitchd);
    c->reval = revalidate_create(c->vswitchd, c->ofctrl);
    session_counters_init(&c->counters);
    controller_read_intervals(c, NULL);
    c->status_dirty = true;
}

/* Frees what controller_init() and the main loop allocated. */
static void
controller_destroy(struct controller *c)
{
    mirror_engine_destroy(&c->engine);
    ofctrl_destroy(c->ofctrl);
    revalidate_destroy(c->reval);
    path_verify_destroy(c->paths);
    vswitchd_client_destroy(c->vswitchd);
    session_counters_destroy(&c->counters);
    capture_destroy(c->capture);
    intent_monitor_destroy(c->monitor);
    ovsdb_idl_loop_destroy(&c->ovs_loop);
    ovsdb_idl_loop_destroy(&c->tm_loop);
    free(c->cfg.system_id);
    free(c->cfg.remote);
    free(c->cfg.encap_ip);
    free(c->cfg.bridge);
    free(c->cfg.availability_zone);
}

/* Runs the modules that talk to ovs-vswitchd.  When one of them learns
 * something that changes what this chassis reports (a barrier reply, a
 * verdict, a revalidation), another pass is made at once. */
static void
controller_run_switch(struct controller *c)
{
    int64_t installed = ofctrl_get_installed_cfg(c->ofctrl);
    uint64_t change = ofctrl_get_change_seqno(c->ofctrl);
    uint64_t stats = ofctrl_get_stats_seqno(c->ofctrl);
    uint64_t verdicts = path_verify_get_seqno(c->paths);
    bool settled = path_verify_is_settled(c->paths);
    bool revalidated = revalidate_is_done(c->reval);

    ofctrl_run(c->ofctrl);
    capture_run(c->capture);
    vswitchd_client_run(c->vswitchd);
    path_verify_run(c->paths);
    controller_follow_ofctrl(c);
    revalidate_run(c->reval);
    if (installed != ofctrl_get_installed_cfg(c->ofctrl)
        || change != ofctrl_get_change_seqno(c->ofctrl)
        || stats != ofctrl_get_stats_seqno(c->ofctrl)
        || verdicts != path_verify_get_seqno(c->paths)
        || settled != path_verify_is_settled(c->paths)
        || revalidated != revalidate_is_done(c->reval)) {
        poll_immediate_wake();
    }
}

/* One pass of the main loop. */
static void
controller_run(struct controller *c, struct unixctl_server *unixctl)
{
    struct ovsdb_idl_txn *ovs_txn = ovsdb_idl_loop_run(&c->ovs_loop);
    ssl_config_run(c->ovs_loop.idl);
    controller_read_config(c);
    struct ovsdb_idl_txn *tm_txn = ovsdb_idl_loop_run(&c->tm_loop);
    unsigned int tm_seqno = ovsdb_idl_get_seqno(c->tm_loop.idl);
    if (tm_seqno != c->tm_seqno) {
        /* What the Traffic_Mirror database sent: with conditional
         * monitoring, nothing for a change that does not concern this
         * chassis. */
        c->tm_seqno = tm_seqno;
        COVERAGE_INC(controller_tm_change);
    }

    if (controller_is_ready(c)) {
        controller_reconcile(c, ovs_txn, tm_txn);
    }
    controller_run_switch(c);
    unixctl_server_run(unixctl);
    memory_run();
    if (memory_should_report()) {
        struct simap usage = SIMAP_INITIALIZER(&usage);
        simap_put(&usage, "flows",
                  mirror_engine_flows(&c->engine)->desired.n_flows);
        simap_put(&usage, "sessions",
                  hmap_count(&mirror_engine_plan(&c->engine)->sessions));
        simap_put(&usage, "db-rows", intent_monitor_n_rows(c->monitor));
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
    capture_wait(c->capture);
    vswitchd_client_wait(c->vswitchd);
    path_verify_wait(c->paths);
    revalidate_wait(c->reval);
    unixctl_server_wait(unixctl);
    memory_wait();
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
    controller_commands_register(&c);
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

/* Returns the Open_vSwitch database remote, for tmirror/show. */
const char *
controller_ovs_remote(void)
{
    return ovs_remote;
}

/* Parses the command line into 'ovs_remote' and 'unixctl_path'. */
static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_UNIXCTL = UCHAR_MAX + 1,
        OPT_BOOTSTRAP_CA_CERT,
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
        {"bootstrap-ca-cert", required_argument, NULL, OPT_BOOTSTRAP_CA_CERT},
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
        SSL_CONFIG_OPTION_HANDLERS

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
           "  tmirror-tunnel-local-ip (default true), "
           "tmirror-verify-interval,\n"
           "  tmirror-audit-interval, tmirror-stats-interval (ms),\n"
           "  tmirror-monitor-all (default false), tmirror-capture\n"
           "  (auto, tc or mirror; default auto).\n"
           "SSL files: the command line's, else the Open_vSwitch row's "
           "SSL row.\n",
           program_name, program_name, ovs_rundir());
    stream_usage("database", true, true, true);
    daemon_usage();
    vlog_usage();
    printf("\nOther options:\n"
           "  --unixctl=SOCKET        override default control socket name\n"
           "  -h, --help              display this help message\n"
           "  -V, --version           display version information\n");
    exit(EXIT_SUCCESS);
}
