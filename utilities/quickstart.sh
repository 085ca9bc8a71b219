#!/bin/sh
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# The one entry point for people and CI on a fresh Debian 12 machine:
#
#   utilities/quickstart.sh deps      install the Debian packages tmirror needs
#   utilities/quickstart.sh build     deps, then build libopenvswitch (once) and
#                                     tmirror
#   utilities/quickstart.sh check     build, then run every test (with the
#                                     Debian package test); ends with
#                                     "N passed, N failed[, N skipped]"
#   utilities/quickstart.sh sandbox [--batch]
#                                     build, then run the sandbox demo
#   utilities/quickstart.sh sandbox --hosts N [--batch]
#                                     build, then run the demo with N
#                                     hypervisors and a 3-member Raft cluster

set -e

top=$(cd "$(dirname "$0")/.." && pwd)
ovs_dir=$top/_ovs
ovs_src=$ovs_dir/openvswitch
ovs_tarball=${OVS_TARBALL:-/usr/src/openvswitch/openvswitch.tar.gz}
jobs=$(nproc 2>/dev/null || echo 2)

# Debian packages: the OVS daemons and source, the toolchain, the libraries
# libopenvswitch links with, jansson and cmocka, and the packet tools that
# the tests use to decode captures and make real traffic; for tmirror-api,
# libevent, and the real clients its tests drive (curl, Debian's AWS CLI,
# promtool from prometheus), valgrind, and wrk for its load test; iperf3
# for tmirror-bench's data path scenario; and what
# the package test uses to build tmirror's packages and a fresh Debian root;
# for the OpenStack driver (openstack/) and its tests: neutron-server with
# the TaaS plugin, ovsdbapp, the openstack CLI and pytest.
packages="build-essential autoconf automake libtool pkg-config python3
          openvswitch-switch openvswitch-common openvswitch-source
          libssl-dev libunbound-dev libcap-ng-dev libjansson-dev
          libcmocka-dev tcpdump tshark ethtool iproute2 iputils-ping
          netcat-openbsd procps debhelper debootstrap
          libevent-dev curl awscli prometheus valgrind wrk iperf3
          neutron-server python3-neutron-taas python3-ovsdbapp
          python3-openstackclient python3-neutronclient python3-pytest"

say() {
    printf 'quickstart: %s\n' "$*"
}

# Installs the packages that are missing, with apt-get.
do_deps() {
    missing=
    for p in $packages; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
                | grep -q 'install ok installed'; then
            missing="$missing $p"
        fi
    done
    if [ -z "$missing" ]; then
        say "all Debian packages present"
        return 0
    fi
    say "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # Installing neutron-server would start OpenStack services: a
    # policy-rc.d that refuses every start keeps apt from starting any (the
    # tests start their own neutron-server), and goes once apt is done.
    policy=/usr/sbin/policy-rc.d
    made_policy=
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod +x "$policy"
        made_policy=yes
    fi
    status=0
    apt-get install -y -q --no-install-recommends $missing || status=$?
    if [ -n "$made_policy" ]; then
        rm -f "$policy"
    fi
    return $status
}

# Prints the version of the installed ovs-vswitchd, e.g. "3.1.0".
installed_ovs_version() {
    ovs-vswitchd --version | sed -n 's/.*(Open vSwitch) \([^ ]*\).*/\1/p'
}

# Unpacks Debian's OVS source into _ovs/ and builds libopenvswitch there,
# unless a build for the installed ovs-vswitchd's version is already there.
do_ovs() {
    want=$(installed_ovs_version)
    stamp=$ovs_dir/built-version
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
       && [ -f "$ovs_src/lib/libopenvswitch.la" ]; then
        say "reusing libopenvswitch $want in $ovs_src"
        return 0
    fi
    say "building libopenvswitch $want from $ovs_tarball (about a minute)"
    rm -rf "$ovs_dir"
    mkdir -p "$ovs_dir"
    tar -xzf "$ovs_tarball" -C "$ovs_dir"
    got=$(sed -n 's/^AC_INIT(openvswitch, \([^,]*\),.*/\1/p' \
              "$ovs_src/configure.ac")
    if [ "$got" != "$want" ]; then
        say "error: source tarball is OVS $got but ovs-vswitchd is $want"
        exit 1
    fi
    (cd "$ovs_src" \
     && ./configure --prefix=/usr --localstatedir=/var --sysconfdir=/etc \
                    --enable-silent-rules > "$ovs_dir/configure.log" 2>&1 \
     && built=$(printf 'print-bs:\n\t@echo $(BUILT_SOURCES)\n' \
                | make -s -f Makefile -f - print-bs) \
     && make -j"$jobs" $built > "$ovs_dir/make.log" 2>&1 \
     && make -j"$jobs" lib/libopenvswitch.la >> "$ovs_dir/make.log" 2>&1) \
        || { say "error: OVS build failed, see $ovs_dir/*.log"; exit 1; }
    echo "$want" > "$stamp"
}

# Configures (when needed) and builds tmirror in the source tree.
do_build() {
    do_deps
    do_ovs
    cd "$top"
    if [ ! -x configure ] || [ configure.ac -nt configure ] \
       || [ m4/tmirror.m4 -nt configure ]; then
        say "autoreconf"
        autoreconf -fi > /dev/null
    fi
    if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
        say "configure"
        ./configure --with-ovs-source="$ovs_src" --enable-silent-rules \
            > config.out 2>&1 || { cat config.out; exit 1; }
    fi
    make -j"$jobs"
    say "built controller/tmirror-controller, utilities/tmirror-ctl and api/tmirror-api"
}

# Runs the unit tests and the OVS-style test suite, with the Debian package
# test (tests/packages.at) unless TMIRROR_PACKAGE_TEST=no, then prints the
# totals.
do_check() {
    do_build
    cd "$top"
    status=0
    rm -f tests/debian-packages.out
    TMIRROR_PACKAGE_TEST=${TMIRROR_PACKAGE_TEST:-yes} \
        make -j"$jobs" check TESTSUITEFLAGS="${TESTSUITEFLAGS:--j$jobs}" \
        || status=$?
    if [ -f tests/debian-packages.out ]; then
        cat tests/debian-packages.out
    fi
    sh tests/summarize.sh || status=$?
    exit $status
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
    deps) do_deps ;;
    build) do_build ;;
    check) do_check ;;
    sandbox) do_build; exec "$top/utilities/tmirror-sandbox.sh" "$@" ;;
    *)
        echo "usage: $0 deps|build|check|sandbox [--hosts N] [--batch]" >&2
        exit 2
        ;;
esac
