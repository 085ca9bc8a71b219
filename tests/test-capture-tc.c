/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* test-capture-tc: drives controller/capture-tc.c on real netdevs, in the
 * network namespace it runs in.
 *
 *   test-capture-tc [OPTIONS] [FILE]
 *
 * FILE holds the desired captures, one per line:
 *   SOURCE egress|ingress TC_PORT BRIDGE_PORT [policing]
 * ('#' starts a comment).  By default the program runs (with --detach, as a
 * daemon) until "exit", keeping the captures in place, and answers on its
 * unixctl socket:
 *   capture/show                  one line per capture, then "settled: yes|no"
 *   capture/status SOURCE DIR     "state=... repairs=N ..." of one capture
 *   capture/load FILE             replaces the desired set with FILE's
 *   capture/want SOURCE DIR TC_PORT BRIDGE_PORT [policing]
 *   capture/unwant SOURCE DIR
 *   capture/hw-offload true|false
 *   exit [--cleanup]              --cleanup removes everything tmirror owns
 * With --once it exits as soon as the captures are settled (status 1 if not
 * within --timeout seconds), printing capture/show's answer; with --cleanup
 * it only removes everything tmirror owns and prints how many removals
 * failed. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "command-line.h"
#include "controller/capture-tc.h"
#include "daemon.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(test_capture_tc);

struct ctx {
    struct capture_tc *ctc;
    bool exiting;
    bool cleanup;
};

/* Parses direction 'word' into '*dir'. */
static bool
parse_dir(const char *word, enum capture_tc_dir *dir)
{
    if (!strcmp(word, "egress")) {
        *dir = CAPTURE_TC_EGRESS;
    } else if (!strcmp(word, "ingress")) {
        *dir = CAPTURE_TC_INGRESS;
    } else {
        return false;
    }
    return true;
}

/* Wants the capture described by 'argc' words in 'argv' (SOURCE DIR
 * TC_PORT BRIDGE_PORT [policing]).  Returns NULL or an error to free. */
static char *
want_words(struct capture_tc *ctc, int argc, const char *argv[])
{
    struct capture_tc_spec spec;

    memset(&spec, 0, sizeof spec);
    if (argc < 4 || argc > 5) {
        return xasprintf("need SOURCE DIR TC_PORT BRIDGE_PORT [policing], "
                         "got %d words", argc);
    }
    if (!parse_dir(argv[1], &spec.dir)) {
        return xasprintf("direction \"%s\" is neither egress nor ingress",
                         argv[1]);
    }
    if (argc == 5 && strcmp(argv[4], "policing")) {
        return xasprintf("fifth word \"%s\" is not \"policing\"", argv[4]);
    }
    spec.source = argv[0];
    spec.tc_port = argv[2];
    spec.bridge_port = argv[3];
    spec.policing = argc == 5;
    capture_tc_want(ctc, &spec);
    return NULL;
}

/* Wants every capture in 'file_name', then sweeps the others.  Returns NULL
 * or an error to free (and then changes nothing). */
static char *
load_file(struct capture_tc *ctc, const char *file_name)
{
    FILE *file = fopen(file_name, "r");
    if (!file) {
        return xasprintf("%s: open failed (%s)", file_name,
                         ovs_strerror(errno));
    }

    struct ds line = DS_EMPTY_INITIALIZER;
    struct ds lines = DS_EMPTY_INITIALIZER;
    char *error = NULL;
    int line_number = 0;
    int n_lines = 0;

    /* Check every line first, so that a bad file changes nothing. */
    while (!error && !ds_get_preprocessed_line(&line, file, &line_number)) {
        const char *words[6];
        char *copy = xstrdup(ds_cstr(&line));
        char *save = NULL;
        int n = 0;

        for (char *w = strtok_r(copy, " \t", &save); w && n < 6;
             w = strtok_r(NULL, " \t", &save)) {
            words[n++] = w;
        }
        enum capture_tc_dir dir;
        if (n && (n < 4 || n > 5 || !parse_dir(words[1], &dir)
                  || (n == 5 && strcmp(words[4], "policing")))) {
            error = xasprintf("%s:%d: need SOURCE egress|ingress TC_PORT "
                              "BRIDGE_PORT [policing]", file_name,
                              line_number);
        } else if (n) {
            ds_put_format(&lines, "%s\n", ds_cstr(&line));
            n_lines++;
        }
        free(copy);
    }
    fclose(file);
    ds_destroy(&line);

    if (!error) {
        char *save = NULL;
        for (char *l = strtok_r(ds_cstr(&lines), "\n", &save); l;
             l = strtok_r(NULL, "\n", &save)) {
            const char *words[5];
            char *save2 = NULL;
            int n = 0;

            for (char *w = strtok_r(l, " \t", &save2); w && n < 5;
                 w = strtok_r(NULL, " \t", &save2)) {
                words[n++] = w;
            }
            char *e = want_words(ctc, n, words);
            ovs_assert(!e);
        }
        capture_tc_sweep(ctc);
        VLOG_INFO("%s: %d captures", file_name, n_lines);
    }
    ds_destroy(&lines);
    return error;
}

/* unixctl "capture/show". */
static void
show_cb(struct unixctl_conn *conn, int argc OVS_UNUSED,
        const char *argv[] OVS_UNUSED, void *ctx_)
{
    struct ctx *ctx = ctx_;
    struct ds s = DS_EMPTY_INITIALIZER;

    capture_tc_format(ctx->ctc, &s);
    ds_put_format(&s, "settled: %s\n",
                  capture_tc_is_settled(ctx->ctc) ? "yes" : "no");
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* unixctl "capture/status SOURCE DIR". */
static void
status_cb(struct unixctl_conn *conn, int argc OVS_UNUSED, const char *argv[],
          void *ctx_)
{
    struct ctx *ctx = ctx_;
    const struct capture_tc_status *st;
    enum capture_tc_dir dir;

    if (!parse_dir(argv[2], &dir)) {
        unixctl_command_reply_error(conn, "bad direction");
        return;
    }
    st = capture_tc_get_status(ctx->ctc, argv[1], dir);
    if (!st) {
        unixctl_command_reply_error(conn, "no such capture");
        return;
    }
    char *reply = xasprintf("state=%s repairs=%u missing_ms=%lld "
                            "last_gap_ms=%lld missing=%s packets=%"PRIu64
                            " bytes=%"PRIu64" bridge_ifindex=%d"
                            " bridge_port_ready=%s%s%s",
                            capture_tc_state_name(st->state), st->n_repairs,
                            st->missing_ms, st->last_gap_ms,
                            st->missing_since ? "yes" : "no",
                            st->packets, st->bytes, st->bridge_ifindex,
                            st->bridge_port_ready ? "yes" : "no",
                            st->message ? " message=" : "",
                            st->message ? st->message : "");
    unixctl_command_reply(conn, reply);
    free(reply);
}

/* unixctl "capture/load FILE". */
static void
load_cb(struct unixctl_conn *conn, int argc OVS_UNUSED, const char *argv[],
        void *ctx_)
{
    struct ctx *ctx = ctx_;
    char *error = load_file(ctx->ctc, argv[1]);

    if (error) {
        unixctl_command_reply_error(conn, error);
        free(error);
    } else {
        unixctl_command_reply(conn, NULL);
    }
}

/* unixctl "capture/want SOURCE DIR TC_PORT BRIDGE_PORT [policing]". */
static void
want_cb(struct unixctl_conn *conn, int argc, const char *argv[], void *ctx_)
{
    struct ctx *ctx = ctx_;
    char *error = want_words(ctx->ctc, argc - 1, argv + 1);

    if (error) {
        unixctl_command_reply_error(conn, error);
        free(error);
    } else {
        unixctl_command_reply(conn, NULL);
    }
}

/* unixctl "capture/unwant SOURCE DIR". */
static void
unwant_cb(struct unixctl_conn *conn, int argc OVS_UNUSED, const char *argv[],
          void *ctx_)
{
    struct ctx *ctx = ctx_;
    enum capture_tc_dir dir;

    if (!parse_dir(argv[2], &dir)) {
        unixctl_command_reply_error(conn, "bad direction");
        return;
    }
    capture_tc_unwant(ctx->ctc, argv[1], dir);
    unixctl_command_reply(conn, NULL);
}

/* unixctl "capture/hw-offload true|false". */
static void
hw_offload_cb(struct unixctl_conn *conn, int argc OVS_UNUSED,
              const char *argv[], void *ctx_)
{
    struct ctx *ctx = ctx_;

    if (strcmp(argv[1], "true") && strcmp(argv[1], "false")) {
        unixctl_command_reply_error(conn, "need true or false");
        return;
    }
    capture_tc_set_hw_offload(ctx->ctc, !strcmp(argv[1], "true"));
    unixctl_command_reply(conn, NULL);
}

/* unixctl "exit [--cleanup]". */
static void
exit_cb(struct unixctl_conn *conn, int argc, const char *argv[], void *ctx_)
{
    struct ctx *ctx = ctx_;

    if (argc > 1 && strcmp(argv[1], "--cleanup")) {
        unixctl_command_reply_error(conn, "the only option is --cleanup");
        return;
    }
    ctx->exiting = true;
    ctx->cleanup = argc > 1;
    unixctl_command_reply(conn, NULL);
}

static void
usage(void)
{
    printf("usage: %s [--once [--timeout=SECS]] [--cleanup] "
           "[--classifier=probe|bpf|matchall] [--audit=MS] [--hw-offload] "
           "[--unixctl=PATH] [daemon and -v options] [FILE]\n",
           program_name);
    exit(EXIT_SUCCESS);
}

int
main(int argc, char *argv[])
{
    enum {
        OPT_ONCE = UCHAR_MAX + 1, OPT_CLEANUP, OPT_TIMEOUT, OPT_CLASSIFIER,
        OPT_AUDIT, OPT_HW_OFFLOAD, OPT_UNIXCTL,
        VLOG_OPTION_ENUMS,
        DAEMON_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"once", no_argument, NULL, OPT_ONCE},
        {"cleanup", no_argument, NULL, OPT_CLEANUP},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"classifier", required_argument, NULL, OPT_CLASSIFIER},
        {"audit", required_argument, NULL, OPT_AUDIT},
        {"hw-offload", no_argument, NULL, OPT_HW_OFFLOAD},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"help", no_argument, NULL, 'h'},
        VLOG_LONG_OPTIONS,
        DAEMON_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    struct capture_tc_options opts = { .classifier = CAPTURE_TC_CLS_PROBE };
    bool once = false, cleanup_only = false, hw_offload = false;
    char *unixctl_path = NULL;
    int timeout = 30;

    set_program_name(argv[0]);
    fatal_ignore_sigpipe();
    for (;;) {
        int c = getopt_long(argc, argv, "hv::", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_ONCE:
            once = true;
            break;
        case OPT_CLEANUP:
            cleanup_only = true;
            break;
        case OPT_TIMEOUT:
            timeout = atoi(optarg);
            break;
        case OPT_CLASSIFIER:
            if (!strcmp(optarg, "probe")) {
                opts.classifier = CAPTURE_TC_CLS_PROBE;
            } else if (!strcmp(optarg, "bpf")) {
                opts.classifier = CAPTURE_TC_CLS_BPF;
            } else if (!strcmp(optarg, "matchall")) {
                opts.classifier = CAPTURE_TC_CLS_MATCHALL;
            } else {
                ovs_fatal(0, "--classifier: \"%s\" is not probe, bpf or "
                          "matchall", optarg);
            }
            break;
        case OPT_AUDIT:
            opts.audit_interval_ms = atoi(optarg);
            break;
        case OPT_HW_OFFLOAD:
            hw_offload = true;
            break;
        case OPT_UNIXCTL:
            unixctl_path = optarg;
            break;
        case 'h':
            usage();
            break;
        VLOG_OPTION_HANDLERS
        DAEMON_OPTION_HANDLERS
        default:
            exit(EXIT_FAILURE);
        }
    }
    if (argc - optind > 1) {
        ovs_fatal(0, "at most one argument, FILE (use --help)");
    }

    struct ctx ctx = { .ctc = capture_tc_init(&opts) };
    capture_tc_set_hw_offload(ctx.ctc, hw_offload);
    if (cleanup_only) {
        int n_failed = capture_tc_cleanup(ctx.ctc);
        printf("cleanup: %d failed\n", n_failed);
        capture_tc_destroy(ctx.ctc);
        return n_failed ? 1 : 0;
    }
    if (argc - optind == 1) {
        char *error = load_file(ctx.ctc, argv[optind]);
        if (error) {
            ovs_fatal(0, "%s", error);
        }
    } else {
        capture_tc_sweep(ctx.ctc);
    }

    struct unixctl_server *server = NULL;
    if (!once) {
        daemonize_start(false);
        int retval = unixctl_server_create(unixctl_path, &server);
        if (retval) {
            ovs_fatal(retval, "cannot create unixctl server");
        }
        unixctl_command_register("capture/show", "", 0, 0, show_cb, &ctx);
        unixctl_command_register("capture/status", "SOURCE DIR", 2, 2,
                                 status_cb, &ctx);
        unixctl_command_register("capture/load", "FILE", 1, 1, load_cb,
                                 &ctx);
        unixctl_command_register("capture/want",
                                 "SOURCE DIR TC_PORT BRIDGE_PORT [policing]",
                                 4, 5, want_cb, &ctx);
        unixctl_command_register("capture/unwant", "SOURCE DIR", 2, 2,
                                 unwant_cb, &ctx);
        unixctl_command_register("capture/hw-offload", "true|false", 1, 1,
                                 hw_offload_cb, &ctx);
        unixctl_command_register("exit", "[--cleanup]", 0, 1, exit_cb, &ctx);
        daemonize_complete();
    }

    long long int start = time_msec();
    long long int deadline = start + timeout * 1000LL;
    int status = 0;
    while (!ctx.exiting) {
        capture_tc_run(ctx.ctc);
        if (server) {
            unixctl_server_run(server);
        }
        if (once && capture_tc_is_settled(ctx.ctc)) {
            fprintf(stderr, "settled in %lld ms\n", time_msec() - start);
            break;
        }
        if (once && time_msec() >= deadline) {
            fprintf(stderr, "timeout: not settled after %d s\n", timeout);
            status = 1;
            break;
        }

        capture_tc_wait(ctx.ctc);
        if (server) {
            unixctl_server_wait(server);
        } else {
            poll_timer_wait_until(deadline);
        }
        poll_block();
    }

    if (once) {
        struct ds s = DS_EMPTY_INITIALIZER;
        capture_tc_format(ctx.ctc, &s);
        fputs(ds_cstr(&s), stdout);
        ds_destroy(&s);
    }
    if (ctx.cleanup) {
        int n_failed = capture_tc_cleanup(ctx.ctc);
        VLOG_INFO("cleanup: %d failed", n_failed);
        status = n_failed ? 1 : 0;
    }
    unixctl_server_destroy(server);
    capture_tc_destroy(ctx.ctc);
    return status;
}
