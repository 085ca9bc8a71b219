/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_API_FORM_H
#define TMIRROR_API_FORM_H 1

/* application/x-www-form-urlencoded text (EC2 Query bodies, URL query
 * strings): "k1=v1&k2=v2", '+' for space, %XX escapes. */

#include <stddef.h>

struct smap;

/* Decodes 'n' bytes at 's'.  Returns a malloc()'d string, or NULL if it
 * would contain a NUL byte. */
char *api_form_decode(const char *s, size_t n);

/* Parses 'text' into 'params'.  Returns NULL, or a malloc()'d message for
 * a parameter given twice, an empty name, or a decoded NUL byte. */
char *api_form_parse(const char *text, struct smap *params);

#endif /* api/api-form.h */
