/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_PIPELINE_H
#define TMIRROR_PIPELINE_H 1

/* The mirror bridge's OpenFlow pipeline, computed from the local view of the
 * intent.  Pure: no database, no OpenFlow connection; unit-tested.
 *
 * Copies arrive on br-mirror on one patch port per (source, direction): the
 * capture module makes one Mirror row per (source port, direction) whose
 * output is a patch port into br-mirror, so in_port tells both the source
 * and whether the VM sent (egress) or received (ingress) the frame.
 *
 *   table 0 (TM_TABLE_CLASSIFY): in_port=<patch of (source, dir)> ->
 *            reg1=0 (session stage), resubmit(,TM_TABLE_SESSION).
 *            Anything else is dropped.
 *   table 1 (TM_TABLE_SESSION): for stage k (reg1=k) of that in_port, the
 *            k-th session's rules for that direction, priority decreasing
 *            with rule_number: accept -> deliver to the session's target and
 *            stop; reject -> reg1=k+1, resubmit(,TM_TABLE_SESSION).  A
 *            low-priority flow per stage sends unmatched packets to stage
 *            k+1.  After the last stage nothing matches: dropped.
 *            An independent session's accept is clone(deliver), then
 *            reg1=k+1, resubmit(,TM_TABLE_SESSION): it passes every packet
 *            on.  The caller puts a source's independent sessions first
 *            (mirror-plan.c), so that they see every packet and the
 *            ordinary sessions after them keep AWS's first match.
 *   Port ranges become prefix matches; when a rule has two ranges that each
 *   need more than one prefix, they are combined with conjunction() so the
 *   cost is p1 + p2 flows, not p1 * p2.
 *
 * Delivery: a port target -> output(port=APPLIANCE,max_len=N); an ip target
 * with one address -> set tun_dst (or tun_ipv6_dst), tun_id=VNI (ERSPAN:
 * also tun_erspan_ver/idx/dir/hwid) and output(port=TUNNEL,max_len=N); with
 * several addresses -> group:G, a select group whose default selection
 * method (dp_hash over symmetric L4) keeps both directions of a connection
 * on one collector, one bucket per address.  A bucket's actions are an
 * OpenFlow action set, in which OVS drops output(port=P,max_len=N), so a
 * truncating bucket sets tun_dst, reg2=P, reg3=N and resubmits to table 2
 * (TM_TABLE_DELIVER), whose flow "reg2=P,reg3=N" does the truncating
 * output.
 *
 * Decapsulation (a port target whose appliance NIC is on this chassis's
 * mirror bridge while the source is on another chassis): the sending
 * chassis delivers the (already truncated) copies through its flow-based
 * GENEVE port with tun_id = the session's VNI; here each such session has
 * one table-0 flow "in_port=<GENEVE port>,tun_id=VNI ->
 * output:<appliance>" (pipeline_add_decaps()).  Its cookie is
 * TM_COOKIE_OTHER with the session key: the sending chassis counts the
 * session's copies, the receiving one must not count them again. */

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include "openvswitch/types.h"
#include "tmirror/validate.h"

struct tm_flow_table;

#define TM_TABLE_CLASSIFY 0
#define TM_TABLE_SESSION 1
#define TM_TABLE_DELIVER 2      /* Truncating output for select groups. */
#define TM_MAX_STAGES 32        /* Sessions per source: each stage nests one
                                 * resubmit, and OVS stops at depth 64 (63
                                 * stages measured to work from a patch port
                                 * into a truncating group, 64 not; the
                                 * integration bridge may use some depth
                                 * before its Mirror outputs). */

/* One collector address reached through a flow-based tunnel port. */
struct pl_tunnel_dest {
    struct in6_addr ip;         /* IPv4-mapped for IPv4. */
    ofp_port_t tunnel_ofport;   /* The (encap, dst_port) tunnel port. */
};

struct pl_target {
    bool is_port;               /* "port" target vs "ip" target. */
    ofp_port_t port_ofport;     /* Appliance port on br-mirror, if is_port. */
    const char *encap;          /* "vxlan", "geneve", "gre", "erspan". */
    int erspan_ver;             /* 1 or 2, for erspan. */
    struct pl_tunnel_dest *dests;
    size_t n_dests;
};

struct pl_session {
    uint32_t key;               /* tm_session_key(): cookie and group id. */
    int64_t session_number;
    uint32_t vni;
    int packet_length;          /* 0: whole frame. */
    const struct pl_target *target;
    const struct tm_rule *rules;     /* Validated; both directions. */
    size_t n_rules;
    bool independent;           /* Sees every packet: see below. */
};

/* One (source port, direction) whose copies arrive on 'ofport'. */
struct pl_source {
    const char *iface_id;
    bool egress;                /* VM sent (egress) or received (ingress). */
    ofp_port_t ofport;
    const struct pl_session **sessions;  /* By ascending session_number. */
    size_t n_sessions;
};

/* Copies of a session that arrive from another chassis through the tunnel
 * port 'tunnel_ofport' with tun_id 'vni', for the local appliance port. */
struct pl_decap {
    ofp_port_t tunnel_ofport;
    uint32_t vni;
    ofp_port_t appliance_ofport;
    uint32_t key;               /* tm_session_key() of the session. */
};

/* One way a copy leaves the mirror bridge toward a target, for checking
 * that it can (path-verify.h): the delivery actions in ovs-ofctl syntax,
 * without what only labels the copy (VNI, truncation), and the tunnel
 * destination if it is a tunnel. */
struct pl_path {
    char *actions;              /* E.g. "set_field:192.0.2.1->tun_dst,
                                 * output:4" or "output:2". */
    char *tun_dst;              /* NULL for an appliance port. */
};

/* Returns in '*paths' (malloc()'d, free with pl_paths_destroy()) the ways
 * copies for 'target' leave: one for an appliance port, one per collector
 * address that has a tunnel port. */
void pipeline_delivery_paths(const struct pl_target *target,
                             struct pl_path **paths, size_t *n_paths);
void pl_paths_destroy(struct pl_path *paths, size_t n_paths);

/* Derives the 32-bit key of a session from its UUID's first word, for
 * cookies and group ids. */
struct uuid;
uint32_t tm_session_key(const struct uuid *);

/* Replaces the contents of 'out' with the flows and groups for 'sources':
 * the whole table at once, from the pieces below. */
void pipeline_build(const struct pl_source *sources, size_t n_sources,
                    struct tm_flow_table *out);

/* The pieces, for building the table one owner at a time (the controller's
 * flows are kept per session, rule and direction, so that a change replaces
 * only the flows it affects). */

/* One stage: 'session' evaluated at position 'stage' (0-based, in session
 * number order) of the (source, direction) whose copies arrive on
 * 'ofport'. */
struct pl_stage {
    const struct pl_session *session;
    ofp_port_t ofport;
    bool egress;
    uint32_t stage;
    uint32_t group_id;          /* The session's select group, or 0 if
                                 * pipeline_session_uses_group() is false. */
};

/* Adds the flows of 'rule', one of the stage's session's rules: nothing for
 * a rule of the other direction or a session that delivers nowhere. */
void pipeline_add_rule(const struct pl_stage *, const struct tm_rule *rule,
                       struct tm_flow_table *out);
/* Adds the stage's fall-through to the next stage. */
void pipeline_add_fallthrough(const struct pl_stage *,
                              struct tm_flow_table *out);
/* Adds the classification flow of copies arriving on 'ofport'. */
void pipeline_add_classify(ofp_port_t ofport, struct tm_flow_table *out);
/* Adds the table's default drop. */
void pipeline_add_default_drop(struct tm_flow_table *out);
/* Adds 'session''s select group 'group_id' to 'out', and to 'deliver' the
 * TM_TABLE_DELIVER flows its truncating buckets need. */
void pipeline_add_group(const struct pl_session *, uint32_t group_id,
                        struct tm_flow_table *out,
                        struct tm_flow_table *deliver);
bool pipeline_session_deliverable(const struct pl_session *);
bool pipeline_session_uses_group(const struct pl_session *);
/* Group ids: a session's natural id, probed upward with
 * pipeline_next_group_id() on collision. */
uint32_t pipeline_natural_group_id(uint32_t session_key);
uint32_t pipeline_next_group_id(uint32_t group_id);

/* Adds to 'out' (after pipeline_build()) the decapsulation flows for
 * 'decaps'.  Entries with an invalid ofport are skipped; of two entries
 * with the same (tunnel, vni) the one with the lower key wins. */
void pipeline_add_decaps(const struct pl_decap *decaps, size_t n_decaps,
                         struct tm_flow_table *out);

#endif /* pipeline.h */
