/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/controller-commands.h"

#include <string.h>

#include "controller/capture.h"
#include "controller/controller.h"
#include "controller/intent-monitor.h"
#include "controller/ofctrl.h"
#include "controller/path-verify.h"
#include "controller/revalidate.h"
#include "controller/session-status.h"
#include "controller/vswitchd-client.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "tmirror-idl.h"
#include "unixctl.h"
#include "util.h"

/* Returns the plan's sessions sorted by (source, number), in a malloc()'d
 * array of '*n' elements. */
static const struct plan_session **
sorted_sessions(const struct mirror_plan *plan, size_t *n)
{
    *n = 0;
    const struct plan_session **all
        = xmalloc((hmap_count(&plan->sessions) + 1) * sizeof *all);
    const struct plan_session *ps;
    HMAP_FOR_EACH (ps, hmap_node, &plan->sessions) {
        if (ps->sp.role != PLAN_ROLE_NONE) {
            all[(*n)++] = ps;
        }
    }
    for (size_t i = 1; i < *n; i++) {
        for (size_t j = i; j > 0; j--) {
            const struct plan_session *a = all[j - 1], *b = all[j];
            int cmp = strcmp(a->sp.source, b->sp.source);
            if (cmp < 0 || (!cmp && a->sp.number <= b->sp.number)) {
                break;
            }
            all[j - 1] = b;
            all[j] = a;
        }
    }
    return all;
}

/* "tmirror/show": the chassis, its connections, capacity and sessions. */
static void
tmirror_show_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
                 const char *argv[] OVS_UNUSED, void *c_)
{
    struct controller *c = c_;
    const struct mirror_plan *plan = mirror_engine_plan(&c->engine);
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_format(&s, "chassis %s (hostname %s)\n",
                  c->cfg.system_id[0] ? c->cfg.system_id : "(no system-id)",
                  c->cfg.hostname);
    ds_put_format(&s, "  Traffic_Mirror: %s (%s)\n",
                  c->cfg.remote[0] ? c->cfg.remote : "(no tmirror-remote)",
                  (ovsdb_idl_is_connected(c->tm_loop.idl) ? "connected"
                   : "not connected"));
    ds_put_format(&s, "  Open_vSwitch: %s (%s)\n", controller_ovs_remote(),
                  (ovsdb_idl_is_connected(c->ovs_loop.idl) ? "connected"
                   : "not connected"));
    ds_put_format(&s, "  encap ip: %s\n",
                  c->cfg.encap_ip[0] ? c->cfg.encap_ip : "(unset)");
    ds_put_format(&s, "  mirror bridge: %s (%s)\n", c->cfg.bridge,
                  (!plan->vs.bridge_ready ? "missing"
                   : plan->vs.bridge_owned ? "created by tmirror"
                   : "created by the operator"));
    ofctrl_format_status(c->ofctrl, &s);
    path_verify_format(c->paths, &s);
    ds_put_format(&s, "  cfg: wanted %"PRId64", in datapath %"PRId64"\n",
                  c->tm_cfg, ofctrl_get_installed_cfg(c->ofctrl));
    mirror_plan_format_capacity(plan, &s);
    capture_format(c->capture, &s);

    size_t n;
    const struct plan_session **all = sorted_sessions(plan, &n);
    ds_put_format(&s, "sessions: %"PRIuSIZE"\n", n);
    for (size_t i = 0; i < n; i++) {
        const struct plan_session *ps = all[i];
        struct status_verdict v;
        uint64_t packets, bytes;
        session_status_judge(ps, c->ofctrl, c->paths, c->cfg.bridge, &v);
        session_counters_get(&c->counters, &ps->sp.uuid, &packets, &bytes);
        const char *capture = mirror_plan_capture_name(ps);
        ds_put_format(&s, "  %s: source %s number %"PRId64" %s"
                      " packets %"PRIu64" bytes %"PRIu64"%s%s%s%s\n",
                      ps->sp.name, ps->sp.source, ps->sp.number, v.state,
                      packets, bytes, capture[0] ? " capture " : "", capture,
                      v.message[0] ? ": " : "", v.message);
        free(v.message);
    }
    free(all);
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
    size_t n;
    const struct plan_session **all
        = sorted_sessions(mirror_engine_plan(&c->engine), &n);
    for (size_t i = 0; i < n; i++) {
        const struct plan_session *ps = all[i];
        struct status_verdict v;
        session_status_judge(ps, c->ofctrl, c->paths, c->cfg.bridge, &v);
        ds_put_format(&s, "%s %s %"PRId64" %s%s%s\n", ps->sp.name,
                      ps->sp.source, ps->sp.number, v.state,
                      v.message[0] ? " " : "", v.message);
        free(v.message);
    }
    free(all);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* "tmirror/show-flows": the desired flows. */
static void
show_flows_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
               const char *argv[] OVS_UNUSED, void *c_)
{
    struct controller *c = c_;
    struct tm_flow_table all;
    struct ds s = DS_EMPTY_INITIALIZER;
    tm_flow_table_init(&all);
    tm_desired_flatten(&mirror_engine_flows(&c->engine)->desired, &all);
    tm_flow_table_format(&all, &s);
    tm_flow_table_destroy(&all);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* "recompute": a full recompute, and a fresh comparison with the switch
 * and verification of every path. */
static void
recompute_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
              const char *argv[] OVS_UNUSED, void *c_)
{
    struct controller *c = c_;
    engine_set_force_recompute(&c->engine.engine, "recompute requested");
    ofctrl_request_audit(c->ofctrl);
    path_verify_invalidate(c->paths);
    poll_immediate_wake();
    unixctl_command_reply(conn, NULL);
}

/* "inc-engine/show-stats". */
static void
show_stats_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
               const char *argv[] OVS_UNUSED, void *c_)
{
    struct controller *c = c_;
    struct ds s = DS_EMPTY_INITIALIZER;
    engine_format_stats(&c->engine.engine, &s);
    ds_put_format(&s, "monitor condition updates: %u (%s)\n",
                  intent_monitor_n_updates(c->monitor),
                  c->monitor_settled ? "settled" : "not settled");
    ds_put_format(&s, "revalidation waits: %"PRIu64"\n",
                  revalidate_n_waits(c->reval));
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* "inc-engine/clear-stats". */
static void
clear_stats_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
                const char *argv[] OVS_UNUSED, void *c_)
{
    struct controller *c = c_;
    engine_clear_stats(&c->engine.engine);
    unixctl_command_reply(conn, NULL);
}

/* Appends to 's' a summary of what "inc-engine/check" compared. */
static void
check_summary(const struct controller *c, size_t n_status, struct ds *s)
{
    const struct mirror_plan *plan = mirror_engine_plan(&c->engine);
    const struct session_flows *sf = mirror_engine_flows(&c->engine);
    size_t n_here = 0;
    const struct plan_session *ps;
    HMAP_FOR_EACH (ps, hmap_node, &plan->sessions) {
        n_here += ps->sp.role != PLAN_ROLE_NONE;
    }
    ds_put_format(s, "sessions %"PRIuSIZE" (%"PRIuSIZE" here), flows %"
                  PRIuSIZE", groups %"PRIuSIZE", captures %"PRIuSIZE
                  ", tunnels %"PRIuSIZE", status rows %"PRIuSIZE"\n",
                  hmap_count(&plan->sessions), n_here, sf->desired.n_flows,
                  sf->desired.n_groups, plan->n_captures, plan->n_tunnels,
                  n_status);
}

/* Counts this chassis's Session_Status rows. */
static size_t
count_status_rows(const struct controller *c)
{
    size_t n = 0;
    const struct tmrec_session_status *row;
    TMREC_SESSION_STATUS_FOR_EACH (row, c->tm_loop.idl) {
        n += !strcmp(row->chassis_name, c->cfg.system_id);
    }
    return n;
}

/* "inc-engine/check": the incremental state (plan, desired flows and
 * groups, Open_vSwitch requests and rows) against a full recompute into
 * scratch state, this chassis's Session_Status rows against what the
 * status module would write now, and ofctrl's installed flows against the
 * desired ones.  Changes nothing. */
static void
check_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
          const char *argv[] OVS_UNUSED, void *c_)
{
    struct controller *c = c_;
    struct ds s = DS_EMPTY_INITIALIZER;
    bool equal = mirror_engine_check(&c->engine, &s);

    struct session_status_ctx ctx;
    controller_status_ctx(c, NULL, false, &ctx);
    equal &= !session_status_check(&ctx, &s);
    if (!ofctrl_is_synced(c->ofctrl)) {
        ds_put_cstr(&s, "  ofctrl: the switch does not hold every desired "
                    "flow and group yet\n");
        equal = false;
    }
    if (equal) {
        ds_put_cstr(&s, "equal: ");
        check_summary(c, count_status_rows(c), &s);
        unixctl_command_reply(conn, ds_cstr(&s));
    } else {
        ds_put_cstr(&s, "differs from a full recompute\n");
        unixctl_command_reply_error(conn, ds_cstr(&s));
    }
    ds_destroy(&s);
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

/* Registers the commands. */
void
controller_commands_register(struct controller *c)
{
    unixctl_command_register("tmirror/show", "", 0, 0, tmirror_show_cmd, c);
    unixctl_command_register("tmirror/show-flows", "", 0, 0, show_flows_cmd,
                             c);
    unixctl_command_register("session/list", "", 0, 0, session_list_cmd, c);
    unixctl_command_register("recompute", "", 0, 0, recompute_cmd, c);
    unixctl_command_register("inc-engine/show-stats", "", 0, 0,
                             show_stats_cmd, c);
    unixctl_command_register("inc-engine/clear-stats", "", 0, 0,
                             clear_stats_cmd, c);
    unixctl_command_register("inc-engine/check", "", 0, 0, check_cmd, c);
    unixctl_command_register("exit", "[--cleanup]", 0, 1, exit_cmd, c);
}
