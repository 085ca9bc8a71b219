# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# tmirror-bench's "capture" scenario (issue 10), sourced by
# bench/tmirror-bench: the two capture backends under real TCP traffic, in
# the lab of tests/capture-controller.at (tests/capture-controller-lab.sh:
# N VMs whose ports are kernel veths in namespaces, ovs-vswitchd's
# userspace datapath, an appliance namespace behind port app1 of
# br-mirror; root only).  Every session mirrors everything both ways to
# the appliance.  iperf3 runs from VM 1 to VM 2, both captured, so each
# frame between them is copied twice (the sender's egress, the receiver's
# ingress).  Cases, each the median of 3 runs of 5 s:
#
#   none      no session;
#   tcN       N sources (N = 40) captured with tc (tmirror-capture=auto):
#             no Mirror row;
#   tc16      16 sources captured with tc;
#   mirror16  the same 16 sources with Mirror rows (tmirror-capture=mirror;
#             32 rows, the most a bridge honours); its runs alternate with
#             those of tc16, so that both see the same load of the machine,
#             and tc16.vs_mirror is the median of the runs' ratios.
#
# For each: throughput (Mbit/s), its ratio to no session, ovs-vswitchd's
# CPU (% of one core, all threads), throughput per core of ovs-vswitchd
# (the bottleneck, so the figure that other jobs on the machine change
# least) and the copies that reached the appliance per copy due (its eth0's
# received frames over twice the frames between VM 1 and VM 2).  tcN also
# gives the time from the sessions' transaction to all of them active.
# --quick: N = 8, tc8 and mirror8, one run of 2 s each.

# cb_ctl ARGS...: tmirror-ctl against the lab's Traffic_Mirror database.
cb_ctl () {
    tmirror-ctl --timeout=60 --db=unix:$OVS_RUNDIR/tmirror.sock "$@"
}

# cb_rx NS DEV: the frames that DEV in the lab's namespace NS received so far.
cb_rx () {
    rtl_ns $1 cat /sys/class/net/$2/statistics/rx_packets
}

# cb_tx NS DEV: the frames that DEV in the lab's namespace NS sent so far.
cb_tx () {
    rtl_ns $1 cat /sys/class/net/$2/statistics/tx_packets
}

# cb_iperf SECS: runs iperf3 from VM 1 to VM 2 for SECS seconds; prints
# the throughput in Mbit/s, ovs-vswitchd's CPU in % of one core and the
# copies that reached the appliance in % of those due.
cb_iperf () {
    tx1=$(cb_tx v1 eth0) tx2=$(cb_tx v2 eth0) app=$(cb_rx a eth0)
    set -- $(bench_iperf3 v1 v2 $(tcl_ip 2) "$1")
    # Copies still queued in ovs-vswitchd arrive within a moment.
    sleep 0.5
    due=$((2 * ($(cb_tx v1 eth0) - tx1 + $(cb_tx v2 eth0) - tx2)))
    got=$(($(cb_rx a eth0) - app))
    echo "$1 $2 $(calc "$got / $due * 100")"
}

# cb_measure NAME: one run of case NAME (cb_secs seconds); appends its
# figures to the lists cb_mbps_NAME, cb_cpu_NAME and cb_copies_NAME.
cb_measure () {
    set -- $1 $(cb_iperf "$cb_secs")
    eval "cb_mbps_$1=\"\${cb_mbps_$1-} $2\"
          cb_cpu_$1=\"\${cb_cpu_$1-} $3\"
          cb_copies_$1=\"\${cb_copies_$1-} $4\""
}

# cb_record NAME: records the figures capture.NAME.* of case NAME, the
# medians of its runs; sets cb_med_NAME to its median throughput.
cb_record () {
    name=$1
    eval "mbps=\$(median \$cb_mbps_$name) cpu=\$(median \$cb_cpu_$name)
          copies=\$(median \$cb_copies_$name)"
    fig capture.$name.throughput "$mbps" Mbit/s
    if [ $name = none ]; then
        cb_base=$mbps
    else
        fig capture.$name.ratio "$(calc "$mbps / $cb_base")" x "" "" \
            "of no session"
        fig capture.$name.copies "$copies" % "" "" \
            "of the copies due reached the appliance"
    fi
    fig capture.$name.vswitchd_cpu "$cpu" % "" "" \
        "of one core, all threads"
    # ovs-vswitchd is the bottleneck: throughput per core it had is what
    # the load of other jobs changes least.
    fig capture.$name.per_core "$(calc "$mbps / ($cpu / 100)")" \
        "Mbit/s per core" "" "" "of ovs-vswitchd"
    eval cb_med_$name=\$mbps
}

# cb_case NAME: cb_reps runs of case NAME, recorded.
cb_case () {
    for i in $(seq 1 "$cb_reps"); do
        cb_measure $1
    done
    cb_record $1
}

# cb_set_mode MODE N: sets tmirror-capture=MODE (auto or mirror) and waits
# until the N sessions are active on tc (auto) or Mirror rows.
cb_set_mode () {
    ovs-vsctl --timeout=30 set open_vswitch . \
        external_ids:tmirror-capture=$1 || bench_fail "ovs-vsctl failed"
    cb_wait_backend $2 $(if [ $1 = auto ]; then echo tc; else echo $1; fi)
}

# cb_sessions FIRST LAST: sessions sK of VMs FIRST..LAST, everything both
# ways to the appliance, in one transaction.
cb_sessions () {
    cmd="-- filter-add all -- rule-add all ingress 10 accept
         -- rule-add all egress 10 accept -- target-add app port app1"
    for k in $(seq $1 $2); do
        cmd="$cmd -- session-add s$k vm$k app all 1"
    done
    cb_ctl init $cmd > /dev/null || bench_fail "cannot write the sessions"
}

# cb_del_sessions FIRST LAST: deletes sessions sK of VMs FIRST..LAST.
cb_del_sessions () {
    cmd=
    for k in $(seq $1 $2); do
        cmd="$cmd -- session-del s$k"
    done
    cb_ctl --wait=hv $cmd > /dev/null || bench_fail "cannot delete sessions"
}

# cb_wait_backend N BACKEND: waits (120 s at most) until N sessions are
# active on BACKEND (tc or mirror), then until the chassis has applied
# everything.
cb_wait_backend () {
    i=0
    while [ "$(tcc_states | grep -c " active $2\$")" != $1 ]; do
        i=$((i + 1))
        if [ $i -gt 1200 ]; then
            tcc_states | awk '{ print $2, $3 }' | sort | uniq -c >&2
            bench_fail "$1 sessions did not become active on $2"
        fi
        sleep 0.1
    done
    cb_ctl --wait=hv sync > /dev/null || bench_fail "sync failed"
}

# cb_mirror_rows: the number of tmirror's Mirror rows.
cb_mirror_rows () {
    tcc_mirrors | wc -l
}

# cb_lab_cleanup: stops the lab's daemons and removes its namespaces.
cb_lab_cleanup () {
    [ -n "${cb_prefix-}" ] || return 0
    bench_cleanup
    tcc_cleanup "$cb_prefix" "$cb_n"
    cb_prefix=
}

# capture_scenario: the scenario (see the top of this file); skips, saying
# why, without root or where namespaces cannot be made.
capture_scenario () {
    if [ "$(id -u)" != 0 ]; then
        skip capture "needs root (network namespaces)"
        return
    fi
    for tool in iperf3 ip ethtool ss tc; do
        command -v $tool > /dev/null \
            || bench_fail "$tool not found (utilities/quickstart.sh deps)"
    done
    . "$TMIRROR_SRCDIR/tests/real-traffic-lab.sh"
    . "$TMIRROR_SRCDIR/tests/capture-tc-lab.sh"
    . "$TMIRROR_SRCDIR/tests/capture-controller-lab.sh"
    RTL_P=tmc$$-
    if ! why=$(tcl_check $RTL_P); then
        skip capture "${why#skipped: }"
        return
    fi
    cb_n=40 cb_m=16 cb_secs=5 cb_reps=3
    [ -n "$quick" ] && cb_n=8 cb_m=8 cb_secs=2 cb_reps=1
    echo "capture: $cb_n VMs on kernel veths, iperf3 vm1 -> vm2," \
         "$cb_reps x $cb_secs s per case"
    bench_init
    cb_prefix=$RTL_P
    tcc_topo $RTL_P $cb_n > /dev/null || bench_fail "cannot build the lab"
    rtl_ovs_start "$bench_dir" > /dev/null 2>> "$bench_dir/start.err" \
        || { cat "$bench_dir/start.err" >&2;
             bench_fail "cannot start Open vSwitch in the lab"; }
    tcc_bridges $cb_n > /dev/null || bench_fail "cannot make the bridges"
    tcc_config auto > /dev/null || bench_fail "cannot configure the chassis"
    rtl_controller_start 2>> "$bench_dir/start.err" \
        || { cat "$bench_dir/start.err" >&2;
             bench_fail "cannot start tmirror-controller"; }
    # One round of pings, so that br-int knows every VM's MAC.
    for k in 1 2; do
        rtl_ns v$k ping -n -q -c 1 -W 2 $(tcl_ip $((3 - k))) > /dev/null
    done

    cb_case none

    t0=$(bench_now)
    cb_sessions 1 $cb_n
    cb_wait_backend $cb_n tc
    t1=$(bench_now)
    fig capture.tc$cb_n.setup "$(calc "($t1 - $t0) / 1e9")" s "" "" \
        "from the sessions' transaction to all active, with --wait=hv"
    fig capture.tc$cb_n.mirror_rows "$(cb_mirror_rows)" "Mirror rows" \
        "=" 0 "$((2 * cb_n)) tc captures"
    # (With --quick, N is cb_m: the runs in turns below measure it.)
    [ $cb_m -lt $cb_n ] && cb_case tc$cb_n

    # At cb_m sources, tc and Mirror rows in turns, so that both see the
    # same load of the machine; the ratio is the median of each turn's.
    [ $cb_m -lt $cb_n ] && cb_del_sessions $((cb_m + 1)) $cb_n
    ratios=
    for i in $(seq 1 "$cb_reps"); do
        cb_set_mode auto $cb_m
        cb_measure tc$cb_m
        cb_set_mode mirror $cb_m
        [ "$(cb_mirror_rows)" = $((2 * cb_m)) ] \
            || bench_fail "$(cb_mirror_rows) Mirror rows, not $((2 * cb_m))"
        cb_measure mirror$cb_m
        tc=$(eval echo \$cb_mbps_tc$cb_m | awk '{ print $NF }')
        mirror=$(eval echo \$cb_mbps_mirror$cb_m | awk '{ print $NF }')
        ratios="$ratios $(calc "$tc / $mirror")"
    done
    cb_record tc$cb_m
    cb_record mirror$cb_m
    fig capture.tc$cb_m.vs_mirror "$(median $ratios)" x ">=" 0.9 \
        "tc over Mirror rows at $cb_m sources, runs in turns"
    cb_lab_cleanup
}
