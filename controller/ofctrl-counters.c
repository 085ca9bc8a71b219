/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* ofctrl's counters: per session, an aggregate flow-stats request for its
 * accepting flows, in rounds (a quiet session is read less often), and the
 * replies of a round read together.  See ofctrl.h. */

#include <config.h>

#include "controller/ofctrl-private.h"

#include <stdlib.h>
#include <string.h>

#include "byte-order.h"
#include "coverage.h"
#include "openflow/openflow.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofpbuf.h"
#include "timeval.h"
#include "util.h"

COVERAGE_DEFINE(ofctrl_stats_round);
COVERAGE_DEFINE(ofctrl_stats_request);

/* True if session 's' has counters to read and no read in flight.  They
 * are read only while its accepting flows are the ones the switch confirmed
 * (ofctrl_session_delivering()): a read before (after a restart, before the
 * dump; a new session, before its bundle) would make its counters known
 * while the status still sees its flows as not installed. */
static bool
session_stats_wanted(const struct ofctrl *oc, const struct session *s)
{
    return (s->n_accepting && !s->stats_xid
            && ofctrl_session_delivering(oc, s->key));
}

/* Returns when the first session's counters are due, or LLONG_MAX if no
 * session has counters to read. */
long long int
ofctrl_stats_due(const struct ofctrl *oc)
{
    long long int due = LLONG_MAX;
    const struct session *s;
    HMAP_FOR_EACH (s, hmap_node, &oc->sessions) {
        if (session_stats_wanted(oc, s)) {
            due = MIN(due, s->next_stats);
        }
    }
    return due;
}

/* True if a session's counters were requested and not answered yet. */
static bool
ofctrl_stats_in_flight(const struct ofctrl *oc)
{
    const struct session *s;
    HMAP_FOR_EACH (s, hmap_node, &oc->sessions) {
        if (s->stats_xid) {
            return true;
        }
    }
    return false;
}

/* Sends one aggregate request per session with accepting flows whose
 * counters are due, or due soon (see STATS_ROUND_SLACK, STATS_MAX_BACKOFF). */
void
ofctrl_request_stats(struct ofctrl *oc)
{
    long long int now = time_msec();
    long long int due_by = now + oc->stats_interval / STATS_ROUND_SLACK;
    struct session *s;
    HMAP_FOR_EACH (s, hmap_node, &oc->sessions) {
        if (!session_stats_wanted(oc, s) || s->next_stats > due_by) {
            continue;
        }
        s->next_stats = now + (oc->stats_interval << s->stats_quiet);
        s->stats_xid = ofctrl_request_flow_stats(
            oc, true, tm_cookie(TM_COOKIE_ACCEPT, s->key), UINT64_MAX);
        COVERAGE_INC(ofctrl_stats_request);
    }
    oc->stats_round = now;
    COVERAGE_INC(ofctrl_stats_round);
}

/* True if the connection owes us nothing but counter replies of a round
 * sent less than STATS_COALESCE_MAX ms ago, so that ofctrl_wait() may read
 * it on a timer instead of at each reply. */
bool
ofctrl_stats_coalescing(const struct ofctrl *oc)
{
    return (oc->state == S_IDLE && oc->installed_known
            && !oc->audit_requested && !oc->cleanup && !oc->n_pending
            && !oc->nudge_requested && !oc->check_xid
            && time_msec() < oc->stats_round + STATS_COALESCE_MAX
            && ofctrl_stats_in_flight(oc));
}

/* Handles an aggregate reply: the count check, or a session's counters. */
void
ofctrl_handle_aggregate_reply(struct ofctrl *oc, const struct ofp_header *oh)
{
    if (oc->check_xid && oh->xid == oc->check_xid) {
        ofctrl_handle_check_reply(oc, oh);
        return;
    }
    struct session *s;
    HMAP_FOR_EACH (s, hmap_node, &oc->sessions) {
        if (s->stats_xid && s->stats_xid == oh->xid) {
            struct ofputil_aggregate_stats as;
            bool changed = false;
            s->stats_xid = 0;
            if (!ofputil_decode_aggregate_stats_reply(&as, oh)) {
                uint64_t packets = (as.packet_count != UINT64_MAX
                                    ? as.packet_count : 0);
                uint64_t bytes = (as.byte_count != UINT64_MAX
                                  ? as.byte_count : 0);
                changed = (!s->have_stats || packets != s->packets
                           || bytes != s->bytes);
                s->stats_quiet = (changed ? 0
                                  : MIN(s->stats_quiet + 1,
                                        STATS_MAX_BACKOFF));
                s->packets = packets;
                s->bytes = bytes;
                s->have_stats = true;
            }
            if (changed) {
                /* Only a change is announced, so that an idle chassis does
                 * not rewrite its status every interval. */
                oc->stats_seqno++;
            }
            return;
        }
    }
}
