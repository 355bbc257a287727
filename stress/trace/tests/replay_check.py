#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""iova-trace replay tests (asserts counts and behaviour, never timings).

  replay_check.py IOVA_TRACE golden SAMPLE EXPECTED
      1 thread, trim off, every algorithm: the cache's counts equal
      EXPECTED's, and a second run gives every count (nodes visited too)
      again: a 1-thread replay is deterministic.
  replay_check.py IOVA_TRACE crosscpu
      2 CPUs, every free on the CPU that did not allocate, replayed by 2
      and 1 threads: every free waits for its allocation, none times out
      or is skipped, nothing handed out twice.
  replay_check.py IOVA_TRACE badinput SAMPLE
      bad command lines and traces exit 2 with one line on stderr.
"""
import json
import os
import subprocess
import sys
import tempfile


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def replay(exe, *args, budget=300):
    try:
        p = subprocess.run([exe, "replay", "--quiet", "--json", "-"] +
                           list(args), capture_output=True, text=True,
                           timeout=budget)
    except subprocess.TimeoutExpired:
        fail("%s still running after its %d s budget: stalled (every "
             "cross-CPU free waits for the other thread to be scheduled)"
             % (args, budget))
    if p.returncode != 0:
        fail("%s exited %d: %s" % (args, p.returncode, p.stderr))
    return json.loads(p.stdout)


def counts(run):
    rc = run["rcache_stats"] or {}
    tr = run["trace"]
    return {
        "alg": run["alg"],
        "threads": run["threads"],
        "alloc": run["ops_by_type"]["alloc"],
        "free": run["ops_by_type"]["free"],
        "hits": rc.get("hits"), "misses": rc.get("misses"),
        "frees_cached": rc.get("frees_cached"),
        "depot_pushes": rc.get("depot_pushes"),
        "depot_pops": rc.get("depot_pops"),
        "alloc_failures": run["alloc_failures"],
        "drained": tr["drained"],
        "cross_thread_frees": tr["cross_thread_frees"],
        "wait_timeouts": tr["wait_timeouts"],
        "check": run["check"],
    }


def golden(exe, sample, expected):
    args = ["--threads", "1", "--trim", "off", "--alg", "all",
            "--domain", "0xffff8881a4c2e000", sample]
    a = replay(exe, *args)
    b = replay(exe, *args)
    want = {}
    with open(expected) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            k, v = line.split()
            want[k] = v if k == "check" else int(v)
    if len(a["runs"]) < 4:
        fail("expected a run per algorithm, got %d" % len(a["runs"]))
    for ra, rb in zip(a["runs"], b["runs"]):
        c = counts(ra)
        for k, v in want.items():
            if c[k] != v:
                fail("%s: %s = %r, expected %r" % (c["alg"], k, c[k], v))
        for key in ("ops", "ops_by_type", "nodes_visited",
                    "rcache_stats", "alloc_failures", "trace"):
            x, y = ra[key], rb[key]
            if key == "trace":
                x = {k: v for k, v in x.items() if k != "late_ns_max"}
                y = {k: v for k, v in y.items() if k != "late_ns_max"}
            if x != y:
                fail("%s: %s differs between two 1-thread runs:\n%r\n%r"
                     % (c["alg"], key, x, y))
        print("ok %s: %s, nodes %.4f" % (c["alg"], c,
                                          ra["nodes_visited"]["mean"]))


def crosscpu(exe):
    # Every cross-CPU free is a hand-off that needs the other thread on a
    # CPU: on a 2-CPU machine with two busy loops beside it each costs a
    # time slice (tens of ms at load 18). 300 pairs keep each replay
    # within a 120 s budget there; only the two 2-thread replays wait,
    # so 2 x 120 s + the rest stay below the 300 s CTest timeout. A free
    # may wait up to 60 s (not the default 1 s) for its allocation: under
    # ASan with the loops, 2 of 1200 waited longer than 1 s.
    n = 300
    with tempfile.NamedTemporaryFile("w", suffix=".trace",
                                     delete=False) as f:
        f.write("# iovalab-trace 1\n")
        # CPU 0 allocates, CPU 1 frees each right after (NIC TX: map on
        # the sender, unmap in the completion IRQ elsewhere); CPU 1 also
        # allocates sizes that CPU 0 frees.
        t = 0
        for i in range(n):
            size = 1 << (i % 3)
            f.write("%d 0 a %d 0xfffffffff 0x%x 1\n" %
                    (t, size, 0x100000 + 8 * i))
            f.write("%d 1 f %d - 0x%x ok\n" % (t + 1, size,
                                               0x100000 + 8 * i))
            f.write("%d 1 a 1 0xfffff 0x%x 1\n" % (t + 2, 0x1000 + i))
            f.write("%d 0 f 1 - 0x%x ok\n" % (t + 3, 0x1000 + i))
            t += 4
        path = f.name
    try:
        for threads, cross in ((2, 2 * n), (1, 0)):
            for alg in ("classic", "anylimit"):
                r = replay(exe, "--threads", str(threads), "--alg", alg,
                           "--rcache", "on,off", "--loops", "2",
                           "--lockstat", "--wait-ms", "60000", path,
                           budget=120)
                for run in r["runs"]:
                    c = counts(run)
                    tr = run["trace"]
                    if c["check"] != "ok":
                        fail("check: %s" % c["check"])
                    if (c["alloc"], c["free"]) != (4 * n, 4 * n):
                        fail("%d threads: %d allocs, %d frees replayed, "
                             "expected %d each" % (threads, c["alloc"],
                                                   c["free"], 4 * n))
                    if c["cross_thread_frees"] != 2 * cross:
                        fail("cross_thread_frees %d, expected %d" %
                             (c["cross_thread_frees"], 2 * cross))
                    locks = {l["label"]: l for l in run["locks"] or []}
                    # every op takes the CPU slot lock (cache on) or the
                    # tree lock (cache off); acquisitions are counted
                    role = "cpu" if run["rcache"] else "tree"
                    if locks.get(role, {}).get("acquisitions", 0) < 4 * n:
                        fail("--lockstat: %s lock acquisitions %r, expected "
                             ">= %d" % (role, locks.get(role), 4 * n))
                    if (c["wait_timeouts"] or c["drained"] or
                            tr["skipped_bad_frees"] or
                            tr["skipped_frees_of_failed_allocs"]):
                        fail("timeouts, skipped or drained: %r" % tr)
                    print("ok %d thread(s) %s rcache=%s: %d cross-thread "
                          "frees, %d waited" %
                          (threads, alg, run["rcache"],
                           c["cross_thread_frees"],
                           tr["cross_thread_waits"]))
    finally:
        os.unlink(path)


def badinput(exe, sample):
    with tempfile.NamedTemporaryFile("w", suffix=".trace",
                                     delete=False) as f:
        f.write("# iovalab-trace 1\n0 0 a 1 0xfffff 0x10 1\n"
                "5 0 f 1 - 0x10 ok\n9 0 x\n")
        broken = f.name
    dom = ["--domain", "0xffff8881a4c2e000"]
    cases = [
        [],
        ["--threads", "5"] + dom + [sample],
        ["--threads", "0"] + dom + [sample],
        ["--alg", "nope", sample],
        ["--lock", "", sample],
        ["--rcache", "maybe", sample],
        ["--speed", "-1", sample],
        ["--loops", "0", sample],
        ["--wait-ms", "x", sample],
        ["--trim", "sometimes", sample],
        ["--prefill", "10", sample],
        ["--pin", "middle", sample],
        ["--bogus", sample],
        [sample],  # two domains, no --domain
        dom + [sample, sample],
        ["/nonexistent/trace"],
        [broken],
        ["--json", "/nonexistent/dir/x.json"] + dom + [sample],
    ]
    try:
        for args in cases:
            p = subprocess.run([exe, "replay"] + args, capture_output=True,
                               text=True, timeout=60)
            lines = p.stderr.strip().splitlines()
            if p.returncode != 2 or len(lines) != 1 or p.stdout:
                fail("%r: exit %d, stderr %r" % (args, p.returncode,
                                                  p.stderr))
            print("ok %r: %s" % (args, lines[0]))
    finally:
        os.unlink(broken)


def main():
    exe, what = sys.argv[1], sys.argv[2]
    if what == "golden":
        golden(exe, sys.argv[3], sys.argv[4])
    elif what == "crosscpu":
        crosscpu(exe)
    elif what == "badinput":
        badinput(exe, sys.argv[3])
    else:
        fail("unknown test " + what)


if __name__ == "__main__":
    main()
