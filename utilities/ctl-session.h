/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_SESSION_H
#define TMIRROR_CTL_SESSION_H 1

/* tmirror-ctl's Session commands: session-add, session-set, session-del,
 * session-list, session-show (with the status that the chassis report)
 * (ctl-session.c). */

struct ctl_context;

/* "session-add SESSION SOURCE TARGET FILTER NUMBER [KEY=VALUE]...". */
void cmd_session_add(struct ctl_context *ctx);

/* "session-set SESSION KEY=VALUE...". */
void cmd_session_set(struct ctl_context *ctx);

/* "session-del SESSION". */
void cmd_session_del(struct ctl_context *ctx);

/* "session-list": a table of the sessions. */
void cmd_session_list(struct ctl_context *ctx);

/* "session-show SESSION". */
void cmd_session_show(struct ctl_context *ctx);

#endif /* utilities/ctl-session.h */
