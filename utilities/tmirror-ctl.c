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

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-access.h"
#include "ctl-apply.h"
#include "ctl-export.h"
#include "ctl-failover.h"
#include "ctl-filter.h"
#include "ctl-intent.h"
#include "ctl-options.h"
#include "ctl-rule.h"
#include "ctl-scope.h"
#include "ctl-session.h"
#include "ctl-show.h"
#include "ctl-target.h"
#include "ctl-wait.h"
#include "db-ctl-base.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-data.h"
#include "ovsdb-idl.h"
#include "process.h"
#include "svec.h"
#include "table.h"
#include "timeval.h"
#include "tmirror-idl.h"
#include "tmirror/row-demand.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(tmirror_ctl);

/* The global options (ctl-options.h). */
static struct ctl_options opts = CTL_OPTIONS_INITIALIZER;

/* When --timeout runs out, as a time_msec(). */
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
static void init_scope(struct ovsdb_idl *, const struct ctl_command *,
                       size_t n);
static void set_deadlines(void);
OVS_NO_RETURN static void commit_timed_out(const struct ovsdb_idl *);
static void tmctl_cmd_init(void);
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
    ctl_options_parse(argc, argv, &local_options, &opts);
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
    ovsdb_idl_set_leader_only(idl, opts.leader_only);
    /* With several remotes, the IDL goes on to the next member when one
     * fails; commit_deadline bounds that. */
    ovsdb_idl_set_remote(idl, opts.db,
                         opts.retry || ctl_failover_n_remotes(opts.db) > 1);
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
        ctl_failover_run(idl, opts.db);
        if (!ovsdb_idl_is_alive(idl)) {
            int retval = ovsdb_idl_get_last_error(idl);
            ctl_fatal("%s: database connection failed (%s)",
                      opts.db, ovs_retval_to_string(retval));
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
                 && opts.wait_type == WAIT_HV)) {
            omit[n_omit++] = optional[i];
        }
    }
    ctl_intent_init(idl, partial, omit, n_omit);
    if (partial && !opts.dry_run) {
        ctl_intent_defer_unique();
    }
}

/* Sets 'deadline' and 'commit_deadline' from --timeout and --db. */
static void
set_deadlines(void)
{
    long long int now = time_msec();
    if (opts.timeout) {
        commit_limit = opts.timeout;
        deadline = now + opts.timeout * 1000LL;
    } else if (!opts.retry && ctl_failover_n_remotes(opts.db) > 1) {
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
                           commit_limit, opts.db, why);
    } else if (ovsdb_idl_is_connected(idl)
               && ovsdb_idl_has_ever_connected(idl)) {
        ctl_fatal("timed out after %u s waiting for a change of %s "
                  "(nothing was changed)", commit_limit, opts.db);
    } else if (ctl_failover_n_remotes(opts.db) > 1) {
        ctl_fatal("timed out after %u s looking for the cluster leader "
                  "among %s (%s; nothing was changed)", commit_limit, opts.db,
                  why);
    } else {
        ctl_fatal("timed out after %u s %s %s (nothing was changed)",
                  commit_limit,
                  (ovsdb_idl_has_ever_connected(idl)
                   ? "reconnecting to" : "connecting to"), opts.db);
    }
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
/* init, sync. */

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
    if (demand && opts.wait_type == WAIT_HV) {
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
        struct table_style style = opts.table_style;
        if (!opts.format_given && strstr(c->syntax->name, "-list")) {
            style.format = TF_TABLE;
        }
        table_print(c->table, &style);
    } else if (opts.oneline) {
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

/* Waits until every Chassis row reports 'next_cfg' or later in 'cfg'
 * (ctl_wait_for_chassis()).  When --timeout runs out first, exits with
 * EXIT_WAIT_TIMEOUT and a message that names the chassis that lag (the
 * change itself is committed). */
static void
wait_for_chassis(struct ovsdb_idl *idl, int64_t next_cfg)
{
    struct ds lagging = DS_EMPTY_INITIALIZER;
    if (!ctl_wait_for_chassis(idl, opts.db, next_cfg, deadline, &lagging)) {
        tmctl_fatal_status(EXIT_WAIT_TIMEOUT,
                           "--wait=hv: timed out after %u s: %s (the "
                           "change is committed)", opts.timeout,
                           ds_cstr(&lagging));
    }
    ds_destroy(&lagging);
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
                               "have been committed", commit_limit, opts.db);
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
    if (opts.wait_type == WAIT_HV && global->cfg > 0) {
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
    bool marks = ((writes || opts.wait_type == WAIT_HV) && !opts.dry_run
                  && tmrec_server_has_tm_global_table_col_external_ids(idl));
    if (marks && ctl_failover_landed(idl)) {
        finish_landed(commands, n_commands, idl);
        return TMCTL_DONE;
    }

    unsigned int txn_seqno = ovsdb_idl_get_seqno(idl);
    struct ovsdb_idl_txn *txn = the_idl_txn = ovsdb_idl_txn_create(idl);
    if (opts.dry_run) {
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
    if (!global && (writes || opts.wait_type == WAIT_HV)) {
        global = tmrec_tm_global_insert(txn);
    }
    if (global && opts.wait_type == WAIT_HV) {
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
    if (marks && (opts.wait_type == WAIT_HV
                  || ctl_failover_txn_changes(idl, &tmrec_idl_class))) {
        ctl_failover_mark(tmrec_tm_global_first(idl));
    }

    enum ovsdb_idl_txn_status status = commit_txn(idl, txn);
    if (status == TXN_SUCCESS || status == TXN_UNCHANGED) {
        ctl_failover_set_in_doubt(false);
    }
    int64_t next_cfg = 0;
    if (status == TXN_SUCCESS && opts.wait_type == WAIT_HV && !opts.dry_run) {
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

