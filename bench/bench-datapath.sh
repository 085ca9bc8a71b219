# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# tmirror-bench's "datapath" scenario, sourced by bench/tmirror-bench: real
# TCP traffic (iperf3, VM 1 to VM 2) through ovs-vswitchd's userspace
# datapath, in the lab of tests/real-traffic-lab.sh (network namespaces and
# veth pairs; root only) plus an appliance namespace whose veth is port
# app1 of br-mirror.  Throughput and ovs-vswitchd's CPU (% of one core,
# all threads) with no session, a session whose filter rejects everything,
# one that accepts everything to the appliance, and one that accepts
# everything to a VXLAN collector; each as the median of 3 runs of 5 s (one
# of 2 s with --quick), and its ratio to no session.

# dp_iperf SECS: runs iperf3 from VM 1 to VM 2 for SECS seconds; prints
# the throughput in Mbit/s and ovs-vswitchd's CPU in % of one core.
dp_iperf () {
    bench_iperf3 ns1 ns2 $RTL_VM2_IP "$1"
}

# dp_case NAME: measures one case; sets dp_mbps and dp_cpu (medians).
dp_case () {
    all_mbps= all_cpu=
    for i in $(seq 1 "$dp_reps"); do
        set -- $(dp_iperf "$dp_secs")
        all_mbps="$all_mbps $1"
        all_cpu="$all_cpu $2"
    done
    dp_mbps=$(median $all_mbps)
    dp_cpu=$(median $all_cpu)
}

# dp_lab_cleanup: removes the lab's namespaces (and so its veths), if any.
dp_lab_cleanup () {
    [ -n "${dp_prefix-}" ] || return 0
    rtl_cleanup "$dp_prefix"
    ip netns del ${dp_prefix}app 2> /dev/null
    dp_prefix=
}

# dp_lab: the lab, the appliance, tmirror-controller and the filters and
# targets (no session yet).
dp_lab () {
    rtl_topo "$dp_prefix" || bench_fail "cannot build the lab"
    ip netns add ${dp_prefix}app && ip -n ${dp_prefix}app link set lo up \
        && rtl_veth hv app1 app eth0 1600 \
        || bench_fail "cannot make the appliance namespace"
    rtl_ovs_start "$bench_dir" && rtl_bridges \
        || bench_fail "cannot start Open vSwitch in the lab"
    ovs-vsctl --timeout=30 -- add-br br-mirror \
        -- set bridge br-mirror datapath_type=netdev fail_mode=secure \
        -- add-port br-mirror app1 \
        -- set interface app1 external_ids:iface-id=app1 \
        || bench_fail "cannot add br-mirror"
    ovs-vsctl --timeout=30 set open_vswitch . external_ids:system-id=hv1 \
        external_ids:tmirror-remote=unix:$bench_dir/tmirror.sock \
        external_ids:tmirror-encap-ip=$RTL_ENCAP_IP \
        || bench_fail "cannot configure the Open_vSwitch row"
    tmirror-ctl --timeout=30 init -- filter-add rej \
        -- rule-add rej ingress 10 reject -- rule-add rej egress 10 reject \
        -- filter-add acc \
        -- rule-add acc ingress 10 accept -- rule-add acc egress 10 accept \
        -- target-add app port app1 \
        -- target-add coll ip $RTL_COLL_IP encap=vxlan > /dev/null \
        || bench_fail "cannot write the intent"
    rtl_controller_start || bench_fail "cannot start tmirror-controller"
    tmirror-ctl --timeout=30 --wait=hv sync > /dev/null \
        || bench_fail "the controller did not start"
}

datapath_scenario () {
    if [ "$(id -u)" != 0 ]; then
        skip datapath "needs root (network namespaces)"
        return
    fi
    for tool in iperf3 ip ethtool ss; do
        command -v $tool > /dev/null \
            || bench_fail "$tool not found (utilities/quickstart.sh deps)"
    done
    . "$TMIRROR_SRCDIR/tests/real-traffic-lab.sh"
    if ! why=$(rtl_check); then
        skip datapath "${why#skipped: }"
        return
    fi
    dp_secs=5 dp_reps=3
    [ -n "$quick" ] && dp_secs=2 dp_reps=1
    echo "datapath: iperf3 vm1 -> vm2, $dp_reps x $dp_secs s per case"
    bench_init
    dp_prefix=tmb$$
    dp_lab
    ctl="tmirror-ctl --timeout=30 --wait=hv"

    dp_case
    base_mbps=$dp_mbps
    fig datapath.none.throughput "$dp_mbps" Mbit/s "" "" \
        "ovs-vswitchd $(r1 "$dp_cpu") % of a core"

    $ctl session-add s1 vm1 app rej 1 > /dev/null || bench_fail "session-add"
    dp_case
    fig datapath.reject_all.throughput "$dp_mbps" Mbit/s "" "" \
        "ovs-vswitchd $(r1 "$dp_cpu") % of a core"
    fig datapath.reject_all.ratio "$(calc "$dp_mbps / $base_mbps")" x \
        ">=" 0.95 "of no session"

    $ctl session-set s1 filter=acc > /dev/null || bench_fail "session-set"
    dp_case
    fig datapath.appliance.throughput "$dp_mbps" Mbit/s "" "" \
        "ovs-vswitchd $(r1 "$dp_cpu") % of a core"
    fig datapath.appliance.ratio "$(calc "$dp_mbps / $base_mbps")" x "" "" \
        "of no session"

    $ctl session-set s1 target=coll > /dev/null || bench_fail "session-set"
    rtl_warmup > /dev/null || bench_fail "the collector was not resolved"
    dp_case
    fig datapath.vxlan.throughput "$dp_mbps" Mbit/s "" "" \
        "ovs-vswitchd $(r1 "$dp_cpu") % of a core"
    fig datapath.vxlan.ratio "$(calc "$dp_mbps / $base_mbps")" x "" "" \
        "of no session"
    bench_cleanup
    dp_lab_cleanup
}
