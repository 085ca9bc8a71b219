#!/bin/sh
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# Usage: bench-controller.sh [N [R]]        (defaults: 16 50)
#
# End-to-end latency of tmirror-controller as an operator sees it: a scratch
# hypervisor on the dummy datapath (bench-lib.sh) with N VM ports, a filter
# "bench" of R rules per direction (port ranges, conjunctions and CIDRs, as
# in bench-pipeline) and a VXLAN collector.  It times these commands, each
# "tmirror-ctl --wait=hv", which returns once the change is in the datapath:
#
#   - one new session (source vm1);
#   - N-1 more sessions (vm2..vmN) in one transaction;
#   - a change of one rule (delete and add again, in one transaction);
#   - an idle sync (nothing to do), best of 5.
#
# It prints the figures, the flow count of the mirror bridge and the CPU time
# each daemon used, and asserts nothing: a benchmark, not a test.  It fails
# only if a command fails.  Set BENCH_KEEP=1 to keep the scratch directory
# with the daemons' logs, and BENCH_COVERAGE=1 to print tmirror-controller's
# coverage counters.

n=${1:-16}
r=${2:-50}
case $n$r in
    *[!0-9]*|'')
        echo "usage: $0 [N [R]]  (N VM ports >= 1," \
             "R rules per direction >= 1)" >&2
        exit 2
        ;;
esac
if [ "$n" -lt 1 ] || [ "$r" -lt 1 ] || [ "$r" -gt 3276 ]; then
    echo "$0: N must be at least 1, R from 1 to 3276" >&2
    exit 2
fi

. "$(dirname "$0")/bench-lib.sh"

# rule DIRECTION I: prints the arguments of rule-add for rule I (from 0).
rule () {
    case $(($2 % 5)) in
        4) action=reject ;;
        *) action=accept ;;
    esac
    case $(($2 % 3)) in
        0) match="protocol=tcp dst-port=$((1000 + $2))-$((1999 + $2))" ;;
        1) match="protocol=udp src-port=1024-$((65535 - $2))"
           match="$match dst-port=$((1 + $2))-1023" ;;
        *) if [ $(($2 % 2)) -eq 1 ]; then
               match=src=10.0.0.0/8
           else
               match=src=2001:db8::/32
           fi ;;
    esac
    echo "rule-add bench $1 $((10 * ($2 + 1))) $action $match"
}

bench_init
bench_hv_start "$n"

# The filter and the target, not timed.
cmd="tmirror-ctl --timeout=60 -- filter-add bench"
for direction in ingress egress; do
    i=0
    while [ $i -lt "$r" ]; do
        cmd="$cmd -- $(rule $direction $i)"
        i=$((i + 1))
    done
done
$cmd -- target-add ids ip 192.168.50.2 > /dev/null \
    || bench_fail "cannot create the filter and the target"
tmirror-ctl --timeout=60 --wait=hv sync > /dev/null \
    || bench_fail "the controller did not start"

ctl="tmirror-ctl --timeout=300 --wait=hv"
bench_time first $ctl session-add s1 vm1 ids bench 1

more=
if [ "$n" -gt 1 ]; then
    cmd="$ctl"
    for i in $(seq 2 "$n"); do
        cmd="$cmd -- session-add s$i vm$i ids bench 1"
    done
    bench_time more $cmd
fi

flows=$(ovs-ofctl dump-flows br-mirror | grep -c 'actions=')

bench_time change $ctl -- rule-del bench ingress 10 \
    -- rule-add bench ingress 10 accept protocol=tcp dst-port=2000-2999

idle=
for round in 1 2 3 4 5; do
    bench_time t $ctl sync
    if [ -z "$idle" ] || awk -v a="$t" -v b="$idle" 'BEGIN { exit !(a < b) }'
    then
        idle=$t
    fi
done

echo "bench-controller: $n VM ports, $r rules per direction, $n sessions," \
     "$flows flows on br-mirror"
printf '  first session:        %10s ms\n' "$first"
if [ -n "$more" ]; then
    printf '  %-22s%10s ms (one transaction)\n' "sessions 2-$n:" "$more"
fi
printf '  one rule change:      %10s ms\n' "$change"
printf '  idle sync:            %10s ms (best of 5)\n' "$idle"
echo "  CPU used: $(bench_cpu)"
if [ -n "$BENCH_COVERAGE" ]; then
    ovs-appctl -t tmirror-controller coverage/show
fi
