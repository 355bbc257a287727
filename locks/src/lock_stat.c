// SPDX-License-Identifier: MIT
/*
 * Reading, resetting and reporting per-lock statistics. The hot path that
 * records them is in lock.c.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/fault.h"
#include "iovalab/json.h"
#include "lock_impl.h"

static pthread_once_t ticks_once = PTHREAD_ONCE_INIT;
static double ticks_per_ns = 1.0;

static void calibrate(void)
{
	double r = lab_cycles_per_ns(20);

	if (r > 0.0 && isfinite(r))
		ticks_per_ns = r;
}

double lab_lock_ticks_per_ns(void)
{
	pthread_once(&ticks_once, calibrate);
	return ticks_per_ns;
}

int lab_lock_stats_enable(struct lab_lock *l, bool on)
{
	if (on && !atomic_load_explicit(&l->stats, memory_order_acquire)) {
		struct lab_stat_table *t = lab_fault_fail(LAB_FAULT_LOCK) ?
						   NULL :
						   calloc(1, sizeof(*t));
		struct lab_stat_table *none = NULL;

		if (!t)
			return -ENOMEM;
		for (int i = 0; i < LAB_LOCK_MAX_THREADS; i++)
			atomic_init(&t->slot[i], NULL);
		atomic_init(&t->untracked, 0);
		if (!atomic_compare_exchange_strong(&l->stats, &none, t))
			free(t);
		lab_lock_ticks_per_ns();
	}
	atomic_store_explicit(&l->stats_on, on, memory_order_release);
	return 0;
}

bool lab_lock_stats_enabled(const struct lab_lock *l)
{
	return atomic_load_explicit(&l->stats_on, memory_order_relaxed);
}

void lab_lock_stats_reset(struct lab_lock *l)
{
	struct lab_stat_table *t =
		atomic_load_explicit(&l->stats, memory_order_acquire);

	if (!t)
		return;
	atomic_store(&t->untracked, 0);
	for (int i = 0; i < LAB_LOCK_MAX_THREADS; i++) {
		struct lab_stat_slot *s = atomic_load(&t->slot[i]);

		if (!s)
			continue;
		s->acq = s->contended = s->handoffs = s->trylock_fail = 0;
		s->read_acq = s->read_contended = 0;
		lab_hist_init(&s->wait);
		lab_hist_init(&s->hold);
		lab_hist_init(&s->read_hold);
	}
}

/* Merge @src (TSC ticks) into @dst (ns), bucket by bucket. */
static void merge_ns(struct lab_hist *dst, const struct lab_hist *src,
		     double tpn)
{
	if (!src->count)
		return;
	for (unsigned int b = 0; b < LAB_HIST_BUCKETS; b++) {
		uint64_t c = src->bucket[b], lo, hi, mid;

		if (!c)
			continue;
		lo = lab_hist_bucket_lo(b);
		hi = lab_hist_bucket_hi(b);
		mid = (uint64_t)(((double)lo + (double)(hi - lo) / 2.0) / tpn);
		dst->bucket[lab_hist_index(mid)] += c;
	}
	dst->count += src->count;
	{
		uint64_t s = (uint64_t)((double)src->sum / tpn);

		dst->sum = dst->sum + s < dst->sum ? UINT64_MAX : dst->sum + s;
	}
	if ((uint64_t)((double)src->min / tpn) < dst->min)
		dst->min = (uint64_t)((double)src->min / tpn);
	if ((uint64_t)((double)src->max / tpn) > dst->max)
		dst->max = (uint64_t)((double)src->max / tpn);
}

void lab_lock_stats_read(const struct lab_lock *l, struct lab_lock_stats *out)
{
	struct lab_stat_table *t =
		atomic_load_explicit(&l->stats, memory_order_acquire);
	double tpn = lab_lock_ticks_per_ns();
	unsigned int n = 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->label, sizeof(out->label), "%s", l->label);
	snprintf(out->name, sizeof(out->name), "%s", l->ops->info.name);
	lab_hist_init(&out->wait);
	lab_hist_init(&out->hold);
	lab_hist_init(&out->read_hold);
	if (t) {
		out->untracked = atomic_load(&t->untracked);
		for (int i = 0; i < LAB_LOCK_MAX_THREADS; i++) {
			const struct lab_stat_slot *s = atomic_load_explicit(
				&t->slot[i], memory_order_acquire);

			if (!s)
				continue;
			out->acquisitions += s->acq;
			out->contended += s->contended;
			out->handoffs += s->handoffs;
			out->trylock_fail += s->trylock_fail;
			out->read_acquisitions += s->read_acq;
			out->read_contended += s->read_contended;
			merge_ns(&out->wait, &s->wait, tpn);
			merge_ns(&out->hold, &s->hold, tpn);
			merge_ns(&out->read_hold, &s->read_hold, tpn);
			/* A slot exists from a thread's first attempt, so
			 * a starved waiter counts as 0, not as absent. */
			out->thread_acq[n++] = s->acq + s->read_acq;
		}
	}
	out->nthreads = n;
	lab_fairness_compute(out->thread_acq, n, &out->fairness);
}

void lab_lock_stats_print_header(FILE *f)
{
	fprintf(f,
		"%-16s %-10s %12s %11s %6s %11s %9s %12s %9s %9s %11s %13s "
		"%9s %9s %11s %6s %8s\n",
		"label", "lock", "acquisitions", "contended", "con%",
		"handoffs", "tryfail", "reads", "wait-p50", "wait-p99",
		"wait-max", "wait-total", "hold-p50", "hold-p99", "hold-max",
		"jain", "max/min");
}

void lab_lock_stats_print_row(const struct lab_lock_stats *s, FILE *f)
{
	uint64_t all = s->acquisitions + s->read_acquisitions;
	uint64_t con = s->contended + s->read_contended;

	fprintf(f,
		"%-16s %-10s %12llu %11llu %6.2f %11llu %9llu %12llu %9llu "
		"%9llu %11llu %13llu %9llu %9llu %11llu %6.3f %8.2f\n",
		s->label, s->name, (unsigned long long)s->acquisitions,
		(unsigned long long)con,
		all ? 100.0 * (double)con / (double)all : 0.0,
		(unsigned long long)s->handoffs,
		(unsigned long long)s->trylock_fail,
		(unsigned long long)s->read_acquisitions,
		(unsigned long long)lab_hist_quantile(&s->wait, 0.5),
		(unsigned long long)lab_hist_quantile(&s->wait, 0.99),
		(unsigned long long)(s->wait.count ? s->wait.max : 0),
		(unsigned long long)s->wait.sum,
		(unsigned long long)lab_hist_quantile(&s->hold, 0.5),
		(unsigned long long)lab_hist_quantile(&s->hold, 0.99),
		(unsigned long long)(s->hold.count ? s->hold.max : 0),
		s->fairness.jain, s->fairness.max_over_min);
}

int lab_lock_stats_print(const struct lab_lock *l, FILE *f, bool header)
{
	struct lab_lock_stats *s = malloc(sizeof(*s));

	if (!s)
		return -ENOMEM;
	lab_lock_stats_read(l, s);
	if (header)
		lab_lock_stats_print_header(f);
	lab_lock_stats_print_row(s, f);
	free(s);
	return ferror(f) ? -EIO : 0;
}

static void hist_json(struct lab_json *j, const char *key,
		      const struct lab_hist *h)
{
	lab_json_object_begin(j, key);
	lab_json_u64(j, "count", h->count);
	lab_json_u64(j, "p50_ns", lab_hist_quantile(h, 0.5));
	lab_json_u64(j, "p99_ns", lab_hist_quantile(h, 0.99));
	lab_json_u64(j, "max_ns", h->count ? h->max : 0);
	lab_json_u64(j, "total_ns", h->sum);
	lab_json_double(j, "mean_ns", lab_hist_mean(h));
	lab_json_object_end(j);
}

void lab_lock_stats_write_json(const struct lab_lock_stats *s,
			       struct lab_json *j, const char *key)
{
	lab_json_object_begin(j, key);
	lab_json_str(j, "label", s->label);
	lab_json_str(j, "lock", s->name);
	lab_json_u64(j, "acquisitions", s->acquisitions);
	lab_json_u64(j, "contended", s->contended);
	lab_json_u64(j, "handoffs", s->handoffs);
	lab_json_u64(j, "trylock_fail", s->trylock_fail);
	lab_json_u64(j, "read_acquisitions", s->read_acquisitions);
	lab_json_u64(j, "read_contended", s->read_contended);
	lab_json_u64(j, "untracked", s->untracked);
	hist_json(j, "wait", &s->wait);
	hist_json(j, "hold", &s->hold);
	hist_json(j, "read_hold", &s->read_hold);
	lab_json_array_begin(j, "thread_acquisitions");
	for (unsigned int i = 0; i < s->nthreads; i++)
		lab_json_u64(j, NULL, s->thread_acq[i]);
	lab_json_array_end(j);
	lab_json_object_begin(j, "fairness");
	lab_json_u64(j, "threads", s->fairness.n);
	lab_json_u64(j, "min", s->fairness.min);
	lab_json_u64(j, "max", s->fairness.max);
	lab_json_double(j, "max_over_min", s->fairness.max_over_min);
	lab_json_double(j, "jain", s->fairness.jain);
	lab_json_object_end(j);
	lab_json_object_end(j);
}

int lab_lock_stats_json(const struct lab_lock *l, struct lab_json *j,
			const char *key)
{
	struct lab_lock_stats *s = malloc(sizeof(*s));

	if (!s)
		return -ENOMEM;
	lab_lock_stats_read(l, s);
	lab_lock_stats_write_json(s, j, key);
	free(s);
	return 0;
}
