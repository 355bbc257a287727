#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""--repeat N output schema (stress/SCHEMA.md "Repetitions"), for any tool
writing iova-stress JSON: N runs per configuration, each with "rep" and
"repeat"; one summary per configuration whose "runs" are exactly its
repetitions, whose medians are those runs' medians, whose interval is the
order-statistic one computed here independently, and whose level is its
binomial coverage. Counts only, never timings.

  repeat_check.py N CONFIGS CMD...   (CMD writes the JSON on stdout)
"""
import json
import math
import subprocess
import sys

KEYS = ("alg", "lock", "workload", "rcache", "threads", "prefill")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def ci_rank(n):
    """Largest k with P(x_(k) <= median <= x_(n+1-k)) >= 0.95, else 1."""
    def cover(k):
        tail = sum(math.comb(n, i) for i in range(k)) / 2.0 ** n
        return 1 - 2 * tail
    k = 1
    while k + 1 <= (n + 1) // 2 and cover(k + 1) >= 0.95:
        k += 1
    return k, cover(k)


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def close(a, b):
    return abs(a - b) <= 1e-5 * max(1.0, abs(a), abs(b))


def main():
    n, configs, cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        fail("exit %d: %s" % (p.returncode, p.stderr[-2000:]))
    doc = json.loads(p.stdout)
    runs, sums = doc["runs"], doc.get("summaries")
    if len(runs) != n * configs:
        fail("%d runs, expected %d x %d" % (len(runs), n, configs))
    if sums is None or len(sums) != configs:
        fail("expected %d summaries, got %r" % (configs, sums and len(sums)))
    for i, r in enumerate(runs):
        if r.get("repeat") != n or r.get("rep") != i // configs:
            fail("run %d: repeat %r rep %r" % (i, r.get("repeat"),
                                               r.get("rep")))
    seen = set()
    for s in sums:
        idx = s["runs"]
        if s["repeat"] != n or len(idx) != n:
            fail("summary repeat %r, runs %r" % (s["repeat"], idx))
        seen |= set(idx)
        for i in idx:
            if any(runs[i][k] != s[k] for k in KEYS):
                fail("summary %r lists run %d of another configuration"
                     % ({k: s[k] for k in KEYS}, i))
        k, level = ci_rank(n)
        figs = [("ops_per_sec", [runs[i]["ops_per_sec"] for i in idx])]
        for t, lat in s["latency_ns"].items():
            for q, st in lat.items():
                figs.append(("latency_ns.%s.%s" % (t, q),
                             [runs[i]["latency_ns"][t][q] for i in idx]))
        for name, xs in figs:
            st = s
            for part in name.split("."):
                st = st[part]
            xs = sorted(xs)
            want = {"median": median(xs), "ci_lo": xs[k - 1],
                    "ci_hi": xs[n - k], "ci_level": level,
                    "min": xs[0], "max": xs[-1]}
            for key, v in want.items():
                if not close(st[key], v):
                    fail("%s %s = %r, expected %r (values %r)" %
                         (name, key, st[key], v, xs))
            if not st["ci_lo"] <= st["median"] <= st["ci_hi"]:
                fail("%s: median outside its interval" % name)
    if seen != set(range(len(runs))):
        fail("runs in no summary: %r" % sorted(set(range(len(runs))) - seen))
    print("ok: %d configurations x %d repetitions, interval ranks %d/%d, "
          "level %.4f" % (configs, n, ci_rank(n)[0], n + 1 - ci_rank(n)[0],
                          ci_rank(n)[1]))


if __name__ == "__main__":
    main()
