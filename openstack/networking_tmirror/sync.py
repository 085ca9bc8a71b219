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
    the driver's rows by Neutron id, and the status rows."""

    def __init__(self, tables):
        self.targets = {}
        self.sessions = {}
        self.orphan_keys = set()
        self.reports = {}
        self.bindings = {}
        for row in tables['Target'].rows.values():
            self._add(self.targets, row)
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


def _target_differs(tables, spec):
    """Whether the Target of 'spec' is missing or differs from it."""
    rows = commands.tagged(tables['Target'].rows.values(), spec.match)
    return not rows or commands.columns_differ(rows[0], spec.columns)


def _session_differs(tables, spec, fan_out):
    """Whether the Session of 'spec', its target, filter or rules are
    missing or differ from it."""
    rows = commands.tagged(tables['Session'].rows.values(), spec.match)
    if not rows:
        return True
    row = rows[0]
    targets = commands.tagged(tables['Target'].rows.values(),
                              spec.target_match)
    if not targets or row.target is None or row.target.uuid != \
            targets[0].uuid:
        return True
    if row.source != spec.source or commands.optional(row.vni) is None:
        return True
    if spec.vni is not None and commands.optional(row.vni) != spec.vni:
        return True
    if commands.columns_differ(row, spec.session):
        return True
    filt = row.filter
    if filt is None or commands.columns_differ(filt, spec.filter):
        return True
    have = sorted(commands.rule_key(r) for r in filt.rules)
    return have != sorted(commands.rule_key(r) for r in spec.rules)


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
        fan_out = self._writer.db.features.fan_out
        has_flows = hasattr(self._plugin, 'get_tap_flows')
        has_mirrors = hasattr(self._plugin, 'get_tap_mirrors')
        services = flows = mirrors = {}
        if has_flows:
            services = {s['id']: s for s in
                        self._plugin.get_tap_services(ctx)}
            flows = {f['id']: f for f in self._plugin.get_tap_flows(ctx)}
        if has_mirrors:
            mirrors = {m['id']: m for m in
                       self._plugin.get_tap_mirrors(ctx)}
        now = time.monotonic()
        seen = set()

        # 1. Repairs, tap services before the flows that point at them.
        failed = {}
        for kind, resources in (('service', services), ('flow', flows),
                                ('mirror', mirrors)):
            for rid, res in sorted(resources.items()):
                key = (kind, rid)
                if res.get('status') == tm_status.PENDING_DELETE or \
                        self._writer.is_busy(key):
                    continue
                try:
                    differs = self._differs(kind, res, fan_out)
                except Exception as e:  # noqa: a mapping refusal
                    failed[key] = str(e)
                    continue
                if differs and self._lasted(('repair',) + key, now, seen):
                    try:
                        self._ensure(kind, res)
                        summary['repaired'] += 1
                        LOG.warning('tmirror sync: repaired the '
                                    'Traffic_Mirror rows of tap %s %s',
                                    kind, rid)
                    except Exception as e:  # noqa: reported as ERROR
                        failed[key] = str(e)
                        LOG.warning('tmirror sync: cannot repair tap %s '
                                    '%s: %s', kind, rid, e)

        # 2. Orphans.
        snap = self._writer.db.read(Snapshot)
        known = {'service': services, 'flow': flows, 'mirror': mirrors}
        scope = {'service': has_flows, 'flow': has_flows,
                 'mirror': has_mirrors}
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

        # Discrepancies that went away start again from zero.
        for key in list(self._first_seen):
            if key not in seen:
                del self._first_seen[key]

        # 3. Status.
        if has_flows:
            snap = self._writer.db.read(Snapshot)
            for rid, res in services.items():
                st, reason = tm_status.service_status(
                    snap.bindings.get(res['port_id']))
                summary['status'] += self._set_status(
                    ctx, 'service', res, st, reason)
            for rid, res in flows.items():
                key = ('flow', rid)
                if key in failed:
                    st, reason = tm_status.ERROR, failed[key]
                else:
                    rows = snap.sessions.get(key, [])
                    st, reason = tm_status.sessions_status(
                        [(r.name, snap.reports.get(r.uuid, []))
                         for r in rows])
                summary['status'] += self._set_status(ctx, 'flow', res, st,
                                                      reason)

    def _differs(self, kind, res, fan_out):
        """Whether the rows of a resource are missing or differ."""
        writer = self._writer

        def check(tables):
            if kind == 'service':
                return _target_differs(tables,
                                       mapping.tap_service_target(res))
            if kind == 'flow':
                return _session_differs(
                    tables, mapping.tap_flow_session(res, fan_out), fan_out)
            target, sessions = mapping.tap_mirror_rows(res, fan_out)
            if _target_differs(tables, target):
                return True
            tagged = commands.tagged(tables['Session'].rows.values(),
                                     target.match)
            return len(tagged) != len(sessions) or any(
                _session_differs(tables, s, fan_out) for s in sessions)

        return writer.db.read(check)

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
