# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# Shell functions that the sandbox demos (tmirror-sandbox.sh and
# tmirror-sandbox-hosts.sh) share; sourced, not run.

# sandbox_check_dir DIR: refuses (exit 2) a DIR that is not empty and not a
# sandbox of an earlier run.
sandbox_check_dir() {
    if [ -d "$1" ] && [ -n "$(ls -A "$1")" ] \
       && [ ! -f "$1/.tmirror-sandbox" ]; then
        echo "$0: $1 is not empty and is not a sandbox: not touching it" >&2
        exit 2
    fi
}

# sandbox_stop_daemons DIR: stops the daemons of an earlier or this run in
# DIR, by their pidfiles (in DIR and in its subdirectories, one per host).
sandbox_stop_daemons() {
    [ -d "$1" ] || return 0
    for pidfile in "$1"/*.pid "$1"/*/*.pid; do
        if [ -f "$pidfile" ]; then
            kill "$(cat "$pidfile")" 2>/dev/null || true
        fi
    done
    sleep 0.5
}

# Prints a step of the demo.
step() {
    printf '\n\033[1m== %s\033[0m\n' "$*"
}

# Prints argument $1 as a shell would need it typed: as it is when it holds
# only ordinary characters, else in single quotes (for KEY=VALUE, only the
# VALUE), so that every command the demo prints can be pasted.
quote() {
    case $1 in
        '' | *[!A-Za-z0-9_./:,=@%+-]*) ;;
        *) printf '%s' "$1"; return ;;
    esac
    arg=$1
    case $arg in
        [A-Za-z]*=*)
            key=${arg%%=*}
            case $key in
                *[!A-Za-z0-9_-]*) ;;
                *) printf '%s=' "$key"; arg=${arg#*=} ;;
            esac
            ;;
    esac
    printf "'%s'" "$(printf '%s' "$arg" | sed "s/'/'\\\\''/g")"
}

# Prints a command as it would be typed, after PROMPT ("$" or "hv2$").
show_command() {
    prompt=$1
    shift
    printf '%s' "$prompt"
    for arg; do
        printf ' '
        quote "$arg"
    done
    printf '\n'
}

# Runs a command after echoing it, so the demo reads like a tutorial.
run() {
    show_command '$' "$@"
    "$@"
}

# demo_frames: sets the demo's frames, in netdev-dummy/receive's flow
# syntax, between vm1 (10.0.0.1) and vm2 (10.0.0.2): $http (vm1 to vm2's
# port 80), $reply (its answer) and $ssh (vm1 to vm2's port 22), exported
# for the shell at the end.
demo_frames() {
    m1=50:54:00:00:00:01 m2=50:54:00:00:00:02
    ip4="eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no)"
    ip4r="eth_type(0x0800),ipv4(src=10.0.0.2,dst=10.0.0.1,proto=6,tos=0,ttl=64,frag=no)"
    http="eth(src=$m1,dst=$m2),$ip4,tcp(src=40000,dst=80)"
    reply="eth(src=$m2,dst=$m1),$ip4r,tcp(src=80,dst=40000)"
    ssh="eth(src=$m1,dst=$m2),$ip4,tcp(src=40001,dst=22)"
    export http reply ssh
}
