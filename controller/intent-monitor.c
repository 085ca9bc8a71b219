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
#include "openvswitch/shash.h"
#include "uuidset.h"
#include "tmirror-idl.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(intent_monitor);

COVERAGE_DEFINE(intent_monitor_update);
COVERAGE_DEFINE(intent_monitor_compute);

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

/* What one table's condition says, as compared with what was sent before
 * the condition itself is built (which costs a datum per clause): rows
 * whose string columns have one of the values in 'strings'
 * ("COLUMN=VALUE"), or whose UUID column (cond_uuid_columns[]) is in
 * 'uuids'; or every row, if 'all'. */
struct cond_spec {
    bool all;
    struct shash strings;       /* "COLUMN=VALUE" -> the column. */
    struct uuidset uuids;
};

static void spec_init(struct cond_spec *);
static void spec_destroy(struct cond_spec *);

struct intent_monitor {
    struct ovsdb_idl *idl;
    struct cond_spec *sent;     /* N_CONDS: the conditions last sent. */
    bool started;               /* False until the first are sent. */
    unsigned int expected_seqno;
    unsigned int n_updates;
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
    m->sent = xcalloc(N_CONDS, sizeof *m->sent);
    for (size_t i = 0; i < N_CONDS; i++) {
        spec_init(&m->sent[i]);
    }

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
        for (size_t i = 0; i < N_CONDS; i++) {
            spec_destroy(&m->sent[i]);
        }
        free(m->sent);
        free(m);
    }
}


/* The UUID column of each table's UUID clauses. */
static const struct ovsdb_idl_column *const cond_uuid_columns[N_CONDS] = {
    [C_SESSION] = &tmrec_session_col_target,
    [C_TARGET] = &tm_row_uuid_column,
    [C_FILTER] = &tm_row_uuid_column,
    [C_RULE] = &tm_row_uuid_column,
};

/* Initializes 'spec' as false (no clause). */
static void
spec_init(struct cond_spec *spec)
{
    spec->all = false;
    shash_init(&spec->strings);
    uuidset_init(&spec->uuids);
}

/* Frees 'spec'. */
static void
spec_destroy(struct cond_spec *spec)
{
    shash_destroy(&spec->strings);
    uuidset_destroy(&spec->uuids);
}

/* Replaces 'dst' (initialized) with 'src', leaving 'src' empty. */
static void
spec_move(struct cond_spec *dst, struct cond_spec *src)
{
    spec_destroy(dst);
    *dst = *src;
    hmap_moved(&dst->strings.map);
    hmap_moved(&dst->uuids.uuids);
    spec_init(src);
}

/* True if 'a' and 'b' say the same. */
static bool
spec_equal(const struct cond_spec *a, const struct cond_spec *b)
{
    if (a->all != b->all
        || shash_count(&a->strings) != shash_count(&b->strings)
        || uuidset_count(&a->uuids) != uuidset_count(&b->uuids)) {
        return false;
    }
    const struct shash_node *s;
    SHASH_FOR_EACH (s, &a->strings) {
        if (!shash_find(&b->strings, s->name)) {
            return false;
        }
    }
    const struct uuidset_node *node;
    UUIDSET_FOR_EACH (node, &a->uuids) {
        if (!uuidset_contains(&b->uuids, &node->uuid)) {
            return false;
        }
    }
    return true;
}

/* Adds "column == value" for a string column. */
static void
spec_add_string(struct cond_spec *spec, const struct ovsdb_idl_column *column,
                const char *value)
{
    char *key = xasprintf("%s=%s", column->name, value);
    if (!shash_find(&spec->strings, key)) {
        shash_add_nocopy(&spec->strings, key,
                         CONST_CAST(struct ovsdb_idl_column *, column));
    } else {
        free(key);
    }
}

/* Adds "column == uuid" for the table's UUID column. */
static void
spec_add_uuid(struct cond_spec *spec, const struct uuid *uuid)
{
    if (!uuid_is_zero(uuid)) {
        uuidset_insert(&spec->uuids, uuid);
    }
}

/* Adds every UUID that column 'column' of 'row' references. */
static void
spec_add_refs(struct cond_spec *spec, const struct ovsdb_idl_row *row,
              const struct ovsdb_idl_column *column)
{
    const struct ovsdb_datum *d = ovsdb_idl_read(row, column);
    for (size_t i = 0; d && i < d->n; i++) {
        spec_add_uuid(spec, &d->keys[i].uuid);
    }
}

/* Builds into 'cond' (initialized, empty) the condition of table 'i' that
 * 'spec' describes. */
static void
spec_to_condition(const struct cond_spec *spec, size_t i,
                  struct ovsdb_idl_condition *cond)
{
    if (spec->all) {
        ovsdb_idl_condition_add_clause_true(cond);
        return;
    }
    const struct shash_node *s;
    SHASH_FOR_EACH (s, &spec->strings) {
        const struct ovsdb_idl_column *column = s->data;
        const char *value = s->name + strlen(column->name) + 1;
        tm_condition_add_atom(cond, OVSDB_F_EQ, column, (union ovsdb_atom) {
                                  .s = ovsdb_atom_string_create(value) });
    }
    const struct uuidset_node *node;
    UUIDSET_FOR_EACH (node, &spec->uuids) {
        tm_condition_add_atom(cond, OVSDB_F_EQ, cond_uuid_columns[i],
                              (union ovsdb_atom) { .uuid = node->uuid });
    }
}

/* Returns 'table''s name and 'spec''s clauses, sorted, for the log. */
static char *
spec_format(const struct cond_spec *spec, const char *table,
            const struct ovsdb_idl_column *uuid_column)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "%s:%s", table, spec->all ? " true" : "");
    const struct shash_node **keys = shash_sort(&spec->strings);
    for (size_t i = 0; i < shash_count(&spec->strings); i++) {
        ds_put_format(&s, " %s", keys[i]->name);
    }
    free(keys);
    struct uuid *uuids = uuidset_array(&spec->uuids);
    size_t n = uuidset_count(&spec->uuids);
    for (size_t i = 0; i < n; i++) {
        ds_put_format(&s, " %s="UUID_FMT, uuid_column->name,
                      UUID_ARGS(&uuids[i]));
    }
    free(uuids);
    return ds_steal_cstr(&s);
}

/* Fills 'conds' for the rows now in the IDL. */
static void
compute_conditions(const struct intent_monitor *m, const struct ovs_index *ovs,
                   const char *chassis_name, struct cond_spec conds[N_CONDS])
{
    const struct ovsdb_idl *idl = m->idl;
    const struct shash_node *node;

    /* Sessions of local sources; targets of local appliances, and the
     * sessions that name one as their source (an error to report). */
    SHASH_FOR_EACH (node, &ovs->sources) {
        spec_add_string(&conds[C_SESSION], &tmrec_session_col_source,
                        node->name);
    }
    SHASH_FOR_EACH (node, &ovs->appliances) {
        spec_add_string(&conds[C_TARGET], &tmrec_target_col_port,
                        node->name);
        spec_add_string(&conds[C_SESSION], &tmrec_session_col_source,
                        node->name);
    }
    const struct tmrec_target *t;
    TMREC_TARGET_FOR_EACH (t, idl) {
        if (t->port && shash_find(&ovs->appliances, t->port)) {
            spec_add_uuid(&conds[C_SESSION], &t->header_.uuid);
        }
    }

    /* What the sessions reference, and the ports they name. */
    const struct tmrec_session *s;
    TMREC_SESSION_FOR_EACH (s, idl) {
        spec_add_refs(&conds[C_TARGET], &s->header_,
                      &tmrec_session_col_target);
        spec_add_refs(&conds[C_FILTER], &s->header_,
                      &tmrec_session_col_filter);
        spec_add_string(&conds[C_BINDING], &tmrec_binding_col_port,
                        s->source);
        if (s->target && s->target->port) {
            spec_add_string(&conds[C_BINDING], &tmrec_binding_col_port,
                            s->target->port);
        }
    }
    const struct tmrec_filter *f;
    TMREC_FILTER_FOR_EACH (f, idl) {
        spec_add_refs(&conds[C_RULE], &f->header_, &tmrec_filter_col_rules);
    }

    /* This chassis's rows, and the chassis the bindings name. */
    spec_add_string(&conds[C_BINDING], &tmrec_binding_col_chassis_name,
                    chassis_name);
    spec_add_string(&conds[C_CHASSIS], &tmrec_chassis_col_name, chassis_name);
    const struct tmrec_binding *b;
    TMREC_BINDING_FOR_EACH (b, idl) {
        spec_add_string(&conds[C_CHASSIS], &tmrec_chassis_col_name,
                        b->chassis_name);
    }
    spec_add_string(&conds[C_STATUS], &tmrec_session_status_col_chassis_name,
                    chassis_name);
}

/* Recomputes the conditions and sends those that changed.  See
 * intent-monitor.h. */
void
intent_monitor_update(struct intent_monitor *m, const struct ovs_index *ovs,
                      const char *chassis_name, bool monitor_all)
{
    COVERAGE_INC(intent_monitor_compute);
    struct cond_spec conds[N_CONDS];
    for (size_t i = 0; i < N_CONDS; i++) {
        spec_init(&conds[i]);
        conds[i].all = monitor_all;
    }
    if (!monitor_all) {
        compute_conditions(m, ovs, chassis_name, conds);
    }

    unsigned int seqno = 0;
    bool changed = false;
    for (size_t i = 0; i < N_CONDS; i++) {
        if (m->started && spec_equal(&m->sent[i], &conds[i])) {
            continue;
        }
        struct ovsdb_idl_condition cond;
        ovsdb_idl_condition_init(&cond);
        spec_to_condition(&conds[i], i, &cond);
        seqno = MAX(seqno, ovsdb_idl_set_condition(m->idl, cond_tables[i],
                                                   &cond));
        ovsdb_idl_condition_destroy(&cond);
        if (VLOG_IS_DBG_ENABLED()) {
            char *text = spec_format(&conds[i], cond_tables[i]->name,
                                     (cond_uuid_columns[i]
                                      ? cond_uuid_columns[i]
                                      : &tm_row_uuid_column));
            VLOG_DBG("monitor condition: %s", text);
            free(text);
        }
        spec_move(&m->sent[i], &conds[i]);
        changed = true;
    }
    for (size_t i = 0; i < N_CONDS; i++) {
        spec_destroy(&conds[i]);
    }
    if (changed) {
        COVERAGE_INC(intent_monitor_update);
        m->expected_seqno = seqno;
        m->n_updates++;
        m->started = true;
    }
}

/* True once conditions were computed (they may not be in effect yet). */
bool
intent_monitor_is_started(const struct intent_monitor *m)
{
    return m->started;
}

/* True once the last conditions sent are in effect. */
bool
intent_monitor_is_settled(const struct intent_monitor *m)
{
    return (m->started
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
