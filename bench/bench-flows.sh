# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# tmirror-bench's "flows" scenario, sourced by bench/tmirror-bench: how
# many flows the controller adds for one rule of each shape, next to
# the naive expansion (one flow per port value, the product for two
# ranges) and, for ranges, the number of value/mask prefixes that cover
# them.  Counted on a scratch hypervisor with one session whose filter
# holds that rule (ingress 10) and a rule that stays (ingress 20, ICMP, so
# that the flows every direction needs are counted in neither), as the
# IPv4 flows that the rule adds (a rule without addresses adds as many
# again for IPv6).

# prefixes LO HI: prints how many value/mask prefixes cover LO..HI exactly.
prefixes () {
    awk -v lo="$1" -v hi="$2" 'BEGIN {
        n = 0
        while (lo <= hi) {
            size = 1
            while (lo % (size * 2) == 0 && lo + size * 2 - 1 <= hi)
                size *= 2
            lo += size
            n++
        }
        print n
    }'
}

# flows_v4: prints the number of IPv4 flows on br-mirror.
flows_v4 () {
    ovs-ofctl -O OpenFlow15 dump-flows br-mirror | grep 'actions=' \
        | grep -v -E 'ipv6|tcp6|udp6|sctp6|icmp6' | grep -c .
}

# flows_shape NAME NAIVE [OP TARGET] -- MATCH...: the flows of one rule.
flows_shape () {
    name=$1 naive=$2
    shift 2
    op= target=
    if [ "$1" != -- ]; then
        op=$1 target=$2
        shift 2
    fi
    shift
    tmirror-ctl --timeout=60 --wait=hv rule-add shape ingress 10 accept "$@" \
        > /dev/null || bench_fail "rule-add $* failed"
    n=$(($(flows_v4) - base))
    tmirror-ctl --timeout=60 --wait=hv rule-del shape ingress 10 \
        > /dev/null || bench_fail "rule-del failed"
    fig flows.$name "$n" flows "$op" "$target" \
        "naive $naive; $*"
}

flows_scenario () {
    echo "flows: one rule of each shape"
    bench_init
    bench_ovs_start 1
    bench_controller_start
    tmirror-ctl --timeout=60 --wait=hv -- filter-add shape \
        -- rule-add shape ingress 20 accept protocol=icmp \
        -- target-add t-ip ip 192.168.50.2 \
        -- session-add s1 vm1 t-ip shape 1 > /dev/null \
        || bench_fail "cannot create the session"
    base=$(flows_v4)
    p1=$(prefixes 1000 1999)
    p2=$(prefixes 1024 65535)
    flows_shape one_port 1 -- protocol=tcp dst-port=80
    flows_shape range 1000 "<=" "$p1" -- protocol=tcp dst-port=1000-1999
    flows_shape two_ranges $((1000 * 64512)) "<=" $((p1 + p2 + 2)) \
        -- protocol=tcp src-port=1024-65535 dst-port=1000-1999
    flows_shape cidrs 1 -- src=10.0.0.0/8 dst=192.168.0.0/16
    flows_shape cidrs_one_port 1 -- protocol=udp src=10.0.0.0/8 dst-port=53
    bench_cleanup
}
