/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_FILTER_COMPILE_H
#define TMIRROR_FILTER_COMPILE_H 1

/* Filter compilation: one validated filter rule (struct tm_rule) becomes the
 * OpenFlow matches that select exactly the frames the rule describes.  Pure
 * functions: no database, no OpenFlow connection, no global state.
 *
 * The matches cover only what the rule says (Ethernet type, IP protocol,
 * addresses, L4 ports); the caller (pipeline.c) adds in_port, the stage
 * register, the priority and the actions.
 *
 *   - No CIDR and no protocol: one catch-all match (every frame, IP or not).
 *   - A CIDR fixes the family (dl_type ip or ipv6); a protocol without a CIDR
 *     yields one match set for IPv4 and one for IPv6, except ICMP (IPv4 only)
 *     and ICMPv6 (IPv6 only).
 *   - A port range becomes the minimal set of bitwise prefixes on tp_src or
 *     tp_dst (OVS uses these fields for TCP, UDP and SCTP alike).
 *   - When both port ranges need more than one prefix, the rule becomes a
 *     conjunction: clause 0 flows for the source prefixes, clause 1 flows for
 *     the destination prefixes (per family) and one conj_id flow, i.e.
 *     p1 + p2 + 1 flows per family instead of p1 * p2.  Both families share
 *     the one conjunction id, since a frame is only ever one of them.
 *     Otherwise the rule becomes plain flows: the cross product, which is then
 *     at most max(p1, p2) flows per family. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/match.h"
#include "tmirror/validate.h"

/* At most 2 * 16 - 2 prefixes cover any range of 16-bit values. */
#define FC_MAX_PREFIXES 30

/* One bitwise prefix of a 16-bit value: matches x iff (x & mask) == value. */
struct fc_prefix {
    uint16_t value;
    uint16_t mask;
};

/* Expands [from, to] into the minimal list of prefixes that together match
 * exactly the values in the range, in ascending order.  Returns the number
 * of prefixes (1 to FC_MAX_PREFIXES) written to 'prefixes'; [0, 65535] is
 * one prefix with mask 0.  Requires from <= to. */
size_t fc_range_to_prefixes(uint16_t from, uint16_t to,
                            struct fc_prefix prefixes[FC_MAX_PREFIXES]);

enum fc_kind {
    FC_PLAIN,                   /* Gets the rule's actions. */
    FC_CONJ_CLAUSE,             /* Gets conjunction(conj_id, clause+1/n). */
    FC_CONJ_FINAL,              /* Matches conj_id; gets the rule's actions. */
};

/* One flow of a compiled rule. */
struct fc_flow {
    struct match match;
    enum fc_kind kind;
    uint32_t conj_id;           /* FC_CONJ_*: the conjunction id. */
    uint8_t clause;             /* FC_CONJ_CLAUSE: 0-based, as in struct
                                 * ofpact_conjunction. */
    uint8_t n_clauses;          /* FC_CONJ_CLAUSE: always 2 here. */
};

/* The flows of one compiled rule.  Owns 'flows'. */
struct fc_result {
    struct fc_flow *flows;
    size_t n, allocated;
};

void fc_result_init(struct fc_result *);
void fc_result_clear(struct fc_result *);
void fc_result_destroy(struct fc_result *);

/* True if compiling 'rule' needs a conjunction id, i.e. both of its port
 * ranges need more than one prefix.  'rule' must be valid. */
bool fc_rule_needs_conjunction(const struct tm_rule *rule);

/* Appends to 'out' the flows that match what 'rule' selects.  'conj_id' is
 * the conjunction id to use if fc_rule_needs_conjunction(rule) (nonzero and
 * unique within the OpenFlow table); it is ignored otherwise.  Returns NULL
 * on success, otherwise a malloc()'d message naming the field and value (an
 * invalid rule, or a missing conjunction id), and 'out' is left unchanged. */
char *fc_compile_rule(const struct tm_rule *rule, uint32_t conj_id,
                      struct fc_result *out);

#endif /* filter-compile.h */
