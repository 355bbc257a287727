/* SPDX-License-Identifier: MIT */
/*
 * A workload models one kind of device traffic. Each lives in its own
 * wl_*.c with a comment on the device behaviour it models.
 *
 * Life of a run: init (shared state, main thread) -> thread_init (each
 * thread, before the start barrier) -> step repeatedly (each thread) ->
 * for_each_held (main thread, all threads stopped) -> drain (each thread)
 * -> thread_fini -> fini.
 */
#ifndef STRESS_WORKLOAD_H
#define STRESS_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "iovalab/scenario.h"
#include "worker.h"

typedef void (*held_fn)(void *arg, unsigned long pfn, unsigned long size);

struct workload {
	const char *name;
	const char *summary; /* one line for --help */
	/* the population --prefill builds (scenario.h) */
	enum iova_scenario population;
	/* prefill used when --prefill is 0; 0 = none */
	unsigned long default_prefill;
	/* names of worker.wl_count[] (NULL: unused) */
	const char *counters[WL_COUNTERS];

	int (*init)(struct run *r); /* optional */
	void (*fini)(struct run *r); /* optional */
	int (*thread_init)(struct worker *w);
	/* one timed operation; false when none was possible right now */
	bool (*step)(struct worker *w);
	void (*for_each_held)(struct worker *w, held_fn fn, void *arg);
	void (*drain)(struct worker *w);
	void (*thread_fini)(struct worker *w);
};

extern const struct workload *const workloads[];
extern const char *const workload_names[]; /* NULL-terminated */

/*
 * Helpers for workloads whose per-thread state starts with a struct
 * ranges (the ranges the thread holds).
 */
void wl_ranges_for_each(struct worker *w, held_fn fn, void *arg);
void wl_ranges_drain(struct worker *w);
void wl_ranges_thread_fini(struct worker *w);
/*
 * Allocate the thread's state (@state_size bytes, zeroed, starting with a
 * struct ranges) and its ring of at least @depth entries.
 */
int wl_ranges_thread_init(struct worker *w, unsigned int depth,
			  size_t state_size);

struct ranges;
/* Timed alloc of @size (rounded here) below @limit; held if it worked. */
bool wl_alloc_push(struct worker *w, struct ranges *s, unsigned long size,
		   unsigned long limit);
/* Timed free of the oldest held range (s->count > 0). */
bool wl_pop_free(struct worker *w, struct ranges *s);
/* Timed free of a random held range (s->count > 0). */
bool wl_take_free(struct worker *w, struct ranges *s);

#endif /* STRESS_WORKLOAD_H */
