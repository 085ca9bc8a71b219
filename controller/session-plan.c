/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/session-plan.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ovs-index.h"
#include "controller/pipeline.h"
#include "openflow/openflow.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "ovsdb-idl-provider.h"
#include "packets.h"
#include "smap.h"
#include "tmirror-idl.h"
#include "tmirror/intent-rows.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(session_plan);

/* Returns the name of 'state' as Session_Status.state spells it. */
const char *
plan_state_to_string(enum plan_state state)
{
    switch (state) {
    case PLAN_ACTIVE: return "active";
    case PLAN_PENDING: return "pending";
    case PLAN_ERROR: return "error";
    }
    return "error";
}

/* Sets the state and message of 'sp', taking ownership of 'message'. */
static void
sp_set(struct session_plan *sp, enum plan_state state, char *message)
{
    free(sp->message);
    sp->state = state;
    sp->message = message ? message : xstrdup("");
}

/* Copies the UUID that column 'column' of 'row' references into '*uuid'
 * (zero if none), whether or not the referenced row is in the IDL. */
static void
get_ref_uuid(const struct ovsdb_idl_row *row,
             const struct ovsdb_idl_column *column, struct uuid *uuid)
{
    const struct ovsdb_datum *d = ovsdb_idl_read(row, column);
    *uuid = d && d->n ? d->keys[0].uuid : UUID_ZERO;
}

/* Takes the session's rules from the rule set of its filter (rule-set.h):
 * an invalid rule, or a rule number used twice in a direction, puts the
 * session in error. */
static bool
sp_collect_rules(const struct plan_context *ctx, struct session_plan *sp,
                 const struct tmrec_filter *filter)
{
    struct rule_set *set = rule_set_get(ctx->rule_sets, filter);
    if (set->error) {
        sp_set(sp, PLAN_ERROR, xstrdup(set->error));
        rule_set_unref(set);
        return false;
    }
    sp->rule_set = set;
    sp->rules = set->rules;
    sp->n_rules = set->n_rules;
    sp->wants_egress = set->wants_egress;
    sp->wants_ingress = set->wants_ingress;
    return true;
}

/* Validates the session's own values and its target.  Returns false (and
 * sets the state) if the session cannot be mirrored anywhere. */
static bool
sp_check_session(struct session_plan *sp, const struct tmrec_session *row)
{
    if (!row->enabled) {
        sp_set(sp, PLAN_PENDING, xstrdup("session is disabled"));
        return false;
    }
    if (!row->target || !row->filter) {
        sp_set(sp, PLAN_PENDING,
               xasprintf("waiting for the database: the session's %s is "
                         "not loaded yet", row->target ? "filter"
                         : "target"));
        return false;
    }
    /* tm_intent_check_session_deep() without the rules, which
     * sp_collect_rules() checks once per filter. */
    char *error = tm_session_row_check(row);
    if (!error) {
        error = tm_target_row_check(row->target);
    }
    if (!error) {
        error = tm_filter_row_check(row->filter);
    }
    if (error) {
        sp_set(sp, PLAN_ERROR, error);
        return false;
    }
    return true;
}

/* Copies 'n' strings into a new array. */
static char **
copy_strings(char *const *strings, size_t n)
{
    char **copy = xcalloc(n ? n : 1, sizeof *copy);
    for (size_t i = 0; i < n; i++) {
        copy[i] = xstrdup(strings[i]);
    }
    return copy;
}

/* Sets 'sp''s delivery to the ip target 'target'. */
static void
sp_set_ip_delivery(struct session_plan *sp, const struct tmrec_target *t)
{
    sp->delivery = PLAN_DELIVER_TUNNEL;
    sp->encap = xstrdup(tm_target_encap(t->encap));
    sp->erspan_ver = smap_get_int(&t->options, "erspan_ver", 1);
    int dst_port = smap_get_int(&t->options, "dst_port", 0);
    if ((!strcmp(sp->encap, "vxlan") && dst_port == TM_VXLAN_DEFAULT_PORT)
        || (!strcmp(sp->encap, "geneve")
            && dst_port == TM_GENEVE_DEFAULT_PORT)) {
        dst_port = 0;
    }
    sp->dst_port = dst_port;
    sp->addresses = copy_strings(t->addresses, t->n_addresses);
    sp->n_addresses = t->n_addresses;
}

/* Returns the name of the chassis other than this one that has a Binding
 * row for 'port' (the lowest name when several do), or NULL. */
static const char *
sp_find_binding(const struct plan_context *ctx, const char *port)
{
    struct tmrec_binding *target
        = tmrec_binding_index_init_row(ctx->binding_by_port);
    tmrec_binding_index_set_port(target, port);
    const struct tmrec_binding *b;
    const char *best = NULL;
    size_t n = 0;
    TMREC_BINDING_FOR_EACH_EQUAL (b, target, ctx->binding_by_port) {
        if (strcmp(b->chassis_name, ctx->chassis_name)) {
            n++;
            if (!best || strcmp(b->chassis_name, best) < 0) {
                best = b->chassis_name;
            }
        }
    }
    tmrec_binding_index_destroy_row(target);
    if (n > 1) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_WARN_RL(&rl, "port %s is bound on %"PRIuSIZE" chassis; using "
                     "%s (the lowest name)", port, n, best);
    }
    return best;
}

/* Returns the Chassis row named 'name', or NULL. */
static const struct tmrec_chassis *
sp_find_chassis(const struct plan_context *ctx, const char *name)
{
    struct tmrec_chassis *target
        = tmrec_chassis_index_init_row(ctx->chassis_by_name);
    tmrec_chassis_index_set_name(target, name);
    const struct tmrec_chassis *ch
        = tmrec_chassis_index_find(ctx->chassis_by_name, target);
    tmrec_chassis_index_destroy_row(target);
    return ch;
}

/* True if 's' is an IPv4 or IPv6 address. */
static bool
sp_is_ip(const char *s)
{
    ovs_be32 ip4;
    struct in6_addr ip6;
    return ip_parse(s, &ip4) || ipv6_parse(s, &ip6);
}

/* Finds the chassis that hosts the appliance of a port target whose source
 * is here and whose appliance is not, and checks that copies can be sent
 * there.  Returns NULL (and fills the delivery) or an error message. */
static char *
sp_find_remote_target(const struct plan_context *ctx,
                      struct session_plan *sp, const struct tmrec_target *t)
{
    const char *name = sp_find_binding(ctx, t->port);
    if (!name) {
        return xasprintf("target %s: appliance port %s is not on this "
                         "chassis's mirror bridge %s nor on any other "
                         "chassis (no Binding row)", t->name, t->port,
                         ctx->bridge);
    }
    const struct tmrec_chassis *ch = sp_find_chassis(ctx, name);
    if (!ch) {
        return xasprintf("target %s: appliance port %s is bound to chassis "
                         "%s, which has no Chassis row", t->name, t->port,
                         name);
    }
    if (!ch->encap_ip || !ch->encap_ip[0]) {
        return xasprintf("target %s: appliance port %s is on chassis %s, "
                         "but chassis %s has no encap ip (set "
                         "external_ids:tmirror-encap-ip)", t->name, t->port,
                         name, name);
    }
    if (!sp_is_ip(ch->encap_ip)) {
        return xasprintf("chassis %s: encap_ip \"%s\" is not an IP address",
                         name, ch->encap_ip);
    }
    const char *az = ch->availability_zone ? ch->availability_zone : "";
    if (az[0] && ctx->availability_zone[0]
        && strcmp(az, ctx->availability_zone) && !ctx->allow_cross_zone) {
        return xasprintf("target %s: appliance port %s is on chassis %s in "
                         "availability zone %s, but the source is in "
                         "availability zone %s (set TM_Global "
                         "options:allow_cross_zone=true to allow)", t->name,
                         t->port, name, az, ctx->availability_zone);
    }
    sp->delivery = PLAN_DELIVER_TUNNEL;
    sp->encap = xstrdup("geneve");
    sp->addresses = copy_strings((char *const *) &ch->encap_ip, 1);
    sp->n_addresses = 1;
    sp->remote_chassis = xstrdup(name);
    return NULL;
}

/* Decides this chassis's role in 'sp', a valid session, and its
 * delivery. */
static void
sp_decide_role(const struct plan_context *ctx, struct session_plan *sp,
               const struct tmrec_session *row, bool source_here,
               bool appliance_here)
{
    const struct tmrec_target *t = row->target;
    bool is_port = !strcmp(t->type, "port");

    if (source_here) {
        sp->role = PLAN_ROLE_SOURCE;
        if (!is_port) {
            sp_set_ip_delivery(sp, t);
        } else if (appliance_here) {
            sp->delivery = PLAN_DELIVER_APPLIANCE;
        } else {
            char *error = sp_find_remote_target(ctx, sp, t);
            if (error) {
                sp_set(sp, PLAN_ERROR, error);
            }
        }
    } else if (appliance_here && is_port) {
        sp->role = PLAN_ROLE_DECAP;
        sp->delivery = PLAN_DELIVER_APPLIANCE;
        const char *from = sp_find_binding(ctx, sp->source);
        sp->remote_chassis = nullable_xstrdup(from);
    }
}

/* Appends 'kind' and 'uuid' to the 'n'-element array '*refs'. */
static void
missing_add(struct plan_missing_ref **refs, size_t *n, char kind,
            const struct uuid *uuid)
{
    *refs = xrealloc(*refs, (*n + 1) * sizeof **refs);
    (*refs)[(*n)++] = (struct plan_missing_ref) { kind, *uuid };
}

/* True if 'uuid' is one of the parsed (held) rules of 'f'. */
static bool
filter_holds_rule(const struct tmrec_filter *f, const struct uuid *uuid)
{
    for (size_t i = 0; i < f->n_rules; i++) {
        if (uuid_equals(&f->rules[i]->header_.uuid, uuid)) {
            return true;
        }
    }
    return false;
}

/* Finds the rows that Session 'row' needs and that the IDL does not hold.
 * See session-plan.h. */
size_t
session_plan_missing_refs(const struct tmrec_session *row,
                          struct plan_missing_ref **refs)
{
    size_t n = 0;
    *refs = NULL;

    struct uuid uuid;
    get_ref_uuid(&row->header_, &tmrec_session_col_filter, &uuid);
    if (!row->filter && !uuid_is_zero(&uuid)) {
        missing_add(refs, &n, 'f', &uuid);
    }
    get_ref_uuid(&row->header_, &tmrec_session_col_target, &uuid);
    if (!row->target && !uuid_is_zero(&uuid)) {
        missing_add(refs, &n, 't', &uuid);
    }
    /* The IDL leaves a referenced row that it does not hold out of the
     * parsed column (it keeps an "orphan" placeholder), so the parsed rules
     * are those held and the raw datum has them all. */
    const struct tmrec_filter *f = row->filter;
    const struct ovsdb_datum *d = (f ? ovsdb_idl_read(&f->header_,
                                                      &tmrec_filter_col_rules)
                                   : NULL);
    for (size_t i = 0; d && d->n != f->n_rules && i < d->n; i++) {
        if (!filter_holds_rule(f, &d->keys[i].uuid)) {
            missing_add(refs, &n, 'r', &d->keys[i].uuid);
        }
    }
    return n;
}

/* Returns the Session row with 'uuid' that the IDL holds, or NULL: also
 * for a row whose deletion is being tracked, and for the placeholder the
 * IDL keeps for a row that left the monitor's condition but is still
 * referenced (by this chassis's Session_Status row), which has no columns
 * to read. */
const struct tmrec_session *
session_plan_get_row(const struct ovsdb_idl *idl, const struct uuid *uuid)
{
    const struct tmrec_session *row = tmrec_session_get_for_uuid(idl, uuid);
    return (row && !tmrec_session_is_deleted(row) && row->header_.new_datum
            ? row : NULL);
}

/* Plans Session 'row'.  See session-plan.h. */
void
session_plan_build(const struct plan_context *ctx,
                   const struct tmrec_session *row, struct session_plan *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->uuid = row->header_.uuid;
    sp->key = tm_session_key(&sp->uuid);
    sp->name = xstrdup(row->name);
    sp->source = xstrdup(row->source);
    sp->number = row->session_number;
    sp->enabled = row->enabled;
    sp->independent = row->independent;
    sp->vni = row->vni;
    sp->packet_length = row->n_packet_length ? row->packet_length[0] : 0;
    get_ref_uuid(&row->header_, &tmrec_session_col_filter, &sp->filter_uuid);
    get_ref_uuid(&row->header_, &tmrec_session_col_target, &sp->target_uuid);
    sp->message = xstrdup("");
    sp->state = PLAN_ACTIVE;

    /* The role first: a session that does not concern this chassis is
     * "not here" whatever else is wrong with it. */
    bool source_here = ovs_index_find_source(ctx->ovs, sp->source) != NULL;
    bool appliance_here = (row->target && !strcmp(row->target->type, "port")
                           && row->target->port
                           && ovs_index_find_appliance(ctx->ovs,
                                                       row->target->port)
                              != OFPP_NONE);
    if (!source_here
        && ovs_index_find_appliance(ctx->ovs, sp->source) != OFPP_NONE) {
        /* Reported, not ignored: the port is here, and without a status
         * the session would look as if its source were on no chassis. */
        sp->role = PLAN_ROLE_SOURCE;
        sp_set(sp, PLAN_ERROR, xasprintf("source port %s is on the mirror "
                                         "bridge %s, which only delivers "
                                         "copies: a port there cannot be a "
                                         "source", sp->source, ctx->bridge));
        return;
    }
    if (!source_here && !appliance_here) {
        sp->role = PLAN_ROLE_NONE;
        sp_set(sp, PLAN_PENDING, xasprintf("source port %s is not on this "
                                           "chassis", sp->source));
        return;
    }
    sp->role = source_here ? PLAN_ROLE_SOURCE : PLAN_ROLE_DECAP;
    if (row->target) {
        sp->target_name = xstrdup(row->target->name);
        sp->appliance = nullable_xstrdup(row->target->port);
    }
    if (row->filter) {
        sp->filter_name = xstrdup(row->filter->name);
    }
    if (!sp_check_session(sp, row)
        || !sp_collect_rules(ctx, sp, row->filter)) {
        return;
    }
    sp_decide_role(ctx, sp, row, source_here, appliance_here);
}

/* Frees what 'sp' owns. */
void
session_plan_destroy(struct session_plan *sp)
{
    free(sp->name);
    free(sp->source);
    free(sp->message);
    rule_set_unref(sp->rule_set);
    free(sp->target_name);
    free(sp->filter_name);
    free(sp->appliance);
    free(sp->encap);
    for (size_t i = 0; i < sp->n_addresses; i++) {
        free(sp->addresses[i]);
    }
    free(sp->addresses);
    free(sp->remote_chassis);
    memset(sp, 0, sizeof *sp);
}

/* True if two string arrays hold the same strings. */
static bool
strings_equal(char *const *a, size_t n_a, char *const *b, size_t n_b)
{
    if (n_a != n_b) {
        return false;
    }
    for (size_t i = 0; i < n_a; i++) {
        if (strcmp(a[i], b[i])) {
            return false;
        }
    }
    return true;
}

/* True if 'a' and 'b' differ beyond their rules and message. */
bool
session_plan_differs_beyond_rules(const struct session_plan *a,
                                  const struct session_plan *b)
{
    return !(uuid_equals(&a->uuid, &b->uuid)
             && !strcmp(a->source, b->source)
             && a->number == b->number && a->enabled == b->enabled
             && a->independent == b->independent
             && a->role == b->role && a->state == b->state
             && a->wants_egress == b->wants_egress
             && a->wants_ingress == b->wants_ingress
             && a->delivery == b->delivery
             && nullable_string_is_equal(a->target_name, b->target_name)
             && nullable_string_is_equal(a->filter_name, b->filter_name)
             && nullable_string_is_equal(a->appliance, b->appliance)
             && nullable_string_is_equal(a->encap, b->encap)
             && a->erspan_ver == b->erspan_ver && a->dst_port == b->dst_port
             && strings_equal(a->addresses, a->n_addresses, b->addresses,
                              b->n_addresses)
             && nullable_string_is_equal(a->remote_chassis,
                                         b->remote_chassis)
             && a->vni == b->vni && a->packet_length == b->packet_length
             && !strcmp(a->name, b->name));
}

/* Returns the rule with 'uuid', or NULL. */
const struct plan_rule *
session_plan_find_rule(const struct session_plan *sp, const struct uuid *uuid)
{
    return sp->rule_set ? rule_set_find(sp->rule_set, uuid) : NULL;
}

/* True if rule 'i' of 'a' is in 'b' unchanged. */
bool
session_plan_rule_unchanged(const struct session_plan *a, size_t i,
                            const struct session_plan *b)
{
    const struct plan_rule *other = session_plan_find_rule(b,
                                                           &a->rules[i].uuid);
    return other && rule_equal(&a->rules[i].rule, &other->rule);
}

/* True if 'a' and 'b' have the same rules. */
bool
session_plan_same_rules(const struct session_plan *a,
                        const struct session_plan *b)
{
    if (a->rule_set == b->rule_set) {
        return true;            /* Sets are immutable. */
    }
    if (a->n_rules != b->n_rules) {
        return false;
    }
    for (size_t i = 0; i < a->n_rules; i++) {
        if (!session_plan_rule_unchanged(a, i, b)) {
            return false;
        }
    }
    return true;
}

/* True if copies of 'sp' go to several collectors. */
bool
session_plan_uses_group(const struct session_plan *sp)
{
    return sp->delivery == PLAN_DELIVER_TUNNEL && sp->n_addresses > 1;
}
