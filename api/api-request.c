/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "api-request.h"

#include <string.h>

#include "util.h"

/* Returns a new, empty request. */
struct api_request *
api_request_create(void)
{
    struct api_request *req = xzalloc(sizeof *req);
    smap_init(&req->headers);
    smap_init(&req->resp_headers);
    ds_init(&req->resp_body);
    req->status = 500;
    return req;
}

/* Frees 'req' and everything it owns. */
void
api_request_destroy(struct api_request *req)
{
    if (req) {
        free(req->peer);
        free(req->method);
        free(req->path);
        free(req->query);
        smap_destroy(&req->headers);
        free(req->body);
        smap_destroy(&req->resp_headers);
        ds_destroy(&req->resp_body);
        free(req->log_note);
        free(req);
    }
}

/* Returns the value of the (lowercase) header 'name', or NULL. */
const char *
api_request_header(const struct api_request *req, const char *name)
{
    return smap_get(&req->headers, name);
}

/* Sets the whole response of 'req'. */
void
api_request_reply(struct api_request *req, int status,
                  const char *content_type, const char *body, size_t len)
{
    req->status = status;
    smap_replace(&req->resp_headers, "Content-Type", content_type);
    ds_clear(&req->resp_body);
    ds_put_buffer(&req->resp_body, body, len);
}
