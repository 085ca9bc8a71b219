/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* test-ofctrl: drives controller/ofctrl.c against a real ovs-vswitchd.
 *
 *   test-ofctrl [OPTIONS] BRIDGE FILE
 *
 * FILE holds flows in ovs-ofctl add-flow syntax, one per line, and groups as
 * "group_id=N,SPEC" lines; '#' starts a comment.  The flows are put with
 * cfg N (--cfg, default 1), the ofctrl loop runs until the switch confirms
 * them, then "installed cfg N" and ofctrl's status are printed.  With
 * --watch the program keeps running (to repair tampering) and answers
 * "ofctrl/status", "ofctrl/stats KEY", "ofctrl/put FILE CFG [--nudge]" and
 * "exit" on its unixctl socket (--unixctl=PATH).  With --cleanup, everything tmirror owns is removed
 * after the install. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "command-line.h"
#include "controller/flow-table.h"
#include "controller/ofctrl.h"
#include "daemon.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "byte-order.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(test_ofctrl);

/* Reads FILE into 'ft'.  Returns NULL, or an error message to free. */
static char *
read_flow_file(const char *file_name, struct tm_flow_table *ft)
{
    FILE *file = fopen(file_name, "r");
    if (!file) {
        return xasprintf("%s: open failed (%s)", file_name,
                         ovs_strerror(errno));
    }

    struct ds line = DS_EMPTY_INITIALIZER;
    char *error = NULL;
    int line_number = 0;
    while (!error && !ds_get_preprocessed_line(&line, file, &line_number)) {
        const char *s = ds_cstr(&line);
        if (!s[0]) {
            continue;
        }
        if (!strncmp(s, "group_id=", 9)) {
            char *copy = xstrdup(s + 9);
            char *comma = strchr(copy, ',');
            uint32_t group_id;

            if (comma) {
                *comma = '\0';
            }
            if (!str_to_uint(copy, 0, &group_id)) {
                error = xasprintf("%s:%d: bad group_id \"%s\"", file_name,
                                  line_number, copy);
            } else {
                tm_flow_table_add_group(ft, group_id, comma ? comma + 1 : "");
            }
            free(copy);
            continue;
        }

        struct ofputil_flow_mod fm;
        enum ofputil_protocol usable;
        char *err = parse_ofp_flow_mod_str(&fm, s, NULL, NULL, OFPFC_ADD,
                                           &usable);
        if (err) {
            error = xasprintf("%s:%d: %s", file_name, line_number, err);
            free(err);
            continue;
        }
        struct match match;
        minimatch_expand(&fm.match, &match);
        tm_flow_table_add(ft, fm.table_id == 0xff ? 0 : fm.table_id,
                          fm.priority, ntohll(fm.new_cookie), &match,
                          fm.ofpacts, fm.ofpacts_len);
        minimatch_destroy(&fm.match);
        free(fm.ofpacts);
    }
    ds_destroy(&line);
    fclose(file);
    return error;
}

struct ctx {
    struct ofctrl *oc;
    int64_t cfg;
    bool exiting;
    bool printed;
};

/* unixctl "ofctrl/status": ofctrl's status summary. */
static void
status_cb(struct unixctl_conn *conn, int argc OVS_UNUSED,
          const char *argv[] OVS_UNUSED, void *ctx_)
{
    struct ctx *ctx = ctx_;
    struct ds s = DS_EMPTY_INITIALIZER;

    ofctrl_format_status(ctx->oc, &s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* unixctl "ofctrl/stats KEY": the session's packets and bytes. */
static void
stats_cb(struct unixctl_conn *conn, int argc OVS_UNUSED, const char *argv[],
         void *ctx_)
{
    struct ctx *ctx = ctx_;
    uint64_t packets, bytes;
    uint32_t key;

    if (!str_to_uint(argv[1], 0, &key)) {
        unixctl_command_reply_error(conn, "bad session key");
    } else if (!ofctrl_get_session_stats(ctx->oc, key, &packets, &bytes)) {
        unixctl_command_reply_error(conn, "no counters for session");
    } else {
        char *reply = xasprintf("packets=%"PRIu64" bytes=%"PRIu64,
                                packets, bytes);
        unixctl_command_reply(conn, reply);
        free(reply);
    }
}

/* unixctl "ofctrl/put FILE CFG [--nudge]": replaces the desired flows;
 * with --nudge, also asks for a revalidation nudge (which then travels in
 * the bundle of the change). */
static void
put_cb(struct unixctl_conn *conn, int argc, const char *argv[],
       void *ctx_)
{
    struct ctx *ctx = ctx_;
    struct tm_flow_table ft;

    tm_flow_table_init(&ft);
    char *error = read_flow_file(argv[1], &ft);
    if (error) {
        unixctl_command_reply_error(conn, error);
        free(error);
    } else {
        ctx->cfg = strtoll(argv[2], NULL, 10);
        ctx->printed = false;
        if (argc > 3 && !strcmp(argv[3], "--nudge")) {
            ofctrl_request_nudge(ctx->oc);
        }
        ofctrl_put(ctx->oc, &ft, ctx->cfg);
        unixctl_command_reply(conn, NULL);
    }
    tm_flow_table_destroy(&ft);
}

/* unixctl "exit". */
static void
exit_cb(struct unixctl_conn *conn, int argc OVS_UNUSED,
        const char *argv[] OVS_UNUSED, void *ctx_)
{
    struct ctx *ctx = ctx_;

    ctx->exiting = true;
    unixctl_command_reply(conn, NULL);
}

static void
usage(void)
{
    printf("usage: %s [--watch] [--cleanup] [--cfg=N] [--timeout=SECS] "
           "[--unixctl=PATH] [-v...] BRIDGE FILE\n", program_name);
    exit(EXIT_SUCCESS);
}

int
main(int argc, char *argv[])
{
    enum { OPT_WATCH = UCHAR_MAX + 1, OPT_CLEANUP, OPT_CFG, OPT_TIMEOUT,
           OPT_UNIXCTL };
    static const struct option long_options[] = {
        {"watch", no_argument, NULL, OPT_WATCH},
        {"cleanup", no_argument, NULL, OPT_CLEANUP},
        {"cfg", required_argument, NULL, OPT_CFG},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"verbose", optional_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool watch = false, cleanup = false;
    int64_t cfg = 1;
    int timeout = 30;
    char *unixctl_path = NULL;

    set_program_name(argv[0]);
    fatal_ignore_sigpipe();
    for (;;) {
        int c = getopt_long(argc, argv, "v::h", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_WATCH:
            watch = true;
            break;
        case OPT_CLEANUP:
            cleanup = true;
            break;
        case OPT_CFG:
            cfg = strtoll(optarg, NULL, 10);
            break;
        case OPT_TIMEOUT:
            timeout = atoi(optarg);
            break;
        case OPT_UNIXCTL:
            unixctl_path = optarg;
            break;
        case 'v':
            vlog_set_verbosity(optarg);
            break;
        case 'h':
            usage();
            break;
        default:
            exit(EXIT_FAILURE);
        }
    }
    if (argc - optind != 2) {
        ovs_fatal(0, "need two arguments: BRIDGE FILE (use --help)");
    }

    struct tm_flow_table ft;
    tm_flow_table_init(&ft);
    char *error = read_flow_file(argv[optind + 1], &ft);
    if (error) {
        ovs_fatal(0, "%s", error);
    }

    struct ctx ctx = { .oc = ofctrl_create(), .cfg = cfg };
    struct unixctl_server *server = NULL;
    if (watch) {
        int retval = unixctl_server_create(unixctl_path, &server);
        if (retval) {
            ovs_fatal(retval, "cannot create unixctl server");
        }
        unixctl_command_register("ofctrl/status", "", 0, 0, status_cb, &ctx);
        unixctl_command_register("ofctrl/put", "FILE CFG [--nudge]", 2, 3,
                                 put_cb, &ctx);
        unixctl_command_register("ofctrl/stats", "KEY", 1, 1, stats_cb,
                                 &ctx);
        unixctl_command_register("exit", "", 0, 0, exit_cb, &ctx);
    }

    /* Tampering is repaired by the audit: one a second here. */
    ofctrl_set_audit_interval(ctx.oc, 1000);
    ofctrl_set_bridge(ctx.oc, argv[optind]);
    long long int start = time_msec();
    ofctrl_put(ctx.oc, &ft, cfg);
    tm_flow_table_destroy(&ft);

    long long int deadline = start + timeout * 1000LL;
    int status = 0;
    while (!ctx.exiting) {
        ofctrl_run(ctx.oc);
        if (server) {
            unixctl_server_run(server);
        }
        if (!ctx.printed && ofctrl_is_synced(ctx.oc)
            && ofctrl_get_installed_cfg(ctx.oc) == ctx.cfg) {
            printf("installed cfg %"PRId64"\n", ctx.cfg);
            fflush(stdout);
            fprintf(stderr, "synced in %lld ms\n", time_msec() - start);
            ctx.printed = true;
            if (!watch) {
                break;
            }
        }
        if (!watch && time_msec() >= deadline) {
            fprintf(stderr, "timeout: not synced after %d s\n", timeout);
            status = 1;
            break;
        }

        ofctrl_wait(ctx.oc);
        if (server) {
            unixctl_server_wait(server);
        }
        if (!watch) {
            poll_timer_wait_until(deadline);
        }
        poll_block();
    }

    if (cleanup) {
        ofctrl_cleanup(ctx.oc, timeout * 1000);
        printf("cleaned up\n");
    }

    struct ds s = DS_EMPTY_INITIALIZER;
    ofctrl_format_status(ctx.oc, &s);
    fputs(ds_cstr(&s), stdout);
    ds_destroy(&s);

    unixctl_server_destroy(server);
    ofctrl_destroy(ctx.oc);
    return status;
}
