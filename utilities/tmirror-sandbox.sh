#!/bin/bash
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# tmirror-sandbox.sh [--batch] [--dir=DIR]: a scratch hypervisor in DIR
# (default: sandbox/ in the source tree) with
#   - ovsdb-server serving the Open_vSwitch and Traffic_Mirror databases,
#   - ovs-vswitchd on the dummy datapath (no kernel module needed),
#   - tmirror-controller,
#   - br-int with two VM ports (vm1, vm2), br-mirror with an appliance
#     port (app1), and an underlay bridge br-phys whose port p0 is the wire
#     towards a VXLAN collector at 192.168.50.2;
# then a demo: a filter, two targets, two sessions, traffic injected into
# the VM ports, and the mirrored copies printed decoded.  Afterwards it
# leaves you a shell inside the sandbox (exit it to stop everything), in
# which $http, $reply and $ssh hold the demo's frames, or with --batch stops
# everything and exits.  DIR is emptied first; it must be empty, missing, or
# a sandbox of an earlier run.  With --hosts=N (or --hosts N), the demo of
# N hypervisors and a Raft cluster: see tmirror-sandbox-hosts.sh.

set -e

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/utilities/tmirror-sandbox-lib.sh"
batch=false
sandbox=$top/sandbox
for arg; do
    case $arg in
        --hosts|--hosts=*)
            exec "$top/utilities/tmirror-sandbox-hosts.sh" "$@" ;;
        --batch) batch=true ;;
        --dir=?*) sandbox=${arg#--dir=} ;;
        -h|--help) sed -n '6,23p' "$0"; exit 0 ;;
        *) echo "$0: unknown argument $arg" >&2; exit 2 ;;
    esac
done
case $sandbox in
    /*) ;;
    *) sandbox=$PWD/$sandbox ;;
esac
sandbox_check_dir "$sandbox"
export OVS_RUNDIR=$sandbox OVS_LOGDIR=$sandbox OVS_DBDIR=$sandbox \
       OVS_SYSCONFDIR=$sandbox
export PATH=$top/utilities:$top/controller:$top/api:$PATH:/usr/sbin:/sbin

# Stops the daemons of an earlier or this run, by their pidfiles.
stop_daemons() {
    sandbox_stop_daemons "$sandbox"
}

stop_daemons
rm -rf "$sandbox"
mkdir -p "$sandbox"
touch "$sandbox/.tmirror-sandbox"
cd "$sandbox"

step "Starting ovsdb-server, ovs-vswitchd (dummy datapath) and tmirror-controller in $sandbox"
ovsdb-tool create conf.db /usr/share/openvswitch/vswitch.ovsschema
ovsdb-tool create tm.db "$top/ovsdb/tmirror.ovsschema"
ovsdb-server conf.db tm.db --detach --no-chdir --pidfile --log-file \
    -vconsole:off --remote=punix:"$sandbox"/db.sock \
    --remote=punix:"$sandbox"/tmirror.sock
ovs-vsctl --no-wait init
ovs-vsctl --no-wait set open_vswitch . external_ids:system-id=hv1 \
    external_ids:tmirror-remote=unix:"$sandbox"/tmirror.sock
# No tmirror-encap-ip: with --disable-system-route, OVS's route table has no
# "local" route for it and would refuse a tunnel local_ip; the source address
# then comes from the route to the collector.
ovs-vswitchd --enable-dummy=system --disable-system --disable-system-route \
    --detach --no-chdir --pidfile --log-file -vconsole:off
tmirror-ctl init

step "A hypervisor: br-int with VMs vm1 and vm2, br-mirror with appliance app1, br-phys as underlay"
ovs-vsctl \
    -- add-br br-int -- set bridge br-int datapath_type=dummy \
    -- add-port br-int vm1 -- set interface vm1 type=dummy ofport_request=1 \
         external_ids:iface-id=vm1 options:tx_pcap=vm1-tx.pcap \
    -- add-port br-int vm2 -- set interface vm2 type=dummy ofport_request=2 \
         external_ids:iface-id=vm2 options:tx_pcap=vm2-tx.pcap \
    -- add-br br-mirror -- set bridge br-mirror datapath_type=dummy \
         fail_mode=secure \
    -- add-port br-mirror app1 -- set interface app1 type=dummy \
         external_ids:iface-id=app1 options:tx_pcap=app1-tx.pcap \
    -- add-br br-phys -- set bridge br-phys datapath_type=dummy \
         other-config:hwaddr=aa:55:aa:55:00:01 \
    -- add-port br-phys p0 -- set interface p0 type=dummy \
         options:tx_pcap=p0-tx.pcap
ovs-appctl netdev-dummy/ip4addr br-phys 192.168.50.1/24 > /dev/null
ovs-appctl ovs/route/add 192.168.50.0/24 br-phys > /dev/null
ovs-appctl tnl/neigh/set br-phys 192.168.50.2 aa:55:aa:55:00:02 > /dev/null
echo "br-int: vm1 vm2    br-mirror: app1 (appliance)    br-phys: p0 -> collector 192.168.50.2"
tmirror-controller --detach --no-chdir --pidfile --log-file -vconsole:off

step "The intent: a filter, two targets, two sessions"
run tmirror-ctl filter-add web description="web traffic"
run tmirror-ctl rule-add web egress 10 accept protocol=tcp dst-port=80
run tmirror-ctl rule-add web ingress 10 accept protocol=tcp src-port=80
run tmirror-ctl filter-add everything
run tmirror-ctl rule-add everything egress 100 accept
run tmirror-ctl rule-add everything ingress 100 accept
run tmirror-ctl target-add collector ip 192.168.50.2 encap=vxlan
run tmirror-ctl target-add ids port app1
run tmirror-ctl session-add web-vm1 vm1 collector web 1 vni=100
run tmirror-ctl session-add all-vm2 vm2 ids everything 1 packet-length=64
run tmirror-ctl --wait=hv sync
run tmirror-ctl show
run ovs-ofctl -O OpenFlow15 dump-flows br-mirror --no-stats

step "Traffic: vm1 -> vm2 HTTP (mirrored to the collector), SSH (not mirrored by web-vm1)"
demo_frames
run ovs-appctl netdev-dummy/receive vm1 "$http" --len 200
run ovs-appctl netdev-dummy/receive vm2 "$reply" --len 200
run ovs-appctl netdev-dummy/receive vm1 "$ssh" --len 200
sleep 2.5     # Session_Status statistics are refreshed every 2 s.

step "The collector's copies on the wire (VXLAN, decoded by tshark: outer,inner addresses)"
tshark -r p0-tx.pcap -Y vxlan -T fields -E header=y \
    -e udp.dstport -e vxlan.vni -e ip.src -e ip.dst \
    -e tcp.srcport -e tcp.dstport -e frame.len 2>/dev/null \
    | sed 's/^/  /'
step "The appliance's copies on br-mirror (session all-vm2, truncated to 64 bytes)"
tcpdump -r app1-tx.pcap -n -e 2>/dev/null | sed 's/^/  /'

step "What the controller reports"
run ovs-appctl -t tmirror-controller tmirror/show
run tmirror-ctl session-show web-vm1

# ---- tmirror-api: the same database over HTTP (native JSON and EC2). ----
# Starts tmirror-api on a free loopback port with one admin credential, and
# runs (and prints) one curl and one aws call that work against it.
sandbox_api() {
    step "tmirror-api: the same intent over HTTP"
    cat > api-credentials.json <<'EOF'
{"projects": {"sandbox": {"ports": ["*"]}},
 "credentials": [{"access_key": "AKIDSANDBOX", "secret": "sandbox-secret",
                  "token": "sandbox-token-0123456789", "project": "sandbox",
                  "actions": ["*"]}]}
EOF
    tmirror-api --detach --no-chdir --pidfile --log-file -vconsole:off \
        --listen=127.0.0.1:0 --credentials=api-credentials.json || return 0
    for i in $(seq 1 100); do
        ovs-appctl -t tmirror-api tmirror-api/show 2>/dev/null \
            | grep -q '(connected)' && break
        sleep 0.1
    done
    api_url=http://$(ovs-appctl -t tmirror-api tmirror-api/show \
                     | sed -n 's/^listening on //p')
    printf '$ curl -s -H "Authorization: Bearer sandbox-token-0123456789" %s\n' \
        "$api_url/v1/sessions/web-vm1/status"
    curl -s -H "Authorization: Bearer sandbox-token-0123456789" \
        "$api_url/v1/sessions/web-vm1/status"
    if command -v /usr/bin/aws > /dev/null; then
        printf '$ AWS_ACCESS_KEY_ID=AKIDSANDBOX AWS_SECRET_ACCESS_KEY=sandbox-secret AWS_DEFAULT_REGION=us-east-1 aws --endpoint-url %s ec2 describe-traffic-mirror-sessions\n' "$api_url"
        AWS_ACCESS_KEY_ID=AKIDSANDBOX AWS_SECRET_ACCESS_KEY=sandbox-secret \
        AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null \
        AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
        AWS_PAGER= /usr/bin/aws --endpoint-url "$api_url" ec2 \
            describe-traffic-mirror-sessions --output table
    fi
    export AWS_ACCESS_KEY_ID=AKIDSANDBOX AWS_SECRET_ACCESS_KEY=sandbox-secret \
           AWS_DEFAULT_REGION=us-east-1 TMIRROR_API=$api_url \
           TMIRROR_API_TOKEN=sandbox-token-0123456789
}
sandbox_api

if $batch; then
    step "Stopping (--batch)"
    stop_daemons
    exit 0
fi

step "You are in the sandbox"
cat <<'EOF'
Try tmirror-ctl show, ovs-vsctl show, ovs-ofctl dump-flows br-mirror,
ovs-appctl -t tmirror-controller tmirror/show, and send the demo's frames
again (the shell has them in $http, $reply and $ssh):
    ovs-appctl netdev-dummy/receive vm1 "$http" --len 200
    ovs-appctl netdev-dummy/receive vm2 "$reply" --len 200
    ovs-appctl netdev-dummy/receive vm1 "$ssh" --len 200
EOF
echo "tmirror-api is at \$TMIRROR_API ($TMIRROR_API): curl -H \"Authorization: Bearer \$TMIRROR_API_TOKEN\" \$TMIRROR_API/v1/sessions; aws --endpoint-url \$TMIRROR_API ec2 describe-traffic-mirror-sessions"
echo "Exit this shell to stop the sandbox's daemons."
PS1='tmirror-sandbox$ ' bash --norc -i || true
stop_daemons
echo "sandbox stopped; its files are in $sandbox"
