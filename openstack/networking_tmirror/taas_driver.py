# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""TmirrorTaasDriver: the Tap-as-a-Service service driver for tmirror.

neutron.conf:

    [service_providers]
    service_provider = TAAS:tmirror:networking_tmirror.taas_driver.TmirrorTaasDriver:default

    [tmirror]
    ovsdb_connection = tcp:192.0.2.1:6650

The TaaS plugin calls the driver inside its own database transaction:
*_precommit, then *_postcommit; an exception from either rolls the Neutron
change back, and the API call fails with the exception's message.  The
driver checks what it can first (the ports exist and are bound to a host,
the resource maps onto this Traffic_Mirror schema), then writes the
Traffic_Mirror rows in one transaction of their own.  Nothing is written
when the Traffic_Mirror database is unreachable.  When the Neutron
transaction fails after the Traffic_Mirror one committed, or neutron-server
dies in between, the periodic sync (sync.py) repairs the difference.

Deletes: the plugin deletes a resource that is not ACTIVE itself, then
calls delete_*_postcommit; for an ACTIVE one it only marks it
PENDING_DELETE and calls delete_*_precommit, and the driver deletes the
Neutron row.  Both paths delete the Traffic_Mirror rows first.
"""

import os

from neutron_lib.callbacks import events
from neutron_lib.callbacks import registry
from neutron_lib.callbacks import resources
from oslo_log import log as logging
from oslo_service import loopingcall

from neutron_taas.db import taas_db
from neutron_taas.services.taas import service_drivers

from networking_tmirror import config
from networking_tmirror import exceptions as tm_exc
from networking_tmirror import sync
from networking_tmirror import tm_db
from networking_tmirror import writer as tm_writer

LOG = logging.getLogger(__name__)


class TmirrorTaasDriver(service_drivers.TaasBaseDriver):
    """Maps TaaS onto the Traffic_Mirror database (see the module's
    comment).  Owns this process's Traffic_Mirror connection, the writer
    and the periodic sync of the plugin's resources."""

    def __init__(self, service_plugin):
        super().__init__(service_plugin)
        try:
            self._settings = config.load()
        except config.ConfigError as e:
            LOG.error('tmirror: %s', e)
            raise
        self._db = tm_db.TrafficMirrorDb(self._settings)
        self._writer = tm_writer.TaasWriter(self._db)
        grace = 2 * self._settings.timeout
        self._sync = sync.Synchronizer(service_plugin, self._writer, grace)
        self._loop = None
        self._loop_pid = None
        registry.subscribe(self._after_spawn, resources.PROCESS,
                           events.AFTER_SPAWN)
        LOG.info('tmirror: TaaS driver for %s loaded (Traffic_Mirror '
                 'database %s, sync every %d s)',
                 type(service_plugin).__name__, self._db.where,
                 self._settings.sync_interval)

    # The periodic sync runs in the process that spawned the workers of
    # neutron-server (or of neutron-rpc-server, next to an API under
    # uWSGI), once they are forked: an IDL must not cross a fork, and one
    # sync per server is enough.  API workers connect on their first call.

    def _after_spawn(self, resource, event, trigger, payload=None):
        """Starts the periodic sync after the workers are forked."""
        self._start_sync()

    def _start_sync(self):
        """Starts the periodic sync in this process, once."""
        if self._settings.sync_interval <= 0 or self._loop_pid == os.getpid():
            return
        self._loop_pid = os.getpid()
        self._loop = loopingcall.FixedIntervalLoopingCall(
            self._sync.run_once)
        self._loop.start(interval=self._settings.sync_interval,
                         initial_delay=self._settings.sync_interval,
                         stop_on_exception=False)

    def _bound_port(self, context, port_id, role):
        """The Neutron port 'port_id' (PortNotFound if there is none), or
        PortNotBound when no host has it."""
        port = self.service_plugin.get_port_details(
            context._plugin_context, port_id)
        if not port.get('binding:host_id'):
            raise tm_exc.PortNotBound(role=role, port_id=port_id)
        return port

    # Tap services.

    def create_tap_service_precommit(self, context):
        """Refuses an appliance port that is on no host."""
        ts = context.tap_service
        self._bound_port(context, ts['port_id'], 'Tap service port')

    def create_tap_service_postcommit(self, context):
        """Writes the tap service's Target."""
        ts = context.tap_service
        with self._writer.busy(('service', ts['id'])):
            self._writer.ensure_service(ts)

    def delete_tap_service_precommit(self, context):
        """An ACTIVE tap service: deletes its rows, then the Neutron row."""
        ts = context.tap_service
        with self._writer.busy(('service', ts['id'])):
            self._writer.delete_service(ts['id'])
            taas_db.Taas_db_Mixin.delete_tap_service(
                self.service_plugin, context._plugin_context, ts['id'])

    def delete_tap_service_postcommit(self, context):
        """A tap service Neutron has deleted: deletes its rows."""
        ts = context.tap_service
        with self._writer.busy(('service', ts['id'])):
            self._writer.delete_service(ts['id'])

    # Tap flows.

    def create_tap_flow_precommit(self, context):
        """Refuses a source port that does not exist or is on no host, and
        a tap flow this Traffic_Mirror schema cannot express."""
        tf = context.tap_flow
        self._bound_port(context, tf['source_port'], 'Tap flow source port')
        self._writer.flow_spec(tf)

    def create_tap_flow_postcommit(self, context):
        """Writes the tap flow's Session and Filter."""
        tf = context.tap_flow
        with self._writer.busy(('flow', tf['id'])):
            self._writer.ensure_flow(tf)

    def delete_tap_flow_precommit(self, context):
        """An ACTIVE tap flow: deletes its rows, then the Neutron row."""
        tf = context.tap_flow
        with self._writer.busy(('flow', tf['id'])):
            self._writer.delete_flow(tf['id'])
            taas_db.Taas_db_Mixin.delete_tap_flow(
                self.service_plugin, context._plugin_context, tf['id'])

    def delete_tap_flow_postcommit(self, context):
        """A tap flow Neutron has deleted: deletes its rows."""
        tf = context.tap_flow
        with self._writer.busy(('flow', tf['id'])):
            self._writer.delete_flow(tf['id'])

    # Tap mirrors (TaaS 15 and later, whose plugin ignores exceptions from
    # create_tap_mirror_postcommit: everything happens in precommit).

    def create_tap_mirror_precommit(self, context):
        """Refuses a port on no host or a mirror this schema cannot express;
        writes the mirror's Target and Sessions."""
        tm = context.tap_mirror
        self._bound_port(context, tm['port_id'], 'Tap mirror port')
        with self._writer.busy(('mirror', tm['id'])):
            self._writer.ensure_mirror(tm)

    def create_tap_mirror_postcommit(self, context):
        """Nothing: precommit did it."""

    def delete_tap_mirror_precommit(self, context):
        """Deletes the tap mirror's rows."""
        tm = context.tap_mirror
        with self._writer.busy(('mirror', tm['id'])):
            self._writer.delete_mirror(tm['id'])

    def delete_tap_mirror_postcommit(self, context):
        """Nothing: precommit did it."""
