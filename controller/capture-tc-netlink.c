/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/capture-tc-netlink.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/gen_stats.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/veth.h>
#include "coverage.h"
#include "netlink.h"
#include "netlink-socket.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "socket-util.h"
#include "tc.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(capture_tc_netlink);

COVERAGE_DEFINE(tcnl_request);
COVERAGE_DEFINE(tcnl_dump);

#define TCNL_PARENT(HOOK) \
    ((HOOK) == TCNL_HOOK_INGRESS ? TC_INGRESS_PARENT : TC_EGRESS_PARENT)

/* Returns "ingress" or "egress". */
const char *
tcnl_hook_name(enum tcnl_hook hook)
{
    return hook == TCNL_HOOK_INGRESS ? "ingress" : "egress";
}

/* Returns "matchall" or "bpf". */
const char *
tcnl_classifier_name(enum tcnl_classifier cls)
{
    return cls == TCNL_CLS_MATCHALL ? "matchall" : "bpf";
}

/* The classic BPF program that accepts every frame ("ret #-1": match, with
 * the classifier's default result). */
static const struct sock_filter tcnl_match_all_bpf[] = {
    { .code = BPF_RET | BPF_K, .jt = 0, .jf = 0, .k = UINT32_MAX },
};

/* Sends 'request' and receives the answers with the same sequence number,
 * up to the acknowledgement (NLM_F_ACK is always set, so that the kernel
 * always answers: it answers some GETs with nothing else). */
int
tcnl_transact(struct nl_sock *sock, struct ofpbuf *request,
              struct ofpbuf **replyp, char **errmsgp)
{
    struct ofpbuf *reply = NULL;
    uint64_t stub[4096 / 8];
    struct ofpbuf buf;
    uint32_t seq;
    int error;

    if (replyp) {
        *replyp = NULL;
    }
    if (errmsgp) {
        *errmsgp = NULL;
    }

    COVERAGE_INC(tcnl_request);
    nl_msg_nlmsghdr(request)->nlmsg_flags |= NLM_F_ACK;
    error = nl_sock_send(sock, request, true);
    seq = nl_msg_nlmsghdr(request)->nlmsg_seq;
    ofpbuf_uninit(request);
    if (error) {
        return error;
    }

    ofpbuf_use_stub(&buf, stub, sizeof stub);
    for (;;) {
        error = nl_sock_recv(sock, &buf, NULL, true);
        if (error) {
            break;
        }
        if (nl_msg_nlmsghdr(&buf)->nlmsg_seq != seq) {
            continue;           /* A late answer to an earlier request. */
        }

        const char *msg = NULL;
        if (nl_msg_nlmsgerr(&buf, &error, &msg)) {
            if (error && errmsgp && msg && msg[0]) {
                *errmsgp = xstrdup(msg);
            }
            break;
        } else if (!reply) {
            reply = ofpbuf_clone(&buf);
        }
    }
    ofpbuf_uninit(&buf);
    if (!error && replyp) {
        *replyp = reply;
    } else {
        ofpbuf_delete(reply);
    }
    return error;
}

/* Frees and clears the error message in '*errmsgp', if any. */
static void
tcnl_forget_errmsg(char **errmsgp)
{
    if (errmsgp) {
        free(*errmsgp);
        *errmsgp = NULL;
    }
}

/* Starts an rtnetlink link request of 'type' with 'flags' for 'ifindex' in
 * 'request' (to uninit) and returns its ifinfomsg. */
static struct ifinfomsg *
tcnl_link_request(struct ofpbuf *request, int type, unsigned int flags,
                  int ifindex)
{
    struct ifinfomsg *ifi;

    ofpbuf_init(request, 512);
    nl_msg_put_nlmsghdr(request, sizeof *ifi, type, NLM_F_REQUEST | flags);
    ifi = ofpbuf_put_zeros(request, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    return ifi;
}

/* Copies string attribute 'nla' into 'dst' of 'size' bytes, truncating. */
static void
tcnl_copy_string(char *dst, size_t size, const struct nlattr *nla)
{
    ovs_strzcpy(dst, nla ? nl_attr_get_string(nla) : "", size);
}

/* Parses the RTM_NEWLINK message 'msg' into 'link'.  Returns false if it is
 * not a valid one. */
static bool
tcnl_link_parse(const struct ofpbuf *msg, struct tcnl_link *link)
{
    static const struct nl_policy policy[] = {
        [IFLA_IFNAME] = { .type = NL_A_STRING, .optional = false },
        [IFLA_MTU] = { .type = NL_A_U32, .optional = true },
        [IFLA_LINK] = { .type = NL_A_U32, .optional = true },
        [IFLA_GROUP] = { .type = NL_A_U32, .optional = true },
        [IFLA_IFALIAS] = { .type = NL_A_STRING, .optional = true },
        [IFLA_LINKINFO] = { .type = NL_A_NESTED, .optional = true },
    };
    static const struct nl_policy info_policy[] = {
        [IFLA_INFO_KIND] = { .type = NL_A_STRING, .optional = true },
    };
    struct nlattr *attrs[ARRAY_SIZE(policy)];
    struct nlattr *info[ARRAY_SIZE(info_policy)];
    const struct nlmsghdr *nlh = nl_msg_nlmsghdr(msg);
    const struct ifinfomsg *ifi;

    memset(link, 0, sizeof *link);
    ifi = ofpbuf_at(msg, NLMSG_HDRLEN, sizeof *ifi);
    if (!nlh || nlh->nlmsg_type != RTM_NEWLINK || !ifi
        || !nl_policy_parse(msg, NLMSG_HDRLEN + sizeof *ifi, policy, attrs,
                            ARRAY_SIZE(policy))) {
        return false;
    }
    link->ifindex = ifi->ifi_index;
    link->flags = ifi->ifi_flags;
    tcnl_copy_string(link->name, sizeof link->name, attrs[IFLA_IFNAME]);
    tcnl_copy_string(link->alias, sizeof link->alias, attrs[IFLA_IFALIAS]);
    link->mtu = attrs[IFLA_MTU] ? nl_attr_get_u32(attrs[IFLA_MTU]) : 0;
    link->peer_ifindex = (attrs[IFLA_LINK]
                          ? nl_attr_get_u32(attrs[IFLA_LINK]) : 0);
    link->group = attrs[IFLA_GROUP] ? nl_attr_get_u32(attrs[IFLA_GROUP]) : 0;
    if (attrs[IFLA_LINKINFO]
        && nl_parse_nested(attrs[IFLA_LINKINFO], info_policy, info,
                           ARRAY_SIZE(info_policy))) {
        tcnl_copy_string(link->kind, sizeof link->kind,
                         info[IFLA_INFO_KIND]);
    }
    return true;
}

/* Gets device 'name'. */
int
tcnl_link_get(struct nl_sock *sock, const char *name, struct tcnl_link *link)
{
    struct ofpbuf request, *reply;
    int error;

    memset(link, 0, sizeof *link);
    tcnl_link_request(&request, RTM_GETLINK, 0, 0);
    nl_msg_put_string(&request, IFLA_IFNAME, name);
    error = tcnl_transact(sock, &request, &reply, NULL);
    if (!error) {
        if (!reply || !tcnl_link_parse(reply, link)) {
            error = EPROTO;
        }
        ofpbuf_delete(reply);
    }
    return error;
}

/* Dumps every device. */
int
tcnl_link_dump(struct tcnl_link **linksp, size_t *np)
{
    uint64_t stub[NL_DUMP_BUFSIZE / 8];
    struct ofpbuf request, reply, buf;
    struct tcnl_link *links = NULL;
    size_t n = 0, allocated = 0;
    struct nl_dump dump;

    COVERAGE_INC(tcnl_dump);
    tcnl_link_request(&request, RTM_GETLINK, NLM_F_DUMP, 0);
    nl_dump_start(&dump, NETLINK_ROUTE, &request);
    ofpbuf_uninit(&request);

    ofpbuf_use_stub(&buf, stub, sizeof stub);
    while (nl_dump_next(&dump, &reply, &buf)) {
        if (n >= allocated) {
            links = x2nrealloc(links, &allocated, sizeof *links);
        }
        if (tcnl_link_parse(&reply, &links[n])) {
            n++;
        }
    }
    ofpbuf_uninit(&buf);

    int error = nl_dump_done(&dump);
    if (error) {
        free(links);
        links = NULL;
        n = 0;
    }
    *linksp = links;
    *np = n;
    return error;
}

/* Creates the veth pair 'name' <-> 'peer'. */
int
tcnl_veth_create(struct nl_sock *sock, const char *name, const char *peer,
                 uint32_t group, int mtu, char **errmsgp)
{
    struct ofpbuf request;
    size_t linkinfo, data, peer_ofs;
    struct ifinfomsg *peer_ifi;

    tcnl_link_request(&request, RTM_NEWLINK,
                      NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, 0);
    nl_msg_put_string(&request, IFLA_IFNAME, name);
    nl_msg_put_u32(&request, IFLA_GROUP, group);
    if (mtu > 0) {
        nl_msg_put_u32(&request, IFLA_MTU, mtu);
    }
    linkinfo = nl_msg_start_nested(&request, IFLA_LINKINFO);
    nl_msg_put_string(&request, IFLA_INFO_KIND, "veth");
    data = nl_msg_start_nested(&request, IFLA_INFO_DATA);
    peer_ofs = nl_msg_start_nested(&request, VETH_INFO_PEER);
    peer_ifi = ofpbuf_put_zeros(&request, sizeof *peer_ifi);
    peer_ifi->ifi_family = AF_UNSPEC;
    nl_msg_put_string(&request, IFLA_IFNAME, peer);
    nl_msg_put_u32(&request, IFLA_GROUP, group);
    if (mtu > 0) {
        nl_msg_put_u32(&request, IFLA_MTU, mtu);
    }
    nl_msg_end_nested(&request, peer_ofs);
    nl_msg_end_nested(&request, data);
    nl_msg_end_nested(&request, linkinfo);
    return tcnl_transact(sock, &request, NULL, errmsgp);
}

/* Sets device 'ifindex' up, its MTU and its alias. */
int
tcnl_link_set(struct nl_sock *sock, int ifindex, bool up, int mtu,
              const char *alias, char **errmsgp)
{
    struct ofpbuf request;
    struct ifinfomsg *ifi;

    ifi = tcnl_link_request(&request, RTM_NEWLINK, NLM_F_ACK, ifindex);
    if (up) {
        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
    }
    if (mtu > 0) {
        nl_msg_put_u32(&request, IFLA_MTU, mtu);
    }
    if (alias) {
        nl_msg_put_string(&request, IFLA_IFALIAS, alias);
    }
    return tcnl_transact(sock, &request, NULL, errmsgp);
}

/* Deletes device 'ifindex'. */
int
tcnl_link_delete(struct nl_sock *sock, int ifindex, char **errmsgp)
{
    struct ofpbuf request;

    tcnl_link_request(&request, RTM_DELLINK, NLM_F_ACK, ifindex);
    return tcnl_transact(sock, &request, NULL, errmsgp);
}

/* Writes "1" to /proc/sys/net/ipv6/conf/NAME/disable_ipv6.  A kernel
 * without IPv6 has no such file, which is as good. */
static int
tcnl_disable_ipv6(const char *name)
{
    char *path = xasprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
    FILE *file = fopen(path, "w");
    int error = 0;

    if (!file) {
        error = errno == ENOENT ? 0 : errno;
    } else {
        if (fputs("1\n", file) < 0) {
            error = errno;
        }
        if (fclose(file) && !error) {
            error = errno;
        }
    }
    free(path);
    return error;
}

/* Turns off transmit checksum offload and IPv6 on 'name'. */
int
tcnl_link_quiet(const char *name)
{
    struct ethtool_value value = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
    struct ifreq ifr;

    memset(&ifr, 0, sizeof ifr);
    ovs_strzcpy(ifr.ifr_name, name, sizeof ifr.ifr_name);
    ifr.ifr_data = (void *) &value;
    int error = af_inet_ioctl(SIOCETHTOOL, &ifr);
    int error6 = tcnl_disable_ipv6(name);
    return error ? error : error6;
}

/* Parses RTM_NEWQDISC 'msg' into 'q'.  Returns false if it is not a valid
 * one, or not at an ingress handle. */
static bool
tcnl_qdisc_parse(const struct ofpbuf *msg, struct tcnl_qdisc *q)
{
    static const struct nl_policy policy[] = {
        [TCA_KIND] = { .type = NL_A_STRING, .optional = false },
        [TCA_INGRESS_BLOCK] = { .type = NL_A_U32, .optional = true },
        [TCA_EGRESS_BLOCK] = { .type = NL_A_U32, .optional = true },
    };
    struct nlattr *attrs[ARRAY_SIZE(policy)];
    const struct nlmsghdr *nlh = nl_msg_nlmsghdr(msg);
    const struct tcmsg *tc;

    memset(q, 0, sizeof *q);
    tc = ofpbuf_at(msg, NLMSG_HDRLEN, sizeof *tc);
    if (!nlh || nlh->nlmsg_type != RTM_NEWQDISC || !tc
        || tc->tcm_parent != TC_H_INGRESS
        || tc->tcm_handle != TC_H_MAKE(TC_H_INGRESS, 0)
        || !nl_policy_parse(msg, NLMSG_HDRLEN + sizeof *tc, policy, attrs,
                            ARRAY_SIZE(policy))) {
        return false;
    }
    q->ifindex = tc->tcm_ifindex;
    tcnl_copy_string(q->kind, sizeof q->kind, attrs[TCA_KIND]);
    q->ingress_block = (attrs[TCA_INGRESS_BLOCK]
                        ? nl_attr_get_u32(attrs[TCA_INGRESS_BLOCK]) : 0);
    q->egress_block = (attrs[TCA_EGRESS_BLOCK]
                       ? nl_attr_get_u32(attrs[TCA_EGRESS_BLOCK]) : 0);
    return true;
}

/* Dumps the ingress-handle qdiscs of every device. */
int
tcnl_qdisc_dump(struct tcnl_qdisc **qdiscsp, size_t *np)
{
    uint64_t stub[NL_DUMP_BUFSIZE / 8];
    struct ofpbuf request, reply, buf;
    struct tcnl_qdisc *qdiscs = NULL;
    size_t n = 0, allocated = 0;
    struct nl_dump dump;

    COVERAGE_INC(tcnl_dump);
    tc_make_request(0, RTM_GETQDISC, NLM_F_DUMP, &request);
    nl_dump_start(&dump, NETLINK_ROUTE, &request);
    ofpbuf_uninit(&request);

    ofpbuf_use_stub(&buf, stub, sizeof stub);
    while (nl_dump_next(&dump, &reply, &buf)) {
        if (n >= allocated) {
            qdiscs = x2nrealloc(qdiscs, &allocated, sizeof *qdiscs);
        }
        if (tcnl_qdisc_parse(&reply, &qdiscs[n])) {
            n++;
        }
    }
    ofpbuf_uninit(&buf);

    int error = nl_dump_done(&dump);
    if (error) {
        free(qdiscs);
        qdiscs = NULL;
        n = 0;
    }
    *qdiscsp = qdiscs;
    *np = n;
    return error;
}

/* Finds the qdisc of 'ifindex'. */
const struct tcnl_qdisc *
tcnl_qdisc_find(const struct tcnl_qdisc *qdiscs, size_t n, int ifindex)
{
    for (size_t i = 0; i < n; i++) {
        if (qdiscs[i].ifindex == ifindex) {
            return &qdiscs[i];
        }
    }
    return NULL;
}

/* Adds or deletes the clsact qdisc of 'ifindex'. */
static int
tcnl_clsact(struct nl_sock *sock, int ifindex, bool add, char **errmsgp)
{
    struct ofpbuf request;
    struct tcmsg *tcmsg;

    tcmsg = tc_make_request(ifindex, add ? RTM_NEWQDISC : RTM_DELQDISC,
                            (add ? NLM_F_CREATE | NLM_F_EXCL : 0) | NLM_F_ACK,
                            &request);
    tcmsg->tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0);
    tcmsg->tcm_parent = TC_H_CLSACT;
    /* On deletion, the kind makes the kernel refuse to delete an "ingress"
     * qdisc in place of a clsact. */
    nl_msg_put_string(&request, TCA_KIND, "clsact");
    return tcnl_transact(sock, &request, NULL, errmsgp);
}

int
tcnl_clsact_add(struct nl_sock *sock, int ifindex, char **errmsgp)
{
    return tcnl_clsact(sock, ifindex, true, errmsgp);
}

int
tcnl_clsact_del(struct nl_sock *sock, int ifindex, char **errmsgp)
{
    return tcnl_clsact(sock, ifindex, false, errmsgp);
}

/* Parses the first action of the action list 'acts' into 'f'. */
static void
tcnl_parse_actions(const struct nlattr *acts, struct tcnl_filter *f)
{
    static const struct nl_policy act_policy[] = {
        [TCA_ACT_KIND] = { .type = NL_A_STRING, .optional = false },
        [TCA_ACT_OPTIONS] = { .type = NL_A_NESTED, .optional = true },
        [TCA_ACT_COOKIE] = { .type = NL_A_UNSPEC, .optional = true,
                             .max_len = TCNL_COOKIE_MAX },
        [TCA_ACT_STATS] = { .type = NL_A_NESTED, .optional = true },
    };
    static const struct nl_policy mirred_policy[] = {
        [TCA_MIRRED_PARMS] = { .type = NL_A_UNSPEC, .optional = false,
                               .min_len = sizeof(struct tc_mirred) },
    };
    static const struct nl_policy stats_policy[] = {
        [TCA_STATS_BASIC] = { .type = NL_A_UNSPEC, .optional = true,
                              .min_len = 12 },
    };
    const struct nlattr *first = NULL, *nla;
    size_t left;

    NL_NESTED_FOR_EACH (nla, left, acts) {
        f->n_actions++;
        if (!first || nl_attr_type(nla) < nl_attr_type(first)) {
            first = nla;
        }
    }

    struct nlattr *a[ARRAY_SIZE(act_policy)];
    if (!first || !nl_parse_nested(first, act_policy, a,
                                   ARRAY_SIZE(act_policy))) {
        return;
    }
    tcnl_copy_string(f->act_kind, sizeof f->act_kind, a[TCA_ACT_KIND]);
    if (a[TCA_ACT_COOKIE]) {
        f->cookie_len = nl_attr_get_size(a[TCA_ACT_COOKIE]);
        memcpy(f->cookie, nl_attr_get(a[TCA_ACT_COOKIE]), f->cookie_len);
    }

    struct nlattr *s[ARRAY_SIZE(stats_policy)];
    if (a[TCA_ACT_STATS]
        && nl_parse_nested(a[TCA_ACT_STATS], stats_policy, s,
                           ARRAY_SIZE(stats_policy))
        && s[TCA_STATS_BASIC]) {
        const uint8_t *b = nl_attr_get(s[TCA_STATS_BASIC]);
        uint32_t packets;

        memcpy(&f->bytes, b, sizeof f->bytes);
        memcpy(&packets, b + sizeof f->bytes, sizeof packets);
        f->packets = packets;
    }

    struct nlattr *m[ARRAY_SIZE(mirred_policy)];
    if (!strcmp(f->act_kind, "mirred") && a[TCA_ACT_OPTIONS]
        && nl_parse_nested(a[TCA_ACT_OPTIONS], mirred_policy, m,
                           ARRAY_SIZE(mirred_policy))) {
        struct tc_mirred parms;

        memcpy(&parms, nl_attr_get(m[TCA_MIRRED_PARMS]), sizeof parms);
        f->mirred = true;
        f->mirred_eaction = parms.eaction;
        f->mirred_control = parms.action;
        f->mirred_ifindex = parms.ifindex;
    }
}

/* Parses the RTM_NEWTFILTER message 'msg' into 'f'.  Returns false if it is
 * not a valid one. */
static bool
tcnl_filter_parse(const struct ofpbuf *msg, struct tcnl_filter *f)
{
    static const struct nl_policy policy[] = {
        [TCA_KIND] = { .type = NL_A_STRING, .optional = false },
        [TCA_OPTIONS] = { .type = NL_A_NESTED, .optional = true },
        [TCA_CHAIN] = { .type = NL_A_U32, .optional = true },
    };
    static const struct nl_policy bpf_policy[] = {
        [TCA_BPF_OPS] = { .type = NL_A_UNSPEC, .optional = true },
        [TCA_BPF_ACT] = { .type = NL_A_NESTED, .optional = true },
    };
    static const struct nl_policy matchall_policy[] = {
        [TCA_MATCHALL_ACT] = { .type = NL_A_NESTED, .optional = true },
    };
    struct nlattr *attrs[ARRAY_SIZE(policy)];
    const struct nlmsghdr *nlh = nl_msg_nlmsghdr(msg);
    const struct tcmsg *tc;

    memset(f, 0, sizeof *f);
    tc = ofpbuf_at(msg, NLMSG_HDRLEN, sizeof *tc);
    if (!nlh || nlh->nlmsg_type != RTM_NEWTFILTER || !tc
        || !nl_policy_parse(msg, NLMSG_HDRLEN + sizeof *tc, policy, attrs,
                            ARRAY_SIZE(policy))) {
        return false;
    }
    f->prio = tc_get_major(tc->tcm_info);
    f->protocol = ntohs(tc_get_minor(tc->tcm_info));
    f->handle = tc->tcm_handle;
    f->chain = attrs[TCA_CHAIN] ? nl_attr_get_u32(attrs[TCA_CHAIN]) : 0;
    tcnl_copy_string(f->kind, sizeof f->kind, attrs[TCA_KIND]);
    if (!attrs[TCA_OPTIONS]) {
        return true;
    }

    /* Only the classifiers that tmirror uses are looked into. */
    if (!strcmp(f->kind, "bpf")) {
        struct nlattr *b[ARRAY_SIZE(bpf_policy)];

        if (nl_parse_nested(attrs[TCA_OPTIONS], bpf_policy, b,
                            ARRAY_SIZE(bpf_policy))) {
            f->match_all = (b[TCA_BPF_OPS]
                            && nl_attr_get_size(b[TCA_BPF_OPS])
                               == sizeof tcnl_match_all_bpf
                            && !memcmp(nl_attr_get(b[TCA_BPF_OPS]),
                                       tcnl_match_all_bpf,
                                       sizeof tcnl_match_all_bpf));
            if (b[TCA_BPF_ACT]) {
                tcnl_parse_actions(b[TCA_BPF_ACT], f);
            }
        }
    } else if (!strcmp(f->kind, "matchall")) {
        struct nlattr *m[ARRAY_SIZE(matchall_policy)];

        f->match_all = true;
        if (nl_parse_nested(attrs[TCA_OPTIONS], matchall_policy, m,
                            ARRAY_SIZE(matchall_policy))
            && m[TCA_MATCHALL_ACT]) {
            tcnl_parse_actions(m[TCA_MATCHALL_ACT], f);
        }
    }
    return true;
}

/* Dumps the filters of one hook. */
int
tcnl_filter_dump(int ifindex, enum tcnl_hook hook,
                 struct tcnl_filter **filtersp, size_t *np)
{
    uint64_t stub[NL_DUMP_BUFSIZE / 8];
    struct ofpbuf request, reply, buf;
    struct tcnl_filter *filters = NULL;
    size_t n = 0, allocated = 0;
    struct nl_dump dump;
    struct tcmsg *tcmsg;

    COVERAGE_INC(tcnl_dump);
    tcmsg = tc_make_request(ifindex, RTM_GETTFILTER, NLM_F_DUMP, &request);
    tcmsg->tcm_parent = TCNL_PARENT(hook);
    tcmsg->tcm_info = 0;
    tcmsg->tcm_handle = 0;
    nl_dump_start(&dump, NETLINK_ROUTE, &request);
    ofpbuf_uninit(&request);

    ofpbuf_use_stub(&buf, stub, sizeof stub);
    while (nl_dump_next(&dump, &reply, &buf)) {
        if (n >= allocated) {
            filters = x2nrealloc(filters, &allocated, sizeof *filters);
        }
        if (tcnl_filter_parse(&reply, &filters[n])) {
            n++;
        }
    }
    ofpbuf_uninit(&buf);

    int error = nl_dump_done(&dump);
    if (error) {
        free(filters);
        filters = NULL;
        n = 0;
    }
    *filtersp = filters;
    *np = n;
    return error;
}

/* Appends to 'request' the action list entry 1: mirred egress mirror to
 * 'target_ifindex', control "continue", with 'cookie'. */
static void
tcnl_put_mirred(struct ofpbuf *request, int target_ifindex,
                const void *cookie, size_t cookie_len)
{
    struct tc_mirred parms = {
        .action = TC_ACT_UNSPEC,
        .eaction = TCA_EGRESS_MIRROR,
        .ifindex = target_ifindex,
    };
    size_t act, opts;

    act = nl_msg_start_nested(request, 1);
    nl_msg_put_string(request, TCA_ACT_KIND, "mirred");
    if (cookie_len) {
        nl_msg_put_unspec(request, TCA_ACT_COOKIE, cookie, cookie_len);
    }
    opts = nl_msg_start_nested(request, TCA_ACT_OPTIONS);
    nl_msg_put_unspec(request, TCA_MIRRED_PARMS, &parms, sizeof parms);
    nl_msg_end_nested(request, opts);
    nl_msg_end_nested(request, act);
}

/* Starts in 'request' (to uninit) a RTM_NEWTFILTER for filter 1 at 'prio'
 * of 'hook' on 'ifindex' with 'flags', of classifier 'cls' matching every
 * frame in software only, and returns the offset of its TCA_OPTIONS (for
 * the caller to add the actions and end). */
static size_t
tcnl_filter_request(struct ofpbuf *request, int ifindex, enum tcnl_hook hook,
                    uint16_t prio, enum tcnl_classifier cls,
                    unsigned int flags)
{
    struct tcmsg *tcmsg;
    size_t opts;

    tcmsg = tc_make_request(ifindex, RTM_NEWTFILTER, flags, request);
    tcmsg->tcm_parent = TCNL_PARENT(hook);
    tcmsg->tcm_info = tc_make_handle(prio, htons(ETH_P_ALL));
    tcmsg->tcm_handle = 1;
    nl_msg_put_string(request, TCA_KIND, tcnl_classifier_name(cls));

    opts = nl_msg_start_nested(request, TCA_OPTIONS);
    if (cls == TCNL_CLS_MATCHALL) {
        nl_msg_put_u32(request, TCA_MATCHALL_FLAGS, TCA_CLS_FLAGS_SKIP_HW);
    } else {
        nl_msg_put_u16(request, TCA_BPF_OPS_LEN,
                       ARRAY_SIZE(tcnl_match_all_bpf));
        nl_msg_put_unspec(request, TCA_BPF_OPS, tcnl_match_all_bpf,
                          sizeof tcnl_match_all_bpf);
        nl_msg_put_u32(request, TCA_BPF_FLAGS_GEN, TCA_CLS_FLAGS_SKIP_HW);
    }
    return opts;
}

/* Adds or replaces a match-everything mirror filter. */
int
tcnl_mirror_filter_put(struct nl_sock *sock, int ifindex,
                       enum tcnl_hook hook, uint16_t prio,
                       enum tcnl_classifier cls, bool replace,
                       int target_ifindex, const void *cookie,
                       size_t cookie_len, char **errmsgp)
{
    unsigned int flags = NLM_F_CREATE | NLM_F_ACK;
    struct ofpbuf request;
    size_t opts, acts;

    if (replace && cls == TCNL_CLS_MATCHALL) {
        int error = tcnl_filter_del(sock, ifindex, hook, prio, ETH_P_ALL, 1,
                                    "matchall", errmsgp);
        if (error && error != ENOENT) {
            return error;
        }
        tcnl_forget_errmsg(errmsgp);
        replace = false;
    }
    flags |= replace ? NLM_F_REPLACE : NLM_F_EXCL;
    opts = tcnl_filter_request(&request, ifindex, hook, prio, cls, flags);
    acts = nl_msg_start_nested(&request, (cls == TCNL_CLS_MATCHALL
                                          ? TCA_MATCHALL_ACT : TCA_BPF_ACT));
    tcnl_put_mirred(&request, target_ifindex, cookie, cookie_len);
    nl_msg_end_nested(&request, acts);
    nl_msg_end_nested(&request, opts);
    return tcnl_transact(sock, &request, NULL, errmsgp);
}

/* Deletes one filter. */
int
tcnl_filter_del(struct nl_sock *sock, int ifindex, enum tcnl_hook hook,
                uint16_t prio, uint16_t protocol, uint32_t handle,
                const char *kind, char **errmsgp)
{
    struct ofpbuf request;
    struct tcmsg *tcmsg;

    tcmsg = tc_make_request(ifindex, RTM_DELTFILTER, NLM_F_ACK, &request);
    tcmsg->tcm_parent = TCNL_PARENT(hook);
    tcmsg->tcm_info = tc_make_handle(prio, htons(protocol));
    tcmsg->tcm_handle = handle;
    nl_msg_put_string(&request, TCA_KIND, kind);
    return tcnl_transact(sock, &request, NULL, errmsgp);
}

/* Probes for the classifiers on the caller's own device 'ifindex'. */
int
tcnl_probe_classifier(struct nl_sock *sock, int ifindex,
                      enum tcnl_classifier *cls, char **errmsgp)
{
    static const enum tcnl_classifier order[] = {
        TCNL_CLS_MATCHALL, TCNL_CLS_BPF,
    };
    int error, probe_error = ENOENT;

    *cls = TCNL_CLS_BPF;
    error = tcnl_clsact_add(sock, ifindex, errmsgp);
    if (error && error != EEXIST) {
        return error;
    }
    tcnl_forget_errmsg(errmsgp);

    /* A filter without actions on the ingress hook of the caller's device:
     * ENOENT means "no such classifier"; any other error rules the
     * classifier out too, the same way on every run. */
    for (size_t i = 0; i < ARRAY_SIZE(order) && probe_error; i++) {
        struct ofpbuf request;
        size_t opts;

        tcnl_forget_errmsg(errmsgp);
        opts = tcnl_filter_request(&request, ifindex, TCNL_HOOK_INGRESS, 1,
                                   order[i],
                                   NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
        nl_msg_end_nested(&request, opts);
        probe_error = tcnl_transact(sock, &request, NULL, errmsgp);
        VLOG_DBG("probe of cls_%s on ifindex %d: %s",
                 tcnl_classifier_name(order[i]), ifindex,
                 probe_error ? ovs_strerror(probe_error) : "present");
        if (!probe_error) {
            *cls = order[i];
        }
    }

    char *del_errmsg = NULL;
    error = tcnl_clsact_del(sock, ifindex, &del_errmsg);
    if (error) {
        tcnl_forget_errmsg(errmsgp);
        if (errmsgp) {
            *errmsgp = del_errmsg;
        } else {
            free(del_errmsg);
        }
        return error;
    }
    free(del_errmsg);
    return probe_error ? ENOENT : 0;
}
