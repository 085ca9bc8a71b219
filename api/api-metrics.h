/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_API_METRICS_H
#define TMIRROR_API_METRICS_H 1

/* GET /metrics: Prometheus text exposition format (version 0.0.4), with a
 * bearer token whose policy allows "tmirror:GetMetrics".
 *
 *   tmirror_session_packets_total, tmirror_session_bytes_total  (counters)
 *   tmirror_session_state  (gauge, 1 for the state each chassis reports)
 *       labels: session, session_id, chassis (and state)
 *   tmirror_chassis_cfg, tmirror_chassis_last_seen_seconds  (gauges;
 *       admin projects only), tmirror_global_cfg
 *   tmirror_api_requests_total, tmirror_api_writes_total,
 *   tmirror_api_retries_total  (this process)
 *
 * A project sees the series of its own sessions only. */

struct api_call;
struct api_context;

void api_metrics_handle(struct api_call *);

/* Records the wall-clock time of every Chassis row change that the IDL
 * tracked since the last call (for tmirror_chassis_last_seen_seconds). */
void api_metrics_track_chassis(struct api_context *);

#endif /* api/api-metrics.h */
