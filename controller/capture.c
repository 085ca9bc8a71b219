/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Capture behind one interface, with the tc and Mirror-row backends.  See
 * capture.h.  This file owns the choice and the tc captures' names; the
 * kernel side is capture-tc's, the Open_vSwitch rows vswitch-sync's. */

#include <config.h>

#include "controller/capture.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "controller/capture-tc.h"
#include "controller/ovs-index.h"
#include "coverage.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "sset.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(capture);

COVERAGE_DEFINE(capture_change);
COVERAGE_DEFINE(capture_name_collision);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* What the plan saw of one tc capture, to tell when it changes. */
struct capture_snap {
    bool valid;
    enum capture_tc_state state;
    char *message;
    bool ready;
    int bridge_ifindex;
    unsigned int n_repairs;
    long long int missing_ms;
};

/* One source with tc captures wanted, by iface-id. */
struct capture_src {
    struct hmap_node node;      /* In 'struct capture' 'srcs'. */
    char *iface_id;
    char *netdev;               /* Interface.name: capture-tc's source. */
    uint32_t name_hash;         /* Its ports are "tm-<name_hash>-...". */
    bool wanted[2];             /* By enum capture_tc_dir. */
    char *tc_port[2];
    char *bridge_port[2];
    struct capture_snap snap[2];
};

struct capture {
    struct capture_tc *ctc;     /* Created when first needed. */
    enum capture_mode mode;
    bool hw_offload;
    struct hmap srcs;           /* Contains "struct capture_src"s. */
    struct sset changes;        /* iface-ids, for capture_take_changes(). */
    uint64_t stats_seqno;
};

/* Returns the capture-tc direction of 'egress'. */
static enum capture_tc_dir
dir_of(bool egress)
{
    return egress ? CAPTURE_TC_EGRESS : CAPTURE_TC_INGRESS;
}

/* Returns the name of 'mode'. */
const char *
capture_mode_name(enum capture_mode mode)
{
    return (mode == CAPTURE_MODE_TC ? "tc"
            : mode == CAPTURE_MODE_MIRROR ? "mirror"
            : "auto");
}

/* Returns the name of 'backend'. */
const char *
capture_backend_name(enum capture_backend backend)
{
    return backend == CAPTURE_BY_TC ? "tc" : "mirror";
}

/* Frees what 'ch' owns. */
void
capture_choice_destroy(struct capture_choice *ch)
{
    free(ch->message);
    free(ch->bridge_port);
    ch->message = ch->bridge_port = NULL;
}

/* Creates an empty capture module (no netlink socket until a tc capture is
 * wanted or cleanup asked). */
struct capture *
capture_create(void)
{
    struct capture *c = xzalloc(sizeof *c);
    c->mode = CAPTURE_MODE_AUTO;
    hmap_init(&c->srcs);
    sset_init(&c->changes);
    return c;
}

/* Frees 'src'. */
static void
capture_src_free(struct capture_src *src)
{
    for (int d = 0; d < 2; d++) {
        free(src->tc_port[d]);
        free(src->bridge_port[d]);
        free(src->snap[d].message);
    }
    free(src->iface_id);
    free(src->netdev);
    free(src);
}

/* Frees 'c', leaving the kernel state in place. */
void
capture_destroy(struct capture *c)
{
    if (!c) {
        return;
    }
    struct capture_src *src;
    HMAP_FOR_EACH_POP (src, node, &c->srcs) {
        capture_src_free(src);
    }
    hmap_destroy(&c->srcs);
    sset_destroy(&c->changes);
    capture_tc_destroy(c->ctc);
    free(c);
}

/* Returns c->ctc, creating it if needed. */
static struct capture_tc *
capture_get_tc(struct capture *c)
{
    if (!c->ctc) {
        const struct capture_tc_options opts = {
            .classifier = CAPTURE_TC_CLS_PROBE,
            .audit_interval_ms = 10000,
        };
        c->ctc = capture_tc_init(&opts);
        capture_tc_set_hw_offload(c->ctc, c->hw_offload);
    }
    return c->ctc;
}

/* Reads the mode and hw-offload from 'ovs'.  See capture.h. */
bool
capture_configure(struct capture *c, const struct ovsrec_open_vswitch *ovs)
{
    const char *s = ovs ? smap_get_def(&ovs->external_ids, "tmirror-capture",
                                       "auto") : "auto";
    enum capture_mode mode = CAPTURE_MODE_AUTO;
    if (!strcmp(s, "tc")) {
        mode = CAPTURE_MODE_TC;
    } else if (!strcmp(s, "mirror")) {
        mode = CAPTURE_MODE_MIRROR;
    } else if (strcmp(s, "auto")) {
        VLOG_WARN_RL(&rl, "external_ids:tmirror-capture=\"%s\": not one of "
                     "auto, tc, mirror; using auto", s);
    }
    bool hw_offload = ovs && smap_get_bool(&ovs->other_config, "hw-offload",
                                           false);
    bool changed = mode != c->mode || hw_offload != c->hw_offload;
    if (mode != c->mode) {
        VLOG_INFO("capture mode: %s", capture_mode_name(mode));
    }
    c->mode = mode;
    c->hw_offload = hw_offload;
    if (c->ctc) {
        capture_tc_set_hw_offload(c->ctc, hw_offload);
    }
    return changed;
}

/* Returns the mode. */
enum capture_mode
capture_get_mode(const struct capture *c)
{
    return c->mode;
}

/* Returns the wanted source 'iface_id', or NULL. */
static struct capture_src *
capture_src_find(const struct capture *c, const char *iface_id)
{
    struct capture_src *src;
    HMAP_FOR_EACH_WITH_HASH (src, node, hash_string(iface_id, 0), &c->srcs) {
        if (!strcmp(src->iface_id, iface_id)) {
            return src;
        }
    }
    return NULL;
}

/* Returns why the port of 'src' is not a kernel netdev that tc can
 * capture, or NULL if it is one.  Sets '*wait' if ovs-vswitchd has not yet
 * said (no ifindex reported yet). */
static char *
capture_not_kernel(const struct ovs_source *src, bool *wait)
{
    const struct ovsrec_interface *iface = src->iface;
    const char *type = iface->type;
    *wait = false;
    if (type[0] && strcmp(type, "system") && strcmp(type, "tap")
        && strcmp(type, "internal")) {
        return xasprintf("interface %s has type %s, not a kernel netdev",
                         iface->name, type);
    }
    if (!iface->n_ifindex) {
        *wait = true;
        return xasprintf("waiting for ovs-vswitchd to report the ifindex of "
                         "interface %s", iface->name);
    }
    if (iface->ifindex[0] <= 0) {
        return xasprintf("interface %s is not a kernel netdev (ifindex 0)",
                         iface->name);
    }
    return NULL;
}

/* A tc capture that cannot be made now (refused or failed): in "tc" mode
 * the choice fails; in "auto" mode a Mirror row stands in for it (ready:
 * vswitch-sync admits it if its bridge has a free slot, else reports the
 * lack of one), while the tc capture stays wanted so that it takes over
 * once it can. */
static void
capture_choose_fallback(const struct capture *c, struct capture_choice *ch)
{
    if (c->mode == CAPTURE_MODE_TC) {
        ch->failed = true;
    } else {
        ch->backend = CAPTURE_BY_MIRROR;
        ch->ready = true;
    }
}

/* Fills 'ch' from the tc capture's status 'st' ('netdev', 'egress'). */
static void
capture_choose_tc(const struct capture *c, const struct capture_src *src,
                  const struct capture_tc_status *st, bool egress,
                  struct capture_choice *ch)
{
    const char *dir = egress ? "egress" : "ingress";
    ch->backend = CAPTURE_BY_TC;
    ch->tc_wanted = true;
    if (!st) {
        ch->message = xasprintf("waiting for the tc capture of %s", dir);
        return;
    }
    switch (st->state) {
    case CAPTURE_TC_ACTIVE:
        if (st->bridge_port_ready && st->bridge_ifindex > 0) {
            ch->ready = true;
            ch->bridge_port = xstrdup(src->bridge_port[dir_of(egress)]);
            ch->bridge_ifindex = st->bridge_ifindex;
        } else {
            ch->message = xasprintf("waiting for the veth pair of the tc "
                                    "capture of %s", dir);
        }
        break;
    case CAPTURE_TC_PENDING:
        ch->message = xasprintf("tc capture of %s: %s", dir,
                                st->message ? st->message : "pending");
        break;
    case CAPTURE_TC_REFUSED:
        capture_choose_fallback(c, ch);
        ch->message = xasprintf("tc capture of %s refused: %s", dir,
                                st->message ? st->message : "no reason");
        break;
    case CAPTURE_TC_ERROR:
    default:
        /* A netlink request failed (capture-tc retries it every second):
         * as for a refusal, so that the copies do not wait for the
         * kernel. */
        capture_choose_fallback(c, ch);
        ch->message = xasprintf("tc capture of %s failed: %s", dir,
                                st->message ? st->message : "error");
        break;
    }
}

/* Decides the backend of one (source, direction).  See capture.h. */
void
capture_choose(const struct capture *c, const char *iface_id, bool egress,
               const struct ovs_source *src, struct capture_choice *ch)
{
    memset(ch, 0, sizeof *ch);
    ch->backend = CAPTURE_BY_MIRROR;
    if (c->mode == CAPTURE_MODE_MIRROR || !src) {
        ch->ready = true;
        return;
    }

    bool wait;
    char *why = capture_not_kernel(src, &wait);
    if (why) {
        if (wait) {
            ch->message = why;
        } else if (c->mode == CAPTURE_MODE_TC) {
            ch->backend = CAPTURE_BY_TC;
            ch->failed = true;
            ch->message = xasprintf("tmirror-capture=tc: %s", why);
            free(why);
        } else {
            ch->ready = true;
            free(why);
        }
        return;
    }

    const struct capture_src *cs = capture_src_find(c, iface_id);
    const struct capture_tc_status *st = NULL;
    if (cs && c->ctc && !strcmp(cs->netdev, src->iface->name)) {
        st = capture_tc_get_status(c->ctc, cs->netdev, dir_of(egress));
    }
    capture_choose_tc(c, cs, st, egress, ch);
}

/* Starts a new desired set of tc captures. */
void
capture_want_begin(struct capture *c)
{
    struct capture_src *src;
    HMAP_FOR_EACH (src, node, &c->srcs) {
        src->wanted[0] = src->wanted[1] = false;
    }
}

/* Returns the name of one end of a tc capture's veth pair: "tm-HHHHHHHH-"
 * ('name_hash' in hex) + 'e'/'i' (the direction) + 't' (the end the kernel
 * sends the copies on) or 'b' (its peer on the mirror bridge). */
static char *
capture_port_name(uint32_t name_hash, enum capture_tc_dir dir, char end)
{
    return xasprintf("tm-%08"PRIx32"-%c%c", name_hash,
                     dir == CAPTURE_TC_EGRESS ? 'e' : 'i', end);
}

/* Returns true if a wanted source other than 'iface_id' has ports named
 * after 'name_hash'. */
static bool
capture_name_taken(const struct capture *c, const char *iface_id,
                   uint32_t name_hash)
{
    const struct capture_src *src;
    HMAP_FOR_EACH (src, node, &c->srcs) {
        if (src->name_hash == name_hash && strcmp(src->iface_id, iface_id)) {
            return true;
        }
    }
    return false;
}

/* Returns the hash that names the ports of a new tc source 'iface_id':
 * hash_string(iface_id, 0), the one vswitch-sync names Mirror-row patch
 * ports after, unless another wanted source already has it (two iface-ids
 * with one 32-bit hash), then hash_string(iface_id, 1), 2, ...: two
 * sources never share a veth.  A source keeps its names while it is
 * wanted; the plan wants sources in iface-id order, so a controller that
 * starts gives the same names for the same sources. */
static uint32_t
capture_pick_name_hash(const struct capture *c, const char *iface_id)
{
    for (uint32_t basis = 0; ; basis++) {
        uint32_t h = hash_string(iface_id, basis);
        if (!capture_name_taken(c, iface_id, h)) {
            if (basis) {
                COVERAGE_INC(capture_name_collision);
                VLOG_INFO("tc capture of %s: ports named tm-%08"PRIx32"-* "
                          "(tm-%08"PRIx32"-* are another source's)",
                          iface_id, h, hash_string(iface_id, 0));
            }
            return h;
        }
    }
}

/* Adds (source 'iface_id', direction) to the desired tc captures. */
void
capture_want_tc(struct capture *c, const char *iface_id, bool egress,
                const struct ovs_source *src)
{
    struct capture_tc *ctc = capture_get_tc(c);
    struct capture_src *cs = capture_src_find(c, iface_id);
    if (cs && strcmp(cs->netdev, src->iface->name)) {
        /* The port is another netdev now: capture that one instead. */
        for (int d = 0; d < 2; d++) {
            capture_tc_unwant(ctc, cs->netdev, d);
        }
        free(cs->netdev);
        cs->netdev = xstrdup(src->iface->name);
        sset_add(&c->changes, iface_id);
    } else if (!cs) {
        cs = xzalloc(sizeof *cs);
        cs->iface_id = xstrdup(iface_id);
        cs->netdev = xstrdup(src->iface->name);
        cs->name_hash = capture_pick_name_hash(c, iface_id);
        for (int d = 0; d < 2; d++) {
            cs->tc_port[d] = capture_port_name(cs->name_hash, d, 't');
            cs->bridge_port[d] = capture_port_name(cs->name_hash, d, 'b');
        }
        hmap_insert(&c->srcs, &cs->node, hash_string(iface_id, 0));
    }

    enum capture_tc_dir d = dir_of(egress);
    cs->wanted[d] = true;
    const struct ovsrec_interface *iface = src->iface;
    const struct capture_tc_spec spec = {
        .source = cs->netdev,
        .dir = d,
        .tc_port = cs->tc_port[d],
        .bridge_port = cs->bridge_port[d],
        .policing = (iface->ingress_policing_rate > 0
                     || iface->ingress_policing_kpkts_rate > 0),
    };
    capture_tc_want(ctc, &spec);
}

/* Ends the desired set: tc captures not wanted since capture_want_begin()
 * are removed. */
void
capture_want_end(struct capture *c)
{
    if (!c->ctc) {
        return;
    }
    capture_tc_sweep(c->ctc);
    struct capture_src *src;
    HMAP_FOR_EACH_SAFE (src, node, &c->srcs) {
        for (int d = 0; d < 2; d++) {
            if (!src->wanted[d]) {
                free(src->snap[d].message);
                memset(&src->snap[d], 0, sizeof src->snap[d]);
            }
        }
        if (!src->wanted[0] && !src->wanted[1]) {
            hmap_remove(&c->srcs, &src->node);
            capture_src_free(src);
        }
    }
}

/* Compares the status 'st' (NULL: none) with 'snap' and updates it.
 * Returns 1 if the plan must see it, 2 if only the counters moved, else
 * 0. */
static int
capture_snap_update(struct capture_snap *snap,
                    const struct capture_tc_status *st)
{
    if (!st) {
        bool was = snap->valid;
        free(snap->message);
        memset(snap, 0, sizeof *snap);
        return was;
    }
    int result = 0;
    if (!snap->valid || snap->state != st->state
        || snap->ready != st->bridge_port_ready
        || snap->bridge_ifindex != st->bridge_ifindex
        || !nullable_string_is_equal(snap->message, st->message)) {
        result = 1;
    } else if (snap->n_repairs != st->n_repairs
               || snap->missing_ms != st->missing_ms) {
        result = 2;
    }
    free(snap->message);
    *snap = (struct capture_snap) {
        .valid = true,
        .state = st->state,
        .message = nullable_xstrdup(st->message),
        .ready = st->bridge_port_ready,
        .bridge_ifindex = st->bridge_ifindex,
        .n_repairs = st->n_repairs,
        .missing_ms = st->missing_ms,
    };
    return result;
}

/* Runs capture-tc and records what changed for the plan and the status. */
void
capture_run(struct capture *c)
{
    if (!c->ctc) {
        return;
    }
    capture_tc_run(c->ctc);

    bool stats = false;
    struct capture_src *src;
    HMAP_FOR_EACH (src, node, &c->srcs) {
        for (int d = 0; d < 2; d++) {
            const struct capture_tc_status *st
                = src->wanted[d] ? capture_tc_get_status(c->ctc, src->netdev,
                                                         d) : NULL;
            int r = capture_snap_update(&src->snap[d], st);
            if (r == 1) {
                COVERAGE_INC(capture_change);
                sset_add(&c->changes, src->iface_id);
            }
            stats |= r != 0;
        }
    }
    if (stats) {
        c->stats_seqno++;
    }
    if (!sset_is_empty(&c->changes) || stats) {
        poll_immediate_wake();
    }
}

/* Arranges for poll_block() to wake when capture_run() has work. */
void
capture_wait(struct capture *c)
{
    if (c->ctc) {
        capture_tc_wait(c->ctc);
    }
}

/* Hands over the changed sources.  See capture.h. */
bool
capture_take_changes(struct capture *c, struct sset *sources)
{
    bool any = !sset_is_empty(&c->changes);
    const char *s;
    SSET_FOR_EACH (s, &c->changes) {
        sset_add(sources, s);
    }
    sset_clear(&c->changes);
    return any;
}

/* Returns the statistics seqno. */
uint64_t
capture_get_stats_seqno(const struct capture *c)
{
    return c->stats_seqno;
}

/* Sums the repairs and gaps of the tc captures of 'iface_id'. */
void
capture_get_gaps(const struct capture *c, const char *iface_id,
                 int64_t *repairs, int64_t *missing_ms)
{
    *repairs = *missing_ms = 0;
    const struct capture_src *src = capture_src_find(c, iface_id);
    for (int d = 0; src && d < 2; d++) {
        if (src->snap[d].valid) {
            *repairs += src->snap[d].n_repairs;
            *missing_ms += src->snap[d].missing_ms;
        }
    }
}

/* Returns the names of the veth pair of the tc capture of (source
 * 'iface_id', 'egress') in '*tc_port' and '*bridge_port' and true, or
 * false if no such tc capture is wanted. */
bool
capture_get_tc_ports(const struct capture *c, const char *iface_id,
                     bool egress, const char **tc_port,
                     const char **bridge_port)
{
    const struct capture_src *src = capture_src_find(c, iface_id);
    enum capture_tc_dir d = dir_of(egress);
    if (!src || !src->wanted[d]) {
        *tc_port = *bridge_port = NULL;
        return false;
    }
    *tc_port = src->tc_port[d];
    *bridge_port = src->bridge_port[d];
    return true;
}

/* Counts the wanted and the active tc captures. */
void
capture_count(const struct capture *c, int *wanted, int *active)
{
    *wanted = *active = 0;
    const struct capture_src *src;
    HMAP_FOR_EACH (src, node, &c->srcs) {
        for (int d = 0; d < 2; d++) {
            *wanted += src->wanted[d];
            *active += (src->wanted[d] && src->snap[d].valid
                        && src->snap[d].state == CAPTURE_TC_ACTIVE);
        }
    }
}

/* Appends the mode, the classifier and capture-tc's lines. */
void
capture_format(const struct capture *c, struct ds *s)
{
    int wanted, active;
    capture_count(c, &wanted, &active);
    ds_put_format(s, "capture: mode %s, hw-offload %s, tc classifier %s\n",
                  capture_mode_name(c->mode), c->hw_offload ? "on" : "off",
                  c->ctc ? capture_tc_get_classifier(c->ctc) : "unused");
    ds_put_format(s, "  tc captures: %d wanted, %d active (no Mirror rows "
                  "needed)\n", wanted, active);
    if (c->ctc) {
        struct ds lines = DS_EMPTY_INITIALIZER;
        capture_tc_format(c->ctc, &lines);
        const char *p = ds_cstr(&lines);
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? nl - p : strlen(p);
            ds_put_format(s, "  %.*s\n", (int) len, p);
            p += len + (nl != NULL);
        }
        ds_destroy(&lines);
    }
}

/* Removes every tc object of tmirror's.  See capture.h. */
int
capture_cleanup(struct capture *c)
{
    int left = capture_tc_cleanup(capture_get_tc(c));
    struct capture_src *src;
    HMAP_FOR_EACH_POP (src, node, &c->srcs) {
        capture_src_free(src);
    }
    return left;
}

/* Registers the Open_vSwitch columns that the choice reads. */
void
capture_register(struct ovsdb_idl *ovs_idl)
{
    ovsdb_idl_add_column(ovs_idl, &ovsrec_open_vswitch_col_other_config);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_interface_col_ifindex);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_interface_col_ingress_policing_rate);
    ovsdb_idl_add_column(ovs_idl,
                         &ovsrec_interface_col_ingress_policing_kpkts_rate);
}
