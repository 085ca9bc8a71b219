#! /usr/bin/env python3
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# Usage: bench-floor.py DIR
#
# The floor of tmirror-bench's "converge" scenario, part one: reads what
# tmirror-controller made in the Open_vSwitch database, as
# "ovs-vsctl --format=json list TABLE" wrote it into DIR/bridge.json,
# DIR/port.json, DIR/interface.json and DIR/mirror.json, and prints the
# arguments of ONE ovs-vsctl transaction that makes the same rows (the ports
# and interfaces tmirror owns, with their types, options and OpenFlow port
# numbers, and the Mirror rows) on a hypervisor that has only the
# operator's bridges and ports, one argument per line.

import json
import sys


def load(path):
    """Returns the rows of an 'ovs-vsctl --format=json list' output as
    dicts keyed by column name."""
    with open(path) as f:
        doc = json.load(f)
    return [dict(zip(doc["headings"], row)) for row in doc["data"]]


def atoms(value):
    """Returns the atoms of an OVSDB datum in JSON form ("set" or one atom)."""
    if isinstance(value, list) and value and value[0] == "set":
        return value[1]
    return [value]


def uuid_of(value):
    return value[1]


def smap(value):
    """Returns an OVSDB map datum as a list of (key, value) pairs."""
    return value[1] if isinstance(value, list) and value[0] == "map" else []


def owned(row):
    return ("tmirror-owned", "true") in [tuple(kv)
                                        for kv in smap(row["external_ids"])]


def quote(s):
    """Quotes an OVSDB string value for ovs-vsctl's command line."""
    return json.dumps(s)


def main():
    d = sys.argv[1]
    bridges = load(d + "/bridge.json")
    ports = {uuid_of(r["_uuid"]): r for r in load(d + "/port.json")}
    ifaces = {uuid_of(r["_uuid"]): r for r in load(d + "/interface.json")}
    mirrors = load(d + "/mirror.json")

    args = []
    port_ref = {}
    for br in sorted(bridges, key=lambda b: b["name"]):
        for pu in sorted(uuid_of(a) for a in atoms(br["ports"])):
            port = ports[pu]
            if not owned(port):
                continue
            refs = []
            for iu in atoms(port["interfaces"]):
                iface = ifaces[uuid_of(iu)]
                ref = "@i%d" % len(args)
                row = ["name=%s" % quote(iface["name"])]
                if iface["type"]:
                    row.append("type=%s" % iface["type"])
                for k, v in smap(iface["options"]):
                    row.append("options:%s=%s" % (k, quote(v)))
                ofport = atoms(iface["ofport"])
                if ofport and ofport[0] != -1:
                    row.append("ofport_request=%d" % ofport[0])
                args += ["--", "--id=" + ref, "create", "interface"] + row
                refs.append(ref)
            pref = "@p%d" % len(args)
            args += ["--", "--id=" + pref, "create", "port",
                     "name=%s" % quote(port["name"]),
                     "interfaces=%s" % ",".join(refs)]
            args += ["--", "add", "bridge", br["name"], "ports", pref]
            port_ref[pu] = pref

    def ref_of(pu):
        """Returns the ovs-vsctl reference to port 'pu', adding a "get" for
        a port that the operator made."""
        if pu not in port_ref:
            ref = "@q%d" % len(args)
            args.extend(["--", "--id=" + ref, "get", "port",
                         ports[pu]["name"]])
            port_ref[pu] = ref
        return port_ref[pu]

    for br in sorted(bridges, key=lambda b: b["name"]):
        for mu in atoms(br["mirrors"]):
            m = next(r for r in mirrors if uuid_of(r["_uuid"]) == uuid_of(mu))
            row = ["name=%s" % quote(m["name"])]
            for col in ("select_src_port", "select_dst_port", "output_port"):
                refs = [ref_of(uuid_of(a)) for a in atoms(m[col])]
                if refs:
                    row.append("%s=%s" % (col, ",".join(refs)))
            mref = "@m%d" % len(args)
            args += ["--", "--id=" + mref, "create", "mirror"] + row
            args += ["--", "add", "bridge", br["name"], "mirrors", mref]
    for a in args:
        print(a)


if __name__ == "__main__":
    main()
