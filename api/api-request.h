/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_API_REQUEST_H
#define TMIRROR_API_REQUEST_H 1

/* One HTTP request as plain C data, handed from the HTTP thread (which owns
 * libevent) to the IDL thread (which owns the database) and back with its
 * response.  Nothing here refers to libevent or to jansson, so both threads
 * and every handler can use it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "smap.h"

struct api_request {
    struct ovs_list list_node;  /* In a queue; owned by whoever holds it. */
    uint64_t serial;            /* Request number, for the request log. */
    void *http_req;             /* HTTP thread's handles; opaque here. */
    void *http_conn;
    long long int received;     /* time_msec() when the request arrived. */
    char *peer;                 /* "ADDRESS:PORT" of the client. */

    /* The request. */
    char *method;               /* "GET", "POST", ... */
    char *path;                 /* Percent-decoded path, without query. */
    char *query;                /* Raw query string, or NULL. */
    struct smap headers;        /* Header names lowercased. */
    char *body;                 /* Null-terminated (may hold NULs). */
    size_t body_len;

    /* The response, filled by the IDL thread. */
    int status;                 /* HTTP status code. */
    struct smap resp_headers;   /* Content-Type included. */
    struct ds resp_body;
    char *log_note;             /* For the request log, e.g. the caller. */
};

struct api_request *api_request_create(void);
void api_request_destroy(struct api_request *);

/* Returns the value of header 'name' (lowercase), or NULL. */
const char *api_request_header(const struct api_request *, const char *name);

/* Sets the response: 'status', 'content_type' and a copy of 'body'. */
void api_request_reply(struct api_request *, int status,
                       const char *content_type, const char *body,
                       size_t len);

#endif /* api/api-request.h */
