/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_API_NATIVE_H
#define TMIRROR_API_NATIVE_H 1

/* The native JSON API under /v1/ (api-native.c): filters and their rules,
 * targets, sessions and their status, and the whole configuration, with
 * bearer-token authentication.  The routes are listed in api-native.c and
 * described by /v1/openapi.json. */

struct api_call;

void api_native_handle(struct api_call *);

#endif /* api/api-native.h */
