# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""ovsdbapp commands that make Traffic_Mirror rows match a mapping.

Each command runs inside one OVSDB transaction, in ovsdbapp's connection
thread, against the IDL's current rows, so that what it checks and what it
writes are consistent.  Creates are "ensures": a row that already exists
(found by its Neutron tags) is updated to match, so repeating a create
changes nothing.  Deletes remove whatever carries the tags, and nothing is
an error.  A refusal raises one of the exceptions below; the transaction is
then not sent.
"""

import random

from ovsdbapp.backend.ovs_idl import command

from networking_tmirror import mapping

SESSION_NUMBER_MAX = 32766

_random = random.SystemRandom()


class Refused(Exception):
    """A change the database's current contents do not allow (Neutron
    reports it as a conflict); str() says which rows and why."""


def tagged(rows, match):
    """The rows whose external_ids contain every pair of 'match', sorted by
    name so that the choice among duplicates is stable."""
    found = [r for r in rows
             if all(r.external_ids.get(k) == v for k, v in match.items())]
    return sorted(found, key=lambda r: (getattr(r, 'name', ''), str(r.uuid)))


class TagIndex(object):
    """The rows of one table by (external_ids key, value), so that a pass
    over many resources finds each one's rows without scanning them all."""

    def __init__(self, rows):
        self._index = {}
        for row in rows:
            for pair in row.external_ids.items():
                self._index.setdefault(pair, []).append(row)

    def find(self, match):
        """Like tagged(), within the indexed rows."""
        pairs = sorted(match.items())
        rows = self._index.get(pairs[0], [])
        return tagged(rows, dict(pairs[1:]))


def is_owned(row):
    """Whether the driver made 'row' (it carries a Neutron resource tag)."""
    return any(t in row.external_ids for t in mapping.OWNER_TAGS)


def optional(value):
    """The value of an optional (0 or 1) column: a scalar or None."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _value_differs(current, value):
    """Whether a column's current value differs from the wanted one (sets
    compare without order, optional columns as scalars)."""
    if isinstance(value, list) or isinstance(current, list):
        as_list = (lambda v: v if isinstance(v, list) else [v])
        return sorted(as_list(current)) != sorted(as_list(value))
    return current != value


def columns_differ(row, columns):
    """Whether 'row' differs from 'columns' in any of them (a column the
    schema lacks counts as different)."""
    for name, value in columns.items():
        try:
            current = getattr(row, name)
        except AttributeError:
            return True
        if _value_differs(current, value):
            return True
    return False


def _set_columns(row, columns, new):
    """Sets every column of 'columns' that differs on 'row' ('new': the
    row was inserted by this transaction and has no values yet)."""
    for name, value in columns.items():
        if new or _value_differs(getattr(row, name), value):
            setattr(row, name, value)


def rule_key(rule):
    """A Filter_Rule (row or dict) as a comparable tuple."""
    if isinstance(rule, dict):
        return (rule['direction'], rule['rule_number'], rule['action'],
                rule.get('vlan'))
    vlan = optional(getattr(rule, 'vlan', None))
    return (rule.direction, rule.rule_number, rule.action, vlan)


def session_directions(session):
    """The tmirror directions a session's filter has rules for."""
    try:
        rules = session.filter.rules
    except AttributeError:
        return set()
    return {r.direction for r in rules}


class EnsureTarget(command.BaseCommand):
    """Makes the Target of 'spec' (a mapping.TargetSpec) exist as mapped."""

    def __init__(self, api, spec):
        super().__init__(api)
        self.spec = spec

    def run_idl(self, txn):
        rows = tagged(self.api.tables['Target'].rows.values(),
                      self.spec.match)
        if rows:
            row = rows[0]
        else:
            row = txn.insert(self.api.tables['Target'])
        _set_columns(row, self.spec.columns, not rows)
        self.result = row.uuid


class EnsureSessions(command.BaseCommand):
    """Makes the Sessions of 'specs' (mapping.SessionSpec, of one Neutron
    resource) and their Filters exist as mapped.

    A new session gets the lowest session number its source has free and,
    unless the spec fixes one, an unused VNI at random.  An existing one
    keeps both (a fixed VNI is set).  Refuses when the target is missing,
    a fixed VNI is another session's, the source has no free number, or,
    without 'fan_out', when the source already has a TaaS session for one
    of the same directions (the schema cannot copy a packet twice then)."""

    def __init__(self, api, specs, fan_out):
        super().__init__(api)
        self.specs = specs
        self.fan_out = fan_out

    def run_idl(self, txn):
        sessions = list(self.api.tables['Session'].rows.values())
        self._used_vnis = {optional(s.vni) for s in sessions}
        self._used_numbers = {}
        for s in sessions:
            self._used_numbers.setdefault(s.source, set()).add(
                s.session_number)
        own = set()
        for spec in self.specs:
            own.update(r.uuid for r in tagged(sessions, spec.match))
        result = []
        for spec in self.specs:
            target = self._target(spec)
            found = tagged(sessions, spec.match)
            row = found[0] if found else None
            self._check_vni(spec, row, sessions)
            if not self.fan_out:
                self._check_overlap(spec, sessions, own)
            if row is None:
                row = self._insert(txn, spec, target)
            else:
                self._update(txn, row, spec, target)
            result.append(row.uuid)
        self.result = result

    def _new_vni(self, spec):
        """The spec's fixed VNI, or an unused one (then taken)."""
        vni = spec.vni if spec.vni is not None else \
            self._pick_vni(self._used_vnis)
        self._used_vnis.add(vni)
        return vni

    def _insert(self, txn, spec, target):
        """A new session for 'spec', with its filter."""
        row = txn.insert(self.api.tables['Session'])
        row.source = spec.source
        row.session_number = self._number(spec.source, self._used_numbers)
        row.vni = self._new_vni(spec)
        row.target = target
        _set_columns(row, spec.session, True)
        row.filter = self._filter(txn, spec, None)
        return row

    def _update(self, txn, row, spec, target):
        """Puts an existing session (and its filter) back to 'spec',
        keeping its number and VNI when they are still right."""
        if row.source != spec.source:
            row.source = spec.source
            row.session_number = self._number(spec.source,
                                              self._used_numbers)
        vni = optional(row.vni)
        if vni is None or (spec.vni is not None and vni != spec.vni):
            row.vni = self._new_vni(spec)
        if getattr(row.target, 'uuid', None) != target.uuid:
            row.target = target
        _set_columns(row, spec.session, False)
        filt = self._filter(txn, spec, row)
        if getattr(row.filter, 'uuid', None) != filt.uuid:
            row.filter = filt

    def _target(self, spec):
        """The Target row the spec's session points at, or Refused."""
        rows = tagged(self.api.tables['Target'].rows.values(),
                      spec.target_match)
        if not rows:
            raise Refused('Traffic_Mirror has no target tagged %s for '
                          'session %s (create the tap service again)'
                          % (spec.target_match, spec.session['name']))
        return rows[0]

    def _check_vni(self, spec, row, sessions):
        """Refuses a fixed VNI that another session has."""
        if spec.vni is None:
            return
        for s in sessions:
            if optional(s.vni) == spec.vni and (row is None or
                                                s.uuid != row.uuid):
                if any(m.items() <= s.external_ids.items()
                       for m in (x.match for x in self.specs)):
                    continue
                raise Refused('tunnel id %d is already the VNI of '
                              'Traffic_Mirror session %s' % (spec.vni,
                                                             s.name))

    def _check_overlap(self, spec, sessions, own):
        """Refuses a second TaaS copy of the same packets of one source."""
        wanted = set(spec.directions)
        for s in sessions:
            if s.uuid in own or s.source != spec.source or not is_owned(s):
                continue
            common = wanted & session_directions(s)
            if common:
                raise Refused(
                    'port %s is already tapped for %s by Traffic_Mirror '
                    'session %s; this Traffic_Mirror database cannot copy a '
                    'packet to two tap services (its schema has no Session '
                    'column "independent")'
                    % (spec.source, ' and '.join(sorted(common)), s.name))

    @staticmethod
    def _number(source, used_numbers):
        """The lowest session number 'source' has free (then taken)."""
        used = used_numbers.setdefault(source, set())
        for n in range(1, SESSION_NUMBER_MAX + 1):
            if n not in used:
                used.add(n)
                return n
        raise Refused('port %s has no free session number (1 to %d)'
                      % (source, SESSION_NUMBER_MAX))

    @staticmethod
    def _pick_vni(used):
        """An unused VNI, at random so that concurrent writers rarely
        collide (the server's index catches it when they do)."""
        for _ in range(64):
            vni = _random.randint(1, mapping.VNI_MAX)
            if vni not in used:
                return vni
        for vni in range(1, mapping.VNI_MAX + 1):
            if vni not in used:
                return vni
        raise Refused('every VNI (1 to %d) is in use' % mapping.VNI_MAX)

    def _filter(self, txn, spec, session):
        """The Filter with the spec's rules for 'session' (None for a new
        session): the one tagged for the spec, the session's own when it
        has the spec's name, or a new one."""
        tables = self.api.tables
        rows = tagged(tables['Filter'].rows.values(), spec.match)
        if rows:
            filt = rows[0]
        elif session is not None and session.filter is not None and \
                session.filter.name == spec.filter['name']:
            filt = session.filter
        else:
            filt = None
        new = filt is None
        if new:
            filt = txn.insert(tables['Filter'])
        _set_columns(filt, spec.filter, new)
        have = [] if new else sorted(rule_key(r) for r in filt.rules)
        want = sorted(rule_key(r) for r in spec.rules)
        if have != want:
            rules = []
            for rule in spec.rules:
                r = txn.insert(tables['Filter_Rule'])
                for name, value in rule.items():
                    setattr(r, name, value)
                r.description = spec.filter['description']
                r.external_ids = spec.filter['external_ids']
                rules.append(r)
            filt.rules = rules
        return filt


def _delete_session(session, filters):
    """Deletes a session and its filter when the driver made the filter
    and no other session uses it ('filters' counts the users)."""
    filt = session.filter
    session.delete()
    if filt is not None and is_owned(filt):
        filters[filt.uuid] = filters.get(filt.uuid, 1) - 1
        if filters[filt.uuid] <= 0:
            filt.delete()


def _filter_users(sessions):
    """How many sessions use each filter, by filter UUID."""
    users = {}
    for s in sessions:
        if s.filter is not None:
            users[s.filter.uuid] = users.get(s.filter.uuid, 0) + 1
    return users


class DeleteSessions(command.BaseCommand):
    """Deletes the sessions tagged 'match' and the filters made for them,
    and any filter left tagged 'match'.  Result: how many sessions."""

    def __init__(self, api, match):
        super().__init__(api)
        self.match = match

    def run_idl(self, txn):
        tables = self.api.tables
        sessions = list(tables['Session'].rows.values())
        users = _filter_users(sessions)
        doomed = tagged(sessions, self.match)
        for s in doomed:
            _delete_session(s, users)
        for filt in tagged(tables['Filter'].rows.values(), self.match):
            if users.get(filt.uuid, 0) <= 0:
                filt.delete()
        self.result = len(doomed)


class DeleteTarget(command.BaseCommand):
    """Deletes the Target tagged 'match', with the driver's sessions that
    still point at it.  Refuses when sessions that the driver did not make
    use it (the operator's, made with tmirror-ctl).  Result: how many
    targets."""

    def __init__(self, api, match):
        super().__init__(api)
        self.match = match

    def run_idl(self, txn):
        tables = self.api.tables
        targets = tagged(tables['Target'].rows.values(), self.match)
        if not targets:
            self.result = 0
            return
        uuids = {t.uuid for t in targets}
        sessions = list(tables['Session'].rows.values())
        users = [s for s in sessions
                 if s.target is not None and s.target.uuid in uuids]
        foreign = sorted(s.name for s in users if not is_owned(s))
        if foreign:
            raise Refused('Traffic_Mirror target %s is used by sessions '
                          'that Neutron did not create: %s (delete them '
                          'with tmirror-ctl first)'
                          % (targets[0].name, ', '.join(foreign)))
        filters = _filter_users(sessions)
        for s in users:
            _delete_session(s, filters)
        for t in targets:
            t.delete()
        self.result = len(targets)
