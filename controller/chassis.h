/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CHASSIS_H
#define TMIRROR_CHASSIS_H 1

/* This chassis's rows in the Traffic_Mirror database: its Chassis row
 * (identity, encapsulation, and 'cfg', the TM_Global.cfg whose changes are in
 * the datapath) and the Binding rows for the ports sessions and targets name
 * that are on this chassis. */

#include <stdint.h>

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct sset;

struct chassis_config {
    const char *name;           /* system-id. */
    const char *hostname;
    const char *encap_ip;       /* "" if not configured. */
    const char *availability_zone;
};

/* Creates or updates the Chassis row; sets its cfg to 'installed_cfg' when
 * that is not negative.  Returns the row, or NULL if it is not there yet. */
const struct tmrec_chassis *chassis_run(struct ovsdb_idl *tm_idl,
                                        struct ovsdb_idl_txn *,
                                        const struct chassis_config *,
                                        int64_t installed_cfg);

/* Makes this chassis's Binding rows name exactly 'ports'. */
void binding_run(struct ovsdb_idl *tm_idl, struct ovsdb_idl_txn *,
                 const char *chassis_name, const struct sset *ports);

/* Deletes this chassis's Chassis, Binding and Session_Status rows (for
 * "exit --cleanup"). */
void chassis_cleanup(struct ovsdb_idl *tm_idl, struct ovsdb_idl_txn *,
                     const char *chassis_name);

#endif /* chassis.h */
