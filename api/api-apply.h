/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_API_APPLY_H
#define TMIRROR_API_APPLY_H 1

/* PUT /v1/config: making a project's rows match an export document, in the
 * call's transaction, with the semantics of "tmirror-ctl apply": objects
 * matched by name and set to exactly what the document says, sessions
 * last, a VNI picked for a new session that names none. */

#include <stdbool.h>

struct api_call;
struct intent_doc;
struct svec;

/* Makes the database match 'doc' for the call's project, adding one line
 * per change to 'changes' ("create filter web", "update session s1", ...).
 * With 'prune', deletes the project's filters, targets and sessions that
 * 'doc' does not name.  Returns false if it replied with an error. */
bool api_db_apply(struct api_call *, const struct intent_doc *doc,
                  bool prune, struct svec *changes);

#endif /* api/api-apply.h */
