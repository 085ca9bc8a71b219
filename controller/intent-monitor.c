/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/intent-monitor.h"

#include <stdlib.h>
#include <string.h>

#include "controller/ovs-index.h"
#include "coverage.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovsdb-data.h"
#include "ovsdb-idl.h"
#include "tmirror/row-demand.h"
#include "sset.h"
#include "tmirror-idl.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(intent_monitor);

COVERAGE_DEFINE(intent_monitor_update);

struct intent_monitor {
    struct ovsdb_idl *idl;
    char *signature;            /* Of the conditions last sent. */
    unsigned int expected_seqno;
    unsigned int n_updates;
};

/* The conditions of every monitored table. */
enum { C_SESSION, C_TARGET, C_FILTER, C_RULE, C_BINDING, C_CHASSIS,
       C_STATUS, N_CONDS };

static const struct ovsdb_idl_table_class *cond_tables[N_CONDS] = {
    [C_SESSION] = &tmrec_table_session,
    [C_TARGET] = &tmrec_table_target,
    [C_FILTER] = &tmrec_table_filter,
    [C_RULE] = &tmrec_table_filter_rule,
    [C_BINDING] = &tmrec_table_binding,
    [C_CHASSIS] = &tmrec_table_chassis,
    [C_STATUS] = &tmrec_table_session_status,
};

/* Registers what the controller reads of the Traffic_Mirror database. */
void
intent_monitor_register(struct ovsdb_idl *idl)
{
    ovsdb_idl_add_table(idl, &tmrec_table_tm_global);
    ovsdb_idl_add_column(idl, &tmrec_tm_global_col_cfg);
    ovsdb_idl_add_column(idl, &tmrec_tm_global_col_options);

    ovsdb_idl_add_table(idl, &tmrec_table_session);
    for (size_t i = 0; i < TMREC_SESSION_N_COLUMNS; i++) {
        ovsdb_idl_add_column(idl, &tmrec_session_columns[i]);
    }
    ovsdb_idl_add_table(idl, &tmrec_table_target);
    for (size_t i = 0; i < TMREC_TARGET_N_COLUMNS; i++) {
        ovsdb_idl_add_column(idl, &tmrec_target_columns[i]);
    }
    ovsdb_idl_add_table(idl, &tmrec_table_filter);
    for (size_t i = 0; i < TMREC_FILTER_N_COLUMNS; i++) {
        ovsdb_idl_add_column(idl, &tmrec_filter_columns[i]);
    }
    ovsdb_idl_add_table(idl, &tmrec_table_filter_rule);
    for (size_t i = 0; i < TMREC_FILTER_RULE_N_COLUMNS; i++) {
        ovsdb_idl_add_column(idl, &tmrec_filter_rule_columns[i]);
    }
    ovsdb_idl_add_table(idl, &tmrec_table_binding);
    ovsdb_idl_add_column(idl, &tmrec_binding_col_port);
    ovsdb_idl_add_column(idl, &tmrec_binding_col_chassis_name);
    ovsdb_idl_add_table(idl, &tmrec_table_chassis);
    for (size_t i = 0; i < TMREC_CHASSIS_N_COLUMNS; i++) {
        ovsdb_idl_add_column(idl, &tmrec_chassis_columns[i]);
    }
}

/* Creates a monitor for 'idl'; until the first update, nothing is
 * monitored but TM_Global. */
struct intent_monitor *
intent_monitor_create(struct ovsdb_idl *idl)
{
    struct intent_monitor *m = xzalloc(sizeof *m);
    m->idl = idl;

    /* Without a condition, the IDL's first request would ask for every row
     * of the fleet: start from "nothing" until the first update says what
     * concerns this chassis. */
    struct ovsdb_idl_condition none;
    ovsdb_idl_condition_init(&none);
    for (size_t i = 0; i < N_CONDS; i++) {
        ovsdb_idl_set_condition(idl, cond_tables[i], &none);
    }
    ovsdb_idl_condition_destroy(&none);
    return m;
}

/* Frees 'm'. */
void
intent_monitor_destroy(struct intent_monitor *m)
{
    if (m) {
        free(m->signature);
        free(m);
    }
}

/* A condition being built, with a signature of its clauses. */
struct cond {
    struct ovsdb_idl_condition c;
    struct sset keys;           /* "column=value" of every clause. */
};

/* Initializes 'cond' as false (no clause). */
static void
cond_init(struct cond *cond)
{
    ovsdb_idl_condition_init(&cond->c);
    sset_init(&cond->keys);
}

/* Frees 'cond'. */
static void
cond_destroy(struct cond *cond)
{
    ovsdb_idl_condition_destroy(&cond->c);
    sset_destroy(&cond->keys);
}

/* Adds "column == value" for a string column. */
static void
cond_add_string(struct cond *cond, const struct ovsdb_idl_column *column,
                const char *value)
{
    char *key = xasprintf("%s=%s", column->name, value);
    if (sset_add(&cond->keys, key)) {
        struct ovsdb_datum datum;
        union ovsdb_atom *atom = xmalloc(sizeof *atom);
        atom->s = ovsdb_atom_string_create(value);
        datum.refcnt = NULL;
        datum.n = 1;
        datum.keys = atom;
        datum.values = NULL;
        ovsdb_idl_condition_add_clause(&cond->c, OVSDB_F_EQ, column, &datum);
        ovsdb_datum_destroy(&datum, &column->type);
    }
    free(key);
}

/* Adds "column == uuid" for a UUID column (or the row's UUID). */
static void
cond_add_uuid(struct cond *cond, const struct ovsdb_idl_column *column,
              const struct uuid *uuid)
{
    if (uuid_is_zero(uuid)) {
        return;
    }
    char *key = xasprintf("%s="UUID_FMT, column->name, UUID_ARGS(uuid));
    if (sset_add(&cond->keys, key)) {
        /* The condition keeps (a reference to) the datum's atoms. */
        struct ovsdb_datum datum;
        union ovsdb_atom *atom = xmalloc(sizeof *atom);
        atom->uuid = *uuid;
        datum.refcnt = NULL;
        datum.n = 1;
        datum.keys = atom;
        datum.values = NULL;
        ovsdb_idl_condition_add_clause(&cond->c, OVSDB_F_EQ, column, &datum);
        ovsdb_datum_destroy(&datum, &column->type);
    }
    free(key);
}

/* Adds every UUID that column 'column' of 'row' references. */
static void
cond_add_refs(struct cond *cond, const struct ovsdb_idl_row *row,
              const struct ovsdb_idl_column *column)
{
    const struct ovsdb_datum *d = ovsdb_idl_read(row, column);
    for (size_t i = 0; d && i < d->n; i++) {
        cond_add_uuid(cond, &tm_row_uuid_column, &d->keys[i].uuid);
    }
}

/* Appends 'table''s name and 'cond''s clauses, sorted, to 's'. */
static void
cond_sign(const struct cond *cond, const char *table, struct ds *s)
{
    ds_put_format(s, "%s:", table);
    const char **keys = sset_sort(&cond->keys);
    for (size_t i = 0; i < sset_count(&cond->keys); i++) {
        ds_put_format(s, " %s", keys[i]);
    }
    free(keys);
    ds_put_char(s, '\n');
}

/* Fills 'conds' for the rows now in the IDL. */
static void
compute_conditions(const struct intent_monitor *m, const struct ovs_index *ovs,
                   const char *chassis_name, struct cond conds[N_CONDS])
{
    const struct ovsdb_idl *idl = m->idl;
    const struct shash_node *node;

    /* Sessions of local sources; targets of local appliances, and the
     * sessions that name one as their source (an error to report). */
    SHASH_FOR_EACH (node, &ovs->sources) {
        cond_add_string(&conds[C_SESSION], &tmrec_session_col_source,
                        node->name);
    }
    SHASH_FOR_EACH (node, &ovs->appliances) {
        cond_add_string(&conds[C_TARGET], &tmrec_target_col_port,
                        node->name);
        cond_add_string(&conds[C_SESSION], &tmrec_session_col_source,
                        node->name);
    }
    const struct tmrec_target *t;
    TMREC_TARGET_FOR_EACH (t, idl) {
        if (t->port && shash_find(&ovs->appliances, t->port)) {
            cond_add_uuid(&conds[C_SESSION], &tmrec_session_col_target,
                          &t->header_.uuid);
        }
    }

    /* What the sessions reference, and the ports they name. */
    const struct tmrec_session *s;
    TMREC_SESSION_FOR_EACH (s, idl) {
        cond_add_refs(&conds[C_TARGET], &s->header_,
                      &tmrec_session_col_target);
        cond_add_refs(&conds[C_FILTER], &s->header_,
                      &tmrec_session_col_filter);
        cond_add_string(&conds[C_BINDING], &tmrec_binding_col_port,
                        s->source);
        if (s->target && s->target->port) {
            cond_add_string(&conds[C_BINDING], &tmrec_binding_col_port,
                            s->target->port);
        }
    }
    const struct tmrec_filter *f;
    TMREC_FILTER_FOR_EACH (f, idl) {
        cond_add_refs(&conds[C_RULE], &f->header_, &tmrec_filter_col_rules);
    }

    /* This chassis's rows, and the chassis the bindings name. */
    cond_add_string(&conds[C_BINDING], &tmrec_binding_col_chassis_name,
                    chassis_name);
    cond_add_string(&conds[C_CHASSIS], &tmrec_chassis_col_name, chassis_name);
    const struct tmrec_binding *b;
    TMREC_BINDING_FOR_EACH (b, idl) {
        cond_add_string(&conds[C_CHASSIS], &tmrec_chassis_col_name,
                        b->chassis_name);
    }
    cond_add_string(&conds[C_STATUS], &tmrec_session_status_col_chassis_name,
                    chassis_name);
}

/* Recomputes and sends the conditions.  See intent-monitor.h. */
void
intent_monitor_update(struct intent_monitor *m, const struct ovs_index *ovs,
                      const char *chassis_name, bool monitor_all)
{
    struct cond conds[N_CONDS];
    for (size_t i = 0; i < N_CONDS; i++) {
        cond_init(&conds[i]);
    }
    if (monitor_all) {
        for (size_t i = 0; i < N_CONDS; i++) {
            ovsdb_idl_condition_add_clause_true(&conds[i].c);
            sset_add(&conds[i].keys, "true");
        }
    } else {
        compute_conditions(m, ovs, chassis_name, conds);
    }

    struct ds sig = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < N_CONDS; i++) {
        cond_sign(&conds[i], cond_tables[i]->name, &sig);
    }
    if (!m->signature || strcmp(m->signature, ds_cstr(&sig))) {
        COVERAGE_INC(intent_monitor_update);
        unsigned int seqno = 0;
        for (size_t i = 0; i < N_CONDS; i++) {
            seqno = MAX(seqno, ovsdb_idl_set_condition(m->idl, cond_tables[i],
                                                       &conds[i].c));
        }
        m->expected_seqno = seqno;
        m->n_updates++;
        free(m->signature);
        m->signature = ds_steal_cstr(&sig);
        VLOG_DBG("monitor conditions:\n%s", m->signature);
    }
    ds_destroy(&sig);
    for (size_t i = 0; i < N_CONDS; i++) {
        cond_destroy(&conds[i]);
    }
}

/* True once the last conditions sent are in effect. */
bool
intent_monitor_is_settled(const struct intent_monitor *m)
{
    return (m->signature
            && ovsdb_idl_get_condition_seqno(m->idl) >= m->expected_seqno);
}

/* Returns the number of condition updates sent. */
unsigned int
intent_monitor_n_updates(const struct intent_monitor *m)
{
    return m->n_updates;
}

/* Returns the number of rows of the Traffic_Mirror database now in the IDL:
 * what the conditions made the controller download and keep. */
size_t
intent_monitor_n_rows(const struct intent_monitor *m)
{
    size_t n = 0;
    for (size_t i = 0; i < TMREC_N_TABLES; i++) {
        const struct ovsdb_idl_row *row;
        for (row = ovsdb_idl_first_row(m->idl, &tmrec_table_classes[i]); row;
             row = ovsdb_idl_next_row(row)) {
            n++;
        }
    }
    return n;
}
