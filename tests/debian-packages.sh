#!/bin/sh
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# tests/debian-packages.sh WORKDIR
#
# Builds the Debian packages (dpkg-buildpackage -us -uc -b) from the files
# git tracks, makes a fresh Debian 12 root with debootstrap, installs the
# packages there with apt, together with Debian's openvswitch-switch, and
# checks that the installed programs work against the installed schema:
# the database service started by the installed tmirror-service with
# Debian's paths (inside the root), ovsdb-server and ovs-vswitchd (userspace
# datapath only) in their own run directory, the installed controller, a
# tmirror-ctl write, the controller's Chassis row and --wait=hv.  Then it
# purges the packages.  Prints how long each step took.
#
# Needs root, debootstrap, dpkg-dev, debhelper, the build dependencies in
# debian/control, and the Debian archive.  Everything is made under
# WORKDIR, except the downloaded .deb files, which are kept in
# $TMIRROR_PKG_CACHE (default: _pkgcache in the source tree) for the next
# run: debootstrap and apt check each of them against the archive's signed
# indexes, so the cache cannot change what is installed.  The root itself is
# never reused.

set -e

script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$1" != --run ]; then
    work=${1:?usage: $0 WORKDIR}
    mkdir -p "$work"
    work=$(cd "$work" && pwd)
    cache=${TMIRROR_PKG_CACHE:-$top/_pkgcache}
    jobs=${TMIRROR_PKG_JOBS:-$(nproc 2>/dev/null || echo 1)}
    root=$work/root
    export work cache jobs root
fi
suite=bookworm

say() {
    printf 'debian-packages: %s\n' "$*"
}

fail() {
    say "error: $*"
    exit 1
}

# step NAME FUNCTION: runs FUNCTION in a shell of its own (where set -e
# holds) with its output in WORKDIR/NAME.log, prints its duration, and on
# failure the end of the log.
step() {
    name=$1
    t0=$(date +%s)
    if ! sh -e "$script" --run "$2" > "$work/$name.log" 2>&1; then
        tail -30 "$work/$name.log"
        fail "$name failed (log: $work/$name.log)"
    fi
    t=$(($(date +%s) - t0))
    eval "time_$name=$t"
    say "$name: ${t} s"
}

# Stops what the checks started inside the root and unmounts its /proc;
# never removes anything outside WORKDIR.
cleanup() {
    if [ -d "$root/proc/self" ]; then
        for pidfile in "$root"/var/run/tmirror/tmirror-db.pid \
                       "$root"/tmp/tm-ovs/*.pid; do
            # A daemon that is exiting may still have its pidfile.
            [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || :
        done
        sleep 1
        umount "$root/proc" || umount -l "$root/proc"
    fi
}

# Copies the files that git tracks (with their working-tree contents) into
# WORKDIR/src/tmirror and builds the packages there.
build() {
    rm -rf "$work/src"
    mkdir -p "$work/src/tmirror"
    git -C "$top" ls-files -z | (cd "$top" && tar --null -T - -cf -) \
        | tar -x -C "$work/src/tmirror"
    cd "$work/src/tmirror"
    dpkg-checkbuilddeps
    DEB_BUILD_OPTIONS="parallel=$jobs" dpkg-buildpackage -us -uc -b
}

# A minimal Debian 12 root, its services kept from starting (policy-rc.d),
# with /proc and the host's resolver.
bootstrap() {
    rm -rf "$root"
    mkdir -p "$cache/debootstrap"
    debootstrap --variant=minbase --cache-dir="$cache/debootstrap" \
        $suite "$root"
    printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
    chmod +x "$root/usr/sbin/policy-rc.d"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    mount -t proc proc "$root/proc"
}

# apt inside the root: openvswitch-switch from Debian and the packages.
install_packages() {
    mkdir -p "$cache/apt" "$root/tmp/debs"
    cp "$work"/src/tmirror-common_*.deb "$work"/src/tmirror-host_*.deb \
       "$work"/src/tmirror-central_*.deb "$work"/src/tmirror-api_*.deb \
       "$root/tmp/debs/"
    find "$cache/apt" -name '*.deb' -exec cp {} "$root/var/cache/apt/archives/" \;
    chroot "$root" apt-get update -q
    chroot "$root" env DEBIAN_FRONTEND=noninteractive sh -c \
        'apt-get install -y -q --no-install-recommends openvswitch-switch \
             /tmp/debs/*.deb'
    cp "$root"/var/cache/apt/archives/*.deb "$cache/apt/" 2>/dev/null || :
    chroot "$root" dpkg-query -W tmirror-common tmirror-host tmirror-central \
        tmirror-api
}

# The checks, run inside the root.
check_installed() {
    cat > "$root/tmp/check.sh" <<'EOF'
set -ex
svc=/usr/share/tmirror/scripts/tmirror-service
schema=/usr/share/tmirror/tmirror.ovsschema

# The installed units name the installed script.
grep -q "^ExecStart=$svc start_db" /lib/systemd/system/tmirror-db.service
grep -q "^ExecStart=$svc start_controller" \
    /lib/systemd/system/tmirror-controller.service
grep -q '^Requires=openvswitch-switch.service' \
    /lib/systemd/system/tmirror-controller.service

# The database service, with Debian's paths (those of this root).
$svc start_db
$svc status_db
test -S /var/run/tmirror/tmirror.sock
test -s /var/lib/tmirror/tmirror.db
test -s /var/log/tmirror/tmirror-db.log
test "$(ovsdb-client get-schema-version unix:/var/run/tmirror/tmirror.sock)" \
    = "$(ovsdb-tool schema-version $schema)"

# Open vSwitch in its own run directory, with the userspace datapath only.
R=/tmp/tm-ovs
mkdir -p $R
export OVS_RUNDIR=$R OVS_LOGDIR=$R OVS_DBDIR=$R
ovsdb-tool create $R/conf.db /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server $R/conf.db --remote=punix:$R/db.sock --pidfile --detach \
    --log-file -vconsole:off
ovs-vsctl --no-wait init
ovs-vsctl --no-wait set open . external_ids:system-id=pkg-hv1 \
    external_ids:tmirror-remote=unix:/var/run/tmirror/tmirror.sock
ovs-vswitchd --enable-dummy=override --disable-system \
    --disable-system-route --pidfile --detach --log-file -vconsole:off
$svc --ovs-rundir=$R --ovs-logdir=$R start_controller
$svc --ovs-rundir=$R status_controller
# The session's source on this hypervisor, so that it concerns this chassis
# (a chassis reports only the sessions that concern it).
ovs-vsctl add-br br-int -- add-port br-int vm1 \
    -- set interface vm1 type=dummy external_ids:iface-id=vm1
unset OVS_RUNDIR OVS_LOGDIR OVS_DBDIR

# tmirror-ctl's default database is the service's socket.
tmirror-ctl --timeout=30 filter-add web \
    -- rule-add web ingress 10 accept protocol=tcp \
    -- target-add ids ip 192.0.2.10 \
    -- session-add s1 vm1 ids web 10
i=0
until tmirror-ctl --bare --columns=name list chassis | grep -qx pkg-hv1; do
    i=$((i + 1))
    test $i -lt 300
    sleep 0.1
done
tmirror-ctl --timeout=30 --wait=hv sync
tmirror-ctl session-show s1
# The collector has no route here: the session is an error that says so.
test "$(tmirror-ctl --bare --columns=state find session_status \
        chassis_name=pkg-hv1)" = error
test "$(tmirror-ctl --bare --columns=message find session_status \
        chassis_name=pkg-hv1)" = "target ids: no route to 192.0.2.10"
OVS_RUNDIR=$R ovs-appctl -t tmirror-controller tmirror/show

# The installed HTTP API serves the installed database.
tmirror-api --detach --pidfile=/tmp/tm-api.pid --log-file=/tmp/tm-api.log \
    --unixctl=/tmp/tm-api.ctl --listen=127.0.0.1:18780 \
    unix:/var/run/tmirror/tmirror.sock
ovs-appctl -t /tmp/tm-api.ctl version | grep -q '^tmirror-api'
ovs-appctl -t /tmp/tm-api.ctl exit

$svc --ovs-rundir=$R stop_controller
$svc stop_db
for d in ovs-vswitchd ovsdb-server; do
    kill $(cat $R/$d.pid)
done
EOF
    chroot "$root" sh /tmp/check.sh
}

# Purging the packages leaves nothing of them behind, the database and logs
# included.
purge() {
    chroot "$root" env DEBIAN_FRONTEND=noninteractive \
        apt-get purge -y -q tmirror-api tmirror-host tmirror-central \
            tmirror-common
    if chroot "$root" dpkg-query -W -f='${Status}\n' tmirror-common \
            tmirror-host tmirror-central tmirror-api 2>/dev/null \
            | grep -q 'install ok installed'; then
        exit 1
    fi
    for f in /usr/bin/tmirror-ctl /usr/bin/tmirror-controller \
             /usr/bin/tmirror-api \
             /usr/share/tmirror /lib/systemd/system/tmirror-db.service \
             /lib/systemd/system/tmirror-controller.service \
             /etc/default/tmirror-central /etc/default/tmirror-host \
             /var/lib/tmirror /var/log/tmirror /var/run/tmirror; do
        test ! -e "$root$f"
    done
}

if [ "$1" = --run ]; then
    set -x
    "$2"
    exit 0
fi

[ "$(id -u)" = 0 ] || fail "must run as root (debootstrap, chroot)"
for tool in debootstrap dpkg-buildpackage dh git; do
    command -v $tool > /dev/null || fail "$tool not found"
done
trap cleanup EXIT

t_start=$(date +%s)
step build build
step debootstrap bootstrap
step install install_packages
step check check_installed
step purge purge
cleanup
trap - EXIT
rm -rf "$root"
say "ok: build ${time_build} s, debootstrap ${time_debootstrap} s," \
    "install ${time_install} s, checks ${time_check} s," \
    "purge ${time_purge} s, total $(($(date +%s) - t_start)) s"
