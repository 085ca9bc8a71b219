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
#include "ec2-internal.h"
#include "ec2-xml.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "ovsdb-idl.h"
#include "sigv4.h"
#include "svec.h"
#include "timeval.h"
#include "tmirror-idl.h"
#include "tmirror/intent-rows.h"
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

/* ---- Filters. ---- */

static void
filter_created(struct api_call *call)
{
    if (ec2_dry_run_reply(call)) {
        return;
    }
    const struct tmrec_filter *f = tmrec_filter_get_for_uuid(call->ctx->idl,
                                                             &call->uuid);
    struct ec2_xml x;
    ec2_xml_begin(call, &x);
    if (f) {
        ec2_render_filter(&x, "trafficMirrorFilter", f);
    }
    if (ec2_param(call, "ClientToken")) {
        ec2_xml_text(&x, "clientToken", ec2_param(call, "ClientToken"));
    }
    ec2_reply_xml(call, ec2_xml_finish(&x));
}

static void
create_filter(struct api_call *call)
{
    char id[API_ID_LEN + 1];
    uuid_generate(&call->uuid);
    api_id_format(API_FILTER, &call->uuid, id);

    struct ds obj = DS_EMPTY_INITIALIZER;
    ds_put_char(&obj, '{');
    ec2_put_name_and_tags(call, &obj, id);
    if (ec2_param(call, "Description")) {
        ec2_put_string(&obj, "description", ec2_param(call, "Description"));
    }
    ds_put_char(&obj, '}');

    struct intent_doc doc;
    intent_doc_init(&doc);
    char *error = api_json_parse_object(API_FILTER, ds_cstr(&obj), &doc);
    if (error) {
        ec2_invalid(call, error, ec2_rule_params);
    } else {
        api_db_write_filter(call, NULL, &doc.filters[0], true);
    }
    intent_doc_destroy(&doc);
    ds_destroy(&obj);
}

/* Finds the filter named by parameter 'key' or replies NotFound. */
static const struct tmrec_filter *
need_filter(struct api_call *call, const char *key)
{
    const char *ref = ec2_param(call, key);
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
                       ec2_param(call, "TrafficMirrorFilterId"),
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
    if (ec2_dry_run_reply(call)) {
        return;
    }
    char id[API_ID_LEN + 1];
    api_id_format(kind, &call->uuid, id);
    struct ec2_xml x;
    ec2_xml_begin(call, &x);
    ec2_xml_text(&x, element, id);
    ec2_reply_xml(call, ec2_xml_finish(&x));
}

static void
filter_deleted(struct api_call *call)
{
    deleted(call, "trafficMirrorFilterId", API_FILTER);
}

/* ---- Filter rules. ---- */

static void
rule_written(struct api_call *call)
{
    if (ec2_dry_run_reply(call)) {
        return;
    }
    const struct tmrec_filter_rule *rule
        = tmrec_filter_rule_get_for_uuid(call->ctx->idl, &call->uuid);
    const struct tmrec_filter *f = rule ? api_db_rule_filter(call, rule)
                                        : NULL;
    struct ec2_xml x;
    ec2_xml_begin(call, &x);
    if (f) {
        ec2_render_rule(&x, "trafficMirrorFilterRule", f, rule);
    }
    if (ec2_param(call, "ClientToken")) {
        ec2_xml_text(&x, "clientToken", ec2_param(call, "ClientToken"));
    }
    ec2_reply_xml(call, ec2_xml_finish(&x));
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
    if (!ec2_rule_params_to_json(call, &obj)) {
        ds_destroy(&obj);
        return;
    }
    ds_put_char(&obj, '}');

    struct intent_doc doc;
    intent_doc_init(&doc);
    char *error = api_json_parse_object(API_RULE, ds_cstr(&obj), &doc);
    if (error) {
        ec2_invalid(call, error, ec2_rule_params);
    } else {
        memset(&call->uuid, 0, sizeof call->uuid);
        api_db_write_rule(call, f, NULL, &doc.filters[0].rules[0]);
    }
    intent_doc_destroy(&doc);
    ds_destroy(&obj);
}

/* Finds the rule named by TrafficMirrorFilterRuleId and its filter. */
static const struct tmrec_filter_rule *
need_rule(struct api_call *call, const struct tmrec_filter **fp)
{
    const char *ref = ec2_param(call, "TrafficMirrorFilterRuleId");
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

static void
modify_rule(struct api_call *call)
{
    static const struct ec2_key_param removable[] = {
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
    if (!ec2_rule_params_to_json(call, &patch)
        || !ec2_put_remove_fields(call, &patch, removable)) {
        ds_destroy(&patch);
        return;
    }
    ds_put_char(&patch, '}');

    struct api_render render;
    api_render_init(&render);
    api_render_rule(&render, f, rule);
    char *merged = NULL;
    bool has_rules;
    struct intent_doc doc;
    intent_doc_init(&doc);
    char *error = api_json_merge(API_RULE, &render.doc, ds_cstr(&patch),
                                 &merged, &has_rules);
    if (!error) {
        error = api_json_parse_object(API_RULE, merged, &doc);
    }
    if (error) {
        ec2_invalid(call, error, ec2_rule_params);
    } else {
        call->uuid = rule->header_.uuid;
        call->uuid_taken = true;
        api_db_write_rule(call, f, rule, &doc.filters[0].rules[0]);
    }
    free(merged);
    intent_doc_destroy(&doc);
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

static void
target_created(struct api_call *call)
{
    if (ec2_dry_run_reply(call)) {
        return;
    }
    const struct tmrec_target *t = tmrec_target_get_for_uuid(call->ctx->idl,
                                                             &call->uuid);
    struct ec2_xml x;
    ec2_xml_begin(call, &x);
    if (t) {
        ec2_render_target(&x, "trafficMirrorTarget", t);
    }
    if (ec2_param(call, "ClientToken")) {
        ec2_xml_text(&x, "clientToken", ec2_param(call, "ClientToken"));
    }
    ec2_reply_xml(call, ec2_xml_finish(&x));
}

static void
create_target(struct api_call *call)
{
    const char *eni = ec2_param(call, "NetworkInterfaceId");
    const char *arn = ec2_param(call, "NetworkLoadBalancerArn");
    if (ec2_param(call, "GatewayLoadBalancerEndpointId")) {
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
    ec2_put_name_and_tags(call, &obj, id);
    if (ec2_param(call, "Description")) {
        ec2_put_string(&obj, "description", ec2_param(call, "Description"));
    }
    if (eni) {
        ec2_put_string(&obj, "type", "port");
        ec2_put_string(&obj, "port", eni);
    } else if (!ec2_put_arn_target(call, &obj, arn)) {
        ds_destroy(&obj);
        return;
    }
    ds_put_char(&obj, '}');

    struct intent_doc doc;
    intent_doc_init(&doc);
    char *error = api_json_parse_object(API_TARGET, ds_cstr(&obj), &doc);
    if (error) {
        ec2_invalid(call, error, ec2_target_params);
    } else {
        api_db_write_target(call, NULL, &doc.targets[0]);
    }
    intent_doc_destroy(&doc);
    ds_destroy(&obj);
}

static void
delete_target(struct api_call *call)
{
    const char *ref = ec2_param(call, "TrafficMirrorTargetId");
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

/* Resolves and writes session 's' over 'row'. */
static void
write_session(struct api_call *call, const struct tmrec_session *row,
              const struct intent_doc_session *s)
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
    if (ec2_dry_run_reply(call)) {
        return;
    }
    const struct tmrec_session *s
        = tmrec_session_get_for_uuid(call->ctx->idl, &call->uuid);
    struct ec2_xml x;
    ec2_xml_begin(call, &x);
    if (s) {
        ec2_render_session(&x, "trafficMirrorSession", s);
    }
    if (ec2_param(call, "ClientToken")) {
        ec2_xml_text(&x, "clientToken", ec2_param(call, "ClientToken"));
    }
    ec2_reply_xml(call, ec2_xml_finish(&x));
}

static void
create_session(struct api_call *call)
{
    char id[API_ID_LEN + 1];
    uuid_generate(&call->uuid);
    api_id_format(API_SESSION, &call->uuid, id);
    struct ds obj = DS_EMPTY_INITIALIZER;
    ds_put_char(&obj, '{');
    ec2_put_name_and_tags(call, &obj, id);
    ec2_session_params_to_json(call, &obj);
    ds_put_char(&obj, '}');

    struct intent_doc doc;
    intent_doc_init(&doc);
    char *error = api_json_parse_object(API_SESSION, ds_cstr(&obj), &doc);
    if (error) {
        ec2_invalid(call, error, ec2_session_params);
    } else {
        write_session(call, NULL, &doc.sessions[0]);
    }
    intent_doc_destroy(&doc);
    ds_destroy(&obj);
}

/* Finds the session of TrafficMirrorSessionId or replies NotFound. */
static const struct tmrec_session *
need_session(struct api_call *call)
{
    const char *ref = ec2_param(call, "TrafficMirrorSessionId");
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
    static const struct ec2_key_param removable[] = {
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
    ec2_session_params_to_json(call, &patch);
    if (!ec2_put_remove_fields(call, &patch, removable)) {
        ds_destroy(&patch);
        return;
    }
    ds_put_char(&patch, '}');

    struct api_render render;
    api_render_init(&render);
    api_render_session(&render, row);
    char *merged = NULL;
    bool has_rules;
    struct intent_doc doc;
    intent_doc_init(&doc);
    char *error = api_json_merge(API_SESSION, &render.doc, ds_cstr(&patch),
                                 &merged, &has_rules);
    if (!error) {
        error = api_json_parse_object(API_SESSION, merged, &doc);
    }
    if (error) {
        ec2_invalid(call, error, ec2_session_params);
    } else {
        call->uuid = row->header_.uuid;
        call->uuid_taken = true;
        write_session(call, row, &doc.sessions[0]);
    }
    free(merged);
    intent_doc_destroy(&doc);
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
    {"DescribeTrafficMirrorFilters", api_ec2_describe_filters, NULL, NULL},
    {"DescribeTrafficMirrorTargets", api_ec2_describe_targets, NULL, NULL},
    {"DescribeTrafficMirrorSessions", api_ec2_describe_sessions, NULL, NULL},
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

    const char *action = ec2_param(call, "Action");
    const char *version = ec2_param(call, "Version");
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
        api_call_error(call, 400, "NoSuchVersion", "An ec2_invalid or "
                       "unrecognized version was specified: %s (only "
                       EC2_VERSION ")", version);
    } else {
        char *ec2_action = xasprintf("ec2:%s", op->action);
        /* The action string lives as long as the operations table. */
        bool allowed = api_auth_allows(call->cred, ec2_action);
        free(ec2_action);
        call->action = op->action;
        const char *dry = ec2_param(call, "DryRun");
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
