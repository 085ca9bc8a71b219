/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/revalidate.h"

#include <stdlib.h>

#include "controller/vswitchd-client.h"
#include "coverage.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(revalidate);

COVERAGE_DEFINE(revalidate_wait);

#define REVALIDATE_TIMEOUT 5000     /* A wait that long is given up. */
#define REVALIDATE_GRACE 2000       /* Without ovs-vswitchd's unixctl. */

struct revalidate {
    struct vswitchd_client *vc;
    uint64_t requested;             /* Changes requested so far. */
    uint64_t done;                  /* Revalidated up to this one. */
    uint64_t in_flight_for;         /* 'requested' when the wait began. */
    int step;                       /* 0: idle, 1 or 2: which wait. */
    unsigned int handle;
    long long int sent;
    long long int requested_at;     /* When 'done' fell behind. */
    uint64_t n_waits;
};

/* Creates a waiter using 'vc' (not owned). */
struct revalidate *
revalidate_create(struct vswitchd_client *vc)
{
    struct revalidate *r = xzalloc(sizeof *r);
    r->vc = vc;
    return r;
}

/* Frees 'r'. */
void
revalidate_destroy(struct revalidate *r)
{
    if (r) {
        if (r->step) {
            vswitchd_client_cancel(r->vc, r->handle);
        }
        free(r);
    }
}

/* Records that a change needs revalidation. */
void
revalidate_request(struct revalidate *r)
{
    if (r->done == r->requested) {
        r->requested_at = time_msec();
    }
    r->requested++;
    poll_immediate_wake();
}

/* True if every requested change has been revalidated. */
bool
revalidate_is_done(const struct revalidate *r)
{
    return r->done >= r->requested;
}

/* Sends wait number 'step'. */
static void
revalidate_send(struct revalidate *r, int step)
{
    r->handle = vswitchd_client_send(r->vc, "revalidator/wait", NULL, 0);
    if (r->handle) {
        COVERAGE_INC(revalidate_wait);
        r->step = step;
        r->sent = time_msec();
    } else {
        r->step = 0;
    }
}

/* Marks the changes up to the one the current wait began for as done. */
static void
revalidate_finish(struct revalidate *r)
{
    r->done = MAX(r->done, r->in_flight_for);
    r->step = 0;
    r->n_waits++;
    if (r->done < r->requested) {
        r->requested_at = time_msec();
    }
}

/* Runs the waits. */
void
revalidate_run(struct revalidate *r)
{
    if (r->step) {
        char *text;
        enum vswitchd_reply_status status = vswitchd_client_poll(r->vc,
                                                                 r->handle,
                                                                 &text);
        if (status == VSWITCHD_REPLY_PENDING) {
            if (time_msec() - r->sent >= REVALIDATE_TIMEOUT) {
                static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
                VLOG_WARN_RL(&rl, "ovs-vswitchd did not finish revalidating "
                             "within %d ms", REVALIDATE_TIMEOUT);
                vswitchd_client_cancel(r->vc, r->handle);
                revalidate_finish(r);
            }
        } else if (status == VSWITCHD_REPLY_OK && r->step == 1) {
            revalidate_send(r, 2);
        } else if (status == VSWITCHD_REPLY_LOST) {
            r->step = 0;            /* Again, on the next connection. */
        } else {
            /* Done, or an error such as "can't wait on multiple udpifs":
             * nothing better can be done. */
            revalidate_finish(r);
        }
        free(text);
    }
    if (!r->step && r->done < r->requested) {
        if (vswitchd_client_is_connected(r->vc)) {
            r->in_flight_for = r->requested;
            revalidate_send(r, 1);
        } else if (time_msec() - r->requested_at >= REVALIDATE_GRACE) {
            r->in_flight_for = r->requested;
            revalidate_finish(r);
        }
    }
}

/* Arranges for poll_block() to wake when there is something to do. */
void
revalidate_wait(struct revalidate *r)
{
    if (r->step) {
        poll_timer_wait_until(r->sent + REVALIDATE_TIMEOUT);
    } else if (r->done < r->requested) {
        poll_timer_wait_until(r->requested_at + REVALIDATE_GRACE);
    }
}

/* Returns the number of completed waits. */
uint64_t
revalidate_n_waits(const struct revalidate *r)
{
    return r->n_waits;
}
