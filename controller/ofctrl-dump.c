/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* ofctrl's dumps: the flow and group dumps after a (re)connection and for
 * audits, and the cheap count check between audits.  See ofctrl.h; what
 * a complete dump means is ofctrl_dump_complete()'s (ofctrl-bundle.c). */

#include <config.h>

#include "controller/ofctrl-private.h"

#include <stdlib.h>
#include <string.h>

#include "byte-order.h"
#include "controller/flow-encode.h"
#include "coverage.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofpbuf.h"
#include "timeval.h"
#include "util.h"

COVERAGE_DEFINE(ofctrl_dump);

/* Sends a flow statistics request, for each flow or (if 'aggregate') in
 * total, of the flows in every table whose cookie matches 'cookie' under
 * 'cookie_mask'.  Returns its xid. */
ovs_be32
ofctrl_request_flow_stats(struct ofctrl *oc, bool aggregate,
                          uint64_t cookie, uint64_t cookie_mask)
{
    struct ofputil_flow_stats_request fsr = {
        .aggregate = aggregate,
        .cookie = htonll(cookie),
        .cookie_mask = htonll(cookie_mask),
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = OFPTT_ALL,
    };
    match_init_catchall(&fsr.match);
    return ofctrl_send(oc, ofputil_encode_flow_stats_request(
                           &fsr, ofctrl_protocol(oc)));
}

/* Requests the dump of our flows (by cookie) and of all groups. */
void
ofctrl_start_dump(struct ofctrl *oc)
{
    COVERAGE_INC(ofctrl_dump);
    tm_flow_table_clear(&oc->dumped);
    oc->flows_done = oc->groups_done = oc->dump_failed = false;
    oc->flow_xid = ofctrl_request_flow_stats(oc, false, TM_COOKIE_MAGIC,
                                             TM_COOKIE_MAGIC_MASK);
    oc->group_xid = ofctrl_send(oc, ofputil_encode_group_desc_request(
                                    ofctrl_version(oc), OFPG_ALL));
    oc->audit_requested = false;
    oc->next_audit = (oc->audit_interval ? time_msec() + oc->audit_interval
                      : LLONG_MAX);
    oc->state = S_DUMPING;
}

/* Requests the count of our flows (the cheap check between audits). */
void
ofctrl_start_check(struct ofctrl *oc)
{
    oc->check_xid = ofctrl_request_flow_stats(oc, true, TM_COOKIE_MAGIC,
                                              TM_COOKIE_MAGIC_MASK);
    oc->next_check = time_msec() + oc->check_interval;
}

/* Returns the number of flows installed.  It is counted again only if what
 * the switch holds may have changed since the last count (a bundle, a
 * dump, a connection): an idle chassis's check every 10 s would otherwise
 * walk every owner each time. */
static size_t
installed_flow_count(struct ofctrl *oc)
{
    if (!oc->installed_flows_valid
        || oc->installed_flows_seqno != oc->change_seqno
        || oc->installed_flows_dumps != oc->n_dumps) {
        size_t n = 0;
        const struct owner *o;
        HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
            n += o->installed ? hmap_count(&o->installed->table.flows) : 0;
        }
        oc->installed_flows = n;
        oc->installed_flows_valid = true;
        oc->installed_flows_seqno = oc->change_seqno;
        oc->installed_flows_dumps = oc->n_dumps;
    }
    return oc->installed_flows;
}

/* Handles the reply to the count check: a count that differs from what is
 * installed means someone changed the table: audit it now. */
void
ofctrl_handle_check_reply(struct ofctrl *oc, const struct ofp_header *oh)
{
    struct ofputil_aggregate_stats as;
    oc->check_xid = 0;
    if (ofputil_decode_aggregate_stats_reply(&as, oh)) {
        return;
    }
    if (oc->installed_known && !oc->n_pending && oc->state == S_IDLE
        && as.flow_count != installed_flow_count(oc)) {
        VLOG_INFO("the mirror bridge holds %"PRIu32" of tmirror's flows, "
                  "%"PRIuSIZE" expected: auditing", as.flow_count,
                  installed_flow_count(oc));
        oc->audit_requested = true;
    }
}

/* Decodes the flows in a flow stats reply into 'oc->dumped'. */
void
ofctrl_handle_flow_stats_reply(struct ofctrl *oc, struct ofpbuf *msg)
{
    const struct ofp_header *oh = msg->data;
    bool more = ofpmp_more(oh);
    struct ofpbuf ofpacts;

    ofpbuf_init(&ofpacts, 0);
    for (;;) {
        struct ofputil_flow_stats fs;
        int retval = ofputil_decode_flow_stats_reply(&fs, msg, false,
                                                     &ofpacts);
        if (retval) {
            if (retval != EOF) {
                static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
                VLOG_WARN_RL(&rl, "bad flow stats reply: %s",
                             ofperr_get_name(retval));
                oc->dump_failed = true;
                more = false;
            }
            break;
        }
        uint64_t cookie = ntohll(fs.cookie);
        if (tm_cookie_is_ours(cookie)) {
            tm_flow_table_add(&oc->dumped, fs.table_id, fs.priority, cookie,
                              &fs.match, fs.ofpacts, fs.ofpacts_len);
        }
    }
    ofpbuf_uninit(&ofpacts);
    if (!more) {
        oc->flows_done = true;
    }
}

/* Decodes the groups in a group description reply into 'oc->dumped',
 * keeping those in tmirror's range. */
void
ofctrl_handle_group_desc_reply(struct ofctrl *oc, struct ofpbuf *msg)
{
    const struct ofp_header *oh = msg->data;
    bool more = ofpmp_more(oh);
    enum ofp_version version = oh->version;

    for (;;) {
        struct ofputil_group_desc gd;
        int retval = ofputil_decode_group_desc_reply(&gd, msg, version);
        if (retval) {
            if (retval != EOF) {
                static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
                VLOG_WARN_RL(&rl, "bad group description reply: %s",
                             ofperr_get_name(retval));
                oc->dump_failed = true;
                more = false;
            }
            break;
        }
        if (ofctrl_group_id_is_ours(gd.group_id)) {
            struct ds s = DS_EMPTY_INITIALIZER;
            flow_encode_group_canonical(&s, gd.type, &gd.buckets, &gd.props);
            tm_flow_table_add_group(&oc->dumped, gd.group_id, ds_cstr(&s));
            ds_destroy(&s);
        }
        ofputil_uninit_group_desc(&gd);
    }
    if (!more) {
        oc->groups_done = true;
    }
}
