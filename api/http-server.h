/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_HTTP_SERVER_H
#define TMIRROR_HTTP_SERVER_H 1

/* tmirror-api's HTTP server: libevent's evhttp, run by a thread of its own.
 *
 * The server thread owns every libevent object.  It turns each complete
 * request into a plain 'struct api_request' and pushes it on an api_queue
 * for the IDL thread; the IDL thread hands the request back, response
 * filled, with http_server_reply(), which queues it and wakes the server
 * thread with event_active().  The two event loops never nest and share
 * nothing but those two locked lists.
 *
 * Limits, all enforced in the server thread before a request is queued:
 * the size of the headers and of the body (413), a read and write timeout
 * per connection (a client that sends too slowly is disconnected), and the
 * number of connections with requests in progress (503 beyond it). */

#include <stdbool.h>
#include <stddef.h>

struct api_queue;
struct api_request;

struct http_server_options {
    const char *listen;         /* "[ssl:][IP:]PORT"; IPv6 as "[IP]". */
    size_t max_body;            /* Bytes. */
    size_t max_headers;         /* Bytes. */
    int timeout;                /* Seconds, read and write. */
    int max_connections;
    const char *private_key;    /* PEM files for ssl: listeners. */
    const char *certificate;
    const char *ca_cert;        /* Optional; "none" or NULL: no client
                                 * certificates are asked for. */
};

/* Binds the listening socket and starts the server thread.  On failure
 * returns NULL and stores a malloc()'d message in '*errorp'. */
struct http_server *http_server_start(const struct http_server_options *,
                                      struct api_queue *, char **errorp);

/* Stops the thread and frees the server.  Requests still in progress are
 * answered 503 first. */
void http_server_stop(struct http_server *);

/* Sends 'req''s response (any thread); the server frees 'req'. */
void http_server_reply(struct http_server *, struct api_request *req);

/* Returns the address and port the server listens on, e.g.
 * "127.0.0.1:8780" (port 0 in the options picks a free one). */
const char *http_server_address(const struct http_server *);

/* Returns true if the server speaks TLS. */
bool http_server_is_tls(const struct http_server *);

/* Number of connections that have sent a request and are open. */
int http_server_n_connections(const struct http_server *);

#endif /* api/http-server.h */
