/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_HTTP_CONNS_H
#define TMIRROR_HTTP_CONNS_H 1

/* The HTTP server's connections, for the limits that evhttp lacks in
 * libevent 2.1: a bound on their number, enforced when a connection is
 * accepted (503 and close), and a deadline by which each request must have
 * arrived whole (a client that trickles its headers, "slowloris", is
 * disconnected: evhttp's own timeout restarts with every byte).
 *
 * evhttp asks http_conns_new_bev() for each accepted connection's
 * bufferevent.  The table keeps a reference to it, so that the socket stays
 * the same one while the table looks at it, and drops it once evhttp has
 * freed its side.  Everything here runs in the server thread. */

#include <stdbool.h>

#include "openvswitch/hmap.h"
#include "openvswitch/list.h"

struct bufferevent;
struct event;
struct event_base;
struct evhttp_request;
typedef struct ssl_ctx_st SSL_CTX;

struct http_conns {
    struct event_base *base;
    SSL_CTX *ssl_ctx;           /* NULL for plain HTTP. */
    int max;                    /* Connections. */
    int timeout_ms;             /* Per request. */
    struct hmap by_bev;         /* Contains "struct http_conn". */
    struct event *tick;         /* Periodic reaping and deadlines. */
};

void http_conns_init(struct http_conns *, struct event_base *,
                     SSL_CTX *, int max, int timeout_ms);
void http_conns_destroy(struct http_conns *);

/* evhttp's bufferevent factory (evhttp_set_bevcb()); 'conns' is a "struct
 * http_conns *". */
struct bufferevent *http_conns_new_bev(struct event_base *, void *conns);

/* A request of 'evreq''s connection arrived whole / was answered.  Returns
 * an opaque handle for http_conns_request_done(), or NULL if the
 * connection is unknown. */
void *http_conns_request_started(struct http_conns *,
                                 struct evhttp_request *evreq);
void http_conns_request_done(struct http_conns *, void *handle);

/* Returns true if the connection of 'handle' is over the limit (its
 * requests get 503). */
bool http_conns_is_refused(const void *handle);

/* Number of open connections. */
int http_conns_count(const struct http_conns *);

#endif /* api/http-conns.h */
