# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""The errors the driver gives Neutron, which the API and the openstack CLI
show to the user (with HTTP 503, 409 or 400)."""

from neutron_lib import exceptions as n_exc


class TrafficMirrorUnavailable(n_exc.ServiceUnavailable):
    """The Traffic_Mirror database did not answer."""
    message = '%(reason)s; the request was not carried out'


class TrafficMirrorRefused(n_exc.Conflict):
    """The Traffic_Mirror database's contents do not allow the change."""
    message = '%(reason)s'


class PortNotBound(n_exc.Conflict):
    """A port that tmirror cannot find on a hypervisor."""
    message = ('%(role)s %(port_id)s is bound to no host (binding:host_id is '
               'empty): tmirror mirrors ports that a hypervisor has plugged')
