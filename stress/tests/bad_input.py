#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Bad command lines: each must exit 2 with exactly one line on stderr,
naming the problem, write nothing to stdout and create no output file.
--help must exit 0 and document every option.

  bad_input.py EXE
"""
import os
import subprocess
import sys
import tempfile

OPTIONS = ["--threads", "--duration", "--warmup", "--alg", "--lock",
           "--cpu-lock", "--depot-lock", "--spin", "--workload", "--rcache",
           "--prefill", "--pin", "--rate", "--think", "--pci32",
           "--low-window", "--seed", "--tree-hold-ns", "--unmap",
           "--iotlb-flush-ns", "--irq-threads", "--sample-ms", "--trim-ms",
           "--json", "--csv", "--lockstat", "--quiet", "--repeat", "--help"]


def main():
    exe = sys.argv[1]
    pus = os.cpu_count() or 1
    too_many = min(4096, 64 * pus) + 1
    failures = []
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "never.json")
        cases = [
            (["--threads", "0"], "--threads"),
            (["--threads", ""], "--threads"),
            (["--threads", "1,,2"], "--threads"),
            (["--threads", "abc"], "--threads"),
            (["--threads", str(too_many)], "--threads"),
            (["--threads", "1-100000"], "--threads"),
            (["--threads", "5000"], "--threads"),
            (["--duration", "0"], "--duration"),
            (["--duration", "-1"], "--duration"),
            (["--duration", "abc"], "--duration"),
            (["--duration", "1e9"], "--duration"),
            (["--duration", "inf"], "--duration"),
            (["--warmup", "-0.5"], "--warmup"),
            (["--alg", "nosuch"], "nosuch"),
            (["--alg", ""], "--alg"),
            (["--lock", "nosuch"], "nosuch"),
            (["--lock", "mutex,"], "--lock"),
            (["--cpu-lock", "nosuch"], "nosuch"),
            (["--depot-lock", ""], "--depot-lock"),
            (["--spin", "sometimes"], "--spin"),
            (["--workload", "nosuch"], "nosuch"),
            (["--workload", "nic,nosuch"], "nosuch"),
            (["--rcache", "maybe"], "maybe"),
            (["--rcache", "on,on"], "--rcache"),
            (["--prefill", "10"], "--prefill"),
            (["--prefill", "99999999999"], "--prefill"),
            (["--prefill", "x"], "--prefill"),
            (["--pin", "diagonal"], "diagonal"),
            (["--rate", "-5"], "--rate"),
            (["--rate", "abc"], "--rate"),
            (["--rate", "100", "--think", "5"], "--think"),
            (["--think", "99999999"], "--think"),
            (["--pci32", "never"], "never"),
            (["--low-window", "-3"], "--low-window"),
            (["--low-window", "99999999"], "--low-window"),
            (["--seed", "-1"], "--seed"),
            (["--tree-hold-ns", "2000000"], "--tree-hold-ns"),
            (["--tree-hold-ns", "0,,5"], "--tree-hold-ns"),
            (["--unmap", "sometimes"], "sometimes"),
            (["--iotlb-flush-ns", "x"], "--iotlb-flush-ns"),
            (["--iotlb-flush-ns", "2000000"], "--iotlb-flush-ns"),
            (["--irq-threads", "0"], "--irq-threads"),
            (["--workload", "irqcpu", "--threads", "2", "--irq-threads",
              "3"], "--irq-threads"),
            (["--workload", "irqcpu", "--irq-threads", "0"],
             "--irq-threads"),
            (["--workload", "nic", "--irq-threads", "1"], "--irq-threads"),
            (["--sample-ms", "-1"], "--sample-ms"),
            (["--trim-ms", "99999999"], "--trim-ms"),
            (["--repeat", "0"], "--repeat"),
            (["--repeat", "1001"], "--repeat"),
            (["--json", "/nonexistent-dir/x.json"], "nonexistent"),
            (["--csv", "/nonexistent-dir/x.csv"], "nonexistent"),
            (["--json", "-", "--csv", "-"], "stdout"),
            (["--bogus"], "--bogus"),
            (["extra"], "extra"),
            (["--threads"], "--threads"),
            # a bad value after a good output path: nothing created
            (["--json", out, "--alg", "nosuch"], "nosuch"),
            (["--json", out, "--duration", "100", "--csv",
              "/nonexistent-dir/x.csv"], "nonexistent"),
        ]
        for args, needle in cases:
            p = subprocess.run([exe] + args, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               timeout=30)
            lines = p.stderr.splitlines()
            why = None
            if p.returncode != 2:
                why = "exit %d, expected 2" % p.returncode
            elif len(lines) != 1:
                why = "%d stderr lines, expected 1" % len(lines)
            elif not lines[0].startswith("iova-stress: "):
                why = "message does not start with 'iova-stress: '"
            elif needle not in lines[0]:
                why = "message does not mention %r" % needle
            elif p.stdout:
                why = "wrote to stdout"
            if why:
                failures.append("%s: %s (stderr: %r)" % (args, why,
                                                          p.stderr))
        if os.path.exists(out):
            failures.append("an output file was written despite bad input")
    p = subprocess.run([exe, "--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=30)
    if p.returncode != 0:
        failures.append("--help: exit %d" % p.returncode)
    for o in OPTIONS:
        if o not in p.stdout:
            failures.append("--help does not document %s" % o)
    for w in ["nic", "storage", "mixed32", "masks", "full32", "crosscpu",
              "lookup", "large", "irqcpu"]:
        if w not in p.stdout:
            failures.append("--help does not list workload %s" % w)
    for f in failures:
        print("bad_input: FAIL: " + f, file=sys.stderr)
    if failures:
        sys.exit(1)
    print("bad_input: %d cases ok" % len(cases))


if __name__ == "__main__":
    main()
