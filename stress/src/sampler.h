/* SPDX-License-Identifier: MIT */
/*
 * The time series (--sample-ms): a thread that, every period from the
 * start of the warmup until the threads stop, records how much the cache
 * and the flush queues hold and how big the tree is.
 */
#ifndef STRESS_SAMPLER_H
#define STRESS_SAMPLER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "iovalab/flushq.h"
#include "iovalab/json.h"
#include "iovalab/rcache.h"

/* At most this many samples per run; later ones are dropped (counted). */
#define SAMPLER_MAX 1000000u

struct sample {
	uint64_t t_ns; /* since the sampler started (warmup start) */
	uint64_t depot_mags; /* full magazines in the depots, all classes */
	uint64_t cached_ranges; /* ranges in magazines (slots + depot) */
	uint64_t cached_bytes; /* IOVA bytes those ranges span */
	uint64_t mag_bytes; /* memory the magazines occupy */
	uint64_t fq_pending; /* ranges waiting in flush queues */
	uint64_t tree_live; /* ranges in the tree (cached ones included) */
};

struct sampler {
	struct iovad *d;
	struct iovad_fq *fq; /* may be NULL */
	unsigned long granule;
	uint64_t period_ns;
	uint64_t t0;
	struct sample *v;
	size_t n, cap;
	uint64_t dropped; /* beyond SAMPLER_MAX, or out of memory */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, running;
};

/* Start sampling every @period_ms (0: no thread, no series). 0/-errno. */
int sampler_start(struct sampler *s, struct iovad *d, struct iovad_fq *fq,
		  unsigned long granule, uint64_t period_ms);
/* Stop and join (promptly: a condition variable, not a sleep). */
void sampler_stop(struct sampler *s);
/* "time_series": null or the columns (stress/SCHEMA.md). */
void sampler_json(const struct sampler *s, struct lab_json *j,
		  double measure_start_s);
void sampler_free(struct sampler *s);

#endif /* STRESS_SAMPLER_H */
