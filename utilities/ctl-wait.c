/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* tmirror-ctl --wait=hv: waiting until every chassis reports in its
 * Chassis:cfg the TM_Global:cfg that a transaction bumped, and naming the
 * chassis that lag when the wait runs out.  It owns no state. */

#include <config.h>

#include "ctl-wait.h"

#include <inttypes.h>
#include <limits.h>

#include "ctl-failover.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "ovsdb-idl.h"
#include "svec.h"
#include "timeval.h"
#include "tmirror-idl.h"
#include "util.h"

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

/* Waits until every Chassis row reports 'next_cfg' or later in 'cfg'.  The
 * wait goes on across a failover: the IDL reconnects to another member of
 * 'db' and the counters are read again.  Only a complete view counts, one
 * whose TM_Global has 'next_cfg' (an IDL that lost its server may have
 * emptied its copy).  Returns true once they all do; returns false when
 * 'deadline' (a time_msec(), LLONG_MAX for none) passes first, with the
 * chassis that lag (or the lost view) described in 'why'. */
bool
ctl_wait_for_chassis(struct ovsdb_idl *idl, const char *db, int64_t next_cfg,
                     long long int deadline, struct ds *why)
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
            return true;
        }
        if (!complete) {
            ds_clear(&lagging);
            ds_put_format(&lagging, "no view of %s since the connection "
                          "was lost", db);
        }
        if (time_msec() >= deadline) {
            ds_put_cstr(why, ds_cstr(&lagging));
            ds_destroy(&lagging);
            return false;
        }
        ds_destroy(&lagging);
        ovsdb_idl_wait(idl);
        ctl_failover_wait();
        if (deadline != LLONG_MAX) {
            poll_timer_wait_until(deadline);
        }
        poll_block();
    }
}
