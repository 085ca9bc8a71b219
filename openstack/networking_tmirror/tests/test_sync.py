# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""The periodic sync (sync.py): repairs, orphans and status, with a
stand-in TaaS plugin and a real Traffic_Mirror database."""

import contextlib
import time

import pytest

from networking_tmirror import sync
from networking_tmirror import writer as tm_writer

from networking_tmirror.tests.test_writer import by_name
from networking_tmirror.tests.test_writer import flow
from networking_tmirror.tests.test_writer import mirror
from networking_tmirror.tests.test_writer import service


class TaasPlugin(object):
    """The resources of a TaaS plugin, in memory."""

    def __init__(self):
        self.services = {}
        self.flows = {}

    def get_tap_services(self, ctx):
        return [dict(s) for s in self.services.values()]

    def get_tap_flows(self, ctx):
        return [dict(f) for f in self.flows.values()]

    def get_tap_service(self, ctx, i):
        return dict(self.services[i])

    def get_tap_flow(self, ctx, i):
        return dict(self.flows[i])

    def update_tap_service(self, ctx, i, body):
        self.services[i].update(body['tap_service'])

    def update_tap_flow(self, ctx, i, body):
        self.flows[i].update(body['tap_flow'])


class MirrorPlugin(object):
    """The resources of TaaS 15's tap mirror plugin, in memory."""

    def __init__(self):
        self.mirrors = {}

    def get_tap_mirrors(self, ctx):
        return [dict(m) for m in self.mirrors.values()]


@pytest.fixture(autouse=True)
def no_neutron_db(monkeypatch):
    """The sync's Neutron context and transaction, without a database."""
    class Writer(object):
        @staticmethod
        def using(ctx):
            return contextlib.nullcontext()

    monkeypatch.setattr(sync.n_context, 'get_admin_context', lambda: 'ctx')
    monkeypatch.setattr(sync.db_api, 'CONTEXT_WRITER', Writer)


@pytest.fixture
def writer(db):
    return tm_writer.TaasWriter(db)


@pytest.fixture
def plugin():
    p = TaasPlugin()
    p.services['ts-1'] = service()
    p.flows['tf-1'] = flow()
    return p


def settle():
    """Lets the driver's IDL see changes made with ovsdb-client."""
    time.sleep(0.3)


def test_missing_rows_are_written(server, writer, plugin):
    s = sync.Synchronizer(plugin, writer, grace=0)
    assert s.run_once()['repaired'] == 2
    assert sorted(by_name(server, 'Session')) == ['taas-flow-tf-1']
    assert s.run_once()['repaired'] == 0


def test_nothing_is_done_before_the_grace_period(server, writer, plugin,
                                                 monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(sync.time, 'monotonic', lambda: clock[0])
    s = sync.Synchronizer(plugin, writer, grace=10)
    assert s.run_once()['repaired'] == 0
    clock[0] += 5
    assert s.run_once()['repaired'] == 0
    assert server.rows('Target') == []
    clock[0] += 5
    assert s.run_once()['repaired'] == 2
    assert len(server.rows('Target')) == 1


def test_a_discrepancy_that_goes_away_starts_over(server, writer, plugin,
                                                  monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(sync.time, 'monotonic', lambda: clock[0])
    s = sync.Synchronizer(plugin, writer, grace=10)
    s.run_once()
    writer.ensure_service(service())
    writer.ensure_flow(flow())
    clock[0] += 8
    s.run_once()
    writer.delete_flow('tf-1')
    clock[0] += 8
    assert s.run_once()['repaired'] == 0
    clock[0] += 10
    assert s.run_once()['repaired'] == 1


def test_busy_and_deleting_resources_are_left_alone(server, writer, plugin):
    plugin.flows['tf-1']['status'] = 'PENDING_DELETE'
    s = sync.Synchronizer(plugin, writer, grace=0)
    with writer.busy(('service', 'ts-1')):
        assert s.run_once()['repaired'] == 0
    assert s.run_once()['repaired'] == 1
    assert server.rows('Session') == []


def test_orphans_are_deleted(server, writer, plugin):
    writer.ensure_service(service())
    writer.ensure_flow(flow())
    writer.ensure_service(service(2, 'app-2'))
    writer.ensure_flow(flow(9, 'IN', 'vm-9', ts=2))
    s = sync.Synchronizer(plugin, writer, grace=0)
    assert s.run_once()['deleted'] == 2
    assert sorted(by_name(server, 'Session')) == ['taas-flow-tf-1']
    assert sorted(by_name(server, 'Target')) == ['taas-service-ts-1']
    assert sorted(by_name(server, 'Filter')) == ['taas-flow-tf-1']


def test_each_plugin_owns_only_its_resources(server, writer, plugin):
    writer.ensure_service(service())
    writer.ensure_flow(flow())
    mirrors = MirrorPlugin()
    mirrors.mirrors['tm-1'] = mirror({'IN': 7}, port='vm-2')
    s = sync.Synchronizer(mirrors, writer, grace=0)
    summary = s.run_once()
    assert (summary['repaired'], summary['deleted']) == (1, 0)
    assert sorted(by_name(server, 'Session')) == ['taas-flow-tf-1',
                                                  'taas-mirror-tm-1-in']
    assert sync.Synchronizer(plugin, writer, grace=0).run_once()[
        'deleted'] == 0
    del mirrors.mirrors['tm-1']
    assert s.run_once()['deleted'] == 1
    assert sorted(by_name(server, 'Session')) == ['taas-flow-tf-1']


def _report(server, session, chassis, state, message=''):
    server.transact({'op': 'insert', 'table': 'Session_Status',
                     'row': {'session': ['uuid', session],
                             'chassis_name': chassis, 'state': state,
                             'message': message}})


def test_status_follows_session_status_and_binding(server, writer, plugin):
    s = sync.Synchronizer(plugin, writer, grace=0)
    s.run_once()
    assert (plugin.flows['tf-1']['status'],
            plugin.services['ts-1']['status']) == ('DOWN', 'DOWN')
    session = by_name(server, 'Session')['taas-flow-tf-1']['_uuid']
    _report(server, session, 'hv2', 'pending', 'source port vm-1 is not on '
            'this chassis')
    _report(server, session, 'hv1', 'error', 'target t: appliance port '
            'app-1 is not on this chassis\'s mirror bridge')
    settle()
    assert s.run_once()['status'] == 1
    assert plugin.flows['tf-1']['status'] == 'ERROR'
    server.transact({'op': 'update', 'table': 'Session_Status',
                     'where': [['chassis_name', '==', 'hv1']],
                     'row': {'state': 'active', 'message': ''}},
                    {'op': 'insert', 'table': 'Binding',
                     'row': {'port': 'app-1', 'chassis_name': 'hv1'}})
    settle()
    assert s.run_once()['status'] == 2
    assert (plugin.flows['tf-1']['status'],
            plugin.services['ts-1']['status']) == ('ACTIVE', 'ACTIVE')
    assert s.run_once()['status'] == 0


def test_a_flow_that_cannot_be_repaired_is_error(server, writer, plugin):
    plugin.flows['tf-1']['vlan_filter'] = '9'
    s = sync.Synchronizer(plugin, writer, grace=0)
    s.run_once()
    assert plugin.flows['tf-1']['status'] == 'ERROR'


def test_a_delete_in_progress_keeps_its_status(server, writer, plugin):
    s = sync.Synchronizer(plugin, writer, grace=0)
    s.run_once()
    plugin.flows['tf-1']['status'] = 'PENDING_DELETE'
    s.run_once()
    assert plugin.flows['tf-1']['status'] == 'PENDING_DELETE'


def test_a_pass_without_database_does_nothing(make_db, tmp_path, plugin):
    w = tm_writer.TaasWriter(make_db('unix:%s/none.sock' % tmp_path, 1))
    assert sync.Synchronizer(plugin, w, grace=0).run_once() == \
        {'repaired': 0, 'deleted': 0, 'status': 0}
