/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_FILTER_H
#define TMIRROR_CTL_FILTER_H 1

/* tmirror-ctl's Filter commands: filter-add, filter-del, filter-list,
 * filter-show (ctl-filter.c). */

struct ctl_context;

/* "filter-add FILTER [description=TEXT]". */
void cmd_filter_add(struct ctl_context *ctx);

/* "filter-del FILTER". */
void cmd_filter_del(struct ctl_context *ctx);

/* "filter-list": a table of the filters. */
void cmd_filter_list(struct ctl_context *ctx);

/* "filter-show FILTER": the filter, its rules and the sessions using it. */
void cmd_filter_show(struct ctl_context *ctx);

#endif /* utilities/ctl-filter.h */
