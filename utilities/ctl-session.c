/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* tmirror-ctl's Session commands: session-add, session-set, session-del,
 * session-list, session-show (with the status that the chassis report). */

#include <config.h>

#include "ctl-session.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-common.h"
#include "ctl-intent.h"
#include "ctl-show.h"
#include "db-ctl-base.h"
#include "openvswitch/dynamic-string.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "sset.h"
#include "svec.h"
#include "table.h"
#include "tmirror-idl.h"
#include "tmirror/intent-check.h"
#include "tmirror/intent-rows.h"
#include "tmirror/row-demand.h"
#include "tmirror/text.h"
#include "tmirror/validate.h"
#include "util.h"

/* Returns the encapsulation that validate.h expects for a session toward
 * 'target': NULL for a port target. */
static const char *
session_encap(const struct tmrec_target *target)
{
    return (target && !strcmp(target->type, "ip")
            ? tm_target_encap(target->encap) : NULL);
}

/* Parses "true" or "false" for field 'field'. */
static bool
parse_bool(struct ctl_context *ctx, const char *field, const char *s,
           bool *out)
{
    if (!strcmp(s, "true")) {
        *out = true;
    } else if (!strcmp(s, "false")) {
        *out = false;
    } else if (!*s) {
        ctl_error(ctx, "%s: missing value (expected true or false)", field);
        return false;
    } else {
        ctl_error(ctx, "%s: %s is not true or false", field, s);
        return false;
    }
    return true;
}

/* The values of a session as session-add and session-set see them. */
struct session_args {
    const char *source;
    const struct tmrec_target *target;
    const struct tmrec_filter *filter;
    int64_t number;
    int64_t vni;                /* -1: not set. */
    int64_t packet_length;      /* -1: not set. */
    bool enabled;
    bool independent;
    const char *description;
};

/* Applies one KEY=VALUE of session-add or session-set ('set' allows the keys
 * that only session-set takes) to 'sa'. */
static bool
parse_session_kv(struct ctl_context *ctx, const char *arg, bool set,
                 struct session_args *sa)
{
    const char *value;
    char *key = split_kv(ctx, arg, &value);
    char *error = NULL;
    bool ok = true;

    if (!key) {
        return false;
    }
    if (!strcmp(key, "vni")) {
        error = tm_parse_int("vni", value, TM_VNI_MIN, TM_VNI_MAX,
                             &sa->vni);
    } else if (!strcmp(key, "packet-length")) {
        if (set && !*value) {
            sa->packet_length = -1;
        } else {
            error = tm_parse_int("packet_length", value, TM_PACKET_LENGTH_MIN,
                                 TM_PACKET_LENGTH_MAX, &sa->packet_length);
        }
    } else if (!strcmp(key, "enabled")) {
        ok = parse_bool(ctx, "enabled", value, &sa->enabled);
    } else if (!strcmp(key, "independent")) {
        ok = parse_bool(ctx, "independent", value, &sa->independent);
    } else if (!strcmp(key, "description")) {
        sa->description = value;
        error = tm_check_description("description", value);
    } else if (set && !strcmp(key, "source")) {
        sa->source = value;
        error = tm_check_iface_id("source", value);
    } else if (set && !strcmp(key, "target")) {
        error = (*value ? NULL
                 : xstrdup("target: missing value (expected the name of a "
                           "target)"));
        sa->target = error ? NULL : must_get_target(ctx, value);
        ok = error || sa->target != NULL;
    } else if (set && !strcmp(key, "filter")) {
        error = (*value ? NULL
                 : xstrdup("filter: missing value (expected the name of a "
                           "filter)"));
        sa->filter = error ? NULL : must_get_filter(ctx, value);
        ok = error || sa->filter != NULL;
    } else if (set && !strcmp(key, "number")) {
        error = tm_parse_int("session_number", value, TM_NUMBER_MIN,
                             TM_NUMBER_MAX, &sa->number);
    } else {
        unknown_key(ctx, key, set ? "source, target, filter, number, vni, "
                    "packet-length, enabled, independent or description"
                    : "vni, packet-length, enabled, independent or "
                    "description");
        ok = false;
    }
    free(key);
    return ok && !take_error(ctx, error);
}

/* Validates the values 'sa' of session 'name' by themselves; the rules that
 * involve other sessions are checked before commit (ctl_intent_check()). */
static bool
check_session_args(struct ctl_context *ctx, const char *name,
                   const struct session_args *sa)
{
    char *error = tm_session_validate(sa->number, sa->vni, sa->packet_length,
                                      session_encap(sa->target));
    if (error) {
        ctl_error(ctx, "session %s: %s", name, error);
        free(error);
        return false;
    }
    return true;
}

/* Writes 'sa' into session row 'row'. */
static void
write_session(const struct tmrec_session *row, const struct session_args *sa)
{
    tmrec_session_set_source(row, sa->source);
    tmrec_session_set_target(row, sa->target);
    tmrec_session_set_filter(row, sa->filter);
    tmrec_session_set_session_number(row, sa->number);
    tmrec_session_set_vni(row, sa->vni);
    tmrec_session_set_packet_length(row, &sa->packet_length,
                                    sa->packet_length >= 0);
    tmrec_session_set_enabled(row, sa->enabled);
    tmrec_session_set_independent(row, sa->independent);
    tmrec_session_set_description(row, sa->description);
}

/* "session-add SESSION SOURCE TARGET FILTER NUMBER [KEY=VALUE]...". */
void
cmd_session_add(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    struct session_args sa = {
        .source = ctx->argv[2], .vni = -1, .packet_length = -1,
        .enabled = true, .description = "",
    };

    if (take_error(ctx, tm_check_name("name", name))
        || take_error(ctx, tm_check_iface_id("source", sa.source))
        || take_error(ctx, tm_parse_int("session_number", ctx->argv[5],
                                        TM_NUMBER_MIN, TM_NUMBER_MAX,
                                        &sa.number))
        || !check_repeated_keys(ctx, 6)) {
        return;
    }
    for (int i = 6; i < ctx->argc; i++) {
        if (!parse_session_kv(ctx, ctx->argv[i], false, &sa)) {
            return;
        }
    }
    if (session_by_name(ctx->idl, name)) {
        if (!shash_find(&ctx->options, "--may-exist")) {
            ctl_error(ctx, "session-add: session %s already exists", name);
        }
        return;
    }
    sa.target = must_get_target(ctx, ctx->argv[3]);
    sa.filter = sa.target ? must_get_filter(ctx, ctx->argv[4]) : NULL;
    if (!sa.filter || !check_session_args(ctx, name, &sa)) {
        return;
    }
    if (sa.vni < 0 && take_error(ctx, ctl_intent_pick_vni(ctx->idl, sa.target,
                                                          &sa.vni))) {
        return;
    }

    struct tmrec_session *row = tmrec_session_insert(ctx->txn);
    tmrec_session_set_name(row, name);
    write_session(row, &sa);
}

/* "session-set SESSION KEY=VALUE...". */
void
cmd_session_set(struct ctl_context *ctx)
{
    const struct tmrec_session *row = must_get_session(ctx, ctx->argv[1]);
    if (!row) {
        return;
    }

    struct session_args sa = {
        .source = row->source,
        .target = row->target,
        .filter = row->filter,
        .number = row->session_number,
        .vni = row->vni,
        .packet_length = row->n_packet_length ? row->packet_length[0] : -1,
        .enabled = row->enabled,
        .independent = row->independent,
        .description = row->description,
    };
    /* Keep copies: writing a column frees the row's old values. */
    char *source = NULL, *description = NULL;
    if (!check_repeated_keys(ctx, 2)) {
        return;
    }
    for (int i = 2; i < ctx->argc; i++) {
        if (!parse_session_kv(ctx, ctx->argv[i], true, &sa)) {
            return;
        }
    }
    if (!check_session_args(ctx, row->name, &sa)) {
        return;
    }
    source = xstrdup(sa.source);
    description = xstrdup(sa.description);
    sa.source = source;
    sa.description = description;
    write_session(row, &sa);
    free(source);
    free(description);
}

/* "session-del SESSION". */
void
cmd_session_del(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    const struct tmrec_session *session = session_by_name(ctx->idl, name);
    if (!session) {
        if (!shash_find(&ctx->options, "--if-exists")) {
            char *shown = shown_name(name);
            ctl_error(ctx, "session-del: session %s does not exist", shown);
            free(shown);
        }
        return;
    }
    tmrec_session_delete(session);
}

/* "session-list": a table of the sessions. */
void
cmd_session_list(struct ctl_context *ctx)
{
    static const char *const headings[] = {
        "name", "source", "number", "target", "filter", "vni",
        "packet-length", "enabled", "independent", "description", NULL
    };
    struct table *t = start_table(ctx, headings);
    size_t n;
    const struct tmrec_session **sessions
        = SORTED_ROWS(ctx->idl, session, tmrec_session, &n);
    for (size_t i = 0; i < n; i++) {
        const struct tmrec_session *s = sessions[i];
        table_add_row(t);
        add_text_cell(t, s->name);
        add_text_cell(t, s->source);
        add_int_cell(t, &s->session_number, 1);
        add_text_cell(t, s->target ? s->target->name : "");
        add_text_cell(t, s->filter ? s->filter->name : "");
        add_int_cell(t, &s->vni, 1);
        add_int_cell(t, s->packet_length, s->n_packet_length);
        add_text_cell(t, s->enabled ? "true" : "false");
        add_text_cell(t, s->independent ? "true" : "false");
        add_text_cell(t, s->description);
    }
    free(sessions);
}

/* Appends the Session_Status rows of 'session', in chassis name order. */
static void
show_session_status(struct ctl_context *ctx,
                    const struct tmrec_session *session)
{
    struct ds *s = &ctx->output;
    size_t n;
    struct tm_row_demand *demand = ctl_intent_demand();
    if (demand) {
        tm_row_demand_uuid(demand, &tmrec_table_session_status,
                           &tmrec_session_status_col_session, OVSDB_F_EQ,
                           &session->header_.uuid);
    }
    const struct tmrec_session_status **rows
        = (const struct tmrec_session_status **) sorted_rows(
            ctx->idl, &tmrec_table_session_status,
            offsetof(struct tmrec_session_status, chassis_name), &n);
    bool any = false;

    for (size_t i = 0; i < n; i++) {
        const struct tmrec_session_status *st = rows[i];
        if (st->session != session) {
            continue;
        }
        if (!any) {
            ds_put_cstr(s, "    status:\n");
            any = true;
        }
        ds_put_cstr(s, "        ");
        put_name(s, st->chassis_name);
        ds_put_format(s, ": %s", st->state);
        if (*st->message) {
            char *message = (tm_text_is_printable(st->message)
                             ? xstrdup(st->message)
                             : tm_text_escape(st->message));
            ds_put_format(s, " (%s)", message);
            free(message);
        }
        for (size_t j = 0; j < st->n_statistics; j++) {
            ds_put_format(s, "%s%s=%"PRId64, j ? " " : " [",
                          st->key_statistics[j], st->value_statistics[j]);
        }
        ds_put_cstr(s, st->n_statistics ? "]\n" : "\n");
    }
    if (!any) {
        ds_put_cstr(s, "    status: (no chassis reports this session)\n");
    }
    free(rows);
}

/* "session-show SESSION". */
void
cmd_session_show(struct ctl_context *ctx)
{
    const struct tmrec_session *x = must_get_session(ctx, ctx->argv[1]);
    if (!x) {
        return;
    }

    struct ds *s = &ctx->output;
    ds_put_cstr(s, "session ");
    put_name(s, x->name);
    ds_put_char(s, '\n');
    if (*x->description) {
        ds_put_cstr(s, "    description: ");
        put_maybe_quoted(s, x->description);
        ds_put_char(s, '\n');
    }
    ds_put_cstr(s, "    source: ");
    put_maybe_quoted(s, x->source);
    ds_put_char(s, '\n');
    ds_put_format(s, "    number: %"PRId64"\n", x->session_number);
    if (x->target) {
        ds_put_cstr(s, "    target: ");
        put_name(s, x->target->name);
        ds_put_cstr(s, " (");
        format_target(s, x->target);
        ds_put_cstr(s, ")\n");
    }
    if (x->filter) {
        ds_put_cstr(s, "    filter: ");
        put_name(s, x->filter->name);
        ds_put_format(s, " (%"PRIuSIZE" rules)\n", x->filter->n_rules);
    }
    ds_put_format(s, "    vni: %"PRId64"\n", x->vni);
    if (x->n_packet_length) {
        ds_put_format(s, "    packet-length: %"PRId64"\n",
                      x->packet_length[0]);
    }
    ds_put_format(s, "    enabled: %s\n", x->enabled ? "true" : "false");
    if (x->independent) {
        ds_put_cstr(s, "    independent: true\n");
    }
    show_session_status(ctx, x);
}
