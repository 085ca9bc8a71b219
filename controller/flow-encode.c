/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/flow-encode.h"

#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "controller/flow-table.h"
#include "nx-match.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(flow_encode);

/* Appends a group's type, properties and buckets to 's' in a canonical form
 * that does not depend on bucket ids, so that a desired group and a dumped
 * one compare equal as strings when they behave the same. */
void
flow_encode_group_canonical(struct ds *s, uint8_t type,
                       const struct ovs_list *buckets,
                       const struct ofputil_group_props *props)
{
    const struct ofputil_bucket *bucket;

    ds_put_format(s, "type=%"PRIu8, type);
    if (props->selection_method[0]) {
        ds_put_format(s, ",selection_method=%s,selection_method_param=%"
                      PRIu64, props->selection_method,
                      props->selection_method_param);
        if (bitmap_count1(props->fields.used.bm, MFF_N_IDS)) {
            ds_put_cstr(s, ",fields(");
            oxm_format_field_array(s, &props->fields);
            ds_put_char(s, ')');
        }
    }
    LIST_FOR_EACH (bucket, list_node, buckets) {
        struct ofpact_format_params fp = { .s = s };

        ds_put_format(s, ",bucket=weight:%"PRIu16",watch_port:%"PRIu32
                      ",watch_group:%"PRIu32",actions=", bucket->weight,
                      ofp_to_u16(bucket->watch_port), bucket->watch_group);
        ofpacts_format(bucket->ofpacts, bucket->ofpacts_len, &fp);
    }
}

/* Parses desired group 'group_id' with 'spec' into 'gm' for 'command'.
 * Returns false, after logging why, if 'spec' is invalid. */
static bool
parse_group(uint32_t group_id, const char *spec, int command,
            struct ofputil_group_mod *gm)
{
    enum ofputil_protocol usable;
    char *s = xasprintf("group_id=%"PRIu32"%s%s", group_id,
                        spec[0] ? "," : "", spec);
    char *error = parse_ofp_group_mod_str(gm, command, s, NULL, NULL,
                                          &usable);
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_ERR_RL(&rl, "desired group %"PRIu32": invalid spec \"%s\": %s",
                    group_id, spec, error);
        free(error);
        free(s);
        return false;
    }
    free(s);
    return true;
}

/* Adds to 'out' flow 'f' normalised for 'protocol': encoded as a flow_mod
 * and decoded back, so that its match and actions are what the switch will
 * report. */
bool
flow_encode_normalise(const struct tm_flow *f, enum ofputil_protocol protocol,
                      struct tm_flow_table *out)
{
    struct ofputil_flow_mod fm = {
        .priority = f->priority,
        .new_cookie = htonll(f->cookie),
        .table_id = f->table_id,
        .command = OFPFC_ADD,
        .buffer_id = UINT32_MAX,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .ofpacts = f->ofpacts,
        .ofpacts_len = f->ofpacts_len,
    };
    fm.match = f->match;        /* Borrowed: encoding only reads it. */
    struct ofpbuf *msg = ofputil_encode_flow_mod(&fm, protocol);
    ofpmsg_update_length(msg);

    struct ofputil_flow_mod back;
    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 0);
    enum ofperr error = ofputil_decode_flow_mod(&back, msg->data, protocol,
                                                NULL, NULL, &ofpacts,
                                                OFPP_MAX, 255);
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        if (!VLOG_DROP_ERR(&rl)) {
            char *m = minimatch_to_string(&f->match, NULL,
                                          OFP_DEFAULT_PRIORITY);
            VLOG_ERR("desired flow table=%"PRIu8", priority=%"PRIu16", %s "
                     "cannot be encoded (%s): not installed",
                     f->table_id, f->priority, m, ofperr_get_name(error));
            free(m);
        }
    } else {
        struct match match;
        minimatch_expand(&back.match, &match);
        minimatch_destroy(&back.match);
        tm_flow_table_add(out, back.table_id, back.priority,
                          f->cookie, &match, back.ofpacts,
                          back.ofpacts_len);
    }
    ofpbuf_uninit(&ofpacts);
    ofpbuf_delete(msg);
    return !error;
}

/* Adds to 'out' group 'group_id' with 'spec', parsed, encoded and decoded
 * again, in its canonical form. */
bool
flow_encode_normalise_group(uint32_t group_id, const char *spec,
                            enum ofp_version version,
                            struct tm_flow_table *out)
{
    struct ofputil_group_mod gm;

    if (!parse_group(group_id, spec, OFPGC11_ADD, &gm)) {
        return false;
    }
    struct ofpbuf *msg = ofputil_encode_group_mod(version, &gm, NULL, -1);
    ofpmsg_update_length(msg);
    ofputil_uninit_group_mod(&gm);

    struct ofputil_group_mod back;
    enum ofperr error = ofputil_decode_group_mod(msg->data, &back);
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_ERR_RL(&rl, "desired group %"PRIu32" \"%s\" cannot be encoded "
                    "(%s): not installed", group_id, spec,
                    ofperr_get_name(error));
    } else {
        struct ds s = DS_EMPTY_INITIALIZER;
        flow_encode_group_canonical(&s, back.type, &back.buckets,
                                    &back.props);
        tm_flow_table_add_group(out, group_id, ds_cstr(&s));
        ds_destroy(&s);
        ofputil_uninit_group_mod(&back);
    }
    ofpbuf_delete(msg);

    if (group_id < TM_GROUP_BASE || group_id > TM_GROUP_MAX) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_WARN_RL(&rl, "desired group id %"PRIu32" is outside tmirror's "
                     "range %"PRIu32"..%"PRIu32, group_id,
                     TM_GROUP_BASE, TM_GROUP_MAX);
    }
    return !error;
}

/* Returns a description of 'f' for logs, prefixed by 'verb'. */
char *
flow_encode_describe(const char *verb, const struct tm_flow *f)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ofpact_format_params fp = { .s = &s };

    ds_put_format(&s, "%s table=%"PRIu8", priority=%"PRIu16", cookie=%#"
                  PRIx64", ", verb, f->table_id, f->priority, f->cookie);
    size_t length = s.length;
    minimatch_format(&f->match, NULL, NULL, &s, OFP_DEFAULT_PRIORITY);
    if (s.length > length) {
        ds_put_char(&s, ' ');
    }
    ds_put_cstr(&s, "actions=");
    ofpacts_format(f->ofpacts, f->ofpacts_len, &fp);
    return ds_steal_cstr(&s);
}

/* Returns a flow_mod of 'command' for 'f'. */
struct ofpbuf *
flow_encode_flow_mod(const struct tm_flow *f, uint16_t command,
                     enum ofputil_protocol protocol)
{
    struct ofputil_flow_mod fm = {
        .priority = f->priority,
        .table_id = f->table_id,
        .command = command,
        .buffer_id = UINT32_MAX,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
    };

    if (command == OFPFC_ADD) {
        fm.new_cookie = htonll(f->cookie);
        fm.ofpacts = f->ofpacts;
        fm.ofpacts_len = f->ofpacts_len;
    } else {
        fm.cookie = htonll(f->cookie);
        fm.cookie_mask = OVS_BE64_MAX;
        fm.new_cookie = OVS_BE64_MAX;
        if (command == OFPFC_MODIFY_STRICT) {
            fm.ofpacts = f->ofpacts;
            fm.ofpacts_len = f->ofpacts_len;
        }
    }
    fm.match = f->match;        /* Borrowed: encoding only reads it. */
    return ofputil_encode_flow_mod(&fm, protocol);
}

/* Returns a group_mod of 'command' for 'group_id' with 'spec', or NULL. */
struct ofpbuf *
flow_encode_group_mod(uint32_t group_id, const char *spec, int command,
                      enum ofp_version version)
{
    struct ofputil_group_mod gm;
    if (!parse_group(group_id, command == OFPGC11_DELETE ? "" : spec,
                     command, &gm)) {
        return NULL;
    }
    struct ofpbuf *msg = ofputil_encode_group_mod(version, &gm, NULL, -1);
    ofputil_uninit_group_mod(&gm);
    return msg;
}
