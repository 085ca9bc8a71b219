/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_TEST_INC_PROP_H
#define TMIRROR_TEST_INC_PROP_H 1

/* The property test of the controller's incremental engine
 * (tests/controller-prop.at): shared by its driver (test-inc-prop.c), its
 * random operations (test-inc-prop-ops.c) and its comparison of the mirror
 * bridge with the controller's flows (test-inc-prop-switch.c). */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "openvswitch/compiler.h"
#include "openvswitch/dynamic-string.h"

struct ovsdb_idl;
struct ovsdb_idl_txn;

#define PROP_CHASSIS "hv1"
#define PROP_MIRROR_BRIDGE "br-mirror"

struct prop {
    struct ovsdb_idl *ovs;      /* The Open_vSwitch database, all of it. */
    struct ovsdb_idl *tm;       /* The Traffic_Mirror database, all of it. */
    uint64_t rng;               /* xorshift64* state. */
    unsigned int serial;        /* For fresh names. */
    FILE *log;                  /* The op log (may be NULL). */
    struct ds op;               /* The current op's description. */
};

/* Returns a pseudo-random number in [0, n) (n > 0), from 'p''s seed
 * alone, so that a seed replays the same operations. */
uint32_t prop_random(struct prop *p, uint32_t n);
/* Returns true with probability 'percent' / 100. */
bool prop_chance(struct prop *p, unsigned int percent);

/* Describes the current op (appended to 'p->op'). */
void prop_describe(struct prop *p, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3);

/* Writes the fixed world both databases start with: the VM ports, the
 * appliance port app2, the other chassis and their Binding rows, a few
 * filters, targets and sessions. */
void prop_setup_ovs(struct prop *, struct ovsdb_idl_txn *);
void prop_setup_tm(struct prop *, struct ovsdb_idl_txn *);

/* Adds one random operation to 'txn' and describes it in 'p->op'.  Returns
 * false if none could be made (the caller tries again). */
bool prop_tm_op(struct prop *, struct ovsdb_idl_txn *);
bool prop_ovs_op(struct prop *, struct ovsdb_idl_txn *);

/* Compares what the sessions in the Traffic_Mirror database and the local
 * ports imply about this chassis's Session_Status rows (which sessions
 * have one) with the rows there are.  Appends differences to 's' and
 * returns how many. */
size_t prop_check_status_rows(const struct prop *, struct ds *s);

/* Compares tmirror's flows and groups on the mirror bridge, dumped through
 * 'mgmt' (an OpenFlow remote), with 'desired' (the controller's
 * "tmirror/show-flows" output).  Appends differences to 's' and returns
 * how many, or 1 if the bridge could not be read. */
size_t prop_check_switch(const char *mgmt, const char *desired,
                         struct ds *s);

#endif /* test-inc-prop.h */
