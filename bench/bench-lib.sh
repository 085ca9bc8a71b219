# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# Shell functions for benchmarks that run a scratch hypervisor, sourced by
# bench/bench-controller.sh and bench/tmirror-bench.  The daemons are the ones tests/tmirror-macros.at
# starts (tm_ovs_start, tm_hv_start), in a directory of their own, so that
# nothing touches the system's Open vSwitch or another run's files; the
# daemons are stopped and the directory removed when the script exits.
#
# The programs come from $TMIRROR_BUILDDIR (default: the tree that holds
# this file), the schema from $TMIRROR_SRCDIR.

bench_top=$(cd "$(dirname "$0")/.." && pwd)
TMIRROR_SRCDIR=${TMIRROR_SRCDIR:-$bench_top}
TMIRROR_BUILDDIR=${TMIRROR_BUILDDIR:-$bench_top}
PATH=$TMIRROR_BUILDDIR/utilities:$TMIRROR_BUILDDIR/controller:$PATH
PATH=$PATH:/usr/sbin:/sbin
export PATH
TMIRROR_SCHEMA=$TMIRROR_SRCDIR/ovsdb/tmirror.ovsschema
VSWITCH_SCHEMA=${VSWITCH_SCHEMA:-/usr/share/openvswitch/vswitch.ovsschema}
unset TMIRROR_DB

# bench_fail MESSAGE...: prints MESSAGE and exits (cleaning up).
bench_fail () {
    echo "$0: $*" >&2
    exit 1
}

# bench_cleanup: stops the daemons that bench_* started, by their pidfiles,
# and removes the scratch directory (kept if $BENCH_KEEP is set).
bench_cleanup () {
    [ -n "$bench_dir" ] && [ -d "$bench_dir" ] || return 0
    cd /
    for pidfile in "$bench_dir"/*.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || continue
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
            sleep 0.1
            i=$((i + 1))
        done
    done
    if [ -n "$BENCH_KEEP" ]; then
        echo "$0: kept $bench_dir" >&2
    else
        rm -rf "$bench_dir"
    fi
    bench_dir=
}

# bench_at_exit: what the script that sources this file does at exit, after
# bench_cleanup; it may define its own.
bench_at_exit () {
    :
}

# bench_init: makes the scratch directory and points OVS_RUNDIR, OVS_DBDIR,
# OVS_LOGDIR and OVS_SYSCONFDIR at it.
bench_init () {
    for p in tmirror-ctl tmirror-controller ovsdb-server ovs-vswitchd \
             ovs-vsctl ovs-appctl ovs-ofctl ovsdb-tool; do
        command -v $p > /dev/null || bench_fail "$p not found (build first)"
    done
    [ -f "$TMIRROR_SCHEMA" ] || bench_fail "$TMIRROR_SCHEMA not found"
    bench_dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-controller.XXXXXX") \
        || bench_fail "cannot make a scratch directory"
    trap 'bench_cleanup; bench_at_exit' EXIT
    trap 'exit 1' INT TERM HUP
    OVS_RUNDIR=$bench_dir OVS_DBDIR=$bench_dir OVS_LOGDIR=$bench_dir
    OVS_SYSCONFDIR=$bench_dir
    export OVS_RUNDIR OVS_DBDIR OVS_LOGDIR OVS_SYSCONFDIR
    cd "$bench_dir" || bench_fail "cannot enter $bench_dir"
}

# bench_hv_start N: bench_ovs_start N, then bench_controller_start.
bench_hv_start () {
    bench_ovs_start "$1"
    bench_controller_start
}

# bench_ovs_start N: one ovsdb-server with both databases, ovs-vswitchd on the
# dummy datapath, and
#   br-int     (dummy): vm1..vmN, iface-id vm1..vmN;
#   br-mirror  (dummy, fail_mode=secure), as an operator would create it,
#              with an appliance port app1 (iface-id app1, ofport 100);
#   br-phys    (dummy): the underlay, 192.168.50.1/24, collectors
#              192.168.50.2-9 reachable through port p0;
# then tmirror-ctl init (as tm_hv_start in tests/tmirror-macros.at).
bench_ovs_start () {
    n=$1
    ovsdb-tool create conf.db "$VSWITCH_SCHEMA" > /dev/null \
        && ovsdb-tool create tm.db "$TMIRROR_SCHEMA" > /dev/null \
        && ovsdb-server conf.db tm.db --detach --no-chdir \
               --pidfile="$bench_dir"/ovsdb-server.pid \
               --log-file -vconsole:off \
               --remote=punix:"$bench_dir"/db.sock \
               --remote=punix:"$bench_dir"/tmirror.sock 2>> start.err \
        || { cat start.err >&2; bench_fail "ovsdb-server did not start"; }
    ovs-vsctl --no-wait init \
        && ovs-vsctl --no-wait set open_vswitch . \
               external_ids:system-id=hv1 \
               external_ids:tmirror-remote=unix:"$bench_dir"/tmirror.sock \
        || bench_fail "ovs-vsctl init failed"
    ovs-vswitchd --enable-dummy=system --disable-system \
        --disable-system-route --detach --no-chdir \
        --pidfile="$bench_dir"/ovs-vswitchd.pid --log-file -vconsole:off \
        2>> start.err \
        || { cat start.err >&2; bench_fail "ovs-vswitchd did not start"; }
    tmirror-ctl --timeout=30 init || bench_fail "tmirror-ctl init failed"

    cmd="ovs-vsctl -- add-br br-int -- set bridge br-int datapath_type=dummy"
    for i in $(seq 1 "$n"); do
        cmd="$cmd -- add-port br-int vm$i -- set interface vm$i type=dummy \
ofport_request=$i external_ids:iface-id=vm$i"
    done
    $cmd -- add-br br-mirror -- set bridge br-mirror datapath_type=dummy \
            fail_mode=secure \
         -- add-port br-mirror app1 -- set interface app1 type=dummy \
            ofport_request=100 external_ids:iface-id=app1 \
         -- add-br br-phys -- set bridge br-phys datapath_type=dummy \
            other-config:hwaddr=aa:55:aa:55:00:01 \
         -- add-port br-phys p0 -- set interface p0 type=dummy \
        || bench_fail "cannot create the bridges"
    ovs-appctl netdev-dummy/ip4addr br-phys 192.168.50.1/24 > /dev/null \
        && ovs-appctl ovs/route/add 192.168.50.0/24 br-phys > /dev/null \
        || bench_fail "cannot configure the underlay"
    for i in 2 3 4 5 6 7 8 9; do
        ovs-appctl tnl/neigh/set br-phys 192.168.50.$i aa:55:aa:55:00:0$i \
            > /dev/null || bench_fail "cannot set a tunnel neighbour"
    done
}

# bench_controller_start: starts tmirror-controller on the scratch
# hypervisor.
bench_controller_start () {
    tmirror-controller --detach --no-chdir \
        --pidfile="$bench_dir"/tmirror-controller.pid --log-file \
        -vconsole:off 2>> start.err \
        || { cat start.err >&2;
             bench_fail "tmirror-controller did not start"; }
}

# bench_cpu: prints the CPU time (user + system) that each daemon has used
# so far, e.g. "tmirror-controller 1.20 s, ovs-vswitchd 3.40 s, ...".
bench_cpu () {
    hz=$(getconf CLK_TCK)
    sep=
    for name in tmirror-controller ovs-vswitchd ovsdb-server; do
        pid=$(cat "$bench_dir/$name.pid" 2>/dev/null) || continue
        [ -r /proc/$pid/stat ] || continue
        # Fields 14 and 15, counted after the ")" that ends the name.
        ticks=$(sed 's/.*) //' /proc/$pid/stat | awk '{ print $12 + $13 }')
        seconds=$(awk -v t="$ticks" -v hz="$hz" \
                      'BEGIN { printf "%.2f", t / hz }')
        printf '%s%s %s s' "$sep" "$name" "$seconds"
        sep=', '
    done
    echo
}

# bench_cpu_ns NAME: prints the CPU time, in nanoseconds, that all the
# threads of daemon NAME have used so far (from /proc/PID/task/*/schedstat,
# whose resolution is finer than the clock ticks of /proc/PID/stat).
bench_cpu_ns () {
    pid=$(cat "$bench_dir/$1.pid" 2>/dev/null) || return 1
    cat /proc/$pid/task/*/schedstat 2>/dev/null \
        | awk '{ t += $1 } END { printf "%.0f\n", t }'
}

# bench_rss_kib NAME: prints the resident set size of daemon NAME in KiB,
# then its peak ("VmRSS VmHWM").
bench_rss_kib () {
    pid=$(cat "$bench_dir/$1.pid" 2>/dev/null) || return 1
    awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print r, h }' \
        /proc/$pid/status
}

# bench_now: prints the time in nanoseconds.
bench_now () {
    date +%s%N
}

# bench_time VAR COMMAND...: runs COMMAND, fails the script if it fails, and
# stores in VAR how long it took, in milliseconds with one decimal.
bench_time () {
    var=$1
    shift
    t0=$(bench_now)
    "$@" > "$bench_dir/last.out" 2>&1 \
        || { cat "$bench_dir/last.out" >&2; bench_fail "failed: $*"; }
    t1=$(bench_now)
    ms=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", ns / 1e6 }')
    eval "$var=\$ms"
}

# bench_iperf3 CLIENT-NS SERVER-NS SERVER-IP SECS: runs iperf3 for SECS
# seconds from namespace CLIENT-NS to a server in SERVER-NS on SERVER-IP
# (namespaces of tests/real-traffic-lab.sh, run with rtl_ns); prints the
# throughput in Mbit/s and ovs-vswitchd's CPU in % of one core meanwhile.
bench_iperf3 () {
    rtl_ns $2 iperf3 -s -1 -B $3 -p 5201 > "$bench_dir/iperf3-s.out" 2>&1 &
    server=$!
    i=0
    while ! rtl_ns $2 ss -ltn | grep -q ":5201 "; do
        i=$((i + 1))
        [ $i -gt 50 ] && bench_fail "iperf3 -s did not start"
        sleep 0.1
    done
    cpu0=$(bench_cpu_ns ovs-vswitchd)
    t0=$(bench_now)
    rtl_ns $1 iperf3 -c $3 -p 5201 -t "$4" -J \
        > "$bench_dir/iperf3.json" 2> "$bench_dir/iperf3.err" \
        || { cat "$bench_dir/iperf3.err" >&2; bench_fail "iperf3 failed"; }
    t1=$(bench_now)
    cpu1=$(bench_cpu_ns ovs-vswitchd)
    wait $server
    mbps=$(python3 -c 'import json, sys
print("%.1f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]
                ["bits_per_second"] / 1e6))' "$bench_dir/iperf3.json") \
        || bench_fail "cannot read iperf3's result"
    echo "$mbps $(calc "($cpu1 - $cpu0) / ($t1 - $t0) * 100")"
}
