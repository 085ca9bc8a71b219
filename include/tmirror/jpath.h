/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_JPATH_H
#define TMIRROR_JPATH_H 1

/* Typed access to the members of a jansson object, for readers of JSON
 * documents that must name the offending value in every error.
 *
 * A path is JSONPath-like text for a value: "$" for the root,
 * "$.filters[0].name", "$.options[\"odd key\"]".  Every function that can
 * fail returns NULL on success or a malloc()'d message that starts with the
 * path of the value at fault, e.g. "$.sessions[1].vni: expected an integer,
 * got \"7\""; the caller frees it.
 *
 * This header includes <jansson.h>: a file that includes it must not see
 * OVS's openvswitch/json.h (README, Decisions, "jansson and
 * libopenvswitch"). */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct smap;

/* Paths, malloc()'d: member 'key' of the object at 'parent' ("$.a.key", or
 * "$.a[\"odd key\"]" when 'key' is not made of letters, digits, '_' and
 * '-'), element 'i' of the array at 'parent' ("$.a[3]"). */
char *jpath_key(const char *parent, const char *key);
char *jpath_index(const char *parent, size_t i);

/* 'value' as compact JSON for a message, shortened past 40 bytes. */
char *jpath_describe(const json_t *value);

/* Messages: "PATH: expected EXPECTED, got VALUE"; "PATH: MSG" (frees
 * 'msg').  jpath_type_error() adds "(write numbers without quotes)" when
 * 'value' is a string that holds a decimal integer, and the like for
 * "true" and "false". */
char *jpath_type_error(const char *path, const char *expected,
                       const json_t *value);

/* Returns true if 'value' is a string that holds a decimal integer ("7",
 * "-3"), the form of a number that a document must not use. */
bool jpath_is_quoted_integer(const json_t *value);

/* Returns the path of the value or key that ends at byte 'offset' of the
 * JSON text 'text' (which must be valid JSON up to there), e.g. where
 * jansson stopped with a duplicate key or a number too large: "$" for the
 * root, "$.sessions[2].vni" inside.  The caller frees it. */
char *jpath_at_offset(const char *text, size_t offset);
char *jpath_prefix(const char *path, char *msg);

/* Checks that 'value' (at 'path') is an object. */
char *jpath_check_object(const json_t *value, const char *path);

/* Refuses a key of object 'obj' (at 'path') that is not in the
 * NULL-terminated list 'keys'; names the smallest such key and lists
 * 'keys'. */
char *jpath_check_keys(const json_t *obj, const char *path,
                       const char *const keys[]);

/* Whether a string member must be there and may be empty. */
enum jpath_string_kind {
    JPATH_OPTIONAL,             /* May be absent; may be "". */
    JPATH_NONEMPTY,             /* May be absent; if present, not "". */
    JPATH_REQUIRED,             /* Must be present and not "". */
};

/* Members 'key' of object 'obj' (at 'path'):
 *
 *   - jpath_get_string(): a string, into '*out' (replacing and freeing its
 *     value), present and non-empty as 'kind' says; an absent one leaves
 *     '*out' alone.
 *   - jpath_get_int(): an integer within 'min'..'max'; '*has' says whether
 *     it is present, '*out' gets its value.
 *   - jpath_get_bool(): true or false, into '*out' if present.
 *   - jpath_get_smap(): an object of strings, added to 'out'; '*has' (if
 *     nonnull) says whether it is present.
 *   - jpath_get_array(): an array, into '*out' (NULL if absent).
 *
 * A value of another JSON type is refused, null included (leaving a member
 * out is the way to leave it unset); a number written as a string ("7") or
 * a boolean written as one ("true") gets a hint to drop the quotes. */
char *jpath_get_string(const json_t *obj, const char *path, const char *key,
                       enum jpath_string_kind kind, char **out);
char *jpath_get_int(const json_t *obj, const char *path, const char *key,
                    bool required, int64_t min, int64_t max, bool *has,
                    int64_t *out);
char *jpath_get_bool(const json_t *obj, const char *path, const char *key,
                     bool *out);
char *jpath_get_smap(const json_t *obj, const char *path, const char *key,
                     bool *has, struct smap *out);
char *jpath_get_array(const json_t *obj, const char *path, const char *key,
                      const json_t **out);

#endif /* tmirror/jpath.h */
