/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The mirror bridge's OpenFlow pipeline.  See pipeline.h for the design.
 *
 * Choices made here:
 *
 *   - Priorities in TM_TABLE_SESSION: a rule gets 32768 + (32767 -
 *     rule_number), so lower rule numbers win and every rule of a stage has
 *     its own priority (which is what OVS's conjunctions need: all flows of
 *     one conjunction share a priority, and no two conjunctions of one stage
 *     can overlap at the same priority).  The per-stage fall-through flow has
 *     priority 1.
 *
 *   - Conjunction ids are unique within the table: a hash of (in_port,
 *     session key, rule_number), probed upward on collision.  They are
 *     deterministic for the same input and do not move when unrelated rules
 *     or sessions change, so the installed flows change as little as
 *     possible.
 *
 *   - Group ids: TM_GROUP_BASE + the low 16 bits of the session key, probed
 *     upward (wrapping within TM_GROUP_BASE..TM_GROUP_MAX) on collision, the
 *     sessions taken in ascending key order so that the result does not depend
 *     on the order of the sources.  One group per session: its buckets set
 *     the collector address and output; the per-copy tunnel metadata
 *     (tun_id, ERSPAN fields, which depend on the direction) is set by the
 *     flow before group:G.  A bucket's actions are an OpenFlow action set,
 *     where OVS 3.1 silently ignores output(port=P,max_len=N) (measured: the
 *     copy was dropped), so a truncating bucket loads P into reg2 and N into
 *     reg3 and resubmits to TM_TABLE_DELIVER, which holds one shared flow
 *     per (P, N): "reg2=P,reg3=N actions=output(port=P,max_len=N)".
 *
 *   - ERSPAN: tun_id = the session's VNI (the 10-bit session id);
 *     tun_erspan_ver = the target's version (1 unless 2).  Version 1 sets
 *     tun_erspan_idx = 0 (the port index has no meaning for a collector
 *     here).  Version 2 sets tun_erspan_hwid = 0 and tun_erspan_dir from the
 *     source's direction as tmirror (and AWS) name it, seen from the VM's
 *     interface: 0 = ingress (the VM received the frame), 1 = egress (the VM
 *     sent it), so a decoder's "Egress" matches an egress rule.
 *
 *   - packet_length below an Ethernet header (14) is raised to 14, the least
 *     OVS's output(max_len) accepts. */

#include <config.h>

#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "filter-compile.h"
#include "flow-table.h"
#include "flow.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(pipeline);

COVERAGE_DEFINE(pipeline_build);

#define PL_PRIO_CLASSIFY 100
#define PL_PRIO_DROP 0
#define PL_PRIO_FALLTHROUGH 1
#define PL_PRIO_DELIVER 100
#define PL_PRIO_DECAP 100
#define PL_STAGE_REG 1          /* reg1 holds the session stage. */
#define PL_PORT_REG 2           /* reg2: TM_TABLE_DELIVER's output port. */
#define PL_LENGTH_REG 3         /* reg3: TM_TABLE_DELIVER's max_len. */

/* A 32-bit id in a set (conjunction ids, group assignments). */
struct pl_id_node {
    struct hmap_node hmap_node; /* Hashed on 'key'. */
    uint32_t key;
    uint32_t value;
};

/* State of one pipeline_build() run. */
struct pl_ctx {
    struct tm_flow_table *out;
    struct hmap conj_ids;       /* Used conjunction ids ('value' unused). */
    struct hmap groups;         /* Session key -> group id. */
};

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

/* Returns the 32-bit key of a session: the first word of its UUID. */
uint32_t
tm_session_key(const struct uuid *uuid)
{
    return uuid->parts[0];
}

/* Returns the node with 'key' in 'map' (a map of struct pl_id_node), or
 * NULL. */
static struct pl_id_node *
id_find(const struct hmap *map, uint32_t key)
{
    struct pl_id_node *node;
    HMAP_FOR_EACH_WITH_HASH (node, hmap_node, hash_int(key, 0), map) {
        if (node->key == key) {
            return node;
        }
    }
    return NULL;
}

/* Adds 'key' -> 'value' to 'map'. */
static void
id_add(struct hmap *map, uint32_t key, uint32_t value)
{
    struct pl_id_node *node = xmalloc(sizeof *node);
    node->key = key;
    node->value = value;
    hmap_insert(map, &node->hmap_node, hash_int(key, 0));
}

/* Frees every node of 'map' and the map. */
static void
id_map_destroy(struct hmap *map)
{
    struct pl_id_node *node;
    HMAP_FOR_EACH_POP (node, hmap_node, map) {
        free(node);
    }
    hmap_destroy(map);
}

/* True if 'port' can be used in a match or an output action. */
static bool
ofport_is_valid(ofp_port_t port)
{
    return ofp_to_u16(port) && ofp_to_u16(port) < ofp_to_u16(OFPP_MAX);
}

/* True if 'encap' is one this pipeline knows how to set up. */
static bool
encap_is_known(const char *encap)
{
    return encap && (!strcmp(encap, "vxlan") || !strcmp(encap, "geneve")
                     || !strcmp(encap, "gre") || !strcmp(encap, "erspan"));
}

/* Returns the number of destinations of 'target' that have a tunnel port. */
static size_t
count_usable_dests(const struct pl_target *target)
{
    size_t n = 0;
    for (size_t i = 0; i < target->n_dests; i++) {
        n += ofport_is_valid(target->dests[i].tunnel_ofport);
    }
    return n;
}

/* True if copies for 'session' can be delivered somewhere. */
static bool
session_is_deliverable(const struct pl_session *session)
{
    const struct pl_target *t = session->target;
    if (!t) {
        return false;
    } else if (t->is_port) {
        return ofport_is_valid(t->port_ofport);
    } else {
        return encap_is_known(t->encap) && count_usable_dests(t) > 0;
    }
}

/* True if 'session' delivers through a select group. */
static bool
session_uses_group(const struct pl_session *session)
{
    return (session_is_deliverable(session) && !session->target->is_port
            && count_usable_dests(session->target) > 1);
}

/* Appends to 'ofpacts' "set_field:'value'->reg1" (a set_field rather than
 * a load, since OpenFlow 1.5 encodes both as set_field and a flow dumped
 * back must compare equal). */
static void
put_load_stage(struct ofpbuf *ofpacts, uint32_t value)
{
    ovs_be32 v = htonl(value);
    ofpact_put_set_field(ofpacts, mf_from_id(MFF_REG0 + PL_STAGE_REG), &v,
                         NULL);
}

/* Appends to 'ofpacts' "resubmit(,'table_id')". */
static void
put_resubmit(struct ofpbuf *ofpacts, uint8_t table_id)
{
    struct ofpact_resubmit *r = ofpact_put_RESUBMIT(ofpacts);
    r->in_port = OFPP_IN_PORT;
    r->table_id = table_id;
}

/* Appends to 'ofpacts' the actions that move a packet to stage 'next'. */
static void
put_next_stage(struct ofpbuf *ofpacts, uint32_t next)
{
    put_load_stage(ofpacts, next);
    put_resubmit(ofpacts, TM_TABLE_SESSION);
}

/* Appends an output to 'port' to 'ofpacts', truncating the frame to
 * 'packet_length' bytes if it is positive. */
static void
put_output(struct ofpbuf *ofpacts, ofp_port_t port, int packet_length)
{
    if (packet_length > 0) {
        struct ofpact_output_trunc *ot = ofpact_put_OUTPUT_TRUNC(ofpacts);
        ot->port = port;
        ot->max_len = MAX(packet_length, ETH_HEADER_LEN);
    } else {
        ofpact_put_OUTPUT(ofpacts)->port = port;
    }
}

/* Appends a set_field of 'field' to 'value' ('field''s size) to
 * 'ofpacts'. */
static void
put_set_field(struct ofpbuf *ofpacts, enum mf_field_id field,
              const void *value)
{
    ofpact_put_set_field(ofpacts, mf_from_id(field), value, NULL);
}

/* Appends the setting of the tunnel destination 'ip' to 'ofpacts'. */
static void
put_tunnel_dst(struct ofpbuf *ofpacts, const struct in6_addr *ip)
{
    if (IN6_IS_ADDR_V4MAPPED(ip)) {
        ovs_be32 ip4 = in6_addr_get_mapped_ipv4(ip);
        put_set_field(ofpacts, MFF_TUN_DST, &ip4);
    } else {
        put_set_field(ofpacts, MFF_TUN_IPV6_DST, ip);
    }
}

/* Appends to 'ofpacts' the tunnel metadata of a copy of 'session' taken in
 * direction 'egress': the VNI (GRE key, ERSPAN session id) and, for ERSPAN,
 * the version and its fields. */
static void
put_tunnel_metadata(struct ofpbuf *ofpacts, const struct pl_session *session,
                    bool egress)
{
    const struct pl_target *t = session->target;
    ovs_be64 tun_id = htonll(session->vni);
    put_set_field(ofpacts, MFF_TUN_ID, &tun_id);

    if (!strcmp(t->encap, "erspan")) {
        uint8_t ver = t->erspan_ver == 2 ? 2 : 1;
        put_set_field(ofpacts, MFF_TUN_ERSPAN_VER, &ver);
        if (ver == 1) {
            ovs_be32 idx = htonl(0);
            put_set_field(ofpacts, MFF_TUN_ERSPAN_IDX, &idx);
        } else {
            uint8_t dir = egress ? 1 : 0;
            uint8_t hwid = 0;
            put_set_field(ofpacts, MFF_TUN_ERSPAN_DIR, &dir);
            put_set_field(ofpacts, MFF_TUN_ERSPAN_HWID, &hwid);
        }
    }
}

/* Returns the first destination of 'target' that has a tunnel port. */
static const struct pl_tunnel_dest *
first_usable_dest(const struct pl_target *target)
{
    for (size_t i = 0; i < target->n_dests; i++) {
        if (ofport_is_valid(target->dests[i].tunnel_ofport)) {
            return &target->dests[i];
        }
    }
    OVS_NOT_REACHED();
}

/* Appends to 'ofpacts' the actions that deliver a copy of 'session' (which
 * must be deliverable) taken in direction 'egress'. */
static void
put_delivery(const struct pl_ctx *ctx, struct ofpbuf *ofpacts,
             const struct pl_session *session, bool egress)
{
    const struct pl_target *t = session->target;

    if (t->is_port) {
        put_output(ofpacts, t->port_ofport, session->packet_length);
        return;
    }

    put_tunnel_metadata(ofpacts, session, egress);
    if (session_uses_group(session)) {
        const struct pl_id_node *g = id_find(&ctx->groups, session->key);
        ovs_assert(g);
        ofpact_put_GROUP(ofpacts)->group_id = g->value;
    } else {
        const struct pl_tunnel_dest *d = first_usable_dest(t);
        put_tunnel_dst(ofpacts, &d->ip);
        put_output(ofpacts, d->tunnel_ofport, session->packet_length);
    }
}

/* qsort() comparator for destinations by address. */
static int
compare_dests(const void *a_, const void *b_)
{
    const struct pl_tunnel_dest *const *a = a_;
    const struct pl_tunnel_dest *const *b = b_;
    return memcmp(&(*a)->ip, &(*b)->ip, sizeof (*a)->ip);
}

/* Adds to 'ctx->out', unless it is there already, the TM_TABLE_DELIVER flow
 * that outputs to 'port' truncating to 'packet_length'. */
static void
add_deliver_flow(struct pl_ctx *ctx, ofp_port_t port, int packet_length)
{
    struct match match;
    match_init_catchall(&match);
    match_set_reg(&match, PL_PORT_REG, ofp_to_u16(port));
    match_set_reg(&match, PL_LENGTH_REG, packet_length);
    if (tm_flow_table_find(ctx->out, TM_TABLE_DELIVER, PL_PRIO_DELIVER,
                           &match)) {
        return;
    }

    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 32);
    put_output(&ofpacts, port, packet_length);
    tm_flow_table_add(ctx->out, TM_TABLE_DELIVER, PL_PRIO_DELIVER,
                      tm_cookie(TM_COOKIE_INFRA, 0), &match,
                      ofpacts.data, ofpacts.size);
    ofpbuf_uninit(&ofpacts);
}

/* Appends to 'ofpacts' the actions of the bucket of 'session''s group for
 * 'dest'.  Bucket actions are an action set, which ignores
 * output(max_len): a truncated copy goes through TM_TABLE_DELIVER. */
static void
put_bucket(struct pl_ctx *ctx, struct ofpbuf *ofpacts,
           const struct pl_session *session,
           const struct pl_tunnel_dest *dest)
{
    put_tunnel_dst(ofpacts, &dest->ip);
    if (session->packet_length > 0) {
        int length = MAX(session->packet_length, ETH_HEADER_LEN);
        ovs_be32 port = htonl(ofp_to_u16(dest->tunnel_ofport));
        ovs_be32 len = htonl(length);
        put_set_field(ofpacts, MFF_REG0 + PL_PORT_REG, &port);
        put_set_field(ofpacts, MFF_REG0 + PL_LENGTH_REG, &len);
        put_resubmit(ofpacts, TM_TABLE_DELIVER);
        add_deliver_flow(ctx, dest->tunnel_ofport, length);
    } else {
        put_output(ofpacts, dest->tunnel_ofport, 0);
    }
}

/* Returns the ovs-ofctl group spec (after "group_id=N,") for 'session''s
 * select group: one bucket per usable destination, ordered by address.
 * The caller frees it. */
static char *
group_spec(struct pl_ctx *ctx, const struct pl_session *session)
{
    const struct pl_target *t = session->target;
    const struct pl_tunnel_dest **dests = xmalloc(t->n_dests * sizeof *dests);
    size_t n = 0;
    for (size_t i = 0; i < t->n_dests; i++) {
        if (ofport_is_valid(t->dests[i].tunnel_ofport)) {
            dests[n++] = &t->dests[i];
        }
    }
    qsort(dests, n, sizeof *dests, compare_dests);

    struct ds spec = DS_EMPTY_INITIALIZER;
    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 64);
    ds_put_cstr(&spec, "type=select");
    for (size_t i = 0; i < n; i++) {
        ofpbuf_clear(&ofpacts);
        put_bucket(ctx, &ofpacts, session, dests[i]);

        struct ofpact_format_params fp = { .s = &spec };
        ds_put_cstr(&spec, ",bucket=actions=");
        ofpacts_format(ofpacts.data, ofpacts.size, &fp);
    }
    ofpbuf_uninit(&ofpacts);
    free(dests);
    return ds_steal_cstr(&spec);
}

/* qsort() comparator for sessions by key. */
static int
compare_session_keys(const void *a_, const void *b_)
{
    const struct pl_session *const *a = a_;
    const struct pl_session *const *b = b_;
    return (*a)->key < (*b)->key ? -1 : (*a)->key > (*b)->key;
}

/* Returns a group id for 'key' not yet used in 'ctx->out'. */
static uint32_t
allocate_group_id(const struct pl_ctx *ctx, uint32_t key)
{
    uint32_t span = TM_GROUP_MAX - TM_GROUP_BASE + 1;
    uint32_t offset = key % span;
    for (uint32_t i = 0; i < span; i++) {
        uint32_t id = TM_GROUP_BASE + (offset + i) % span;
        if (!tm_flow_table_find_group(ctx->out, id)) {
            return id;
        }
    }
    return 0;
}

/* Collects the sessions of 'sources' that need a select group, each once,
 * and adds their groups to 'ctx->out' and 'ctx->groups', in ascending
 * session key order. */
static void
build_groups(struct pl_ctx *ctx, const struct pl_source *sources,
             size_t n_sources)
{
    const struct pl_session **sessions = NULL;
    size_t n = 0, allocated = 0;

    for (size_t i = 0; i < n_sources; i++) {
        for (size_t j = 0; j < sources[i].n_sessions; j++) {
            const struct pl_session *s = sources[i].sessions[j];
            if (session_uses_group(s) && !id_find(&ctx->groups, s->key)) {
                if (n >= allocated) {
                    sessions = x2nrealloc(sessions, &allocated,
                                          sizeof *sessions);
                }
                sessions[n++] = s;
                id_add(&ctx->groups, s->key, 0);
            }
        }
    }
    qsort(sessions, n, sizeof *sessions, compare_session_keys);

    for (size_t i = 0; i < n; i++) {
        struct pl_id_node *node = id_find(&ctx->groups, sessions[i]->key);
        node->value = allocate_group_id(ctx, sessions[i]->key);
        ovs_assert(node->value);
        char *spec = group_spec(ctx, sessions[i]);
        tm_flow_table_add_group(ctx->out, node->value, spec);
        free(spec);
    }
    free(sessions);
}

/* Returns a conjunction id for a rule, unique within the table. */
static uint32_t
allocate_conj_id(struct pl_ctx *ctx, const struct pl_source *source,
                 const struct pl_session *session, int64_t rule_number)
{
    uint32_t id = hash_3words(ofp_to_u16(source->ofport), session->key,
                              rule_number);
    while (!id || id_find(&ctx->conj_ids, id)) {
        id++;
    }
    id_add(&ctx->conj_ids, id, 0);
    return id;
}

/* Returns the TM_TABLE_SESSION priority of a rule. */
static uint16_t
rule_priority(int64_t rule_number)
{
    return 32768 + (32767 - rule_number);
}

/* True if 'rule' applies to copies arriving from 'source'. */
static bool
rule_applies(const struct tm_rule *rule, const struct pl_source *source)
{
    return rule->direction
           && !strcmp(rule->direction, source->egress ? "egress" : "ingress");
}

/* True if a rule before 'rules[i]' that applies to 'source' has the same
 * rule number (invalid data: the first one wins). */
static bool
rule_is_duplicate(const struct pl_session *session, size_t i,
                  const struct pl_source *source)
{
    int64_t number = session->rules[i].rule_number;
    for (size_t j = 0; j < i; j++) {
        if (rule_applies(&session->rules[j], source)
            && session->rules[j].rule_number == number) {
            return true;
        }
    }
    return false;
}

/* Appends to 'ofpacts' what the rule's flows do: deliver (accept) or go to
 * stage 'stage' + 1 (reject).  Returns the cookie for them. */
static uint64_t
put_rule_actions(const struct pl_ctx *ctx, struct ofpbuf *ofpacts,
                 const struct tm_rule *rule, const struct pl_source *source,
                 const struct pl_session *session, uint32_t stage)
{
    if (!strcmp(rule->action, "accept")) {
        put_delivery(ctx, ofpacts, session, source->egress);
        return tm_cookie(TM_COOKIE_ACCEPT, session->key);
    } else {
        put_next_stage(ofpacts, stage + 1);
        return tm_cookie(TM_COOKIE_OTHER, session->key);
    }
}

/* Adds to 'ctx->out' the flows compiled in 'compiled' for one rule of
 * 'session' at 'stage' of 'source'. */
static void
add_rule_flows(struct pl_ctx *ctx, const struct fc_result *compiled,
               const struct tm_rule *rule, const struct pl_source *source,
               const struct pl_session *session, uint32_t stage)
{
    uint16_t priority = rule_priority(rule->rule_number);
    struct ofpbuf actions, conj;
    ofpbuf_init(&actions, 64);
    ofpbuf_init(&conj, 16);
    uint64_t cookie = put_rule_actions(ctx, &actions, rule, source, session,
                                       stage);

    for (size_t i = 0; i < compiled->n; i++) {
        const struct fc_flow *f = &compiled->flows[i];
        struct match match = f->match;
        match_set_in_port(&match, source->ofport);
        match_set_reg(&match, PL_STAGE_REG, stage);

        if (f->kind == FC_CONJ_CLAUSE) {
            ofpbuf_clear(&conj);
            struct ofpact_conjunction *c = ofpact_put_CONJUNCTION(&conj);
            c->id = f->conj_id;
            c->clause = f->clause;
            c->n_clauses = f->n_clauses;
            tm_flow_table_add(ctx->out, TM_TABLE_SESSION, priority,
                              tm_cookie(TM_COOKIE_OTHER, session->key),
                              &match, conj.data, conj.size);
        } else {
            tm_flow_table_add(ctx->out, TM_TABLE_SESSION, priority, cookie,
                              &match, actions.data, actions.size);
        }
    }
    ofpbuf_uninit(&conj);
    ofpbuf_uninit(&actions);
}

/* Compiles rule 'i' of 'session' for 'source' at 'stage' and adds its
 * flows.  Invalid rules are logged and skipped. */
static void
add_rule(struct pl_ctx *ctx, const struct pl_source *source,
         const struct pl_session *session, size_t i, uint32_t stage,
         struct fc_result *compiled)
{
    const struct tm_rule *rule = &session->rules[i];
    if (!rule_applies(rule, source)) {
        return;
    }
    if (rule_is_duplicate(session, i, source)) {
        VLOG_WARN_RL(&rl, "session %"PRId64": rule_number %"PRId64" appears "
                     "twice for %s, ignoring the second",
                     session->session_number, rule->rule_number,
                     rule->direction);
        return;
    }

    uint32_t conj_id = (fc_rule_needs_conjunction(rule)
                        ? allocate_conj_id(ctx, source, session,
                                           rule->rule_number)
                        : 0);
    fc_result_clear(compiled);
    char *error = fc_compile_rule(rule, conj_id, compiled);
    if (error) {
        VLOG_WARN_RL(&rl, "session %"PRId64": skipping rule: %s",
                     session->session_number, error);
        free(error);
        return;
    }
    add_rule_flows(ctx, compiled, rule, source, session, stage);
}

/* Adds the flows of stage 'stage' of 'source', which evaluates 'session'. */
static void
add_stage(struct pl_ctx *ctx, const struct pl_source *source,
          const struct pl_session *session, uint32_t stage)
{
    if (session_is_deliverable(session)) {
        struct fc_result compiled;
        fc_result_init(&compiled);
        for (size_t i = 0; i < session->n_rules; i++) {
            add_rule(ctx, source, session, i, stage, &compiled);
        }
        fc_result_destroy(&compiled);
    }

    /* No rule matched (or the session delivers nowhere): next stage. */
    struct match match;
    struct ofpbuf ofpacts;
    match_init_catchall(&match);
    match_set_in_port(&match, source->ofport);
    match_set_reg(&match, PL_STAGE_REG, stage);
    ofpbuf_init(&ofpacts, 32);
    put_next_stage(&ofpacts, stage + 1);
    tm_flow_table_add(ctx->out, TM_TABLE_SESSION, PL_PRIO_FALLTHROUGH,
                      tm_cookie(TM_COOKIE_OTHER, session->key), &match,
                      ofpacts.data, ofpacts.size);
    ofpbuf_uninit(&ofpacts);
}

/* Adds the classification flow of 'source' and its stages. */
static void
add_source(struct pl_ctx *ctx, const struct pl_source *source)
{
    if (!ofport_is_valid(source->ofport)) {
        VLOG_WARN_RL(&rl, "source %s: ofport %"PRIu16" is not valid, "
                     "skipping", source->iface_id ? source->iface_id : "",
                     ofp_to_u16(source->ofport));
        return;
    }

    struct match match;
    struct ofpbuf ofpacts;
    match_init_catchall(&match);
    match_set_in_port(&match, source->ofport);
    ofpbuf_init(&ofpacts, 32);
    put_next_stage(&ofpacts, 0);
    tm_flow_table_add(ctx->out, TM_TABLE_CLASSIFY, PL_PRIO_CLASSIFY,
                      tm_cookie(TM_COOKIE_INFRA, 0), &match,
                      ofpacts.data, ofpacts.size);
    ofpbuf_uninit(&ofpacts);

    size_t n = source->n_sessions;
    if (n > TM_MAX_STAGES) {
        VLOG_WARN_RL(&rl, "source %s: %"PRIuSIZE" sessions, only the first "
                     "%d are evaluated", source->iface_id, n, TM_MAX_STAGES);
        n = TM_MAX_STAGES;
    }
    for (size_t k = 0; k < n; k++) {
        add_stage(ctx, source, source->sessions[k], k);
    }
}

/* Adds the priority-0 drop flow of the classification table. */
static void
add_default_drop(struct pl_ctx *ctx)
{
    struct match match;
    match_init_catchall(&match);
    tm_flow_table_add(ctx->out, TM_TABLE_CLASSIFY, PL_PRIO_DROP,
                      tm_cookie(TM_COOKIE_INFRA, 0), &match, NULL, 0);
}

/* Fills '*paths' with the ways copies for 'target' leave.  See
 * pipeline.h. */
void
pipeline_delivery_paths(const struct pl_target *target,
                        struct pl_path **paths, size_t *n_paths)
{
    *paths = xcalloc(target->n_dests + 1, sizeof **paths);
    *n_paths = 0;
    if (target->is_port) {
        if (ofport_is_valid(target->port_ofport)) {
            (*paths)[(*n_paths)++].actions
                = xasprintf("output:%"PRIu16,
                            ofp_to_u16(target->port_ofport));
        }
        return;
    }
    for (size_t i = 0; i < target->n_dests; i++) {
        const struct pl_tunnel_dest *d = &target->dests[i];
        if (!ofport_is_valid(d->tunnel_ofport)) {
            continue;
        }
        struct ds ip = DS_EMPTY_INITIALIZER;
        bool v4 = IN6_IS_ADDR_V4MAPPED(&d->ip);
        if (v4) {
            ds_put_format(&ip, IP_FMT,
                          IP_ARGS(in6_addr_get_mapped_ipv4(&d->ip)));
        } else {
            ipv6_format_addr(&d->ip, &ip);
        }
        struct pl_path *path = &(*paths)[(*n_paths)++];
        path->actions = xasprintf(
            "set_field:%s->%s,%soutput:%"PRIu16, ds_cstr(&ip),
            v4 ? "tun_dst" : "tun_ipv6_dst",
            (target->encap && !strcmp(target->encap, "erspan")
             ? (target->erspan_ver == 2 ? "set_field:2->tun_erspan_ver,"
                : "set_field:1->tun_erspan_ver,")
             : ""),
            ofp_to_u16(d->tunnel_ofport));
        path->tun_dst = ds_steal_cstr(&ip);
    }
}

/* Frees what pipeline_delivery_paths() returned. */
void
pl_paths_destroy(struct pl_path *paths, size_t n_paths)
{
    for (size_t i = 0; i < n_paths; i++) {
        free(paths[i].actions);
        free(paths[i].tun_dst);
    }
    free(paths);
}

/* Replaces the contents of 'out' with the flows and groups for 'sources'. */
void
pipeline_build(const struct pl_source *sources, size_t n_sources,
               struct tm_flow_table *out)
{
    struct pl_ctx ctx = { .out = out };
    hmap_init(&ctx.conj_ids);
    hmap_init(&ctx.groups);
    COVERAGE_INC(pipeline_build);

    tm_flow_table_clear(out);
    add_default_drop(&ctx);
    build_groups(&ctx, sources, n_sources);
    for (size_t i = 0; i < n_sources; i++) {
        add_source(&ctx, &sources[i]);
    }

    id_map_destroy(&ctx.conj_ids);
    id_map_destroy(&ctx.groups);
}

/* qsort() comparator for decapsulation entries by session key. */
static int
compare_decap_keys(const void *a_, const void *b_)
{
    const struct pl_decap *const *a = a_;
    const struct pl_decap *const *b = b_;
    return (*a)->key < (*b)->key ? -1 : (*a)->key > (*b)->key;
}

/* Adds to 'out' the table-0 flows that hand copies arriving from other
 * chassis to local appliance ports.  The entries are taken in ascending
 * session key order, so that a (tunnel, vni) named twice always goes to the
 * same appliance. */
void
pipeline_add_decaps(const struct pl_decap *decaps, size_t n_decaps,
                    struct tm_flow_table *out)
{
    const struct pl_decap **sorted = xmalloc((n_decaps + 1)
                                             * sizeof *sorted);
    for (size_t i = 0; i < n_decaps; i++) {
        sorted[i] = &decaps[i];
    }
    qsort(sorted, n_decaps, sizeof *sorted, compare_decap_keys);

    for (size_t i = 0; i < n_decaps; i++) {
        const struct pl_decap *d = sorted[i];
        if (!ofport_is_valid(d->tunnel_ofport)
            || !ofport_is_valid(d->appliance_ofport)) {
            VLOG_WARN_RL(&rl, "decapsulation for vni %"PRIu32": ofport not "
                         "valid, skipping", d->vni);
            continue;
        }

        struct match match;
        match_init_catchall(&match);
        match_set_in_port(&match, d->tunnel_ofport);
        match_set_tun_id(&match, htonll(d->vni));
        if (tm_flow_table_find(out, TM_TABLE_CLASSIFY, PL_PRIO_DECAP,
                               &match)) {
            VLOG_WARN_RL(&rl, "decapsulation for vni %"PRIu32": two sessions "
                         "use it, keeping the first", d->vni);
            continue;
        }

        struct ofpbuf ofpacts;
        ofpbuf_init(&ofpacts, 16);
        put_output(&ofpacts, d->appliance_ofport, 0);
        tm_flow_table_add(out, TM_TABLE_CLASSIFY, PL_PRIO_DECAP,
                          tm_cookie(TM_COOKIE_OTHER, d->key), &match,
                          ofpacts.data, ofpacts.size);
        ofpbuf_uninit(&ofpacts);
    }
    free(sorted);
}
