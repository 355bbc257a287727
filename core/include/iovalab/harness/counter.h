/* SPDX-License-Identifier: MIT */
/*
 * Per-thread counters on their own cache lines.
 *
 * One thread writes a counter; any thread may read it at any time (a
 * progress line, a sampler). Each counter fills a whole LAB_CACHELINE so
 * one thread's increments never invalidate another's line (false sharing
 * would be measured as allocator or lock cost). The owner's add is a
 * relaxed load and store, not a read-modify-write: no locked instruction
 * on the hot path, and a reader sees some recent value, never a torn one.
 *
 * Use an array (lab_counters_alloc) or embed one as the first member of a
 * per-thread struct that is itself cache-line aligned (and read them with
 * lab_counter_sum_strided).
 *
 * C only (C11 atomics).
 */
#ifndef IOVALAB_HARNESS_COUNTER_H
#define IOVALAB_HARNESS_COUNTER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "iovalab/arch.h"
#include "iovalab/harness/stats.h"

struct lab_counter {
	_Atomic uint64_t v;
} __lab_cacheline_aligned;

_Static_assert(sizeof(struct lab_counter) == LAB_CACHELINE,
	       "a counter fills exactly one cache line");

/* Owner only. */
static inline void lab_counter_add(struct lab_counter *c, uint64_t n)
{
	atomic_store_explicit(
		&c->v, atomic_load_explicit(&c->v, memory_order_relaxed) + n,
		memory_order_relaxed);
}

/* Owner only. */
static inline void lab_counter_set(struct lab_counter *c, uint64_t v)
{
	atomic_store_explicit(&c->v, v, memory_order_relaxed);
}

/* Any thread. */
static inline uint64_t lab_counter_read(const struct lab_counter *c)
{
	return atomic_load_explicit(&c->v, memory_order_relaxed);
}

/*
 * @n zeroed counters, cache-line aligned. NULL when out of memory (or the
 * LAB_FAULT_OTHER fault site fires). Free with lab_counters_free.
 */
struct lab_counter *lab_counters_alloc(unsigned int n);
void lab_counters_free(struct lab_counter *c);

/* Sum of @n counters. */
uint64_t lab_counters_sum(const struct lab_counter *c, unsigned int n);
/* Copy @n counters into @out[0..n). */
void lab_counters_read(const struct lab_counter *c, unsigned int n,
		       uint64_t *out);
/*
 * Sum of @n counters embedded @stride bytes apart (a member of an array
 * of per-thread structs): @first is the member of element 0.
 */
uint64_t lab_counter_sum_strided(const struct lab_counter *first,
				 unsigned int n, size_t stride);

/* Fairness (stats.h) of @n counters' current values. -ENOMEM or 0. */
int lab_counters_fairness(const struct lab_counter *c, unsigned int n,
			  struct lab_fairness *out);

#endif /* IOVALAB_HARNESS_COUNTER_H */
