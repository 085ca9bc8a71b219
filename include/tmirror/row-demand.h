/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_ROW_DEMAND_H
#define TMIRROR_ROW_DEMAND_H 1

/* The rows that a one-shot client of a large database asks for, as the
 * conditions of its IDL (conditional monitoring): it downloads only the
 * rows it needs instead of whole tables.
 *
 * Some tables of the IDL are "demand-driven": they start with a false
 * condition (no rows) and grow one clause at a time, each clause a
 * question that the client asked ("Session.name == s1", "_uuid == U",
 * "Filter.rules includes U", "Session.vni <= 1023").  A clause that is not
 * yet in the conditions makes the demand "pending": the client's answer
 * from the rows that it holds may be incomplete, so it must not act on it.
 * tm_row_demand_send() then sends the new conditions; once the server has
 * acknowledged them (the IDL's condition seqno reaches the value it
 * returns), the IDL holds every row that matches every clause asked so far,
 * and the client runs again.  Clauses are never removed, so the rounds end
 * when a run asks nothing new.
 *
 * Tables that are not demand-driven are monitored whole, as without this
 * module. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ovsdb-condition.h"

struct ovsdb_idl;
struct ovsdb_idl_column;
struct ovsdb_idl_table_class;
struct uuid;

struct tm_row_demand;

/* The _uuid column of every table, for condition clauses on a row's UUID
 * (the IDL's classes describe only the columns of the schema): only its
 * name and type are used, by ovsdb_idl_condition_add_clause() and the JSON
 * of the condition. */
extern const struct ovsdb_idl_column tm_row_uuid_column;

/* Adds the clause "'column' 'function' 'atom'" to 'cond', taking ownership
 * of 'atom' (a string atom's reference, for example): the one way tmirror
 * builds a one-value clause, for the row demand and the controller's
 * monitor alike. */
union ovsdb_atom;
struct ovsdb_idl_condition;
void tm_condition_add_atom(struct ovsdb_idl_condition *,
                           enum ovsdb_function,
                           const struct ovsdb_idl_column *,
                           union ovsdb_atom);

/* Creates the demand for 'idl', with the tables 'tables' (n of them)
 * demand-driven: their condition is set to false at once, so this must be
 * called before the IDL connects.  The caller keeps 'idl'. */
struct tm_row_demand *tm_row_demand_create(
    struct ovsdb_idl *idl, const struct ovsdb_idl_table_class *const *tables,
    size_t n);
void tm_row_demand_destroy(struct tm_row_demand *);

/* Returns true if 'table' is demand-driven and not yet monitored whole. */
bool tm_row_demand_is_partial(const struct tm_row_demand *,
                              const struct ovsdb_idl_table_class *table);

/* Asks for the rows of 'table' ('column''s table) whose 'column' compares by
 * 'function' (OVSDB_F_EQ, OVSDB_F_LE, OVSDB_F_INCLUDES...) to the value.
 * A NULL 'column' means the row's _uuid.  Asking for something already
 * asked costs nothing; asking for a table not demand-driven, nothing at
 * all. */
void tm_row_demand_string(struct tm_row_demand *,
                          const struct ovsdb_idl_column *column,
                          const char *value);
void tm_row_demand_integer(struct tm_row_demand *,
                           const struct ovsdb_idl_column *column,
                           enum ovsdb_function function, int64_t value);
void tm_row_demand_uuid(struct tm_row_demand *,
                        const struct ovsdb_idl_table_class *table,
                        const struct ovsdb_idl_column *column,
                        enum ovsdb_function function,
                        const struct uuid *value);

/* Asks for every row of 'table'. */
void tm_row_demand_table(struct tm_row_demand *,
                         const struct ovsdb_idl_table_class *table);

/* Asks for every row of every table: the IDL then monitors everything, as a
 * client that needs the whole database does. */
void tm_row_demand_everything(struct tm_row_demand *);

/* Returns true if something was asked since the last tm_row_demand_send()
 * that the conditions do not hold yet. */
bool tm_row_demand_is_pending(const struct tm_row_demand *);

/* Returns how many clauses the conditions hold, over all tables. */
size_t tm_row_demand_n_clauses(const struct tm_row_demand *);

/* Sends the conditions of the tables that changed.  Returns the condition
 * seqno (ovsdb_idl_get_condition_seqno()) at which the IDL holds their rows;
 * meaningful only once the IDL has connected (conditions set before the
 * first connection go with the first monitor request, and the IDL's first
 * contents already answer them). */
unsigned int tm_row_demand_send(struct tm_row_demand *);

#endif /* tmirror/row-demand.h */
