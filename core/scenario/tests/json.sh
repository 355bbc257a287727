#!/bin/sh
# SPDX-License-Identifier: MIT
# iova-scenarios --json writes one row per (alg, scenario, live) with the
# schema results/ charts, and the table agrees with it.
#   json.sh IOVA_SCENARIOS
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$1" --live 100,300 --allocs 50 --json "$dir/out.json" >"$dir/table" ||
	{ echo "json: iova-scenarios failed" >&2; exit 1; }
python3 - "$dir/out.json" "$dir/table" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
rows = doc["rows"]
keys = {"alg", "scenario", "live", "allocs", "visited_mean", "visited_max",
        "node_bytes", "slab_bytes", "aligned_allocs", "aligned_mean",
        "aligned_max", "unaligned_allocs", "unaligned_mean", "unaligned_max"}
assert doc["meta"]["tool"] == "iova-scenarios", doc["meta"]
algs = {r["alg"] for r in rows}
assert "btree" in algs and "anylimit" in algs, algs
scens = {r["scenario"] for r in rows}
assert {"high32", "high40", "full32", "churn"} <= scens, scens
cells = len(algs) * len(scens) * 2
assert len(rows) == cells, len(rows)
seen = set()
for r in rows:
    assert keys <= set(r), r
    assert r["allocs"] == 50 and r["visited_max"] >= r["visited_mean"] > 0, r
    assert r["slab_bytes"] % 64 == 0 and r["slab_bytes"] >= r["node_bytes"], r
    assert r["aligned_allocs"] + r["unaligned_allocs"] == r["allocs"], r
    assert max(r["aligned_max"], r["unaligned_max"]) == r["visited_max"], r
    seen.add((r["alg"], r["scenario"], r["live"]))
assert len(seen) == cells, seen
table = [l.split() for l in open(sys.argv[2]).read().splitlines()[1:]]
assert len(table) == cells, table
for t, r in zip(table, rows):
    assert (t[0], t[1], int(t[2])) == (r["alg"], r["scenario"], r["live"]), (t, r)
    assert int(t[6]) == r["visited_max"], (t, r)
print("json: ok,", len(rows), "rows")
PY
