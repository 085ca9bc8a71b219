# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# tmirror-bench's "fleet-db" scenario, sourced by bench/tmirror-bench: a
# Traffic_Mirror database that holds a whole fleet (bench-fleet.py load:
# 100,000 sessions of 10,000 synthetic chassis, with their Binding and
# Session_Status rows; 2,000 of 200 with --quick) and one real controller,
# hv1, with 16 local sessions.  The controller first converges on its own
# sessions alone, is stopped, the fleet is loaded, and it is started again:
#   - start to converged: until "tmirror-ctl --wait=hv sync" returns (the
#     synthetic chassis report a cfg that is never behind);
#   - its RSS then, and the rows it downloaded (memory/show "db-rows");
#   - Session_Status rows it wrote, against the sessions that concern it;
#   - CPU and wake-ups while sessions of other chassis change, next to a
#     quiet interval of the same length;
#   - tmirror-ctl writes at that size (a session added and deleted).

# fleet_db_rows: prints the controller's db-rows (memory/show).
fleet_db_rows () {
    ovs-appctl -t tmirror-controller memory/show \
        | sed -n 's/.*db-rows:\([0-9]*\).*/\1/p'
}

# fleet_quiet_window SECS [TOUCH]: prints the controller's CPU (ms) and
# wake-ups over SECS seconds, during which, with TOUCH, one session of
# another chassis changes every 0.2 s.
fleet_quiet_window () {
    cpu0=$(bench_cpu_ns tmirror-controller)
    w0=$(bench_wakeups)
    t_end=$(($(date +%s) + $1))
    i=0
    while [ "$(date +%s)" -lt "$t_end" ]; do
        if [ -n "${2-}" ]; then
            python3 "$bench_bin/bench-fleet.py" touch "$bench_dir/tmirror.sock" \
                fleet-s$((i * 7919 % n_fleet)) || bench_fail "touch failed"
            i=$((i + 1))
        fi
        sleep 0.2
    done
    cpu1=$(bench_cpu_ns tmirror-controller)
    w1=$(bench_wakeups)
    echo "$(calc "($cpu1 - $cpu0) / 1e6") $((w1 - w0)) $i"
}

fleet_scenario () {
    n_fleet=100000 n_chassis=10000
    if [ -n "$quick" ]; then
        n_fleet=2000 n_chassis=200
    fi
    echo "fleet-db: $n_fleet sessions of $n_chassis other chassis," \
         "16 local sessions"
    bench_init
    bench_ovs_start 16
    bench_controller_start
    cmd="tmirror-ctl --timeout=120 -- filter-add f1"
    for d in ingress egress; do
        for i in $(seq 0 19); do
            cmd="$cmd -- $(bench_rule f1 $d "$i")"
        done
    done
    cmd="$cmd -- target-add t-ip ip 192.168.50.2"
    for i in $(seq 1 16); do
        cmd="$cmd -- session-add s$i vm$i t-ip f1 1"
    done
    $cmd > /dev/null || bench_fail "cannot create the local sessions"
    tmirror-ctl --timeout=120 --wait=hv sync > /dev/null \
        || bench_fail "the controller did not converge"
    small_rows=$(fleet_db_rows)
    ovs-appctl -t tmirror-controller exit > /dev/null 2>&1
    sleep 0.5

    t0=$(bench_now)
    rows=$(python3 "$bench_bin/bench-fleet.py" load "$bench_dir/tmirror.sock" \
               "$n_fleet" "$n_chassis") || bench_fail "the fleet load failed"
    t1=$(bench_now)
    fig fleet-db.load "$(calc "($t1 - $t0) / 1e9")" s "" "" \
        "$rows rows in transactions of 1,000 sessions"

    t0=$(bench_now)
    bench_controller_start
    tmirror-ctl --timeout=600 --wait=hv sync > /dev/null \
        || bench_fail "the controller did not converge"
    t1=$(bench_now)
    fig fleet-db.converge "$(calc "($t1 - $t0) / 1e9")" s "<=" 2 \
        "from start to --wait=hv sync returning"
    set -- $(bench_rss_kib tmirror-controller)
    fig fleet-db.rss "$(calc "$1 / 1024")" MiB "<=" 64 \
        "peak $(r1 "$(calc "$2 / 1024")") MiB"
    fig fleet-db.rows_downloaded "$(fleet_db_rows)" rows "" "" \
        "$small_rows before the fleet was loaded"
    mine=$(python3 "$bench_bin/bench-fleet.py" count "$bench_dir/tmirror.sock" \
               Session_Status chassis_name hv1)
    all=$(python3 "$bench_bin/bench-fleet.py" count "$bench_dir/tmirror.sock" \
              Session_Status)
    fig fleet-db.status_rows_hv1 "$mine" rows "=" 16 \
        "$all in the database, one per (session, chassis it concerns)"

    sleep 1
    set -- $(fleet_quiet_window 3)
    quiet_cpu=$1 quiet_w=$2
    set -- $(fleet_quiet_window 3 touch)
    fig fleet-db.unrelated_cpu "$1" ms "<=" "$quiet_cpu" \
        "$3 sessions of other chassis changed in 3 s; quiet 3 s: $quiet_cpu ms"
    fig fleet-db.unrelated_wakeups "$2" count "<=" "$quiet_w" \
        "quiet 3 s: $quiet_w"

    ts=
    for i in 1 2 3; do
        bench_time t tmirror-ctl --timeout=120 session-add fleet-new vm1 t-ip \
            f1 2
        ts="$ts $t"
        bench_time t tmirror-ctl --timeout=120 session-del fleet-new
        ts="$ts $t"
    done
    fig fleet-db.ctl_write "$(calc "$(median $ts) / 1000")" s "<=" 0.5 \
        "median of 3 session-add and 3 session-del"
    bench_cleanup
}
