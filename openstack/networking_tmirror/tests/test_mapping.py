# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""The mapping of TaaS resources onto Traffic_Mirror rows (mapping.py), on
the dict shapes the TaaS plugin hands a driver: TaaS 10 for tap services
and flows, TaaS 15 for tap mirrors."""

import pytest

from networking_tmirror import mapping

TS = {'id': 'ts-1', 'name': 'ids', 'description': 'the IDS',
      'port_id': 'port-app', 'project_id': 'proj', 'tenant_id': 'proj',
      'status': 'DOWN'}


def flow(direction='BOTH', vlan_filter=None, **extra):
    """A TaaS 10 tap flow dict."""
    tf = {'id': 'tf-1', 'name': 'web', 'description': '',
          'tap_service_id': 'ts-1', 'source_port': 'port-vm',
          'direction': direction, 'vlan_filter': vlan_filter,
          'tenant_id': 'proj', 'status': 'DOWN'}
    tf.update(extra)
    return tf


def mirror(directions, mirror_type='erspanv1', remote_ip='192.0.2.9'):
    """A TaaS 15 tap mirror dict (neutron_taas.db.tap_mirror_db)."""
    return {'id': 'tm-1', 'project_id': 'proj', 'name': 'm',
            'description': 'to the analyser', 'port_id': 'port-vm',
            'directions': directions, 'remote_ip': remote_ip,
            'mirror_type': mirror_type}


def test_tap_service_is_a_port_target_for_the_appliance():
    spec = mapping.tap_service_target(TS)
    assert spec.match == {'neutron:tap_service_id': 'ts-1'}
    assert spec.columns == {
        'name': 'taas-service-ts-1', 'type': 'port', 'port': 'port-app',
        'description': 'TaaS tap service ids: the IDS',
        'external_ids': {'neutron:tap_service_id': 'ts-1',
                         'neutron:project_id': 'proj'}}


def test_tap_service_without_name_is_described_by_id():
    ts = dict(TS, name='', description='')
    assert mapping.tap_service_target(ts).columns['description'] == \
        'TaaS tap service ts-1'


@pytest.mark.parametrize('direction, rules', [
    ('IN', ['ingress']), ('OUT', ['egress']),
    ('BOTH', ['ingress', 'egress'])])
def test_tap_flow_direction_is_seen_from_the_vm(direction, rules):
    spec = mapping.tap_flow_session(flow(direction), fan_out=False)
    assert [r['direction'] for r in spec.rules] == rules
    assert all(r['action'] == 'accept' and r['rule_number'] == 10
               and 'vlan' not in r for r in spec.rules)
    assert spec.directions == tuple(rules)


def test_tap_flow_session_columns_and_tags():
    spec = mapping.tap_flow_session(flow(), fan_out=False)
    tags = {'neutron:tap_flow_id': 'tf-1', 'neutron:tap_service_id': 'ts-1',
            'neutron:project_id': 'proj'}
    assert spec.match == {'neutron:tap_flow_id': 'tf-1'}
    assert spec.source == 'port-vm'
    assert spec.target_match == {'neutron:tap_service_id': 'ts-1'}
    assert spec.vni is None
    assert spec.session == {'name': 'taas-flow-tf-1', 'enabled': True,
                            'description': 'TaaS tap flow web',
                            'external_ids': tags}
    assert spec.filter == {'name': 'taas-flow-tf-1',
                           'description': 'TaaS tap flow web',
                           'external_ids': tags}


def test_tap_flow_with_fan_out_is_independent():
    spec = mapping.tap_flow_session(flow(), fan_out=True)
    assert spec.session['independent'] is True


@pytest.mark.parametrize('direction', ['in', 'EGRESS', None, ''])
def test_tap_flow_bad_direction(direction):
    with pytest.raises(mapping.InvalidResource) as e:
        mapping.tap_flow_session(flow(direction), fan_out=True)
    assert str(e.value) == ('direction: "%s" is not IN, OUT or BOTH'
                            % direction)
    assert e.value.resource == 'tap_flow'


@pytest.mark.parametrize('value, text', [
    ('9', '9'), ('9,18-27', '9,18-27'), (' 1, 4094 ', '1,4094'),
    ('18-27,9', '18-27,9'),
    ('100-100', '100-100'), ('009,0018-027', '9,18-27')])
def test_vlan_filter_accepted(value, text):
    assert mapping.parse_vlan_filter(value) == text


@pytest.mark.parametrize('value, message', [
    ('4096', 'vlan_filter: 4096 is not a VLAN id (1 to 4094)'),
    ('4095', 'vlan_filter: 4095 is not a VLAN id (1 to 4094)'),
    ('0', 'vlan_filter: 0 is not a VLAN id (1 to 4094)'),
    ('9,18-5000', 'vlan_filter: 5000 is not a VLAN id (1 to 4094)'),
    ('9,9', 'vlan_filter: VLAN 9 is listed twice (in 9 and in 9)'),
    ('18-27,20', 'vlan_filter: VLAN 20 is listed twice (in 18-27 and in '
                 '20)'),
    ('20,18-27', 'vlan_filter: VLAN 20 is listed twice (in 20 and in '
                 '18-27)'),
    ('27-18', 'vlan_filter: range 27-18 starts above its end'),
    ('9,,10', 'vlan_filter: "" is not a VLAN id or a range of them '
              '(expected, e.g., 9,18-27)'),
    ('1-2-3', 'vlan_filter: "1-2-3" is not a VLAN id or a range of them '
              '(expected, e.g., 9,18-27)'),
    ('ten', 'vlan_filter: "ten" is not a VLAN id or a range of them '
            '(expected, e.g., 9,18-27)'),
    ('-5', 'vlan_filter: "-5" is not a VLAN id or a range of them '
           '(expected, e.g., 9,18-27)')])
def test_vlan_filter_refused(value, message):
    with pytest.raises(mapping.InvalidResource) as e:
        mapping.parse_vlan_filter(value)
    assert str(e.value) == message


def test_tap_flow_vlan_filter_maps_to_every_rule_with_fan_out():
    spec = mapping.tap_flow_session(flow('BOTH', '9,18-27'), fan_out=True)
    assert [(r['direction'], r['vlan']) for r in spec.rules] == \
        [('ingress', '9,18-27'), ('egress', '9,18-27')]


def test_tap_flow_vlan_filter_refused_without_fan_out():
    with pytest.raises(mapping.InvalidResource) as e:
        mapping.tap_flow_session(flow('IN', '9,18-27'), fan_out=False)
    assert 'vlan_filter: 9,18-27 cannot be honoured' in str(e.value)
    assert 'no Filter_Rule column "vlan"' in str(e.value)


def test_tap_flow_bad_vlan_filter_is_named_before_the_schema_refusal():
    with pytest.raises(mapping.InvalidResource) as e:
        mapping.tap_flow_session(flow('IN', '5000'), fan_out=False)
    assert str(e.value) == 'vlan_filter: 5000 is not a VLAN id (1 to 4094)'


@pytest.mark.parametrize('value', [None, '', '  '])
def test_tap_flow_empty_vlan_filter_is_none(value):
    spec = mapping.tap_flow_session(flow('IN', value), fan_out=False)
    assert 'vlan' not in spec.rules[0]


def test_tap_mirror_erspan_in_and_out():
    target, sessions = mapping.tap_mirror_rows(
        mirror({'IN': 101, 'OUT': 102}), fan_out=False)
    assert target.match == {'neutron:tap_mirror_id': 'tm-1'}
    assert target.columns == {
        'name': 'taas-mirror-tm-1', 'type': 'ip',
        'addresses': ['192.0.2.9'], 'encap': 'erspan',
        'options': {'erspan_ver': '1'},
        'description': 'TaaS tap mirror m: to the analyser',
        'external_ids': {'neutron:tap_mirror_id': 'tm-1',
                         'neutron:project_id': 'proj'}}
    assert [(s.session['name'], s.vni, s.directions, s.source)
            for s in sessions] == [
        ('taas-mirror-tm-1-in', 101, ('ingress',), 'port-vm'),
        ('taas-mirror-tm-1-out', 102, ('egress',), 'port-vm')]
    assert sessions[0].match == {'neutron:tap_mirror_id': 'tm-1',
                                 'neutron:direction': 'IN'}
    assert sessions[1].target_match == target.match
    assert sessions[1].session['external_ids'] == {
        'neutron:tap_mirror_id': 'tm-1', 'neutron:direction': 'OUT',
        'neutron:project_id': 'proj'}


def test_tap_mirror_gre_takes_24_bit_ids_as_strings_too():
    target, sessions = mapping.tap_mirror_rows(
        mirror({'OUT': '16777215'}, 'gre', '2001:db8::9'), fan_out=False)
    assert (target.columns['encap'], target.columns['options'],
            target.columns['addresses']) == ('gre', {}, ['2001:db8::9'])
    assert [s.vni for s in sessions] == [16777215]


def test_tap_mirror_both_needs_fan_out_only_with_in_or_out():
    _, sessions = mapping.tap_mirror_rows(mirror({'BOTH': 7}),
                                          fan_out=False)
    assert sessions[0].directions == ('ingress', 'egress')
    with pytest.raises(mapping.InvalidResource) as e:
        mapping.tap_mirror_rows(mirror({'BOTH': 7, 'IN': 8}), fan_out=False)
    assert 'BOTH with IN or OUT would copy a packet twice' in str(e.value)
    _, sessions = mapping.tap_mirror_rows(mirror({'BOTH': 7, 'IN': 8}),
                                          fan_out=True)
    assert [s.session['independent'] for s in sessions] == [True, True]


@pytest.mark.parametrize('tm, message', [
    (mirror({'IN': 1024}),
     'directions: IN: tunnel id 1024 is out of range (1 to 1023 for this '
     'mirror_type)'),
    (mirror({'IN': 0}, 'gre'),
     'directions: IN: tunnel id 0 is out of range (1 to 16777215 for this '
     'mirror_type)'),
    (mirror({'OUT': 16777216}, 'gre'),
     'directions: OUT: tunnel id 16777216 is out of range (1 to 16777215 '
     'for this mirror_type)'),
    (mirror({'IN': 'x'}),
     'directions: IN: tunnel id "x" is not an integer'),
    (mirror({'IN': True}),
     'directions: IN: tunnel id "None" is not an integer'),
    (mirror({'IN': 5, 'OUT': 5}),
     'directions: IN and OUT have the same tunnel id 5 (each direction '
     'needs its own)'),
    (mirror({'SIDEWAYS': 5}),
     'directions: "SIDEWAYS" is not IN, OUT or BOTH'),
    (mirror({}),
     'directions: "{}" is not a map of IN, OUT or BOTH to a tunnel id'),
    (mirror({'IN': 5}, 'erspanv2'),
     'mirror_type: "erspanv2" is not erspanv1 or gre'),
    (mirror({'IN': 5}, 'gre', '192.0.2.300'),
     'remote_ip: "192.0.2.300" is not an IP address'),
])
def test_tap_mirror_refused(tm, message):
    with pytest.raises(mapping.InvalidResource) as e:
        mapping.tap_mirror_rows(tm, fan_out=True)
    assert str(e.value) == message
    assert e.value.resource == 'tap_mirror'
