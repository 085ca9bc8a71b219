# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""The periodic pass that keeps Neutron and Traffic_Mirror together.

Neutron's database is the truth.  Each pass of Synchronizer, in one
neutron-server process:

1. repairs: a TaaS resource whose Traffic_Mirror rows are missing or differ
   from the mapping gets them rewritten (after a crash between the Neutron
   and the Traffic_Mirror transaction of a create or delete, or after a
   change made by hand);
2. deletes orphans: rows tagged with a Neutron resource that Neutron does
   not have (a create whose Neutron transaction rolled back after the
   Traffic_Mirror one committed);
3. copies status: a tap flow's status follows its Session_Status rows, a
   tap service's the Binding of its appliance port (status.py).

A discrepancy is acted on only when it has lasted 'grace' seconds, so that
the pass never races a driver call of another process whose Neutron
transaction has not committed yet; calls of this process are skipped
outright (TaasWriter.busy).
"""

import logging as py_logging
import time

from neutron_lib import context as n_context
from neutron_lib.db import api as db_api
from oslo_log import log as logging

from networking_tmirror import commands
from networking_tmirror import mapping
from networking_tmirror import status as tm_status

LOG = logging.getLogger(__name__)


class Snapshot(object):
    """What the sync needs from the IDL, read in one go under its lock:
    the keys of the driver's rows, its sessions by Neutron id, and the
    status rows."""

    def __init__(self, tables):
        self.sessions = {}
        self.orphan_keys = set()
        self.reports = {}
        self.bindings = {}
        for row in tables['Target'].rows.values():
            self._add(None, row)
        for row in tables['Session'].rows.values():
            self._add(self.sessions, row)
        for row in tables['Filter'].rows.values():
            self._add(None, row)
        for row in tables['Session_Status'].rows.values():
            session = row.session[0] if row.session else None
            if session is not None:
                self.reports.setdefault(session.uuid, []).append(
                    (row.chassis_name, row.state, row.message))
        for row in tables['Binding'].rows.values():
            self.bindings.setdefault(row.port, set()).add(row.chassis_name)

    def _add(self, index, row):
        """Notes the (kind, Neutron id) key of a row the driver made, and
        indexes the row under it in 'index' (unless None)."""
        ext = row.external_ids
        for kind, tag in (('flow', mapping.TAG_FLOW),
                          ('mirror', mapping.TAG_MIRROR),
                          ('service', mapping.TAG_SERVICE)):
            if tag in ext:
                key = (kind, ext[tag])
                if index is not None:
                    index.setdefault(key, []).append(row)
                self.orphan_keys.add(key)
                return


class Differences(object):
    """Which resources' rows are missing or differ from their mapping, read
    in one pass over the IDL (under its lock)."""

    def __init__(self, tables, specs):
        self._targets = commands.TagIndex(tables['Target'].rows.values())
        self._sessions = commands.TagIndex(tables['Session'].rows.values())
        self.keys = {key for key, (target, sessions) in specs.items()
                     if self._differs(target, sessions)}

    def _differs(self, target, sessions):
        """Whether a resource's target or sessions differ (a tap mirror's
        sessions are all its own: one too many differs too)."""
        if target is not None and self._target_differs(target):
            return True
        if target is not None and sessions:
            if len(self._sessions.find(target.match)) != len(sessions):
                return True
        return any(self._session_differs(s) for s in sessions)

    def _target_differs(self, spec):
        rows = self._targets.find(spec.match)
        return not rows or commands.columns_differ(rows[0], spec.columns)

    def _session_differs(self, spec):
        rows = self._sessions.find(spec.match)
        if not rows:
            return True
        row = rows[0]
        targets = self._targets.find(spec.target_match)
        if not targets or getattr(row.target, 'uuid', None) != \
                targets[0].uuid:
            return True
        vni = commands.optional(row.vni)
        if row.source != spec.source or vni is None or \
                (spec.vni is not None and vni != spec.vni):
            return True
        if commands.columns_differ(row, spec.session):
            return True
        filt = row.filter
        if filt is None or commands.columns_differ(filt, spec.filter):
            return True
        have = sorted(commands.rule_key(r) for r in filt.rules)
        return have != sorted(commands.rule_key(r) for r in spec.rules)


def _mapped(kind, res, fan_out):
    """(TargetSpec or None, [SessionSpec]) of a resource; raises
    mapping.InvalidResource."""
    if kind == 'service':
        return mapping.tap_service_target(res), []
    if kind == 'flow':
        return None, [mapping.tap_flow_session(res, fan_out)]
    return mapping.tap_mirror_rows(res, fan_out)


class Synchronizer(object):
    """One process's periodic sync of one TaaS plugin's resources."""

    def __init__(self, plugin, writer, grace):
        self._plugin = plugin
        self._writer = writer
        self._grace = grace
        self._first_seen = {}
        self._reasons = {}

    def _lasted(self, key, now, seen):
        """Whether the discrepancy 'key' has lasted the grace period; notes
        it in 'seen' either way."""
        seen.add(key)
        first = self._first_seen.setdefault(key, now)
        return now - first >= self._grace

    def run_once(self):
        """One pass; returns a summary dict (for logs and tests).  Never
        raises: a pass that fails is logged and the next one tries
        again."""
        summary = {'repaired': 0, 'deleted': 0, 'status': 0}
        try:
            self._writer.db.api()
        except Exception as e:  # noqa: the database may simply be down
            LOG.debug('tmirror sync: skipped: %s', e)
            return summary
        if not self._writer.db.is_connected():
            return summary
        try:
            self._run(summary)
        except Exception:
            LOG.exception('tmirror sync: pass failed')
        return summary

    def _run(self, summary):
        """The pass itself (see the module's comment)."""
        ctx = n_context.get_admin_context()
        known = {'service': {}, 'flow': {}, 'mirror': {}}
        if hasattr(self._plugin, 'get_tap_flows'):
            known['service'] = {s['id']: s for s in
                                self._plugin.get_tap_services(ctx)}
            known['flow'] = {f['id']: f for f in
                             self._plugin.get_tap_flows(ctx)}
        if hasattr(self._plugin, 'get_tap_mirrors'):
            known['mirror'] = {m['id']: m for m in
                               self._plugin.get_tap_mirrors(ctx)}
        now = time.monotonic()
        seen = set()
        failed = self._repair(known, now, seen, summary)
        self._delete_orphans(known, now, seen, summary)
        # Discrepancies that went away start again from zero.
        for key in list(self._first_seen):
            if key not in seen:
                del self._first_seen[key]
        if hasattr(self._plugin, 'get_tap_flows'):
            self._copy_status(ctx, known, failed, summary)

    def _repair(self, known, now, seen, summary):
        """Rewrites the rows of the resources whose rows are missing or
        differ, tap services before the flows that point at them.  Returns
        {key: reason} of the resources that cannot be written."""
        fan_out = self._writer.db.features.fan_out
        failed = {}
        specs = {}
        for kind in ('service', 'flow', 'mirror'):
            for rid, res in known[kind].items():
                key = (kind, rid)
                if res.get('status') == tm_status.PENDING_DELETE or \
                        self._writer.is_busy(key):
                    continue
                try:
                    specs[key] = _mapped(kind, res, fan_out)
                except mapping.InvalidResource as e:
                    failed[key] = str(e)
        differing = self._writer.db.read(
            lambda tables: Differences(tables, specs)).keys
        order = {'service': 0, 'flow': 1, 'mirror': 2}
        for key in sorted(differing, key=lambda k: (order[k[0]], k[1])):
            kind, rid = key
            if not self._lasted(('repair',) + key, now, seen):
                continue
            try:
                self._ensure(kind, known[kind][rid])
                summary['repaired'] += 1
                LOG.warning('tmirror sync: repaired the Traffic_Mirror rows '
                            'of tap %s %s', kind, rid)
            except Exception as e:  # noqa: reported as ERROR
                failed[key] = str(e)
                LOG.warning('tmirror sync: cannot repair tap %s %s: %s',
                            kind, rid, e)
        return failed

    def _delete_orphans(self, known, now, seen, summary):
        """Deletes the rows tagged with a resource of this plugin's kinds
        that Neutron does not have."""
        scope = {'service': hasattr(self._plugin, 'get_tap_flows'),
                 'mirror': hasattr(self._plugin, 'get_tap_mirrors')}
        scope['flow'] = scope['service']
        snap = self._writer.db.read(Snapshot)
        for kind, rid in sorted(snap.orphan_keys):
            key = (kind, rid)
            if not scope[kind] or rid in known[kind] or \
                    self._writer.is_busy(key):
                continue
            if self._lasted(('orphan',) + key, now, seen):
                self._delete(kind, rid)
                summary['deleted'] += 1
                LOG.warning('tmirror sync: deleted the Traffic_Mirror rows '
                            'of tap %s %s, which Neutron does not have',
                            kind, rid)

    def _copy_status(self, ctx, known, failed, summary):
        """Sets the status of tap services and flows from what the
        hypervisors report (status.py); a flow that cannot be written is
        ERROR."""
        snap = self._writer.db.read(Snapshot)
        for key in list(self._reasons):
            if key[1] not in known[key[0]]:
                del self._reasons[key]
        for res in known['service'].values():
            st, reason = tm_status.service_status(
                snap.bindings.get(res['port_id']))
            summary['status'] += self._set_status(ctx, 'service', res, st,
                                                  reason)
        for rid, res in known['flow'].items():
            key = ('flow', rid)
            if key in failed:
                st, reason = tm_status.ERROR, failed[key]
            else:
                st, reason = tm_status.sessions_status(
                    [(r.name, snap.reports.get(r.uuid, []))
                     for r in snap.sessions.get(key, [])])
            summary['status'] += self._set_status(ctx, 'flow', res, st,
                                                  reason)

    def _ensure(self, kind, res):
        """Rewrites the rows of a resource."""
        with self._writer.busy((kind, res['id'])):
            if kind == 'service':
                self._writer.ensure_service(res)
            elif kind == 'flow':
                self._writer.ensure_flow(res)
            else:
                self._writer.ensure_mirror(res)

    def _delete(self, kind, rid):
        """Deletes the rows of a resource Neutron does not have."""
        if kind == 'service':
            self._writer.delete_service(rid)
        elif kind == 'flow':
            self._writer.delete_flow(rid)
        else:
            self._writer.delete_mirror(rid)

    def _set_status(self, ctx, kind, res, new, reason):
        """Writes a resource's TaaS status when it changed, in a Neutron
        transaction that rereads it, so that a delete in progress
        (PENDING_DELETE) is never overwritten.  Returns 1 if written."""
        rid = res['id']
        key = (kind, rid)
        if reason != self._reasons.get(key) and new != tm_status.ACTIVE:
            LOG.log(py_logging.WARNING if new == tm_status.ERROR
                    else py_logging.INFO,
                    'tmirror: tap %s %s is %s: %s', kind, rid, new, reason)
        self._reasons[key] = reason
        if res.get('status') == new:
            return 0
        get = getattr(self._plugin, 'get_tap_%s' % kind)
        update = getattr(self._plugin, 'update_tap_%s' % kind)
        body = {'tap_%s' % kind: {'status': new}}
        try:
            with db_api.CONTEXT_WRITER.using(ctx):
                current = get(ctx, rid)
                if current['status'] in (new, tm_status.PENDING_DELETE):
                    return 0
                update(ctx, rid, body)
        except Exception as e:  # noqa: deleted meanwhile
            LOG.debug('tmirror sync: status of tap %s %s not set: %s',
                      kind, rid, e)
            return 0
        if new == tm_status.ACTIVE:
            LOG.info('tmirror: tap %s %s is ACTIVE', kind, rid)
        return 1
