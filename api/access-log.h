/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_ACCESS_LOG_H
#define TMIRROR_ACCESS_LOG_H 1

/* The request log: one INFO line per answered request, in the vlog module
 * "api_access", so that it can be sent to its own destination or silenced
 * ("-vapi_access:file:warn") without touching the daemon's other logs:
 *
 *   PEER "METHOD PATH[?QUERY]" STATUS BYTES MSms [NOTE]
 *
 * NOTE names the project and action, or the error code and message. */

struct api_request;

void access_log_request(const struct api_request *);

#endif /* api/access-log.h */
