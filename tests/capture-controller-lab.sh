#! /bin/sh
# capture-controller-lab.sh: tmirror-controller choosing the capture backend
# (tc or Mirror rows) on a hypervisor of N VMs whose ports are kernel veths,
# for tests/capture-controller.at.  On top of real-traffic-lab.sh and
# capture-tc-lab.sh (". real-traffic-lab.sh; . capture-tc-lab.sh; .
# capture-controller-lab.sh").
#
# Topology (namespaces ${P}...; every other name lives inside them):
#
#   ${P}hv   ovs-vswitchd (userspace datapath) and tmirror-controller.
#              br-int     (netdev) VM ports vm1..vmN (iface-id vmK)
#              br-mirror  (netdev, fail_mode=secure, made here) app0, the
#                         appliance's NIC (iface-id app1)
#              br-phys    (netdev) coll0, LOCAL 172.31.250.1/24 (encap ip)
#   ${P}vK   VM K (capture-tc-lab.sh: MAC tcl_mac K, address tcl_ip K)
#   ${P}a    the appliance: eth0, peer of app0
#   ${P}c    the VXLAN collector: eth0 172.31.250.2/24, peer of coll0
#
# Sessions (tcc_sessions): VM K is source of session sK, number 1, filter f1
# (ICMP both ways), VNI K; odd K to the appliance (target app), even K to
# the collector (target coll).  VM K pings VM K+1 (a ring), so a frame's
# two copies (egress of its sender, ingress of its receiver) go one to the
# appliance and one to the collector: at the appliance, a unicast frame
# from (to) odd VM K is K's egress (ingress) copy; at the collector, VNI K
# says the source and the inner source MAC the direction.

TCC_ENCAP_IP=172.31.250.1
TCC_COLL_IP=172.31.250.2

# tcc_topo PREFIX N: tcl_topo plus the appliance and collector namespaces.
tcc_topo () {
    tcl_topo $1 $2 || return 1
    for ns in a c; do
        ip netns add $RTL_P$ns || return 1
        ip -n $RTL_P$ns link set lo up || return 1
        tcl_quiet $ns
    done
    rtl_veth hv app0 a eth0 1600 || return 1
    rtl_veth hv coll0 c eth0 1600 || return 1
    ip -n ${RTL_P}c addr add $TCC_COLL_IP/24 dev eth0
}

# tcc_cleanup PREFIX N: removes what tcc_topo made.  Never fails.
tcc_cleanup () {
    ip netns del $1a 2>/dev/null
    ip netns del $1c 2>/dev/null
    tcl_cleanup $1 $2
}

# tcc_bridges N: br-int (vm1..vmN), br-mirror with the appliance NIC and
# br-phys with the collector's port and the encapsulation address.
tcc_bridges () {
    tcl_bridges $1 || return 1
    ovs-vsctl --timeout=60 \
        -- add-port br-mirror app0 \
        -- set interface app0 external_ids:iface-id=app1 \
        -- add-br br-phys -- set bridge br-phys datapath_type=netdev \
        -- add-port br-phys coll0 || return 1
    ip -n ${RTL_P}hv addr add $TCC_ENCAP_IP/24 dev br-phys || return 1
    ip -n ${RTL_P}hv link set br-phys up
}

# tcc_ctl ARGS...: tmirror-ctl against the lab's Traffic_Mirror database.
tcc_ctl () {
    tmirror-ctl --timeout=60 --db=unix:$OVS_RUNDIR/tmirror.sock "$@"
}

# tcc_config MODE: the chassis's settings, tmirror-capture=MODE.
tcc_config () {
    ovs-vsctl --timeout=30 set open_vswitch . external_ids:system-id=hv1 \
        external_ids:tmirror-remote=unix:$OVS_RUNDIR/tmirror.sock \
        external_ids:tmirror-encap-ip=$TCC_ENCAP_IP \
        external_ids:tmirror-capture=$1
}

# tcc_sessions FIRST LAST: the filter, the two targets and sessions sK for
# VMs FIRST..LAST, in one transaction.
tcc_sessions () {
    set -- $1 $2 "init -- filter-add f1
        -- rule-add f1 ingress 10 accept protocol=icmp
        -- rule-add f1 egress 10 accept protocol=icmp
        -- target-add app port app1
        -- target-add coll ip $TCC_COLL_IP encap=vxlan"
    for k in `seq $1 $2`; do
        t=coll; test $((k % 2)) = 1 && t=app
        set -- $1 $2 "$3 -- session-add s$k vm$k $t f1 1 vni=$k"
    done
    tcc_ctl $3
}

# tcc_states: "NAME STATE CAPTURE" per session, from Session_Status.
tcc_states () {
    tcc_ctl --bare --columns=_uuid list session | while read u; do
        test -n "$u" || continue
        n=`tcc_ctl --bare get session $u name`
        st=`tcc_ctl --bare --columns=state find session_status session=$u`
        cap=`tcc_ctl --bare --columns=external_ids find session_status session=$u | sed -n 's/.*tmirror-capture="\{0,1\}\([^",}]*\).*/\1/p'`
        echo "$n $st ${cap:--}"
    done | LC_ALL=C sort
}

# tcc_wait_active N: waits (60 s at most) until the N sessions are active.
tcc_wait_active () {
    i=0
    while test "`tcc_ctl --bare --columns=state list session_status | grep -c '^active$'`" != $1; do
        i=$((i + 1))
        if test $i -gt 600; then
            tcc_ctl --columns=state,message list session_status | sort | uniq -c
            return 1
        fi
        sleep 0.1
    done
}

# tcc_show: the controller's tmirror/show.
tcc_show () {
    ovs-appctl --timeout=30 -t tmirror-controller tmirror/show
}

# tcc_warmup: makes ovs-vswitchd resolve the collector's MAC (the copy of
# vm2's first ping goes out by VXLAN), and waits until it has.
tcc_warmup () {
    tcl_ping 2 3 1 || return 1
    i=0
    while ! ovs-appctl tnl/neigh/show | grep -q "^$TCC_COLL_IP "; do
        i=$((i + 1))
        test $i -gt 50 && { ovs-appctl tnl/neigh/show; return 1; }
        sleep 0.1
    done
}

# tcc_appliance_counts FILE.pcap: the copies at the appliance, as
# "K egress|ingress N" (unicast, attributed to the odd VM of the frame) and
# "bcast N".
tcc_appliance_counts () {
    tshark -n -r "$1" -Y icmp -T fields -E separator=' ' -e eth.src \
        -e eth.dst 2>/dev/null | awk '
        function hex(s,  i, v) { v = 0; s = tolower(s)
            for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return v }
        function vm(m,  p) { split(m, p, ":"); return hex(p[5]) * 256 + hex(p[6]) }
        $2 == "ff:ff:ff:ff:ff:ff" { b++; next }
        { s = vm($1); d = vm($2)
          if (s % 2 == 1) n[s " egress"]++; else n[d " ingress"]++ }
        END { for (k in n) print k, n[k]; print "bcast", b + 0 }' |
    LC_ALL=C sort -k1,1n -k2,2
}

# tcc_collector_counts FILE.pcap: the VXLAN copies at the collector, as
# "K egress|ingress N" (K the VNI; egress if the inner source MAC is VM
# K's).  Not the collector's own "port unreachable" errors, which quote a
# copy.
tcc_collector_counts () {
    tshark -n -r "$1" -Y 'vxlan && icmp && !(icmp.type == 3)' -T fields -E separator=' ' \
        -E occurrence=l -e vxlan.vni -e eth.src 2>/dev/null | awk '
        function hex(s,  i, v) { v = 0; s = tolower(s)
            for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return v }
        function vm(m,  p) { split(m, p, ":"); return hex(p[5]) * 256 + hex(p[6]) }
        { print $1, (vm($2) == $1 ? "egress" : "ingress") }' |
    LC_ALL=C sort | uniq -c | awk '{ print $2, $3, $1 }' |
    LC_ALL=C sort -k1,1n -k2,2
}

# tcc_icmp N: "K OUT IN" for VMs 1..N: the ICMP messages VM K's kernel
# sent and received so far (its /proc/net/snmp), the truth that the copies
# are compared with.
tcc_icmp () {
    for k in `seq 1 $1`; do
        rtl_ns v$k cat /proc/net/snmp | awk -v k=$k '
            $1 == "Icmp:" && !h { for (i = 2; i <= NF; i++) f[$i] = i; h = 1; next }
            $1 == "Icmp:" { print k, $f["OutMsgs"], $f["InMsgs"] }'
    done
}

# tcc_expected BEFORE AFTER PARITY BCAST: what tcc_*_counts must print,
# from two tcc_icmp readings, when VM 1 sent BCAST broadcast pings in
# between (which every VM receives, VM 1 too, through its loopback; no VM
# answers them).  PARITY 1: the
# appliance (odd VMs, broadcast copies counted apart: BCAST for each odd
# VM); 0: the collector (even VMs, broadcast in their ingress).
tcc_expected () {
    awk -v par=$3 -v b=$4 '
        FILENAME == ARGV[1] { o[$1] = $2; i[$1] = $3; next }
        { k = $1; out = $2 - o[k]; in_ = $3 - i[k]; n++
          if (k % 2 != par) next
          if (k == 1) { out -= b; in_ -= b }  # Its own, looped back.
          if (par == 1 && k != 1) in_ -= b
          print k, "egress", out; print k, "ingress", in_ }
        END { if (par == 1) print "bcast", b * int((n + 1) / 2) }' "$1" "$2" |
    LC_ALL=C sort -k1,1n -k2,2
}

# tcc_status NAME COLUMN: a column of session NAME's Session_Status row.
tcc_status () {
    u=`tcc_ctl --bare get session $1 _uuid` || return 1
    tcc_ctl --bare --columns=$2 find session_status session=$u
}

# tcc_wait_state NAME STATE: waits (30 s at most) until session NAME is in
# STATE.
tcc_wait_state () {
    i=0
    while test "`tcc_status $1 state`" != $2; do
        i=$((i + 1))
        if test $i -gt 300; then
            tcc_status $1 state; tcc_status $1 message
            return 1
        fi
        sleep 0.1
    done
}

# tcc_wait_until 'SHELL-CODE': waits (30 s at most) until SHELL-CODE
# (evaluated anew each time) succeeds.
tcc_wait_until () {
    i=0
    while ! eval "$1"; do
        i=$((i + 1))
        test $i -gt 300 && return 1
        sleep 0.1
    done
}

# tcc_mirrors: the names of tmirror's Mirror rows, sorted.
tcc_mirrors () {
    ovs-vsctl --bare --columns=name find mirror \
        external_ids:tmirror-owned=true | grep . | LC_ALL=C sort
}

# tcc_foreign_mirrors N: N Mirror rows of an operator's on br-int that
# select nothing, into an internal port "mon".
tcc_foreign_mirrors () {
    cmd="ovs-vsctl --timeout=30 -- add-port br-int mon
         -- set interface mon type=internal -- --id=@out get port mon"
    ids=
    for i in `seq 1 $1`; do
        cmd="$cmd -- --id=@m$i create mirror name=foreign$i select_all=false output_port=@out"
        ids="$ids @m$i"
    done
    $cmd -- add bridge br-int mirrors $ids >/dev/null
}

# tcc_stat NAME KEY: one statistic of session NAME's Session_Status row
# (empty if it has none).
tcc_stat () {
    tcc_status $1 statistics | tr '{}, ' '\n\n\n\n' | sed -n "s/^$2=//p"
}

# tcc_bridge_port SOURCE DIR: the mirror bridge's port of the tc capture of
# SOURCE in direction DIR (e or i).
tcc_bridge_port () {
    ovs-vsctl --bare --columns=name find interface type=system \
        external_ids:tmirror-iface-id=$1 | grep -- "-$2b\$"
}

# tcc_copies_after FILE.pcap: the ICMP copies in FILE.pcap (an appliance
# capture).
tcc_copies () {
    tshark -n -r "$1" -Y icmp 2>/dev/null | wc -l
}

# tcc_dummy_echo DEV SRC-MAC SRC-IP DST-MAC DST-IP SEQ: an ICMP echo
# request from SRC to DST, received by ovs-vswitchd on dummy port DEV.
tcc_dummy_echo () {
    hex=`${PYTHON3-python3} -c '
import struct, sys
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
smac, sip, dmac, dip, seq = sys.argv[1:6]
mac = lambda m: bytes.fromhex(m.replace(":", ""))
ip = lambda a: bytes(int(x) for x in a.split("."))
icmp = struct.pack("!BBHHH", 8, 0, 0, 0x746d, int(seq)) + b"tmirror" * 4
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0x4000, 64, 1,
                  0, ip(sip), ip(dip))
hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
print((mac(dmac) + mac(smac) + b"\x08\x00" + hdr + icmp).hex())
' $2 $3 $4 $5 $6` || return 1
    ovs-appctl netdev-dummy/receive $1 $hex
}

# tcc_vm_copies FILE.pcap K: the ICMP copies of frames that VM K sent, in an
# appliance capture.
tcc_vm_copies () {
    tshark -n -r "$1" -Y "icmp && eth.src == `tcl_mac $2`" 2>/dev/null | wc -l
}
