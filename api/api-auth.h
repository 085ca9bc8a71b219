/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_API_AUTH_H
#define TMIRROR_API_AUTH_H 1

/* Who may call tmirror-api, and what they may do: projects, credentials and
 * their policies, as read from the --credentials file (auth-config.c).
 *
 * A configuration is immutable once loaded and reference-counted: a reload
 * swaps in a new one while calls in progress keep the one they started
 * with. */

#include <stdbool.h>
#include <stddef.h>

#include "svec.h"

/* A project: the owner of rows.  'ports' are iface-ids or shell patterns
 * (fnmatch(3)) of the ports its sessions may use as sources and its port
 * targets as appliances; "*" makes it an admin project, which also sees and
 * changes every row, those of other projects and untagged ones. */
struct api_project {
    char *name;
    struct svec ports;
    bool admin;                 /* 'ports' contains "*". */
};

/* A credential: an access key id with its secret (EC2, SigV4) and/or a
 * bearer token (native API), for one project, allowed 'actions' (patterns,
 * case-insensitive, over "ec2:<Operation>" and "tmirror:<Verb><Resource>"). */
struct api_credential {
    char *access_key;           /* May be NULL. */
    char *secret;               /* Set iff 'access_key' is. */
    char *token;                /* May be NULL. */
    const struct api_project *project;
    struct svec actions;
};

struct api_auth {
    int ref_cnt;
    struct api_project *projects;
    size_t n_projects;
    struct api_credential *credentials;
    size_t n_credentials;
};

/* Reads and checks the credentials file 'file_name'.  Returns NULL and
 * stores a new configuration (one reference) in '*authp', or returns a
 * malloc()'d message naming the file and the offending value. */
char *api_auth_load(const char *file_name, struct api_auth **authp);

/* Parses the text of a credentials file.  Same contract as
 * api_auth_load(). */
char *api_auth_parse(const char *text, struct api_auth **authp);

/* An empty configuration: nobody is allowed anything. */
struct api_auth *api_auth_create_empty(void);

struct api_auth *api_auth_ref(const struct api_auth *);
void api_auth_unref(struct api_auth *);

/* Returns the credential whose bearer token is 'token', or NULL.  The
 * comparison takes the same time for every candidate of a given length. */
const struct api_credential *api_auth_find_token(const struct api_auth *,
                                                 const char *token);

/* Returns the credential whose access key id is 'access_key', or NULL. */
const struct api_credential *api_auth_find_access_key(
    const struct api_auth *, const char *access_key);

/* Returns true if 'cred''s policy allows 'action' ("ec2:DescribeX",
 * "tmirror:ListSessions", ...). */
bool api_auth_allows(const struct api_credential *cred, const char *action);

/* Returns true if 'project' may use the port 'iface_id' (a session source
 * or an appliance). */
bool api_project_may_use_port(const struct api_project *project,
                              const char *iface_id);

/* Returns true if a row whose project tag is 'row_project' (NULL when
 * untagged) is visible to 'project'. */
bool api_project_sees(const struct api_project *project,
                      const char *row_project);

/* Compares two strings in time that depends only on their lengths. */
bool api_auth_secure_equals(const char *a, const char *b);

#endif /* api/api-auth.h */
