# SPDX-License-Identifier: MIT
"""Load a results directory: every *.json in it, classified by content.

Sources (see results/README.md):
  iova-stress     {"tool":"iova-stress","meta":{..},"runs":[..]}  (stress/SCHEMA.md)
  iova-scenarios  {"meta":{..},"rows":[{"alg","scenario","live",..}]}
  lock-bench      {"tool":"lock-bench","meta":{..},...}
  Google Benchmark {"context":{..},"benchmarks":[..]}            (bench/run)
  results/lab     lab.json: the sweep's own record (steps, duration, machine)

A file that parses but matches none is listed as unrecognised; a file that
does not parse is an error the report shows. Nothing is silently dropped.
"""

import glob
import json
import os
import re

ALGS = ("classic", "maxgap", "gap32", "anylimit", "btree", "btree-pfn")


class Data:
    def __init__(self, root):
        self.root = root
        self.stress = []        # (file, run dict, meta dict)
        self.stress_files = []  # (file, meta)
        self.scenarios = []     # (file, row dict, meta)
        self.scenario_files = []
        self.lockbench = []     # (file, doc)
        self.gbench = []        # (file, doc)
        self.lab = None         # lab.json doc
        self.unrecognised = []  # file names
        self.errors = []        # "file: message"


def _classify(doc):
    if not isinstance(doc, dict):
        return None
    tool = doc.get("tool")
    if tool == "results/lab":
        return "lab"
    if tool == "iova-stress" or (isinstance(doc.get("runs"), list)
                                 and isinstance(doc.get("meta"), dict)):
        return "stress"
    if tool == "lock-bench":
        return "lockbench"
    if isinstance(doc.get("benchmarks"), list) and "context" in doc:
        return "gbench"
    rows = doc.get("rows")
    if (tool == "iova-scenarios" or
            (isinstance(rows, list) and rows and isinstance(rows[0], dict)
             and "scenario" in rows[0] and "alg" in rows[0])):
        return "scenarios"
    return None


def load(root):
    d = Data(root)
    for path in sorted(glob.glob(os.path.join(root, "*.json"))):
        name = os.path.basename(path)
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            d.errors.append("%s: %s" % (name, e))
            continue
        kind = _classify(doc)
        if kind == "lab":
            d.lab = doc
        elif kind == "stress":
            meta = doc.get("meta") or {}
            d.stress_files.append((name, meta))
            for r in doc.get("runs") or []:
                if isinstance(r, dict):
                    d.stress.append((name, r, meta))
        elif kind == "scenarios":
            meta = doc.get("meta") or {}
            d.scenario_files.append((name, meta))
            for r in doc.get("rows") or []:
                if isinstance(r, dict):
                    d.scenarios.append((name, r, meta))
        elif kind == "lockbench":
            d.lockbench.append((name, doc))
        elif kind == "gbench":
            d.gbench.append((name, doc))
        else:
            d.unrecognised.append(name)
    return d


def num(v, default=None):
    """A JSON number as float; None (JSON null, absent, bool) -> default."""
    if isinstance(v, bool) or v is None:
        return default
    if isinstance(v, (int, float)):
        return float(v)
    return default


def machine(d):
    """One machine description from the first source that has one.

    Returns dict: cpu_model, logical_cpus, physical_cores, numa_nodes,
    kernel, glibc, compiler, cflags, build_type, sanitizer, commit, date,
    hostname (missing keys absent), plus 'source' naming where it came from.
    """
    keys = ("cpu_model", "logical_cpus", "physical_cores", "numa_nodes",
            "kernel", "glibc", "compiler", "cflags", "build_type",
            "sanitizer", "commit", "date", "hostname", "timer_overhead_ns")
    metas = [(n, m) for n, m in d.stress_files]
    metas += [(n, m) for n, m in d.scenario_files]
    metas += [(n, doc.get("meta") or {}) for n, doc in d.lockbench]
    if d.lab:
        metas.append(("lab.json", d.lab.get("machine") or {}))
    out = {}
    for name, m in metas:
        for k in keys:
            if k not in out and m.get(k) not in (None, ""):
                out[k] = m[k]
                out.setdefault("source", name)
    for name, doc in d.gbench:
        c = doc.get("context") or {}
        # bench/ writes the meta object every tool shares as one string
        for k, v in gbench_meta(c).items():
            if k in keys and k not in out and v not in (None, ""):
                out[k] = v
                out.setdefault("source", name)
        if "logical_cpus" not in out and c.get("num_cpus"):
            out["logical_cpus"] = c["num_cpus"]
        if "date" not in out and c.get("date"):
            out["date"] = c["date"]
        if "hostname" not in out and c.get("host_name"):
            out["hostname"] = c["host_name"]
        # bench/ adds its own context keys (iovalab_*)
        for k, ck in (("commit", "iovalab_commit"),
                      ("build_type", "iovalab_build_type"),
                      ("physical_cores", "iovalab_physical_cores")):
            if k not in out and c.get(ck):
                v = c[ck]
                out[k] = int(v) if k == "physical_cores" and \
                    str(v).isdigit() else v
    return out


def gbench_meta(context):
    """The meta object bench/ puts in Google Benchmark's context as the
    JSON string "iovalab_meta" ({} when absent or unreadable)."""
    try:
        doc = json.loads(context.get("iovalab_meta") or "{}")
    except ValueError:
        return {}
    meta = doc.get("meta") if isinstance(doc, dict) else None
    return meta if isinstance(meta, dict) else {}


def machines_seen(d):
    """{(host, logical CPUs): [files]} over every input that names one."""
    seen = {}
    for name, m in d.stress_files + [(n, doc.get("meta") or {})
                                     for n, doc in d.lockbench]:
        key = (m.get("hostname"), m.get("logical_cpus"))
        if key != (None, None):
            seen.setdefault(key, []).append(name)
    for name, doc in d.gbench:
        c = doc.get("context") or {}
        key = (c.get("host_name"), c.get("num_cpus"))
        if key != (None, None):
            seen.setdefault(key, []).append(name)
    return seen


def machine_label(m):
    """The one-line tag every chart carries."""
    cpu = m.get("cpu_model", "unknown CPU")
    lc = m.get("logical_cpus", "?")
    pc = m.get("physical_cores", "?")
    commit = m.get("commit", "unknown commit")
    date = str(m.get("date", "unknown date"))[:10]
    host = m.get("hostname")
    s = "%s, %s logical CPUs / %s cores" % (cpu, lc, pc)
    if host:
        s += ", host " + str(host)
    return "%s | commit %s | %s" % (s, commit, date)


# Google Benchmark -----------------------------------------------------------

_TIME_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def gbench_rows(d):
    """Benchmarks reduced to one row per run_name.

    With repetitions, the median aggregate wins (robust to a noisy
    neighbour), then the mean; without, the single iteration row. Each row
    gets 'file', 'time_ns' (real time per iteration in ns), 'cpu_ns' (CPU
    time) and 'stat' (which row was taken).
    """
    out = []
    for fname, doc in d.gbench:
        chosen = {}
        order = []
        for b in doc.get("benchmarks") or []:
            if not isinstance(b, dict) or b.get("error_occurred"):
                continue
            rn = b.get("run_name") or b.get("name")
            if b.get("run_type") == "aggregate":
                agg = b.get("aggregate_name")
                rank = {"median": 0, "mean": 1}.get(agg)
                if rank is None:
                    continue
            else:
                rank = 2
            if rn not in chosen:
                order.append(rn)
            if rn not in chosen or rank < chosen[rn][0]:
                chosen[rn] = (rank, b)
        for rn in order:
            rank, b = chosen[rn]
            row = dict(b)
            row["file"] = fname
            row["run_name"] = rn
            row["stat"] = ("median", "mean", "single")[rank]
            unit = _TIME_NS.get(b.get("time_unit", "ns"), 1.0)
            rt = num(b.get("real_time"))
            row["time_ns"] = rt * unit if rt is not None else None
            ct = num(b.get("cpu_time"))
            row["cpu_ns"] = ct * unit if ct is not None else None
            out.append(row)
    return out


_NUM = re.compile(r"^(?:n:|live:)?(\d+)$")


def gbench_tree_points(d, scenario_names):
    """(alg, scenario, live, ns_per_op, visited) from tree benchmarks.

    The benchmark name is split on '/': an algorithm is a token naming one
    (or a label naming one), a scenario a token equal to one the scenario
    table uses (or a 'scenario' label/counter), live ranges the last
    numeric argument (or a 'live' counter). Rows that do not yield all
    three are not tree rows.
    """
    pts = []
    scen = set(scenario_names)
    for row in gbench_rows(d):
        name = row.get("run_name", "")
        toks = name.split("/")
        # bench-tree names: alloc_free/ALG/SCENARIO/n:LIVE (find/... rows
        # are lookups, not allocations)
        if not any("tree" in t.lower() or "alloc" in t.lower()
                   for t in toks[:1]):
            continue
        alg = None
        scenario = None
        label = row.get("label") or ""
        for t in toks + label.replace(",", "/").split("/"):
            key = t.strip().split(":", 1)[-1]
            if key in ALGS and alg is None:
                alg = key
            elif key in scen and scenario is None:
                scenario = key
        if scenario is None and row.get("scenario") in scen:
            scenario = row.get("scenario")
        live = num(row.get("live"))
        if live is None:
            for t in reversed(toks[1:]):
                m = _NUM.match(t)
                if m:
                    live = float(m.group(1))
                    break
        if alg is None or scenario is None or live is None:
            continue
        # CPU time: a single-threaded search's own cost, not inflated by
        # preemption on a shared machine (what Complexity() fits by default)
        t = row.get("cpu_ns") if row.get("cpu_ns") is not None \
            else row.get("time_ns")
        if t is None:
            continue
        pts.append((alg, scenario, live, t,
                    num(row.get("visited", row.get("nodes_visited")))))
    return pts
