# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# tmirror-bench's "converge", "change" and "idle" scenarios, sourced by
# bench/tmirror-bench (which defines fig, calc, median, quick and
# bench_work).  One hypervisor of bench-lib.sh with K VM ports (plus one
# spare, vm<K+1>), S sessions per VM port and, per session number N, a
# filter fN of R rules per direction; session number 1 goes to the
# appliance port app1 (a port target), 2 to one VXLAN collector, 3 to a
# group of two (load-balanced), and so on in turn.

# bench_rule FILTER DIRECTION I: prints the rule-add arguments of rule I
# (from 0): port ranges, two-range rules, IPv4 and IPv6 CIDRs, single
# ports, protocols alone, and a reject every seventh rule.
bench_rule () {
    j=$(($3 + ${1#f} * 3))
    action=accept
    [ $(($3 % 7)) -eq 6 ] && action=reject
    case $((j % 6)) in
        0) match="protocol=tcp dst-port=$((1000 + j))-$((1999 + j))" ;;
        1) match="protocol=udp src-port=1024-$((65535 - j))"
           match="$match dst-port=$((1 + j % 1000))-1023" ;;
        2) match="src=10.$((j % 256)).0.0/16" ;;
        3) match="protocol=tcp dst=2001:db8:$((j % 65536)):1::/64"
           match="$match dst-port=443" ;;
        4) match="protocol=sctp src=192.168.$((j % 256)).0/24" ;;
        *) match="protocol=tcp src-port=$((2000 + j))-$((2099 + j))"
           match="$match dst-port=8000-8080" ;;
    esac
    echo "rule-add $1 $2 $((10 * ($3 + 1))) $action $match"
}

# bench_target N: the target of session number N.
bench_target () {
    case $(($1 % 3)) in
        1) echo t-port ;;
        2) echo t-ip ;;
        *) echo t-group ;;
    esac
}

# bench_flow_count: prints the number of flows on br-mirror.
bench_flow_count () {
    ovs-ofctl -O OpenFlow15 dump-flows br-mirror | grep -c 'actions='
}

# bench_dump_flows FILE: writes br-mirror's flows to FILE without their
# statistics, in the format that ovs-ofctl add-flows reads.
bench_dump_flows () {
    ovs-ofctl -O OpenFlow15 --no-stats --no-names dump-flows br-mirror \
        | grep 'actions=' | sed 's/^ *//' | sort > "$1"
}

# bench_flow_mods: prints how many flow-mods the controller has sent (from
# tmirror/show).
bench_flow_mods () {
    ovs-appctl -t tmirror-controller tmirror/show \
        | sed -n 's/.*flow mods: \([0-9]*\).*/\1/p'
}

# bench_wakeups: prints how many passes of its main loop the controller
# has made.
bench_wakeups () {
    ovs-appctl -t tmirror-controller coverage/read-counter controller_run
}

# bench_flow_diff BEFORE AFTER: prints the number of flows that differ
# between the two dumps (added, removed, or with other actions or cookie;
# a flow is its table, priority and match), then writes the added flows to
# AFTER.added and the removed ones to BEFORE.removed.
bench_flow_diff () {
    awk -v added="$2.added" -v removed="$1.removed" '
        function key(line) {
            k = line; sub(/ actions=.*/, "", k); sub(/^cookie=[^,]*, /, "", k)
            return k
        }
        FNR == 1 { file++ }
        file == 1 { old[key($0)] = $0; next }
        { new[key($0)] = $0 }
        END {
            n = 0
            for (k in old) {
                if (!(k in new)) { n++; print old[k] > removed }
                else if (old[k] != new[k]) n++
            }
            for (k in new) {
                if (!(k in old)) { n++; print new[k] > added }
            }
            print n
        }' "$1" "$2"
    touch "$2.added" "$1.removed"
}

# converge_hv K S R: a scratch hypervisor with the filters and targets
# (not timed), then all K x S sessions in one "tmirror-ctl --wait=hv"
# transaction: sets conv_ms (its latency) and conv_cpu_ms (the
# controller's CPU time meanwhile).
converge_hv () {
    k=$1 s=$2 r=$3
    echo "converge: $k sources x $s sessions x $r rules per direction"
    bench_init
    bench_ovs_start $((k + 1))
    bench_controller_start
    cmd="tmirror-ctl --timeout=600"
    for n in $(seq 1 "$s"); do
        cmd="$cmd -- filter-add f$n"
        for d in ingress egress; do
            for i in $(seq 0 $((r - 1))); do
                cmd="$cmd -- $(bench_rule f$n $d "$i")"
            done
        done
    done
    $cmd -- target-add t-port port app1 \
         -- target-add t-ip ip 192.168.50.2 \
         -- target-add t-group ip 192.168.50.3,192.168.50.4 \
         > /dev/null 2> "$bench_dir/setup.err" \
        || { cat "$bench_dir/setup.err" >&2;
             bench_fail "cannot create the filters and targets"; }
    tmirror-ctl --timeout=600 --wait=hv sync > /dev/null \
        || bench_fail "the controller did not start"
    cmd="tmirror-ctl --timeout=600 --wait=hv"
    for i in $(seq 1 "$k"); do
        for n in $(seq 1 "$s"); do
            cmd="$cmd -- session-add s$i-$n vm$i $(bench_target "$n") f$n $n"
        done
    done
    cpu0=$(bench_cpu_ns tmirror-controller)
    bench_time conv_ms $cmd
    cpu1=$(bench_cpu_ns tmirror-controller)
    conv_cpu_ms=$(calc "($cpu1 - $cpu0) / 1e6")
    n_active=$(tmirror-ctl --bare --columns=state find session_status \
                   chassis_name=hv1 state=active | grep -c .)
    [ "$n_active" -eq $((k * s)) ] \
        || bench_fail "$n_active of $((k * s)) sessions active"
}

# converge_floor K DIR: on a new hypervisor without a controller, makes the
# OVS rows described in DIR (bench-floor.py) in one ovs-vsctl transaction,
# then the groups and flows of DIR/groups.txt and DIR/flows.txt; sets
# floor_rows_ms and floor_flows_ms.
converge_floor () {
    d=$2
    bench_init
    bench_ovs_start $(($1 + 1))
    python3 "$bench_bin/bench-floor.py" "$d" > "$d/vsctl-args" \
        || bench_fail "bench-floor.py failed"
    set -- $(cat "$d/vsctl-args")
    bench_time floor_rows_ms ovs-vsctl --timeout=120 "$@"
    t0=$(bench_now)
    ovs-ofctl -O OpenFlow15 add-groups br-mirror "$d/groups.txt" \
            2> "$bench_dir/floor.err" \
        && ovs-ofctl -O OpenFlow15 --bundle replace-flows br-mirror \
               "$d/flows.txt" 2>> "$bench_dir/floor.err" \
        || { cat "$bench_dir/floor.err" >&2;
             bench_fail "the floor's flows failed"; }
    t1=$(bench_now)
    floor_flows_ms=$(calc "($t1 - $t0) / 1e6")
    n=$(bench_flow_count)
    [ "$n" -eq "$(wc -l < "$d/flows.txt")" ] \
        || bench_fail "the floor has $n flows, not $(wc -l < "$d/flows.txt")"
    bench_cleanup
}

# converge_scenario K S R: tmirror from empty to converged, then the floor.
converge_scenario () {
    size=$1x$2x$3
    converge_hv "$@"
    fl=$bench_work/floor
    rm -rf "$fl"
    mkdir "$fl"
    for t in bridge port interface mirror; do
        ovs-vsctl --format=json list $t > "$fl/$t.json"
    done
    bench_dump_flows "$fl/flows.txt"
    ovs-ofctl -O OpenFlow15 --no-stats dump-groups br-mirror \
        | grep 'group_id=' | sed 's/^ *//' > "$fl/groups.txt"
    flows=$(wc -l < "$fl/flows.txt")
    groups=$(wc -l < "$fl/groups.txt")
    mirrors=$(ovs-vsctl --bare --columns=_uuid list mirror | grep -c .)
    bench_cleanup
    converge_floor "$1" "$fl"
    floor_ms=$(calc "$floor_rows_ms + $floor_flows_ms")
    ratio=$(calc "$conv_ms / $floor_ms")
    fig converge.$size.flows "$flows" flows "" "" \
        "$groups groups, $mirrors Mirror rows"
    fig converge.$size.tmirror "$(calc "$conv_ms / 1000")" s "" "" \
        "controller CPU $(r1 "$(calc "$conv_cpu_ms / 1000")") s"
    fig converge.$size.floor "$(calc "$floor_ms / 1000")" s "" "" \
        "rows $(calc "$floor_rows_ms / 1000") s, flows $(calc "$floor_flows_ms / 1000") s"
    fig converge.$size.ratio "$ratio" x "<=" 1.5
}

# change_one NAME COMMAND...: runs COMMAND (a change, ending with the
# datapath programmed); records its latency, the flow-mods the controller
# sent against the flows that really differ, and the controller's CPU.
# Leaves the flows added and removed in $bench_work/change.{added,removed}.
change_one () {
    name=$1
    shift
    bench_dump_flows "$bench_work/before"
    mods0=$(bench_flow_mods)
    cpu0=$(bench_cpu_ns tmirror-controller)
    bench_time change_ms "$@"
    cpu1=$(bench_cpu_ns tmirror-controller)
    mods1=$(bench_flow_mods)
    bench_dump_flows "$bench_work/after"
    differ=$(bench_flow_diff "$bench_work/before" "$bench_work/after")
    mv "$bench_work/after.added" "$bench_work/change.added"
    mv "$bench_work/before.removed" "$bench_work/change.removed"
    change_mods=$((mods1 - mods0))
    change_differ=$differ
    change_cpu_ms=$(calc "($cpu1 - $cpu0) / 1e6")
}

# floor_bundle ADD|DEL FILE: sets floor_ms to how long, in ms, one
# ovs-ofctl bundle takes to add the flows of FILE to br-floor (an empty
# bridge, no controller), or to delete them again (delete_strict lines).
floor_bundle () {
    if [ "$1" = ADD ]; then
        cp "$2" "$2.mods"
    else
        sed 's/^cookie=[^,]*, //; s/ actions=.*//; s/^/delete_strict /' \
            "$2" > "$2.mods"
    fi
    bench_time floor_ms ovs-ofctl -O OpenFlow15 --bundle add-flows br-floor \
        "$2.mods"
}

# rule_floor FILE: sets floor_ms to how long one ovs-ofctl bundle takes to
# add the flows of FILE to the mirror bridge itself (the table the
# controller changes, at its full size), as flows that tmirror does not own
# (cookie 0, priority 7), and floor0_ms to how long an empty bundle takes
# (ovs-ofctl's own cost), medians of 5 runs in turns; the flows are
# removed after each run.
rule_floor () {
    sed 's/^cookie=[^,]*, //; s/priority=[0-9]*/priority=7/' "$1" \
        | sort -u > "$1.raw"
    sed 's/ actions=.*//; s/^/delete_strict /' "$1.raw" > "$1.del"
    : > "$1.empty"
    t_empty= t_full=
    for i in 1 2 3 4 5; do
        bench_time t ovs-ofctl -O OpenFlow15 --bundle add-flows br-mirror \
            "$1.empty"
        t_empty="$t_empty $t"
        bench_time t ovs-ofctl -O OpenFlow15 --bundle add-flows br-mirror \
            "$1.raw"
        t_full="$t_full $t"
        ovs-ofctl -O OpenFlow15 --bundle add-flows br-mirror "$1.del" \
            || bench_fail "cannot remove the floor's flows"
    done
    floor0_ms=$(median $t_empty)
    floor_ms=$(median $t_full)
}

# session_figs add|del MS FLOOR_MS: the figures of the session added or
# deleted last (change_one's $change_mods, $change_differ, $change_cpu_ms),
# in change_scenario (its $size and $noop): latency MS against a no-op sync
# plus twice the floor FLOOR_MS of its flows, flow-mods, controller CPU.
session_figs () {
    fig change.$size.session_$1 "$2" ms "<=" "$(calc "$noop + 2 * $3")" \
        "no-op sync + 2 x floor $3 ms for $change_differ flows"
    fig change.$size.session_$1_flow_mods "$change_mods" count "<=" \
        "$change_differ" "$change_differ flows differ"
    fig change.$size.session_$1_cpu "$change_cpu_ms" ms "" "" "controller"
}

# change_scenario K S R: on converge_hv's hypervisor.
change_scenario () {
    size=$1x$2x$3
    spare=vm$(($1 + 1))
    reps=5
    [ -n "$quick" ] && reps=3
    ctl="tmirror-ctl --timeout=600 --wait=hv"
    ovs-vsctl add-br br-floor -- set bridge br-floor datapath_type=dummy \
        fail_mode=secure || bench_fail "cannot add br-floor"
    echo "change: at $size, $(bench_flow_count) flows"

    noop=
    for i in $(seq 1 "$reps"); do
        bench_time t $ctl sync
        noop="$noop $t"
    done
    noop=$(median $noop)
    fig change.$size.noop_sync "$noop" ms "" "" "median of $reps"

    lat= cpu=
    for i in $(seq 1 "$reps"); do
        change_one rule $ctl -- rule-del f1 ingress 10 \
            -- rule-add f1 ingress 10 accept protocol=tcp \
               dst-port=$((3000 + 10 * i))-$((3999 + 10 * i))
        lat="$lat $change_ms"
        cpu="$cpu $change_cpu_ms"
        if [ "$i" -eq 1 ]; then
            rule_mods=$change_mods rule_differ=$change_differ
        fi
    done
    lat=$(median $lat)
    fig change.$size.rule_edit "$lat" ms "<=" 20 "median of $reps"
    fig change.$size.rule_edit_vs_noop "$(calc "$lat / $noop")" x "<=" 2
    fig change.$size.rule_edit_flow_mods "$rule_mods" count "<=" \
        "$rule_differ" "$rule_differ flows differ (the first edit)"
    fig change.$size.rule_edit_cpu "$(median $cpu)" ms "" "" "controller"
    # What the switch alone takes for such an edit: as many flows as the
    # last edit added and removed, in one bundle into the same table.
    cat "$bench_work/change.added" "$bench_work/change.removed" \
        > "$bench_work/rule.flows"
    rule_floor "$bench_work/rule.flows"
    fig change.$size.rule_edit_floor_bundle "$floor_ms" ms "" "" \
        "ovs-ofctl --bundle of $(wc -l < "$bench_work/rule.flows.raw") flows into the mirror bridge; an empty bundle: $floor0_ms ms"

    # A fourth session of vm1 (a seventeenth source would need Mirror rows
    # beyond the 32 a bridge honours).
    change_one add $ctl session-add s-new vm1 t-ip f2 $(($2 + 1))
    floor_bundle ADD "$bench_work/change.added"
    session_figs add "$change_ms" "$floor_ms"

    cp "$bench_work/change.added" "$bench_work/session.flows"
    change_one del $ctl session-del s-new
    floor_bundle DEL "$bench_work/session.flows"
    session_figs del "$change_ms" "$floor_ms"

    # vm1's iface-id moves to the spare port (a VM plugged in again).
    change_one move sh -c "ovs-vsctl --timeout=60 \
        -- set interface vm1 external_ids:iface-id=vm1-gone \
        -- set interface $spare external_ids:iface-id=vm1 \
        && $ctl sync"
    fig change.$size.source_move "$change_ms" ms "" "" \
        "ovs-vsctl, then --wait=hv sync"
    fig change.$size.source_move_flow_mods "$change_mods" count "<=" \
        "$change_differ" "$change_differ flows differ"
    fig change.$size.source_move_cpu "$change_cpu_ms" ms "" "" "controller"
}

# idle_scenario K S R: the controller's CPU and wake-ups over 10 s (5 s
# with --quick) with nothing to do, on converge_hv's hypervisor.
idle_scenario () {
    size=$1x$2x$3
    secs=10
    [ -n "$quick" ] && secs=5
    tmirror-ctl --timeout=600 --wait=hv sync > /dev/null \
        || bench_fail "sync failed"
    sleep 1
    echo "idle: at $size, $(bench_flow_count) flows, $secs s"
    cpu0=$(bench_cpu_ns tmirror-controller)
    w0=$(bench_wakeups)
    sleep "$secs"
    cpu1=$(bench_cpu_ns tmirror-controller)
    w1=$(bench_wakeups)
    fig idle.$size.cpu "$(calc "($cpu1 - $cpu0) / 1e7 / $secs")" % "<" 0.1 \
        "of one core"
    fig idle.$size.wakeups "$((w1 - w0))" count "" "" "in $secs s"
}
