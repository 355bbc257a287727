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
 * through its own single-producer single-consumer ring (spsc.h); thread i
 * frees what thread i-1 passed it. With one thread the ring loops back to
 * itself (no cross-CPU traffic: a baseline). A thread whose outgoing ring
 * is full and incoming ring empty has nothing to do: it counts a stall
 * and yields. Mappings: 1 page, 1 in 16 of 16 pages, 48-bit aperture.
 * The step is irqcpu's (handoff_step()) with every thread unmapping.
 */
#include <errno.h>
#include <stdlib.h>

#include "run.h"
#include "spsc.h"
#include "workload.h"

/* wl_shared: rings[n], ring i carries thread i's mappings to thread i+1. */
static int crosscpu_init(struct run *r)
{
	r->wl_shared = spsc_array_new(r->n);
	return r->wl_shared ? 0 : -ENOMEM;
}

static void crosscpu_fini(struct run *r)
{
	free(r->wl_shared);
	r->wl_shared = NULL;
}

static struct spsc *ring_out(struct worker *w)
{
	struct spsc *rings = w->run->wl_shared;

	return &rings[w->id];
}

static struct spsc *ring_in(struct worker *w)
{
	struct spsc *rings = w->run->wl_shared;

	return &rings[(w->id + w->run->n - 1) % w->run->n];
}

static int crosscpu_thread_init(struct worker *w)
{
	w->wl = ring_in(w);
	return 0;
}

static bool take_in(struct worker *w, struct range *e)
{
	return spsc_pop(w->wl, e);
}

static bool crosscpu_step(struct worker *w)
{
	return handoff_step(w, ring_out(w), !spsc_empty(w->wl), take_in) !=
	       HANDOFF_STALL;
}

/* All threads stopped: what thread i mapped and thread i+1 did not free. */
static void crosscpu_for_each_held(struct worker *w, held_fn fn, void *arg)
{
	struct spsc *q = ring_out(w);
	struct range *e;

	spsc_for_each(q, t, e) fn(arg, e->pfn, e->size);
}

/* Producers have stopped: free what the previous thread left. */
static void crosscpu_drain(struct worker *w)
{
	struct range e;

	while (spsc_pop(w->wl, &e))
		w_release(w, e.pfn, e.size);
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
