#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""results/compare on synthetic results at fixed seeds:

* a real difference (candidate +15% throughput, 3% noise, 8 repetitions)
  must be called significant ("better"), and with --fail-on-regression
  in the other direction ("worse") exit 1;
* pure noise (both sides from the same distribution, 8 repetitions) must
  be "not significant" for every metric, exit 0 with
  --fail-on-regression;
* 3 repetitions: "too few repetitions", never a verdict;
* --threshold above the real change: "within threshold";
* configurations on one side only are listed; --ignore alg matches
  classic against anylimit; failed checks are left out and counted;
* the U test against known exact p-values; bad input exits 2;
* results/render draws repeated runs (--repeat N) as medians with
  error bars and says so in the report.
"""
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.realpath(__file__))
COMPARE = os.path.join(HERE, "..", "compare")
sys.path.insert(0, os.path.join(HERE, "..", "py"))
import stats  # noqa: E402


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run_obj(rng, alg, threads, tput, noise, check="ok"):
    f = 1.0 + rng.gauss(0.0, noise)
    lat = max(1, int(1e9 / (tput * f) * threads))
    return {"alg": alg, "lock": "mutex", "cpu_lock": "mutex",
            "depot_lock": "mutex", "workload": "nic", "rcache": True,
            "threads": threads, "prefill": 0, "rate": 0.0,
            "pin": "compact", "spin": "yield", "think_ns": 0,
            "ops_per_sec": tput * f,
            "latency_ns": {"all": {"p50": lat, "p90": 2 * lat,
                                   "p99": 4 * lat, "p999": 8 * lat}},
            "nodes_visited": {"mean": 0.0}, "check": check}


def write(path, runs):
    with open(path, "w") as f:
        json.dump({"schema": 1, "tool": "iova-stress", "meta": {},
                   "runs": runs}, f)


def compare(*args, status=0):
    p = subprocess.run([sys.executable, COMPARE] + list(args),
                       capture_output=True, text=True, timeout=60)
    if p.returncode != status:
        fail("compare %r: exit %d (want %d)\n%s%s" %
             (args, p.returncode, status, p.stdout, p.stderr))
    return p.stdout


def verdicts(out, metric):
    return [line for line in out.splitlines()
            if ("  %s  " % metric) in line or ("| %s |" % metric) in line]


def render_errorbars(d, rng):
    """--repeat runs: the throughput chart's points are medians, with the
    order-statistic interval as error bars."""
    out = os.path.join(d, "render")
    os.mkdir(out)
    runs = []
    for rep in range(5):
        for t in (1, 2):
            r = run_obj(rng, "anylimit", t, 1e6 * t, 0.05)
            r.update({"repeat": 5, "rep": rep, "ops": 1000,
                      "duration_s": 0.001, "oversubscribed": False})
            runs.append(r)
    write(os.path.join(out, "stress-rep.json"), runs)
    p = subprocess.run([sys.executable, os.path.join(HERE, "..", "render"),
                        out], capture_output=True, text=True, timeout=120)
    if p.returncode not in (0, 1):  # 1: gnuplot missing, .gp still there
        fail("render exited %d: %s" % (p.returncode, p.stderr))
    gps = [f for f in os.listdir(os.path.join(out, "charts"))
           if f.startswith("throughput-") and f.endswith(".gp")]
    if len(gps) != 1:
        fail("expected one throughput chart, got %r" % gps)
    with open(os.path.join(out, "charts", gps[0])) as f:
        if "yerrorbars" not in f.read():
            fail("no error bars in " + gps[0])
    with open(os.path.join(out, "REPORT.md")) as f:
        rep = f.read()
    want = "Repeated runs (5 per point)"
    if want not in rep or "5 runs: 93.8%" not in rep:
        fail("REPORT.md does not describe the repeated runs")
    # the median of the 5 repetitions is what the table shows
    xs = sorted(r["ops_per_sec"] for r in runs if r["threads"] == 1)
    if ("%.3g" % (xs[2] / 1e6)) not in rep:
        fail("the 1-thread median %.3g M is not in the report" %
             (xs[2] / 1e6))


def main():
    # the U test itself, against exact values
    for xs, ys, want in (([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 2 / 252),
                         ([1, 2, 3], [4, 5, 6], 0.1),
                         ([1, 3, 5, 7, 9], [2, 4, 6, 8, 10], 174 / 252)):
        _, p = stats.mann_whitney(xs, ys)
        if abs(p - want) > 1e-12:
            fail("U test p %r, expected %r" % (p, want))
    if stats.min_sample_for(0.05) != 4:
        fail("minimum sample for alpha 0.05 should be 4")
    if stats.ci_rank(20) != (6, stats.ci_rank(20)[1]) or \
            abs(stats.ci_rank(5)[1] - 0.9375) > 1e-12:
        fail("order-statistic interval ranks")

    rng = random.Random(20261202)
    with tempfile.TemporaryDirectory() as d:
        base, real, noise, few, dirb = (os.path.join(d, n) for n in (
            "base.json", "real.json", "noise.json", "few.json", "dirb"))
        write(base, [run_obj(rng, "classic", t, 1e6, 0.03)
                     for t in (1, 2) for _ in range(8)] +
              [run_obj(rng, "classic", 4, 1e6, 0.03)] +
              [run_obj(rng, "classic", 1, 1e6, 0.03, "boom")])
        write(real, [run_obj(rng, "anylimit", t, 1.15e6, 0.03)
                     for t in (1, 2) for _ in range(8)] +
              [run_obj(rng, "anylimit", 8, 1e6, 0.03)])
        write(noise, [run_obj(rng, "classic", t, 1e6, 0.03)
                      for t in (1, 2) for _ in range(8)])
        write(few, [run_obj(rng, "classic", t, 2e6, 0.03)
                    for t in (1, 2) for _ in range(3)])

        out = compare("--ignore", "alg", base, real)
        v = verdicts(out, "ops/s")
        if len(v) != 2 or not all(line.rstrip().endswith("better")
                                  for line in v):
            fail("real +15%% difference not called better:\n" + out)
        if "only in base (1)" not in out or "threads=4" not in out or \
                "only in candidate (1)" not in out or "threads=8" not in out:
            fail("one-sided configurations not listed:\n" + out)
        if "check failed: 1 in base, 0 in candidate" not in out:
            fail("failed run not counted:\n" + out)
        # the other way round it is a regression
        compare("--ignore", "alg", "--fail-on-regression", real, base,
                status=1)
        out = compare("--ignore", "alg", "--threshold", "30", base, real)
        if not all(line.rstrip().endswith("within threshold")
                   for line in verdicts(out, "ops/s")):
            fail("--threshold 30 should hide a 15% change:\n" + out)
        # without --ignore alg, classic and anylimit do not match
        out = compare(base, real)
        if "0 comparisons tested" not in out:
            fail("alg must be part of the configuration:\n" + out)

        out = compare("--fail-on-regression", base, noise)
        rows = [l for l in out.splitlines() if "threads=" in l and
                ("  ops/s  " in l or " ns  " in l)]
        if not rows or any(not l.rstrip().endswith("not significant")
                           for l in rows):
            fail("pure noise called significant:\n" + out)

        out = compare("--markdown", base, few)
        v = verdicts(out, "ops/s")
        if len(v) != 2 or not all("too few repetitions" in l for l in v):
            fail("3 repetitions must be too few:\n" + out)
        if "| configuration | metric |" not in out:
            fail("no Markdown table:\n" + out)

        os.mkdir(dirb)
        write(os.path.join(dirb, "a.json"), json.load(open(base))["runs"])
        compare(dirb, base)  # a directory works like a file
        render_errorbars(d, rng)
        for args in (["nope"], [base], [base, "/nonexistent"],
                     ["--threshold", "x", base, base],
                     ["--ignore", "colour", base, base],
                     ["--alpha", "2", base, base], ["--bogus", base, base]):
            compare(*args, status=2)
        out = compare("--help")
        if not out.startswith("usage: results/compare") or \
                "fewer than\n4 on a side" not in out:
            fail("--help:\n" + out)
    print("ok: results/compare")


if __name__ == "__main__":
    main()
