# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""The connection of one neutron-server process to the Traffic_Mirror
database, through ovsdbapp.

TrafficMirrorDb owns the ovsdbapp connection (an OVS IDL replica of the
tables the driver uses, kept current by ovsdbapp's connection thread), the
schema features the driver detected when it connected, and the running of
transactions with bounded time and retries.  It connects lazily, once per
process (an IDL must not be shared across fork()), and again after a
failed attempt.
"""

import errno
import os
import ssl
import threading
import time

from oslo_log import log as logging
import ovs.jsonrpc
import ovs.poller
import ovs.stream
import ovs.timeval
from ovsdbapp import api as ovsdbapp_api
from ovsdbapp.backend import ovs_idl
from ovsdbapp.backend.ovs_idl import connection
from ovsdbapp.backend.ovs_idl import idlutils
from ovsdbapp import exceptions as ovsdbapp_exc

LOG = logging.getLogger(__name__)

SCHEMA = 'Traffic_Mirror'

# The tables the driver reads or writes.
TABLES = ('Target', 'Session', 'Filter', 'Filter_Rule', 'Session_Status',
          'Binding')

# Transactions that lose a race for a unique VNI or session number (the
# server's index check) are retried with new choices this many times.
COMMIT_ATTEMPTS = 5


class Unavailable(Exception):
    """The database did not answer in time; str() says where and why."""


class CommitFailed(Exception):
    """The database refused a transaction; str() has its error."""


class Features(object):
    """What the connected database's schema supports.

    'fan_out' is the driver's one switch for the columns that TaaS's VLAN
    filters and fan-out need: Filter_Rule.vlan and Session.independent.
    Both must be there; until then tap flows with vlan_filter, and a second
    tap of the same packets, are refused."""

    def __init__(self, schema_json):
        tables = schema_json.get('tables', {})

        def has(table, column):
            return column in tables.get(table, {}).get('columns', {})

        self.vlan = has('Filter_Rule', 'vlan')
        self.independent = has('Session', 'independent')
        self.fan_out = self.vlan and self.independent
        self.version = schema_json.get('version', '')

    def __repr__(self):
        return ('Features(version=%s, vlan=%s, independent=%s, fan_out=%s)'
                % (self.version, self.vlan, self.independent, self.fan_out))


def _backend_class():
    """A fresh ovsdbapp backend class: ovsdbapp keeps the connection in a
    class attribute, so each TrafficMirrorDb gets a class of its own."""

    class TrafficMirrorBackend(ovs_idl.Backend, ovsdbapp_api.API):
        schema = SCHEMA
        lookup_table = {}
        _ovsdb_connection = None

    return TrafficMirrorBackend


def _recv_reply(rpc, request_id, deadline_ms):
    """Waits for the reply to 'request_id' on 'rpc' until 'deadline_ms'.

    Returns the reply message, or raises Unavailable."""
    while True:
        error, msg = rpc.recv()
        if error == errno.EAGAIN:
            if ovs.timeval.msec() >= deadline_ms:
                raise Unavailable('no answer')
            rpc.run()
            poller = ovs.poller.Poller()
            rpc.wait(poller)
            rpc.recv_wait(poller)
            poller.timer_wait_until(deadline_ms)
            poller.block()
            continue
        if error:
            raise Unavailable(os.strerror(error) if error > 0 else 'EOF')
        if msg.id == request_id:
            return msg


def fetch_schema(remote, timeout):
    """Reads the Traffic_Mirror schema from one remote, within 'timeout'
    seconds (ovsdbapp's own fetch can block for ever on a silent peer).

    Returns the schema as JSON, or raises Unavailable saying why."""
    deadline = ovs.timeval.msec() + timeout * 1000
    try:
        error, strm = ovs.stream.Stream.open_block(
            ovs.stream.Stream.open(remote), timeout * 1000)
    except (OSError, ssl.SSLError) as e:
        # Python's ssl raises where OVS's streams return an errno.
        raise Unavailable('%s: %s' % (remote, e))
    if error:
        raise Unavailable('%s: %s' % (remote, os.strerror(error)))
    rpc = ovs.jsonrpc.Connection(strm)
    try:
        request = ovs.jsonrpc.Message.create_request('get_schema', [SCHEMA])
        error = rpc.send(request)
        if error:
            raise Unavailable('%s: %s' % (remote, os.strerror(error)))
        try:
            reply = _recv_reply(rpc, request.id, deadline)
        except Unavailable as e:
            raise Unavailable('%s: %s' % (remote, e))
        if reply.error:
            raise Unavailable('%s: serves no %s database (%s)'
                              % (remote, SCHEMA, reply.error))
        return reply.result
    finally:
        rpc.close()


def _fetch_any_schema(remotes, timeout):
    """The schema from the first of 'remotes' that answers, or raises
    Unavailable with every remote's reason."""
    reasons = []
    for remote in remotes:
        try:
            return fetch_schema(remote, timeout)
        except Unavailable as e:
            reasons.append(str(e))
    raise Unavailable('; '.join(reasons))


def idl_connected(idl):
    """Whether an IDL's session is connected now (the python IDL has no
    public call for it)."""
    return idl._session.is_connected()


def is_constraint_violation(error):
    """Whether a commit error is the server's index or reference check
    (another client took the same VNI or session number first)."""
    return 'constraint violation' in str(error)


class TrafficMirrorDb(object):
    """The Traffic_Mirror database as one neutron-server process sees it."""

    def __init__(self, settings):
        self._settings = settings
        self._lock = threading.Lock()
        self._api = None
        self._pid = None
        self.features = None

    @property
    def where(self):
        """The configured remotes, for messages."""
        return self._settings.connection

    def _unavailable(self, reason):
        """An Unavailable that says where the database was looked for."""
        return Unavailable('Traffic_Mirror database %s is unreachable: %s'
                           % (self.where, reason))

    def _connect(self):
        """Connects: fetches the schema, starts the IDL, waits for its first
        contents.  Returns the ovsdbapp API, or raises Unavailable."""
        s = self._settings
        if s.ssl_files:
            ovs.stream.Stream.ssl_set_private_key_file(
                s.ssl_files['private_key'])
            ovs.stream.Stream.ssl_set_certificate_file(
                s.ssl_files['certificate'])
            ovs.stream.Stream.ssl_set_ca_cert_file(s.ssl_files['ca_cert'])
        try:
            schema = _fetch_any_schema(s.remotes, s.timeout)
        except Unavailable as e:
            raise self._unavailable(e)
        helper = idlutils.create_schema_helper(schema)
        missing = [t for t in TABLES if t not in schema.get('tables', {})]
        if missing:
            raise self._unavailable('its schema has no table %s'
                                    % ', '.join(missing))
        for table in TABLES:
            helper.register_table(table)
        idl = connection.OvsdbIdl(s.connection, helper)
        conn = connection.Connection(idl, timeout=s.timeout)
        try:
            api = _backend_class()(conn)
        except ovsdbapp_exc.OvsdbConnectionUnavailable as e:
            raise self._unavailable(e)
        self.features = Features(schema)
        LOG.info('tmirror: connected to the Traffic_Mirror database %s, '
                 'schema %s', self.where, self.features)
        return api

    def api(self):
        """The ovsdbapp API of this process's connection, connecting first
        if needed; raises Unavailable."""
        with self._lock:
            if self._api is None or self._pid != os.getpid():
                self._api = None
                self._api = self._connect()
                self._pid = os.getpid()
            return self._api

    def connected_api(self):
        """Like api(), but also waits (up to the timeout) for the IDL to be
        connected now, so that a transaction does not wait on a dead
        server; raises Unavailable."""
        api = self.api()
        deadline = time.time() + self._settings.timeout
        while not idl_connected(api.idl):
            if time.time() >= deadline:
                raise self._unavailable('no connection for %d s'
                                        % self._settings.timeout)
            time.sleep(0.1)
        return api

    def is_connected(self):
        """Whether this process has a live connection (without trying to
        make one)."""
        api = self._api
        return (api is not None and self._pid == os.getpid()
                and idl_connected(api.idl))

    def read(self, func):
        """Calls func(tables) with the IDL's tables while the connection
        thread cannot change them, and returns what it returns."""
        api = self.api()
        with api.ovsdb_connection.lock:
            return func(api.tables)

    def transact(self, make_commands, what):
        """Runs the commands that make_commands(api) returns in one
        transaction: all of them happen or none does.

        A transaction that loses a race for a unique value is retried with
        fresh commands (they choose again).  Returns the commands' results.
        Raises Unavailable when the database does not answer within the
        timeout, CommitFailed when it refuses, and lets the commands' own
        exceptions (refusals) through.  'what' names the change in
        messages."""
        for attempt in range(1, COMMIT_ATTEMPTS + 1):
            api = self.connected_api()
            commands = make_commands(api)
            try:
                with api.transaction(check_error=True,
                                     log_errors=False) as txn:
                    for command in commands:
                        txn.add(command)
                return [c.result for c in commands]
            except ovsdbapp_exc.TimeoutException:
                raise self._unavailable('%s: no answer within %d s'
                                        % (what, self._settings.timeout))
            except RuntimeError as e:
                if 'timed out' in str(e):
                    raise self._unavailable('%s: no answer within %d s'
                                            % (what, self._settings.timeout))
                if is_constraint_violation(e) and attempt < COMMIT_ATTEMPTS:
                    LOG.info('tmirror: %s: retrying after %s', what, e)
                    time.sleep(0.05 * attempt)
                    continue
                raise CommitFailed('%s: the Traffic_Mirror database refused '
                                   'the change: %s' % (what, e))

    def close(self):
        """Stops this process's connection, if any."""
        with self._lock:
            if self._api is not None and self._pid == os.getpid():
                self._api.ovsdb_connection.stop(timeout=self._settings.timeout)
            self._api = None
