/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/revalidate.h"

#include <stdlib.h>

#include "controller/ofctrl.h"
#include "controller/vswitchd-client.h"
#include "coverage.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(revalidate);

COVERAGE_DEFINE(revalidate_wait);
COVERAGE_DEFINE(revalidate_nudge);

#define REVALIDATE_TIMEOUT 5000     /* A wait that long is given up. */
#define REVALIDATE_GRACE 2000       /* Without ovs-vswitchd's unixctl. */
#define REVALIDATE_RENUDGE 20       /* A wait still open nudges again. */

/* Where a revalidation stands. */
enum revalidate_step {
    STEP_IDLE,
    STEP_FIRST,                     /* The first wait is in flight. */
    STEP_SECOND,                    /* The second wait is in flight. */
};

struct revalidate {
    struct vswitchd_client *vc;
    struct ofctrl *ofctrl;
    uint64_t requested;             /* Changes requested so far. */
    uint64_t done;                  /* Revalidated up to this one. */
    uint64_t in_flight_for;         /* 'requested' when the wait began. */
    enum revalidate_step step;
    unsigned int handle;            /* Of the wait in flight. */
    uint64_t nudge_wanted;          /* ofctrl nudge seqno of its nudge. */
    long long int sent;             /* When the current step began. */
    long long int nudged;           /* When its last nudge was asked. */
    long long int requested_at;     /* When 'done' fell behind. */
    uint64_t n_waits;
};

/* Creates a waiter using 'vc' and 'ofctrl' (neither owned). */
struct revalidate *
revalidate_create(struct vswitchd_client *vc, struct ofctrl *ofctrl)
{
    struct revalidate *r = xzalloc(sizeof *r);
    r->vc = vc;
    r->ofctrl = ofctrl;
    return r;
}

/* Frees 'r'. */
void
revalidate_destroy(struct revalidate *r)
{
    if (r) {
        if (r->step == STEP_FIRST || r->step == STEP_SECOND) {
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

/* Asks ofctrl for a nudge for the wait in flight. */
static void
revalidate_nudge(struct revalidate *r)
{
    COVERAGE_INC(revalidate_nudge);
    ofctrl_request_nudge(r->ofctrl);
    r->nudge_wanted = ofctrl_get_nudge_seqno(r->ofctrl) + 1;
    r->nudged = time_msec();
    poll_immediate_wake();          /* For ofctrl to send the nudge. */
}

/* Sends the wait of 'step', then asks ofctrl for a nudge (an owned flow
 * modified to itself): the pass of the revalidators that the nudge starts
 * ends the wait, which is registered by then.  Without the nudge, a change
 * whose pass ended before the wait arrived (a pass over few datapath flows
 * takes well under a millisecond) would leave the wait to the
 * revalidators' timer (other_config:max-revalidator, 500 ms). */
static void
revalidate_send(struct revalidate *r, enum revalidate_step step)
{
    r->handle = vswitchd_client_send(r->vc, "revalidator/wait", NULL, 0);
    if (r->handle) {
        COVERAGE_INC(revalidate_wait);
        r->step = step;
        r->sent = time_msec();
        revalidate_nudge(r);
    } else {
        r->step = STEP_IDLE;
    }
}

/* Marks the changes up to the one the current wait began for as done. */
static void
revalidate_finish(struct revalidate *r)
{
    r->done = MAX(r->done, r->in_flight_for);
    r->step = STEP_IDLE;
    r->n_waits++;
    if (r->done < r->requested) {
        r->requested_at = time_msec();
    }
}

/* Runs the step in flight. */
static void
revalidate_run_step(struct revalidate *r)
{
    if (r->step != STEP_IDLE
        && ofctrl_get_nudge_seqno(r->ofctrl) < r->nudge_wanted
        && time_msec() - r->sent < REVALIDATE_TIMEOUT) {
        /* A step ends only once its nudge is committed too, so that a
         * revalidated configuration leaves ofctrl idle.  (ofctrl counts a
         * nudge with nothing installed to nudge as committed; one lost
         * with the connection ends at the timeout.) */
        return;
    }
    if (r->step != STEP_IDLE) {
        char *text;
        enum vswitchd_reply_status status = vswitchd_client_poll(r->vc,
                                                                 r->handle,
                                                                 &text);
        if (status == VSWITCHD_REPLY_PENDING) {
            if (time_msec() - r->nudged >= REVALIDATE_RENUDGE
                && time_msec() - r->sent < REVALIDATE_TIMEOUT) {
                /* The nudge's pass may have ended before ovs-vswitchd
                 * read the wait (it accepts the connection and reads the
                 * request in separate passes): another one ends it. */
                revalidate_nudge(r);
            } else if (time_msec() - r->sent >= REVALIDATE_TIMEOUT) {
                static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
                VLOG_WARN_RL(&rl, "ovs-vswitchd did not finish revalidating "
                             "within %d ms", REVALIDATE_TIMEOUT);
                vswitchd_client_cancel(r->vc, r->handle);
                revalidate_finish(r);
            }
        } else if (status == VSWITCHD_REPLY_OK && r->step == STEP_FIRST) {
            revalidate_send(r, STEP_SECOND);
        } else if (status == VSWITCHD_REPLY_LOST) {
            r->step = STEP_IDLE;    /* Again, on the next connection. */
        } else {
            /* Done, or an error such as "can't wait on multiple udpifs":
             * nothing better can be done. */
            revalidate_finish(r);
        }
        free(text);
    }
}

/* Runs the waits. */
void
revalidate_run(struct revalidate *r)
{
    revalidate_run_step(r);
    if (r->step == STEP_IDLE && r->done < r->requested) {
        if (vswitchd_client_is_connected(r->vc)) {
            r->in_flight_for = r->requested;
            revalidate_send(r, STEP_FIRST);
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
    if (r->step != STEP_IDLE) {
        poll_timer_wait_until(MIN(r->sent + REVALIDATE_TIMEOUT,
                                  r->nudged + REVALIDATE_RENUDGE));
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
