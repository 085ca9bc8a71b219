/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/capture-tc.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include "controller/capture-tc-private.h"
#include "coverage.h"
#include "hash.h"
#include "netlink.h"
#include "netlink-notifier.h"
#include "netlink-socket.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(capture_tc);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

COVERAGE_DEFINE(capture_tc_change);
COVERAGE_DEFINE(capture_tc_event);

/* Returns "egress" or "ingress". */
const char *
capture_tc_dir_name(enum capture_tc_dir dir)
{
    return dir == CAPTURE_TC_EGRESS ? "egress" : "ingress";
}

/* Returns the name of 'state'. */
const char *
capture_tc_state_name(enum capture_tc_state state)
{
    switch (state) {
    case CAPTURE_TC_PENDING: return "pending";
    case CAPTURE_TC_ACTIVE: return "active";
    case CAPTURE_TC_REFUSED: return "refused";
    case CAPTURE_TC_ERROR: return "error";
    }
    return "unknown";
}

/* Sets the state and message of 'cap'. */
void
ctc_set_state(struct ctc_capture *cap, enum capture_tc_state state,
              const char *format, ...)
{
    free(cap->message);
    cap->message = NULL;
    if (format) {
        va_list args;

        va_start(args, format);
        cap->message = xvasprintf(format, args);
        va_end(args);
    }
    if (cap->status.state != state
        || (cap->message && !cap->status.message)) {
        VLOG_INFO("capture of %s %s: %s%s%s", cap->src->name,
                  capture_tc_dir_name(cap->dir), capture_tc_state_name(state),
                  cap->message ? ": " : "",
                  cap->message ? cap->message : "");
    }
    cap->status.state = state;
    cap->status.message = cap->message;
}

/* Records that a pass of 'src' failed and retries it later. */
void
ctc_retry(struct ctc_source *src)
{
    src->retry_at = time_msec() + CTC_RETRY_MS;
}

/* Sets every capture of 'src' to 'state' with 'msg' (which may be NULL). */
void
ctc_set_all(struct ctc_source *src, enum capture_tc_state state,
            const char *msg)
{
    for (int d = 0; d < 2; d++) {
        if (src->caps[d]) {
            ctc_set_state(src->caps[d], state, msg ? "%s" : NULL, msg);
        }
    }
}

/* Returns "STRERROR: ERRMSG" (or "STRERROR" if 'errmsg' is NULL) for 'error'
 * and the kernel's message 'errmsg', which it frees. */
char *
ctc_error_string(int error, char *errmsg)
{
    char *s = (errmsg
               ? xasprintf("%s: %s", ovs_strerror(error), errmsg)
               : xstrdup(ovs_strerror(error)));
    free(errmsg);
    return s;
}

/* Finds the source called 'name'. */
static struct ctc_source *
ctc_source_find(const struct capture_tc *ctc, const char *name)
{
    struct ctc_source *src;

    HMAP_FOR_EACH_WITH_HASH (src, node, hash_string(name, 0),
                             &ctc->sources) {
        if (!strcmp(src->name, name)) {
            return src;
        }
    }
    return NULL;
}

/* Returns the capture whose tc_port or bridge_port is 'name', or NULL. */
struct ctc_capture *
ctc_capture_by_port(const struct capture_tc *ctc, const char *name)
{
    struct ctc_source *src;

    HMAP_FOR_EACH (src, node, &ctc->sources) {
        for (int d = 0; d < 2; d++) {
            struct ctc_capture *cap = src->caps[d];
            if (cap && (!strcmp(cap->tc_port, name)
                        || !strcmp(cap->bridge_port, name))) {
                return cap;
            }
        }
    }
    return NULL;
}

/* Marks 'src' to be checked at the next run. */
void
ctc_mark_dirty(struct ctc_source *src)
{
    if (!src->dirty) {
        src->dirty = true;
        src->dirty_since = time_msec();
    }
}

/* Marks every source dirty. */
static void
ctc_mark_all_dirty(struct capture_tc *ctc)
{
    struct ctc_source *src;

    HMAP_FOR_EACH (src, node, &ctc->sources) {
        ctc_mark_dirty(src);
    }
}

/* Parses a notification into the 'struct ctc_change' 'change_'.  Returns
 * its multicast group, or 0 if it is not a valid one. */
static int
ctc_nl_parse(struct ofpbuf *buf, void *change_)
{
    struct ctc_change *change = change_;
    const struct nlmsghdr *nlh = nl_msg_nlmsghdr(buf);

    memset(change, 0, sizeof *change);
    if (!nlh) {
        return 0;
    }
    switch (nlh->nlmsg_type) {
    case RTM_NEWQDISC: case RTM_DELQDISC:
    case RTM_NEWTFILTER: case RTM_DELTFILTER:
    case RTM_NEWCHAIN: case RTM_DELCHAIN: {
        const struct tcmsg *tc = ofpbuf_at(buf, NLMSG_HDRLEN, sizeof *tc);
        if (!tc) {
            return 0;
        }
        change->ifindex = tc->tcm_ifindex;
        return RTNLGRP_TC;
    }
    case RTM_NEWLINK: case RTM_DELLINK: {
        const struct ifinfomsg *ifi = ofpbuf_at(buf, NLMSG_HDRLEN,
                                                sizeof *ifi);
        if (!ifi) {
            return 0;
        }
        change->ifindex = ifi->ifi_index;
        const struct nlattr *name = nl_attr_find(buf,
                                                 NLMSG_HDRLEN + sizeof *ifi,
                                                 IFLA_IFNAME);
        if (name && nl_attr_get_size(name) > 0) {
            ovs_strzcpy(change->name, nl_attr_get(name),
                        MIN(sizeof change->name, nl_attr_get_size(name)));
        }
        return RTNLGRP_LINK;
    }
    default:
        /* Standalone actions and the like: about no device of ours. */
        return RTNLGRP_TC;
    }
}

/* Marks dirty the sources that the notification 'change_' is about (all of
 * them if it is NULL: the socket overflowed). */
static void
ctc_nl_notify(const void *change_, void *ctc_)
{
    const struct ctc_change *change = change_;
    struct capture_tc *ctc = ctc_;
    struct ctc_source *src;

    COVERAGE_INC(capture_tc_event);
    if (!change) {
        ctc_mark_all_dirty(ctc);
        return;
    }
    HMAP_FOR_EACH (src, node, &ctc->sources) {
        const char *name = change->name;
        bool hit = ((change->ifindex && src->ifindex == change->ifindex)
                    || (name[0] && !strcmp(src->name, name)));
        for (int d = 0; d < 2 && !hit; d++) {
            const struct ctc_capture *cap = src->caps[d];
            hit = cap && ((change->ifindex
                           && (cap->tc_ifindex == change->ifindex
                               || cap->bridge_ifindex == change->ifindex))
                          || (name[0] && (!strcmp(cap->tc_port, name)
                                          || !strcmp(cap->bridge_port,
                                                     name))));
        }
        if (hit) {
            ctc_mark_dirty(src);
        }
    }
}

/* Creates a tc capture manager. */
struct capture_tc *
capture_tc_init(const struct capture_tc_options *opts)
{
    struct capture_tc *ctc = xzalloc(sizeof *ctc);
    int error;

    if (opts) {
        ctc->opts = *opts;
    }
    if (ctc->opts.audit_interval_ms <= 0) {
        ctc->opts.audit_interval_ms = 10000;
    }
    hmap_init(&ctc->sources);
    sset_init(&ctc->doomed);
    ctc->cls = (ctc->opts.classifier == CAPTURE_TC_CLS_MATCHALL
                ? TCNL_CLS_MATCHALL
                : ctc->opts.classifier == CAPTURE_TC_CLS_BPF
                ? TCNL_CLS_BPF : -1);
    ctc->next_audit = LLONG_MIN;
    ctc->doomed_retry_at = LLONG_MIN;
    ctc->dump_retry_at = LLONG_MIN;

    error = nl_sock_create(NETLINK_ROUTE, &ctc->sock);
    if (error) {
        VLOG_ERR("cannot open an rtnetlink socket: %s", ovs_strerror(error));
        ctc->sock = NULL;
    }
    ctc->nln = nln_create(NETLINK_ROUTE, ctc_nl_parse, &ctc->change);
    ctc->tc_notifier = nln_notifier_create(ctc->nln, RTNLGRP_TC,
                                           ctc_nl_notify, ctc);
    ctc->link_notifier = nln_notifier_create(ctc->nln, RTNLGRP_LINK,
                                             ctc_nl_notify, ctc);
    if (!ctc->tc_notifier || !ctc->link_notifier) {
        VLOG_WARN("no rtnetlink notifications: changes made by other "
                  "programs are noticed only by the audit every %d ms",
                  ctc->opts.audit_interval_ms);
    }
    return ctc;
}

/* Frees 'cap' and its strings. */
static void
ctc_capture_free(struct ctc_capture *cap)
{
    if (cap) {
        free(cap->tc_port);
        free(cap->bridge_port);
        free(cap->spec_error);
        free(cap->message);
        free(cap);
    }
}

/* Removes 'src' from 'ctc' and frees it with its captures. */
static void
ctc_source_free(struct capture_tc *ctc, struct ctc_source *src)
{
    hmap_remove(&ctc->sources, &src->node);
    for (int d = 0; d < 2; d++) {
        ctc_capture_free(src->caps[d]);
    }
    free(src->name);
    free(src);
}

/* Frees 'ctc'; the kernel state stays. */
void
capture_tc_destroy(struct capture_tc *ctc)
{
    if (!ctc) {
        return;
    }
    struct ctc_source *src;
    HMAP_FOR_EACH_SAFE (src, node, &ctc->sources) {
        ctc_source_free(ctc, src);
    }
    hmap_destroy(&ctc->sources);
    sset_destroy(&ctc->doomed);
    nln_notifier_destroy(ctc->tc_notifier);
    nln_notifier_destroy(ctc->link_notifier);
    nln_destroy(ctc->nln);
    nl_sock_destroy(ctc->sock);
    free(ctc);
}

/* Sets the hw-offload setting. */
void
capture_tc_set_hw_offload(struct capture_tc *ctc, bool hw_offload)
{
    if (ctc->hw_offload != hw_offload) {
        ctc->hw_offload = hw_offload;
        ctc_mark_all_dirty(ctc);
    }
}

/* Returns an error message if 'name' cannot name a netdev, else NULL. */
char *
ctc_check_name(const char *field, const char *name)
{
    if (!name || !name[0] || strlen(name) >= IFNAMSIZ
        || !strcmp(name, ".") || !strcmp(name, "..")
        || strpbrk(name, "/: \t\n")) {
        return xasprintf("%s: \"%s\" is not a valid netdev name (1 to %d "
                         "characters, none of '/', ':' or white space)",
                         field, name ? name : "", IFNAMSIZ - 1);
    }
    return NULL;
}

/* Returns an error message if 'spec' is invalid or clashes with another
 * capture, else NULL. */
static char *
ctc_check_spec(const struct capture_tc *ctc, const struct capture_tc_spec *s)
{
    char *error = ctc_check_name("source", s->source);
    if (!error) {
        error = ctc_check_name("tc_port", s->tc_port);
    }
    if (!error) {
        error = ctc_check_name("bridge_port", s->bridge_port);
    }
    if (!error && (!strcmp(s->tc_port, s->bridge_port)
                   || !strcmp(s->tc_port, s->source)
                   || !strcmp(s->bridge_port, s->source))) {
        error = xasprintf("source %s, tc_port %s and bridge_port %s must be "
                          "three different netdevs", s->source, s->tc_port,
                          s->bridge_port);
    }
    for (int i = 0; !error && i < 3; i++) {
        const char *name = (i == 0 ? s->tc_port
                            : i == 1 ? s->bridge_port : s->source);
        const struct ctc_capture *other = ctc_capture_by_port(ctc, name);
        if (other && (strcmp(other->src->name, s->source)
                      || other->dir != s->dir)) {
            error = xasprintf("%s is already a port of the capture of %s %s",
                              name, other->src->name,
                              capture_tc_dir_name(other->dir));
        }
    }
    for (int i = 0; !error && i < 2; i++) {
        const char *name = i ? s->bridge_port : s->tc_port;
        const struct ctc_source *src = ctc_source_find(ctc, name);
        if (src && (src->caps[0] || src->caps[1])) {
            error = xasprintf("%s is a captured source", name);
        }
    }
    return error;
}

/* Adds or updates a wanted capture. */
void
capture_tc_want(struct capture_tc *ctc, const struct capture_tc_spec *spec)
{
    ovs_assert(spec->dir == CAPTURE_TC_EGRESS
               || spec->dir == CAPTURE_TC_INGRESS);
    char *spec_error = ctc_check_spec(ctc, spec);
    const char *name = spec->source ? spec->source : "";
    struct ctc_source *src = ctc_source_find(ctc, name);

    if (!src) {
        src = xzalloc(sizeof *src);
        src->name = xstrdup(name);
        src->retry_at = LLONG_MAX;
        src->ingress_seen = LLONG_MIN;
        hmap_insert(&ctc->sources, &src->node, hash_string(name, 0));
    }
    if (src->policing != spec->policing) {
        src->policing = spec->policing;
        ctc_mark_dirty(src);
    }

    struct ctc_capture *cap = src->caps[spec->dir];
    if (cap && (strcmp(cap->tc_port, spec->tc_port ? spec->tc_port : "")
                || strcmp(cap->bridge_port,
                          spec->bridge_port ? spec->bridge_port : ""))) {
        /* Renamed ports: the old pair goes, a new one comes. */
        if (!cap->spec_error) {
            sset_add(&ctc->doomed, cap->tc_port);
        }
        ctc_capture_free(cap);
        cap = src->caps[spec->dir] = NULL;
    }
    if (!cap) {
        cap = src->caps[spec->dir] = xzalloc(sizeof *cap);
        cap->src = src;
        cap->dir = spec->dir;
        cap->tc_port = xstrdup(spec->tc_port ? spec->tc_port : "");
        cap->bridge_port = xstrdup(spec->bridge_port
                                   ? spec->bridge_port : "");
        cap->message = xstrdup("not yet reconciled");
        cap->status.state = CAPTURE_TC_PENDING;
        cap->status.message = cap->message;
        sset_find_and_delete(&ctc->doomed, cap->tc_port);
        ctc_mark_dirty(src);
    }
    if (!nullable_string_is_equal(cap->spec_error, spec_error)) {
        ctc_mark_dirty(src);
    }
    free(cap->spec_error);
    cap->spec_error = spec_error;
    cap->marked = true;
}

/* Removes one capture from the desired set. */
void
capture_tc_unwant(struct capture_tc *ctc, const char *source,
                  enum capture_tc_dir dir)
{
    struct ctc_source *src = ctc_source_find(ctc, source);
    struct ctc_capture *cap = src ? src->caps[dir] : NULL;

    if (cap) {
        if (!cap->spec_error) {
            sset_add(&ctc->doomed, cap->tc_port);
        }
        ctc_capture_free(cap);
        src->caps[dir] = NULL;
        ctc_mark_dirty(src);
    }
}

/* Drops the captures not wanted since the previous sweep. */
void
capture_tc_sweep(struct capture_tc *ctc)
{
    struct ctc_source *src;

    HMAP_FOR_EACH_SAFE (src, node, &ctc->sources) {
        for (int d = 0; d < 2; d++) {
            struct ctc_capture *cap = src->caps[d];
            if (cap && !cap->marked) {
                capture_tc_unwant(ctc, src->name, d);
            } else if (cap) {
                cap->marked = false;
            }
        }
    }
    if (!ctc->complete) {
        ctc->complete = true;
        ctc->gc_pending = true;
    }
}

/* Notes that the current pass of 'src' changed the kernel. */
void
ctc_changed(struct ctc_source *src)
{
    COVERAGE_INC(capture_tc_change);
    src->changed = true;
}

/* Deletes the veths of unwanted captures. */
static void
ctc_doomed_run(struct capture_tc *ctc)
{
    const char *name;

    if (time_msec() < ctc->doomed_retry_at) {
        return;
    }
    ctc->doomed_retry_at = LLONG_MIN;
    SSET_FOR_EACH_SAFE (name, &ctc->doomed) {
        if (ctc_capture_by_port(ctc, name)
            || !ctc_veth_delete(ctc, name)) {
            sset_delete(&ctc->doomed, SSET_NODE_FROM_NAME(name));
        } else {
            ctc->doomed_retry_at = time_msec() + CTC_RETRY_MS;
        }
    }
}

/* Removes what tmirror owns and no capture wants (with 'everything', all of
 * it).  Returns the number of failures. */
static int
ctc_gc(struct capture_tc *ctc, bool everything)
{
    struct tcnl_qdisc *qdiscs = NULL;
    struct tcnl_link *links = NULL;
    size_t n_links, n_qdiscs;
    int n_failed = 0;

    int error = tcnl_link_dump(&links, &n_links);
    if (!error) {
        error = tcnl_qdisc_dump(&qdiscs, &n_qdiscs);
    }
    if (error) {
        VLOG_WARN("cannot list the netdevs and their qdiscs: %s",
                  ovs_strerror(error));
        free(links);
        return 1;
    }
    for (size_t i = 0; i < n_links; i++) {
        const struct tcnl_link *l = &links[i];

        if (l->group == CAPTURE_TC_LINK_GROUP) {
            if (everything || !ctc_capture_by_port(ctc, l->name)) {
                n_failed += ctc_veth_delete(ctc, l->name) != 0;
            }
        } else if (everything || !ctc_source_find(ctc, l->name)) {
            n_failed += ctc_gc_netdev(ctc, l, tcnl_qdisc_find(
                                          qdiscs, n_qdiscs, l->ifindex));
        }
    }
    free(links);
    free(qdiscs);
    return n_failed;
}

/* True if 'src' has no capture. */
static bool
ctc_source_is_empty(const struct ctc_source *src)
{
    return !src->caps[0] && !src->caps[1];
}

/* Runs a pass over the dirty sources (with 'all', over every source) and
 * frees the sources that no capture wants and that are clean. */
static void
ctc_sources_run(struct capture_tc *ctc, bool all)
{
    long long int now = time_msec();
    struct tcnl_qdisc *qdiscs = NULL;
    struct ctc_source *src;
    size_t n_qdiscs = 0;
    bool dumped = false;

    HMAP_FOR_EACH_SAFE (src, node, &ctc->sources) {
        if (!all && !src->dirty && src->retry_at > now) {
            continue;
        }
        if (!dumped) {
            int error = tcnl_qdisc_dump(&qdiscs, &n_qdiscs);
            if (error) {
                VLOG_WARN_RL(&rl, "cannot list the qdiscs: %s",
                             ovs_strerror(error));
                ctc_mark_all_dirty(ctc);
                ctc->dump_retry_at = now + CTC_RETRY_MS;
                return;
            }
            dumped = true;
        }
        ctc_source_run(ctc, src, qdiscs, n_qdiscs);
        if (ctc_source_is_empty(src) && src->clean && !src->dirty) {
            ctc_source_free(ctc, src);
        }
    }
    free(qdiscs);
}

/* Processes notifications and reconciles what changed. */
void
capture_tc_run(struct capture_tc *ctc)
{
    if (ctc->nln) {
        nln_run(ctc->nln);
    }
    if (!ctc->complete || !ctc->sock) {
        return;
    }

    long long int now = time_msec();
    if (now >= ctc->next_audit) {
        ctc_mark_all_dirty(ctc);
        ctc->next_audit = now + ctc->opts.audit_interval_ms;
    }
    ctc_doomed_run(ctc);
    if (ctc->gc_pending) {
        ctc_gc(ctc, false);
        ctc->gc_pending = false;
    }
    if (now >= ctc->dump_retry_at) {
        ctc_sources_run(ctc, false);
    }
}

/* Arranges for poll_block() to wake up when capture_tc_run() has work. */
void
capture_tc_wait(struct capture_tc *ctc)
{
    if (ctc->nln) {
        nln_wait(ctc->nln);
    }
    if (!ctc->complete || !ctc->sock) {
        return;
    }

    long long int when = ctc->next_audit;
    struct ctc_source *src;
    HMAP_FOR_EACH (src, node, &ctc->sources) {
        when = MIN(when, src->dirty ? ctc->dump_retry_at : src->retry_at);
    }
    if (!sset_is_empty(&ctc->doomed)) {
        when = MIN(when, ctc->doomed_retry_at);
    }
    if (ctc->gc_pending) {
        poll_immediate_wake();
    }
    poll_timer_wait_until(when);
}

/* Returns the status of one capture. */
const struct capture_tc_status *
capture_tc_get_status(const struct capture_tc *ctc, const char *source,
                      enum capture_tc_dir dir)
{
    const struct ctc_source *src = ctc_source_find(ctc, source);
    const struct ctc_capture *cap = src ? src->caps[dir] : NULL;
    return cap ? &cap->status : NULL;
}

/* True if nothing is left to do. */
bool
capture_tc_is_settled(const struct capture_tc *ctc)
{
    const struct ctc_source *src;

    if (!ctc->complete || ctc->gc_pending || !sset_is_empty(&ctc->doomed)) {
        return false;
    }
    HMAP_FOR_EACH (src, node, &ctc->sources) {
        if (src->dirty || src->retry_at != LLONG_MAX) {
            return false;
        }
    }
    return true;
}

/* Returns the classifier's name. */
const char *
capture_tc_get_classifier(const struct capture_tc *ctc)
{
    return ctc->cls < 0 ? "unknown" : tcnl_classifier_name(ctc->cls);
}

/* Compares captures by source name, then direction, for sorting. */
static int
ctc_capture_cmp(const void *a_, const void *b_)
{
    const struct ctc_capture *const *a = a_, *const *b = b_;
    int cmp = strcmp((*a)->src->name, (*b)->src->name);
    return cmp ? cmp : (int) (*a)->dir - (int) (*b)->dir;
}

/* Appends one line per capture to 's', sorted. */
void
capture_tc_format(const struct capture_tc *ctc, struct ds *s)
{
    struct ctc_capture **caps = NULL;
    size_t n = 0, allocated = 0;
    const struct ctc_source *src;

    HMAP_FOR_EACH (src, node, &ctc->sources) {
        for (int d = 0; d < 2; d++) {
            if (src->caps[d]) {
                if (n >= allocated) {
                    caps = x2nrealloc(caps, &allocated, sizeof *caps);
                }
                caps[n++] = src->caps[d];
            }
        }
    }
    qsort(caps, n, sizeof *caps, ctc_capture_cmp);

    ds_put_format(s, "classifier: %s, priority %d, hw-offload: %s\n",
                  capture_tc_get_classifier(ctc), CAPTURE_TC_PRIO,
                  ctc->hw_offload ? "true" : "false");
    for (size_t i = 0; i < n; i++) {
        const struct ctc_capture *cap = caps[i];
        const struct capture_tc_status *st = &cap->status;

        ds_put_format(s, "%s %s: %s", cap->src->name,
                      capture_tc_dir_name(cap->dir),
                      capture_tc_state_name(st->state));
        if (st->message) {
            ds_put_format(s, " (%s)", st->message);
        }
        ds_put_format(s, " tc_port=%s bridge_port=%s copies=%"PRIu64
                      " bytes=%"PRIu64" repairs=%u missing_ms=%lld",
                      cap->tc_port, cap->bridge_port, st->packets, st->bytes,
                      st->n_repairs, st->missing_ms);
        if (st->missing_since) {
            ds_put_format(s, " missing_for_ms=%lld",
                          time_msec() - st->missing_since);
        }
        ds_put_char(s, '\n');
    }
    free(caps);
}

/* Removes everything tmirror owns. */
int
capture_tc_cleanup(struct capture_tc *ctc)
{
    struct ctc_source *src;

    HMAP_FOR_EACH (src, node, &ctc->sources) {
        for (int d = 0; d < 2; d++) {
            capture_tc_unwant(ctc, src->name, d);
        }
    }
    if (!ctc->sock) {
        return 1;
    }
    ctc->complete = true;
    ctc->gc_pending = false;
    ctc_sources_run(ctc, true);
    ctc_doomed_run(ctc);
    int n_failed = ctc_gc(ctc, true);
    HMAP_FOR_EACH_SAFE (src, node, &ctc->sources) {
        ctc_source_free(ctc, src);
    }
    sset_clear(&ctc->doomed);
    return n_failed;
}

