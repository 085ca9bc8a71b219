/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* What ofctrl says about itself: whether it is synced, per session whether
 * its flows are installed or refused and its counters, and the summaries of
 * tmirror/show.  See ofctrl.h. */

#include <config.h>

#include "controller/ofctrl-private.h"

#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

/* True while connected and everything desired is installed. */
bool
ofctrl_is_synced(const struct ofctrl *oc)
{
    if (!rconn_is_connected(oc->rconn) || !oc->installed_known
        || oc->state != S_IDLE || oc->n_pending) {
        return false;
    }
    const struct owner *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        if (o->refused) {
            return false;
        }
    }
    return true;
}

/* Returns the 'cfg' last confirmed, or -1. */
int64_t
ofctrl_get_installed_cfg(const struct ofctrl *oc)
{
    return oc->installed_cfg;
}

/* True if connected to the switch. */
bool
ofctrl_is_connected(const struct ofctrl *oc)
{
    return rconn_is_connected(oc->rconn);
}

/* Returns the number of connections made so far. */
unsigned int
ofctrl_get_connection_seqno(const struct ofctrl *oc)
{
    return oc->conn_seqno;
}

/* Returns a number that changes with what the switch holds. */
uint64_t
ofctrl_get_change_seqno(const struct ofctrl *oc)
{
    return oc->change_seqno;
}

/* Returns a number that changes whenever a bundle that changed flows or
 * groups of the switch was committed (not for a nudge alone, a dump that
 * found nothing to change, or a connection). */
uint64_t
ofctrl_get_mods_seqno(const struct ofctrl *oc)
{
    return oc->mods_seqno;
}

/* True if every owner of 'session_key' is installed as desired. */
bool
ofctrl_session_installed(const struct ofctrl *oc, uint32_t session_key)
{
    const struct session *s = ofctrl_session_find(oc, session_key);
    return (rconn_is_connected(oc->rconn) && oc->installed_known
            && (!s || (!s->n_unsettled && !s->n_refused)));
}

/* True if 'session_key''s copies are delivered as ovs-vswitchd confirmed:
 * every owner is installed, or every owner was installed and only rules
 * have changed since (the old rules go on copying until the switch commits
 * the new ones, in one bundle). */
bool
ofctrl_session_delivering(const struct ofctrl *oc, uint32_t session_key)
{
    const struct session *s = ofctrl_session_find(oc, session_key);
    if (!s) {
        return ofctrl_session_installed(oc, session_key);
    }
    return (rconn_is_connected(oc->rconn) && oc->installed_known
            && !s->n_refused
            && (!s->n_unsettled
                || (s->confirmed && s->n_unsettled == s->n_unsettled_rules)));
}

/* Returns why an owner of 'session_key' was refused, or NULL. */
const char *
ofctrl_session_refused(const struct ofctrl *oc, uint32_t session_key)
{
    const struct session *s = ofctrl_session_find(oc, session_key);
    if (!s || !s->n_refused) {
        return NULL;
    }
    const struct owner *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        if (o->session_key == session_key && o->refusal) {
            return o->refusal;
        }
    }
    return NULL;
}

/* Returns the counters of 'session_key'. */
bool
ofctrl_get_session_stats(const struct ofctrl *oc, uint32_t session_key,
                         uint64_t *packets, uint64_t *bytes)
{
    const struct session *s = ofctrl_session_find(oc, session_key);
    bool ok = s && s->n_accepting && s->have_stats;
    *packets = ok ? s->packets : 0;
    *bytes = ok ? s->bytes : 0;
    return ok;
}

/* Returns true if 'session_key' has accepting flows whose counters have not
 * been read yet. */
bool
ofctrl_session_stats_pending(const struct ofctrl *oc, uint32_t session_key)
{
    const struct session *s = ofctrl_session_find(oc, session_key);
    return s && s->n_accepting && !s->have_stats;
}

/* Returns a number that changes when counters arrive. */
uint64_t
ofctrl_get_stats_seqno(const struct ofctrl *oc)
{
    return oc->stats_seqno;
}

static const char *
ofctrl_state_name(enum ofctrl_state state)
{
    switch (state) {
    case S_DISCONNECTED: return "disconnected";
    case S_IDLE: return "idle";
    case S_DUMPING: return "dumping";
    case S_ADDING: return "bundle-adding";
    case S_COMMITTING: return "bundle-committing";
    }
    return "unknown";
}

/* Appends a summary of 'oc''s state to 's'. */
void
ofctrl_format_status(const struct ofctrl *oc, struct ds *s)
{
    size_t n_desired_flows = 0, n_desired_groups = 0, n_refused = 0;
    const struct owner *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        if (o->desired) {
            n_desired_flows += hmap_count(&o->desired->table.flows);
            n_desired_groups += hmap_count(&o->desired->table.groups);
        }
        n_refused += o->refused != NULL;
    }

    ds_put_format(s, "OpenFlow: %s", oc->bridge ? oc->bridge : "(no bridge)");
    if (rconn_is_connected(oc->rconn)) {
        ds_put_format(s, " connected (%s), connection %u\n",
                      ofputil_version_to_string(ofctrl_version(oc)),
                      oc->conn_seqno);
    } else {
        ds_put_format(s, " not connected (%s)\n",
                      rconn_get_state(oc->rconn));
    }
    ds_put_format(s, "  state: %s, synced: %s, installed cfg: %"PRId64
                  ", desired cfg: %"PRId64"\n",
                  ofctrl_state_name(oc->state),
                  ofctrl_is_synced(oc) ? "yes" : "no",
                  oc->installed_cfg, oc->desired_cfg);
    ds_put_format(s, "  desired: %"PRIuSIZE" flows, %"PRIuSIZE" groups; "
                  "last dump: %"PRIuSIZE" flows, %"PRIuSIZE" groups\n",
                  n_desired_flows, n_desired_groups,
                  oc->n_dumped_flows, oc->n_dumped_groups);
    ds_put_format(s, "  dumps: %"PRIu64", bundles: %"PRIu64
                  " (failed: %"PRIu64"), flow mods: %"PRIu64
                  ", group mods: %"PRIu64", repairs: %"PRIu64
                  ", errors: %"PRIu64"\n",
                  oc->n_dumps, oc->n_bundles, oc->n_bundles_failed,
                  oc->n_flow_mods, oc->n_group_mods, oc->n_repairs,
                  oc->n_errors);
    if (n_refused || oc->n_pending) {
        ds_put_format(s, "  owners: %"PRIuSIZE", pending: %"PRIuSIZE
                      ", refused: %"PRIuSIZE"\n", hmap_count(&oc->owners),
                      oc->n_pending, n_refused);
    }
}

/* Appends the installed flows, sorted. */
void
ofctrl_format_installed(const struct ofctrl *oc, struct ds *s)
{
    struct tm_flow_table all;
    tm_flow_table_init(&all);
    const struct owner *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        if (o->installed) {
            tm_flow_table_merge(&all, &o->installed->table);
        }
    }
    tm_flow_table_format(&all, s);
    tm_flow_table_destroy(&all);
}
