// SPDX-License-Identifier: MIT
/*
 * One replay run (replay.h): build the domain, deal the trace's CPUs to
 * pinned threads, replay every pass from a common start, drain, check.
 *
 *   M: domain, prefill, streams          T: bind
 *   for each pass:
 *     M: reset slots, t_start            --- barrier "go" ---
 *                                         T: replay own stream, end_ns
 *     ----------------- barrier "done" -----------------
 *     M: pass time, check live ranges, drain (untimed)
 *   M: join, domain checks, flush, recheck
 *
 * Every trace allocation has a slot: 0 until its thread replayed it, then
 * the pfn this run's allocator returned (SLOT_FAILED if none), SLOT_FREED
 * once freed. A free reads its allocation's slot (acquire) and, if that
 * allocation has not been replayed yet (it is on another thread), waits
 * for it, bounded by wait_ns. Pfns are thus remapped: the trace's pfns
 * only pair frees with allocations, so any algorithm can replay any trace.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "iovalab/clock.h"
#include "iovalab/fault.h"
#include "iovalab/harness/barrier.h"
#include "iovalab/harness/phase.h"
#include "iovalab/harness/topo.h"
#include "iovalab/hist.h"
#include "iovalab/lock.h"
#include "iovalab/scenario.h"
#include "lockset.h"
#include "replay.h"
#include "stress.h"
#include "workload.h"

#define SLOT_FAILED UINT64_MAX
#define SLOT_FREED (UINT64_MAX - 1)
/*
 * How long a free spins on its allocation's slot before yielding: the
 * allocating thread usually runs on another CPU and fills the slot within
 * microseconds, while a yield on a busy CPU can cost a whole round of the
 * scheduler (milliseconds). Past this, the allocator is likely not
 * running (oversubscribed: perhaps on this CPU), so yield to it. When
 * both threads are pinned to this CPU, spinning only delays it: yield at
 * once.
 */
#define WAIT_SPIN_NS 50000

struct rthread {
	struct rrun *run;
	unsigned int id;
	size_t *ev; /* indexes into the trace, time order */
	size_t n;
	struct lab_hist *hist; /* [OP_NR] */
	uint64_t ops;
	uint64_t alloc_failures;
	struct replay_counters c;
	uint64_t end_ns; /* this pass */
	int pin_err;
	struct lab_pin pin; /* planned by the main thread */
	pthread_t tid;
} __lab_cacheline_aligned;

struct rrun {
	const struct replay_cfg *rc;
	const struct trace *tr;
	struct iovad *d;
	struct lab_topo *topo;
	_Atomic uint64_t *slot; /* per trace event; allocs only */
	unsigned int *rank; /* trace CPU -> its rank among the trace's CPUs */
	struct rthread *t;
	unsigned int n;
	unsigned int passes_left;
	uint64_t t_start; /* this pass: written before "go" */
	struct lab_barrier go, done;
};

/*
 * The allocation's slot once replayed, or 0 after wait_ns without. @owner
 * is the thread that replays it.
 */
static uint64_t wait_slot(struct rthread *t, size_t a,
			  const struct rthread *owner)
{
	_Atomic uint64_t *s = &t->run->slot[a];
	uint64_t v = atomic_load_explicit(s, memory_order_acquire);
	uint64_t now, spin_until, deadline;

	if (v)
		return v;
	t->c.cross_waits++;
	now = lab_now_ns();
	spin_until = now + WAIT_SPIN_NS;
	if (t->pin.pinned && owner->pin.pinned && t->pin.os == owner->pin.os)
		spin_until = now;
	deadline = now + t->run->rc->wait_ns;
	for (unsigned int spin = 1;; spin++) {
		v = atomic_load_explicit(s, memory_order_acquire);
		if (v)
			return v;
		lab_cpu_relax();
		if (spin % 64)
			continue;
		now = lab_now_ns();
		if (now >= deadline) {
			t->c.wait_timeouts++;
			return 0;
		}
		if (now >= spin_until)
			sched_yield();
	}
}

static void replay_event(struct rthread *t, size_t i, uint64_t sched)
{
	struct rrun *r = t->run;
	const struct tev *e = &r->tr->ev[i];
	uint64_t t0, v;
	const struct tev *a;

	if (e->op == TEV_ALLOC) {
		unsigned long pfn;

		t0 = sched ? sched : lab_now_ns();
		pfn = alloc_iova_fast(r->d, e->size, e->limit, e->flush);
		lab_hist_record(&t->hist[OP_ALLOC], lab_now_ns() - t0);
		t->ops++;
		t->c.trace_failed_allocs += !e->pfn;
		if (!pfn)
			t->alloc_failures++;
		atomic_store_explicit(&r->slot[i], pfn ? pfn : SLOT_FAILED,
				      memory_order_release);
		return;
	}
	if (e->match != TFREE_OK) {
		t->c.skipped_bad_frees++;
		return;
	}
	a = &r->tr->ev[e->peer];
	if (r->rank[a->cpu] % r->n != r->rank[e->cpu] % r->n)
		t->c.cross_frees++;
	v = wait_slot(t, (size_t)e->peer, &r->t[r->rank[a->cpu] % r->n]);
	if (!v)
		return;
	if (v == SLOT_FAILED) {
		t->c.skipped_failed++;
		return;
	}
	t0 = sched ? sched : lab_now_ns();
	free_iova_fast(r->d, v, a->size);
	lab_hist_record(&t->hist[OP_FREE], lab_now_ns() - t0);
	t->ops++;
	atomic_store_explicit(&r->slot[e->peer], SLOT_FREED,
			      memory_order_relaxed);
}

static void replay_pass(struct rthread *t)
{
	struct rrun *r = t->run;
	double speed = r->rc->speed;

	for (size_t k = 0; k < t->n; k++) {
		size_t i = t->ev[k];
		uint64_t sched = 0;

		if (speed > 0) {
			uint64_t now;

			sched = r->t_start +
				(uint64_t)((double)r->tr->ev[i].t / speed);
			lab_wait_until_ns(sched, NULL);
			now = lab_now_ns();
			if (now - sched > t->c.late_ns_max)
				t->c.late_ns_max = now - sched;
		}
		replay_event(t, i, sched);
	}
	t->c.events += t->n;
	t->end_ns = lab_now_ns();
}

static void *thread_main(void *arg)
{
	struct rthread *t = arg;
	struct rrun *r = t->run;

	lab_lock_thread_online();
	if (r->rc->speed > 0)
		prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	t->pin_err = lab_pin_apply(r->topo, &t->pin);
	for (;;) {
		lab_barrier_wait(&r->go);
		if (!r->passes_left)
			break;
		replay_pass(t);
		lab_barrier_wait(&r->done);
	}
	lab_lock_thread_offline();
	return NULL;
}

/* Deal trace CPUs to threads; each thread's events stay in time order. */
static int build_streams(struct rrun *r)
{
	const struct trace *tr = r->tr;
	unsigned int *rank = calloc(tr->max_cpu + 1, sizeof(*rank));
	unsigned int k = 0;

	if (!rank)
		return -ENOMEM;
	r->rank = rank;
	for (size_t i = 0; i < tr->n; i++)
		rank[tr->ev[i].cpu] = 1;
	for (uint32_t c = 0; c <= tr->max_cpu; c++)
		if (rank[c])
			rank[c] = k++;
	for (size_t i = 0; i < tr->n; i++)
		r->t[rank[tr->ev[i].cpu] % r->n].n++;
	for (unsigned int j = 0; j < r->n; j++) {
		r->t[j].ev =
			malloc((r->t[j].n ? r->t[j].n : 1) * sizeof(size_t));
		if (!r->t[j].ev)
			return -ENOMEM;
		r->t[j].n = 0;
	}
	for (size_t i = 0; i < tr->n; i++) {
		struct rthread *t = &r->t[rank[tr->ev[i].cpu] % r->n];

		t->ev[t->n++] = i;
	}
	return 0;
}

struct live {
	unsigned long pfn, size;
};

static int live_cmp(const void *pa, const void *pb)
{
	const struct live *a = pa, *b = pb;

	return a->pfn < b->pfn ? -1 : a->pfn > b->pfn;
}

/*
 * After a pass, threads waiting: the ranges still live must be disjoint
 * (none handed out twice) and each exactly a live tree range; then free
 * them (untimed) so the next pass starts from the prefill again.
 */
static void check_and_drain(struct rrun *r, struct run_result *res,
			    struct replay_counters *cnt)
{
	const struct trace *tr = r->tr;
	struct live *lv = malloc((tr->allocs ? tr->allocs : 1) * sizeof(*lv));
	size_t n = 0;

	if (!lv) {
		check_fail(res, "out of memory checking live ranges");
		return;
	}
	for (size_t i = 0; i < tr->n; i++) {
		uint64_t v =
			atomic_load_explicit(&r->slot[i], memory_order_relaxed);

		if (tr->ev[i].op != TEV_ALLOC)
			continue;
		if (!v)
			check_fail(res, "trace event %zu was never replayed",
				   i);
		else if (v != SLOT_FAILED && v != SLOT_FREED)
			lv[n++] = (struct live){ v, stress_round_size(
							    tr->ev[i].size) };
	}
	qsort(lv, n, sizeof(*lv), live_cmp);
	for (size_t i = 0; i < n; i++) {
		unsigned long lo = 0, hi = 0;

		if (i + 1 < n && lv[i].pfn + lv[i].size > lv[i + 1].pfn) {
			check_fail(res, "handed out twice: [%lu, +%lu] and %lu",
				   lv[i].pfn, lv[i].size, lv[i + 1].pfn);
			break;
		}
		if (!iovad_find_iova(r->d, lv[i].pfn, &lo, &hi) ||
		    lo != lv[i].pfn || hi != lv[i].pfn + lv[i].size - 1) {
			check_fail(res,
				   "live range [%lu, +%lu] not in the tree",
				   lv[i].pfn, lv[i].size);
			break;
		}
	}
	for (size_t i = 0; i < tr->n; i++) {
		uint64_t v =
			atomic_load_explicit(&r->slot[i], memory_order_relaxed);

		if (tr->ev[i].op == TEV_ALLOC && v && v != SLOT_FAILED &&
		    v != SLOT_FREED) {
			free_iova_fast(r->d, v, tr->ev[i].size);
			cnt->drained++;
		}
		atomic_store_explicit(&r->slot[i], 0, memory_order_relaxed);
	}
	free(lv);
}

static void check_final(struct rrun *r, struct run_result *res,
			unsigned long base_live)
{
	for (unsigned int i = 0; i < r->n; i++)
		if (r->t[i].pin_err)
			check_fail(res, "thread %u: cannot bind to PU L#%u: %s",
				   i, r->t[i].pin.logical,
				   strerror(-r->t[i].pin_err));
	check_domain(r->d, res, base_live);
}

static int create_domain(const struct replay_cfg *rc, const struct run_cfg *cfg,
			 const struct options *o, struct iovad **out)
{
	struct iovad_attr a;

	run_domain_attr(cfg, o, &a);
	if (!rc->trim)
		a.trim_period_ns = 0;
	return run_domain_create("iova-trace", cfg, &a, out);
}

static void collect(struct rrun *r, struct run_result *res,
		    struct replay_counters *cnt)
{
	for (int k = 0; k <= OP_NR; k++)
		lab_hist_init(&res->lat[k]);
	for (unsigned int i = 0; i < r->n; i++) {
		struct rthread *t = &r->t[i];
		const struct replay_counters *c = &t->c;

		res->per_thread_ops[i] = t->ops;
		res->per_thread_pu[i] = lab_pin_os_cpu(&t->pin);
		res->ops += t->ops;
		res->alloc_failures += t->alloc_failures;
		for (int k = 0; k < OP_NR; k++) {
			lab_hist_merge(&res->lat[k], &t->hist[k]);
			lab_hist_merge(&res->lat[OP_NR], &t->hist[k]);
		}
		cnt->events += c->events;
		cnt->cross_frees += c->cross_frees;
		cnt->cross_waits += c->cross_waits;
		cnt->wait_timeouts += c->wait_timeouts;
		cnt->skipped_bad_frees += c->skipped_bad_frees;
		cnt->skipped_failed += c->skipped_failed;
		cnt->trace_failed_allocs += c->trace_failed_allocs;
		if (c->late_ns_max > cnt->late_ns_max)
			cnt->late_ns_max = c->late_ns_max;
	}
	lab_fairness_compute(res->per_thread_ops, r->n, &res->fairness);
	res->ops_per_sec =
		res->duration_s > 0 ? (double)res->ops / res->duration_s : 0;
}

static int setup_threads(struct rrun *r, const struct options *o,
			 struct run_result *res)
{
	r->t = aligned_alloc(LAB_CACHELINE, sizeof(*r->t) * r->n);
	r->slot = calloc(r->tr->n ? r->tr->n : 1, sizeof(*r->slot));
	res->per_thread_ops = calloc(r->n, sizeof(uint64_t));
	res->per_thread_pu = calloc(r->n, sizeof(int));
	if (!r->t || !r->slot || !res->per_thread_ops || !res->per_thread_pu)
		return -ENOMEM;
	memset(r->t, 0, sizeof(*r->t) * r->n);
	for (unsigned int i = 0; i < r->n; i++) {
		struct rthread *t = &r->t[i];

		t->run = r;
		t->id = i;
		t->hist = malloc(sizeof(*t->hist) * OP_NR);
		if (!t->hist)
			return -ENOMEM;
		for (int k = 0; k < OP_NR; k++)
			lab_hist_init(&t->hist[k]);
		lab_pin_plan(r->topo, o->pin, i, &t->pin);
	}
	return build_streams(r);
}

int replay_execute(const struct replay_cfg *rc, const struct run_cfg *cfg,
		   const struct options *o, struct lab_topo *topo,
		   struct run_result *res, struct replay_counters *cnt)
{
	struct rrun r = {
		.rc = rc, .tr = rc->tr, .topo = topo, .n = rc->threads
	};
	struct iovad_rcache_stats rs0 = { 0 }, rs1 = { 0 };
	struct iova_stats ts0 = { 0 }, ts1 = { 0 };
	struct lock_set locks = { 0 };
	unsigned int created = 0;
	uint64_t busy_ns = 0;
	int ret;

	run_result_start(res, cfg, topo);
	memset(cnt, 0, sizeof(*cnt));
	res->rate = 0;
	ret = create_domain(rc, cfg, o, &r.d);
	if (ret)
		return ret;
	if (rc->lockstat) {
		ret = lock_set_prepare(&locks, r.d);
		if (ret) {
			fprintf(stderr, "iova-trace: lock statistics: %s\n",
				strerror(-ret));
			goto out_domain;
		}
	}
	ret = run_prefill("iova-trace", r.d, cfg, cfg->prefill, o->seed);
	if (ret)
		goto out_domain;
	ret = setup_threads(&r, o, res);
	if (ret) {
		fprintf(stderr, "iova-trace: replay setup: %s\n",
			strerror(-ret));
		goto out_threads;
	}
	iovad_tree_stats(r.d, &ts0);
	res->prefill_ranges = ts0.live;
	lab_barrier_init(&r.go, r.n + 1);
	lab_barrier_init(&r.done, r.n + 1);
	r.passes_left = rc->loops;
	for (; created < r.n; created++) {
		ret = lab_fault_pthread_create(&r.t[created].tid, NULL,
					       thread_main, &r.t[created]);
		if (ret) {
			fprintf(stderr,
				"iova-trace: cannot create thread %u: %s\n",
				created, strerror(ret));
			ret = -ret;
			break;
		}
	}
	if (created < r.n) {
		/* release the threads that exist: no pass runs */
		r.passes_left = 0;
		lab_barrier_set_parties(&r.go, created + 1);
		lab_barrier_wait(&r.go);
		for (unsigned int i = 0; i < created; i++)
			pthread_join(r.t[i].tid, NULL);
		goto out_barriers;
	}
	iovad_tree_stats(r.d, &ts0);
	iovad_rcache_stats(r.d, &rs0);
	for (unsigned int p = 0; p < rc->loops; p++) {
		uint64_t end = 0;

		if (rc->lockstat)
			lock_set_enable(&locks, true);
		r.t_start = lab_now_ns();
		lab_barrier_wait(&r.go);
		lab_barrier_wait(&r.done);
		for (unsigned int i = 0; i < r.n; i++)
			if (r.t[i].end_ns > end)
				end = r.t[i].end_ns;
		busy_ns += end - r.t_start;
		if (rc->lockstat)
			lock_set_enable(&locks, false);
		if (p + 1 == rc->loops) {
			iovad_tree_stats(r.d, &ts1);
			iovad_rcache_stats(r.d, &rs1);
		}
		check_and_drain(&r, res, cnt);
		r.passes_left--;
		if (!rc->quiet && rc->loops > 1)
			fprintf(stderr, "iova-trace: pass %u/%u\n", p + 1,
				rc->loops);
	}
	lab_barrier_wait(&r.go); /* passes_left == 0: threads exit */
	for (unsigned int i = 0; i < r.n; i++)
		pthread_join(r.t[i].tid, NULL);
	res->duration_s = (double)busy_ns / 1e9;
	collect(&r, res, cnt);
	if (ts1.searches > ts0.searches) {
		res->searches = ts1.searches - ts0.searches;
		res->nodes_mean =
			(double)(ts1.visited_total - ts0.visited_total) /
			(double)res->searches;
	}
	res->nodes_max = ts1.visited_max;
	rcache_delta(&res->rc, &rs0, &rs1);
	if (rc->lockstat && lock_set_read(&locks, res))
		check_fail(res, "out of memory reading lock statistics");
	check_final(&r, res, (unsigned long)res->prefill_ranges);
	ret = 0;
out_barriers:
	lab_barrier_destroy(&r.go);
	lab_barrier_destroy(&r.done);
out_threads:
	for (unsigned int i = 0; r.t && i < r.n; i++) {
		free(r.t[i].hist);
		free(r.t[i].ev);
	}
	free(r.t);
	free(r.slot);
	free(r.rank);
out_domain:
	lock_set_free(&locks);
	iovad_destroy(r.d);
	return ret;
}
