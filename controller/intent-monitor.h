/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_INTENT_MONITOR_H
#define TMIRROR_INTENT_MONITOR_H 1

/* What a controller downloads from the Traffic_Mirror database: only what
 * concerns its chassis, through OVSDB monitor conditions, so that its cost
 * follows its own sessions and not the fleet's.
 *
 *   Session:        source is a VM port of this chassis, or target is a port
 *                   target whose appliance NIC is on this mirror bridge;
 *   Target:         referenced by those sessions, or whose port is such an
 *                   appliance;
 *   Filter:         referenced by those sessions;
 *   Filter_Rule:    the rules of those filters;
 *   Binding:        this chassis's own, and those of the ports the sessions
 *                   name (to find a remote appliance, or a source);
 *   Chassis:        this chassis's own, and those the Binding rows name;
 *   Session_Status: this chassis's own;
 *   TM_Global:      all of it (one row).
 *
 * Referenced rows are found by the UUIDs in the referencing rows, so the
 * conditions converge in a few round trips after a change (a new local
 * port, a session's new filter); intent_monitor_is_settled() says when the
 * server has acknowledged the last conditions sent. */

#include <stdbool.h>
#include <stddef.h>

struct intent_monitor;
struct ovs_index;
struct ovsdb_idl;

/* Registers the tables and columns the controller reads with 'idl'
 * (created with monitor_everything_by_default false). */
void intent_monitor_register(struct ovsdb_idl *idl);

struct intent_monitor *intent_monitor_create(struct ovsdb_idl *idl);
void intent_monitor_destroy(struct intent_monitor *);

/* Recomputes the conditions from the local ports in 'ovs', the rows now in
 * the IDL and 'chassis_name', and sends those that changed.  With
 * 'monitor_all', everything is monitored instead. */
void intent_monitor_update(struct intent_monitor *, const struct ovs_index *,
                           const char *chassis_name, bool monitor_all);

/* True once the server has acknowledged the conditions last sent (the IDL
 * then holds every row they select). */
bool intent_monitor_is_started(const struct intent_monitor *);
bool intent_monitor_is_settled(const struct intent_monitor *);

/* Number of condition updates sent so far. */
unsigned int intent_monitor_n_updates(const struct intent_monitor *);

/* Number of rows of the database that the IDL holds now (what the
 * conditions selected), over every table.  Costs one pass over them. */
size_t intent_monitor_n_rows(const struct intent_monitor *);

#endif /* intent-monitor.h */
