/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_TARGET_H
#define TMIRROR_CTL_TARGET_H 1

/* tmirror-ctl's Target commands: target-add, target-del, target-list
 * (ctl-target.c). */

struct ctl_context;

/* "target-add TARGET port IFACE-ID" or "target-add TARGET ip ADDR[,ADDR...]
 * [KEY=VALUE]...". */
void cmd_target_add(struct ctl_context *ctx);

/* "target-del TARGET". */
void cmd_target_del(struct ctl_context *ctx);

/* "target-list": a table of the targets. */
void cmd_target_list(struct ctl_context *ctx);

#endif /* utilities/ctl-target.h */
