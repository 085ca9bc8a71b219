#!/bin/sh
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# Fails if jansson and libopenvswitch could still meet (README, Decisions,
# "jansson and libopenvswitch"):
#
#   check-json-clash.sh archives ARCHIVE...
#       an ARCHIVE defines a global symbol that jansson exports;
#   check-json-clash.sh programs PROGRAM...
#       a PROGRAM defines (and so may export to jansson) a symbol that jansson
#       exports;
#   check-json-clash.sh includes SOURCE...
#       a C SOURCE includes both <jansson.h> and OVS's openvswitch/json.h,
#       directly or through other headers.
#
# Settings come from the environment: JANSSON_SO (jansson's shared library),
# NM (GNU nm), and for "includes" CPP (a C preprocessor command) and
# CHECK_CPPFLAGS (the include path of the build, without ovs/include, whose
# wrappers would stop the preprocessor before it could say where the headers
# come from).  A relative SOURCE is looked up in the current directory, then
# under $builddir and $srcdir.  The build writes these settings into
# ovs/json-clash.conf.

LC_ALL=C
export LC_ALL
: "${NM:=nm}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/json-clash.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

die () {
    echo "check-json-clash: $*" >&2
    exit 2
}

# jansson_exports: writes the sorted names jansson exports to $tmp/jansson.
jansson_exports () {
    [ -n "$JANSSON_SO" ] || die "JANSSON_SO is not set"
    $NM -D --defined-only "$JANSSON_SO" > "$tmp/nm" \
        || die "$NM -D $JANSSON_SO failed"
    awk 'NF >= 2 { sub(/@.*/, "", $NF); print $NF }' "$tmp/nm" \
        | sort -u > "$tmp/jansson"
    [ -s "$tmp/jansson" ] || die "$JANSSON_SO exports nothing"
}

# clashes FILE NM-ARGS...: prints the sorted names that FILE defines (as
# listed by "$NM NM-ARGS FILE") and jansson exports.
clashes () {
    file=$1
    shift
    $NM "$@" "$file" > "$tmp/nm" 2> "$tmp/nm.err"
    status=$?
    # A stripped program has no symbol table: "no symbols" is not an error.
    if [ $status -ne 0 ] && ! grep -q 'no symbols' "$tmp/nm.err"; then
        cat "$tmp/nm.err" >&2
        die "$NM $* $file failed"
    fi
    awk 'NF >= 2 && $(NF-1) ~ /^[A-Za-z]$/ { sub(/@.*/, "", $NF);
                                             print $NF }' "$tmp/nm" \
        | sort -u | comm -12 - "$tmp/jansson"
}

# check_archives ARCHIVE...
check_archives () {
    jansson_exports
    failed=0
    for a; do
        names=$(clashes "$a" -g --defined-only)
        if [ -n "$names" ]; then
            echo "check-json-clash: $a defines" $names "which $JANSSON_SO" \
                 "also exports" >&2
            failed=1
        fi
    done
    return $failed
}

# check_programs PROGRAM...
check_programs () {
    jansson_exports
    failed=0
    for p; do
        [ -f "$p" ] || die "$p: no such program"
        names=$( (clashes "$p" -g --defined-only;
                  clashes "$p" -D --defined-only) | sort -u)
        if [ -n "$names" ]; then
            echo "check-json-clash: $p defines" $names "which" \
                 "$JANSSON_SO also exports: jansson's callers could reach" \
                 "the program's function instead" >&2
            failed=1
        fi
    done
    return $failed
}

# check_includes SOURCE...
check_includes () {
    [ -n "$CPP" ] || die "CPP is not set"
    failed=0
    for src; do
        case $src in
            *.c) ;;
            *) continue ;;
        esac
        file=
        case $src in
            /*) [ -f "$src" ] && file=$src ;;
        esac
        for dir in . "$builddir" "$srcdir"; do
            [ -z "$file" ] || break
            if [ -n "$dir" ] && [ -f "$dir/$src" ]; then
                file=$dir/$src
                break
            fi
        done
        [ -n "$file" ] || die "$src: no such file"
        # -H prints every header as it is opened, one '.' per level.
        if ! $CPP $CHECK_CPPFLAGS -H "$file" > /dev/null 2> "$tmp/tree"; then
            cat "$tmp/tree" >&2
            die "$file: the preprocessor failed"
        fi
        awk -v src="$src" '
            /^\.+ / {
                depth = length($1)
                chain[depth] = $2
                path = ""
                for (i = 1; i <= depth; i++) {
                    path = path " -> " chain[i]
                }
                if ($2 ~ /\/jansson\.h$/ && !jansson) {
                    jansson = path
                }
                if ($2 ~ /\/openvswitch\/json\.h$/ && !ovs) {
                    ovs = path
                }
            }
            END {
                if (jansson && ovs) {
                    printf "check-json-clash: %s includes both jansson.h " \
                           "and OVS'"'"'s openvswitch/json.h:\n" \
                           "    %s%s\n    %s%s\n", src, src, jansson, \
                           src, ovs
                    exit 1
                }
            }' "$tmp/tree" >&2 || failed=1
    done
    return $failed
}

mode=$1
[ $# -gt 0 ] && shift
case $mode in
    archives) check_archives "$@" ;;
    programs) check_programs "$@" ;;
    includes) check_includes "$@" ;;
    *)
        echo "usage: $0 archives ARCHIVE... | programs PROGRAM... |" \
             "includes SOURCE..." >&2
        exit 2
        ;;
esac
