#!/bin/sh
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# Usage: json-rename-map.sh JANSSON-LIBRARY ARCHIVE...
#
# Prints a map for "objcopy --redefine-syms": one line "NAME ovs_NAME" for
# every global symbol that one of the Open vSwitch ARCHIVEs defines and the
# shared library JANSSON-LIBRARY exports (today json_array, json_equal,
# json_integer, json_object, json_real and json_string, but the set is
# computed, not assumed).  Fails if a new name is already taken.  Runs $NM
# (default "nm"), which must be GNU nm.

set -e
LC_ALL=C
export LC_ALL

if [ $# -lt 2 ]; then
    echo "usage: $0 JANSSON-LIBRARY ARCHIVE..." >&2
    exit 2
fi
: "${NM:=nm}"
jansson=$1
shift

tmp=$(mktemp -d "${TMPDIR:-/tmp}/json-rename.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# exports LIBRARY: the names of the dynamic symbols LIBRARY defines.
exports () {
    $NM -D --defined-only "$1" > "$tmp/nm" \
        || { echo "$0: $NM -D $1 failed" >&2; exit 1; }
    awk 'NF >= 2 { sub(/@.*/, "", $NF); print $NF }' "$tmp/nm" | sort -u
}

# globals ARCHIVE...: the names of the global symbols the ARCHIVEs define.
globals () {
    $NM -g --defined-only "$@" > "$tmp/nm" \
        || { echo "$0: $NM -g $* failed" >&2; exit 1; }
    awk 'NF >= 2 && $(NF-1) ~ /^[A-Za-z]$/ { print $NF }' "$tmp/nm" \
        | sort -u
}

exports "$jansson" > "$tmp/jansson"
globals "$@" > "$tmp/ovs"
comm -12 "$tmp/jansson" "$tmp/ovs" > "$tmp/clash"

# The new names must be free in both.
sed 's/^/ovs_/' "$tmp/clash" > "$tmp/new"
sort -u "$tmp/jansson" "$tmp/ovs" | comm -12 - "$tmp/new" > "$tmp/taken"
if [ -s "$tmp/taken" ]; then
    echo "$0: cannot rename, these names are already defined:" \
         $(cat "$tmp/taken") >&2
    exit 1
fi

awk '{ print $1, "ovs_" $1 }' "$tmp/clash"
