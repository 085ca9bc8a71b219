/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The --credentials file (jansson; see api-auth.h and tmirror-api(8)):
 *
 *   {"projects": {"blue": {"ports": ["vm1", "web-*"]},
 *                 "ops":  {"ports": ["*"]}},
 *    "credentials": [{"access_key": "AKIDBLUE", "secret": "...",
 *                     "token": "...", "project": "blue",
 *                     "actions": ["ec2:*TrafficMirror*", "tmirror:*"]}]}
 *
 * Unknown keys are refused, so that a typo ("action") does not silently
 * grant or deny.  Like every jansson user in tmirror, this file includes no
 * OVS JSON header. */

#include <config.h>

#include "api-auth.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

/* Returns true if 's' is nonempty and has no control characters. */
static bool
is_printable(const char *s)
{
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (iscntrl((unsigned char) *s)) {
            return false;
        }
    }
    return true;
}

/* Refuses a key of 'obj' (at 'path') not in the NULL-terminated 'keys'. */
static char *
check_keys(json_t *obj, const char *path, const char *const keys[])
{
    const char *key;
    json_t *value;
    json_object_foreach (obj, key, value) {
        bool known = false;
        for (size_t i = 0; keys[i]; i++) {
            known = known || !strcmp(key, keys[i]);
        }
        if (!known) {
            return xasprintf("%s.%s: unknown key", path, key);
        }
    }
    return NULL;
}

/* Fetches the optional string member 'key' of 'obj' into '*out'. */
static char *
get_string(json_t *obj, const char *path, const char *key, char **out)
{
    json_t *value = json_object_get(obj, key);
    if (!value) {
        return NULL;
    }
    if (!json_is_string(value) || !is_printable(json_string_value(value))) {
        return xasprintf("%s.%s: expected a nonempty string without "
                         "control characters", path, key);
    }
    *out = xstrdup(json_string_value(value));
    return NULL;
}

/* Fetches the array of strings 'key' of 'obj' into 'out'; it must have at
 * least one element. */
static char *
get_strings(json_t *obj, const char *path, const char *key, struct svec *out)
{
    json_t *array = json_object_get(obj, key);
    if (!json_is_array(array) || !json_array_size(array)) {
        return xasprintf("%s.%s: expected a nonempty array of strings", path,
                         key);
    }
    for (size_t i = 0; i < json_array_size(array); i++) {
        json_t *s = json_array_get(array, i);
        if (!json_is_string(s) || !is_printable(json_string_value(s))) {
            return xasprintf("%s.%s[%"PRIuSIZE"]: expected a nonempty "
                             "string", path, key, i);
        }
        svec_add(out, json_string_value(s));
    }
    return NULL;
}

/* Parses "projects". */
static char *
parse_projects(json_t *root, struct api_auth *auth)
{
    static const char *const project_keys[] = { "ports", NULL };
    json_t *projects = json_object_get(root, "projects");
    if (!json_is_object(projects)) {
        return xstrdup("$.projects: expected an object of projects");
    }
    auth->projects = xcalloc(json_object_size(projects) + 1,
                             sizeof *auth->projects);

    const char *name;
    json_t *value;
    json_object_foreach (projects, name, value) {
        struct api_project *p = &auth->projects[auth->n_projects++];
        p->name = xstrdup(name);
        svec_init(&p->ports);
        char *path = xasprintf("$.projects.%s", name);
        char *error = NULL;
        if (!is_printable(name)) {
            error = xstrdup("$.projects: a project name must be nonempty "
                            "and printable");
        } else if (!json_is_object(value)) {
            error = xasprintf("%s: expected an object", path);
        } else {
            error = check_keys(value, path, project_keys);
            if (!error) {
                error = get_strings(value, path, "ports", &p->ports);
            }
        }
        free(path);
        if (error) {
            return error;
        }
        p->admin = svec_contains(&p->ports, "*");
    }
    return NULL;
}

/* Returns the project named 'name' in 'auth', or NULL. */
static const struct api_project *
find_project(const struct api_auth *auth, const char *name)
{
    for (size_t i = 0; i < auth->n_projects; i++) {
        if (!strcmp(auth->projects[i].name, name)) {
            return &auth->projects[i];
        }
    }
    return NULL;
}

/* Parses credential 'obj' at 'path' into 'c' (zeroed). */
static char *
parse_credential(json_t *obj, const char *path, const struct api_auth *auth,
                 struct api_credential *c)
{
    static const char *const credential_keys[] = {
        "access_key", "actions", "project", "secret", "token", NULL,
    };
    char *project = NULL;
    char *error;

    svec_init(&c->actions);
    if (!json_is_object(obj)) {
        return xasprintf("%s: expected an object", path);
    }
    if ((error = check_keys(obj, path, credential_keys))
        || (error = get_string(obj, path, "access_key", &c->access_key))
        || (error = get_string(obj, path, "secret", &c->secret))
        || (error = get_string(obj, path, "token", &c->token))
        || (error = get_string(obj, path, "project", &project))
        || (error = get_strings(obj, path, "actions", &c->actions))) {
        free(project);
        return error;
    }
    if (!project) {
        return xasprintf("%s.project: missing value", path);
    }
    c->project = find_project(auth, project);
    if (!c->project) {
        error = xasprintf("%s.project: \"%s\" is not one of $.projects",
                          path, project);
    } else if (!c->access_key != !c->secret) {
        error = xasprintf("%s.%s: missing value (access_key and secret go "
                          "together)", path,
                          c->access_key ? "secret" : "access_key");
    } else if (!c->access_key && !c->token) {
        error = xasprintf("%s: needs an access_key and secret, a token, or "
                          "both", path);
    } else if (c->token && strlen(c->token) < 16) {
        error = xasprintf("%s.token: too short (at least 16 characters)",
                          path);
    }
    free(project);
    return error;
}

/* Refuses a second credential with the same access key or token. */
static char *
check_unique(const struct api_auth *auth, size_t i)
{
    const struct api_credential *c = &auth->credentials[i];
    for (size_t j = 0; j < i; j++) {
        const struct api_credential *d = &auth->credentials[j];
        if (c->access_key && d->access_key
            && !strcmp(c->access_key, d->access_key)) {
            return xasprintf("$.credentials[%"PRIuSIZE"].access_key: %s is "
                             "already the access_key of $.credentials[%"
                             PRIuSIZE"]", i, c->access_key, j);
        }
        if (c->token && d->token && !strcmp(c->token, d->token)) {
            return xasprintf("$.credentials[%"PRIuSIZE"].token: the same "
                             "token as $.credentials[%"PRIuSIZE"]", i, j);
        }
    }
    return NULL;
}

/* Parses "credentials". */
static char *
parse_credentials(json_t *root, struct api_auth *auth)
{
    json_t *array = json_object_get(root, "credentials");
    if (!json_is_array(array)) {
        return xstrdup("$.credentials: expected an array of credentials");
    }
    size_t n = json_array_size(array);
    auth->credentials = xcalloc(n + 1, sizeof *auth->credentials);
    for (size_t i = 0; i < n; i++) {
        char *path = xasprintf("$.credentials[%"PRIuSIZE"]", i);
        char *error = parse_credential(json_array_get(array, i), path, auth,
                                       &auth->credentials[i]);
        auth->n_credentials++;
        free(path);
        if (!error) {
            error = check_unique(auth, i);
        }
        if (error) {
            return error;
        }
    }
    return NULL;
}

/* Parses the text of a credentials file. */
char *
api_auth_parse(const char *text, struct api_auth **authp)
{
    static const char *const root_keys[] = {
        "credentials", "projects", NULL,
    };
    json_error_t jerr;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        return xasprintf("JSON syntax error at line %d, column %d: %s",
                         jerr.line, jerr.column, jerr.text);
    }

    struct api_auth *auth = api_auth_create_empty();
    char *error = NULL;
    if (!json_is_object(root)) {
        error = xstrdup("$: expected an object");
    }
    if (!error) {
        error = check_keys(root, "$", root_keys);
    }
    if (!error) {
        error = parse_projects(root, auth);
    }
    if (!error) {
        error = parse_credentials(root, auth);
    }
    json_decref(root);
    if (error) {
        api_auth_unref(auth);
        return error;
    }
    *authp = auth;
    return NULL;
}

/* Reads and parses the credentials file 'file_name'. */
char *
api_auth_load(const char *file_name, struct api_auth **authp)
{
    FILE *file = fopen(file_name, "r");
    if (!file) {
        return xasprintf("%s: %s", file_name, ovs_strerror(errno));
    }
    struct ds text = DS_EMPTY_INITIALIZER;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, file)) > 0) {
        ds_put_buffer(&text, buf, n);
    }
    fclose(file);

    char *error = api_auth_parse(ds_cstr(&text), authp);
    ds_destroy(&text);
    if (error) {
        char *msg = xasprintf("%s: %s", file_name, error);
        free(error);
        return msg;
    }
    return NULL;
}
