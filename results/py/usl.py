# SPDX-License-Identifier: MIT
"""Universal Scalability Law fit, pure Python, deterministic.

    X(N) = lambda * N / (1 + sigma * (N - 1) + kappa * N * (N - 1))

sigma is contention (serialised work), kappa coherency (pairwise exchange
of shared state: what makes a curve turn down), lambda the single-thread
rate the curve is anchored to.

Fitting: for fixed (sigma, kappa) the model is linear in lambda, so lambda
has a closed form and the search runs over two parameters only (variable
projection). Residuals are relative ((X_i - fit_i) / X_i): throughput spans
orders of magnitude along a scaling curve and absolute least squares would
let the largest-N points decide alone. sigma and kappa are constrained to
[0, 1] (the model's physical range; a superlinear curve shows up as sigma
pinned at 0, reported as such). A log-spaced grid finds the basin, then a
compass (pattern) search with step halving refines it: no random starts, so
the same input always gives the same fit.
"""

import math

MIN_POINTS = 4


class FitRefused(ValueError):
    """The data cannot support a fit (the message says why)."""


def model(n, lam, sigma, kappa):
    return lam * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0))


def _shape(ns, sigma, kappa):
    return [n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0))
            for n in ns]


def _best_lambda(ns, xs, sigma, kappa):
    """Closed-form lambda minimising sum((1 - lam*g/x)^2); returns (lam, sse)."""
    g = _shape(ns, sigma, kappa)
    r = [gi / xi for gi, xi in zip(g, xs)]
    den = sum(ri * ri for ri in r)
    if den <= 0.0:
        return 0.0, float("inf")
    lam = sum(r) / den
    sse = sum((1.0 - lam * ri) ** 2 for ri in r)
    return lam, sse


def _grid(lo_exp, hi_exp, per_decade):
    vals = [0.0]
    steps = (hi_exp - lo_exp) * per_decade
    for i in range(steps + 1):
        vals.append(10.0 ** (lo_exp + i / per_decade))
    return vals


def fit(points):
    """Fit the USL to [(threads, throughput), ...].

    Points with the same thread count are averaged first. Raises FitRefused
    with a reason when there are fewer than MIN_POINTS distinct thread
    counts, a non-positive throughput, or no 1..N spread. Returns a dict:
    lam, sigma, kappa, n_min, n_max, points (distinct counts used),
    rms_rel_err and max_rel_err (of the fit against the measurements),
    peak_n (sqrt((1 - sigma) / kappa), only when it falls inside the
    measured range, else None: the fit is never used outside it) and
    at_bound (names of parameters pinned at a constraint).
    """
    by_n = {}
    for n, x in points:
        n = float(n)
        x = float(x)
        if not (n >= 1.0) or not math.isfinite(n):
            raise FitRefused("thread count %r is not >= 1" % (n,))
        if not (x > 0.0) or not math.isfinite(x):
            raise FitRefused("throughput %r at %g threads is not positive"
                             % (x, n))
        by_n.setdefault(n, []).append(x)
    if len(by_n) < MIN_POINTS:
        raise FitRefused("%d distinct thread count%s measured; the fit needs"
                         " at least %d (three parameters and a residual)"
                         % (len(by_n), "" if len(by_n) == 1 else "s",
                            MIN_POINTS))
    ns = sorted(by_n)
    xs = [sum(by_n[n]) / len(by_n[n]) for n in ns]

    # Grid: sigma 1e-5..1, kappa 1e-8..1, 12 points per decade, plus 0.
    best = None
    for s in _grid(-5, 0, 12):
        for k in _grid(-8, 0, 12):
            lam, sse = _best_lambda(ns, xs, s, k)
            if best is None or sse < best[0]:
                best = (sse, s, k)
    sse, s, k = best

    # Compass search, clamped to [0, 1]; steps start at a decade's width.
    ds = max(s, 1e-5)
    dk = max(k, 1e-8)
    for _ in range(20000):
        moved = False
        for cs, ck in ((s + ds, k), (s - ds, k), (s, k + dk), (s, k - dk)):
            cs = min(max(cs, 0.0), 1.0)
            ck = min(max(ck, 0.0), 1.0)
            if (cs, ck) == (s, k):
                continue
            _, csse = _best_lambda(ns, xs, cs, ck)
            if csse < sse:
                sse, s, k = csse, cs, ck
                moved = True
                break
        if not moved:
            ds *= 0.5
            dk *= 0.5
            if ds < 1e-15 and dk < 1e-18:
                break
    lam, sse = _best_lambda(ns, xs, s, k)

    rel = [(x - model(n, lam, s, k)) / x for n, x in zip(ns, xs)]
    peak = None
    if k > 0.0 and s < 1.0:
        p = math.sqrt((1.0 - s) / k)
        if ns[0] <= p <= ns[-1]:
            peak = p
    at_bound = []
    if s <= 0.0:
        at_bound.append("sigma=0")
    if k <= 0.0:
        at_bound.append("kappa=0")
    if s >= 1.0:
        at_bound.append("sigma=1")
    return {
        "lam": lam, "sigma": s, "kappa": k,
        "n_min": ns[0], "n_max": ns[-1], "points": len(ns),
        "rms_rel_err": math.sqrt(sum(r * r for r in rel) / len(rel)),
        "max_rel_err": max(abs(r) for r in rel),
        "peak_n": peak, "at_bound": at_bound,
    }


def curve(f, samples=64):
    """The fitted curve sampled inside the measured range only."""
    lo, hi = f["n_min"], f["n_max"]
    out = []
    for i in range(samples + 1):
        n = lo + (hi - lo) * i / samples
        out.append((n, model(n, f["lam"], f["sigma"], f["kappa"])))
    return out
