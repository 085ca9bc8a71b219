/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The rows a one-shot client asks for, as IDL conditions.  See
 * include/tmirror/row-demand.h. */

#include <config.h>

#include "tmirror/row-demand.h"

#include <stdlib.h>

#include "coverage.h"
#include "ovsdb-data.h"
#include "ovsdb-idl-provider.h"
#include "ovsdb-idl.h"
#include "openvswitch/vlog.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(row_demand);

COVERAGE_DEFINE(row_demand_clause);
COVERAGE_DEFINE(row_demand_send);

/* One table's condition: the clauses asked so far, and whether they changed
 * since they were last sent. */
struct demand_table {
    const struct ovsdb_idl_table_class *tc;
    bool driven;                        /* Demand-driven at all? */
    struct ovsdb_idl_condition cond;    /* Meaningful if 'driven'. */
    bool changed;                       /* Not yet sent? */
};

/* The demand: one entry per table of the IDL's class. */
struct tm_row_demand {
    struct ovsdb_idl *idl;
    struct demand_table *tables;
    size_t n_tables;
};

/* See row-demand.h. */
const struct ovsdb_idl_column tm_row_uuid_column = {
    .name = "_uuid",
    .type = {
        .key = { .type = OVSDB_TYPE_UUID },
        .value = { .type = OVSDB_TYPE_VOID },
        .n_min = 1,
        .n_max = 1,
    },
};

/* Returns the entry of 'table' in 'd'. */
static struct demand_table *
get_table(const struct tm_row_demand *d,
          const struct ovsdb_idl_table_class *table)
{
    const struct ovsdb_idl_class *class = ovsdb_idl_get_class(d->idl);
    ovs_assert(table >= class->tables
               && table < &class->tables[class->n_tables]);
    return &d->tables[table - class->tables];
}

/* Creates the demand.  See row-demand.h. */
struct tm_row_demand *
tm_row_demand_create(struct ovsdb_idl *idl,
                     const struct ovsdb_idl_table_class *const *tables,
                     size_t n)
{
    const struct ovsdb_idl_class *class = ovsdb_idl_get_class(idl);
    struct tm_row_demand *d = xzalloc(sizeof *d);
    d->idl = idl;
    d->n_tables = class->n_tables;
    d->tables = xcalloc(d->n_tables, sizeof *d->tables);
    for (size_t i = 0; i < d->n_tables; i++) {
        d->tables[i].tc = &class->tables[i];
        ovsdb_idl_condition_init(&d->tables[i].cond);
    }
    for (size_t i = 0; i < n; i++) {
        struct demand_table *t = get_table(d, tables[i]);
        t->driven = true;
        ovsdb_idl_set_condition(idl, t->tc, &t->cond);
    }
    return d;
}

/* Frees 'd' (the IDL keeps its conditions). */
void
tm_row_demand_destroy(struct tm_row_demand *d)
{
    if (d) {
        for (size_t i = 0; i < d->n_tables; i++) {
            ovsdb_idl_condition_destroy(&d->tables[i].cond);
        }
        free(d->tables);
        free(d);
    }
}

/* Returns true if 'table' is demand-driven and not monitored whole. */
bool
tm_row_demand_is_partial(const struct tm_row_demand *d,
                         const struct ovsdb_idl_table_class *table)
{
    const struct demand_table *t = get_table(d, table);
    return t->driven && !ovsdb_idl_condition_is_true(&t->cond);
}

/* Adds the clause "'column' 'function' 'atom'" to 'cond', taking ownership
 * of 'atom'.  See row-demand.h. */
void
tm_condition_add_atom(struct ovsdb_idl_condition *cond,
                      enum ovsdb_function function,
                      const struct ovsdb_idl_column *column,
                      union ovsdb_atom atom)
{
    struct ovsdb_datum datum;

    ovsdb_datum_init_empty(&datum);
    datum.n = 1;
    datum.keys = xmemdup(&atom, sizeof atom);
    ovsdb_idl_condition_add_clause(cond, function, column, &datum);
    ovsdb_datum_destroy(&datum, &column->type);
}

/* Returns the table of 'column'. */
static const struct ovsdb_idl_table_class *
column_table(const struct tm_row_demand *d,
             const struct ovsdb_idl_column *column)
{
    return ovsdb_idl_table_class_from_column(ovsdb_idl_get_class(d->idl),
                                             column);
}

/* Adds the clause "'column' 'function' 'atom'" to 'table''s condition, if
 * the table is demand-driven and the clause is new, taking ownership of
 * 'atom'. */
static void
add_atom_clause(struct tm_row_demand *d,
                const struct ovsdb_idl_table_class *table,
                const struct ovsdb_idl_column *column,
                enum ovsdb_function function, union ovsdb_atom atom)
{
    struct demand_table *t = get_table(d, table);
    if (!t->driven || ovsdb_idl_condition_is_true(&t->cond)) {
        ovsdb_atom_destroy(&atom, column->type.key.type);
        return;
    }
    size_t before = hmap_count(&t->cond.clauses);
    tm_condition_add_atom(&t->cond, function, column, atom);
    if (hmap_count(&t->cond.clauses) != before) {
        COVERAGE_INC(row_demand_clause);
        t->changed = true;
    }
}

/* Asks for the rows whose string 'column' equals 'value'. */
void
tm_row_demand_string(struct tm_row_demand *d,
                     const struct ovsdb_idl_column *column, const char *value)
{
    union ovsdb_atom atom = { .s = ovsdb_atom_string_create(value) };
    add_atom_clause(d, column_table(d, column), column, OVSDB_F_EQ, atom);
}

/* Asks for the rows whose integer 'column' compares by 'function' to
 * 'value'. */
void
tm_row_demand_integer(struct tm_row_demand *d,
                      const struct ovsdb_idl_column *column,
                      enum ovsdb_function function, int64_t value)
{
    union ovsdb_atom atom = { .integer = value };
    add_atom_clause(d, column_table(d, column), column, function, atom);
}

/* Asks for the rows of 'table' whose UUID 'column' (NULL: _uuid) compares
 * by 'function' to 'value'. */
void
tm_row_demand_uuid(struct tm_row_demand *d,
                   const struct ovsdb_idl_table_class *table,
                   const struct ovsdb_idl_column *column,
                   enum ovsdb_function function, const struct uuid *value)
{
    union ovsdb_atom atom = { .uuid = *value };
    add_atom_clause(d, table, column ? column : &tm_row_uuid_column,
                    function, atom);
}

/* Asks for every row of 'table'. */
void
tm_row_demand_table(struct tm_row_demand *d,
                    const struct ovsdb_idl_table_class *table)
{
    struct demand_table *t = get_table(d, table);
    if (t->driven && !ovsdb_idl_condition_is_true(&t->cond)) {
        COVERAGE_INC(row_demand_clause);
        ovsdb_idl_condition_add_clause_true(&t->cond);
        t->changed = true;
    }
}

/* Asks for every row of every table. */
void
tm_row_demand_everything(struct tm_row_demand *d)
{
    for (size_t i = 0; i < d->n_tables; i++) {
        tm_row_demand_table(d, d->tables[i].tc);
    }
}

/* Returns true if a clause was asked that is not yet sent. */
bool
tm_row_demand_is_pending(const struct tm_row_demand *d)
{
    for (size_t i = 0; i < d->n_tables; i++) {
        if (d->tables[i].changed) {
            return true;
        }
    }
    return false;
}

/* Returns the number of clauses over all tables (a whole table counts as
 * one). */
size_t
tm_row_demand_n_clauses(const struct tm_row_demand *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_tables; i++) {
        const struct demand_table *t = &d->tables[i];
        if (t->driven) {
            n += (ovsdb_idl_condition_is_true(&t->cond) ? 1
                  : hmap_count(&t->cond.clauses));
        }
    }
    return n;
}

/* Sends the changed conditions.  See row-demand.h. */
unsigned int
tm_row_demand_send(struct tm_row_demand *d)
{
    unsigned int seqno = ovsdb_idl_get_condition_seqno(d->idl);
    for (size_t i = 0; i < d->n_tables; i++) {
        struct demand_table *t = &d->tables[i];
        if (t->changed) {
            COVERAGE_INC(row_demand_send);
            seqno = ovsdb_idl_set_condition(d->idl, t->tc, &t->cond);
            t->changed = false;
            VLOG_DBG("%s: %"PRIuSIZE" clauses%s", t->tc->name,
                     hmap_count(&t->cond.clauses),
                     ovsdb_idl_condition_is_true(&t->cond) ? " (all rows)"
                                                           : "");
        }
    }
    return seqno;
}
