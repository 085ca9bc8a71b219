/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "http-conns.h"

#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/ssl.h>

#include "coverage.h"
#include "hash.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(http_conns);

COVERAGE_DEFINE(http_conn_accepted);
COVERAGE_DEFINE(http_conn_refused);
COVERAGE_DEFINE(http_conn_timed_out);

/* How often the table is looked over, in ms. */
#define TICK_MS 100

struct http_conn {
    struct hmap_node node;      /* In 'by_bev'. */
    struct bufferevent *bev;    /* One reference held. */
    struct http_conns *conns;
    long long int deadline;     /* time_msec() by which the next request
                                 * must have arrived whole. */
    int in_progress;            /* Requests not yet answered. */
    bool refused;               /* Over the limit: 503 and close. */
    bool refuse_pending;        /* refuse_cb() scheduled, not yet run. */
    bool shut;                  /* shutdown() done. */
};

/* Returns true once evhttp has freed its side of 'conn''s bufferevent
 * (bufferevent_free() clears the callbacks, evhttp never does). */
static bool
conn_released(const struct http_conn *conn)
{
    bufferevent_event_cb eventcb;
    bufferevent_getcb(conn->bev, NULL, NULL, &eventcb, NULL);
    return !eventcb;
}

/* Shuts 'conn''s socket down, so that evhttp sees it close and frees the
 * connection. */
static void
conn_shutdown(struct http_conn *conn)
{
    int fd = bufferevent_getfd(conn->bev);
    if (fd >= 0 && !conn->shut) {
        shutdown(fd, SHUT_RDWR);
        conn->shut = true;
    }
}

/* Answers a connection over the limit with 503 and closes it.  Runs just
 * after the accept, once evhttp has given the bufferevent its socket. */
static void
refuse_cb(evutil_socket_t fd_ OVS_UNUSED, short what OVS_UNUSED,
          void *conn_)
{
    static const char body[] =
        "{\"error\":{\"code\":\"TooManyConnections\",\"message\":"
        "\"too many connections, retry later\"}}\n";
    struct http_conn *conn = conn_;
    int fd = bufferevent_getfd(conn->bev);
    conn->refuse_pending = false;
    if (fd >= 0 && !conn->conns->ssl_ctx) {
        char *reply = xasprintf("HTTP/1.1 503 Service Unavailable\r\n"
                                "Content-Type: application/json\r\n"
                                "Connection: close\r\n"
                                "Content-Length: %"PRIuSIZE"\r\n\r\n%s",
                                strlen(body), body);
        ignore(write(fd, reply, strlen(reply)));
        free(reply);
    }
    conn_shutdown(conn);
}

/* Drops 'conn' if evhttp has freed its side and nothing refers to it.
 * Returns true if it did. */
static bool
conn_reap(struct http_conns *conns, struct http_conn *conn)
{
    if (conn_released(conn) && !conn->in_progress && !conn->refuse_pending) {
        hmap_remove(&conns->by_bev, &conn->node);
        bufferevent_decref(conn->bev);
        free(conn);
        return true;
    }
    return false;
}

/* Looks over every connection: drops those that evhttp has freed, and
 * shuts down those whose request is overdue. */
static void
tick_cb(evutil_socket_t fd OVS_UNUSED, short what OVS_UNUSED, void *conns_)
{
    struct http_conns *conns = conns_;
    long long int now = time_msec();
    struct http_conn *conn;

    HMAP_FOR_EACH_SAFE (conn, node, &conns->by_bev) {
        if (conn_reap(conns, conn) || conn_released(conn)) {
            continue;
        } else if (!conn->in_progress && now > conn->deadline
                   && !conn->shut) {
            COVERAGE_INC(http_conn_timed_out);
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
            VLOG_INFO_RL(&rl, "closing a connection whose request did not "
                         "arrive within %d ms", conns->timeout_ms);
            conn_shutdown(conn);
        }
    }
}

/* Initializes an empty table. */
void
http_conns_init(struct http_conns *conns, struct event_base *base,
                SSL_CTX *ssl_ctx, int max, int timeout_ms)
{
    conns->base = base;
    conns->ssl_ctx = ssl_ctx;
    conns->max = max;
    conns->timeout_ms = timeout_ms;
    hmap_init(&conns->by_bev);
    conns->tick = event_new(base, -1, EV_PERSIST, tick_cb, conns);
    struct timeval tv = { .tv_sec = 0, .tv_usec = TICK_MS * 1000 };
    event_add(conns->tick, &tv);
}

/* Drops every reference.  evhttp must have been freed already. */
void
http_conns_destroy(struct http_conns *conns)
{
    struct http_conn *conn;
    HMAP_FOR_EACH_POP (conn, node, &conns->by_bev) {
        bufferevent_decref(conn->bev);
        free(conn);
    }
    hmap_destroy(&conns->by_bev);
    event_free(conns->tick);
}

/* Makes the bufferevent of a new connection and records it. */
struct bufferevent *
http_conns_new_bev(struct event_base *base, void *conns_)
{
    struct http_conns *conns = conns_;
    struct bufferevent *bev;

    if (conns->ssl_ctx) {
        bev = bufferevent_openssl_socket_new(base, -1,
                                             SSL_new(conns->ssl_ctx),
                                             BUFFEREVENT_SSL_ACCEPTING,
                                             BEV_OPT_CLOSE_ON_FREE);
    } else {
        bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    }
    if (!bev) {
        return NULL;
    }
    bufferevent_incref(bev);

    /* Connections that evhttp closed since the last tick do not count. */
    struct http_conn *conn;
    HMAP_FOR_EACH_SAFE (conn, node, &conns->by_bev) {
        conn_reap(conns, conn);
    }

    conn = xzalloc(sizeof *conn);
    conn->bev = bev;
    conn->conns = conns;
    conn->deadline = time_msec() + conns->timeout_ms;
    conn->refused = hmap_count(&conns->by_bev) >= conns->max;
    hmap_insert(&conns->by_bev, &conn->node, hash_pointer(bev, 0));

    if (conn->refused) {
        COVERAGE_INC(http_conn_refused);
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_WARN_RL(&rl, "refusing a connection: %d are open "
                     "(--max-connections)", conns->max);
        struct timeval now = { 0, 0 };
        conn->refuse_pending = true;
        event_base_once(base, -1, EV_TIMEOUT, refuse_cb, conn, &now);
    } else {
        COVERAGE_INC(http_conn_accepted);
    }
    return bev;
}

/* Returns the record of 'evreq''s connection. */
static struct http_conn *
conn_of(struct http_conns *conns, struct evhttp_request *evreq)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(evreq);
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon)
                                    : NULL;
    struct http_conn *conn;
    HMAP_FOR_EACH_WITH_HASH (conn, node, hash_pointer(bev, 0),
                             &conns->by_bev) {
        if (conn->bev == bev) {
            return conn;
        }
    }
    return NULL;
}

/* A request arrived whole: no deadline while it is answered. */
void *
http_conns_request_started(struct http_conns *conns,
                           struct evhttp_request *evreq)
{
    struct http_conn *conn = conn_of(conns, evreq);
    if (conn) {
        conn->in_progress++;
        conn->deadline = LLONG_MAX;
    }
    return conn;
}

/* A request was answered: the next one has --timeout to arrive. */
void
http_conns_request_done(struct http_conns *conns, void *conn_)
{
    struct http_conn *conn = conn_;
    if (conn && --conn->in_progress == 0) {
        conn->deadline = time_msec() + conns->timeout_ms;
    }
}

/* Returns true if the connection of 'handle' is over the limit. */
bool
http_conns_is_refused(const void *handle)
{
    const struct http_conn *conn = handle;
    return conn && conn->refused;
}

/* Returns the number of connections. */
int
http_conns_count(const struct http_conns *conns)
{
    return hmap_count(&conns->by_bev);
}
