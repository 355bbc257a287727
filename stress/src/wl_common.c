// SPDX-License-Identifier: MIT
/*
 * What workloads share: the held ring of the ranges-based ones and its
 * teardown; the step of the hand-off ones (spsc.h).
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>

#include "ranges.h"
#include "spsc.h"
#include "workload.h"

int ranges_init(struct ranges *s, unsigned int min)
{
	unsigned int cap = 1;

	while (cap < min)
		cap <<= 1;
	s->r = calloc(cap, sizeof(*s->r));
	if (!s->r)
		return -ENOMEM;
	s->mask = cap - 1;
	s->head = 0;
	s->count = 0;
	return 0;
}

void ranges_fini(struct ranges *s)
{
	free(s->r);
	s->r = NULL;
}

void wl_ranges_for_each(struct worker *w, held_fn fn, void *arg)
{
	struct ranges *s = w->wl;

	for (unsigned int i = 0; s && i < s->count; i++) {
		struct range *e = ranges_at(s, i);

		fn(arg, e->pfn, e->size);
	}
}

void wl_ranges_drain(struct worker *w)
{
	struct ranges *s = w->wl;

	while (s && s->count) {
		struct range e = ranges_pop(s);

		w_release(w, e.pfn, e.size);
	}
}

void wl_ranges_thread_fini(struct worker *w)
{
	struct ranges *s = w->wl;

	if (s) {
		ranges_fini(s);
		free(s);
	}
	w->wl = NULL;
}

int wl_ranges_thread_init(struct worker *w, unsigned int depth,
			  size_t state_size)
{
	struct ranges *s = calloc(1, state_size);

	if (!s)
		return -ENOMEM;
	if (ranges_init(s, depth)) {
		free(s);
		return -ENOMEM;
	}
	w->wl = s;
	return 0;
}

bool wl_alloc_push(struct worker *w, struct ranges *s, unsigned long size,
		   unsigned long limit)
{
	unsigned long pfn;

	size = stress_round_size(size);
	pfn = w_alloc(w, size, limit);
	if (pfn)
		ranges_push(s, pfn, size);
	return true;
}

bool wl_pop_free(struct worker *w, struct ranges *s)
{
	struct range e = ranges_pop(s);

	w_free(w, e.pfn, e.size);
	return true;
}

bool wl_take_free(struct worker *w, struct ranges *s)
{
	struct range e = ranges_take(s, (unsigned int)w_rand(w, s->count));

	w_free(w, e.pfn, e.size);
	return true;
}

enum handoff_did handoff_step(struct worker *w, struct spsc *out, bool may_take,
			      bool (*take)(struct worker *w, struct range *e))
{
	bool full = spsc_full(out);
	unsigned long size, pfn;
	struct range e;

	if (may_take && (full || w_rand(w, 2)) && take(w, &e)) {
		w_free(w, e.pfn, e.size);
		return HANDOFF_UNMAP;
	}
	if (full) {
		if (w->measuring)
			w->wl_count[0]++;
		sched_yield();
		return HANDOFF_STALL;
	}
	size = stress_round_size(w_rand(w, 16) ? 1 : 16);
	pfn = w_alloc(w, size, STRESS_LIMIT48);
	if (pfn)
		spsc_push(out, pfn, size);
	return HANDOFF_MAP;
}
