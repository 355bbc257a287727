# SPDX-License-Identifier: MIT
"""Charts and REPORT.md from a results directory's JSON.

Every chart has a table behind it in the report; a chart whose input is
absent is skipped with a note saying what would have drawn it.
"""

import math
import os
import re
import shutil
import traceback

import gp
import labdata
import stats
import usl
from labdata import num

LOCKS = ("tas", "ttas", "ticket", "mcs", "mutex", "rwlock", "rcu", "ck-fas",
         "ck-ticket", "ck-mcs", "ck-clh", "ck-rwlock", "qspinlock")
STAT_KEYS = ("p50", "p90", "p99", "p999", "max")
STAT_NAMES = {"p50": "p50", "p90": "p90", "p99": "p99", "p999": "p99.9",
              "max": "max"}


# formatting -----------------------------------------------------------------

def fmt_ns(v):
    if v is None:
        return "–"
    if v >= 1e6:
        return "%.3g ms" % (v / 1e6)
    if v >= 1e3:
        return "%.3g µs" % (v / 1e3)
    return "%.3g ns" % v


def pct(f):
    """A fraction as a percentage with the digits that matter near 100%."""
    if f is None:
        return "–"
    if f >= 0.99 and f < 1.0:
        return "%.4f%%" % (100 * f)
    return "%.2f%%" % (100 * f)


def rate_unit(vmax):
    if vmax >= 1e6:
        return 1e6, "Mops/s"
    if vmax >= 1e3:
        return 1e3, "kops/s"
    return 1.0, "ops/s"


def fmt_g(v, digits=3):
    if v is None:
        return "–"
    return "%.*g" % (digits, v)


def table(head, rows):
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join(" --- " for _ in head) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


def slug(*parts):
    s = "-".join(str(p) for p in parts if p not in (None, ""))
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", s)


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


# stress grouping ------------------------------------------------------------

def _onoff(v):
    return "on" if v else "off"


class Series:
    def __init__(self, key):
        self.key = key          # (alg, lock)
        self.label = None
        self.by_n = {}          # threads -> [run]
        self.lockstat_only = False

    def ns(self):
        return sorted(self.by_n)

    def val(self, n, f):
        return mean([f(r) for r in self.by_n[n]])


class Group:
    """One chart's worth of stress runs: fixed workload/rcache/prefill/..."""

    def __init__(self, key):
        self.key = key          # (workload, rcache, prefill, rate, pin)
        self.series = {}
        self.title_dims = []
        self.name = ""

    def all_ns(self):
        return sorted({n for s in self.series.values() for n in s.by_n})


def _lat(r, key="all"):
    l = (r.get("latency_ns") or {}).get(key) or {}
    return l


def stress_groups(d, problems):
    plain = {}
    stats = {}
    for fname, r, meta in d.stress:
        chk = r.get("check", "ok")
        gkey = (r.get("workload"), bool(r.get("rcache")),
                int(num(r.get("prefill"), 0)), num(r.get("rate"), 0.0),
                r.get("pin") or "compact", _variant(r))
        skey = (r.get("alg"), r.get("lock"))
        n = int(num(r.get("threads"), 0))
        if chk != "ok":
            problems.append("run excluded: %s: %s/%s %s rcache %s at %d"
                            " threads: check"
                            " failed (%s); left out of every chart and"
                            " table" % (fname, skey[0], skey[1], gkey[0],
                                        _onoff(gkey[1]), n, chk))
            continue
        if num(r.get("ops_per_sec")) is None or n < 1:
            problems.append("run excluded: %s: no ops_per_sec/threads"
                            % fname)
            continue
        if fname.startswith("stress-series"):
            continue  # one thread count: drawn over time (section_series)
        target = stats if r.get("locks") else plain
        target.setdefault(gkey, {}).setdefault(skey, {}) \
            .setdefault(n, []).append(r)

    groups = []
    for gkey in sorted(set(plain) | set(stats), key=_gsort):
        g = Group(gkey)
        for skey in sorted(set(plain.get(gkey, {})) |
                           set(stats.get(gkey, {})), key=_ssort):
            s = Series(skey)
            src = plain.get(gkey, {}).get(skey)
            if not src:
                src = stats[gkey][skey]
                s.lockstat_only = True
            s.by_n = src
            g.series[skey] = s
        _label_group(g)
        groups.append(g)
    return groups, stats


# The device workloads first, in the order a reader asks about them.
WORKLOADS = ("nic", "storage", "crosscpu", "irqcpu", "large", "lookup",
             "mixed32", "masks", "full32")


def _wsort(wl):
    return (WORKLOADS.index(wl) if wl in WORKLOADS else len(WORKLOADS),
            str(wl))


def _variant(r):
    """Settings that change what a run measures beyond the group's key,
    when not at their defaults (older JSON lacks them: defaults)."""
    v = []
    if r.get("unmap") not in (None, "none"):
        v.append("unmap %s" % r["unmap"])
    hold = int(num(r.get("tree_hold_ns"), 0))
    if hold:
        v.append("tree hold %d ns" % hold)
    if r.get("trim_ms") is not None and int(num(r.get("trim_ms"), 100)) \
            != 100:
        trim = int(num(r.get("trim_ms"), 100))
        v.append("trim off" if trim == 0 else "trim %d ms" % trim)
    return ", ".join(v)


def _gsort(k):
    return (_wsort(k[0]), not k[1], k[2], k[3], k[4], k[5])


def _ssort(k):
    return (str(k[0]), str(k[1]))


def _label_group(g):
    wl, rc, prefill, rate, pin, variant = g.key
    algs = {k[0] for k in g.series}
    locks = {k[1] for k in g.series}
    dims = ["workload %s" % wl, "rcache %s" % _onoff(rc)]
    if prefill:
        dims.append("prefill %d" % prefill)
    if rate:
        dims.append("open loop %g ops/s" % rate)
    if pin != "compact":
        dims.append("pin %s" % pin)
    if variant:
        dims.append(variant)
    if len(algs) == 1:
        dims.append("alg %s" % next(iter(algs)))
    if len(locks) == 1:
        dims.append("lock %s" % next(iter(locks)))
    g.title_dims = dims
    for k, s in g.series.items():
        if len(algs) > 1 and len(locks) > 1:
            s.label = "%s/%s" % k
        elif len(algs) > 1:
            s.label = str(k[0])
        else:
            s.label = str(k[1])
        if s.lockstat_only:
            s.label += " (lockstat on)"
    g.name = slug(wl, "rcache", _onoff(rc),
                  "prefill%d" % prefill if prefill else "",
                  "rate%g" % rate if rate else "",
                  "pin" + pin if pin != "compact" else "",
                  re.sub(r"[^a-z0-9]+", "-", variant) if variant else "")


def _repeat_errs(s):
    """{threads: (median, lo, hi, level, values)} of ops/s when the series'
    runs are repetitions (--repeat N > 1), else None."""
    if not any(int(num(r.get("repeat"), 1)) > 1
               for rs in s.by_n.values() for r in rs):
        return None
    out = {}
    for n, rs in s.by_n.items():
        xs = [num(r.get("ops_per_sec")) for r in rs]
        xs = [x for x in xs if x is not None]
        if xs:
            out[n] = stats.median_ci(xs) + (xs,)
    return out


def rcache_stats(r):
    """The cache counters of a run: iova-stress writes them under
    "rcache_stats" ("rcache" is the on/off flag); accept an object under
    "rcache" too (the schema's first draft)."""
    for k in ("rcache_stats", "rcache"):
        v = r.get(k)
        if isinstance(v, dict):
            return v
    return {}


def is_over(r, logical):
    v = r.get("oversubscribed")
    if isinstance(v, bool):
        return v
    return logical is not None and num(r.get("threads"), 0) > logical


# the renderer -----------------------------------------------------------------

class Renderer:
    def __init__(self, root, gnuplot="gnuplot"):
        self.root = root
        self.d = labdata.load(root)
        self.m = labdata.machine(self.d)
        self.footer = labdata.machine_label(self.m)
        self.logical = num(self.m.get("logical_cpus"))
        self.charts_dir = os.path.join(root, "charts")
        self.gnuplot = gnuplot
        self.have_gnuplot = shutil.which(gnuplot) is not None
        self.problems = []
        self.skipped = []
        self.chart_fail = []
        self.charts = []
        self.md = []
        self.fits = []

    # chart plumbing
    def draw(self, chart):
        """Render a chart; returns the markdown image line (or a note)."""
        if not self.have_gnuplot:
            self.chart_fail.append("%s: gnuplot not found" % chart.name)
            return "*(chart %s not drawn: gnuplot missing)*" % chart.name
        ok, msg = chart.render(self.charts_dir, self.gnuplot)
        if not ok:
            self.chart_fail.append("%s: %s" % (chart.name, msg))
            return "*(chart %s failed: %s)*" % (chart.name, msg)
        self.charts.append(chart.name)
        return ("![%s](charts/%s.png)  \n[SVG](charts/%s.svg) ·"
                " [gnuplot script](charts/%s.gp)"
                % (chart.title, chart.name, chart.name, chart.name))

    def thread_axis(self, panel, ns):
        lo, hi = min(ns), max(ns)
        if hi / lo >= 16:
            panel.set("set logscale x 2")
            panel.set("set xrange [%g:%g]" % (lo / 1.25, hi * 1.25))
        else:
            panel.set("set xrange [%g:%g]" % (max(lo - 0.5, 0.5),
                                             hi + 0.5))
        panel.set("set xtics (%s)" % ", ".join("%g" % n for n in ns))
        if self.logical is not None and hi > self.logical:
            panel.set("set object 1 rect from %g, graph 0 to graph 1,"
                      " graph 1 behind fc rgb \"#e4e4e4\" fs solid 1.0"
                      " noborder" % self.logical)
            # named in the legend, not on the plot, where data can run
            panel.tail.append(
                "keyentry with boxes fc rgb \"#e4e4e4\" fs solid 1.0"
                " title %s" % gp.q("oversubscribed: threads > %d CPUs"
                                   % self.logical))

    # sections
    def section_throughput(self, groups):
        self.md.append("## Throughput vs threads\n")
        if not groups:
            self.skip("throughput", "no iova-stress JSON (stress-*.json)"
                      " in this directory")
            self.md.append("*Not drawn: no iova-stress results.*\n")
            return
        self.md.append(
            "Aggregate operations per wall-clock second (all threads). "
            "Dotted: linear scaling from each curve's 1-thread point. "
            "Dashed: USL fit, drawn only over the thread counts it was "
            "fitted to. Shaded: more threads than logical CPUs "
            "(oversubscribed, time-sliced).\n")
        for g in groups:
            self.md.append(self._throughput_chart(g))

    def _throughput_chart(self, g):
        curves = []
        over = set()
        errs = {}
        for s in g.series.values():
            pts = {n: s.val(n, lambda r: num(r.get("ops_per_sec")))
                   for n in s.ns()}
            e = _repeat_errs(s)
            if e:
                # --repeat N: the median, and its interval as error bars
                pts = {n: e[n][0] for n in e}
                errs[s.label] = e
            curves.append((s.label, pts))
            over |= {n for n in s.ns()
                     if any(is_over(r, self.logical) for r in s.by_n[n])}
        title = "Throughput vs threads: " + ", ".join(g.title_dims)
        heading = ", ".join(g.title_dims)
        out = self.scaling_chart("throughput-" + g.name, title, heading,
                                 curves, over, errs)
        # fairness beside throughput: an unfair lock wins by starving
        head = ["threads"] + [s.label for s in g.series.values()]
        frows = []
        for n in g.all_ns():
            frow = ["%d%s" % (n, " (oversub)" if n in over else "")]
            for s in g.series.values():
                if n not in s.by_n:
                    frow.append("–")
                    continue
                j = s.val(n, lambda r: num((r.get("fairness") or {})
                                           .get("jain")))
                mn = s.val(n, lambda r: num((r.get("fairness") or {})
                                            .get("min_ops")))
                mx = s.val(n, lambda r: num((r.get("fairness") or {})
                                            .get("max_ops")))
                cell = fmt_g(j, 4) if j is not None else "–"
                if mn and mx:
                    cell += " (max/min %.2f)" % (mx / mn)
                frow.append(cell)
            frows.append(frow)
        out += "\nFairness (Jain's index over per-thread ops; 1 = even):\n\n"
        out += table(head, frows) + "\n"
        return out

    def scaling_chart(self, name, title, heading, curves, over, errs=None):
        """Throughput curves vs threads with linear lines and USL fits.

        curves: [(label, {threads: ops_per_sec})]; over: the thread counts
        that were oversubscribed; errs: {label: {threads: (median, lo,
        hi, level)}} for series with repetitions, drawn as error bars.
        Returns the markdown (chart + tables).
        """
        errs = errs or {}
        ns = sorted({n for _, pts in curves for n in pts})
        vmax = max([x for _, pts in curves for x in pts.values()] +
                   [v[2] for e in errs.values() for v in e.values()])
        div, unit = rate_unit(vmax)
        ch = gp.Chart(name, title, self.footer)
        vmin = min(x for _, pts in curves for x in pts.values())
        logy = vmin > 0 and vmax / vmin > 100
        p = ch.panel(xlabel="threads", ylabel=unit + (" (log scale)"
                                                      if logy else ""))
        self.thread_axis(p, ns)
        if logy:
            # curves two decades apart: a linear axis flattens the low ones
            p.set("set logscale y")
            p.set("set format y \"%g\"")
            p.set("set yrange [%g:%g]" % (vmin / div / 2, vmax / div * 2))
        else:
            p.set("set yrange [0:%g]" % (vmax / div * 1.15))
        p.set("set key outside right top")
        fit_rows = []
        have_fit = False
        for label, pts in curves:
            c = gp.colour(label)
            xy = [(n, pts[n] / div) for n in sorted(pts)]
            b = ch.block(xy)
            p.plot("%s using 1:2 with linespoints lw 2 pt %d ps 1.2"
                   " lc rgb \"%s\" title %s" % (b, gp.point(label), c,
                                                gp.q(label)))
            if label in errs:
                eb = ch.block([(n, pts[n] / div, errs[label][n][1] / div,
                                errs[label][n][2] / div)
                               for n in sorted(pts)])
                p.plot("%s using 1:2:3:4 with yerrorbars lw 1 pt %d"
                       " ps 0.6 lc rgb \"%s\" notitle" % (
                           eb, gp.point(label), c))
            if 1 in pts:
                x1 = pts[1] / div
                lb = ch.block([(ns[0], x1 * ns[0]), (ns[-1], x1 * ns[-1])])
                p.plot("%s using 1:2 with lines dt 3 lw 1 lc rgb \"%s\""
                       " notitle" % (lb, c))
            inside = [(n, x) for n, x in sorted(pts.items())
                      if n not in over]
            try:
                f = usl.fit(inside)
            except usl.FitRefused as e:
                fit_rows.append((label, len(inside), "not fitted: %s" % e))
                continue
            have_fit = True
            cb = ch.block([(n, x / div) for n, x in usl.curve(f)])
            p.plot("%s using 1:2 with lines dt 2 lw 1.5 lc rgb \"%s\""
                   " notitle" % (cb, c))
            fit_rows.append((label, f["points"], f))
            self.fits.append((heading, label, f))
        p.plot("keyentry with lines dt 3 lc rgb \"#555555\""
               " title \"linear from 1 thread\"")
        if have_fit:
            p.plot("keyentry with lines dt 2 lc rgb \"#555555\""
                   " title \"USL fit (measured range)\"")
        out = ["### " + heading + "\n", self.draw(ch), ""]
        head = ["threads"] + [label for label, _ in curves]
        rows = []
        for n in ns:
            row = ["%d%s" % (n, " (oversub)" if n in over else "")]
            for _, pts in curves:
                row.append(fmt_g(pts[n] / div) if n in pts else "–")
            rows.append(row)
        out.append("Throughput (%s):\n" % unit)
        out.append(table(head, rows) + "\n")
        if errs:
            reps = sorted({len(r) for e in errs.values() for r in
                           (e[n][4] for n in e)})
            out.append("Repeated runs (%s per point): each point is the "
                       "median, the error bars the order-statistic "
                       "confidence interval of that median (%s; "
                       "stress/SCHEMA.md, Repetitions).\n" % (
                           "/".join(str(k) for k in reps),
                           ", ".join(sorted({"%d runs: %.1f%%" %
                                             (len(e[n][4]), 100 * e[n][3])
                                             for e in errs.values()
                                             for n in e}))))
        if all(isinstance(f, str) for _, _, f in fit_rows):
            counts = sorted({npts for _, npts, _ in fit_rows})
            out.append("USL fit: not done: %s distinct thread count%s "
                       "within the %s logical CPUs; the fit needs at least "
                       "%d (three parameters and a residual).\n" % (
                           "/".join(str(c) for c in counts),
                           "" if counts == [1] else "s",
                           "%d" % self.logical if self.logical else "?",
                           usl.MIN_POINTS))
            return "\n".join(out)
        out.append("USL fit (within %s logical CPUs only):\n" % (
            "%d" % self.logical if self.logical else "?"))
        frs = []
        for label, npts, f in fit_rows:
            if isinstance(f, str):
                frs.append([label, npts, "–", "–", "–", "–", "–", f])
                continue
            peak = ("%.1f" % f["peak_n"]) if f["peak_n"] else \
                "not inside %g–%g" % (f["n_min"], f["n_max"])
            note = ("range %g–%g threads" % (f["n_min"], f["n_max"]))
            if f["at_bound"]:
                note += "; at bound: " + ", ".join(f["at_bound"])
            frs.append([label, npts, fmt_g(f["lam"] / div, 4), "%.4g"
                        % f["sigma"], "%.3g" % f["kappa"], peak,
                        "%.2f%% / %.2f%%" % (100 * f["rms_rel_err"],
                                             100 * f["max_rel_err"]), note])
        out.append(table(["series", "points", "λ (%s)" % unit, "σ", "κ",
                          "peak N*", "residual rms / max", "note"], frs)
                   + "\n")
        return "\n".join(out)

    def section_latency(self, groups):
        self.md.append("## Tail latency vs threads\n")
        if not groups:
            self.skip("latency", "no iova-stress JSON")
            self.md.append("*Not drawn: no iova-stress results.*\n")
            return
        self.md.append("Per-operation latency over all operation types, "
                       "from per-thread log-linear histograms merged at the "
                       "end of each run (never averaged percentiles). Solid: "
                       "p99; dashed: p99.9. Log scale.\n")
        for g in groups:
            ns = g.all_ns()
            title = "p99 / p99.9 latency vs threads: " + \
                ", ".join(g.title_dims)
            ch = gp.Chart("latency-" + g.name, title, self.footer)
            p = ch.panel(xlabel="threads", ylabel="latency (ns, log scale)")
            self.thread_axis(p, ns)
            p.set("set logscale y")
            p.set("set key outside right top")
            p.set("set format y \"%.0s%c\"")
            any_pts = False
            for s in g.series.values():
                c = gp.colour(s.label)
                for key, dt, t in (("p99", 1, s.label), ("p999", 2, None)):
                    pts = [(n, s.val(n, lambda r: num(_lat(r).get(key))))
                           for n in s.ns()]
                    pts = [(n, v) for n, v in pts if v and v > 0]
                    if not pts:
                        continue
                    any_pts = True
                    b = ch.block(pts)
                    p.plot("%s using 1:2 with linespoints lw 2 pt %d dt %d"
                           " lc rgb \"%s\" %s" % (
                               b, gp.point(s.label) if dt == 1 else 6, dt, c,
                               "title " + gp.q(t) if t else "notitle"))
            p.plot("keyentry with lines dt 1 lc rgb \"#555555\""
                   " title \"p99\"")
            p.plot("keyentry with lines dt 2 lc rgb \"#555555\""
                   " title \"p99.9\"")
            self.md.append("### " + ", ".join(g.title_dims) + "\n")
            if any_pts:
                self.md.append(self.draw(ch) + "\n")
            else:
                self.skip("latency-" + g.name, "runs carry no latency_ns.all")
            head = ["threads"] + [s.label for s in g.series.values()]
            rows = []
            for n in ns:
                row = [str(n)]
                for s in g.series.values():
                    if n not in s.by_n:
                        row.append("–")
                        continue
                    row.append(" / ".join(fmt_ns(s.val(
                        n, lambda r, k=k: num(_lat(r).get(k))))
                        for k in ("p50", "p99", "p999", "max")))
                rows.append(row)
            self.md.append("p50 / p99 / p99.9 / max:\n")
            self.md.append(table(head, rows) + "\n")

    def section_hitrate(self, groups):
        self.md.append("## Magazine cache hit rate\n")
        per_wl = {}
        bypass = set()
        for g in groups:
            if not g.key[1]:
                continue
            wl = g.key[0] if not g.key[2] else "%s prefill %d" % (
                g.key[0], g.key[2])
            for s in g.series.values():
                for n, runs in s.by_n.items():
                    for r in runs:
                        rc = rcache_stats(r)
                        h = num(rc.get("hit_rate"))
                        if h is None:
                            continue
                        if num(rc.get("hits")) == 0 and \
                                num(rc.get("misses")) == 0:
                            # every allocation bypassed the cache (sizes
                            # above its limit): no hit rate to speak of
                            bypass.add(wl)
                            continue
                        per_wl.setdefault(wl, {}).setdefault(n, []).append(
                            (h, r, s.label))
        if not per_wl:
            self.skip("hitrate", "no iova-stress run with rcache on and an"
                      " rcache.hit_rate")
            self.md.append("*Not drawn: no run with the cache on.*\n")
            return
        self.md.append("Fraction of fast-path allocations served from a "
                       "magazine, per workload: the mean over every "
                       "algorithm/lock measured, bars from min to max.\n")
        ns = sorted({n for v in per_wl.values() for n in v})
        ch = gp.Chart("hitrate", "Magazine cache hit rate vs threads",
                      self.footer, width=1300)
        p = ch.panel(title="hit rate (%)", xlabel="threads",
                     ylabel="hit rate (%)")
        self.thread_axis(p, ns)
        p.set("set yrange [0:105]")
        p.set("set key below")
        p.set("set bmargin 8")
        # near 100% every workload looks the same: misses on a log scale
        # tell them apart (a run with no miss at all has no point here)
        q = ch.panel(title="misses per million allocations (log)",
                     xlabel="threads", ylabel="misses per 10^6 allocations")
        self.thread_axis(q, ns)
        q.set("set logscale y")
        q.set("set key below")
        q.set("set bmargin 8")
        rows = []
        for wl in sorted(per_wl, key=lambda w: _wsort(w.split()[0])):
            pts = []
            for n in sorted(per_wl[wl]):
                hs = [h for h, _, _ in per_wl[wl][n]]
                miss_pm = [(1.0 - h) * 1e6 for h in hs]
                pts.append((n, 100 * mean(hs), 100 * min(hs), 100 * max(hs),
                            mean(miss_pm) if mean(miss_pm) > 0 else None,
                            min(miss_pm) if min(miss_pm) > 0 else None,
                            max(miss_pm) if max(miss_pm) > 0 else None))
                miss = sum(num(rcache_stats(r).get("misses"), 0)
                           for _, r, _ in per_wl[wl][n])
                rows.append([wl, n, pct(mean(hs)),
                             "%s – %s" % (pct(min(hs)), pct(max(hs))),
                             len(hs), "%d" % miss])
            c = gp.colour("wl:" + wl)
            pt = gp.point("wl:" + wl)
            b = ch.block(pts)
            p.plot("%s using 1:2:3:4 with yerrorlines lw 2 pt %d ps 1.3"
                   " lc rgb \"%s\" title %s" % (b, pt, c, gp.q(wl)))
            q.plot("%s using 1:5:6:7 with yerrorlines lw 2 pt %d ps 1.3"
                   " lc rgb \"%s\" title %s" % (b, pt, c, gp.q(wl)))
        self.md.append(self.draw(ch) + "\n")
        if bypass:
            self.md.append("Not shown: %s (every allocation bypassed the "
                           "cache: sizes above its limit, no hits and no "
                           "misses).\n" % ", ".join(sorted(bypass)))
        self.md.append(table(["workload", "threads", "mean hit rate",
                              "min – max", "runs", "misses (sum)"], rows)
                       + "\n")

    def section_series(self):
        """Depot depth and cached bytes over time (--sample-ms), one line
        per irqcpu run with a series and the cache on: the lab's runs with
        lazy unmap, trim on and off (the depot-filling case; other
        workloads' series stay in their JSON)."""
        runs = []
        for fname, r, _ in self.d.stress:
            ts = r.get("time_series")
            if not ts or not r.get("rcache") or r.get("check") != "ok" \
                    or not ts.get("t_s") or r.get("workload") != "irqcpu":
                continue
            runs.append(r)
        if not runs:
            return
        self.md.append("## Depot and cached bytes over time\n")
        self.md.append(
            "Sampled every `--sample-ms` from the start of the warmup "
            "(the measured phase starts at the dashed line): full "
            "magazines in the depot, and IOVA bytes held in magazines "
            "(CPU slots + depot). `irqcpu`: every thread maps, a quarter "
            "of them (at least one) unmap, as interrupt-affine "
            "completions do; lazy unmap frees in batches from the flush "
            "queues. Trim returns one magazine per size class every "
            "100 ms while a depot holds more than one per online CPU.\n")
        ch = gp.Chart("depot-over-time", "Depot depth and cached bytes "
                      "over time", self.footer, width=1300)
        p = ch.panel(title="depot depth", xlabel="time (s)",
                     ylabel="full magazines in the depot")
        q = ch.panel(title="cached IOVA space", xlabel="time (s)",
                     ylabel="cached bytes (MiB)")
        for x in (p, q):
            x.set("set key below")
            x.set("set bmargin 8")
        rows = []
        starts = set()
        for r in sorted(runs, key=lambda r: (str(r.get("workload")),
                                              str(r.get("unmap")),
                                              -int(num(r.get("trim_ms"),
                                                       100)),
                                              int(num(r.get("threads"),
                                                      0)))):
            ts = r["time_series"]
            trim = int(num(r.get("trim_ms"), 100))
            label = "%s, %s unmap, %s threads, %s" % (
                r.get("workload"), r.get("unmap", "none"),
                r.get("threads"),
                "trim off" if trim == 0 else "trim %d ms" % trim)
            mib = [b / 2.0**20 for b in ts["cached_bytes"]]
            b = ch.block(list(zip(ts["t_s"], ts["depot_mags"], mib)))
            c = gp.colour("series:" + label)
            p.plot("%s using 1:2 with lines lw 2 lc rgb \"%s\" title %s"
                   % (b, c, gp.q(label)))
            q.plot("%s using 1:3 with lines lw 2 lc rgb \"%s\" title %s"
                   % (b, c, gp.q(label)))
            starts.add(round(num(ts.get("measure_start_s"), 0.0), 3))
            rows.append([label, ts["samples"], max(ts["depot_mags"]),
                         "%.1f" % max(mib), "%.1f" % mib[-1],
                         "%.1f" % (max(ts["mag_bytes"]) / 2.0**10),
                         max(ts["fq_pending"]),
                         int(num(rcache_stats(r).get("trims"), 0))])
        for t0 in sorted(starts):
            for x in (p, q):
                x.set("set arrow from %g, graph 0 to %g, graph 1 nohead "
                      "dt 2 lc rgb \"#777777\"" % (t0, t0))
        self.md.append(self.draw(ch) + "\n")
        self.md.append(table(["run", "samples", "peak depot (mags)",
                              "peak cached (MiB)", "cached at end (MiB)",
                              "peak magazine memory (KiB)",
                              "peak in flush queues", "trims"], rows)
                       + "\n")

    def section_lockwait(self, stats):
        self.md.append("## Lock wait-time distributions\n")
        # (workload, rcache, prefill, lock label) -> threads -> series -> st
        charts = {}
        for gkey, bys in stats.items():
            for skey, byn in bys.items():
                for n, runs in byn.items():
                    for r in runs:
                        for ls in r.get("locks") or []:
                            if not isinstance(ls, dict):
                                continue
                            # a role never taken (per-CPU and depot locks
                            # with the cache off) has nothing to draw
                            if not (num(ls.get("acquisitions"), 0) or
                                    num(ls.get("read_acquisitions"), 0)):
                                continue
                            lab = str(ls.get("label") or ls.get("name")
                                      or "lock")
                            lab = re.sub(r"\d+$", "*", lab)
                            key = (gkey[0], gkey[1], gkey[2], lab)
                            strat = ls.get("lock") or skey[1]
                            sname = strat if len({k[0] for k in bys}) == 1 \
                                else "%s/%s" % (skey[0], strat)
                            charts.setdefault(key, {}).setdefault(
                                n, {}).setdefault(sname, []).append(ls)
        if not charts:
            self.skip("lockwait", "no iova-stress run with --lockstat")
            self.md.append("*Not drawn: no run with --lockstat.*\n")
            return
        self.md.append(
            "From `iova-stress --lockstat`: time a waiter spent between "
            "asking for the lock and getting it, at each percentile, per "
            "lock strategy. Lock instances sharing a role (e.g. per-CPU "
            "locks) are folded: the worst instance at each percentile. "
            "Waits are recorded for every acquisition, so an uncontended "
            "one counts as 0 ns: a 0 has no place on the log axis and is "
            "only in the table.\n")
        for key in sorted(charts, key=lambda k: (_wsort(k[0]), not k[1],
                                                 k[2], k[3])):
            wl, rc, prefill, lab = key
            byn = charts[key]
            dims = "workload %s, rcache %s%s, lock role '%s'" % (
                wl, _onoff(rc), ", prefill %d" % prefill if prefill else "",
                lab)
            ch = gp.Chart(slug("lockwait", wl, "rcache", _onoff(rc),
                               "prefill%d" % prefill if prefill else "",
                               lab.replace("*", "N")),
                          "Lock wait time by percentile: " + dims,
                          self.footer, width=max(1100, 450 * len(byn)))
            rows = []
            # percentiles present in any instance (lock_stat writes p50,
            # p99 and max; other writers may add p90/p99.9)
            keys = [k for k in STAT_KEYS
                    if any(_worst(i, ("wait", "wait_ns"), k) is not None
                           for t in byn.values() for s in t.values()
                           for i in s)]
            for n in sorted(byn):
                over = self.logical is not None and n > self.logical
                p = ch.panel(title="%d threads%s" % (
                    n, " (oversubscribed)" if over else ""),
                    xlabel="percentile", ylabel="wait (ns, log scale)")
                p.set("set logscale y")
                if len(byn) > 1:
                    p.set("set key below")
                    p.set("set bmargin 8")
                else:
                    p.set("set key outside right top")
                p.set("set format y \"%.0s%c\"")
                p.set("set xrange [-0.3:%g]" % (len(keys) - 0.7))
                for sname in sorted(byn[n]):
                    inst = byn[n][sname]
                    w = {k: _worst(inst, ("wait", "wait_ns"), k)
                         for k in STAT_KEYS}
                    hold = {k: _worst(inst, ("hold", "hold_ns"), k)
                            for k in ("p50", "p99")}
                    acq = sum(num(i.get("acquisitions"), 0) for i in inst)
                    con = sum(num(i.get("contended"), 0) for i in inst)
                    och = sum(num(i.get("handoffs", i.get("owner_changes")),
                                  0) for i in inst)
                    pts = [(i, STAT_NAMES[k], w[k] if w[k] and w[k] > 0
                            else None) for i, k in enumerate(keys)]
                    c = gp.colour(sname)
                    b = ch.block(pts)
                    p.plot("%s using 1:3:xtic(2) with linespoints lw 2"
                           " pt %d lc rgb \"%s\" title %s"
                           % (b, gp.point(sname), c, gp.q(sname)))
                    rows.append([n, sname, len(inst), "%d" % acq,
                                 "%.1f%%" % (100 * con / acq) if acq else "–"]
                                + [fmt_ns(w[k]) for k in keys]
                                + [fmt_ns(hold["p50"]), fmt_ns(hold["p99"]),
                                   "%d" % och])
            self.md.append("### " + dims + "\n")
            self.md.append(self.draw(ch) + "\n")
            self.md.append(table(["threads", "lock", "instances",
                                  "acquisitions", "contended"]
                                 + ["wait " + STAT_NAMES[k] for k in keys]
                                 + ["hold p50", "hold p99",
                                    "handoffs (owner changes)"],
                                 rows) + "\n")

    def section_tree(self):
        self.md.append("## Search cost vs live ranges\n")
        scen_rows = [r for _, r, _ in self.d.scenarios]
        scen_names = sorted({str(r.get("scenario")) for r in scen_rows})
        known = scen_names or ["high32", "high40", "full32", "churn",
                               "aligned", "peng", "field32"]
        bpts = labdata.gbench_tree_points(self.d, known)
        names = sorted(set(scen_names) | {p[1] for p in bpts})
        if not names:
            self.skip("tree", "no iova-scenarios table (scenarios.json) and"
                      " no tree benchmark in bench-*.json")
            self.md.append("*Not drawn: no iova-scenarios table and no tree"
                           " benchmark results.*\n")
            return
        self.md.append(
            "Left: tree nodes a search dereferences per allocation "
            "(`iova-scenarios`; solid mean, dashed max; dotted grey the "
            "2·log2(n) reference). Right: CPU time per alloc+free pair "
            "from the Google Benchmark tree benchmarks (CPU, not wall, time: "
            "a single thread's own cost, not inflated when the machine is "
            "shared). Both log-log.\n")
        if not bpts:
            self.md.append("(No tree benchmark rows in bench-*.json: "
                           "the ns-per-allocation panels are absent.)\n")
        for sc in names:
            rows = [r for r in scen_rows if str(r.get("scenario")) == sc]
            bp = [p for p in bpts if p[1] == sc]
            ch = gp.Chart(slug("tree", sc), "Search cost vs live ranges:"
                          " scenario %s" % sc, self.footer,
                          width=1300 if (rows and bp) else 1000)
            lives = sorted({num(r.get("live")) for r in rows} |
                           {p[2] for p in bp})
            lives = [v for v in lives if v]
            # two panels: keys below each; one: key to the right (the
            # footer owns the bottom)
            key = ["set key below", "set bmargin 8"] if (rows and bp) \
                else ["set key outside right top"]
            if rows:
                p = ch.panel(title="nodes visited per allocation",
                             xlabel="live ranges (log)",
                             ylabel="nodes visited (log)")
                p.set("set logscale xy")
                for k in key:
                    p.set(k)
                p.set("set xrange [%g:%g]" % (lives[0] / 1.5,
                                               lives[-1] * 1.5))
                for alg in sorted({str(r.get("alg")) for r in rows}):
                    ar = sorted((r for r in rows if str(r.get("alg")) == alg),
                                key=lambda r: num(r.get("live"), 0))
                    c = gp.colour(alg)
                    b = ch.block([(num(r.get("live")),
                                   num(r.get("visited_mean")),
                                   num(r.get("visited_max"))) for r in ar])
                    p.plot("%s using 1:2 with linespoints lw 2 pt %d ps 1.3"
                           " lc rgb \"%s\" title %s"
                           % (b, gp.point(alg), c, gp.q(alg)))
                    p.plot("%s using 1:3 with lines dt 2 lw 1 lc rgb \"%s\""
                           " notitle" % (b, c))
                p.plot("[%g:%g] 2*log(x)/log(2) with lines dt 3 lc rgb"
                       " \"#888888\" title \"2 log2(n)\""
                       % (lives[0] / 1.5, lives[-1] * 1.5))
            if bp:
                p = ch.panel(title="CPU ns per alloc+free (Google Benchmark)",
                             xlabel="live ranges (log)",
                             ylabel="ns per alloc+free (log)")
                p.set("set logscale xy")
                for k in key:
                    p.set(k)
                p.set("set xrange [%g:%g]" % (lives[0] / 1.5,
                                               lives[-1] * 1.5))
                for alg in sorted({q[0] for q in bp}):
                    pts = sorted((q[2], q[3]) for q in bp if q[0] == alg)
                    b = ch.block(pts)
                    p.plot("%s using 1:2 with linespoints lw 2 pt %d ps 1.3"
                           " lc rgb \"%s\" title %s"
                           % (b, gp.point(alg), gp.colour(alg), gp.q(alg)))
            self.md.append("### Scenario %s\n" % sc)
            self.md.append(self.draw(ch) + "\n")
            trows = []
            algs = sorted({str(r.get("alg")) for r in rows} |
                          {q[0] for q in bp})
            for alg in algs:
                for live in lives:
                    r = [x for x in rows if str(x.get("alg")) == alg
                         and num(x.get("live")) == live]
                    b = [q for q in bp if q[0] == alg and q[2] == live]
                    if not r and not b:
                        continue
                    trows.append([
                        alg, "%d" % live,
                        fmt_g(num(r[0].get("visited_mean")), 4) if r else "–",
                        "%d" % num(r[0].get("visited_max"), 0) if r else "–",
                        "%.1f" % (2 * math.log2(live)),
                        "%d" % num(r[0].get("allocs"), 0) if r else "–",
                        fmt_g(num(r[0].get("lines_mean")), 4)
                        if r and r[0].get("lines_mean") is not None
                        else "–",
                        fmt_g(num(r[0].get("bytes_per_range")), 4)
                        if r and r[0].get("bytes_per_range") is not None
                        else "–",
                        fmt_ns(b[0][3]) if b else "–"])
            self.md.append(table(["alg", "live ranges", "visited mean",
                                  "visited max", "2·log2(n)",
                                  "allocs measured", "cache lines mean",
                                  "bytes per range",
                                  "CPU time per alloc+free"],
                                 trows) + "\n")
        sizes = {}
        for r in scen_rows:
            if r.get("node_bytes") is not None:
                sizes[str(r.get("alg"))] = (r.get("node_bytes"),
                                            r.get("slab_bytes"))
        if sizes:
            self.md.append("Node size per algorithm (bytes; slab = 64-byte "
                           "aligned footprint the kernel pays):\n")
            self.md.append(table(["alg", "node bytes", "slab bytes"],
                                 [[a, sizes[a][0], sizes[a][1]]
                                  for a in sorted(sizes)]) + "\n")

    def section_lockbench(self):
        self.md.append("## Lock microbenchmarks (lock-bench)\n")
        if not self.d.lockbench:
            self.skip("lock-bench charts", "no lock-bench JSON")
            self.md.append("*Not available: no lock-bench JSON.*\n")
            return
        for fname, doc in self.d.lockbench:
            # the tool's knobs; files from before core/harness kept them
            # in "meta" (now the machine/build schema every tool shares)
            cfg = doc.get("config") or doc.get("meta") or {}
            self.md.append("From `%s` (%s).\n" % (fname, ", ".join(
                "%s %s" % (k, cfg[k]) for k in sorted(cfg)
                if not isinstance(cfg[k], (dict, list)))))
            unc = [r for r in doc.get("uncontended") or []
                   if isinstance(r, dict) and num(r.get("ns")) is not None]
            if unc:
                self.md.append("### Uncontended acquire+release\n")
                ch = gp.Chart(slug("lockbench-uncontended",
                                   fname[:-5] if len(self.d.lockbench) > 1
                                   else ""),
                              "Uncontended acquire+release, one thread"
                              " (lock-bench)", self.footer)
                p = ch.panel(xlabel="", ylabel="ns per acquire+release")
                p.set("set style data histograms")
                p.set("set style histogram clustered gap 1")
                p.set("set style fill solid 0.85 border -1")
                p.set("set boxwidth 0.9")
                p.set("set xtics rotate by -35 left")
                p.set("set yrange [0:*]")
                p.set("set key outside right top")
                b = ch.block([(str(r.get("lock")), num(r.get("ns")),
                               num(r.get("read_ns"))) for r in unc])
                p.plot("%s using 2:xtic(1) title \"exclusive (lock/unlock)\""
                       " lc rgb \"#1f77b4\"" % b)
                p.plot("%s using 3 title \"read side (read_lock/unlock)\""
                       " lc rgb \"#ff7f0e\"" % b)
                self.md.append(self.draw(ch) + "\n")
                self.md.append(table(
                    ["lock", "peer", "ns", "cycles", "read ns",
                     "read cycles"],
                    [[r.get("lock"), "ck" if r.get("ck") else "ours",
                      fmt_g(num(r.get("ns"))), fmt_g(num(r.get("cycles"))),
                      fmt_g(num(r.get("read_ns"))),
                      fmt_g(num(r.get("read_cycles")))] for r in unc])
                    + "\n")
            thr = [r for r in doc.get("throughput") or []
                   if isinstance(r, dict) and num(r.get("ops_per_sec"))]
            order = {}
            for r in thr:
                order.setdefault(str(r.get("cs")), num(r.get("cs_iters"), 0))
            for cs in sorted(order, key=lambda c: (order[c], c)):
                rows = [r for r in thr if str(r.get("cs")) == cs]
                iters = rows[0].get("cs_iters")
                curves = {}
                over = set()
                fair = {}
                for r in rows:
                    n = int(num(r.get("threads"), 0))
                    curves.setdefault(str(r.get("lock")), {})[n] = \
                        num(r.get("ops_per_sec"))
                    fair[(str(r.get("lock")), n)] = r
                    if r.get("oversubscribed"):
                        over.add(n)
                dims = "%s critical section (%s shared-line increments)" % (
                    cs, iters)
                self.md.append(self.scaling_chart(
                    slug("lockbench-throughput", cs),
                    "Lock throughput vs threads (lock-bench): " + dims,
                    "lock-bench, " + dims, list(curves.items()), over))
                ns = sorted({n for _, n in fair})
                locks = list(curves)
                frows = []
                for n in ns:
                    row = ["%d%s" % (n, " (oversub)" if n in over else "")]
                    for lk in locks:
                        r = fair.get((lk, n))
                        row.append("–" if r is None else "%s / %s"
                                   % (fmt_g(num(r.get("jain")), 3),
                                      fmt_g(num(r.get("max_over_min")), 3)))
                    frows.append(row)
                self.md.append("\nFairness: Jain's index / max÷min of "
                               "per-thread acquisitions (1 / 1 = even):\n")
                self.md.append(table(["threads"] + locks, frows) + "\n")
            for key, title in (("indirection", "Interface indirection "
                                "(direct call vs lab_lock())"),
                               ("stats_overhead", "Statistics overhead "
                                "(never enabled, disabled, enabled)")):
                val = doc.get(key)
                if not (isinstance(val, list) and val and
                        isinstance(val[0], dict)):
                    continue
                self.md.append("### %s\n" % title)
                self.md.append(_generic_table(val) + "\n")
            known = {"tool", "meta", "config", "uncontended", "throughput",
                     "indirection", "stats_overhead"}
            for key, val in doc.items():
                if key in known or not (isinstance(val, list) and val and
                                        isinstance(val[0], dict)):
                    continue
                self.md.append("### %s\n" % key)
                self.md.append(_generic_table(val) + "\n")

    def section_gbench(self):
        self.md.append("## Google Benchmark results\n")
        rows = labdata.gbench_rows(self.d)
        if not rows:
            self.skip("gbench table", "no bench-*.json")
            self.md.append("*Not available: no bench-*.json.*\n")
            return
        std = {"name", "run_name", "run_type", "repetitions", "threads",
               "iterations", "real_time", "cpu_time", "time_unit", "file",
               "stat", "time_ns", "cpu_ns", "family_index", "per_family_instance_index",
               "repetition_index", "aggregate_name", "aggregate_unit",
               "label", "error_occurred", "error_message", "big_o", "rms",
               "complexity_n"}
        types = {}
        for fname, doc in self.d.gbench:
            types[fname] = (doc.get("context") or {}).get(
                "library_build_type")
        for fname, bt in types.items():
            if bt == "debug":
                self.md.append(
                    "`%s`: the Google Benchmark library reports itself as "
                    "a debug build (Debian's package does); the benchmarked "
                    "code is ours, built Release. See bench/README.md.\n"
                    % fname)
        out = []
        for r in rows:
            extra = []
            for k, v in r.items():
                if k in std or isinstance(v, (dict, list, bool, str)):
                    continue
                extra.append("%s=%s" % (k, fmt_g(num(v), 4)))
            unit = r.get("time_unit", "ns")
            out.append([r["file"], "`%s`" % r["run_name"], r["stat"],
                        r.get("threads", 1),
                        "%s %s" % (fmt_g(num(r.get("real_time")), 4), unit),
                        "%s %s" % (fmt_g(num(r.get("cpu_time")), 4), unit),
                        ", ".join(extra) or "–"])
        self.md.append(table(["file", "benchmark", "row", "threads",
                              "real time", "cpu time", "counters"], out)
                       + "\n")
        if os.path.isfile(os.path.join(self.root, "bench-tree-fits.md")):
            self.md.append("Per-family complexity table with explicit O(N) "
                           "and O(lg N) fits of time and visited counts: "
                           "[bench-tree-fits.md](bench-tree-fits.md) "
                           "(bench/fit.py).\n")
        big = [b for _, doc in self.d.gbench
               for b in doc.get("benchmarks") or []
               if isinstance(b, dict) and b.get("aggregate_name") == "BigO"]
        if big:
            self.md.append("Complexity fits (Google Benchmark BigO):\n")
            self.md.append(table(
                ["benchmark", "big O", "coefficient (cpu)",
                 "coefficient (real)"],
                [["`%s`" % b.get("run_name", b.get("name")),
                  b.get("big_o", "?"), fmt_g(num(b.get("cpu_coefficient")),
                                              4),
                  fmt_g(num(b.get("real_coefficient")), 4)] for b in big])
                + "\n")

    def skip(self, what, why):
        self.skipped.append("%s: %s" % (what, why))

    # the whole report
    def run(self):
        os.makedirs(self.charts_dir, exist_ok=True)
        for f in os.listdir(self.charts_dir):
            if f.endswith((".png", ".svg", ".gp")):
                os.unlink(os.path.join(self.charts_dir, f))
        seen = labdata.machines_seen(self.d)
        if len(seen) > 1:
            self.problems.append(
                "inputs come from different machines (%s); charts mix them "
                "and carry the first one's description" % "; ".join(
                    "%s with %s CPUs: %s" % (h, c, ", ".join(f))
                    for (h, c), f in sorted(seen.items(), key=str)))
        groups, stats = stress_groups(self.d, self.problems)
        # canonical order first, so colours agree across renders
        names = list(labdata.ALGS) + list(LOCKS)
        for g in groups:
            names += [s.label for s in g.series.values()]
        names += sorted({str(r.get("alg")) for _, r, _ in self.d.scenarios})
        gp.reset_colours(sorted(set(names), key=names.index))

        body_start = len(self.md)
        for name, fn in (("throughput", lambda: self.section_throughput(
                              groups)),
                         ("latency", lambda: self.section_latency(groups)),
                         ("hit rate", lambda: self.section_hitrate(groups)),
                         ("depot over time", self.section_series),
                         ("lock wait", lambda: self.section_lockwait(stats)),
                         ("search cost", self.section_tree),
                         ("lock-bench", self.section_lockbench),
                         ("Google Benchmark", self.section_gbench)):
            # JSON from another version may not have the shape this code
            # expects: say so in the report, draw the rest.
            try:
                fn()
            except Exception as e:  # noqa: BLE001
                tb = traceback.extract_tb(e.__traceback__)[-1]
                msg = "section '%s' failed: %s: %s (%s:%d)" % (
                    name, type(e).__name__, e,
                    os.path.basename(tb.filename), tb.lineno)
                self.chart_fail.append(msg)
                self.md.append("*%s*\n" % msg)
        body = self.md[body_start:]
        self.md = self.md[:body_start]
        head = self.header()
        tail = self.footer_sections()
        # a contents line: GitHub-style anchors of the ## sections
        secs = [l[3:].strip() for l in head[1:] + body + tail
                if l.startswith("## ")]
        toc = "Contents: " + " · ".join(
            "[%s](#%s)" % (s, re.sub(r"[^a-z0-9 -]", "", s.lower())
                           .replace(" ", "-")) for s in secs) + "\n"
        text = "\n".join(head[:2] + [toc] + head[2:] + body + tail)
        with open(os.path.join(self.root, "REPORT.md"), "w",
                  encoding="utf-8") as f:
            f.write(text.rstrip() + "\n")
        return not self.chart_fail

    def header(self):
        m = self.m
        lab = self.d.lab or {}
        host = m.get("hostname") or lab.get("host") or "?"
        out = ["# iovalab results: %s, %s\n" % (host,
                                                 str(m.get("date", "?"))[:10])]
        out.append("Generated by `results/render DIR` from the JSON in this "
                   "directory; drop in JSON from another machine and run it "
                   "again to redraw.\n")
        out.append("## Machine\n")
        rows = []
        for k, lab_k in (("cpu_model", "CPU"), ("logical_cpus",
                                                  "logical CPUs"),
                         ("physical_cores", "physical cores"),
                         ("numa_nodes", "NUMA nodes"), ("kernel", "kernel"),
                         ("glibc", "glibc"), ("compiler", "compiler"),
                         ("cflags", "C flags"), ("build_type", "build type"),
                         ("sanitizer", "sanitizer"),
                         ("timer_overhead_ns", "timer overhead (ns)"),
                         ("commit", "commit"), ("date", "date"),
                         ("hostname", "host")):
            if k in m:
                rows.append([lab_k, "`%s`" % m[k] if k == "cflags"
                             else m[k]])
        out.append(table(["", ""], rows) + "\n")
        notes = []
        lc = num(m.get("logical_cpus"))
        pc = num(m.get("physical_cores"))
        if lc is not None and lc <= 4:
            s = ("**%d logical CPUs%s: this is not a scaling result.** "
                 "Points beyond %d threads are oversubscribed (threads "
                 "time-slice on the same CPUs). Read the curves for lock "
                 "behaviour under contention and oversubscription, not for "
                 "how the allocator scales; run `results/lab` on a bigger "
                 "machine for that." % (lc, "" if pc in (None, lc)
                                        else " (%d physical cores)" % pc,
                                        lc))
            if lc < usl.MIN_POINTS:
                s += (" No Universal Scalability Law fit is possible here: "
                      "it needs at least %d thread counts within the "
                      "logical CPUs." % usl.MIN_POINTS)
            notes.append(s)
        if pc is not None and lc is not None and pc < lc:
            notes.append("SMT: %d logical CPUs on %d physical cores; thread "
                         "counts above %d share cores." % (lc, pc, pc))
        bt = str(m.get("build_type", ""))
        if m.get("sanitizer") or (bt and bt not in ("Release",
                                                    "RelWithDebInfo")):
            notes.append("**Warning: these numbers come from a %s build%s; "
                         "they are not measurements of the allocator's "
                         "speed.**" % (bt or "non-Release",
                                       " with sanitizer " + m["sanitizer"]
                                       if m.get("sanitizer") else ""))
        if lab.get("quick"):
            notes.append("This is a `--quick` smoke run: very short runs, "
                         "few points; shapes only, not results.")
        if lab.get("load_note"):
            notes.append(lab["load_note"])
        for n in notes:
            out.append(n + "\n")
        out.append("## Sweep\n")
        if lab:
            rows = [["command", "`%s`" % " ".join(lab.get("argv") or [])],
                    ["started", lab.get("started", "?")],
                    ["finished", lab.get("finished", "?")],
                    ["sweep duration", "%s s" % lab.get("sweep_seconds",
                                                        "?")],
                    ["build duration", "%s s" % lab.get("build_seconds",
                                                        "?")],
                    ["thread counts", ", ".join(str(t) for t in
                                                lab.get("threads") or [])]]
            out.append(table(["", ""], rows) + "\n")
            steps = lab.get("steps") or []
            if steps:
                out.append(table(
                    ["step", "exit", "seconds", "note"],
                    [[s.get("name"), s.get("rc"), s.get("seconds"),
                      s.get("note", "")] for s in steps]) + "\n")
        else:
            out.append("No lab.json: these results were not produced by "
                       "`results/lab` (or were dropped in by hand); sweep "
                       "duration unknown.\n")
        files = [f for f, _ in self.d.stress_files] + \
            [f for f, _ in self.d.scenario_files] + \
            [f for f, _ in self.d.lockbench] + [f for f, _ in self.d.gbench]
        out.append("Input files: %s.\n" % (", ".join("`%s`" % f
                                                      for f in files)
                                           or "none"))
        return out

    def footer_sections(self):
        out = ["## USL fits, summary\n"]
        if self.fits:
            out.append(
                "X(N) = λN / (1 + σ(N−1) + κN(N−1)), fitted by relative least "
                "squares to the points within the logical CPUs only; valid "
                "inside the fitted range only (never extrapolated).\n")
            out.append(table(
                ["chart", "series", "range", "σ", "κ", "peak N*",
                 "residual rms"],
                [[h, label, "%g–%g" % (f["n_min"], f["n_max"]),
                  "%.4g" % f["sigma"], "%.3g" % f["kappa"],
                  "%.1f" % f["peak_n"] if f["peak_n"] else "–",
                  "%.2f%%" % (100 * f["rms_rel_err"])]
                 for h, label, f in self.fits])
                + "\n")
        else:
            out.append("No curve had four or more thread counts within the "
                       "logical CPUs, so no USL fit was done (three "
                       "parameters need at least four points to leave a "
                       "residual; oversubscribed points measure "
                       "time-slicing, not the model's concurrency).\n")
        out.append("## Problems and skipped charts\n")
        items = (self.problems +
                 ["unreadable file: " + e for e in self.d.errors] +
                 ["unrecognised file (ignored): " + f
                  for f in self.d.unrecognised] +
                 ["chart skipped: " + s for s in self.skipped] +
                 ["chart failed: " + c for c in self.chart_fail])
        lab = self.d.lab or {}
        for s in lab.get("steps") or []:
            if s.get("rc") not in (0, None):
                note = s.get("note") or ""
                items.append("step '%s' %s" % (
                    s.get("name"), note if note.startswith("exit ")
                    else "exit %s%s" % (s.get("rc"),
                                        ": " + note if note else "")))
        out.append("\n".join("- " + i for i in items) + "\n" if items
                   else "None.\n")
        out.append("## Reproduce\n")
        cmds = []
        if lab.get("argv"):
            cmds.append("# the whole sweep (installs deps, builds Release):")
            cmds.append(" ".join(lab["argv"]))
        if lab.get("steps"):
            cmds.append("# its steps, one by one:")
            for s in lab["steps"]:
                if s.get("cmd"):
                    cmds.append(" ".join(_shq(c) for c in s["cmd"]))
        seen = set()
        stepped = " ".join(" ".join(s.get("cmd") or [])
                           for s in lab.get("steps") or [])
        for f, meta in self.d.stress_files + self.d.scenario_files + \
                [(f, doc.get("meta") or {}) for f, doc in self.d.lockbench]:
            a = meta.get("argv")
            if f in stepped:
                continue  # the lab step above wrote it
            if a and tuple(a) not in seen:
                seen.add(tuple(a))
                cmds.append("# %s was written by:" % f)
                cmds.append(" ".join(_shq(c) for c in a))
        cmds.append("# redraw charts and this report from the JSON:")
        cmds.append("results/render %s" % _shq(self.root))
        out.append("```sh\n" + "\n".join(cmds) + "\n```\n")
        return out


def _generic_table(rows):
    cols = []
    for row in rows:
        for k, v in row.items():
            if k not in cols and not isinstance(v, (dict, list)):
                cols.append(k)
    return table(cols, [[_cell(row.get(k)) for k in cols] for row in rows])


def _worst(insts, hist_keys, k):
    """Worst (max) value of percentile k over lock instances.

    lock_stat writes {"wait": {"p50_ns": ..}}; accept {"wait_ns": {"p50"}}
    too. A max over instances is an upper bound, not a merged percentile:
    the report says so.
    """
    if not isinstance(insts, list):
        insts = [insts]
    vals = []
    for i in insts:
        for hk in hist_keys:
            h = i.get(hk)
            if isinstance(h, dict):
                if num(h.get("count"), 1) == 0:
                    continue
                v = num(h.get(k + "_ns", h.get(k)))
                if v is not None:
                    vals.append(v)
                break
    return max(vals) if vals else None


def _cell(v):
    if isinstance(v, float):
        return fmt_g(v, 4)
    if v is None:
        return "–"
    return str(v)


def _shq(s):
    s = str(s)
    if re.fullmatch(r"[A-Za-z0-9_./,:=+%@-]+", s):
        return s
    return "'" + s.replace("'", "'\\''") + "'"
