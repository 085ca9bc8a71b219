/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Benchmark of pipeline_build(): builds the mirror bridge's flow table for
 * N sources x S sessions x R rules (each rule with port ranges, some of them
 * needing a conjunction) and prints the flow and group counts and the build
 * time.  Prints figures, asserts nothing.
 *
 * Usage: bench-pipeline [N_SOURCES [N_SESSIONS [N_RULES [ROUNDS]]]]
 * (defaults 100 3 20 5).  "make bench" builds and runs it. */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "controller/flow-table.h"
#include "controller/pipeline.h"
#include "flow.h"
#include "packets.h"
#include "util.h"

/* Returns the monotonic time in seconds. */
static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Fills 'r' with rule 'i' for 'direction': alternately TCP with a
 * destination range, UDP with both ranges wide (a conjunction), and any
 * protocol with a CIDR; the last one rejects. */
static void
make_rule(struct tm_rule *r, const char *direction, int i)
{
    *r = (struct tm_rule) {
        .direction = direction,
        .rule_number = 10 * (i + 1),
        .action = i % 5 == 4 ? "reject" : "accept",
    };
    switch (i % 3) {
    case 0:
        r->has_protocol = true;
        r->protocol = 6;
        r->has_destination_port_from = r->has_destination_port_to = true;
        r->destination_port_from = 1000 + i;
        r->destination_port_to = 1999 + i;
        break;
    case 1:
        r->has_protocol = true;
        r->protocol = 17;
        r->has_source_port_from = r->has_source_port_to = true;
        r->source_port_from = 1024;
        r->source_port_to = 65535 - i;
        r->has_destination_port_from = r->has_destination_port_to = true;
        r->destination_port_from = 1 + i;
        r->destination_port_to = 1023;
        break;
    default:
        r->source_cidr = i % 2 ? "10.0.0.0/8" : "2001:db8::/32";
        break;
    }
}

int
main(int argc, char *argv[])
{
    int n_sources = argc > 1 ? atoi(argv[1]) : 100;
    int n_sessions = argc > 2 ? atoi(argv[2]) : 3;
    int n_rules = argc > 3 ? atoi(argv[3]) : 20;
    int rounds = argc > 4 ? atoi(argv[4]) : 5;
    if (n_sources < 1 || n_sessions < 1 || n_sessions > TM_MAX_STAGES
        || n_rules < 0 || rounds < 1) {
        fprintf(stderr, "usage: %s [N_SOURCES [N_SESSIONS (1..%d) "
                "[N_RULES [ROUNDS]]]]\n", argv[0], TM_MAX_STAGES);
        return 1;
    }

    /* Rules of both directions, shared by every session. */
    struct tm_rule *rules = xmalloc(2 * MAX(n_rules, 1) * sizeof *rules);
    for (int i = 0; i < n_rules; i++) {
        make_rule(&rules[2 * i], "egress", i);
        make_rule(&rules[2 * i + 1], "ingress", i);
    }

    /* Targets: a port, a single vxlan collector, a 3-address group. */
    struct pl_tunnel_dest dests[3];
    for (int i = 0; i < 3; i++) {
        in6_addr_set_mapped_ipv4(&dests[i].ip, htonl(0xc0000201 + i));
        dests[i].tunnel_ofport = u16_to_ofp(30);
    }
    struct pl_target targets[3] = {
        { .is_port = true, .port_ofport = u16_to_ofp(20) },
        { .encap = "vxlan", .dests = dests, .n_dests = 1 },
        { .encap = "geneve", .dests = dests, .n_dests = 3 },
    };

    /* Each VM has its own sessions; two pl_sources (one per direction). */
    struct pl_session *sessions = xcalloc(n_sources * n_sessions,
                                          sizeof *sessions);
    const struct pl_session **lists = xcalloc(n_sources * n_sessions,
                                              sizeof *lists);
    struct pl_source *sources = xcalloc(2 * n_sources, sizeof *sources);
    for (int v = 0; v < n_sources; v++) {
        for (int k = 0; k < n_sessions; k++) {
            struct pl_session *s = &sessions[v * n_sessions + k];
            s->key = 0x1000 * (v + 1) + k;
            s->session_number = k + 1;
            s->vni = v * n_sessions + k + 1;
            s->packet_length = k == 2 ? 128 : 0;
            s->target = &targets[k % 3];
            s->rules = rules;
            s->n_rules = 2 * n_rules;
            lists[v * n_sessions + k] = s;
        }
        for (int d = 0; d < 2; d++) {
            struct pl_source *src = &sources[2 * v + d];
            src->iface_id = "vm";
            src->egress = d;
            src->ofport = u16_to_ofp(100 + 2 * v + d);
            src->sessions = &lists[v * n_sessions];
            src->n_sessions = n_sessions;
        }
    }

    struct tm_flow_table ft;
    tm_flow_table_init(&ft);
    double best = 1e9, total = 0;
    for (int r = 0; r < rounds; r++) {
        double start = now();
        pipeline_build(sources, 2 * n_sources, &ft);
        double elapsed = now() - start;
        best = MIN(best, elapsed);
        total += elapsed;
    }
    printf("%d sources x %d sessions x %d rules per direction: "
           "%"PRIuSIZE" flows, %"PRIuSIZE" groups\n",
           n_sources, n_sessions, n_rules, tm_flow_table_count(&ft),
           hmap_count(&ft.groups));
    printf("build time: best %.1f ms, mean %.1f ms over %d rounds\n",
           best * 1e3, total / rounds * 1e3, rounds);

    struct rusage usage;
    if (!getrusage(RUSAGE_SELF, &usage)) {
        size_t n = MAX(tm_flow_table_count(&ft), 1);
        printf("peak RSS: %ld MiB (%.0f bytes per flow, whole process)\n",
               usage.ru_maxrss / 1024, usage.ru_maxrss * 1024.0 / n);
    }

    tm_flow_table_destroy(&ft);
    free(sources);
    free(lists);
    free(sessions);
    free(rules);
    return 0;
}
