#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Complexity table from bench-tree's JSON (Google Benchmark format).

usage: fit.py bench-tree.json [--family alloc_free|find|all] [--time cpu|real]

For every family <kind>/<alg>/<scenario> it prints, per size n, the time
per operation and (alloc_free) the mean tree nodes visited per allocation;
the library's own fit (Complexity(oAuto): the best of O(1), O(lg N), O(N),
O(N lg N), O(N^2), O(N^3) by least squares on CPU time, with its
coefficient and normalised RMS); and explicit O(N) and O(lg N) fits of the
time, computed the way the library computes them (coefficient
c = sum(t f(n)) / sum(f(n)^2), rms = sqrt(mean((t - c f(n))^2)) / mean(t),
lg = log2), so any two algorithms can be compared on the same curve. The
last column fits the visited counts (deterministic per window) the same
way and names the best of O(1), O(lg N), O(N), O(N lg N).

Repetitions are all used as points; errored runs are skipped.
"""
import argparse
import json
import math
import re
import sys
from collections import OrderedDict

CURVES = OrderedDict([
    ("1", lambda n: 1.0),
    ("lgN", lambda n: math.log2(n)),
    ("N", lambda n: float(n)),
    ("NlgN", lambda n: n * math.log2(n)),
])

TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def fit(points, curve):
    """Least-squares c for t ~ c f(n) and the normalised RMS, as the
    library computes them (complexity.cc MinimalLeastSq)."""
    f = CURVES[curve]
    sff = sum(f(n) ** 2 for n, _ in points)
    stf = sum(t * f(n) for n, t in points)
    c = stf / sff
    mean = sum(t for _, t in points) / len(points)
    rms = math.sqrt(sum((t - c * f(n)) ** 2 for n, t in points) /
                    len(points))
    return c, (rms / mean if mean else float("inf"))


def best(points):
    fits = {k: fit(points, k) for k in CURVES}
    k = min(fits, key=lambda k: fits[k][1])
    return k, fits[k]


def fmt(x):
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return "%.0f" % x
    if abs(x) >= 1:
        return "%.3g" % x
    return "%.3g" % x


def load(path, kind_filter, timekey):
    with open(path) as f:
        doc = json.load(f)
    fams = OrderedDict()
    bigo = {}
    rms = {}
    for b in doc.get("benchmarks", []):
        name = b["name"]
        if b.get("aggregate_name") == "BigO":
            bigo[name[:-len("_BigO")]] = b
            continue
        if b.get("aggregate_name") == "RMS":
            rms[name[:-len("_RMS")]] = b
            continue
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        m = re.match(r"^(\w+)/([^/]+)/([^/]+)/n:(\d+)$", name)
        if not m:
            continue
        kind, alg, scen, n = m.group(1), m.group(2), m.group(3), int(m.group(4))
        if kind_filter != "all" and kind != kind_filter:
            continue
        fam = "%s/%s/%s" % (kind, alg, scen)
        t = b[timekey] * TO_NS[b.get("time_unit", "ns")]
        fams.setdefault(fam, []).append((n, t, b.get("visited")))
    return doc.get("context", {}), fams, bigo, rms


def table(kind, rows, sizes, bigo, rms, timename):
    visited = kind == "alloc_free"
    head = (["family"] + ["ns/op n=%d" % n for n in sizes] +
            (["visited n=%d" % n for n in sizes] if visited else []) +
            ["auto fit", "auto coef", "auto RMS",
             "O(N) coef", "O(N) RMS", "O(lgN) coef", "O(lgN) RMS"] +
            (["visited fit"] if visited else []))
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for fam, pts in rows:
        by_n = {}
        for n, t, v in pts:
            by_n.setdefault(n, []).append((t, v))
        row = [fam[len(kind) + 1:]]
        for n in sizes:
            ts = sorted(t for t, _ in by_n.get(n, []))
            row.append(fmt(ts[len(ts) // 2]) if ts else "")
        if visited:
            for n in sizes:
                vs = sorted(v for _, v in by_n.get(n, []) if v is not None)
                row.append(fmt(vs[len(vs) // 2]) if vs else "")
        b = bigo.get(fam)
        r = rms.get(fam)
        if b:
            coef = b.get(timename + "_coefficient")
            row += [b.get("big_o", "?"), fmt(coef) if coef is not None
                    else "", "%.0f%%" % (100 * r["rms"]) if r else ""]
        else:
            row += ["", "", ""]
        tp = [(n, t) for n, t, _ in pts]
        if len({n for n, _ in tp}) >= 2:
            for curve in ("N", "lgN"):
                c, e = fit(tp, curve)
                row += [fmt(c), "%.0f%%" % (100 * e)]
        else:
            row += ["", "", "", ""]
        if visited:
            vp = [(n, v) for n, _, v in pts if v is not None and v > 0]
            if len({n for n, _ in vp}) >= 2:
                k, (c, e) = best(vp)
                row.append("%s x %s (RMS %.0f%%)" % (fmt(c), k, 100 * e))
            else:
                row.append("")
        print("| " + " | ".join(row) + " |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("json")
    ap.add_argument("--family", default="all",
                    choices=["alloc_free", "find", "all"])
    ap.add_argument("--time", default="cpu", choices=["cpu", "real"])
    a = ap.parse_args()
    timekey = a.time + "_time"
    try:
        ctx, fams, bigo, rms = load(a.json, a.family, timekey)
    except (OSError, ValueError, KeyError) as e:
        print("fit.py: %s: %s" % (a.json, e), file=sys.stderr)
        return 1
    if not fams:
        print("fit.py: no tree results in %s" % a.json, file=sys.stderr)
        return 1

    sizes = sorted({n for pts in fams.values() for n, _, _ in pts})
    print("# Tree complexity fits (%s time; %s, %s build, libbenchmark %s)"
          % (a.time, ctx.get("host_name", "?"),
             ctx.get("iovalab_build_type", "?"),
             ctx.get("library_build_type", "?")))
    print()
    print("ns/op and visited: median over repetitions at each n. "
          "auto: Google Benchmark's Complexity(oAuto) on %s time "
          "(coefficient in ns, RMS normalised). "
          "O(N), O(lg N): explicit fits of the same points. "
          "visited fit: best curve for nodes visited per allocation."
          % ("CPU" if a.time == "cpu" else "CPU-chosen curve, real"))
    for kind in ("alloc_free", "find"):
        rows = [(f, p) for f, p in fams.items() if f.startswith(kind + "/")]
        if rows:
            print()
            print("## " + kind)
            print()
            table(kind, rows, sizes, bigo, rms, a.time)
    return 0


if __name__ == "__main__":
    sys.exit(main())
