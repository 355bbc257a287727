#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Smoke test for one benchmark binary (CTest, label unit).

usage: smoke.py BINARY OUT.json [--smoke-expect=REGEX:COUNTER:OP:VALUE]...
                [--smoke-bigo=N] [benchmark args...]

Runs BINARY briefly with JSON output to OUT.json and checks: exit status 0,
the file is valid JSON with a context and a non-empty benchmarks list, no
benchmark reported an error (except "over budget:", a threaded run stopped
at its wall-time budget: timing, not behaviour), every measured run did
iterations. Each
--smoke-expect checks a counter of every non-aggregate run whose name
matches REGEX (re.search), OP one of eq, ge, le; a counter that must hold
is a deterministic count (hit rate on a pinned thread, depot moves per
iteration), never a time. At least one run must match each expectation.
--smoke-bigo=N requires at least N complexity fits (BigO rows).
"""
import json
import re
import subprocess
import sys

OPS = {
    "eq": lambda a, b: abs(a - b) <= 1e-9 * max(1.0, abs(b)),
    "ge": lambda a, b: a >= b,
    "le": lambda a, b: a <= b,
}


def fail(msg):
    print("smoke: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, out = argv[1], argv[2]
    expects, args, bigo = [], [], 0
    for a in argv[3:]:
        if a.startswith("--smoke-bigo="):
            bigo = int(a[len("--smoke-bigo="):])
        elif a.startswith("--smoke-expect="):
            parts = a[len("--smoke-expect="):].rsplit(":", 3)
            if len(parts) != 4 or parts[2] not in OPS:
                print("smoke: bad " + a, file=sys.stderr)
                return 2
            expects.append((re.compile(parts[0]), parts[1], parts[2],
                            float(parts[3])))
        else:
            args.append(a)
    if not any(a.startswith("--benchmark_min_time") for a in args):
        args.append("--benchmark_min_time=0.01")
    cmd = [binary] + args + ["--benchmark_out=" + out,
                             "--benchmark_out_format=json"]
    print("smoke: " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, timeout=110)
    if r.returncode != 0:
        fail("exit status %d" % r.returncode)
    try:
        with open(out) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        fail("%s: %s" % (out, e))
    if "context" not in doc or "iovalab_subject" not in doc["context"]:
        fail("no context / iovalab_subject")
    runs = doc.get("benchmarks") or []
    if not runs:
        fail("no benchmarks ran")
    for b in runs:
        msg = b.get("error_message") or ""
        # A threaded run stopped at its wall-time budget is a timing
        # outcome (a loaded machine, a collapsing spinlock), not a defect.
        if b.get("error_occurred") and not msg.startswith("over budget:"):
            fail("%s: %s" % (b["name"], msg))
        if b.get("run_type") == "iteration" and b.get("iterations", 0) < 1:
            fail("%s: no iterations" % b["name"])
    nbigo = sum(1 for b in runs if b.get("aggregate_name") == "BigO")
    if nbigo < bigo:
        fail("%d complexity fits, expected at least %d" % (nbigo, bigo))
    for rx, counter, op, value in expects:
        hit = [b for b in runs
               if b.get("run_type") == "iteration" and rx.search(b["name"])
               and not b.get("error_occurred")]
        if not hit:
            fail("no run matches %s" % rx.pattern)
        for b in hit:
            if counter not in b:
                fail("%s: no counter %s" % (b["name"], counter))
            if not OPS[op](b[counter], value):
                fail("%s: %s = %g, expected %s %g" %
                     (b["name"], counter, b[counter], op, value))
    print("smoke: ok, %d results in %s" % (len(runs), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
