#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Markdown tables from bench-rcache and bench-readers JSON.

usage: tables.py DIR     (reads DIR/bench-{rcache,readers}.json,
                          whichever exist; prints markdown)

rcache:  ns per alloc+free pair (CPU) on the hit path per per-CPU lock,
         with the cache off per algorithm and background tree size, and
         the depot batches.
readers: reads per second (wall) and writer rate per tree lock; "over
         budget" where the run hit its wall-time budget (the rate one
         thread had reached is in brackets).

(Lock costs are lock-bench's: locks/README.md.)

Medians over repetitions; aggregate rows are ignored.
"""
import json
import os
import re
import sys


def runs(path):
    with open(path) as f:
        doc = json.load(f)
    out = {}
    for b in doc.get("benchmarks", []):
        if b.get("run_type") != "iteration":
            continue
        out.setdefault(b["name"], []).append(b)
    return doc.get("context", {}), out


def med(vals):
    vals = sorted(v for v in vals if v is not None)
    return vals[len(vals) // 2] if vals else None


def value(rs, key):
    if not rs:
        return None
    ok = [r for r in rs if not r.get("error_occurred")]
    if not ok:
        return None
    return med([r.get(key) for r in ok])


def collapsed(rs):
    if rs and all(r.get("error_occurred") for r in rs):
        msg = rs[0].get("error_message", "")
        if not msg.startswith("over budget:"):
            return "error"
        m = re.search(r"\(([-+.e\d]+) per s\)", msg)
        return "over budget" + (" (%s/s)" % m.group(1) if m else "")
    return None


def f(x, digits=3):
    if x is None:
        return ""
    return "%.*g" % (digits, x)


def rcache_table(ctx, rs):
    print("## Magazine cache (one pinned thread; CPU ns per alloc+free pair)")
    print()
    print("| benchmark | ns/pair size 1 | ns/pair size 32 | hit rate |")
    print("|---|---|---|---|")
    groups = sorted({n.rsplit("/", 1)[0] for n in rs
                     if n.startswith(("hit/", "nocache/"))},
                    key=lambda g: (not g.startswith("hit/"), g))
    for g in groups:
        one = rs.get(g + "/size:1")
        two = rs.get(g + "/size:32")
        print("| %s | %s | %s | %s |" %
              (g, f(value(one, "cpu_time")), f(value(two, "cpu_time")),
               f(value(one, "hit_rate"))))
    print()
    print("| depot batch (magazines) | ns per pair | depot pushes/iter "
          "| depot pops/iter |")
    print("|---|---|---|---|")
    for n in sorted((n for n in rs if n.startswith("depot/")),
                    key=lambda n: int(n.split(":")[1])):
        r = rs[n]
        ips = value(r, "items_per_second")
        print("| %s | %s | %s | %s |" %
              (n.split(":")[1], f(1e9 / ips if ips else None),
               f(value(r, "depot_pushes")), f(value(r, "depot_pops"))))
    print()


def readers_table(ctx, rs):
    print("## find_iova readers with one writer (reads/s over wall time, "
          "Mops/s; writer: thousand writes/s)")
    print()
    keys = sorted(rs)
    configs = sorted({re.sub(r"^find/[^/]+/", "", k) for k in keys})
    locks = []
    for k in keys:
        lk = k.split("/")[1]
        if lk not in locks:
            locks.append(lk)
    head = ["lock"]
    for c in configs:
        short = c.replace("/real_time", "")
        head += [short + " reads", short + " writes"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for lk in locks:
        row = [lk]
        for c in configs:
            r = rs.get("find/%s/%s" % (lk, c))
            col = collapsed(r)
            if col:
                row += [col, ""]
                continue
            rd = value(r, "wall_reads_per_s")
            wr = value(r, "writes_per_s")
            row += [f(rd / 1e6 if rd else None), f(wr / 1e3 if wr else None)]
        print("| " + " | ".join(row) + " |")
    print()


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 2
    d = argv[1]
    done = 0
    for name, fn in (("rcache", rcache_table), ("readers", readers_table)):
        path = os.path.join(d, "bench-%s.json" % name)
        if not os.path.exists(path):
            continue
        try:
            ctx, rs = runs(path)
        except (OSError, ValueError) as e:
            print("tables.py: %s: %s" % (path, e), file=sys.stderr)
            return 1
        fn(ctx, rs)
        done += 1
    if not done:
        print("tables.py: no bench JSON in %s" % d, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
