/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_API_OPENAPI_H
#define TMIRROR_API_OPENAPI_H 1

/* GET /v1/openapi.json: the OpenAPI 3 description of the native API
 * (api/openapi.json, compiled into the program), served without
 * authentication. */

struct api_call;
struct ds;

void api_openapi_handle(struct api_call *);

/* The document's text (generated from api/openapi.json). */
extern const char api_openapi_json[];

/* Appends "METHOD PATTERN ACTION\n" for every native route to 'ds' (for
 * the test that checks the document describes each one). */
void api_native_routes(struct ds *ds);

#endif /* api/api-openapi.h */
