/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "api-auth.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "util.h"

/* Returns a configuration that allows nobody anything. */
struct api_auth *
api_auth_create_empty(void)
{
    struct api_auth *auth = xzalloc(sizeof *auth);
    auth->ref_cnt = 1;
    return auth;
}

/* Takes one more reference to 'auth'. */
struct api_auth *
api_auth_ref(const struct api_auth *auth_)
{
    struct api_auth *auth = CONST_CAST(struct api_auth *, auth_);
    auth->ref_cnt++;
    return auth;
}

/* Drops one reference to 'auth', freeing it with the last. */
void
api_auth_unref(struct api_auth *auth)
{
    if (!auth || --auth->ref_cnt) {
        return;
    }
    for (size_t i = 0; i < auth->n_projects; i++) {
        free(auth->projects[i].name);
        svec_destroy(&auth->projects[i].ports);
    }
    free(auth->projects);
    for (size_t i = 0; i < auth->n_credentials; i++) {
        struct api_credential *c = &auth->credentials[i];
        free(c->access_key);
        free(c->secret);
        free(c->token);
        svec_destroy(&c->actions);
    }
    free(auth->credentials);
    free(auth);
}

/* Constant-time comparison for equal lengths. */
bool
api_auth_secure_equals(const char *a, const char *b)
{
    size_t len = strlen(a);
    return len == strlen(b) && !CRYPTO_memcmp(a, b, len);
}

/* Returns the credential with bearer token 'token'. */
const struct api_credential *
api_auth_find_token(const struct api_auth *auth, const char *token)
{
    const struct api_credential *found = NULL;
    for (size_t i = 0; i < auth->n_credentials; i++) {
        const struct api_credential *c = &auth->credentials[i];
        if (c->token && api_auth_secure_equals(c->token, token)) {
            found = c;
        }
    }
    return found;
}

/* Returns the credential with access key id 'access_key'. */
const struct api_credential *
api_auth_find_access_key(const struct api_auth *auth, const char *access_key)
{
    for (size_t i = 0; i < auth->n_credentials; i++) {
        const struct api_credential *c = &auth->credentials[i];
        if (c->access_key && !strcmp(c->access_key, access_key)) {
            return c;
        }
    }
    return NULL;
}

/* Returns true if one of 'cred''s action patterns matches 'action'. */
bool
api_auth_allows(const struct api_credential *cred, const char *action)
{
    const char *pattern;
    size_t i;
    SVEC_FOR_EACH (i, pattern, &cred->actions) {
        if (!fnmatch(pattern, action, FNM_CASEFOLD)) {
            return true;
        }
    }
    return false;
}

/* Returns true if 'project' may use port 'iface_id'. */
bool
api_project_may_use_port(const struct api_project *project,
                         const char *iface_id)
{
    const char *pattern;
    size_t i;
    SVEC_FOR_EACH (i, pattern, &project->ports) {
        if (!fnmatch(pattern, iface_id, 0)) {
            return true;
        }
    }
    return false;
}

/* Returns true if 'project' sees a row of 'row_project'. */
bool
api_project_sees(const struct api_project *project, const char *row_project)
{
    return project->admin || (row_project && !strcmp(row_project,
                                                     project->name));
}
