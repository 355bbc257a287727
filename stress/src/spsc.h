/* SPDX-License-Identifier: MIT */
/*
 * A single-producer single-consumer ring of ranges, for workloads that
 * hand mappings from the thread that maps to the thread that unmaps.
 * Acquire/release on head (producer) and tail (consumer), each on its own
 * cache line; the slots are read only after the head that covers them.
 */
#ifndef STRESS_SPSC_H
#define STRESS_SPSC_H

#include <stdatomic.h>
#include <stdbool.h>

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

/* Entries from oldest to newest, with both sides stopped. */
#define spsc_for_each(q, t, e)                           \
	for (unsigned int t = atomic_load(&(q)->tail);   \
	     t != atomic_load(&(q)->head) &&             \
	     ((e) = &(q)->slot[t & (SPSC_SIZE - 1)], 1); \
	     t++)

#endif /* STRESS_SPSC_H */
