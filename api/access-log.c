/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "access-log.h"

#include "api-request.h"
#include "openvswitch/vlog.h"
#include "timeval.h"

VLOG_DEFINE_THIS_MODULE(api_access);

/* Logs the answered request 'req'. */
void
access_log_request(const struct api_request *req)
{
    if (VLOG_IS_INFO_ENABLED()) {
        VLOG_INFO("%s \"%s %s%s%s\" %d %"PRIuSIZE" %lldms%s%s",
                  req->peer, req->method, req->path, req->query ? "?" : "",
                  req->query ? req->query : "", req->status,
                  req->resp_body.length, time_msec() - req->received,
                  req->log_note ? " " : "",
                  req->log_note ? req->log_note : "");
    }
}
