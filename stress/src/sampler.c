// SPDX-License-Identifier: MIT
/* The --sample-ms time series (sampler.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iovalab/clock.h"
#include "iovalab/lock.h"
#include "sampler.h"

static void take(struct sampler *s)
{
	struct iovad_rcache_stats rs;
	struct iovad_rcache_totals rt;
	struct iova_stats ts;
	struct iovad_fq_stats fs;
	struct sample *e;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		struct sample *v;

		if (cap > SAMPLER_MAX)
			cap = SAMPLER_MAX;
		v = s->n < SAMPLER_MAX ? realloc(s->v, cap * sizeof(*v)) : NULL;
		if (!v) {
			s->dropped++;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	e = &s->v[s->n++];
	memset(e, 0, sizeof(*e));
	e->t_ns = lab_now_ns() - s->t0;
	iovad_rcache_stats(s->d, &rs);
	iovad_rcache_stats_sum(&rs, &rt);
	e->depot_mags = rt.depot_mags;
	e->cached_ranges = rt.cached;
	e->cached_bytes = rt.cached_pfns * s->granule;
	e->mag_bytes = rs.mag_bytes;
	if (s->fq) {
		iovad_fq_stats(s->fq, &fs);
		e->fq_pending = fs.pending;
	}
	iovad_tree_stats(s->d, &ts);
	e->tree_live = ts.live;
}

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	uint64_t next = s->t0;

	lab_lock_thread_online(); /* the tree statistics take the tree lock */
	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		struct timespec ts;

		if (lab_now_ns() < next) {
			ts.tv_sec = (time_t)(next / 1000000000ull);
			ts.tv_nsec = (long)(next % 1000000000ull);
			pthread_cond_timedwait(&s->cv, &s->mu, &ts);
			continue;
		}
		pthread_mutex_unlock(&s->mu);
		take(s);
		next += s->period_ns;
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	lab_lock_thread_offline();
	return NULL;
}

int sampler_start(struct sampler *s, struct iovad *d, struct iovad_fq *fq,
		  unsigned long granule, uint64_t period_ms)
{
	pthread_condattr_t ca;
	int err;

	memset(s, 0, sizeof(*s));
	if (!period_ms)
		return 0;
	s->d = d;
	s->fq = fq;
	s->granule = granule;
	s->period_ns = period_ms * 1000000ull;
	s->t0 = lab_now_ns();
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	err = pthread_create(&s->thread, NULL, sampler_main, s);
	if (err) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		return -err;
	}
	s->running = true;
	return 0;
}

void sampler_stop(struct sampler *s)
{
	if (!s->running)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	s->running = false;
	/*
	 * A last sample at the stop, from the caller: the series always ends
	 * with the state the threads left, even when spinning workers kept
	 * the sampler thread from running at all (short runs, busy CPUs).
	 */
	take(s);
}

#define COLUMN(j, name, field)                                \
	do {                                                  \
		lab_json_array_begin(j, name);                \
		for (size_t i = 0; i < s->n; i++)             \
			lab_json_u64(j, NULL, s->v[i].field); \
		lab_json_array_end(j);                        \
	} while (0)

void sampler_json(const struct sampler *s, struct lab_json *j,
		  double measure_start_s)
{
	if (!s->period_ns) {
		lab_json_null(j, "time_series");
		return;
	}
	lab_json_object_begin(j, "time_series");
	lab_json_u64(j, "period_ms", s->period_ns / 1000000ull);
	lab_json_double(j, "measure_start_s", measure_start_s);
	lab_json_u64(j, "samples", s->n);
	lab_json_u64(j, "dropped", s->dropped);
	lab_json_array_begin(j, "t_s");
	for (size_t i = 0; i < s->n; i++)
		lab_json_double(j, NULL, (double)s->v[i].t_ns / 1e9);
	lab_json_array_end(j);
	COLUMN(j, "depot_mags", depot_mags);
	COLUMN(j, "cached_ranges", cached_ranges);
	COLUMN(j, "cached_bytes", cached_bytes);
	COLUMN(j, "mag_bytes", mag_bytes);
	COLUMN(j, "fq_pending", fq_pending);
	COLUMN(j, "tree_live", tree_live);
	lab_json_object_end(j);
}

void sampler_free(struct sampler *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}
