/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_PLAN_PRIVATE_H
#define TMIRROR_PLAN_PRIVATE_H 1

/* What mirror-plan.c shares with the two files of the plan that it calls:
 * plan-vswitch.c (the requests made of vswitch-sync) and plan-resolve.c
 * (each session's resolution with their answers). */

#include "controller/mirror-plan.h"

struct plan_inputs;

/* plan-vswitch.c. */
int compare_stage_order(const void *a, const void *b);
void plan_clear_choices(struct mirror_plan *);
void plan_free_answered(struct mirror_plan *);
bool plan_refresh_vswitch(struct mirror_plan *, const struct plan_inputs *,
                          bool force);

/* plan-resolve.c. */
void ps_set(struct plan_session *, enum plan_state, char *message);
void ps_resolve(struct plan_session *, const struct mirror_plan *,
                const struct plan_inputs *);

/* mirror-plan.c. */
void ps_unresolve(struct plan_session *);

#endif /* plan-private.h */
