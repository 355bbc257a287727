// SPDX-License-Identifier: MIT
/*
 * lock-torture: the shared validate program for every strategy. N threads
 * run a fixed number of iterations, within a time budget (--budget: a FIFO
 * spinlock with more threads than CPUs can take hours; the run is then
 * stopped, checked over what it did, and reported as stalled), mixing:
 *   - writes under lab_lock (or lab_trylock every 8th): plain, non-atomic
 *     shared state updated in two halves, checked on entry, plus an
 *     RCU-style snapshot replaced by copy and freed with defer_free;
 *   - reads under lab_read_lock: the snapshot (and, where readers
 *     exclude writers, the plain state) must be consistent.
 * At the end the plain counters must equal the number of writes exactly,
 * every snapshot allocated but the live one must have been freed, and with
 * --stats the lock's statistics must count exactly what the threads did.
 * Exit 0 when all hold, 1 on a violation, 2 on a usage error, 3 when some
 * run stalled (its budget ran out; the checks on what it did held).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iovalab/arch.h"
#include "iovalab/clock.h"
#include "iovalab/fault.h"
#include "iovalab/lock.h"
#include "iovalab/lock_stat.h"
#include "iovalab/parse.h"

struct snap {
	uint64_t gen;
	uint64_t twice; /* 2 * gen */
	uint64_t neg; /* ~gen */
};

/* Plain shared state: only a broken lock lets two writers in at once. */
static struct {
	uint64_t a;
	char pad[64];
	uint64_t b;
	uint64_t entry_mismatch;
	uint64_t log[16];
} st;

static struct snap *cur;
static atomic_uint_fast64_t snaps_alloc, snaps_freed, read_bad;

struct worker {
	pthread_t th;
	struct lab_lock *l;
	uint64_t iters;
	unsigned int seed;
	uint64_t writes, reads, tryfail, trywon;
	int err;
} __lab_cacheline_aligned;

static pthread_barrier_t start;
static uint64_t yield_every = 16;
/* Set when a run's budget runs out: workers stop after their iteration. */
static atomic_bool stop;
static atomic_uint finished;

static void snap_free(void *p)
{
	atomic_fetch_add(&snaps_freed, 1);
	free(p);
}

static void do_write(struct worker *w, uint64_t i)
{
	struct snap *old, *n = malloc(sizeof(*n));

	if (!n) {
		w->err = ENOMEM;
		return;
	}
	atomic_fetch_add(&snaps_alloc, 1);
	if (i % 8 == 7) {
		if (lab_trylock(w->l)) {
			w->trywon++;
		} else {
			w->tryfail++;
			lab_lock(w->l);
		}
	} else {
		lab_lock(w->l);
	}
	if (st.a != st.b)
		st.entry_mismatch++;
	st.a++;
	/* A window for a second writer to be caught mid-update. */
	for (int k = 0; k < 16; k++)
		st.log[k] = st.a + (uint64_t)k;
	st.b++;
	old = cur;
	n->gen = old->gen + 1;
	n->twice = 2 * n->gen;
	n->neg = ~n->gen;
	lab_rcu_assign_pointer(cur, n);
	lab_unlock(w->l);
	lab_lock_defer_free(w->l, snap_free, old);
	w->writes++;
}

static void do_read(struct worker *w)
{
	const struct snap *s;
	bool lockless = lab_lock_lockless_readers(w->l);

	lab_read_lock(w->l);
	s = lab_rcu_dereference(cur);
	if (s->twice != 2 * s->gen || s->neg != ~s->gen)
		atomic_fetch_add(&read_bad, 1);
	if (!lockless && (st.a != st.b || st.a != s->gen))
		atomic_fetch_add(&read_bad, 1);
	lab_read_unlock(w->l);
	w->reads++;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	lab_lock_thread_online();
	pthread_barrier_wait(&start);
	for (uint64_t i = 0; i < w->iters && !w->err &&
			     !atomic_load_explicit(&stop, memory_order_relaxed);
	     i++) {
		/* xorshift: a per-thread, reproducible read/write mix. */
		w->seed ^= w->seed << 13;
		w->seed ^= w->seed >> 17;
		w->seed ^= w->seed << 5;
		if (w->seed % 4 == 0)
			do_write(w, i);
		else
			do_read(w);
		/* Outside any section: rotate the runnable threads so that
		 * all of them, not just two, are in flight at once. */
		if (yield_every && i % yield_every == yield_every - 1)
			sched_yield();
	}
	lab_lock_thread_offline();
	atomic_fetch_add(&finished, 1);
	return NULL;
}

/*
 * Wait for the workers, at most @budget_ns; then ask them to stop.
 * Returns true when the budget ran out first.
 */
static bool wait_budget(unsigned int nthreads, uint64_t budget_ns)
{
	uint64_t t0 = lab_now_ns();
	const struct timespec tick = { 0, 10 * 1000 * 1000 };

	while (atomic_load(&finished) < nthreads) {
		if (lab_now_ns() - t0 >= budget_ns) {
			atomic_store(&stop, true);
			return true;
		}
		nanosleep(&tick, NULL);
	}
	return false;
}

static int fail(const char *lock, unsigned int n, const char *what)
{
	fprintf(stderr, "lock-torture: %s, %u threads: %s\n", lock, n, what);
	return 1;
}

static int run(const char *name, unsigned int nthreads, uint64_t total,
	       uint64_t budget_ns, enum lab_spin_policy spin, bool stats,
	       bool verbose)
{
	struct lab_lock_attr attr = { .spin = spin, .label = "torture" };
	struct worker *w = calloc(nthreads, sizeof(*w));
	uint64_t writes = 0, reads = 0, tryfail = 0, trywon = 0;
	struct lab_lock *l;
	bool stalled;
	int rc = 0;

	if (!w)
		return fail(name, nthreads, "out of memory");
	l = lab_lock_create(name, &attr);
	if (!l) {
		free(w);
		return fail(name, nthreads, strerror(errno));
	}
	memset(&st, 0, sizeof(st));
	cur = calloc(1, sizeof(*cur));
	cur->neg = ~0ull;
	atomic_store(&snaps_alloc, 1);
	atomic_store(&snaps_freed, 0);
	atomic_store(&read_bad, 0);
	atomic_store(&stop, false);
	atomic_store(&finished, 0);
	if (stats && lab_lock_stats_enable(l, true))
		return fail(name, nthreads, "stats enable failed");
	pthread_barrier_init(&start, NULL, nthreads);
	for (unsigned int t = 0; t < nthreads; t++) {
		w[t].l = l;
		w[t].iters = total / nthreads;
		w[t].seed = 2463534242u + t * 7919u;
		if (pthread_create(&w[t].th, NULL, worker_main, &w[t]))
			return fail(name, nthreads, "pthread_create failed");
	}
	stalled = wait_budget(nthreads, budget_ns);
	for (unsigned int t = 0; t < nthreads; t++) {
		pthread_join(w[t].th, NULL);
		if (w[t].err)
			rc = fail(name, nthreads, strerror(w[t].err));
		writes += w[t].writes;
		reads += w[t].reads;
		tryfail += w[t].tryfail;
		trywon += w[t].trywon;
	}
	pthread_barrier_destroy(&start);
	lab_lock_defer_barrier(l);

	if (st.a != writes || st.b != writes)
		rc = fail(name, nthreads,
			  "lost update: plain counters != writes");
	if (st.entry_mismatch)
		rc = fail(name, nthreads, "two writers inside at once");
	if (cur->gen != writes || cur->twice != 2 * writes)
		rc = fail(name, nthreads, "snapshot generation != writes");
	if (atomic_load(&read_bad))
		rc = fail(name, nthreads, "a reader saw inconsistent state");
	if (atomic_load(&snaps_freed) != atomic_load(&snaps_alloc) - 1)
		rc = fail(name, nthreads, "deferred frees not all run");
	if (stats) {
		struct lab_lock_stats *s = malloc(sizeof(*s));
		uint64_t sum = 0;

		lab_lock_stats_read(l, s);
		for (unsigned int t = 0; t < s->nthreads; t++)
			sum += s->thread_acq[t];
		if (s->acquisitions != writes)
			rc = fail(name, nthreads,
				  "stats: acquisitions != writes");
		if (s->read_acquisitions != reads)
			rc = fail(name, nthreads, "stats: reads mismatch");
		if (s->trylock_fail != tryfail)
			rc = fail(name, nthreads, "stats: trylock failures");
		if (s->contended > writes || s->handoffs > writes)
			rc = fail(name, nthreads, "stats: contended/handoffs");
		/* lock() and read_lock() record a wait; trylock does not. */
		if (s->hold.count != writes ||
		    s->wait.count != writes - trywon + reads)
			rc = fail(name, nthreads, "stats: histogram counts");
		if (s->nthreads != nthreads || sum != writes + reads)
			rc = fail(name, nthreads, "stats: per-thread counts");
		if (verbose)
			lab_lock_stats_print(l, stdout, true);
		free(s);
	}
	if (stalled) {
		fprintf(stderr,
			"lock-torture: %s, %u threads: stalled: the %.3g s "
			"budget ran out after %llu of %llu iterations "
			"(checks on those %s)\n",
			name, nthreads, (double)budget_ns / 1e9,
			(unsigned long long)(writes + reads),
			(unsigned long long)(total / nthreads * nthreads),
			rc ? "failed" : "passed");
		if (!rc)
			rc = 3;
	}
	if (verbose || rc)
		printf("%-10s threads=%-3u writes=%llu reads=%llu "
		       "trylock-fail=%llu %s\n",
		       name, nthreads, (unsigned long long)writes,
		       (unsigned long long)reads, (unsigned long long)tryfail,
		       rc == 1 ? "FAIL" :
		       rc == 3 ? "STALLED" :
				 "ok");
	free(cur);
	cur = NULL;
	lab_lock_destroy(l);
	free(w);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lock-torture [--locks LIST|all] [--threads LIST]\n"
		"                    [--iters N] [--spin pure|yield] [--stats] "
		"[-v]\n"
		"  --locks    strategies (default all)\n"
		"  --threads  thread counts (default 1,2,4x online CPUs)\n"
		"  --iters    iterations per run, split over the threads "
		"(default 20000)\n"
		"  --yield-every K  sched_yield() outside the lock every K "
		"iterations,\n"
		"             so oversubscribed threads really interleave "
		"(default 16, 0 = never)\n"
		"  --budget S  seconds each run may take (default 60, > 0); "
		"then it stops,\n"
		"             is checked over what it did and reported as "
		"stalled\n"
		"exit: 0 ok, 1 violation, 2 usage error, 3 a run stalled "
		"(no violation)\n");
}

int main(int argc, char **argv)
{
	const char *locks = "all", *threads = NULL;
	enum lab_spin_policy spin = LAB_SPIN_YIELD;
	uint64_t iters = 20000, *tv = NULL, budget_ns;
	double budget = 60;
	bool stats = false, verbose = false;
	size_t *lv = NULL;
	long nl, nt;
	char dflt[64];
	int rc = 0;

	lab_fault_setup("lock-torture");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--stats")) {
			stats = true;
		} else if (!strcmp(a, "-v")) {
			verbose = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (v && !strcmp(a, "--locks")) {
			locks = v;
			i++;
		} else if (v && !strcmp(a, "--threads")) {
			threads = v;
			i++;
		} else if (v && !strcmp(a, "--iters")) {
			if (lab_parse_u64(v, &iters) || iters == 0) {
				fprintf(stderr,
					"lock-torture: bad --iters '%s'\n", v);
				return 2;
			}
			i++;
		} else if (v && !strcmp(a, "--yield-every")) {
			if (lab_parse_u64(v, &yield_every)) {
				fprintf(stderr,
					"lock-torture: bad --yield-every '%s'\n",
					v);
				return 2;
			}
			i++;
		} else if (v && !strcmp(a, "--budget")) {
			if (lab_parse_seconds(v, &budget) || !(budget > 0) ||
			    budget > 86400) {
				fprintf(stderr,
					"lock-torture: bad --budget '%s' (seconds, "
					"0 < S <= 86400)\n",
					v);
				return 2;
			}
			i++;
		} else if (v && !strcmp(a, "--spin")) {
			if (lab_spin_policy_parse(v, &spin)) {
				fprintf(stderr,
					"lock-torture: bad --spin '%s' (pure|yield)\n",
					v);
				return 2;
			}
			i++;
		} else {
			fprintf(stderr,
				"lock-torture: unknown option or missing value "
				"in '%s' (see --help)\n",
				a);
			return 2;
		}
	}
	if (!threads) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

		snprintf(dflt, sizeof(dflt), "1,2,%ld",
			 4 * (ncpu > 0 ? ncpu : 1));
		threads = dflt;
	}
	nl = lab_parse_name_list(locks, lab_lock_names, &lv, NULL);
	if (nl < 0) {
		fprintf(stderr, "lock-torture: bad --locks '%s'\n", locks);
		return 2;
	}
	nt = lab_parse_u64_list(threads, 1, 1024, 64, &tv);
	if (nt < 0) {
		fprintf(stderr, "lock-torture: bad --threads '%s'\n", threads);
		free(lv);
		return 2;
	}
	budget_ns = (uint64_t)(budget * 1e9);
	for (long i = 0; i < nl; i++) {
		for (long t = 0; t < nt; t++) {
			int r = run(lab_lock_names[lv[i]], (unsigned int)tv[t],
				    iters, budget_ns, spin, stats, verbose);

			/* a violation outranks a stall */
			if (r == 1 || (r == 3 && rc != 1))
				rc = r;
		}
	}
	free(lv);
	free(tv);
	return rc;
}
