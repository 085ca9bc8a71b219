/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Filter compilation: filter rules to OpenFlow matches.  See
 * filter-compile.h for the contract. */

#include <config.h>

#include "filter-compile.h"

#include <string.h>

#include "coverage.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "tmirror/vlan-set.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(filter_compile);

COVERAGE_DEFINE(filter_compile_rule);
COVERAGE_DEFINE(filter_compile_conjunction);

#define IPPROTO_NUM_ICMP 1
#define IPPROTO_NUM_ICMPV6 58

/* The dimensions of a rule that can need several prefixes, in the order of
 * their conjunction clauses. */
enum fc_dim {
    FC_DIM_VLAN,                /* vlan_tci's VID (with the CFI bit). */
    FC_DIM_SRC_PORT,            /* tp_src. */
    FC_DIM_DST_PORT,            /* tp_dst. */
    FC_N_DIMS
};

/* What one rule asks for, parsed once.  Owns 'vlans'. */
struct fc_rule_parts {
    int families[2];            /* AF_INET, AF_INET6, or 0 = any frame. */
    size_t n_families;
    bool has_protocol;
    uint8_t protocol;
    bool has_src, has_dst;
    struct tm_cidr src, dst;
    struct fc_prefix src_ports[FC_MAX_PREFIXES];
    struct fc_prefix dst_ports[FC_MAX_PREFIXES];
    struct fc_prefix *vlans;    /* Heap: a VLAN set can need many. */
    size_t allocated_vlans;

    /* Per dimension: its prefixes (a wildcard, mask 0, when the rule does
     * not restrict it) and how many. */
    const struct fc_prefix *dims[FC_N_DIMS];
    size_t n_dims[FC_N_DIMS];
};

/* Expands [from, to] into prefixes: repeatedly takes the largest aligned
 * power-of-two block that starts at the low end and fits in the range. */
size_t
fc_range_to_prefixes(uint16_t from, uint16_t to,
                     struct fc_prefix prefixes[FC_MAX_PREFIXES])
{
    uint32_t lo = from;
    uint32_t hi = to;
    size_t n = 0;

    ovs_assert(from <= to);
    while (lo <= hi) {
        uint32_t size = lo ? lo & -lo : UINT32_C(0x10000);
        while (lo + size - 1 > hi) {
            size >>= 1;
        }
        ovs_assert(n < FC_MAX_PREFIXES);
        prefixes[n].value = lo;
        prefixes[n].mask = ~(size - 1) & 0xffff;
        n++;
        lo += size;
    }
    return n;
}

/* Initializes 'r' as empty. */
void
fc_result_init(struct fc_result *r)
{
    r->flows = NULL;
    r->n = r->allocated = 0;
}

/* Removes every flow from 'r', keeping its memory. */
void
fc_result_clear(struct fc_result *r)
{
    r->n = 0;
}

/* Frees what 'r' owns. */
void
fc_result_destroy(struct fc_result *r)
{
    free(r->flows);
    fc_result_init(r);
}

/* Appends a flow of 'kind' with 'match' to 'r' and returns it. */
static struct fc_flow *
fc_result_add(struct fc_result *r, const struct match *match,
              enum fc_kind kind, uint32_t conj_id)
{
    if (r->n >= r->allocated) {
        r->flows = x2nrealloc(r->flows, &r->allocated, sizeof *r->flows);
    }
    struct fc_flow *f = &r->flows[r->n++];
    memset(f, 0, sizeof *f);
    f->match = *match;
    f->kind = kind;
    f->conj_id = conj_id;
    return f;
}

/* Parses the optional CIDR 's' into '*cidr'; '*has' says whether one was
 * given.  Returns an error message or NULL. */
static char *
parse_optional_cidr(const char *field, const char *s, bool *has,
                    struct tm_cidr *cidr)
{
    *has = s && *s;
    return *has ? tm_parse_cidr(field, s, cidr) : NULL;
}

/* Expands one optional port range of 'rule' into 'prefixes'; a range that
 * is not given is one wildcard prefix. */
static size_t
port_prefixes(bool has_from, int64_t from, bool has_to, int64_t to,
              struct fc_prefix prefixes[FC_MAX_PREFIXES])
{
    if (!has_from || !has_to) {
        prefixes[0].value = prefixes[0].mask = 0;
        return 1;
    }
    return fc_range_to_prefixes(from, to, prefixes);
}

/* Expands the optional VLAN set 's' into the VLAN dimension of 'p': one
 * wildcard when 's' is empty, else the prefixes of each of its ranges (a
 * VLAN id has 12 bits, so the masks keep the low 12 of the 16-bit prefix).
 * Returns an error or NULL. */
static char *
vlan_prefixes(const char *s, struct fc_rule_parts *p)
{
    p->vlans = xmalloc(sizeof *p->vlans);
    p->allocated_vlans = 1;
    p->dims[FC_DIM_VLAN] = p->vlans;
    if (!s || !*s) {
        p->vlans[0].value = p->vlans[0].mask = 0;
        p->n_dims[FC_DIM_VLAN] = 1;
        return NULL;
    }

    struct tm_vlan_set set;
    char *error = tm_parse_vlan_set("vlan", s, &set);
    if (error) {
        return error;
    }
    size_t n = 0;
    for (size_t i = 0; i < set.n; i++) {
        struct fc_prefix range[FC_MAX_PREFIXES];
        size_t k = fc_range_to_prefixes(set.ranges[i].from,
                                        set.ranges[i].to, range);
        while (n + k > p->allocated_vlans) {
            p->vlans = x2nrealloc(p->vlans, &p->allocated_vlans,
                                  sizeof *p->vlans);
        }
        for (size_t j = 0; j < k; j++) {
            p->vlans[n].value = range[j].value;
            p->vlans[n].mask = range[j].mask & VLAN_VID_MASK;
            n++;
        }
    }
    tm_vlan_set_destroy(&set);
    p->dims[FC_DIM_VLAN] = p->vlans;
    p->n_dims[FC_DIM_VLAN] = n;
    return NULL;
}

/* Chooses the address families the rule's matches need. */
static void
choose_families(struct fc_rule_parts *p)
{
    if (p->has_src || p->has_dst) {
        p->families[0] = p->has_src ? p->src.family : p->dst.family;
        p->n_families = 1;
    } else if (!p->has_protocol) {
        p->families[0] = 0;
        p->n_families = 1;
    } else if (p->protocol == IPPROTO_NUM_ICMP) {
        p->families[0] = AF_INET;
        p->n_families = 1;
    } else if (p->protocol == IPPROTO_NUM_ICMPV6) {
        p->families[0] = AF_INET6;
        p->n_families = 1;
    } else {
        p->families[0] = AF_INET;
        p->families[1] = AF_INET6;
        p->n_families = 2;
    }
}

/* Validates 'rule' and parses it into 'p', which the caller frees with
 * parts_destroy() in every case.  Returns an error or NULL. */
static char *
parse_rule(const struct tm_rule *rule, struct fc_rule_parts *p)
{
    memset(p, 0, sizeof *p);
    char *error = tm_rule_validate(rule);
    if (error) {
        return error;
    }

    p->has_protocol = rule->has_protocol;
    p->protocol = rule->has_protocol ? rule->protocol : 0;
    error = parse_optional_cidr("source_cidr", rule->source_cidr,
                                &p->has_src, &p->src);
    if (!error) {
        error = parse_optional_cidr("destination_cidr",
                                    rule->destination_cidr,
                                    &p->has_dst, &p->dst);
    }
    if (error) {
        return error;
    }
    choose_families(p);

    p->dims[FC_DIM_SRC_PORT] = p->src_ports;
    p->n_dims[FC_DIM_SRC_PORT] = port_prefixes(rule->has_source_port_from,
                                               rule->source_port_from,
                                               rule->has_source_port_to,
                                               rule->source_port_to,
                                               p->src_ports);
    p->dims[FC_DIM_DST_PORT] = p->dst_ports;
    p->n_dims[FC_DIM_DST_PORT] = port_prefixes(
        rule->has_destination_port_from, rule->destination_port_from,
        rule->has_destination_port_to, rule->destination_port_to,
        p->dst_ports);
    return vlan_prefixes(rule->vlan, p);
}

/* Frees what 'p' owns. */
static void
parts_destroy(struct fc_rule_parts *p)
{
    free(p->vlans);
}

/* Adds the prefix 'cidr' to 'match' as the source ('is_src') or destination
 * address.  A /0 adds nothing. */
static void
match_cidr(struct match *match, const struct tm_cidr *cidr, bool is_src)
{
    if (!cidr->plen) {
        return;
    }
    if (cidr->family == AF_INET) {
        ovs_be32 ip = in6_addr_get_mapped_ipv4(&cidr->addr);
        ovs_be32 mask = be32_prefix_mask(cidr->plen);
        if (is_src) {
            match_set_nw_src_masked(match, ip, mask);
        } else {
            match_set_nw_dst_masked(match, ip, mask);
        }
    } else {
        struct in6_addr mask = ipv6_create_mask(cidr->plen);
        if (is_src) {
            match_set_ipv6_src_masked(match, &cidr->addr, &mask);
        } else {
            match_set_ipv6_dst_masked(match, &cidr->addr, &mask);
        }
    }
}

/* Initializes 'match' with everything of 'p' except L4 ports, for 'family'
 * (0 = any frame). */
static void
base_match(const struct fc_rule_parts *p, int family, struct match *match)
{
    match_init_catchall(match);
    if (!family) {
        return;
    }
    match_set_dl_type(match, htons(family == AF_INET ? ETH_TYPE_IP
                                                     : ETH_TYPE_IPV6));
    if (p->has_protocol) {
        match_set_nw_proto(match, p->protocol);
    }
    if (p->has_src) {
        match_cidr(match, &p->src, true);
    }
    if (p->has_dst) {
        match_cidr(match, &p->dst, false);
    }
}

/* Adds prefix 'x' of dimension 'dim' to 'match'.  A zero mask adds
 * nothing. */
static void
match_prefix(struct match *match, enum fc_dim dim, const struct fc_prefix *x)
{
    if (!x->mask) {
        return;
    }
    switch (dim) {
    case FC_DIM_VLAN:
        /* The CFI bit, in OpenFlow 1.2's vlan_vid, says "a tag is present":
         * an untagged frame never matches. */
        match_set_vlan_vid_masked(match, htons(VLAN_CFI | x->value),
                                  htons(VLAN_CFI | x->mask));
        break;
    case FC_DIM_SRC_PORT:
        match_set_tp_src_masked(match, htons(x->value), htons(x->mask));
        break;
    case FC_DIM_DST_PORT:
        match_set_tp_dst_masked(match, htons(x->value), htons(x->mask));
        break;
    case FC_N_DIMS:
    default:
        OVS_NOT_REACHED();
    }
}

/* Appends the plain flows for 'base': the cross product of the dimensions'
 * prefixes, which is the sum, not the product, of their counts, since at
 * most one dimension has more than one prefix here. */
static void
add_plain(const struct fc_rule_parts *p, const struct match *base,
          struct fc_result *out)
{
    size_t idx[FC_N_DIMS] = { 0 };
    for (;;) {
        struct match m = *base;
        for (int d = 0; d < FC_N_DIMS; d++) {
            match_prefix(&m, d, &p->dims[d][idx[d]]);
        }
        fc_result_add(out, &m, FC_PLAIN, 0);

        int d = FC_N_DIMS - 1;
        while (d >= 0 && ++idx[d] >= p->n_dims[d]) {
            idx[d--] = 0;
        }
        if (d < 0) {
            return;
        }
    }
}

/* Returns how many dimensions of 'p' need more than one prefix. */
static size_t
parts_multi_dims(const struct fc_rule_parts *p)
{
    size_t n = 0;
    for (int d = 0; d < FC_N_DIMS; d++) {
        n += p->n_dims[d] > 1;
    }
    return n;
}

/* Appends the clause flows of conjunction 'conj_id' for 'base': one clause
 * per dimension that has more than one prefix, in enum fc_dim order; a
 * dimension with one prefix is part of every clause flow. */
static void
add_clauses(const struct fc_rule_parts *p, const struct match *base,
            uint32_t conj_id, struct fc_result *out)
{
    struct match common = *base;
    for (int d = 0; d < FC_N_DIMS; d++) {
        if (p->n_dims[d] == 1) {
            match_prefix(&common, d, &p->dims[d][0]);
        }
    }

    uint8_t clause = 0, n_clauses = parts_multi_dims(p);
    for (int d = 0; d < FC_N_DIMS; d++) {
        if (p->n_dims[d] <= 1) {
            continue;
        }
        for (size_t i = 0; i < p->n_dims[d]; i++) {
            struct match m = common;
            match_prefix(&m, d, &p->dims[d][i]);
            struct fc_flow *f = fc_result_add(out, &m, FC_CONJ_CLAUSE,
                                              conj_id);
            f->clause = clause;
            f->n_clauses = n_clauses;
        }
        clause++;
    }
}

/* True if the parsed rule needs a conjunction. */
static bool
parts_need_conjunction(const struct fc_rule_parts *p)
{
    return parts_multi_dims(p) > 1;
}

bool
fc_rule_needs_conjunction(const struct tm_rule *rule)
{
    struct fc_rule_parts p;
    char *error = parse_rule(rule, &p);
    bool conj = !error && parts_need_conjunction(&p);
    free(error);
    parts_destroy(&p);
    return conj;
}

/* Compiles 'rule': see filter-compile.h. */
char *
fc_compile_rule(const struct tm_rule *rule, uint32_t conj_id,
                struct fc_result *out)
{
    struct fc_rule_parts p;
    char *error = parse_rule(rule, &p);
    if (error) {
        parts_destroy(&p);
        return error;
    }

    bool conj = parts_need_conjunction(&p);
    if (conj && !conj_id) {
        parts_destroy(&p);
        return xasprintf("rule_number: %"PRId64" needs a conjunction id "
                         "but got 0", rule->rule_number);
    }

    COVERAGE_INC(filter_compile_rule);
    for (size_t i = 0; i < p.n_families; i++) {
        struct match base;
        base_match(&p, p.families[i], &base);
        if (conj) {
            add_clauses(&p, &base, conj_id, out);
        } else {
            add_plain(&p, &base, out);
        }
    }
    if (conj) {
        struct match final;
        match_init_catchall(&final);
        match_set_conj_id(&final, conj_id);
        fc_result_add(out, &final, FC_CONJ_FINAL, conj_id);
        COVERAGE_INC(filter_compile_conjunction);
    }
    parts_destroy(&p);
    return NULL;
}
