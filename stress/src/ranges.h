/* SPDX-License-Identifier: MIT */
/*
 * The ranges one thread holds (its outstanding mappings), as a ring: FIFO
 * for devices that complete in order (a NIC ring), random removal for
 * those that do not (a storage queue). Owner-thread only, except that the
 * end-of-run check reads it while the owner waits at a barrier.
 */
#ifndef STRESS_RANGES_H
#define STRESS_RANGES_H

#include <stdbool.h>
#include <stdlib.h>

struct range {
	unsigned long pfn; /* pfn_lo */
	unsigned long size; /* pfns, as allocated (rounded) */
};

struct ranges {
	struct range *r;
	unsigned int mask; /* capacity - 1, capacity a power of two */
	unsigned int head; /* oldest */
	unsigned int count;
};

/* Capacity: the next power of two >= @min. 0 or -ENOMEM. */
int ranges_init(struct ranges *s, unsigned int min);
void ranges_fini(struct ranges *s);

static inline unsigned int ranges_cap(const struct ranges *s)
{
	return s->mask + 1;
}

static inline bool ranges_full(const struct ranges *s)
{
	return s->count > s->mask;
}

static inline struct range *ranges_at(struct ranges *s, unsigned int i)
{
	return &s->r[(s->head + i) & s->mask];
}

/* Caller checks !ranges_full(). */
static inline void ranges_push(struct ranges *s, unsigned long pfn,
			       unsigned long size)
{
	struct range *e = ranges_at(s, s->count);

	e->pfn = pfn;
	e->size = size;
	s->count++;
}

/* Remove and return the oldest; caller checks count > 0. */
static inline struct range ranges_pop(struct ranges *s)
{
	struct range e = s->r[s->head];

	s->head = (s->head + 1) & s->mask;
	s->count--;
	return e;
}

/* Remove and return entry @i (order not kept); caller checks i < count. */
static inline struct range ranges_take(struct ranges *s, unsigned int i)
{
	struct range *e = ranges_at(s, i);
	struct range t = *e;

	*e = s->r[s->head];
	s->r[s->head] = t;
	return ranges_pop(s);
}

#endif /* STRESS_RANGES_H */
