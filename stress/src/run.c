// SPDX-License-Identifier: MIT
/*
 * One run of the matrix: build the domain, prefill it, start the threads
 * together, warm up, measure, stop, check, drain, check again.
 *
 * Timeline (main thread M, workers W; the phases are lab_phaser_run's,
 * iovalab/harness/phase.h):
 *   M: create domain, prefill, init workers     W: bind, thread_init
 *   ----------------------- barrier "ready" -----------------------
 *   M: warmup, snapshot counters, phase=MEASURE  W: step, step, ...
 *   M: duration, phase=STOP                      W: see STOP, stop
 *   ---------------------- barrier "stopped" ----------------------
 *   M: end snapshots; held-range check (no thread runs)
 *   ---------------------- barrier "checked" ----------------------
 *   W: free everything held, exit; M: join, domain checks, flush, recheck
 *
 * Workers count and time only while they see MEASURE, so warmup traffic
 * shapes the domain and the caches but never the figures.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "iovalab/fault.h"
#include "iovalab/harness/think.h"
#include "iovalab/lock.h"
#include "iovalab/outfile.h"
#include "iovalab/scenario.h"
#include "lockset.h"
#include "run.h"
#include "run_check.h"
#include "workload.h"

const char *const unmap_mode_names[] = { "none", "strict", "lazy", NULL };

/*
 * Until STOP: one step after another, counted once MEASURE is seen.
 * Closed loop: think time between steps. Open loop (--rate): each step
 * waits for its slot in the thread's schedule (lab_wait_until_ns), and
 * its latency counts from that slot, so a stall shows in the tail.
 */
static void worker_loop(struct worker *w)
{
	struct run *r = w->run;
	const struct workload *wl = r->cfg->wl;
	uint64_t think_ns = r->opt->think_ns;
	/* stagger the schedules so threads do not start ops in lockstep */
	uint64_t next = lab_now_ns() + r->interval_ns * w->id / r->n;
	enum lab_phase seen = LAB_PHASE_WARMUP;

	for (;;) {
		enum lab_phase ph = lab_phaser_phase(&r->phaser);

		if (ph != seen) {
			if (ph == LAB_PHASE_STOP)
				break;
			w->measuring = true;
			seen = ph;
		}
		if (r->interval_ns) {
			if (!lab_wait_until_ns(next, &r->phaser))
				break;
			w->intended = next;
			if (wl->step(w))
				next += r->interval_ns;
		} else if (wl->step(w)) {
			lab_think_ns(think_ns);
		}
	}
	w->measuring = false;
	w->intended = 0;
	w->stopped_ns = lab_now_ns();
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->run;
	const struct workload *wl = r->cfg->wl;
	bool inited = false;
	int ret;

	lab_lock_thread_online();
	/* open loop: sleeps must end on time, not up to 50 us late */
	if (r->interval_ns)
		prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	w->pin_err = lab_pin_apply(r->topo, &w->pin);
	if (w->pin_err)
		w_error(w, "thread %u: cannot bind to PU L#%u: %s", w->id,
			w->pin.logical, strerror(-w->pin_err));
	if (!w->error[0]) {
		ret = wl->thread_init(w);
		if (ret)
			w_error(w, "thread %u: workload init: %s", w->id,
				strerror(-ret));
		else
			inited = true;
	}
	lab_phaser_arrive(&r->phaser);
	if (inited)
		worker_loop(w);
	lab_barrier_wait(&r->stopped);
	lab_barrier_wait(&r->checked);
	if (inited) {
		wl->drain(w);
		wl->thread_fini(w);
	}
	lab_lock_thread_offline();
	return NULL;
}

/* The fairness counters of issue 11: lines, tree node churn, bytes. */
static void tree_counters(struct run_result *res, const struct iova_stats *a,
			  const struct iova_stats *b)
{
	uint64_t ops = (b->allocs + b->alloc_failures + b->frees) -
		       (a->allocs + a->alloc_failures + a->frees);

	if (b->searches > a->searches)
		res->lines_mean = (double)(b->lines_total - a->lines_total) /
				  (double)(b->searches - a->searches);
	if (ops) {
		res->node_allocs_per_op =
			(double)(b->node_allocs - a->node_allocs) / ops;
		res->node_frees_per_op =
			(double)(b->node_frees - a->node_frees) / ops;
	}
	if (b->live)
		res->bytes_per_range = (double)b->slab_bytes / (double)b->live;
}

/* ---- the run ---- */

/* ---- the timed phases' hooks (iovalab/harness/phase.h) ---- */

struct phase_ctx {
	struct run *r;
	struct lock_set *locks;
	struct iovad_rcache_stats *rs0;
	struct iova_stats *ts0;
	uint64_t last_ops; /* progress: measured ops at the previous tick */
};

/* The threads are released: measure only if every one set up. */
static bool phase_released(void *arg)
{
	struct phase_ctx *c = arg;

	for (unsigned int i = 0; i < c->r->n; i++)
		if (c->r->w[i].error[0])
			return false;
	return true;
}

/* Counters and lock statistics start with the measured phase. */
static void phase_measure_begin(void *arg)
{
	struct phase_ctx *c = arg;

	iovad_tree_stats(c->r->d, c->ts0);
	iovad_rcache_stats(c->r->d, c->rs0);
	if (c->r->opt->lockstat)
		lock_set_enable(c->locks, true);
}

static void phase_measure_end(void *arg)
{
	struct phase_ctx *c = arg;

	if (c->r->opt->lockstat)
		lock_set_enable(c->locks, false);
}

/* A progress line per second (not with --quiet). */
static void phase_tick(void *arg, const char *what, double done, double total,
		       double since)
{
	struct phase_ctx *c = arg;
	const struct run_cfg *g = c->r->cfg;
	uint64_t ops = lab_counter_sum_strided(&c->r->w[0].pub_ops, c->r->n,
					       sizeof(c->r->w[0]));

	fprintf(stderr,
		"iova-stress: [%u/%u] %s/%s/%s rcache=%s threads=%u: %s "
		"%.0f/%.0f s",
		g->index, g->total, iova_alg_name(g->alg), g->lock, g->wl->name,
		g->rcache ? "on" : "off", g->threads, what, done, total);
	if (since > 0)
		fprintf(stderr, ", %.3g ops/s",
			(double)(ops - c->last_ops) / since);
	fputc('\n', stderr);
	c->last_ops = ops;
}

static int create_domain(const struct run_cfg *cfg, const struct options *o,
			 struct iovad **out)
{
	struct iovad_attr a;

	run_domain_attr(cfg, o, &a);
	/* workers free only what they allocated: measure the kernel's path */
	a.trust_fast_free = true;
	a.tree_hold_ns = cfg->tree_hold_ns;
	a.trim_period_ns = o->trim_ms * 1000000ull;
	return run_domain_create("iova-stress", cfg, &a, out);
}

static int setup_workers(struct run *r, struct run_result *res)
{
	const struct options *o = r->opt;

	r->w = aligned_alloc(LAB_CACHELINE, sizeof(*r->w) * r->n);
	res->per_thread_ops = calloc(r->n, sizeof(uint64_t));
	res->per_thread_pu = calloc(r->n, sizeof(int));
	if (!r->w || !res->per_thread_ops || !res->per_thread_pu)
		return -ENOMEM;
	memset(r->w, 0, sizeof(*r->w) * r->n);
	for (unsigned int i = 0; i < r->n; i++) {
		struct worker *w = &r->w[i];

		w->run = r;
		w->d = r->d;
		w->id = i;
		atomic_init(&w->pub_ops.v, 0);
		/* stream i + 1: the prefill uses the seed itself */
		lab_prng_seed(&w->rng, o->seed ^ (0x9e3779b97f4a7c15ull *
						  (uint64_t)(i + 1)));
		w->hist = malloc(sizeof(*w->hist) * OP_NR);
		if (!w->hist)
			return -ENOMEM;
		for (int t = 0; t < OP_NR; t++)
			lab_hist_init(&w->hist[t]);
		lab_pin_plan(r->topo, o->pin, i, &w->pin);
		res->per_thread_pu[i] = lab_pin_os_cpu(&w->pin);
	}
	return 0;
}

static void collect(struct run *r, struct run_result *res)
{
	uint64_t *ops = res->per_thread_ops;

	for (int t = 0; t <= OP_NR; t++)
		lab_hist_init(&res->lat[t]);
	for (unsigned int i = 0; i < r->n; i++) {
		struct worker *w = &r->w[i];

		ops[i] = w->ops;
		res->ops += w->ops;
		res->alloc_failures += w->alloc_failures;
		for (int k = 0; k < WL_COUNTERS; k++)
			res->wl_count[k] += w->wl_count[k];
		for (int t = 0; t < OP_NR; t++) {
			lab_hist_merge(&res->lat[t], &w->hist[t]);
			lab_hist_merge(&res->lat[OP_NR], &w->hist[t]);
		}
	}
	lab_fairness_compute(ops, r->n, &res->fairness);
	res->ops_per_sec =
		res->duration_s > 0 ? (double)res->ops / res->duration_s : 0.0;
}

int run_execute(const struct run_cfg *cfg, const struct options *o,
		struct lab_topo *topo, struct run_result *res)
{
	struct run r = { .cfg = cfg, .opt = o, .topo = topo, .n = cfg->threads };
	struct iovad_rcache_stats rs0 = { 0 }, rs1 = { 0 };
	struct iova_stats ts0 = { 0 }, ts1 = { 0 };
	struct lock_set locks = { 0 };
	struct phase_ctx pc = {
		.r = &r, .locks = &locks, .rs0 = &rs0, .ts0 = &ts0
	};
	struct lab_phase_hooks hooks = { .released = phase_released,
					 .measure_begin = phase_measure_begin,
					 .measure_end = phase_measure_end,
					 .tick = o->quiet ? NULL : phase_tick,
					 .arg = &pc };
	unsigned long base_live;
	unsigned int created = 0;
	uint64_t tm0, tm1;
	bool failed;
	int ret;

	run_result_start(res, cfg, topo);
	res->warmup_s = o->warmup_s;
	res->rate = o->rate;

	ret = create_domain(cfg, o, &r.d);
	if (ret)
		return ret;
	if (o->unmap == UNMAP_LAZY) {
		struct iovad_fq_attr fa;

		iovad_fq_attr_init(&fa);
		fa.flush_ns = o->iotlb_flush_ns;
		r.fq = iovad_fq_create(r.d, &fa);
		if (!r.fq) {
			ret = -errno;
			fprintf(stderr, "iova-stress: flush queue: %s\n",
				strerror(errno));
			goto out_domain;
		}
		res->lazy = true;
	}
	if (o->lockstat) {
		/* allocate and calibrate now, not at the start of measuring */
		ret = lock_set_prepare(&locks, r.d);
		if (ret) {
			fprintf(stderr, "iova-stress: lock statistics: %s\n",
				strerror(-ret));
			goto out_domain;
		}
	}
	ret = run_prefill("iova-stress", r.d, cfg,
			  cfg->prefill ? cfg->prefill :
					 cfg->wl->default_prefill,
			  o->seed);
	if (ret)
		goto out_domain;
	ret = setup_workers(&r, res);
	if (!ret && cfg->wl->init)
		ret = cfg->wl->init(&r);
	if (ret) {
		fprintf(stderr, "iova-stress: run setup: %s\n", strerror(-ret));
		goto out_workers;
	}
	/* what the workload's own setup placed counts as prefill too */
	iovad_tree_stats(r.d, &ts0);
	base_live = ts0.live;
	res->prefill_ranges = base_live;
	if (o->rate > 0)
		r.interval_ns = (uint64_t)(1e9 * cfg->threads / o->rate);
	if (r.interval_ns == 0 && o->rate > 0)
		r.interval_ns = 1;
	lab_phaser_init(&r.phaser, r.n);
	lab_barrier_init(&r.stopped, r.n + 1);
	lab_barrier_init(&r.checked, r.n + 1);
	for (; created < r.n; created++) {
		ret = lab_fault_pthread_create(&r.w[created].tid, NULL,
					       worker_main, &r.w[created]);
		if (ret) {
			fprintf(stderr,
				"iova-stress: cannot create thread "
				"%u of %u: %s\n",
				created, r.n, strerror(ret));
			ret = -ret;
			break;
		}
	}
	if (created < r.n) {
		/* let the threads that exist through without the others */
		lab_phaser_set_workers(&r.phaser, created);
		lab_barrier_set_parties(&r.stopped, created + 1);
		lab_barrier_set_parties(&r.checked, created + 1);
		snprintf(r.w[created].error, sizeof(r.w[created].error),
			 "could not create thread %u of %u", created, r.n);
	}
	ret = sampler_start(&res->series, r.d, r.fq, STRESS_GRANULE,
			    o->sample_ms);
	if (ret)
		check_fail(res, "time series: cannot start its thread: %s",
			   strerror(-ret));
	/* a SIGINT/SIGTERM cuts a phase short: main drops the run */
	failed = lab_phaser_run(&r.phaser, o->warmup_s, o->duration_s,
				&hooks) == -ECANCELED;
	tm1 = r.phaser.t_stop;
	tm0 = failed ? tm1 : r.phaser.t_measure;
	lab_barrier_wait(&r.stopped);
	sampler_stop(&res->series);
	if (res->series.t0 && tm0 > res->series.t0)
		res->measure_start_s = (double)(tm0 - res->series.t0) / 1e9;
	iovad_tree_stats(r.d, &ts1);
	iovad_rcache_stats(r.d, &rs1);
	if (r.fq) {
		struct iovad_fq_stats fs;

		iovad_fq_stats(r.fq, &fs);
		res->fq_pending_at_stop = fs.pending;
	}
	check_held(&r, res);
	lab_barrier_wait(&r.checked);
	for (unsigned int i = 0; i < created; i++)
		pthread_join(r.w[i].tid, NULL);
	/*
	 * An operation that started before STOP is counted, so the measured
	 * window ends when the last thread finished its last one (this
	 * matters when single operations take a good part of a second).
	 */
	for (unsigned int i = 0; !failed && i < r.n; i++)
		if (r.w[i].stopped_ns > tm1)
			tm1 = r.w[i].stopped_ns;
	res->duration_s = (double)(tm1 - tm0) / 1e9;
	collect(&r, res);
	if (ts1.searches > ts0.searches) {
		res->searches = ts1.searches - ts0.searches;
		res->nodes_mean =
			(double)(ts1.visited_total - ts0.visited_total) /
			(double)res->searches;
	}
	res->nodes_max = ts1.visited_max;
	tree_counters(res, &ts0, &ts1);
	rcache_delta(&res->rc, &rs0, &rs1);
	if (o->lockstat && lock_set_read(&locks, res))
		check_fail(res, "out of memory reading lock statistics");
	if (r.fq)
		check_fq(&r, res);
	check_final(&r, res, base_live);
	ret = 0;
	lab_phaser_destroy(&r.phaser);
	lab_barrier_destroy(&r.stopped);
	lab_barrier_destroy(&r.checked);
out_workers:
	if (cfg->wl->fini)
		cfg->wl->fini(&r);
	for (unsigned int i = 0; r.w && i < r.n; i++)
		free(r.w[i].hist);
	free(r.w);
out_domain:
	lock_set_free(&locks);
	iovad_fq_destroy(r.fq);
	iovad_destroy(r.d);
	return ret;
}

void run_result_free(struct run_result *res)
{
	sampler_free(&res->series);
	free(res->per_thread_ops);
	free(res->per_thread_pu);
	for (int i = 0; i < LOCK_ROLES; i++)
		free(res->locks[i]);
	memset(res, 0, sizeof(*res));
}
