# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""TaaS resources written into a real Traffic_Mirror database (writer.py,
commands.py, tm_db.py), checked with ovsdb-client, not with the driver's
own IDL."""

import json
import socket
import subprocess
import time

from neutron_lib import exceptions as n_exc
import pytest

from networking_tmirror import commands
from networking_tmirror import config
from networking_tmirror import exceptions as tm_exc
from networking_tmirror import tm_db
from networking_tmirror import writer as tm_writer

from networking_tmirror.tests import conftest


def service(n=1, port='app-1'):
    return {'id': 'ts-%d' % n, 'name': 'ts%d' % n, 'description': '',
            'port_id': port, 'tenant_id': 'proj', 'status': 'DOWN'}


def flow(n=1, direction='BOTH', port='vm-1', ts=1, vlan=None):
    return {'id': 'tf-%d' % n, 'name': 'f%d' % n, 'description': '',
            'tap_service_id': 'ts-%d' % ts, 'source_port': port,
            'direction': direction, 'vlan_filter': vlan,
            'tenant_id': 'proj', 'status': 'DOWN'}


def mirror(directions, n=1, port='vm-1', mirror_type='erspanv1'):
    return {'id': 'tm-%d' % n, 'project_id': 'proj', 'name': 'm%d' % n,
            'description': '', 'port_id': port, 'directions': directions,
            'remote_ip': '192.0.2.9', 'mirror_type': mirror_type}


def value(v):
    """An ovsdb-client JSON value as Python (optional scalars, sets)."""
    if isinstance(v, list) and v and v[0] == 'set':
        return [value(x) for x in v[1]]
    if isinstance(v, list) and v and v[0] == 'map':
        return {k: value(x) for k, x in v[1]}
    if isinstance(v, list) and v and v[0] == 'uuid':
        return v[1]
    return v


def rows(server, table):
    """The rows of 'table' as dicts of Python values."""
    return [{k: value(v) for k, v in r.items()}
            for r in server.rows(table)]


def by_name(server, table):
    return {r['name']: r for r in rows(server, table)}


@pytest.fixture
def writer(db):
    return tm_writer.TaasWriter(db)


def test_features_follow_the_schema(make_server, make_db):
    db = make_db(make_server().remote)
    db.api()
    assert (db.features.vlan, db.features.independent,
            db.features.fan_out) == (False, False, False)
    db = make_db(make_server(fan_out=True).remote)
    db.api()
    assert db.features.fan_out is True


def test_service_and_flow_rows(server, writer):
    writer.ensure_service(service())
    writer.ensure_flow(flow(direction='BOTH'))
    target = by_name(server, 'Target')['taas-service-ts-1']
    assert (target['type'], target['port']) == ('port', 'app-1')
    s = by_name(server, 'Session')['taas-flow-tf-1']
    assert s['target'] == target['_uuid']
    assert (s['source'], s['session_number'], s['enabled']) == \
        ('vm-1', 1, True)
    assert 1 <= s['vni'] <= 16777215
    assert s['external_ids'] == {'neutron:tap_flow_id': 'tf-1',
                                 'neutron:tap_service_id': 'ts-1',
                                 'neutron:project_id': 'proj'}
    f = by_name(server, 'Filter')['taas-flow-tf-1']
    assert s['filter'] == f['_uuid']
    rules = sorted((r['direction'], r['rule_number'], r['action'])
                   for r in rows(server, 'Filter_Rule'))
    assert rules == [('egress', 10, 'accept'), ('ingress', 10, 'accept')]
    assert [r['external_ids'] for r in rows(server, 'Filter_Rule')] == \
        [s['external_ids']] * 2


def test_creates_are_idempotent(server, writer):
    for _ in range(3):
        writer.ensure_service(service())
        writer.ensure_flow(flow())
    assert [len(server.rows(t)) for t in
            ('Target', 'Session', 'Filter', 'Filter_Rule')] == [1, 1, 1, 2]


def test_an_existing_session_keeps_its_number_and_vni(server, writer):
    writer.ensure_service(service())
    writer.ensure_flow(flow())
    before = by_name(server, 'Session')['taas-flow-tf-1']
    writer.ensure_flow(flow())
    after = by_name(server, 'Session')['taas-flow-tf-1']
    assert (before['vni'], before['session_number'], before['_uuid']) == \
        (after['vni'], after['session_number'], after['_uuid'])


def test_a_flow_needs_its_service_target(server, writer):
    with pytest.raises(tm_exc.TrafficMirrorRefused) as e:
        writer.ensure_flow(flow())
    assert "has no target tagged {'neutron:tap_service_id': 'ts-1'}" in \
        str(e.value)
    assert server.rows('Session') == [] and server.rows('Filter') == []


def test_sessions_get_free_numbers_and_distinct_vnis(server, writer):
    writer.ensure_service(service())
    writer.ensure_flow(flow(1, 'IN', 'vm-1'))
    writer.ensure_flow(flow(2, 'OUT', 'vm-1'))
    writer.ensure_flow(flow(3, 'BOTH', 'vm-2'))
    s = by_name(server, 'Session')
    assert [(s['taas-flow-tf-%d' % n]['source'],
             s['taas-flow-tf-%d' % n]['session_number'])
            for n in (1, 2, 3)] == [('vm-1', 1), ('vm-1', 2), ('vm-2', 1)]
    assert len({r['vni'] for r in s.values()}) == 3


def test_a_second_tap_of_the_same_packets_is_refused(server, writer):
    writer.ensure_service(service(1, 'app-1'))
    writer.ensure_service(service(2, 'app-2'))
    writer.ensure_flow(flow(1, 'IN', 'vm-1', ts=1))
    with pytest.raises(tm_exc.TrafficMirrorRefused) as e:
        writer.ensure_flow(flow(2, 'BOTH', 'vm-1', ts=2))
    assert str(e.value) == (
        'port vm-1 is already tapped for ingress by Traffic_Mirror session '
        'taas-flow-tf-1; this Traffic_Mirror database cannot copy a packet '
        'to two tap services (its schema has no Session column '
        '"independent")')
    assert len(server.rows('Session')) == 1
    assert len(server.rows('Filter')) == 1


def test_fan_out_schema_gets_vlan_and_independent(make_server, make_db):
    server = make_server(fan_out=True)
    writer = tm_writer.TaasWriter(make_db(server.remote))
    writer.ensure_service(service(1, 'app-1'))
    writer.ensure_service(service(2, 'app-2'))
    writer.ensure_flow(flow(1, 'IN', 'vm-1', ts=1, vlan='9,18-27'))
    writer.ensure_flow(flow(2, 'BOTH', 'vm-1', ts=2))
    s = by_name(server, 'Session')
    assert [s['taas-flow-tf-%d' % n]['independent'] for n in (1, 2)] == \
        [True, True]
    vlans = sorted((r['direction'], r['vlan'] or '')
                   for r in rows(server, 'Filter_Rule'))
    assert vlans == [('egress', ''), ('ingress', ''), ('ingress', '9,18-27')]


def test_without_fan_out_a_vlan_filter_is_a_bad_request(server, writer):
    with pytest.raises(n_exc.BadRequest) as e:
        writer.flow_spec(flow(vlan='9'))
    assert 'no Filter_Rule column "vlan"' in str(e.value)


def test_rows_changed_by_hand_are_put_back(server, writer):
    writer.ensure_service(service())
    writer.ensure_flow(flow(direction='IN'))
    name = 'taas-flow-tf-1'
    s = by_name(server, 'Session')[name]
    f = by_name(server, 'Filter')[name]
    server.transact(
        {'op': 'update', 'table': 'Session',
         'where': [['_uuid', '==', ['uuid', s['_uuid']]]],
         'row': {'source': 'elsewhere', 'enabled': False}},
        {'op': 'update', 'table': 'Filter',
         'where': [['_uuid', '==', ['uuid', f['_uuid']]]],
         'row': {'rules': ['set', []]}})
    time.sleep(0.2)
    writer.ensure_flow(flow(direction='IN'))
    s2 = by_name(server, 'Session')[name]
    assert (s2['_uuid'], s2['source'], s2['enabled'], s2['vni']) == \
        (s['_uuid'], 'vm-1', True, s['vni'])
    assert [(r['direction'], r['action']) for r in
            rows(server, 'Filter_Rule')] == [('ingress', 'accept')]


def test_deletes_are_idempotent_and_complete(server, writer):
    writer.ensure_service(service())
    writer.ensure_flow(flow(1, 'IN'))
    writer.ensure_flow(flow(2, 'OUT'))
    writer.delete_flow('tf-1')
    writer.delete_flow('tf-1')
    assert sorted(by_name(server, 'Session')) == ['taas-flow-tf-2']
    assert sorted(by_name(server, 'Filter')) == ['taas-flow-tf-2']
    assert len(server.rows('Filter_Rule')) == 1
    writer.delete_service('ts-1')
    writer.delete_service('ts-1')
    writer.delete_flow('tf-2')
    assert [len(server.rows(t)) for t in
            ('Target', 'Session', 'Filter', 'Filter_Rule')] == [0, 0, 0, 0]


def test_a_target_used_by_an_operator_session_is_kept(server, writer):
    writer.ensure_service(service())
    target = by_name(server, 'Target')['taas-service-ts-1']['_uuid']
    server.transact(
        {'op': 'insert', 'table': 'Filter', 'row': {'name': 'ops'},
         'uuid-name': 'f'},
        {'op': 'insert', 'table': 'Session',
         'row': {'name': 'ops', 'source': 'vm-9', 'session_number': 1,
                 'vni': 5, 'enabled': True,
                 'target': ['uuid', target], 'filter': ['named-uuid', 'f']}})
    time.sleep(0.2)
    with pytest.raises(tm_exc.TrafficMirrorRefused) as e:
        writer.delete_service('ts-1')
    assert str(e.value) == (
        'Traffic_Mirror target taas-service-ts-1 is used by sessions that '
        'Neutron did not create: ops (delete them with tmirror-ctl first)')
    assert len(server.rows('Target')) == 1


def test_tap_mirror_rows(server, writer):
    writer.ensure_mirror(mirror({'IN': 101, 'OUT': '102'}))
    t = by_name(server, 'Target')['taas-mirror-tm-1']
    assert (t['type'], t['addresses'], t['encap'], t['options']) == \
        ('ip', '192.0.2.9', 'erspan', {'erspan_ver': '1'})
    s = by_name(server, 'Session')
    assert [(n, s[n]['vni'], s[n]['session_number']) for n in sorted(s)] == \
        [('taas-mirror-tm-1-in', 101, 1), ('taas-mirror-tm-1-out', 102, 2)]
    writer.ensure_mirror(mirror({'IN': 101, 'OUT': '102'}))
    assert len(server.rows('Session')) == 2
    # A directions map changed by hand in Neutron is followed on repair.
    writer.ensure_mirror(mirror({'IN': 101}))
    assert sorted(by_name(server, 'Session')) == ['taas-mirror-tm-1-in']
    writer.delete_mirror('tm-1')
    writer.delete_mirror('tm-1')
    assert [len(server.rows(t)) for t in
            ('Target', 'Session', 'Filter', 'Filter_Rule')] == [0, 0, 0, 0]


def test_a_tunnel_id_in_use_is_refused(server, writer):
    writer.ensure_mirror(mirror({'IN': 101}, n=1))
    with pytest.raises(tm_exc.TrafficMirrorRefused) as e:
        writer.ensure_mirror(mirror({'OUT': 101}, n=2, port='vm-2'))
    assert str(e.value) == ('tunnel id 101 is already the VNI of '
                            'Traffic_Mirror session taas-mirror-tm-1-in')
    assert sorted(by_name(server, 'Target')) == ['taas-mirror-tm-1']


def test_an_unreachable_database_is_named(make_db, tmp_path):
    writer = tm_writer.TaasWriter(make_db('unix:%s/none.sock' % tmp_path,
                                          timeout=2))
    t0 = time.time()
    with pytest.raises(tm_exc.TrafficMirrorUnavailable) as e:
        writer.ensure_service(service())
    assert time.time() - t0 < 10
    assert str(e.value) == (
        'Traffic_Mirror database unix:%s/none.sock is unreachable: '
        'unix:%s/none.sock: No such file or directory; the request was not '
        'carried out' % (tmp_path, tmp_path))


def test_a_database_that_goes_away_writes_nothing(server, make_db):
    writer = tm_writer.TaasWriter(make_db(server.remote, timeout=2))
    writer.ensure_service(service())
    ctl = ['ovs-appctl', '-t', server.dir + '/ovsdb-server.ctl']
    subprocess.check_call(ctl + ['ovsdb-server/remove-remote',
                                 'punix:' + server.socket])
    with pytest.raises(tm_exc.TrafficMirrorUnavailable) as e:
        writer.ensure_flow(flow())
    assert 'is unreachable' in str(e.value)
    subprocess.check_call(ctl + ['ovsdb-server/add-remote',
                                 'punix:' + server.socket])
    time.sleep(0.2)
    assert server.rows('Session') == [] and server.rows('Filter') == []
    deadline = time.time() + 30
    while True:
        try:
            writer.ensure_flow(flow())
            break
        except tm_exc.TrafficMirrorUnavailable:
            assert time.time() < deadline
    assert len(server.rows('Session')) == 1


def test_a_lost_race_for_a_session_number_is_retried(server, writer,
                                                     monkeypatch):
    writer.ensure_service(service())
    writer.ensure_flow(flow(1, 'IN'))
    real = commands.EnsureSessions._number
    calls = []

    def racy(source, used):
        calls.append(source)
        if len(calls) == 1:
            return 1      # what another writer just took
        return real(source, used)

    monkeypatch.setattr(commands.EnsureSessions, '_number',
                        staticmethod(racy))
    writer.ensure_flow(flow(2, 'OUT'))
    assert len(calls) == 2
    s = by_name(server, 'Session')
    assert s['taas-flow-tf-2']['session_number'] == 2


def test_a_required_unique_vni_schema_works(make_server, make_db):
    server = make_server(vni_index=True)
    writer = tm_writer.TaasWriter(make_db(server.remote))
    writer.ensure_service(service())
    writer.ensure_flow(flow(1, 'IN'))
    writer.ensure_flow(flow(1, 'IN'))
    writer.ensure_mirror(mirror({'OUT': 77}, port='vm-2'))
    writer.ensure_mirror(mirror({'OUT': 77}, port='vm-2'))
    s = by_name(server, 'Session')
    assert isinstance(s['taas-flow-tf-1']['vni'], int)
    assert s['taas-mirror-tm-1-out']['vni'] == 77
    assert len(s) == 2
    with pytest.raises(tm_exc.TrafficMirrorRefused):
        writer.ensure_mirror(mirror({'IN': 77}, n=2, port='vm-3'))


def test_a_lost_race_for_a_vni_is_retried(make_server, make_db, monkeypatch):
    server = make_server(vni_index=True)
    writer = tm_writer.TaasWriter(make_db(server.remote))
    writer.ensure_service(service())
    writer.ensure_flow(flow(1, 'IN'))
    taken = by_name(server, 'Session')['taas-flow-tf-1']['vni']
    real = commands.EnsureSessions._pick_vni
    calls = []

    def racy(used):
        calls.append(1)
        return taken if len(calls) == 1 else real(used)

    monkeypatch.setattr(commands.EnsureSessions, '_pick_vni',
                        staticmethod(racy))
    writer.ensure_flow(flow(2, 'OUT'))
    assert len(calls) == 2
    vnis = {r['vni'] for r in server.rows('Session')}
    assert len(vnis) == 2


def test_a_refusal_of_the_server_is_reported(server, writer, monkeypatch):
    writer.ensure_service(service())
    writer.ensure_flow(flow(1, 'IN'))
    monkeypatch.setattr(commands.EnsureSessions, '_number',
                        staticmethod(lambda source, used: 1))
    with pytest.raises(tm_exc.TrafficMirrorRefused) as e:
        writer.ensure_flow(flow(2, 'OUT'))
    assert 'the Traffic_Mirror database refused the change' in str(e.value)
    assert 'constraint violation' in str(e.value)
    assert tm_db.COMMIT_ATTEMPTS == 5


def test_busy_marks_a_resource_for_the_block(writer):
    assert not writer.is_busy(('flow', 'x'))
    with writer.busy(('flow', 'x')):
        with writer.busy(('flow', 'x')):
            assert writer.is_busy(('flow', 'x'))
        assert writer.is_busy(('flow', 'x'))
    assert not writer.is_busy(('flow', 'x'))


def test_conftest_schema_variants_are_the_tree_schema_with_or_without():
    plain = conftest.schema_json()
    both = conftest.schema_json(fan_out=True, vni_index=True)
    assert 'vlan' not in plain['tables']['Filter_Rule']['columns']
    assert 'independent' not in plain['tables']['Session']['columns']
    assert 'vlan' in both['tables']['Filter_Rule']['columns']
    assert ['vni'] in both['tables']['Session']['indexes']
    with open(conftest.SCHEMA) as f:
        tree = json.load(f)
    assert (both['tables']['Filter_Rule']['columns']['vlan']
            == tree['tables']['Filter_Rule']['columns']['vlan'])
    assert (both['tables']['Session']['columns']['independent']
            == tree['tables']['Session']['columns']['independent'])


def test_ssl_with_the_configured_files(make_server, make_db):
    server = make_server(ssl=True)
    pki = server.pki
    files = {'private_key': pki['client-key'],
             'certificate': pki['client-cert'], 'ca_cert': pki['ca-cert']}
    writer = tm_writer.TaasWriter(make_db(server.ssl_remote,
                                          ssl_files=files))
    writer.ensure_service(service())
    assert sorted(by_name(server, 'Target')) == ['taas-service-ts-1']


def test_ssl_with_a_foreign_ca_is_unavailable(make_server, make_db):
    server = make_server(ssl=True)
    other = make_server(ssl=True)
    files = {'private_key': server.pki['client-key'],
             'certificate': server.pki['client-cert'],
             'ca_cert': other.pki['ca-cert']}
    writer = tm_writer.TaasWriter(make_db(server.ssl_remote, timeout=2,
                                          ssl_files=files))
    with pytest.raises(tm_exc.TrafficMirrorUnavailable) as e:
        writer.ensure_service(service())
    assert server.ssl_remote in str(e.value)
    assert server.rows('Target') == []


def test_several_remotes_the_first_that_answers_serves(server, tmp_path):
    settings = config.Settings(['unix:%s/gone.sock' % tmp_path,
                                server.remote], 10, 0, None)
    db = tm_db.TrafficMirrorDb(settings)
    try:
        tm_writer.TaasWriter(db).ensure_service(service())
    finally:
        db.close()
    assert sorted(by_name(server, 'Target')) == ['taas-service-ts-1']


@pytest.mark.parametrize('timeout', [1, 3])
def test_a_silent_database_fails_after_the_timeout(make_db, tmp_path,
                                                   timeout):
    # A server that accepts the connection and never answers: the call
    # waits for [tmirror] timeout, not for ever, then names the database.
    path = str(tmp_path / 'silent.sock')
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.bind(path)
    silent.listen(8)
    try:
        writer = tm_writer.TaasWriter(make_db('unix:' + path,
                                              timeout=timeout))
        t0 = time.time()
        with pytest.raises(tm_exc.TrafficMirrorUnavailable) as e:
            writer.ensure_service(service())
        elapsed = time.time() - t0
    finally:
        silent.close()
    print('silent database, timeout %d s: refused after %.2f s'
          % (timeout, elapsed))
    assert timeout * 0.9 <= elapsed < timeout + 10
    assert str(e.value).startswith(
        'Traffic_Mirror database unix:%s is unreachable: ' % path)
    assert str(e.value).endswith('; the request was not carried out')
