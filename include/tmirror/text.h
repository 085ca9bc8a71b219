/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_TEXT_H
#define TMIRROR_TEXT_H 1

/* What the strings of the intent may hold, shared by every door into the
 * database (tmirror-ctl's commands, its generic commands and apply, the
 * HTTP API) and by tmirror-controller.
 *
 *   - A name (of a filter, target or session) is 1 to 255 ASCII letters,
 *     digits, '-', '_', '.' and ':', starting with a letter or a digit: it
 *     is typed in shells, printed in one word by "show", and used in URLs.
 *   - An iface-id (a session's source, a port target's port) is 1 to 255
 *     bytes of UTF-8 without spaces or control characters: it is written by
 *     other software (Nova, libvirt) and must only print on one line, as
 *     one word.
 *   - A description is at most 255 characters of UTF-8 (as in AWS) on one
 *     line: no control character (U+0000 to U+001F, U+007F to U+009F), no
 *     line or paragraph separator (U+2028, U+2029) and no bidirectional
 *     control (U+202A to U+202E, U+2066 to U+2069), which would make the
 *     text display differently from what it is.
 *   - Any other string (external_ids, options) is valid UTF-8, as OVSDB
 *     itself requires.
 *
 * Each check returns NULL or a malloc()'d message that names 'field' and
 * shows the value escaped (see tm_text_escape()), for example
 * 'name: "web\xff" is not valid UTF-8'. */

#include <stdbool.h>
#include <stddef.h>

struct smap;

#define TM_NAME_MAX_LEN 255         /* Bytes (ASCII). */
#define TM_IFACE_ID_MAX_LEN 255     /* Bytes. */
#define TM_DESCRIPTION_MAX_LEN 255  /* Characters. */

char *tm_check_name(const char *field, const char *s);
char *tm_check_iface_id(const char *field, const char *s);
char *tm_check_description(const char *field, const char *s);
char *tm_check_utf8(const char *field, const char *s);

/* Checks that every key and value of 'map' is valid UTF-8; the message names
 * "field:KEY" (or just 'field' for a bad key). */
char *tm_check_smap_utf8(const char *field, const struct smap *map);

/* Returns true if 's' is a valid name (see above). */
bool tm_is_valid_name(const char *s);

/* Returns true if 's' prints as it is, on one line: valid UTF-8 without any
 * of the characters that a description may not hold (of any length). */
bool tm_text_is_printable(const char *s);

/* Returns 's' in double quotes, as a malloc()'d string, with '"' and '\'
 * escaped, \n, \r and \t for those characters, \xHH for a byte that is not
 * part of valid UTF-8, and \uXXXX for the other characters that the rules
 * above refuse in a description; other characters as they are. */
char *tm_text_escape(const char *s);

#endif /* tmirror/text.h */
