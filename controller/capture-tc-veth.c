/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include <errno.h>
#include <string.h>
#include "controller/capture-tc-private.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(capture_tc_veth);

/* Deletes the tmirror veth pair one of whose ends is 'name', if it exists
 * and is tmirror's.  Returns 0 or a positive errno value. */
int
ctc_veth_delete(struct capture_tc *ctc, const char *name)
{
    struct tcnl_link link;
    char *errmsg = NULL;
    int error = tcnl_link_get(ctc->sock, name, &link);

    if (error) {
        return error == ENODEV ? 0 : error;
    }
    if (link.group != CAPTURE_TC_LINK_GROUP) {
        return 0;
    }
    error = tcnl_link_delete(ctc->sock, link.ifindex, &errmsg);
    if (error == ENODEV) {
        error = 0;
    }
    if (error) {
        char *s = ctc_error_string(error, errmsg);
        VLOG_WARN("cannot delete %s: %s", name, s);
        free(s);
    } else {
        VLOG_INFO("deleted veth %s", name);
        free(errmsg);
    }
    return error;
}

/* Creates the veth pair of 'cap' with MTU 'mtu', turns off its offloads and
 * IPv6 and sets it up.  Returns NULL or an error message; on error, no pair
 * is left behind (the next pass makes it again, from the start). */
static char *
ctc_veth_create(struct capture_tc *ctc, struct ctc_capture *cap, int mtu)
{
    char *errmsg = NULL;
    int error = tcnl_veth_create(ctc->sock, cap->tc_port, cap->bridge_port,
                                 CAPTURE_TC_LINK_GROUP, mtu, &errmsg);
    if (error) {
        char *s = ctc_error_string(error, errmsg);
        char *msg = xasprintf("cannot create veth pair %s/%s: %s",
                              cap->tc_port, cap->bridge_port, s);
        free(s);
        return msg;
    }
    VLOG_INFO("created veth pair %s/%s for %s %s", cap->tc_port,
              cap->bridge_port, cap->src->name, capture_tc_dir_name(cap->dir));

    char *alias = xasprintf("tmirror: %s copies of %s",
                            capture_tc_dir_name(cap->dir), cap->src->name);
    const char *ends[2] = { cap->tc_port, cap->bridge_port };
    char *msg = NULL;
    for (int i = 0; i < 2 && !msg; i++) {
        struct tcnl_link link;

        error = tcnl_link_get(ctc->sock, ends[i], &link);
        if (!error) {
            error = tcnl_link_quiet(ends[i]);
        }
        if (!error) {
            error = tcnl_link_set(ctc->sock, link.ifindex, true, 0, alias,
                                  &errmsg);
        }
        if (error) {
            char *s = ctc_error_string(error, errmsg);
            msg = xasprintf("cannot set up %s: %s", ends[i], s);
            free(s);
        }
    }
    free(alias);
    if (msg) {
        ctc_veth_delete(ctc, cap->tc_port);
    }
    return msg;
}

/* Reads the two ends of 'cap''s pair.  Returns NULL, or a message saying why
 * they cannot be used, with '*refused' set if that is a conflict. */
static char *
ctc_veth_read(struct capture_tc *ctc, const struct ctc_capture *cap,
              struct tcnl_link *tc, struct tcnl_link *br, bool *exists,
              bool *refused)
{
    int e1 = tcnl_link_get(ctc->sock, cap->tc_port, tc);
    int e2 = tcnl_link_get(ctc->sock, cap->bridge_port, br);

    *refused = false;
    *exists = !e1 && !e2;
    if ((e1 && e1 != ENODEV) || (e2 && e2 != ENODEV)) {
        return xasprintf("cannot read netdev %s: %s",
                         e1 && e1 != ENODEV ? cap->tc_port : cap->bridge_port,
                         ovs_strerror(e1 && e1 != ENODEV ? e1 : e2));
    }
    for (int i = 0; i < 2; i++) {
        const struct tcnl_link *l = i ? br : tc;
        if (!(i ? e2 : e1) && l->group != CAPTURE_TC_LINK_GROUP) {
            *refused = true;
            return xasprintf("netdev %s exists and is not tmirror's (device "
                             "group %"PRIu32", not %d)", l->name, l->group,
                             CAPTURE_TC_LINK_GROUP);
        }
    }
    return NULL;
}

/* Makes sure the veth pair of 'cap' exists, is up and has an MTU of at
 * least 'mtu' (0 if unknown).  Sets 'cap->veth_ok' and 'cap->veth_intact'
 * (the pair needed no repair). */
void
ctc_veth_run(struct capture_tc *ctc, struct ctc_capture *cap, int mtu)
{
    struct tcnl_link tc, br;
    bool exists, refused;
    char *msg;

    cap->veth_ok = cap->veth_intact = false;
    cap->status.bridge_port_ready = false;
    cap->status.bridge_ifindex = 0;
    if (cap->spec_error) {
        ctc_set_state(cap, CAPTURE_TC_ERROR, "%s", cap->spec_error);
        return;
    }

    msg = ctc_veth_read(ctc, cap, &tc, &br, &exists, &refused);
    if (!msg) {
        bool pair = (exists && !strcmp(tc.kind, "veth")
                     && tc.peer_ifindex == br.ifindex
                     && br.peer_ifindex == tc.ifindex);
        if (!pair) {
            ctc_veth_delete(ctc, cap->tc_port);
            ctc_veth_delete(ctc, cap->bridge_port);
            ctc_changed(cap->src);
            msg = ctc_veth_create(ctc, cap, mtu);
            if (!msg) {
                msg = ctc_veth_read(ctc, cap, &tc, &br, &exists, &refused);
            }
        } else {
            cap->veth_intact = (tc.flags & IFF_UP) && (br.flags & IFF_UP);
            int want_mtu = mtu > MIN(tc.mtu, br.mtu) ? mtu : 0;
            for (int i = 0; !msg && i < 2; i++) {
                const struct tcnl_link *l = i ? &br : &tc;
                char *errmsg;
                int error;

                if (!(l->flags & IFF_UP) || (want_mtu && l->mtu < mtu)) {
                    ctc_changed(cap->src);
                    error = tcnl_link_set(ctc->sock, l->ifindex, true,
                                          want_mtu, NULL, &errmsg);
                    if (error) {
                        char *s = ctc_error_string(error, errmsg);
                        msg = xasprintf("cannot set up %s: %s", l->name, s);
                        free(s);
                    }
                }
            }
        }
    }

    if (msg) {
        if (refused) {
            /* Not a gap to count: tc cannot capture this until the other
             * program's netdev goes. */
            cap->phase = CTC_NEW;
            cap->status.missing_since = 0;
        } else {
            if (cap->phase == CTC_INSTALLED) {
                cap->phase = CTC_LOST;
            }
            if (cap->phase == CTC_LOST && !cap->status.missing_since) {
                cap->status.missing_since = time_msec();
            }
            ctc_retry(cap->src);
        }
        ctc_set_state(cap, refused ? CAPTURE_TC_REFUSED : CAPTURE_TC_ERROR,
                      "%s", msg);
        free(msg);
        return;
    }
    cap->tc_ifindex = tc.ifindex;
    cap->bridge_ifindex = br.ifindex;
    cap->veth_ok = exists;
    cap->status.bridge_port_ready = exists;
    cap->status.bridge_ifindex = exists ? br.ifindex : 0;
}

