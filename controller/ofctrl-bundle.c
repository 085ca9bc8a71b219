/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* ofctrl's bundles: the differences between what owners want and what is
 * installed (or what a dump found), sent to the switch as one atomic
 * bundle, and what its commit or refusal means for each owner.  See
 * ofctrl.h; the state is ofctrl.c's (ofctrl-private.h). */

#include <config.h>

#include "controller/ofctrl-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "byte-order.h"
#include "controller/flow-encode.h"
#include "coverage.h"
#include "hash.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "util.h"

COVERAGE_DEFINE(ofctrl_bundle_sent);
COVERAGE_DEFINE(ofctrl_bundle_failed);
COVERAGE_DEFINE(ofctrl_flow_repaired);
COVERAGE_DEFINE(ofctrl_group_repaired);
COVERAGE_DEFINE(ofctrl_error);
COVERAGE_DEFINE(ofctrl_refused);

/* Frees the descriptions of the bundle's messages. */
void
ofctrl_bundle_ops_clear(struct ofctrl *oc)
{
    struct bundle_op *op;
    HMAP_FOR_EACH_POP (op, hmap_node, &oc->bundle_ops) {
        free(op->what);
        if (op->flow) {
            minimatch_destroy(&op->flow->match);
            free(op->flow->ofpacts);
            free(op->flow);
        }
        free(op);
    }
}

/* Returns what 'op' does, for a message: described only when asked for (a
 * refusal, a debug log), since formatting every flow of a bundle would cost
 * more than building it. */
static const char *
bundle_op_what(struct bundle_op *op)
{
    if (!op->what) {
        op->what = (op->flow ? flow_encode_describe(op->verb, op->flow)
                    : xstrdup("?"));
    }
    return op->what;
}

/* The messages of a bundle being built, in the order they must be
 * applied. */
struct bundle_builder {
    struct ovs_list group_adds;     /* Group adds and modifies. */
    struct ovs_list flow_dels;
    struct ovs_list flow_adds;      /* Flow adds and modifies. */
    struct ovs_list group_dels;
    size_t n_flow_mods;
    size_t n_group_mods;
};

/* Initializes 'bb' empty. */
static void
bundle_builder_init(struct bundle_builder *bb)
{
    memset(bb, 0, sizeof *bb);
    ovs_list_init(&bb->group_adds);
    ovs_list_init(&bb->flow_dels);
    ovs_list_init(&bb->flow_adds);
    ovs_list_init(&bb->group_dels);
}

/* Appends 'msg' to 'list', remembering what it does ('what', owned, or NULL
 * with 'verb' and 'flow', copied) and for which owner under its xid. */
static void
bundle_push(struct ofctrl *oc, struct ovs_list *list, struct ofpbuf *msg,
            char *what, const char *verb, const struct tm_flow *flow,
            struct owner *owner)
{
    const struct ofp_header *oh = msg->data;
    struct bundle_op *op = xzalloc(sizeof *op);

    op->xid = oh->xid;
    op->what = what;
    op->verb = verb;
    if (!what && flow) {
        op->flow = xmemdup(flow, sizeof *flow);
        minimatch_clone(&op->flow->match, &flow->match);
        op->flow->ofpacts = xmemdup(flow->ofpacts, flow->ofpacts_len);
    }
    op->owner = owner;
    hmap_insert(&oc->bundle_ops, &op->hmap_node, hash_int(ntohl(op->xid), 0));
    ovs_list_push_back(list, &msg->list_node);
    if (VLOG_IS_DBG_ENABLED()) {
        VLOG_DBG("bundle %"PRIu32": %s", oc->bundle_id + 1,
                 bundle_op_what(op));
    }
}

/* Adds a flow_mod of 'command' for 'f' to 'bb'. */
static void
bundle_flow_mod(struct ofctrl *oc, struct bundle_builder *bb,
                const struct tm_flow *f, uint16_t command,
                struct owner *owner)
{
    const char *verb = (command == OFPFC_ADD ? "add"
                        : command == OFPFC_MODIFY_STRICT ? "modify"
                        : "delete");
    struct ofpbuf *msg = flow_encode_flow_mod(f, command,
                                              ofctrl_protocol(oc));
    bundle_push(oc, command == OFPFC_DELETE_STRICT ? &bb->flow_dels
                : &bb->flow_adds, msg, NULL, verb, f, owner);
    bb->n_flow_mods++;
}

/* Adds a group_mod of 'command' for group 'group_id' with 'spec' to
 * 'bb'. */
static void
bundle_group_mod(struct ofctrl *oc, struct bundle_builder *bb,
                 uint32_t group_id, const char *spec, int command,
                 struct owner *owner)
{
    struct ofpbuf *msg = flow_encode_group_mod(group_id, spec, command,
                                               ofctrl_version(oc));
    if (!msg) {
        return;
    }
    const char *verb = (command == OFPGC11_ADD ? "add"
                        : command == OFPGC11_MODIFY ? "modify" : "delete");
    bundle_push(oc, command == OFPGC11_DELETE ? &bb->group_dels
                : &bb->group_adds, msg,
                xasprintf("%s group_id=%"PRIu32, verb, group_id), NULL, NULL,
                owner);
    bb->n_group_mods++;
}

/* Adds to 'bb' what turns 'old' (NULL: nothing) into 'new' (NULL:
 * nothing), two sets of one owner. */
static void
diff_owner(struct ofctrl *oc, struct bundle_builder *bb, struct owner *o,
           const struct tm_owned *old, const struct tm_owned *new)
{
    struct tm_flow_table empty_table;
    tm_flow_table_init(&empty_table);
    const struct tm_flow_table *a = old ? &old->table : &empty_table;
    const struct tm_flow_table *b = new ? &new->table : &empty_table;
    const struct tm_flow *f, *g;

    HMAP_FOR_EACH (f, hmap_node, &b->flows) {
        g = tm_flow_table_find_flow(a, f);
        if (!g || !tm_flow_same_actions(f, g)) {
            bundle_flow_mod(oc, bb, f, (!g || g->cookie != f->cookie
                                        ? OFPFC_ADD : OFPFC_MODIFY_STRICT),
                            o);
        }
    }
    HMAP_FOR_EACH (g, hmap_node, &a->flows) {
        if (!tm_flow_table_find_flow(b, g)) {
            bundle_flow_mod(oc, bb, g, OFPFC_DELETE_STRICT, o);
        }
    }

    const struct tm_group *x, *y;
    HMAP_FOR_EACH (x, hmap_node, &b->groups) {
        y = tm_flow_table_find_group(a, x->group_id);
        if (!y || strcmp(x->spec, y->spec)) {
            bundle_group_mod(oc, bb, x->group_id, x->spec,
                             y ? OFPGC11_MODIFY : OFPGC11_ADD, o);
        }
    }
    HMAP_FOR_EACH (y, hmap_node, &a->groups) {
        if (!tm_flow_table_find_group(b, y->group_id)) {
            bundle_group_mod(oc, bb, y->group_id, "", OFPGC11_DELETE, o);
        }
    }
    tm_flow_table_destroy(&empty_table);
}

/* Returns the set of 'o' that a dump is compared with: what is installed
 * (an audit) or what is desired (after a reconnection; what is installed
 * if the desired set was refused). */
static const struct tm_owned *
owner_reference_set(const struct owner *o, bool installed)
{
    return (installed || (o->refused && o->refused == o->desired)
            ? o->installed : o->desired);
}

/* Returns the union of the sets of every owner ('installed' or
 * 'desired'), normalised for the connection, for comparing with a dump.
 * Groups are kept in their canonical form. */
static void
normalised_union(const struct ofctrl *oc, bool installed,
                 struct tm_flow_table *out)
{
    enum ofputil_protocol protocol = ofctrl_protocol(oc);
    enum ofp_version version = ofctrl_version(oc);
    const struct owner *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        const struct tm_owned *set = owner_reference_set(o, installed);
        if (!set) {
            continue;
        }
        if (set->as_dumped) {
            tm_flow_table_merge(out, &set->table);
            continue;
        }
        const struct tm_flow *f;
        HMAP_FOR_EACH (f, hmap_node, &set->table.flows) {
            flow_encode_normalise(f, protocol, out);
        }
        const struct tm_group *g;
        HMAP_FOR_EACH (g, hmap_node, &set->table.groups) {
            flow_encode_normalise_group(g->group_id, g->spec, version, out);
        }
    }
}

/* Finds the original (unnormalised) flow with the same key as normalised
 * 'f' among the owners' reference sets, for sending, and its owner. */
static const struct tm_flow *
find_reference_flow(const struct ofctrl *oc, const struct tm_flow *f,
                    bool installed, struct owner **ownerp)
{
    struct owner *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        const struct tm_owned *set = owner_reference_set(o, installed);
        const struct tm_flow *d = set ? tm_flow_table_find_flow(&set->table,
                                                                 f)
                                      : NULL;
        if (d) {
            *ownerp = o;
            return d;
        }
    }
    *ownerp = NULL;
    return NULL;
}

/* Logs and counts a repair. */
static void
log_repair(struct ofctrl *oc, const char *what, const char *how)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 20);

    oc->n_repairs++;
    VLOG_INFO_RL(&rl, "repairing %s: %s", how, what);
}

/* Adds to 'bb' what turns the dumped table into 'want' (normalised);
 * 'repairs' says whether differences are tampering (an audit while in
 * sync) or expected (after a reconnection).  Without 'deletes', what the
 * dump holds and 'want' does not is left alone (after a reconnection, when
 * a refused owner may own it). */
static void
diff_dump(struct ofctrl *oc, struct bundle_builder *bb,
          const struct tm_flow_table *want, bool repairs, bool deletes)
{
    const struct tm_flow *d, *i;
    HMAP_FOR_EACH (d, hmap_node, &want->flows) {
        i = tm_flow_table_find_flow(&oc->dumped, d);
        if (i && tm_flow_same_actions(d, i)) {
            continue;
        }
        struct owner *owner;
        const struct tm_flow *orig = find_reference_flow(oc, d, repairs,
                                                         &owner);
        if (repairs) {
            char *what = flow_encode_describe(i ? "changed" : "missing", d);
            COVERAGE_INC(ofctrl_flow_repaired);
            log_repair(oc, what, "flow");
            free(what);
        }
        bundle_flow_mod(oc, bb, orig ? orig : d,
                        (!i || i->cookie != d->cookie
                         ? OFPFC_ADD : OFPFC_MODIFY_STRICT), owner);
    }
    HMAP_FOR_EACH (i, hmap_node, &oc->dumped.flows) {
        if (deletes && !tm_flow_table_find_flow(want, i)) {
            if (repairs) {
                char *what = flow_encode_describe("unexpected", i);
                COVERAGE_INC(ofctrl_flow_repaired);
                log_repair(oc, what, "flow");
                free(what);
            }
            bundle_flow_mod(oc, bb, i, OFPFC_DELETE_STRICT, NULL);
        }
    }

    const struct tm_group *dg, *ig;
    HMAP_FOR_EACH (dg, hmap_node, &want->groups) {
        ig = tm_flow_table_find_group(&oc->dumped, dg->group_id);
        if (ig && !strcmp(ig->spec, dg->spec)) {
            continue;
        }
        if (repairs) {
            char *what = xasprintf("group_id=%"PRIu32" %s", dg->group_id,
                                   ig ? "changed" : "missing");
            COVERAGE_INC(ofctrl_group_repaired);
            log_repair(oc, what, "group");
            free(what);
        }
        /* The spec to send is the owner's, not the canonical form. */
        const struct owner *o;
        HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
            const struct tm_owned *set = owner_reference_set(o, repairs);
            const struct tm_group *g = (set ? tm_flow_table_find_group(
                                            &set->table, dg->group_id)
                                        : NULL);
            if (g) {
                bundle_group_mod(oc, bb, g->group_id, g->spec,
                                 ig ? OFPGC11_MODIFY : OFPGC11_ADD,
                                 CONST_CAST(struct owner *, o));
                break;
            }
        }
    }
    HMAP_FOR_EACH (ig, hmap_node, &oc->dumped.groups) {
        if (deletes && !tm_flow_table_find_group(want, ig->group_id)) {
            bundle_group_mod(oc, bb, ig->group_id, "", OFPGC11_DELETE, NULL);
        }
    }
}

/* After a reconnection, gives what the dump holds and 'want' does not to
 * the refused owners (by the session in the cookie, else the first one), as
 * what they have installed: it may be theirs, so it is neither deleted now
 * nor counted as tampering later, and it is replaced once they want
 * something the switch accepts. */
static void
adopt_unclaimed(struct ofctrl *oc, const struct tm_flow_table *want)
{
    struct owner *first = NULL, *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        if (o->refused && !o->installed) {
            o->installed = tm_owned_create(&o->key, o->session_key);
            o->installed->as_dumped = true;
            if (!first) {
                first = o;
            }
        }
    }
    if (!first) {
        return;
    }
    const struct tm_flow *f;
    HMAP_FOR_EACH (f, hmap_node, &oc->dumped.flows) {
        if (tm_flow_table_find_flow(want, f)) {
            continue;
        }
        struct owner *to = first;
        uint32_t key = tm_cookie_get_session(f->cookie);
        HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
            if (o->refused && o->session_key == key && o->installed) {
                to = o;
                break;
            }
        }
        struct match match;
        minimatch_expand(&f->match, &match);
        tm_flow_table_add(&to->installed->table, f->table_id, f->priority,
                          f->cookie, &match, f->ofpacts, f->ofpacts_len);
    }
    const struct tm_group *g;
    HMAP_FOR_EACH (g, hmap_node, &oc->dumped.groups) {
        if (!tm_flow_table_find_group(want, g->group_id)) {
            tm_flow_table_add_group(&first->installed->table, g->group_id,
                                    g->spec);
        }
    }
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        if (o->refused && o->installed) {
            tm_owned_seal(o->installed);
        }
    }
}

/* True if some owner's desired set was refused. */
static bool
any_refused(const struct ofctrl *oc)
{
    const struct owner *o;
    HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
        if (o->refused) {
            return true;
        }
    }
    return false;
}

/* Adds to 'bb' the removal of every flow and group tmirror owns. */
static void
diff_cleanup(struct ofctrl *oc, struct bundle_builder *bb)
{
    if (hmap_count(&oc->dumped.flows)) {
        struct ofputil_flow_mod fm = {
            .cookie = htonll(TM_COOKIE_MAGIC),
            .cookie_mask = htonll(TM_COOKIE_MAGIC_MASK),
            .new_cookie = OVS_BE64_MAX,
            .table_id = OFPTT_ALL,
            .command = OFPFC_DELETE,
            .buffer_id = UINT32_MAX,
            .out_port = OFPP_ANY,
            .out_group = OFPG_ANY,
        };
        struct match match;

        match_init_catchall(&match);
        minimatch_init(&fm.match, &match);
        struct ofpbuf *msg = ofputil_encode_flow_mod(&fm,
                                                     ofctrl_protocol(oc));
        minimatch_destroy(&fm.match);
        bundle_push(oc, &bb->flow_dels, msg,
                    xstrdup("delete all flows with tmirror's cookie"), NULL,
                    NULL, NULL);
        bb->n_flow_mods++;
    }

    const struct tm_group *g;
    HMAP_FOR_EACH (g, hmap_node, &oc->dumped.groups) {
        bundle_group_mod(oc, bb, g->group_id, "", OFPGC11_DELETE, NULL);
    }
}

/* Sends the messages in 'list' as bundle additions. */
static void
bundle_send_list(struct ofctrl *oc, struct ovs_list *list, uint16_t flags)
{
    struct ofpbuf *msg;

    LIST_FOR_EACH_POP (msg, list_node, list) {
        struct ofputil_bundle_add_msg bam = {
            .bundle_id = oc->bundle_id,
            .flags = flags,
            .msg = msg->data,
        };
        ofpmsg_update_length(msg);
        ofctrl_send(oc, ofputil_encode_bundle_add(ofctrl_version(oc), &bam));
        ofpbuf_delete(msg);
    }
}

/* Sends a bundle control message of 'type' for the current bundle. */
static ovs_be32
bundle_send_ctrl(struct ofctrl *oc, uint16_t type)
{
    struct ofputil_bundle_ctrl_msg bc = {
        .bundle_id = oc->bundle_id,
        .type = type,
        .flags = OFPBF_ATOMIC | OFPBF_ORDERED,
    };
    return ofctrl_send(oc, ofputil_encode_bundle_ctrl_request(
                           ofctrl_version(oc), &bc));
}

/* Opens a bundle with the messages in 'bb' followed by a barrier.  The
 * commit is sent only when the barrier shows that every message was
 * accepted. */
static void
bundle_send(struct ofctrl *oc, struct bundle_builder *bb)
{
    uint16_t flags = OFPBF_ATOMIC | OFPBF_ORDERED;

    oc->bundle_id++;
    oc->bundle_errors = 0;
    bundle_send_ctrl(oc, OFPBCT_OPEN_REQUEST);
    bundle_send_list(oc, &bb->group_adds, flags);
    bundle_send_list(oc, &bb->flow_dels, flags);
    bundle_send_list(oc, &bb->flow_adds, flags);
    bundle_send_list(oc, &bb->group_dels, flags);
    oc->barrier_xid = ofctrl_send(
        oc, ofputil_encode_barrier_request(ofctrl_version(oc)));
    oc->state = S_ADDING;

    oc->bundle_n_mods = bb->n_flow_mods - oc->bundle_nudge + bb->n_group_mods;
    if (!oc->bundle_only_nudge) {
        oc->n_bundles++;            /* A nudge alone programs nothing. */
    }
    oc->n_flow_mods += bb->n_flow_mods - oc->bundle_nudge;
    oc->n_group_mods += bb->n_group_mods;
    COVERAGE_INC(ofctrl_bundle_sent);
    VLOG_DBG("bundle %"PRIu32": %"PRIuSIZE" flow mods, %"PRIuSIZE
             " group mods", oc->bundle_id, bb->n_flow_mods, bb->n_group_mods);
}

/* Returns a flow of what 'o' has installed that the bundle being built
 * leaves alone, or NULL: any of them if 'o' is not pending, else one that
 * its desired set keeps with the same cookie and actions.  (A flow that the
 * bundle changes must not be the nudge: modified back "to itself" after
 * the change, it would undo it.) */
static const struct tm_flow *
nudge_candidate(const struct owner *o)
{
    if (!o->installed) {
        return NULL;
    }
    bool pending = ofctrl_owner_is_pending(o);
    const struct tm_flow *f;
    HMAP_FOR_EACH (f, hmap_node, &o->installed->table.flows) {
        const struct tm_flow *d = (pending && o->desired
                                   ? tm_flow_table_find_flow(
                                         &o->desired->table, f)
                                   : NULL);
        if (!pending || (d && tm_flow_same_actions(d, f))) {
            return f;
        }
    }
    return NULL;
}

/* Adds the revalidation nudge to 'bb': an installed flow that the bundle
 * does not otherwise touch, modified to itself (the default drop if it
 * qualifies, else any such flow).  Returns false if there is none. */
static bool
bundle_add_nudge(struct ofctrl *oc, struct bundle_builder *bb)
{
    struct tm_owner_key infra = tm_owner_key(TM_OWNER_INFRA, NULL, NULL,
                                             false, 0);
    const struct owner *o = ofctrl_owner_find(oc, &infra);
    const struct tm_flow *nudge = o ? nudge_candidate(o) : NULL;
    if (!nudge) {
        HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
            nudge = nudge_candidate(o);
            if (nudge) {
                break;
            }
        }
    }
    if (nudge) {
        bundle_flow_mod(oc, bb, nudge, OFPFC_MODIFY_STRICT, NULL);
    }
    return nudge != NULL;
}

/* Marks 'o' as in the bundle in flight, with the set it carries: its
 * desired set, or what is installed if that set was refused. */
static void
bundle_mark_owner(struct ofctrl *oc, struct owner *o)
{
    o->in_bundle = true;
    hmapx_add(&oc->in_bundle, o);
    tm_owned_unref(o->sent);
    o->sent = (o->refused && o->refused == o->desired
               ? (o->installed ? tm_owned_ref(o->installed) : NULL)
               : (o->desired ? tm_owned_ref(o->desired) : NULL));
}

/* Marks the owners that the bundle in flight was built for (see
 * bundle_mark_owner()). */
static void
bundle_mark_owners(struct ofctrl *oc, bool full)
{
    struct owner *o;
    if (full) {
        HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
            bundle_mark_owner(oc, o);
        }
    } else {
        struct hmapx_node *node;
        HMAPX_FOR_EACH (node, &oc->pending) {
            bundle_mark_owner(oc, node->data);
        }
    }
}

/* Takes every owner out of the bundle in flight, forgetting what it was
 * sent, and settles it. */
static void
bundle_release_owners(struct ofctrl *oc)
{
    struct hmapx owners = HMAPX_INITIALIZER(&owners);
    hmapx_swap(&owners, &oc->in_bundle);
    struct hmapx_node *node;
    HMAPX_FOR_EACH (node, &owners) {
        struct owner *o = node->data;
        o->in_bundle = false;
        tm_owned_unref(o->sent);
        o->sent = NULL;
        ofctrl_owner_settle(oc, o);        /* May free 'o'. */
    }
    hmapx_destroy(&owners);
}

/* Builds and sends a bundle for the pending owners.  Returns false if
 * there was nothing to send. */
bool
ofctrl_send_pending(struct ofctrl *oc)
{
    struct bundle_builder bb;
    bundle_builder_init(&bb);
    ofctrl_bundle_ops_clear(oc);

    struct hmapx_node *node;
    HMAPX_FOR_EACH (node, &oc->pending) {
        struct owner *o = node->data;
        diff_owner(oc, &bb, o, o->installed, o->desired);
    }
    bool nudge = oc->nudge_requested && bundle_add_nudge(oc, &bb);
    if (!bb.n_flow_mods && !bb.n_group_mods) {
        /* The pending owners differ only in form. */
        struct hmapx pending = HMAPX_INITIALIZER(&pending);
        hmapx_clone(&pending, &oc->pending);
        HMAPX_FOR_EACH (node, &pending) {
            struct owner *o = node->data;
            tm_owned_unref(o->installed);
            o->installed = o->desired ? tm_owned_ref(o->desired) : NULL;
            ofctrl_owner_settle(oc, o);    /* May free 'o'. */
        }
        hmapx_destroy(&pending);
        if (!oc->n_pending) {
            oc->installed_cfg = oc->desired_cfg;
        }
        oc->change_seqno++;
        return false;
    }
    bundle_mark_owners(oc, false);
    oc->bundle_is_full = false;
    oc->bundle_nudge = nudge;
    oc->bundle_only_nudge = nudge && bb.n_flow_mods == 1 && !bb.n_group_mods;
    oc->nudge_requested &= !nudge;
    oc->bundle_seqno = oc->desired_seqno;
    oc->bundle_cfg = oc->desired_cfg;
    bundle_send(oc, &bb);
    return true;
}

/* Compares a complete dump with what should be there and sends the
 * difference. */
void
ofctrl_dump_complete(struct ofctrl *oc)
{
    oc->n_dumps++;
    oc->state = S_IDLE;
    if (oc->dump_failed) {
        return;
    }
    oc->n_dumped_flows = hmap_count(&oc->dumped.flows);
    oc->n_dumped_groups = hmap_count(&oc->dumped.groups);

    struct bundle_builder bb;
    bundle_builder_init(&bb);
    ofctrl_bundle_ops_clear(oc);
    bool repairs = oc->installed_known;
    if (oc->cleanup) {
        diff_cleanup(oc, &bb);
    } else {
        /* After a reconnection the switch should end up with what is
         * desired; in an audit, with what is installed (pending changes
         * follow in their own bundle). */
        struct tm_flow_table want;
        tm_flow_table_init(&want);
        normalised_union(oc, repairs, &want);
        bool refused = !repairs && any_refused(oc);
        if (refused) {
            adopt_unclaimed(oc, &want);
        }
        diff_dump(oc, &bb, &want, repairs, !refused);
        tm_flow_table_destroy(&want);
    }
    tm_flow_table_clear(&oc->dumped);

    if (!bb.n_flow_mods && !bb.n_group_mods) {
        if (!oc->cleanup && !repairs) {
            bundle_mark_owners(oc, true);
            oc->bundle_seqno = oc->desired_seqno;
            oc->bundle_cfg = oc->desired_cfg;
            oc->bundle_is_full = true;
            oc->bundle_nudge = false;
            oc->bundle_only_nudge = false;
            oc->bundle_n_mods = 0;
            /* Nothing to send: as if committed. */
            oc->state = S_COMMITTING;
            oc->bundle_errors = 0;
            ofctrl_bundle_committed(oc);
        } else if (oc->cleanup) {
            oc->installed_known = true;
        }
        return;
    }
    if (!oc->cleanup && !repairs) {
        bundle_mark_owners(oc, true);
    }
    oc->bundle_is_full = !repairs && !oc->cleanup;
    oc->bundle_nudge = false;
    oc->bundle_only_nudge = false;
    oc->bundle_seqno = oc->desired_seqno;
    oc->bundle_cfg = oc->desired_cfg;
    bundle_send(oc, &bb);
}

/* Called when the barrier after the bundle's messages returns: commits the
 * bundle if the switch accepted every message, otherwise discards it and
 * sets aside the owners whose messages were refused. */
void
ofctrl_bundle_added(struct ofctrl *oc)
{
    if (!oc->bundle_errors) {
        bundle_send_ctrl(oc, OFPBCT_COMMIT_REQUEST);
        oc->barrier_xid = ofctrl_send(
            oc, ofputil_encode_barrier_request(ofctrl_version(oc)));
        oc->state = S_COMMITTING;
        return;
    }

    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    VLOG_WARN_RL(&rl, "bundle %"PRIu32": %"PRIuSIZE" message(s) refused, "
                 "discarded (the switch is unchanged)", oc->bundle_id,
                 oc->bundle_errors);
    bundle_send_ctrl(oc, OFPBCT_DISCARD_REQUEST);
    oc->nudge_requested |= oc->bundle_nudge;
    oc->n_bundles_failed++;
    COVERAGE_INC(ofctrl_bundle_failed);

    bundle_release_owners(oc);
    ofctrl_bundle_ops_clear(oc);
    oc->state = S_IDLE;
    oc->change_seqno++;
}

/* Called when the barrier after the commit returns: what the bundle carried
 * is installed. */
void
ofctrl_bundle_committed(struct ofctrl *oc)
{
    struct owner *o, *next;
    int64_t old_installed_cfg = oc->installed_cfg;
    if (oc->bundle_errors) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_WARN_RL(&rl, "bundle %"PRIu32": commit failed (the switch is "
                     "unchanged); retrying", oc->bundle_id);
        oc->nudge_requested |= oc->bundle_nudge;
        oc->n_bundles_failed++;
        COVERAGE_INC(ofctrl_bundle_failed);
    } else if (oc->cleanup) {
        HMAP_FOR_EACH (o, hmap_node, &oc->owners) {
            tm_owned_unref(o->installed);
            o->installed = NULL;
        }
        oc->installed_known = true;
    } else {
        struct hmapx_node *node;
        HMAPX_FOR_EACH (node, &oc->in_bundle) {
            o = node->data;
            tm_owned_unref(o->installed);
            o->installed = o->sent;
            o->sent = NULL;
        }
        if (oc->bundle_is_full) {
            oc->installed_known = true;
        }
        if (oc->bundle_nudge) {
            oc->n_nudges++;
        }
        if (oc->bundle_n_mods) {
            oc->mods_seqno++;
        }
    }
    if (oc->cleanup) {
        HMAP_FOR_EACH_SAFE (o, next, hmap_node, &oc->owners) {
            ofctrl_owner_settle(oc, o);
        }
    }
    bundle_release_owners(oc);
    if (!oc->bundle_errors && oc->installed_known && !oc->n_pending) {
        /* Everything desired is installed, but for refused owners, whose
         * sessions report it. */
        oc->installed_cfg = oc->desired_cfg;
    }
    ofctrl_bundle_ops_clear(oc);
    oc->state = S_IDLE;
    if (oc->bundle_errors || !oc->bundle_only_nudge
        || oc->installed_cfg != old_installed_cfg) {
        /* A nudge alone changes nothing that anyone follows: counting it
         * as a change would make the revalidation it serves ask for
         * another. */
        oc->change_seqno++;
    }
}

/* Records the switch's error 'name' for the owner of bundle message
 * 'xid'. */
static void
bundle_refuse(struct ofctrl *oc, ovs_be32 xid, const char *name)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 20);
    struct bundle_op *op;
    HMAP_FOR_EACH_WITH_HASH (op, hmap_node, hash_int(ntohl(xid), 0),
                             &oc->bundle_ops) {
        if (op->xid != xid) {
            continue;
        }
        VLOG_WARN_RL(&rl, "bundle %"PRIu32": %s: %s", oc->bundle_id, name,
                     bundle_op_what(op));
        struct owner *o = op->owner;
        if (o && o->in_bundle && o->sent && o->sent == o->desired
            && !o->refused) {
            COVERAGE_INC(ofctrl_refused);
            o->refused = tm_owned_ref(o->desired);
            o->refusal = xasprintf("the switch refused a flow (%s): %s",
                                   name, bundle_op_what(op));
            if (o->session_key) {
                struct session *s = ofctrl_session_get(oc, o->session_key);
                s->n_refused++;
                s->refusal = o->refusal;
            }
        }
        return;
    }
    VLOG_WARN_RL(&rl, "bundle %"PRIu32": %s: bundle control", oc->bundle_id,
                 name);
}

/* Handles an OpenFlow error reply. */
void
ofctrl_handle_error(struct ofctrl *oc, const struct ofp_header *oh)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 20);
    enum ofperr error = ofperr_decode_msg(oh, NULL);
    const char *name = error ? ofperr_get_name(error) : "unknown error";

    oc->n_errors++;
    COVERAGE_INC(ofctrl_error);
    if (oc->state == S_DUMPING
        && (oh->xid == oc->flow_xid || oh->xid == oc->group_xid)) {
        VLOG_WARN_RL(&rl, "dump request refused: %s", name);
        oc->dump_failed = true;
        if (oh->xid == oc->flow_xid) {
            oc->flows_done = true;
        } else {
            oc->groups_done = true;
        }
    } else if (oc->state == S_ADDING || oc->state == S_COMMITTING) {
        oc->bundle_errors++;
        bundle_refuse(oc, oh->xid, name);
    } else {
        VLOG_WARN_RL(&rl, "unexpected OpenFlow error: %s", name);
    }
}
