/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_VSWITCHD_CLIENT_H
#define TMIRROR_VSWITCHD_CLIENT_H 1

/* An asynchronous client of ovs-vswitchd's unixctl server (what ovs-appctl
 * talks to), for commands such as ofproto/trace-packet-out and
 * ovs/route/lookup.
 *
 * The server's socket is <rundir>/ovs-vswitchd.<pid>.ctl, where <pid> is
 * read from ovs-vswitchd's pidfile; when ovs-vswitchd restarts, the client
 * finds the new socket by itself.  Requests never block the caller: a
 * request is sent and its reply collected on a later pass of the main loop.
 * Requests in flight when the connection is lost are reported as lost. */

#include <stdbool.h>
#include <stddef.h>

struct vswitchd_client;

/* Creates a client of the ovs-vswitchd whose pidfile is 'pidfile' (NULL:
 * <ovs_rundir()>/ovs-vswitchd.pid). */
struct vswitchd_client *vswitchd_client_create(const char *pidfile);
void vswitchd_client_destroy(struct vswitchd_client *);

void vswitchd_client_run(struct vswitchd_client *);
void vswitchd_client_wait(struct vswitchd_client *);

bool vswitchd_client_is_connected(const struct vswitchd_client *);
/* Returns a number that changes on every new connection (for example after
 * ovs-vswitchd restarted). */
unsigned int vswitchd_client_get_seqno(const struct vswitchd_client *);

/* Sends unixctl 'command' with 'n_args' arguments.  Returns a nonzero
 * handle for vswitchd_client_poll(), or 0 if not connected. */
unsigned int vswitchd_client_send(struct vswitchd_client *,
                                  const char *command,
                                  const char *const *args, size_t n_args);

enum vswitchd_reply_status {
    VSWITCHD_REPLY_PENDING,     /* No reply yet. */
    VSWITCHD_REPLY_OK,          /* '*text' is the command's output. */
    VSWITCHD_REPLY_ERROR,       /* '*text' is the command's error. */
    VSWITCHD_REPLY_LOST,        /* The connection was lost, or unknown
                                 * handle: send again. */
};

/* Collects the reply to request 'handle'.  Unless the status is
 * VSWITCHD_REPLY_PENDING, the request is forgotten, and for OK and ERROR
 * '*text' receives a malloc()'d string that the caller frees. */
enum vswitchd_reply_status vswitchd_client_poll(struct vswitchd_client *,
                                                unsigned int handle,
                                                char **text);

/* Forgets request 'handle' (its reply, if any, is discarded). */
void vswitchd_client_cancel(struct vswitchd_client *, unsigned int handle);

#endif /* vswitchd-client.h */
