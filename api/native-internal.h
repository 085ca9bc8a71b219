/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_NATIVE_INTERNAL_H
#define TMIRROR_NATIVE_INTERNAL_H 1

/* Shared by api-native.c (routes and handlers) and native-request.c
 * (plumbing). */

#include <stdbool.h>

#include "api-ids.h"

struct api_call;
struct api_render;

/* Parses the query string into call->params, refusing a parameter not in
 * 'allowed' (NULL-terminated).  These return false after replying. */
bool native_parse_query(struct api_call *, const char *const allowed[]);
bool native_query_bool(struct api_call *, const char *key, bool *out);
/* "Authorization: Bearer TOKEN": sets call->cred and call->project. */
bool native_authenticate(struct api_call *);
/* A JSON object with a JSON content type. */
bool native_check_body(struct api_call *);

/* Replies 404 for 'ref' of 'kind'. */
void native_not_found(struct api_call *, enum api_kind, const char *ref);
/* Replies with the one object in 'render' (or the dry-run changes). */
void native_reply_render(struct api_call *, int status, enum api_kind,
                         struct api_render *);
/* GET of a collection: a page of the rows the project sees, in name
 * order (?limit, ?next_token). */
void native_list_rows(struct api_call *, enum api_kind);

#endif /* api/native-internal.h */
