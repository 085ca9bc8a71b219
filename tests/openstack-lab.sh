# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# Shell functions for the OpenStack tests (tests/openstack-taas.at):
# neutron-server from Debian with the TaaS plugin and networking_tmirror, on
# 127.0.0.1 with SQLite, no Keystone and no message broker, driven by the
# real openstack CLI; VM ports on a sandboxed hypervisor (tm_hv_start)
# whose iface-ids are the Neutron port UUIDs.  Sourced by the tests, after
# tmirror-macros.at's functions are defined; everything lives in the test's
# own directory.

# Debian's interpreter and CLI: a python3 earlier in PATH (pyenv) lacks the
# OpenStack libraries.
OS_PYTHON=/usr/bin/python3
OS_CLI=/usr/bin/openstack
OS_SERVER=/usr/bin/neutron-server

# os_missing_tools: prints what the tests need and the machine lacks
# (utilities/quickstart.sh deps installs all of it).
os_missing_tools () {
    for f in "$OS_PYTHON" "$OS_CLI" "$OS_SERVER" /usr/bin/curl; do
        test -x "$f" || echo "missing $f"
    done
    for m in neutron neutron_taas ovsdbapp oslo_service; do
        "$OS_PYTHON" -c "import $m" 2>/dev/null \
            || echo "missing python module $m (Debian's $OS_PYTHON)"
    done
}

# os_free_port: prints a TCP port on 127.0.0.1 that is free now.
os_free_port () {
    "$OS_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# os_neutron_template: makes (once per Neutron version, shared by the tests
# of a run, under a lock) an empty Neutron database in $OS_TEMPLATE, which
# each test copies: building the tables takes seconds.
OS_TEMPLATE=$abs_builddir/testsuite.dir/openstack-neutron.db
os_neutron_template () {
    (
        flock 9
        version=$(dpkg-query -W -f='${Version}' neutron-common 2>/dev/null)
        if test -f "$OS_TEMPLATE" \
           && test "$(cat "$OS_TEMPLATE.version" 2>/dev/null)" = "$version"
        then
            exit 0
        fi
        rm -f "$OS_TEMPLATE"
        "$OS_PYTHON" "$abs_top_srcdir/tests/openstack-schema.py" \
            "sqlite:///$OS_TEMPLATE.tmp" \
            && mv "$OS_TEMPLATE.tmp" "$OS_TEMPLATE" \
            && echo "$version" > "$OS_TEMPLATE.version"
    ) 9> "$OS_TEMPLATE.lock"
}

# os_neutron_start [TMDB]
#
# Starts neutron-server in ./neutron (config, SQLite database, logs) with
# the tmirror driver pointed at TMDB (default: this test's Traffic_Mirror
# database), waits (bounded) until its API answers, and writes its URL in
# neutron/url (AT_CHECK runs this in a subshell).  The server is stopped
# when the test ends.  Starting again reuses the Neutron database.
os_neutron_start () {
    tmdb=${1:-unix:$OVS_RUNDIR/tmirror.sock}
    nd=$PWD/neutron
    mkdir -p "$nd/state" "$nd/lock" || return 1
    if test ! -f "$nd/neutron.db"; then
        os_neutron_template && cp "$OS_TEMPLATE" "$nd/neutron.db" \
            || return 1
    fi
    port=$(os_free_port) || return 1
    sed -e "s|@DIR@|$nd|g" -e "s|@PORT@|$port|g" -e "s|@TMDB@|$tmdb|g" \
        "$abs_top_srcdir/tests/openstack-neutron.conf.in" \
        > "$nd/neutron.conf" || return 1
    PYTHONPATH="$abs_top_srcdir/openstack" PYTHONDONTWRITEBYTECODE=yes \
        setsid "$OS_SERVER" --config-file "$nd/neutron.conf" \
        --log-file "$nd/server.log" > "$nd/server.out" 2>&1 < /dev/null &
    echo $! > "$nd/server.pid"
    on_exit "os_neutron_stop"
    url=http://127.0.0.1:$port
    echo "$url" > "$nd/url"
    for i in $(seq 1 240); do
        if curl -sf "$url/v2.0/extensions/taas" > /dev/null; then
            echo "neutron-server up on $url after $i tries"
            return 0
        fi
        if ! os_alive "$(cat "$nd/server.pid")"; then
            echo "neutron-server died:"; tail -30 "$nd/server.out"
            return 1
        fi
        sleep 0.5
    done
    echo "neutron-server did not answer on $url within 120 s"
    return 1
}

# os_alive PID: whether process PID runs (a zombie, which kill -0 still
# finds, does not).
os_alive () {
    test -r "/proc/$1/stat" && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"
}

# os_neutron_stop: stops the neutron-server of ./neutron (its process group:
# the server and any worker), bounded, then kills what is left.
os_neutron_stop () {
    nd=$PWD/neutron
    test -f "$nd/server.pid" || return 0
    pid=$(cat "$nd/server.pid")
    rm -f "$nd/server.pid"
    kill -TERM -- "-$pid" 2>/dev/null || return 0
    for i in $(seq 1 40); do
        kill -0 -- "-$pid" 2>/dev/null || return 0
        sleep 0.25
    done
    kill -KILL -- "-$pid" 2>/dev/null
    return 0
}

# os_url: the URL of this test's neutron-server.
os_url () {
    cat "$PWD/neutron/url"
}

# os_cli ARGS...: the openstack CLI against this test's neutron-server.
os_cli () {
    timeout 120 "$OS_CLI" --os-auth-type none --os-endpoint "$(os_url)" "$@"
}

# os_api METHOD PATH [JSON]: one Neutron API request with curl; prints the
# response body, then a line "HTTP CODE".
os_api () {
    curl -s -m 60 -X "$1" -H 'Content-Type: application/json' \
        ${3:+-d "$3"} -w '\nHTTP %{http_code}\n' "$(os_url)/v2.0$2"
}

# os_json KEY...: prints the value at KEY/KEY/... of the JSON on stdin
# (ignoring a trailing "HTTP CODE" line).
os_json () {
    "$OS_PYTHON" -c 'import json, sys
text = sys.stdin.read()
body = text.rsplit("\nHTTP ", 1)[0]
v = json.loads(body)
for k in sys.argv[1:]:
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$@"
}

# os_network_create NAME: creates a network; prints its id.
os_network_create () {
    os_api POST /networks "{\"network\": {\"name\": \"$1\"}}" \
        | os_json network id
}

# os_port_create NETWORK-ID NAME [HOST]: creates a port, bound to HOST
# (binding:host_id) when given; prints its id.
os_port_create () {
    host=
    test -n "$3" && host=", \"binding:host_id\": \"$3\""
    os_api POST /ports "{\"port\": {\"network_id\": \"$1\", \
\"name\": \"$2\"$host}}" | os_json port id
}

# os_plug_vm N PORT-ID: a VM port vmN with iface-id PORT-ID on its own
# bridge br-vmN, with one peer port peerN (ofport 2): so a frame injected
# on vmN (what the VM sends) reaches only peerN, and one injected on peerN
# reaches only vmN (what the VM receives), without depending on MAC
# learning.  Both are captured in vmN-tx.pcap and peerN-tx.pcap.
os_plug_vm () {
    ovs-vsctl -- add-br br-vm$1 -- set bridge br-vm$1 datapath_type=dummy \
        -- add-port br-vm$1 vm$1 -- set interface vm$1 type=dummy \
           ofport_request=1 external_ids:iface-id=$2 \
           options:tx_pcap=vm$1-tx.pcap \
        -- add-port br-vm$1 peer$1 -- set interface peer$1 type=dummy \
           ofport_request=2 options:tx_pcap=peer$1-tx.pcap
}

# os_plug_appliance N PORT-ID: gives the appliance NIC appN on br-mirror
# (made by tm_hv_start) the iface-id PORT-ID.
os_plug_appliance () {
    ovs-vsctl set interface app$1 external_ids:iface-id=$2
}

# os_status KIND ID: the status of tap KIND (service, flow) ID, through the
# API (cheaper than the CLI, for waiting).
os_status () {
    os_api GET "/taas/tap_${1}s/$2" | os_json "tap_$1" status
}

# os_field KIND NAME FIELD: one field of "openstack tap KIND show NAME".
os_field () {
    os_cli tap "$1" show "$2" -f value -c "$3"
}

# os_tm_count TABLE: how many rows the Traffic_Mirror TABLE has.
os_tm_count () {
    tmirror-ctl --timeout=30 --bare --columns=_uuid list "$1" \
        | { grep -c . || :; }
}

# os_tm_find TABLE KEY VALUE [COLUMN]: prints COLUMN (default name) of the
# TABLE rows whose external_ids:KEY is VALUE.
os_tm_find () {
    tmirror-ctl --timeout=30 --bare --columns="${4:-name}" find "$1" \
        "external_ids:\"$2\"=\"$3\""
}

# os_tcp_ports PCAP: the TCP destination ports of the frames in PCAP, one
# per line, sorted (the tests give each frame its own port).
os_tcp_ports () {
    tm_fields "$1" tcp tcp.dstport | sort -n
}

# os_inject_egress N DPORT / os_inject_ingress N DPORT: a TCP frame that
# vmN sends (injected on vmN) or receives (injected on peerN), to
# destination port DPORT.
os_inject_egress () {
    tm_inject vm$1 "$(tm_tcp 0$1 9$1 10.0.0.$1 10.0.9.$1 40000 $2)"
}
os_inject_ingress () {
    tm_inject peer$1 "$(tm_tcp 9$1 0$1 10.0.9.$1 10.0.0.$1 40000 $2)"
}

# os_vlan FLOW VID: the datapath flow FLOW (as tm_tcp prints it) in 802.1Q
# VLAN VID, or unchanged when VID is "-" (untagged).
os_vlan () {
    if test "$2" = -; then
        echo "$1"
    else
        echo "$1" | sed 's/eth_type(0x0800),\(.*\)$/eth_type(0x8100),vlan(vid='"$2"',pcp=0),encap(eth_type(0x0800),\1)/'
    fi
}

# os_inject_vlan_egress N VID DPORT / os_inject_vlan_ingress N VID DPORT:
# as os_inject_egress and os_inject_ingress, in VLAN VID ("-": untagged),
# as on a trunk port.
os_inject_vlan_egress () {
    tm_inject vm$1 "$(os_vlan "$(tm_tcp 0$1 9$1 10.0.0.$1 10.0.9.$1 40000 $3)" $2)"
}
os_inject_vlan_ingress () {
    tm_inject peer$1 "$(os_vlan "$(tm_tcp 9$1 0$1 10.0.9.$1 10.0.0.$1 40000 $3)" $2)"
}

# os_fan_out: whether this tree's Traffic_Mirror schema has the columns the
# driver's fan_out switch needs (Filter_Rule.vlan, Session.independent).
os_fan_out () {
    "$OS_PYTHON" -c 'import json, sys
t = json.load(open(sys.argv[1]))["tables"]
sys.exit(0 if "vlan" in t["Filter_Rule"]["columns"]
         and "independent" in t["Session"]["columns"] else 1)' \
        "$TMIRROR_SCHEMA"
}

# os_error FILE: the message of the CLI error in FILE (its stderr), without
# the request ids line.
os_error () {
    grep -v 'request_ids' "$1"
}

# os_schema_before_fan_out SCHEMA: prints SCHEMA as it was before the
# columns of the driver's fan_out switch (version 1.1.0, without
# Filter_Rule.vlan and Session.independent), for the test of the refusals
# against such a database.
os_schema_before_fan_out () {
    "$OS_PYTHON" -c 'import json, sys
s = json.load(open(sys.argv[1]))
del s["tables"]["Filter_Rule"]["columns"]["vlan"]
del s["tables"]["Session"]["columns"]["independent"]
s["version"] = "1.1.0"
s.pop("cksum", None)
print(json.dumps(s, indent=2))' "$1"
}
