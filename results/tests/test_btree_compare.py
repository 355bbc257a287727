#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""results/btree-compare --quick against a Release build (argv[1]: the
build directory): it must write one markdown file with a row for every
algorithm, scenario and live count, and every iova-stress run (with a
passed check); a second run into the same directory, an unknown option
and a missing build must exit 2 without writing anything.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.realpath(__file__))
SCRIPT = os.path.join(HERE, "..", "btree-compare")
SCENARIOS = ("churn", "high32", "high40", "full32", "aligned", "peng",
             "field32")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(args):
    return subprocess.run([sys.executable, SCRIPT] + args,
                          capture_output=True, text=True)


def main():
    if len(sys.argv) != 2:
        print("usage: test_btree_compare.py BUILD_DIR", file=sys.stderr)
        return 2
    build = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        p = run(["--quick", "--build", build, "--out", out])
        if p.returncode != 0:
            fail("--quick exited %d: %s" % (p.returncode, p.stderr))
        md = open(os.path.join(out, "btree-compare.md")).read()
        rows = [ln.split("|") for ln in md.splitlines()
                if ln.startswith("| ") and not ln.startswith("| scen")
                and not ln.startswith("| work")]
        scen = {(c[1].strip(), c[2].strip(), c[3].strip().strip("*"))
                for c in rows if c[1].strip() in SCENARIOS}
        for sc in SCENARIOS:
            for n in ("10^3", "10^4"):
                for a in ("btree", "anylimit", "maxgap", "classic"):
                    if (sc, n, a) not in scen:
                        fail("no row for %s %s %s" % (sc, n, a))
        stress = [c for c in rows if c[1].strip() in
                  ("nic", "storage", "lookup")]
        # 3 workloads x 2 locks x 2 thread counts x (btree, anylimit[,
        # btree-pfn])
        if len(stress) not in (24, 36):
            fail("%d stress rows, want 24 (or 36 with btree-pfn)" %
                 len(stress))
        if any(c[-2].strip() != "ok" for c in stress):
            fail("a stress run's check failed")
        for head in ("* machine:", "* commit:", "* command:",
                     "* threads > cores:"):
            if head not in md:
                fail("header line '%s' missing" % head)
        p = run(["--quick", "--build", build, "--out", out])
        if p.returncode != 2:
            fail("rerun into a full --out exited %d, want 2" % p.returncode)
        for bad in (["--bogus"], ["--out"],
                    ["--build", os.path.join(tmp, "nowhere")]):
            p = run(bad)
            if p.returncode != 2 or p.stdout:
                fail("%s exited %d, want 2 and no output" %
                     (bad, p.returncode))
    print("test_btree_compare: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
