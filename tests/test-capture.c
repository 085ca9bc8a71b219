/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* test-capture: unit tests of controller/capture.c, for
 * tests/capture-controller.at.
 *
 *   test-capture names
 *
 * The names of the tc captures' veth pairs when two iface-ids have the
 * same hash: finds such a pair, wants their captures in both orders and
 * across changes of the desired set, and prints each step's names.  Checks
 * on the way that no two sources share a name, that names are valid
 * netdev names and that a source keeps its names while it is wanted;
 * exits 1 saying which check failed otherwise.  Makes no change to the
 * kernel (capture_run() is never called). */

#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/capture.h"
#include "controller/ovs-index.h"
#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "util.h"
#include "vswitch-idl.h"

/* A source port for capture_want_tc(): only what it reads. */
struct fake_source {
    struct ovsrec_interface iface;
    struct ovs_source src;
};

/* Makes 'fs' a kernel netdev called 'name' without policing. */
static void
fake_source_init(struct fake_source *fs, const char *name)
{
    static int64_t ifindex = 7;

    memset(fs, 0, sizeof *fs);
    fs->iface.name = CONST_CAST(char *, name);
    fs->iface.type = "";
    fs->iface.ifindex = &ifindex;
    fs->iface.n_ifindex = 1;
    fs->src.iface = &fs->iface;
}

/* One iface-id in a search for a hash collision. */
struct seen {
    struct hmap_node node;
    unsigned int i;
};

/* Finds the first "vmJ" whose hash_string() equals that of an earlier
 * "vmI" and writes both names.  A birthday search: about 2^16 names. */
static void
find_collision(char a[16], char b[16])
{
    struct hmap seen = HMAP_INITIALIZER(&seen);
    for (unsigned int j = 0; j < 1u << 22; j++) {
        char name[16];
        snprintf(name, sizeof name, "vm%u", j);
        uint32_t h = hash_string(name, 0);
        struct seen *s;
        HMAP_FOR_EACH_WITH_HASH (s, node, h, &seen) {
            snprintf(a, 16, "vm%u", s->i);
            snprintf(b, 16, "%s", name);
            goto done;
        }
        s = xmalloc(sizeof *s);
        s->i = j;
        hmap_insert(&seen, &s->node, h);
    }
    ovs_fatal(0, "no hash collision among 2^22 names");
done:;
    struct seen *s;
    HMAP_FOR_EACH_POP (s, node, &seen) {
        free(s);
    }
    hmap_destroy(&seen);
}

/* Fails with 'msg' unless 'ok'. */
static void
check(bool ok, const char *msg)
{
    if (!ok) {
        ovs_fatal(0, "check failed: %s", msg);
    }
}

/* Wants both directions of each of the 'n' sources 'ids' (netdevs 'fs'),
 * in that order, as one desired set. */
static void
want(struct capture *c, const char *ids[], struct fake_source fs[], int n)
{
    capture_want_begin(c);
    for (int i = 0; i < n; i++) {
        capture_want_tc(c, ids[i], true, &fs[i].src);
        capture_want_tc(c, ids[i], false, &fs[i].src);
    }
    capture_want_end(c);
}

/* Prints the names of the captures of 'ids' and checks them: valid netdev
 * names, no two alike. */
static void
print_names(const struct capture *c, const char *label, const char *ids[],
            int n)
{
    const char *seen[16];
    int n_seen = 0;

    printf("%s:\n", label);
    for (int i = 0; i < n; i++) {
        for (int e = 1; e >= 0; e--) {
            const char *tc, *br;
            check(capture_get_tc_ports(c, ids[i], e, &tc, &br),
                  "a wanted capture has names");
            printf("  %s %s %s %s\n", ids[i], e ? "egress" : "ingress", tc,
                   br);
            check(strlen(tc) < 16 && strlen(br) < 16,
                  "names fit IFNAMSIZ");
            for (int k = 0; k < n_seen; k++) {
                check(strcmp(seen[k], tc) && strcmp(seen[k], br),
                      "no two captures share a name");
            }
            seen[n_seen++] = tc;
            seen[n_seen++] = br;
        }
    }
}

/* Saves the egress tc_port of 'id' into 'buf'. */
static void
save_name(const struct capture *c, const char *id, char buf[16])
{
    const char *tc, *br;
    check(capture_get_tc_ports(c, id, true, &tc, &br), "wanted");
    snprintf(buf, 16, "%s", tc);
}

/* Checks that the egress tc_port of 'id' is still 'buf'. */
static void
check_name(const struct capture *c, const char *id, const char *buf,
           const char *msg)
{
    const char *tc, *br;
    check(capture_get_tc_ports(c, id, true, &tc, &br) && !strcmp(tc, buf),
          msg);
}

/* The "names" test. */
static void
test_names(void)
{
    char a[16], b[16];
    find_collision(a, b);
    printf("%s and %s: hash %08"PRIx32"\n", a, b, hash_string(a, 0));

    const char *ab[2] = { a, b }, *ba[2] = { b, a };
    struct fake_source fs_ab[2], fs_ba[2];
    fake_source_init(&fs_ab[0], "tap-a");
    fake_source_init(&fs_ab[1], "tap-b");
    fake_source_init(&fs_ba[0], "tap-b");
    fake_source_init(&fs_ba[1], "tap-a");

    struct capture *c = capture_create();
    want(c, ab, fs_ab, 2);
    print_names(c, "first wanted first", ab, 2);
    char name_a[16], name_b[16];
    save_name(c, a, name_a);
    save_name(c, b, name_b);

    /* The same set in the other order: nothing renamed. */
    want(c, ba, fs_ba, 2);
    check_name(c, a, name_a, "kept its names (other order)");
    check_name(c, b, name_b, "kept its names (other order)");

    /* The first goes: the second keeps its names; the first comes back to
     * the names it had, now free. */
    want(c, &ab[1], &fs_ab[1], 1);
    check_name(c, b, name_b, "kept its names (the other gone)");
    want(c, ab, fs_ab, 2);
    print_names(c, "first gone and back", ab, 2);
    check_name(c, a, name_a, "back to its names");
    capture_destroy(c);

    /* A new controller that sees them the other way round. */
    c = capture_create();
    want(c, ba, fs_ba, 2);
    print_names(c, "second wanted first", ba, 2);
    capture_destroy(c);
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    if (argc == 2 && !strcmp(argv[1], "names")) {
        test_names();
        return 0;
    }
    fprintf(stderr, "usage: %s names\n", program_name);
    return 1;
}
