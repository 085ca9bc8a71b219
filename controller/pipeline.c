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
bool
pipeline_session_deliverable(const struct pl_session *session)
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
bool
pipeline_session_uses_group(const struct pl_session *session)
{
    return (pipeline_session_deliverable(session)
            && !session->target->is_port
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

/* Appends to 'ofpacts' the actions that deliver a copy of the stage's
 * session (which must be deliverable) taken in the stage's direction. */
static void
put_delivery(const struct pl_stage *stage, struct ofpbuf *ofpacts)
{
    const struct pl_session *session = stage->session;
    const struct pl_target *t = session->target;

    if (t->is_port) {
        put_output(ofpacts, t->port_ofport, session->packet_length);
        return;
    }

    put_tunnel_metadata(ofpacts, session, stage->egress);
    if (pipeline_session_uses_group(session)) {
        ovs_assert(stage->group_id);
        ofpact_put_GROUP(ofpacts)->group_id = stage->group_id;
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

/* Adds to 'out', unless it is there already, the TM_TABLE_DELIVER flow that
 * outputs to 'port' truncating to 'packet_length'. */
static void
add_deliver_flow(struct tm_flow_table *out, ofp_port_t port,
                 int packet_length)
{
    struct match match;
    match_init_catchall(&match);
    match_set_reg(&match, PL_PORT_REG, ofp_to_u16(port));
    match_set_reg(&match, PL_LENGTH_REG, packet_length);
    if (tm_flow_table_find(out, TM_TABLE_DELIVER, PL_PRIO_DELIVER, &match)) {
        return;
    }

    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 32);
    put_output(&ofpacts, port, packet_length);
    tm_flow_table_add(out, TM_TABLE_DELIVER, PL_PRIO_DELIVER,
                      tm_cookie(TM_COOKIE_INFRA, 0), &match,
                      ofpacts.data, ofpacts.size);
    ofpbuf_uninit(&ofpacts);
}

/* Appends to 'ofpacts' the actions of the bucket of 'session''s group for
 * 'dest'.  Bucket actions are an action set, which ignores
 * output(max_len): a truncated copy goes through TM_TABLE_DELIVER, whose
 * flow is added to 'deliver'. */
static void
put_bucket(struct ofpbuf *ofpacts, const struct pl_session *session,
           const struct pl_tunnel_dest *dest, struct tm_flow_table *deliver)
{
    put_tunnel_dst(ofpacts, &dest->ip);
    if (session->packet_length > 0) {
        int length = MAX(session->packet_length, ETH_HEADER_LEN);
        ovs_be32 port = htonl(ofp_to_u16(dest->tunnel_ofport));
        ovs_be32 len = htonl(length);
        put_set_field(ofpacts, MFF_REG0 + PL_PORT_REG, &port);
        put_set_field(ofpacts, MFF_REG0 + PL_LENGTH_REG, &len);
        put_resubmit(ofpacts, TM_TABLE_DELIVER);
        add_deliver_flow(deliver, dest->tunnel_ofport, length);
    } else {
        put_output(ofpacts, dest->tunnel_ofport, 0);
    }
}

/* Returns the ovs-ofctl group spec (after "group_id=N,") for 'session''s
 * select group: one bucket per usable destination, ordered by address.
 * Adds the TM_TABLE_DELIVER flows its buckets need to 'deliver'.  The
 * caller frees the result. */
static char *
group_spec(const struct pl_session *session, struct tm_flow_table *deliver)
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
        put_bucket(&ofpacts, session, dests[i], deliver);

        struct ofpact_format_params fp = { .s = &spec };
        ds_put_cstr(&spec, ",bucket=actions=");
        ofpacts_format(ofpacts.data, ofpacts.size, &fp);
    }
    ofpbuf_uninit(&ofpacts);
    free(dests);
    return ds_steal_cstr(&spec);
}

/* Adds 'session''s select group, with id 'group_id', to 'out' and the
 * TM_TABLE_DELIVER flows its buckets need to 'deliver' (which may be
 * 'out'). */
void
pipeline_add_group(const struct pl_session *session, uint32_t group_id,
                   struct tm_flow_table *out, struct tm_flow_table *deliver)
{
    char *spec = group_spec(session, deliver);
    tm_flow_table_add_group(out, group_id, spec);
    free(spec);
}

/* Returns the natural group id of a session key: TM_GROUP_BASE + its low
 * 16 bits.  Callers probe upward from it on collision. */
uint32_t
pipeline_natural_group_id(uint32_t key)
{
    uint32_t span = TM_GROUP_MAX - TM_GROUP_BASE + 1;
    return TM_GROUP_BASE + key % span;
}

/* Returns the group id after 'id', wrapping within tmirror's range. */
uint32_t
pipeline_next_group_id(uint32_t id)
{
    return id >= TM_GROUP_MAX ? TM_GROUP_BASE : id + 1;
}

/* Returns the conjunction id of a rule at a stage.  It need not be unique
 * in the table: OVS combines the clauses of a conjunction among the flows a
 * packet matches at one priority, and every clause flow of a rule matches
 * the stage's in_port and reg1, so two rules can only meet at one priority
 * if they are the same rule.  So the id is a plain function of the rule's
 * place, and a rule's flows do not depend on any other rule. */
static uint32_t
conj_id_for(const struct pl_stage *stage, int64_t rule_number)
{
    uint32_t id = hash_3words(ofp_to_u16(stage->ofport), stage->session->key,
                              rule_number);
    return id ? id : 1;
}

/* Returns the TM_TABLE_SESSION priority of a rule. */
static uint16_t
rule_priority(int64_t rule_number)
{
    return 32768 + (32767 - rule_number);
}

/* True if 'rule' applies to copies taken in direction 'egress'. */
static bool
rule_applies(const struct tm_rule *rule, bool egress)
{
    return rule->direction
           && !strcmp(rule->direction, egress ? "egress" : "ingress");
}

/* Appends to 'ofpacts' the stage's delivery inside clone(), so that what
 * it sets (tunnel metadata, truncation) does not reach the later stages
 * that the packet goes on to. */
static void
put_cloned_delivery(const struct pl_stage *stage, struct ofpbuf *ofpacts)
{
    size_t ofs = ofpacts->size;
    ofpact_put_CLONE(ofpacts);
    put_delivery(stage, ofpacts);
    struct ofpact_nest *clone = ofpbuf_at_assert(ofpacts, ofs,
                                                 sizeof *clone);
    ofpacts->header = clone;        /* ofpact_finish() closes the header. */
    ofpact_finish_CLONE(ofpacts, &clone);
}

/* Appends to 'ofpacts' what the rule's flows do: deliver (accept) or go to
 * the next stage (reject).  An independent session's accept delivers a
 * clone and goes to the next stage too: whatever it decides, the later
 * sessions see the packet.  Returns the cookie for them. */
static uint64_t
put_rule_actions(const struct pl_stage *stage, struct ofpbuf *ofpacts,
                 const struct tm_rule *rule)
{
    if (!strcmp(rule->action, "accept") && stage->session->independent) {
        put_cloned_delivery(stage, ofpacts);
        put_next_stage(ofpacts, stage->stage + 1);
        return tm_cookie(TM_COOKIE_ACCEPT, stage->session->key);
    } else if (!strcmp(rule->action, "accept")) {
        put_delivery(stage, ofpacts);
        return tm_cookie(TM_COOKIE_ACCEPT, stage->session->key);
    } else {
        put_next_stage(ofpacts, stage->stage + 1);
        return tm_cookie(TM_COOKIE_OTHER, stage->session->key);
    }
}

/* Adds to 'out' the flows compiled in 'compiled' for 'rule' at 'stage'. */
static void
add_rule_flows(const struct pl_stage *stage, const struct fc_result *compiled,
               const struct tm_rule *rule, struct tm_flow_table *out)
{
    uint16_t priority = rule_priority(rule->rule_number);
    struct ofpbuf actions, conj;
    ofpbuf_init(&actions, 64);
    ofpbuf_init(&conj, 16);
    uint64_t cookie = put_rule_actions(stage, &actions, rule);

    for (size_t i = 0; i < compiled->n; i++) {
        const struct fc_flow *f = &compiled->flows[i];
        struct match match = f->match;
        match_set_in_port(&match, stage->ofport);
        match_set_reg(&match, PL_STAGE_REG, stage->stage);

        if (f->kind == FC_CONJ_CLAUSE) {
            ofpbuf_clear(&conj);
            struct ofpact_conjunction *c = ofpact_put_CONJUNCTION(&conj);
            c->id = f->conj_id;
            c->clause = f->clause;
            c->n_clauses = f->n_clauses;
            tm_flow_table_add(out, TM_TABLE_SESSION, priority,
                              tm_cookie(TM_COOKIE_OTHER, stage->session->key),
                              &match, conj.data, conj.size);
        } else {
            tm_flow_table_add(out, TM_TABLE_SESSION, priority, cookie,
                              &match, actions.data, actions.size);
        }
    }
    ofpbuf_uninit(&conj);
    ofpbuf_uninit(&actions);
}

/* Adds to 'out' the flows of 'rule' (one of the stage's session's rules) at
 * 'stage'.  A rule of the other direction adds nothing; an invalid rule is
 * logged and skipped. */
void
pipeline_add_rule(const struct pl_stage *stage, const struct tm_rule *rule,
                  struct tm_flow_table *out)
{
    if (!rule_applies(rule, stage->egress)
        || !pipeline_session_deliverable(stage->session)) {
        return;
    }

    uint32_t conj_id = (fc_rule_needs_conjunction(rule)
                        ? conj_id_for(stage, rule->rule_number) : 0);
    struct fc_result compiled;
    fc_result_init(&compiled);
    char *error = fc_compile_rule(rule, conj_id, &compiled);
    if (error) {
        VLOG_WARN_RL(&rl, "session %"PRId64": skipping rule: %s",
                     stage->session->session_number, error);
        free(error);
    } else {
        add_rule_flows(stage, &compiled, rule, out);
    }
    fc_result_destroy(&compiled);
}

/* Adds to 'out' the flow that sends what no rule of 'stage' matched (or
 * everything, when its session delivers nowhere) to the next stage. */
void
pipeline_add_fallthrough(const struct pl_stage *stage,
                         struct tm_flow_table *out)
{
    struct match match;
    struct ofpbuf ofpacts;
    match_init_catchall(&match);
    match_set_in_port(&match, stage->ofport);
    match_set_reg(&match, PL_STAGE_REG, stage->stage);
    ofpbuf_init(&ofpacts, 32);
    put_next_stage(&ofpacts, stage->stage + 1);
    tm_flow_table_add(out, TM_TABLE_SESSION, PL_PRIO_FALLTHROUGH,
                      tm_cookie(TM_COOKIE_OTHER, stage->session->key), &match,
                      ofpacts.data, ofpacts.size);
    ofpbuf_uninit(&ofpacts);
}

/* Adds to 'out' the classification flow of the (source, direction) whose
 * copies arrive on 'ofport': to stage 0. */
void
pipeline_add_classify(ofp_port_t ofport, struct tm_flow_table *out)
{
    struct match match;
    struct ofpbuf ofpacts;
    match_init_catchall(&match);
    match_set_in_port(&match, ofport);
    ofpbuf_init(&ofpacts, 32);
    put_next_stage(&ofpacts, 0);
    tm_flow_table_add(out, TM_TABLE_CLASSIFY, PL_PRIO_CLASSIFY,
                      tm_cookie(TM_COOKIE_INFRA, 0), &match,
                      ofpacts.data, ofpacts.size);
    ofpbuf_uninit(&ofpacts);
}

/* Adds to 'out' the priority-0 drop flow of the classification table. */
void
pipeline_add_default_drop(struct tm_flow_table *out)
{
    struct match match;
    match_init_catchall(&match);
    tm_flow_table_add(out, TM_TABLE_CLASSIFY, PL_PRIO_DROP,
                      tm_cookie(TM_COOKIE_INFRA, 0), &match, NULL, 0);
}

/* Adds every flow of 'stage': its rules, then its fall-through. */
static void
add_stage(const struct pl_stage *stage, struct tm_flow_table *out)
{
    const struct pl_session *session = stage->session;
    for (size_t i = 0; i < session->n_rules; i++) {
        const struct tm_rule *r = &session->rules[i];
        bool duplicate = false;
        for (size_t j = 0; j < i && !duplicate; j++) {
            duplicate = (rule_applies(&session->rules[j], stage->egress)
                         && rule_applies(r, stage->egress)
                         && session->rules[j].rule_number == r->rule_number);
        }
        if (duplicate) {
            VLOG_WARN_RL(&rl, "session %"PRId64": rule_number %"PRId64
                         " appears twice for %s, ignoring the second",
                         session->session_number, r->rule_number,
                         r->direction);
        } else {
            pipeline_add_rule(stage, r, out);
        }
    }
    pipeline_add_fallthrough(stage, out);
}

/* qsort() comparator for sessions by key. */
static int
compare_session_keys(const void *a_, const void *b_)
{
    const struct pl_session *const *a = a_;
    const struct pl_session *const *b = b_;
    return (*a)->key < (*b)->key ? -1 : (*a)->key > (*b)->key;
}

/* Returns the group id of session 'key' in 'groups', or 0. */
static uint32_t
group_find(const struct hmap *groups, uint32_t key)
{
    const struct pl_id_node *node = id_find(groups, key);
    return node ? node->value : 0;
}

/* Assigns group ids to the sessions of 'sources' that need a select group,
 * in ascending session key order (so that the result does not depend on
 * the order of the sources), storing them in 'groups' (session key -> id)
 * and adding the groups to 'out'. */
static void
build_groups(const struct pl_source *sources, size_t n_sources,
             struct hmap *groups, struct tm_flow_table *out)
{
    const struct pl_session **sessions = NULL;
    size_t n = 0, allocated = 0;

    for (size_t i = 0; i < n_sources; i++) {
        for (size_t j = 0; j < sources[i].n_sessions; j++) {
            const struct pl_session *s = sources[i].sessions[j];
            if (pipeline_session_uses_group(s) && !id_find(groups, s->key)) {
                if (n >= allocated) {
                    sessions = x2nrealloc(sessions, &allocated,
                                          sizeof *sessions);
                }
                sessions[n++] = s;
                id_add(groups, s->key, 0);
            }
        }
    }
    qsort(sessions, n, sizeof *sessions, compare_session_keys);

    for (size_t i = 0; i < n; i++) {
        struct pl_id_node *node = id_find(groups, sessions[i]->key);
        uint32_t id = pipeline_natural_group_id(sessions[i]->key);
        while (tm_flow_table_find_group(out, id)) {
            id = pipeline_next_group_id(id);
        }
        node->value = id;
        pipeline_add_group(sessions[i], id, out, out);
    }
    free(sessions);
}

/* Adds the classification flow of 'source' and its stages. */
static void
add_source(const struct pl_source *source, const struct hmap *groups,
           struct tm_flow_table *out)
{
    if (!ofport_is_valid(source->ofport)) {
        VLOG_WARN_RL(&rl, "source %s: ofport %"PRIu16" is not valid, "
                     "skipping", source->iface_id ? source->iface_id : "",
                     ofp_to_u16(source->ofport));
        return;
    }
    pipeline_add_classify(source->ofport, out);

    size_t n = source->n_sessions;
    if (n > TM_MAX_STAGES) {
        VLOG_WARN_RL(&rl, "source %s: %"PRIuSIZE" sessions, only the first "
                     "%d are evaluated", source->iface_id, n, TM_MAX_STAGES);
        n = TM_MAX_STAGES;
    }
    for (size_t k = 0; k < n; k++) {
        const struct pl_session *session = source->sessions[k];
        struct pl_stage stage = {
            .session = session,
            .ofport = source->ofport,
            .egress = source->egress,
            .stage = k,
            .group_id = group_find(groups, session->key),
        };
        add_stage(&stage, out);
    }
}

/* Replaces the contents of 'out' with the flows and groups for 'sources'. */
void
pipeline_build(const struct pl_source *sources, size_t n_sources,
               struct tm_flow_table *out)
{
    struct hmap groups = HMAP_INITIALIZER(&groups);
    COVERAGE_INC(pipeline_build);

    tm_flow_table_clear(out);
    pipeline_add_default_drop(out);
    build_groups(sources, n_sources, &groups, out);
    for (size_t i = 0; i < n_sources; i++) {
        add_source(&sources[i], &groups, out);
    }
    id_map_destroy(&groups);
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
