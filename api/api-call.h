/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_API_CALL_H
#define TMIRROR_API_CALL_H 1

/* The IDL thread's side of a request: its context (the database, the
 * credentials in force), the call being answered, and how writes become
 * database transactions.
 *
 * A read is answered at once from the IDL's replica.  A write is a
 * handler that puts its changes into a fresh transaction; api_call_run()
 * then checks the whole intent with the rules tmirror-ctl uses (the
 * cross-row checks of ctl-intent.h), commits, and, once the database has
 * answered, calls the call's 'on_commit' to render the result.  Writes are
 * committed one at a time, in arrival order, so that each is checked
 * against the database that its predecessors left; a transaction that the
 * server refuses because another client changed a row it read (TRY_AGAIN)
 * is rebuilt from the new state and tried again. */

#include <stdbool.h>
#include <stddef.h>

#include "openvswitch/list.h"
#include "openvswitch/shash.h"
#include "sigv4.h"
#include "smap.h"
#include "uuid.h"

struct api_auth;
struct api_credential;
struct api_project;
struct api_request;
struct http_server;
struct ovsdb_idl;
struct ovsdb_idl_index;
struct ovsdb_idl_txn;
struct tm_intent_lookup;

enum api_dialect {
    API_NATIVE,                 /* JSON errors. */
    API_EC2,                    /* EC2 XML errors. */
    API_PLAIN,                  /* /metrics: text errors. */
};

/* Everything the IDL thread owns. */
struct api_context {
    struct ovsdb_idl *idl;
    struct ovsdb_idl_index *filter_by_name;
    struct ovsdb_idl_index *target_by_name;
    struct ovsdb_idl_index *session_by_name;
    struct ovsdb_idl_index *status_by_session;
    struct http_server *server;
    struct api_auth *auth;              /* Credentials in force. */
    struct sigv4_replay replay;
    struct shash chassis_seen;          /* Chassis name -> long long int *,
                                         * wall-clock ms of its last
                                         * change seen. */
    struct ovs_list waiting;            /* "struct api_call"s, writes not
                                         * yet started. */
    struct api_call *in_flight;         /* Write being committed. */
    struct tm_intent_lookup *lookup;    /* The shared checks' lookups,
                                         * by IDL indexes. */
    long long int write_timeout;        /* ms a write may wait for the
                                         * database, queued and in flight
                                         * (--db-timeout). */
    size_t default_page;                /* Default page size of lists. */
    size_t max_page;

    /* Counters for /metrics. */
    unsigned long long int n_requests;
    unsigned long long int n_writes;
    unsigned long long int n_conflicts;
};

struct api_call;
typedef void api_handler_func(struct api_call *);

struct api_call {
    struct ovs_list list_node;          /* In api_context's 'waiting'. */
    struct api_context *ctx;
    struct api_request *req;
    enum api_dialect dialect;
    struct api_auth *auth;              /* Reference held for the call. */
    const struct api_credential *cred;  /* In 'auth'; NULL until
                                         * authenticated. */
    const struct api_project *project;  /* cred->project. */
    const char *action;                 /* E.g. "tmirror:CreateSession". */
    bool replied;

    /* Writes. */
    api_handler_func *handler;          /* Puts changes into 'txn'. */
    api_handler_func *on_commit;        /* Renders the result. */
    struct ovsdb_idl_txn *txn;
    bool dry_run;
    int attempts;
    long long int committed;            /* time_msec() of the commit in
                                         * flight. */
    struct uuid uuid;                   /* The row created or changed. */
    bool uuid_taken;                    /* 'uuid' is a row's already. */
    struct smap params;                 /* Decoded parameters (EC2 form,
                                         * native query). */
    char *path_arg;                     /* First resource reference in the
                                         * path. */
    char *path_arg2;                    /* Second (a rule of a filter). */
    void *aux;                          /* Handler's own data... */
    void (*aux_free)(void *);           /* ...and how to free it. */
};

void api_context_init(struct api_context *, struct ovsdb_idl *);
void api_context_destroy(struct api_context *);

/* Handles every queued request: routes it, authenticates it, and answers
 * or starts it; then advances the write in flight. */
void api_context_run(struct api_context *, struct ovs_list *requests);
void api_context_wait(struct api_context *);

/* Answers every request in progress with 503 (shutting down). */
void api_context_abort_all(struct api_context *);

/* Replies. */
void api_call_reply(struct api_call *, int status, const char *content_type,
                    const char *body);
void api_call_reply_json(struct api_call *, int status, char *json);
void api_call_error(struct api_call *, int status, const char *code,
                    const char *format, ...) OVS_PRINTF_FORMAT(4, 5);

/* Authorizes 'action' for the call's credential; on refusal replies 403
 * and returns false. */
bool api_call_authorize(struct api_call *, const char *action);

/* Starts a write: 'handler' will run inside a transaction (now, or when
 * the writes before it are done), then 'on_commit' renders the result. */
void api_call_start_write(struct api_call *, api_handler_func *handler,
                          api_handler_func *on_commit);

/* Finishes 'call': its reply goes to the HTTP thread and the call is
 * freed.  A call that has not replied gets a 500. */
void api_call_finish(struct api_call *);

/* Returns the project tag of a row's external_ids, or NULL. */
#define API_PROJECT_KEY "tmirror-project"
const char *api_row_project(const struct smap *external_ids);

/* Returns true if the call's project may see a row with 'external_ids'. */
bool api_call_sees(const struct api_call *, const struct smap *external_ids);

#endif /* api/api-call.h */
