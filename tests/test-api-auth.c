/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Unit tests for tmirror-api's SigV4 (api/sigv4.c), credentials and
 * policies (api/auth-config.c, api/api-auth.c), ids (api/api-ids.c) and
 * form decoding (api/api-form.c). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "api/api-auth.h"
#include "api/api-form.h"
#include "api/api-ids.h"
#include "api/api-request.h"
#include "api/sigv4.h"
#include "smap.h"
#include "util.h"

/* AWS's published SigV4 test vector "get-vanilla" (service "service"). */
static void
test_sign_aws_vector(void **state OVS_UNUSED)
{
    char *sig = sigv4_sign(
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830T123600Z",
        "20150830/us-east-1/service/aws4_request",
        "GET\n/\n\nhost:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_string_equal(sig, "5fa00fa31553b73ebf1942676e86291e"
                        "8372ff2a2260956d9b8aae1d763fbf31");
    free(sig);
}

static const char creds[] =
    "{\"projects\": {\"blue\": {\"ports\": [\"vm1\", \"web-*\"]},"
    "               \"ops\": {\"ports\": [\"*\"]}},"
    " \"credentials\": ["
    "  {\"access_key\": \"AKIDBLUE\", \"secret\": \"blue-secret-key\","
    "   \"token\": \"blue-token-0123456789\", \"project\": \"blue\","
    "   \"actions\": [\"ec2:Describe*\", \"tmirror:Get*\"]},"
    "  {\"token\": \"ops-token-0123456789\", \"project\": \"ops\","
    "   \"actions\": [\"*\"]}]}";

/* A request signed by an independent implementation (Python's hmac and
 * hashlib, as tests/api-sigv4.py does) at 2026-12-01T12:00:00Z. */
static struct api_request *
signed_request(const char *body, const char *signature)
{
    struct api_request *req = api_request_create();
    req->method = xstrdup("POST");
    req->path = xstrdup("/");
    req->body = xstrdup(body);
    req->body_len = strlen(body);
    smap_add(&req->headers, "content-type",
             "application/x-www-form-urlencoded; charset=utf-8");
    smap_add(&req->headers, "host", "127.0.0.1:8780");
    smap_add(&req->headers, "x-amz-date", "20261201T120000Z");
    smap_add_format(&req->headers, "authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIDBLUE/20261201/"
                    "us-east-1/ec2/aws4_request, SignedHeaders=content-type;"
                    "host;x-amz-date, Signature=%s", signature);
    return req;
}

#define BODY "Action=DescribeTrafficMirrorSessions&Version=2016-11-15"
#define SIG "0618ab3251b968863249995831624df527e1d9eecac0d27454f03673e8bb2213"
#define T0 1796126400LL         /* 2026-12-01T12:00:00Z. */

/* Verifies 'req' at 'now'; returns the code ("OK" on success). */
static const char *
verify(const struct api_auth *auth, struct api_request *req,
       long long int now, char **errorp)
{
    const struct api_credential *cred = NULL;
    char *signature = NULL;
    const char *code = "OK";
    char *error = sigv4_verify(req, auth, now, &cred, &signature, &code);
    if (!error) {
        assert_non_null(cred);
        assert_string_equal(cred->project->name, "blue");
        assert_string_equal(signature, SIG);
        free(signature);
        code = "OK";
    }
    if (errorp) {
        *errorp = error;
    } else {
        free(error);
    }
    return code;
}

static void
test_verify(void **state OVS_UNUSED)
{
    struct api_auth *auth;
    assert_null(api_auth_parse(creds, &auth));

    struct api_request *req = signed_request(BODY, SIG);
    assert_string_equal(verify(auth, req, T0, NULL), "OK");
    assert_string_equal(verify(auth, req, T0 + 299, NULL), "OK");
    assert_string_equal(verify(auth, req, T0 + 301, NULL), "RequestExpired");
    assert_string_equal(verify(auth, req, T0 - 301, NULL), "RequestExpired");
    api_request_destroy(req);

    /* The body changed after signing; a wrong signature. */
    req = signed_request(BODY "&DryRun=true", SIG);
    char *error;
    assert_string_equal(verify(auth, req, T0, &error), "AuthFailure");
    assert_non_null(strstr(error, "signature does not match"));
    free(error);
    api_request_destroy(req);
    char *bad_sig = xasprintf("07%s", SIG + 2);    /* One digit off. */
    req = signed_request(BODY, bad_sig);
    assert_string_equal(verify(auth, req, T0, NULL), "AuthFailure");
    api_request_destroy(req);
    free(bad_sig);

    /* A signed header that is not there; no Authorization at all. */
    req = signed_request(BODY, SIG);
    smap_remove(&req->headers, "content-type");
    assert_string_equal(verify(auth, req, T0, &error), "AuthFailure");
    assert_string_equal(error, "signed header content-type is not in the "
                        "request");
    free(error);
    smap_remove(&req->headers, "authorization");
    assert_string_equal(verify(auth, req, T0, NULL),
                        "MissingAuthenticationToken");
    api_request_destroy(req);
    api_auth_unref(auth);
}

static void
test_replay(void **state OVS_UNUSED)
{
    struct sigv4_replay r;
    sigv4_replay_init(&r);
    assert_false(sigv4_replay_check(&r, "abc", 100));
    assert_true(sigv4_replay_check(&r, "abc", 101));
    assert_false(sigv4_replay_check(&r, "abd", 101));
    /* Kept for twice the allowed skew, then forgotten. */
    assert_true(sigv4_replay_check(&r, "abc", 100 + 2 * SIGV4_MAX_SKEW));
    assert_false(sigv4_replay_check(&r, "abc",
                                    100 + 2 * SIGV4_MAX_SKEW + 1));
    sigv4_replay_destroy(&r);
}

/* Asserts that parsing 'text' fails with 'expected'. */
static void
check_bad_creds(const char *text, const char *expected)
{
    struct api_auth *auth = NULL;
    char *error = api_auth_parse(text, &auth);
    assert_non_null(error);
    assert_string_equal(error, expected);
    assert_null(auth);
    free(error);
}

static void
test_credentials(void **state OVS_UNUSED)
{
    struct api_auth *auth;
    assert_null(api_auth_parse(creds, &auth));
    assert_int_equal(auth->n_projects, 2);

    const struct api_credential *blue = api_auth_find_token(
        auth, "blue-token-0123456789");
    assert_non_null(blue);
    assert_ptr_equal(blue, api_auth_find_access_key(auth, "AKIDBLUE"));
    assert_null(api_auth_find_token(auth, "blue-token-012345678"));
    assert_null(api_auth_find_access_key(auth, "akidblue"));

    /* Policies: patterns, case-insensitive. */
    assert_true(api_auth_allows(blue, "ec2:DescribeTrafficMirrorSessions"));
    assert_true(api_auth_allows(blue, "EC2:describetrafficmirrorsessions"));
    assert_false(api_auth_allows(blue, "ec2:CreateTrafficMirrorSession"));
    assert_true(api_auth_allows(blue, "tmirror:GetSession"));
    assert_false(api_auth_allows(blue, "tmirror:DeleteSession"));

    /* Ports and visibility. */
    assert_false(blue->project->admin);
    assert_true(api_project_may_use_port(blue->project, "vm1"));
    assert_true(api_project_may_use_port(blue->project, "web-7"));
    assert_false(api_project_may_use_port(blue->project, "vm10"));
    assert_false(api_project_may_use_port(blue->project, "web"));
    assert_true(api_project_sees(blue->project, "blue"));
    assert_false(api_project_sees(blue->project, "red"));
    assert_false(api_project_sees(blue->project, NULL));
    const struct api_credential *ops = api_auth_find_token(
        auth, "ops-token-0123456789");
    assert_true(ops->project->admin);
    assert_true(api_project_sees(ops->project, NULL));
    assert_true(api_project_may_use_port(ops->project, "anything"));
    api_auth_unref(auth);

    check_bad_creds("{", "JSON syntax error at line 1, column 1: "
                    "string or '}' expected near end of file");
    check_bad_creds("{\"projects\": {}, \"credentials\": [], \"x\": 1}",
                    "$.x: unknown key");
    check_bad_creds("{\"projects\": {\"p\": {\"ports\": []}}, "
                    "\"credentials\": []}",
                    "$.projects.p.ports: expected a nonempty array of "
                    "strings");
    check_bad_creds("{\"projects\": {}, \"credentials\": [{\"token\": "
                    "\"0123456789abcdef\", \"project\": \"p\", \"actions\": "
                    "[\"*\"]}]}",
                    "$.credentials[0].project: \"p\" is not one of "
                    "$.projects");
    check_bad_creds("{\"projects\": {\"p\": {\"ports\": [\"*\"]}}, "
                    "\"credentials\": [{\"access_key\": \"A\", \"project\": "
                    "\"p\", \"actions\": [\"*\"]}]}",
                    "$.credentials[0].secret: missing value (access_key "
                    "and secret go together)");
    check_bad_creds("{\"projects\": {\"p\": {\"ports\": [\"*\"]}}, "
                    "\"credentials\": [{\"token\": \"short\", \"project\": "
                    "\"p\", \"actions\": [\"*\"]}]}",
                    "$.credentials[0].token: too short (at least 16 "
                    "characters)");
    check_bad_creds("{\"projects\": {\"p\": {\"ports\": [\"*\"]}}, "
                    "\"credentials\": [{\"access_key\": \"A\", \"secret\": "
                    "\"s\", \"project\": \"p\", \"actions\": [\"*\"]}, "
                    "{\"access_key\": \"A\", \"secret\": \"t\", \"project\": "
                    "\"p\", \"actions\": [\"*\"]}]}",
                    "$.credentials[1].access_key: A is already the "
                    "access_key of $.credentials[0]");
}

static void
test_ids(void **state OVS_UNUSED)
{
    struct uuid uuid = { .parts = { 0x01234567, 0x89abcdef, 0xdeadbeef,
                                    0x00000001 } };
    char id[API_ID_LEN + 1];
    api_id_format(API_RULE, &uuid, id);
    assert_string_equal(id, "tmfr-0123456789abcdefdeadbeef00000001");

    struct uuid back;
    assert_true(api_id_parse(API_RULE, id, &back));
    assert_true(uuid_equals(&uuid, &back));
    assert_false(api_id_parse(API_FILTER, id, &back));
    assert_false(api_id_parse(API_RULE, "tmfr-0123", &back));
    assert_false(api_id_parse(API_RULE,
                              "tmfr-0123456789abcdefdeadbeef0000000g",
                              &back));
    api_id_format(API_SESSION, &uuid, id);
    assert_string_equal(id, "tms-0123456789abcdefdeadbeef00000001");
}

static void
test_form(void **state OVS_UNUSED)
{
    struct smap params = SMAP_INITIALIZER(&params);
    assert_null(api_form_parse("Action=X&Description=a+b%2Cc&Empty=&Flag",
                               &params));
    assert_string_equal(smap_get(&params, "Description"), "a b,c");
    assert_string_equal(smap_get(&params, "Empty"), "");
    assert_string_equal(smap_get(&params, "Flag"), "");
    smap_clear(&params);

    char *error = api_form_parse("A=1&A=2", &params);
    assert_string_equal(error, "A: given more than once");
    free(error);
    smap_clear(&params);
    error = api_form_parse("A=x%00y", &params);
    assert_string_equal(error, "A: contains a NUL byte (%00)");
    free(error);
    smap_clear(&params);
    error = api_form_parse("=1", &params);
    assert_string_equal(error, "a parameter has an empty name");
    free(error);
    smap_destroy(&params);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_aws_vector),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_replay),
        cmocka_unit_test(test_credentials),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
