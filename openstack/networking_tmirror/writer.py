# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""Writes TaaS resources into the Traffic_Mirror database.

TaasWriter is what the driver and the periodic sync share: for each TaaS
resource, one function that makes its rows exist as mapped and one that
deletes them, each a single Traffic_Mirror transaction, with every failure
turned into the Neutron error the API shows.  It also remembers which
resources a driver call of this process is changing right now, so that the
sync leaves them alone.
"""

import contextlib
import threading

from neutron_lib import exceptions as n_exc
from oslo_log import log as logging

from networking_tmirror import commands
from networking_tmirror import exceptions as tm_exc
from networking_tmirror import mapping
from networking_tmirror import tm_db

LOG = logging.getLogger(__name__)


class TaasWriter(object):
    """TaaS resources -> Traffic_Mirror rows, through one TrafficMirrorDb."""

    def __init__(self, db):
        self.db = db
        self._busy = {}
        self._busy_lock = threading.Lock()

    @contextlib.contextmanager
    def busy(self, key):
        """Marks 'key' (for example ('flow', id)) as being changed by a
        driver call for the duration of the block."""
        with self._busy_lock:
            self._busy[key] = self._busy.get(key, 0) + 1
        try:
            yield
        finally:
            with self._busy_lock:
                self._busy[key] -= 1
                if not self._busy[key]:
                    del self._busy[key]

    def is_busy(self, key):
        """Whether a driver call of this process is changing 'key'."""
        with self._busy_lock:
            return key in self._busy

    def fan_out(self):
        """The schema switch (see tm_db.Features); connects if needed."""
        try:
            self.db.api()
        except tm_db.Unavailable as e:
            raise tm_exc.TrafficMirrorUnavailable(reason=str(e))
        return self.db.features.fan_out

    def _run(self, make_commands, what):
        """Runs one transaction, with Neutron errors for every failure."""
        try:
            return self.db.transact(make_commands, what)
        except tm_db.Unavailable as e:
            LOG.warning('tmirror: %s', e)
            raise tm_exc.TrafficMirrorUnavailable(reason=str(e))
        except tm_db.CommitFailed as e:
            LOG.warning('tmirror: %s', e)
            raise tm_exc.TrafficMirrorRefused(reason=str(e))
        except commands.Refused as e:
            LOG.info('tmirror: %s refused: %s', what, e)
            raise tm_exc.TrafficMirrorRefused(reason=str(e))

    @staticmethod
    def _mapped(func, *args):
        """Calls a mapping function; its refusal becomes a BadRequest."""
        try:
            return func(*args)
        except mapping.InvalidResource as e:
            raise n_exc.BadRequest(resource=e.resource, msg=str(e))

    # Tap services.

    def ensure_service(self, tap_service):
        """Makes the tap service's Target exist as mapped."""
        spec = mapping.tap_service_target(tap_service)
        self._run(lambda api: [commands.EnsureTarget(api, spec)],
                  'tap service %s' % tap_service['id'])

    def delete_service(self, ts_id):
        """Deletes the tap service's Target and the sessions the driver
        made for it."""
        self._run(lambda api: [commands.DeleteTarget(
            api, {mapping.TAG_SERVICE: ts_id})],
            'delete of tap service %s' % ts_id)

    # Tap flows.

    def flow_spec(self, tap_flow):
        """The mapping of a tap flow for this database, or BadRequest."""
        return self._mapped(mapping.tap_flow_session, tap_flow,
                            self.fan_out())

    def ensure_flow(self, tap_flow):
        """Makes the tap flow's Session and Filter exist as mapped."""
        spec = self.flow_spec(tap_flow)
        fan_out = self.db.features.fan_out
        self._run(lambda api: [commands.EnsureSessions(api, [spec],
                                                       fan_out)],
                  'tap flow %s' % tap_flow['id'])

    def delete_flow(self, tf_id):
        """Deletes the tap flow's Session and Filter."""
        self._run(lambda api: [commands.DeleteSessions(
            api, {mapping.TAG_FLOW: tf_id})],
            'delete of tap flow %s' % tf_id)

    # Tap mirrors (TaaS 15 and later).

    def mirror_rows(self, tap_mirror):
        """The mapping of a tap mirror for this database, or BadRequest."""
        return self._mapped(mapping.tap_mirror_rows, tap_mirror,
                            self.fan_out())

    def ensure_mirror(self, tap_mirror):
        """Makes the tap mirror's Target and Sessions exist as mapped, in
        one transaction."""
        target, sessions = self.mirror_rows(tap_mirror)
        fan_out = self.db.features.fan_out
        tm_id = tap_mirror['id']
        match = {mapping.TAG_MIRROR: tm_id}
        wanted = {s.match[mapping.TAG_DIRECTION] for s in sessions}

        def make(api):
            cmds = [commands.EnsureTarget(api, target)]
            # Directions the mirror no longer has (repair after an update
            # written by hand) go first, so their numbers and VNIs are free.
            for direction in sorted(set(mapping.DIRECTIONS) - wanted):
                cmds.append(commands.DeleteSessions(
                    api, dict(match, **{mapping.TAG_DIRECTION: direction})))
            cmds.append(commands.EnsureSessions(api, sessions, fan_out))
            return cmds

        self._run(make, 'tap mirror %s' % tm_id)

    def delete_mirror(self, tm_id):
        """Deletes the tap mirror's Sessions, Filters and Target."""
        match = {mapping.TAG_MIRROR: tm_id}
        self._run(lambda api: [commands.DeleteSessions(api, match),
                               commands.DeleteTarget(api, match)],
                  'delete of tap mirror %s' % tm_id)
