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
#include <stdarg.h>
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

/* ---- lock statistics (lockset.h: iova-trace replay uses them too) ---- */

int lock_set_init(struct lock_set *s, struct iovad *d)
{
	unsigned int slots = iovad_nr_cpu_slots(d);
	unsigned int n = 1 + IOVAD_NR_CLASSES * (1 + slots), k = 0;

	s->l = calloc(n, sizeof(*s->l));
	s->role = calloc(n, sizeof(*s->role));
	if (!s->l || !s->role)
		return -ENOMEM;
	s->l[k] = iovad_tree_lock(d);
	s->role[k++] = LOCK_TREE;
	for (unsigned int c = 0; c < IOVAD_NR_CLASSES; c++) {
		s->l[k] = iovad_depot_lock(d, c);
		s->role[k++] = LOCK_DEPOT;
		for (unsigned int cpu = 0; cpu < slots; cpu++) {
			s->l[k] = iovad_cpu_lock(d, cpu, c);
			s->role[k++] = LOCK_CPU;
		}
	}
	s->n = k;
	return 0;
}

void lock_set_free(struct lock_set *s)
{
	free(s->l);
	free(s->role);
}

int lock_set_enable(struct lock_set *s, bool on)
{
	for (unsigned int i = 0; i < s->n; i++) {
		int ret;

		if (!s->l[i])
			continue;
		ret = lab_lock_stats_enable(s->l[i], on);
		if (ret)
			return ret;
	}
	return 0;
}

int lock_set_prepare(struct lock_set *s, struct iovad *d)
{
	int ret = lock_set_init(s, d);

	if (!ret)
		ret = lock_set_enable(s, true);
	if (!ret)
		ret = lock_set_enable(s, false);
	for (unsigned int i = 0; !ret && i < s->n; i++)
		if (s->l[i])
			lab_lock_stats_reset(s->l[i]);
	return ret;
}

/*
 * Sum @src into @dst. Per-thread acquisition lists are per instance (slot
 * order is the lock's own), so a merged role keeps none; its fairness is
 * that of its least fair busy instance (lowest Jain's index).
 */
static void stats_merge(struct lab_lock_stats *dst,
			const struct lab_lock_stats *src, bool first)
{
	dst->acquisitions += src->acquisitions;
	dst->contended += src->contended;
	dst->handoffs += src->handoffs;
	dst->trylock_fail += src->trylock_fail;
	dst->read_acquisitions += src->read_acquisitions;
	dst->read_contended += src->read_contended;
	dst->untracked += src->untracked;
	lab_hist_merge(&dst->wait, &src->wait);
	lab_hist_merge(&dst->hold, &src->hold);
	lab_hist_merge(&dst->read_hold, &src->read_hold);
	if (first ||
	    (src->fairness.n > 1 &&
	     (dst->fairness.n <= 1 || src->fairness.jain < dst->fairness.jain)))
		dst->fairness = src->fairness;
}

/* Read every lock, merged per role (tree, depot, cpu). */
int lock_set_read(struct lock_set *s, struct run_result *res)
{
	static const char *const label[LOCK_ROLES] = { "tree", "depot", "cpu" };
	struct lab_lock_stats *tmp = malloc(sizeof(*tmp));

	if (!tmp)
		return -ENOMEM;
	for (int role = 0; role < LOCK_ROLES; role++) {
		struct lab_lock_stats *m = calloc(1, sizeof(*m));

		if (!m) {
			free(tmp);
			return -ENOMEM;
		}
		lab_hist_init(&m->wait);
		lab_hist_init(&m->hold);
		lab_hist_init(&m->read_hold);
		snprintf(m->label, sizeof(m->label), "%s", label[role]);
		res->locks[role] = m;
	}
	for (unsigned int i = 0; i < s->n; i++) {
		struct lab_lock_stats *m = res->locks[s->role[i]];
		bool first;

		if (!s->l[i])
			continue;
		lab_lock_stats_read(s->l[i], tmp);
		first = !res->lock_instances[s->role[i]]++;
		if (first) {
			/* a single instance keeps its per-thread list */
			snprintf(m->name, sizeof(m->name), "%s", tmp->name);
			m->nthreads = tmp->nthreads;
			memcpy(m->thread_acq, tmp->thread_acq,
			       sizeof(m->thread_acq));
		} else {
			m->nthreads = 0;
		}
		stats_merge(m, tmp, first);
	}
	free(tmp);
	return 0;
}

/* ---- checks ---- */

void check_fail(struct run_result *res, const char *fmt, ...)
{
	size_t len = strcmp(res->check, "ok") ? strlen(res->check) : 0;
	va_list ap;

	if (len >= sizeof(res->check) - 8)
		return; /* already full of failures */
	if (len) {
		snprintf(res->check + len, sizeof(res->check) - len, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(res->check + len, sizeof(res->check) - len, fmt, ap);
	va_end(ap);
}

struct held {
	unsigned long pfn, size;
	unsigned int owner;
};

struct held_vec {
	struct held *v;
	size_t n, cap;
	unsigned int owner;
	bool oom;
};

static void held_collect(void *arg, unsigned long pfn, unsigned long size)
{
	struct held_vec *hv = arg;

	if (hv->n == hv->cap) {
		size_t cap = hv->cap ? 2 * hv->cap : 4096;
		struct held *v = realloc(hv->v, cap * sizeof(*v));

		if (!v) {
			hv->oom = true;
			return;
		}
		hv->v = v;
		hv->cap = cap;
	}
	hv->v[hv->n++] = (struct held){ pfn, size, hv->owner };
}

static int held_cmp(const void *pa, const void *pb)
{
	const struct held *a = pa, *b = pb;

	return a->pfn < b->pfn ? -1 : a->pfn > b->pfn;
}

/*
 * With every thread stopped: what the threads hold must be disjoint (no
 * range handed out twice), each exactly a live tree range, and as many as
 * they allocated minus what they freed (nothing lost in the driver).
 */
static void check_held(struct run *r, struct run_result *res)
{
	struct held_vec hv = { 0 };
	uint64_t allocs = 0, frees = 0;

	for (unsigned int i = 0; i < r->n; i++) {
		struct worker *w = &r->w[i];

		allocs += w->total_allocs;
		frees += w->total_frees;
		if (!w->wl)
			continue;
		hv.owner = i;
		r->cfg->wl->for_each_held(w, held_collect, &hv);
	}
	if (hv.oom) {
		check_fail(res, "out of memory collecting held ranges");
		goto out;
	}
	if (allocs - frees != hv.n)
		check_fail(res,
			   "threads allocated %" PRIu64 " and freed %" PRIu64
			   " ranges but hold %zu",
			   allocs, frees, hv.n);
	if (hv.n)
		qsort(hv.v, hv.n, sizeof(*hv.v), held_cmp);
	for (size_t i = 0; i < hv.n; i++) {
		struct held *h = &hv.v[i];
		unsigned long lo = 0, hi = 0;

		if (i + 1 < hv.n && h->pfn + h->size > hv.v[i + 1].pfn) {
			check_fail(res,
				   "handed out twice: [%lu, %lu] (thread %u) "
				   "overlaps [%lu, %lu] (thread %u)",
				   h->pfn, h->pfn + h->size - 1, h->owner,
				   hv.v[i + 1].pfn,
				   hv.v[i + 1].pfn + hv.v[i + 1].size - 1,
				   hv.v[i + 1].owner);
			break;
		}
		if (!iovad_find_iova(r->d, h->pfn, &lo, &hi) || lo != h->pfn ||
		    hi != h->pfn + h->size - 1) {
			check_fail(res,
				   "held range [%lu, %lu] (thread %u) is not "
				   "a live tree range",
				   h->pfn, h->pfn + h->size - 1, h->owner);
			break;
		}
	}
out:
	free(hv.v);
}

static uint64_t sum_cached(const struct iovad_rcache_stats *s)
{
	uint64_t n = 0;

	for (int c = 0; c < IOVAD_NR_CLASSES; c++)
		n += s->cached[c];
	return n;
}

/*
 * After the drain: the tree and cache invariants, counts that balance,
 * and, once the caches are flushed, the tree back at exactly the prefill
 * (every range allocated was freed: live, cached, or back in the tree).
 */
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

static void check_final(struct run *r, struct run_result *res,
			unsigned long base_live)
{
	struct iovad_rcache_stats rs;
	struct iova_stats ts;
	uint64_t allocs = 0, frees = 0;
	char msg[256];

	for (unsigned int i = 0; i < r->n; i++) {
		allocs += r->w[i].total_allocs;
		frees += r->w[i].total_frees;
		if (r->w[i].error[0])
			check_fail(res, "%s", r->w[i].error);
	}
	if (allocs != frees)
		check_fail(res,
			   "conservation: %" PRIu64 " allocated, %" PRIu64
			   " freed after the drain",
			   allocs, frees);
	/*
	 * Under every lock: tree invariants, and each cached pfn a live range
	 * of its class, none twice, counters matching the magazines. (Tree
	 * and cache counters read separately here could straddle a trim.)
	 */
	if (iovad_check(r->d, msg, sizeof(msg)))
		check_fail(res, "domain check: %s", msg);
	/*
	 * The flush takes each depot lock, so no trim is half done after it
	 * and the depots stay empty: the counts below are exact.
	 */
	iovad_rcache_flush(r->d);
	iovad_rcache_stats(r->d, &rs);
	iovad_tree_stats(r->d, &ts);
	if (sum_cached(&rs) || ts.live != base_live)
		check_fail(res,
			   "conservation after flush: tree %" PRIu64
			   " ranges (prefill %lu), %" PRIu64 " still cached",
			   ts.live, base_live, sum_cached(&rs));
	if (iovad_check(r->d, msg, sizeof(msg)))
		check_fail(res, "domain check after flush: %s", msg);
}

/*
 * Lazy unmap, after the threads' own drain queued what they held: drain
 * the flush queues (end of run) and account for every queued range:
 * each unmap the threads made was queued once and freed once.
 */
static void check_fq(struct run *r, struct run_result *res)
{
	struct iovad_fq_stats *fs = &res->fq;
	uint64_t frees = 0;

	for (unsigned int i = 0; i < r->n; i++)
		frees += r->w[i].total_frees;
	res->fq_drained = iovad_fq_drain(r->fq);
	iovad_fq_stats(r->fq, fs);
	if (fs->queued != frees || fs->freed != fs->queued || fs->pending ||
	    fs->refused)
		check_fail(res,
			   "flush queue: threads unmapped %" PRIu64
			   ", queued %" PRIu64 ", freed %" PRIu64
			   ", refused %" PRIu64 ", still queued %" PRIu64,
			   frees, fs->queued, fs->freed, fs->refused,
			   fs->pending);
}

/* ---- the run ---- */

void rcache_delta(struct iovad_rcache_stats *d,
		  const struct iovad_rcache_stats *a,
		  const struct iovad_rcache_stats *b)
{
	/* counters: b - a; state (cached, depot_mags, mags, bytes): b */
	*d = *b;
	for (int c = 0; c < IOVAD_NR_CLASSES; c++) {
		d->hits[c] = b->hits[c] - a->hits[c];
		d->misses[c] = b->misses[c] - a->misses[c];
		d->frees_cached[c] = b->frees_cached[c] - a->frees_cached[c];
		d->frees_uncached[c] =
			b->frees_uncached[c] - a->frees_uncached[c];
		d->depot_pushes[c] = b->depot_pushes[c] - a->depot_pushes[c];
		d->depot_pops[c] = b->depot_pops[c] - a->depot_pops[c];
		d->trims[c] = b->trims[c] - a->trims[c];
	}
	d->bypass_allocs = b->bypass_allocs - a->bypass_allocs;
	d->bypass_frees = b->bypass_frees - a->bypass_frees;
	d->alloc_failures = b->alloc_failures - a->alloc_failures;
	d->flushes = b->flushes - a->flushes;
	d->flushed_ranges = b->flushed_ranges - a->flushed_ranges;
	d->trim_runs = b->trim_runs - a->trim_runs;
}

/* ---- the timed phases' hooks (iovalab/harness/phase.h) ---- */

struct phase_ctx {
	struct run *r;
	struct run_result *res;
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

	iovad_attr_init(&a);
	a.alg = cfg->alg;
	a.granule = STRESS_GRANULE;
	a.start_pfn = STRESS_START_PFN;
	a.tree_lock = cfg->lock;
	a.cpu_lock = cfg->cpu_lock;
	a.depot_lock = cfg->depot_lock;
	a.spin = o->spin;
	a.rcache = cfg->rcache;
	/* workers free only what they allocated: measure the kernel's path */
	a.trust_fast_free = true;
	a.tree_hold_ns = cfg->tree_hold_ns;
	a.trim_period_ns = o->trim_ms * 1000000ull;
	*out = iovad_create(&a);
	if (!*out) {
		fprintf(stderr,
			"iova-stress: cannot create the domain "
			"(%s, tree lock %s): %s\n",
			iova_alg_name(cfg->alg), cfg->lock, strerror(errno));
		return -errno;
	}
	return 0;
}

static int prefill(struct run *r, unsigned long n)
{
	struct iova_scen *s;
	int err = 0;

	if (!n)
		return 0;
	/* iovad_domain() is only for tree lock holders */
	lab_lock(iovad_tree_lock(r->d));
	s = iova_scen_create(iovad_domain(r->d), r->cfg->wl->population, n,
			     r->opt->seed);
	if (!s)
		err = errno;
	lab_unlock(iovad_tree_lock(r->d));
	if (!s) {
		fprintf(stderr,
			"iova-stress: prefill of %lu ranges (%s) "
			"failed: %s\n",
			n, iova_scenario_name(r->cfg->wl->population),
			strerror(err));
		return -err;
	}
	iova_scen_destroy(s);
	return 0;
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
		.r = &r, .res = res, .locks = &locks, .rs0 = &rs0, .ts0 = &ts0
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

	memset(res, 0, sizeof(*res));
	res->cfg = *cfg;
	snprintf(res->check, sizeof(res->check), "ok");
	res->oversubscribed = lab_topo_oversubscribed(topo, cfg->threads);
	res->smt_shared = lab_topo_smt_shared(topo, cfg->threads);
	res->warmup_s = o->warmup_s;
	res->rate = o->rate;
	res->bytes_per_node = iova_node_bytes(cfg->alg);
	res->slab_bytes_per_node = iova_slab_bytes(cfg->alg);

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
	ret = prefill(&r,
		      cfg->prefill ? cfg->prefill : cfg->wl->default_prefill);
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
