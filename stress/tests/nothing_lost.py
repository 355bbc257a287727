#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Results are never lost (issue 16): every tool that writes results
writes them atomically and stops cleanly on SIGINT/SIGTERM.

  nothing_lost.py BINDIR CASE

CASE is one of:
  paths        bad output paths and two options naming one file are usage
               errors (exit 2) before any work; an existing file survives
  stress       iova-stress: SIGINT mid-matrix -> exit 130, valid JSON marked
               "interrupted", CSV of the completed runs, no temporary file
  second       iova-stress: a second SIGTERM exits at once (143) and leaves
               the old file exactly as it was
  lock-bench, scenarios
               SIGINT/SIGTERM -> 130/143, valid JSON marked "interrupted"
  replay       iova-replay blocked on a pipe: SIGINT -> 130, every line read
               answered, "interrupted after line N"

The signals are sent by this script to its own child; each wait is bounded
(WAIT seconds), so the test ends even when a tool ignores the signal.
"""
import array
import fcntl
import json
import os
import signal
import subprocess
import sys
import tempfile
import termios
import time

WAIT = 60.0
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def temp_files(d):
    return [f for f in os.listdir(d) if f.startswith(".")]


def wait_for(pred, what, limit=WAIT):
    t0 = time.monotonic()
    while not pred():
        if time.monotonic() - t0 > limit:
            fail("timed out waiting for " + what)
            return False
        time.sleep(0.02)
    return True


def finish(p, what):
    try:
        out, err = p.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        fail(what + ": did not stop after the signal")
    return p.returncode, out, err


def load_json(path, what):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail("%s: %s is not valid JSON: %s" % (what, path, e))
        return None


def interrupted_run(d, argv, sig, want_rc, what, out_json):
    """Start argv, wait for its temporary file, signal it, check JSON."""
    with open(out_json, "w") as f:
        f.write("old\n")
    # stdout unread while it runs: never a pipe that could fill up
    p = subprocess.Popen(argv, cwd=d, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    if wait_for(lambda: temp_files(d), what + " temporary file"):
        time.sleep(0.5)
    p.send_signal(sig)
    rc, _, err = finish(p, what)
    if rc != want_rc:
        fail("%s: exit %d, expected %d; stderr: %s" % (what, rc, want_rc,
                                                       err.strip()))
    doc = load_json(out_json, what)
    if doc is not None and doc.get("interrupted") is not True:
        fail("%s: JSON lacks \"interrupted\": true" % what)
    if temp_files(d):
        fail("%s: temporary files left: %s" % (what, temp_files(d)))
    if doc is not None:
        print("%s: exit %d, valid JSON, interrupted=%s, keys %s" %
              (what, rc, doc["interrupted"], sorted(doc)))
    return doc


def case_paths(b, d):
    keep = os.path.join(d, "keep.json")
    stress = os.path.join(b, "iova-stress")
    cases = [
        ([stress, "--json", keep, "--csv", "/nonexistent/x.csv",
          "--duration", "0.1"], "its directory does not exist"),
        ([stress, "--json", keep, "--csv", keep, "--duration", "0.1"],
         "name the same file"),
        ([stress, "--json", keep, "--csv", os.path.join(d, ".", "keep.json"),
          "--duration", "0.1"], "name the same file"),
        ([stress, "--json", d, "--duration", "0.1"],
         "exists and is not a regular file"),
        ([stress, "--json", d + "/", "--duration", "0.1"], "is a directory"),
        ([stress, "--json", "", "--duration", "0.1"], "empty"),
        ([os.path.join(b, "iova-scenarios"), "--live", "1000", "--json",
          "/nonexistent/dir/x.json"], "its directory does not exist"),
        ([os.path.join(b, "lock-bench"), "--json",
          "/nonexistent/dir/x.json"], "its directory does not exist"),
    ]
    for argv, pattern in cases:
        with open(keep, "w") as f:
            f.write("x\n")
        r = subprocess.run(argv, cwd=d, capture_output=True, text=True,
                           timeout=WAIT)
        what = " ".join(argv[1:])
        if r.returncode != 2:
            fail("%s: exit %d, expected 2" % (what, r.returncode))
        if pattern not in r.stderr:
            fail("%s: stderr lacks %r: %s" % (what, pattern, r.stderr))
        if r.stdout:
            fail("%s: worked before refusing (stdout: %.60r)" %
                 (what, r.stdout))
        with open(keep) as f:
            if f.read() != "x\n":
                fail("%s: the existing file was touched" % what)
        if temp_files(d):
            fail("%s: temporary files left" % what)
        print("%s -> exit %d: %s" % (what, r.returncode,
                                     r.stderr.strip().splitlines()[0]))


def case_stress(b, d):
    j, c = os.path.join(d, "r.json"), os.path.join(d, "r.csv")
    doc = interrupted_run(
        d, [os.path.join(b, "iova-stress"), "--json", j, "--csv", c,
            "--threads", "1,2", "--workload", "nic,storage",
            "--duration", "0.3", "--warmup", "0.05", "--quiet"],
        signal.SIGINT, 130, "iova-stress SIGINT", j)
    if doc is None:
        return
    for run in doc.get("runs", []):
        if run.get("check") != "ok":
            fail("iova-stress: a written run is not complete and checked")
    with open(c) as f:
        rows = f.read().splitlines()
    if not rows or not rows[0].startswith("alg,"):
        fail("iova-stress: CSV lacks its header")
    if len(rows) - 1 != len(doc.get("runs", [])):
        fail("iova-stress: CSV has %d rows, JSON %d runs" %
             (len(rows) - 1, len(doc["runs"])))
    print("iova-stress: %d completed run(s) in JSON and CSV" %
          len(doc["runs"]))


def case_second(b, d):
    j = os.path.join(d, "old.json")
    with open(j, "w") as f:
        f.write("old\n")
    # a 10^6-range prefill keeps it busy long after the first signal
    p = subprocess.Popen([os.path.join(b, "iova-stress"), "--json", j,
                          "--prefill", "1000000", "--duration", "30",
                          "--quiet"], cwd=d, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    if wait_for(lambda: temp_files(d), "temporary file"):
        time.sleep(0.2)
    p.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    rc, _, err = finish(p, "second SIGTERM")
    took = time.monotonic() - t0
    if rc != 143:
        fail("second SIGTERM: exit %d, expected 143: %s" % (rc, err))
    with open(j) as f:
        if f.read() != "old\n":
            fail("second SIGTERM: the old file was replaced")
    if temp_files(d):
        fail("second SIGTERM: temporary files left: %s" % temp_files(d))
    print("second SIGTERM: exit %d, old file intact, no temporary file "
          "(exited %.2f s after it; not asserted)" % (rc, took))


def case_lock_bench(b, d):
    # both signals: SIGTERM's path was rcache-bench's case before that
    # tool was folded into iova-stress and bench-rcache
    for sig, rc in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        j = os.path.join(d, "lb.json")
        interrupted_run(d, [os.path.join(b, "lock-bench"), "--json", j,
                            "--sections", "throughput", "--locks", "mutex",
                            "--threads", "1,2,1,2,1,2", "--duration",
                            "0.5"],
                        sig, rc, "lock-bench %s" % sig.name, j)


def case_scenarios(b, d):
    j = os.path.join(d, "sc.json")
    interrupted_run(d, [os.path.join(b, "iova-scenarios"), "--json", j],
                    signal.SIGINT, 130, "iova-scenarios SIGINT", j)


def case_replay(b, d):
    p = subprocess.Popen([os.path.join(b, "iova-replay"), "--alg",
                          "anylimit", "--check"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    data = "a 1 100\naf 1 100\n"
    p.stdin.write(data)
    p.stdin.flush()

    def consumed():
        # its stdout is a pipe, so block-buffered: watch its input drain
        buf = array.array("i", [0])
        fcntl.ioctl(p.stdin.fileno(), termios.FIONREAD, buf)
        return buf[0] == 0

    if wait_for(consumed, "iova-replay reading its input"):
        time.sleep(0.5)  # both lines done: blocked reading the pipe
    p.send_signal(signal.SIGINT)
    rc, out, err = finish(p, "iova-replay")
    lines = []
    if rc != 130:
        fail("iova-replay: exit %d, expected 130: %s" % (rc, err))
    if lines + out.splitlines(True) != ["100\n", "99\n"]:
        fail("iova-replay: output %r" % (lines + [out]))
    if "interrupted after line 2" not in err:
        fail("iova-replay: stderr %r" % err)
    print("iova-replay: exit %d, %s" % (rc, err.strip().replace("\n", "; ")))


CASES = {"paths": case_paths, "stress": case_stress, "second": case_second,
         "lock-bench": case_lock_bench,
         "scenarios": case_scenarios, "replay": case_replay}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in CASES:
        print(__doc__, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as d:
        CASES[sys.argv[2]](os.path.abspath(sys.argv[1]), d)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
