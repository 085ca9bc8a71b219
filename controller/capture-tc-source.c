/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/tc_act/tc_mirred.h>
#include "controller/capture-tc-private.h"
#include "coverage.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(capture_tc_source);

COVERAGE_DEFINE(capture_tc_pass);
COVERAGE_DEFINE(capture_tc_repair);

/* The tc hook that sees direction 'dir' of a VM's port: what the VM sends
 * is what its port receives. */
enum tcnl_hook
ctc_hook(enum capture_tc_dir dir)
{
    return dir == CAPTURE_TC_EGRESS ? TCNL_HOOK_INGRESS : TCNL_HOOK_EGRESS;
}

/* Fills 'cookie' for a filter of direction 'dir'. */
static void
ctc_cookie(uint8_t cookie[CTC_COOKIE_LEN], bool created_qdisc,
           enum capture_tc_dir dir)
{
    memcpy(cookie, "tmcp", 4);
    cookie[4] = CTC_COOKIE_VERSION;
    cookie[5] = created_qdisc ? CTC_COOKIE_CREATED_QDISC : 0;
    cookie[6] = dir == CAPTURE_TC_EGRESS ? 'e' : 'i';
    cookie[7] = 0;
}

/* True if 'f' is a tmirror capture filter. */
static bool
ctc_filter_is_ours(const struct tcnl_filter *f)
{
    return (f->prio == CAPTURE_TC_PRIO && !f->chain
            && f->cookie_len == CTC_COOKIE_LEN
            && !memcmp(f->cookie, "tmcp", 4)
            && f->cookie[4] == CTC_COOKIE_VERSION);
}

/* Decides, from 'src''s Interface settings, ovs-vswitchd's hw-offload and
 * the qdisc 'q' at the netdev's ingress handle, whether tc may capture the
 * netdev at all.  Returns NULL or the reason it may not. */
static char *
ctc_source_conflict(const struct capture_tc *ctc, struct ctc_source *src,
                    const struct tcnl_qdisc *q)
{
    long long int now = time_msec();

    if (!strcmp(q->kind, "ingress")) {
        src->ingress_seen = now;
    }
    if (ctc->hw_offload) {
        return xstrdup("ovs-vswitchd has other_config:hw-offload=true and "
                       "manages the tc filters of its ports (it flushes "
                       "their ingress filters)");
    } else if (src->policing) {
        return xasprintf("Interface %s has ingress policing "
                         "(ingress_policing_rate or ingress_policing_kpkts_"
                         "rate), which OVS implements with an ingress qdisc "
                         "that cannot coexist with clsact", src->name);
    } else if (!strcmp(q->kind, "ingress")) {
        return xasprintf("netdev %s has an ingress qdisc (OVS ingress "
                         "policing, or another program's): capture needs a "
                         "clsact qdisc at the same handle ffff:", src->name);
    } else if (src->ingress_seen != LLONG_MIN
               && now - src->ingress_seen < CTC_INGRESS_HOLD_MS) {
        src->retry_at = MIN(src->retry_at,
                            src->ingress_seen + CTC_INGRESS_HOLD_MS);
        return xasprintf("netdev %s had an ingress qdisc %lld ms ago (OVS "
                         "ingress policing, or another program's, which may "
                         "add it again): capture waits until it has been "
                         "gone for %d s", src->name, now - src->ingress_seen,
                         CTC_INGRESS_HOLD_MS / 1000);
    } else if (q->kind[0] && strcmp(q->kind, "clsact")) {
        return xasprintf("netdev %s has a %s qdisc at handle ffff:",
                         src->name, q->kind);
    } else if (q->ingress_block || q->egress_block) {
        return xasprintf("the clsact qdisc of %s uses shared filter block "
                         "%"PRIu32": a filter there would capture other "
                         "netdevs too", src->name,
                         q->ingress_block ? q->ingress_block
                         : q->egress_block);
    }
    return NULL;
}

/* The filters of one hook, sorted into tmirror's and the others. */
struct ctc_hook_state {
    struct tcnl_filter *filters;
    size_t n;
    size_t n_ours;
    size_t n_others;            /* Filters of other programs. */
    const struct tcnl_filter *foreign; /* Another's at CAPTURE_TC_PRIO. */
    bool created_qdisc;         /* One of ours says tmirror made clsact. */
};

/* Sorts the filters 'hs->filters'.  An entry with handle 0 is the
 * classifier instance at its priority, not a filter; it goes with its
 * filters. */
static void
ctc_hook_classify(struct ctc_hook_state *hs)
{
    for (size_t i = 0; i < hs->n; i++) {
        const struct tcnl_filter *f = &hs->filters[i];

        if (ctc_filter_is_ours(f)) {
            hs->n_ours++;
            if (f->cookie[5] & CTC_COOKIE_CREATED_QDISC) {
                hs->created_qdisc = true;
            }
        } else if (f->handle) {
            hs->n_others++;
            if (f->prio <= CAPTURE_TC_PRIO && !f->chain && !hs->foreign) {
                hs->foreign = f;
            }
        }
    }
}

/* Deletes every tmirror filter in 'hs' (of 'hook' on 'ifindex').  Returns
 * the number of deletions that failed. */
static int
ctc_hook_delete_ours(struct capture_tc *ctc, struct ctc_source *src,
                     enum tcnl_hook hook, struct ctc_hook_state *hs,
                     const struct tcnl_filter *keep)
{
    int n_failed = 0;

    for (size_t i = 0; i < hs->n; i++) {
        const struct tcnl_filter *f = &hs->filters[i];
        char *errmsg;
        int error;

        if (f == keep || !ctc_filter_is_ours(f)) {
            continue;
        }
        ctc_changed(src);
        error = tcnl_filter_del(ctc->sock, src->ifindex, hook, f->prio,
                                f->protocol, f->handle, f->kind, &errmsg);
        if (error && error != ENOENT) {
            char *s = ctc_error_string(error, errmsg);
            VLOG_WARN("%s: cannot delete filter %s prio %u handle %#"PRIx32
                      " on the %s hook: %s", src->name, f->kind, f->prio,
                      f->handle, tcnl_hook_name(hook), s);
            free(s);
            n_failed++;
        } else {
            free(errmsg);
            hs->n_ours--;
            VLOG_INFO("%s: deleted filter %s prio %u handle %#"PRIx32" on "
                      "the %s hook", src->name, f->kind, f->prio, f->handle,
                      tcnl_hook_name(hook));
        }
    }
    return n_failed;
}

/* Returns the classifier to use, probing it on 'cap''s tc_port the first
 * time.  Returns -1 (with 'cap''s status set) if the probe failed. */
static int
ctc_classifier(struct capture_tc *ctc, struct ctc_capture *cap)
{
    if (ctc->cls < 0) {
        enum tcnl_classifier cls;
        char *errmsg;
        int error = tcnl_probe_classifier(ctc->sock, cap->tc_ifindex, &cls,
                                          &errmsg);
        if (error) {
            char *s = ctc_error_string(error, errmsg);
            ctc_set_state(cap, CAPTURE_TC_ERROR, "%s (probed on %s): %s",
                          (error == ENOENT
                           ? "the kernel has neither cls_matchall nor cls_bpf"
                           : "cannot probe the kernel's tc classifiers"),
                          cap->tc_port, s);
            free(s);
            ctc_retry(cap->src);
            return -1;
        }
        ctc->cls = cls;
        VLOG_INFO("capture filters use cls_%s (probed on %s)",
                  tcnl_classifier_name(cls), cap->tc_port);
    }
    return ctc->cls;
}

/* True if filter 'f' of ours does exactly what 'cap' needs (the cookie's
 * flags aside). */
static bool
ctc_filter_matches(const struct tcnl_filter *f, const struct ctc_capture *cap,
                   int cls)
{
    return (!strcmp(f->kind, tcnl_classifier_name(cls)) && f->match_all
            && f->handle == 1
            && f->protocol == ETH_P_ALL && f->n_actions == 1 && f->mirred
            && f->mirred_eaction == TCA_EGRESS_MIRROR
            && f->mirred_control == TC_ACT_UNSPEC
            && f->mirred_ifindex == cap->tc_ifindex
            && f->cookie[6] == (cap->dir == CAPTURE_TC_EGRESS ? 'e' : 'i'));
}

/* Counts a repair of 'cap' that ended now, after a gap that began at
 * 'since'. */
static void
ctc_count_repair(struct ctc_capture *cap, long long int since)
{
    long long int now = time_msec();
    long long int start = cap->status.missing_since ? cap->status.missing_since
                                                     : since;
    long long int gap = MAX(now - start, 0);

    COVERAGE_INC(capture_tc_repair);
    cap->status.n_repairs++;
    cap->status.last_gap_ms = gap;
    cap->status.missing_ms += gap;
    cap->status.missing_since = 0;
    VLOG_INFO("capture of %s %s repaired after %lld ms (repair %u)",
              cap->src->name, capture_tc_dir_name(cap->dir), gap,
              cap->status.n_repairs);
}

/* Notes that 'cap', installed until now, is broken since 'since'. */
static void
ctc_mark_lost(struct ctc_capture *cap, long long int since)
{
    if (cap->phase == CTC_INSTALLED) {
        cap->phase = CTC_LOST;
        cap->status.missing_since = since;
    } else if (cap->phase == CTC_LOST && !cap->status.missing_since) {
        cap->status.missing_since = since;
    }
}

/* Installs or repairs the filter of 'cap' on 'hook' of its source, given
 * the hook's current filters 'hs'.  'since' is when the source was first
 * seen to change.  Returns true if the filter is in place. */
static bool
ctc_filter_run(struct capture_tc *ctc, struct ctc_capture *cap,
               enum tcnl_hook hook, struct ctc_hook_state *hs,
               long long int since)
{
    struct ctc_source *src = cap->src;
    int cls = ctc_classifier(ctc, cap);
    if (cls < 0) {
        return false;
    }

    const struct tcnl_filter *keep = NULL;
    for (size_t i = 0; i < hs->n && !keep; i++) {
        if (ctc_filter_is_ours(&hs->filters[i])
            && hs->filters[i].handle == 1
            && !strcmp(hs->filters[i].kind, tcnl_classifier_name(cls))) {
            keep = &hs->filters[i];
        }
    }
    bool filter_ok = (keep && hs->n_ours == 1
                      && ctc_filter_matches(keep, cap, cls));
    if (!filter_ok || !cap->veth_intact) {
        ctc_mark_lost(cap, since);
    }

    uint8_t cookie[CTC_COOKIE_LEN];
    ctc_cookie(cookie, src->created_qdisc, cap->dir);
    ctc_hook_delete_ours(ctc, src, hook, hs, keep);

    int error = 0;
    char *errmsg = NULL;
    if (!filter_ok || memcmp(keep->cookie, cookie, sizeof cookie)) {
        ctc_changed(src);
        error = tcnl_mirror_filter_put(ctc->sock, src->ifindex, hook,
                                       CAPTURE_TC_PRIO, cls, keep != NULL,
                                       cap->tc_ifindex, cookie, sizeof cookie,
                                       &errmsg);
    }
    if (error) {
        char *s = ctc_error_string(error, errmsg);
        ctc_set_state(cap, CAPTURE_TC_ERROR, "cannot %s the %s filter on the "
                      "%s hook of %s: %s", keep ? "replace" : "add",
                      tcnl_classifier_name(cls), tcnl_hook_name(hook),
                      src->name, s);
        free(s);
        ctc_retry(src);
        return false;
    }
    free(errmsg);

    if (cap->phase == CTC_LOST) {
        ctc_count_repair(cap, since);
    }
    cap->phase = CTC_INSTALLED;
    cap->status.packets = filter_ok ? keep->packets : 0;
    cap->status.bytes = filter_ok ? keep->bytes : 0;
    ctc_set_state(cap, CAPTURE_TC_ACTIVE, NULL);
    return true;
}

/* The capture of 'cap' cannot be in place for reason 'msg' in 'state':
 * notes it without counting a gap. */
static void
ctc_capture_off(struct ctc_capture *cap, enum capture_tc_state state,
                const char *msg)
{
    cap->phase = CTC_NEW;
    cap->status.missing_since = 0;
    ctc_set_state(cap, state, "%s", msg);
}

/* Handles a source whose netdev does not exist. */
static void
ctc_source_absent(struct ctc_source *src)
{
    src->ifindex = 0;
    src->created_qdisc = false;
    src->clean = true;
    for (int d = 0; d < 2; d++) {
        struct ctc_capture *cap = src->caps[d];
        if (cap && cap->veth_ok) {
            if (cap->phase == CTC_INSTALLED) {
                /* Not counted while there is no netdev to capture. */
                cap->phase = CTC_LOST;
                cap->status.missing_since = 0;
            }
            ctc_set_state(cap, CAPTURE_TC_PENDING, "netdev %s does not "
                          "exist", src->name);
        }
    }
}

/* Dumps the filters of both hooks of 'src' into 'hooks'.  Returns NULL or
 * an error message. */
static char *
ctc_hooks_read(const struct ctc_source *src, struct ctc_hook_state hooks[2])
{
    memset(hooks, 0, 2 * sizeof *hooks);
    for (int d = 0; d < 2; d++) {
        enum tcnl_hook hook = ctc_hook(d);
        int error = tcnl_filter_dump(src->ifindex, hook, &hooks[d].filters,
                                     &hooks[d].n);
        if (error) {
            return xasprintf("cannot read the filters of the %s hook of %s: "
                             "%s", tcnl_hook_name(hook), src->name,
                             ovs_strerror(error));
        }
        ctc_hook_classify(&hooks[d]);
    }
    return NULL;
}

/* Adds a clsact qdisc to 'src'.  Returns NULL or an error message. */
static char *
ctc_qdisc_add(struct capture_tc *ctc, struct ctc_source *src)
{
    char *errmsg;
    int error;

    ctc_changed(src);
    error = tcnl_clsact_add(ctc->sock, src->ifindex, &errmsg);
    if (error) {
        char *s = ctc_error_string(error, errmsg);
        char *msg = xasprintf("cannot add a clsact qdisc to %s: %s",
                              src->name, s);
        free(s);
        return msg;
    }
    VLOG_INFO("%s: added clsact qdisc", src->name);
    src->created_qdisc = true;
    return NULL;
}

/* Deletes the clsact qdisc of 'src' if tmirror created it and nothing uses
 * it any more ('hooks' after the deletion of tmirror's filters). */
static void
ctc_qdisc_release(struct capture_tc *ctc, struct ctc_source *src,
                  const struct ctc_hook_state hooks[2])
{
    if (!src->created_qdisc) {
        return;
    }
    if (hooks[0].n_others || hooks[1].n_others) {
        VLOG_INFO("%s: leaving the clsact qdisc that tmirror added, which "
                  "%"PRIuSIZE" filters of other programs now use", src->name,
                  hooks[0].n_others + hooks[1].n_others);
        src->created_qdisc = false;
        return;
    }

    char *errmsg;
    ctc_changed(src);
    int error = tcnl_clsact_del(ctc->sock, src->ifindex, &errmsg);
    if (error && error != ENOENT && error != EINVAL) {
        char *s = ctc_error_string(error, errmsg);
        VLOG_WARN("%s: cannot delete the clsact qdisc: %s", src->name, s);
        free(s);
        src->clean = false;
        ctc_retry(src);
        return;
    }
    free(errmsg);
    VLOG_INFO("%s: deleted the clsact qdisc that tmirror added", src->name);
    src->created_qdisc = false;
}

/* Reconciles the qdisc and filters of existing netdev 'src' with its
 * captures.  'since' is when the source was first seen to change. */
static void
ctc_source_tc_run(struct capture_tc *ctc, struct ctc_source *src,
                  const struct tcnl_qdisc *qdisc, long long int since)
{
    static const struct tcnl_qdisc no_qdisc;
    const struct tcnl_qdisc *q = qdisc ? qdisc : &no_qdisc;
    struct ctc_hook_state hooks[2];
    char *msg;

    memset(hooks, 0, sizeof hooks);
    bool clsact = !strcmp(q->kind, "clsact");
    if (clsact) {
        msg = ctc_hooks_read(src, hooks);
        if (msg) {
            goto fail;
        }
    }
    /* Whether tmirror created the clsact is recorded in its filters'
     * cookies only: a clsact without them is, as far as tmirror knows,
     * another program's. */
    src->created_qdisc = (hooks[0].created_qdisc
                          || hooks[1].created_qdisc);

    /* Which directions may be captured, and the others' filters gone. */
    char *conflict = ctc_source_conflict(ctc, src, q);
    bool want[2] = { false, false };
    for (int d = 0; d < 2; d++) {
        struct ctc_capture *cap = src->caps[d];
        char *why = conflict ? xstrdup(conflict) : NULL;

        if (!why && hooks[d].foreign) {
            const struct tcnl_filter *f = hooks[d].foreign;
            why = xasprintf("priority %d of the %s hook of %s is taken by a "
                            "%s filter (handle %#"PRIx32") of another "
                            "program", CAPTURE_TC_PRIO,
                            tcnl_hook_name(ctc_hook(d)), src->name, f->kind,
                            f->handle);
        }
        want[d] = cap && cap->veth_ok && !why;
        if (!want[d] && hooks[d].n_ours) {
            ctc_hook_delete_ours(ctc, src, ctc_hook(d), &hooks[d], NULL);
        }
        if (cap && cap->veth_ok && why) {
            ctc_capture_off(cap, CAPTURE_TC_REFUSED, why);
        }
        free(why);
    }
    free(conflict);

    /* The qdisc, then the filters. */
    bool added_qdisc = false;
    if ((want[0] || want[1]) && !clsact) {
        msg = ctc_qdisc_add(ctc, src);
        if (msg) {
            goto fail;
        }
        clsact = added_qdisc = true;
    }
    bool installed = false;
    for (int d = 0; d < 2; d++) {
        if (want[d]) {
            installed |= ctc_filter_run(ctc, src->caps[d], ctc_hook(d),
                                        &hooks[d], since);
        }
    }
    src->clean = !hooks[0].n_ours && !hooks[1].n_ours;
    if ((!want[0] && !want[1] && clsact && src->clean)
        || (added_qdisc && !installed)) {
        /* In the second case, no filter says that tmirror made the clsact,
         * which would look like another program's from now on. */
        ctc_qdisc_release(ctc, src, hooks);
    }
    free(hooks[0].filters);
    free(hooks[1].filters);
    return;

fail:
    for (int d = 0; d < 2; d++) {
        struct ctc_capture *cap = src->caps[d];
        if (cap && cap->veth_ok) {
            ctc_mark_lost(cap, since);
            ctc_set_state(cap, CAPTURE_TC_ERROR, "%s", msg);
        }
    }
    free(msg);
    free(hooks[0].filters);
    free(hooks[1].filters);
    src->clean = false;
    ctc_retry(src);
}

/* Reconciles everything of 'src', given the ingress-handle qdiscs of every
 * netdev (a snapshot taken at the start of the run). */
void
ctc_source_run(struct capture_tc *ctc, struct ctc_source *src,
               const struct tcnl_qdisc *qdiscs, size_t n_qdiscs)
{
    long long int since = src->dirty ? src->dirty_since : time_msec();
    struct tcnl_link link;

    COVERAGE_INC(capture_tc_pass);
    src->dirty = false;
    src->changed = false;
    src->retry_at = LLONG_MAX;
    if (!ctc->sock) {
        ctc_set_all(src, CAPTURE_TC_ERROR, "no rtnetlink socket");
        ctc_retry(src);
        return;
    }

    char *bad_name = ctc_check_name("source", src->name);
    if (bad_name) {
        /* Its captures' status says so; nothing of it is in the kernel. */
        ctc_set_all(src, CAPTURE_TC_ERROR, bad_name);
        free(bad_name);
        src->clean = true;
        return;
    }

    int error = tcnl_link_get(ctc->sock, src->name, &link);
    for (int d = 0; d < 2; d++) {
        if (src->caps[d]) {
            ctc_veth_run(ctc, src->caps[d], error ? 0 : link.mtu);
        }
    }

    if (error == ENODEV) {
        ctc_source_absent(src);
    } else if (error) {
        char *msg = xasprintf("cannot read netdev %s: %s", src->name,
                              ovs_strerror(error));
        ctc_set_all(src, CAPTURE_TC_ERROR, msg);
        free(msg);
        ctc_retry(src);
    } else if (link.group == CAPTURE_TC_LINK_GROUP) {
        ctc_set_all(src, CAPTURE_TC_ERROR, "the source is a tmirror capture "
                    "port");
        src->clean = true;
    } else {
        /* A new ifindex means a new netdev: what tmirror had put on the
         * old one went with it, and the pass below puts it back. */
        if (src->ifindex != link.ifindex) {
            src->ingress_seen = LLONG_MIN;
        }
        src->ifindex = link.ifindex;
        ctc_source_tc_run(ctc, src,
                          tcnl_qdisc_find(qdiscs, n_qdiscs, link.ifindex),
                          since);
    }

    if (src->changed) {
        /* Check the outcome at the next run. */
        ctc_mark_dirty(src);
    }
}

/* Removes the tmirror filters of netdev 'link', which no capture wants, and
 * its clsact qdisc 'q' if tmirror created it and nothing else uses it.
 * Returns the number of failures. */
int
ctc_gc_netdev(struct capture_tc *ctc, const struct tcnl_link *link,
              const struct tcnl_qdisc *q)
{
    struct ctc_source tmp = { .name = CONST_CAST(char *, link->name),
                              .ifindex = link->ifindex };
    struct ctc_hook_state hooks[2];
    int n_failed = 0;

    if (!q || strcmp(q->kind, "clsact")) {
        return 0;
    }
    char *msg = ctc_hooks_read(&tmp, hooks);
    if (msg) {
        VLOG_WARN("%s", msg);
        free(msg);
        n_failed = 1;
    } else if (hooks[0].n_ours || hooks[1].n_ours) {
        tmp.created_qdisc = hooks[0].created_qdisc || hooks[1].created_qdisc;
        for (int d = 0; d < 2; d++) {
            n_failed += ctc_hook_delete_ours(ctc, &tmp, ctc_hook(d),
                                             &hooks[d], NULL);
        }
        tmp.clean = !n_failed;
        if (!n_failed) {
            ctc_qdisc_release(ctc, &tmp, hooks);
            n_failed += !tmp.clean;
        }
    }
    free(hooks[0].filters);
    free(hooks[1].filters);
    return n_failed;
}

