#!/bin/sh
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# Runs networking_tmirror's Python unit tests (openstack/networking_tmirror/
# tests) with Debian's python3 and pytest, for "make check".  pytest's last
# line ("N passed, N failed, ...") in tests/openstack-unit.sh.log is what
# tests/summarize.sh adds to the totals.  The database tests start their
# own ovsdb-server in /tmp.

top=$(cd "${srcdir:-.}" && pwd)
PATH=$PATH:/usr/sbin:/sbin
PYTHONDONTWRITEBYTECODE=yes
export PATH PYTHONDONTWRITEBYTECODE
cd "$top/openstack" || exit 1
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider \
    -W ignore::DeprecationWarning networking_tmirror/tests
