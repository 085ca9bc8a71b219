/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The property test's look at the mirror bridge itself: tmirror's flows
 * (by cookie) and groups (by id) as the switch reports them, against the
 * controller's desired table ("tmirror/show-flows"), which is parsed and
 * normalised for the connection as ofctrl does before it compares.  See
 * test-inc-prop.h. */

#include <config.h>

#include "tests/test-inc-prop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "controller/flow-encode.h"
#include "controller/flow-table.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vconn.h"
#include "byte-order.h"
#include "socket-util.h"
#include "sset.h"
#include "util.h"

/* Reads tmirror's flows from 'vconn' into 'out'.  Returns 0 or an errno
 * value. */
static int
dump_flows(struct vconn *vconn, enum ofputil_protocol protocol,
           struct tm_flow_table *out)
{
    struct ofputil_flow_stats_request fsr = {
        .cookie = htonll(TM_COOKIE_MAGIC),
        .cookie_mask = htonll(TM_COOKIE_MAGIC_MASK),
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = 0xff,
    };
    match_init_catchall(&fsr.match);
    struct ofputil_flow_stats *fses;
    size_t n;
    int error = vconn_dump_flows(vconn, &fsr, protocol, &fses, &n);
    if (error) {
        return error;
    }
    for (size_t i = 0; i < n; i++) {
        tm_flow_table_add(out, fses[i].table_id, fses[i].priority,
                          ntohll(fses[i].cookie), &fses[i].match,
                          fses[i].ofpacts, fses[i].ofpacts_len);
        free(CONST_CAST(struct ofpact *, fses[i].ofpacts));
    }
    free(fses);
    return 0;
}

/* Reads tmirror's groups from 'vconn' into 'out', in canonical form.
 * Returns 0 or an errno value. */
static int
dump_groups(struct vconn *vconn, struct tm_flow_table *out)
{
    enum ofp_version version = vconn_get_version(vconn);
    struct ovs_list requests, replies;
    ovs_list_init(&requests);
    ovs_list_push_back(&requests,
                       &ofputil_encode_group_desc_request(version, OFPG_ALL)
                       ->list_node);
    int error = vconn_transact_multipart(vconn, &requests, &replies);
    if (error) {
        return error;
    }
    struct ofpbuf *reply;
    LIST_FOR_EACH_POP (reply, list_node, &replies) {
        for (;;) {
            struct ofputil_group_desc gd;
            if (ofputil_decode_group_desc_reply(&gd, reply, version)) {
                break;
            }
            if (gd.group_id >= TM_GROUP_BASE && gd.group_id <= TM_GROUP_MAX) {
                struct ds s = DS_EMPTY_INITIALIZER;
                flow_encode_group_canonical(&s, gd.type, &gd.buckets,
                                            &gd.props);
                tm_flow_table_add_group(out, gd.group_id, ds_cstr(&s));
                ds_destroy(&s);
            }
            ofputil_uninit_group_desc(&gd);
        }
        ofpbuf_delete(reply);
    }
    return 0;
}

/* Parses one line of "tmirror/show-flows" into 'want', normalised for
 * 'protocol'.  Returns an error message or NULL. */
static char *
parse_desired_line(const char *line, enum ofputil_protocol protocol,
                   struct tm_flow_table *want)
{
    if (!strncmp(line, "group_id=", 9)) {
        char *end;
        unsigned long id = strtoul(line + 9, &end, 10);
        if (*end != ',' || !flow_encode_normalise_group(
                id, end + 1, ofputil_protocol_to_ofp_version(protocol),
                want)) {
            return xasprintf("bad group line: %s", line);
        }
        return NULL;
    }

    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    char *error = parse_ofp_flow_mod_str(&fm, line, NULL, NULL, OFPFC_ADD,
                                         &usable);
    if (error) {
        char *msg = xasprintf("bad flow line: %s (%s)", line, error);
        free(error);
        return msg;
    }
    struct match match;
    minimatch_expand(&fm.match, &match);
    struct tm_flow_table one;
    tm_flow_table_init(&one);
    struct tm_flow *f = tm_flow_table_add(&one, fm.table_id, fm.priority,
                                          ntohll(fm.new_cookie), &match,
                                          fm.ofpacts, fm.ofpacts_len);
    flow_encode_normalise(f, protocol, want);
    tm_flow_table_destroy(&one);
    minimatch_destroy(&fm.match);
    free(CONST_CAST(struct ofpact *, fm.ofpacts));
    return NULL;
}

/* Appends to 's' the lines of 'a' that 'b' lacks, each after 'prefix'.
 * Returns how many. */
static size_t
put_missing_lines(const struct tm_flow_table *a, const struct tm_flow_table *b,
                  const char *prefix, struct ds *s)
{
    struct ds fa = DS_EMPTY_INITIALIZER, fb = DS_EMPTY_INITIALIZER;
    tm_flow_table_format(a, &fa);
    tm_flow_table_format(b, &fb);
    struct sset lines = SSET_INITIALIZER(&lines);
    char *save, *line;
    for (line = strtok_r(ds_cstr(&fb), "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        sset_add(&lines, line);
    }
    size_t n = 0;
    for (line = strtok_r(ds_cstr(&fa), "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (!sset_contains(&lines, line)) {
            ds_put_format(s, "  %s%s\n", prefix, line);
            n++;
        }
    }
    sset_destroy(&lines);
    ds_destroy(&fa);
    ds_destroy(&fb);
    return n;
}

/* Compares the mirror bridge with 'desired'.  See test-inc-prop.h. */
size_t
prop_check_switch(const char *mgmt, const char *desired, struct ds *s)
{
    struct vconn *vconn;
    int error = vconn_open_block(mgmt, 1u << OFP15_VERSION, DSCP_DEFAULT,
                                 5000, &vconn);
    if (error) {
        ds_put_format(s, "  %s: %s\n", mgmt, ovs_strerror(error));
        return 1;
    }
    enum ofputil_protocol protocol
        = ofputil_protocol_from_ofp_version(vconn_get_version(vconn));

    struct tm_flow_table want, have;
    tm_flow_table_init(&want);
    tm_flow_table_init(&have);
    size_t n = 0;

    char *copy = xstrdup(desired), *save;
    for (char *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *msg = parse_desired_line(line, protocol, &want);
        if (msg) {
            ds_put_format(s, "  %s\n", msg);
            free(msg);
            n++;
        }
    }
    free(copy);

    error = dump_flows(vconn, protocol, &have);
    if (!error) {
        error = dump_groups(vconn, &have);
    }
    if (error) {
        ds_put_format(s, "  dumping %s: %s\n", mgmt, ovs_strerror(error));
        n++;
    } else if (!tm_flow_table_equal(&want, &have)) {
        size_t k = put_missing_lines(&want, &have, "missing in the switch: ",
                                     s);
        k += put_missing_lines(&have, &want, "only in the switch: ", s);
        n += MAX(k, 1);
    }
    tm_flow_table_destroy(&want);
    tm_flow_table_destroy(&have);
    vconn_close(vconn);
    return n;
}
