/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_SCOPE_H
#define TMIRROR_CTL_SCOPE_H 1

/* Which rows of the Traffic_Mirror database each tmirror-ctl command needs,
 * so that a write costs the rows it touches, not the whole database.
 *
 * A command either needs everything (listings without a key, show, export,
 * apply, commands this module does not know), and then the invocation
 * monitors the whole database as before, or it needs the rows that its
 * arguments name: ctl_scope_ask() asks for those before the first
 * connection, and the lookups of intent-lookup.h ask for the rest (what the
 * rows reference, what references them, what a uniqueness check compares)
 * in further rounds.  Asking here is only an early start: a row it misses
 * is asked for when a command or a check looks it up. */

#include <stdbool.h>
#include <stddef.h>

struct ctl_command;
struct ctl_table_class;
struct ovsdb_idl_table_class;
struct tm_row_demand;

/* Returns true if one of the 'n' 'commands' needs the whole database. */
bool ctl_scope_needs_everything(const struct ctl_command *commands, size_t n);

/* Returns true if one of the 'n' 'commands' reads 'table', one of the
 * tables that the checks never read (Session_Status, Chassis, Binding):
 * a generic command on it, or session-show for Session_Status. */
bool ctl_scope_needs_table(const struct ctl_command *commands, size_t n,
                           const struct ovsdb_idl_table_class *table);

/* Returns how many of the 'n' 'commands' pick a VNI (session-add without
 * vni=). */
size_t ctl_scope_n_vni_picks(const struct ctl_command *commands, size_t n);

/* Asks 'demand' for the rows that 'command''s arguments name.  'classes'
 * are the generic commands' row ids, indexed like the IDL's tables. */
void ctl_scope_ask(const struct ctl_command *command,
                   const struct ctl_table_class *classes,
                   struct tm_row_demand *demand);

#endif /* utilities/ctl-scope.h */
