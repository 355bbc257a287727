// SPDX-License-Identifier: MIT
/*
 * The flush queue (iovalab/flushq.h).
 *
 * Deterministic part, one thread pinned to one CPU: a full queue flushes
 * exactly once and frees exactly the completed entries; nothing is freed
 * before a flush; an entry queued while a flush is in progress survives
 * that flush and goes with the next; the end-of-run drain empties every
 * queue; conservation (tree ranges = held + queued + cached) at every
 * step; a range free_iova_fast refuses is counted as refused, not freed;
 * the timer frees a partial queue (bounded wait on a counter).
 *
 * Concurrent part: THREADS threads map and lazily unmap with the flush
 * timer (1 ms) and the depot trim thread (1 ms) both running, small
 * queues so full-queue flushes happen too; at the end every unmap was
 * freed exactly once (queued == freed), the domain checks pass, and the
 * tree is back to empty after the cache is flushed.
 *
 * Usage: test_flushq [THREADS ITERATIONS] (defaults 4 20000).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "iovalab/flushq.h"
#include "iovalab/lock.h"
#include "iovalab/rcache.h"

#define LIMIT48 ((1UL << 36) - 1)
/* Liveness guard for the timer wait, not a timing (tens of seconds). */
#define LIVENESS_YIELDS 20000000ul

static void pin_to_one_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (CPU_ISSET(c, &set)) {
			CPU_ZERO(&set);
			CPU_SET(c, &set);
			sched_setaffinity(0, sizeof(set), &set);
			return;
		}
	}
}

static struct iovad *make_iovad(bool rcache, uint64_t trim_ns)
{
	struct iovad_attr a;

	iovad_attr_init(&a);
	a.rcache = rcache;
	a.trim_period_ns = trim_ns;
	return iovad_create(&a);
}

static uint64_t live(struct iovad *d)
{
	struct iova_stats st;

	iovad_tree_stats(d, &st);
	return st.live;
}

static uint64_t cached(struct iovad *d)
{
	struct iovad_rcache_stats st;
	struct iovad_rcache_totals tot;

	iovad_rcache_stats(d, &st);
	iovad_rcache_stats_sum(&st, &tot);
	return tot.cached;
}

static struct iovad_fq_stats fqst(struct iovad_fq *fq)
{
	struct iovad_fq_stats st;

	iovad_fq_stats(fq, &st);
	return st;
}

/* Queue full: 4 entries wait, the 5th flushes once and frees 4. */
static void test_full(void)
{
	struct iovad *d = make_iovad(false, 0);
	struct iovad_fq_attr a;
	struct iovad_fq *fq;
	unsigned long pfn[9];

	iovad_fq_attr_init(&a);
	a.entries = 4;
	a.timeout_ns = 0;
	fq = iovad_fq_create(d, &a);
	CHECK(d && fq);
	for (int i = 0; i < 9; i++)
		CHECK((pfn[i] = alloc_iova_fast(d, 1, LIMIT48, false)) != 0);
	for (int i = 0; i < 4; i++)
		iovad_fq_queue(fq, pfn[i], 1);
	CHECK(fqst(fq).queued == 4 && fqst(fq).freed == 0);
	CHECK(fqst(fq).pending == 4 && fqst(fq).flushes_full == 0);
	CHECK(live(d) == 9); /* nothing freed before a flush */
	iovad_fq_queue(fq, pfn[4], 1);
	CHECK(fqst(fq).flushes_full == 1 && fqst(fq).freed == 4);
	CHECK(fqst(fq).pending == 1 && live(d) == 5);
	for (int i = 0; i < 4; i++)
		CHECK(!iovad_find_iova(d, pfn[i], NULL, NULL));
	CHECK(iovad_find_iova(d, pfn[4], NULL, NULL));
	/* the next full queue: entries 4..7 go, 8 stays */
	for (int i = 5; i < 9; i++)
		iovad_fq_queue(fq, pfn[i], 1);
	CHECK(fqst(fq).flushes_full == 2 && fqst(fq).freed == 8);
	CHECK(fqst(fq).pending == 1 && live(d) == 1);
	/* drain: one flush, the last entry */
	CHECK(iovad_fq_drain(fq) == 1);
	CHECK(fqst(fq).flushes_other == 1 && fqst(fq).pending == 0);
	CHECK(fqst(fq).queued == 9 && fqst(fq).freed == 9 && live(d) == 0);
	CHECK(iovad_fq_drain(fq) == 0 && fqst(fq).flushes_other == 1);
	iovad_fq_destroy(fq);
	iovad_destroy(d);
}

/*
 * A range free_iova_fast refuses (never handed out) leaves the queue but
 * is counted as refused, not freed; strict unmap returns the refusal.
 */
static void test_refused(void)
{
	struct iovad *d = make_iovad(false, 0);
	struct iovad_rcache_stats rs;
	struct iovad_fq_attr a;
	struct iovad_fq *fq;
	unsigned long pfn;

	iovad_fq_attr_init(&a);
	a.timeout_ns = 0;
	fq = iovad_fq_create(d, &a);
	CHECK(d && fq);
	CHECK((pfn = alloc_iova_fast(d, 1, LIMIT48, false)) != 0);
	iovad_fq_queue(fq, pfn, 1);
	iovad_fq_queue(fq, pfn + 100, 1); /* never allocated */
	CHECK(iovad_fq_drain(fq) == 1);
	CHECK(fqst(fq).queued == 2 && fqst(fq).freed == 1);
	CHECK(fqst(fq).refused == 1 && fqst(fq).pending == 0);
	CHECK(iovad_unmap_strict(d, pfn + 100, 1, 0) == -EINVAL);
	iovad_rcache_stats(d, &rs);
	CHECK(rs.bad_frees == 2 && live(d) == 0);
	iovad_fq_destroy(fq);
	iovad_destroy(d);
}

struct during {
	struct iovad_fq *fq;
	unsigned long pfn;
	int calls;
};

static void queue_during_flush(void *arg)
{
	struct during *x = arg;

	if (x->calls++ == 0)
		iovad_fq_queue(x->fq, x->pfn, 2);
}

/* An entry queued while a flush runs is not covered by it. */
static void test_generation(void)
{
	struct iovad *d = make_iovad(true, 0);
	struct iovad_fq_attr a;
	struct during x = { 0 };
	unsigned long p0, p1;

	iovad_fq_attr_init(&a);
	a.timeout_ns = 0;
	a.during_flush = queue_during_flush;
	a.during_flush_arg = &x;
	x.fq = iovad_fq_create(d, &a);
	CHECK(d && x.fq);
	p0 = alloc_iova_fast(d, 2, LIMIT48, false);
	p1 = alloc_iova_fast(d, 2, LIMIT48, false);
	x.pfn = p1;
	iovad_fq_queue(x.fq, p0, 2);
	CHECK(live(d) == 2 && cached(d) == 0);
	iovad_fq_flush(x.fq); /* queues p1 in the middle */
	CHECK(x.calls == 1);
	CHECK(fqst(x.fq).freed == 1 && fqst(x.fq).pending == 1);
	/* p0 went to a magazine (still a tree range), p1 waits */
	CHECK(cached(d) == 1 && live(d) == 2);
	CHECK(live(d) == 0 + fqst(x.fq).pending + cached(d)); /* conservation */
	iovad_fq_flush(x.fq);
	CHECK(fqst(x.fq).freed == 2 && fqst(x.fq).pending == 0);
	CHECK(cached(d) == 2 && live(d) == 2);
	iovad_fq_destroy(x.fq);
	iovad_rcache_flush(d);
	CHECK(live(d) == 0);
	iovad_destroy(d);
}

/* The timer frees a queue that never fills. */
static void test_timer(void)
{
	struct iovad *d = make_iovad(false, 0);
	struct iovad_fq_attr a;
	struct iovad_fq *fq;
	unsigned long i;

	iovad_fq_attr_init(&a);
	a.timeout_ns = 1000000; /* 1 ms */
	fq = iovad_fq_create(d, &a);
	CHECK(d && fq);
	for (int k = 0; k < 3; k++)
		iovad_fq_queue(fq, alloc_iova_fast(d, 1, LIMIT48, false), 1);
	for (i = 0; i < LIVENESS_YIELDS && fqst(fq).freed < 3; i++)
		sched_yield();
	CHECK(fqst(fq).freed == 3 && fqst(fq).pending == 0);
	/* one timer flush per arming; arming can happen at most 3 times */
	CHECK(fqst(fq).flushes_timer >= 1 && fqst(fq).flushes_timer <= 3);
	CHECK(fqst(fq).flushes_full == 0 && fqst(fq).flushes_other == 0);
	CHECK(live(d) == 0);
	iovad_fq_destroy(fq);
	iovad_destroy(d);
}

/* ---- concurrent ---- */

struct shared {
	struct iovad *d;
	struct iovad_fq *fq;
	unsigned long iters;
	_Atomic uint64_t maps, unmaps;
};

#define RING 64

static void *worker(void *arg)
{
	struct shared *s = arg;
	unsigned long ring[RING], sz[RING];
	unsigned int n = 0, head = 0;
	uint64_t x = (uint64_t)(uintptr_t)&ring;

	lab_lock_thread_online();
	for (unsigned long i = 0; i < s->iters; i++) {
		if (n == RING || (n && (x >> 33) % 3 == 0)) {
			iovad_fq_queue(s->fq, ring[head], sz[head]);
			head = (head + 1) % RING;
			n--;
			atomic_fetch_add(&s->unmaps, 1);
		} else {
			unsigned long size = 1UL << ((x >> 40) % 4);
			unsigned long p =
				alloc_iova_fast(s->d, size, LIMIT48, true);

			if (p) {
				ring[(head + n) % RING] = p;
				sz[(head + n) % RING] = size;
				n++;
				atomic_fetch_add(&s->maps, 1);
			}
		}
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	}
	while (n) {
		iovad_fq_queue(s->fq, ring[head], sz[head]);
		head = (head + 1) % RING;
		n--;
		atomic_fetch_add(&s->unmaps, 1);
	}
	lab_lock_thread_offline();
	return NULL;
}

static void test_concurrent(unsigned int threads, unsigned long iters)
{
	struct shared s = { .iters = iters };
	struct iovad_fq_attr a;
	pthread_t th[64];
	char msg[256];

	s.d = make_iovad(true, 1000000); /* trim thread every 1 ms */
	iovad_fq_attr_init(&a);
	a.entries = 16;
	a.timeout_ns = 1000000;
	a.flush_ns = 2000; /* flushes overlap queueing and each other */
	s.fq = iovad_fq_create(s.d, &a);
	CHECK(s.d && s.fq);
	for (unsigned int i = 0; i < threads; i++)
		CHECK(!pthread_create(&th[i], NULL, worker, &s));
	for (unsigned int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	iovad_fq_drain(s.fq);
	CHECK(atomic_load(&s.maps) == atomic_load(&s.unmaps));
	CHECK(fqst(s.fq).queued == atomic_load(&s.unmaps));
	CHECK(fqst(s.fq).freed == fqst(s.fq).queued);
	CHECK(fqst(s.fq).pending == 0);
	CHECK(fqst(s.fq).flushes_started == fqst(s.fq).flushes_finished);
	CHECK(iovad_check_quiescent(s.d, msg, sizeof(msg)) == 0);
	iovad_fq_destroy(s.fq);
	iovad_rcache_flush(s.d);
	CHECK(live(s.d) == 0);
	iovad_destroy(s.d);
	printf("concurrent: %u threads, %llu maps, all freed once\n", threads,
	       (unsigned long long)atomic_load(&s.maps));
}

int main(int argc, char **argv)
{
	unsigned int threads = 4;
	unsigned long iters = 20000;

	if (argc == 3) {
		threads = (unsigned int)strtoul(argv[1], NULL, 10);
		iters = strtoul(argv[2], NULL, 10);
	}
	if (argc != 1 && argc != 3) {
		fprintf(stderr, "usage: test_flushq [THREADS ITERATIONS]\n");
		return 2;
	}
	if (threads < 1 || threads > 64 || !iters) {
		fprintf(stderr, "test_flushq: THREADS 1..64, ITERATIONS > 0\n");
		return 2;
	}
	lab_lock_thread_online();
	test_concurrent(threads, iters); /* before pinning this thread */
	pin_to_one_cpu();
	test_full();
	test_refused();
	test_generation();
	test_timer();
	lab_lock_thread_offline();
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
