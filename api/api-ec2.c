/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The EC2 Traffic Mirroring dialect.  See api-ec2.h and tmirror-api(8).
 *
 * Mapping to the Traffic_Mirror database:
 *
 *   - A traffic mirror filter is a Filter, its rules Filter_Rules; a
 *     target is a Target; a session a Session.  Ids are the row UUIDs
 *     (api-ids.h).  A new row's name is its "Name" tag, else its id.
 *   - NetworkInterfaceId is an iface-id: the source of a session, the port
 *     of a port target.
 *   - An ip target (a collector reached over VXLAN, GENEVE, GRE or ERSPAN),
 *     which EC2 has no notion of, is created with the documented extension
 *     NetworkLoadBalancerArn=arn:tmirror:ip:ADDRESS[,ADDRESS...][;encap=E]
 *     [;dst_port=N][;erspan_ver=N], and described the same way.
 *   - Tags are kept in external_ids as "tag:KEY".
 *   - Each parameter is checked by the same code as the native API and
 *     tmirror-ctl: the parameters become an object of the export document
 *     and go through its parser. */

#include <config.h>

#include "api-ec2.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "api-auth.h"
#include "api-call.h"
#include "api-db.h"
#include "api-form.h"
#include "api-json.h"
#include "api-request.h"
#include "ctl-intent.h"
#include "ec2-xml.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "ovsdb-idl.h"
#include "sigv4.h"
#include "svec.h"
#include "timeval.h"
#include "tmirror-idl.h"
#include "util.h"

#define EC2_VERSION "2016-11-15"
#define ARN_PREFIX "arn:tmirror:ip:"

/* Returns an EC2 error document. */
char *
api_ec2_error_xml(const char *code, const char *message, uint64_t serial)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    char id[37];
    ec2_xml_request_id(serial, id);
    ds_put_cstr(&ds, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<Response><Errors><Error><Code>");
    ec2_xml_escape(&ds, code);
    ds_put_cstr(&ds, "</Code><Message>");
    ec2_xml_escape(&ds, message);
    ds_put_format(&ds, "</Message></Error></Errors><RequestID>%s"
                  "</RequestID></Response>\n", id);
    return ds_steal_cstr(&ds);
}

/* ---- Parameters to document objects. ---- */

/* Returns parameter 'key' of the call, or NULL. */
static const char *
param(const struct api_call *call, const char *key)
{
    return smap_get(&call->params, key);
}

/* Returns true if 's' is an optional '-' and decimal digits. */
static bool
is_integer(const char *s)
{
    if (*s == '-') {
        s++;
    }
    if (!*s || strlen(s) > 18) {
        return false;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
    }
    return true;
}

/* Appends ',"KEY":' to the JSON object text 'ds'. */
static void
put_key(struct ds *ds, const char *key)
{
    ds_put_char(ds, ds->length > 1 ? ',' : ' ');
    json_string_escape(key, ds);
    ds_put_char(ds, ':');
}

/* Appends the member KEY with the string VALUE. */
static void
put_string(struct ds *ds, const char *key, const char *value)
{
    put_key(ds, key);
    json_string_escape(value, ds);
}

/* Appends the member KEY with VALUE as a JSON integer when it is one,
 * else as a string (which the document parser then refuses by name). */
static void
put_number(struct ds *ds, const char *key, const char *value)
{
    put_key(ds, key);
    if (is_integer(value)) {
        ds_put_cstr(ds, value);
    } else {
        json_string_escape(value, ds);
    }
}

/* Appends the member KEY with the JSON literal 'raw'. */
static void
put_raw(struct ds *ds, const char *key, const char *raw)
{
    put_key(ds, key);
    ds_put_cstr(ds, raw);
}

/* EC2 parameter names of the document's keys, for error messages. */
struct key_param {
    const char *key;
    const char *param;
};

/* Rewrites "$.KEY..." at the start of 'msg' as the EC2 parameter. */
static char *
ec2_message(char *msg, const struct key_param *map)
{
    for (const struct key_param *m = map; m->key; m++) {
        size_t len = strlen(m->key);
        if (!strncmp(msg, "$.", 2) && !strncmp(msg + 2, m->key, len)
            && (msg[2 + len] == ':' || msg[2 + len] == '[')) {
            char *out = xasprintf("%s%s", m->param, msg + 2 + len);
            free(msg);
            return out;
        }
    }
    return msg;
}

static const struct key_param rule_params[] = {
    {"direction", "TrafficDirection"},
    {"number", "RuleNumber"},
    {"action", "RuleAction"},
    {"protocol", "Protocol"},
    {"source_cidr", "SourceCidrBlock"},
    {"destination_cidr", "DestinationCidrBlock"},
    {"source_port", "SourcePortRange"},
    {"destination_port", "DestinationPortRange"},
    {"description", "Description"},
    {NULL, NULL},
};

static const struct key_param session_params[] = {
    {"source", "NetworkInterfaceId"},
    {"number", "SessionNumber"},
    {"vni", "VirtualNetworkId"},
    {"packet_length", "PacketLength"},
    {"target", "TrafficMirrorTargetId"},
    {"filter", "TrafficMirrorFilterId"},
    {"description", "Description"},
    {NULL, NULL},
};

static const struct key_param target_params[] = {
    {"port", "NetworkInterfaceId"},
    {"addresses", "NetworkLoadBalancerArn"},
    {"encap", "NetworkLoadBalancerArn"},
    {"dst_port", "NetworkLoadBalancerArn"},
    {"erspan_ver", "NetworkLoadBalancerArn"},
    {"description", "Description"},
    {NULL, NULL},
};

/* Replies InvalidParameterValue with 'msg' (freed) rewritten for EC2. */
static void
invalid(struct api_call *call, char *msg, const struct key_param *map)
{
    msg = ec2_message(msg, map);
    api_call_error(call, 400, "InvalidParameterValue", "%s", msg);
    free(msg);
}

/* Appends a port range member from PREFIX.FromPort and PREFIX.ToPort.
 * Returns false (and replies) if only one is given. */
static bool
put_port_range(struct api_call *call, struct ds *ds, const char *key,
               const char *prefix)
{
    char *from_key = xasprintf("%s.FromPort", prefix);
    char *to_key = xasprintf("%s.ToPort", prefix);
    const char *from = param(call, from_key);
    const char *to = param(call, to_key);
    bool ok = true;
    if (from || to) {
        if (!from || !to) {
            api_call_error(call, 400, "InvalidParameterValue", "%s: "
                           "FromPort and ToPort go together", prefix);
            ok = false;
        } else if (!strcmp(from, to)) {
            put_number(ds, key, from);
        } else {
            char *range = xasprintf("%s-%s", from, to);
            put_string(ds, key, range);
            free(range);
        }
    }
    free(from_key);
    free(to_key);
    return ok;
}

/* Returns the tags of TagSpecification.N.Tag.M in 'ids' as "tag:KEY";
 * '*name' is the Name tag, if any. */
static void
parse_tags(const struct api_call *call, struct smap *ids, const char **name)
{
    *name = NULL;
    for (int n = 1; n <= 50; n++) {
        for (int m = 1; m <= 50; m++) {
            char *k = xasprintf("TagSpecification.%d.Tag.%d.Key", n, m);
            char *v = xasprintf("TagSpecification.%d.Tag.%d.Value", n, m);
            const char *key = param(call, k);
            const char *value = param(call, v);
            free(k);
            free(v);
            if (!key) {
                break;
            }
            char *tag = xasprintf("tag:%s", key);
            smap_replace(ids, tag, value ? value : "");
            free(tag);
            if (!strcmp(key, "Name") && value && *value) {
                *name = value;
            }
        }
    }
}

/* Appends "external_ids" with the tags, and "name": the Name tag or
 * 'id'. */
static void
put_name_and_tags(const struct api_call *call, struct ds *ds, const char *id)
{
    struct smap tags = SMAP_INITIALIZER(&tags);
    const char *name;
    parse_tags(call, &tags, &name);
    put_string(ds, "name", name ? name : id);
    if (!smap_is_empty(&tags)) {
        put_key(ds, "external_ids");
        ds_put_char(ds, '{');
        const struct smap_node **nodes = smap_sort(&tags);
        for (size_t i = 0; i < smap_count(&tags); i++) {
            if (i) {
                ds_put_char(ds, ',');
            }
            json_string_escape(nodes[i]->key, ds);
            ds_put_char(ds, ':');
            json_string_escape(nodes[i]->value, ds);
        }
        free(nodes);
        ds_put_char(ds, '}');
    }
    smap_destroy(&tags);
}

/* ---- Rendering rows as EC2 XML. ---- */

/* Writes the tagSet of 'ids'. */
static void
xml_tags(struct ec2_xml *x, const struct smap *ids)
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
static void
xml_owner(struct ec2_xml *x, const struct smap *ids)
{
    const char *project = api_row_project(ids);
    ec2_xml_text(x, "ownerId", project ? project : "");
}

/* Writes one rule as the element 'name'. */
static void
xml_rule(struct ec2_xml *x, const char *name,
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
static void
xml_filter(struct ec2_xml *x, const char *name,
           const struct tmrec_filter *filter)
{
    char id[API_ID_LEN + 1];
    ec2_xml_open(x, name);
    api_id_format(API_FILTER, &filter->header_.uuid, id);
    ec2_xml_text(x, "trafficMirrorFilterId", id);
    const struct tmrec_filter_rule **rules = ctl_intent_sorted_rules(filter);
    static const char *const directions[] = { "ingress", "egress" };
    for (int d = 0; d < 2; d++) {
        ec2_xml_open(x, d ? "egressFilterRuleSet" : "ingressFilterRuleSet");
        for (size_t i = 0; i < filter->n_rules; i++) {
            if (!strcmp(rules[i]->direction, directions[d])) {
                xml_rule(x, "item", filter, rules[i]);
            }
        }
        ec2_xml_close(x);
    }
    free(rules);
    ec2_xml_open(x, "networkServiceSet");
    ec2_xml_close(x);
    ec2_xml_text(x, "description", filter->description);
    xml_tags(x, &filter->external_ids);
    ec2_xml_close(x);
}

/* Returns the NetworkLoadBalancerArn extension of an ip target. */
static char *
target_arn(const struct tmrec_target *t)
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
static void
xml_target(struct ec2_xml *x, const char *name, const struct tmrec_target *t)
{
    char id[API_ID_LEN + 1];
    ec2_xml_open(x, name);
    api_id_format(API_TARGET, &t->header_.uuid, id);
    ec2_xml_text(x, "trafficMirrorTargetId", id);
    if (!strcmp(t->type, "port")) {
        ec2_xml_text(x, "networkInterfaceId", t->port ? t->port : "");
        ec2_xml_text(x, "type", "network-interface");
    } else {
        char *arn = target_arn(t);
        ec2_xml_text(x, "networkLoadBalancerArn", arn);
        free(arn);
        ec2_xml_text(x, "type", "network-load-balancer");
    }
    ec2_xml_text(x, "description", t->description);
    xml_owner(x, &t->external_ids);
    xml_tags(x, &t->external_ids);
    ec2_xml_close(x);
}

/* Writes one session as the element 'name'. */
static void
xml_session(struct ec2_xml *x, const char *name,
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
    xml_owner(x, &s->external_ids);
    if (s->n_packet_length) {
        ec2_xml_int(x, "packetLength", s->packet_length[0]);
    }
    ec2_xml_int(x, "sessionNumber", s->session_number);
    if (api_db_session_vni(s) >= 0) {
        ec2_xml_int(x, "virtualNetworkId", api_db_session_vni(s));
    }
    ec2_xml_text(x, "description", s->description);
    xml_tags(x, &s->external_ids);
    ec2_xml_close(x);
}

/* Replies with 'xml' (freed). */
static void
reply_xml(struct api_call *call, char *xml)
{
    api_call_reply(call, 200, "text/xml;charset=UTF-8", xml);
    free(xml);
}

/* After a write with DryRun=true: EC2's answer for "would succeed". */
static bool
dry_run_reply(struct api_call *call)
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
static void
xml_start(struct api_call *call, struct ec2_xml *x)
{
    ec2_xml_start(x, param(call, "Action"), call->req->serial);
}

/* ---- Filters. ---- */

static void
filter_created(struct api_call *call)
{
    if (dry_run_reply(call)) {
        return;
    }
    const struct tmrec_filter *f = tmrec_filter_get_for_uuid(call->ctx->idl,
                                                             &call->uuid);
    struct ec2_xml x;
    xml_start(call, &x);
    if (f) {
        xml_filter(&x, "trafficMirrorFilter", f);
    }
    if (param(call, "ClientToken")) {
        ec2_xml_text(&x, "clientToken", param(call, "ClientToken"));
    }
    reply_xml(call, ec2_xml_finish(&x));
}

static void
create_filter(struct api_call *call)
{
    char id[API_ID_LEN + 1];
    uuid_generate(&call->uuid);
    api_id_format(API_FILTER, &call->uuid, id);

    struct ds obj = DS_EMPTY_INITIALIZER;
    ds_put_char(&obj, '{');
    put_name_and_tags(call, &obj, id);
    if (param(call, "Description")) {
        put_string(&obj, "description", param(call, "Description"));
    }
    ds_put_char(&obj, '}');

    struct ctl_json_doc doc;
    ctl_json_doc_init(&doc);
    char *error = api_json_parse_object(API_FILTER, ds_cstr(&obj), &doc);
    if (error) {
        invalid(call, error, rule_params);
    } else {
        api_db_write_filter(call, NULL, &doc.filters[0], true);
    }
    ctl_json_doc_destroy(&doc);
    ds_destroy(&obj);
}

/* Finds the filter named by parameter 'key' or replies NotFound. */
static const struct tmrec_filter *
need_filter(struct api_call *call, const char *key)
{
    const char *ref = param(call, key);
    const struct tmrec_filter *f = ref ? api_db_find_filter(call, ref) : NULL;
    if (!ref) {
        api_call_error(call, 400, "MissingParameter", "The request must "
                       "contain the parameter %s", key);
    } else if (!f) {
        api_call_error(call, 400, "InvalidTrafficMirrorFilterId.NotFound",
                       "The traffic mirror filter '%s' does not exist", ref);
    }
    return f;
}

static void
delete_filter(struct api_call *call)
{
    const struct tmrec_filter *f = need_filter(call, "TrafficMirrorFilterId");
    if (!f) {
        return;
    }
    char *users = api_db_users_of_filter(call, f);
    if (users) {
        api_call_error(call, 400, "DependencyViolation", "The traffic mirror "
                       "filter %s is used by session%s %s",
                       param(call, "TrafficMirrorFilterId"),
                       strchr(users, ',') ? "s" : "", users);
        free(users);
        return;
    }
    call->uuid = f->header_.uuid;
    call->uuid_taken = true;
    tmrec_filter_delete(f);
}

/* Renders "<ID-ELEMENT>id</ID-ELEMENT>" for a delete. */
static void
deleted(struct api_call *call, const char *element, enum api_kind kind)
{
    if (dry_run_reply(call)) {
        return;
    }
    char id[API_ID_LEN + 1];
    api_id_format(kind, &call->uuid, id);
    struct ec2_xml x;
    xml_start(call, &x);
    ec2_xml_text(&x, element, id);
    reply_xml(call, ec2_xml_finish(&x));
}

static void
filter_deleted(struct api_call *call)
{
    deleted(call, "trafficMirrorFilterId", API_FILTER);
}

/* ---- Filter rules. ---- */

/* Builds the rule object from the call's parameters into 'obj' (an open
 * JSON object).  Returns false if it replied. */
static bool
rule_params_to_json(struct api_call *call, struct ds *obj)
{
    static const struct { const char *param, *key; bool number; } map[] = {
        {"TrafficDirection", "direction", false},
        {"RuleNumber", "number", true},
        {"RuleAction", "action", false},
        {"Protocol", "protocol", true},
        {"SourceCidrBlock", "source_cidr", false},
        {"DestinationCidrBlock", "destination_cidr", false},
        {"Description", "description", false},
    };
    for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
        const char *v = param(call, map[i].param);
        if (v && map[i].number) {
            put_number(obj, map[i].key, v);
        } else if (v) {
            put_string(obj, map[i].key, v);
        }
    }
    return (put_port_range(call, obj, "source_port", "SourcePortRange")
            && put_port_range(call, obj, "destination_port",
                              "DestinationPortRange"));
}

static void
rule_written(struct api_call *call)
{
    if (dry_run_reply(call)) {
        return;
    }
    const struct tmrec_filter_rule *rule
        = tmrec_filter_rule_get_for_uuid(call->ctx->idl, &call->uuid);
    const struct tmrec_filter *f = rule ? api_db_rule_filter(call, rule)
                                        : NULL;
    struct ec2_xml x;
    xml_start(call, &x);
    if (f) {
        xml_rule(&x, "trafficMirrorFilterRule", f, rule);
    }
    if (param(call, "ClientToken")) {
        ec2_xml_text(&x, "clientToken", param(call, "ClientToken"));
    }
    reply_xml(call, ec2_xml_finish(&x));
}

static void
create_rule(struct api_call *call)
{
    const struct tmrec_filter *f = need_filter(call, "TrafficMirrorFilterId");
    if (!f) {
        return;
    }
    struct ds obj = DS_EMPTY_INITIALIZER;
    ds_put_char(&obj, '{');
    if (!rule_params_to_json(call, &obj)) {
        ds_destroy(&obj);
        return;
    }
    ds_put_char(&obj, '}');

    struct ctl_json_doc doc;
    ctl_json_doc_init(&doc);
    char *error = api_json_parse_object(API_RULE, ds_cstr(&obj), &doc);
    if (error) {
        invalid(call, error, rule_params);
    } else {
        memset(&call->uuid, 0, sizeof call->uuid);
        api_db_write_rule(call, f, NULL, &doc.filters[0].rules[0]);
    }
    ctl_json_doc_destroy(&doc);
    ds_destroy(&obj);
}

/* Finds the rule named by TrafficMirrorFilterRuleId and its filter. */
static const struct tmrec_filter_rule *
need_rule(struct api_call *call, const struct tmrec_filter **fp)
{
    const char *ref = param(call, "TrafficMirrorFilterRuleId");
    struct uuid uuid;
    const struct tmrec_filter_rule *rule = NULL;
    *fp = NULL;
    if (!ref) {
        api_call_error(call, 400, "MissingParameter", "The request must "
                       "contain the parameter TrafficMirrorFilterRuleId");
        return NULL;
    }
    if (api_id_parse(API_RULE, ref, &uuid)) {
        rule = tmrec_filter_rule_get_for_uuid(call->ctx->idl, &uuid);
    }
    *fp = rule ? api_db_rule_filter(call, rule) : NULL;
    if (!*fp) {
        api_call_error(call, 400, "InvalidTrafficMirrorFilterRuleId.NotFound",
                       "The traffic mirror filter rule '%s' does not exist",
                       ref);
        return NULL;
    }
    return rule;
}

/* Appends the RemoveField.N members of the call as nulls ('map' gives the
 * document key of each EC2 field name).  Returns false if it replied. */
static bool
put_remove_fields(struct api_call *call, struct ds *obj,
                  const struct key_param *map)
{
    for (int n = 1; n <= 10; n++) {
        char *k = xasprintf("RemoveField.%d", n);
        const char *field = param(call, k);
        free(k);
        if (!field) {
            break;
        }
        const struct key_param *m;
        for (m = map; m->key && strcmp(m->param, field); m++) {
            continue;
        }
        if (!m->key) {
            api_call_error(call, 400, "InvalidParameterValue", "RemoveField."
                           "%d: %s is not a field that can be removed", n,
                           field);
            return false;
        }
        put_raw(obj, m->key, "null");
    }
    return true;
}

static void
modify_rule(struct api_call *call)
{
    static const struct key_param removable[] = {
        {"destination_port", "destination-port-range"},
        {"source_port", "source-port-range"},
        {"protocol", "protocol"},
        {"description", "description"},
        {NULL, NULL},
    };
    const struct tmrec_filter *f;
    const struct tmrec_filter_rule *rule = need_rule(call, &f);
    if (!rule) {
        return;
    }
    struct ds patch = DS_EMPTY_INITIALIZER;
    ds_put_char(&patch, '{');
    if (!rule_params_to_json(call, &patch)
        || !put_remove_fields(call, &patch, removable)) {
        ds_destroy(&patch);
        return;
    }
    ds_put_char(&patch, '}');

    struct api_render render;
    api_render_init(&render);
    api_render_rule(&render, f, rule);
    char *merged = NULL;
    bool has_rules;
    struct ctl_json_doc doc;
    ctl_json_doc_init(&doc);
    char *error = api_json_merge(API_RULE, &render.doc, ds_cstr(&patch),
                                 &merged, &has_rules);
    if (!error) {
        error = api_json_parse_object(API_RULE, merged, &doc);
    }
    if (error) {
        invalid(call, error, rule_params);
    } else {
        call->uuid = rule->header_.uuid;
        call->uuid_taken = true;
        api_db_write_rule(call, f, rule, &doc.filters[0].rules[0]);
    }
    free(merged);
    ctl_json_doc_destroy(&doc);
    api_render_destroy(&render);
    ds_destroy(&patch);
}

static void
delete_rule(struct api_call *call)
{
    const struct tmrec_filter *f;
    const struct tmrec_filter_rule *rule = need_rule(call, &f);
    if (rule) {
        call->uuid = rule->header_.uuid;
        call->uuid_taken = true;
        api_db_filter_set_rules(f, NULL, rule);
    }
}

static void
rule_deleted(struct api_call *call)
{
    deleted(call, "trafficMirrorFilterRuleId", API_RULE);
}

/* ---- Targets. ---- */

/* Appends the members of an ip target from the ARN extension.  Returns
 * false if it replied. */
static bool
put_arn_target(struct api_call *call, struct ds *obj, const char *arn)
{
    if (strncmp(arn, ARN_PREFIX, strlen(ARN_PREFIX))) {
        api_call_error(call, 400, "InvalidParameterValue",
                       "NetworkLoadBalancerArn: %s is not "
                       ARN_PREFIX "ADDRESS[,ADDRESS...][;encap=ENCAP]"
                       "[;dst_port=N][;erspan_ver=N] (tmirror delivers to "
                       "collectors by IP)", arn);
        return false;
    }
    char *copy = xstrdup(arn + strlen(ARN_PREFIX));
    char *save = NULL;
    char *addresses = strtok_r(copy, ";", &save);
    put_string(obj, "type", "ip");
    put_key(obj, "addresses");
    ds_put_char(obj, '[');
    char *save2 = NULL;
    int n = 0;
    for (char *a = addresses ? strtok_r(addresses, ",", &save2) : NULL; a;
         a = strtok_r(NULL, ",", &save2)) {
        if (n++) {
            ds_put_char(obj, ',');
        }
        json_string_escape(a, obj);
    }
    ds_put_char(obj, ']');
    bool ok = true;
    for (char *opt = strtok_r(NULL, ";", &save); opt && ok;
         opt = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(opt, '=');
        if (!eq) {
            api_call_error(call, 400, "InvalidParameterValue",
                           "NetworkLoadBalancerArn: %s is not KEY=VALUE",
                           opt);
            ok = false;
            break;
        }
        *eq = '\0';
        if (!strcmp(opt, "encap")) {
            put_string(obj, "encap", eq + 1);
        } else if (!strcmp(opt, "dst_port") || !strcmp(opt, "erspan_ver")) {
            put_number(obj, opt, eq + 1);
        } else {
            api_call_error(call, 400, "InvalidParameterValue",
                           "NetworkLoadBalancerArn: %s is not encap, "
                           "dst_port or erspan_ver", opt);
            ok = false;
        }
    }
    free(copy);
    return ok;
}

static void
target_created(struct api_call *call)
{
    if (dry_run_reply(call)) {
        return;
    }
    const struct tmrec_target *t = tmrec_target_get_for_uuid(call->ctx->idl,
                                                             &call->uuid);
    struct ec2_xml x;
    xml_start(call, &x);
    if (t) {
        xml_target(&x, "trafficMirrorTarget", t);
    }
    if (param(call, "ClientToken")) {
        ec2_xml_text(&x, "clientToken", param(call, "ClientToken"));
    }
    reply_xml(call, ec2_xml_finish(&x));
}

static void
create_target(struct api_call *call)
{
    const char *eni = param(call, "NetworkInterfaceId");
    const char *arn = param(call, "NetworkLoadBalancerArn");
    if (param(call, "GatewayLoadBalancerEndpointId")) {
        api_call_error(call, 400, "InvalidParameterValue",
                       "GatewayLoadBalancerEndpointId: gateway load "
                       "balancers are not supported (use "
                       "NetworkInterfaceId or NetworkLoadBalancerArn="
                       ARN_PREFIX "...)");
        return;
    }
    if (!eni == !arn) {
        api_call_error(call, 400, "InvalidParameterCombination", "Give "
                       "exactly one of NetworkInterfaceId and "
                       "NetworkLoadBalancerArn");
        return;
    }
    if (eni && !api_db_check_port(call, "NetworkInterfaceId", eni)) {
        return;
    }

    char id[API_ID_LEN + 1];
    uuid_generate(&call->uuid);
    api_id_format(API_TARGET, &call->uuid, id);
    struct ds obj = DS_EMPTY_INITIALIZER;
    ds_put_char(&obj, '{');
    put_name_and_tags(call, &obj, id);
    if (param(call, "Description")) {
        put_string(&obj, "description", param(call, "Description"));
    }
    if (eni) {
        put_string(&obj, "type", "port");
        put_string(&obj, "port", eni);
    } else if (!put_arn_target(call, &obj, arn)) {
        ds_destroy(&obj);
        return;
    }
    ds_put_char(&obj, '}');

    struct ctl_json_doc doc;
    ctl_json_doc_init(&doc);
    char *error = api_json_parse_object(API_TARGET, ds_cstr(&obj), &doc);
    if (error) {
        invalid(call, error, target_params);
    } else {
        api_db_write_target(call, NULL, &doc.targets[0]);
    }
    ctl_json_doc_destroy(&doc);
    ds_destroy(&obj);
}

static void
delete_target(struct api_call *call)
{
    const char *ref = param(call, "TrafficMirrorTargetId");
    const struct tmrec_target *t = ref ? api_db_find_target(call, ref) : NULL;
    if (!t) {
        api_call_error(call, 400, "InvalidTrafficMirrorTargetId.NotFound",
                       "The traffic mirror target '%s' does not exist",
                       ref ? ref : "");
        return;
    }
    char *users = api_db_users_of_target(call, t);
    if (users) {
        api_call_error(call, 400, "DependencyViolation", "The traffic mirror "
                       "target %s is used by session%s %s", ref,
                       strchr(users, ',') ? "s" : "", users);
        free(users);
        return;
    }
    call->uuid = t->header_.uuid;
    call->uuid_taken = true;
    tmrec_target_delete(t);
}

static void
target_deleted(struct api_call *call)
{
    deleted(call, "trafficMirrorTargetId", API_TARGET);
}

/* ---- Sessions. ---- */

/* Builds the session members from the call's parameters. */
static void
session_params_to_json(struct api_call *call, struct ds *obj)
{
    static const struct { const char *param, *key; bool number; } map[] = {
        {"NetworkInterfaceId", "source", false},
        {"TrafficMirrorTargetId", "target", false},
        {"TrafficMirrorFilterId", "filter", false},
        {"PacketLength", "packet_length", true},
        {"SessionNumber", "number", true},
        {"VirtualNetworkId", "vni", true},
        {"Description", "description", false},
    };
    for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
        const char *v = param(call, map[i].param);
        if (v && map[i].number) {
            put_number(obj, map[i].key, v);
        } else if (v) {
            put_string(obj, map[i].key, v);
        }
    }
}

/* Resolves and writes session 's' over 'row'. */
static void
write_session(struct api_call *call, const struct tmrec_session *row,
              const struct ctl_json_session *s)
{
    if (!api_db_check_port(call, "NetworkInterfaceId", s->source)) {
        return;
    }
    const struct tmrec_target *t = api_db_find_target(call, s->target);
    if (!t) {
        api_call_error(call, 400, "InvalidTrafficMirrorTargetId.NotFound",
                       "The traffic mirror target '%s' does not exist",
                       s->target);
        return;
    }
    const struct tmrec_filter *f = api_db_find_filter(call, s->filter);
    if (!f) {
        api_call_error(call, 400, "InvalidTrafficMirrorFilterId.NotFound",
                       "The traffic mirror filter '%s' does not exist",
                       s->filter);
        return;
    }
    api_db_write_session(call, row, s, t, f);
}

static void
session_written(struct api_call *call)
{
    if (dry_run_reply(call)) {
        return;
    }
    const struct tmrec_session *s
        = tmrec_session_get_for_uuid(call->ctx->idl, &call->uuid);
    struct ec2_xml x;
    xml_start(call, &x);
    if (s) {
        xml_session(&x, "trafficMirrorSession", s);
    }
    if (param(call, "ClientToken")) {
        ec2_xml_text(&x, "clientToken", param(call, "ClientToken"));
    }
    reply_xml(call, ec2_xml_finish(&x));
}

static void
create_session(struct api_call *call)
{
    char id[API_ID_LEN + 1];
    uuid_generate(&call->uuid);
    api_id_format(API_SESSION, &call->uuid, id);
    struct ds obj = DS_EMPTY_INITIALIZER;
    ds_put_char(&obj, '{');
    put_name_and_tags(call, &obj, id);
    session_params_to_json(call, &obj);
    ds_put_char(&obj, '}');

    struct ctl_json_doc doc;
    ctl_json_doc_init(&doc);
    char *error = api_json_parse_object(API_SESSION, ds_cstr(&obj), &doc);
    if (error) {
        invalid(call, error, session_params);
    } else {
        write_session(call, NULL, &doc.sessions[0]);
    }
    ctl_json_doc_destroy(&doc);
    ds_destroy(&obj);
}

/* Finds the session of TrafficMirrorSessionId or replies NotFound. */
static const struct tmrec_session *
need_session(struct api_call *call)
{
    const char *ref = param(call, "TrafficMirrorSessionId");
    const struct tmrec_session *s = ref ? api_db_find_session(call, ref)
                                        : NULL;
    if (!s) {
        api_call_error(call, 400, "InvalidTrafficMirrorSessionId.NotFound",
                       "The traffic mirror session '%s' does not exist",
                       ref ? ref : "");
    }
    return s;
}

static void
modify_session(struct api_call *call)
{
    static const struct key_param removable[] = {
        {"packet_length", "packet-length"},
        {"description", "description"},
        {"vni", "virtual-network-id"},
        {NULL, NULL},
    };
    const struct tmrec_session *row = need_session(call);
    if (!row) {
        return;
    }
    struct ds patch = DS_EMPTY_INITIALIZER;
    ds_put_char(&patch, '{');
    session_params_to_json(call, &patch);
    if (!put_remove_fields(call, &patch, removable)) {
        ds_destroy(&patch);
        return;
    }
    ds_put_char(&patch, '}');

    struct api_render render;
    api_render_init(&render);
    api_render_session(&render, row);
    char *merged = NULL;
    bool has_rules;
    struct ctl_json_doc doc;
    ctl_json_doc_init(&doc);
    char *error = api_json_merge(API_SESSION, &render.doc, ds_cstr(&patch),
                                 &merged, &has_rules);
    if (!error) {
        error = api_json_parse_object(API_SESSION, merged, &doc);
    }
    if (error) {
        invalid(call, error, session_params);
    } else {
        call->uuid = row->header_.uuid;
        call->uuid_taken = true;
        write_session(call, row, &doc.sessions[0]);
    }
    free(merged);
    ctl_json_doc_destroy(&doc);
    api_render_destroy(&render);
    ds_destroy(&patch);
}

static void
delete_session(struct api_call *call)
{
    const struct tmrec_session *s = need_session(call);
    if (s) {
        call->uuid = s->header_.uuid;
        call->uuid_taken = true;
        tmrec_session_delete(s);
    }
}

static void
session_deleted(struct api_call *call)
{
    deleted(call, "trafficMirrorSessionId", API_SESSION);
}

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
                        target_arn(t));
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
        const char *v = param(call, k);
        free(k);
        if (!v) {
            break;
        }
        svec_add(&d->ids, v);
    }
    d->filters = xcalloc(51, sizeof *d->filters);
    for (int n = 1; n <= 50; n++) {
        char *k = xasprintf("Filter.%d.Name", n);
        const char *name = param(call, k);
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
            const char *v = param(call, vk);
            free(vk);
            if (!v) {
                break;
            }
            svec_add(&f->values, v);
        }
    }
    const char *max = param(call, "MaxResults");
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
    const char *token = param(call, "NextToken");
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
    xml_start(call, &x);
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
            xml_session(&x, "item", tmrec_session_cast(row));
        } else if (kind == API_TARGET) {
            xml_target(&x, "item", tmrec_target_cast(row));
        } else {
            xml_filter(&x, "item", tmrec_filter_cast(row));
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
        dry_run_reply(call);
        return;
    }
    reply_xml(call, ec2_xml_finish(&x));
}

static void describe_sessions(struct api_call *c)
{
    describe_rows(c, API_SESSION);
}

static void describe_targets(struct api_call *c)
{
    describe_rows(c, API_TARGET);
}

static void describe_filters(struct api_call *c)
{
    describe_rows(c, API_FILTER);
}

static void
network_services(struct api_call *call)
{
    api_call_error(call, 400, "UnsupportedOperation", "tmirror filters have "
                   "no network services (amazon-dns is an AWS service)");
}

/* ---- Dispatch. ---- */

struct operation {
    const char *action;
    api_handler_func *read;
    api_handler_func *write;
    api_handler_func *done;
};

static const struct operation operations[] = {
    {"CreateTrafficMirrorFilter", NULL, create_filter, filter_created},
    {"CreateTrafficMirrorFilterRule", NULL, create_rule, rule_written},
    {"CreateTrafficMirrorTarget", NULL, create_target, target_created},
    {"CreateTrafficMirrorSession", NULL, create_session, session_written},
    {"DescribeTrafficMirrorFilters", describe_filters, NULL, NULL},
    {"DescribeTrafficMirrorTargets", describe_targets, NULL, NULL},
    {"DescribeTrafficMirrorSessions", describe_sessions, NULL, NULL},
    {"ModifyTrafficMirrorFilterRule", NULL, modify_rule, rule_written},
    {"ModifyTrafficMirrorSession", NULL, modify_session, session_written},
    {"ModifyTrafficMirrorFilterNetworkServices", network_services, NULL,
     NULL},
    {"DeleteTrafficMirrorFilter", NULL, delete_filter, filter_deleted},
    {"DeleteTrafficMirrorFilterRule", NULL, delete_rule, rule_deleted},
    {"DeleteTrafficMirrorTarget", NULL, delete_target, target_deleted},
    {"DeleteTrafficMirrorSession", NULL, delete_session, session_deleted},
};

/* Reads the form parameters of the call (POST body or GET query). */
static bool
parse_params(struct api_call *call)
{
    struct api_request *req = call->req;
    const char *text;
    if (!strcmp(req->method, "POST")) {
        const char *type = api_request_header(req, "content-type");
        static const char form[] = "application/x-www-form-urlencoded";
        if (!type || strncasecmp(type, form, strlen(form))
            || (type[strlen(form)] && type[strlen(form)] != ';')) {
            api_call_error(call, 415, "UnsupportedMediaType", "Content-Type: "
                           "%s is not %s", type ? type : "(none)", form);
            return false;
        }
        if (strlen(req->body) != req->body_len) {
            api_call_error(call, 400, "MalformedQueryString", "the body "
                           "contains a NUL byte");
            return false;
        }
        text = req->body;
    } else if (!strcmp(req->method, "GET")) {
        text = req->query;
    } else {
        api_call_error(call, 405, "InvalidAction", "the EC2 Query API takes "
                       "POST (or GET), not %s", req->method);
        return false;
    }
    char *error = api_form_parse(text, &call->params);
    if (error) {
        api_call_error(call, 400, "MalformedQueryString", "%s", error);
        free(error);
        return false;
    }
    return true;
}

/* Handles a request at "/". */
void
api_ec2_handle(struct api_call *call)
{
    if (!parse_params(call)) {
        return;
    }

    const char *code;
    char *signature = NULL;
    long long int now = time_wall();
    char *error = sigv4_verify(call->req, call->auth, now, &call->cred,
                               &signature, &code);
    if (error) {
        int status = !strcmp(code, "RequestExpired") ? 400 : 401;
        api_call_error(call, status, code, "%s", error);
        free(error);
        return;
    }
    call->project = call->cred->project;

    const char *action = param(call, "Action");
    const char *version = param(call, "Version");
    const struct operation *op = NULL;
    for (size_t i = 0; action && i < ARRAY_SIZE(operations); i++) {
        if (!strcmp(operations[i].action, action)) {
            op = &operations[i];
        }
    }
    if (!action) {
        api_call_error(call, 400, "MissingAction", "The request must "
                       "contain the parameter Action");
    } else if (!op) {
        api_call_error(call, 400, "InvalidAction", "The action %s is not "
                       "valid for this web service", action);
    } else if (version && strcmp(version, EC2_VERSION)) {
        api_call_error(call, 400, "NoSuchVersion", "An invalid or "
                       "unrecognized version was specified: %s (only "
                       EC2_VERSION ")", version);
    } else {
        char *ec2_action = xasprintf("ec2:%s", op->action);
        /* The action string lives as long as the operations table. */
        bool allowed = api_auth_allows(call->cred, ec2_action);
        free(ec2_action);
        call->action = op->action;
        const char *dry = param(call, "DryRun");
        call->dry_run = dry && !strcasecmp(dry, "true");
        if (!allowed) {
            api_call_error(call, 403, "UnauthorizedOperation", "You are not "
                           "authorized to perform this operation (ec2:%s is "
                           "not in the policy of this credential)",
                           op->action);
        } else if (op->write
                   && sigv4_replay_check(&call->ctx->replay, signature,
                                         now)) {
            api_call_error(call, 401, "AuthFailure", "This request was "
                           "already received (a replayed signature)");
        } else if (op->read) {
            op->read(call);
        } else {
            api_call_start_write(call, op->write, op->done);
        }
    }
    free(signature);
}
