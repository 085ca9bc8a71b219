/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* test-inc-prop: the property test of tmirror-controller's incremental
 * engine, for tests/controller-prop.at.
 *
 *   test-inc-prop [--ops=N] [--batch=N] [--log=FILE]
 *                 OVS-DB TM-DB CONTROLLER-CTL BRIDGE-MGMT
 *
 * Applies N (default 1000) random operations (test-inc-prop-ops.c and
 * test-inc-prop-ovs.c) through the IDLs of both databases, each in its own
 * transaction, in batches of 1 to --batch (default 3) operations.  After
 * each batch it waits as "tmirror-ctl --wait=hv" does (ovs-vswitchd's
 * cur_cfg for the Open_vSwitch operations, then TM_Global.cfg bumped and
 * the chassis's Chassis.cfg), and checks:
 *
 *   - "inc-engine/check": the controller's incremental state (plan, desired
 *     flows and groups, Open_vSwitch requests and rows, Session_Status
 *     rows, ofctrl in sync) equals a full recompute;
 *   - the Session_Status rows of the chassis are exactly those of the
 *     sessions whose source or appliance is here (from both databases, as
 *     this program reads them);
 *   - tmirror's flows and groups on the mirror bridge (an OpenFlow dump
 *     through BRIDGE-MGMT) equal the controller's desired table.
 *
 * The seed is TMIRROR_PROP_SEED from the environment, or a fixed default;
 * it is printed first, and the same seed replays the same operations.  On
 * the first difference it prints it, the seed and where the op log is, and
 * exits 1.  At the end it asks for a full "recompute", checks once more,
 * and prints what it did. */

#include <config.h>

#include "tests/test-inc-prop.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fatal-signal.h"
#include "jsonrpc.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "tmirror-idl.h"
#include "unixctl.h"
#include "util.h"
#include "vswitch-idl.h"

#define DEFAULT_SEED UINT64_C(20261202)
#define WAIT_TIMEOUT_MSEC 30000

/* The command line. */
struct options {
    unsigned int n_ops;
    unsigned int batch;
    const char *log;
    const char *ovs_remote, *tm_remote, *ctl, *mgmt;
};

/* What the run did, for the summary. */
struct totals {
    unsigned int ops, tm_ops, ovs_ops, refused, batches;
    long long int wait_msec;
};

/* Random numbers: xorshift64*, so that a seed means the same operations
 * with any libc. */
uint32_t
prop_random(struct prop *p, uint32_t n)
{
    uint64_t x = p->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    p->rng = x;
    return ((x * UINT64_C(2685821657736338717)) >> 32) % n;
}

bool
prop_chance(struct prop *p, unsigned int percent)
{
    return prop_random(p, 100) < percent;
}

void
prop_describe(struct prop *p, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    ds_put_format_valist(&p->op, format, args);
    va_end(args);
}

/* Prints usage and exits. */
static void OVS_NO_RETURN
usage(void)
{
    printf("usage: %s [--ops=N] [--batch=N] [--log=FILE] OVS-DB TM-DB "
           "CONTROLLER-CTL BRIDGE-MGMT\n"
           "The seed is $TMIRROR_PROP_SEED, else %"PRIu64".\n",
           program_name, DEFAULT_SEED);
    exit(EXIT_FAILURE);
}

/* Parses the command line into 'o'. */
static void
parse_options(int argc, char *argv[], struct options *o)
{
    static const struct option long_options[] = {
        {"ops", required_argument, NULL, 'n'},
        {"batch", required_argument, NULL, 'b'},
        {"log", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (struct options) { .n_ops = 1000, .batch = 3 };
    for (;;) {
        int c = getopt_long(argc, argv, "", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 'n':
            o->n_ops = strtoul(optarg, NULL, 10);
            break;
        case 'b':
            o->batch = MAX(1, strtoul(optarg, NULL, 10));
            break;
        case 'l':
            o->log = optarg;
            break;
        default:
            usage();
        }
    }
    if (argc - optind != 4) {
        usage();
    }
    o->ovs_remote = argv[optind];
    o->tm_remote = argv[optind + 1];
    o->ctl = argv[optind + 2];
    o->mgmt = argv[optind + 3];
}

/* Returns the seed: $TMIRROR_PROP_SEED or the default. */
static uint64_t
get_seed(void)
{
    const char *s = getenv("TMIRROR_PROP_SEED");
    if (s && *s) {
        char *end;
        unsigned long long seed = strtoull(s, &end, 10);
        if (*end) {
            ovs_fatal(0, "TMIRROR_PROP_SEED=%s is not a number", s);
        }
        return seed;
    }
    return DEFAULT_SEED;
}

/* Runs both IDLs until 'done' returns true or the timeout passes.  Returns
 * false on timeout. */
static bool
run_until(struct prop *p, bool (*done)(const struct prop *, int64_t),
          int64_t arg)
{
    long long int deadline = time_msec() + WAIT_TIMEOUT_MSEC;
    for (;;) {
        ovsdb_idl_run(p->ovs);
        ovsdb_idl_run(p->tm);
        if (done(p, arg)) {
            return true;
        }
        if (time_msec() > deadline) {
            return false;
        }
        ovsdb_idl_wait(p->ovs);
        ovsdb_idl_wait(p->tm);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

static bool
idls_loaded(const struct prop *p, int64_t arg OVS_UNUSED)
{
    return (ovsdb_idl_has_ever_connected(p->ovs)
            && ovsdb_idl_has_ever_connected(p->tm)
            && ovsrec_open_vswitch_first(p->ovs)
            && tmrec_tm_global_first(p->tm));
}

static bool
vswitchd_reached(const struct prop *p, int64_t cfg)
{
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(p->ovs);
    return ovs && ovs->cur_cfg >= cfg;
}

static bool
chassis_reached(const struct prop *p, int64_t cfg)
{
    const struct tmrec_chassis *ch;
    TMREC_CHASSIS_FOR_EACH (ch, p->tm) {
        if (!strcmp(ch->name, PROP_CHASSIS)) {
            return ch->cfg >= cfg;
        }
    }
    return false;
}

/* Writes a line to the op log. */
static void
log_line(const struct prop *p, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3);
static void
log_line(const struct prop *p, const char *format, ...)
{
    if (p->log) {
        va_list args;
        va_start(args, format);
        vfprintf(p->log, format, args);
        va_end(args);
        fflush(p->log);
    }
}

/* Makes one random operation in its own transaction on 'idl' ('ovs':
 * the Open_vSwitch one, which also asks ovs-vswitchd to report applying
 * it).  Returns true if the database took it; '*cfg' is then the
 * Open_vSwitch next_cfg it waits for. */
static bool
do_op(struct prop *p, bool ovs, struct totals *t, unsigned int batch,
      int64_t *cfg)
{
    struct ovsdb_idl *idl = ovs ? p->ovs : p->tm;
    for (int attempt = 0; attempt < 50; attempt++) {
        ds_clear(&p->op);
        struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
        if (!(ovs ? prop_ovs_op(p, txn) : prop_tm_op(p, txn))) {
            ovsdb_idl_txn_abort(txn);
            ovsdb_idl_txn_destroy(txn);
            continue;
        }
        if (ovs) {
            ovsdb_idl_txn_increment(txn,
                                    &ovsrec_open_vswitch_first(idl)->header_,
                                    &ovsrec_open_vswitch_col_next_cfg, false);
        }
        enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit_block(txn);
        bool ok = (status == TXN_SUCCESS || status == TXN_UNCHANGED);
        if (ok) {
            t->ops++;
            log_line(p, "batch %u op %u: %s\n", batch, t->ops,
                     ds_cstr(&p->op));
            if (ovs && status == TXN_SUCCESS) {
                *cfg = ovsdb_idl_txn_get_increment_new_value(txn);
            }
        } else {
            t->refused++;
            log_line(p, "batch %u refused (%s: %s): %s\n", batch,
                     ovsdb_idl_txn_status_to_string(status),
                     ovsdb_idl_txn_get_error(txn), ds_cstr(&p->op));
        }
        ovsdb_idl_txn_destroy(txn);
        return ok;
    }
    return false;
}

/* Bumps TM_Global.cfg and waits for the chassis to report it, as
 * "tmirror-ctl --wait=hv" does.  Returns false on timeout. */
static bool
wait_hv(struct prop *p, struct totals *t)
{
    long long int start = time_msec();
    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(p->tm);
    ovsdb_idl_txn_increment(txn, &tmrec_tm_global_first(p->tm)->header_,
                            &tmrec_tm_global_col_cfg, true);
    enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit_block(txn);
    if (status != TXN_SUCCESS) {
        ovs_fatal(0, "bumping TM_Global.cfg: %s (%s)",
                  ovsdb_idl_txn_status_to_string(status),
                  ovsdb_idl_txn_get_error(txn));
    }
    int64_t cfg = ovsdb_idl_txn_get_increment_new_value(txn);
    ovsdb_idl_txn_destroy(txn);
    bool ok = run_until(p, chassis_reached, cfg);
    t->wait_msec += time_msec() - start;
    return ok;
}

/* Sends 'command' to the controller.  Returns its reply (to free) and
 * sets '*ok' to whether it succeeded. */
static char *
controller_call(struct jsonrpc *client, const char *command, bool *ok)
{
    char *result = NULL, *err = NULL;
    int error = unixctl_client_transact(client, command, 0, NULL, &result,
                                        &err);
    if (error) {
        ovs_fatal(error, "%s: talking to the controller failed", command);
    }
    *ok = !err;
    if (err) {
        free(result);
        return err;
    }
    return result;
}

/* Runs every check; appends what differs to 's'.  Returns true if all
 * agree. */
static bool
check_all(struct prop *p, struct jsonrpc *client, const char *mgmt,
          struct ds *s, struct ds *summary)
{
    bool ok;
    char *reply = controller_call(client, "inc-engine/check", &ok);
    ds_clear(summary);
    if (!ok) {
        ds_put_format(s, "inc-engine/check:\n%s", reply);
    } else {
        ds_put_cstr(summary, reply);
    }
    free(reply);

    size_t n = prop_check_status_rows(p, s);

    bool flows_ok;
    char *flows = controller_call(client, "tmirror/show-flows", &flows_ok);
    if (!flows_ok) {
        ds_put_format(s, "tmirror/show-flows: %s\n", flows);
        n++;
    } else {
        n += prop_check_switch(mgmt, flows, s);
    }
    free(flows);
    return ok && !n;
}

/* Prints a failure and exits. */
static void OVS_NO_RETURN
fail(const struct options *o, uint64_t seed, unsigned int batch,
     const char *what, struct ds *diffs)
{
    fprintf(stderr, "FAILED after batch %u (seed %"PRIu64"): %s\n%s"
            "The operations are in %s; TMIRROR_PROP_SEED=%"PRIu64" "
            "replays them.\n", batch, seed, what, ds_cstr(diffs),
            o->log ? o->log : "(no --log)", seed);
    exit(EXIT_FAILURE);
}

/* Applies one batch of operations and waits for the chassis. */
static void
run_batch(struct prop *p, const struct options *o, struct totals *t,
          uint64_t seed)
{
    unsigned int k = 1 + prop_random(p, o->batch);
    int64_t ovs_cfg = -1;
    t->batches++;
    for (unsigned int i = 0; i < k && t->ops < o->n_ops; i++) {
        bool ovs = prop_chance(p, 22);
        if (do_op(p, ovs, t, t->batches, &ovs_cfg)) {
            t->ovs_ops += ovs;
            t->tm_ops += !ovs;
        }
    }
    struct ds none = DS_EMPTY_INITIALIZER;
    if (ovs_cfg >= 0 && !run_until(p, vswitchd_reached, ovs_cfg)) {
        fail(o, seed, t->batches, "ovs-vswitchd did not apply next_cfg",
             &none);
    }
    if (!wait_hv(p, t)) {
        fail(o, seed, t->batches, "timed out waiting for Chassis.cfg (as "
             "--wait=hv)", &none);
    }
    ds_destroy(&none);
}

int
main(int argc, char *argv[])
{
    struct options o;
    set_program_name(argv[0]);
    fatal_ignore_sigpipe();
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    parse_options(argc, argv, &o);

    uint64_t seed = get_seed();
    printf("seed %"PRIu64" (TMIRROR_PROP_SEED overrides it)\n", seed);
    fflush(stdout);

    struct prop p = {
        .ovs = ovsdb_idl_create(o.ovs_remote, &ovsrec_idl_class, true, true),
        .tm = ovsdb_idl_create(o.tm_remote, &tmrec_idl_class, true, true),
        .rng = seed * UINT64_C(0x9e3779b97f4a7c15) + 1,
        .log = o.log ? fopen(o.log, "w") : NULL,
        .op = DS_EMPTY_INITIALIZER,
    };
    if (o.log && !p.log) {
        ovs_fatal(errno, "%s", o.log);
    }
    struct jsonrpc *client;
    int error = unixctl_client_create(o.ctl, &client);
    if (error) {
        ovs_fatal(error, "%s", o.ctl);
    }
    if (!run_until(&p, idls_loaded, 0)) {
        ovs_fatal(0, "the databases did not load");
    }

    struct totals t;
    memset(&t, 0, sizeof t);
    int64_t ovs_cfg = -1;
    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(p.ovs);
    prop_setup_ovs(&p, txn);
    ovsdb_idl_txn_increment(txn, &ovsrec_open_vswitch_first(p.ovs)->header_,
                            &ovsrec_open_vswitch_col_next_cfg, false);
    if (ovsdb_idl_txn_commit_block(txn) != TXN_SUCCESS) {
        ovs_fatal(0, "setting up the ports failed");
    }
    ovs_cfg = ovsdb_idl_txn_get_increment_new_value(txn);
    ovsdb_idl_txn_destroy(txn);
    txn = ovsdb_idl_txn_create(p.tm);
    ds_clear(&p.op);
    prop_setup_tm(&p, txn);
    if (ovsdb_idl_txn_commit_block(txn) != TXN_SUCCESS) {
        ovs_fatal(0, "setting up the intent failed");
    }
    ovsdb_idl_txn_destroy(txn);
    log_line(&p, "setup: %s\n", ds_cstr(&p.op));

    struct ds diffs = DS_EMPTY_INITIALIZER, summary = DS_EMPTY_INITIALIZER;
    if (!run_until(&p, vswitchd_reached, ovs_cfg) || !wait_hv(&p, &t)) {
        fail(&o, seed, 0, "the setup did not converge", &diffs);
    }
    long long int start = time_msec();
    while (t.ops < o.n_ops) {
        run_batch(&p, &o, &t, seed);
        if (!check_all(&p, client, o.mgmt, &diffs, &summary)) {
            fail(&o, seed, t.batches, "the incremental state differs",
                 &diffs);
        }
    }

    bool ok;
    free(controller_call(client, "recompute", &ok));
    if (!wait_hv(&p, &t) || !check_all(&p, client, o.mgmt, &diffs,
                                       &summary)) {
        fail(&o, seed, t.batches, "after a full recompute", &diffs);
    }
    printf("%u operations (%u Traffic_Mirror, %u Open_vSwitch), %u refused "
           "by the database, %u batches each followed by the checks, "
           "%.1f s (%.1f s waiting for the chassis)\n"
           "last check: %s", t.ops, t.tm_ops, t.ovs_ops, t.refused,
           t.batches, (time_msec() - start) / 1000.0, t.wait_msec / 1000.0,
           ds_cstr(&summary));

    ds_destroy(&diffs);
    ds_destroy(&summary);
    ds_destroy(&p.op);
    jsonrpc_close(client);
    ovsdb_idl_destroy(p.ovs);
    ovsdb_idl_destroy(p.tm);
    if (p.log) {
        fclose(p.log);
    }
    return 0;
}
