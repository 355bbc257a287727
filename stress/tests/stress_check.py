#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run iova-stress and check what it wrote.

  stress_check.py EXE --runs N [--budget S] -- ARGS...

Runs EXE ARGS --json F --csv C --quiet, then asserts: exit status 0; the
JSON parses and follows stress/SCHEMA.md (schema 1, meta fields, N runs);
every run's check is "ok"; the counts agree with each other (latency
counts = ops = sum of per-thread ops, per-type counts add up); the matrix
cells are the ones asked for; the CSV has a header and N rows whose key
columns match the JSON. No timing is asserted: only behaviour and counts.
Every run's phases are time-bounded, but a run can still stall on a
loaded machine (a descheduled spinlock holder or FIFO successor): past the
budget (default 50 s, below the 60 s CTest timeout) EXE is killed and the
stall reported with the command and EXE's progress lines, not left to
CTest's silent timeout.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

META_KEYS = ["commit", "compiler", "cflags", "build_type", "sanitizer",
             "cpu_model", "logical_cpus", "physical_cores", "numa_nodes",
             "kernel", "glibc", "hostname", "date", "argv",
             "timer_overhead_ns"]
RUN_KEYS = ["alg", "lock", "workload", "rcache", "pin", "threads",
            "oversubscribed", "prefill", "rate", "duration_s", "ops",
            "ops_per_sec", "latency_ns", "fairness", "per_thread_ops",
            "nodes_visited", "alloc_failures", "rcache_stats", "locks",
            "bytes_per_node", "slab_bytes_per_node", "check"]
LAT_KEYS = ["count", "mean", "p50", "p90", "p99", "p999", "max"]
# rcache_stats totals and the per_class arrays they sum
RCACHE_SUMS = ["hits", "misses", "frees_cached", "frees_uncached",
               "depot_pushes", "depot_pops", "trims", "cached_at_end",
               "depot_mags_at_end"]
GRANULE = 4096  # STRESS_GRANULE: the time series' cached_bytes unit
MAX_CLASS_PFNS = 32  # the largest size class (IOVAD_NR_CLASSES 6)


def fail(msg):
    print("stress_check: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check_run(i, r, meta, lockstat):
    where = "run %d (%s/%s/%s rcache=%s threads=%s)" % (
        i, r.get("alg"), r.get("lock"), r.get("workload"), r.get("rcache"),
        r.get("threads"))
    for k in RUN_KEYS:
        if k not in r:
            fail("%s: missing %s" % (where, k))
    if r["check"] != "ok":
        fail("%s: check: %s" % (where, r["check"]))
    # A run may measure nothing: a FIFO spinlock whose next owner is
    # descheduled can stall a short run on a loaded 2-core box. That is a
    # finding, not a failure; main() only asks that some run did work.
    lat = r["latency_ns"]
    for t in ["all", "alloc", "free", "find"]:
        for k in LAT_KEYS:
            if k not in lat[t]:
                fail("%s: latency_ns.%s lacks %s" % (where, t, k))
        q = [lat[t][k] for k in ["p50", "p90", "p99", "p999", "max"]]
        if q != sorted(q):
            fail("%s: latency_ns.%s quantiles not monotonic: %s" %
                 (where, t, q))
    if lat["all"]["count"] != r["ops"]:
        fail("%s: latency count %d != ops %d" %
             (where, lat["all"]["count"], r["ops"]))
    if sum(lat[t]["count"] for t in ["alloc", "free", "find"]) != r["ops"]:
        fail("%s: per-type counts do not add up to ops" % where)
    pto = r["per_thread_ops"]
    if len(pto) != r["threads"] or sum(pto) != r["ops"]:
        fail("%s: per_thread_ops %s vs threads %d, ops %d" %
             (where, pto, r["threads"], r["ops"]))
    f = r["fairness"]
    if f["min_ops"] != min(pto) or f["max_ops"] != max(pto):
        fail("%s: fairness min/max disagree with per_thread_ops" % where)
    if not (0 < f["jain"] <= 1.0000001):
        fail("%s: Jain's index %s out of (0, 1]" % (where, f["jain"]))
    if r["oversubscribed"] != (r["threads"] > meta["logical_cpus"]):
        fail("%s: oversubscribed flag wrong" % where)
    if len(r["thread_cpus"]) != r["threads"]:
        fail("%s: thread_cpus length" % where)
    if r["pin"] != "none" and min(r["thread_cpus"]) < 0:
        fail("%s: a pinned thread has no CPU" % where)
    if r["rcache"] != (r["rcache_stats"] is not None):
        fail("%s: rcache_stats must be an object exactly when rcache" %
             where)
    # btree-pfn keeps ranges inline: no per-range object at all
    per_range = r["alg"] != "btree-pfn"
    if (r["bytes_per_node"] > 0) != per_range or \
            r["slab_bytes_per_node"] % 64 or \
            (r["slab_bytes_per_node"] > 0) != per_range:
        fail("%s: node sizes %s/%s" %
             (where, r["bytes_per_node"], r["slab_bytes_per_node"]))
    nv = r["nodes_visited"]
    if nv["searches"] and nv["max"] < nv["mean"]:
        fail("%s: nodes_visited max < mean" % where)
    wl = r["workload"]
    if wl == "lookup" and r["ops"] > 20 and lat["find"]["count"] == 0:
        fail("%s: lookup did no finds" % where)
    if wl != "lookup" and lat["find"]["count"] != 0:
        fail("%s: %s should not find" % (where, wl))
    if wl == "mixed32":
        wc = r["workload_counters"]
        if r["pci32"] == "always" and wc["direct_full_mask"] != 0:
            fail("%s: --pci32 always skipped the 32-bit try" % where)
    rs = r["rcache_stats"]
    if rs is not None:
        if wl == "large" and rs["hits"] != 0:
            fail("%s: large mappings hit the cache" % where)
        # a starved window may hold only a free: count both directions
        if wl == "large" and r["ops"] and \
                rs["bypass_allocs"] + rs["bypass_frees"] == 0:
            fail("%s: large mappings did not bypass the cache" % where)
        if not (0.0 <= rs["hit_rate"] <= 1.0):
            fail("%s: hit_rate %s" % (where, rs["hit_rate"]))
        for k in RCACHE_SUMS:
            if rs[k] != sum(rs["per_class"][k]):
                fail("%s: rcache_stats.%s %d is not the sum of per_class "
                     "%r" % (where, k, rs[k], rs["per_class"][k]))
        lookups = rs["hits"] + rs["misses"]
        want = rs["hits"] / lookups if lookups else 0.0
        if abs(rs["hit_rate"] - want) > 1e-6:
            fail("%s: hit_rate %s, hits/(hits+misses) %s" %
                 (where, rs["hit_rate"], want))
    if wl == "irqcpu":
        # every measured unmap was made by an IRQ thread
        if r["workload_counters"]["irq_unmaps"] != lat["free"]["count"]:
            fail("%s: irq_unmaps %d != frees %d" %
                 (where, r["workload_counters"]["irq_unmaps"],
                  lat["free"]["count"]))
    ts = r.get("time_series")
    if ts is not None:
        n = ts["samples"]
        if n < 1 or n != len(ts["t_s"]):
            fail("%s: time_series has %d samples, %d times" %
                 (where, n, len(ts["t_s"])))
        for k in ["depot_mags", "cached_ranges", "cached_bytes",
                  "mag_bytes", "fq_pending", "tree_live"]:
            if len(ts[k]) != n:
                fail("%s: time_series.%s has %d values, not %d" %
                     (where, k, len(ts[k]), n))
        for nr, nb in zip(ts["cached_ranges"], ts["cached_bytes"]):
            if nb % GRANULE or not \
                    nr * GRANULE <= nb <= nr * GRANULE * MAX_CLASS_PFNS:
                fail("%s: time_series: %d cached ranges span %d bytes" %
                     (where, nr, nb))
        if ts["t_s"] != sorted(ts["t_s"]) or ts["measure_start_s"] < 0:
            fail("%s: time_series times not increasing" % where)
        if r.get("unmap") != "lazy" and any(ts["fq_pending"]):
            fail("%s: ranges in flush queues without --unmap lazy" % where)
        if not r["rcache"] and (any(ts["depot_mags"]) or
                                any(ts["cached_ranges"])):
            fail("%s: cache contents with the cache off" % where)
    if r.get("trim_ms") == 0 and rs is not None and rs["trims"]:
        fail("%s: %d trims with --trim-ms 0" % (where, rs["trims"]))
    fq = r.get("flush_queue")
    if (r.get("unmap") == "lazy") != (fq is not None):
        fail("%s: flush_queue must be an object exactly with --unmap lazy"
             % where)
    if fq is not None:
        if fq["queued"] != fq["freed"]:
            fail("%s: flush queue queued %d, freed %d" %
                 (where, fq["queued"], fq["freed"]))
        if fq["refused"]:
            fail("%s: flush queue: %d ranges refused by free_iova_fast" %
                 (where, fq["refused"]))
        if fq["pending_at_stop"] > fq["queued"] or \
                fq["drained"] > fq["queued"]:
            fail("%s: flush queue pending/drained beyond queued" % where)
        if fq["queued"] and fq["flushes_full"] + fq["flushes_timer"] + \
                fq["flushes_drain"] == 0:
            fail("%s: ranges freed from the queue without a flush" % where)
        if fq["drained"] and fq["flushes_drain"] == 0:
            fail("%s: end-of-run drain freed without flushing" % where)
    if lockstat:
        if not isinstance(r["locks"], list) or len(r["locks"]) != 3:
            fail("%s: --lockstat but locks is %r" % (where, r["locks"]))
        if [ls.get("label") for ls in r["locks"]] != \
                ["tree", "depot", "cpu"]:
            fail("%s: lock labels %r" % (where, r["locks"]))
        tree = r["locks"][0]
        if r["rcache"] is False and lat["alloc"]["count"] and \
                tree.get("acquisitions", 0) == 0:
            fail("%s: tree lock never acquired with the cache off" % where)
    elif r["locks"] is not None:
        fail("%s: locks must be null without --lockstat" % where)


def main():
    argv = sys.argv[1:]
    if "--" not in argv or len(argv) < 4:
        fail("usage: stress_check.py EXE --runs N -- ARGS")
    sep = argv.index("--")
    exe, opts, args = argv[0], argv[1:sep], argv[sep + 1:]
    runs = int(opts[opts.index("--runs") + 1])
    budget = float(opts[opts.index("--budget") + 1]) \
        if "--budget" in opts else 50.0
    lockstat = "--lockstat" in args
    with tempfile.TemporaryDirectory() as d:
        jpath = os.path.join(d, "out.json")
        cpath = os.path.join(d, "out.csv")
        cmd = [exe] + args + ["--json", jpath, "--csv", cpath, "--quiet"]
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               timeout=budget)
        except subprocess.TimeoutExpired as e:
            err = e.stderr or b""
            if isinstance(err, bytes):
                err = err.decode(errors="replace")
            sys.stderr.write(err[-2000:])
            fail("stalled: %s still running after its %.0f s budget "
                 "(a descheduled lock holder?); killed" %
                 (" ".join(cmd), budget))
        sys.stderr.write(p.stderr)
        if p.returncode != 0:
            fail("exit status %d from %s" % (p.returncode, " ".join(cmd)))
        try:
            with open(jpath) as f:
                doc = json.load(f)
        except ValueError as e:
            fail("JSON does not parse: %s" % e)
        with open(cpath, newline="") as f:
            rows = list(csv.DictReader(f))
    if doc.get("schema") != 1 or doc.get("tool") != "iova-stress":
        fail("schema/tool header wrong")
    meta = doc["meta"]
    for k in META_KEYS:
        if k not in meta:
            fail("meta lacks %s" % k)
    if meta["logical_cpus"] < 1 or meta["physical_cores"] < 1:
        fail("meta CPU counts")
    if meta["argv"][0] != exe and not meta["argv"][0].endswith("iova-stress"):
        fail("meta.argv[0] is %r" % meta["argv"][0])
    if len(doc["runs"]) != runs:
        fail("%d runs, expected %d" % (len(doc["runs"]), runs))
    for i, r in enumerate(doc["runs"]):
        check_run(i, r, meta, lockstat)
    if sum(r["ops"] for r in doc["runs"]) == 0:
        fail("no run measured a single operation")
    if len(rows) != runs:
        fail("CSV has %d rows, expected %d" % (len(rows), runs))
    for r, row in zip(doc["runs"], rows):
        if (row["alg"], row["lock"], row["workload"], row["check"],
                int(row["threads"]), int(row["ops"])) != \
                (r["alg"], r["lock"], r["workload"], r["check"],
                 r["threads"], r["ops"]):
            fail("CSV row %r disagrees with JSON" % row)
        want = r["rcache_stats"]["hit_rate"] if r["rcache"] else 0.0
        if abs(float(row["rcache_hit_rate"]) - want) > 2e-6:
            fail("CSV rcache_hit_rate %s, JSON %s" %
                 (row["rcache_hit_rate"], want))
    print("stress_check: %d runs ok" % runs)


if __name__ == "__main__":
    main()
