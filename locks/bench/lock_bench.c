// SPDX-License-Identifier: MIT
/*
 * lock-bench: the shared benchmark driver for every lock strategy.
 *
 * Sections (all by default, or pick with --sections):
 *   uncontended  acquire+release pairs on one thread, ns and TSC cycles,
 *                exclusive and read side (median of 5 repetitions)
 *   throughput   aggregate acquisitions/s and fairness (Jain's index,
 *                max/min of per-thread counts) at each thread count, with
 *                a short and a long critical section; thread counts above
 *                the online CPUs are labelled oversubscribed
 *   indirection  direct calls (the static inline iovalab/locks/spin_*.h,
 *                glibc's pthread_mutex for mutex) against the same lock
 *                through lab_lock()
 *   stats        statistics never enabled, enabled then disabled, and on
 *   readers      read-mostly mix (--read-pct) of read sections and
 *                copy-update writes: do readers scale?
 *
 * Threads are pinned round-robin over the CPUs this process may use.
 * Exit 0, 1 on a runtime failure, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iovalab/clock.h"
#include "iovalab/fault.h"
#include "iovalab/json.h"
#include "iovalab/lock.h"
#include "iovalab/lock_stat.h"
#include "iovalab/outfile.h"
#include "iovalab/locks/spin_mcs.h"
#include "iovalab/locks/spin_qspin.h"
#include "iovalab/locks/spin_tas.h"
#include "iovalab/locks/spin_ticket.h"
#include "iovalab/parse.h"

#define REPS 5

static struct {
	uint64_t uncontended_iters;
	double duration;
	uint64_t cs_short, cs_long, think_ns, read_pct;
	uint64_t hold_ns; /* busy ns added inside every throughput section */
	enum lab_spin_policy spin;
	unsigned int ncpu;
	cpu_set_t cpus;
	int cpu_list[CPU_SETSIZE];
	double tpn; /* TSC ticks per ns */
	struct lab_json *j;
} cfg = {
	.uncontended_iters = 2000000,
	.duration = 0.2,
	.cs_short = 1,
	.cs_long = 100,
	.think_ns = 50,
	.read_pct = 90,
	.spin = LAB_SPIN_YIELD,
};

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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void pin(unsigned int i)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cfg.cpu_list[i % cfg.ncpu], &s);
	pthread_setaffinity_np(pthread_self(), sizeof(s), &s);
}

/* ---- uncontended ---- */

struct pair_cost {
	double ns, cycles;
};

#define TIME_LOOP(out, body)                                             \
	do {                                                             \
		double ns_[REPS], cy_[REPS];                             \
		for (int r_ = 0; r_ < REPS; r_++) {                      \
			uint64_t n_ = cfg.uncontended_iters;             \
			uint64_t t0_ = lab_now_ns(), c0_ = lab_cycles(); \
			for (uint64_t i_ = 0; i_ < n_; i_++) {           \
				body;                                    \
			}                                                \
			uint64_t c1_ = lab_cycles(), t1_ = lab_now_ns(); \
			ns_[r_] = (double)(t1_ - t0_) / (double)n_;      \
			cy_[r_] = (double)(c1_ - c0_) / (double)n_;      \
		}                                                        \
		(out).ns = median(ns_, REPS);                            \
		(out).cycles = median(cy_, REPS);                        \
	} while (0)

static int uncontended(const char *name)
{
	struct lab_lock_attr a = { .spin = cfg.spin };
	struct lab_lock *l = lab_lock_create(name, &a);
	struct pair_cost w, r;

	if (!l) {
		fprintf(stderr, "lock-bench: %s: %s\n", name, strerror(errno));
		return 1;
	}
	TIME_LOOP(w, lab_lock(l); lab_unlock(l));
	TIME_LOOP(r, lab_read_lock(l); lab_read_unlock(l));
	printf("%-10s %9.1f %9.1f %12.1f %12.1f\n", name, w.ns, w.cycles, r.ns,
	       r.cycles);
	if (cfg.j) {
		lab_json_object_begin(cfg.j, NULL);
		lab_json_str(cfg.j, "lock", name);
		lab_json_bool(cfg.j, "ck", lab_lock_info(l)->ck);
		lab_json_double(cfg.j, "ns", w.ns);
		lab_json_double(cfg.j, "cycles", w.cycles);
		lab_json_double(cfg.j, "read_ns", r.ns);
		lab_json_double(cfg.j, "read_cycles", r.cycles);
		lab_json_object_end(cfg.j);
	}
	lab_lock_destroy(l);
	return 0;
}

/* ---- throughput ---- */

struct worker {
	pthread_t th;
	unsigned int idx;
	struct lab_lock *l;
	uint64_t cs;
	uint64_t ops;
} __lab_cacheline_aligned;

static pthread_barrier_t go;
static atomic_bool stop;

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t ops = 0;

	pin(w->idx);
	lab_lock_thread_online();
	pthread_barrier_wait(&go);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		lab_lock(w->l);
		critical_section(w->cs);
		lab_busy_ns(cfg.hold_ns);
		lab_unlock(w->l);
		lab_busy_ns(cfg.think_ns);
		ops++;
	}
	w->ops = ops;
	lab_lock_thread_offline();
	return NULL;
}

struct tput {
	double ops_per_sec;
	struct lab_fairness f;
};

static int run_threads(struct lab_lock *l, unsigned int n, uint64_t cs,
		       struct tput *out, uint64_t *per_thread)
{
	struct worker *w = aligned_alloc(LAB_CACHELINE, sizeof(*w) * n);
	struct timespec d;
	uint64_t t0, t1, total = 0;

	if (!w)
		return -ENOMEM;
	memset(w, 0, sizeof(*w) * n);
	atomic_store(&stop, false);
	pthread_barrier_init(&go, NULL, n + 1);
	for (unsigned int i = 0; i < n; i++) {
		w[i].idx = i;
		w[i].l = l;
		w[i].cs = cs;
		if (lab_fault_pthread_create(&w[i].th, NULL, worker_main,
					     &w[i])) {
			fprintf(stderr, "lock-bench: pthread_create failed\n");
			exit(1);
		}
	}
	pthread_barrier_wait(&go);
	t0 = lab_now_ns();
	d.tv_sec = (time_t)cfg.duration;
	d.tv_nsec = (long)((cfg.duration - (double)d.tv_sec) * 1e9);
	nanosleep(&d, NULL);
	atomic_store(&stop, true);
	for (unsigned int i = 0; i < n; i++) {
		pthread_join(w[i].th, NULL);
		per_thread[i] = w[i].ops;
		total += w[i].ops;
	}
	/* Until the last thread is out: a collapsed lock pays for its
	 * stragglers. */
	t1 = lab_now_ns();
	pthread_barrier_destroy(&go);
	out->ops_per_sec = (double)total / ((double)(t1 - t0) / 1e9);
	lab_fairness_compute(per_thread, n, &out->f);
	free(w);
	return 0;
}

static int throughput(const char *name, const uint64_t *threads, long nt)
{
	static const char *const cs_name[] = { "short", "long" };
	const uint64_t cs_len[] = { cfg.cs_short, cfg.cs_long };

	/* a SIGINT/SIGTERM ends the sweep after the cell in progress */
	for (int c = 0; c < 2 && !lab_stop_requested(); c++) {
		for (long t = 0; t < nt && !lab_stop_requested(); t++) {
			unsigned int n = (unsigned int)threads[t];
			struct lab_lock_attr a = { .spin = cfg.spin };
			struct lab_lock *l = lab_lock_create(name, &a);
			uint64_t *per = calloc(n, sizeof(*per));
			bool over = n > cfg.ncpu;
			struct tput r;

			if (!l || !per ||
			    run_threads(l, n, cs_len[c], &r, per)) {
				fprintf(stderr,
					"lock-bench: %s: setup failed\n", name);
				return 1;
			}
			printf("%-10s %-5s %7u %-14s %12.3f %7.3f %9.2f\n",
			       name, cs_name[c], n,
			       over ? "oversubscribed" : "",
			       r.ops_per_sec / 1e6, r.f.jain, r.f.max_over_min);
			fflush(stdout);
			if (cfg.j) {
				lab_json_object_begin(cfg.j, NULL);
				lab_json_str(cfg.j, "lock", name);
				lab_json_str(cfg.j, "cs", cs_name[c]);
				lab_json_u64(cfg.j, "cs_iters", cs_len[c]);
				lab_json_u64(cfg.j, "hold_ns", cfg.hold_ns);
				lab_json_u64(cfg.j, "threads", n);
				lab_json_bool(cfg.j, "oversubscribed", over);
				lab_json_double(cfg.j, "ops_per_sec",
						r.ops_per_sec);
				lab_json_double(cfg.j, "jain", r.f.jain);
				lab_json_double(cfg.j, "max_over_min",
						r.f.max_over_min);
				lab_json_u64(cfg.j, "min_ops", r.f.min);
				lab_json_u64(cfg.j, "max_ops", r.f.max);
				lab_json_array_begin(cfg.j, "per_thread_ops");
				for (unsigned int i = 0; i < n; i++)
					lab_json_u64(cfg.j, NULL, per[i]);
				lab_json_array_end(cfg.j);
				lab_json_object_end(cfg.j);
			}
			free(per);
			lab_lock_destroy(l);
		}
	}
	return 0;
}

/* ---- indirection ---- */

static void indirection_row(const char *name, struct pair_cost d,
			    struct pair_cost i)
{
	printf("%-10s %10.1f %10.1f %10.1f %10.1f %10.1f\n", name, d.ns, i.ns,
	       i.ns - d.ns, d.cycles, i.cycles);
	if (cfg.j) {
		lab_json_object_begin(cfg.j, NULL);
		lab_json_str(cfg.j, "lock", name);
		lab_json_double(cfg.j, "direct_ns", d.ns);
		lab_json_double(cfg.j, "interface_ns", i.ns);
		lab_json_double(cfg.j, "delta_ns", i.ns - d.ns);
		lab_json_double(cfg.j, "direct_cycles", d.cycles);
		lab_json_double(cfg.j, "interface_cycles", i.cycles);
		lab_json_object_end(cfg.j);
	}
}

/*
 * Direct and interface loops alternate ROUNDS times and the minimum of
 * each is kept: on a shared machine the minimum is the estimate least
 * polluted by preemption, and alternating exposes both to the same
 * frequency and load.
 */
#define ROUNDS 7
#define KEEP_MIN(best, x)               \
	do {                            \
		if ((x).ns < (best).ns) \
			(best) = (x);   \
	} while (0)

static int indirection(void)
{
	static struct spin_tas tas;
	static struct spin_ticket tk;
	static struct spin_mcs mcs;
	static struct spin_qspin qs;
	static pthread_mutex_t mx = PTHREAD_MUTEX_INITIALIZER;
	struct lab_lock_attr a = { .spin = cfg.spin };
	struct pair_cost d, i, bd, bi;
	struct lab_lock *l;

	spin_tas_init(&tas, cfg.spin);
	spin_ticket_init(&tk, cfg.spin);
	spin_mcs_init(&mcs, cfg.spin);
	spin_qspin_init(&qs, cfg.spin);

#define INDIRECTION(name, lock_stmt, unlock_stmt)                 \
	do {                                                      \
		l = lab_lock_create(name, &a);                    \
		bd.ns = bi.ns = 1e30;                             \
		for (int r = 0; r < ROUNDS; r++) {                \
			TIME_LOOP(d, lock_stmt; unlock_stmt);     \
			TIME_LOOP(i, lab_lock(l); lab_unlock(l)); \
			KEEP_MIN(bd, d);                          \
			KEEP_MIN(bi, i);                          \
		}                                                 \
		lab_lock_destroy(l);                              \
		indirection_row(name, bd, bi);                    \
	} while (0)

	INDIRECTION("tas", spin_tas_lock(&tas), spin_tas_unlock(&tas));
	INDIRECTION("ticket", spin_ticket_lock(&tk), spin_ticket_unlock(&tk));
	INDIRECTION("mcs", spin_mcs_lock(&mcs), spin_mcs_unlock(&mcs));
	INDIRECTION("qspinlock", spin_qspin_lock(&qs), spin_qspin_unlock(&qs));
	/* glibc's mutex called directly: what "mutex" costs without us */
	INDIRECTION("mutex", pthread_mutex_lock(&mx),
		    pthread_mutex_unlock(&mx));
#undef INDIRECTION
	return 0;
}

/* ---- read-mostly ---- */

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

struct rworker {
	pthread_t th;
	unsigned int idx;
	struct lab_lock *l;
	uint64_t reads, writes, bad;
} __lab_cacheline_aligned;

static void *rworker_main(void *arg)
{
	struct rworker *w = arg;
	uint64_t x = w->idx * 7919u + 1;

	pin(w->idx);
	lab_lock_thread_online();
	pthread_barrier_wait(&go);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		if ((x >> 33) % 100 < cfg.read_pct) {
			const struct rsnap *p;
			uint64_t sum = 0;

			lab_read_lock(w->l);
			p = lab_rcu_dereference(rcur);
			for (int k = 0; k < 8; k++)
				sum += p->v[k];
			if (sum != 8 * p->v[0])
				w->bad++;
			lab_read_unlock(w->l);
			w->reads++;
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
			w->writes++;
		}
		lab_busy_ns(cfg.think_ns);
	}
	lab_lock_thread_offline();
	return NULL;
}

static int read_mostly(const char *name, const uint64_t *threads, long nt)
{
	for (long t = 0; t < nt && !lab_stop_requested(); t++) {
		unsigned int n = (unsigned int)threads[t];
		struct lab_lock_attr a = { .spin = cfg.spin };
		struct lab_lock *l = lab_lock_create(name, &a);
		struct rworker *w =
			aligned_alloc(LAB_CACHELINE, sizeof(*w) * n);
		uint64_t reads = 0, writes = 0, bad = 0, t0, t1;
		uint64_t *per = calloc(n, sizeof(*per));
		struct lab_fairness f;
		struct timespec d;
		bool over = n > cfg.ncpu;
		double secs;

		if (!l || !w || !per) {
			fprintf(stderr, "lock-bench: %s: setup failed\n", name);
			return 1;
		}
		memset(w, 0, sizeof(*w) * n);
		rcur = calloc(1, sizeof(*rcur));
		atomic_store(&stop, false);
		pthread_barrier_init(&go, NULL, n + 1);
		for (unsigned int i = 0; i < n; i++) {
			w[i].idx = i;
			w[i].l = l;
			if (lab_fault_pthread_create(&w[i].th, NULL,
						     rworker_main, &w[i])) {
				fprintf(stderr,
					"lock-bench: pthread_create failed\n");
				return 1;
			}
		}
		pthread_barrier_wait(&go);
		t0 = lab_now_ns();
		d.tv_sec = (time_t)cfg.duration;
		d.tv_nsec = (long)((cfg.duration - (double)d.tv_sec) * 1e9);
		nanosleep(&d, NULL);
		atomic_store(&stop, true);
		for (unsigned int i = 0; i < n; i++) {
			pthread_join(w[i].th, NULL);
			reads += w[i].reads;
			writes += w[i].writes;
			bad += w[i].bad;
			per[i] = w[i].reads + w[i].writes;
		}
		t1 = lab_now_ns();
		pthread_barrier_destroy(&go);
		lab_lock_destroy(l); /* runs the deferred frees first */
		free(rcur);
		secs = (double)(t1 - t0) / 1e9;
		lab_fairness_compute(per, n, &f);
		if (bad) {
			fprintf(stderr, "lock-bench: %s: %llu torn reads\n",
				name, (unsigned long long)bad);
			return 1;
		}
		printf("%-10s %7u %-14s %12.3f %12.3f %7.3f\n", name, n,
		       over ? "oversubscribed" : "", (double)reads / secs / 1e6,
		       (double)writes / secs / 1e6, f.jain);
		fflush(stdout);
		if (cfg.j) {
			lab_json_object_begin(cfg.j, NULL);
			lab_json_str(cfg.j, "lock", name);
			lab_json_u64(cfg.j, "threads", n);
			lab_json_bool(cfg.j, "oversubscribed", over);
			lab_json_u64(cfg.j, "read_pct", cfg.read_pct);
			lab_json_double(cfg.j, "reads_per_sec",
					(double)reads / secs);
			lab_json_double(cfg.j, "writes_per_sec",
					(double)writes / secs);
			lab_json_double(cfg.j, "jain", f.jain);
			lab_json_object_end(cfg.j);
		}
		free(per);
		free(w);
	}
	return 0;
}

/* ---- statistics overhead ---- */

static int stats_overhead(const char *name)
{
	struct lab_lock_attr a = { .spin = cfg.spin };
	struct lab_lock *l = lab_lock_create(name, &a);
	struct pair_cost never, off, on;
	struct tput t_off, t_on;
	uint64_t per[2];

	if (!l)
		return 1;
	TIME_LOOP(never, lab_lock(l); lab_unlock(l));
	if (run_threads(l, 2, cfg.cs_short, &t_off, per))
		return 1;
	if (lab_lock_stats_enable(l, true))
		return 1;
	TIME_LOOP(on, lab_lock(l); lab_unlock(l));
	if (run_threads(l, 2, cfg.cs_short, &t_on, per))
		return 1;
	lab_lock_stats_enable(l, false);
	TIME_LOOP(off, lab_lock(l); lab_unlock(l));
	printf("%-10s %11.1f %11.1f %11.1f %13.3f %13.3f\n", name, never.ns,
	       off.ns, on.ns, t_off.ops_per_sec / 1e6, t_on.ops_per_sec / 1e6);
	if (cfg.j) {
		lab_json_object_begin(cfg.j, NULL);
		lab_json_str(cfg.j, "lock", name);
		lab_json_double(cfg.j, "never_enabled_ns", never.ns);
		lab_json_double(cfg.j, "disabled_ns", off.ns);
		lab_json_double(cfg.j, "enabled_ns", on.ns);
		lab_json_double(cfg.j, "two_threads_off_ops_per_sec",
				t_off.ops_per_sec);
		lab_json_double(cfg.j, "two_threads_on_ops_per_sec",
				t_on.ops_per_sec);
		lab_json_object_end(cfg.j);
	}
	lab_lock_destroy(l);
	return 0;
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lock-bench [options]\n"
		"  --locks LIST      strategies, comma-separated, or all "
		"(default all)\n"
		"  --threads LIST    thread counts for throughput (default "
		"1,2,4,8)\n"
		"  --duration S      seconds per throughput cell (default 0.2)\n"
		"  --cs-short N      short critical section: N shared-line "
		"increments (default 1)\n"
		"  --cs-long N       long critical section (default 100)\n"
		"  --hold-ns N       busy ns added inside every throughput "
		"critical section\n"
		"                    (delay injection, default 0, max 1000000)\n"
		"  --think NS        think time: busy ns between a thread's "
		"acquisitions\n"
		"                    (default 50, max 1000000)\n"
		"  --iters N         uncontended pairs per repetition "
		"(default 2000000)\n"
		"  --spin pure|yield spin policy (default yield)\n"
		"  --read-pct P      read sections in the readers section, "
		"percent (default 90)\n"
		"  --sections LIST   uncontended,throughput,indirection,stats,"
		"readers or all\n"
		"  --json FILE       also write the results as JSON\n");
}

static int parse_u64_opt(const char *opt, const char *v, uint64_t *out,
			 uint64_t min)
{
	if (lab_parse_u64(v, out) || *out < min) {
		fprintf(stderr, "lock-bench: bad %s '%s'\n", opt, v);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const section_names[] = {
		"uncontended", "throughput", "indirection",
		"stats",       "readers",    NULL
	};
	const char *locks = "all", *threads = "1,2,4,8", *json = NULL;
	const char *sections = "all";
	struct lab_outfile out = { 0 };
	bool want[5] = { false };
	size_t *lv = NULL, *sv = NULL;
	uint64_t *tv = NULL;
	struct lab_json j;
	long nl, nt, ns;
	int rc = 0;

	lab_fault_setup("lock-bench");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!v) {
			fprintf(stderr, "lock-bench: bad argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
		i++;
		if (!strcmp(a, "--locks")) {
			locks = v;
		} else if (!strcmp(a, "--threads")) {
			threads = v;
		} else if (!strcmp(a, "--sections")) {
			sections = v;
		} else if (!strcmp(a, "--json")) {
			json = v;
		} else if (!strcmp(a, "--duration")) {
			if (lab_parse_seconds(v, &cfg.duration) ||
			    cfg.duration <= 0.0 || cfg.duration > 3600.0) {
				fprintf(stderr,
					"lock-bench: bad --duration '%s'\n", v);
				return 2;
			}
		} else if (!strcmp(a, "--cs-short")) {
			if (parse_u64_opt(a, v, &cfg.cs_short, 0))
				return 2;
		} else if (!strcmp(a, "--cs-long")) {
			if (parse_u64_opt(a, v, &cfg.cs_long, 0))
				return 2;
		} else if (!strcmp(a, "--hold-ns")) {
			if (parse_u64_opt(a, v, &cfg.hold_ns, 0))
				return 2;
			if (cfg.hold_ns > 1000000) {
				fprintf(stderr,
					"lock-bench: bad --hold-ns '%s' "
					"(0..1000000)\n",
					v);
				return 2;
			}
		} else if (!strcmp(a, "--think")) {
			if (parse_u64_opt(a, v, &cfg.think_ns, 0))
				return 2;
			if (cfg.think_ns > 1000000) {
				fprintf(stderr,
					"lock-bench: bad --think '%s' "
					"(0..1000000 ns)\n",
					v);
				return 2;
			}
		} else if (!strcmp(a, "--read-pct")) {
			if (parse_u64_opt(a, v, &cfg.read_pct, 0))
				return 2;
			if (cfg.read_pct > 100) {
				fprintf(stderr,
					"lock-bench: bad --read-pct '%s' "
					"(0..100)\n",
					v);
				return 2;
			}
		} else if (!strcmp(a, "--iters")) {
			if (parse_u64_opt(a, v, &cfg.uncontended_iters, 1))
				return 2;
		} else if (!strcmp(a, "--spin")) {
			if (lab_spin_policy_parse(v, &cfg.spin)) {
				fprintf(stderr,
					"lock-bench: bad --spin '%s' "
					"(pure|yield)\n",
					v);
				return 2;
			}
		} else {
			fprintf(stderr, "lock-bench: bad argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	nl = lab_parse_name_list(locks, lab_lock_names, &lv, NULL);
	if (nl < 0) {
		fprintf(stderr, "lock-bench: bad --locks '%s'\n", locks);
		return 2;
	}
	nt = lab_parse_u64_list(threads, 1, 1024, 64, &tv);
	if (nt < 0) {
		fprintf(stderr, "lock-bench: bad --threads '%s'\n", threads);
		free(lv);
		return 2;
	}
	ns = lab_parse_name_list(sections, section_names, &sv, NULL);
	if (ns < 0) {
		fprintf(stderr, "lock-bench: bad --sections '%s'\n", sections);
		free(lv);
		free(tv);
		return 2;
	}
	for (long i = 0; i < ns; i++)
		want[sv[i]] = true;
	/* the output path, before any work: exit 2 when unusable */
	{
		const char *const opt[] = { "--json" }, *const path[] = { json };

		if (lab_outfile_check("lock-bench", opt, path, 1)) {
			free(lv);
			free(tv);
			free(sv);
			return 2;
		}
	}
	if (lab_stop_install(true)) {
		fprintf(stderr, "lock-bench: cannot install signal handlers\n");
		free(lv);
		free(tv);
		free(sv);
		return 1;
	}

	if (sched_getaffinity(0, sizeof(cfg.cpus), &cfg.cpus)) {
		fprintf(stderr, "lock-bench: sched_getaffinity failed\n");
		return 1;
	}
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &cfg.cpus))
			cfg.cpu_list[cfg.ncpu++] = c;
	cfg.tpn = lab_cycles_per_ns(50);
	if (json) {
		int ret = lab_outfile_open(&out, json);

		if (ret) {
			fprintf(stderr,
				"lock-bench: cannot create a file beside '%s': "
				"%s\n",
				json, strerror(-ret));
			free(lv);
			free(tv);
			free(sv);
			return 2;
		}
		lab_json_init(&j, out.f);
		cfg.j = &j;
		lab_json_object_begin(&j, NULL);
		lab_json_str(&j, "tool", "lock-bench");
		lab_json_object_begin(&j, "meta");
		lab_json_u64(&j, "cpus", cfg.ncpu);
		lab_json_double(&j, "tsc_per_ns", cfg.tpn);
		lab_json_double(&j, "timer_overhead_ns",
				lab_clock_overhead_ns(1000));
		lab_json_str(&j, "spin", lab_spin_policy_name(cfg.spin));
		lab_json_double(&j, "duration_s", cfg.duration);
		lab_json_u64(&j, "cs_short", cfg.cs_short);
		lab_json_u64(&j, "cs_long", cfg.cs_long);
		lab_json_u64(&j, "think_ns", cfg.think_ns);
		lab_json_u64(&j, "hold_ns", cfg.hold_ns);
		lab_json_u64(&j, "uncontended_iters", cfg.uncontended_iters);
		lab_json_object_end(&j);
	}
	printf("# lock-bench: %u CPUs usable, TSC %.3f/ns, spin=%s, "
	       "cs short=%llu long=%llu, think-ns=%llu, hold-ns=%llu\n",
	       cfg.ncpu, cfg.tpn, lab_spin_policy_name(cfg.spin),
	       (unsigned long long)cfg.cs_short,
	       (unsigned long long)cfg.cs_long,
	       (unsigned long long)cfg.think_ns,
	       (unsigned long long)cfg.hold_ns);
	lab_lock_thread_online();
	pin(0);

	if (want[0]) {
		printf("\n## uncontended acquire+release (one thread)\n");
		printf("%-10s %9s %9s %12s %12s\n", "lock", "ns", "cycles",
		       "read-ns", "read-cycles");
		if (cfg.j)
			lab_json_array_begin(cfg.j, "uncontended");
		for (long i = 0; i < nl && !rc && !lab_stop_requested(); i++)
			rc = uncontended(lab_lock_names[lv[i]]);
		if (cfg.j)
			lab_json_array_end(cfg.j);
	}
	if (want[1] && !rc) {
		printf("\n## throughput (%.2f s per cell; Mops = million "
		       "acquisitions/s)\n",
		       cfg.duration);
		printf("%-10s %-5s %7s %-14s %12s %7s %9s\n", "lock", "cs",
		       "threads", "", "Mops", "jain", "max/min");
		if (cfg.j)
			lab_json_array_begin(cfg.j, "throughput");
		for (long i = 0; i < nl && !rc && !lab_stop_requested(); i++)
			rc = throughput(lab_lock_names[lv[i]], tv, nt);
		if (cfg.j)
			lab_json_array_end(cfg.j);
	}
	if (want[2] && !rc && !lab_stop_requested()) {
		printf("\n## interface indirection (uncontended pair; min of %d "
		       "alternating rounds)\n",
		       ROUNDS);
		printf("%-10s %10s %10s %10s %10s %10s\n", "lock", "direct-ns",
		       "iface-ns", "delta-ns", "direct-cyc", "iface-cyc");
		if (cfg.j)
			lab_json_array_begin(cfg.j, "indirection");
		rc = indirection();
		if (cfg.j)
			lab_json_array_end(cfg.j);
	}
	if (want[3] && !rc) {
		static const char *const which[] = { "ticket", "mcs", "mutex" };

		printf("\n## statistics overhead (uncontended pair ns; 2 threads "
		       "short cs Mops)\n");
		printf("%-10s %11s %11s %11s %13s %13s\n", "lock", "never-ns",
		       "off-ns", "on-ns", "2thr-off-Mops", "2thr-on-Mops");
		if (cfg.j)
			lab_json_array_begin(cfg.j, "stats_overhead");
		for (int i = 0; i < 3 && !rc && !lab_stop_requested(); i++)
			rc = stats_overhead(which[i]);
		if (cfg.j)
			lab_json_array_end(cfg.j);
	}
	if (want[4] && !rc) {
		printf("\n## read-mostly (%llu%% read sections; M/s)\n",
		       (unsigned long long)cfg.read_pct);
		printf("%-10s %7s %-14s %12s %12s %7s\n", "lock", "threads", "",
		       "reads", "writes", "jain");
		if (cfg.j)
			lab_json_array_begin(cfg.j, "read_mostly");
		for (long i = 0; i < nl && !rc && !lab_stop_requested(); i++)
			rc = read_mostly(lab_lock_names[lv[i]], tv, nt);
		if (cfg.j)
			lab_json_array_end(cfg.j);
	}
	lab_lock_thread_offline();
	if (cfg.j) {
		/* true: a signal stopped the sweep; the arrays hold what ran */
		lab_json_bool(cfg.j, "interrupted", lab_stop_requested());
		lab_json_object_end(cfg.j);
		if (rc || lab_json_finish(cfg.j) || lab_outfile_commit(&out)) {
			if (!rc)
				fprintf(stderr,
					"lock-bench: writing '%s' failed\n",
					json);
			/* a failed run leaves any old file as it was */
			lab_outfile_abort(&out);
			rc = 1;
		}
	}
	if (!rc && lab_stop_requested())
		rc = lab_stop_exit_status();
	free(lv);
	free(tv);
	free(sv);
	return rc;
}
