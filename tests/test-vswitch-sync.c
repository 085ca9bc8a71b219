/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* test-vswitch-sync: drives controller/vswitch-sync.c against a real
 * Open_vSwitch database, for tests/vswitch-sync.at.
 *
 *   test-vswitch-sync DB-REMOTE BRIDGE [--cleanup] [--encap-ip=IP]
 *                     [--appliance=IFACE-ID]...
 *                     [--tunnel ENCAP[:PORT]]... [IFACE-ID:e|i|ei ...]
 *                     [--tc=IFACE-ID:e|i:PORT:IFINDEX ...]
 *
 * "IFACE-ID:e|i|ei" asks for captures with Mirror rows; "--tc=..." for a
 * capture with tc (the request that the tc backend makes: PORT, the veth
 * end with ifindex IFINDEX, becomes a port of the mirror bridge).
 * Runs vswitch_sync_run() and commits, over and over, until a run changes
 * nothing and every capture is settled (not pending; tunnels have ofports)
 * or 10 s have passed.  Then prints one line per capture, tunnel and source
 * bridge, the ofport of each --appliance on the mirror bridge
 * (vswitch_sync_find_appliance()), the mirror bridge, and how many runs
 * wrote something, and exits
 * with 0 if it settled, 1 if it timed out. */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/vswitch-sync.h"
#include "fatal-signal.h"
#include "flow.h"
#include "openflow/openflow.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

#define TIMEOUT_MSEC 10000

struct options {
    struct vs_config cfg;
    const char *remote;
    struct vs_capture_req *captures;
    size_t n_captures, allocated_captures;
    struct vs_tunnel_req *tunnels;
    size_t n_tunnels, allocated_tunnels;
    const char *appliances[16];
    size_t n_appliances;
};

static void OVS_NO_RETURN
usage(void)
{
    printf("usage: %s DB-REMOTE BRIDGE [--cleanup] [--encap-ip=IP]\n"
           "          [--appliance=IFACE-ID]...\n"
           "          [--tunnel ENCAP[:PORT]]... [IFACE-ID:e|i|ei ...]\n"
           "          [--tc=IFACE-ID:e|i:PORT:IFINDEX ...]\n",
           program_name);
    exit(EXIT_FAILURE);
}

/* Parses "ENCAP[:PORT]" into a new tunnel request.  Keeps pointers into
 * 'arg'. */
static void
add_tunnel(struct options *o, char *arg)
{
    if (o->n_tunnels >= o->allocated_tunnels) {
        o->tunnels = x2nrealloc(o->tunnels, &o->allocated_tunnels,
                                sizeof *o->tunnels);
    }
    struct vs_tunnel_req *t = &o->tunnels[o->n_tunnels++];
    char *colon = strchr(arg, ':');
    t->encap = arg;
    t->dst_port = 0;
    if (colon) {
        *colon = '\0';
        if (!str_to_int(colon + 1, 10, &t->dst_port)) {
            ovs_fatal(0, "--tunnel %s: port \"%s\" is not a number",
                      arg, colon + 1);
        }
    }
}

/* Returns a new, zeroed capture request in 'o'. */
static struct vs_capture_req *
new_capture(struct options *o)
{
    if (o->n_captures >= o->allocated_captures) {
        o->captures = x2nrealloc(o->captures, &o->allocated_captures,
                                 sizeof *o->captures);
    }
    struct vs_capture_req *req = &o->captures[o->n_captures++];
    memset(req, 0, sizeof *req);
    return req;
}

/* Parses "IFACE-ID:e|i|ei|ie" into one capture request per letter. */
static void
add_captures(struct options *o, char *arg)
{
    char *colon = strrchr(arg, ':');
    if (!colon || !colon[1] || strspn(colon + 1, "ei") != strlen(colon + 1)) {
        ovs_fatal(0, "capture \"%s\": expected IFACE-ID:e, :i or :ei", arg);
    }
    *colon = '\0';
    for (const char *p = colon + 1; *p; p++) {
        struct vs_capture_req *req = new_capture(o);
        req->iface_id = arg;
        req->egress = *p == 'e';
    }
}

/* Parses "IFACE-ID:e|i:PORT:IFINDEX" into a tc capture request.  Keeps
 * pointers into 'arg'. */
static void
add_tc_capture(struct options *o, char *arg)
{
    char *save_ptr = NULL;
    char *iface_id = strtok_r(arg, ":", &save_ptr);
    char *dir = strtok_r(NULL, ":", &save_ptr);
    char *port = strtok_r(NULL, ":", &save_ptr);
    char *ifindex = strtok_r(NULL, ":", &save_ptr);
    int n;

    if (!ifindex || (strcmp(dir, "e") && strcmp(dir, "i"))
        || !str_to_int(ifindex, 10, &n)) {
        ovs_fatal(0, "--tc: expected IFACE-ID:e|i:PORT:IFINDEX");
    }
    struct vs_capture_req *req = new_capture(o);
    req->iface_id = iface_id;
    req->egress = dir[0] == 'e';
    req->tc_port = port;
    req->tc_ifindex = n;
}

/* Parses the command line into 'o'. */
static void
parse_options(int argc, char *argv[], struct options *o)
{
    memset(o, 0, sizeof *o);
    if (argc < 3) {
        usage();
    }
    o->remote = argv[1];
    o->cfg.bridge = argv[2];
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--cleanup")) {
            o->cfg.cleanup = true;
        } else if (!strncmp(argv[i], "--appliance=", 12)
                   && o->n_appliances < ARRAY_SIZE(o->appliances)) {
            o->appliances[o->n_appliances++] = argv[i] + 12;
        } else if (!strncmp(argv[i], "--encap-ip=", 11)) {
            o->cfg.encap_ip = argv[i] + 11;
        } else if (!strcmp(argv[i], "--tunnel") && i + 1 < argc) {
            add_tunnel(o, argv[++i]);
        } else if (!strncmp(argv[i], "--tunnel=", 9)) {
            add_tunnel(o, argv[i] + 9);
        } else if (!strncmp(argv[i], "--tc=", 5)) {
            add_tc_capture(o, argv[i] + 5);
        } else if (argv[i][0] == '-') {
            usage();
        } else {
            add_captures(o, argv[i]);
        }
    }
}

/* Returns true if tunnel request 't' can ever get an ofport. */
static bool
tunnel_valid(const struct vs_tunnel_req *t)
{
    return (!strcmp(t->encap, "vxlan") || !strcmp(t->encap, "geneve")
            || !strcmp(t->encap, "gre") || !strcmp(t->encap, "erspan"));
}

/* Returns true if 'r' is a final answer for the requests in 'o'. */
static bool
settled(const struct options *o, const struct vs_result *r)
{
    if (o->cfg.cleanup) {
        return true;
    }
    if (!r->bridge_ready) {
        return false;
    }
    for (size_t i = 0; i < r->n_captures; i++) {
        if (r->captures[i].state == VS_CAPTURE_PENDING) {
            return false;
        }
    }
    for (size_t i = 0; i < r->n_tunnels; i++) {
        if (tunnel_valid(&o->tunnels[i])
            && r->tunnel_ofports[i] == OFPP_NONE) {
            return false;
        }
    }
    return true;
}

/* Prints 'r' for the requests in 'o'. */
static void
print_result(struct ovsdb_idl *idl, const struct options *o,
             const struct vs_result *r, int n_changes)
{
    for (size_t i = 0; i < r->n_captures; i++) {
        const struct vs_capture_result *c = &r->captures[i];
        printf("%s %s %s ofport=", o->captures[i].iface_id,
               o->captures[i].egress ? "egress" : "ingress",
               vs_capture_state_to_string(c->state));
        if (c->mirror_ofport == OFPP_NONE) {
            printf("-");
        } else {
            printf("%d", ofp_to_u16(c->mirror_ofport));
        }
        printf(" bridge=%s%s%s\n", c->bridge ? c->bridge : "-",
               c->message ? " " : "", c->message ? c->message : "");
    }
    for (size_t i = 0; i < r->n_tunnels; i++) {
        printf("tunnel %s:%d ofport=", o->tunnels[i].encap,
               o->tunnels[i].dst_port);
        if (r->tunnel_ofports[i] == OFPP_NONE) {
            printf("-\n");
        } else {
            printf("%d\n", ofp_to_u16(r->tunnel_ofports[i]));
        }
    }
    for (size_t i = 0; i < r->n_capacity; i++) {
        const struct vs_bridge_capacity *c = &r->capacity[i];
        printf("capacity %s foreign=%d owned=%d free=%d\n",
               c->bridge, c->foreign, c->owned, c->free);
    }
    for (size_t i = 0; i < o->n_appliances; i++) {
        ofp_port_t ofport = vswitch_sync_find_appliance(idl, o->cfg.bridge,
                                                        o->appliances[i]);
        printf("appliance %s ofport=", o->appliances[i]);
        if (ofport == OFPP_NONE) {
            printf("-\n");
        } else {
            printf("%d\n", ofp_to_u16(ofport));
        }
    }
    printf("bridge %s ready=%s owned=%s\n", o->cfg.bridge,
           r->bridge_ready ? "true" : "false",
           r->bridge_owned ? "true" : "false");
    printf("changes=%d\n", n_changes);
}

int
main(int argc, char *argv[])
{
    struct options o;
    struct vs_result result;
    int n_changes = 0;
    bool done = false;

    set_program_name(argv[0]);
    fatal_ignore_sigpipe();
    parse_options(argc, argv, &o);

    struct ovsdb_idl *idl = ovsdb_idl_create(o.remote, &ovsrec_idl_class,
                                             false, true);
    vswitch_sync_register(idl);
    struct ovsdb_idl_loop loop = OVSDB_IDL_LOOP_INITIALIZER(idl);
    long long int deadline = time_msec() + TIMEOUT_MSEC;

    memset(&result, 0, sizeof result);
    for (;;) {
        struct ovsdb_idl_txn *txn = ovsdb_idl_loop_run(&loop);
        bool ran = ovsdb_idl_has_ever_connected(idl);
        if (ran) {
            vs_result_destroy(&result);
            vswitch_sync_run(idl, txn, &o.cfg, o.captures, o.n_captures,
                             o.tunnels, o.n_tunnels, &result);
            n_changes += result.changed;
        }
        ovsdb_idl_loop_commit_and_wait(&loop);
        if (ran && txn && !result.changed && settled(&o, &result)) {
            done = true;
            break;
        }
        if (time_msec() >= deadline) {
            break;
        }
        poll_timer_wait_until(deadline);
        poll_block();
    }

    print_result(idl, &o, &result, n_changes);
    if (!done) {
        fprintf(stderr, "%s: timed out after %d ms\n", program_name,
                TIMEOUT_MSEC);
    }
    vs_result_destroy(&result);
    ovsdb_idl_loop_destroy(&loop);
    free(o.captures);
    free(o.tunnels);
    return done ? EXIT_SUCCESS : EXIT_FAILURE;
}
