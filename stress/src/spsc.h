/* SPDX-License-Identifier: MIT */
/*
 * A single-producer single-consumer ring of ranges, for workloads that
 * hand mappings from the thread that maps to the thread that unmaps
 * (crosscpu, irqcpu), and the step those workloads share.
 * Acquire/release on head (producer) and tail (consumer), each on its own
 * cache line; the slots are read only after the head that covers them.
 */
#ifndef STRESS_SPSC_H
#define STRESS_SPSC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "iovalab/clock.h"
#include "ranges.h"

#define SPSC_SIZE 256u /* power of two */

struct spsc {
	_Atomic unsigned int head __lab_cacheline_aligned; /* producer */
	_Atomic unsigned int tail __lab_cacheline_aligned; /* consumer */
	struct range slot[SPSC_SIZE] __lab_cacheline_aligned;
};

static inline void spsc_init(struct spsc *q)
{
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
}

/* Producer side. */
static inline bool spsc_full(struct spsc *q)
{
	return atomic_load_explicit(&q->head, memory_order_relaxed) -
		       atomic_load_explicit(&q->tail, memory_order_acquire) >=
	       SPSC_SIZE;
}

/* Producer side; the caller checked !spsc_full(). */
static inline void spsc_push(struct spsc *q, unsigned long pfn,
			     unsigned long size)
{
	unsigned int h = atomic_load_explicit(&q->head, memory_order_relaxed);

	q->slot[h & (SPSC_SIZE - 1)].pfn = pfn;
	q->slot[h & (SPSC_SIZE - 1)].size = size;
	atomic_store_explicit(&q->head, h + 1, memory_order_release);
}

/* Consumer side: false when empty. */
static inline bool spsc_pop(struct spsc *q, struct range *out)
{
	unsigned int t = atomic_load_explicit(&q->tail, memory_order_relaxed);

	if (atomic_load_explicit(&q->head, memory_order_acquire) == t)
		return false;
	*out = q->slot[t & (SPSC_SIZE - 1)];
	atomic_store_explicit(&q->tail, t + 1, memory_order_release);
	return true;
}

/* Consumer side, or anyone while both sides wait at a barrier. */
static inline bool spsc_empty(struct spsc *q)
{
	return atomic_load_explicit(&q->head, memory_order_acquire) ==
	       atomic_load_explicit(&q->tail, memory_order_acquire);
}

/* @n empty rings, cache-line aligned; NULL when out of memory. */
static inline struct spsc *spsc_array_new(unsigned int n)
{
	struct spsc *q = aligned_alloc(LAB_CACHELINE, sizeof(*q) * n);

	for (unsigned int i = 0; q && i < n; i++)
		spsc_init(&q[i]);
	return q;
}

/* Entries from oldest to newest, with both sides stopped. */
#define spsc_for_each(q, t, e)                           \
	for (unsigned int t = atomic_load(&(q)->tail);   \
	     t != atomic_load(&(q)->head) &&             \
	     ((e) = &(q)->slot[t & (SPSC_SIZE - 1)], 1); \
	     t++)

struct worker;

/* What one hand-off step did (wl_common.c). */
enum handoff_did {
	HANDOFF_STALL, /* nothing possible: counted, yielded */
	HANDOFF_MAP,
	HANDOFF_UNMAP,
};

/*
 * One step of a hand-off workload. When this thread may unmap (@may_take)
 * and either its outgoing ring @out is full or a coin says so, unmap one
 * mapping @take hands it (false: none). Otherwise map one (1 page, 1 in
 * 16 of 16 pages, 48-bit) into @out, or, with @out full, count a stall
 * in wl_count[0] and yield: the device queue is full until completions
 * come.
 */
enum handoff_did handoff_step(struct worker *w, struct spsc *out, bool may_take,
			      bool (*take)(struct worker *w, struct range *e));

#endif /* STRESS_SPSC_H */
