/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_VALIDATE_H
#define TMIRROR_VALIDATE_H 1

/* Parsing and validation of the operator's intent, shared by tmirror-ctl
 * (command arguments, JSON documents) and tmirror-controller (rows that any
 * OVSDB client may have written).
 *
 * These functions touch no database.  Each returns NULL on success or a
 * malloc()'d message that names the field and the offending value, e.g.
 * "rule_number: 40000 is out of range (1 to 32766)"; the caller frees it.
 * On error, output arguments are left unchanged. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define TM_NUMBER_MIN 1             /* rule_number, session_number */
#define TM_NUMBER_MAX 32766
#define TM_VNI_MIN 1                /* 0 is refused: see Session.vni. */
#define TM_VNI_MAX 16777215         /* 24 bits */
#define TM_ERSPAN_VNI_MAX 1023      /* ERSPAN session id: 10 bits */
#define TM_PACKET_LENGTH_MIN 1
#define TM_PACKET_LENGTH_MAX 65535
#define TM_VXLAN_DEFAULT_PORT 4789
#define TM_GENEVE_DEFAULT_PORT 6081

/* An IPv4 or IPv6 prefix.  IPv4 is kept as an IPv4-mapped IPv6 address. */
struct tm_cidr {
    int family;                 /* AF_INET or AF_INET6. */
    struct in6_addr addr;       /* Network address, host bits zero. */
    unsigned int plen;          /* 0..32 (AF_INET) or 0..128 (AF_INET6). */
};

/* Integer fields.  'field' is the name used in the message. */
char *tm_parse_int(const char *field, const char *s, int64_t min, int64_t max,
                   int64_t *out);
char *tm_check_int(const char *field, int64_t value, int64_t min, int64_t max);

/* Protocol: a name (tcp, udp, icmp, icmpv6, sctp) or a number 0..255. */
char *tm_parse_protocol(const char *field, const char *s, int64_t *out);
const char *tm_protocol_name(int64_t protocol);  /* NULL if it has none. */
bool tm_protocol_has_ports(int64_t protocol);    /* TCP, UDP, SCTP. */

/* A port or port range "N" or "N-M", 0..65535, N <= M. */
char *tm_parse_port_range(const char *field, const char *s,
                          int64_t *from, int64_t *to);

/* CIDR "A.B.C.D/N", "X:X::X/N" or a bare address (a host prefix).  Host bits
 * set is an error; the message suggests the network form. */
char *tm_parse_cidr(const char *field, const char *s, struct tm_cidr *out);
/* Formats 'cidr' canonically into a malloc()'d string. */
char *tm_cidr_to_string(const struct tm_cidr *cidr);

/* An IPv4 or IPv6 host address.  On success stores the family in '*family'
 * if nonnull. */
char *tm_parse_ip(const char *field, const char *s, int *family);

/* A collector's address: an IPv4 or IPv6 host address to which copies can
 * be sent, so not unspecified (0.0.0.0, ::, 0.0.0.0/8), loopback (127/8,
 * ::1), multicast (224/4, ff00::/8), broadcast or reserved (240/4, which
 * holds 255.255.255.255), nor IPv6 link-local (fe80::/10, which a tunnel
 * cannot reach without naming an interface). */
char *tm_parse_collector(const char *field, const char *s);

/* A filter rule as plain values, as written by any client. */
struct tm_rule {
    const char *direction;              /* "ingress" or "egress". */
    int64_t rule_number;
    const char *action;                 /* "accept" or "reject". */
    bool has_protocol;
    int64_t protocol;
    const char *source_cidr;            /* NULL or "" = any. */
    const char *destination_cidr;       /* NULL or "" = any. */
    bool has_source_port_from, has_source_port_to;
    int64_t source_port_from, source_port_to;
    bool has_destination_port_from, has_destination_port_to;
    int64_t destination_port_from, destination_port_to;
    const char *vlan;                   /* NULL or "" = any; else a VLAN set
                                         * (tmirror/vlan-set.h) that the
                                         * frame's 802.1Q tag must be in. */
};

/* Checks every field of 'rule' and their combination: ranges, CIDR syntax and
 * host bits, one address family for both CIDRs, ports only with TCP/UDP/SCTP,
 * 'from' <= 'to', 'from' and 'to' given together.  A protocol of ICMP with an
 * IPv6 CIDR, or ICMPv6 with an IPv4 CIDR, is refused too.  'vlan' must be a
 * valid VLAN set (tm_parse_vlan_set()). */
char *tm_rule_validate(const struct tm_rule *rule);

/* A target as plain values. */
struct tm_target {
    const char *name;
    const char *type;                   /* "port" or "ip". */
    const char *port;                   /* iface-id, for "port". */
    const char *const *addresses;       /* For "ip". */
    size_t n_addresses;
    const char *encap;                  /* NULL = vxlan ("" is refused);
                                         * for "ip" only. */
    const char *const *option_keys;     /* Target options map. */
    const char *const *option_values;
    size_t n_options;
};

/* Checks a target: a port target names an iface-id and nothing else; an ip
 * target has at least one collector address (tm_parse_collector()), no
 * duplicates, a known encap, and
 * only the options that encap takes (dst_port 1..65535 for vxlan and geneve;
 * erspan_ver 1 or 2 for erspan).  Unknown option keys are refused. */
char *tm_target_validate(const struct tm_target *target);

/* Returns the encapsulation in effect for an ip target ("vxlan" when
 * unset) */
const char *tm_target_encap(const char *encap);

/* Checks a session's own values against its target's encap ('encap' is NULL
 * for a port target): VNI range (1 to 16777215), packet length range, VNI
 * <= 1023 for ERSPAN.  'vni' < 0 (not chosen yet) and 'packet_length' < 0
 * mean "not set". */
char *tm_session_validate(int64_t session_number, int64_t vni,
                          int64_t packet_length, const char *encap);

/* The number of pseudo-random values that tm_vni_choose() tries first, and
 * the 'i'th of them (0 <= 'i' < TM_VNI_N_RANDOM) for 'seed', so that a
 * client can ask for their sessions before it picks. */
#define TM_VNI_N_RANDOM 16
int64_t tm_vni_candidate(uint32_t seed, uint32_t i, bool erspan);

/* Picks an unused VNI for a new session, within 1..1023 when 'erspan', else
 * 1..16777215: first a few pseudo-random values derived from 'seed' (so
 * that concurrent clients rarely pick the same), then, if all of those are
 * in use, the next unused value after a pseudo-random start.  'is_used'
 * says whether a value is in use (given 'aux').  Returns an error if every
 * value is used. */
char *tm_vni_choose(bool (*is_used)(int64_t vni, const void *aux),
                    const void *aux, bool erspan, uint32_t seed,
                    int64_t *vni);

#endif /* tmirror/validate.h */
