# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""networking-tmirror: everything is in setup.cfg (plain setuptools)."""

import setuptools

setuptools.setup()
