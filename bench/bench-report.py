#! /usr/bin/env python3
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# Usage: bench-report.py report FIGURES SKIPPED [JSON-FILE]
#        bench-report.py check JSON-FILE SCENARIO...
#
# "report": tmirror-bench's figures, recorded one a line in FIGURES as
#   NAME <tab> VALUE <tab> UNIT <tab> OP <tab> TARGET <tab> NOTE
# (OP one of <= < >= > =, or empty when the figure has no target), and the
# scenarios it skipped in SKIPPED ("SCENARIO <tab> REASON"): prints a table
# with each figure next to its target and whether it was met, and writes
# {"figures": [{"name", "value", "unit", "target", "met"}], "skipped": [...]}
# to JSON-FILE.  "target" is a string such as "<= 1.5" (null: no target),
# "met" true, false or null.
#
# "check": the smoke test's sanity check of a JSON-FILE that "report"
# wrote: valid JSON of that shape, at least one figure for each SCENARIO
# (the prefix of the figure names) unless it was skipped, every value a
# finite number >= 0 and > 0 for times, sizes and rates, "met" a boolean
# exactly when there is a target.  Never looks at how fast anything was.
# Exits 1 and says what is wrong otherwise.

import json
import math
import sys

OPS = {
    "<=": lambda v, t: v <= t,
    "<": lambda v, t: v < t,
    ">=": lambda v, t: v >= t,
    ">": lambda v, t: v > t,
    "=": lambda v, t: v == t,
}

# Units whose figures can never be 0 when they were measured.
POSITIVE_UNITS = {"s", "ms", "MiB", "KiB", "Mbit/s", "flows", "rows"}


def read_figures(path):
    """Returns the figures recorded in 'path' as dicts."""
    figures = []
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            fields += [""] * (6 - len(fields))
            name, value, unit, op, target, note = fields[:6]
            fig = {"name": name, "value": float(value), "unit": unit,
                   "target": None, "met": None}
            if fig["value"] == int(fig["value"]):
                fig["value"] = int(fig["value"])
            if op:
                fig["target"] = "%s %s" % (op, target)
                fig["met"] = OPS[op](float(value), float(target))
            fig["note"] = note
            figures.append(fig)
    return figures


def read_skipped(path):
    skipped = []
    with open(path) as f:
        for line in f:
            scenario, _, reason = line.rstrip("\n").partition("\t")
            skipped.append({"scenario": scenario, "reason": reason})
    return skipped


def fmt(v):
    if isinstance(v, int):
        return "{:,}".format(v)
    if abs(v) >= 100:
        return "{:,.0f}".format(v)
    if abs(v) >= 1:
        return "%.2f" % v
    return "%.3g" % v


def report(fig_path, skip_path, json_path):
    figures = read_figures(fig_path)
    skipped = read_skipped(skip_path)
    rows = [("figure", "value", "target", "met")]
    for f in figures:
        met = {None: "-", True: "met", False: "MISSED"}[f["met"]]
        target = f["target"] + " " + f["unit"] if f["target"] else "-"
        if f["unit"] in ("x", "%", ""):
            target = f["target"] or "-"
        value = fmt(f["value"]) + (" " + f["unit"] if f["unit"] else "")
        if f["note"]:
            value += " (%s)" % f["note"]
        rows.append((f["name"], value, target, met))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for i, r in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    for s in skipped:
        print("%s: skipped: %s" % (s["scenario"], s["reason"]))
    n_met = sum(1 for f in figures if f["met"] is True)
    n_missed = sum(1 for f in figures if f["met"] is False)
    print("%d figures, %d targets met, %d missed" % (len(figures), n_met,
                                                     n_missed))
    if json_path:
        for f in figures:
            del f["note"]
        with open(json_path, "w") as out:
            json.dump({"figures": figures, "skipped": skipped}, out,
                      indent=1)
            out.write("\n")


def check(json_path, scenarios):
    """Returns a list of what is wrong with the JSON file."""
    try:
        with open(json_path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        return ["%s: not valid JSON: %s" % (json_path, e)]
    errors = []
    figures = doc.get("figures")
    if not isinstance(figures, list) or not figures:
        return ["no figures"]
    skipped = {s.get("scenario") for s in doc.get("skipped", [])}
    keys = {"name", "value", "unit", "target", "met"}
    for f in figures:
        if not isinstance(f, dict) or set(f) != keys:
            errors.append("figure %r: members are not %s" % (f, sorted(keys)))
            continue
        v = f["value"]
        if (not isinstance(v, (int, float)) or isinstance(v, bool)
                or not math.isfinite(v) or v < 0):
            errors.append("%s: value %r is not a number >= 0"
                          % (f["name"], v))
        elif f["unit"] in POSITIVE_UNITS and v <= 0:
            errors.append("%s: %s %r is not positive" % (f["name"], f["unit"],
                                                          v))
        if (f["target"] is None) != (f["met"] is None):
            errors.append("%s: target %r but met %r" % (f["name"],
                                                       f["target"], f["met"]))
        if f["met"] is not None and not isinstance(f["met"], bool):
            errors.append("%s: met %r is not a boolean" % (f["name"],
                                                          f["met"]))
    for s in scenarios:
        if s in skipped:
            continue
        if not any(f.get("name", "").startswith(s + ".") for f in figures
                   if isinstance(f, dict)):
            errors.append("scenario %s: no figure and not skipped" % s)
    return errors


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3],
               sys.argv[4] if len(sys.argv) > 4 else None)
    elif len(sys.argv) >= 3 and sys.argv[1] == "check":
        errors = check(sys.argv[2], sys.argv[3:])
        for e in errors:
            print("bench-report: %s" % e, file=sys.stderr)
        if errors:
            sys.exit(1)
        print("bench-report: %s is sane" % sys.argv[2])
    else:
        print(__doc__ or "usage: bench-report.py report|check ...",
              file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
