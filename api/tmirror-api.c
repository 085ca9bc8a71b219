/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* tmirror-api: the HTTP API of the Traffic_Mirror database.
 *
 * Two threads.  The HTTP thread (http-server.c) runs libevent's loop and
 * nothing else; this, the main thread, runs OVS's poll loop with the IDL,
 * unixctl, the credentials and every handler.  Requests cross over in an
 * api_queue (a locked list and a latch, so poll_block() wakes for them),
 * responses come back through http_server_reply().  See the README's
 * "HTTP API" section and tmirror-api(8). */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "api-auth.h"
#include "api-call.h"
#include "api-db.h"
#include "api-metrics.h"
#include "api-openapi.h"
#include "api-queue.h"
#include "api-request.h"
#include "command-line.h"
#include "daemon.h"
#include "dirs.h"
#include "fatal-signal.h"
#include "http-server.h"
#include "latch.h"
#include "signals.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "stream-ssl.h"
#include "stream.h"
#include "timeval.h"
#include "tmirror-idl.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(tmirror_api);

#define DEFAULT_LISTEN "127.0.0.1:8780"

/* Command-line settings. */
struct api_options {
    char *db;
    char *unixctl_path;
    char *credentials;
    int db_timeout;             /* Seconds a write may wait for the
                                 * database. */
    struct http_server_options http;
};

/* Everything the main thread owns, for the unixctl callbacks. */
struct api_daemon {
    struct api_options opts;
    struct api_context ctx;
    struct api_queue queue;
    struct latch hup;           /* Set by SIGHUP: reload credentials. */
    bool trimmed;               /* malloc_trim() done after the first
                                 * download. */
    bool exiting;
};

/* The latch that SIGHUP sets: a signal handler can reach nothing else.
 * latch_set() only writes to a pipe, which is async-signal-safe. */
static struct latch *hup_latch;

static void parse_options(int argc, char *argv[], struct api_options *);
static void usage(void) OVS_NO_RETURN;

/* SIGHUP handler. */
static void
sighup_handler(int sig OVS_UNUSED)
{
    if (hup_latch) {
        latch_set(hup_latch);
    }
}

/* Reloads the credentials file.  On failure keeps the configuration in
 * force and returns the reason (malloc()'d). */
static char *
reload_credentials(struct api_daemon *d)
{
    if (!d->opts.credentials) {
        return xstrdup("no --credentials file was given");
    }
    struct api_auth *auth;
    char *error = api_auth_load(d->opts.credentials, &auth);
    if (error) {
        VLOG_WARN("keeping the credentials in force: %s", error);
        return error;
    }
    api_auth_unref(d->ctx.auth);
    d->ctx.auth = auth;
    VLOG_INFO("%s: loaded %"PRIuSIZE" projects and %"PRIuSIZE" credentials",
              d->opts.credentials, auth->n_projects, auth->n_credentials);
    return NULL;
}

/* "tmirror-api/reload". */
static void
reload_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
           const char *argv[] OVS_UNUSED, void *d_)
{
    struct api_daemon *d = d_;
    char *error = reload_credentials(d);
    if (error) {
        unixctl_command_reply_error(conn, error);
        free(error);
    } else {
        char *msg = xasprintf("%"PRIuSIZE" projects, %"PRIuSIZE
                              " credentials", d->ctx.auth->n_projects,
                              d->ctx.auth->n_credentials);
        unixctl_command_reply(conn, msg);
        free(msg);
    }
}

/* "tmirror-api/show". */
static void
show_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
         const char *argv[] OVS_UNUSED, void *d_)
{
    struct api_daemon *d = d_;
    struct api_context *ctx = &d->ctx;
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_format(&s, "listening on %s%s\n",
                  http_server_is_tls(ctx->server) ? "ssl:" : "",
                  http_server_address(ctx->server));
    ds_put_format(&s, "database %s (%s)\n", d->opts.db,
                  (ovsdb_idl_is_connected(ctx->idl)
                   && ovsdb_idl_has_ever_connected(ctx->idl))
                  ? "connected" : "not connected");
    ds_put_format(&s, "credentials %s: %"PRIuSIZE" projects, %"PRIuSIZE
                  " credentials\n",
                  d->opts.credentials ? d->opts.credentials : "(none)",
                  ctx->auth->n_projects, ctx->auth->n_credentials);
    ds_put_format(&s, "requests %llu, writes %llu, retries %llu\n",
                  ctx->n_requests, ctx->n_writes, ctx->n_conflicts);
    ds_put_format(&s, "connections %d (at most %d), queued %"PRIuSIZE
                  ", write in flight %s\n",
                  http_server_n_connections(ctx->server),
                  d->opts.http.max_connections, api_queue_length(&d->queue),
                  ctx->in_flight ? "yes" : "no");
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* "tmirror-api/routes": the native routes (checked against the OpenAPI
 * document by the tests). */
static void
routes_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
           const char *argv[] OVS_UNUSED, void *d_ OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    api_native_routes(&s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* "exit". */
static void
exit_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
         const char *argv[] OVS_UNUSED, void *d_)
{
    struct api_daemon *d = d_;
    d->exiting = true;
    unixctl_command_reply(conn, NULL);
}

/* Gives the memory that the first download of the database used (its
 * parsed JSON, much larger than the replica) back to the system, once. */
static void
trim_after_first_sync(struct api_daemon *d)
{
    if (!d->trimmed && ovsdb_idl_has_ever_connected(d->ctx.idl)) {
        d->trimmed = true;
        malloc_trim(0);
    }
}

/* One pass of the main loop. */
static void
api_run(struct api_daemon *d, struct unixctl_server *unixctl)
{
    struct api_context *ctx = &d->ctx;

    ovsdb_idl_run(ctx->idl);
    trim_after_first_sync(d);
    api_metrics_track_chassis(ctx);
    ovsdb_idl_track_clear(ctx->idl);
    unixctl_server_run(unixctl);

    if (latch_poll(&d->hup)) {
        free(reload_credentials(d));
    }

    struct ovs_list requests = OVS_LIST_INITIALIZER(&requests);
    api_queue_pop_all(&d->queue, &requests);
    api_context_run(ctx, &requests);
}

/* Arranges for poll_block() to wake when there is work. */
static void
api_wait(struct api_daemon *d, struct unixctl_server *unixctl)
{
    ovsdb_idl_wait(d->ctx.idl);
    unixctl_server_wait(unixctl);
    api_queue_wait(&d->queue);
    latch_wait(&d->hup);
    api_context_wait(&d->ctx);
}

/* Answers what is still queued or in progress, then stops the server. */
static void
api_shutdown(struct api_daemon *d)
{
    api_context_abort_all(&d->ctx);

    struct ovs_list requests = OVS_LIST_INITIALIZER(&requests);
    api_queue_pop_all(&d->queue, &requests);
    struct api_request *req;
    LIST_FOR_EACH_POP (req, list_node, &requests) {
        static const char body[]
            = "{\"error\":{\"code\":\"Unavailable\","
              "\"message\":\"tmirror-api is stopping\"}}\n";
        api_request_reply(req, 503, "application/json", body,
                          strlen(body));
        http_server_reply(d->ctx.server, req);
    }
    http_server_stop(d->ctx.server);
    d->ctx.server = NULL;
}

int
main(int argc, char *argv[])
{
    struct api_daemon d;
    memset(&d, 0, sizeof d);

    ovs_cmdl_proctitle_init(argc, argv);
    /* tmirror's version for -V and the "version" unixctl command alike. */
    ovs_set_program_name(argv[0], "(tmirror) " TMIRROR_VERSION);
    service_start(&argc, &argv);
    parse_options(argc, argv, &d.opts);
    fatal_ignore_sigpipe();

    struct api_auth *auth = NULL;
    if (d.opts.credentials) {
        char *error = api_auth_load(d.opts.credentials, &auth);
        if (error) {
            ovs_fatal(0, "%s", error);
        }
    }

    daemonize_start(false);
    struct unixctl_server *unixctl;
    int error = unixctl_server_create(d.opts.unixctl_path, &unixctl);
    if (error) {
        ovs_fatal(error, "could not create unixctl server");
    }

    struct ovsdb_idl *idl = ovsdb_idl_create(d.opts.db, &tmrec_idl_class,
                                             false, true);
    api_context_init(&d.ctx, idl);
    d.ctx.write_timeout = d.opts.db_timeout * 1000LL;
    if (auth) {
        api_auth_unref(d.ctx.auth);
        d.ctx.auth = auth;
    } else {
        VLOG_WARN("no --credentials: every request but GET "
                  "/v1/openapi.json will be refused");
    }
    api_db_init(&d.ctx);
    api_queue_init(&d.queue);

    char *http_error;
    d.ctx.server = http_server_start(&d.opts.http, &d.queue, &http_error);
    if (!d.ctx.server) {
        ovs_fatal(0, "%s", http_error);
    }

    latch_init(&d.hup);
    hup_latch = &d.hup;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sighup_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    xsigaction(SIGHUP, &sa, NULL);

    unixctl_command_register("tmirror-api/reload", "", 0, 0, reload_cmd, &d);
    unixctl_command_register("tmirror-api/show", "", 0, 0, show_cmd, &d);
    unixctl_command_register("tmirror-api/routes", "", 0, 0, routes_cmd, &d);
    unixctl_command_register("exit", "", 0, 0, exit_cmd, &d);
    daemonize_complete();

    while (!d.exiting) {
        api_run(&d, unixctl);
        if (d.exiting) {
            break;
        }
        api_wait(&d, unixctl);
        poll_block();
        if (should_service_stop()) {
            d.exiting = true;
        }
    }

    api_shutdown(&d);
    hup_latch = NULL;
    latch_destroy(&d.hup);
    api_queue_destroy(&d.queue);
    api_context_destroy(&d.ctx);
    unixctl_server_destroy(unixctl);
    service_stop();
    free(d.opts.db);
    free(d.opts.unixctl_path);
    free(d.opts.credentials);
    free(CONST_CAST(char *, d.opts.http.listen));
    free(CONST_CAST(char *, d.opts.http.private_key));
    free(CONST_CAST(char *, d.opts.http.certificate));
    free(CONST_CAST(char *, d.opts.http.ca_cert));
    return 0;
}

/* Parses a positive integer option, at most 'max'. */
static long long int
parse_count(const char *option, const char *s, long long int max)
{
    char *end;
    errno = 0;
    long long int v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < 1 || v > max) {
        ovs_fatal(0, "--%s: %s is not an integer from 1 to %lld", option, s,
                  max);
    }
    return v;
}

/* Returns the default database, as for tmirror-ctl. */
static char *
default_db(void)
{
    const char *env = getenv("TMIRROR_DB");
    return (env && *env ? xstrdup(env)
            : xasprintf("unix:%s/tmirror.sock", ovs_rundir()));
}

/* Replaces '*p' with a copy of 's'. */
static void
set_string(const char **p, const char *s)
{
    free(CONST_CAST(char *, *p));
    *p = xstrdup(s);
}

/* Parses the command line into 'o'. */
static void
parse_options(int argc, char *argv[], struct api_options *o)
{
    enum {
        OPT_UNIXCTL = UCHAR_MAX + 1,
        OPT_LISTEN,
        OPT_CREDENTIALS,
        OPT_MAX_BODY,
        OPT_MAX_CONNECTIONS,
        OPT_TIMEOUT,
        OPT_DB_TIMEOUT,
        VLOG_OPTION_ENUMS,
        DAEMON_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"credentials", required_argument, NULL, OPT_CREDENTIALS},
        {"max-body", required_argument, NULL, OPT_MAX_BODY},
        {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"db-timeout", required_argument, NULL, OPT_DB_TIMEOUT},
        {"private-key", required_argument, NULL, 'p'},
        {"certificate", required_argument, NULL, 'c'},
        {"ca-cert", required_argument, NULL, 'C'},
        VLOG_LONG_OPTIONS,
        DAEMON_LONG_OPTIONS,
        {NULL, 0, NULL, 0}
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);

    o->http.listen = xstrdup(DEFAULT_LISTEN);
    o->http.max_body = 1024 * 1024;
    o->http.max_headers = 16 * 1024;
    o->http.max_connections = 256;
    o->http.timeout = 10;
    o->db_timeout = 30;

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 'h':
            usage();

        case 'V':
            ovs_print_version(0, 0);
            exit(EXIT_SUCCESS);

        case OPT_UNIXCTL:
            free(o->unixctl_path);
            o->unixctl_path = xstrdup(optarg);
            break;

        case OPT_LISTEN:
            set_string(&o->http.listen, optarg);
            break;

        case OPT_CREDENTIALS:
            free(o->credentials);
            o->credentials = abs_file_name(NULL, optarg);
            break;

        case OPT_MAX_BODY:
            o->http.max_body = parse_count("max-body", optarg,
                                           64LL * 1024 * 1024);
            break;

        case OPT_MAX_CONNECTIONS:
            o->http.max_connections = parse_count("max-connections", optarg,
                                                  65536);
            break;

        case OPT_TIMEOUT:
            o->http.timeout = parse_count("timeout", optarg, 3600);
            break;

        case OPT_DB_TIMEOUT:
            o->db_timeout = parse_count("db-timeout", optarg, 3600);
            break;

        /* The same PKI files serve the database connection (ssl: remotes)
         * and the HTTPS listener (--listen=ssl:...). */
        case 'p':
            set_string(&o->http.private_key, optarg);
            stream_ssl_set_private_key_file(optarg);
            break;

        case 'c':
            set_string(&o->http.certificate, optarg);
            stream_ssl_set_certificate_file(optarg);
            break;

        case 'C':
            set_string(&o->http.ca_cert, optarg);
            stream_ssl_set_ca_cert_file(optarg, false);
            break;

        VLOG_OPTION_HANDLERS
        DAEMON_OPTION_HANDLERS

        case '?':
            exit(EXIT_FAILURE);

        default:
            abort();
        }
    }
    free(short_options);

    argc -= optind;
    argv += optind;
    if (argc == 0) {
        o->db = default_db();
    } else if (argc == 1) {
        o->db = xstrdup(argv[0]);
    } else {
        ovs_fatal(0, "at most one non-option argument accepted; use --help "
                  "for usage");
    }
}

/* Prints --help and exits. */
static void
usage(void)
{
    printf("%s: the HTTP API of the tmirror Traffic_Mirror database\n"
           "usage: %s [OPTIONS] [DATABASE]\n"
           "where DATABASE is the Traffic_Mirror database (default: "
           "$TMIRROR_DB, else\nunix:%s/tmirror.sock).\n"
           "\nHTTP options:\n"
           "  --listen=[ssl:][IP:]PORT  listen there (default "
           DEFAULT_LISTEN ")\n"
           "  --credentials=FILE      projects, credentials and policies "
           "(JSON)\n"
           "  --max-body=BYTES        largest request body (default "
           "1048576)\n"
           "  --max-connections=N     connections with requests in "
           "progress (default 256)\n"
           "  --timeout=SECS          read and write timeout (default 10)\n"
           "  --db-timeout=SECS       how long a write waits for the "
           "database (default 30)\n"
           "  -p, --private-key=FILE  TLS key (HTTPS and ssl: databases)\n"
           "  -c, --certificate=FILE  TLS certificate\n"
           "  -C, --ca-cert=FILE      CA certificate\n",
           program_name, program_name, ovs_rundir());
    daemon_usage();
    vlog_usage();
    printf("\nOther options:\n"
           "  --unixctl=SOCKET        override default control socket name\n"
           "  -h, --help              display this help message\n"
           "  -V, --version           display version information\n");
    exit(EXIT_SUCCESS);
}
