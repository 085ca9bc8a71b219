/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_WAIT_H
#define TMIRROR_CTL_WAIT_H 1

/* tmirror-ctl --wait=hv: waiting for every chassis (ctl-wait.c). */

#include <stdbool.h>
#include <stdint.h>

struct ds;
struct ovsdb_idl;

/* Waits until every Chassis row in 'idl' reports 'next_cfg' or later, going
 * on across a failover among the members of 'db'.  Returns true once they
 * do, or false when 'deadline' (a time_msec(), LLONG_MAX for none) passes
 * first, with the chassis that lag described in 'why'. */
bool ctl_wait_for_chassis(struct ovsdb_idl *idl, const char *db,
                          int64_t next_cfg, long long int deadline,
                          struct ds *why);

#endif /* utilities/ctl-wait.h */
