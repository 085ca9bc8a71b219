/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* test-intent-check: drives lib/intent-check.c against a real
 * Traffic_Mirror database, for the "shared checks" test of
 * tests/tmirror-ctl.at.
 *
 *   test-intent-check DB-REMOTE index|scan|demand
 *
 * Reads the database, with the lookups of intent-lookup.h built on IDL
 * indexes ("index"), on passes over the IDL ("scan"), or on passes over
 * the rows that the lookups ask for (row-demand.h, as tmirror-ctl does:
 * "demand"; each step is repeated until it asks nothing new), then runs a
 * fixed list of changes, each in its own transaction that it aborts
 * afterwards, and prints for each one line: its name and what
 * tm_intent_check_txn() says ("ok" or the message).  Then it prints the
 * answers of a few lookups and VNI choices.  Every mode must print the
 * same.  The database must hold the intent that the test creates (filters
 * web and other, targets col, span and app, sessions s1, s2 and s3). */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fatal-signal.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "tmirror-idl.h"
#include "tmirror/intent-check.h"
#include "tmirror/row-demand.h"
#include "util.h"

#define TIMEOUT_MSEC 10000

/* The database, for the changes. */
struct scenario_ctx {
    struct ovsdb_idl *idl;
    struct ovsdb_idl_txn *txn;
    const struct tm_intent_lookup *lk;
};

/* Returns the row of 'table' named 'name', or aborts. */
static const struct tmrec_filter *
filter(const struct scenario_ctx *c, const char *name)
{
    const struct tmrec_filter *f = tm_intent_lookup_filter(c->lk, name,
                                                           NULL);
    if (!f) {
        ovs_fatal(0, "no filter %s", name);
    }
    return f;
}

static const struct tmrec_target *
target(const struct scenario_ctx *c, const char *name)
{
    const struct tmrec_target *t = tm_intent_lookup_target(c->lk, name,
                                                           NULL);
    if (!t) {
        ovs_fatal(0, "no target %s", name);
    }
    return t;
}

static const struct tmrec_session *
session(const struct scenario_ctx *c, const char *name)
{
    const struct tmrec_session *s = tm_intent_lookup_session(c->lk, name,
                                                             NULL);
    if (!s) {
        ovs_fatal(0, "no session %s", name);
    }
    return s;
}

/* Returns the rule of 'f' with 'direction' and 'number', or aborts. */
static const struct tmrec_filter_rule *
rule(const struct tmrec_filter *f, const char *direction, int64_t number)
{
    for (size_t i = 0; i < f->n_rules; i++) {
        if (!strcmp(f->rules[i]->direction, direction)
            && f->rules[i]->rule_number == number) {
            return f->rules[i];
        }
    }
    ovs_fatal(0, "filter %s has no rule %s %"PRId64, f->name, direction,
              number);
}

/* Adds a new rule 'direction' 'number' accept to 'f'. */
static void
add_rule(struct scenario_ctx *c, const struct tmrec_filter *f,
         const char *direction, int64_t number)
{
    struct tmrec_filter_rule *r = tmrec_filter_rule_insert(c->txn);
    tmrec_filter_rule_set_direction(r, direction);
    tmrec_filter_rule_set_rule_number(r, number);
    tmrec_filter_rule_set_action(r, "accept");
    tmrec_filter_rule_set_description(r, "");

    struct tmrec_filter_rule **rules = xmalloc((f->n_rules + 1)
                                               * sizeof *rules);
    memcpy(rules, f->rules, f->n_rules * sizeof *rules);
    rules[f->n_rules] = r;
    tmrec_filter_set_rules(f, rules, f->n_rules + 1);
    free(rules);
}

/* The changes. */
static void nothing(struct scenario_ctx *c OVS_UNUSED) { }

static void
session_name(struct scenario_ctx *c)
{
    tmrec_session_set_name(session(c, "s2"), "s1");
}

static void
session_number(struct scenario_ctx *c)
{
    tmrec_session_set_session_number(session(c, "s2"), 1);
}

static void
session_vni(struct scenario_ctx *c)
{
    tmrec_session_set_vni(session(c, "s1"), 7);
}

static void
swap_vnis(struct scenario_ctx *c)
{
    tmrec_session_set_vni(session(c, "s1"), 5001);
    tmrec_session_set_vni(session(c, "s2"), 5000);
}

static void
session_to_erspan(struct scenario_ctx *c)
{
    tmrec_session_set_target(session(c, "s1"), target(c, "span"));
}

static void
target_to_erspan(struct scenario_ctx *c)
{
    tmrec_target_set_encap(target(c, "col"), "erspan");
}

static void
target_name(struct scenario_ctx *c)
{
    tmrec_target_set_name(target(c, "span"), "col");
}

static void
target_address(struct scenario_ctx *c)
{
    const char *addresses[] = { "192.0.2.10", "224.0.0.1" };
    tmrec_target_set_addresses(target(c, "col"), addresses, 2);
}

static void
filter_name(struct scenario_ctx *c)
{
    tmrec_filter_set_name(filter(c, "other"), "web");
}

static void
rule_number(struct scenario_ctx *c)
{
    tmrec_filter_rule_set_rule_number(rule(filter(c, "web"), "ingress", 20),
                                      10);
}

static void
rule_cidr(struct scenario_ctx *c)
{
    tmrec_filter_rule_set_source_cidr(rule(filter(c, "web"), "egress", 10),
                                      "10.0.0.1/8");
}

static void
rule_added(struct scenario_ctx *c)
{
    add_rule(c, filter(c, "web"), "ingress", 10);
}

static void
rule_added_elsewhere(struct scenario_ctx *c)
{
    add_rule(c, filter(c, "other"), "ingress", 10);
}

static void
new_session(struct scenario_ctx *c)
{
    struct tmrec_session *s = tmrec_session_insert(c->txn);
    tmrec_session_set_name(s, "s4");
    tmrec_session_set_source(s, "vm 4");
    tmrec_session_set_target(s, target(c, "app"));
    tmrec_session_set_filter(s, filter(c, "web"));
    tmrec_session_set_session_number(s, 1);
    tmrec_session_set_vni(s, 9);
    tmrec_session_set_enabled(s, true);
    tmrec_session_set_description(s, "");
}

static const struct {
    const char *name;
    void (*change)(struct scenario_ctx *);
} scenarios[] = {
    { "nothing", nothing },
    { "session name", session_name },
    { "session number", session_number },
    { "session vni", session_vni },
    { "swap vnis", swap_vnis },
    { "session to erspan", session_to_erspan },
    { "target to erspan", target_to_erspan },
    { "target name", target_name },
    { "target address", target_address },
    { "filter name", filter_name },
    { "rule number", rule_number },
    { "rule cidr", rule_cidr },
    { "rule added", rule_added },
    { "rule added elsewhere", rule_added_elsewhere },
    { "new session", new_session },
};

/* In "demand" mode, the IDL and what its lookups ask for, for print_user()
 * and print_pick(). */
static struct ovsdb_idl *the_idl;
static struct tm_row_demand *the_demand;

/* Reads the database into 'idl', or exits after TIMEOUT_MSEC. */
static void
read_database(struct ovsdb_idl *idl)
{
    long long int deadline = time_msec() + TIMEOUT_MSEC;
    unsigned int seqno = ovsdb_idl_get_seqno(idl);
    for (;;) {
        ovsdb_idl_run(idl);
        if (ovsdb_idl_get_seqno(idl) != seqno && tmrec_tm_global_first(idl)) {
            return;
        }
        if (time_msec() >= deadline) {
            ovs_fatal(0, "timed out reading the database");
        }
        ovsdb_idl_wait(idl);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

/* In "demand" mode ('d' nonnull): if the lookups asked for rows that the
 * IDL may not hold, sends the conditions and waits until the IDL holds the
 * rows, then returns true (the step must be repeated).  Else returns
 * false. */
static bool
settle(struct ovsdb_idl *idl, struct tm_row_demand *d)
{
    if (!d || !tm_row_demand_is_pending(d)) {
        return false;
    }
    long long int deadline = time_msec() + TIMEOUT_MSEC;
    unsigned int seqno = tm_row_demand_send(d);
    for (;;) {
        ovsdb_idl_run(idl);
        if (ovsdb_idl_get_condition_seqno(idl) == seqno) {
            return true;
        }
        if (time_msec() >= deadline) {
            ovs_fatal(0, "timed out waiting for the rows asked for");
        }
        ovsdb_idl_wait(idl);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

/* Asks for the rows that the changes name, until the IDL holds them. */
static void
prefetch(struct scenario_ctx *c, struct tm_row_demand *d)
{
    static const char *const names[] = { "web", "other" };
    static const char *const targets[] = { "col", "span", "app" };
    static const char *const sessions[] = { "s1", "s2", "s3", "s4" };
    do {
        tm_intent_lookup_demand_refs(c->lk);
        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
            tm_intent_lookup_filter(c->lk, names[i], NULL);
        }
        for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
            tm_intent_lookup_target(c->lk, targets[i], NULL);
        }
        for (size_t i = 0; i < ARRAY_SIZE(sessions); i++) {
            tm_intent_lookup_session(c->lk, sessions[i], NULL);
        }
    } while (settle(c->idl, d));
}

/* Runs the change 'i' and prints what the check says, repeating it in
 * "demand" mode until the check asks nothing new. */
static void
run_scenario(struct scenario_ctx *c, struct tm_row_demand *d, size_t i)
{
    for (;;) {
        c->txn = ovsdb_idl_txn_create(c->idl);
        scenarios[i].change(c);
        char *error = tm_intent_check_txn(c->lk);
        bool again = d && tm_row_demand_is_pending(d);
        if (!again) {
            printf("%s: %s\n", scenarios[i].name, error ? error : "ok");
        }
        free(error);
        ovsdb_idl_txn_abort(c->txn);
        ovsdb_idl_txn_destroy(c->txn);
        if (!again || !settle(c->idl, d)) {
            return;
        }
    }
}

/* Prints the name of the session of lowest name that uses 'f' or 't'. */
static void
print_user(const struct tm_intent_lookup *lk, const char *what,
           const struct tmrec_filter *f, const struct tmrec_target *t)
{
    const struct tmrec_session *s = tm_intent_lookup_user(lk, f, t);
    struct tm_row_demand *d = the_demand;
    if (settle(the_idl, d)) {
        s = tm_intent_lookup_user(lk, f, t);
        ovs_assert(!d || !tm_row_demand_is_pending(d));
    }
    printf("user of %s: %s\n", what, s ? s->name : "none");
}

/* Prints a VNI choice for 'target' with 'seed'. */
static void
print_pick(const struct tm_intent_lookup *lk, const char *what,
           const struct tmrec_target *t, uint32_t seed)
{
    int64_t vni;
    char *error = tm_intent_pick_vni(lk, t, seed, &vni);
    while (settle(the_idl, the_demand)) {
        free(error);
        error = tm_intent_pick_vni(lk, t, seed, &vni);
    }
    if (!error) {
        /* The answer below asks for the sessions of 'vni'. */
        tm_intent_lookup_session_by_vni(lk, vni, NULL);
        settle(the_idl, the_demand);
    }
    if (error) {
        printf("pick for %s: %s\n", what, error);
        free(error);
    } else {
        printf("pick for %s: %s\n", what,
               tm_intent_lookup_session_by_vni(lk, vni, NULL)
               ? "a used VNI" : "an unused VNI");
        printf("pick for %s, seed %"PRIu32": %"PRId64"\n", what, seed, vni);
    }
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    if (argc != 3 || (strcmp(argv[2], "index") && strcmp(argv[2], "scan")
                      && strcmp(argv[2], "demand"))) {
        ovs_fatal(0, "usage: %s DB-REMOTE index|scan|demand", program_name);
    }

    struct ovsdb_idl *idl = the_idl
        = ovsdb_idl_create(argv[1], &tmrec_idl_class, true, true);
    struct tm_intent_lookup *lk
        = tm_intent_lookup_create(idl, !strcmp(argv[2], "index"));
    if (!strcmp(argv[2], "demand")) {
        static const struct ovsdb_idl_table_class *const tables[] = {
            &tmrec_table_filter, &tmrec_table_filter_rule,
            &tmrec_table_target, &tmrec_table_session,
        };
        the_demand = tm_row_demand_create(idl, tables, ARRAY_SIZE(tables));
        tm_intent_lookup_set_demand(lk, the_demand);
    }
    read_database(idl);

    struct scenario_ctx c = { .idl = idl, .lk = lk };
    prefetch(&c, the_demand);
    for (size_t i = 0; i < ARRAY_SIZE(scenarios); i++) {
        run_scenario(&c, the_demand, i);
    }

    print_user(lk, "filter web", filter(&c, "web"), NULL);
    print_user(lk, "filter other", filter(&c, "other"), NULL);
    print_user(lk, "target col", NULL, target(&c, "col"));
    print_user(lk, "target app", NULL, target(&c, "app"));
    print_user(lk, "filter web or target span", filter(&c, "web"),
               target(&c, "span"));
    print_pick(lk, "span", target(&c, "span"), 42);
    print_pick(lk, "col", target(&c, "col"), 42);

    tm_intent_lookup_destroy(lk);
    tm_row_demand_destroy(the_demand);
    ovsdb_idl_destroy(idl);
    return 0;
}
