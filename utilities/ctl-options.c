/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* tmirror-ctl's global options: the default database, parsing the options
 * (with the command-specific ones db-ctl-base adds, and --dry-run made
 * global), and --help.  It owns no state but the default database string
 * and the edited usage text, both made once and never freed. */

#include <config.h>

#include "ctl-options.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command-line.h"
#include "db-ctl-base.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "stream-ssl.h"
#include "stream.h"
#include "tmirror-idl.h"
#include "util.h"

/* --no-syslog sets the level of tmirror-ctl.c's log module, through the
 * pointer that its VLOG_DEFINE_THIS_MODULE exports. */
extern struct vlog_module *VLM_tmirror_ctl;

OVS_NO_RETURN static void usage(void);

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
void
ctl_options_parse(int argc, char *argv[], struct shash *local_options,
                  struct ctl_options *opts)
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
            opts->db = optarg;
            break;

        case OPT_ONELINE:
            opts->oneline = true;
            break;

        case OPT_NO_SYSLOG:
            vlog_set_levels(VLM_tmirror_ctl, VLF_SYSLOG, VLL_WARN);
            break;

        case OPT_DRY_RUN:
            opts->dry_run = true;
            break;

        case OPT_WAIT:
            if (!strcmp(optarg, "none")) {
                opts->wait_type = WAIT_NONE;
            } else if (!strcmp(optarg, "hv")) {
                opts->wait_type = WAIT_HV;
            } else {
                ctl_fatal("--wait: %s is not none or hv", optarg);
            }
            break;

        case OPT_RETRY:
            opts->retry = true;
            break;

        case OPT_NO_LEADER_ONLY:
            opts->leader_only = false;
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
            if (!str_to_uint(optarg, 10, &opts->timeout) || !opts->timeout) {
                ctl_fatal("--timeout: %s is not a positive integer", optarg);
            }
            break;

        case 'f':
            opts->format_given = true;
            table_parse_format(&opts->table_style, optarg);
            break;

        case 'd':
            table_parse_cell_format(&opts->table_style, optarg);
            break;

        case OPT_NO_HEADINGS:
            opts->table_style.headings = false;
            break;

        case OPT_PRETTY:
            opts->table_style.json_flags |= JSSF_PRETTY;
            break;

        case OPT_BARE:
            opts->format_given = true;
            opts->table_style.format = TF_LIST;
            opts->table_style.cell_format = CF_BARE;
            opts->table_style.headings = false;
            break;

        case OPT_MAX_COLUMN_WIDTH:
            opts->table_style.max_column_width = atoi(optarg);
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

    if (!opts->db) {
        opts->db = default_db();
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
