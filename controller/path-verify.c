/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/path-verify.h"

#include <stdlib.h>
#include <string.h>

#include "controller/vswitchd-client.h"
#include "coverage.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(path_verify);

COVERAGE_DEFINE(path_verify_trace);
COVERAGE_DEFINE(path_verify_changed);

#define PV_DEFAULT_INTERVAL 10000   /* Settled paths: verified again. */
#define PV_PENDING_INTERVAL 1000    /* PV_PENDING paths: checked again. */
#define PV_FAIL_FIRST_RETRY 1000    /* PV_FAIL paths: first retry, then
                                     * doubling up to the interval. */
#define PV_REPLY_TIMEOUT 5000       /* A request without reply is given up. */
#define PV_GRACE 2000               /* How long a new path may stay
                                     * PV_VERIFYING without ovs-vswitchd. */
#define PV_MAX_IN_FLIGHT 16

/* What a path is doing. */
enum pv_step {
    PV_IDLE,                    /* Waiting for 'next_check'. */
    PV_TRACING,                 /* ofproto/trace-packet-out sent. */
    PV_ROUTING,                 /* ovs/route/lookup sent. */
};

struct pv_path {
    struct hmap_node hmap_node; /* In 'paths', by hash of the key. */
    char *bridge;
    char *actions;
    char *tun_dst;              /* NULL if not a tunnel. */
    char *local_ip;             /* NULL if none. */
    bool wanted;

    enum pv_state state;
    char *message;              /* "" when PV_OK. */
    bool stale;                 /* The verdict may be out of date: a new one
                                 * is needed before the path is settled. */
    long long int stale_since;  /* Since when a verdict is needed. */
    long long int next_check;
    long long int fail_delay;   /* Until a failing path is traced again;
                                 * doubles up to the interval. */

    enum pv_step step;
    unsigned int handle;        /* Request in flight. */
    long long int sent;
    bool routing_failed;        /* From the trace, for PV_ROUTING. */
};

struct path_verify {
    struct vswitchd_client *vc;
    struct hmap paths;          /* Contains "struct pv_path"s. */
    bool ready;                 /* ovs-vswitchd has applied the current
                                 * configuration: traces show it. */
    long long int interval;
    size_t n_in_flight;
    unsigned int vc_seqno;      /* vswitchd_client_get_seqno() seen. */
    uint64_t n_traces;
    uint64_t n_changes;
};

/* Creates a verifier using 'vc' (which the caller keeps owning). */
struct path_verify *
path_verify_create(struct vswitchd_client *vc)
{
    struct path_verify *pv = xzalloc(sizeof *pv);
    pv->vc = vc;
    pv->interval = PV_DEFAULT_INTERVAL;
    hmap_init(&pv->paths);
    return pv;
}

/* Frees one path, cancelling its request. */
static void
pv_path_free(struct path_verify *pv, struct pv_path *p)
{
    if (p->step != PV_IDLE) {
        vswitchd_client_cancel(pv->vc, p->handle);
        pv->n_in_flight--;
    }
    free(p->bridge);
    free(p->actions);
    free(p->tun_dst);
    free(p->local_ip);
    free(p->message);
    free(p);
}

/* Frees 'pv' and its paths (not the vswitchd client). */
void
path_verify_destroy(struct path_verify *pv)
{
    if (!pv) {
        return;
    }
    struct pv_path *p;
    HMAP_FOR_EACH_POP (p, hmap_node, &pv->paths) {
        pv_path_free(pv, p);
    }
    hmap_destroy(&pv->paths);
    free(pv);
}

/* Sets the re-verification interval of settled paths. */
void
path_verify_set_interval(struct path_verify *pv, long long int ms)
{
    pv->interval = MAX(ms, 1000);
}

/* Returns the hash of a path's key. */
static uint32_t
pv_hash(const char *bridge, const char *actions)
{
    return hash_string(actions, hash_string(bridge, 0));
}

/* Returns the path with this key, or NULL. */
static struct pv_path *
pv_find(const struct path_verify *pv, const char *bridge,
        const char *actions)
{
    struct pv_path *p;
    HMAP_FOR_EACH_WITH_HASH (p, hmap_node, pv_hash(bridge, actions),
                             &pv->paths) {
        if (!strcmp(p->bridge, bridge) && !strcmp(p->actions, actions)) {
            return p;
        }
    }
    return NULL;
}

/* Marks 'p''s verdict as possibly out of date: it is checked again (after a
 * request in flight, which might predate the change, is dropped) before the
 * path counts as settled. */
static void
pv_make_stale(struct path_verify *pv, struct pv_path *p)
{
    if (p->step != PV_IDLE) {
        vswitchd_client_cancel(pv->vc, p->handle);
        pv->n_in_flight--;
        p->step = PV_IDLE;
    }
    if (!p->stale) {
        p->stale = true;
        p->stale_since = time_msec();
    }
    p->next_check = LLONG_MIN;
    poll_immediate_wake();
}

/* Marks every verdict as possibly out of date (the Open_vSwitch side
 * changed, e.g. a tunnel port was re-created). */
void
path_verify_invalidate(struct path_verify *pv)
{
    struct pv_path *p;
    HMAP_FOR_EACH (p, hmap_node, &pv->paths) {
        pv_make_stale(pv, p);
    }
}

/* Says whether ovs-vswitchd has applied the configuration that the paths
 * depend on; traces are sent only then. */
void
path_verify_set_ready(struct path_verify *pv, bool ready)
{
    if (ready != pv->ready) {
        pv->ready = ready;
        if (ready) {
            poll_immediate_wake();
        }
    }
}

/* Starts a new declaration of the wanted paths. */
void
path_verify_begin(struct path_verify *pv)
{
    struct pv_path *p;
    HMAP_FOR_EACH (p, hmap_node, &pv->paths) {
        p->wanted = false;
    }
}

/* Wants one path.  See path-verify.h. */
void
path_verify_want(struct path_verify *pv, const char *bridge,
                 const char *actions, const char *tun_dst,
                 const char *local_ip)
{
    struct pv_path *p = pv_find(pv, bridge, actions);
    if (!p) {
        p = xzalloc(sizeof *p);
        p->bridge = xstrdup(bridge);
        p->actions = xstrdup(actions);
        p->tun_dst = nullable_xstrdup(tun_dst);
        p->state = PV_VERIFYING;
        p->message = xstrdup("verifying that copies can leave");
        p->stale = true;
        p->stale_since = time_msec();
        p->next_check = LLONG_MIN;
        hmap_insert(&pv->paths, &p->hmap_node, pv_hash(bridge, actions));
        poll_immediate_wake();
    }
    if (!nullable_string_is_equal(p->local_ip, local_ip)) {
        free(p->local_ip);
        p->local_ip = nullable_xstrdup(local_ip);
        pv_make_stale(pv, p);           /* Routing may differ now. */
    }
    p->wanted = true;
}

/* Forgets the paths that were not wanted since path_verify_begin(). */
void
path_verify_end(struct path_verify *pv)
{
    struct pv_path *p;
    HMAP_FOR_EACH_SAFE (p, hmap_node, &pv->paths) {
        if (!p->wanted) {
            hmap_remove(&pv->paths, &p->hmap_node);
            pv_path_free(pv, p);
        }
    }
}

/* Returns the state of a wanted path.  See path-verify.h. */
enum pv_state
path_verify_get(const struct path_verify *pv, const char *bridge,
                const char *actions, const char **message)
{
    const struct pv_path *p = pv_find(pv, bridge, actions);
    if (!p) {
        *message = "not verified yet";
        return PV_VERIFYING;
    }
    *message = p->message;
    return p->state;
}

/* Returns a number that changes with any path's verdict. */
uint64_t
path_verify_get_seqno(const struct path_verify *pv)
{
    return pv->n_changes;
}

/* True if every wanted path has an up-to-date verdict. */
bool
path_verify_is_settled(const struct path_verify *pv)
{
    const struct pv_path *p;
    HMAP_FOR_EACH (p, hmap_node, &pv->paths) {
        if (p->stale || p->state == PV_VERIFYING) {
            return false;
        }
    }
    return true;
}

/* Sets 'p''s state and message (taking ownership of 'message', NULL for
 * none) and schedules its next check. */
static void
pv_settle(struct path_verify *pv, struct pv_path *p, enum pv_state state,
          char *message)
{
    if (!message) {
        message = xstrdup("");
    }
    if (p->state != state || strcmp(p->message, message)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(20, 20);
        COVERAGE_INC(path_verify_changed);
        pv->n_changes++;
        VLOG_INFO_RL(&rl, "%s: %s: %s%s%s", p->bridge, p->actions,
                     state == PV_OK ? "copies leave"
                     : state == PV_PENDING ? "pending"
                     : state == PV_FAIL ? "copies are dropped" : "verifying",
                     message[0] ? ": " : "", message);
    }
    free(p->message);
    p->message = message;
    p->state = state;
    p->stale = false;
    p->step = PV_IDLE;
    /* A failing path is traced again soon, then less and less often: the
     * operator who fixes a route expects the error to clear, and nothing
     * tells tmirror that routes changed. */
    long long int delay;
    if (state == PV_PENDING) {
        delay = PV_PENDING_INTERVAL;
    } else if (state == PV_FAIL) {
        p->fail_delay = (p->fail_delay
                         ? MIN(p->fail_delay * 2, pv->interval)
                         : MIN(PV_FAIL_FIRST_RETRY, pv->interval));
        delay = p->fail_delay;
    } else {
        delay = pv->interval;
    }
    if (state != PV_FAIL) {
        p->fail_delay = 0;
    }
    p->next_check = time_msec() + delay;
}

/* Returns the text after "PREFIX" on the line of 'text' that contains it,
 * up to the end of that line, as a malloc()'d string; NULL if none. */
static char *
pv_line_after(const char *text, const char *prefix)
{
    const char *p = strstr(text, prefix);
    if (!p) {
        return NULL;
    }
    p += strlen(prefix);
    size_t n = strcspn(p, "\n");
    return xmemdup0(p, n);
}

/* Parses a trace.  See path-verify.h. */
enum pv_state
path_verify_parse_trace(const char *trace, char **reason,
                        bool *routing_failed, bool *native)
{
    *reason = NULL;
    *routing_failed = strstr(trace, "native tunnel routing failed") != NULL;
    *native = strstr(trace, "output to native tunnel") != NULL;

    char *actions = pv_line_after(trace, "Datapath actions: ");
    if (!actions) {
        *reason = xstrdup("ovs-vswitchd's trace shows no datapath actions");
        return PV_FAIL;
    }
    bool drop = !strcmp(actions, "drop") || !actions[0];
    free(actions);
    if (!drop) {
        return PV_OK;
    }

    char *miss = pv_line_after(trace, "neighbor cache miss for ");
    if (miss) {
        /* "192.168.50.2 on bridge br-phys, sending ARP request" */
        char *comma = strchr(miss, ',');
        if (comma) {
            *comma = '\0';
        }
        *reason = xasprintf("ovs-vswitchd is resolving the MAC address of "
                            "the next hop %s: copies are dropped until it "
                            "answers", miss);
        free(miss);
        return PV_PENDING;
    }
    if (*routing_failed) {
        *reason = xstrdup("native tunnel routing failed");
        return PV_FAIL;
    }
    char *why = pv_line_after(trace, ">> ");
    *reason = (why
               ? xasprintf("ovs-vswitchd drops the copies: %s", why)
               : xstrdup("ovs-vswitchd drops the copies (datapath actions: "
                         "drop)"));
    free(why);
    return PV_FAIL;
}

/* Sends the first request of a check of 'p'. */
static void
pv_send_trace(struct path_verify *pv, struct pv_path *p)
{
    const char *args[] = { p->bridge, "in_port=LOCAL", p->actions };
    p->handle = vswitchd_client_send(pv->vc, "ofproto/trace-packet-out",
                                     args, ARRAY_SIZE(args));
    if (p->handle) {
        COVERAGE_INC(path_verify_trace);
        pv->n_traces++;
        pv->n_in_flight++;
        p->step = PV_TRACING;
        p->sent = time_msec();
    }
}

/* Sends "ovs/route/lookup" for 'p''s tunnel destination. */
static void
pv_send_route_lookup(struct path_verify *pv, struct pv_path *p)
{
    const char *args[] = { p->tun_dst };
    p->handle = vswitchd_client_send(pv->vc, "ovs/route/lookup", args, 1);
    if (p->handle) {
        pv->n_in_flight++;
        p->step = PV_ROUTING;
        p->sent = time_msec();
    } else {
        pv_settle(pv, p, PV_PENDING,
                  xstrdup("cannot verify the path: lost the connection to "
                          "ovs-vswitchd"));
    }
}

/* Handles the output of a trace of 'p'. */
static void
pv_handle_trace(struct path_verify *pv, struct pv_path *p, const char *text)
{
    char *reason;
    bool routing_failed, native;
    enum pv_state state = path_verify_parse_trace(text, &reason,
                                                  &routing_failed, &native);
    p->routing_failed = routing_failed;
    if (p->tun_dst && (routing_failed || (state == PV_OK && !native))) {
        /* Why routing failed, or (a datapath that routes tunnels itself)
         * whether ovs-vswitchd's route table knows the destination. */
        free(reason);
        pv_send_route_lookup(pv, p);
        return;
    }
    pv_settle(pv, p, state, reason);
}

/* Returns the value of 'key' ("src", "dev") in ovs/route/lookup output. */
static char *
pv_route_field(const char *text, const char *key)
{
    char *prefix = xasprintf("%s ", key);
    char *value = NULL;
    for (const char *line = text; line && *line; ) {
        if (!strncmp(line, prefix, strlen(prefix))) {
            value = xmemdup0(line + strlen(prefix),
                             strcspn(line + strlen(prefix), "\n"));
            break;
        }
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    free(prefix);
    return value;
}

/* Handles the reply of ovs/route/lookup for 'p' ('ok' false: an error,
 * which is what "Not found" is). */
static void
pv_handle_route(struct path_verify *pv, struct pv_path *p, bool ok,
                const char *text)
{
    if (!ok) {
        pv_settle(pv, p, PV_FAIL, xasprintf("no route to %s", p->tun_dst));
        return;
    }
    if (!p->routing_failed) {
        pv_settle(pv, p, PV_OK, NULL);
        return;
    }

    char *src = pv_route_field(text, "src");
    char *dev = pv_route_field(text, "dev");
    char *msg;
    if (p->local_ip && src && strcmp(src, p->local_ip)) {
        msg = xasprintf("no route to %s from local_ip %s (the route to it "
                        "is via %s with source %s)", p->tun_dst, p->local_ip,
                        dev ? dev : "?", src);
    } else {
        msg = xasprintf("native tunnel routing to %s failed (route via %s, "
                        "source %s)", p->tun_dst, dev ? dev : "?",
                        src ? src : "?");
    }
    free(src);
    free(dev);
    pv_settle(pv, p, PV_FAIL, msg);
}

/* Collects the reply to 'p''s request, if it came. */
static void
pv_collect(struct path_verify *pv, struct pv_path *p)
{
    char *text;
    enum vswitchd_reply_status status = vswitchd_client_poll(pv->vc,
                                                             p->handle,
                                                             &text);
    if (status == VSWITCHD_REPLY_PENDING) {
        if (time_msec() - p->sent > PV_REPLY_TIMEOUT) {
            vswitchd_client_cancel(pv->vc, p->handle);
            pv->n_in_flight--;
            pv_settle(pv, p, PV_PENDING,
                      xstrdup("cannot verify the path: ovs-vswitchd did "
                              "not answer"));
        }
        return;
    }
    pv->n_in_flight--;
    enum pv_step step = p->step;
    p->step = PV_IDLE;
    if (status == VSWITCHD_REPLY_LOST) {
        p->next_check = LLONG_MIN;      /* Again, on the new connection. */
    } else if (step == PV_ROUTING) {
        pv_handle_route(pv, p, status == VSWITCHD_REPLY_OK, text);
    } else if (status == VSWITCHD_REPLY_ERROR) {
        pv_settle(pv, p, PV_PENDING,
                  xasprintf("cannot verify the path: ofproto/trace-packet-"
                            "out: %s", text));
    } else {
        pv_handle_trace(pv, p, text);
    }
    free(text);
}

/* Sends the checks that are due, and collects replies. */
void
path_verify_run(struct path_verify *pv)
{
    long long int now = time_msec();
    bool connected = vswitchd_client_is_connected(pv->vc);
    struct pv_path *p;

    unsigned int seqno = vswitchd_client_get_seqno(pv->vc);
    if (seqno != pv->vc_seqno) {
        /* A new ovs-vswitchd (or connection): its routes and neighbours may
         * differ, so everything is verified again. */
        pv->vc_seqno = seqno;
        HMAP_FOR_EACH (p, hmap_node, &pv->paths) {
            p->next_check = LLONG_MIN;
        }
    }

    HMAP_FOR_EACH (p, hmap_node, &pv->paths) {
        if (p->step != PV_IDLE) {
            pv_collect(pv, p);
        }
    }
    HMAP_FOR_EACH (p, hmap_node, &pv->paths) {
        if (p->step != PV_IDLE || now < p->next_check) {
            continue;
        }
        if (!connected || !pv->ready) {
            if (p->stale && now - p->stale_since >= PV_GRACE) {
                pv_settle(pv, p, PV_PENDING, xstrdup(
                              !connected
                              ? "cannot verify that copies leave: not "
                                "connected to ovs-vswitchd's unixctl server"
                              : "cannot verify that copies leave: "
                                "ovs-vswitchd has not applied the "
                                "configuration yet"));
            }
        } else if (pv->n_in_flight < PV_MAX_IN_FLIGHT) {
            pv_send_trace(pv, p);
        }
    }
}

/* Arranges for poll_block() to wake when a check is due. */
void
path_verify_wait(struct path_verify *pv)
{
    bool can_send = vswitchd_client_is_connected(pv->vc) && pv->ready;
    const struct pv_path *p;
    HMAP_FOR_EACH (p, hmap_node, &pv->paths) {
        if (p->step != PV_IDLE) {
            poll_timer_wait_until(p->sent + PV_REPLY_TIMEOUT);
        } else if (can_send) {
            poll_timer_wait_until(p->next_check);
        } else if (p->stale) {
            poll_timer_wait_until(p->stale_since + PV_GRACE);
        }
    }
}

/* Appends a summary for tmirror/show. */
void
path_verify_format(const struct path_verify *pv, struct ds *s)
{
    size_t counts[4] = { 0, 0, 0, 0 };
    const struct pv_path *p;
    HMAP_FOR_EACH (p, hmap_node, &pv->paths) {
        counts[p->state]++;
    }
    ds_put_format(s, "delivery paths (verified every %lld ms; ovs-vswitchd "
                  "unixctl %s): %"PRIuSIZE" ok, %"PRIuSIZE" failing, %"
                  PRIuSIZE" pending, %"PRIuSIZE" verifying\n",
                  pv->interval, (vswitchd_client_is_connected(pv->vc)
                                 ? "connected" : "not connected"),
                  counts[PV_OK], counts[PV_FAIL], counts[PV_PENDING],
                  counts[PV_VERIFYING]);
    HMAP_FOR_EACH (p, hmap_node, &pv->paths) {
        if (p->state != PV_OK) {
            ds_put_format(s, "  %s %s: %s\n", p->bridge, p->actions,
                          p->message);
        }
    }
}
