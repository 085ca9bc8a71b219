/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Parsing and validation of the operator's intent.  See
 * include/tmirror/validate.h for the contract of every function. */

#include <config.h>

#include "tmirror/validate.h"
#include "tmirror/vlan-set.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(validate);

#define IPPROTO_NUM_ICMP 1
#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_UDP 17
#define IPPROTO_NUM_ICMPV6 58
#define IPPROTO_NUM_SCTP 132

/* Names of the protocols that have one, with their numbers. */
static const struct {
    const char *name;
    int64_t number;
} protocol_names[] = {
    { "icmp", IPPROTO_NUM_ICMP },
    { "tcp", IPPROTO_NUM_TCP },
    { "udp", IPPROTO_NUM_UDP },
    { "icmpv6", IPPROTO_NUM_ICMPV6 },
    { "sctp", IPPROTO_NUM_SCTP },
};

/* Returns true if 's' is an optional '-' followed by one or more decimal
 * digits and nothing else. */
static bool
is_decimal(const char *s)
{
    if (*s == '-') {
        s++;
    }
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
    }
    return true;
}

/* Parses 's' as a decimal integer in 'min'..'max' into '*out'.  Returns NULL
 * or a malloc()'d message naming 'field' and 's'. */
char *
tm_parse_int(const char *field, const char *s, int64_t min, int64_t max,
             int64_t *out)
{
    if (!s || !*s) {
        return xasprintf("%s: missing value (expected an integer from "
                         "%"PRId64" to %"PRId64")", field, min, max);
    }
    if (!is_decimal(s)) {
        return xasprintf("%s: %s is not an integer (expected %"PRId64
                         " to %"PRId64")", field, s, min, max);
    }

    errno = 0;
    long long int value = strtoll(s, NULL, 10);
    if (errno == ERANGE) {
        return xasprintf("%s: %s is out of range (%"PRId64" to %"PRId64")",
                         field, s, min, max);
    }

    char *error = tm_check_int(field, value, min, max);
    if (!error) {
        *out = value;
    }
    return error;
}

/* Checks that 'value' is in 'min'..'max'.  Returns NULL or a malloc()'d
 * message naming 'field' and 'value'. */
char *
tm_check_int(const char *field, int64_t value, int64_t min, int64_t max)
{
    if (value < min || value > max) {
        return xasprintf("%s: %"PRId64" is out of range (%"PRId64" to %"
                         PRId64")", field, value, min, max);
    }
    return NULL;
}

/* Parses a protocol name or number 0..255 into '*out'. */
char *
tm_parse_protocol(const char *field, const char *s, int64_t *out)
{
    if (s) {
        for (size_t i = 0; i < ARRAY_SIZE(protocol_names); i++) {
            if (!strcasecmp(s, protocol_names[i].name)) {
                *out = protocol_names[i].number;
                return NULL;
            }
        }
    }
    if (s && is_decimal(s)) {
        return tm_parse_int(field, s, 0, 255, out);
    }
    return xasprintf("%s: %s is not a protocol (expected tcp, udp, icmp, "
                     "icmpv6, sctp or a number from 0 to 255)",
                     field, s && *s ? s : "\"\"");
}

/* Returns the name of 'protocol', or NULL if it has none. */
const char *
tm_protocol_name(int64_t protocol)
{
    for (size_t i = 0; i < ARRAY_SIZE(protocol_names); i++) {
        if (protocol_names[i].number == protocol) {
            return protocol_names[i].name;
        }
    }
    return NULL;
}

/* Returns true if 'protocol' has ports (TCP, UDP, SCTP). */
bool
tm_protocol_has_ports(int64_t protocol)
{
    return (protocol == IPPROTO_NUM_TCP || protocol == IPPROTO_NUM_UDP
            || protocol == IPPROTO_NUM_SCTP);
}

/* Parses "N" or "N-M" (0..65535, N <= M) into '*from' and '*to'. */
char *
tm_parse_port_range(const char *field, const char *s,
                    int64_t *from, int64_t *to)
{
    if (!s || !*s) {
        return xasprintf("%s: missing value (expected a port or a range "
                         "N-M, 0 to 65535)", field);
    }

    const char *dash = strchr(s, '-');
    char *lo_s = dash ? xmemdup0(s, dash - s) : xstrdup(s);
    const char *hi_s = dash ? dash + 1 : s;
    int64_t lo, hi;
    char *error = NULL;

    if (!*lo_s || !is_decimal(lo_s) || !*hi_s || !is_decimal(hi_s)
        || *hi_s == '-') {
        error = xasprintf("%s: %s is not a port or a port range (expected N "
                          "or N-M, 0 to 65535)", field, s);
    } else {
        error = tm_parse_int(field, lo_s, 0, 65535, &lo);
        if (!error) {
            error = tm_parse_int(field, hi_s, 0, 65535, &hi);
        }
        if (!error && lo > hi) {
            error = xasprintf("%s: %s is not a valid range (%"PRId64" is "
                              "greater than %"PRId64")", field, s, lo, hi);
        }
    }
    free(lo_s);

    if (!error) {
        *from = lo;
        *to = hi;
    }
    return error;
}

/* Parses a decimal prefix length "N" into '*plen', 0..'max'.  Returns false
 * on a syntax error or out of range. */
static bool
parse_plen(const char *s, unsigned int max, unsigned int *plen)
{
    if (!*s || strlen(s) > 3) {
        return false;
    }
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
    }
    unsigned int value = atoi(s);
    if (value > max) {
        return false;
    }
    *plen = value;
    return true;
}

/* Parses the address part of a CIDR or a host address: strict dotted-quad
 * IPv4 or IPv6 text.  Stores the family and the address (IPv4-mapped for
 * IPv4) and returns true on success. */
static bool
parse_address(const char *s, int *family, struct in6_addr *addr)
{
    ovs_be32 ip4;

    if (ip_parse(s, &ip4)) {
        *family = AF_INET;
        *addr = in6_addr_mapped_ipv4(ip4);
        return true;
    } else if (strchr(s, ':') && ipv6_parse(s, addr)
               && !IN6_IS_ADDR_V4MAPPED(addr)) {
        *family = AF_INET6;
        return true;
    }
    return false;
}

/* Returns the IPv4-mapped or IPv6 mask for a prefix of 'plen' bits of
 * 'family'. */
static struct in6_addr
cidr_mask(int family, unsigned int plen)
{
    return ipv6_create_mask(family == AF_INET ? plen + 96 : plen);
}

/* Parses a CIDR or a bare address into '*out'.  Host bits set is an
 * error. */
char *
tm_parse_cidr(const char *field, const char *s, struct tm_cidr *out)
{
    if (!s || !*s) {
        return xasprintf("%s: missing value (expected an IPv4 or IPv6 CIDR)",
                         field);
    }

    const char *slash = strchr(s, '/');
    char *addr_s = slash ? xmemdup0(s, slash - s) : xstrdup(s);
    struct tm_cidr cidr;
    char *error = NULL;

    if (!parse_address(addr_s, &cidr.family, &cidr.addr)) {
        error = xasprintf("%s: %s is not an IPv4 or IPv6 CIDR (expected "
                          "A.B.C.D/N or X:X::X/N)", field, s);
        goto out;
    }

    unsigned int max = cidr.family == AF_INET ? 32 : 128;
    cidr.plen = max;
    if (slash && !parse_plen(slash + 1, max, &cidr.plen)) {
        error = xasprintf("%s: %s has an invalid prefix length (expected 0 "
                          "to %u)", field, s, max);
        goto out;
    }

    struct in6_addr mask = cidr_mask(cidr.family, cidr.plen);
    struct in6_addr net = ipv6_addr_bitand(&cidr.addr, &mask);
    if (!ipv6_addr_equals(&net, &cidr.addr)) {
        struct tm_cidr suggestion = cidr;
        suggestion.addr = net;
        char *good = tm_cidr_to_string(&suggestion);
        error = xasprintf("%s: %s has host bits set (did you mean %s?)",
                          field, s, good);
        free(good);
        goto out;
    }
    *out = cidr;

out:
    free(addr_s);
    return error;
}

/* Formats 'cidr' as "network/plen" into a malloc()'d string. */
char *
tm_cidr_to_string(const struct tm_cidr *cidr)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    if (cidr->family == AF_INET) {
        ovs_be32 ip4 = in6_addr_get_mapped_ipv4(&cidr->addr);
        ds_put_format(&s, IP_FMT, IP_ARGS(ip4));
    } else {
        ipv6_format_addr(&cidr->addr, &s);
    }
    ds_put_format(&s, "/%u", cidr->plen);
    return ds_steal_cstr(&s);
}

/* Parses a bare IPv4 or IPv6 host address. */
char *
tm_parse_ip(const char *field, const char *s, int *family)
{
    struct in6_addr addr;
    int fam;

    if (!s || !*s) {
        return xasprintf("%s: missing value (expected an IPv4 or IPv6 "
                         "address)", field);
    }
    if (!parse_address(s, &fam, &addr)) {
        return xasprintf("%s: %s is not an IPv4 or IPv6 address", field, s);
    }
    if (family) {
        *family = fam;
    }
    return NULL;
}

/* Returns "IPv4" or "IPv6" for 'family'. */
static const char *
family_name(int family)
{
    return family == AF_INET ? "IPv4" : "IPv6";
}

/* Checks that port 'value' of 'side' ("source" or "destination"), bound
 * 'which' ("from" or "to"), is a port number.  The message, for a value out
 * of range, names the field as tm_check_int() does; a valid value, as every
 * rule of every session has when the controller plans it, costs no
 * formatting. */
static char *
check_port_value(const char *side, const char *which, int64_t value)
{
    if (value >= 0 && value <= 65535) {
        return NULL;
    }
    char *field = xasprintf("%s_port_%s", side, which);
    char *error = tm_check_int(field, value, 0, 65535);
    free(field);
    return error;
}

/* Checks one side's port range of a rule ('side' is "source" or
 * "destination"). */
static char *
check_rule_ports(const struct tm_rule *rule, const char *side,
                 bool has_from, int64_t from, bool has_to, int64_t to)
{
    char *error;

    if (has_from != has_to) {
        return xasprintf("%s_port_%s: %"PRId64" is set without %s_port_%s",
                         side, has_from ? "from" : "to",
                         has_from ? from : to, side,
                         has_from ? "to" : "from");
    }
    if (!has_from) {
        return NULL;
    }

    error = check_port_value(side, "from", from);
    if (!error) {
        error = check_port_value(side, "to", to);
    }
    if (error) {
        return error;
    }
    if (from > to) {
        return xasprintf("%s_port: %"PRId64"-%"PRId64" is not a valid range "
                         "(%"PRId64" is greater than %"PRId64")",
                         side, from, to, from, to);
    }
    if (rule->has_protocol && tm_protocol_has_ports(rule->protocol)) {
        return NULL;
    }

    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "%s_port: %"PRId64, side, from);
    if (to != from) {
        ds_put_format(&s, "-%"PRId64, to);
    }
    ds_put_cstr(&s, " needs protocol tcp, udp or sctp (");
    if (!rule->has_protocol) {
        ds_put_cstr(&s, "no protocol is set)");
    } else if (tm_protocol_name(rule->protocol)) {
        ds_put_format(&s, "protocol is %s)",
                      tm_protocol_name(rule->protocol));
    } else {
        ds_put_format(&s, "protocol is %"PRId64")", rule->protocol);
    }
    return ds_steal_cstr(&s);
}

/* Parses one optional CIDR of a rule into '*cidr', setting '*present'. */
static char *
check_rule_cidr(const char *field, const char *s, bool *present,
                struct tm_cidr *cidr)
{
    *present = s && *s;
    return *present ? tm_parse_cidr(field, s, cidr) : NULL;
}

/* Checks the CIDR families of a rule against each other and against an ICMP
 * protocol. */
static char *
check_rule_families(const struct tm_rule *rule,
                    bool has_src, const struct tm_cidr *src,
                    bool has_dst, const struct tm_cidr *dst)
{
    if (has_src && has_dst && src->family != dst->family) {
        return xasprintf("destination_cidr: %s is %s but source_cidr %s is "
                         "%s (both must be of one family)",
                         rule->destination_cidr, family_name(dst->family),
                         rule->source_cidr, family_name(src->family));
    }
    if (!rule->has_protocol || (!has_src && !has_dst)) {
        return NULL;
    }

    int family = has_src ? src->family : dst->family;
    const char *cidr_field = has_src ? "source_cidr" : "destination_cidr";
    const char *cidr_value = has_src ? rule->source_cidr
                                     : rule->destination_cidr;
    if (rule->protocol == IPPROTO_NUM_ICMP && family == AF_INET6) {
        return xasprintf("protocol: icmp does not match %s %s (IPv6); use "
                         "icmpv6", cidr_field, cidr_value);
    }
    if (rule->protocol == IPPROTO_NUM_ICMPV6 && family == AF_INET) {
        return xasprintf("protocol: icmpv6 does not match %s %s (IPv4); use "
                         "icmp", cidr_field, cidr_value);
    }
    return NULL;
}

/* Checks every field of 'rule' and their combination. */
char *
tm_rule_validate(const struct tm_rule *rule)
{
    char *error;

    if (!rule->direction || (strcmp(rule->direction, "ingress")
                             && strcmp(rule->direction, "egress"))) {
        return xasprintf("direction: %s is not ingress or egress",
                         rule->direction ? rule->direction : "(none)");
    }
    error = tm_check_int("rule_number", rule->rule_number,
                         TM_NUMBER_MIN, TM_NUMBER_MAX);
    if (error) {
        return error;
    }
    if (!rule->action || (strcmp(rule->action, "accept")
                          && strcmp(rule->action, "reject"))) {
        return xasprintf("action: %s is not accept or reject",
                         rule->action ? rule->action : "(none)");
    }
    if (rule->has_protocol) {
        error = tm_check_int("protocol", rule->protocol, 0, 255);
        if (error) {
            return error;
        }
    }

    struct tm_cidr src, dst;
    bool has_src, has_dst;
    error = check_rule_cidr("source_cidr", rule->source_cidr, &has_src, &src);
    if (!error) {
        error = check_rule_cidr("destination_cidr", rule->destination_cidr,
                                &has_dst, &dst);
    }
    if (!error) {
        error = check_rule_families(rule, has_src, &src, has_dst, &dst);
    }
    if (!error) {
        error = check_rule_ports(rule, "source",
                                 rule->has_source_port_from,
                                 rule->source_port_from,
                                 rule->has_source_port_to,
                                 rule->source_port_to);
    }
    if (!error) {
        error = check_rule_ports(rule, "destination",
                                 rule->has_destination_port_from,
                                 rule->destination_port_from,
                                 rule->has_destination_port_to,
                                 rule->destination_port_to);
    }
    if (!error && rule->vlan && *rule->vlan) {
        error = tm_check_vlan_set("vlan", rule->vlan);
    }
    return error;
}

/* Returns the encapsulation in effect for an ip target. */
const char *
tm_target_encap(const char *encap)
{
    return encap && *encap ? encap : "vxlan";
}

/* Checks a port target: an iface-id and nothing else. */
static char *
check_port_target(const struct tm_target *t)
{
    if (!t->port || !*t->port) {
        return xstrdup("port: missing value (a port target needs an "
                       "iface-id)");
    }
    if (t->n_addresses) {
        return xasprintf("addresses: %s is not allowed for a port target",
                         t->addresses[0]);
    }
    if (t->encap && *t->encap) {
        return xasprintf("encap: %s is not allowed for a port target",
                         t->encap);
    }
    if (t->n_options) {
        return xasprintf("options: %s is not allowed for a port target",
                         t->option_keys[0]);
    }
    return NULL;
}

/* Returns what makes the IPv4 address 'ip4' unusable for a collector, or
 * NULL if nothing does. */
static const char *
ipv4_unusable(ovs_be32 ip4)
{
    uint32_t a = ntohl(ip4);

    if (!a) {
        return "the unspecified address";
    } else if ((a >> 24) == 0) {
        return "in 0.0.0.0/8 (\"this network\")";
    } else if ((a >> 24) == 127) {
        return "a loopback address";
    } else if ((a >> 28) == 0xe) {
        return "a multicast address";
    } else if (a == UINT32_MAX) {
        return "the broadcast address";
    } else if ((a >> 28) == 0xf) {
        return "in the reserved block 240.0.0.0/4";
    }
    return NULL;
}

/* Returns what makes the IPv6 address 'a' unusable for a collector, or NULL
 * if nothing does. */
static const char *
ipv6_unusable(const struct in6_addr *a)
{
    if (ipv6_addr_equals(a, &in6addr_any)) {
        return "the unspecified address";
    } else if (ipv6_addr_equals(a, &in6addr_loopback)) {
        return "the loopback address";
    } else if (a->s6_addr[0] == 0xff) {
        return "a multicast address";
    } else if (a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80) {
        return "a link-local address, which a tunnel cannot reach without "
               "naming an interface";
    }
    return NULL;
}

/* Parses a collector's address. */
char *
tm_parse_collector(const char *field, const char *s)
{
    int family;
    char *error = tm_parse_ip(field, s, &family);
    if (error) {
        return error;
    }

    struct in6_addr addr;
    parse_address(s, &family, &addr);
    const char *why = (family == AF_INET
                       ? ipv4_unusable(in6_addr_get_mapped_ipv4(&addr))
                       : ipv6_unusable(&addr));
    if (why) {
        return xasprintf("%s: %s is %s (expected the unicast address of a "
                         "collector)", field, s, why);
    }
    return NULL;
}

/* Checks the addresses of an ip target: at least one, each a collector's,
 * no duplicates. */
static char *
check_target_addresses(const struct tm_target *t)
{
    if (!t->n_addresses) {
        return xstrdup("addresses: missing value (an ip target needs at "
                       "least one address)");
    }

    struct in6_addr *addrs = xmalloc(t->n_addresses * sizeof *addrs);
    char *error = NULL;
    for (size_t i = 0; i < t->n_addresses && !error; i++) {
        int family;

        error = tm_parse_collector("addresses", t->addresses[i]);
        if (error) {
            break;
        }
        parse_address(t->addresses[i], &family, &addrs[i]);
        for (size_t j = 0; j < i; j++) {
            if (ipv6_addr_equals(&addrs[i], &addrs[j])) {
                error = xasprintf("addresses: %s is listed more than once",
                                  t->addresses[i]);
                break;
            }
        }
    }
    free(addrs);
    return error;
}

/* Checks one option of an ip target whose encapsulation is 'encap'. */
static char *
check_target_option(const char *encap, const char *key, const char *value)
{
    int64_t n;

    if (!strcmp(key, "dst_port")) {
        if (strcmp(encap, "vxlan") && strcmp(encap, "geneve")) {
            return xasprintf("options:dst_port: %s is not supported with "
                             "encap %s (only vxlan and geneve)", value, encap);
        }
        return tm_parse_int("options:dst_port", value, 1, 65535, &n);
    } else if (!strcmp(key, "erspan_ver")) {
        if (strcmp(encap, "erspan")) {
            return xasprintf("options:erspan_ver: %s is not supported with "
                             "encap %s (only erspan)", value, encap);
        }
        return tm_parse_int("options:erspan_ver", value, 1, 2, &n);
    }
    return xasprintf("options: %s is not a known option (expected dst_port "
                     "or erspan_ver)", key);
}

/* Checks an ip target: addresses, encap and options. */
static char *
check_ip_target(const struct tm_target *t)
{
    if (t->port && *t->port) {
        return xasprintf("port: %s is not allowed for an ip target",
                         t->port);
    }

    char *error = check_target_addresses(t);
    if (error) {
        return error;
    }

    if (t->encap && !*t->encap) {
        return xstrdup("encap: missing value (expected vxlan, geneve, gre "
                       "or erspan; leave it out for vxlan)");
    }
    const char *encap = tm_target_encap(t->encap);
    if (strcmp(encap, "vxlan") && strcmp(encap, "geneve")
        && strcmp(encap, "gre") && strcmp(encap, "erspan")) {
        return xasprintf("encap: %s is not vxlan, geneve, gre or erspan",
                         encap);
    }
    for (size_t i = 0; i < t->n_options; i++) {
        error = check_target_option(encap, t->option_keys[i],
                                    t->option_values[i]);
        if (error) {
            return error;
        }
    }
    return NULL;
}

/* Checks a target as a whole. */
char *
tm_target_validate(const struct tm_target *target)
{
    if (!target->name || !*target->name) {
        return xstrdup("name: a target needs a non-empty name");
    }
    if (!target->type) {
        return xstrdup("type: missing value (expected port or ip)");
    }
    if (!strcmp(target->type, "port")) {
        return check_port_target(target);
    } else if (!strcmp(target->type, "ip")) {
        return check_ip_target(target);
    }
    return xasprintf("type: %s is not port or ip", target->type);
}

/* Checks a session's own values against its target's 'encap'. */
char *
tm_session_validate(int64_t session_number, int64_t vni,
                    int64_t packet_length, const char *encap)
{
    char *error = tm_check_int("session_number", session_number,
                               TM_NUMBER_MIN, TM_NUMBER_MAX);
    if (!error && vni >= 0) {
        error = tm_check_int("vni", vni, TM_VNI_MIN, TM_VNI_MAX);
        if (!error && encap && !strcmp(encap, "erspan")
            && vni > TM_ERSPAN_VNI_MAX) {
            error = xasprintf("vni: %"PRId64" is too large for an erspan "
                              "target (%d to %d: the ERSPAN session id has 10 "
                              "bits)", vni, TM_VNI_MIN, TM_ERSPAN_VNI_MAX);
        }
    }
    if (!error && packet_length >= 0) {
        error = tm_check_int("packet_length", packet_length,
                             TM_PACKET_LENGTH_MIN, TM_PACKET_LENGTH_MAX);
    }
    return error;
}

/* Returns the 'i'th pseudo-random VNI that tm_vni_choose() tries for
 * 'seed'. */
int64_t
tm_vni_candidate(uint32_t seed, uint32_t i, bool erspan)
{
    int64_t max = erspan ? TM_ERSPAN_VNI_MAX : TM_VNI_MAX;
    return TM_VNI_MIN + hash_int(seed, i) % max;
}

/* Picks an unused VNI in 1..1023 ('erspan') or 1..16777215. */
char *
tm_vni_choose(bool (*is_used)(int64_t vni, const void *aux), const void *aux,
              bool erspan, uint32_t seed, int64_t *vni)
{
    int64_t max = erspan ? TM_ERSPAN_VNI_MAX : TM_VNI_MAX;

    for (uint32_t i = 0; i < TM_VNI_N_RANDOM; i++) {
        int64_t candidate = tm_vni_candidate(seed, i, erspan);
        if (!is_used(candidate, aux)) {
            *vni = candidate;
            return NULL;
        }
    }

    /* The walk visits every value of the range at most once. */
    int64_t candidate = TM_VNI_MIN + hash_int(seed, TM_VNI_N_RANDOM) % max;
    for (int64_t i = 0; i < max; i++) {
        if (!is_used(candidate, aux)) {
            *vni = candidate;
            return NULL;
        }
        candidate = candidate >= max ? TM_VNI_MIN : candidate + 1;
    }
    return xasprintf("vni: every value from %d to %"PRId64" is in use%s",
                     TM_VNI_MIN, max,
                     erspan ? " (erspan targets need a VNI of at most 1023)"
                            : "");
}
