#! /usr/bin/env python3
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# Usage: bench-fleet.py load SOCKET SESSIONS CHASSIS
#        bench-fleet.py touch SOCKET SESSION-NAME
#        bench-fleet.py count SOCKET TABLE [COLUMN VALUE]
#
# The synthetic fleet of tmirror-bench's "fleet-db" scenario, written
# straight to ovsdb-server's Traffic_Mirror database (JSON-RPC on the unix
# socket SOCKET, one "transact" per batch, so that the load takes seconds
# and not one process per 200 rows as with ovsdb-client).
#
# "load": CHASSIS Chassis rows fleet-c0..., each with SESSIONS / CHASSIS VM
# ports (Binding rows fleet-cC-vmJ), one session per VM port (source that
# port, number 1, a unique VNI from 1,000,000) to its chassis's collector
# (one IP Target per chassis), through one of SESSIONS / 100 filters of 5
# rules, and the Session_Status row that the chassis's controller would
# have written.  The synthetic chassis report cfg 2^40, so they never hold
# up "tmirror-ctl --wait=hv": only the real controller is waited for.
# Prints how many rows it wrote.
#
# "touch": changes the description of one session (a change elsewhere in
# the fleet).  "count": prints the number of rows of TABLE (whose COLUMN is
# VALUE).

import json
import socket
import sys
import time

DB = "Traffic_Mirror"
BATCH = 1000            # sessions per transaction
SYNTHETIC_CFG = 1 << 40


class Client:
    """A minimal blocking JSON-RPC client for ovsdb-server."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""
        self.decoder = json.JSONDecoder()
        self.next_id = 0

    def call(self, method, params):
        self.next_id += 1
        msg = {"method": method, "params": params, "id": self.next_id}
        self.sock.sendall(json.dumps(msg).encode())
        while True:
            text = self.buf.decode(errors="replace").lstrip()
            try:
                reply, end = self.decoder.raw_decode(text)
            except ValueError:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    raise SystemExit("bench-fleet: ovsdb-server closed")
                self.buf += chunk
                continue
            self.buf = text[end:].encode()
            if reply.get("id") != self.next_id:
                continue            # a notification or an echo request
            if reply.get("error"):
                raise SystemExit("bench-fleet: %s" % reply["error"])
            return reply["result"]

    def transact(self, ops):
        result = self.call("transact", [DB] + ops)
        for r in result:
            if isinstance(r, dict) and r.get("error"):
                raise SystemExit("bench-fleet: %s: %s"
                                 % (r["error"], r.get("details", "")))
        return result


def rule_rows(f):
    """Returns the 5 rules of synthetic filter 'f'."""
    rows = []
    for k in range(5):
        row = {"direction": "ingress" if k % 2 else "egress",
               "rule_number": 10 * (k + 1),
               "action": "reject" if k == 4 else "accept",
               "protocol": 6, "destination_port_from": 1000 + f,
               "destination_port_to": 1999 + f + k}
        rows.append(row)
    return rows


def load(c, n_sessions, n_chassis):
    per_chassis = max(1, n_sessions // n_chassis)
    n_filters = max(1, n_sessions // 100)
    rows = 0
    ops = []
    for f in range(n_filters):
        names = []
        for k, rule in enumerate(rule_rows(f)):
            name = "r%d_%d" % (f, k)
            ops.append({"op": "insert", "table": "Filter_Rule", "row": rule,
                        "uuid-name": name})
            names.append(["named-uuid", name])
        ops.append({"op": "insert", "table": "Filter",
                    "row": {"name": "fleet-f%d" % f,
                            "rules": ["set", names]}})
        rows += 6
    c.transact(ops)
    filters = {}
    for r in c.transact([{"op": "select", "table": "Filter",
                          "where": [], "columns": ["_uuid", "name"]}]
                        )[0]["rows"]:
        filters[r["name"]] = r["_uuid"]

    i = 0
    for first in range(0, n_chassis, max(1, BATCH // per_chassis)):
        ops = []
        last = min(n_chassis, first + max(1, BATCH // per_chassis))
        for ch in range(first, last):
            name = "fleet-c%d" % ch
            ops.append({"op": "insert", "table": "Chassis", "row": {
                "name": name, "hostname": name,
                "encap_ip": "10.%d.%d.%d" % (ch >> 16, (ch >> 8) & 255,
                                             ch & 255),
                "encaps": "vxlan", "cfg": SYNTHETIC_CFG}})
            tname = "tgt%d" % ch
            ops.append({"op": "insert", "table": "Target", "uuid-name": tname,
                        "row": {"name": "fleet-t%d" % ch, "type": "ip",
                                "addresses": "10.250.%d.%d"
                                % ((ch >> 8) & 255, ch & 255),
                                "encap": "vxlan"}})
            rows += 2
            for j in range(per_chassis):
                port = "%s-vm%d" % (name, j)
                sname = "s%d" % i
                filt = filters["fleet-f%d" % (i % n_filters)]
                ops.append({"op": "insert", "table": "Binding",
                            "row": {"port": port, "chassis_name": name}})
                ops.append({"op": "insert", "table": "Session",
                            "uuid-name": sname, "row": {
                                "name": "fleet-s%d" % i, "source": port,
                                "target": ["named-uuid", tname],
                                "filter": filt, "session_number": 1,
                                "vni": 1000000 + i, "enabled": True}})
                ops.append({"op": "insert", "table": "Session_Status",
                            "row": {"session": ["named-uuid", sname],
                                    "chassis_name": name,
                                    "state": "active"}})
                rows += 3
                i += 1
        c.transact(ops)
    print(rows)


def main():
    if len(sys.argv) < 3:
        raise SystemExit("usage: bench-fleet.py load|touch|count SOCKET ...")
    cmd, c = sys.argv[1], Client(sys.argv[2])
    if cmd == "load" and len(sys.argv) == 5:
        load(c, int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "touch" and len(sys.argv) == 4:
        c.transact([{"op": "update", "table": "Session",
                     "where": [["name", "==", sys.argv[3]]],
                     "row": {"description": "touched %.6f" % time.time()}}])
    elif cmd == "count" and len(sys.argv) in (4, 6):
        where = [] if len(sys.argv) == 4 else [[sys.argv[4], "==",
                                                sys.argv[5]]]
        r = c.transact([{"op": "select", "table": sys.argv[3],
                         "where": where, "columns": ["_uuid"]}])
        print(len(r[0]["rows"]))
    else:
        raise SystemExit("usage: bench-fleet.py load|touch|count SOCKET ...")


if __name__ == "__main__":
    main()
