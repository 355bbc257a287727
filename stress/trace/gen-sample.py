#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write a SYNTHETIC capture in capture-iova.bt's exact output format.

Nothing here was captured from a kernel: it is a model, so that the lab
has a committed trace to test and demonstrate the replay with. It models
a 4-CPU machine with two PCIe devices sharing one IOMMU domain (behind one
switch without ACS, so one IOMMU group), plus a USB controller in a
domain of its own:

* NIC, 4 queue pairs, queue q's interrupt affine to CPU q.
  - TX: an application thread on CPU c maps each packet (1 page; 1 in 16
    a 64 KiB TSO send of 17 pages); the stack picks the TX queue by flow
    hash (queue c half of the time), so the completion, and the unmap,
    runs in NAPI on that queue's CPU, 20-60 us later, in ring order, in
    batches of up to 64.
  - RX: each queue keeps a ring of 256 one-page buffers mapped; NAPI on
    the queue's CPU unmaps each received buffer and maps a new one.
  - Like dma-iommu on older kernels, the NIC's maps try below 4 GiB first
    (limit 0xfffff, FLUSH 0), which succeeds while there is room.
* NVMe, 2 I/O queues for 4 CPUs (blk-mq maps CPUs 0,1 to queue 0, CPUs
  2,3 to queue 1), queue q's interrupt on CPU 2q: I/Os are mapped on the
  submitting CPU (4 KiB to 128 KiB, 1-32 pages, mask clamped to 48 bits:
  limit 0xfffffffff, FLUSH 1) and unmapped on the queue's interrupt CPU
  80-200 us later, out of order.
* USB (its own domain, a few events): exercises --domain.

The pfns come from a toy allocator (top-down bump, freed pfns reused per
size, newest first); the replay remaps them, so only their pairing
matters. Lines are emitted the way bpftrace's per-CPU perf buffers
deliver them: each CPU's events in order, CPUs interleaved in chunks, so
the file is not in global time order (the converter sorts it).

usage: gen-sample.py [--seed N] [--events N] > sample.capture
"""
import argparse
import heapq
import random
import sys

DOM = 0xFFFF8881A4C2E000  # the NIC + NVMe domain
USB_DOM = 0xFFFF8881A4C31000
LIMIT32 = 0xFFFFF
LIMIT48 = 0xFFFFFFFFF
CPUS = 4


def rsize(n):
    """dma-iommu/alloc_iova_fast rounding: below 32, a power of two."""
    if n >= 32:
        return n
    p = 1
    while p < n:
        p <<= 1
    return p


class ToyAllocator:
    """Distinct live pfns per limit class; freed pfns reused LIFO."""

    def __init__(self):
        self.cursor = {LIMIT32: LIMIT32 + 1, LIMIT48: LIMIT48 + 1}
        self.free = {}

    def alloc(self, size, limit):
        size = rsize(size)
        lst = self.free.get((size, limit))
        if lst:
            return lst.pop()
        base = (self.cursor[limit] - size) & ~(size - 1 if size < 32 else 0)
        self.cursor[limit] = base
        return base

    def release(self, pfn, size, limit):
        self.free.setdefault((rsize(size), limit), []).append(pfn)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--events", type=int, default=16000)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    toy = ToyAllocator()
    out = []  # (t, cpu, seq, line)
    seq = [0]
    q = []  # pending (t, seq, kind, data)
    # The toy allocator must see events in time order, so an event never
    # starts before the previous one: handlers that run long delay the
    # next (one global clock, as if on one bus).
    clk = [0]

    def at(t):
        clk[0] = max(t, clk[0] + 1)
        return clk[0]

    def emit_alloc(t, cpu, tid, dom, size, limit, flush):
        t = at(t)
        pfn = toy.alloc(size, limit)
        seq[0] += 1
        out.append((t, cpu, seq[0],
                    "alloc %d %d %d 0x%x %d 0x%x %d 0x%x" %
                    (t, cpu, tid, dom, size, limit, flush, pfn)))
        return pfn

    def emit_free(t, cpu, tid, dom, pfn, size, limit):
        t = at(t)
        toy.release(pfn, size, limit)
        seq[0] += 1
        out.append((t, cpu, seq[0], "free %d %d %d 0x%x 0x%x %d" %
                    (t, cpu, tid, dom, pfn, size)))

    def push(t, kind, data):
        seq[0] += 1
        heapq.heappush(q, (t, seq[0], kind, data))

    t0 = 5_000_000_000
    app_tid = [2100 + c for c in range(CPUS)]
    irq_tid = [15 + 7 * c for c in range(CPUS)]  # ksoftirqd-ish
    # RX rings: mapped at start (driver open), on the queue's CPU
    rx = []
    for c in range(CPUS):
        ring = []
        for k in range(256):
            ring.append(emit_alloc(t0 + c * 3000 + k * 40, c, irq_tid[c],
                                   DOM, 1, LIMIT32, 0))
        rx.append(ring)
    txring = [[] for _ in range(CPUS)]  # per TX queue: (pfn, size)
    for c in range(CPUS):
        push(t0 + 20000 + rng.randrange(5000), "tx", c)
        push(t0 + 20000 + rng.randrange(5000), "rx", c)
        push(t0 + 20000 + rng.randrange(5000), "nvme", c)
    push(t0 + 30000, "usb", 0)
    while len(out) < a.events and q:
        t, _, kind, data = heapq.heappop(q)
        if kind == "tx":
            c = data
            for _ in range(rng.randrange(1, 5)):
                size = 17 if rng.randrange(16) == 0 else 1
                pfn = emit_alloc(t, c, app_tid[c], DOM, size, LIMIT32, 0)
                qi = c if rng.random() < 0.5 else rng.randrange(CPUS)
                if not txring[qi]:
                    push(t + rng.randrange(20000, 60000), "txdone", qi)
                txring[qi].append((pfn, size))
                t += rng.randrange(300, 900)
            push(t + rng.randrange(60000, 240000), "tx", c)
        elif kind == "txdone":
            qi = data
            n = min(64, len(txring[qi]))
            for pfn, size in txring[qi][:n]:
                emit_free(t, qi, irq_tid[qi], DOM, pfn, size, LIMIT32)
                t += rng.randrange(60, 200)
            del txring[qi][:n]
            if txring[qi]:
                push(t + rng.randrange(20000, 60000), "txdone", qi)
        elif kind == "rx":
            c = data
            for _ in range(rng.randrange(1, 32)):
                emit_free(t, c, irq_tid[c], DOM, rx[c].pop(0), 1, LIMIT32)
                t += rng.randrange(80, 250)
                rx[c].append(emit_alloc(t, c, irq_tid[c], DOM, 1, LIMIT32,
                                        0))
                t += rng.randrange(80, 250)
            push(t + rng.randrange(150000, 750000), "rx", c)
        elif kind == "nvme":
            c = data
            size = rng.choice([1, 1, 1, 1, 2, 4, 8, 16, 32])
            pfn = emit_alloc(t, c, app_tid[c], DOM, size, LIMIT48, 1)
            irq = 2 * (c // 2)
            push(t + rng.randrange(80000, 200000), "nvmedone",
                 (irq, pfn, size))
            push(t + rng.randrange(100000, 450000), "nvme", c)
        elif kind == "nvmedone":
            irq, pfn, size = data
            emit_free(t, irq, irq_tid[irq], DOM, pfn, size, LIMIT48)
        elif kind == "usb":
            pfn = emit_alloc(t, 0, irq_tid[0], USB_DOM, 1, LIMIT32, 1)
            emit_free(t + 40000, 0, irq_tid[0], USB_DOM, pfn, 1, LIMIT32)
            push(t + 9000000, "usb", 0)
    # Deliver like per-CPU perf buffers: per-CPU order kept, CPUs
    # interleaved in chunks of up to 16 lines.
    per = [[] for _ in range(CPUS)]
    for ev in sorted(out):
        per[ev[1]].append(ev[3])
    lines = ["# iovalab-capture 1 capture-iova.bt"]
    while any(per):
        c = rng.choice([k for k in range(CPUS) if per[k]])
        n = rng.randrange(1, 17)
        lines.extend(per[c][:n])
        del per[c][:n]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
