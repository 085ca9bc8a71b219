/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "sigv4.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "api-auth.h"
#include "api-request.h"
#include "coverage.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "sset.h"
#include "svec.h"
#include "util.h"

COVERAGE_DEFINE(sigv4_verified);
COVERAGE_DEFINE(sigv4_refused);

/* Appends the lowercase hex of 'n' bytes at 'p' to 'ds'. */
static void
put_hex(struct ds *ds, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ds_put_format(ds, "%02x", p[i]);
    }
}

/* Returns the hex SHA-256 of 'n' bytes at 'data'. */
static char *
sha256_hex(const void *data, size_t n)
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(data, n, digest);
    struct ds ds = DS_EMPTY_INITIALIZER;
    put_hex(&ds, digest, sizeof digest);
    return ds_steal_cstr(&ds);
}

/* out = HMAC-SHA256(key, data). */
static void
hmac(const unsigned char *key, size_t key_len, const char *data,
     unsigned char out[SHA256_DIGEST_LENGTH])
{
    unsigned int len = SHA256_DIGEST_LENGTH;
    HMAC(EVP_sha256(), key, key_len, (const unsigned char *) data,
         strlen(data), out, &len);
}

/* URI-encodes 's' as SigV4 wants. */
char *
sigv4_uri_encode(const char *s, bool encode_slash)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')
            || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'
            || *p == '.' || *p == '~' || (*p == '/' && !encode_slash)) {
            ds_put_char(&ds, *p);
        } else {
            ds_put_format(&ds, "%%%02X", *p);
        }
    }
    return ds_steal_cstr(&ds);
}

/* Returns the value of hex digit 'c', or -1. */
static int
hex_value(int c)
{
    return (c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : -1);
}

/* Percent-decodes 'n' bytes at 's' (no '+' rule: URLs). */
static char *
uri_decode(const char *s, size_t n)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n
            && (hi = hex_value(s[i + 1])) >= 0
            && (lo = hex_value(s[i + 2])) >= 0) {
            ds_put_char(&ds, hi * 16 + lo);
            i += 2;
        } else {
            ds_put_char(&ds, s[i]);
        }
    }
    return ds_steal_cstr(&ds);
}

/* qsort() comparison of "key=value" strings by key, then value. */
static int
compare_params(const void *a_, const void *b_)
{
    const char *a = *(const char **) a_;
    const char *b = *(const char **) b_;
    return strcmp(a, b);
}

/* Returns the canonical query string of the raw 'query'. */
static char *
canonical_query(const char *query)
{
    struct svec params = SVEC_EMPTY_INITIALIZER;
    if (query && *query) {
        const char *p = query;
        for (;;) {
            const char *amp = strchr(p, '&');
            size_t len = amp ? amp - p : strlen(p);
            if (len) {
                const char *eq = memchr(p, '=', len);
                size_t klen = eq ? eq - p : len;
                char *k = uri_decode(p, klen);
                char *v = eq ? uri_decode(eq + 1, len - klen - 1)
                             : xstrdup("");
                char *ek = sigv4_uri_encode(k, true);
                char *ev = sigv4_uri_encode(v, true);
                /* '\001' sorts before '=' and any encoded character, so
                 * that "a" sorts before "a-b" as byte order of the key
                 * alone would. */
                svec_add_nocopy(&params, xasprintf("%s\001%s", ek, ev));
                free(k);
                free(v);
                free(ek);
                free(ev);
            }
            if (!amp) {
                break;
            }
            p = amp + 1;
        }
    }
    qsort(params.names, params.n, sizeof *params.names, compare_params);

    struct ds ds = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < params.n; i++) {
        char *sep = strchr(params.names[i], '\001');
        *sep = '=';
        ds_put_format(&ds, "%s%s", i ? "&" : "", params.names[i]);
    }
    svec_destroy(&params);
    return ds_steal_cstr(&ds);
}

/* Returns the value of a header for the canonical request: trimmed, runs
 * of spaces collapsed to one. */
static char *
canonical_header_value(const char *value)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    bool space = false;
    for (const char *p = value; *p; p++) {
        if (*p == ' ' || *p == '\t') {
            space = ds.length > 0;
        } else {
            if (space) {
                ds_put_char(&ds, ' ');
                space = false;
            }
            ds_put_char(&ds, *p);
        }
    }
    return ds_steal_cstr(&ds);
}

/* Signs 'canonical_request' with the key derived from 'secret' and
 * 'scope' ("DATE/REGION/SERVICE/aws4_request"). */
char *
sigv4_sign(const char *secret, const char *amz_date, const char *scope,
           const char *canonical_request)
{
    char *cr_hash = sha256_hex(canonical_request, strlen(canonical_request));
    char *string_to_sign = xasprintf("AWS4-HMAC-SHA256\n%s\n%s\n%s",
                                     amz_date, scope, cr_hash);
    free(cr_hash);

    /* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region),
     *                      service), "aws4_request"). */
    char *parts = xstrdup(scope);
    char *save = NULL;
    char *key0 = xasprintf("AWS4%s", secret);
    unsigned char key[SHA256_DIGEST_LENGTH];
    const unsigned char *k = (const unsigned char *) key0;
    size_t k_len = strlen(key0);
    for (char *part = strtok_r(parts, "/", &save); part;
         part = strtok_r(NULL, "/", &save)) {
        hmac(k, k_len, part, key);
        k = key;
        k_len = sizeof key;
    }
    unsigned char sig[SHA256_DIGEST_LENGTH];
    hmac(key, sizeof key, string_to_sign, sig);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(key0, strlen(key0));
    free(key0);
    free(parts);
    free(string_to_sign);

    struct ds ds = DS_EMPTY_INITIALIZER;
    put_hex(&ds, sig, sizeof sig);
    return ds_steal_cstr(&ds);
}

/* Finds "NAME=" in the Authorization header's parameters 'params' and
 * returns its value (up to ',' or the end), malloc()'d, or NULL. */
static char *
auth_param(const char *params, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = params; *p; ) {
        while (*p == ' ' || *p == ',') {
            p++;
        }
        if (!strncmp(p, name, len) && p[len] == '=') {
            const char *v = p + len + 1;
            return xmemdup0(v, strcspn(v, ", "));
        }
        p += strcspn(p, ",");
    }
    return NULL;
}

/* Parses an X-Amz-Date ("YYYYMMDDTHHMMSSZ") into seconds since the epoch.
 * Returns false if it does not parse. */
static bool
parse_amz_date(const char *s, long long int *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (strlen(s) != 16) {
        return false;
    }
    const char *end = strptime(s, "%Y%m%dT%H%M%SZ", &tm);
    if (!end || *end) {
        return false;
    }
    *t = timegm(&tm);
    return true;
}

/* Builds the canonical request of 'req' for the signed headers 'signed_'.
 * Returns NULL and sets '*errorp' if a signed header is missing. */
static char *
canonical_request(const struct api_request *req, const char *signed_,
                  char **errorp)
{
    struct ds cr = DS_EMPTY_INITIALIZER;
    char *uri = sigv4_uri_encode(req->path, false);
    char *query = canonical_query(req->query);
    ds_put_format(&cr, "%s\n%s\n%s\n", req->method, uri, query);
    free(uri);
    free(query);

    char *names = xstrdup(signed_);
    char *save = NULL;
    for (char *name = strtok_r(names, ";", &save); name;
         name = strtok_r(NULL, ";", &save)) {
        const char *value = api_request_header(req, name);
        if (!value) {
            *errorp = xasprintf("signed header %s is not in the request",
                                name);
            free(names);
            ds_destroy(&cr);
            return NULL;
        }
        char *v = canonical_header_value(value);
        ds_put_format(&cr, "%s:%s\n", name, v);
        free(v);
    }
    free(names);

    char *payload = sha256_hex(req->body, req->body_len);
    ds_put_format(&cr, "\n%s\n%s", signed_, payload);
    free(payload);
    return ds_steal_cstr(&cr);
}

/* Checks the parts of the Credential parameter: "AKID/DATE/REGION/ec2/
 * aws4_request", DATE being the day of 'amz_date'.  Sets '*akid' and
 * '*scope'. */
static char *
parse_credential_scope(const char *credential, const char *amz_date,
                       char **akid, char **scope)
{
    const char *slash = strchr(credential, '/');
    if (!slash) {
        return xasprintf("Credential=%s is not AKID/DATE/REGION/SERVICE/"
                         "aws4_request", credential);
    }
    struct svec parts = SVEC_EMPTY_INITIALIZER;
    char *copy = xstrdup(slash + 1), *save = NULL;
    for (char *p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/",
                                                               &save)) {
        svec_add(&parts, p);
    }
    free(copy);

    char *error = NULL;
    if (parts.n != 4 || strcmp(parts.names[3], "aws4_request")) {
        error = xasprintf("Credential=%s is not AKID/DATE/REGION/SERVICE/"
                          "aws4_request", credential);
    } else if (strncmp(parts.names[0], amz_date, 8)
               || strlen(parts.names[0]) != 8) {
        error = xasprintf("Credential date %s is not the day of X-Amz-Date "
                          "%s", parts.names[0], amz_date);
    } else if (strcmp(parts.names[2], "ec2")) {
        error = xasprintf("Credential service %s is not ec2",
                          parts.names[2]);
    } else {
        *akid = xmemdup0(credential, slash - credential);
        *scope = xstrdup(slash + 1);
    }
    svec_destroy(&parts);
    return error;
}

/* Verifies 'req''s signature.  See sigv4.h. */
char *
sigv4_verify(const struct api_request *req, const struct api_auth *auth,
             long long int now, const struct api_credential **credp,
             char **signaturep, const char **codep)
{
    const char *authz = api_request_header(req, "authorization");
    if (!authz) {
        *codep = "MissingAuthenticationToken";
        return xstrdup("the request has no Authorization header (sign it "
                       "with AWS Signature Version 4)");
    }
    static const char algo[] = "AWS4-HMAC-SHA256 ";
    if (strncmp(authz, algo, strlen(algo))) {
        *codep = "IncompleteSignature";
        return xstrdup("Authorization: only AWS4-HMAC-SHA256 is "
                       "supported");
    }
    const char *params = authz + strlen(algo);
    char *credential = auth_param(params, "Credential");
    char *signed_ = auth_param(params, "SignedHeaders");
    char *signature = auth_param(params, "Signature");
    const char *amz_date = api_request_header(req, "x-amz-date");
    char *akid = NULL, *scope = NULL, *cr = NULL, *expected = NULL;
    char *error = NULL;
    long long int t;

    *codep = "IncompleteSignature";
    if (!credential || !signed_ || !signature) {
        error = xstrdup("Authorization: needs Credential, SignedHeaders "
                        "and Signature");
    } else if (!amz_date || !parse_amz_date(amz_date, &t)) {
        error = xasprintf("X-Amz-Date: %s is not YYYYMMDDTHHMMSSZ",
                          amz_date ? amz_date : "(missing)");
    } else if (!strstr(signed_, "host")) {
        error = xstrdup("SignedHeaders: must include host");
    } else if ((error = parse_credential_scope(credential, amz_date, &akid,
                                               &scope))) {
        /* 'error' set. */
    } else if (llabs(now - t) > SIGV4_MAX_SKEW) {
        *codep = "RequestExpired";
        error = xasprintf("Request has expired: X-Amz-Date %s is more than "
                          "%d seconds from the server's time", amz_date,
                          SIGV4_MAX_SKEW);
    } else {
        const struct api_credential *cred
            = api_auth_find_access_key(auth, akid);
        *codep = "AuthFailure";
        if (!cred) {
            error = xasprintf("AWS was not able to validate the provided "
                              "access credentials (unknown access key %s)",
                              akid);
        } else if (!(cr = canonical_request(req, signed_, &error))) {
            /* 'error' set. */
        } else {
            expected = sigv4_sign(cred->secret, amz_date, scope, cr);
            if (!api_auth_secure_equals(expected, signature)) {
                error = xstrdup("AWS was not able to validate the provided "
                                "access credentials (the signature does not "
                                "match)");
            } else {
                *credp = cred;
                *signaturep = signature;
                signature = NULL;
            }
        }
    }
    if (error) {
        COVERAGE_INC(sigv4_refused);
    } else {
        COVERAGE_INC(sigv4_verified);
    }
    free(credential);
    free(signed_);
    free(signature);
    free(akid);
    free(scope);
    free(cr);
    free(expected);
    return error;
}

/* One signature in a sigv4_replay. */
struct sigv4_seen {
    struct hmap_node node;      /* In 'seen', by signature. */
    struct ovs_list list_node;  /* In 'by_age', oldest first. */
    char *signature;
    long long int expires;
};

/* Initializes an empty replay cache. */
void
sigv4_replay_init(struct sigv4_replay *r)
{
    hmap_init(&r->seen);
    ovs_list_init(&r->by_age);
}

/* Frees the cache. */
void
sigv4_replay_destroy(struct sigv4_replay *r)
{
    struct sigv4_seen *s;
    HMAP_FOR_EACH_POP (s, node, &r->seen) {
        free(s->signature);
        free(s);
    }
    hmap_destroy(&r->seen);
}

/* Checks and records 'signature'.  See sigv4.h. */
bool
sigv4_replay_check(struct sigv4_replay *r, const char *signature,
                   long long int now)
{
    struct sigv4_seen *s;
    LIST_FOR_EACH_SAFE (s, list_node, &r->by_age) {
        if (s->expires >= now) {
            break;
        }
        hmap_remove(&r->seen, &s->node);
        ovs_list_remove(&s->list_node);
        free(s->signature);
        free(s);
    }
    uint32_t hash = hash_string(signature, 0);
    HMAP_FOR_EACH_WITH_HASH (s, node, hash, &r->seen) {
        if (!strcmp(s->signature, signature)) {
            return true;
        }
    }
    s = xmalloc(sizeof *s);
    s->signature = xstrdup(signature);
    s->expires = now + 2 * SIGV4_MAX_SKEW;
    hmap_insert(&r->seen, &s->node, hash);
    ovs_list_push_back(&r->by_age, &s->list_node);
    return false;
}
