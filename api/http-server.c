/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "http-server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "access-log.h"
#include "api-queue.h"
#include "api-request.h"
#include "http-conns.h"
#include "coverage.h"
#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "hash.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(http_server);


COVERAGE_DEFINE(http_request);
COVERAGE_DEFINE(http_reply);
COVERAGE_DEFINE(http_refused_busy);

struct http_server {
    /* Owned by the server thread once it runs. */
    struct event_base *base;
    struct evhttp *http;
    struct event *reply_event;  /* Activated by http_server_reply(). */
    SSL_CTX *ssl_ctx;           /* NULL for plain HTTP. */
    struct http_conns conns;
    bool have_conns;
    int max_connections;
    uint64_t next_serial;
    pthread_t thread;

    /* Read-only after start. */
    char *address;
    struct api_queue *queue;

    /* Shared with other threads. */
    struct ovs_mutex mutex;
    struct ovs_list replies OVS_GUARDED;    /* "struct api_request"s. */
    int n_conns OVS_GUARDED;                /* Copy of the table's count. */
};

/* Parses "[ssl:][IP:]PORT" into its parts.  'ip' gets a malloc()'d
 * address ("127.0.0.1" when none is given). */
static char *
parse_listen(const char *s, bool *ssl, char **ip, int *port)
{
    const char *p = s;
    *ssl = !strncmp(p, "ssl:", 4);
    if (*ssl) {
        p += 4;
    }

    const char *port_s;
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (!close || close[1] != ':') {
            return xasprintf("--listen: %s is not [IPv6]:PORT", s);
        }
        *ip = xmemdup0(p + 1, close - p - 1);
        port_s = close + 2;
    } else if (strchr(p, ':')) {
        const char *colon = strrchr(p, ':');
        *ip = xmemdup0(p, colon - p);
        port_s = colon + 1;
    } else {
        *ip = xstrdup("127.0.0.1");
        port_s = p;
    }

    char *end;
    long value = strtol(port_s, &end, 10);
    if (!*port_s || *end || value < 0 || value > 65535) {
        free(*ip);
        *ip = NULL;
        return xasprintf("--listen: %s: %s is not a port (0 to 65535)", s,
                         port_s);
    }
    *port = value;
    return NULL;
}

/* Creates the TLS context from the PEM files in 'o'. */
static char *
make_ssl_ctx(const struct http_server_options *o, SSL_CTX **ctxp)
{
    if (!o->private_key || !o->certificate) {
        return xstrdup("--listen=ssl:...: needs --private-key and "
                       "--certificate");
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, o->certificate) != 1) {
        SSL_CTX_free(ctx);
        return xasprintf("--certificate: %s: %s", o->certificate,
                         ERR_error_string(ERR_get_error(), NULL));
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, o->private_key,
                                    SSL_FILETYPE_PEM) != 1
        || SSL_CTX_check_private_key(ctx) != 1) {
        SSL_CTX_free(ctx);
        return xasprintf("--private-key: %s: %s", o->private_key,
                         ERR_error_string(ERR_get_error(), NULL));
    }
    if (o->ca_cert && strcmp(o->ca_cert, "none")) {
        if (SSL_CTX_load_verify_locations(ctx, o->ca_cert, NULL) != 1) {
            SSL_CTX_free(ctx);
            return xasprintf("--ca-cert: %s: %s", o->ca_cert,
                             ERR_error_string(ERR_get_error(), NULL));
        }
    }
    *ctxp = ctx;
    return NULL;
}

/* Returns the name of 'evreq''s method. */
static const char *
method_name(struct evhttp_request *evreq)
{
    switch (evhttp_request_get_command(evreq)) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    case EVHTTP_REQ_TRACE: return "TRACE";
    case EVHTTP_REQ_CONNECT: return "CONNECT";
    case EVHTTP_REQ_PATCH: return "PATCH";
    default: return "UNKNOWN";
    }
}

/* Answers 'evreq' directly from the server thread (refusals that need no
 * database). */
static void
reply_now(struct evhttp_request *evreq, int status, const char *json)
{
    struct evbuffer *buf = evbuffer_new();
    evbuffer_add(buf, json, strlen(json));
    struct evkeyvalq *out = evhttp_request_get_output_headers(evreq);
    evhttp_add_header(out, "Content-Type", "application/json");
    evhttp_add_header(out, "Connection", "close");
    evhttp_send_reply(evreq, status, NULL, buf);
    evbuffer_free(buf);
}

/* Copies 'evreq' into a new api_request.  Returns NULL if its URI does not
 * parse. */
static struct api_request *
request_from_evhttp(struct http_server *server, struct evhttp_request *evreq)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(evreq);
    const char *raw_path = uri ? evhttp_uri_get_path(uri) : NULL;
    if (!raw_path) {
        return NULL;
    }
    size_t path_len;
    char *path = evhttp_uridecode(*raw_path ? raw_path : "/", 0, &path_len);
    if (!path || strlen(path) != path_len) {
        free(path);             /* A %00 in the path. */
        return NULL;
    }

    struct api_request *req = api_request_create();
    req->serial = ++server->next_serial;
    req->http_req = evreq;
    req->received = time_msec();
    req->method = xstrdup(method_name(evreq));
    req->path = path;
    const char *query = evhttp_uri_get_query(uri);
    req->query = query ? xstrdup(query) : NULL;

    struct evkeyvalq *headers = evhttp_request_get_input_headers(evreq);
    for (struct evkeyval *h = headers->tqh_first; h; h = h->next.tqe_next) {
        char *name = xstrdup(h->key);
        for (char *p = name; *p; p++) {
            *p = (*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p;
        }
        /* A repeated header is kept as one comma-separated value. */
        const char *old = smap_get(&req->headers, name);
        if (old) {
            char *joined = xasprintf("%s,%s", old, h->value);
            smap_replace(&req->headers, name, joined);
            free(joined);
        } else {
            smap_add(&req->headers, name, h->value);
        }
        free(name);
    }

    struct evbuffer *in = evhttp_request_get_input_buffer(evreq);
    req->body_len = evbuffer_get_length(in);
    req->body = xmalloc(req->body_len + 1);
    evbuffer_remove(in, req->body, req->body_len);
    req->body[req->body_len] = '\0';

    struct evhttp_connection *evcon = evhttp_request_get_connection(evreq);
    char *peer_addr = NULL;
    ev_uint16_t peer_port = 0;
    if (evcon) {
        evhttp_connection_get_peer(evcon, &peer_addr, &peer_port);
    }
    req->peer = xasprintf("%s:%u", peer_addr ? peer_addr : "?", peer_port);
    return req;
}

/* evhttp's callback for every complete request: queue it for the IDL
 * thread, unless it is refused here. */
static void
request_cb(struct evhttp_request *evreq, void *server_)
{
    struct http_server *server = server_;
    COVERAGE_INC(http_request);

    void *conn = http_conns_request_started(&server->conns, evreq);
    if (http_conns_is_refused(conn)) {
        COVERAGE_INC(http_refused_busy);
        http_conns_request_done(&server->conns, conn);
        reply_now(evreq, 503, "{\"error\":{\"code\":\"TooManyConnections\","
                  "\"message\":\"too many connections, retry later\"}}\n");
        return;
    }

    struct api_request *req = request_from_evhttp(server, evreq);
    if (!req) {
        http_conns_request_done(&server->conns, conn);
        reply_now(evreq, 400, "{\"error\":{\"code\":\"BadRequest\","
                  "\"message\":\"the request URI does not parse\"}}\n");
        return;
    }
    req->http_conn = conn;
    api_queue_push(server->queue, req);
}

/* Sends one response and logs it. */
static void
send_reply(struct http_server *server, struct api_request *req)
{
    struct evhttp_request *evreq = req->http_req;
    struct evkeyvalq *out = evhttp_request_get_output_headers(evreq);
    struct smap_node *h;
    SMAP_FOR_EACH (h, &req->resp_headers) {
        evhttp_add_header(out, h->key, h->value);
    }
    struct evbuffer *buf = evbuffer_new();
    evbuffer_add(buf, req->resp_body.string ? req->resp_body.string : "",
                 req->resp_body.length);
    evhttp_send_reply(evreq, req->status, NULL, buf);
    evbuffer_free(buf);
    http_conns_request_done(&server->conns, req->http_conn);
    COVERAGE_INC(http_reply);

    access_log_request(req);
}

/* The reply event's callback, in the server thread: sends every response
 * that the IDL thread has finished. */
static void
replies_cb(evutil_socket_t fd OVS_UNUSED, short what OVS_UNUSED,
           void *server_)
{
    struct http_server *server = server_;
    struct ovs_list replies = OVS_LIST_INITIALIZER(&replies);

    ovs_mutex_lock(&server->mutex);
    ovs_list_push_back_all(&replies, &server->replies);
    ovs_mutex_unlock(&server->mutex);

    struct api_request *req;
    LIST_FOR_EACH_POP (req, list_node, &replies) {
        send_reply(server, req);
        api_request_destroy(req);
    }
    int n = http_conns_count(&server->conns);
    ovs_mutex_lock(&server->mutex);
    server->n_conns = n;
    ovs_mutex_unlock(&server->mutex);
}

/* Queues 'req''s response for the server thread and wakes it. */
void
http_server_reply(struct http_server *server, struct api_request *req)
{
    ovs_mutex_lock(&server->mutex);
    ovs_list_push_back(&server->replies, &req->list_node);
    ovs_mutex_unlock(&server->mutex);
    event_active(server->reply_event, EV_READ, 0);
}

/* The server thread: libevent's loop, until http_server_stop(). */
static void *
server_main(void *server_)
{
    struct http_server *server = server_;
    event_base_loop(server->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

/* Returns the address that 'handle''s socket is bound to. */
static char *
bound_address(struct evhttp_bound_socket *handle)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;

    if (!getsockname(evhttp_bound_socket_get_fd(handle),
                     (struct sockaddr *) &ss, &len)) {
        if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;
            inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
            port = ntohs(sin6->sin6_port);
            return xasprintf("[%s]:%d", host, port);
        }
        struct sockaddr_in *sin = (struct sockaddr_in *) &ss;
        inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
        port = ntohs(sin->sin_port);
    }
    return xasprintf("%s:%d", host, port);
}

/* Frees what a partly made 'server' holds. */
static void
server_free(struct http_server *server)
{
    if (server->http) {
        evhttp_free(server->http);
    }
    if (server->have_conns) {
        http_conns_destroy(&server->conns);
    }
    if (server->reply_event) {
        event_free(server->reply_event);
    }
    if (server->base) {
        event_base_free(server->base);
    }
    if (server->ssl_ctx) {
        SSL_CTX_free(server->ssl_ctx);
    }
    ovs_mutex_destroy(&server->mutex);
    free(server->address);
    free(server);
}

/* Binds and starts the server.  See http-server.h. */
struct http_server *
http_server_start(const struct http_server_options *o,
                  struct api_queue *queue, char **errorp)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    if (ovsthread_once_start(&once)) {
        evthread_use_pthreads();
        ovsthread_once_done(&once);
    }

    bool ssl = false;
    char *ip = NULL;
    int port = 0;
    *errorp = parse_listen(o->listen, &ssl, &ip, &port);
    if (*errorp) {
        return NULL;
    }

    struct http_server *server = xzalloc(sizeof *server);
    ovs_mutex_init(&server->mutex);
    ovs_list_init(&server->replies);
    server->queue = queue;
    server->max_connections = o->max_connections;

    if (ssl) {
        *errorp = make_ssl_ctx(o, &server->ssl_ctx);
        if (*errorp) {
            goto error;
        }
    }

    server->base = event_base_new();
    server->http = evhttp_new(server->base);
    if (!server->base || !server->http) {
        *errorp = xstrdup("cannot create the libevent HTTP server");
        goto error;
    }
    evhttp_set_max_body_size(server->http, o->max_body);
    evhttp_set_max_headers_size(server->http, o->max_headers);
    evhttp_set_timeout(server->http, o->timeout);
    evhttp_set_allowed_methods(server->http,
                               EVHTTP_REQ_GET | EVHTTP_REQ_POST
                               | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT
                               | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH);
    evhttp_set_gencb(server->http, request_cb, server);
    http_conns_init(&server->conns, server->base, server->ssl_ctx,
                    o->max_connections, o->timeout * 1000);
    server->have_conns = true;
    evhttp_set_bevcb(server->http, http_conns_new_bev, &server->conns);
    server->reply_event = event_new(server->base, -1, 0, replies_cb, server);

    struct evhttp_bound_socket *handle
        = evhttp_bind_socket_with_handle(server->http, ip, port);
    if (!handle) {
        *errorp = xasprintf("--listen: cannot listen on %s port %d (%s)",
                            ip, port, ovs_strerror(errno));
        goto error;
    }
    server->address = bound_address(handle);
    free(ip);
    ip = NULL;

    server->thread = ovs_thread_create("api_http", server_main, server);
    VLOG_INFO("listening on %s%s", ssl ? "ssl:" : "", server->address);
    return server;

error:
    free(ip);
    server_free(server);
    return NULL;
}

/* Stops the thread, answers what is still queued, and frees 'server'. */
void
http_server_stop(struct http_server *server)
{
    if (!server) {
        return;
    }
    event_base_loopbreak(server->base);
    xpthread_join(server->thread, NULL);

    /* The thread is gone: send what the IDL thread finished meanwhile. */
    replies_cb(-1, 0, server);
    server_free(server);
}

/* Returns the bound address. */
const char *
http_server_address(const struct http_server *server)
{
    return server->address;
}

/* Returns true for a TLS server. */
bool
http_server_is_tls(const struct http_server *server)
{
    return server->ssl_ctx != NULL;
}

/* Returns the number of admitted open connections. */
int
http_server_n_connections(const struct http_server *server)
{
    struct http_server *s = CONST_CAST(struct http_server *, server);
    ovs_mutex_lock(&s->mutex);
    int n = s->n_conns;
    ovs_mutex_unlock(&s->mutex);
    return n;
}
