/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_APPLY_ROWS_H
#define TMIRROR_CTL_APPLY_ROWS_H 1

/* The row-level half of "tmirror-ctl apply" (ctl-apply.c is the command):
 * each function makes the database row of one document object match it, in
 * the command's transaction, and records one change line per difference
 * ("create filter web", "update session s1: vni 7 -> 9").  Internal to
 * tmirror-ctl. */

#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"

struct ctl_context;
struct intent_doc;
struct intent_doc_filter;
struct intent_doc_session;
struct intent_doc_target;
struct tmrec_filter;
struct tmrec_session;
struct tmrec_target;

/* The state of one "apply". */
struct apply_ctx {
    struct ctl_context *ctx;
    const struct intent_doc *doc;
    bool prune;
    struct ds changes;          /* One line per change. */
    size_t n_changes;

    /* Rows as they were before this command, by name (also what sessions of
     * the document may refer to besides the document's own objects). */
    struct shash old_filters;   /* Contains "const struct tmrec_filter *". */
    struct shash old_targets;   /* Contains "const struct tmrec_target *". */
    struct shash old_sessions;  /* Contains "const struct tmrec_session *". */

    /* Rows of the document's objects, by name, once applied. */
    struct shash filters;       /* Contains "const struct tmrec_filter *". */
    struct shash targets;       /* Contains "const struct tmrec_target *". */
};

/* Records one change line in 'a'. */
void apply_change(struct apply_ctx *a, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3);

/* Make the row of the object named like 'f', 't' or 's' match it, creating
 * the row if 'a' has none of that name (in 'a->old_*'), and add it to
 * 'a->filters' or 'a->targets'.  A session's target and filter must have
 * been applied first; its VNI is left alone when 's' names none. */
void apply_filter(struct apply_ctx *a, const struct intent_doc_filter *f);
void apply_target(struct apply_ctx *a, const struct intent_doc_target *t);
const struct tmrec_session *apply_session(struct apply_ctx *a,
                                          const struct intent_doc_session *s);

/* Return the row of the target or filter named 'name' that a session of the
 * document refers to: the document's object once applied, else the
 * database's row of that name (from 'a->old_*'); NULL if there is none. */
const struct tmrec_target *apply_find_target(const struct apply_ctx *a,
                                             const char *name);
const struct tmrec_filter *apply_find_filter(const struct apply_ctx *a,
                                             const char *name);

/* Applies the document's TM_Global options and external_ids, those that it
 * has, creating the TM_Global row if needed. */
void apply_global(struct apply_ctx *a);

#endif /* utilities/ctl-apply-rows.h */
