# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""TmirrorTaasDriver as the TaaS plugin calls it (taas_driver.py), with a
stand-in plugin and a real Traffic_Mirror database."""

from neutron_lib import exceptions as n_exc
from neutron_taas.db import taas_db
from neutron_taas.services.taas import service_drivers
from oslo_config import cfg
import pytest

from networking_tmirror import config
from networking_tmirror import exceptions as tm_exc
from networking_tmirror import taas_driver

from networking_tmirror.tests.test_writer import by_name
from networking_tmirror.tests.test_writer import flow
from networking_tmirror.tests.test_writer import mirror
from networking_tmirror.tests.test_writer import service


class Plugin(object):
    """The part of the TaaS plugin the driver uses."""

    def __init__(self):
        self.ports = {}

    def add_port(self, port_id, host='hv1'):
        self.ports[port_id] = {'id': port_id, 'binding:host_id': host}

    def get_port_details(self, context, port_id):
        try:
            return self.ports[port_id]
        except KeyError:
            raise n_exc.PortNotFound(port_id=port_id)


class Context(object):
    """A TaaS service driver context (service_driver_context.py)."""

    def __init__(self, plugin, **resource):
        self._plugin = plugin
        self._plugin_context = 'ctx'
        for k, v in resource.items():
            setattr(self, k, v)


@pytest.fixture
def tmirror_conf():
    """Points [tmirror] of cfg.CONF at a test database; undone after."""
    config.register()
    names = []

    def set_opts(**opts):
        for k, v in opts.items():
            cfg.CONF.set_override(k, v, 'tmirror')
            names.append(k)

    yield set_opts
    for k in names:
        cfg.CONF.clear_override(k, 'tmirror')


@pytest.fixture
def driver(server, tmirror_conf):
    tmirror_conf(ovsdb_connection=server.remote, timeout=3, sync_interval=0)
    plugin = Plugin()
    for p in ('app-1', 'app-2', 'vm-1', 'vm-2'):
        plugin.add_port(p)
    plugin.add_port('loose', host='')
    d = taas_driver.TmirrorTaasDriver(plugin)
    yield d
    d._db.close()


@pytest.fixture
def neutron_deletes(monkeypatch):
    """Records the Neutron deletes the driver makes itself."""
    calls = []
    monkeypatch.setattr(taas_db.Taas_db_Mixin, 'delete_tap_service',
                        lambda plugin, ctx, i: calls.append(('service', i)))
    monkeypatch.setattr(taas_db.Taas_db_Mixin, 'delete_tap_flow',
                        lambda plugin, ctx, i: calls.append(('flow', i)))
    return calls


def test_it_is_a_taas_service_driver(driver):
    assert isinstance(driver, service_drivers.TaasBaseDriver)


def test_create_service_and_flow(driver, server):
    ctx = Context(driver.service_plugin, tap_service=service())
    driver.create_tap_service_precommit(ctx)
    driver.create_tap_service_postcommit(ctx)
    ctx = Context(driver.service_plugin, tap_flow=flow(port='vm-1'))
    driver.create_tap_flow_precommit(ctx)
    driver.create_tap_flow_postcommit(ctx)
    assert sorted(by_name(server, 'Target')) == ['taas-service-ts-1']
    assert sorted(by_name(server, 'Session')) == ['taas-flow-tf-1']


def test_unknown_and_unbound_ports_are_refused(driver, server):
    ctx = Context(driver.service_plugin,
                  tap_service=service(port='nowhere'))
    with pytest.raises(n_exc.PortNotFound):
        driver.create_tap_service_precommit(ctx)
    ctx = Context(driver.service_plugin, tap_service=service(port='loose'))
    with pytest.raises(tm_exc.PortNotBound) as e:
        driver.create_tap_service_precommit(ctx)
    assert str(e.value) == (
        'Tap service port loose is bound to no host (binding:host_id is '
        'empty): tmirror mirrors ports that a hypervisor has plugged')
    ctx = Context(driver.service_plugin, tap_flow=flow(port='loose'))
    with pytest.raises(tm_exc.PortNotBound) as e:
        driver.create_tap_flow_precommit(ctx)
    assert str(e.value).startswith('Tap flow source port loose is bound to '
                                   'no host')
    ctx = Context(driver.service_plugin, tap_flow=flow(port='nowhere'))
    with pytest.raises(n_exc.PortNotFound):
        driver.create_tap_flow_precommit(ctx)
    assert server.rows('Target') == [] and server.rows('Session') == []


def test_a_vlan_filter_is_refused_before_anything_is_written(driver,
                                                             server):
    ctx = Context(driver.service_plugin, tap_flow=flow(vlan='9,18-27'))
    with pytest.raises(n_exc.BadRequest) as e:
        driver.create_tap_flow_precommit(ctx)
    assert str(e.value).startswith('Bad tap_flow request: vlan_filter: '
                                   '9,18-27 cannot be honoured')


def test_deletes_of_active_resources_delete_the_neutron_rows(
        driver, server, neutron_deletes):
    p = driver.service_plugin
    driver.create_tap_service_postcommit(Context(p, tap_service=service()))
    driver.create_tap_flow_postcommit(Context(p, tap_flow=flow()))
    driver.delete_tap_flow_precommit(Context(p, tap_flow=flow()))
    assert server.rows('Session') == []
    driver.delete_tap_service_precommit(Context(p, tap_service=service()))
    assert server.rows('Target') == []
    assert neutron_deletes == [('flow', 'tf-1'), ('service', 'ts-1')]


def test_deletes_of_other_resources_leave_neutron_alone(
        driver, server, neutron_deletes):
    p = driver.service_plugin
    driver.create_tap_service_postcommit(Context(p, tap_service=service()))
    driver.create_tap_flow_postcommit(Context(p, tap_flow=flow()))
    driver.delete_tap_flow_postcommit(Context(p, tap_flow=flow()))
    driver.delete_tap_service_postcommit(Context(p, tap_service=service()))
    assert server.rows('Target') == [] and server.rows('Session') == []
    assert neutron_deletes == []


def test_a_failed_delete_keeps_the_neutron_row(driver, server,
                                               neutron_deletes):
    p = driver.service_plugin
    driver.create_tap_service_postcommit(Context(p, tap_service=service()))
    server.stop()
    with pytest.raises(tm_exc.TrafficMirrorUnavailable) as e:
        driver.delete_tap_service_precommit(Context(p, tap_service=service()))
    assert 'is unreachable' in str(e.value)
    assert neutron_deletes == []


def test_tap_mirrors_of_taas_15(driver, server):
    p = driver.service_plugin
    tm = mirror({'IN': 11, 'OUT': 12}, mirror_type='gre')
    driver.create_tap_mirror_precommit(Context(p, tap_mirror=tm))
    driver.create_tap_mirror_postcommit(Context(p, tap_mirror=tm))
    t = by_name(server, 'Target')['taas-mirror-tm-1']
    assert (t['type'], t['encap']) == ('ip', 'gre')
    assert sorted((r['name'], r['vni']) for r in
                  by_name(server, 'Session').values()) == \
        [('taas-mirror-tm-1-in', 11), ('taas-mirror-tm-1-out', 12)]
    driver.delete_tap_mirror_precommit(Context(p, tap_mirror=tm))
    driver.delete_tap_mirror_postcommit(Context(p, tap_mirror=tm))
    assert server.rows('Target') == [] and server.rows('Session') == []


def test_a_tap_mirror_on_an_unbound_port_writes_nothing(driver, server):
    tm = mirror({'IN': 11}, port='loose')
    with pytest.raises(tm_exc.PortNotBound):
        driver.create_tap_mirror_precommit(Context(driver.service_plugin,
                                                   tap_mirror=tm))
    tm = mirror({'IN': 2000})
    with pytest.raises(n_exc.BadRequest) as e:
        driver.create_tap_mirror_precommit(Context(driver.service_plugin,
                                                   tap_mirror=tm))
    assert 'tunnel id 2000 is out of range (1 to 1023' in str(e.value)
    assert server.rows('Target') == [] and server.rows('Session') == []


def test_a_bad_option_stops_the_driver(tmirror_conf):
    tmirror_conf(ovsdb_connection='tcp:192.0.2.1')
    with pytest.raises(config.ConfigError) as e:
        taas_driver.TmirrorTaasDriver(Plugin())
    assert '"tcp:192.0.2.1" is not unix:PATH' in str(e.value)


def test_the_database_down_is_a_503_that_names_it(tmirror_conf, tmp_path):
    remote = 'unix:%s/none.sock' % tmp_path
    tmirror_conf(ovsdb_connection=remote, timeout=1, sync_interval=0)
    plugin = Plugin()
    plugin.add_port('app-1')
    d = taas_driver.TmirrorTaasDriver(plugin)
    ctx = Context(plugin, tap_service=service())
    d.create_tap_service_precommit(ctx)
    with pytest.raises(tm_exc.TrafficMirrorUnavailable) as e:
        d.create_tap_service_postcommit(ctx)
    assert isinstance(e.value, n_exc.ServiceUnavailable)
    assert str(e.value).startswith('Traffic_Mirror database %s is '
                                   'unreachable' % remote)


def test_no_sync_loop_when_turned_off(driver):
    driver._start_sync()
    assert driver._loop is None


def test_the_sync_starts_once_the_workers_are_forked(server, tmirror_conf):
    from neutron_lib.callbacks import events
    from neutron_lib.callbacks import registry
    from neutron_lib.callbacks import resources
    tmirror_conf(ovsdb_connection=server.remote, timeout=3, sync_interval=60)
    d = taas_driver.TmirrorTaasDriver(Plugin())
    try:
        ctx = Context(d.service_plugin, tap_service=service())
        d.service_plugin.add_port('app-1')
        d.create_tap_service_precommit(ctx)
        assert d._loop is None
        registry.publish(resources.PROCESS, events.AFTER_SPAWN, None)
        loop = d._loop
        assert loop is not None
        registry.publish(resources.PROCESS, events.AFTER_SPAWN, None)
        assert d._loop is loop
    finally:
        if d._loop is not None:
            d._loop.stop()
        d._db.close()
