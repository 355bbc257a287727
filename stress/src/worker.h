/* SPDX-License-Identifier: MIT */
/*
 * One stress thread: its counters, latency histograms and the timed
 * allocator calls workloads make.
 *
 * Everything here is written by its own thread only; the one field other
 * threads read while the run is going (pub_ops, for the progress line)
 * sits alone on its cache line, and the rest starts on the next one, so
 * no two threads' hot data share a line.
 *
 * A workload's step performs exactly one timed operation: w_begin() takes
 * the start time (in open-loop mode, the operation's intended start from
 * the schedule, so queueing delay is charged to the system, not hidden:
 * no coordinated omission), w_end() records the latency into the
 * operation type's histogram when the run is in its measured phase.
 */
#ifndef STRESS_WORKER_H
#define STRESS_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "iovalab/clock.h"
#include "iovalab/harness/counter.h"
#include "iovalab/harness/topo.h"
#include "iovalab/hist.h"
#include "iovalab/prng.h"
#include "iovalab/rcache.h"
#include "stress.h"

struct run;

#define WL_COUNTERS 2

struct worker {
	/* measured ops, for the progress line: alone on its line */
	struct lab_counter pub_ops;

	struct run *run;
	struct iovad *d;
	unsigned int id;
	struct lab_prng rng;
	uint64_t intended; /* open loop: this op's scheduled start, else 0 */
	bool measuring;

	/* measured phase only */
	uint64_t ops;
	uint64_t n[OP_NR];
	uint64_t alloc_failures;
	uint64_t wl_count[WL_COUNTERS]; /* the workload's own counters */
	struct lab_hist *hist; /* [OP_NR] */

	uint64_t stopped_ns; /* when this thread left the measured loop */

	/* whole run, for conservation */
	uint64_t total_allocs; /* ranges obtained */
	uint64_t total_frees; /* ranges given back */

	/* first thing that went wrong in this thread ("" if nothing) */
	char error[160];

	void *wl; /* the workload's per-thread state */
	int pin_err; /* lab_pin_apply() result */
	struct lab_pin pin; /* planned by the main thread */
	pthread_t tid;
} __lab_cacheline_aligned;

static inline uint64_t w_begin(struct worker *w)
{
	return w->intended ? w->intended : lab_now_ns();
}

static inline void w_end(struct worker *w, enum op_type t, uint64_t t0)
{
	uint64_t t1 = lab_now_ns();

	w->intended = 0;
	if (!w->measuring)
		return;
	lab_hist_record(&w->hist[t], t1 > t0 ? t1 - t0 : 0);
	w->n[t]++;
	w->ops++;
	lab_counter_set(&w->pub_ops, w->ops);
}

/* Record the first error of this thread; later ones are dropped. */
void w_error(struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Timed alloc_iova_fast() of @size (already rounded with
 * stress_round_size) below @limit with flush_rcache. Returns pfn_lo or 0.
 */
unsigned long w_alloc(struct worker *w, unsigned long size,
		      unsigned long limit);
/* Timed free_iova_fast(). */
void w_free(struct worker *w, unsigned long pfn, unsigned long size);
/* Untimed free_iova_fast(), for draining at the end. */
void w_release(struct worker *w, unsigned long pfn, unsigned long size);
/*
 * Timed find of a range this thread holds: it must be found, exactly
 * [pfn, pfn + size - 1]; anything else is recorded as an error.
 */
void w_find_held(struct worker *w, unsigned long pfn, unsigned long size,
		 unsigned long probe);

static inline uint64_t w_rand(struct worker *w, uint64_t n)
{
	return lab_prng_below(&w->rng, n);
}

#endif /* STRESS_WORKER_H */
