/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_RULE_H
#define TMIRROR_CTL_RULE_H 1

/* tmirror-ctl's commands on the rules of a Filter: rule-add, rule-del,
 * rule-list (ctl-rule.c). */

struct ctl_context;

/* "rule-add FILTER DIRECTION NUMBER ACTION [KEY=VALUE]...". */
void cmd_rule_add(struct ctl_context *ctx);

/* "rule-del FILTER DIRECTION NUMBER". */
void cmd_rule_del(struct ctl_context *ctx);

/* "rule-list FILTER": a table of the rules in evaluation order. */
void cmd_rule_list(struct ctl_context *ctx);

#endif /* utilities/ctl-rule.h */
