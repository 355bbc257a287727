# SPDX-License-Identifier: MIT
"""Small statistics for repeated measurements, standard library only.

* median and a distribution-free confidence interval for it: order
  statistics [x_(k), x_(n+1-k)] with the largest k whose binomial
  coverage is >= 95% (for n < 6 none is: [min, max], with its real level),
  the same rule iova-stress uses for its "summaries" (stress/SCHEMA.md);
* the Mann-Whitney U test (two-sided), exact distribution for small
  samples without ties, normal approximation with tie correction
  otherwise;
* a Hodges-Lehmann-style confidence interval for a ratio of medians,
  from the pairwise ratios' order statistics (distribution-free, via the
  U distribution).
"""

import math


def median(xs):
    s = sorted(xs)
    n = len(s)
    if not n:
        return None
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2.0


def _cover(n, k):
    tail = sum(math.comb(n, i) for i in range(k)) / 2.0 ** n
    return 1.0 - 2.0 * tail


def ci_rank(n):
    """(k, level): the interval [x_(k), x_(n+1-k)] (1-based) and its
    coverage of the median."""
    k = 1
    while k + 1 <= (n + 1) // 2 and _cover(n, k + 1) >= 0.95:
        k += 1
    return k, _cover(n, k)


def median_ci(xs):
    """(median, lo, hi, level) of the values."""
    s = sorted(xs)
    n = len(s)
    k, level = ci_rank(n)
    return median(s), s[k - 1], s[n - k], level


def _u_exact_counts(m, n):
    """Number of arrangements giving each U = 0..m*n (no ties)."""
    # f[i][j] is a polynomial in U; build by the standard recurrence
    # f(m, n) = f(m-1, n) shifted by n + f(m, n-1)
    prev = [[None] * (n + 1) for _ in range(m + 1)]
    for i in range(m + 1):
        for j in range(n + 1):
            if i == 0 or j == 0:
                prev[i][j] = [1]
                continue
            a = [0] * j + prev[i - 1][j]      # last item from sample 1
            b = prev[i][j - 1]                # last item from sample 2
            size = max(len(a), len(b))
            prev[i][j] = [(a[u] if u < len(a) else 0) +
                          (b[u] if u < len(b) else 0) for u in range(size)]
    return prev[m][n]


def min_sample_for(alpha=0.05):
    """Smallest equal sample size at which a two-sided U test can reach
    p < alpha at all (4 for 0.05: with 3 vs 3 the smallest p is 0.1)."""
    n = 1
    while 2.0 / math.comb(2 * n, n) >= alpha:
        n += 1
    return n


def mann_whitney(xs, ys):
    """Two-sided Mann-Whitney U test. Returns (U of xs, p-value)."""
    m, n = len(xs), len(ys)
    if not m or not n:
        return None, 1.0
    allv = sorted([(v, 0) for v in xs] + [(v, 1) for v in ys])
    ranks = [0.0] * len(allv)
    ties = []
    i = 0
    while i < len(allv):
        j = i
        while j + 1 < len(allv) and allv[j + 1][0] == allv[i][0]:
            j += 1
        r = (i + j) / 2.0 + 1.0
        for k in range(i, j + 1):
            ranks[k] = r
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    r1 = sum(r for r, (_, g) in zip(ranks, allv) if g == 0)
    u1 = r1 - m * (m + 1) / 2.0
    u = min(u1, m * n - u1)
    if not ties and m + n <= 40:
        counts = _u_exact_counts(m, n)
        total = math.comb(m + n, m)
        lo = sum(counts[:int(math.floor(u)) + 1])
        return u1, min(1.0, 2.0 * lo / total)
    mu = m * n / 2.0
    N = m + n
    tie = sum(t ** 3 - t for t in ties)
    var = m * n / 12.0 * ((N + 1) - tie / (N * (N - 1)))
    if var <= 0:
        return u1, 1.0
    z = (abs(u1 - mu) - 0.5) / math.sqrt(var)
    p = math.erfc(max(z, 0.0) / math.sqrt(2.0))
    return u1, min(1.0, p)


def ratio_ci(base, cand):
    """Point estimate and ~95% interval of cand/base (median of pairwise
    ratios, and the order statistics of those ratios that the U
    distribution gives; [min, max] of them when samples are small)."""
    rs = sorted(c / b for b in base for c in cand if b)
    if not rs:
        return None, None, None
    m, n = len(base), len(cand)
    est = median(rs)
    # rank of the lower bound: the largest d with P(U <= d-1) <= 0.025
    if m + n <= 40:
        counts = _u_exact_counts(m, n)
        total = math.comb(m + n, m)
        acc = 0
        d = 0
        while d < len(counts) and (acc + counts[d]) / total <= 0.025:
            acc += counts[d]
            d += 1
    else:
        z = 1.959964
        d = int(math.floor(m * n / 2.0 -
                           z * math.sqrt(m * n * (m + n + 1) / 12.0)))
    d = max(d, 0)
    if d == 0:
        return est, rs[0], rs[-1]
    return est, rs[d - 1], rs[len(rs) - d]
