#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The meta object (iovalab/harness/meta.h, stress/SCHEMA.md): valid JSON,
every field with its type, the machine facts of the synthetic machine
test_meta loads, and the optional fields left out when not given.

  meta_check.py TEST_META_EXE
"""
import json
import re
import subprocess
import sys

FIELDS = {
    "tool": str, "commit": str, "compiler": str, "cflags": str,
    "build_type": str, "sanitizer": str, "iovalab_check": bool,
    "cpu_model": str, "logical_cpus": int, "physical_cores": int,
    "numa_nodes": int, "packages": int, "online_cpus": int,
    "kernel": str, "glibc": str, "hostname": str, "date": str,
    "threads": int, "oversubscribed": bool, "smt_shared": bool,
    "pin": str, "argv": list, "timer_overhead_ns": float,
}
OPTIONAL = {"cpu_model", "logical_cpus", "physical_cores", "numa_nodes",
            "packages", "threads", "oversubscribed", "smt_shared", "pin",
            "timer_overhead_ns"}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    exe = sys.argv[1]
    p = subprocess.run([exe, "--an", "arg"], capture_output=True, text=True,
                       timeout=60)
    if p.returncode:
        fail("exit %d: %s" % (p.returncode, p.stderr))
    doc = json.loads(p.stdout)
    full, bare = doc["full"]["meta"], doc["bare"]["meta"]
    if list(full) != list(FIELDS):
        fail("full meta keys %s" % list(full))
    for k, t in FIELDS.items():
        if not isinstance(full[k], t):
            fail("%s is %r" % (k, full[k]))
    want = {"tool": "test-meta", "logical_cpus": 8, "physical_cores": 4,
            "numa_nodes": 1, "packages": 2, "threads": 9,
            "oversubscribed": True, "smt_shared": True, "pin": "scatter",
            "timer_overhead_ns": 21.5,
            "argv": [exe, "--an", "arg"]}
    for k, v in want.items():
        if full[k] != v:
            fail("%s: %r, expected %r" % (k, full[k], v))
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", full["date"]):
        fail("date %r" % full["date"])
    if not full["commit"] or not full["build_type"]:
        fail("build facts missing: %r" % full)
    if set(bare) != set(FIELDS) - OPTIONAL:
        fail("bare meta keys %s" % sorted(bare))
    if bare["tool"] != "bare" or bare["argv"] != []:
        fail("bare meta %r" % bare)
    ext = doc["extended"]["meta"]
    if list(ext) != list(bare) + ["extra"] or ext["extra"] != 7:
        fail("extended meta keys %s" % list(ext))
    print("meta: %d fields, types and values ok" % len(full))


if __name__ == "__main__":
    main()
