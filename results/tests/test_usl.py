#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The USL fitter recovers known sigma/kappa and refuses thin data."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "py"))
import usl  # noqa: E402

NS = [1, 2, 4, 8, 16, 32, 48, 64]


def synth(lam, sigma, kappa, ns=NS, noise=0.0, seed=12345):
    """Deterministic data; noise is a +-fraction from a fixed LCG."""
    out = []
    for n in ns:
        seed = (seed * 1103515245 + 12345) % 2 ** 31
        e = (seed / 2 ** 31 - 0.5) * 2 * noise
        out.append((n, usl.model(n, lam, sigma, kappa) * (1 + e)))
    return out


class Exact(unittest.TestCase):
    def check(self, lam, sigma, kappa, ns=NS):
        f = usl.fit(synth(lam, sigma, kappa, ns))
        self.assertAlmostEqual(f["sigma"], sigma, delta=1e-6)
        self.assertAlmostEqual(f["kappa"], kappa, delta=1e-8)
        self.assertAlmostEqual(f["lam"] / lam, 1.0, delta=1e-6)
        self.assertLess(f["rms_rel_err"], 1e-9)
        self.assertEqual(f["points"], len(ns))
        self.assertEqual((f["n_min"], f["n_max"]), (min(ns), max(ns)))
        return f

    def test_contention_and_coherency(self):
        f = self.check(2.5e6, 0.03, 0.0005)
        # peak sqrt((1-s)/k) = 44.0 lies inside 1..64: reported
        self.assertAlmostEqual(f["peak_n"], 44.045, delta=0.01)

    def test_strong_coherency(self):
        f = self.check(1e5, 0.2, 0.01)
        self.assertAlmostEqual(f["peak_n"], 8.944, delta=0.01)

    def test_linear(self):
        f = self.check(3e6, 0.0, 0.0)
        self.assertIsNone(f["peak_n"])
        self.assertIn("sigma=0", f["at_bound"])
        self.assertIn("kappa=0", f["at_bound"])

    def test_amdahl_only(self):
        f = self.check(1e6, 0.5, 0.0)
        self.assertIsNone(f["peak_n"])

    def test_four_points_is_enough(self):
        self.check(1e6, 0.1, 0.02, ns=[1, 2, 3, 4])

    def test_peak_outside_range_not_reported(self):
        # peak at 99.5 threads; measured only to 16: never extrapolated
        f = self.check(1e6, 0.01, 0.0001, ns=[1, 2, 4, 8, 16])
        self.assertIsNone(f["peak_n"])

    def test_curve_stays_inside_measured_range(self):
        f = usl.fit(synth(1e6, 0.05, 0.001, ns=[2, 3, 5, 7]))
        c = usl.curve(f)
        self.assertEqual(c[0][0], 2.0)
        self.assertEqual(c[-1][0], 7.0)
        self.assertTrue(all(2.0 <= n <= 7.0 for n, _ in c))

    def test_repeated_counts_are_averaged(self):
        pts = synth(1e6, 0.05, 0.001) + synth(1e6, 0.05, 0.001)
        f = usl.fit(pts)
        self.assertEqual(f["points"], len(NS))
        self.assertAlmostEqual(f["sigma"], 0.05, delta=1e-6)


class Noisy(unittest.TestCase):
    def test_two_percent_noise(self):
        f = usl.fit(synth(2.5e6, 0.03, 0.0005, noise=0.02))
        self.assertAlmostEqual(f["sigma"], 0.03, delta=0.005)
        self.assertAlmostEqual(f["kappa"], 0.0005, delta=0.0001)
        self.assertAlmostEqual(f["lam"] / 2.5e6, 1.0, delta=0.02)
        self.assertGreater(f["rms_rel_err"], 0.001)
        self.assertLess(f["rms_rel_err"], 0.02)

    def test_deterministic(self):
        pts = synth(7e5, 0.12, 0.003, noise=0.05, seed=7)
        self.assertEqual(usl.fit(pts), usl.fit(pts))


class Refuses(unittest.TestCase):
    def test_three_points(self):
        with self.assertRaises(usl.FitRefused) as cm:
            usl.fit(synth(1e6, 0.1, 0.01, ns=[1, 2, 4]))
        self.assertIn("3 distinct thread counts", str(cm.exception))

    def test_duplicates_do_not_count(self):
        pts = synth(1e6, 0.1, 0.01, ns=[1, 2, 2, 4, 4])
        with self.assertRaises(usl.FitRefused):
            usl.fit(pts)

    def test_empty(self):
        with self.assertRaises(usl.FitRefused):
            usl.fit([])

    def test_nonpositive_throughput(self):
        with self.assertRaises(usl.FitRefused):
            usl.fit([(1, 1.0), (2, 2.0), (3, 0.0), (4, 3.0)])

    def test_bad_thread_count(self):
        with self.assertRaises(usl.FitRefused):
            usl.fit([(0, 1.0), (2, 2.0), (3, 2.5), (4, 3.0)])


if __name__ == "__main__":
    unittest.main(verbosity=1)
