#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Markdown tables from bench-locks, bench-rcache and bench-readers JSON.

usage: tables.py DIR     (reads DIR/bench-{locks,rcache,readers}.json,
                          whichever exist; prints markdown)

locks:   per lock (ours, then ck's): uncontended lock+unlock and read
         lock+unlock (CPU ns, TSC ticks), then contended throughput in
         millions of operations per second over the whole run's wall time
         (wall_ops_per_s) for each critical-section shape and thread count,
         with finish_spread at 2 threads; "over budget" where the run hit its
         wall-time budget (the rate one thread had reached is in brackets).
rcache:  ns per alloc+free pair (CPU) on the hit path per per-CPU lock,
         with the cache off per algorithm, and the depot batches.
readers: reads per second (wall) and writer rate per tree lock.

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


def locks_table(ctx, rs):
    names = []
    for n in rs:
        m = re.match(r"^uncontended/(.+)$", n)
        if m:
            names.append(m.group(1))
    shapes = sorted({(int(m.group(2)), int(m.group(3)))
                     for n in rs
                     for m in [re.match(r"^contended/(.+)/cs:(\d+)/think:(\d+)/",
                                        n)] if m},
                    key=lambda s: (s[1], s[0]))
    threads = sorted({int(m.group(1)) for n in rs
                      for m in [re.search(r"threads:(\d+)$", n)] if m})
    ncpu = len(ctx.get("iovalab_cpu_order", "").split(",")) or 0
    print("## Locks (%s; %s logical CPUs; think unit %s ns)" %
          (ctx.get("host_name", "?"), ncpu,
           f(float(ctx.get("iovalab_think_unit_ns", "nan")))))
    print()
    print("Uncontended: CPU ns and TSC ticks per lock+unlock through "
          "lab_lock (read: lab_read_lock+unlock). Contended: Mops/s over "
          "the run's wall time (first start to last finish); "
          "t>%d is oversubscribed. spread: fastest/slowest thread's time "
          "at 2 threads, cs:1 think:0 (1 = finished together)." % ncpu)
    print()
    head = ["lock", "ns", "ticks", "read ns"]
    for cs, th in shapes:
        for t in threads:
            head.append("cs:%d think:%d t=%d%s" %
                        (cs, th, t, "*" if t > ncpu else ""))
    head.append("spread")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for base in ("baseline/pthread_mutex_direct",
                 "baseline/atomic_xchg_direct"):
        if base in rs:
            print("| %s (no lab_lock) | %s | | |%s |" %
                  (base.split("/")[1], f(value(rs[base], "cpu_time")),
                   " |" * (len(head) - 4)))
    for name in names:
        row = [name, f(value(rs.get("uncontended/" + name), "cpu_time")),
               f(value(rs.get("uncontended/" + name), "tsc_ticks")),
               f(value(rs.get("uncontended_read/" + name), "cpu_time"))]
        for cs, th in shapes:
            for t in threads:
                key = ("contended/%s/cs:%d/think:%d/real_time/threads:%d" %
                       (name, cs, th, t))
                r = rs.get(key)
                c = collapsed(r)
                v = value(r, "wall_ops_per_s")
                row.append(c if c else f(v / 1e6 if v else None))
        spread = value(rs.get("contended/%s/cs:1/think:0/real_time/threads:2"
                              % name), "finish_spread")
        row.append(f(spread, 2))
        print("| " + " | ".join(row) + " |")
    print()


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
    for name, fn in (("locks", locks_table), ("rcache", rcache_table),
                     ("readers", readers_table)):
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
