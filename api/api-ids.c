/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "api-ids.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

/* Returns the prefix of 'kind'. */
const char *
api_id_prefix(enum api_kind kind)
{
    switch (kind) {
    case API_FILTER: return "tmf-";
    case API_RULE: return "tmfr-";
    case API_TARGET: return "tmt-";
    case API_SESSION: return "tms-";
    }
    OVS_NOT_REACHED();
}

/* Returns the name of 'kind'. */
const char *
api_kind_name(enum api_kind kind)
{
    switch (kind) {
    case API_FILTER: return "filter";
    case API_RULE: return "rule";
    case API_TARGET: return "target";
    case API_SESSION: return "session";
    }
    OVS_NOT_REACHED();
}

/* Formats the id of 'uuid'. */
void
api_id_format(enum api_kind kind, const struct uuid *uuid,
              char buf[API_ID_LEN + 1])
{
    snprintf(buf, API_ID_LEN + 1, "%s%08x%08x%08x%08x", api_id_prefix(kind),
             uuid->parts[0], uuid->parts[1], uuid->parts[2],
             uuid->parts[3]);
}

/* Parses an id of kind 'kind'. */
bool
api_id_parse(enum api_kind kind, const char *s, struct uuid *uuid)
{
    const char *prefix = api_id_prefix(kind);
    size_t len = strlen(prefix);
    if (strncmp(s, prefix, len) || strlen(s + len) != 32) {
        return false;
    }
    s += len;
    for (int i = 0; i < 4; i++) {
        unsigned int part = 0;
        for (int j = 0; j < 8; j++) {
            int c = s[i * 8 + j];
            int v = (c >= '0' && c <= '9' ? c - '0'
                     : c >= 'a' && c <= 'f' ? c - 'a' + 10
                     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1);
            if (v < 0) {
                return false;
            }
            part = part * 16 + v;
        }
        uuid->parts[i] = part;
    }
    return true;
}
