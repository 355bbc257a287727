// SPDX-License-Identifier: MIT
/*
 * lock-bench's threaded sections: throughput and fairness of one lock at
 * each thread count, and a read-mostly mix. Every cell is the harness's
 * timed run (core/harness phase.h): threads pinned by plan, released
 * together at a barrier, warm-up, then a fixed measured duration; only
 * operations begun while measuring count.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/clock.h"
#include "iovalab/fault.h"
#include "iovalab/harness/counter.h"
#include "iovalab/harness/phase.h"
#include "iovalab/harness/think.h"
#include "iovalab/json.h"
#include "iovalab/outfile.h"
#include "lock_bench.h"

/* Shared state the critical section writes: four lines. */
static struct {
	uint64_t v;
} __lab_cacheline_aligned shared[4];

static inline void critical_section(uint64_t n)
{
	for (uint64_t k = 0; k < n; k++)
		shared[k & 3].v++;
	__asm__ volatile("" ::: "memory");
}

/* One thread of a cell; what it counts is only what it began measuring. */
struct worker {
	struct lab_counter ops; /* first: the struct's own line */
	struct lab_counter reads, writes; /* read-mostly */
	pthread_t th;
	unsigned int idx;
	struct lab_pin pin;
	struct lab_phaser *p;
	struct lab_lock *l;
	uint64_t cs;
	uint64_t bad; /* torn reads, in any phase */
	uint64_t end_ns; /* when it left the loop */
} __lab_cacheline_aligned;

/*
 * Start @n workers running @fn, time them (warm-up, measure, stop), join
 * them. 0, -EINTR (stop requested), -EAGAIN (thread creation failed:
 * the ones created are joined) or -ENOMEM. *elapsed_ns: from the flip
 * to MEASURE until the last worker was out.
 */
static int run_cell(struct worker *w, unsigned int n, void *(*fn)(void *),
		    uint64_t *elapsed_ns)
{
	struct lab_phaser p;
	unsigned int made;
	uint64_t last = 0;
	int ret = 0;

	lab_phaser_init(&p, n);
	for (made = 0; made < n; made++) {
		w[made].idx = made;
		w[made].p = &p;
		lab_pin_plan(lb_cfg.topo, lb_cfg.pin, made, &w[made].pin);
		if (lab_fault_pthread_create(&w[made].th, NULL, fn, &w[made]))
			break;
	}
	if (made < n) {
		/* the ones that exist are let through and stop at once */
		lab_phaser_set_workers(&p, made);
		ret = -EAGAIN;
	} else {
		ret = lab_phaser_run(&p, lb_cfg.warmup, lb_cfg.duration, NULL);
	}
	for (unsigned int i = 0; i < made; i++) {
		pthread_join(w[i].th, NULL);
		if (w[i].end_ns > last)
			last = w[i].end_ns;
	}
	*elapsed_ns = ret || last <= p.t_measure ? 0 : last - p.t_measure;
	lab_phaser_destroy(&p);
	if (!ret && !*elapsed_ns)
		ret = -EINTR; /* nothing measured */
	return ret;
}

static struct worker *workers_new(unsigned int n, struct lab_lock *l,
				  uint64_t cs)
{
	struct worker *w = aligned_alloc(LAB_CACHELINE, sizeof(*w) * n);

	if (!w)
		return NULL;
	memset(w, 0, sizeof(*w) * n);
	for (unsigned int i = 0; i < n; i++) {
		w[i].l = l;
		w[i].cs = cs;
	}
	return w;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	enum lab_phase ph;

	lab_pin_apply(lb_cfg.topo, &w->pin);
	lab_lock_thread_online();
	lab_phaser_arrive(w->p);
	while ((ph = lab_phaser_phase(w->p)) != LAB_PHASE_STOP) {
		lab_lock(w->l);
		critical_section(w->cs);
		lab_busy_ns(lb_cfg.hold_ns);
		lab_unlock(w->l);
		lab_think_ns(lb_cfg.think_ns);
		if (ph == LAB_PHASE_MEASURE)
			lab_counter_add(&w->ops, 1);
	}
	w->end_ns = lab_now_ns();
	lab_lock_thread_offline();
	return NULL;
}

int lb_run_threads(struct lab_lock *l, unsigned int n, uint64_t cs,
		   struct lb_tput *out, uint64_t *per_thread)
{
	struct worker *w = workers_new(n, l, cs);
	uint64_t elapsed, total = 0;
	int ret;

	if (!w)
		return -ENOMEM;
	ret = run_cell(w, n, worker_main, &elapsed);
	if (!ret) {
		for (unsigned int i = 0; i < n; i++) {
			per_thread[i] = lab_counter_read(&w[i].ops);
			total += per_thread[i];
		}
		out->ops_per_sec = (double)total * 1e9 / (double)elapsed;
		lab_fairness_compute(per_thread, n, &out->f);
	}
	free(w);
	return ret;
}

/* A cell that did not run: 0 when a stop was requested, else 1. */
static int cell_failed(const char *name, unsigned int n, int ret)
{
	if (ret == -EINTR)
		return 0;
	fprintf(stderr, "lock-bench: %s at %u threads: %s\n", name, n,
		ret == -EAGAIN ? "cannot create the threads" : strerror(-ret));
	return 1;
}

static void throughput_row(const char *name, const char *cs_name, uint64_t cs,
			   unsigned int n, const struct lb_tput *r,
			   const uint64_t *per)
{
	struct lab_json *j = lb_cfg.j;
	bool over = lab_topo_oversubscribed(lb_cfg.topo, n);

	printf("%-10s %-5s %7u %-14s %12.3f %7.3f %9.2f\n", name, cs_name, n,
	       over ? "oversubscribed" : "", r->ops_per_sec / 1e6, r->f.jain,
	       r->f.max_over_min);
	fflush(stdout);
	if (!j)
		return;
	lab_json_object_begin(j, NULL);
	lab_json_str(j, "lock", name);
	lab_json_str(j, "cs", cs_name);
	lab_json_u64(j, "cs_iters", cs);
	lab_json_u64(j, "hold_ns", lb_cfg.hold_ns);
	lab_json_u64(j, "think_ns", lb_cfg.think_ns);
	lab_json_u64(j, "threads", n);
	lab_json_bool(j, "oversubscribed", over);
	lab_json_double(j, "ops_per_sec", r->ops_per_sec);
	lab_json_double(j, "jain", r->f.jain);
	lab_json_double(j, "max_over_min", r->f.max_over_min);
	lab_json_u64(j, "min_ops", r->f.min);
	lab_json_u64(j, "max_ops", r->f.max);
	lab_json_array_begin(j, "per_thread_ops");
	for (unsigned int i = 0; i < n; i++)
		lab_json_u64(j, NULL, per[i]);
	lab_json_array_end(j);
	lab_json_object_end(j);
}

int lb_throughput(const char *name, const uint64_t *threads, size_t nt)
{
	static const char *const cs_name[] = { "short", "long" };
	const uint64_t cs_len[] = { lb_cfg.cs_short, lb_cfg.cs_long };

	/* a SIGINT/SIGTERM ends the sweep; the cell it cut is dropped */
	for (int c = 0; c < 2 && !lab_stop_requested(); c++) {
		for (size_t t = 0; t < nt && !lab_stop_requested(); t++) {
			unsigned int n = (unsigned int)threads[t];
			struct lab_lock_attr a = { .spin = lb_cfg.spin };
			struct lab_lock *l = lab_lock_create(name, &a);
			uint64_t *per = calloc(n, sizeof(*per));
			struct lb_tput r;
			int ret = l && per ? lb_run_threads(l, n, cs_len[c], &r,
							    per) :
					     -ENOMEM;

			if (!ret)
				throughput_row(name, cs_name[c], cs_len[c], n,
					       &r, per);
			free(per);
			if (l)
				lab_lock_destroy(l);
			if (ret)
				return cell_failed(name, n, ret);
		}
	}
	return 0;
}

/*
 * Read-mostly mix: read_pct% of operations are read sections that follow
 * a published snapshot and sum its eight words; the rest replace the
 * snapshot by copy under lab_lock() and free the old one with
 * lab_lock_defer_free() (immediately for locks whose readers exclude
 * writers, after a grace period for rcu). Shows readers scaling, or not.
 */
struct rsnap {
	uint64_t v[8];
};

static struct rsnap *rcur;

static void *rworker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t x = w->idx * 7919u + 1;
	enum lab_phase ph;

	lab_pin_apply(lb_cfg.topo, &w->pin);
	lab_lock_thread_online();
	lab_phaser_arrive(w->p);
	while ((ph = lab_phaser_phase(w->p)) != LAB_PHASE_STOP) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		if ((x >> 33) % 100 < lb_cfg.read_pct) {
			const struct rsnap *p;
			uint64_t sum = 0;

			lab_read_lock(w->l);
			p = lab_rcu_dereference(rcur);
			for (int k = 0; k < 8; k++)
				sum += p->v[k];
			if (sum != 8 * p->v[0])
				w->bad++;
			lab_read_unlock(w->l);
			if (ph == LAB_PHASE_MEASURE)
				lab_counter_add(&w->reads, 1);
		} else {
			struct rsnap *n = malloc(sizeof(*n)), *old;

			if (!n)
				break;
			lab_lock(w->l);
			old = rcur;
			for (int k = 0; k < 8; k++)
				n->v[k] = old->v[k] + 1;
			lab_rcu_assign_pointer(rcur, n);
			lab_unlock(w->l);
			lab_lock_defer_free(w->l, free, old);
			if (ph == LAB_PHASE_MEASURE)
				lab_counter_add(&w->writes, 1);
		}
		lab_think_ns(lb_cfg.think_ns);
	}
	w->end_ns = lab_now_ns();
	lab_lock_thread_offline();
	return NULL;
}

static void read_row(const char *name, unsigned int n, double reads_s,
		     double writes_s, const struct lab_fairness *f)
{
	struct lab_json *j = lb_cfg.j;
	bool over = lab_topo_oversubscribed(lb_cfg.topo, n);

	printf("%-10s %7u %-14s %12.3f %12.3f %7.3f\n", name, n,
	       over ? "oversubscribed" : "", reads_s / 1e6, writes_s / 1e6,
	       f->jain);
	fflush(stdout);
	if (!j)
		return;
	lab_json_object_begin(j, NULL);
	lab_json_str(j, "lock", name);
	lab_json_u64(j, "threads", n);
	lab_json_bool(j, "oversubscribed", over);
	lab_json_u64(j, "read_pct", lb_cfg.read_pct);
	lab_json_u64(j, "think_ns", lb_cfg.think_ns);
	lab_json_double(j, "reads_per_sec", reads_s);
	lab_json_double(j, "writes_per_sec", writes_s);
	lab_json_double(j, "jain", f->jain);
	lab_json_object_end(j);
}

static int read_cell(const char *name, unsigned int n)
{
	struct lab_lock_attr a = { .spin = lb_cfg.spin };
	struct lab_lock *l = lab_lock_create(name, &a);
	struct worker *w = l ? workers_new(n, l, 0) : NULL;
	uint64_t *per = calloc(n, sizeof(*per));
	uint64_t reads = 0, writes = 0, bad = 0, elapsed = 0;
	struct lab_fairness f;
	int ret = -ENOMEM;

	rcur = calloc(1, sizeof(*rcur));
	if (w && per && rcur)
		ret = run_cell(w, n, rworker_main, &elapsed);
	for (unsigned int i = 0; w && i < n; i++) {
		per[i] = lab_counter_read(&w[i].reads) +
			 lab_counter_read(&w[i].writes);
		reads += lab_counter_read(&w[i].reads);
		writes += lab_counter_read(&w[i].writes);
		bad += w[i].bad;
	}
	if (l)
		lab_lock_destroy(l); /* runs the deferred frees first */
	free(rcur);
	rcur = NULL;
	if (bad) {
		fprintf(stderr, "lock-bench: %s: %llu torn reads\n", name,
			(unsigned long long)bad);
		ret = -EPROTO;
	} else if (!ret) {
		double secs = (double)elapsed / 1e9;

		lab_fairness_compute(per, n, &f);
		read_row(name, n, (double)reads / secs, (double)writes / secs,
			 &f);
	}
	free(per);
	free(w);
	if (ret == -EPROTO)
		return 1;
	return ret ? cell_failed(name, n, ret) : 0;
}

int lb_read_mostly(const char *name, const uint64_t *threads, size_t nt)
{
	int rc = 0;

	for (size_t t = 0; t < nt && !rc && !lab_stop_requested(); t++)
		rc = read_cell(name, (unsigned int)threads[t]);
	return rc;
}
