#! /bin/sh
# real-traffic-lab.sh: a hypervisor with real traffic, built from network
# namespaces and veth pairs, for tests/system-traffic.at and for trying
# tmirror by hand.
#
# Topology (only the namespace names carry $RTL_P, a prefix unique to the
# run; every other name lives inside those namespaces):
#
#   ${P}hv   the "hypervisor": ovs-vswitchd (and tmirror-controller) run here
#            (userspace datapath, --disable-system, no dummy netdevs), so its
#            tap devices, routes and neighbours never touch the root namespace.
#              br-int   (netdev) VM ports vm1 (iface-id vm1), vm2 (iface-id vm2)
#              br-phys  (netdev) underlay: port coll0, LOCAL 172.31.250.1/24
#   ${P}ns1  VM 1, eth0 172.31.251.1/24 (peer of vm1)
#   ${P}ns2  VM 2, eth0 172.31.251.2/24 (peer of vm2)
#   ${P}ns3  collector, eth0 172.31.250.2/24 (peer of coll0): receives the
#            VXLAN copies
#
# Only the addresses above are used, and only on interfaces made here.
#
# As a library (". real-traffic-lab.sh"): rtl_check, rtl_topo, rtl_cleanup,
# rtl_ovs_start, rtl_bridges, rtl_manual_mirror, rtl_tmirror_config,
# rtl_controller_start, rtl_warmup,
# rtl_capture_start, rtl_capture_stop, rtl_traffic, rtl_decode.
# By hand: "real-traffic-lab.sh up DIR" builds everything in DIR with a
# manual Mirror, patch and tunnel (what tmirror-controller would make), sends
# traffic and prints the decoded copies; "real-traffic-lab.sh up DIR
# controller" does the same through tmirror-ctl and tmirror-controller (set
# TMIRROR_SCHEMA and put both programs in PATH); "real-traffic-lab.sh down DIR"
# stops the daemons and removes the namespaces.

RTL_VM1_IP=172.31.251.1
RTL_VM2_IP=172.31.251.2
RTL_ENCAP_IP=172.31.250.1
RTL_COLL_IP=172.31.250.2
RTL_TCP_PORT=5001

# rtl_missing_tools: prints the tools the test needs that are not installed
# (utilities/quickstart.sh deps installs them all, so a missing one is a
# failure, not a reason to skip).
rtl_missing_tools () {
    for tool in ip ss ethtool ping nc tshark timeout ovs-vswitchd ovsdb-server; do
        command -v $tool >/dev/null 2>&1 || echo "missing tool: $tool"
    done
}

# rtl_check: prints why this machine cannot run the lab and returns 1, or
# returns 0.  Probes namespace creation with a throw-away namespace.
rtl_check () {
    probe=rtlprobe$$
    if ! err=$(ip netns add $probe 2>&1); then
        echo "skipped: cannot create network namespaces ($err)"
        return 1
    fi
    if ! err=$(ip link add ${probe}a type veth peer name ${probe}b 2>&1); then
        ip netns del $probe
        echo "skipped: cannot create veth pairs ($err)"
        return 1
    fi
    ip link del ${probe}a
    ip netns del $probe
    return 0
}

# rtl_ns NAME CMD...: runs CMD in the lab's namespace ${RTL_P}NAME.
rtl_ns () {
    rtl_ns_name=$RTL_P$1; shift
    ip netns exec $rtl_ns_name "$@"
}

# rtl_veth NS DEV PEER-NS PEER [MTU]: a veth pair DEV (in ${RTL_P}NS) and
# PEER (in ${RTL_P}PEER-NS), both up, transmit checksum offload off on both
# ends (the userspace datapath forwards partial checksums as they are).
rtl_veth () {
    ip -n $RTL_P$1 link add $2 type veth peer name $4 netns $RTL_P$3 || return 1
    rtl_veth_end $1 $2 ${5-} && rtl_veth_end $3 $4 ${5-}
}

# rtl_veth_end NS DEV [MTU]: one end of a veth pair: MTU, up, no tx offload.
rtl_veth_end () {
    if test -n "${3-}"; then
        ip -n $RTL_P$1 link set $2 mtu $3 || return 1
    fi
    ip -n $RTL_P$1 link set $2 up || return 1
    rtl_ns $1 ethtool -K $2 tx off >/dev/null
}

# rtl_topo PREFIX: creates the namespaces and veth pairs.  The caller removes
# them with rtl_cleanup (deleting a namespace deletes its veths).
rtl_topo () {
    RTL_P=$1
    for ns in hv ns1 ns2 ns3; do
        ip netns add $RTL_P$ns || return 1
        ip -n $RTL_P$ns link set lo up || return 1
    done
    # The hypervisor's own kernel stack stays quiet on the VM and collector
    # ports (no IPv6 link-local addresses, router solicitations, ...).
    rtl_ns hv sh -c 'for c in all default; do
        echo 1 > /proc/sys/net/ipv6/conf/$c/disable_ipv6; done' 2>/dev/null
    rtl_veth hv vm1 ns1 eth0 || return 1
    rtl_veth hv vm2 ns2 eth0 || return 1
    # The copies are 50 bytes longer than the frames they carry.
    rtl_veth hv coll0 ns3 eth0 1600 || return 1
    ip -n ${RTL_P}ns1 addr add $RTL_VM1_IP/24 dev eth0 || return 1
    ip -n ${RTL_P}ns2 addr add $RTL_VM2_IP/24 dev eth0 || return 1
    ip -n ${RTL_P}ns3 addr add $RTL_COLL_IP/24 dev eth0 || return 1
}

# rtl_cleanup PREFIX: deletes the lab's namespaces (and so their veths and
# tap devices).  Never fails.
rtl_cleanup () {
    for ns in ns1 ns2 ns3 hv; do
        ip netns del $1$ns 2>/dev/null
    done
    return 0
}

# rtl_ovs_start DIR: starts ovsdb-server (Open_vSwitch and, when
# TMIRROR_SCHEMA is set, Traffic_Mirror on tmirror.sock) in the root
# namespace and ovs-vswitchd (userspace datapath only) inside ${RTL_P}hv,
# all with their files in DIR (RTL_VSWITCHD_OPTS: more options for
# ovs-vswitchd, e.g. --enable-dummy for dummy ports next to the real ones).
# Exports OVS_RUNDIR etc.  The caller stops
# the daemons with their pidfiles.
rtl_ovs_start () {
    d=$1
    OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d OVS_SYSCONFDIR=$d
    export OVS_RUNDIR OVS_LOGDIR OVS_DBDIR OVS_SYSCONFDIR
    dbs=$d/conf.db
    ovsdb-tool create $d/conf.db ${VSWITCH_SCHEMA-/usr/share/openvswitch/vswitch.ovsschema} || return 1
    remotes=--remote=punix:$d/db.sock
    if test -n "${TMIRROR_SCHEMA-}"; then
        ovsdb-tool create $d/tm.db "$TMIRROR_SCHEMA" || return 1
        dbs="$dbs $d/tm.db"
        remotes="$remotes --remote=punix:$d/tmirror.sock"
    fi
    ovsdb-server $dbs $remotes --detach --no-chdir --pidfile=$d/ovsdb-server.pid \
        --log-file=$d/ovsdb-server.log -vconsole:off || return 1
    ovs-vsctl --no-wait init || return 1
    rtl_ns hv ovs-vswitchd unix:$d/db.sock --disable-system --detach --no-chdir \
        --pidfile=$d/ovs-vswitchd.pid --log-file=$d/ovs-vswitchd.log \
        -vconsole:off ${RTL_VSWITCHD_OPTS-} || return 1
}

# rtl_bridges: the integration bridge with the two VM ports and the underlay
# bridge whose LOCAL port carries the encapsulation address (ovs-vswitchd
# learns the route to the collector from the kernel of ${RTL_P}hv).
rtl_bridges () {
    ovs-vsctl --timeout=30 \
        -- add-br br-int -- set bridge br-int datapath_type=netdev \
        -- add-port br-int vm1 -- set interface vm1 external_ids:iface-id=vm1 \
        -- add-port br-int vm2 -- set interface vm2 external_ids:iface-id=vm2 \
        -- add-br br-phys -- set bridge br-phys datapath_type=netdev \
        -- add-port br-phys coll0 || return 1
    ip -n ${RTL_P}hv addr add $RTL_ENCAP_IP/24 dev br-phys || return 1
    ip -n ${RTL_P}hv link set br-phys up || return 1
    ip -n ${RTL_P}hv link set br-int up || return 1
}

# rtl_warmup: one ping from VM 1 to VM 2, whose mirrored copy makes
# ovs-vswitchd resolve the collector's MAC (ARP on br-phys; the copy that
# triggers it is dropped), then waits until the tunnel neighbour is known.
rtl_warmup () {
    rtl_ns ns1 timeout 5 ping -n -c 1 -W 2 $RTL_VM2_IP >/dev/null
    i=0
    while ! ovs-appctl tnl/neigh/show | grep -q "^$RTL_COLL_IP "; do
        i=$((i + 1))
        if test $i -gt 50; then
            echo "the tunnel neighbour $RTL_COLL_IP was not resolved"
            ovs-appctl tnl/neigh/show
            return 1
        fi
        sleep 0.1
    done
}

# rtl_manual_mirror: what tmirror-controller does for one session (source
# vm1, both directions, VXLAN VNI 4242 to the collector), done by hand.
rtl_manual_mirror () {
    ovs-vsctl --timeout=30 \
        -- add-br br-mirror \
        -- set bridge br-mirror datapath_type=netdev fail_mode=secure \
        -- add-port br-int patch-int-mir \
        -- set interface patch-int-mir type=patch options:peer=patch-mir-int \
        -- add-port br-mirror patch-mir-int \
        -- set interface patch-mir-int type=patch options:peer=patch-int-mir \
        -- add-port br-mirror tm-vxlan -- set interface tm-vxlan type=vxlan \
           options:remote_ip=flow options:key=flow \
           options:local_ip=$RTL_ENCAP_IP || return 1
    ovs-vsctl --timeout=30 -- --id=@src get port vm1 \
        -- --id=@out get port patch-int-mir \
        -- --id=@m create mirror name=manual select_src_port=@src \
           select_dst_port=@src output_port=@out \
        -- set bridge br-int mirrors=@m || return 1
    ovs-ofctl add-flow br-mirror "in_port=patch-mir-int,actions=set_field:$RTL_COLL_IP->tun_dst,set_field:4242->tun_id,output:tm-vxlan"
}

# rtl_tmirror_config: points the Open_vSwitch row at the Traffic_Mirror
# database and the encapsulation address, and writes one session: vm1, both
# directions, ICMP and TCP accepted, to the collector over VXLAN VNI 4242.
rtl_tmirror_config () {
    ovs-vsctl --timeout=30 set open_vswitch . external_ids:system-id=hv1 \
        external_ids:tmirror-remote=unix:$OVS_RUNDIR/tmirror.sock \
        external_ids:tmirror-encap-ip=$RTL_ENCAP_IP || return 1
    tmirror-ctl --timeout=30 --db=unix:$OVS_RUNDIR/tmirror.sock init \
        -- filter-add f1 \
        -- rule-add f1 ingress 10 accept protocol=icmp \
        -- rule-add f1 egress 10 accept protocol=icmp \
        -- rule-add f1 ingress 20 accept protocol=tcp \
        -- rule-add f1 egress 20 accept protocol=tcp \
        -- target-add coll ip $RTL_COLL_IP encap=vxlan \
        -- session-add s1 vm1 coll f1 1 vni=4242
}

# rtl_controller_start: starts tmirror-controller inside ${RTL_P}hv, with
# its pidfile and log in $OVS_RUNDIR (RTL_CONTROLLER_WRAPPER: a command
# that runs it, e.g. setpriv with fewer capabilities).
rtl_controller_start () {
    rtl_ns hv ${RTL_CONTROLLER_WRAPPER-} tmirror-controller \
        unix:$OVS_RUNDIR/db.sock --detach --no-chdir \
        --pidfile=$OVS_RUNDIR/tmirror-controller.pid \
        --log-file=$OVS_RUNDIR/tmirror-controller.log -vconsole:off
}

# rtl_capture_start FILE: starts tshark on the collector's interface,
# capturing only UDP to port 4789 (the copies, not the collector's own ICMP
# errors) into FILE, and waits until it captures.  tshark stops by itself
# after 60 s at the latest; its pid is in FILE.pid.
rtl_capture_start () {
    rm -f "$1" "$1.log" "$1.pid"
    rtl_ns ns3 sh -c 'echo $$ > "$1.pid"; exec tshark -q -n -i eth0 \
        -f "udp dst port 4789" -a duration:60 -w "$1"' rtl "$1" \
        > "$1.log" 2>&1 &
    i=0
    while ! grep -q "Capturing on" "$1.log" 2>/dev/null; do
        i=$((i + 1))
        if test $i -gt 100; then
            cat "$1.log"
            return 1
        fi
        sleep 0.1
    done
    # A margin for the capture to be in place.
    sleep 0.5
}

# rtl_capture_stop FILE: stops the capture started by rtl_capture_start
# (SIGINT, so that tshark flushes FILE) and waits until it has exited.
rtl_capture_stop () {
    sleep 0.5
    pid=$(cat "$1.pid")
    kill -INT $pid 2>/dev/null
    i=0
    while kill -0 $pid 2>/dev/null; do
        i=$((i + 1)); test $i -gt 100 && break; sleep 0.1
    done
    return 0
}

# rtl_traffic DIR: real traffic from VM 1 to VM 2: three pings, then one
# line over TCP.  Writes DIR/ping.out, DIR/nc-recv.out; fails if either did
# not work.
rtl_traffic () {
    rtl_ns ns2 timeout 15 nc -l -d -n $RTL_VM2_IP $RTL_TCP_PORT > "$1"/nc-recv.out 2>"$1"/nc-recv.err &
    server=$!
    rtl_ns ns1 timeout 10 ping -n -c 3 -i 0.2 -W 2 $RTL_VM2_IP > "$1"/ping.out 2>&1
    ping_rc=$?
    # Wait until the listener listens.
    i=0
    while ! rtl_ns ns2 ss -ltn | grep -q ":$RTL_TCP_PORT "; do
        i=$((i + 1)); test $i -gt 50 && break; sleep 0.1
    done
    echo "hello from vm1" | rtl_ns ns1 timeout 10 nc -N -n -p 40001 \
        $RTL_VM2_IP $RTL_TCP_PORT > "$1"/nc-send.out 2>&1
    nc_rc=$?
    wait $server
    server_rc=$?
    test $ping_rc = 0 && test $nc_rc = 0 && test $server_rc = 0
}

# rtl_decode FILE: one line per VXLAN copy in FILE:
#   VNI OUTER-SRC>OUTER-DST INNER-SRC>INNER-DST PROTO ICMP-TYPE TCP-SRC
#   TCP-DST TCP-PAYLOAD-LENGTH
# ("-" where absent; inner fields empty for a copy that is not IPv4).
rtl_decode () {
    tshark -n -r "$1" -Y 'udp.dstport == 4789' -T fields -E separator=';' \
        -E occurrence=a -E aggregator=, -e vxlan.vni -e ip.src -e ip.dst \
        -e ip.proto -e icmp.type -e tcp.srcport -e tcp.dstport -e tcp.len \
        2>/dev/null | \
    awk -F';' '
        function f(x) { return x == "" ? "-" : x }
        {
            split($2, s, ","); split($3, d, ","); split($4, p, ",");
            print f($1), s[1] ">" d[1], s[2] ">" d[2], f(p[2]), f($5),
                  f($6), f($7), f($8)
        }'
}

# Command-line use.
if test "${0##*/}" = real-traffic-lab.sh; then
    set -u
    cmd=${1-}; dir=${2-}
    if test -z "$cmd" || test -z "$dir"; then
        echo "usage: $0 up DIR [manual|controller] | down DIR" >&2
        exit 1
    fi
    mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
    case $cmd in
    up)
        if test -f "$dir"/prefix; then
            echo "$0: $dir already holds lab $(cat "$dir"/prefix)" >&2
            exit 1
        fi
        rtl_check || exit 77
        P=rtl$$; echo $P > "$dir"/prefix
        rtl_topo $P && rtl_ovs_start "$dir" && rtl_bridges && sleep 1 \
            || exit 1
        if test "${3-manual}" = controller; then
            : ${TMIRROR_SCHEMA:?set TMIRROR_SCHEMA (and PATH) for the controller}
            rtl_tmirror_config && rtl_controller_start || exit 1
            tmirror-ctl --db=unix:$OVS_RUNDIR/tmirror.sock --timeout=20 \
                --wait=hv sync || echo "sync failed or timed out"
        else
            rtl_manual_mirror || exit 1
        fi
        rtl_warmup || exit 1
        rtl_capture_start "$dir"/coll.pcap || exit 1
        rtl_traffic "$dir"; echo "traffic: rc=$?"
        rtl_capture_stop "$dir"/coll.pcap
        cat "$dir"/ping.out "$dir"/nc-recv.out
        rtl_decode "$dir"/coll.pcap
        echo "lab $P is up; remove it with: $0 down $dir"
        ;;
    down)
        P=$(cat "$dir"/prefix)
        for pid in tmirror-controller ovs-vswitchd ovsdb-server; do
            test -f "$dir"/$pid.pid && kill $(cat "$dir"/$pid.pid) 2>/dev/null
        done
        rtl_cleanup $P
        rm -f "$dir"/prefix
        ;;
    *)
        echo "$0: unknown command $cmd" >&2; exit 1 ;;
    esac
fi
