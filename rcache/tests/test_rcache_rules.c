// SPDX-License-Identifier: MIT
/*
 * Single-thread behaviour of the magazine cache against the kernel's rules:
 * rounding and size classes, loaded/prev swap, depot push/pop, the
 * limit-honouring pop (and its "loaded only" quirk), flush-and-retry,
 * trimming (one synchronous step at a time, and the thread), bypass of
 * large sizes, cache off, attribute validation, and iovad_check() catching
 * a broken cache.
 *
 * The test thread pins itself to one CPU so every call meets the same
 * CPU slot; without that, sched_getcpu() may change between calls and the
 * exact hit/miss sequences below would not hold.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "iovalab/lock.h"
#include "iovalab/lock_stat.h"
#include "iovalab/rcache.h"

static const char *lock_name = "mutex";

/* check.h's CHECK, naming both sides of an equality when it fails. */
#define EXPECT_EQ(a, b)                                               \
	do {                                                          \
		unsigned long long _a = (a), _b = (b);                \
		CHECK(_a == _b, "%s == %llu, want %llu", #a, _a, _b); \
	} while (0)

static void pin_to_one_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set)) {
		perror("sched_getaffinity");
		exit(1);
	}
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &set)) {
			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			if (sched_setaffinity(0, sizeof(set), &set)) {
				perror("sched_setaffinity");
				exit(1);
			}
			return;
		}
	}
	fprintf(stderr, "no CPU in the affinity mask\n");
	exit(1);
}

static struct iovad *make(unsigned int mag_size, unsigned long depot_max,
			  uint64_t trim_ns, bool rcache)
{
	struct iovad_attr a;
	struct iovad *d;

	iovad_attr_init(&a);
	a.tree_lock = a.cpu_lock = a.depot_lock = lock_name;
	a.mag_size = mag_size;
	a.depot_max = depot_max;
	a.trim_period_ns = trim_ns;
	a.rcache = rcache;
	d = iovad_create(&a);
	if (!d) {
		perror("iovad_create");
		exit(1);
	}
	return d;
}

static void check_ok(struct iovad *d)
{
	char msg[256];
	int ret = iovad_check_quiescent(d, msg, sizeof(msg));

	if (ret) {
		fprintf(stderr, "iovad_check: %d: %s\n", ret, msg);
		failures++;
	}
}

static uint64_t tree_live(struct iovad *d)
{
	struct iova_stats st;

	iovad_tree_stats(d, &st);
	return st.live;
}

static struct iovad_rcache_stats stats(struct iovad *d)
{
	struct iovad_rcache_stats st;

	iovad_rcache_stats(d, &st);
	return st;
}

static void test_defaults(void)
{
	struct iovad_attr a;
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	iovad_attr_init(&a);
	EXPECT_EQ(a.mag_size, 127);
	EXPECT_EQ(a.trim_period_ns, 100000000ull);
	EXPECT_EQ(a.depot_max, (unsigned long)online);
	CHECK(a.rcache);
	EXPECT_EQ(a.start_pfn, 1);
	EXPECT_EQ(a.granule, 4096);

	/* Slots cover every CPU we may run on (possible, not online). */
	struct iovad *d = make(127, 1, 0, true);
	cpu_set_t set;

	CHECK(iovad_nr_cpu_slots(d) >= (unsigned int)online);
	CHECK(sched_getaffinity(0, sizeof(set), &set) == 0);
	for (unsigned int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			CHECK(c < iovad_nr_cpu_slots(d));
	EXPECT_EQ(iovad_get_attr(d)->mag_size, 127);
	CHECK(!strcmp(iovad_get_attr(d)->cpu_lock, lock_name));
	CHECK(iovad_tree_lock(d) != NULL);
	CHECK(iovad_depot_lock(d, IOVAD_NR_CLASSES - 1) != NULL);
	CHECK(iovad_depot_lock(d, IOVAD_NR_CLASSES) == NULL);
	CHECK(iovad_cpu_lock(d, 0, 0) != NULL);
	CHECK(iovad_cpu_lock(d, iovad_nr_cpu_slots(d), 0) == NULL);
	/* 1 KiB magazines, two per slot and class, none in the depot. */
	EXPECT_EQ(stats(d).mag_bytes,
		  1024ull * 2 * IOVAD_NR_CLASSES * iovad_nr_cpu_slots(d));
	iovad_destroy(d);
}

static void test_rounding(void)
{
	struct iovad *d = make(8, 1, 0, true);
	static const struct {
		unsigned long size, want;
	} cases[] = {
		{ 1, 1 },   { 2, 2 },	{ 3, 4 },   { 5, 8 },	{ 9, 16 },
		{ 17, 32 }, { 31, 32 }, { 32, 32 }, { 33, 33 }, { 100, 100 },
	};
	unsigned long lo, hi;
	struct iovad_rcache_stats st;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long pfn =
			alloc_iova_fast(d, cases[i].size, 0xfffff, false);
		unsigned long align = 1;

		while (align < cases[i].want)
			align <<= 1;
		CHECK(pfn != 0);
		CHECK(iovad_find_iova(d, pfn, &lo, &hi));
		EXPECT_EQ(lo, pfn);
		EXPECT_EQ(hi - lo + 1, cases[i].want);
		EXPECT_EQ(pfn % align, 0);
		CHECK(hi <= 0xfffff);
	}
	st = stats(d);
	EXPECT_EQ(st.bypass_allocs, 2);
	EXPECT_EQ(st.misses[0] + st.misses[1] + st.misses[2] + st.misses[3] +
			  st.misses[4] + st.misses[5],
		  8);
	EXPECT_EQ(st.misses[5], 3);
	EXPECT_EQ(alloc_iova_fast(d, 0, 0xfffff, true), 0);
	EXPECT_EQ(stats(d).alloc_failures, 1);
	check_ok(d);
	iovad_destroy(d);
}

/*
 * mag_size 4, 12 frees: loaded fills, swaps with the empty prev, fills,
 * then goes to the depot; allocs come back LIFO through loaded, prev, then
 * the depot magazine.
 */
static void test_loaded_prev_depot(void)
{
	struct iovad *d = make(4, 8, 0, true);
	unsigned long pfn[12], got;
	struct iovad_rcache_stats st;

	for (int i = 0; i < 12; i++)
		pfn[i] = alloc_iova_fast(d, 1, 0xfffff, false);
	st = stats(d);
	EXPECT_EQ(st.misses[0], 12);
	EXPECT_EQ(st.hits[0], 0);

	for (int i = 0; i < 12; i++) {
		free_iova_fast(d, pfn[i], 1);
		st = stats(d);
		/* The 9th free finds loaded and prev full. */
		EXPECT_EQ(st.depot_pushes[0], i >= 8 ? 1 : 0);
	}
	st = stats(d);
	EXPECT_EQ(st.frees_cached[0], 12);
	EXPECT_EQ(st.cached[0], 12);
	EXPECT_EQ(st.depot_mags[0], 1);
	EXPECT_EQ(tree_live(d), 12); /* cached ranges stay allocated */
	check_ok(d);

	/* loaded (frees 9..12), then prev (1..4), then the depot (5..8) */
	static const int order[12] = { 11, 10, 9, 8, 3, 2, 1, 0, 7, 6, 5, 4 };

	for (int i = 0; i < 12; i++) {
		got = alloc_iova_fast(d, 1, 0xfffff, false);
		EXPECT_EQ(got, pfn[order[i]]);
		st = stats(d);
		EXPECT_EQ(st.depot_pops[0], i >= 8 ? 1 : 0);
	}
	st = stats(d);
	EXPECT_EQ(st.hits[0], 12);
	EXPECT_EQ(st.cached[0], 0);
	EXPECT_EQ(st.depot_mags[0], 0);
	/* Everything cached has been handed out: the next one misses. */
	got = alloc_iova_fast(d, 1, 0xfffff, false);
	CHECK(got != 0);
	EXPECT_EQ(stats(d).misses[0], 13);
	check_ok(d);
	iovad_destroy(d);
}

static void test_limit_pop(void)
{
	struct iovad *d = make(8, 8, 0, true);
	unsigned long high[2], low, got;
	struct iovad_rcache_stats st;

	high[0] = alloc_iova_fast(d, 1, 1000, false);
	high[1] = alloc_iova_fast(d, 1, 1000, false);
	low = alloc_iova_fast(d, 1, 100, false);
	EXPECT_EQ(high[0], 1000);
	EXPECT_EQ(high[1], 999);
	EXPECT_EQ(low, 100);
	free_iova_fast(d, low, 1);
	free_iova_fast(d, high[0], 1);
	free_iova_fast(d, high[1], 1);

	/* A pop scans past pfns above the limit. */
	got = alloc_iova_fast(d, 1, 500, false);
	EXPECT_EQ(got, 100);
	EXPECT_EQ(stats(d).hits[0], 1);
	/* Nothing left below 500 in the cache: the tree serves it. */
	got = alloc_iova_fast(d, 1, 500, false);
	CHECK(got != 0 && got <= 500 && got != 100);
	st = stats(d);
	EXPECT_EQ(st.misses[0], 4);
	EXPECT_EQ(st.cached[0], 2);
	/* The limit applies to the range's end: 4-pfn class. */
	got = alloc_iova_fast(d, 4, 0xfffff, false);
	free_iova_fast(d, got, 4);
	EXPECT_EQ(alloc_iova_fast(d, 4, got + 2, false) == got, false);
	EXPECT_EQ(stats(d).hits[2], 0);
	EXPECT_EQ(alloc_iova_fast(d, 4, got + 3, false), got);
	EXPECT_EQ(stats(d).hits[2], 1);
	check_ok(d);
	iovad_destroy(d);
}

/* Kernel quirk: once loaded holds anything, prev is not searched. */
static void test_limit_loaded_only(void)
{
	struct iovad *d = make(2, 8, 0, true);
	/* High ones first: classic would place later ones below 100. */
	unsigned long h1 = alloc_iova_fast(d, 1, 1000, false);
	unsigned long h2 = alloc_iova_fast(d, 1, 1000, false);
	unsigned long l = alloc_iova_fast(d, 1, 100, false);
	unsigned long got;

	CHECK(h1 > 500 && h2 > 500 && l != 0 && l <= 100);

	free_iova_fast(d, l, 1);
	free_iova_fast(d, h1, 1); /* loaded = {l, h1}, full */
	free_iova_fast(d, h2, 1); /* swap: prev = {l, h1}, loaded = {h2} */
	got = alloc_iova_fast(d, 1, 500, false);
	CHECK(got != l);
	CHECK(got != 0 && got <= 500);
	EXPECT_EQ(stats(d).hits[0], 0);
	EXPECT_EQ(stats(d).cached[0], 3);
	check_ok(d);
	iovad_destroy(d);
}

/*
 * 16 pfns of space, all cached in class 0: a 2-pfn allocation fails in the
 * tree; with flush_rcache every magazine goes back and the retry succeeds.
 */
static void test_flush_retry(void)
{
	struct iovad *d = make(4, 8, 0, true);
	unsigned long pfn[16], got;
	struct iovad_rcache_stats st;

	for (int i = 0; i < 16; i++) {
		pfn[i] = alloc_iova_fast(d, 1, 16, false);
		CHECK(pfn[i] != 0);
	}
	EXPECT_EQ(alloc_iova_fast(d, 1, 16, false), 0);
	for (int i = 0; i < 16; i++)
		free_iova_fast(d, pfn[i], 1);
	st = stats(d);
	EXPECT_EQ(st.cached[0], 16);
	EXPECT_EQ(st.depot_mags[0], 2);

	EXPECT_EQ(alloc_iova_fast(d, 2, 16, false), 0);
	EXPECT_EQ(stats(d).flushes, 0);
	got = alloc_iova_fast(d, 2, 16, true);
	EXPECT_EQ(got, 14); /* size-aligned, ends at or below 16 */
	st = stats(d);
	EXPECT_EQ(st.flushes, 1);
	EXPECT_EQ(st.flushed_ranges, 16);
	EXPECT_EQ(st.cached[0], 0);
	EXPECT_EQ(st.depot_mags[0], 0);
	EXPECT_EQ(st.alloc_failures, 2);
	EXPECT_EQ(tree_live(d), 1);
	/* Still no room after the flush: one flush, then failure. */
	EXPECT_EQ(alloc_iova_fast(d, 32, 16, true), 0);
	st = stats(d);
	EXPECT_EQ(st.flushes, 2);
	EXPECT_EQ(st.alloc_failures, 3);
	check_ok(d);
	iovad_destroy(d);
}

/* Fill class 0's depot with @n magazines of 2 (loaded and prev full). */
static void fill_depot(struct iovad *d, unsigned int n)
{
	unsigned int total = 2 * n + 4;
	unsigned long *pfn = calloc(total, sizeof(*pfn));

	for (unsigned int i = 0; i < total; i++)
		pfn[i] = alloc_iova_fast(d, 1, 0xfffff, false);
	for (unsigned int i = 0; i < total; i++)
		free_iova_fast(d, pfn[i], 1);
	free(pfn);
}

static void test_trim_step(void)
{
	struct iovad *d = make(2, 1, 0, true);
	struct iovad_rcache_stats st;

	fill_depot(d, 3);
	st = stats(d);
	EXPECT_EQ(st.depot_mags[0], 3);
	EXPECT_EQ(tree_live(d), 10);
	EXPECT_EQ(iovad_rcache_trim(d), 1);
	EXPECT_EQ(stats(d).depot_mags[0], 2);
	EXPECT_EQ(tree_live(d), 8);
	EXPECT_EQ(iovad_rcache_trim(d), 1);
	EXPECT_EQ(iovad_rcache_trim(d), 0); /* at the threshold: stop */
	st = stats(d);
	EXPECT_EQ(st.depot_mags[0], 1);
	EXPECT_EQ(st.trims[0], 2);
	EXPECT_EQ(st.trim_runs, 3);
	EXPECT_EQ(st.cached[0], 6);
	EXPECT_EQ(tree_live(d), 6);
	/* 2 slot magazines per class per CPU, plus the depot's one. */
	EXPECT_EQ(st.mags, 2ull * IOVAD_NR_CLASSES * iovad_nr_cpu_slots(d) + 1);
	EXPECT_EQ(st.mag_bytes, st.mags * (8 + 2 * sizeof(unsigned long)));
	check_ok(d);
	iovad_destroy(d);
}

static void test_trim_thread(void)
{
	/* 1 ms period, threshold 0: the thread empties the depot. */
	struct iovad *d = make(2, 0, 1000000, true);
	struct iovad_rcache_stats st;

	fill_depot(d, 4);
	/* Bounded wait on a counter (up to ~20 s), not a timing check. */
	for (int i = 0; i < 20000; i++) {
		st = stats(d);
		if (st.depot_mags[0] == 0)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	st = stats(d);
	EXPECT_EQ(st.depot_mags[0], 0);
	EXPECT_EQ(st.trims[0], 4);
	EXPECT_EQ(st.cached[0], 4);
	check_ok(d);
	iovad_destroy(d);

	/*
	 * Armed with a one-hour period: destroy must not wait it out (the
	 * test's CTest timeout is what fails if it does).
	 */
	d = make(2, 0, 3600ull * 1000000000ull, true);
	fill_depot(d, 2);
	EXPECT_EQ(stats(d).depot_mags[0], 2);
	iovad_destroy(d);
}

static void test_bypass(void)
{
	struct iovad *d = make(4, 8, 0, true);
	unsigned long p = alloc_iova_fast(d, 33, 0xfffff, false);
	struct iovad_rcache_stats st;

	CHECK(p != 0);
	EXPECT_EQ(p % 64, 0);
	EXPECT_EQ(tree_live(d), 1);
	free_iova_fast(d, p, 33);
	st = stats(d);
	EXPECT_EQ(st.bypass_allocs, 1);
	EXPECT_EQ(st.bypass_frees, 1);
	EXPECT_EQ(tree_live(d), 0);
	for (int k = 0; k < IOVAD_NR_CLASSES; k++)
		EXPECT_EQ(st.cached[k], 0);
	iovad_destroy(d);
}

static void test_cache_off(void)
{
	struct iovad *d = make(4, 8, 0, false);
	struct iovad_rcache_stats st;
	unsigned long p = alloc_iova_fast(d, 3, 0xfffff, false);

	CHECK(p != 0);
	EXPECT_EQ(tree_live(d), 1);
	free_iova_fast(d, p, 3);
	EXPECT_EQ(tree_live(d), 0);
	EXPECT_EQ(alloc_iova_fast(d, 3, 0xfffff, false), p);
	st = stats(d);
	EXPECT_EQ(st.hits[2] + st.misses[2], 0);
	EXPECT_EQ(st.mags, 0);
	EXPECT_EQ(iovad_rcache_trim(d), 0);
	check_ok(d);
	iovad_destroy(d);
}

static void test_tree_ops(void)
{
	struct iovad *d = make(4, 8, 0, true);
	unsigned long lo, hi, p;

	EXPECT_EQ(iovad_reserve_iova(d, 10, 5), -EINVAL);
	EXPECT_EQ(iovad_reserve_iova(d, 0x100, 0x1ff), 0);
	CHECK(iovad_find_iova(d, 0x150, &lo, &hi));
	EXPECT_EQ(lo, 0x100);
	EXPECT_EQ(hi, 0x1ff);
	p = iovad_alloc_iova(d, 3, 0x1ff, false);
	EXPECT_EQ(p, 0xfd);
	EXPECT_EQ(iovad_free_iova(d, p + 2), 0);
	EXPECT_EQ(iovad_free_iova(d, p), -ENOENT);
	CHECK(!iovad_find_iova(d, p, NULL, NULL));
	EXPECT_EQ(iovad_alloc_iova(d, 0, 0x1ff, false), 0);
	check_ok(d);
	iovad_destroy(d);
}

/*
 * iovad_prefill: the scenario's population under the tree lock, the same
 * ranges iova_scen_create() places in a bare core domain of the same
 * algorithm (make(): classic, granule 4096, start_pfn 1).
 */
static void test_prefill(void)
{
	struct iovad *d = make(4, 8, 0, true);
	struct iova_domain *ref = iova_domain_create(IOVA_ALG_CLASSIC, 4096, 1);
	struct iova_scen *s =
		ref ? iova_scen_create(ref, IOVA_SCEN_CHURN, 100, 7) : NULL;
	struct iovad_attr a;
	struct iova_domain *tree;
	struct iova *v, *w;

	CHECK(s != NULL);
	EXPECT_EQ(iovad_prefill(d, IOVA_SCEN_CHURN, 100, 7), 0);
	EXPECT_EQ(tree_live(d), 100);
	check_ok(d);
	lab_lock(iovad_tree_lock(d));
	tree = iovad_domain(d); /* read-only walk, tree lock held */
	v = iova_first(tree);
	w = ref ? iova_first(ref) : NULL;
	for (; v && w; v = iova_next(tree, v), w = iova_next(ref, w))
		CHECK(v->pfn_lo == w->pfn_lo && v->pfn_hi == w->pfn_hi,
		      "[%#lx, %#lx] vs [%#lx, %#lx]", v->pfn_lo, v->pfn_hi,
		      w->pfn_lo, w->pfn_hi);
	CHECK(!v && !w);
	lab_unlock(iovad_tree_lock(d));
	iova_scen_destroy(s);
	iova_domain_put(ref);
	/* not empty any more; too few ranges; another geometry */
	EXPECT_EQ(iovad_prefill(d, IOVA_SCEN_CHURN, 100, 7), -EINVAL);
	EXPECT_EQ(tree_live(d), 100);
	iovad_destroy(d);
	d = make(4, 8, 0, true);
	EXPECT_EQ(iovad_prefill(d, IOVA_SCEN_CHURN, IOVA_SCEN_MIN_LIVE - 1, 7),
		  -EINVAL);
	EXPECT_EQ(iovad_prefill(d, IOVA_SCEN_NR, 100, 7), -EINVAL);
	EXPECT_EQ(tree_live(d), 0);
	iovad_destroy(d);

	iovad_attr_init(&a);
	a.granule = 8192;
	a.tree_lock = a.cpu_lock = a.depot_lock = lock_name;
	d = iovad_create(&a);
	CHECK(d != NULL);
	if (d) {
		EXPECT_EQ(iovad_prefill(d, IOVA_SCEN_CHURN, 100, 7), -EINVAL);
		iovad_destroy(d);
	}
}

/* iovad_rcache_stats_sum: totals over the classes, and on a live domain. */
static void test_stats_sum(void)
{
	struct iovad_rcache_stats st = { 0 };
	struct iovad_rcache_totals t;
	struct iovad *d;
	unsigned long p;

	iovad_rcache_stats_sum(&st, &t);
	EXPECT_EQ(t.hits + t.misses + t.cached + t.cached_pfns, 0);
	CHECK(t.hit_rate == 0.0);
	for (unsigned int k = 0; k < IOVAD_NR_CLASSES; k++) {
		st.hits[k] = 3 * (k + 1);
		st.misses[k] = k + 1;
		st.frees_cached[k] = 10;
		st.frees_uncached[k] = 1;
		st.depot_pushes[k] = 2;
		st.depot_pops[k] = k;
		st.trims[k] = 1;
		st.cached[k] = 1;
		st.depot_mags[k] = k & 1;
	}
	iovad_rcache_stats_sum(&st, &t);
	EXPECT_EQ(t.hits, 63);
	EXPECT_EQ(t.misses, 21);
	EXPECT_EQ(t.frees_cached, 60);
	EXPECT_EQ(t.frees_uncached, 6);
	EXPECT_EQ(t.depot_pushes, 12);
	EXPECT_EQ(t.depot_pops, 15);
	EXPECT_EQ(t.trims, 6);
	EXPECT_EQ(t.cached, 6);
	EXPECT_EQ(t.cached_pfns, 1 + 2 + 4 + 8 + 16 + 32);
	EXPECT_EQ(t.depot_mags, 3);
	CHECK(t.hit_rate == 0.75);

	/* one miss, then a 3-pfn range (class 2) cached, then one hit */
	d = make(4, 8, 0, true);
	p = alloc_iova_fast(d, 3, 0xfffff, false);
	EXPECT_EQ(free_iova_fast(d, p, 3), 0);
	st = stats(d);
	iovad_rcache_stats_sum(&st, &t);
	EXPECT_EQ(t.misses, 1);
	EXPECT_EQ(t.frees_cached, 1);
	EXPECT_EQ(t.cached, 1);
	EXPECT_EQ(t.cached_pfns, 4);
	EXPECT_EQ(alloc_iova_fast(d, 4, 0xfffff, false), p);
	st = stats(d);
	iovad_rcache_stats_sum(&st, &t);
	EXPECT_EQ(t.hits, 1);
	EXPECT_EQ(t.cached, 0);
	CHECK(t.hit_rate == 0.5);
	iovad_destroy(d);
}

static void test_attr_errors(void)
{
	struct iovad_attr a;

	iovad_attr_init(&a);
	a.mag_size = 0;
	errno = 0;
	CHECK(!iovad_create(&a));
	EXPECT_EQ(errno, EINVAL);

	iovad_attr_init(&a);
	a.mag_size = IOVAD_MAG_SIZE_MAX + 1;
	errno = 0;
	CHECK(!iovad_create(&a));
	EXPECT_EQ(errno, EINVAL);

	iovad_attr_init(&a);
	a.cpu_lock = "no-such-lock";
	errno = 0;
	CHECK(!iovad_create(&a));
	EXPECT_EQ(errno, EINVAL);

	iovad_attr_init(&a);
	a.alg = IOVA_ALG_NR;
	errno = 0;
	CHECK(!iovad_create(&a));
	EXPECT_EQ(errno, EINVAL);

	iovad_attr_init(&a);
	a.granule = 3000;
	errno = 0;
	CHECK(!iovad_create(&a));
	EXPECT_EQ(errno, EINVAL);

	errno = 0;
	CHECK(!iovad_create(NULL));
	EXPECT_EQ(errno, EINVAL);
	iovad_destroy(NULL);
}

/* The checker must see a cached range the tree no longer has. */
static void test_check_catches(void)
{
	struct iovad *d = make(4, 8, 0, true);
	unsigned long p = alloc_iova_fast(d, 2, 0xfffff, false);
	char msg[256] = "";

	free_iova_fast(d, p, 2);
	check_ok(d);
	EXPECT_EQ(iovad_free_iova(d, p), 0); /* behind the cache's back */
	EXPECT_EQ(iovad_check(d, msg, sizeof(msg)), -EUCLEAN);
	CHECK(strstr(msg, "not a live") != NULL);
	/* destroy frees magazines without touching the tree: safe */
	iovad_destroy(d);

	/* The same range cached twice on one CPU (a double free). */
	d = make(4, 8, 0, true);
	p = alloc_iova_fast(d, 1, 0xfffff, false);
	free_iova_fast(d, p, 1);
	free_iova_fast(d, p, 1);
	EXPECT_EQ(iovad_check(d, msg, sizeof(msg)), -EUCLEAN);
	CHECK(strstr(msg, "cached twice") != NULL);
	iovad_destroy(d);
}

/* lock_stats: the locks count what the fast path takes. */
static void test_lock_stats(void)
{
	struct lab_lock_stats *ls = malloc(sizeof(*ls));
	struct iovad_attr a;
	struct iovad *d;
	unsigned long p = 0;
	int cpu = sched_getcpu();

	iovad_attr_init(&a);
	a.tree_lock = a.cpu_lock = a.depot_lock = lock_name;
	a.trim_period_ns = 0;
	a.lock_stats = true;
	a.trust_fast_free = true; /* the kernel's path: frees skip the tree */
	d = iovad_create(&a);
	CHECK(d != NULL && ls != NULL && cpu >= 0);
	if (!d || !ls || cpu < 0)
		goto out;
	for (int i = 0; i < 10; i++) {
		p = alloc_iova_fast(d, 1, 0xfffff, false);
		free_iova_fast(d, p, 1);
	}
	/* One miss went to the tree; nine hits and ten frees did not. */
	lab_lock_stats_read(iovad_tree_lock(d), ls);
	EXPECT_EQ(ls->acquisitions, 1);
	lab_lock_stats_read(iovad_cpu_lock(d, (unsigned int)cpu, 0), ls);
	EXPECT_EQ(ls->acquisitions, 20);
	/* The first alloc found both magazines empty and looked there. */
	lab_lock_stats_read(iovad_depot_lock(d, 0), ls);
	EXPECT_EQ(ls->acquisitions, 1);
out:
	iovad_destroy(d);
	free(ls);
}

/*
 * free_iova_fast of a range that is not live as [pfn, pfn + size - 1]:
 * refused, counted and reported by iovad_check, in every build; with
 * trust_fast_free the kernel's contract, caught by iovad_check instead.
 */
static void test_bad_free_refused(void)
{
	struct iovad_rcache_stats rs;
	struct iovad *d = make(4, 8, 0, true);
	char msg[256] = "";
	unsigned long p, lo, hi;

	/* never handed out */
	EXPECT_EQ(free_iova_fast(d, 12345, 1), -EINVAL);
	/* widened by a reservation to [90, 100] (+ [101, 110]) */
	p = alloc_iova_fast(d, 1, 100, false);
	EXPECT_EQ(p, 100);
	EXPECT_EQ(iovad_reserve_iova(d, 90, 110), 0);
	EXPECT_EQ(free_iova_fast(d, p, 1), -EINVAL);
	/* another size, size 0, a bypass size that does not match */
	EXPECT_EQ(free_iova_fast(d, 90, 2), -EINVAL);
	EXPECT_EQ(free_iova_fast(d, 90, 0), -EINVAL);
	EXPECT_EQ(free_iova_fast(d, 90, 40), -EINVAL);
	/* freed already */
	p = alloc_iova_fast(d, 2, 0xfffff, false);
	EXPECT_EQ(iovad_free_iova(d, p), 0);
	EXPECT_EQ(free_iova_fast(d, p, 2), -EINVAL);
	/* nothing went into a magazine, the reserved range is intact */
	iovad_rcache_stats(d, &rs);
	EXPECT_EQ(rs.bad_frees, 6);
	EXPECT_EQ(rs.frees_cached[0] + rs.frees_cached[1], 0);
	CHECK(iovad_find_iova(d, 100, &lo, &hi) && lo == 90 && hi == 100);
	EXPECT_EQ(iovad_check(d, msg, sizeof(msg)), -EUCLEAN);
	CHECK(strstr(msg, "6 free_iova_fast calls refused") != NULL);
	/* a live range of the rounded size is accepted */
	p = alloc_iova_fast(d, 3, 0xfffff, false);
	EXPECT_EQ(free_iova_fast(d, p, 3), 0);
	iovad_destroy(d);

	{
		struct iovad_attr a;

		iovad_attr_init(&a);
		a.tree_lock = a.cpu_lock = a.depot_lock = lock_name;
		a.trim_period_ns = 0;
		a.trust_fast_free = true;
		d = iovad_create(&a);
		CHECK(d != NULL);
		if (!d)
			return;
	}
	p = alloc_iova_fast(d, 1, 100, false);
	EXPECT_EQ(iovad_reserve_iova(d, 90, 110), 0);
	EXPECT_EQ(free_iova_fast(d, p, 1), 0); /* trusted: cached */
	iovad_rcache_stats(d, &rs);
	EXPECT_EQ(rs.bad_frees, 0);
	EXPECT_EQ(iovad_check(d, msg, sizeof(msg)), -EUCLEAN);
	CHECK(strstr(msg, "not a live") != NULL);
	iovad_destroy(d);
}

int main(int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && !strcmp(argv[1], "--help"))) {
		fprintf(stderr, "usage: %s [LOCK]\n", argv[0]);
		return 2;
	}
	if (argc == 2)
		lock_name = argv[1];
	pin_to_one_cpu();
	lab_lock_thread_online();

	test_defaults();
	test_rounding();
	test_loaded_prev_depot();
	test_limit_pop();
	test_limit_loaded_only();
	test_flush_retry();
	test_trim_step();
	test_trim_thread();
	test_bypass();
	test_cache_off();
	test_tree_ops();
	test_prefill();
	test_stats_sum();
	test_attr_errors();
	test_check_catches();
	test_lock_stats();
	test_bad_free_refused();

	lab_lock_thread_offline();
	if (failures) {
		fprintf(stderr, "%d failure(s) (lock %s)\n", failures,
			lock_name);
		return 1;
	}
	printf("rcache rules: all passed (lock %s)\n", lock_name);
	return 0;
}
