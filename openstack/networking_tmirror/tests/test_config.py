# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""The [tmirror] options and their checks (config.py)."""

import os

from oslo_config import cfg
import pytest

from networking_tmirror import config


@pytest.mark.parametrize('value, remotes', [
    ('unix:/run/tm.sock', ['unix:/run/tm.sock']),
    ('tcp:192.0.2.1:6650', ['tcp:192.0.2.1:6650']),
    ('ssl:[2001:db8::1]:6650', ['ssl:[2001:db8::1]:6650']),
    ('tcp:10.0.0.1:6650, tcp:10.0.0.2:6650,tcp:10.0.0.3:6650',
     ['tcp:10.0.0.1:6650', 'tcp:10.0.0.2:6650', 'tcp:10.0.0.3:6650']),
    ('tcp:db.example:6650', ['tcp:db.example:6650'])])
def test_remotes_accepted(value, remotes):
    assert config.parse_remotes(value) == remotes


@pytest.mark.parametrize('value, message', [
    ('', '[tmirror] ovsdb_connection is empty (expected unix:PATH, '
         'tcp:HOST:PORT or ssl:HOST:PORT)'),
    ('tcp:1.2.3.4', '[tmirror] ovsdb_connection: "tcp:1.2.3.4" is not '
                    'unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT'),
    ('punix:/x', '[tmirror] ovsdb_connection: "punix:/x" is not unix:PATH, '
                 'tcp:HOST:PORT or ssl:HOST:PORT'),
    ('tcp:1.2.3.4:0', '[tmirror] ovsdb_connection: "tcp:1.2.3.4:0" has '
                      'port 0 (expected 1 to 65535)'),
    ('tcp:1.2.3.4:70000', '[tmirror] ovsdb_connection: "tcp:1.2.3.4:70000" '
                          'has port 70000 (expected 1 to 65535)'),
    ('unix:', '[tmirror] ovsdb_connection: "unix:" has no socket path'),
    ('unix:/a,,unix:/b', '[tmirror] ovsdb_connection "unix:/a,,unix:/b" '
                         'has an empty remote between commas')])
def test_remotes_refused(value, message):
    with pytest.raises(config.ConfigError) as e:
        config.parse_remotes(value)
    assert str(e.value) == message


@pytest.fixture
def conf():
    """A private ConfigOpts with the [tmirror] options."""
    c = cfg.ConfigOpts()
    config.register(c)
    c([], project='test')
    return c


def test_defaults(conf):
    s = config.load(conf)
    assert s.remotes == ['unix:/var/run/openvswitch/tmirror.sock']
    assert (s.timeout, s.sync_interval, s.ssl_files) == (10, 10, None)


def test_several_remotes_make_one_connection_string(conf):
    conf.set_override('ovsdb_connection', 'tcp:10.0.0.1:6650,'
                      'tcp:10.0.0.2:6650', 'tmirror')
    assert config.load(conf).connection == \
        'tcp:10.0.0.1:6650,tcp:10.0.0.2:6650'


def test_ssl_needs_the_three_files(conf, tmp_path):
    conf.set_override('ovsdb_connection', 'ssl:192.0.2.1:6650', 'tmirror')
    with pytest.raises(config.ConfigError) as e:
        config.load(conf)
    assert str(e.value) == ('[tmirror] ssl_private_key is required with an '
                            'ssl: remote in ovsdb_connection')
    files = {}
    for key in ('private_key', 'certificate', 'ca_cert'):
        path = tmp_path / (key + '.pem')
        path.write_text('x')
        files[key] = str(path)
        conf.set_override('ssl_' + key, str(path), 'tmirror')
    os.chmod(files['ca_cert'], 0)
    if not os.access(files['ca_cert'], os.R_OK):
        with pytest.raises(config.ConfigError) as e:
            config.load(conf)
        assert str(e.value) == ('[tmirror] ssl_ca_cert: cannot read "%s"'
                                % files['ca_cert'])
    os.chmod(files['ca_cert'], 0o600)
    assert config.load(conf).ssl_files == files


def test_timeout_range_is_checked_by_oslo(conf):
    with pytest.raises(ValueError):
        conf.set_override('timeout', 0, 'tmirror')


def test_list_opts_for_the_sample_generator():
    (group, opts), = config.list_opts()
    assert group == 'tmirror'
    assert [o.name for o in opts] == [
        'ovsdb_connection', 'ssl_private_key', 'ssl_certificate',
        'ssl_ca_cert', 'timeout', 'sync_interval']
