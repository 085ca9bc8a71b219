/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_FLOW_ENCODE_H
#define TMIRROR_FLOW_ENCODE_H 1

/* tmirror's flows and groups as OpenFlow messages, and as the switch reports
 * them back.
 *
 * A desired flow and the same flow dumped from the switch may differ in
 * form (a load that becomes a set_field, say), and a group's dumped buckets
 * carry ids; so the two are compared after normalisation: a flow encoded
 * as a flow_mod and decoded again, a group in a canonical text form that
 * does not depend on bucket ids. */

#include <stdbool.h>
#include <stdint.h>
#include "openvswitch/list.h"
#include "openvswitch/ofp-protocol.h"

struct ds;
struct ofpbuf;
struct ofputil_group_props;
struct tm_flow;
struct tm_flow_table;

/* Adds to 'out' flow 'f' as the switch will report it when it is installed
 * with 'protocol'.  Returns false (after logging why) if 'f' cannot be
 * encoded. */
bool flow_encode_normalise(const struct tm_flow *f,
                           enum ofputil_protocol protocol,
                           struct tm_flow_table *out);

/* Adds to 'out' group 'group_id' with 'spec' in its canonical form for
 * 'version'.  Returns false (after logging why) if 'spec' is invalid. */
bool flow_encode_normalise_group(uint32_t group_id, const char *spec,
                                 enum ofp_version version,
                                 struct tm_flow_table *out);

/* Appends the canonical form of a group's type, properties and buckets to
 * 's' (what a dumped group is compared in). */
void flow_encode_group_canonical(struct ds *s, uint8_t type,
                                 const struct ovs_list *buckets,
                                 const struct ofputil_group_props *props);

/* Returns a flow_mod of 'command' (OFPFC_ADD, OFPFC_MODIFY_STRICT or
 * OFPFC_DELETE_STRICT) for 'f'. */
struct ofpbuf *flow_encode_flow_mod(const struct tm_flow *f,
                                    uint16_t command,
                                    enum ofputil_protocol protocol);

/* Returns a group_mod of 'command' (OFPGC11_ADD, OFPGC11_MODIFY,
 * OFPGC11_DELETE) for group 'group_id' with 'spec' ("" for a delete), or
 * NULL (after logging why) if 'spec' is invalid. */
struct ofpbuf *flow_encode_group_mod(uint32_t group_id, const char *spec,
                                     int command, enum ofp_version version);

/* Returns a description of 'f' for logs, prefixed by 'verb'. */
char *flow_encode_describe(const char *verb, const struct tm_flow *f);

#endif /* flow-encode.h */
