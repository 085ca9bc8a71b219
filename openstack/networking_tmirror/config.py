# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""The [tmirror] section of neutron.conf, and its validation."""

import os
import re

from oslo_config import cfg

GROUP = 'tmirror'

OPTS = [
    cfg.StrOpt('ovsdb_connection',
               default='unix:/var/run/openvswitch/tmirror.sock',
               help='The Traffic_Mirror database: one remote, or several '
                    'separated by commas (the members of a clustered '
                    'database), each unix:PATH, tcp:HOST:PORT or '
                    'ssl:HOST:PORT.'),
    cfg.StrOpt('ssl_private_key',
               help='PEM file with the private key for ssl: remotes.'),
    cfg.StrOpt('ssl_certificate',
               help='PEM file with the certificate for ssl: remotes.'),
    cfg.StrOpt('ssl_ca_cert',
               help='PEM file with the CA certificate that signed the '
                    'database server\'s certificate, for ssl: remotes.'),
    cfg.IntOpt('timeout', default=10, min=1, max=3600,
               help='Seconds to wait for the Traffic_Mirror database to '
                    'connect or to commit a transaction; an API call that '
                    'needs it fails after that long.'),
    cfg.IntOpt('sync_interval', default=10, min=0, max=3600,
               help='Seconds between two passes of the periodic task that '
                    'copies Session_Status into the TaaS status and repairs '
                    'Traffic_Mirror rows that differ from Neutron; 0 turns '
                    'it off.'),
]

# tcp:HOST:PORT or ssl:HOST:PORT; HOST may be [IPv6].
_INET_REMOTE = re.compile(r'^(tcp|ssl):(\[[0-9a-fA-F:.]+\]|[^:\[\]]+):'
                          r'([0-9]+)$')


class ConfigError(ValueError):
    """A [tmirror] option whose value cannot work; the message names it."""


class Settings(object):
    """The validated [tmirror] options: what the driver runs with."""

    def __init__(self, remotes, timeout, sync_interval, ssl_files):
        self.remotes = remotes
        self.timeout = timeout
        self.sync_interval = sync_interval
        self.ssl_files = ssl_files

    @property
    def connection(self):
        """The remotes as one string, as the OVS IDL takes them."""
        return ','.join(self.remotes)


def register(conf=cfg.CONF):
    """Registers the [tmirror] options in 'conf' (once)."""
    conf.register_opts(OPTS, GROUP)


def list_opts():
    """The options, for oslo-config-generator."""
    return [(GROUP, OPTS)]


def parse_remotes(value):
    """Splits and checks an ovsdb_connection value.

    Returns the list of remotes, or raises ConfigError naming the option and
    the offending remote."""
    remotes = [r.strip() for r in (value or '').split(',')]
    if remotes == ['']:
        raise ConfigError('[tmirror] ovsdb_connection is empty (expected '
                          'unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT)')
    for remote in remotes:
        if not remote:
            raise ConfigError('[tmirror] ovsdb_connection "%s" has an empty '
                              'remote between commas' % value)
        if remote.startswith('unix:'):
            if len(remote) == len('unix:'):
                raise ConfigError('[tmirror] ovsdb_connection: "%s" has no '
                                  'socket path' % remote)
            continue
        m = _INET_REMOTE.match(remote)
        if not m:
            raise ConfigError('[tmirror] ovsdb_connection: "%s" is not '
                              'unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT'
                              % remote)
        port = int(m.group(3))
        if not 1 <= port <= 65535:
            raise ConfigError('[tmirror] ovsdb_connection: "%s" has port %d '
                              '(expected 1 to 65535)' % (remote, port))
    return remotes


def _ssl_files(group, remotes):
    """Checks the SSL options when a remote needs them.

    Returns {'private_key': path, 'certificate': path, 'ca_cert': path}, or
    None when no remote is ssl:."""
    if not any(r.startswith('ssl:') for r in remotes):
        return None
    files = {}
    for key in ('private_key', 'certificate', 'ca_cert'):
        opt = 'ssl_' + key
        path = getattr(group, opt)
        if not path:
            raise ConfigError('[tmirror] %s is required with an ssl: remote '
                              'in ovsdb_connection' % opt)
        if not os.access(path, os.R_OK):
            raise ConfigError('[tmirror] %s: cannot read "%s"' % (opt, path))
        files[key] = path
    return files


def load(conf=cfg.CONF):
    """Reads and validates the [tmirror] options of 'conf'.

    Returns Settings, or raises ConfigError with a message that names the
    option and the value."""
    register(conf)
    group = conf[GROUP]
    remotes = parse_remotes(group.ovsdb_connection)
    return Settings(remotes, group.timeout, group.sync_interval,
                    _ssl_files(group, remotes))
