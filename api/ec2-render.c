/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Traffic_Mirror rows as EC2 XML (version 2016-11-15 shapes). */

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

/* ---- Rendering rows as EC2 XML. ---- */

/* Writes the tagSet of 'ids'. */
void
ec2_render_tags(struct ec2_xml *x, const struct smap *ids)
{
    ec2_xml_open(x, "tagSet");
    const struct smap_node **nodes = smap_sort(ids);
    for (size_t i = 0; i < smap_count(ids); i++) {
        if (!strncmp(nodes[i]->key, "tag:", 4)) {
            ec2_xml_open(x, "item");
            ec2_xml_text(x, "key", nodes[i]->key + 4);
            ec2_xml_text(x, "value", nodes[i]->value);
            ec2_xml_close(x);
        }
    }
    free(nodes);
    ec2_xml_close(x);
}

/* Writes the project of 'ids' as ownerId. */
void
ec2_render_owner(struct ec2_xml *x, const struct smap *ids)
{
    const char *project = api_row_project(ids);
    ec2_xml_text(x, "ownerId", project ? project : "");
}

/* Writes one rule as the element 'name'. */
void
ec2_render_rule(struct ec2_xml *x, const char *name,
         const struct tmrec_filter *filter,
         const struct tmrec_filter_rule *rule)
{
    char id[API_ID_LEN + 1];
    ec2_xml_open(x, name);
    api_id_format(API_RULE, &rule->header_.uuid, id);
    ec2_xml_text(x, "trafficMirrorFilterRuleId", id);
    api_id_format(API_FILTER, &filter->header_.uuid, id);
    ec2_xml_text(x, "trafficMirrorFilterId", id);
    ec2_xml_text(x, "trafficDirection", rule->direction);
    ec2_xml_int(x, "ruleNumber", rule->rule_number);
    ec2_xml_text(x, "ruleAction", rule->action);
    if (rule->n_protocol) {
        ec2_xml_int(x, "protocol", rule->protocol[0]);
    }
    if (rule->n_destination_port_from) {
        ec2_xml_open(x, "destinationPortRange");
        ec2_xml_int(x, "fromPort", rule->destination_port_from[0]);
        ec2_xml_int(x, "toPort", (rule->n_destination_port_to
                                  ? rule->destination_port_to[0]
                                  : rule->destination_port_from[0]));
        ec2_xml_close(x);
    }
    if (rule->n_source_port_from) {
        ec2_xml_open(x, "sourcePortRange");
        ec2_xml_int(x, "fromPort", rule->source_port_from[0]);
        ec2_xml_int(x, "toPort", (rule->n_source_port_to
                                  ? rule->source_port_to[0]
                                  : rule->source_port_from[0]));
        ec2_xml_close(x);
    }
    ec2_xml_text(x, "destinationCidrBlock",
                 rule->destination_cidr && *rule->destination_cidr
                 ? rule->destination_cidr : "0.0.0.0/0");
    ec2_xml_text(x, "sourceCidrBlock",
                 rule->source_cidr && *rule->source_cidr
                 ? rule->source_cidr : "0.0.0.0/0");
    ec2_xml_text(x, "description", rule->description);
    ec2_xml_close(x);
}

/* Writes one filter as the element 'name'. */
void
ec2_render_filter(struct ec2_xml *x, const char *name,
           const struct tmrec_filter *filter)
{
    char id[API_ID_LEN + 1];
    ec2_xml_open(x, name);
    api_id_format(API_FILTER, &filter->header_.uuid, id);
    ec2_xml_text(x, "trafficMirrorFilterId", id);
    const struct tmrec_filter_rule **rules = tm_filter_sorted_rules(filter);
    static const char *const directions[] = { "ingress", "egress" };
    for (int d = 0; d < 2; d++) {
        ec2_xml_open(x, d ? "egressFilterRuleSet" : "ingressFilterRuleSet");
        for (size_t i = 0; i < filter->n_rules; i++) {
            if (!strcmp(rules[i]->direction, directions[d])) {
                ec2_render_rule(x, "item", filter, rules[i]);
            }
        }
        ec2_xml_close(x);
    }
    free(rules);
    ec2_xml_open(x, "networkServiceSet");
    ec2_xml_close(x);
    ec2_xml_text(x, "description", filter->description);
    ec2_render_tags(x, &filter->external_ids);
    ec2_xml_close(x);
}

/* Returns the NetworkLoadBalancerArn extension of an ip target. */
char *
ec2_target_arn(const struct tmrec_target *t)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&ds, ARN_PREFIX);
    for (size_t i = 0; i < t->n_addresses; i++) {
        ds_put_format(&ds, "%s%s", i ? "," : "", t->addresses[i]);
    }
    if (t->encap && *t->encap) {
        ds_put_format(&ds, ";encap=%s", t->encap);
    }
    const struct smap_node **nodes = smap_sort(&t->options);
    for (size_t i = 0; i < smap_count(&t->options); i++) {
        ds_put_format(&ds, ";%s=%s", nodes[i]->key, nodes[i]->value);
    }
    free(nodes);
    return ds_steal_cstr(&ds);
}

/* Writes one target as the element 'name'. */
void
ec2_render_target(struct ec2_xml *x, const char *name,
                  const struct tmrec_target *t)
{
    char id[API_ID_LEN + 1];
    ec2_xml_open(x, name);
    api_id_format(API_TARGET, &t->header_.uuid, id);
    ec2_xml_text(x, "trafficMirrorTargetId", id);
    if (!strcmp(t->type, "port")) {
        ec2_xml_text(x, "networkInterfaceId", t->port ? t->port : "");
        ec2_xml_text(x, "type", "network-interface");
    } else {
        char *arn = ec2_target_arn(t);
        ec2_xml_text(x, "networkLoadBalancerArn", arn);
        free(arn);
        ec2_xml_text(x, "type", "network-load-balancer");
    }
    ec2_xml_text(x, "description", t->description);
    ec2_render_owner(x, &t->external_ids);
    ec2_render_tags(x, &t->external_ids);
    ec2_xml_close(x);
}

/* Writes one session as the element 'name'. */
void
ec2_render_session(struct ec2_xml *x, const char *name,
            const struct tmrec_session *s)
{
    char id[API_ID_LEN + 1];
    ec2_xml_open(x, name);
    api_id_format(API_SESSION, &s->header_.uuid, id);
    ec2_xml_text(x, "trafficMirrorSessionId", id);
    if (s->target) {
        api_id_format(API_TARGET, &s->target->header_.uuid, id);
        ec2_xml_text(x, "trafficMirrorTargetId", id);
    }
    if (s->filter) {
        api_id_format(API_FILTER, &s->filter->header_.uuid, id);
        ec2_xml_text(x, "trafficMirrorFilterId", id);
    }
    ec2_xml_text(x, "networkInterfaceId", s->source);
    ec2_render_owner(x, &s->external_ids);
    if (s->n_packet_length) {
        ec2_xml_int(x, "packetLength", s->packet_length[0]);
    }
    ec2_xml_int(x, "sessionNumber", s->session_number);
    if (api_db_session_vni(s) >= 0) {
        ec2_xml_int(x, "virtualNetworkId", api_db_session_vni(s));
    }
    ec2_xml_text(x, "description", s->description);
    ec2_render_tags(x, &s->external_ids);
    ec2_xml_close(x);
}

/* Replies with 'xml' (freed). */
void
ec2_reply_xml(struct api_call *call, char *xml)
{
    api_call_reply(call, 200, "text/xml;charset=UTF-8", xml);
    free(xml);
}

/* After a write with DryRun=true: EC2's answer for "would succeed". */
bool
ec2_dry_run_reply(struct api_call *call)
{
    if (call->dry_run) {
        api_call_error(call, 412, "DryRunOperation", "Request would have "
                       "succeeded, but DryRun flag is set.");
        return true;
    }
    return false;
}

/* Starts a response for the call's action, with the clientToken echoed
 * when one was given. */
void
ec2_xml_begin(struct api_call *call, struct ec2_xml *x)
{
    ec2_xml_start(x, ec2_param(call, "Action"), call->req->serial);
}

