# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""networking_tmirror: a Neutron Tap-as-a-Service driver for tmirror.

TmirrorTaasDriver (taas_driver.py) turns tap services, tap flows and tap
mirrors into rows of tmirror's Traffic_Mirror database; tmirror-controller
on every hypervisor does the mirroring.
"""
