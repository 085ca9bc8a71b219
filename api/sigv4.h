/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_SIGV4_H
#define TMIRROR_SIGV4_H 1

/* AWS Signature Version 4 verification for EC2 Query requests: the
 * canonical request, the string to sign and the derived signing key, with
 * OpenSSL's SHA-256 and HMAC-SHA256.
 *
 * The request's X-Amz-Date must be within SIGV4_MAX_SKEW seconds of the
 * server's clock: that bounds how long a captured request can be replayed.
 * Within that window, sigv4_replay refuses a second use of the same
 * signature for requests that change something. */

#include <stdbool.h>
#include <stddef.h>

#include "openvswitch/hmap.h"
#include "openvswitch/list.h"

struct api_auth;
struct api_credential;
struct api_request;

#define SIGV4_MAX_SKEW (5 * 60)

/* Verifies the SigV4 signature of 'req' against the credentials of 'auth',
 * at wall-clock time 'now' (seconds since the epoch).  On success returns
 * NULL, stores the credential in '*credp' and the signature (malloc()'d) in
 * '*signaturep'.  On failure returns a malloc()'d message and stores the
 * EC2 error code (a static string: "AuthFailure", "RequestExpired",
 * "MissingAuthenticationToken", "IncompleteSignature") in '*codep'. */
char *sigv4_verify(const struct api_request *req, const struct api_auth *auth,
                   long long int now, const struct api_credential **credp,
                   char **signaturep, const char **codep);

/* Computes the signature that 'secret' gives the request described by the
 * other arguments (exposed for the unit tests and the benchmark). */
char *sigv4_sign(const char *secret, const char *amz_date,
                 const char *scope, const char *canonical_request);

/* Returns 's' URI-encoded as SigV4 wants (RFC 3986 unreserved characters
 * kept, everything else %XX). */
char *sigv4_uri_encode(const char *s, bool encode_slash);

/* Signatures seen recently, with the time until which each is kept. */
struct sigv4_replay {
    struct hmap seen;           /* Contains "struct sigv4_seen". */
    struct ovs_list by_age;     /* Same entries, oldest first. */
};

void sigv4_replay_init(struct sigv4_replay *);
void sigv4_replay_destroy(struct sigv4_replay *);

/* Returns true if 'signature' was already recorded and has not expired;
 * otherwise records it until 'now' + 2 * SIGV4_MAX_SKEW and returns
 * false.  Expired entries are dropped as a side effect. */
bool sigv4_replay_check(struct sigv4_replay *, const char *signature,
                        long long int now);

#endif /* api/sigv4.h */
