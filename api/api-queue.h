/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_API_QUEUE_H
#define TMIRROR_API_QUEUE_H 1

/* The hand-off of requests from the HTTP thread to the IDL thread.
 *
 * The HTTP thread calls api_queue_push(), which never blocks for long (one
 * mutex held for a list insertion) and sets a latch; the IDL thread waits
 * on that latch in its poll loop (api_queue_wait()) and takes every queued
 * request at once (api_queue_pop_all()).  So neither loop ever runs inside
 * the other: each thread blocks only in its own event loop. */

#include <stdbool.h>
#include <stddef.h>

#include "latch.h"
#include "openvswitch/list.h"
#include "ovs-thread.h"

struct api_request;

struct api_queue {
    struct ovs_mutex mutex;
    struct ovs_list requests OVS_GUARDED;  /* Contains "struct api_request". */
    size_t n OVS_GUARDED;
    struct latch latch;         /* Set while 'requests' may be nonempty. */
};

void api_queue_init(struct api_queue *);
void api_queue_destroy(struct api_queue *);

/* Appends 'req' (ownership passes to the queue).  Any thread. */
void api_queue_push(struct api_queue *, struct api_request *req);

/* Moves every queued request to the end of 'out'.  Returns the number
 * moved. */
size_t api_queue_pop_all(struct api_queue *, struct ovs_list *out);

/* Makes the next poll_block() wake when a request arrives. */
void api_queue_wait(struct api_queue *);

/* Returns the number of requests waiting. */
size_t api_queue_length(struct api_queue *);

#endif /* api/api-queue.h */
