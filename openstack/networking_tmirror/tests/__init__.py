# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""Unit tests of networking_tmirror (pytest), run by tests/openstack-unit.sh
in "make check"."""
