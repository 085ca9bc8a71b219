/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "api-queue.h"

#include "api-request.h"
#include "coverage.h"

COVERAGE_DEFINE(api_queue_push);

/* Initializes an empty queue. */
void
api_queue_init(struct api_queue *q)
{
    ovs_mutex_init(&q->mutex);
    ovs_list_init(&q->requests);
    q->n = 0;
    latch_init(&q->latch);
}

/* Frees the queue and any request still in it. */
void
api_queue_destroy(struct api_queue *q)
{
    struct api_request *req;

    ovs_mutex_lock(&q->mutex);
    LIST_FOR_EACH_POP (req, list_node, &q->requests) {
        api_request_destroy(req);
    }
    ovs_mutex_unlock(&q->mutex);
    ovs_mutex_destroy(&q->mutex);
    latch_destroy(&q->latch);
}

/* Queues 'req' for the IDL thread and wakes it. */
void
api_queue_push(struct api_queue *q, struct api_request *req)
{
    COVERAGE_INC(api_queue_push);
    ovs_mutex_lock(&q->mutex);
    ovs_list_push_back(&q->requests, &req->list_node);
    q->n++;
    ovs_mutex_unlock(&q->mutex);
    latch_set(&q->latch);
}

/* Takes every queued request.  The latch is cleared before the list is
 * read, so a push that races with this call sets it again and is seen on
 * the next pass. */
size_t
api_queue_pop_all(struct api_queue *q, struct ovs_list *out)
{
    latch_poll(&q->latch);

    ovs_mutex_lock(&q->mutex);
    size_t n = q->n;
    ovs_list_push_back_all(out, &q->requests);
    q->n = 0;
    ovs_mutex_unlock(&q->mutex);
    return n;
}

/* Wakes the next poll_block() when a request is queued. */
void
api_queue_wait(struct api_queue *q)
{
    latch_wait(&q->latch);
}

/* Returns the number of queued requests. */
size_t
api_queue_length(struct api_queue *q)
{
    ovs_mutex_lock(&q->mutex);
    size_t n = q->n;
    ovs_mutex_unlock(&q->mutex);
    return n;
}
