/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CONTROLLER_COMMANDS_H
#define TMIRROR_CONTROLLER_COMMANDS_H 1

/* tmirror-controller's unixctl commands:
 *
 *   tmirror/show            the chassis, its connections, capacity, sessions
 *   tmirror/show-flows      the desired flows, in ovs-ofctl syntax
 *   session/list            one line per session: name, state, message
 *   recompute               a full recompute, a dump and new verifications
 *   inc-engine/show-stats   what each engine node did and why
 *   inc-engine/clear-stats
 *   inc-engine/check        the incremental state against a full recompute
 *   exit [--cleanup]
 *
 * plus OVS's own (vlog/..., coverage/show, memory/show, version). */

struct controller;

void controller_commands_register(struct controller *);

#endif /* controller-commands.h */
