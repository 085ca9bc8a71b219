/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "api-openapi.h"

#include <string.h>

#include "api-call.h"
#include "api-request.h"

/* Serves the OpenAPI document. */
void
api_openapi_handle(struct api_call *call)
{
    call->dialect = API_NATIVE;
    if (strcmp(call->req->method, "GET") && strcmp(call->req->method,
                                                   "HEAD")) {
        api_call_error(call, 405, "MethodNotAllowed", "%s is not allowed on "
                       "/v1/openapi.json", call->req->method);
        return;
    }
    api_call_reply(call, 200, "application/json", api_openapi_json);
}
