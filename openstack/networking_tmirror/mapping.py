# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""What a Tap-as-a-Service resource becomes in the Traffic_Mirror database.

Pure functions from the dicts that the TaaS plugin hands a service driver
to row specifications (column values), without database access, so that
the mapping can be read and tested on its own:

  tap service  -> a 'port' Target whose port is the appliance's Neutron
                  port UUID (its iface-id on the hypervisor);
  tap flow     -> a Session from source_port to that Target, with its own
                  Filter: one 'accept' rule per direction;
  tap mirror   -> an 'ip' Target (GRE or ERSPAN v1 to remote_ip) and one
                  Session per entry of 'directions', whose VNI is the
                  entry's tunnel id.

TaaS directions are seen from the VM, as tmirror's: OUT is what the VM
sends (egress), IN what it receives (ingress), BOTH both.

Every row carries external_ids that name the Neutron resource and project
(TAG_* below), so the driver finds its rows again to update, repair or
delete them.

'fan_out' is the one switch for what needs a newer Traffic_Mirror schema:
Filter_Rule.vlan (TaaS vlan_filter) and Session.independent (a packet of
one port reaches every tap service that taps it).  The driver turns it on
when the database's schema has both columns.
"""

import dataclasses
import ipaddress

TAG_SERVICE = 'neutron:tap_service_id'
TAG_FLOW = 'neutron:tap_flow_id'
TAG_MIRROR = 'neutron:tap_mirror_id'
TAG_DIRECTION = 'neutron:direction'
TAG_PROJECT = 'neutron:project_id'

# The tags that mark a row as one the driver owns, per Neutron resource.
OWNER_TAGS = (TAG_SERVICE, TAG_FLOW, TAG_MIRROR)

# TaaS direction -> tmirror Filter_Rule directions.
DIRECTIONS = {
    'IN': ('ingress',),
    'OUT': ('egress',),
    'BOTH': ('ingress', 'egress'),
}

# The rule number of the one rule per direction of a TaaS filter.
RULE_NUMBER = 10

# VLAN ids: 0 marks a priority-tagged frame, 4095 is reserved.
VLAN_MIN = 1
VLAN_MAX = 4094
VNI_MAX = 16777215
ERSPAN_VNI_MAX = 1023

# TaaS tap mirror mirror_type -> (Target.encap, Target.options).
MIRROR_TYPES = {
    'gre': ('gre', {}),
    'erspanv1': ('erspan', {'erspan_ver': '1'}),
}


class InvalidResource(ValueError):
    """A TaaS resource that cannot be mapped: 'resource' is its type
    ("tap_flow"), str() says which field and value and why."""

    def __init__(self, resource, message):
        super().__init__(message)
        self.resource = resource


@dataclasses.dataclass
class TargetSpec:
    """The Target row of a tap service or tap mirror.

    'match' is the external_ids subset that finds the row; 'columns' are
    the values the row must have."""
    match: dict
    columns: dict


@dataclasses.dataclass
class SessionSpec:
    """The Session row of a tap flow (or of one direction of a tap mirror)
    and its Filter and Filter_Rule rows.

    'vni' is the tunnel id a tap mirror fixes, or None when the driver
    chooses one; the session number is always the driver's choice.
    'directions' are the tmirror directions the filter accepts."""
    match: dict
    source: str
    target_match: dict
    directions: tuple
    vni: object
    session: dict
    filter: dict
    rules: list


def project_of(resource):
    """The project of a TaaS resource dict (older dicts say tenant_id)."""
    return resource.get('project_id') or resource.get('tenant_id') or ''


def _label(kind, resource):
    """A description for people: the kind and the TaaS name or id."""
    name = resource.get('name') or resource['id']
    text = 'TaaS %s %s' % (kind, name)
    if resource.get('description'):
        text += ': %s' % resource['description']
    return text


def parse_vlan_filter(value):
    """Checks a TaaS vlan_filter ("9,18-27": VLAN ids and ranges) by the
    rule Filter_Rule.vlan follows (lib/vlan-set.c): ids 1 to 4094, each
    VLAN once.

    Returns it in canonical form (no blanks, decimal numbers without
    leading zeros, in the order given), or raises InvalidResource naming
    the id or range that is wrong."""
    text = ''.join(str(value).split())
    if not text:
        raise InvalidResource('tap_flow', 'vlan_filter: "%s" is empty'
                              % value)
    canonical = []
    ranges = []
    for part in text.split(','):
        bounds = part.split('-')
        if len(bounds) > 2 or not all(b.isdigit() for b in bounds):
            raise InvalidResource(
                'tap_flow', 'vlan_filter: "%s" is not a VLAN id or a range '
                'of them (expected, e.g., 9,18-27)' % part)
        ids = [int(b) for b in bounds]
        for vid in ids:
            if not VLAN_MIN <= vid <= VLAN_MAX:
                raise InvalidResource(
                    'tap_flow', 'vlan_filter: %d is not a VLAN id (%d to %d)'
                    % (vid, VLAN_MIN, VLAN_MAX))
        if len(ids) == 2 and ids[0] > ids[1]:
            raise InvalidResource(
                'tap_flow', 'vlan_filter: range %s starts above its end'
                % part)
        item = '-'.join(str(i) for i in ids)
        for (lo, hi, other) in ranges:
            if ids[0] <= hi and lo <= ids[-1]:
                raise InvalidResource(
                    'tap_flow', 'vlan_filter: VLAN %d is listed twice (in '
                    '%s and in %s)' % (max(lo, ids[0]), other, item))
        ranges.append((ids[0], ids[-1], item))
        canonical.append(item)
    return ','.join(canonical)


def tap_service_target(tap_service):
    """The 'port' Target of a tap service: its appliance port."""
    ts_id = tap_service['id']
    return TargetSpec(
        match={TAG_SERVICE: ts_id},
        columns={
            'name': 'taas-service-%s' % ts_id,
            'type': 'port',
            'port': tap_service['port_id'],
            'description': _label('tap service', tap_service),
            'external_ids': {TAG_SERVICE: ts_id,
                             TAG_PROJECT: project_of(tap_service)},
        })


def _rules(directions, vlan):
    """One accept rule per tmirror direction, optionally for VLANs."""
    rules = []
    for direction in directions:
        rule = {'direction': direction, 'rule_number': RULE_NUMBER,
                'action': 'accept'}
        if vlan is not None:
            rule['vlan'] = vlan
        rules.append(rule)
    return rules


def _session_columns(name, description, external_ids, fan_out):
    """The Session columns the mapping decides (not number, VNI, refs)."""
    columns = {'name': name, 'description': description, 'enabled': True,
               'external_ids': external_ids}
    if fan_out:
        columns['independent'] = True
    return columns


def tap_flow_session(tap_flow, fan_out):
    """The Session, Filter and rules of a tap flow.

    Raises InvalidResource for a direction that is not IN, OUT or BOTH, a
    bad vlan_filter, or a vlan_filter when 'fan_out' is off (the schema
    cannot match VLANs then, and mirroring every VLAN would copy more than
    was asked)."""
    tf_id = tap_flow['id']
    direction = tap_flow.get('direction')
    if direction not in DIRECTIONS:
        raise InvalidResource('tap_flow', 'direction: "%s" is not IN, OUT '
                              'or BOTH' % direction)
    vlan = tap_flow.get('vlan_filter')
    if vlan is not None and str(vlan).strip() == '':
        vlan = None
    if vlan is not None:
        vlan = parse_vlan_filter(vlan)
        if not fan_out:
            raise InvalidResource(
                'tap_flow', 'vlan_filter: %s cannot be honoured: this '
                'Traffic_Mirror database has no VLAN match (its schema has '
                'no Filter_Rule column "vlan"); create the tap flow without '
                'vlan_filter, or upgrade tmirror' % vlan)
    ts_id = tap_flow['tap_service_id']
    name = 'taas-flow-%s' % tf_id
    tags = {TAG_FLOW: tf_id, TAG_SERVICE: ts_id,
            TAG_PROJECT: project_of(tap_flow)}
    description = _label('tap flow', tap_flow)
    return SessionSpec(
        match={TAG_FLOW: tf_id},
        source=tap_flow['source_port'],
        target_match={TAG_SERVICE: ts_id},
        directions=DIRECTIONS[direction],
        vni=None,
        session=_session_columns(name, description, dict(tags), fan_out),
        filter={'name': name, 'description': description,
                'external_ids': dict(tags)},
        rules=_rules(DIRECTIONS[direction], vlan))


def _tunnel_id(direction, value, vni_max):
    """A tap mirror's tunnel id as a VNI, or InvalidResource."""
    if isinstance(value, bool):
        value = None
    try:
        vni = int(value)
    except (TypeError, ValueError):
        raise InvalidResource(
            'tap_mirror', 'directions: %s: tunnel id "%s" is not an integer'
            % (direction, value))
    if not 1 <= vni <= vni_max:
        raise InvalidResource(
            'tap_mirror', 'directions: %s: tunnel id %d is out of range '
            '(1 to %d for this mirror_type)' % (direction, vni, vni_max))
    return vni


def _mirror_directions(directions, vni_max, fan_out):
    """Checks a tap mirror's directions map; returns [(direction, vni)]
    sorted by direction."""
    if not isinstance(directions, dict) or not directions:
        raise InvalidResource('tap_mirror', 'directions: "%s" is not a map '
                              'of IN, OUT or BOTH to a tunnel id'
                              % (directions,))
    result = []
    seen = {}
    for direction in sorted(directions):
        if direction not in DIRECTIONS:
            raise InvalidResource('tap_mirror', 'directions: "%s" is not '
                                  'IN, OUT or BOTH' % direction)
        vni = _tunnel_id(direction, directions[direction], vni_max)
        if vni in seen:
            raise InvalidResource(
                'tap_mirror', 'directions: %s and %s have the same tunnel '
                'id %d (each direction needs its own)'
                % (seen[vni], direction, vni))
        seen[vni] = direction
        result.append((direction, vni))
    if 'BOTH' in directions and len(directions) > 1 and not fan_out:
        raise InvalidResource(
            'tap_mirror', 'directions: BOTH with IN or OUT would copy a '
            'packet twice, which this Traffic_Mirror database cannot do (its '
            'schema has no Session column "independent")')
    return result


def tap_mirror_rows(tap_mirror, fan_out):
    """The 'ip' Target and the Sessions of a tap mirror (TaaS 15 and
    later: port_id, remote_ip, mirror_type, directions).

    Returns (TargetSpec, [SessionSpec]); raises InvalidResource for an
    unknown mirror_type, a remote_ip that is not an IP address, or bad
    directions or tunnel ids (ERSPAN session ids have 10 bits)."""
    tm_id = tap_mirror['id']
    mirror_type = tap_mirror.get('mirror_type')
    if mirror_type not in MIRROR_TYPES:
        raise InvalidResource('tap_mirror', 'mirror_type: "%s" is not %s'
                              % (mirror_type,
                                 ' or '.join(sorted(MIRROR_TYPES))))
    encap, options = MIRROR_TYPES[mirror_type]
    try:
        remote_ip = str(ipaddress.ip_address(tap_mirror.get('remote_ip')))
    except ValueError:
        raise InvalidResource('tap_mirror', 'remote_ip: "%s" is not an IP '
                              'address' % tap_mirror.get('remote_ip'))
    vni_max = ERSPAN_VNI_MAX if encap == 'erspan' else VNI_MAX
    directions = _mirror_directions(tap_mirror.get('directions'), vni_max,
                                    fan_out)
    project = project_of(tap_mirror)
    description = _label('tap mirror', tap_mirror)
    target = TargetSpec(
        match={TAG_MIRROR: tm_id},
        columns={
            'name': 'taas-mirror-%s' % tm_id,
            'type': 'ip',
            'addresses': [remote_ip],
            'encap': encap,
            'options': dict(options),
            'description': description,
            'external_ids': {TAG_MIRROR: tm_id, TAG_PROJECT: project},
        })
    sessions = []
    for direction, vni in directions:
        name = 'taas-mirror-%s-%s' % (tm_id, direction.lower())
        tags = {TAG_MIRROR: tm_id, TAG_DIRECTION: direction,
                TAG_PROJECT: project}
        sessions.append(SessionSpec(
            match={TAG_MIRROR: tm_id, TAG_DIRECTION: direction},
            source=tap_mirror['port_id'],
            target_match={TAG_MIRROR: tm_id},
            directions=DIRECTIONS[direction],
            vni=vni,
            session=_session_columns(name, description, dict(tags),
                                     fan_out),
            filter={'name': name, 'description': description,
                    'external_ids': dict(tags)},
            rules=_rules(DIRECTIONS[direction], None)))
    return target, sessions
