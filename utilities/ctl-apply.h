/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_APPLY_H
#define TMIRROR_CTL_APPLY_H 1

/* tmirror-ctl "apply FILE [--dry-run] [--prune]": makes the database match a
 * JSON document (ctl-apply.c). */

/* Registers "apply" with db-ctl-base. */
void ctl_apply_register_commands(void);

#endif /* utilities/ctl-apply.h */
