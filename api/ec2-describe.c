/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* DescribeTrafficMirrorFilters, ...Targets and ...Sessions: ids,
 * Filter.N.Name/Value.M (shell patterns), MaxResults and NextToken. */

#include <config.h>

#include "ec2-internal.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api-auth.h"
#include "api-call.h"
#include "api-db.h"
#include "api-ids.h"
#include "api-request.h"
#include "ec2-xml.h"
#include "openvswitch/dynamic-string.h"
#include "ovsdb-idl.h"
#include "svec.h"
#include "tmirror-idl.h"
#include "tmirror/intent-rows.h"
#include "util.h"

#define ARN_PREFIX "arn:tmirror:ip:"

/* ---- Describe. ---- */

/* The attributes that Describe's Filter.N.Name can name, of one row. */
static void
session_attrs(const struct tmrec_session *s, struct smap *attrs)
{
    char id[API_ID_LEN + 1];
    api_id_format(API_SESSION, &s->header_.uuid, id);
    smap_add(attrs, "traffic-mirror-session-id", id);
    if (s->target) {
        api_id_format(API_TARGET, &s->target->header_.uuid, id);
        smap_add(attrs, "traffic-mirror-target-id", id);
    }
    if (s->filter) {
        api_id_format(API_FILTER, &s->filter->header_.uuid, id);
        smap_add(attrs, "traffic-mirror-filter-id", id);
    }
    smap_add(attrs, "network-interface-id", s->source);
    smap_add_format(attrs, "session-number", "%"PRId64, s->session_number);
    if (api_db_session_vni(s) >= 0) {
        smap_add_format(attrs, "virtual-network-id", "%"PRId64,
                        api_db_session_vni(s));
    }
    if (s->n_packet_length) {
        smap_add_format(attrs, "packet-length", "%"PRId64,
                        s->packet_length[0]);
    }
    smap_add(attrs, "description", s->description);
    const char *p = api_row_project(&s->external_ids);
    smap_add(attrs, "owner-id", p ? p : "");
}

static void
target_attrs(const struct tmrec_target *t, struct smap *attrs)
{
    char id[API_ID_LEN + 1];
    api_id_format(API_TARGET, &t->header_.uuid, id);
    smap_add(attrs, "traffic-mirror-target-id", id);
    if (t->port) {
        smap_add(attrs, "network-interface-id", t->port);
    } else {
        smap_add_nocopy(attrs, xstrdup("network-load-balancer-arn"),
                        ec2_target_arn(t));
    }
    smap_add(attrs, "description", t->description);
    const char *p = api_row_project(&t->external_ids);
    smap_add(attrs, "owner-id", p ? p : "");
}

static void
filter_attrs(const struct tmrec_filter *f, struct smap *attrs)
{
    char id[API_ID_LEN + 1];
    api_id_format(API_FILTER, &f->header_.uuid, id);
    smap_add(attrs, "traffic-mirror-filter-id", id);
    smap_add(attrs, "description", f->description);
}

/* One Describe filter: an attribute and the values (patterns) allowed. */
struct describe_filter {
    char *name;
    struct svec values;
};

/* What a Describe asks for. */
struct describe {
    struct svec ids;            /* XxxId.N. */
    struct describe_filter *filters;
    size_t n_filters;
    size_t max_results;
    char *after;                /* Name to start after (NextToken). */
};

static void
describe_destroy(struct describe *d)
{
    svec_destroy(&d->ids);
    for (size_t i = 0; i < d->n_filters; i++) {
        free(d->filters[i].name);
        svec_destroy(&d->filters[i].values);
    }
    free(d->filters);
    free(d->after);
}

/* Returns 's' hex-encoded (NextToken). */
static char *
hex_token(const char *s)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        ds_put_format(&ds, "%02x", *p);
    }
    return ds_steal_cstr(&ds);
}

/* Decodes a NextToken; NULL if it is not one. */
static char *
token_name(const char *s)
{
    size_t n = strlen(s);
    if (!n || n % 2) {
        return NULL;
    }
    char *out = xmalloc(n / 2 + 1);
    for (size_t i = 0; i < n; i += 2) {
        unsigned int byte;
        if (sscanf(s + i, "%2x", &byte) != 1 || !byte
            || !strchr("0123456789abcdef", s[i])
            || !strchr("0123456789abcdef", s[i + 1])) {
            free(out);
            return NULL;
        }
        out[i / 2] = byte;
    }
    out[n / 2] = '\0';
    return out;
}

/* Parses the Describe parameters: 'id_param'.N, Filter.N.Name and
 * Filter.N.Value.M (names among 'names'), MaxResults, NextToken. */
static bool
parse_describe(struct api_call *call, const char *id_param,
               const char *const names[], struct describe *d)
{
    memset(d, 0, sizeof *d);
    svec_init(&d->ids);
    d->max_results = 1000;
    for (int n = 1; ; n++) {
        char *k = xasprintf("%s.%d", id_param, n);
        const char *v = ec2_param(call, k);
        free(k);
        if (!v) {
            break;
        }
        svec_add(&d->ids, v);
    }
    d->filters = xcalloc(51, sizeof *d->filters);
    for (int n = 1; n <= 50; n++) {
        char *k = xasprintf("Filter.%d.Name", n);
        const char *name = ec2_param(call, k);
        free(k);
        if (!name) {
            break;
        }
        bool known = false;
        for (size_t i = 0; names[i]; i++) {
            known = known || !strcmp(names[i], name);
        }
        if (!known) {
            api_call_error(call, 400, "InvalidParameterValue", "Filter.%d."
                           "Name: %s is not a filter of this operation", n,
                           name);
            return false;
        }
        struct describe_filter *f = &d->filters[d->n_filters++];
        f->name = xstrdup(name);
        svec_init(&f->values);
        for (int m = 1; m <= 200; m++) {
            char *vk = xasprintf("Filter.%d.Value.%d", n, m);
            const char *v = ec2_param(call, vk);
            free(vk);
            if (!v) {
                break;
            }
            svec_add(&f->values, v);
        }
    }
    const char *max = ec2_param(call, "MaxResults");
    if (max) {
        char *end;
        long v = strtol(max, &end, 10);
        if (!*max || *end || v < 5 || v > 1000) {
            api_call_error(call, 400, "InvalidParameterValue", "MaxResults: "
                           "%s is not an integer from 5 to 1000", max);
            return false;
        }
        if (d->ids.n) {
            api_call_error(call, 400, "InvalidParameterCombination",
                           "MaxResults cannot be given with %s.N", id_param);
            return false;
        }
        d->max_results = v;
    }
    const char *token = ec2_param(call, "NextToken");
    if (token) {
        d->after = token_name(token);
        if (!d->after) {
            api_call_error(call, 400, "InvalidNextToken", "NextToken: %s is "
                           "not a token this API returned", token);
            return false;
        }
    }
    return true;
}

/* Returns true if 'attrs' passes every filter of 'd'. */
static bool
describe_match(const struct describe *d, const struct smap *attrs)
{
    for (size_t i = 0; i < d->n_filters; i++) {
        const struct describe_filter *f = &d->filters[i];
        const char *v = smap_get(attrs, f->name);
        bool any = false;
        for (size_t j = 0; j < f->values.n && !any; j++) {
            any = v && !fnmatch(f->values.names[j], v, 0);
        }
        if (!any) {
            return false;
        }
    }
    return true;
}

/* Describes rows of one kind.  The ids asked for must all exist. */
static void
describe_rows(struct api_call *call, enum api_kind kind)
{
    static const char *const session_names[] = {
        "description", "network-interface-id", "owner-id", "packet-length",
        "session-number", "traffic-mirror-filter-id",
        "traffic-mirror-session-id", "traffic-mirror-target-id",
        "virtual-network-id", NULL,
    };
    static const char *const target_names[] = {
        "description", "network-interface-id", "network-load-balancer-arn",
        "owner-id", "traffic-mirror-target-id", NULL,
    };
    static const char *const filter_names[] = {
        "description", "traffic-mirror-filter-id", NULL,
    };
    const char *id_param = (kind == API_SESSION ? "TrafficMirrorSessionId"
                            : kind == API_TARGET ? "TrafficMirrorTargetId"
                            : "TrafficMirrorFilterId");
    const char *set = (kind == API_SESSION ? "trafficMirrorSessionSet"
                       : kind == API_TARGET ? "trafficMirrorTargetSet"
                       : "trafficMirrorFilterSet");
    struct describe d;
    if (!parse_describe(call, id_param, (kind == API_SESSION ? session_names
                                         : kind == API_TARGET ? target_names
                                         : filter_names), &d)) {
        describe_destroy(&d);
        return;
    }

    /* Rows by id, or every visible row in name order. */
    const struct ovsdb_idl_row **rows = NULL;
    size_t n = 0, allocated = 0;
    for (size_t i = 0; i < d.ids.n; i++) {
        const char *ref = d.ids.names[i];
        struct uuid uuid;
        const struct ovsdb_idl_row *row = NULL;
        if (api_id_parse(kind, ref, &uuid)) {
            row = (kind == API_SESSION
                   ? (const void *) api_db_find_session(call, ref)
                   : kind == API_TARGET
                   ? (const void *) api_db_find_target(call, ref)
                   : (const void *) api_db_find_filter(call, ref));
        }
        if (!row) {
            char *code = xasprintf("Invalid%s.NotFound", id_param);
            api_call_error(call, 400, code, "The traffic mirror %s '%s' does "
                           "not exist", api_kind_name(kind), ref);
            free(code);
            free(rows);
            describe_destroy(&d);
            return;
        }
        if (n >= allocated) {
            rows = x2nrealloc(rows, &allocated, sizeof *rows);
        }
        rows[n++] = row;
    }

    struct ovsdb_idl_index *index = (kind == API_SESSION
                                     ? call->ctx->session_by_name
                                     : kind == API_TARGET
                                     ? call->ctx->target_by_name
                                     : call->ctx->filter_by_name);
    struct ec2_xml x;
    ec2_xml_begin(call, &x);
    ec2_xml_open(&x, set);
    const char *last = NULL;
    size_t n_out = 0;
    bool more = false;
    struct ovsdb_idl_cursor cursor = ovsdb_idl_cursor_first(index);
    for (size_t i = 0; ; i++) {
        const struct ovsdb_idl_row *row;
        if (d.ids.n) {
            if (i >= n) {
                break;
            }
            row = rows[i];
        } else {
            row = ovsdb_idl_cursor_data(&cursor);
            if (!row) {
                break;
            }
            ovsdb_idl_cursor_next(&cursor);
        }
        struct smap attrs = SMAP_INITIALIZER(&attrs);
        const struct smap *ids;
        const char *name;
        if (kind == API_SESSION) {
            const struct tmrec_session *s = tmrec_session_cast(row);
            session_attrs(s, &attrs);
            ids = &s->external_ids;
            name = s->name;
        } else if (kind == API_TARGET) {
            const struct tmrec_target *t = tmrec_target_cast(row);
            target_attrs(t, &attrs);
            ids = &t->external_ids;
            name = t->name;
        } else {
            const struct tmrec_filter *f = tmrec_filter_cast(row);
            filter_attrs(f, &attrs);
            ids = &f->external_ids;
            name = f->name;
        }
        bool skip = (!api_call_sees(call, ids)
                     || (d.after && strcmp(name, d.after) <= 0)
                     || !describe_match(&d, &attrs));
        smap_destroy(&attrs);
        if (skip) {
            continue;
        }
        if (n_out >= d.max_results) {
            more = true;
            break;
        }
        n_out++;
        last = name;
        if (kind == API_SESSION) {
            ec2_render_session(&x, "item", tmrec_session_cast(row));
        } else if (kind == API_TARGET) {
            ec2_render_target(&x, "item", tmrec_target_cast(row));
        } else {
            ec2_render_filter(&x, "item", tmrec_filter_cast(row));
        }
    }
    ec2_xml_close(&x);
    if (more && last) {
        char *token = hex_token(last);
        ec2_xml_text(&x, "nextToken", token);
        free(token);
    }
    free(rows);
    describe_destroy(&d);
    if (call->dry_run) {
        ds_destroy(&x.ds);
        ec2_dry_run_reply(call);
        return;
    }
    ec2_reply_xml(call, ec2_xml_finish(&x));
}

void
api_ec2_describe_sessions(struct api_call *c)
{
    describe_rows(c, API_SESSION);
}

void
api_ec2_describe_targets(struct api_call *c)
{
    describe_rows(c, API_TARGET);
}

void
api_ec2_describe_filters(struct api_call *c)
{
    describe_rows(c, API_FILTER);
}

