#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""results/render on the fixed fixture JSON: charts exist, report has tables.

Fails (never skips) when gnuplot or its pngcairo/svg terminals are missing:
.ci/deps installs gnuplot-nox, and a lab that cannot draw is broken.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.dirname(HERE)
RENDER = os.path.join(RESULTS, "render")
FIXTURES = os.path.join(HERE, "fixtures")

CHARTS = [
    "throughput-nic-rcache-on", "throughput-nic-rcache-off",
    "throughput-storage-rcache-on", "throughput-storage-rcache-off",
    "throughput-mixed32-rcache-off-prefill100000",
    "latency-nic-rcache-on", "latency-nic-rcache-off",
    "latency-storage-rcache-on", "latency-storage-rcache-off",
    "latency-mixed32-rcache-off-prefill100000",
    "hitrate", "lockwait-nic-rcache-off-tree",
    "tree-high32", "tree-high40", "tree-full32", "tree-churn",
    "lockbench-uncontended", "lockbench-throughput-short",
    "lockbench-throughput-long",
]


def render(d, *extra):
    return subprocess.run([sys.executable, RENDER] + list(extra) + [d],
                          capture_output=True, text=True, timeout=300)


class Gnuplot(unittest.TestCase):
    def test_gnuplot_with_terminals(self):
        gp = shutil.which("gnuplot")
        self.assertIsNotNone(gp, "gnuplot not installed: run .ci/deps")
        r = subprocess.run([gp, "-e", "set terminal"], capture_output=True,
                           text=True, timeout=60)
        out = r.stdout + r.stderr
        self.assertIn("pngcairo", out)
        self.assertIn("svg", out)


class Fixture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="iovalab-render-")
        cls.dir = os.path.join(cls.tmp, "run")
        shutil.copytree(FIXTURES, cls.dir)
        # a stale chart from an earlier render must not survive
        os.makedirs(os.path.join(cls.dir, "charts"))
        with open(os.path.join(cls.dir, "charts", "stale.png"), "w") as f:
            f.write("x")
        cls.r = render(cls.dir)
        with open(os.path.join(cls.dir, "REPORT.md"), encoding="utf-8") as f:
            cls.report = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_exit_status(self):
        self.assertEqual(self.r.returncode, 0, self.r.stderr)

    def test_charts_exist_nonempty(self):
        for c in CHARTS:
            for ext in (".png", ".svg", ".gp"):
                p = os.path.join(self.dir, "charts", c + ext)
                self.assertTrue(os.path.isfile(p), p)
                self.assertGreater(os.path.getsize(p), 0, p)
            with open(os.path.join(self.dir, "charts", c + ".png"),
                      "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", c)
            with open(os.path.join(self.dir, "charts", c + ".svg"),
                      encoding="utf-8") as f:
                svg = f.read()
            self.assertIn("<svg", svg, c)
            # every chart carries machine, commit and date
            self.assertIn("FIXTURE CPU", svg, c)
            self.assertIn("commit f1x7ure", svg, c)
            self.assertIn("2026-11-25", svg, c)
        self.assertFalse(os.path.exists(
            os.path.join(self.dir, "charts", "stale.png")))
        pngs = [f for f in os.listdir(os.path.join(self.dir, "charts"))
                if f.endswith(".png")]
        self.assertEqual(sorted(pngs), sorted(c + ".png" for c in CHARTS))

    def test_oversubscribed_region_shaded(self):
        with open(os.path.join(self.dir, "charts",
                               "throughput-nic-rcache-on.gp")) as f:
            gp = f.read()
        self.assertIn("set object 1 rect from 4, graph 0", gp)
        self.assertIn("keyentry with boxes fc rgb \"#e4e4e4\" fs solid 1.0"
                      " title \"oversubscribed: threads > 4 CPUs\"", gp)

    def test_report_sections(self):
        for h in ("## Machine", "## Sweep", "## Throughput vs threads",
                  "## Tail latency vs threads", "## Magazine cache hit rate",
                  "## Lock wait-time distributions",
                  "## Search cost vs live ranges", "## USL fits, summary",
                  "## Problems and skipped charts", "## Reproduce"):
            self.assertIn("\n" + h + "\n", self.report, h)

    def test_report_tables(self):
        rep = self.report
        self.assertIn("| threads | ck-mcs | mcs | mutex | ticket |", rep)
        self.assertIn("| 8 (oversub) |", rep)
        # nic rcache off, mutex at 1 thread: 3.0 Mops/s in the fixture
        self.assertIn("| 1 | 3.5 | 3.6 | 3 | 4 |", rep)
        self.assertIn("| threads | anylimit | classic | gap32 | maxgap |",
                      rep)
        self.assertIn("| alg | live ranges | visited mean | visited max |",
                      rep)
        self.assertIn("| anylimit | 1000000 |", rep)
        self.assertIn("| alg | node bytes | slab bytes |", rep)
        self.assertIn("| gap32 | 72 | 128 |", rep)
        self.assertIn("| threads | lock | instances | acquisitions |", rep)
        self.assertIn("| workload | threads | mean hit rate |", rep)
        self.assertIn("`BM_TreeAllocFree/anylimit/high32/1000` | median |",
                      rep)
        self.assertIn("| sweep duration | 187 s |", rep)
        self.assertIn("| lock | peer | ns | cycles | read ns | read cycles |",
                      rep)
        self.assertIn("| ck-mcs | ck | 4.7 |", rep)
        self.assertIn("| lock | direct_ns | interface_ns | delta_ns |", rep)
        self.assertIn("| threads | ticket | mutex | ck-mcs |", rep)
        # lock-bench's own knobs, not the meta fields every tool shares
        self.assertIn("From `lock-bench.json` (cpus 4, cs_long 100, "
                      "cs_short 1, duration_s 0.2, hold_ns 0, read_pct 90,"
                      " spin yield, think_ns 50,", rep)
        line = [ln for ln in rep.splitlines()
                if ln.startswith("From `lock-bench.json`")][0]
        self.assertNotIn("hostname", line)

    def test_usl(self):
        rep = self.report
        # fixture: nic rcache off mutex follows sigma 0.15 kappa 0.002
        self.assertIn("| workload nic, rcache off, alg anylimit | mutex |"
                      " 1–4 | 0.15 | 0.002 |", rep)
        # lock-bench curves fit too (short section, mutex: 0.2 / 0.01)
        self.assertIn("| lock-bench, short critical section (1 shared-line"
                      " increments) | mutex | 1–4 | 0.2 | 0.01 |", rep)
        # two thread counts: refused, with the reason
        self.assertIn("USL fit: not done: 2 distinct thread counts within the 4 logical CPUs", rep)

    def test_problems_listed(self):
        self.assertIn("check failed (conservation: pfn 0x1234 handed out"
                      " twice)", self.report)
        self.assertIn("step 'lock-bench' exit -1", self.report)

    def test_reproduce(self):
        self.assertIn("results/lab --quick", self.report)
        # the lab step that wrote stress.json, not its argv a second time
        self.assertIn("build/bin/iova-stress --threads 1,2,3,4,8 --json"
                      " stress.json", self.report)
        self.assertNotIn("iova-stress --threads 1,2,3,4,8 --workload"
                         " nic,storage --json stress.json", self.report)

    def test_machine_and_few_cores_note(self):
        self.assertIn("| CPU | FIXTURE CPU (synthetic data) |", self.report)
        self.assertIn("4 logical CPUs: this is not a scaling result",
                      self.report)


class Partial(unittest.TestCase):
    def test_only_scenarios(self):
        with tempfile.TemporaryDirectory() as d:
            shutil.copy(os.path.join(FIXTURES, "scenarios.json"), d)
            r = render(d)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(d, "REPORT.md"), encoding="utf-8") as f:
                rep = f.read()
            self.assertIn("chart skipped: throughput: no iova-stress JSON",
                          rep)
            self.assertIn("No lab.json", rep)
            self.assertTrue(os.path.getsize(
                os.path.join(d, "charts", "tree-high32.png")) > 0)
            self.assertFalse(os.path.exists(
                os.path.join(d, "charts", "hitrate.png")))

    def test_dropped_in_stress(self):
        # no lab.json: the commands come from each file's meta argv
        with tempfile.TemporaryDirectory() as d:
            shutil.copy(os.path.join(FIXTURES, "stress.json"), d)
            r = render(d)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(d, "REPORT.md"), encoding="utf-8") as f:
                rep = f.read()
            self.assertIn("# stress.json was written by:\niova-stress"
                          " --threads 1,2,3,4,8 --workload nic,storage"
                          " --json stress.json", rep)
            self.assertIn("sweep duration unknown", rep)
            self.assertTrue(os.path.getsize(os.path.join(
                d, "charts", "throughput-nic-rcache-on.png")) > 0)

    def test_broken_json_is_reported(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "stress-x.json"), "w") as f:
                f.write("{\"runs\": [")
            r = render(d)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(d, "REPORT.md"), encoding="utf-8") as f:
                self.assertIn("unreadable file: stress-x.json", f.read())

    def test_missing_gnuplot_fails(self):
        with tempfile.TemporaryDirectory() as d:
            shutil.copy(os.path.join(FIXTURES, "scenarios.json"), d)
            r = render(d, "--gnuplot", "/nonexistent/gnuplot")
            self.assertEqual(r.returncode, 1)
            with open(os.path.join(d, "REPORT.md"), encoding="utf-8") as f:
                self.assertIn("gnuplot", f.read())


class Usage(unittest.TestCase):
    def test_bad_usage_exits_2(self):
        for args in ([], ["--bogus", "x"], ["/nonexistent/dir"],
                     ["a", "b"], ["--gnuplot"]):
            r = subprocess.run([sys.executable, RENDER] + args,
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 2, args)
            self.assertTrue(r.stderr.startswith("render: "), args)

    def test_lab_bad_flags_exit_2(self):
        lab = os.path.join(RESULTS, "lab")
        for args in (["--bogus"], ["--out"], ["--build-dir"], ["extra"],
                     ["--out="]):
            r = subprocess.run(["bash", lab] + args, capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 2, args)
            self.assertTrue(r.stderr.startswith("lab: "), args)
        r = subprocess.run(["bash", lab, "--help"], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: results/lab", r.stdout)

    def test_lab_refuses_out_with_results(self):
        with tempfile.TemporaryDirectory() as d:
            open(os.path.join(d, "stress.json"), "w").close()
            r = subprocess.run(["bash", os.path.join(RESULTS, "lab"),
                                "--out", d], capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(r.returncode, 2)
            self.assertIn("already holds JSON results", r.stderr)

    def test_help(self):
        r = subprocess.run([sys.executable, RENDER, "--help"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: results/render", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=1)
