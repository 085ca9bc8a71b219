#!/bin/bash
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# tmirror-sandbox-hosts.sh --hosts=N [--batch] [--dir=DIR]: a scratch fleet
# in DIR (default: sandbox/ in the source tree), N from 2 to 9:
#   - a 3-member Raft cluster for the Traffic_Mirror database (DIR/db1..db3,
#     started with tmirror-service; the members talk Raft over unix sockets),
#   - N hypervisors DIR/hv1..hvN, each with its own ovsdb-server, ovs-vswitchd
#     on the dummy datapath and tmirror-controller (which has all three
#     members as remotes); br-int and br-mirror on each, VMs vm1 and vm2 on
#     hv1, the appliance port app1 on hv2's br-mirror; br-phys is each host's
#     underlay, 192.168.60.K, wired in a star around hv1;
# then a demo: a session mirroring vm1 (hv1) to app1 (hv2) through a GENEVE
# tunnel, traffic, the copies decoded as they arrive at hv2, then vm1's live
# migration to hvN and its copies, which now come from hvN.  Afterwards it
# leaves you a shell (hv K switches to hypervisor K; exit to stop
# everything), or with --batch checks that the copies seen are exactly the
# expected ones, stops everything and exits 0 only if they were.  DIR is
# emptied first; it must be empty, missing, or a sandbox of an earlier run.

set -e

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/utilities/tmirror-sandbox-lib.sh"
batch=false
sandbox=$top/sandbox
hosts=
want_hosts=false
for arg; do
    if $want_hosts; then
        hosts=$arg
        want_hosts=false
        continue
    fi
    case $arg in
        --batch) batch=true ;;
        --dir=?*) sandbox=${arg#--dir=} ;;
        --hosts=*) hosts=${arg#--hosts=} ;;
        --hosts) want_hosts=true ;;
        -h|--help) sed -n '6,21p' "$0"; exit 0 ;;
        *) echo "$0: unknown argument $arg" >&2; exit 2 ;;
    esac
done
case $hosts in
    [2-9]) ;;
    *) echo "$0: --hosts: \"$hosts\" is not a number of hypervisors from 2 to 9" >&2
       exit 2 ;;
esac
case $sandbox in
    /*) ;;
    *) sandbox=$PWD/$sandbox ;;
esac
sandbox_check_dir "$sandbox"
export PATH=$top/utilities:$top/controller:$PATH:/usr/sbin:/sbin
schema=$top/ovsdb/tmirror.ovsschema
last=$hosts                     # Where vm1 migrates to.

# hv K: points OVS_RUNDIR, OVS_DBDIR, OVS_LOGDIR and OVS_SYSCONFDIR (and so
# ovs-vsctl, ovs-ofctl and ovs-appctl) at hypervisor K.
hv() {
    export OVS_RUNDIR=$sandbox/hv$1 OVS_LOGDIR=$sandbox/hv$1 \
           OVS_DBDIR=$sandbox/hv$1 OVS_SYSCONFDIR=$sandbox/hv$1
}

# on K COMMAND...: runs COMMAND on hypervisor K, after echoing it.
on() {
    k=$1
    shift
    show_command "hv$k\$" "$@"
    (hv "$k"; "$@")
}

# quiet K COMMAND...: runs COMMAND on hypervisor K, without echoing it.
quiet() {
    k=$1
    shift
    (hv "$k"; "$@")
}

# db_member K [JOIN-ADDR]: starts Raft member K of the Traffic_Mirror
# database with tmirror-service: a new cluster without JOIN-ADDR, else a
# member joining the cluster of JOIN-ADDR.
db_member() {
    d=$sandbox/db$1
    mkdir -p "$d"
    tmirror-service --db-rundir="$d" --db-logdir="$d" --db-dbdir="$d" \
        --db-schema="$schema" --timeout=30 \
        --db-cluster-local-addr=unix:"$sandbox"/db$1.raft \
        ${2:+--db-cluster-remote-addr=$2} start_db | sed 's/^/  /'
}

# start_host K: hypervisor K (see the header), then its controller, all
# started in K's directory (where relative capture files then go).
start_host() {
    k=$1
    mkdir -p "$sandbox/hv$k"
    hv "$k"
    cd "$OVS_RUNDIR"
    ovsdb-tool create "$OVS_DBDIR"/conf.db \
        /usr/share/openvswitch/vswitch.ovsschema
    ovsdb-server "$OVS_DBDIR"/conf.db --detach --no-chdir --pidfile \
        --log-file -vconsole:off --remote=punix:"$OVS_RUNDIR"/db.sock
    ovs-vsctl --no-wait init
    ovs-vsctl --no-wait set open_vswitch . external_ids:system-id=hv$k \
        external_ids:tmirror-remote="$TMIRROR_DB" \
        external_ids:tmirror-encap-ip=192.168.60.$k \
        external_ids:tmirror-tunnel-local-ip=false
    # tmirror-tunnel-local-ip=false: with --disable-system-route, OVS has
    # no "local" route for the encap ip and a tunnel with local_ip would
    # not send.
    ovs-vswitchd --enable-dummy=system --disable-system \
        --disable-system-route --detach --no-chdir --pidfile --log-file \
        -vconsole:off
    set -- add-br br-int -- set bridge br-int datapath_type=dummy \
        -- add-br br-mirror -- set bridge br-mirror datapath_type=dummy \
           fail_mode=secure \
        -- add-br br-phys -- set bridge br-phys datapath_type=dummy \
           other-config:hwaddr=aa:55:aa:55:00:0$k
    if [ "$k" = 1 ]; then
        for i in 1 2; do
            set -- "$@" -- add-port br-int vm$i \
                -- set interface vm$i type=dummy ofport_request=$i \
                   external_ids:iface-id=vm$i options:tx_pcap=vm$i-tx.pcap
        done
        for i in $(seq 2 "$hosts"); do
            set -- "$@" -- add-port br-phys p$i -- set interface p$i \
                type=dummy options:pstream=punix:"$sandbox"/wire$i.sock \
                options:tx_pcap=p$i-tx.pcap options:rxq_pcap=p$i-rx.pcap
        done
    else
        set -- "$@" -- add-port br-phys p0 -- set interface p0 type=dummy \
            options:stream=unix:"$sandbox"/wire$k.sock \
            options:tx_pcap=p0-tx.pcap options:rxq_pcap=p0-rx.pcap
    fi
    if [ "$k" = 2 ]; then
        set -- "$@" -- add-port br-mirror app1 -- set interface app1 \
            type=dummy ofport_request=1 external_ids:iface-id=app1 \
            options:tx_pcap=app1-tx.pcap
    fi
    ovs-vsctl "$@"
    ovs-appctl netdev-dummy/ip4addr br-phys 192.168.60.$k/24 > /dev/null
    ovs-appctl ovs/route/add 192.168.60.0/24 br-phys > /dev/null
    for i in $(seq 1 "$hosts"); do
        [ "$i" = "$k" ] || ovs-appctl tnl/neigh/set br-phys 192.168.60.$i \
                               aa:55:aa:55:00:0$i > /dev/null
    done
    tmirror-controller --detach --no-chdir --pidfile --log-file -vconsole:off
}

# wait_wired: waits (up to 10 s) until every wire of the star is connected.
wait_wired() {
    for k in $(seq 2 "$hosts"); do
        for i in $(seq 1 100); do
            quiet "$k" ovs-appctl netdev-dummy/conn-state p0 \
                | grep -q connected && break
            sleep 0.1
        done
    done
}

# copies_at_appliance: the GENEVE copies that hv2 received on its underlay,
# one a line: outer source, VNI, inner source and destination port.
copies_at_appliance() {
    tshark -r "$sandbox"/hv2/p0-rx.pcap -Y 'geneve && ip.dst==192.168.60.2' \
        -T fields -E separator=' ' -e ip.src -e geneve.vni -e tcp.srcport \
        -e tcp.dstport 2>/dev/null | sed 's/192\.168\.60\.2,//; s/,[^ ]*//'
}

# show_copies: the copies at hv2, decoded: on its underlay (GENEVE) and as
# the appliance app1 receives them.
show_copies() {
    echo "GENEVE frames that hv2 received (outer source,inner source; VNI; ports):"
    tshark -r "$sandbox"/hv2/p0-rx.pcap -Y 'geneve && ip.dst==192.168.60.2' \
        -T fields -E header=y -e ip.src -e geneve.vni -e tcp.srcport \
        -e tcp.dstport -e frame.len 2>/dev/null | sed 's/^/  /'
    echo "What the appliance app1 received (decapsulated):"
    tcpdump -r "$sandbox"/hv2/app1-tx.pcap -n -e 2>/dev/null | sed 's/^/  /'
}

sandbox_stop_daemons "$sandbox"
rm -rf "$sandbox"
mkdir -p "$sandbox"
touch "$sandbox/.tmirror-sandbox"
cd "$sandbox"

step "A 3-member Raft cluster for Traffic_Mirror (tmirror-service start_db) in $sandbox/db1..db3"
db_member 1
db_member 2 unix:"$sandbox"/db1.raft
db_member 3 unix:"$sandbox"/db1.raft
TMIRROR_DB=unix:$sandbox/db1/tmirror.sock,unix:$sandbox/db2/tmirror.sock,unix:$sandbox/db3/tmirror.sock
export TMIRROR_DB
echo "TMIRROR_DB=$TMIRROR_DB"
for i in 1 2 3; do
    role=$(ovs-appctl -t "$sandbox"/db$i/tmirror-db.ctl cluster/status \
               Traffic_Mirror | sed -n 's/^Role: //p')
    echo "  db$i: $role"
done

step "$hosts hypervisors hv1..hv$hosts: ovsdb-server, ovs-vswitchd (dummy datapath), tmirror-controller"
for k in $(seq 1 "$hosts"); do
    (start_host "$k")
done
wait_wired
echo "hv1: br-int vm1 vm2; hv2: br-mirror app1 (appliance); underlay 192.168.60.K, wired in a star around hv1"

step "The intent: a web filter, a port target on hv2, a session for vm1 on hv1"
run tmirror-ctl filter-add web description="web traffic"
run tmirror-ctl rule-add web egress 10 accept protocol=tcp dst-port=80
run tmirror-ctl rule-add web ingress 10 accept protocol=tcp src-port=80
run tmirror-ctl target-add ids port app1
run tmirror-ctl session-add web-vm1 vm1 ids web 1 vni=100
run tmirror-ctl --wait=hv sync
run tmirror-ctl session-show web-vm1
on 2 ovs-ofctl dump-flows br-mirror --no-stats

step "Traffic on hv1: vm1 -> vm2 HTTP and its answer (mirrored), SSH (not mirrored)"
demo_frames
on 1 ovs-appctl netdev-dummy/receive vm1 "$http" --len 200
on 1 ovs-appctl netdev-dummy/receive vm2 "$reply" --len 200
on 1 ovs-appctl netdev-dummy/receive vm1 "$ssh" --len 200
sleep 1
show_copies

step "Live migration: vm1 moves from hv1 to hv$last (its port, same iface-id), nothing else"
on 1 ovs-vsctl del-port br-int vm1
on "$last" ovs-vsctl add-port br-int vm1 -- set interface vm1 type=dummy \
    external_ids:iface-id=vm1 options:tx_pcap=vm1-tx.pcap
run tmirror-ctl --wait=hv sync
run tmirror-ctl --bare --columns=chassis_name find binding port=vm1
on "$last" ovs-appctl netdev-dummy/receive vm1 "$http" --len 200
on "$last" ovs-appctl netdev-dummy/receive vm1 "$ssh" --len 200
sleep 1
show_copies
run tmirror-ctl session-show web-vm1

if $batch; then
    step "Checking the copies (--batch)"
    # Two copies from hv1, then one from hv$last, which on hv2 itself (two
    # hosts) is delivered without a tunnel.
    expected="192.168.60.1 0x000064 40000 80
192.168.60.1 0x000064 80 40000"
    if [ "$last" != 2 ]; then
        expected="$expected
192.168.60.$last 0x000064 40000 80"
    fi
    seen=$(copies_at_appliance)
    status=0
    if [ "$seen" = "$expected" ] \
       && [ "$(tcpdump -r "$sandbox"/hv2/app1-tx.pcap 2>/dev/null | wc -l)" = 3 ]
    then
        echo "sandbox: the 3 expected copies arrived at app1: 2 from hv1, then 1 from hv$last after the migration"
    else
        echo "sandbox: error: the copies are not the expected ones"
        echo "expected 3 frames at app1, and on hv2's underlay (outer source, VNI, ports):"
        echo "$expected" | sed 's/^/  /'
        echo "seen $(tcpdump -r "$sandbox"/hv2/app1-tx.pcap 2>/dev/null | wc -l) frames at app1, and on the underlay:"
        echo "$seen" | sed 's/^/  /'
        status=1
    fi
    step "Stopping (--batch)"
    sandbox_stop_daemons "$sandbox"
    exit $status
fi

step "You are in the sandbox, on hv1"
cat <<EOF
"hv K" switches to hypervisor K (1..$hosts); tmirror-ctl talks to the
cluster (\$TMIRROR_DB).  Try tmirror-ctl show, ovs-vsctl show,
ovs-ofctl dump-flows br-mirror, ovs-appctl -t tmirror-controller tmirror/show,
and send the demo's frames again (the shell has them in \$http, \$reply and
\$ssh), e.g. on hv$last, where vm1 now is:
    hv $last; ovs-appctl netdev-dummy/receive vm1 "\$http" --len 200
Exit this shell to stop the sandbox's daemons.
EOF
export sandbox
export -f hv
hv 1
PS1='tmirror-sandbox$ ' bash --norc -i || true
sandbox_stop_daemons "$sandbox"
echo "sandbox stopped; its files are in $sandbox"
