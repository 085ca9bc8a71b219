/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_API_IDS_H
#define TMIRROR_API_IDS_H 1

/* Resource ids in AWS's forms: "tmf-" (filter), "tmfr-" (filter rule),
 * "tmt-" (target) and "tms-" (session), followed by the 32 lowercase hex
 * digits of the row's UUID.  An id is therefore stable for the life of the
 * row, needs no state of its own, and maps back to the row in O(1). */

#include <stdbool.h>

#include "uuid.h"

enum api_kind {
    API_FILTER,
    API_RULE,
    API_TARGET,
    API_SESSION,
};

#define API_ID_LEN (5 + 32)     /* Longest prefix "tmfr-" + 32 digits. */

/* Writes the id of the row 'uuid' of kind 'kind' into 'buf'. */
void api_id_format(enum api_kind kind, const struct uuid *uuid,
                   char buf[API_ID_LEN + 1]);

/* Parses 's' as an id of kind 'kind'.  Returns true and sets '*uuid' if it
 * is one. */
bool api_id_parse(enum api_kind kind, const char *s, struct uuid *uuid);

/* Returns the prefix of 'kind', e.g. "tmf-". */
const char *api_id_prefix(enum api_kind kind);

/* Returns the singular name of 'kind', e.g. "filter". */
const char *api_kind_name(enum api_kind kind);

#endif /* api/api-ids.h */
