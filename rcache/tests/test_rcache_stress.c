// SPDX-License-Identifier: MIT
/*
 * Concurrency test of the fast path: N unpinned threads (more than cores
 * is the point: they migrate and are preempted while holding slot locks)
 * allocate and free through the cache; part of the frees go through a
 * shared hand-off queue and are done by another thread, as TX completions
 * on another CPU would be. Meanwhile the depot is trimmed (by the trim
 * thread, or by the workers calling iovad_rcache_trim()), flushes happen
 * on allocation failure, and one worker runs iovad_check() now and then.
 *
 * Invariants asserted:
 *  - no pfn is handed out twice while live: every alloc claims each pfn of
 *    its range in a shared atomic ownership array, every free releases it;
 *  - at the end, allocated == freed + live (held by the test), the tree
 *    holds exactly live + cached ranges, iovad_check() passes, and after
 *    freeing everything and a flush the tree is empty.
 * Bounded by iteration counts, and by a run budget the test enforces
 * itself: on a loaded machine (FIFO locks hand off only when the next
 * waiter is scheduled) the workers stop at RUN_BUDGET_S and everything
 * they did is checked as above; a run with no progress at all for
 * STALL_S is reported as a stall (exit 3) instead of hanging. The CTest
 * timeout follows from the two (CMakeLists.txt). No timing is asserted.
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

#include "iovalab/lock.h"
#include "iovalab/parse.h"
#include "iovalab/prng.h"
#include "iovalab/rcache.h"
#include "iovalab/watchdog.h"

#define HELD_MAX 48 /* ranges one thread holds at most */
#define HANDOFF_SLOTS 256
#define RUN_BUDGET_S 30.0
#define STALL_S 30.0

struct range {
	unsigned long pfn;
	unsigned long size; /* as passed to alloc_iova_fast */
	bool tree; /* from iovad_alloc_iova: freed with iovad_free_iova */
};

static struct iovad *iovad;
static _Atomic unsigned char *owner;
static atomic_long errors;
static unsigned long iterations = 20000;
/*
 * Allocations live in [1, space_pfns): small values force flushes. The
 * default straddles dma_32bit_pfn (2^20) so the two limits below use both
 * of classic's cached nodes and the cache really holds pfns above the low
 * limit.
 */
static unsigned long space_pfns = 1UL << 21;

static atomic_ulong n_alloc, n_free, n_fail;
static struct lab_watchdog wd;

static uint64_t progress(void *arg)
{
	return n_alloc + n_free + n_fail;
}

/* The cross-thread hand-off: a mutex-protected ring of live ranges. */
static struct {
	pthread_mutex_t mu;
	struct range r[HANDOFF_SLOTS];
	unsigned int head, count;
} handoff = { .mu = PTHREAD_MUTEX_INITIALIZER };

static bool handoff_put(struct range r)
{
	bool ok = false;

	pthread_mutex_lock(&handoff.mu);
	if (handoff.count < HANDOFF_SLOTS) {
		handoff.r[(handoff.head + handoff.count++) % HANDOFF_SLOTS] = r;
		ok = true;
	}
	pthread_mutex_unlock(&handoff.mu);
	return ok;
}

static bool handoff_get(struct range *r)
{
	bool ok = false;

	pthread_mutex_lock(&handoff.mu);
	if (handoff.count) {
		*r = handoff.r[handoff.head];
		handoff.head = (handoff.head + 1) % HANDOFF_SLOTS;
		handoff.count--;
		ok = true;
	}
	pthread_mutex_unlock(&handoff.mu);
	return ok;
}

static unsigned long real_size(unsigned long size, bool tree)
{
	unsigned long s = 1;

	if (tree || size > IOVAD_MAX_CACHED_SIZE)
		return size;
	while (s < size)
		s <<= 1;
	return s;
}

static void claim(unsigned long pfn, unsigned long size, bool tree,
		  unsigned long limit)
{
	unsigned long n = real_size(size, tree);

	if (pfn + n - 1 > limit) {
		fprintf(stderr, "pfn %#lx+%lu beyond the limit %#lx\n", pfn, n,
			limit);
		atomic_fetch_add(&errors, 1);
		return;
	}
	for (unsigned long p = pfn; p < pfn + n; p++) {
		if (atomic_exchange_explicit(&owner[p], 1,
					     memory_order_acq_rel)) {
			fprintf(stderr, "pfn %#lx handed out twice\n", p);
			atomic_fetch_add(&errors, 1);
			return;
		}
	}
}

static void release(unsigned long pfn, unsigned long size, bool tree)
{
	unsigned long n = real_size(size, tree);

	for (unsigned long p = pfn; p < pfn + n && p < space_pfns; p++) {
		if (atomic_exchange_explicit(&owner[p], 0,
					     memory_order_acq_rel) != 1) {
			fprintf(stderr, "pfn %#lx freed but not owned\n", p);
			atomic_fetch_add(&errors, 1);
			return;
		}
	}
}

static void do_free(struct range r)
{
	release(r.pfn, r.size, r.tree);
	if (!r.tree) {
		free_iova_fast(iovad, r.pfn, r.size);
	} else if (iovad_free_iova(iovad, r.pfn)) {
		fprintf(stderr, "tree range %#lx vanished\n", r.pfn);
		atomic_fetch_add(&errors, 1);
	}
	atomic_fetch_add_explicit(&n_free, 1, memory_order_relaxed);
}

/* Mostly single pages, as DMA maps are; some bypass the cache. */
static unsigned long pick_size(struct lab_prng *rng)
{
	static const unsigned long sizes[] = { 1, 1, 1,	 1,  2,	 3,
					       4, 8, 13, 16, 32, 33 };

	return sizes[lab_prng_below(rng, sizeof(sizes) / sizeof(sizes[0]))];
}

struct worker {
	pthread_t tid;
	unsigned int id;
	bool trim_calls;
	struct range held[HELD_MAX];
	unsigned int nheld;
	unsigned long done; /* iterations run (fewer past the budget) */
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct lab_prng rng;

	lab_lock_thread_online();
	lab_prng_seed(&rng, 0x5eed0000u + w->id);
	for (unsigned long i = 0; i < iterations && !lab_watchdog_over(&wd);
	     i++, w->done++) {
		uint64_t dice = lab_prng_below(&rng, 100);
		/* Two DMA masks, so pops must skip pfns above the limit. */
		unsigned long limit = lab_prng_below(&rng, 4) ?
					      space_pfns - 1 :
					      space_pfns / 4 - 1;
		struct range r;

		if (w->nheld < HELD_MAX && (dice < 50 || w->nheld == 0)) {
			/* 1 in 50 goes through the plain tree operation. */
			r.tree = dice == 0;
			r.size = r.tree ? 5 + lab_prng_below(&rng, 60) :
					  pick_size(&rng);
			r.pfn = r.tree ? iovad_alloc_iova(iovad, r.size, limit,
							  false) :
					 alloc_iova_fast(iovad, r.size, limit,
							 true);
			if (!r.pfn) {
				atomic_fetch_add(&n_fail, 1);
				continue;
			}
			atomic_fetch_add_explicit(&n_alloc, 1,
						  memory_order_relaxed);
			claim(r.pfn, r.size, r.tree, limit);
			w->held[w->nheld++] = r;
		} else if (dice < 75) {
			unsigned int k = lab_prng_below(&rng, w->nheld);

			r = w->held[k];
			w->held[k] = w->held[--w->nheld];
			/* A quarter of frees are done by another thread. */
			if (!handoff_put(r))
				do_free(r);
		} else if (dice < 90 && handoff_get(&r)) {
			do_free(r);
		} else if (w->nheld) {
			unsigned int k = lab_prng_below(&rng, w->nheld);
			unsigned long lo, hi;

			r = w->held[k];
			if (!iovad_find_iova(iovad, r.pfn, &lo, &hi) ||
			    lo != r.pfn ||
			    hi - lo + 1 != real_size(r.size, r.tree)) {
				fprintf(stderr, "find %#lx: wrong range\n",
					r.pfn);
				atomic_fetch_add(&errors, 1);
			}
			do_free(r);
			w->held[k] = w->held[--w->nheld];
		}
		if (w->trim_calls && i % 512 == 0)
			iovad_rcache_trim(iovad);
		if (w->id == 0 && i % 4096 == 4095) {
			char msg[256];

			if (iovad_check(iovad, msg, sizeof(msg))) {
				fprintf(stderr, "check: %s\n", msg);
				atomic_fetch_add(&errors, 1);
			}
		}
	}
	lab_lock_thread_offline();
	return NULL;
}

static int usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s THREADS ITERATIONS [LOCKS [MAG_SIZE [TRIM_NS "
		"[SPACE]]]]\n"
		"  LOCKS: one strategy for all, or TREE,CPU,DEPOT\n"
		"  TRIM_NS 0: workers call iovad_rcache_trim() themselves\n"
		"  SPACE: pfns to allocate from (2^21; small forces "
		"flushes)\n",
		prog);
	return 2;
}

int main(int argc, char **argv)
{
	uint64_t nthreads, iters, mag = 16, trim_ns = 0, space = 1UL << 21;
	const char *lock = "mutex";
	char locks[3][32];
	struct iovad_rcache_stats st;
	struct iovad_rcache_totals tot;
	struct iova_stats ts;
	struct iovad_attr a;
	struct worker *w;
	unsigned long live = 0, cached;
	char msg[256];
	struct range r;

	if (argc < 3 || argc > 7)
		return usage(argv[0]);
	if (lab_parse_u64(argv[1], &nthreads) || nthreads < 1 ||
	    nthreads > 256 || lab_parse_u64(argv[2], &iters) || iters < 1 ||
	    (argc > 4 && (lab_parse_u64(argv[4], &mag) || mag < 1 ||
			  mag > IOVAD_MAG_SIZE_MAX)) ||
	    (argc > 5 && lab_parse_u64(argv[5], &trim_ns)) ||
	    (argc > 6 && (lab_parse_u64(argv[6], &space) || space < 1024 ||
			  space > (1UL << 26)))) {
		fprintf(stderr, "%s: bad argument\n", argv[0]);
		return usage(argv[0]);
	}
	if (argc > 3)
		lock = argv[3];
	iterations = iters;
	space_pfns = space;

	owner = calloc(space_pfns, sizeof(*owner));
	w = calloc(nthreads, sizeof(*w));
	if (!owner || !w) {
		perror("calloc");
		return 1;
	}
	lab_lock_thread_online();
	iovad_attr_init(&a);
	if (sscanf(lock, "%31[^,],%31[^,],%31s", locks[0], locks[1],
		   locks[2]) == 3) {
		a.tree_lock = locks[0];
		a.cpu_lock = locks[1];
		a.depot_lock = locks[2];
	} else {
		a.tree_lock = a.cpu_lock = a.depot_lock = lock;
	}
	a.mag_size = (unsigned int)mag;
	a.depot_max = 1;
	a.trim_period_ns = trim_ns;
	iovad = iovad_create(&a);
	if (!iovad) {
		fprintf(stderr, "iovad_create(lock %s): %s\n", lock,
			strerror(errno));
		return errno == EINVAL ? 2 : 1;
	}

	if (lab_watchdog_start(&wd, "test_rcache_stress", RUN_BUDGET_S, STALL_S,
			       progress, NULL)) {
		fprintf(stderr, "cannot start the watchdog\n");
		return 1;
	}
	for (unsigned int i = 0; i < nthreads; i++) {
		w[i].id = i;
		w[i].trim_calls = trim_ns == 0 && i == nthreads - 1;
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i])) {
			perror("pthread_create");
			return 1;
		}
	}
	for (unsigned int i = 0; i < nthreads; i++)
		pthread_join(w[i].tid, NULL);
	lab_watchdog_stop(&wd);
	if (lab_watchdog_over(&wd)) {
		unsigned long done = 0;

		for (unsigned int i = 0; i < nthreads; i++)
			done += w[i].done;
		printf("run budget reached: %lu of %llu iterations done, all "
		       "checked\n",
		       done, (unsigned long long)(nthreads * iters));
	}

	/*
	 * The trim thread may still be returning magazines; once every depot
	 * is at the threshold it has nothing left to do (no one pushes), and
	 * a finished step is fully visible. Bounded wait on a counter.
	 */
	for (int spin = 0; trim_ns && spin < 100000; spin++) {
		bool over = false;

		iovad_rcache_stats(iovad, &st);
		for (int k = 0; k < IOVAD_NR_CLASSES; k++)
			over |= st.depot_mags[k] > a.depot_max;
		if (!over)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 200000 }, NULL);
	}

	for (unsigned int i = 0; i < nthreads; i++)
		live += w[i].nheld;
	live += handoff.count;
	iovad_rcache_stats(iovad, &st);
	iovad_tree_stats(iovad, &ts);
	iovad_rcache_stats_sum(&st, &tot);
	cached = tot.cached;

	if (n_alloc != n_free + live) {
		fprintf(stderr, "allocated %lu != freed %lu + live %lu\n",
			n_alloc, n_free, live);
		errors++;
	}
	if (ts.live != live + cached) {
		fprintf(stderr, "tree holds %llu != live %lu + cached %lu\n",
			(unsigned long long)ts.live, live, cached);
		errors++;
	}
	if (iovad_check_quiescent(iovad, msg, sizeof(msg))) {
		fprintf(stderr, "final check: %s\n", msg);
		errors++;
	}

	/* Return everything; then the tree holds only the cache. */
	for (unsigned int i = 0; i < nthreads; i++)
		while (w[i].nheld)
			do_free(w[i].held[--w[i].nheld]);
	while (handoff_get(&r))
		do_free(r);
	iovad_rcache_stats(iovad, &st);
	iovad_tree_stats(iovad, &ts);
	iovad_rcache_stats_sum(&st, &tot);
	cached = tot.cached;
	if (ts.live != cached) {
		fprintf(stderr, "all freed: tree %llu != cached %lu\n",
			(unsigned long long)ts.live, cached);
		errors++;
	}
	iovad_rcache_flush(iovad);
	iovad_tree_stats(iovad, &ts);
	if (ts.live != 0) {
		fprintf(stderr, "after flush: tree holds %llu\n",
			(unsigned long long)ts.live);
		errors++;
	}
	for (unsigned long p = 0; p < space_pfns; p++) {
		if (owner[p]) {
			fprintf(stderr, "pfn %#lx still owned\n", p);
			errors++;
			break;
		}
	}
	if (iovad_check_quiescent(iovad, msg, sizeof(msg))) {
		fprintf(stderr, "flushed check: %s\n", msg);
		errors++;
	}

	printf("threads %llu iters %llu lock %s mag %llu trim_ns %llu: "
	       "allocs %lu frees %lu fails %lu hits %llu misses %llu "
	       "depot push %llu pop %llu trims %llu flushes %llu\n",
	       (unsigned long long)nthreads, (unsigned long long)iters, lock,
	       (unsigned long long)mag, (unsigned long long)trim_ns, n_alloc,
	       n_free, n_fail, (unsigned long long)tot.hits,
	       (unsigned long long)tot.misses,
	       (unsigned long long)tot.depot_pushes,
	       (unsigned long long)tot.depot_pops,
	       (unsigned long long)tot.trims, (unsigned long long)st.flushes);
	iovad_destroy(iovad);
	lab_lock_thread_offline();
	free(owner);
	free(w);
	if (errors) {
		fprintf(stderr, "%ld error(s)\n", (long)errors);
		return 1;
	}
	return 0;
}
