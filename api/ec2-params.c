/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* EC2 Query parameters to objects of the export document (as JSON text, for
 * the document's parser), and the parser's messages back to EC2 parameter
 * names. */

#include <config.h>

#include "ec2-internal.h"

#include <stdlib.h>
#include <string.h>

#include "api-call.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "smap.h"
#include "util.h"

#define ARN_PREFIX "arn:tmirror:ip:"

/* ---- Parameters to document objects. ---- */

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
void
ec2_put_string(struct ds *ds, const char *key, const char *value)
{
    put_key(ds, key);
    json_string_escape(value, ds);
}

/* Appends the member KEY with VALUE as a JSON integer when it is one,
 * else as a string (which the document parser then refuses by name). */
void
ec2_put_number(struct ds *ds, const char *key, const char *value)
{
    put_key(ds, key);
    if (is_integer(value)) {
        ds_put_cstr(ds, value);
    } else {
        json_string_escape(value, ds);
    }
}

/* Appends the member KEY with the JSON literal 'raw'. */
void
ec2_put_raw(struct ds *ds, const char *key, const char *raw)
{
    put_key(ds, key);
    ds_put_cstr(ds, raw);
}


/* Rewrites "$.KEY..." at the start of 'msg' as the EC2 parameter. */
static char *
ec2_message(char *msg, const struct ec2_key_param *map)
{
    for (const struct ec2_key_param *m = map; m->key; m++) {
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

const struct ec2_key_param ec2_rule_params[] = {
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

const struct ec2_key_param ec2_session_params[] = {
    {"source", "NetworkInterfaceId"},
    {"number", "SessionNumber"},
    {"vni", "VirtualNetworkId"},
    {"packet_length", "PacketLength"},
    {"target", "TrafficMirrorTargetId"},
    {"filter", "TrafficMirrorFilterId"},
    {"description", "Description"},
    {NULL, NULL},
};

const struct ec2_key_param ec2_target_params[] = {
    {"port", "NetworkInterfaceId"},
    {"addresses", "NetworkLoadBalancerArn"},
    {"encap", "NetworkLoadBalancerArn"},
    {"dst_port", "NetworkLoadBalancerArn"},
    {"erspan_ver", "NetworkLoadBalancerArn"},
    {"description", "Description"},
    {NULL, NULL},
};

/* Replies InvalidParameterValue with 'msg' (freed) rewritten for EC2. */
void
ec2_invalid(struct api_call *call, char *msg, const struct ec2_key_param *map)
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
    const char *from = ec2_param(call, from_key);
    const char *to = ec2_param(call, to_key);
    bool ok = true;
    if (from || to) {
        if (!from || !to) {
            api_call_error(call, 400, "InvalidParameterValue", "%s: "
                           "FromPort and ToPort go together", prefix);
            ok = false;
        } else if (!strcmp(from, to)) {
            ec2_put_number(ds, key, from);
        } else {
            char *range = xasprintf("%s-%s", from, to);
            ec2_put_string(ds, key, range);
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
            const char *key = ec2_param(call, k);
            const char *value = ec2_param(call, v);
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
void
ec2_put_name_and_tags(const struct api_call *call, struct ds *ds,
                      const char *id)
{
    struct smap tags = SMAP_INITIALIZER(&tags);
    const char *name;
    parse_tags(call, &tags, &name);
    ec2_put_string(ds, "name", name ? name : id);
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

/* Builds the rule object from the call's parameters into 'obj' (an open
 * JSON object).  Returns false if it replied. */
bool
ec2_rule_params_to_json(struct api_call *call, struct ds *obj)
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
        const char *v = ec2_param(call, map[i].param);
        if (v && map[i].number) {
            ec2_put_number(obj, map[i].key, v);
        } else if (v) {
            ec2_put_string(obj, map[i].key, v);
        }
    }
    return (put_port_range(call, obj, "source_port", "SourcePortRange")
            && put_port_range(call, obj, "destination_port",
                              "DestinationPortRange"));
}

/* Appends the RemoveField.N members of the call as nulls ('map' gives the
 * document key of each EC2 field name).  Returns false if it replied. */
bool
ec2_put_remove_fields(struct api_call *call, struct ds *obj,
                  const struct ec2_key_param *map)
{
    for (int n = 1; n <= 10; n++) {
        char *k = xasprintf("RemoveField.%d", n);
        const char *field = ec2_param(call, k);
        free(k);
        if (!field) {
            break;
        }
        const struct ec2_key_param *m;
        for (m = map; m->key && strcmp(m->param, field); m++) {
            continue;
        }
        if (!m->key) {
            api_call_error(call, 400, "InvalidParameterValue", "RemoveField."
                           "%d: %s is not a field that can be removed", n,
                           field);
            return false;
        }
        ec2_put_raw(obj, m->key, "null");
    }
    return true;
}

/* Appends the members of an ip target from the ARN extension.  Returns
 * false if it replied. */
bool
ec2_put_arn_target(struct api_call *call, struct ds *obj, const char *arn)
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
    ec2_put_string(obj, "type", "ip");
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
            ec2_put_string(obj, "encap", eq + 1);
        } else if (!strcmp(opt, "dst_port") || !strcmp(opt, "erspan_ver")) {
            ec2_put_number(obj, opt, eq + 1);
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

/* Builds the session members from the call's parameters. */
void
ec2_session_params_to_json(struct api_call *call, struct ds *obj)
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
        const char *v = ec2_param(call, map[i].param);
        if (v && map[i].number) {
            ec2_put_number(obj, map[i].key, v);
        } else if (v) {
            ec2_put_string(obj, map[i].key, v);
        }
    }
}

