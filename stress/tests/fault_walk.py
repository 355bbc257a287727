#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Walk an injected allocation failure over a whole run of a tool.

  fault_walk.py [--sites S] [--stdin F] [--dense D] [--answers] -- CMD...

Runs CMD once unarmed, then with IOVALAB_FAULT=S:N for N = 1, 2, ...
(every N up to D, then N grows by a quarter each step) until the tool
reports that the Nth allocation never came (core/include/iovalab/fault.h:
"IOVALAB_FAULT: not fired"). Every armed run must end in one of:

  * a clean error: exit 1 or 2 with a message line on stderr;
  * a correct answer: exit 0; with --answers (iova-replay) every output
    line before the first "fail" answer is the unarmed run's;
  * not fired: exit status and output identical to the unarmed run.

Never: a signal, another exit status, a sanitizer report (ASan/LSan/UBSan:
nothing leaked), a failed invariant or conservation check.
"""
import os
import re
import subprocess
import sys

BAD = re.compile(r"Sanitizer|runtime error:|invariant violated|"
                 r"conservation|domain check|still owned")
REPORT = re.compile(r"IOVALAB_FAULT: (fired at allocation (\d+) of (\d+) "
                    r"counted|not fired \((\d+) counted\))")


def fail(msg):
    print("fault_walk: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def run(cmd, stdin, fault):
    env = dict(os.environ)
    env.pop("IOVALAB_FAULT", None)
    if fault:
        env["IOVALAB_FAULT"] = fault
    with open(stdin) if stdin else open(os.devnull) as f:
        p = subprocess.run(cmd, stdin=f, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=env,
                           timeout=60)
    return p.returncode, p.stdout, p.stderr


def main():
    argv = sys.argv[1:]
    if "--" not in argv:
        fail("usage: fault_walk.py [--sites S] [--stdin F] [--dense D] "
             "[--answers] -- CMD...")
    sep = argv.index("--")
    opts, cmd = argv[:sep], argv[sep + 1:]

    def opt(name, default):
        return opts[opts.index(name) + 1] if name in opts else default
    sites = opt("--sites", "all")
    stdin = opt("--stdin", None)
    dense = int(opt("--dense", "1000000"))
    answers = "--answers" in opts

    rc0, out0, err0 = run(cmd, stdin, None)
    if rc0 != 0 or BAD.search(err0):
        fail("unarmed run: exit %d\n%s" % (rc0, err0))
    base = out0.splitlines()
    n, seen = 1, {"error": 0, "answer": 0}
    while True:
        rc, out, err = run(cmd, stdin, "%s:%d" % (sites, n))
        where = "IOVALAB_FAULT=%s:%d %s" % (sites, n, " ".join(cmd))
        m = REPORT.search(err)
        if not m:
            fail("%s: exit %d, no fault report\n%s" % (where, rc, err))
        if rc < 0 or rc not in (0, 1, 2) or BAD.search(err):
            fail("%s: exit %d\n%s" % (where, rc, err))
        if m.group(4) is not None:
            if rc != 0 or out != out0:
                fail("%s: not fired, but the run differs" % where)
            break
        lines = out.splitlines()
        if answers:
            k = lines.index("fail") if "fail" in lines else len(lines)
            if lines[:k] != base[:k]:
                fail("%s: answers before the first fail differ" % where)
        if rc:
            msgs = [l for l in err.splitlines() if not REPORT.search(l)]
            if not msgs:
                fail("%s: exit %d without a message" % (where, rc))
            seen["error"] += 1
        else:
            seen["answer"] += 1
        n = n + 1 if n < dense else n + max(1, n // 4)
    print("fault_walk: N = 1..%d (%s counted): %d clean errors, %d "
          "correct answers, then not fired: identical to the unarmed "
          "run" % (n, m.group(4), seen["error"], seen["answer"]))


if __name__ == "__main__":
    main()
