/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Unit tests for controller/session-counters.c: running totals that never
 * go backwards when flows are reinstalled. */

#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "controller/session-counters.h"
#include "uuid.h"

/* Updates the totals of 'uuid' and checks them. */
static void
update_expect__(struct session_counters *sc, const struct uuid *uuid,
                uint64_t flow_packets, int64_t row_packets, bool count,
                uint64_t want_packets)
{
    uint64_t packets, bytes;
    session_counters_update(sc, uuid, flow_packets, flow_packets * 100,
                            row_packets, row_packets < 0 ? -1
                            : row_packets * 100, count, false, &packets,
                            &bytes);
    assert_int_equal(packets, want_packets);
    assert_int_equal(bytes, want_packets * 100);
}

/* Updates the totals of an active session and checks them. */
static void
update_expect(struct session_counters *sc, const struct uuid *uuid,
              uint64_t flow_packets, int64_t row_packets,
              uint64_t want_packets)
{
    update_expect__(sc, uuid, flow_packets, row_packets, true, want_packets);
}

static void
test_not_counted_unless_active(void **state OVS_UNUSED)
{
    struct session_counters sc;
    struct uuid u, v;
    uuid_generate(&u);
    uuid_generate(&v);
    session_counters_init(&sc);
    update_expect(&sc, &u, 10, -1, 10);
    /* Its path failed: the flows go on matching, nothing leaves. */
    update_expect__(&sc, &u, 15, 10, false, 10);
    update_expect__(&sc, &u, 16, 10, false, 10);
    /* Active again: only what came since counts. */
    update_expect(&sc, &u, 18, 10, 12);
    /* First seen while failing: the row's totals, not the flows'. */
    update_expect__(&sc, &v, 40, 3, false, 3);
    update_expect__(&sc, &v, 41, -1, false, 3);
    session_counters_destroy(&sc);
}

static void
test_first_look_trusts_active_row(void **state OVS_UNUSED)
{
    struct session_counters sc;
    struct uuid u;
    uint64_t packets, bytes;
    uuid_generate(&u);
    session_counters_init(&sc);
    /* The controller restarted; the row said active with 1 copy, the flows
     * went on mirroring: 4.  Not active yet here, but the 3 copies left. */
    session_counters_update(&sc, &u, 4, 400, 1, 100, false, true, &packets,
                            &bytes);
    assert_int_equal(packets, 4);
    assert_int_equal(bytes, 400);
    session_counters_destroy(&sc);
}

static void
test_first_look_trusts_row_first_seen_active(void **state OVS_UNUSED)
{
    struct session_counters sc;
    struct uuid u, v;
    uint64_t packets, bytes;
    uuid_generate(&u);
    uuid_generate(&v);
    session_counters_init(&sc);
    /* Restarted: the row said active with 1 copy when first seen; this
     * controller then wrote it "pending" while it waited for the switch,
     * and only then did the flows' counters (21) arrive.  The 20 copies
     * that left while no controller ran are counted. */
    session_counters_note_row(&sc, &u, true);
    session_counters_note_row(&sc, &u, false);
    session_counters_update(&sc, &u, 21, 2100, 1, 100, false, false,
                            &packets, &bytes);
    assert_int_equal(packets, 21);
    assert_int_equal(bytes, 2100);
    /* First seen pending: the row's totals, as before. */
    session_counters_note_row(&sc, &v, false);
    session_counters_note_row(&sc, &v, true);
    session_counters_update(&sc, &v, 21, 2100, 1, 100, false, false,
                            &packets, &bytes);
    assert_int_equal(packets, 1);
    session_counters_update(&sc, &v, 25, 2500, 1, 100, false, false,
                            &packets, &bytes);
    assert_int_equal(packets, 1);       /* Not active here: not counted. */
    session_counters_destroy(&sc);
}

static void
test_counts_follow_flows(void **state OVS_UNUSED)
{
    struct session_counters sc;
    struct uuid u;
    uuid_generate(&u);
    session_counters_init(&sc);
    update_expect(&sc, &u, 0, -1, 0);
    update_expect(&sc, &u, 5, 0, 5);
    update_expect(&sc, &u, 9, 5, 9);
    session_counters_destroy(&sc);
}

static void
test_flow_restart_is_folded_in(void **state OVS_UNUSED)
{
    struct session_counters sc;
    struct uuid u;
    uuid_generate(&u);
    session_counters_init(&sc);
    update_expect(&sc, &u, 10, -1, 10);
    update_expect(&sc, &u, 2, 10, 12);      /* Reinstalled: 10 + 2. */
    update_expect(&sc, &u, 7, 12, 17);
    update_expect(&sc, &u, 0, 17, 17);      /* Disabled: totals stay. */
    update_expect(&sc, &u, 3, 17, 20);

    uint64_t packets, bytes;
    session_counters_get(&sc, &u, &packets, &bytes);
    assert_int_equal(packets, 20);
    assert_int_equal(bytes, 2000);
    session_counters_destroy(&sc);
}

static void
test_resume_from_row_after_restart(void **state OVS_UNUSED)
{
    struct session_counters sc;
    struct uuid u, v;
    uuid_generate(&u);
    uuid_generate(&v);
    session_counters_init(&sc);
    /* The controller restarted and the flows were reinstalled meanwhile:
     * the row says 50, the flows 4: counting resumes at 50. */
    update_expect(&sc, &u, 4, 50, 50);
    update_expect(&sc, &u, 6, 50, 52);
    /* The flows kept running: the row lags behind them. */
    update_expect(&sc, &v, 30, 28, 30);
    session_counters_destroy(&sc);
}

static void
test_sweep_forgets_unseen(void **state OVS_UNUSED)
{
    struct session_counters sc;
    struct uuid u, v;
    uint64_t packets, bytes;
    uuid_generate(&u);
    uuid_generate(&v);
    session_counters_init(&sc);
    update_expect(&sc, &u, 3, -1, 3);
    update_expect(&sc, &v, 4, -1, 4);
    session_counters_sweep(&sc);
    update_expect(&sc, &u, 5, 3, 5);
    session_counters_sweep(&sc);            /* v was not updated. */
    session_counters_get(&sc, &v, &packets, &bytes);
    assert_int_equal(packets, 0);
    session_counters_get(&sc, &u, &packets, &bytes);
    assert_int_equal(packets, 5);
    session_counters_destroy(&sc);
}

/* A session whose counters cannot be read for a while (kept) keeps its
 * totals over sweeps, and goes on from them. */
static void
test_keep_survives_sweep(void **state OVS_UNUSED)
{
    struct session_counters sc;
    struct uuid u;
    uint64_t packets, bytes;
    uuid_generate(&u);
    session_counters_init(&sc);
    update_expect(&sc, &u, 7, -1, 7);
    session_counters_sweep(&sc);
    session_counters_keep(&sc, &u);
    session_counters_sweep(&sc);
    session_counters_get(&sc, &u, &packets, &bytes);
    assert_int_equal(packets, 7);
    /* Not a first look: the row's older total (2) is not taken. */
    update_expect(&sc, &u, 9, 2, 9);
    session_counters_sweep(&sc);
    session_counters_sweep(&sc);            /* Neither kept nor updated. */
    session_counters_get(&sc, &u, &packets, &bytes);
    assert_int_equal(packets, 0);
    session_counters_destroy(&sc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_look_trusts_row_first_seen_active),
        cmocka_unit_test(test_counts_follow_flows),
        cmocka_unit_test(test_flow_restart_is_folded_in),
        cmocka_unit_test(test_resume_from_row_after_restart),
        cmocka_unit_test(test_sweep_forgets_unseen),
        cmocka_unit_test(test_keep_survives_sweep),
        cmocka_unit_test(test_not_counted_unless_active),
        cmocka_unit_test(test_first_look_trusts_active_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
