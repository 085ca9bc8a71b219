/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_EC2_INTERNAL_H
#define TMIRROR_EC2_INTERNAL_H 1

/* Shared by the files of the EC2 dialect: api-ec2.c (dispatch, Create,
 * Modify, Delete), ec2-render.c (rows as EC2 XML) and ec2-describe.c (the
 * Describe operations). */

#include <stdbool.h>

#include "api-call.h"
#include "smap.h"

struct ec2_xml;
struct tmrec_filter;
struct tmrec_filter_rule;
struct tmrec_session;
struct tmrec_target;

/* Returns the EC2 parameter 'key' of the call, or NULL. */
static inline const char *
ec2_param(const struct api_call *call, const char *key)
{
    return smap_get(&call->params, key);
}

/* ec2-render.c: one row as the XML element 'name'. */
void ec2_render_rule(struct ec2_xml *, const char *name,
                     const struct tmrec_filter *,
                     const struct tmrec_filter_rule *);
void ec2_render_filter(struct ec2_xml *, const char *name,
                       const struct tmrec_filter *);
void ec2_render_target(struct ec2_xml *, const char *name,
                       const struct tmrec_target *);
void ec2_render_session(struct ec2_xml *, const char *name,
                        const struct tmrec_session *);
/* The NetworkLoadBalancerArn extension of an ip target (malloc()'d). */
char *ec2_target_arn(const struct tmrec_target *);

/* Starts the response document of the call's action. */
void ec2_xml_begin(struct api_call *, struct ec2_xml *);
/* Replies with 'xml', which it frees. */
void ec2_reply_xml(struct api_call *, char *xml);
/* With DryRun=true, replies DryRunOperation and returns true. */
bool ec2_dry_run_reply(struct api_call *);

/* ec2-params.c: EC2 parameters to document objects. */

/* An EC2 parameter name for a document key, for error messages. */
struct ec2_key_param {
    const char *key;
    const char *param;
};
extern const struct ec2_key_param ec2_rule_params[];
extern const struct ec2_key_param ec2_session_params[];
extern const struct ec2_key_param ec2_target_params[];

struct ds;
/* Append members to the JSON object text 'ds' (opened with '{'). */
void ec2_put_string(struct ds *, const char *key, const char *value);
void ec2_put_number(struct ds *, const char *key, const char *value);
void ec2_put_raw(struct ds *, const char *key, const char *raw);
/* "name" (the Name tag, else 'id') and the tags as external_ids. */
void ec2_put_name_and_tags(const struct api_call *, struct ds *,
                           const char *id);
/* The rule or session members given as EC2 parameters.  Those that can
 * fail return false after replying. */
bool ec2_rule_params_to_json(struct api_call *, struct ds *);
void ec2_session_params_to_json(struct api_call *, struct ds *);
/* RemoveField.N as null members, by 'map' (EC2 field -> key). */
bool ec2_put_remove_fields(struct api_call *, struct ds *,
                           const struct ec2_key_param *map);
/* An ip target from NetworkLoadBalancerArn=arn:tmirror:ip:... */
bool ec2_put_arn_target(struct api_call *, struct ds *, const char *arn);
/* Replies InvalidParameterValue with the parser's message 'msg' (freed),
 * its JSON path replaced by the EC2 parameter of 'map'. */
void ec2_invalid(struct api_call *, char *msg,
                 const struct ec2_key_param *map);

/* ec2-describe.c. */
void api_ec2_describe_filters(struct api_call *);
void api_ec2_describe_targets(struct api_call *);
void api_ec2_describe_sessions(struct api_call *);

#endif /* api/ec2-internal.h */
