/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* tmirror-ctl: the operator's command line for the Traffic_Mirror database,
 * built on OVS's db-ctl-base (generic database commands, option parsing,
 * table output).  Every command of one invocation runs in one transaction;
 * before it commits, every row it inserts or modifies is checked with what it
 * references and what references it (ctl-intent.h), so a refused command
 * changes nothing. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command-line.h"
#include "ctl-access.h"
#include "ctl-apply.h"
#include "ctl-export.h"
#include "ctl-failover.h"
#include "ctl-intent.h"
#include "ctl-scope.h"
#include "db-ctl-base.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-data.h"
#include "ovsdb-idl.h"
#include "process.h"
#include "smap.h"
#include "sset.h"
#include "stream-ssl.h"
#include "stream.h"
#include "svec.h"
#include "table.h"
#include "timeval.h"
#include "tmirror-idl.h"
#include "tmirror/intent-check.h"
#include "tmirror/intent-rows.h"
#include "tmirror/row-demand.h"
#include "tmirror/text.h"
#include "tmirror/validate.h"
#include "tmirror/vlan-set.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(tmirror_ctl);

/* --db: the database server to contact. */
static const char *db;

/* --oneline: write each command's output as a single line? */
static bool oneline;

/* --dry-run: do not commit any changes. */
static bool dry_run;

/* --timeout: seconds to wait for the database (and for --wait=hv), 0 for
 * no limit, and the time (in msec, as time_msec()) when that runs out. */
static unsigned int timeout;
static long long int deadline = LLONG_MAX;

/* How long tmirror-ctl may take to get its transaction committed, in seconds
 * (0: no limit) and as a time_msec(): --timeout if given, else
 * FAILOVER_LIMIT when --db names several remotes (without --retry), so that
 * looking for a cluster leader ends; --wait=hv is bounded by --timeout
 * only. */
#define FAILOVER_LIMIT 60
static unsigned int commit_limit;
static long long int commit_deadline = LLONG_MAX;

/* While a transaction has to be tried again, it is tried this often even if
 * the database view did not change (the IDL reconnected, or had not sent it
 * for want of a connection). */
#define RETRY_INTERVAL_MS 250

/* Exit statuses other than EXIT_SUCCESS and EXIT_FAILURE (refused or
 * failed; the database is unchanged). */
#define EXIT_WAIT_TIMEOUT 2     /* --wait=hv timed out; change committed. */
#define EXIT_COMMIT_UNKNOWN 3   /* Timed out awaiting the commit's outcome. */

/* --retry: keep trying to connect to the database. */
static bool retry;

/* --no-leader-only: a cluster follower will do (it forwards writes). */
static bool leader_only = true;

/* --wait=none|hv. */
enum wait_type {
    WAIT_NONE,                  /* Return once the database has committed. */
    WAIT_HV,                    /* Also wait for every chassis. */
};
static enum wait_type wait_type = WAIT_NONE;

/* Output format for commands that produce tables.  'format_given' records an
 * explicit --format; without one, tmirror's own *-list commands print a 2-d
 * table and the generic database commands print lists, as in ovs-vsctl. */
static struct table_style table_style = TABLE_STYLE_DEFAULT;
static bool format_given;

/* A TXN_ERROR caused by a constraint violation while the database changed
 * (e.g. another client created the same name meanwhile) is retried this many
 * times with the fresh view of the database, so that the commands' own
 * checks explain the conflict.  A refusal that no change of the database
 * explains is reported at once. */
#define MAX_CONFLICT_RETRIES 3
static int n_conflict_retries;

/* A round of the commands that asked for rows the IDL lacked is run again
 * once the server has sent them (see ctl-scope.h); each round asks only
 * what the previous ones' rows lead to, so a few rounds do.  After this
 * many, the whole database is fetched, which always answers. */
#define MAX_DEMAND_ROUNDS 16

/* What do_tmctl() did. */
enum tmctl_result {
    TMCTL_DONE,                 /* Committed (or nothing to commit). */
    TMCTL_TRY_AGAIN,            /* Try again on a newer database. */
    TMCTL_NEED_ROWS,            /* Try again once asked rows arrive. */
};

/* The IDL and transaction in use, for tmctl_exit() only. */
static struct ovsdb_idl *the_idl;
static struct ovsdb_idl_txn *the_idl_txn;

OVS_NO_RETURN static void tmctl_exit(int status);
OVS_NO_RETURN static void tmctl_fatal_status(int status, const char *, ...)
    OVS_PRINTF_FORMAT(2, 3);
static void wait_for_deadline(void);
static void init_scope(struct ovsdb_idl *, const struct ctl_command *,
                       size_t n);
static void set_deadlines(void);
OVS_NO_RETURN static void commit_timed_out(const struct ovsdb_idl *);
OVS_NO_RETURN static void usage(void);
static void tmctl_cmd_init(void);
static void parse_options(int argc, char *argv[], struct shash *local);
static void run_prerequisites(struct ctl_command *, size_t n,
                              struct ovsdb_idl *);
static enum tmctl_result do_tmctl(const char *args, struct ctl_command *,
                                  size_t n, struct ovsdb_idl *);

/* How the generic database commands find a row by name (defined below). */
static const struct ctl_table_class tables[TMREC_N_TABLES];

/* Runs the commands on the command line in one transaction. */
int
main(int argc, char *argv[])
{
    struct ctl_command *commands;
    struct shash local_options;
    size_t n_commands;

    set_program_name(argv[0]);
    fatal_ignore_sigpipe();
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    vlog_set_levels_from_string_assert("reconnect:warn");
    /* A failed transaction is reported once, by ctl_fatal(), or retried
     * (see should_retry_conflict()); the IDL's own warning would be noise. */
    vlog_set_levels_from_string_assert("ovsdb_idl:console:err");
    /* A dropped connection is either ridden out (another cluster member) or
     * reported once by ctl_fatal() with its reason; the warnings of the
     * layers below would be noise on a command that succeeds. */
    vlog_set_levels_from_string_assert("jsonrpc:console:err");
    vlog_set_levels_from_string_assert("reconnect:console:err");

    tmctl_cmd_init();

    char *args = process_escape_args(argv);
    shash_init(&local_options);
    parse_options(argc, argv, &local_options);
    char *error = ctl_parse_commands(argc - optind, argv + optind,
                                     &local_options, &commands, &n_commands);
    if (error) {
        ctl_fatal("%s", error);
    }
    VLOG(ctl_might_write_to_db(commands, n_commands) ? VLL_INFO : VLL_DBG,
         "Called as %s", args);

    set_deadlines();
    ctl_failover_init();

    /* Every column is monitored, so that any command may read anything of
     * a row it holds.  Unless a command needs the whole database (listings,
     * export, apply), the rows are those the commands ask for
     * (ctl-scope.h). */
    struct ovsdb_idl *idl = the_idl
        = ovsdb_idl_create_unconnected(&tmrec_idl_class, true);
    ovsdb_idl_set_leader_only(idl, leader_only);
    /* With several remotes, the IDL goes on to the next member when one
     * fails; commit_deadline bounds that. */
    ovsdb_idl_set_remote(idl, db,
                         retry || ctl_failover_n_remotes(db) > 1);
    ovsdb_idl_set_db_change_aware(idl, false);
    init_scope(idl, commands, n_commands);
    run_prerequisites(commands, n_commands, idl);
    if (ctl_intent_demand()) {
        /* Not yet connected: these go with the first monitor request. */
        tm_row_demand_send(ctl_intent_demand());
    }

    /* There is no point in retrying a transaction for a database sequence
     * number that it already failed with.  A round that asked for rows
     * waits until the server has acknowledged the conditions that ask for
     * them ('cond_seqno'). */
    unsigned int seqno = ovsdb_idl_get_seqno(idl);
    bool cond_wait = false;
    unsigned int cond_seqno = 0;
    int n_rounds = 0;
    long long int next_try = LLONG_MAX;
    for (;;) {
        ovsdb_idl_run(idl);
        ctl_failover_run(idl, db);
        if (!ovsdb_idl_is_alive(idl)) {
            int retval = ovsdb_idl_get_last_error(idl);
            ctl_fatal("%s: database connection failed (%s)",
                      db, ovs_retval_to_string(retval));
        }

        /* A round that asked for rows runs again once the server has
         * acknowledged them, or when the view changed anyway: after a
         * reconnection, the IDL sends the conditions with its new monitor
         * request without counting them as acknowledged. */
        bool ready = (seqno != ovsdb_idl_get_seqno(idl)
                      || (cond_wait
                          ? ovsdb_idl_get_condition_seqno(idl) >= cond_seqno
                          : time_msec() >= next_try));
        if (ready) {
            seqno = ovsdb_idl_get_seqno(idl);
            cond_wait = false;
            switch (do_tmctl(args, commands, n_commands, idl)) {
            case TMCTL_DONE:
                free(args);
                exit(EXIT_SUCCESS);

            case TMCTL_TRY_AGAIN:
                break;

            case TMCTL_NEED_ROWS:
                if (++n_rounds >= MAX_DEMAND_ROUNDS) {
                    tm_row_demand_everything(ctl_intent_demand());
                }
                cond_seqno = tm_row_demand_send(ctl_intent_demand());
                cond_wait = true;
                break;
            }
            /* With a view of the database that did not change, a
             * transaction to try again is tried again RETRY_INTERVAL_MS
             * later (the IDL reconnected, or had not sent it for want of a
             * connection).  The database may also have changed meanwhile
             * (a conflicting commit): ovsdb_idl_run() and the checks above
             * tell. */
            next_try = (!cond_wait && ovsdb_idl_has_ever_connected(idl)
                        ? time_msec() + RETRY_INTERVAL_MS : LLONG_MAX);
            continue;
        }

        if (time_msec() >= commit_deadline) {
            commit_timed_out(idl);
        }
        ovsdb_idl_wait(idl);
        ctl_failover_wait();
        poll_timer_wait_until(MIN(commit_deadline, next_try));
        poll_block();
    }
}

/* Creates the lookups of 'idl' for the 'n' 'commands': the whole database
 * when a command needs it, else the rows they ask for, without the tables
 * that the checks never read unless a command (or --wait=hv) reads them. */
static void
init_scope(struct ovsdb_idl *idl, const struct ctl_command *commands,
           size_t n)
{
    static const struct ovsdb_idl_table_class *const optional[] = {
        &tmrec_table_session_status, &tmrec_table_chassis,
        &tmrec_table_binding,
    };
    const struct ovsdb_idl_table_class *omit[ARRAY_SIZE(optional)];
    size_t n_omit = 0;
    bool partial = !ctl_scope_needs_everything(commands, n);

    for (size_t i = 0; partial && i < ARRAY_SIZE(optional); i++) {
        if (!ctl_scope_needs_table(commands, n, optional[i])
            && !(optional[i] == &tmrec_table_chassis
                 && wait_type == WAIT_HV)) {
            omit[n_omit++] = optional[i];
        }
    }
    ctl_intent_init(idl, partial, omit, n_omit);
    if (partial && !dry_run) {
        ctl_intent_defer_unique();
    }
}

/* Sets 'deadline' and 'commit_deadline' from --timeout and --db. */
static void
set_deadlines(void)
{
    long long int now = time_msec();
    if (timeout) {
        commit_limit = timeout;
        deadline = now + timeout * 1000LL;
    } else if (!retry && ctl_failover_n_remotes(db) > 1) {
        commit_limit = FAILOVER_LIMIT;
    }
    if (commit_limit) {
        commit_deadline = now + commit_limit * 1000LL;
    }
}

/* Exits when the transaction could not be committed in time: with
 * EXIT_COMMIT_UNKNOWN if one was sent whose outcome is unknown, else with
 * status 1 (nothing was changed), saying what tmirror-ctl was waiting for. */
static void
commit_timed_out(const struct ovsdb_idl *idl)
{
    int error = ovsdb_idl_get_last_error(idl);
    char *why = (error
                 ? xasprintf("last error: %s", ovs_retval_to_string(error))
                 : xstrdup("no member answered as the cluster leader"));
    if (ctl_failover_in_doubt()) {
        tmctl_fatal_status(EXIT_COMMIT_UNKNOWN,
                           "timed out after %u s: the connection to %s was "
                           "lost before the transaction's outcome was known "
                           "(%s): it may or may not have been committed",
                           commit_limit, db, why);
    } else if (ovsdb_idl_is_connected(idl)
               && ovsdb_idl_has_ever_connected(idl)) {
        ctl_fatal("timed out after %u s waiting for a change of %s "
                  "(nothing was changed)", commit_limit, db);
    } else if (ctl_failover_n_remotes(db) > 1) {
        ctl_fatal("timed out after %u s looking for the cluster leader "
                  "among %s (%s; nothing was changed)", commit_limit, db,
                  why);
    } else {
        ctl_fatal("timed out after %u s %s %s (nothing was changed)",
                  commit_limit,
                  (ovsdb_idl_has_ever_connected(idl)
                   ? "reconnecting to" : "connecting to"), db);
    }
}

/* Makes the next poll_block() wake up when --timeout runs out. */
static void
wait_for_deadline(void)
{
    if (deadline != LLONG_MAX) {
        poll_timer_wait_until(deadline);
    }
}

/* Returns the default database: $TMIRROR_DB, else
 * unix:$OVS_RUNDIR/tmirror.sock when OVS_RUNDIR is set (sandboxes, tests),
 * else the socket of the database service (tmirror-service),
 * unix:/var/run/tmirror/tmirror.sock.  The result is never freed. */
static const char *
default_db(void)
{
    static char *def;
    if (!def) {
        const char *env = getenv("TMIRROR_DB");
        if (env && *env) {
            def = xstrdup(env);
        } else {
            const char *rundir = getenv("OVS_RUNDIR");
            def = xasprintf("unix:%s/tmirror.sock",
                            rundir && *rundir ? rundir : "/var/run/tmirror");
        }
    }
    return def;
}

/* Makes --dry-run a global option.  It is added after the command-specific
 * options because a command (apply) may also declare it, and db-ctl-base
 * refuses a command option that duplicates a global one: in that case the
 * command's entry is turned into the global option.  '*options' is
 * terminated by an all-zero entry, which is kept last. */
static void
add_global_dry_run(struct option **options, size_t *n, size_t *allocated,
                   int opt_val)
{
    for (size_t i = 0; i < *n; i++) {
        if ((*options)[i].name && !strcmp((*options)[i].name, "dry-run")) {
            (*options)[i].val = opt_val;
            return;
        }
    }
    /* ctl_add_cmd_options() counted its all-zero terminator in '*n'. */
    if (*n >= *allocated) {
        *options = x2nrealloc(*options, allocated, sizeof **options);
    }
    (*options)[*n - 1] = (struct option) { xstrdup("dry-run"), no_argument,
                                           NULL, opt_val };
    memset(&(*options)[*n], 0, sizeof **options);
    (*n)++;
}

/* Parses the global options, stopping at the first non-option argument so
 * that options after a command name stay with that command. */
static void
parse_options(int argc, char *argv[], struct shash *local_options)
{
    enum {
        OPT_DB = UCHAR_MAX + 1,
        OPT_ONELINE,
        OPT_NO_SYSLOG,
        OPT_DRY_RUN,
        OPT_WAIT,
        OPT_RETRY,
        OPT_LOCAL,
        OPT_COMMANDS,
        OPT_OPTIONS,
        OPT_BOOTSTRAP_CA_CERT,
        OPT_NO_LEADER_ONLY,
        VLOG_OPTION_ENUMS,
        TABLE_OPTION_ENUMS,
        SSL_OPTION_ENUMS,
    };
    static const struct option global_long_options[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"no-syslog", no_argument, NULL, OPT_NO_SYSLOG},
        {"oneline", no_argument, NULL, OPT_ONELINE},
        {"timeout", required_argument, NULL, 't'},
        {"wait", required_argument, NULL, OPT_WAIT},
        {"retry", no_argument, NULL, OPT_RETRY},
        {"no-leader-only", no_argument, NULL, OPT_NO_LEADER_ONLY},
        {"help", no_argument, NULL, 'h'},
        {"commands", no_argument, NULL, OPT_COMMANDS},
        {"options", no_argument, NULL, OPT_OPTIONS},
        {"version", no_argument, NULL, 'V'},
        VLOG_LONG_OPTIONS,
        TABLE_LONG_OPTIONS,
        STREAM_SSL_LONG_OPTIONS,
        {"bootstrap-ca-cert", required_argument, NULL, OPT_BOOTSTRAP_CA_CERT},
        {NULL, 0, NULL, 0},
    };
    const int n_global_long_options = ARRAY_SIZE(global_long_options) - 1;

    char *tmp = ovs_cmdl_long_options_to_short_options(global_long_options);
    char *short_options = xasprintf("+%s", tmp);
    free(tmp);

    /* Command-specific options (--may-exist, --if-exists, ...) given before
     * the first command apply to it. */
    struct option *options = xmemdup(global_long_options,
                                     sizeof global_long_options);
    size_t allocated_options = ARRAY_SIZE(global_long_options);
    size_t n_options = n_global_long_options;
    ctl_add_cmd_options(&options, &n_options, &allocated_options, OPT_LOCAL);
    add_global_dry_run(&options, &n_options, &allocated_options,
                       OPT_DRY_RUN);

    for (;;) {
        int idx;
        int c = getopt_long(argc, argv, short_options, options, &idx);
        if (c == -1) {
            break;
        }

        switch (c) {
        case OPT_DB:
            db = optarg;
            break;

        case OPT_ONELINE:
            oneline = true;
            break;

        case OPT_NO_SYSLOG:
            vlog_set_levels(&this_module, VLF_SYSLOG, VLL_WARN);
            break;

        case OPT_DRY_RUN:
            dry_run = true;
            break;

        case OPT_WAIT:
            if (!strcmp(optarg, "none")) {
                wait_type = WAIT_NONE;
            } else if (!strcmp(optarg, "hv")) {
                wait_type = WAIT_HV;
            } else {
                ctl_fatal("--wait: %s is not none or hv", optarg);
            }
            break;

        case OPT_RETRY:
            retry = true;
            break;

        case OPT_NO_LEADER_ONLY:
            leader_only = false;
            break;

        case OPT_LOCAL:
            if (shash_find(local_options, options[idx].name)) {
                ctl_fatal("'%s' option specified multiple times",
                          options[idx].name);
            }
            shash_add_nocopy(local_options,
                             xasprintf("--%s", options[idx].name),
                             nullable_xstrdup(optarg));
            break;

        case 'h':
            usage();

        case OPT_COMMANDS:
            ctl_print_commands();
            /* fall through */

        case OPT_OPTIONS:
            ctl_print_options(global_long_options);
            /* fall through */

        case 'V':
#ifdef TMIRROR_VERSION
            printf("%s (tmirror) %s\n", program_name, TMIRROR_VERSION);
#endif
            printf("Open vSwitch library %s\n", VERSION);
            printf("DB Schema %s\n", tmrec_get_db_version());
            exit(EXIT_SUCCESS);

        case 't':
            if (!str_to_uint(optarg, 10, &timeout) || !timeout) {
                ctl_fatal("--timeout: %s is not a positive integer", optarg);
            }
            break;

        case 'f':
            format_given = true;
            table_parse_format(&table_style, optarg);
            break;

        case 'd':
            table_parse_cell_format(&table_style, optarg);
            break;

        case OPT_NO_HEADINGS:
            table_style.headings = false;
            break;

        case OPT_PRETTY:
            table_style.json_flags |= JSSF_PRETTY;
            break;

        case OPT_BARE:
            format_given = true;
            table_style.format = TF_LIST;
            table_style.cell_format = CF_BARE;
            table_style.headings = false;
            break;

        case OPT_MAX_COLUMN_WIDTH:
            table_style.max_column_width = atoi(optarg);
            break;

        VLOG_OPTION_HANDLERS
        STREAM_SSL_OPTION_HANDLERS

        case OPT_BOOTSTRAP_CA_CERT:
            stream_ssl_set_ca_cert_file(optarg, true);
            break;

        case '?':
            exit(EXIT_FAILURE);

        case 0:
            break;

        default:
            abort();
        }
    }
    free(short_options);

    if (!db) {
        db = default_db();
    }

    for (size_t i = n_global_long_options; options[i].name; i++) {
        free(CONST_CAST(char *, options[i].name));
    }
    free(options);
}


/* Returns db-ctl-base's usage of the generic database commands without its
 * line about a --force option, which tmirror-ctl does not have. */
static const char *
db_cmd_usage(void)
{
    static char *usage;
    if (!usage) {
        usage = xstrdup(ctl_get_db_cmd_usage());
        char *line = strstr(usage, "Potentially unsafe");
        char *end = line ? strchr(line, '\n') : NULL;
        if (end) {
            memmove(line, end + 1, strlen(end + 1) + 1);
        }
    }
    return usage;
}
/* Prints --help and exits. */
static void
usage(void)
{
    printf("\
%s: Traffic_Mirror database management utility\n\
usage: %s [OPTIONS] COMMAND [ARG...] [-- [OPTIONS] COMMAND [ARG...]]...\n\
\n\
General commands:\n\
  init                        initialize the database (create TM_Global\n\
                              and the tmirror-controller RBAC role)\n\
  show                        print the whole intent as a tree\n\
  sync                        with --wait=hv, wait until every chassis has\n\
                              programmed the current configuration\n\
\n\
Filter commands:\n\
  [--may-exist] filter-add FILTER [description=TEXT]\n\
                              create a filter (no rules: mirrors nothing)\n\
  [--if-exists] filter-del FILTER\n\
                              delete a filter that no session uses\n\
  filter-list                 list the filters\n\
  filter-show FILTER          print a filter, its rules and its sessions\n\
\n\
Filter rule commands:\n\
  [--may-exist] rule-add FILTER ingress|egress NUMBER accept|reject\n\
        [protocol=tcp|udp|icmp|icmpv6|sctp|N] [src=CIDR] [dst=CIDR]\n\
        [src-port=N[-M]] [dst-port=N[-M]] [vlan=ID[-ID][,...]]\n\
        [description=TEXT]\n\
                              add a rule (NUMBER 1 to 32766) to FILTER\n\
  [--if-exists] rule-del FILTER ingress|egress NUMBER\n\
                              delete a rule from FILTER\n\
  rule-list FILTER            list FILTER's rules in evaluation order\n\
\n\
Target commands:\n\
  [--may-exist] target-add TARGET port IFACE-ID [description=TEXT]\n\
                              create a target: a port plugged into the\n\
                              mirror bridge on some chassis\n\
  [--may-exist] target-add TARGET ip ADDR[,ADDR...]\n\
        [encap=vxlan|geneve|gre|erspan] [dst-port=N] [erspan-ver=1|2]\n\
        [description=TEXT]\n\
                              create a target: a collector (several\n\
                              addresses = a load-balanced group)\n\
  [--if-exists] target-del TARGET\n\
                              delete a target that no session uses\n\
  target-list                 list the targets\n\
\n\
Session commands:\n\
  [--may-exist] session-add SESSION SOURCE-IFACE-ID TARGET FILTER NUMBER\n\
        [vni=N] [packet-length=N] [enabled=true|false]\n\
        [independent=true|false] [description=TEXT]\n\
                              mirror SOURCE-IFACE-ID's traffic that FILTER\n\
                              accepts to TARGET (NUMBER 1 to 32766; VNI\n\
                              assigned when not given)\n\
  session-set SESSION KEY=VALUE...\n\
                              change a session (KEY: source, target, filter,\n\
                              number, vni, packet-length, enabled,\n\
                              independent, description)\n\
  [--if-exists] session-del SESSION\n\
                              delete a session\n\
  session-list                list the sessions\n\
  session-show SESSION        print a session and every chassis's status\n\
\n\
Access commands:\n\
  set-connection [read-only] [role=ROLE] TARGET...\n\
                              make ovsdb-server listen on exactly TARGETs\n\
                              (role=tmirror-controller for controllers)\n\
  get-connection              print the connections\n\
  del-connection              delete every connection\n\
  set-ssl PRIVATE-KEY CERTIFICATE CA-CERT\n\
                              set the database server's SSL files\n\
  get-ssl                     print them\n\
  del-ssl                     delete them\n\
\n\
Import and export commands:\n\
  export [FILE]               write the whole configuration as JSON\n\
                              (to stdout without FILE)\n\
  apply FILE [--dry-run] [--prune]\n\
                              make the configuration match FILE in one\n\
                              transaction (--dry-run: print the changes\n\
                              only; --prune: delete what FILE omits)\n\
\n\
%s\
%s\
\n\
Options:\n\
  --db=DATABASE               connect to DATABASE\n\
                              (default: %s;\n\
                              environment TMIRROR_DB overrides it)\n\
  -t, --timeout=SECS          give up after SECS seconds (exit status 1:\n\
                              nothing changed; 2: --wait=hv timed out\n\
                              after the commit; 3: commit outcome unknown)\n\
  --retry                     keep trying to connect to the database\n\
  --no-leader-only            accept a cluster member that is not the\n\
                              leader (it forwards writes to the leader)\n\
  --dry-run                   do not commit changes to the database\n\
  --oneline                   print exactly one line of output per command\n\
  --wait=none|hv              after committing, return at once (none, the\n\
                              default) or wait until every chassis has\n\
                              programmed the change into its datapath (hv)\n\
  --may-exist, --if-exists    (before a command) see the commands above\n",
           program_name, program_name, db_cmd_usage(),
           ctl_list_db_tables_usage(), default_db());
    /* Not OVS's table_usage(), which leaves out "list" and
     * --max-column-width: this is what tmirror-ctl(8) says. */
    printf("\n\
Output formatting options:\n\
  -f, --format=FORMAT         table, list, csv, json or html (default:\n\
                              table for *-list, list for list and find)\n\
  -d, --data=FORMAT           table cells as string, bare or json\n\
  --no-headings               omit the heading row\n\
  --pretty                    pretty-print JSON output\n\
  --bare                      same as --format=list --data=bare\n\
                              --no-headings\n\
  --max-column-width=N        limit table columns to N characters\n");
    vlog_usage();
    printf("\
  --no-syslog             equivalent to --verbose=tmirror_ctl:syslog:warn\n");
    stream_usage("database", true, true, true);
    printf("\n\
Other options:\n\
  -h, --help                  display this help message\n\
  -V, --version               display version information\n");
    exit(EXIT_SUCCESS);
}

/* Frees the transaction and the IDL, then exits with 'status'.  (Destroying
 * the transaction aborts it and, when it is still waiting for the server's
 * reply, forgets it in the IDL.) */
static void
tmctl_exit(int status)
{
    if (the_idl_txn) {
        ovsdb_idl_txn_destroy(the_idl_txn);
        the_idl_txn = NULL;
    }
    ovsdb_idl_destroy(the_idl);
    exit(status);
}

/* Like ctl_fatal(), but exits with 'status'. */
static void
tmctl_fatal_status(int status, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *message = xvasprintf(format, args);
    va_end(args);

    vlog_set_levels(&this_module, VLF_CONSOLE, VLL_OFF);
    VLOG_ERR("%s", message);
    ovs_error(0, "%s", message);
    free(message);
    tmctl_exit(status);
}

/* ------------------------------------------------------------------------ */
/* Helpers shared by the commands. */

/* Splits "KEY=VALUE" 'arg' of command 'cmd': returns a malloc()'d KEY and
 * stores VALUE in '*valuep', or reports an error in 'ctx' and returns
 * NULL. */
static char *
split_kv(struct ctl_context *ctx, const char *arg, const char **valuep)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        ctl_error(ctx, "%s: %s is not KEY=VALUE", ctx->argv[0], arg);
        return NULL;
    }
    *valuep = eq + 1;
    return xmemdup0(arg, eq - arg);
}

/* Refuses, with an error in 'ctx', a KEY that two of the arguments from
 * 'first' on give ("KEY=VALUE" each): the later one would silently win.
 * Returns true if there is none. */
static bool
check_repeated_keys(struct ctl_context *ctx, int first)
{
    for (int i = first + 1; i < ctx->argc; i++) {
        const char *eq = strchr(ctx->argv[i], '=');
        size_t len = eq ? eq - ctx->argv[i] : strlen(ctx->argv[i]);
        for (int j = first; j < i; j++) {
            if (!strncmp(ctx->argv[j], ctx->argv[i], len)
                && ctx->argv[j][len] == (eq ? '=' : '\0')) {
                ctl_error(ctx, "%s: key %.*s is given twice (%s, then %s)",
                          ctx->argv[0], (int) len, ctx->argv[i],
                          ctx->argv[j], ctx->argv[i]);
                return false;
            }
        }
    }
    return true;
}

/* Reports in 'ctx' that 'key' is not one of 'allowed'. */
static void
unknown_key(struct ctl_context *ctx, const char *key, const char *allowed)
{
    ctl_error(ctx, "%s: unknown key %s (expected %s)", ctx->argv[0], key,
              allowed);
}

/* Stores in 'ctx' the error 'error' (a malloc()'d validate.h message) and
 * returns true, or returns false if 'error' is NULL. */
static bool
take_error(struct ctl_context *ctx, char *error)
{
    if (!error) {
        return false;
    }
    ctl_error(ctx, "%s", error);
    free(error);
    return true;
}

/* Returns 'name' as a message shows it, in a malloc()'d string: as it is
 * when it is a valid name, else quoted and escaped (it may come from the
 * command line or from another client). */
static char *
shown_name(const char *name)
{
    return tm_is_valid_name(name) ? xstrdup(name) : tm_text_escape(name);
}

/* Returns the filter named 'name', or NULL. */
static const struct tmrec_filter *
filter_by_name(const struct ovsdb_idl *idl OVS_UNUSED, const char *name)
{
    return tm_intent_lookup_filter(ctl_intent_lookup(), name, NULL);
}

/* Returns the target named 'name', or NULL. */
static const struct tmrec_target *
target_by_name(const struct ovsdb_idl *idl OVS_UNUSED, const char *name)
{
    return tm_intent_lookup_target(ctl_intent_lookup(), name, NULL);
}

/* Returns the session named 'name', or NULL. */
static const struct tmrec_session *
session_by_name(const struct ovsdb_idl *idl OVS_UNUSED, const char *name)
{
    return tm_intent_lookup_session(ctl_intent_lookup(), name, NULL);
}

/* Looks up the filter 'name' for a command; reports an error in 'ctx' and
 * returns NULL if there is none. */
static const struct tmrec_filter *
must_get_filter(struct ctl_context *ctx, const char *name)
{
    const struct tmrec_filter *filter = filter_by_name(ctx->idl, name);
    if (!filter) {
        char *shown = shown_name(name);
        ctl_error(ctx, "%s: filter %s does not exist", ctx->argv[0], shown);
        free(shown);
    }
    return filter;
}

/* Looks up the target 'name' for a command (see must_get_filter()). */
static const struct tmrec_target *
must_get_target(struct ctl_context *ctx, const char *name)
{
    const struct tmrec_target *target = target_by_name(ctx->idl, name);
    if (!target) {
        char *shown = shown_name(name);
        ctl_error(ctx, "%s: target %s does not exist", ctx->argv[0], shown);
        free(shown);
    }
    return target;
}

/* Looks up the session 'name' for a command (see must_get_filter()). */
static const struct tmrec_session *
must_get_session(struct ctl_context *ctx, const char *name)
{
    const struct tmrec_session *session = session_by_name(ctx->idl, name);
    if (!session) {
        char *shown = shown_name(name);
        ctl_error(ctx, "%s: session %s does not exist", ctx->argv[0], shown);
        free(shown);
    }
    return session;
}

/* Returns the name of a session that uses 'filter' or 'target' (the first in
 * name order), or NULL. */
static const char *
session_using(const struct tmrec_filter *filter,
              const struct tmrec_target *target)
{
    const struct tmrec_session *user
        = tm_intent_lookup_user(ctl_intent_lookup(), filter, target);
    return user ? user->name : NULL;
}

/* Starts a 2-d table in 'ctx' with the given column headings (a NULL
 * terminated list). */
static struct table *
start_table(struct ctl_context *ctx, const char *const *headings)
{
    ctx->table = xmalloc(sizeof *ctx->table);
    table_init(ctx->table);
    for (; *headings; headings++) {
        table_add_column(ctx->table, "%s", *headings);
    }
    return ctx->table;
}

/* Adds a text cell 's' (copied) to the current row of 't', escaped if it
 * would not print on one line (another client may have written it). */
static void
add_text_cell(struct table *t, const char *s)
{
    s = s ? s : "";
    table_add_cell(t)->text = (tm_text_is_printable(s) ? xstrdup(s)
                               : tm_text_escape(s));
}

/* Adds an integer cell, or an empty one if 'n' is 0, to 't'. */
static void
add_int_cell(struct table *t, const int64_t *value, size_t n)
{
    struct cell *cell = table_add_cell(t);
    if (n) {
        cell->json = json_integer_create(value[0]);
    } else {
        cell->text = xstrdup("");
    }
}

/* Appends 'text' to 's' as is, or in double quotes and escaped
 * (tm_text_escape()) if it is empty or has spaces, quotes, '=', or any
 * character that a description may not hold, so that a value written by
 * another client can neither break a line of the output nor hide what it
 * holds. */
static void
put_maybe_quoted(struct ds *s, const char *text)
{
    if (!*text || strpbrk(text, " \"\\=") || !tm_text_is_printable(text)) {
        char *escaped = tm_text_escape(text);
        ds_put_cstr(s, escaped);
        free(escaped);
    } else {
        ds_put_cstr(s, text);
    }
}


/* Appends the name 'name' to 's', as is if it is a valid name (text.h), else
 * quoted and escaped. */
static void
put_name(struct ds *s, const char *name)
{
    if (tm_is_valid_name(name)) {
        ds_put_cstr(s, name);
    } else {
        char *escaped = tm_text_escape(name ? name : "");
        ds_put_cstr(s, escaped);
        free(escaped);
    }
}

/* ------------------------------------------------------------------------ */
/* init, show, sync. */

/* "init": TM_Global is created for every writing command set (see
 * do_tmctl()); this creates or refreshes the tmirror-controller RBAC
 * role. */
static void
cmd_init(struct ctl_context *ctx)
{
    ctl_access_init_rbac(ctx);
}

/* "sync": does nothing by itself; with --wait=hv the transaction bumps
 * TM_Global.cfg and waits for every chassis. */
static void
cmd_sync(struct ctl_context *ctx OVS_UNUSED)
{
}

/* Appends the protocol of 'rule' by name or number. */
static void
put_protocol(struct ds *s, int64_t protocol)
{
    const char *name = tm_protocol_name(protocol);
    if (name) {
        ds_put_cstr(s, name);
    } else {
        ds_put_format(s, "%"PRId64, protocol);
    }
}

/* Appends a port range "N" or "N-M" from optional columns. */
static void
put_port_range(struct ds *s, const int64_t *from, size_t n_from,
               const int64_t *to, size_t n_to)
{
    if (n_from && n_to && from[0] != to[0]) {
        ds_put_format(s, "%"PRId64"-%"PRId64, from[0], to[0]);
    } else if (n_from) {
        ds_put_format(s, "%"PRId64, from[0]);
    } else if (n_to) {
        ds_put_format(s, "%"PRId64, to[0]);
    }
}

/* Appends 'rule' to 's' in rule-add syntax, e.g. "ingress 10 accept
 * protocol=tcp dst-port=80". */
static void
format_rule(struct ds *s, const struct tmrec_filter_rule *r)
{
    ds_put_format(s, "%s %"PRId64" %s", r->direction, r->rule_number,
                  r->action);
    if (r->n_protocol) {
        ds_put_cstr(s, " protocol=");
        put_protocol(s, r->protocol[0]);
    }
    if (r->source_cidr && *r->source_cidr) {
        ds_put_cstr(s, " src=");
        put_maybe_quoted(s, r->source_cidr);
    }
    if (r->destination_cidr && *r->destination_cidr) {
        ds_put_cstr(s, " dst=");
        put_maybe_quoted(s, r->destination_cidr);
    }
    if (r->n_source_port_from || r->n_source_port_to) {
        ds_put_cstr(s, " src-port=");
        put_port_range(s, r->source_port_from, r->n_source_port_from,
                       r->source_port_to, r->n_source_port_to);
    }
    if (r->n_destination_port_from || r->n_destination_port_to) {
        ds_put_cstr(s, " dst-port=");
        put_port_range(s, r->destination_port_from,
                       r->n_destination_port_from,
                       r->destination_port_to, r->n_destination_port_to);
    }
    if (r->vlan && *r->vlan) {
        ds_put_format(s, " vlan=%s", r->vlan);
    }
    if (*r->description) {
        ds_put_cstr(s, " description=");
        put_maybe_quoted(s, r->description);
    }
}

/* qsort() comparison of rows by their name, given a pointer to the row's
 * 'name' member offset. */
static size_t name_offset;
static int
compare_by_name(const void *a_, const void *b_)
{
    const char *a = *(const char **) ((const char *) *(const void **) a_
                                      + name_offset);
    const char *b = *(const char **) ((const char *) *(const void **) b_
                                      + name_offset);
    return strcmp(a, b);
}

/* Returns the rows of 'table' in 'idl', sorted by their string column at
 * 'offset' in the row struct, as a malloc()'d array; stores the count in
 * '*n'. */
static const void **
sorted_rows(const struct ovsdb_idl *idl,
            const struct ovsdb_idl_table_class *table, size_t offset,
            size_t *n)
{
    const void **rows = NULL;
    size_t allocated = 0;
    *n = 0;
    for (const struct ovsdb_idl_row *row = ovsdb_idl_first_row(idl, table);
         row; row = ovsdb_idl_next_row(row)) {
        if (*n >= allocated) {
            rows = x2nrealloc(rows, &allocated, sizeof *rows);
        }
        rows[(*n)++] = row;
    }
    name_offset = offset;
    if (*n) {
        qsort(rows, *n, sizeof *rows, compare_by_name);
    }
    return rows;
}

#define SORTED_ROWS(IDL, TABLE, STRUCT, N)                              \
    ((const struct STRUCT **) sorted_rows(IDL, &tmrec_table_##TABLE,    \
                                          offsetof(struct STRUCT, name), N))

/* Appends a target's destination: its iface-id or its addresses. */
static void
format_target_dest(struct ds *s, const struct tmrec_target *t)
{
    if (!strcmp(t->type, "port")) {
        put_maybe_quoted(s, t->port ? t->port : "");
        return;
    }
    for (size_t i = 0; i < t->n_addresses; i++) {
        ds_put_cstr(s, i ? "," : "");
        put_maybe_quoted(s, t->addresses[i]);
    }
}

/* Appends a target's options as "dst-port=N erspan-ver=N ...", each preceded
 * by a space. */
static void
format_target_options(struct ds *s, const struct tmrec_target *t)
{
    const struct smap_node **nodes = smap_sort(&t->options);
    for (size_t i = 0; i < smap_count(&t->options); i++) {
        const char *key = nodes[i]->key;
        ds_put_format(s, " %s=%s",
                      !strcmp(key, "dst_port") ? "dst-port"
                      : !strcmp(key, "erspan_ver") ? "erspan-ver" : key,
                      nodes[i]->value);
    }
    free(nodes);
}

/* Appends 'target' in target-add syntax, e.g. "ip 192.0.2.1 encap=vxlan". */
static void
format_target(struct ds *s, const struct tmrec_target *t)
{
    ds_put_format(s, "%s ", t->type);
    format_target_dest(s, t);
    if (!strcmp(t->type, "ip")) {
        ds_put_format(s, " encap=%s", tm_target_encap(t->encap));
    }
    format_target_options(s, t);
    if (*t->description) {
        ds_put_cstr(s, " description=");
        put_maybe_quoted(s, t->description);
    }
}

/* Appends 'session' as "source IFACE number N target T filter F vni V ...".
 */
static void
format_session(struct ds *s, const struct tmrec_session *x)
{
    ds_put_cstr(s, "source=");
    put_maybe_quoted(s, x->source);
    ds_put_format(s, " number=%"PRId64" target=", x->session_number);
    put_name(s, x->target ? x->target->name : "");
    ds_put_cstr(s, " filter=");
    put_name(s, x->filter ? x->filter->name : "");
    ds_put_format(s, " vni=%"PRId64, x->vni);
    if (x->n_packet_length) {
        ds_put_format(s, " packet-length=%"PRId64, x->packet_length[0]);
    }
    ds_put_format(s, " enabled=%s", x->enabled ? "true" : "false");
    if (x->independent) {
        ds_put_cstr(s, " independent=true");
    }
    if (*x->description) {
        ds_put_cstr(s, " description=");
        put_maybe_quoted(s, x->description);
    }
}

/* Appends 'filter' and its rules, indented. */
static void
show_filter(struct ds *s, const struct tmrec_filter *filter)
{
    ds_put_cstr(s, "filter ");
    put_name(s, filter->name);
    ds_put_char(s, '\n');
    if (*filter->description) {
        ds_put_cstr(s, "    description: ");
        put_maybe_quoted(s, filter->description);
        ds_put_char(s, '\n');
    }
    const struct tmrec_filter_rule **rules = tm_filter_sorted_rules(filter);
    for (size_t i = 0; i < filter->n_rules; i++) {
        ds_put_cstr(s, "    rule ");
        format_rule(s, rules[i]);
        ds_put_char(s, '\n');
    }
    free(rules);
}

/* "show": the whole intent as a tree, in name order. */
static void
cmd_show(struct ctl_context *ctx)
{
    struct ds *s = &ctx->output;
    size_t n;

    const struct tmrec_filter **filters
        = SORTED_ROWS(ctx->idl, filter, tmrec_filter, &n);
    for (size_t i = 0; i < n; i++) {
        show_filter(s, filters[i]);
    }
    free(filters);

    const struct tmrec_target **targets
        = SORTED_ROWS(ctx->idl, target, tmrec_target, &n);
    for (size_t i = 0; i < n; i++) {
        ds_put_cstr(s, "target ");
        put_name(s, targets[i]->name);
        ds_put_cstr(s, "\n    ");
        format_target(s, targets[i]);
        ds_put_char(s, '\n');
    }
    free(targets);

    const struct tmrec_session **sessions
        = SORTED_ROWS(ctx->idl, session, tmrec_session, &n);
    for (size_t i = 0; i < n; i++) {
        ds_put_cstr(s, "session ");
        put_name(s, sessions[i]->name);
        ds_put_cstr(s, "\n    ");
        format_session(s, sessions[i]);
        ds_put_char(s, '\n');
    }
    free(sessions);

    const struct tmrec_chassis **chassis
        = SORTED_ROWS(ctx->idl, chassis, tmrec_chassis, &n);
    for (size_t i = 0; i < n; i++) {
        ds_put_cstr(s, "chassis ");
        put_name(s, chassis[i]->name);
        ds_put_cstr(s, "\n    ");
        if (*chassis[i]->encap_ip) {
            ds_put_cstr(s, "encap_ip=");
            put_maybe_quoted(s, chassis[i]->encap_ip);
            ds_put_char(s, ' ');
        }
        ds_put_format(s, "cfg=%"PRId64"\n", chassis[i]->cfg);
    }
    free(chassis);
}

/* ------------------------------------------------------------------------ */
/* Filter commands. */

/* "filter-add FILTER [description=TEXT]". */
static void
cmd_filter_add(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    const char *description = NULL;

    if (take_error(ctx, tm_check_name("name", name))
        || !check_repeated_keys(ctx, 2)) {
        return;
    }
    for (int i = 2; i < ctx->argc; i++) {
        const char *value;
        char *key = split_kv(ctx, ctx->argv[i], &value);
        if (!key) {
            return;
        }
        if (!strcmp(key, "description")) {
            description = value;
            if (take_error(ctx, tm_check_description("description",
                                                     value))) {
                free(key);
                return;
            }
        } else {
            unknown_key(ctx, key, "description");
            free(key);
            return;
        }
        free(key);
    }

    if (filter_by_name(ctx->idl, name)) {
        if (!shash_find(&ctx->options, "--may-exist")) {
            ctl_error(ctx, "filter-add: filter %s already exists", name);
        }
        return;
    }

    struct tmrec_filter *filter = tmrec_filter_insert(ctx->txn);
    tmrec_filter_set_name(filter, name);
    tmrec_filter_set_description(filter, description ? description : "");
}

/* "filter-del FILTER". */
static void
cmd_filter_del(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    const struct tmrec_filter *filter = filter_by_name(ctx->idl, name);
    if (!filter) {
        if (!shash_find(&ctx->options, "--if-exists")) {
            char *shown = shown_name(name);
            ctl_error(ctx, "filter-del: filter %s does not exist", shown);
            free(shown);
        }
        return;
    }

    const char *user = session_using(filter, NULL);
    if (user) {
        ctl_error(ctx, "filter-del: filter %s is used by session %s (delete "
                  "the session or change its filter first)", name, user);
        return;
    }
    for (size_t i = 0; i < filter->n_rules; i++) {
        tmrec_filter_rule_delete(filter->rules[i]);
    }
    tmrec_filter_delete(filter);
}

/* "filter-list": a table of the filters. */
static void
cmd_filter_list(struct ctl_context *ctx)
{
    static const char *const headings[] = {
        "name", "rules", "description", NULL
    };
    struct table *t = start_table(ctx, headings);
    size_t n;
    const struct tmrec_filter **filters
        = SORTED_ROWS(ctx->idl, filter, tmrec_filter, &n);
    for (size_t i = 0; i < n; i++) {
        int64_t n_rules = filters[i]->n_rules;
        table_add_row(t);
        add_text_cell(t, filters[i]->name);
        add_int_cell(t, &n_rules, 1);
        add_text_cell(t, filters[i]->description);
    }
    free(filters);
}

/* tm_intent_lookup_filter_sessions() callback: adds the session's name to
 * the svec 'names_'. */
static void
add_session_name(const struct tmrec_session *session, void *names_)
{
    svec_add(names_, session->name);
}

/* "filter-show FILTER": the filter, its rules and the sessions using it. */
static void
cmd_filter_show(struct ctl_context *ctx)
{
    const struct tmrec_filter *filter = must_get_filter(ctx, ctx->argv[1]);
    if (!filter) {
        return;
    }
    show_filter(&ctx->output, filter);

    struct svec users = SVEC_EMPTY_INITIALIZER;
    tm_intent_lookup_filter_sessions(ctl_intent_lookup(), filter,
                                     add_session_name, &users);
    svec_sort(&users);
    for (size_t i = 0; i < users.n; i++) {
        ds_put_cstr(&ctx->output, "    used by session ");
        put_name(&ctx->output, users.names[i]);
        ds_put_char(&ctx->output, '\n');
    }
    svec_destroy(&users);
}

/* ------------------------------------------------------------------------ */
/* Rule commands. */

/* Parses "ingress|egress" (argument 'arg') for 'ctx'. */
static bool
parse_direction(struct ctl_context *ctx, const char *arg)
{
    if (strcmp(arg, "ingress") && strcmp(arg, "egress")) {
        ctl_error(ctx, "direction: %s is not ingress or egress", arg);
        return false;
    }
    return true;
}

/* Returns true if the IDL holds every rule of 'filter' (a client that
 * fetches only some rows asks for them first, see ctl-scope.h); else
 * reports an error in 'ctx' rather than rewrite the filter's rules without
 * the missing ones. */
static bool
filter_rules_complete(struct ctl_context *ctx,
                      const struct tmrec_filter *filter)
{
    const struct ovsdb_datum *rules
        = tmrec_filter_get_rules(filter, OVSDB_TYPE_UUID);
    if (rules->n != filter->n_rules) {
        ctl_error(ctx, "%s: filter %s: %"PRIuSIZE" of its %u rules could not "
                  "be read", ctx->argv[0], filter->name,
                  rules->n - filter->n_rules, rules->n);
        return false;
    }
    return true;
}

/* Finds the rule of 'filter' with 'direction' and 'number', or NULL. */
static const struct tmrec_filter_rule *
find_rule(const struct tmrec_filter *filter, const char *direction,
          int64_t number)
{
    for (size_t i = 0; i < filter->n_rules; i++) {
        const struct tmrec_filter_rule *r = filter->rules[i];
        if (!strcmp(r->direction, direction) && r->rule_number == number) {
            return r;
        }
    }
    return NULL;
}

/* Rewrites 'filter''s rules with 'add' added and 'remove' removed (either
 * may be NULL).  The whole column is written, not a partial update, so that
 * later commands and ctl_intent_check() see the change in the IDL; it is
 * verified, so that a rule another client adds meanwhile (which this client
 * may not hold) makes the commit try again rather than drop the rule. */
static void
set_filter_rules(const struct tmrec_filter *filter,
                 struct tmrec_filter_rule *add,
                 const struct tmrec_filter_rule *remove)
{
    tmrec_filter_verify_rules(filter);
    struct tmrec_filter_rule **rules
        = xmalloc((filter->n_rules + 1) * sizeof *rules);
    size_t n = 0;
    for (size_t i = 0; i < filter->n_rules; i++) {
        if (filter->rules[i] != remove) {
            rules[n++] = filter->rules[i];
        }
    }
    if (add) {
        rules[n++] = add;
    }
    tmrec_filter_set_rules(filter, rules, n);
    free(rules);
}

/* The optional values of a rule-add command, parsed. */
struct rule_args {
    struct tm_rule rule;
    char *src, *dst;            /* Canonical CIDRs or NULL. */
    const char *vlan;           /* As given, or NULL. */
    const char *description;
};

/* Parses one KEY=VALUE argument of rule-add into 'ra'.  Returns false after
 * reporting an error in 'ctx'. */
static bool
parse_rule_kv(struct ctl_context *ctx, const char *arg, struct rule_args *ra)
{
    struct tm_rule *r = &ra->rule;
    const char *value;
    char *key = split_kv(ctx, arg, &value);
    char *error = NULL;
    struct tm_cidr cidr;

    if (!key) {
        return false;
    }
    if (!strcmp(key, "protocol")) {
        error = tm_parse_protocol("protocol", value, &r->protocol);
        r->has_protocol = !error;
    } else if (!strcmp(key, "src") || !strcmp(key, "dst")) {
        bool src = key[0] == 's';
        error = tm_parse_cidr(src ? "source_cidr" : "destination_cidr",
                              value, &cidr);
        if (!error) {
            char **p = src ? &ra->src : &ra->dst;
            free(*p);
            *p = tm_cidr_to_string(&cidr);
        }
    } else if (!strcmp(key, "src-port")) {
        error = tm_parse_port_range("source_port", value,
                                    &r->source_port_from, &r->source_port_to);
        r->has_source_port_from = r->has_source_port_to = !error;
    } else if (!strcmp(key, "dst-port")) {
        error = tm_parse_port_range("destination_port", value,
                                    &r->destination_port_from,
                                    &r->destination_port_to);
        r->has_destination_port_from = r->has_destination_port_to = !error;
    } else if (!strcmp(key, "vlan")) {
        error = tm_check_vlan_set("vlan", value);
        ra->vlan = value;
    } else if (!strcmp(key, "description")) {
        ra->description = value;
        error = tm_check_description("description", value);
    } else {
        unknown_key(ctx, key, "protocol, src, dst, src-port, dst-port, vlan "
                    "or description");
        free(key);
        return false;
    }
    free(key);
    return !take_error(ctx, error);
}

/* Writes the parsed 'ra' into the new row 'row'. */
static void
write_rule(const struct tmrec_filter_rule *row, const struct rule_args *ra)
{
    const struct tm_rule *r = &ra->rule;

    tmrec_filter_rule_set_direction(row, r->direction);
    tmrec_filter_rule_set_rule_number(row, r->rule_number);
    tmrec_filter_rule_set_action(row, r->action);
    tmrec_filter_rule_set_protocol(row, &r->protocol, r->has_protocol);
    tmrec_filter_rule_set_source_cidr(row, ra->src);
    tmrec_filter_rule_set_destination_cidr(row, ra->dst);
    tmrec_filter_rule_set_source_port_from(row, &r->source_port_from,
                                           r->has_source_port_from);
    tmrec_filter_rule_set_source_port_to(row, &r->source_port_to,
                                         r->has_source_port_to);
    tmrec_filter_rule_set_destination_port_from(
        row, &r->destination_port_from, r->has_destination_port_from);
    tmrec_filter_rule_set_destination_port_to(
        row, &r->destination_port_to, r->has_destination_port_to);
    tmrec_filter_rule_set_vlan(row, ra->vlan);
    tmrec_filter_rule_set_description(row, ra->description
                                           ? ra->description : "");
}

/* Parses the fixed and optional arguments of rule-add into 'ra'. */
static bool
parse_rule_args(struct ctl_context *ctx, struct rule_args *ra)
{
    memset(ra, 0, sizeof *ra);
    ra->rule.direction = ctx->argv[2];
    ra->rule.action = ctx->argv[4];
    if (!parse_direction(ctx, ctx->argv[2])
        || take_error(ctx, tm_parse_int("rule_number", ctx->argv[3],
                                        TM_NUMBER_MIN, TM_NUMBER_MAX,
                                        &ra->rule.rule_number))) {
        return false;
    }
    if (strcmp(ctx->argv[4], "accept") && strcmp(ctx->argv[4], "reject")) {
        ctl_error(ctx, "action: %s is not accept or reject", ctx->argv[4]);
        return false;
    }
    if (!check_repeated_keys(ctx, 5)) {
        return false;
    }
    for (int i = 5; i < ctx->argc; i++) {
        if (!parse_rule_kv(ctx, ctx->argv[i], ra)) {
            return false;
        }
    }
    ra->rule.source_cidr = ra->src;
    ra->rule.destination_cidr = ra->dst;
    ra->rule.vlan = ra->vlan;
    return !take_error(ctx, tm_rule_validate(&ra->rule));
}

/* "rule-add FILTER DIRECTION NUMBER ACTION [KEY=VALUE]...". */
static void
cmd_rule_add(struct ctl_context *ctx)
{
    struct rule_args ra;
    if (!parse_rule_args(ctx, &ra)) {
        goto out;
    }

    const struct tmrec_filter *filter = must_get_filter(ctx, ctx->argv[1]);
    if (!filter || !filter_rules_complete(ctx, filter)) {
        goto out;
    }
    if (find_rule(filter, ra.rule.direction, ra.rule.rule_number)) {
        if (!shash_find(&ctx->options, "--may-exist")) {
            ctl_error(ctx, "rule-add: filter %s already has rule %s %"PRId64,
                      filter->name, ra.rule.direction, ra.rule.rule_number);
        }
        goto out;
    }

    struct tmrec_filter_rule *row = tmrec_filter_rule_insert(ctx->txn);
    write_rule(row, &ra);
    set_filter_rules(filter, row, NULL);

out:
    free(ra.src);
    free(ra.dst);
}

/* "rule-del FILTER DIRECTION NUMBER". */
static void
cmd_rule_del(struct ctl_context *ctx)
{
    int64_t number;
    if (!parse_direction(ctx, ctx->argv[2])
        || take_error(ctx, tm_parse_int("rule_number", ctx->argv[3],
                                        TM_NUMBER_MIN, TM_NUMBER_MAX,
                                        &number))) {
        return;
    }
    const struct tmrec_filter *filter = must_get_filter(ctx, ctx->argv[1]);
    if (!filter || !filter_rules_complete(ctx, filter)) {
        return;
    }
    const struct tmrec_filter_rule *rule = find_rule(filter, ctx->argv[2],
                                                     number);
    if (!rule) {
        if (!shash_find(&ctx->options, "--if-exists")) {
            ctl_error(ctx, "rule-del: filter %s has no rule %s %"PRId64,
                      filter->name, ctx->argv[2], number);
        }
        return;
    }
    set_filter_rules(filter, NULL, rule);
    tmrec_filter_rule_delete(rule);
}

/* "rule-list FILTER": a table of the rules in evaluation order. */
static void
cmd_rule_list(struct ctl_context *ctx)
{
    static const char *const headings[] = {
        "direction", "number", "action", "protocol", "src", "dst",
        "src-port", "dst-port", "vlan", "description", NULL
    };
    const struct tmrec_filter *filter = must_get_filter(ctx, ctx->argv[1]);
    if (!filter) {
        return;
    }

    struct table *t = start_table(ctx, headings);
    const struct tmrec_filter_rule **rules = tm_filter_sorted_rules(filter);
    for (size_t i = 0; i < filter->n_rules; i++) {
        const struct tmrec_filter_rule *r = rules[i];
        struct ds s = DS_EMPTY_INITIALIZER;

        table_add_row(t);
        add_text_cell(t, r->direction);
        add_int_cell(t, &r->rule_number, 1);
        add_text_cell(t, r->action);
        if (r->n_protocol) {
            put_protocol(&s, r->protocol[0]);
        }
        add_text_cell(t, ds_cstr(&s));
        add_text_cell(t, r->source_cidr);
        add_text_cell(t, r->destination_cidr);
        ds_clear(&s);
        put_port_range(&s, r->source_port_from, r->n_source_port_from,
                       r->source_port_to, r->n_source_port_to);
        add_text_cell(t, ds_cstr(&s));
        ds_clear(&s);
        put_port_range(&s, r->destination_port_from,
                       r->n_destination_port_from, r->destination_port_to,
                       r->n_destination_port_to);
        add_text_cell(t, ds_cstr(&s));
        add_text_cell(t, r->vlan);
        add_text_cell(t, r->description);
        ds_destroy(&s);
    }
    free(rules);
}

/* ------------------------------------------------------------------------ */
/* Target commands. */

/* The arguments of target-add, parsed. */
struct target_args {
    struct svec addresses;
    const char *encap;
    const char *description;
    struct smap options;
};

/* Parses the KEY=VALUE arguments of an ip target-add into 'ta'. */
static bool
parse_ip_target_kvs(struct ctl_context *ctx, struct target_args *ta)
{
    for (int i = 4; i < ctx->argc; i++) {
        const char *value;
        char *key = split_kv(ctx, ctx->argv[i], &value);
        if (!key) {
            return false;
        }
        if (!strcmp(key, "encap")) {
            ta->encap = value;      /* tm_target_validate() refuses "". */
        } else if (!strcmp(key, "dst-port")) {
            smap_replace(&ta->options, "dst_port", value);
        } else if (!strcmp(key, "erspan-ver")) {
            smap_replace(&ta->options, "erspan_ver", value);
        } else if (!strcmp(key, "description")) {
            ta->description = value;
        } else {
            unknown_key(ctx, key, "encap, dst-port, erspan-ver or "
                        "description");
            free(key);
            return false;
        }
        free(key);
    }
    return true;
}

/* Parses target-add's arguments after the name into 'ta' and validates
 * them as a whole. */
static bool
parse_target_args(struct ctl_context *ctx, struct target_args *ta)
{
    const char *type = ctx->argv[2];

    if (!check_repeated_keys(ctx, 4)) {
        return false;
    }
    if (!strcmp(type, "port")) {
        for (int i = 4; i < ctx->argc; i++) {
            const char *value;
            char *key = split_kv(ctx, ctx->argv[i], &value);
            if (!key) {
                return false;
            }
            if (strcmp(key, "description")) {
                unknown_key(ctx, key, "description for a port target");
                free(key);
                return false;
            }
            ta->description = value;
            free(key);
        }
    } else if (!strcmp(type, "ip")) {
        /* Empty pieces are kept so that validation reports them. */
        const char *p = ctx->argv[3];
        for (;;) {
            const char *comma = strchr(p, ',');
            if (!comma) {
                svec_add(&ta->addresses, p);
                break;
            }
            svec_add_nocopy(&ta->addresses, xmemdup0(p, comma - p));
            p = comma + 1;
        }
        if (!parse_ip_target_kvs(ctx, ta)) {
            return false;
        }
    } else {
        ctl_error(ctx, "type: %s is not port or ip", type);
        return false;
    }

    struct tm_target t;
    const struct smap_node **nodes = smap_sort(&ta->options);
    size_t n = smap_count(&ta->options);
    const char **keys = xcalloc(n + 1, sizeof *keys);
    const char **values = xcalloc(n + 1, sizeof *values);
    for (size_t i = 0; i < n; i++) {
        keys[i] = nodes[i]->key;
        values[i] = nodes[i]->value;
    }
    memset(&t, 0, sizeof t);
    t.name = ctx->argv[1];
    t.type = type;
    t.port = !strcmp(type, "port") ? ctx->argv[3] : NULL;
    t.addresses = (const char *const *) ta->addresses.names;
    t.n_addresses = ta->addresses.n;
    t.encap = ta->encap;
    t.option_keys = keys;
    t.option_values = values;
    t.n_options = n;
    char *error = tm_target_validate(&t);
    if (!error && t.port) {
        error = tm_check_iface_id("port", t.port);
    }
    if (!error) {
        error = tm_check_description("description", ta->description);
    }
    free(nodes);
    free(keys);
    free(values);
    return !take_error(ctx, error);
}

/* "target-add TARGET port IFACE-ID" or "target-add TARGET ip ADDR[,ADDR...]
 * [KEY=VALUE]...". */
static void
cmd_target_add(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    struct target_args ta;

    memset(&ta, 0, sizeof ta);
    svec_init(&ta.addresses);
    smap_init(&ta.options);
    if (take_error(ctx, tm_check_name("name", name))
        || !parse_target_args(ctx, &ta)) {
        goto out;
    }

    if (target_by_name(ctx->idl, name)) {
        if (!shash_find(&ctx->options, "--may-exist")) {
            ctl_error(ctx, "target-add: target %s already exists", name);
        }
        goto out;
    }

    struct tmrec_target *row = tmrec_target_insert(ctx->txn);
    tmrec_target_set_name(row, name);
    tmrec_target_set_type(row, ctx->argv[2]);
    if (!strcmp(ctx->argv[2], "port")) {
        tmrec_target_set_port(row, ctx->argv[3]);
    } else {
        tmrec_target_set_addresses(row, (const char **) ta.addresses.names,
                                   ta.addresses.n);
        tmrec_target_set_encap(row, tm_target_encap(ta.encap));
        tmrec_target_set_options(row, &ta.options);
    }
    tmrec_target_set_description(row, ta.description ? ta.description : "");

out:
    svec_destroy(&ta.addresses);
    smap_destroy(&ta.options);
}

/* "target-del TARGET". */
static void
cmd_target_del(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    const struct tmrec_target *target = target_by_name(ctx->idl, name);
    if (!target) {
        if (!shash_find(&ctx->options, "--if-exists")) {
            char *shown = shown_name(name);
            ctl_error(ctx, "target-del: target %s does not exist", shown);
            free(shown);
        }
        return;
    }

    const char *user = session_using(NULL, target);
    if (user) {
        ctl_error(ctx, "target-del: target %s is used by session %s (delete "
                  "the session or change its target first)", name, user);
        return;
    }
    tmrec_target_delete(target);
}

/* "target-list": a table of the targets. */
static void
cmd_target_list(struct ctl_context *ctx)
{
    static const char *const headings[] = {
        "name", "type", "destination", "encap", "options", "description",
        NULL
    };
    struct table *t = start_table(ctx, headings);
    size_t n;
    const struct tmrec_target **targets
        = SORTED_ROWS(ctx->idl, target, tmrec_target, &n);
    for (size_t i = 0; i < n; i++) {
        const struct tmrec_target *x = targets[i];
        struct ds s = DS_EMPTY_INITIALIZER;

        table_add_row(t);
        add_text_cell(t, x->name);
        add_text_cell(t, x->type);
        format_target_dest(&s, x);
        add_text_cell(t, ds_cstr(&s));
        add_text_cell(t, !strcmp(x->type, "ip") ? tm_target_encap(x->encap)
                                                : "");
        ds_clear(&s);
        format_target_options(&s, x);
        add_text_cell(t, s.length ? ds_cstr(&s) + 1 : "");
        add_text_cell(t, x->description);
        ds_destroy(&s);
    }
    free(targets);
}

/* ------------------------------------------------------------------------ */
/* Session commands. */

/* Returns the encapsulation that validate.h expects for a session toward
 * 'target': NULL for a port target. */
static const char *
session_encap(const struct tmrec_target *target)
{
    return (target && !strcmp(target->type, "ip")
            ? tm_target_encap(target->encap) : NULL);
}

/* Parses "true" or "false" for field 'field'. */
static bool
parse_bool(struct ctl_context *ctx, const char *field, const char *s,
           bool *out)
{
    if (!strcmp(s, "true")) {
        *out = true;
    } else if (!strcmp(s, "false")) {
        *out = false;
    } else if (!*s) {
        ctl_error(ctx, "%s: missing value (expected true or false)", field);
        return false;
    } else {
        ctl_error(ctx, "%s: %s is not true or false", field, s);
        return false;
    }
    return true;
}

/* The values of a session as session-add and session-set see them. */
struct session_args {
    const char *source;
    const struct tmrec_target *target;
    const struct tmrec_filter *filter;
    int64_t number;
    int64_t vni;                /* -1: not set. */
    int64_t packet_length;      /* -1: not set. */
    bool enabled;
    bool independent;
    const char *description;
};

/* Applies one KEY=VALUE of session-add or session-set ('set' allows the keys
 * that only session-set takes) to 'sa'. */
static bool
parse_session_kv(struct ctl_context *ctx, const char *arg, bool set,
                 struct session_args *sa)
{
    const char *value;
    char *key = split_kv(ctx, arg, &value);
    char *error = NULL;
    bool ok = true;

    if (!key) {
        return false;
    }
    if (!strcmp(key, "vni")) {
        error = tm_parse_int("vni", value, TM_VNI_MIN, TM_VNI_MAX,
                             &sa->vni);
    } else if (!strcmp(key, "packet-length")) {
        if (set && !*value) {
            sa->packet_length = -1;
        } else {
            error = tm_parse_int("packet_length", value, TM_PACKET_LENGTH_MIN,
                                 TM_PACKET_LENGTH_MAX, &sa->packet_length);
        }
    } else if (!strcmp(key, "enabled")) {
        ok = parse_bool(ctx, "enabled", value, &sa->enabled);
    } else if (!strcmp(key, "independent")) {
        ok = parse_bool(ctx, "independent", value, &sa->independent);
    } else if (!strcmp(key, "description")) {
        sa->description = value;
        error = tm_check_description("description", value);
    } else if (set && !strcmp(key, "source")) {
        sa->source = value;
        error = tm_check_iface_id("source", value);
    } else if (set && !strcmp(key, "target")) {
        error = (*value ? NULL
                 : xstrdup("target: missing value (expected the name of a "
                           "target)"));
        sa->target = error ? NULL : must_get_target(ctx, value);
        ok = error || sa->target != NULL;
    } else if (set && !strcmp(key, "filter")) {
        error = (*value ? NULL
                 : xstrdup("filter: missing value (expected the name of a "
                           "filter)"));
        sa->filter = error ? NULL : must_get_filter(ctx, value);
        ok = error || sa->filter != NULL;
    } else if (set && !strcmp(key, "number")) {
        error = tm_parse_int("session_number", value, TM_NUMBER_MIN,
                             TM_NUMBER_MAX, &sa->number);
    } else {
        unknown_key(ctx, key, set ? "source, target, filter, number, vni, "
                    "packet-length, enabled, independent or description"
                    : "vni, packet-length, enabled, independent or "
                    "description");
        ok = false;
    }
    free(key);
    return ok && !take_error(ctx, error);
}

/* Validates the values 'sa' of session 'name' by themselves; the rules that
 * involve other sessions are checked before commit (ctl_intent_check()). */
static bool
check_session_args(struct ctl_context *ctx, const char *name,
                   const struct session_args *sa)
{
    char *error = tm_session_validate(sa->number, sa->vni, sa->packet_length,
                                      session_encap(sa->target));
    if (error) {
        ctl_error(ctx, "session %s: %s", name, error);
        free(error);
        return false;
    }
    return true;
}

/* Writes 'sa' into session row 'row'. */
static void
write_session(const struct tmrec_session *row, const struct session_args *sa)
{
    tmrec_session_set_source(row, sa->source);
    tmrec_session_set_target(row, sa->target);
    tmrec_session_set_filter(row, sa->filter);
    tmrec_session_set_session_number(row, sa->number);
    tmrec_session_set_vni(row, sa->vni);
    tmrec_session_set_packet_length(row, &sa->packet_length,
                                    sa->packet_length >= 0);
    tmrec_session_set_enabled(row, sa->enabled);
    tmrec_session_set_independent(row, sa->independent);
    tmrec_session_set_description(row, sa->description);
}

/* "session-add SESSION SOURCE TARGET FILTER NUMBER [KEY=VALUE]...". */
static void
cmd_session_add(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    struct session_args sa = {
        .source = ctx->argv[2], .vni = -1, .packet_length = -1,
        .enabled = true, .description = "",
    };

    if (take_error(ctx, tm_check_name("name", name))
        || take_error(ctx, tm_check_iface_id("source", sa.source))
        || take_error(ctx, tm_parse_int("session_number", ctx->argv[5],
                                        TM_NUMBER_MIN, TM_NUMBER_MAX,
                                        &sa.number))
        || !check_repeated_keys(ctx, 6)) {
        return;
    }
    for (int i = 6; i < ctx->argc; i++) {
        if (!parse_session_kv(ctx, ctx->argv[i], false, &sa)) {
            return;
        }
    }
    if (session_by_name(ctx->idl, name)) {
        if (!shash_find(&ctx->options, "--may-exist")) {
            ctl_error(ctx, "session-add: session %s already exists", name);
        }
        return;
    }
    sa.target = must_get_target(ctx, ctx->argv[3]);
    sa.filter = sa.target ? must_get_filter(ctx, ctx->argv[4]) : NULL;
    if (!sa.filter || !check_session_args(ctx, name, &sa)) {
        return;
    }
    if (sa.vni < 0 && take_error(ctx, ctl_intent_pick_vni(ctx->idl, sa.target,
                                                          &sa.vni))) {
        return;
    }

    struct tmrec_session *row = tmrec_session_insert(ctx->txn);
    tmrec_session_set_name(row, name);
    write_session(row, &sa);
}

/* "session-set SESSION KEY=VALUE...". */
static void
cmd_session_set(struct ctl_context *ctx)
{
    const struct tmrec_session *row = must_get_session(ctx, ctx->argv[1]);
    if (!row) {
        return;
    }

    struct session_args sa = {
        .source = row->source,
        .target = row->target,
        .filter = row->filter,
        .number = row->session_number,
        .vni = row->vni,
        .packet_length = row->n_packet_length ? row->packet_length[0] : -1,
        .enabled = row->enabled,
        .independent = row->independent,
        .description = row->description,
    };
    /* Keep copies: writing a column frees the row's old values. */
    char *source = NULL, *description = NULL;
    if (!check_repeated_keys(ctx, 2)) {
        return;
    }
    for (int i = 2; i < ctx->argc; i++) {
        if (!parse_session_kv(ctx, ctx->argv[i], true, &sa)) {
            return;
        }
    }
    if (!check_session_args(ctx, row->name, &sa)) {
        return;
    }
    source = xstrdup(sa.source);
    description = xstrdup(sa.description);
    sa.source = source;
    sa.description = description;
    write_session(row, &sa);
    free(source);
    free(description);
}

/* "session-del SESSION". */
static void
cmd_session_del(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    const struct tmrec_session *session = session_by_name(ctx->idl, name);
    if (!session) {
        if (!shash_find(&ctx->options, "--if-exists")) {
            char *shown = shown_name(name);
            ctl_error(ctx, "session-del: session %s does not exist", shown);
            free(shown);
        }
        return;
    }
    tmrec_session_delete(session);
}

/* "session-list": a table of the sessions. */
static void
cmd_session_list(struct ctl_context *ctx)
{
    static const char *const headings[] = {
        "name", "source", "number", "target", "filter", "vni",
        "packet-length", "enabled", "independent", "description", NULL
    };
    struct table *t = start_table(ctx, headings);
    size_t n;
    const struct tmrec_session **sessions
        = SORTED_ROWS(ctx->idl, session, tmrec_session, &n);
    for (size_t i = 0; i < n; i++) {
        const struct tmrec_session *s = sessions[i];
        table_add_row(t);
        add_text_cell(t, s->name);
        add_text_cell(t, s->source);
        add_int_cell(t, &s->session_number, 1);
        add_text_cell(t, s->target ? s->target->name : "");
        add_text_cell(t, s->filter ? s->filter->name : "");
        add_int_cell(t, &s->vni, 1);
        add_int_cell(t, s->packet_length, s->n_packet_length);
        add_text_cell(t, s->enabled ? "true" : "false");
        add_text_cell(t, s->independent ? "true" : "false");
        add_text_cell(t, s->description);
    }
    free(sessions);
}

/* Appends the Session_Status rows of 'session', in chassis name order. */
static void
show_session_status(struct ctl_context *ctx,
                    const struct tmrec_session *session)
{
    struct ds *s = &ctx->output;
    size_t n;
    struct tm_row_demand *demand = ctl_intent_demand();
    if (demand) {
        tm_row_demand_uuid(demand, &tmrec_table_session_status,
                           &tmrec_session_status_col_session, OVSDB_F_EQ,
                           &session->header_.uuid);
    }
    const struct tmrec_session_status **rows
        = (const struct tmrec_session_status **) sorted_rows(
            ctx->idl, &tmrec_table_session_status,
            offsetof(struct tmrec_session_status, chassis_name), &n);
    bool any = false;

    for (size_t i = 0; i < n; i++) {
        const struct tmrec_session_status *st = rows[i];
        if (st->session != session) {
            continue;
        }
        if (!any) {
            ds_put_cstr(s, "    status:\n");
            any = true;
        }
        ds_put_cstr(s, "        ");
        put_name(s, st->chassis_name);
        ds_put_format(s, ": %s", st->state);
        if (*st->message) {
            char *message = (tm_text_is_printable(st->message)
                             ? xstrdup(st->message)
                             : tm_text_escape(st->message));
            ds_put_format(s, " (%s)", message);
            free(message);
        }
        for (size_t j = 0; j < st->n_statistics; j++) {
            ds_put_format(s, "%s%s=%"PRId64, j ? " " : " [",
                          st->key_statistics[j], st->value_statistics[j]);
        }
        ds_put_cstr(s, st->n_statistics ? "]\n" : "\n");
    }
    if (!any) {
        ds_put_cstr(s, "    status: (no chassis reports this session)\n");
    }
    free(rows);
}

/* "session-show SESSION". */
static void
cmd_session_show(struct ctl_context *ctx)
{
    const struct tmrec_session *x = must_get_session(ctx, ctx->argv[1]);
    if (!x) {
        return;
    }

    struct ds *s = &ctx->output;
    ds_put_cstr(s, "session ");
    put_name(s, x->name);
    ds_put_char(s, '\n');
    if (*x->description) {
        ds_put_cstr(s, "    description: ");
        put_maybe_quoted(s, x->description);
        ds_put_char(s, '\n');
    }
    ds_put_cstr(s, "    source: ");
    put_maybe_quoted(s, x->source);
    ds_put_char(s, '\n');
    ds_put_format(s, "    number: %"PRId64"\n", x->session_number);
    if (x->target) {
        ds_put_cstr(s, "    target: ");
        put_name(s, x->target->name);
        ds_put_cstr(s, " (");
        format_target(s, x->target);
        ds_put_cstr(s, ")\n");
    }
    if (x->filter) {
        ds_put_cstr(s, "    filter: ");
        put_name(s, x->filter->name);
        ds_put_format(s, " (%"PRIuSIZE" rules)\n", x->filter->n_rules);
    }
    ds_put_format(s, "    vni: %"PRId64"\n", x->vni);
    if (x->n_packet_length) {
        ds_put_format(s, "    packet-length: %"PRId64"\n",
                      x->packet_length[0]);
    }
    ds_put_format(s, "    enabled: %s\n", x->enabled ? "true" : "false");
    if (x->independent) {
        ds_put_cstr(s, "    independent: true\n");
    }
    show_session_status(ctx, x);
}

/* ------------------------------------------------------------------------ */
/* Running the commands. */

/* Runs every command's prerequisites (the generic database commands register
 * the columns they use; every column is monitored anyway), and asks for the
 * rows the commands name (ctl-scope.h), and with --wait=hv for every
 * chassis. */
static void
run_prerequisites(struct ctl_command *commands, size_t n_commands,
                  struct ovsdb_idl *idl)
{
    struct tm_row_demand *demand = ctl_intent_demand();
    if (demand && wait_type == WAIT_HV) {
        tm_row_demand_table(demand, &tmrec_table_chassis);
    }
    ctl_intent_ask_vnis(ctl_scope_n_vni_picks(commands, n_commands));
    for (struct ctl_command *c = commands; c < &commands[n_commands]; c++) {
        if (demand) {
            ctl_scope_ask(c, tables, demand);
        }
        if (c->syntax->prerequisites) {
            struct ctl_context ctx;

            ds_init(&c->output);
            c->table = NULL;
            ctl_context_init(&ctx, c, idl, NULL, NULL, NULL);
            (c->syntax->prerequisites)(&ctx);
            if (ctx.error) {
                ctl_fatal("%s", ctx.error);
            }
            ctl_context_done(&ctx, c);
        }
    }
}

/* Prints the output of command 'c'. */
static void
print_command_output(struct ctl_command *c)
{
    struct ds *ds = &c->output;

    if (c->table) {
        struct table_style style = table_style;
        if (!format_given && strstr(c->syntax->name, "-list")) {
            style.format = TF_TABLE;
        }
        table_print(c->table, &style);
    } else if (oneline) {
        ds_chomp(ds, '\n');
        for (size_t j = 0; j < ds->length; j++) {
            int ch = ds->string[j];
            if (ch == '\n') {
                fputs("\\n", stdout);
            } else if (ch == '\\') {
                fputs("\\\\", stdout);
            } else {
                putchar(ch);
            }
        }
        putchar('\n');
    } else {
        fputs(ds_cstr(ds), stdout);
    }
}

/* Frees what the commands' run produced, for a retry. */
static void
discard_outputs(struct ctl_command *commands, size_t n_commands)
{
    for (struct ctl_command *c = commands; c < &commands[n_commands]; c++) {
        ds_destroy(&c->output);
        table_destroy(c->table);
        free(c->table);
        c->table = NULL;
    }
}

/* Appends to 's' the chassis whose cfg is below 'next_cfg', in name order,
 * as "hv2 has cfg 7, want 9", at most 10 of them.  Returns how many lag. */
static size_t
describe_lagging_chassis(const struct ovsdb_idl *idl, int64_t next_cfg,
                         struct ds *s)
{
    enum { MAX_NAMED = 10 };
    const struct tmrec_chassis *chassis;
    struct svec lagging = SVEC_EMPTY_INITIALIZER;

    TMREC_CHASSIS_FOR_EACH (chassis, idl) {
        if (chassis->cfg < next_cfg) {
            svec_add_nocopy(&lagging,
                            xasprintf("%s has cfg %"PRId64", want %"PRId64,
                                      chassis->name, chassis->cfg,
                                      next_cfg));
        }
    }
    svec_sort(&lagging);
    for (size_t i = 0; i < lagging.n && i < MAX_NAMED; i++) {
        ds_put_format(s, "%s%s", i ? "; " : "", lagging.names[i]);
    }
    if (lagging.n > MAX_NAMED) {
        ds_put_format(s, "; and %"PRIuSIZE" more chassis",
                      lagging.n - MAX_NAMED);
    }
    size_t n = lagging.n;
    svec_destroy(&lagging);
    return n;
}

/* Waits until every Chassis row reports 'next_cfg' or later in 'cfg'.  When
 * --timeout runs out first, exits with EXIT_WAIT_TIMEOUT and a message that
 * names the chassis that lag (the change itself is committed).  The wait
 * goes on across a failover: the IDL reconnects to another member and the
 * counters are read again.  Only a complete view counts, one whose TM_Global
 * has 'next_cfg' (an IDL that lost its server may have emptied its copy). */
static void
wait_for_chassis(struct ovsdb_idl *idl, int64_t next_cfg)
{
    ovsdb_idl_enable_reconnect(idl);
    for (;;) {
        ovsdb_idl_run(idl);
        ctl_failover_run(idl, db);
        const struct tmrec_tm_global *global = tmrec_tm_global_first(idl);
        bool complete = global && global->cfg >= next_cfg;
        struct ds lagging = DS_EMPTY_INITIALIZER;
        size_t n = describe_lagging_chassis(idl, next_cfg, &lagging);
        if (!n && complete) {
            ds_destroy(&lagging);
            return;
        }
        if (!complete) {
            ds_clear(&lagging);
            ds_put_format(&lagging, "no view of %s since the connection "
                          "was lost", db);
        }
        if (time_msec() >= deadline) {
            tmctl_fatal_status(EXIT_WAIT_TIMEOUT,
                               "--wait=hv: timed out after %u s: %s (the "
                               "change is committed)", timeout,
                               ds_cstr(&lagging));
        }
        ds_destroy(&lagging);
        ovsdb_idl_wait(idl);
        ctl_failover_wait();
        wait_for_deadline();
        poll_block();
    }
}

/* Commits 'txn' and waits for the outcome, at most until --timeout runs out;
 * then exits with EXIT_COMMIT_UNKNOWN, since the server may have committed
 * the transaction without the reply having arrived. */
static enum ovsdb_idl_txn_status
commit_txn(struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn)
{
    for (;;) {
        enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit(txn);
        if (status != TXN_INCOMPLETE) {
            return status;
        }
        ctl_failover_set_in_doubt(true);
        if (time_msec() >= commit_deadline) {
            tmctl_fatal_status(EXIT_COMMIT_UNKNOWN,
                               "timed out after %u s waiting for %s to "
                               "commit the transaction: it may or may not "
                               "have been committed", commit_limit, db);
        }
        ovsdb_idl_run(idl);
        ovsdb_idl_wait(idl);
        ovsdb_idl_txn_wait(txn);
        poll_timer_wait_until(commit_deadline);
        poll_block();
    }
}

/* Returns a malloc()'d readable form of a server's error 'error', which
 * ovsdb_idl_txn_get_error() gives as a JSON object with "error" and
 * "details" members, e.g. "constraint violation: ...". */
static char *
format_txn_error(const char *error)
{
    struct json *json = json_from_string(error);
    char *text = NULL;
    if (json->type == JSON_OBJECT) {
        const struct json *what = shash_find_data(json_object(json),
                                                  "error");
        const struct json *details = shash_find_data(json_object(json),
                                                     "details");
        if (what && what->type == JSON_STRING) {
            text = (details && details->type == JSON_STRING
                    ? xasprintf("%s: %s", json_string(what),
                                json_string(details))
                    : xstrdup(json_string(what)));
        }
    }
    json_destroy(json);
    return text ? text : xstrdup(error);
}

/* Fails if any symbol of 'symtab' (--id=@name) was referenced but never
 * created; warns about created rows that nothing references. */
static void
check_symbols(struct ovsdb_symbol_table *symtab)
{
    struct shash_node *node;
    SHASH_FOR_EACH (node, &symtab->sh) {
        struct ovsdb_symbol *symbol = node->data;
        if (!symbol->created) {
            ctl_fatal("row id \"%s\" is referenced but never created (e.g. "
                      "with \"-- --id=%s create ...\")",
                      node->name, node->name);
        }
        if (!symbol->strong_ref && !symbol->weak_ref) {
            VLOG_WARN("row id \"%s\" was created but no reference to it "
                      "was inserted, so it will not actually appear in "
                      "the database", node->name);
        }
    }
}

/* Runs every command's 'run' in 'txn'.  Returns TMCTL_TRY_AGAIN if a
 * command asked to try again (wait-until), TMCTL_NEED_ROWS if the commands
 * asked for rows the IDL lacks (an error they report then may be due to
 * those rows, so it is not reported), else TMCTL_DONE. */
static enum tmctl_result
run_commands(struct ctl_command *commands, size_t n_commands,
             struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
             struct ovsdb_symbol_table *symtab)
{
    struct ctl_context ctx;

    for (struct ctl_command *c = commands; c < &commands[n_commands]; c++) {
        ds_init(&c->output);
        c->table = NULL;
    }
    ctl_context_init(&ctx, NULL, idl, txn, symtab, NULL);
    for (struct ctl_command *c = commands; c < &commands[n_commands]; c++) {
        /* Never "last": the generic commands would then use partial map
         * updates that the IDL does not show, and ctl_intent_check() must
         * see every change. */
        ctl_context_init_command(&ctx, c, false);
        if (c->syntax->run) {
            (c->syntax->run)(&ctx);
        }
        if (ctx.error && ctl_intent_is_pending()) {
            ctl_context_done_command(&ctx, c);
            ctl_context_done(&ctx, NULL);
            return TMCTL_NEED_ROWS;
        }
        if (ctx.error) {
            ctl_fatal("%s", ctx.error);
        }
        ctl_context_done_command(&ctx, c);
        if (ctx.try_again) {
            ctl_context_done(&ctx, NULL);
            return TMCTL_TRY_AGAIN;
        }
    }
    ctl_context_done(&ctx, NULL);
    return ctl_intent_is_pending() ? TMCTL_NEED_ROWS : TMCTL_DONE;
}

/* Returns true if a failed transaction's 'error' is a constraint violation
 * that the database's change since the transaction was built (its seqno was
 * 'txn_seqno') may explain, and retries are left.  Without a change, a
 * retry would build the same transaction and fail the same way. */
static bool
should_retry_conflict(const struct ovsdb_idl *idl, unsigned int txn_seqno,
                      const char *error)
{
    return (error && strstr(error, "constraint violation")
            && ovsdb_idl_get_seqno(idl) != txn_seqno
            && n_conflict_retries++ < MAX_CONFLICT_RETRIES);
}

/* Finishes when an earlier attempt's transaction landed although its answer
 * was lost (ctl-failover.h): the commands' output is not printed, since the
 * run that produced it is gone; with --wait=hv, waits for the chassis to
 * reach the database's cfg, which is the landed transaction's or later. */
static void
finish_landed(struct ctl_command *commands, size_t n_commands,
              struct ovsdb_idl *idl)
{
    ctl_failover_set_in_doubt(false);
    for (struct ctl_command *c = commands; c < &commands[n_commands]; c++) {
        shash_destroy_free_data(&c->options);
    }
    free(commands);
    const struct tmrec_tm_global *global = tmrec_tm_global_first(idl);
    if (wait_type == WAIT_HV && global->cfg > 0) {
        wait_for_chassis(idl, global->cfg);
    }
    ovsdb_idl_destroy(idl);
    the_idl = NULL;
}

/* Runs the commands in one transaction and commits it.  Returns TMCTL_DONE
 * when done (output printed), TMCTL_TRY_AGAIN to try again with a newer
 * view of the database, TMCTL_NEED_ROWS to try again once the rows that the
 * commands asked for have arrived.  Exits on error. */
static enum tmctl_result
do_tmctl(const char *args, struct ctl_command *commands, size_t n_commands,
         struct ovsdb_idl *idl)
{
    if (!ctl_intent_begin_round()) {
        return TMCTL_NEED_ROWS;
    }

    bool writes = ctl_might_write_to_db(commands, n_commands);
    enum tmctl_result result = TMCTL_TRY_AGAIN;
    /* A database of a schema older than TM_Global's external_ids (before
     * tmirror-service upgrades it) gets no token. */
    bool marks = ((writes || wait_type == WAIT_HV) && !dry_run
                  && tmrec_server_has_tm_global_table_col_external_ids(idl));
    if (marks && ctl_failover_landed(idl)) {
        finish_landed(commands, n_commands, idl);
        return TMCTL_DONE;
    }

    unsigned int txn_seqno = ovsdb_idl_get_seqno(idl);
    struct ovsdb_idl_txn *txn = the_idl_txn = ovsdb_idl_txn_create(idl);
    if (dry_run) {
        ovsdb_idl_txn_set_dry_run(txn);
    }
    ovsdb_idl_txn_add_comment(txn, "tmirror-ctl: %s", args);

    const struct tmrec_tm_global *global = tmrec_tm_global_first(idl);
    if (marks) {
        ctl_failover_txn_begin(idl, &tmrec_idl_class);
        if (global) {
            ctl_failover_verify(global);
        }
    }
    if (!global && (writes || wait_type == WAIT_HV)) {
        global = tmrec_tm_global_insert(txn);
    }
    if (global && wait_type == WAIT_HV) {
        ovsdb_idl_txn_increment(txn, &global->header_,
                                &tmrec_tm_global_col_cfg, true);
    }

    struct ovsdb_symbol_table *symtab = ovsdb_symbol_table_create();
    result = run_commands(commands, n_commands, idl, txn, symtab);
    if (result != TMCTL_DONE) {
        goto try_again;
    }
    check_symbols(symtab);

    if (writes) {
        char *error = ctl_intent_check(idl);
        if (error && ctl_intent_undefer()) {
            /* The refusal might not be the first one of a full check. */
            free(error);
            error = ctl_intent_check(idl);
        }
        if (ctl_intent_is_pending()) {
            free(error);
            result = TMCTL_NEED_ROWS;
            goto try_again;
        }
        if (error) {
            ctl_fatal("%s", error);
        }
    }
    if (marks && (wait_type == WAIT_HV
                  || ctl_failover_txn_changes(idl, &tmrec_idl_class))) {
        ctl_failover_mark(tmrec_tm_global_first(idl));
    }

    enum ovsdb_idl_txn_status status = commit_txn(idl, txn);
    if (status == TXN_SUCCESS || status == TXN_UNCHANGED) {
        ctl_failover_set_in_doubt(false);
    }
    int64_t next_cfg = 0;
    if (status == TXN_SUCCESS && wait_type == WAIT_HV && !dry_run) {
        next_cfg = ovsdb_idl_txn_get_increment_new_value(txn);
    }
    if (status == TXN_SUCCESS || status == TXN_UNCHANGED) {
        for (struct ctl_command *c = commands; c < &commands[n_commands];
             c++) {
            if (c->syntax->postprocess) {
                struct ctl_context ctx;
                ctl_context_init(&ctx, c, idl, txn, symtab, NULL);
                (c->syntax->postprocess)(&ctx);
                if (ctx.error) {
                    ctl_fatal("%s", ctx.error);
                }
                ctl_context_done(&ctx, c);
            }
        }
    }

    switch (status) {
    case TXN_UNCOMMITTED:
    case TXN_INCOMPLETE:
        OVS_NOT_REACHED();

    case TXN_ABORTED:
        ctl_fatal("transaction aborted");

    case TXN_UNCHANGED:
    case TXN_SUCCESS:
        break;

    case TXN_TRY_AGAIN:
        result = TMCTL_TRY_AGAIN;
        goto try_again;

    case TXN_ERROR:
        if (ctl_intent_undefer()) {
            /* Judge again with every check, which fetches the rows that
             * the server compared with, so that the refusal is explained
             * as a full check explains it. */
            VLOG_INFO("the database refused the transaction (%s); checking "
                      "again with the rows it compared with",
                      ovsdb_idl_txn_get_error(txn));
            result = TMCTL_NEED_ROWS;
            goto try_again;
        }
        if (should_retry_conflict(idl, txn_seqno,
                                  ovsdb_idl_txn_get_error(txn))) {
            VLOG_INFO("the database refused the transaction while its "
                      "contents changed (%s); retrying with the new "
                      "contents", ovsdb_idl_txn_get_error(txn));
            result = TMCTL_TRY_AGAIN;
            goto try_again;
        }
        ctl_fatal("the database refused the transaction: %s",
                  format_txn_error(ovsdb_idl_txn_get_error(txn)));

    case TXN_NOT_LOCKED:
        ctl_fatal("database not locked");

    default:
        OVS_NOT_REACHED();
    }

    ovsdb_symbol_table_destroy(symtab);
    for (struct ctl_command *c = commands; c < &commands[n_commands]; c++) {
        print_command_output(c);
        ds_destroy(&c->output);
        table_destroy(c->table);
        free(c->table);
        shash_destroy_free_data(&c->options);
    }
    free(commands);

    if (next_cfg) {
        wait_for_chassis(idl, next_cfg);
    }
    ovsdb_idl_txn_destroy(txn);
    the_idl_txn = NULL;
    ovsdb_idl_destroy(idl);
    the_idl = NULL;
    return TMCTL_DONE;

try_again:
    ovsdb_idl_txn_abort(txn);
    ovsdb_idl_txn_destroy(txn);
    the_idl_txn = NULL;
    ovsdb_symbol_table_destroy(symtab);
    discard_outputs(commands, n_commands);
    return result;
}

/* How the generic database commands find a row by name. */
static const struct ctl_table_class tables[TMREC_N_TABLES] = {
    [TMREC_TABLE_BINDING].row_ids[0] = {&tmrec_binding_col_port, NULL, NULL},
    [TMREC_TABLE_CHASSIS].row_ids[0] = {&tmrec_chassis_col_name, NULL, NULL},
    [TMREC_TABLE_CONNECTION].row_ids[0]
        = {&tmrec_connection_col_target, NULL, NULL},
    [TMREC_TABLE_FILTER].row_ids[0] = {&tmrec_filter_col_name, NULL, NULL},
    [TMREC_TABLE_RBAC_ROLE].row_ids[0]
        = {&tmrec_rbac_role_col_name, NULL, NULL},
    [TMREC_TABLE_SESSION].row_ids[0] = {&tmrec_session_col_name, NULL, NULL},
    [TMREC_TABLE_TARGET].row_ids[0] = {&tmrec_target_col_name, NULL, NULL},
};

/* tmirror-ctl's own commands. */
static const struct ctl_command_syntax tmctl_commands[] = {
    {"init", 0, 0, "", NULL, cmd_init, NULL, "", RW},
    {"show", 0, 0, "", NULL, cmd_show, NULL, "", RO},
    {"sync", 0, 0, "", NULL, cmd_sync, NULL, "", RO},

    {"filter-add", 1, 2, "FILTER [description=TEXT]", NULL, cmd_filter_add,
     NULL, "--may-exist", RW},
    {"filter-del", 1, 1, "FILTER", NULL, cmd_filter_del, NULL, "--if-exists",
     RW},
    {"filter-list", 0, 0, "", NULL, cmd_filter_list, NULL, "", RO},
    {"filter-show", 1, 1, "FILTER", NULL, cmd_filter_show, NULL, "", RO},

    {"rule-add", 4, 10, "FILTER ingress|egress NUMBER accept|reject "
     "[KEY=VALUE]...", NULL, cmd_rule_add, NULL, "--may-exist", RW},
    {"rule-del", 3, 3, "FILTER ingress|egress NUMBER", NULL, cmd_rule_del,
     NULL, "--if-exists", RW},
    {"rule-list", 1, 1, "FILTER", NULL, cmd_rule_list, NULL, "", RO},

    {"target-add", 3, 7, "TARGET port|ip IFACE-ID|ADDR[,ADDR...] "
     "[KEY=VALUE]...", NULL, cmd_target_add, NULL, "--may-exist", RW},
    {"target-del", 1, 1, "TARGET", NULL, cmd_target_del, NULL, "--if-exists",
     RW},
    {"target-list", 0, 0, "", NULL, cmd_target_list, NULL, "", RO},

    {"session-add", 5, 9, "SESSION SOURCE TARGET FILTER NUMBER "
     "[KEY=VALUE]...", NULL, cmd_session_add, NULL, "--may-exist", RW},
    {"session-set", 2, INT_MAX, "SESSION KEY=VALUE...", NULL,
     cmd_session_set, NULL, "", RW},
    {"session-del", 1, 1, "SESSION", NULL, cmd_session_del, NULL,
     "--if-exists", RW},
    {"session-list", 0, 0, "", NULL, cmd_session_list, NULL, "", RO},
    {"session-show", 1, 1, "SESSION", NULL, cmd_session_show, NULL, "", RO},

    {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, RO},
};

/* Registers the generic database commands, tmirror-ctl's own and the JSON
 * export/apply commands. */
static void
tmctl_cmd_init(void)
{
    ctl_init(&tmrec_idl_class, tmrec_table_classes, tables, NULL,
             tmctl_exit);
    ctl_register_commands(tmctl_commands);
    ctl_export_register_commands();
    ctl_apply_register_commands();
    ctl_access_register_commands();
}
