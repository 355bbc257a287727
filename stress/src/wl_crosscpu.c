// SPDX-License-Identifier: MIT
/*
 * crosscpu: mappings unmapped on a different CPU than the one that mapped
 * them.
 *
 * Common in practice: a NIC's transmit completion or a storage completion
 * interrupt runs on another CPU than the submitter (IRQ affinity, RPS,
 * blk-mq completion steering), and a receive buffer is refilled on one CPU
 * and consumed on another. For the per-CPU cache this is the hard case:
 * frees land in the freeing CPU's magazines, allocations miss on the
 * mapping CPU, and magazines flow through the depot.
 *
 * Handoff: thread i allocates and passes each range to thread i+1 (mod n)
 * through a single-producer single-consumer ring (C11 acquire/release on
 * head and tail, each on its own cache line); thread i frees what thread
 * i-1 passed it. With one thread the ring loops back to itself (no
 * cross-CPU traffic: a baseline). A thread whose outgoing ring is full and
 * incoming ring empty has nothing to do: it counts a stall and yields.
 * Mappings: 1 page, 1 in 16 of 16 pages, 48-bit aperture.
 */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "ranges.h"
#include "run.h"
#include "workload.h"

#define XRING_SIZE 256u /* power of two */

struct xring {
	_Atomic unsigned int head __lab_cacheline_aligned; /* producer */
	_Atomic unsigned int tail __lab_cacheline_aligned; /* consumer */
	struct range slot[XRING_SIZE] __lab_cacheline_aligned;
};

static int crosscpu_init(struct run *r)
{
	struct xring *rings =
		aligned_alloc(LAB_CACHELINE, sizeof(*rings) * r->n);

	if (!rings)
		return -ENOMEM;
	for (unsigned int i = 0; i < r->n; i++) {
		atomic_init(&rings[i].head, 0);
		atomic_init(&rings[i].tail, 0);
	}
	r->wl_shared = rings;
	return 0;
}

static void crosscpu_fini(struct run *r)
{
	free(r->wl_shared);
	r->wl_shared = NULL;
}

static struct xring *ring_in(struct worker *w)
{
	struct xring *rings = w->run->wl_shared;

	return &rings[w->id];
}

static struct xring *ring_out(struct worker *w)
{
	struct xring *rings = w->run->wl_shared;

	return &rings[(w->id + 1) % w->run->n];
}

static int crosscpu_thread_init(struct worker *w)
{
	w->wl = ring_in(w);
	return 0;
}

static bool crosscpu_step(struct worker *w)
{
	struct xring *in = w->wl, *out = ring_out(w);
	unsigned int ih = atomic_load_explicit(&in->head, memory_order_acquire);
	unsigned int it = atomic_load_explicit(&in->tail, memory_order_relaxed);
	unsigned int oh =
		atomic_load_explicit(&out->head, memory_order_relaxed);
	unsigned int ot =
		atomic_load_explicit(&out->tail, memory_order_acquire);
	bool out_full = oh - ot >= XRING_SIZE;
	unsigned long size, pfn;

	if (ih != it && (out_full || w_rand(w, 2))) {
		struct range e = in->slot[it & (XRING_SIZE - 1)];

		atomic_store_explicit(&in->tail, it + 1, memory_order_release);
		w_free(w, e.pfn, e.size);
		return true;
	}
	if (out_full) {
		if (w->measuring)
			w->wl_count[0]++;
		sched_yield();
		return false;
	}
	size = stress_round_size(w_rand(w, 16) ? 1 : 16);
	pfn = w_alloc(w, size, STRESS_LIMIT48);
	if (pfn) {
		out->slot[oh & (XRING_SIZE - 1)].pfn = pfn;
		out->slot[oh & (XRING_SIZE - 1)].size = size;
		atomic_store_explicit(&out->head, oh + 1, memory_order_release);
	}
	return true;
}

/* Runs with every thread stopped: the incoming ring is this thread's. */
static void crosscpu_for_each_held(struct worker *w, held_fn fn, void *arg)
{
	struct xring *in = w->wl;
	unsigned int h = atomic_load_explicit(&in->head, memory_order_acquire);

	for (unsigned int t = atomic_load(&in->tail); t != h; t++)
		fn(arg, in->slot[t & (XRING_SIZE - 1)].pfn,
		   in->slot[t & (XRING_SIZE - 1)].size);
}

static void crosscpu_drain(struct worker *w)
{
	struct xring *in = w->wl;
	unsigned int h = atomic_load_explicit(&in->head, memory_order_acquire);
	unsigned int t = atomic_load_explicit(&in->tail, memory_order_relaxed);

	for (; t != h; t++)
		w_release(w, in->slot[t & (XRING_SIZE - 1)].pfn,
			  in->slot[t & (XRING_SIZE - 1)].size);
	atomic_store_explicit(&in->tail, t, memory_order_release);
}

static void crosscpu_thread_fini(struct worker *w)
{
	w->wl = NULL;
}

const struct workload wl_crosscpu = {
	.name = "crosscpu",
	.summary = "maps freed by the next thread (SPSC ring handoff): "
		   "frees on another CPU's cache",
	.population = IOVA_SCEN_CHURN,
	.counters = { "stalls", NULL },
	.init = crosscpu_init,
	.fini = crosscpu_fini,
	.thread_init = crosscpu_thread_init,
	.step = crosscpu_step,
	.for_each_held = crosscpu_for_each_held,
	.drain = crosscpu_drain,
	.thread_fini = crosscpu_thread_fini,
};
