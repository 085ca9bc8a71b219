/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/vswitchd-client.h"

#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "daemon.h"
#include "dirs.h"
#include "hash.h"
#include "jsonrpc.h"
#include "openvswitch/hmap.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(vswitchd_client);

COVERAGE_DEFINE(vswitchd_client_request);
COVERAGE_DEFINE(vswitchd_client_lost);

/* How often the pidfile is read again while not connected, in ms. */
#define VC_PIDFILE_INTERVAL 1000

/* One request in flight or answered. */
struct vc_request {
    struct hmap_node hmap_node; /* In 'requests', by 'handle'. */
    unsigned int handle;
    long long int rpc_id;       /* The JSON-RPC id it was sent with. */
    unsigned int conn_seqno;    /* The connection it was sent on. */
    bool done;
    bool is_error;
    char *text;                 /* Reply or error, when 'done'. */
};

struct vswitchd_client {
    char *pidfile;
    char *target;               /* "unix:..../ovs-vswitchd.PID.ctl", or
                                 * NULL when no pidfile could be read. */
    struct jsonrpc_session *session;
    unsigned int session_seqno; /* jsonrpc_session_get_seqno() seen. */
    unsigned int conn_seqno;    /* Bumped on every new connection. */
    long long int next_pidfile_check;

    unsigned int next_handle;
    struct hmap requests;       /* Contains "struct vc_request"s. */
};

/* Creates a client for the ovs-vswitchd whose pidfile is 'pidfile', or the
 * default one in ovs_rundir().  The caller owns the result. */
struct vswitchd_client *
vswitchd_client_create(const char *pidfile)
{
    struct vswitchd_client *vc = xzalloc(sizeof *vc);
    vc->pidfile = (pidfile
                   ? xstrdup(pidfile)
                   : xasprintf("%s/ovs-vswitchd.pid", ovs_rundir()));
    vc->next_handle = 1;
    hmap_init(&vc->requests);
    return vc;
}

/* Frees one request. */
static void
vc_request_free(struct vc_request *req)
{
    free(req->text);
    free(req);
}

/* Closes the connection and frees 'vc' and its requests. */
void
vswitchd_client_destroy(struct vswitchd_client *vc)
{
    if (!vc) {
        return;
    }
    struct vc_request *req;
    HMAP_FOR_EACH_POP (req, hmap_node, &vc->requests) {
        vc_request_free(req);
    }
    hmap_destroy(&vc->requests);
    jsonrpc_session_close(vc->session);
    free(vc->pidfile);
    free(vc->target);
    free(vc);
}

/* Returns the unixctl target of the ovs-vswitchd that the pidfile names,
 * or NULL. */
static char *
vc_read_target(const struct vswitchd_client *vc)
{
    pid_t pid = read_pidfile(vc->pidfile);
    if (pid <= 0) {
        return NULL;
    }
    char *dir = xstrdup(vc->pidfile);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
    }
    char *target = xasprintf("unix:%s/ovs-vswitchd.%ld.ctl",
                             slash ? dir : ".", (long int) pid);
    free(dir);
    return target;
}

/* While not connected, looks at the pidfile again now and then, and points
 * the session at the socket of the ovs-vswitchd it names. */
static void
vc_follow_pidfile(struct vswitchd_client *vc)
{
    if ((vc->session && jsonrpc_session_is_connected(vc->session))
        || time_msec() < vc->next_pidfile_check) {
        return;
    }
    vc->next_pidfile_check = time_msec() + VC_PIDFILE_INTERVAL;

    char *target = vc_read_target(vc);
    if (!target || (vc->target && !strcmp(target, vc->target))) {
        free(target);
        return;
    }
    VLOG_INFO("ovs-vswitchd unixctl server: %s", target);
    jsonrpc_session_close(vc->session);
    vc->session = jsonrpc_session_open(target, true);
    jsonrpc_session_set_probe_interval(vc->session, 0);
    free(vc->target);
    vc->target = target;
}

/* Marks every request sent on an earlier connection as lost. */
static void
vc_lose_requests(struct vswitchd_client *vc)
{
    struct vc_request *req;
    HMAP_FOR_EACH (req, hmap_node, &vc->requests) {
        if (!req->done && req->conn_seqno != vc->conn_seqno) {
            COVERAGE_INC(vswitchd_client_lost);
            req->done = true;
            req->is_error = true;
            req->text = NULL;   /* NULL text: lost. */
        }
    }
}

/* Records the reply 'msg' to the request that it answers. */
static void
vc_handle_reply(struct vswitchd_client *vc, const struct jsonrpc_msg *msg)
{
    if (!msg->id || msg->id->type != JSON_INTEGER) {
        return;
    }
    long long int id = json_integer(msg->id);
    const struct json *body = (msg->type == JSONRPC_REPLY ? msg->result
                               : msg->error);

    struct vc_request *req;
    HMAP_FOR_EACH (req, hmap_node, &vc->requests) {
        if (!req->done && req->rpc_id == id
            && req->conn_seqno == vc->conn_seqno) {
            req->done = true;
            req->is_error = msg->type != JSONRPC_REPLY;
            req->text = (body && body->type == JSON_STRING
                         ? xstrdup(json_string(body))
                         : body ? json_to_string(body, 0)
                         : xstrdup(""));
            return;
        }
    }
}

/* Runs the connection and collects replies. */
void
vswitchd_client_run(struct vswitchd_client *vc)
{
    vc_follow_pidfile(vc);
    if (!vc->session) {
        return;
    }
    jsonrpc_session_run(vc->session);
    unsigned int seqno = jsonrpc_session_get_seqno(vc->session);
    if (seqno != vc->session_seqno) {
        vc->session_seqno = seqno;
        vc->conn_seqno++;
        vc_lose_requests(vc);
    }
    for (int i = 0; i < 50; i++) {
        struct jsonrpc_msg *msg = jsonrpc_session_recv(vc->session);
        if (!msg) {
            break;
        }
        if (msg->type == JSONRPC_REPLY || msg->type == JSONRPC_ERROR) {
            vc_handle_reply(vc, msg);
        }
        jsonrpc_msg_destroy(msg);
    }
}

/* Arranges for poll_block() to wake when there is work. */
void
vswitchd_client_wait(struct vswitchd_client *vc)
{
    if (vc->session) {
        jsonrpc_session_wait(vc->session);
        jsonrpc_session_recv_wait(vc->session);
    }
    if (!vc->session || !jsonrpc_session_is_connected(vc->session)) {
        poll_timer_wait_until(vc->next_pidfile_check);
    }
}

/* True if connected to ovs-vswitchd's unixctl server. */
bool
vswitchd_client_is_connected(const struct vswitchd_client *vc)
{
    return vc->session && jsonrpc_session_is_connected(vc->session);
}

/* Returns the number of connections made so far. */
unsigned int
vswitchd_client_get_seqno(const struct vswitchd_client *vc)
{
    return vc->conn_seqno;
}

/* Sends a unixctl command.  See vswitchd-client.h. */
unsigned int
vswitchd_client_send(struct vswitchd_client *vc, const char *command,
                     const char *const *args, size_t n_args)
{
    if (!vswitchd_client_is_connected(vc)) {
        return 0;
    }

    struct json **elems = xmalloc((n_args ? n_args : 1) * sizeof *elems);
    for (size_t i = 0; i < n_args; i++) {
        elems[i] = json_string_create(args[i]);
    }
    struct json *id;
    struct jsonrpc_msg *msg = jsonrpc_create_request(
        command, json_array_create(elems, n_args), &id);
    struct vc_request *req = xzalloc(sizeof *req);
    req->handle = vc->next_handle++;
    if (!vc->next_handle) {
        vc->next_handle = 1;
    }
    req->rpc_id = id->type == JSON_INTEGER ? json_integer(id) : -1;
    req->conn_seqno = vc->conn_seqno;
    json_destroy(id);
    hmap_insert(&vc->requests, &req->hmap_node, hash_int(req->handle, 0));

    COVERAGE_INC(vswitchd_client_request);
    jsonrpc_session_send(vc->session, msg);
    return req->handle;
}

/* Returns the request with 'handle', or NULL. */
static struct vc_request *
vc_find(const struct vswitchd_client *vc, unsigned int handle)
{
    struct vc_request *req;
    HMAP_FOR_EACH_WITH_HASH (req, hmap_node, hash_int(handle, 0),
                             &vc->requests) {
        if (req->handle == handle) {
            return req;
        }
    }
    return NULL;
}

/* Collects the reply to 'handle'.  See vswitchd-client.h. */
enum vswitchd_reply_status
vswitchd_client_poll(struct vswitchd_client *vc, unsigned int handle,
                     char **text)
{
    struct vc_request *req = vc_find(vc, handle);
    *text = NULL;
    if (!req) {
        return VSWITCHD_REPLY_LOST;
    }
    if (!req->done) {
        return VSWITCHD_REPLY_PENDING;
    }

    enum vswitchd_reply_status status = (!req->text ? VSWITCHD_REPLY_LOST
                                         : req->is_error
                                         ? VSWITCHD_REPLY_ERROR
                                         : VSWITCHD_REPLY_OK);
    *text = req->text;
    req->text = NULL;
    hmap_remove(&vc->requests, &req->hmap_node);
    vc_request_free(req);
    return status;
}

/* Forgets request 'handle'. */
void
vswitchd_client_cancel(struct vswitchd_client *vc, unsigned int handle)
{
    struct vc_request *req = vc_find(vc, handle);
    if (req) {
        hmap_remove(&vc->requests, &req->hmap_node);
        vc_request_free(req);
    }
}
