/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The rows each tmirror-ctl command needs.  See ctl-scope.h. */

#include <config.h>

#include "ctl-scope.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "db-ctl-base.h"
#include "openvswitch/shash.h"
#include "ovsdb-idl-provider.h"
#include "ovsdb-idl.h"
#include "tmirror-idl.h"
#include "tmirror/row-demand.h"
#include "tmirror/validate.h"
#include "util.h"
#include "uuid.h"

/* The commands that work on the rows their arguments name.  Every other
 * command needs the whole database. */
static const char *const scoped_commands[] = {
    /* tmirror-ctl's own. */
    "init", "sync",
    "filter-add", "filter-del", "filter-show",
    "rule-add", "rule-del", "rule-list",
    "target-add", "target-del",
    "session-add", "session-set", "session-del", "session-show",
    /* Access commands: only TM_Global, Connection, SSL and RBAC, which are
     * monitored whole. */
    "set-connection", "get-connection", "del-connection",
    "set-ssl", "get-ssl", "del-ssl",
    /* Generic database commands on a table. */
    "get", "set", "add", "remove", "clear", "destroy", "wait-until",
    "list", "find", "create", "comment",
};

/* Returns true if the generic command 'name' takes TABLE then records. */
static bool
takes_records(const char *name)
{
    return (!strcmp(name, "get") || !strcmp(name, "set")
            || !strcmp(name, "add") || !strcmp(name, "remove")
            || !strcmp(name, "clear") || !strcmp(name, "destroy")
            || !strcmp(name, "wait-until") || !strcmp(name, "list"));
}

/* Returns true if 'command' is one of scoped_commands. */
static bool
is_scoped(const struct ctl_command *command)
{
    for (size_t i = 0; i < ARRAY_SIZE(scoped_commands); i++) {
        if (!strcmp(command->syntax->name, scoped_commands[i])) {
            return true;
        }
    }
    return false;
}

/* Returns true if one of 'commands' needs the whole database. */
bool
ctl_scope_needs_everything(const struct ctl_command *commands, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_scoped(&commands[i])) {
            return true;
        }
    }
    return false;
}

/* Returns 'c' as db-ctl-base compares table names: lower case, '-' as
 * '_'. */
static int
fold(int c)
{
    return c == '-' ? '_' : tolower((unsigned char) c);
}

/* Returns how well user input 's' matches table name 'name', in the way of
 * db-ctl-base's own table matching: exact, else the same ignoring case and
 * '-' against '_', else a prefix (longer is better), else 0. */
static unsigned int
match_score(const char *name, const char *s)
{
    if (!strcmp(name, s)) {
        return UINT_MAX;
    }
    unsigned int score;
    for (score = 0; fold(*name) == fold(*s); score++, name++, s++) {
        if (!*name) {
            return UINT_MAX - 1;
        }
    }
    return *s ? 0 : score;
}

/* Returns the table that the generic commands' 'table_name' means, or NULL
 * if none or several match (db-ctl-base then refuses the command). */
static const struct ovsdb_idl_table_class *
find_table(const char *table_name)
{
    const struct ovsdb_idl_table_class *best = NULL;
    unsigned int best_score = 0;
    bool tie = false;

    for (size_t i = 0; i < TMREC_N_TABLES; i++) {
        const struct ovsdb_idl_table_class *t = &tmrec_table_classes[i];
        unsigned int score = match_score(t->name, table_name);
        if (score && score >= best_score) {
            tie = score == best_score;
            best = t;
            best_score = score;
        }
    }
    return tie ? NULL : best;
}

/* Returns true if one of 'commands' reads 'table'.  See ctl-scope.h. */
bool
ctl_scope_needs_table(const struct ctl_command *commands, size_t n,
                      const struct ovsdb_idl_table_class *table)
{
    for (size_t i = 0; i < n; i++) {
        const struct ctl_command *c = &commands[i];
        const char *name = c->syntax->name;
        if (!strcmp(name, "session-show")
            && table == &tmrec_table_session_status) {
            return true;
        }
        if ((!strchr(name, '-') || !strcmp(name, "wait-until"))
            && c->argc >= 2 && strcmp(name, "comment")
            && find_table(c->argv[1]) == table) {
            return true;
        }
    }
    return false;
}

/* Returns how many of 'commands' pick a VNI.  See ctl-scope.h. */
size_t
ctl_scope_n_vni_picks(const struct ctl_command *commands, size_t n)
{
    size_t n_picks = 0;
    for (size_t i = 0; i < n; i++) {
        const struct ctl_command *c = &commands[i];
        bool picks = !strcmp(c->syntax->name, "session-add");
        for (int j = 6; picks && j < c->argc; j++) {
            picks = strncmp(c->argv[j], "vni=", 4) != 0;
        }
        n_picks += picks;
    }
    return n_picks;
}

/* Asks for the row of 'table' that a generic command's 'record' names: by
 * UUID, or by each row id whose name column is a string; the whole table
 * when the record may be a partial UUID, "." or a key of a map. */
static void
ask_record(const struct ovsdb_idl_table_class *table,
           const struct ctl_table_class *classes, const char *record,
           struct tm_row_demand *demand)
{
    const struct ctl_table_class *ctl_class
        = &classes[table - tmrec_table_classes];
    struct uuid uuid;

    if (uuid_from_string(&uuid, record)) {
        tm_row_demand_uuid(demand, table, NULL, OVSDB_F_EQ, &uuid);
    }
    if (!strcmp(record, ".") || uuid_is_partial_string(record) >= 4) {
        tm_row_demand_table(demand, table);
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(ctl_class->row_ids); i++) {
        const struct ctl_row_id *id = &ctl_class->row_ids[i];
        if (!id->name_column) {
            continue;
        }
        if (id->key || id->name_column->type.key.type != OVSDB_TYPE_STRING
            || id->name_column->type.value.type != OVSDB_TYPE_VOID) {
            tm_row_demand_table(demand, table);
            return;
        }
        tm_row_demand_string(demand, id->name_column, record);
    }
}

/* Asks for the rows of a generic command: the records it names, or its
 * whole table when it names none (list, find, destroy --all). */
static void
ask_generic(const struct ctl_command *c,
            const struct ctl_table_class *classes,
            struct tm_row_demand *demand)
{
    const char *name = c->syntax->name;
    if (!strcmp(name, "comment") || !strcmp(name, "create") || c->argc < 2) {
        return;
    }
    const struct ovsdb_idl_table_class *table = find_table(c->argv[1]);
    if (!table) {
        tm_row_demand_everything(demand);
    } else if (!takes_records(name) || c->argc < 3
               || shash_find(&c->options, "--all")) {
        tm_row_demand_table(demand, table);
    } else if (!strcmp(name, "list")) {
        for (int i = 2; i < c->argc; i++) {
            ask_record(table, classes, c->argv[i], demand);
        }
    } else {
        ask_record(table, classes, c->argv[2], demand);
    }
}

/* Asks for what session-add's or session-set's KEY=VALUE 'arg' names. */
static void
ask_session_kv(const char *arg, struct tm_row_demand *demand)
{
    const char *eq = strchr(arg, '=');
    if (!eq) {
        return;
    }
    const char *value = eq + 1;
    size_t len = eq - arg;
    long long int vni;

    if (len == 6 && !strncmp(arg, "target", len)) {
        tm_row_demand_string(demand, &tmrec_target_col_name, value);
    } else if (len == 6 && !strncmp(arg, "filter", len)) {
        tm_row_demand_string(demand, &tmrec_filter_col_name, value);
    } else if (len == 6 && !strncmp(arg, "source", len)) {
        tm_row_demand_string(demand, &tmrec_session_col_source, value);
    } else if (len == 3 && !strncmp(arg, "vni", len)
               && str_to_llong(value, 10, &vni)) {
        tm_row_demand_integer(demand, &tmrec_session_col_vni, OVSDB_F_EQ,
                              vni);
    }
}

/* Asks for the rows that one of tmirror-ctl's own commands names. */
static void
ask_own(const struct ctl_command *c, struct tm_row_demand *demand)
{
    const char *name = c->syntax->name;
    char **argv = c->argv;

    if (!strncmp(name, "filter-", 7) || !strncmp(name, "rule-", 5)) {
        tm_row_demand_string(demand, &tmrec_filter_col_name, argv[1]);
    } else if (!strncmp(name, "target-", 7)) {
        tm_row_demand_string(demand, &tmrec_target_col_name, argv[1]);
    } else if (!strcmp(name, "session-add")) {
        tm_row_demand_string(demand, &tmrec_session_col_name, argv[1]);
        tm_row_demand_string(demand, &tmrec_session_col_source, argv[2]);
        tm_row_demand_string(demand, &tmrec_target_col_name, argv[3]);
        tm_row_demand_string(demand, &tmrec_filter_col_name, argv[4]);
        for (int i = 6; i < c->argc; i++) {
            ask_session_kv(argv[i], demand);
        }
    } else if (!strncmp(name, "session-", 8)) {
        tm_row_demand_string(demand, &tmrec_session_col_name, argv[1]);
        for (int i = 2; !strcmp(name, "session-set") && i < c->argc; i++) {
            ask_session_kv(argv[i], demand);
        }
    }
}

/* Asks for the rows that 'c''s arguments name.  See ctl-scope.h. */
void
ctl_scope_ask(const struct ctl_command *c,
              const struct ctl_table_class *classes,
              struct tm_row_demand *demand)
{
    if (!is_scoped(c)) {
        tm_row_demand_everything(demand);
    } else if (strchr(c->syntax->name, '-')
               && strcmp(c->syntax->name, "wait-until")) {
        ask_own(c, demand);
    } else {
        ask_generic(c, classes, demand);
    }
}
