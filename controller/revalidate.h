/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_REVALIDATE_H
#define TMIRROR_REVALIDATE_H 1

/* Waiting for ovs-vswitchd's revalidators.
 *
 * A change to flows or Mirror rows reaches the packets of connections that
 * are already flowing only once ovs-vswitchd has revalidated the datapath
 * flows that cache the old decision (and OVS 3.1 does not even start that
 * for a Mirror row change alone: ofctrl's nudge does).  So before a
 * chassis reports a configuration as in its datapath, it asks ovs-vswitchd
 * "revalidator/wait" twice, through its unixctl server (the first may end a
 * pass that began before the change), each followed by an ofctrl nudge
 * that makes the revalidators start a pass at once instead of at their
 * timer (other_config:max-revalidator, 500 ms), and by another every 20 ms
 * while the wait is open (the first nudge's pass may end before
 * ovs-vswitchd has read the wait). */

#include <stdbool.h>
#include <stdint.h>

struct ofctrl;
struct revalidate;
struct vswitchd_client;

struct revalidate *revalidate_create(struct vswitchd_client *,
                                     struct ofctrl *);
void revalidate_destroy(struct revalidate *);

/* Says that a change was made to the datapath's configuration: the next
 * revalidate_is_done() is false until ovs-vswitchd has revalidated. */
void revalidate_request(struct revalidate *);

/* True if every change requested so far has been revalidated (or could not
 * be waited for: ovs-vswitchd's unixctl server unreachable, or several
 * datapaths). */
bool revalidate_is_done(const struct revalidate *);

void revalidate_run(struct revalidate *);
void revalidate_wait(struct revalidate *);

/* Number of waits completed, for tmirror/show. */
uint64_t revalidate_n_waits(const struct revalidate *);

#endif /* revalidate.h */
