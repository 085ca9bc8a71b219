#! /bin/sh
# capture-tc-lab.sh: a hypervisor with N VMs whose ports are kernel veths,
# for tests/capture-tc.at (tc capture by controller/capture-tc.c, driven by
# tests/test-capture-tc) and for trying tc capture by hand.
#
# Topology (only the namespace names carry $RTL_P, a prefix unique to the
# run, "tc-PID-"; every other name lives inside those namespaces):
#
#   ${P}hv   the hypervisor: ovs-vswitchd (userspace datapath) and
#            test-capture-tc run here.
#              br-int     (netdev) VM ports vm1..vmN (iface-id vmK)
#              br-mirror  (netdev, fail_mode=secure) the capture ports
#                         tcK-eb (copies of what VM K sends) and tcK-ib
#                         (copies of what it receives), peers of the veths
#                         tcK-et and tcK-it on which the kernel sends them
#   ${P}vK   VM K: eth0, MAC 02:00:00:00:HH:LL (K in hex), 10.251.x.y/16
#            (tcl_ip K), peer of vmK; IPv6 off, so that the VM sends only
#            what a test makes it send.
#
# As a library (". capture-tc-lab.sh", after real-traffic-lab.sh): tcl_topo,
# tcl_vm_link,
# tcl_cleanup, tcl_bridges, tcl_specs, tcl_driver_start, tcl_ctl,
# tcl_state, tcl_field, tcl_wait_settled, tcl_mirror_ports,
# tcl_attrib_flows, tcl_flow_counts,
# tcl_kstats, tcl_table, tcl_inexact, tcl_wait_exact, tcl_wait_stable,
# tcl_delta, tcl_ping,
# tcl_send_raw, tcl_pcap_start, tcl_pcap_stop, tcl_pcap_drops, tcl_frames,
# tcl_hashes, tcl_vlans, tcl_owned, tcl_check.
# Functions that write scratch files write them in the current directory.
# By hand: "capture-tc-lab.sh up DIR N" builds a lab of N VMs in DIR with
# every VM captured both ways (put test-capture-tc in PATH), sends traffic
# and prints the per-VM comparison; "capture-tc-lab.sh bench DIR" prints
# figures (repair latency; copies in TCP bursts, with tc capture and with a
# Mirror row); "capture-tc-lab.sh down DIR" stops the daemons and removes
# the namespaces.

# tcl_mac K: VM K's MAC address.
tcl_mac () {
    printf '02:00:00:00:%02x:%02x' $(($1 / 256)) $(($1 % 256))
}

# tcl_ip K: VM K's IPv4 address (in 10.251.0.0/16).
tcl_ip () {
    echo 10.251.$(($1 / 250)).$(($1 % 250 + 1))
}

# tcl_bench_repair N: N times, deletes vm1's clsact and waits until
# tmirror's filter is back on its ingress hook; prints, per run, the gap
# that the module measured (from the notification to the repair) and the
# wall-clock time from the deletion to the filter being back as seen by tc
# (which includes starting tc, about 10 ms).
tcl_bench_repair () {
    for i in `seq 1 $1`; do
        r0=`tcl_field vm1 egress repairs`
        t0=`date +%s%N`
        rtl_ns hv tc qdisc del dev vm1 clsact
        while ! rtl_ns hv tc filter show dev vm1 ingress |
                grep -q 'cookie 746d6370'; do
            sleep 0.005
        done
        t1=`date +%s%N`
        while test "`tcl_field vm1 egress repairs`" = $r0; do sleep 0.01; done
        gap=`tcl_field vm1 egress last_gap_ms`
        echo "repair $i: module gap $gap ms," \
             "back in tc after $(( (t1 - t0) / 1000000 )) ms"
    done
}

# tcl_bench_burst LABEL RATE: 1 MB over TCP from vm1 to vm2 with vm1's link
# at RATE ("none": unpaced); prints the frames vm1 sent and received next
# to the copies that reached br-mirror's counting flows.
tcl_bench_burst () {
    rtl_ns v1 tc qdisc del dev eth0 root 2>/dev/null
    if test $2 != none; then
        rtl_ns v1 tc qdisc add dev eth0 root tbf rate $2 burst 16kb \
            latency 200ms
    fi
    tcl_wait_stable 1 1 tcl-b0.tmp
    head -c 1000000 /dev/urandom > tcl-blob.tmp
    rtl_ns v2 timeout 30 nc -l -d -n `tcl_ip 2` 5001 > /dev/null &
    while ! rtl_ns v2 ss -ltn | grep -q ':5001 '; do sleep 0.05; done
    rtl_ns v1 timeout 30 nc -N -n `tcl_ip 2` 5001 < tcl-blob.tmp
    wait
    tcl_wait_stable 1 1 tcl-b1.tmp
    tcl_delta tcl-b0.tmp tcl-b1.tmp | awk -v l="$1" -v r=$2 '$1 == 1 {
        printf "%s, rate %s: vm1 sent %d, egress copies %d (%.1f%% lost);",
               l, r, $2, $3, 100 * ($2 - $3) / $2
        printf " received %d, ingress copies %d (%.1f%% lost)\n",
               $5, $6, 100 * ($5 - $6) / $5 }'
    rm -f tcl-b0.tmp tcl-b1.tmp tcl-blob.tmp
}

# tcl_check PREFIX: prints why this machine cannot run the lab and returns
# 1, or returns 0.  Like rtl_check, with probe names that PREFIX makes
# unique (rtl_check's are the same in every group of one testsuite run).
tcl_check () {
    if ! err=`ip netns add ${1}probe 2>&1`; then
        echo "skipped: cannot create network namespaces ($err)"
        return 1
    fi
    if ! err=`ip -n ${1}probe link add pa type veth peer name pb 2>&1`; then
        ip netns del ${1}probe
        echo "skipped: cannot create veth pairs ($err)"
        return 1
    fi
    ip netns del ${1}probe
    return 0
}

# tcl_quiet NS: no IPv6 in namespace ${RTL_P}NS (no router solicitations,
# DAD or MLD frames), so that the VMs send only the test's frames.
tcl_quiet () {
    rtl_ns $1 sh -c 'for c in all default; do
        echo 1 > /proc/sys/net/ipv6/conf/$c/disable_ipv6; done' 2>/dev/null
}

# tcl_vm K: namespace ${RTL_P}vK with eth0, peer of vmK in ${RTL_P}hv.
tcl_vm () {
    ip netns add ${RTL_P}v$1 || return 1
    ip -n ${RTL_P}v$1 link set lo up || return 1
    tcl_quiet v$1
    tcl_vm_link $1
}

# tcl_vm_link K: the veth pair vmK (in ${RTL_P}hv) <-> eth0 (in ${RTL_P}vK),
# configured.
tcl_vm_link () {
    ip -n ${RTL_P}hv link add vm$1 type veth peer name eth0 \
        netns ${RTL_P}v$1 || return 1
    ip -n ${RTL_P}v$1 link set eth0 address `tcl_mac $1` || return 1
    ip -n ${RTL_P}v$1 addr add `tcl_ip $1`/16 dev eth0 || return 1
    rtl_veth_end v$1 eth0 && rtl_veth_end hv vm$1
}

# tcl_topo PREFIX N: the hypervisor namespace and N VMs.  The caller removes
# them with tcl_cleanup PREFIX N.
tcl_topo () {
    RTL_P=$1
    ip netns add ${RTL_P}hv || return 1
    ip -n ${RTL_P}hv link set lo up || return 1
    tcl_quiet hv
    for k in `seq 1 $2`; do
        tcl_vm $k || return 1
    done
}

# tcl_cleanup PREFIX N: deletes the lab's namespaces (and so their veths).
# Never fails.
tcl_cleanup () {
    for k in `seq 1 $2`; do
        ip netns del $1v$k 2>/dev/null
    done
    ip netns del $1hv 2>/dev/null
    return 0
}

# tcl_bridges N: br-int with vm1..vmN and an empty br-mirror, in one
# transaction.
tcl_bridges () {
    set -- $1 "ovs-vsctl --timeout=60 -- add-br br-int
               -- set bridge br-int datapath_type=netdev"
    for k in `seq 1 $1`; do
        set -- $1 "$2 -- add-port br-int vm$k
                   -- set interface vm$k external_ids:iface-id=vm$k"
    done
    $2 -- add-br br-mirror -- set bridge br-mirror datapath_type=netdev \
        fail_mode=secure
}

# tcl_specs FIRST LAST [DIRS]: test-capture-tc's lines for VMs FIRST..LAST,
# in directions DIRS (default "egress ingress").
tcl_specs () {
    for k in `seq $1 $2`; do
        for d in ${3-egress ingress}; do
            c=`echo $d | cut -c1`
            echo "vm$k $d tc$k-${c}t tc$k-${c}b"
        done
    done
}

# tcl_driver_start FILE [ARGS...]: test-capture-tc as a daemon in
# ${RTL_P}hv, with its files in $OVS_RUNDIR (tc.pid, tc.log, tc.ctl).
tcl_driver_start () {
    f=$1; shift
    rtl_ns hv test-capture-tc --detach --no-chdir \
        --pidfile="$OVS_RUNDIR"/tc.pid --log-file="$OVS_RUNDIR"/tc.log \
        --unixctl="$OVS_RUNDIR"/tc.ctl -vfile:dbg -vnetlink_socket:file:info \
        "$@" "$f"
}

# tcl_ctl ARGS...: a unixctl command to test-capture-tc.
tcl_ctl () {
    ovs-appctl --timeout=30 -t "$OVS_RUNDIR"/tc.ctl "$@"
}

# tcl_state SOURCE DIR: the state of one capture, and its message if any
# ("active", "refused: MESSAGE", ...).
tcl_state () {
    tcl_ctl capture/status $1 $2 | sed \
        -e 's/^state=\([a-z]*\) .* bridge_port_ready=[a-z]*$/\1/' \
        -e 's/^state=\([a-z]*\) .* bridge_port_ready=[a-z]* message=/\1: /'
}

# tcl_field SOURCE DIR FIELD: one "FIELD=VALUE" of capture/status (repairs,
# missing_ms, last_gap_ms, packets, ...): prints VALUE.
tcl_field () {
    tcl_ctl capture/status $1 $2 | tr ' ' '\n' | sed -n "s/^$3=//p"
}

# tcl_wait_settled: waits (30 s at most) until test-capture-tc has nothing
# left to do.
tcl_wait_settled () {
    i=0
    while ! tcl_ctl capture/show | grep -qx 'settled: yes'; do
        i=$((i + 1))
        if test $i -gt 300; then
            tcl_ctl capture/show
            return 1
        fi
        sleep 0.1
    done
}

# tcl_mirror_ports FIRST LAST [DIRS]: adds tcK-eb and tcK-ib (or the DIRS
# given) of VMs FIRST..LAST to br-mirror, in one transaction.
tcl_mirror_ports () {
    set -- $1 $2 "${3-e i}" "ovs-vsctl --timeout=60"
    for k in `seq $1 $2`; do
        for c in $3; do
            set -- $1 $2 "$3" "$4 -- add-port br-mirror tc$k-${c}b"
        done
    done
    $4
}

# tcl_attrib_flows FIRST LAST FILE: writes to FILE the br-mirror flows that
# count the copies per port and tell apart, for each VM K:
#   cookie 1:K  in_port=tcK-eb, dl_src=VM K's MAC    (what K sent)
#   cookie 2:K  in_port=tcK-eb, any other dl_src    (must stay 0)
#   cookie 3:K  in_port=tcK-ib, broadcast ICMP      (a broadcast K received)
#   cookie 4:K  in_port=tcK-ib, anything else       (the rest K received)
#   cookie 5    anything else                       (must stay 0)
tcl_attrib_flows () {
    for k in `seq $1 $2`; do
        m=`tcl_mac $k`
        printf 'cookie=0x1%04x,priority=100,in_port=tc%d-eb,dl_src=%s,actions=drop\n' $k $k $m
        printf 'cookie=0x2%04x,priority=90,in_port=tc%d-eb,actions=drop\n' $k $k
        printf 'cookie=0x3%04x,priority=100,in_port=tc%d-ib,icmp,dl_dst=ff:ff:ff:ff:ff:ff,actions=drop\n' $k $k
        printf 'cookie=0x4%04x,priority=90,in_port=tc%d-ib,actions=drop\n' $k $k
    done > $3
    echo 'cookie=0x50000,priority=0,actions=drop' >> $3
}

# tcl_flow_counts: "CLASS K n_packets" per attribution flow of br-mirror
# (CLASS 1..5 as in tcl_attrib_flows; K 0 for class 5), sorted by K.
tcl_flow_counts () {
    ovs-ofctl dump-flows br-mirror | sed -n \
        's/.*cookie=0x\([1-5]\)\([0-9a-f]\{4\}\),.*n_packets=\([0-9]*\),.*/\1 \2 \3/p' |
    while read c k n; do
        echo "$c $((0x$k)) $n"
    done | LC_ALL=C sort -k2,2n -k1,1n
}

# tcl_kstats FIRST LAST: "K rx_packets tx_packets" of each VM's eth0.
tcl_kstats () {
    for k in `seq $1 $2`; do
        echo "$k `rtl_ns v$k cat /sys/class/net/eth0/statistics/rx_packets /sys/class/net/eth0/statistics/tx_packets | tr '\n' ' '`"
    done
}

# tcl_table FIRST LAST: for each VM, every frame its eth0 sent and received
# since it was created (the VMs are silent unless a test makes them talk),
# next to the copies counted by the attribution flows (tcl_attrib_flows,
# installed before any VM traffic).  One line per VM:
#   K sent egress-copies bad-egress-copies received ingress-copies
#     broadcast-copies
# then "misattributed N" (class 5).
tcl_table () {
    tcl_kstats $1 $2 > tcl-kstats.tmp
    tcl_flow_counts > tcl-flows.tmp
    awk '
        FILENAME == ARGV[1] { k[++nk] = $1; rx[$1] = $2; tx[$1] = $3; next }
        { n[$1 " " $2] = $3 }
        END {
            for (i = 1; i <= nk; i++) {
                v = k[i]
                printf "%d %d %d %d %d %d %d\n", v, tx[v], n["1 " v] + 0,
                       n["2 " v] + 0, rx[v], n["3 " v] + n["4 " v],
                       n["3 " v] + 0
            }
            printf "misattributed %d\n", n["5 0"] + 0
        }' tcl-kstats.tmp tcl-flows.tmp
    rm -f tcl-kstats.tmp tcl-flows.tmp
}

# tcl_inexact TABLE: prints the lines of TABLE (tcl_table's output) where
# the copies do not match exactly what the VM sent and received (nothing if
# all do).
tcl_inexact () {
    awk '/^misattributed/ { if ($2 != 0) print; next }
         $2 != $3 || $4 != 0 || $5 != $6 { print "vm" $0 }' "$1"
}

# tcl_wait_exact FIRST LAST FILE [BEFORE]: waits (30 s at most) until two
# tcl_table readings in a row are the same and exact (with BEFORE, an
# earlier table: until the difference from BEFORE is exact), and writes
# that table to FILE.  (OVS updates its flow counters every half second or
# so, and the VMs' ARP may still probe their neighbours a few seconds after
# the last ping.)
tcl_wait_exact () {
    i=0
    tcl_table $1 $2 > tcl-t1.tmp
    while :; do
        sleep 0.3
        tcl_table $1 $2 > tcl-t2.tmp
        if test -n "${4-}"; then
            tcl_delta $4 tcl-t2.tmp > tcl-d.tmp
        else
            cp tcl-t2.tmp tcl-d.tmp
        fi
        if cmp -s tcl-t1.tmp tcl-t2.tmp && test -z "`tcl_inexact tcl-d.tmp`"; then
            mv tcl-t2.tmp $3
            rm -f tcl-t1.tmp tcl-d.tmp
            return 0
        fi
        i=$((i + 1))
        if test $i -gt 60; then
            tcl_inexact tcl-d.tmp
            return 1
        fi
        mv tcl-t2.tmp tcl-t1.tmp
    done
}

# tcl_wait_stable FIRST LAST FILE: waits (30 s at most) until two tcl_table
# readings a second apart are the same (OVS has counted every copy it
# received), and writes that table to FILE.
tcl_wait_stable () {
    i=0
    tcl_table $1 $2 > tcl-t1.tmp
    while :; do
        sleep 1
        tcl_table $1 $2 > tcl-t2.tmp
        if cmp -s tcl-t1.tmp tcl-t2.tmp; then
            mv tcl-t2.tmp $3
            rm -f tcl-t1.tmp
            return 0
        fi
        i=$((i + 1))
        if test $i -gt 30; then
            return 1
        fi
        mv tcl-t2.tmp tcl-t1.tmp
    done
}

# tcl_delta TABLE1 TABLE2: what changed from TABLE1 to TABLE2 (two
# tcl_wait_exact tables), in the same format.
tcl_delta () {
    awk 'FILENAME == ARGV[1] { for (i = 2; i <= NF; i++) v[$1, i] = $i; next }
         { printf "%s", $1
           for (i = 2; i <= NF; i++) printf " %d", $i - v[$1, i]
           printf "\n" }' "$1" "$2"
}

# tcl_ping K J COUNT: VM K pings VM J COUNT times; fails unless all replies
# arrive.
tcl_ping () {
    rtl_ns v$1 ping -n -q -c $3 -i 0.05 -W 2 `tcl_ip $2` > tcl-ping.tmp 2>&1
    grep -q " $3 received" tcl-ping.tmp || { cat tcl-ping.tmp; return 1; }
}

# tcl_send_raw NS DEV DST-MAC SRC-MAC VLAN|- COUNT: sends COUNT frames
# (802.1Q-tagged with VLAN unless "-"; ethertype 0x88b5) on DEV in namespace
# ${RTL_P}NS with a raw socket (this test kernel has no 8021q module).
tcl_send_raw () {
    rtl_ns $1 ${PYTHON3-python3} -c '
import socket, struct, sys
dev, dst, src, vlan, n = sys.argv[1:6]
mac = lambda s: bytes.fromhex(s.replace(":", ""))
tag = b"" if vlan == "-" else struct.pack("!HH", 0x8100, int(vlan))
frame = mac(dst) + mac(src) + tag + struct.pack("!H", 0x88b5) \
        + b"tmirror-test" + bytes(40)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
for i in range(int(n)):
    s.send(frame)
' "$2" "$3" "$4" "$5" "$6"
}

# tcl_pcap_start NS DEV FILE: tcpdump on DEV in ${RTL_P}NS into FILE (pid in
# FILE.pid), with a 16 MB buffer, waiting until it captures.  It stops by
# itself after 120 s.
tcl_pcap_start () {
    rm -f "$3" "$3.log" "$3.pid"
    rtl_ns $1 sh -c 'echo $$ > "$3.pid"; exec timeout 120 tcpdump -U -n \
        --immediate-mode -B 16384 -i "$2" -w "$3"' pc "$1" "$2" "$3" \
        > "$3.log" 2>&1 &
    i=0
    while ! grep -q "listening on" "$3.log" 2>/dev/null; do
        i=$((i + 1))
        if test $i -gt 100; then
            cat "$3.log"
            return 1
        fi
        sleep 0.1
    done
}

# tcl_pcap_stop FILE...: stops the captures (SIGINT, so that they flush)
# and waits until they have exited.
tcl_pcap_stop () {
    for f; do
        kill -INT `cat "$f.pid"` 2>/dev/null
    done
    for f; do
        i=0
        while kill -0 `cat "$f.pid"` 2>/dev/null; do
            i=$((i + 1)); test $i -gt 100 && break; sleep 0.1
        done
    done
    return 0
}

# tcl_pcap_drops FILE...: after tcl_pcap_stop, names the captures in which
# tcpdump itself did not write every frame it was given (its buffer
# overflowed, say), if any.
tcl_pcap_drops () {
    for f; do
        c=`sed -n 's/^\([0-9]*\) packets\{0,1\} captured$/\1/p' "$f.log"`
        r=`sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter$/\1/p' "$f.log"`
        if test -z "$c" || test "$c" != "$r"; then
            echo "$f: tcpdump captured ${c:-?} of ${r:-?} frames"
        fi
    done
}

# tcl_frames FILE...: decodes each capture FILE (with one tshark each:
# tshark takes a while to start) into FILE.txt, one line per frame:
#   MD5 ETH-SRC ETH-DST VLAN-ID VLAN-ETHERTYPE IP-PROTOCOL
# ("-" for a field the frame does not have).  Equal sorted MD5 columns mean
# byte-identical multisets of frames.
tcl_frames () {
    for f; do
        tshark -r "$f" -o frame.generate_md5_hash:TRUE -T fields \
            -E separator=, -E occurrence=f -e frame.md5_hash -e eth.src \
            -e eth.dst -e vlan.id -e vlan.etype -e ip.proto 2>/dev/null |
        awk -F, -v OFS=' ' '{ for (i = 1; i <= 6; i++) if ($i == "") $i = "-"
                                  $1 = $1; print }' \
            > "$f.txt" || return 1
    done
}

# tcl_hashes FILE.txt [AWK-CONDITION]: the sorted MD5s of the frames of a
# tcl_frames output (that satisfy AWK-CONDITION, on the fields above).
tcl_hashes () {
    awk "${2-1} { print \$1 }" "$1" | LC_ALL=C sort
}

# tcl_vlans FILE.txt AWK-CONDITION: how many frames of a tcl_frames output
# that satisfy AWK-CONDITION were untagged or tagged with each VLAN
# ("N untagged", "N vlanID").
tcl_vlans () {
    awk "$2"' { n[$4 == "-" ? "untagged" : "vlan" $4]++ }
              END { for (v in n) print n[v], v }' "$1" | LC_ALL=C sort
}

# tcl_owned: what tmirror owns in ${RTL_P}hv, one line each: "veth NAME",
# "qdisc DEV" (a clsact holding a tmirror filter) and "filter DEV HOOK".
tcl_owned () {
    rtl_ns hv ip -o link show group 29805 | sed 's/^[0-9]*: \([^@:]*\).*/veth \1/'
    for dev in `rtl_ns hv ls /sys/class/net`; do
        for hook in ingress egress; do
            if rtl_ns hv tc filter show dev $dev $hook 2>/dev/null |
               grep -q 'cookie 746d6370'; then
                echo "filter $dev $hook"
            fi
        done
    done
}

# Command-line use.
if test "${0##*/}" = capture-tc-lab.sh; then
    set -u
    here=`cd "\`dirname "$0"\`" && pwd`
    . "$here"/real-traffic-lab.sh
    cmd=${1-}; dir=${2-}
    if test -z "$cmd" || test -z "$dir"; then
        echo "usage: $0 up DIR [N] | bench DIR | down DIR" >&2
        exit 1
    fi
    mkdir -p "$dir"; dir=`cd "$dir" && pwd`
    case $cmd in
    up)
        n=${3-4}
        if test -f "$dir"/prefix; then
            echo "$0: $dir already holds lab `cat "$dir"/prefix`" >&2
            exit 1
        fi
        RTL_P=tc-$$-
        tcl_check $RTL_P || exit 77
        echo "$RTL_P $n" > "$dir"/prefix
        tcl_topo $RTL_P $n && rtl_ovs_start "$dir" && tcl_bridges $n \
            || exit 1
        tcl_specs 1 $n > "$dir"/specs
        tcl_driver_start "$dir"/specs && tcl_wait_settled || exit 1
        tcl_mirror_ports 1 $n || exit 1
        tcl_attrib_flows 1 $n "$dir"/flows
        ovs-ofctl add-flows br-mirror "$dir"/flows
        cd "$dir"
        for k in `seq 1 $n`; do
            tcl_ping $k $((k % n + 1)) 3
        done
        rtl_ns v1 ping -n -q -b -c 2 -i 0.2 -W 1 10.251.255.255 >/dev/null 2>&1
        tcl_wait_exact 1 $n table
        echo "K sent egress-copies bad received ingress-copies broadcast"
        cat table
        echo "lab $RTL_P is up; remove it with: $0 down $dir"
        ;;
    bench)
        # Figures, nothing asserted: repair latency, and copies in TCP
        # bursts with tc capture and with a Mirror row.
        RTL_P=tc-$$-
        tcl_check $RTL_P || exit 77
        echo "$RTL_P 2" > "$dir"/prefix
        tcl_topo $RTL_P 2 && rtl_ovs_start "$dir" && tcl_bridges 2 || exit 1
        tcl_specs 1 1 > "$dir"/specs
        tcl_driver_start "$dir"/specs && tcl_wait_settled || exit 1
        tcl_mirror_ports 1 1 || exit 1
        cd "$dir"
        tcl_attrib_flows 1 1 flows
        ovs-ofctl add-flows br-mirror flows
        tcl_ping 1 2 3
        tcl_bench_repair ${BENCH_REPAIRS-20}
        for rate in none 200mbit 50mbit; do
            for i in 1 2 3; do tcl_bench_burst "tc capture #$i" $rate; done
        done
        # The same with a Mirror row: vm1's frames both ways into a patch
        # port whose peer is br-mirror's counting port for vm1 (in the
        # flows, in_port tc1-eb stands for both directions: a Mirror row
        # copies both into one port).
        tcl_ctl capture/unwant vm1 egress
        tcl_ctl capture/unwant vm1 ingress
        tcl_wait_settled
        ovs-vsctl --timeout=30 -- del-port tc1-ib -- add-port br-int tm-p \
            -- set interface tm-p type=patch options:peer=tm-pm \
            -- add-port br-mirror tm-pm \
            -- set interface tm-pm type=patch options:peer=tm-p \
            -- --id=@src get port vm1 -- --id=@out get port tm-p \
            -- --id=@m create mirror name=bench select_src_port=@src \
               select_dst_port=@src output_port=@out \
            -- set bridge br-int mirrors=@m > /dev/null
        ovs-ofctl del-flows br-mirror
        sed -e "s/in_port=tc1-eb/in_port=tm-pm/" \
            -e "s/in_port=tc1-ib/in_port=tm-pm/" flows > flows-m
        ovs-ofctl add-flows br-mirror flows-m
        for rate in none 200mbit 50mbit; do
            for i in 1 2 3; do tcl_bench_burst "Mirror row #$i" $rate; done
        done
        echo "(with a Mirror row the flows see both directions on one port: the"
        echo " \"egress copies\" are those with vm1's source MAC, the ingress ones"
        echo " the rest)"
        ;;
    down)
        set -- `cat "$dir"/prefix`
        for pid in tc ovs-vswitchd ovsdb-server; do
            test -f "$dir"/$pid.pid && kill `cat "$dir"/$pid.pid` 2>/dev/null
        done
        sleep 1
        tcl_cleanup $1 $2
        rm -f "$dir"/prefix
        ;;
    *)
        echo "$0: unknown command $cmd" >&2; exit 1 ;;
    esac
fi
