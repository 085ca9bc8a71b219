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
#   - tmirror-ctl writes at that size: each of the typical writes three
#     times (fleet_ctl_writes), the median of them all as the figure.

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
    u0=$(ovs-appctl -t tmirror-controller coverage/read-counter \
             controller_tm_change)
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
    u1=$(ovs-appctl -t tmirror-controller coverage/read-counter \
             controller_tm_change)
    echo "$(calc "($cpu1 - $cpu0) / 1e6") $((w1 - w0)) $i $((u1 - u0))"
}

# fleet_ctl_writes: times typical tmirror-ctl writes against the fleet
# database, three rounds of: session-add, session-set, a generic "set" on
# the session, session-del, rule-add, rule-del, filter-add, filter-del,
# target-add, target-del.  Prints each command's median and records the
# median of all as fleet-db.ctl_write.
fleet_ctl_writes () {
    ctl="tmirror-ctl --timeout=120"
    all= names=
    for i in 1 2 3; do
        set -- \
            session-add "$ctl session-add fleet-new vm1 t-ip f1 2" \
            session-set "$ctl session-set fleet-new description=d$i" \
            set-session "$ctl set Session fleet-new enabled=false" \
            session-del "$ctl session-del fleet-new" \
            rule-add "$ctl rule-add f1 ingress 32000 accept protocol=udp" \
            rule-del "$ctl rule-del f1 ingress 32000" \
            filter-add "$ctl filter-add fleet-f" \
            filter-del "$ctl filter-del fleet-f" \
            target-add "$ctl target-add fleet-t ip 192.0.2.7" \
            target-del "$ctl target-del fleet-t"
        while [ $# -ge 2 ]; do
            bench_time t $2
            eval "ts_$(echo "$1" | tr - _)=\"\${ts_$(echo "$1" | tr - _)-} $t\""
            all="$all $t"
            case " $names " in *" $1 "*) ;; *) names="$names $1" ;; esac
            shift 2
        done
    done
    for name in $names; do
        eval "v=\$ts_$(echo "$name" | tr - _)"
        printf '    tmirror-ctl %s: median %s ms\n' "$name" "$(median $v)"
    done
    fig fleet-db.ctl_write "$(calc "$(median $all) / 1000")" s "<=" 0.5 \
        "median of 3 x 10 writes (session-add/set/del, set Session, rule-, filter-, target-add/del); slowest $(r1 "$(printf '%s\n' $all | sort -g | tail -1)") ms"
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

    # The controller's periodic work (counter rounds every 2 to 8 s, the
    # 10 s count check, path verification) falls in some 3 s windows and
    # not others: the 3 s with changes are compared with the busier of a
    # quiet 3 s before and one after them.
    sleep 1
    set -- $(fleet_quiet_window 3)
    quiet_cpu=$1 quiet_w=$2 quiet_u=$4
    set -- $(fleet_quiet_window 3 touch)
    ch_cpu=$1 ch_w=$2 ch_n=$3 ch_u=$4
    set -- $(fleet_quiet_window 3)
    quiet2_cpu=$1 quiet2_w=$2
    ref_cpu=$(awk -v a="$quiet_cpu" -v b="$quiet2_cpu" \
                  'BEGIN { print (a > b ? a : b) }')
    ref_w=$((quiet_w > quiet2_w ? quiet_w : quiet2_w))
    fig fleet-db.unrelated_cpu "$ch_cpu" ms "<=" "$ref_cpu" \
        "$ch_n sessions of other chassis changed in 3 s; quiet 3 s before and after: $quiet_cpu, $quiet2_cpu ms"
    fig fleet-db.unrelated_wakeups "$ch_w" count "<=" "$ref_w" \
        "quiet 3 s before and after: $quiet_w, $quiet2_w"
    fig fleet-db.unrelated_db_updates "$ch_u" count "=" 0 \
        "updates from the database in those 3 s, each a wake-up (quiet 3 s: $quiet_u)"

    fleet_ctl_writes
    bench_cleanup
}
