# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""Fixtures: a scratch ovsdb-server with tmirror's Traffic_Mirror schema
(or a variant of it), and the driver's connection to it."""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from networking_tmirror import config
from networking_tmirror import tm_db

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.normpath(os.path.join(HERE, '..', '..', '..', 'ovsdb',
                                       'tmirror.ovsschema'))
SBIN = ['/usr/sbin', '/usr/bin', '/sbin', '/bin']


def _tool(name):
    """The path of an OVS program (Debian puts ovsdb-server in sbin)."""
    for d in SBIN:
        path = os.path.join(d, name)
        if os.access(path, os.X_OK):
            return path
    raise RuntimeError('%s is not installed (openvswitch-switch)' % name)


def schema_json(fan_out=False, vni_index=False):
    """tmirror's schema with or without the columns of the driver's fan_out
    switch (Filter_Rule.vlan, Session.independent: without them, the schema
    of a tmirror before 1.2.0, which the driver must still serve), and
    optionally with the VNI of a later schema: required, 1 to 16777215,
    unique."""
    with open(SCHEMA) as f:
        schema = json.load(f)
    schema.pop('cksum', None)
    tables = schema['tables']
    if fan_out:
        tables['Filter_Rule']['columns']['vlan'] = {
            'type': {'key': 'string', 'min': 0, 'max': 1}}
        tables['Session']['columns']['independent'] = {'type': 'boolean'}
    else:
        tables['Filter_Rule']['columns'].pop('vlan', None)
        tables['Session']['columns'].pop('independent', None)
    if vni_index:
        session = tables['Session']
        session['columns']['vni'] = {
            'type': {'key': {'type': 'integer', 'minInteger': 1,
                             'maxInteger': 16777215}}}
        if ['vni'] not in session['indexes']:
            session['indexes'].append(['vni'])
    return schema


def make_pki(directory):
    """A CA and, signed by it, a key and certificate for 'server' and for
    'client', with openssl, in 'directory'.  Returns {name: path}."""
    def run(*args):
        subprocess.check_call(('openssl',) + args, cwd=directory,
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)

    ec = ('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
          '-nodes')
    run('req', '-x509', *ec, '-keyout', 'ca-key.pem', '-out', 'ca-cert.pem',
        '-days', '2', '-subj', '/CN=tmirror-test-ca')
    for name in ('server', 'client'):
        run('req', *ec, '-keyout', name + '-key.pem', '-out',
            name + '-req.pem', '-subj', '/CN=' + name)
        run('x509', '-req', '-in', name + '-req.pem', '-CA', 'ca-cert.pem',
            '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2',
            '-out', name + '-cert.pem')
    return {n: os.path.join(directory, n + '.pem') for n in (
        'ca-cert', 'server-key', 'server-cert', 'client-key',
        'client-cert')}


class Server(object):
    """One ovsdb-server serving a Traffic_Mirror database in 'directory'
    on a Unix socket and, with 'ssl', also over SSL on 127.0.0.1 (its
    remote in 'ssl_remote', the certificates in 'pki')."""

    def __init__(self, directory, schema, ssl=False):
        self.dir = directory
        self.socket = os.path.join(directory, 'tm.sock')
        self.remote = 'unix:' + self.socket
        path = os.path.join(directory, 'schema.json')
        with open(path, 'w') as f:
            json.dump(schema, f)
        db = os.path.join(directory, 'tm.db')
        subprocess.check_call([_tool('ovsdb-tool'), 'create', db, path])
        self.pidfile = os.path.join(directory, 'ovsdb-server.pid')
        log = os.path.join(directory, 'ovsdb-server.log')
        args = [_tool('ovsdb-server'), db, '--detach', '--no-chdir',
                '--pidfile=' + self.pidfile,
                '--unixctl=' + os.path.join(directory, 'ovsdb-server.ctl'),
                '--log-file=' + log, '-vconsole:off',
                '--remote=punix:' + self.socket]
        if ssl:
            self.pki = make_pki(directory)
            args += ['--private-key=' + self.pki['server-key'],
                     '--certificate=' + self.pki['server-cert'],
                     '--ca-cert=' + self.pki['ca-cert'],
                     '--remote=pssl:0:127.0.0.1']
        subprocess.check_call(args)
        deadline = time.time() + 30
        while not os.path.exists(self.socket):
            if time.time() > deadline:
                raise RuntimeError('ovsdb-server did not start')
            time.sleep(0.05)
        if ssl:
            self.ssl_remote = 'ssl:127.0.0.1:%d' % self._port(log, deadline)

    @staticmethod
    def _port(log, deadline):
        """The port ovsdb-server says, in its log, that it listens on."""
        while True:
            with open(log) as f:
                m = re.search(r'listening on port ([0-9]+)', f.read())
            if m:
                return int(m.group(1))
            if time.time() > deadline:
                raise RuntimeError('ovsdb-server does not listen for SSL')
            time.sleep(0.05)

    def transact(self, *ops):
        """Runs raw OVSDB operations with ovsdb-client; returns the result
        list."""
        out = subprocess.check_output(
            [_tool('ovsdb-client'), 'transact', self.remote,
             json.dumps(['Traffic_Mirror'] + list(ops))])
        return json.loads(out)

    def rows(self, table, columns=None):
        """All rows of 'table' (the given columns), through ovsdb-client,
        independently of the driver's IDL."""
        op = {'op': 'select', 'table': table, 'where': []}
        if columns:
            op['columns'] = columns
        return self.transact(op)[0]['rows']

    def stop(self):
        """Stops the server."""
        try:
            with open(self.pidfile) as f:
                os.kill(int(f.read()), signal.SIGTERM)
        except (OSError, ValueError):
            pass


@pytest.fixture
def make_server():
    """A factory of scratch servers, all stopped at the end."""
    servers = []
    dirs = []

    def make(ssl=False, **variant):
        d = tempfile.mkdtemp(prefix='tm-unit-')
        dirs.append(d)
        servers.append(Server(d, schema_json(**variant), ssl))
        return servers[-1]

    yield make
    for s in servers:
        s.stop()
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def server(make_server):
    """A scratch server with this tree's schema without the fan-out
    columns (see schema_json())."""
    return make_server()


@pytest.fixture
def make_db():
    """A factory of TrafficMirrorDb connections, closed at the end."""
    dbs = []

    def make(remote, timeout=5, ssl_files=None):
        settings = config.Settings([remote], timeout, 0, ssl_files)
        dbs.append(tm_db.TrafficMirrorDb(settings))
        return dbs[-1]

    yield make
    for db in dbs:
        db.close()


@pytest.fixture
def db(server, make_db):
    """The driver's connection to the scratch server."""
    return make_db(server.remote)
