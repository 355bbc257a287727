// SPDX-License-Identifier: MIT
/*
 * irqcpu: every CPU maps, only the CPUs that take the device's interrupts
 * unmap.
 *
 * On storage and NIC servers a request is submitted (mapped) on whatever
 * CPU issued it, but its completion, which unmaps, runs in the interrupt
 * handler or softirq of the few CPUs the device's MSI-X vectors are
 * affine to (16 of 256 is typical). For the per-CPU cache this is the
 * case that fills the depot: the IRQ CPUs' magazines fill with every
 * CPU's frees and overflow into the depot, the mapping CPUs' magazines
 * run dry and refill from it; with lazy unmap, the flush queue adds its
 * own batching on the IRQ CPUs.
 *
 * Threads 0..K-1 are the IRQ threads (--irq-threads K, default a quarter
 * of the threads, at least 1). Thread i hands each mapping to IRQ thread
 * i mod K through its own SPSC ring (spsc.h); an IRQ thread unmaps from
 * the rings of all its producers, its own included, and maps too. A
 * thread whose ring is full counts a stall and yields (the device queue
 * is full until completions come). Mappings: 1 page, 1 in 16 of 16
 * pages, 48-bit.
 */
#include <errno.h>
#include <stdlib.h>

#include "run.h"
#include "spsc.h"
#include "workload.h"

struct irqcpu_shared {
	unsigned int irq; /* number of IRQ threads */
	struct spsc *rings; /* [n]: ring i carries thread i's mappings */
};

struct irqcpu_thread {
	unsigned int next; /* IRQ threads: next producer to look at */
};

static int irqcpu_init(struct run *r)
{
	struct irqcpu_shared *s = calloc(1, sizeof(*s));
	unsigned int k = r->opt->irq_threads ? r->opt->irq_threads : r->n / 4;

	if (!s)
		return -ENOMEM;
	s->irq = k ? k : 1;
	if (s->irq > r->n) {
		/* options.c refuses this; keep the ring indexing safe */
		free(s);
		return -EINVAL;
	}
	s->rings = spsc_array_new(r->n);
	if (!s->rings) {
		free(s);
		return -ENOMEM;
	}
	r->wl_shared = s;
	return 0;
}

static void irqcpu_fini(struct run *r)
{
	struct irqcpu_shared *s = r->wl_shared;

	if (s)
		free(s->rings);
	free(s);
	r->wl_shared = NULL;
}

static struct irqcpu_shared *shared(struct worker *w)
{
	return w->run->wl_shared;
}

static int irqcpu_thread_init(struct worker *w)
{
	w->wl = calloc(1, sizeof(struct irqcpu_thread));
	return w->wl ? 0 : -ENOMEM;
}

/* An IRQ thread's next completion, round robin over its producers. */
static bool irq_take(struct worker *w, struct range *e)
{
	struct irqcpu_shared *s = shared(w);
	struct irqcpu_thread *t = w->wl;
	unsigned int producers = (w->run->n - w->id + s->irq - 1) / s->irq;

	for (unsigned int k = 0; k < producers; k++) {
		unsigned int p = w->id + s->irq * ((t->next + k) % producers);

		if (spsc_pop(&s->rings[p], e)) {
			t->next = (t->next + k + 1) % producers;
			return true;
		}
	}
	return false;
}

static bool irqcpu_step(struct worker *w)
{
	struct irqcpu_shared *s = shared(w);
	enum handoff_did did =
		handoff_step(w, &s->rings[w->id], w->id < s->irq, irq_take);

	if (did == HANDOFF_UNMAP && w->measuring)
		w->wl_count[1]++;
	return did != HANDOFF_STALL;
}

/* All threads stopped: what thread i mapped and nobody unmapped yet. */
static void irqcpu_for_each_held(struct worker *w, held_fn fn, void *arg)
{
	struct spsc *q = &shared(w)->rings[w->id];
	struct range *e;

	spsc_for_each(q, t, e) fn(arg, e->pfn, e->size);
}

/* Producers have stopped: the IRQ threads complete what is left. */
static void irqcpu_drain(struct worker *w)
{
	struct range e;

	if (w->id >= shared(w)->irq)
		return;
	while (irq_take(w, &e))
		w_release(w, e.pfn, e.size);
}

static void irqcpu_thread_fini(struct worker *w)
{
	free(w->wl);
	w->wl = NULL;
}

const struct workload wl_irqcpu = {
	.name = "irqcpu",
	.summary = "every thread maps, --irq-threads K threads (default a "
		   "quarter) do all the unmaps: interrupt-affine completion",
	.population = IOVA_SCEN_CHURN,
	.counters = { "stalls", "irq_unmaps" },
	.init = irqcpu_init,
	.fini = irqcpu_fini,
	.thread_init = irqcpu_thread_init,
	.step = irqcpu_step,
	.for_each_held = irqcpu_for_each_held,
	.drain = irqcpu_drain,
	.thread_fini = irqcpu_thread_fini,
};
