/* SPDX-License-Identifier: MIT */
/*
 * The lab's full IOVA domain, the kernel's struct iova_domain: a core domain
 * (iovalab/iova.h) behind a tree lock, a per-CPU magazine cache (rcache) in
 * front of it, a depot of full magazines per size class, and a trimming
 * thread that hands depot magazines back to the tree.
 *
 * Fast path (kernel semantics, Linux drivers/iommu/iova.c, written anew):
 *  - sizes below 32 pfns are rounded up to a power of two; six size classes
 *    (1, 2, 4, 8, 16, 32 pfns) are cached, larger sizes go to the tree;
 *  - each CPU slot has a "loaded" and a "prev" magazine of mag_size pfns
 *    per class; alloc pops loaded, else swaps in prev, else takes a full
 *    magazine from the depot; free pushes loaded, else swaps in prev, else
 *    moves the full loaded magazine to the depot and starts an empty one;
 *  - a pop honours the limit: it scans loaded for a cached pfn whose range
 *    ends at or below limit_pfn (a miss even if prev or the depot hold one,
 *    as in the kernel);
 *  - cached ranges stay allocated in the tree;
 *  - when the tree cannot satisfy an allocation and flush_rcache is set,
 *    every CPU's magazines and the depot are returned to the tree once and
 *    the allocation is retried.
 *
 * Lock order: per-CPU slot lock -> depot lock -> tree lock. Debug builds
 * (IOVALAB_CHECK or !NDEBUG) assert it on every acquisition.
 *
 * Threads: every thread that calls into an iovad first calls
 * lab_lock_thread_online() and, before exiting, lab_lock_thread_offline()
 * (iovalab/lock.h). The domain's own trim thread does so itself.
 *
 * The CPU slot comes from sched_getcpu(); a thread can migrate at any
 * moment, so the slot lock (not the CPU number) is what makes it correct.
 * Code that expects cache hits from one thread must pin that thread to one
 * CPU (sched_setaffinity / taskset), or its frees and allocs may meet
 * different CPUs' magazines.
 *
 * Names: two types are called "domain". struct iovad (this header) is the
 * whole cached domain; struct iova_domain (iovalab/iova.h) is the core's
 * tree inside it, which only the tree-lock holder may touch. In rcache/
 * and its callers a struct iovad * is named "iovad" (tests may shorten it
 * to "d") and a struct iova_domain * "tree"; neither is called "dom" or
 * "domain".
 */
#ifndef IOVALAB_RCACHE_H
#define IOVALAB_RCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iovalab/iova.h"
#include "iovalab/lock.h"
#include "iovalab/scenario.h"

/* Cached size classes: order 0..5, i.e. 1..32 pfns (the kernel's 6). */
#define IOVAD_NR_CLASSES 6
/* Largest cached size in pfns. */
#define IOVAD_MAX_CACHED_SIZE (1UL << (IOVAD_NR_CLASSES - 1))
/* The kernel's magazine: 127 pfns + a header word = 1 KiB. */
#define IOVAD_MAG_SIZE_DEFAULT 127
#define IOVAD_MAG_SIZE_MAX 65535
/* The kernel's depot trimming delay. */
#define IOVAD_TRIM_PERIOD_NS_DEFAULT 100000000ull

struct iovad_attr {
	enum iova_alg alg; /* search algorithm of the core domain */
	unsigned long granule; /* bytes per pfn (iova_domain_create) */
	unsigned long start_pfn; /* lowest allocatable pfn, >= 1 */

	/* lab_lock strategy names (lab_lock_names[]) */
	const char *tree_lock; /* the domain's iova_rbtree_lock */
	const char *cpu_lock; /* one per CPU slot and size class */
	const char *depot_lock; /* one per size class */
	enum lab_spin_policy spin; /* for spinning strategies */
	bool lock_stats; /* create the locks with statistics on */

	bool rcache; /* false: the fast path goes straight to the tree */
	unsigned int mag_size; /* pfns per magazine, 1..IOVAD_MAG_SIZE_MAX */
	/* The trim thread returns magazines while depot > depot_max. */
	unsigned long depot_max;
	/* Trim period; 0: no trim thread (iovad_rcache_trim() only). */
	uint64_t trim_period_ns;
	/*
	 * false (default): free_iova_fast() checks that its range is live
	 * (one read-side tree lookup per call) and refuses it otherwise.
	 * true: the kernel's contract, callers are trusted and a free never
	 * touches the tree lock; drivers that free only what they allocated
	 * set it to measure the kernel's hit path.
	 */
	bool trust_fast_free;
	/*
	 * Delay injection: ns of busy work inside every write-side tree-lock
	 * critical section (0: none), to see a lock collapse as holds grow.
	 */
	uint64_t tree_hold_ns;
};

/*
 * Fill @attr with the kernel's defaults: classic, 4 KiB granule,
 * start_pfn 1, "mutex" for all three locks, LAB_SPIN_YIELD, stats off,
 * rcache on, 127-pfn magazines, depot_max = online CPUs, 100 ms period,
 * trust_fast_free false (free_iova_fast checks its range).
 */
void iovad_attr_init(struct iovad_attr *attr);

struct iovad;

/*
 * Create a domain (starts its trim thread when trim_period_ns != 0).
 * Returns NULL with errno EINVAL (bad alg/granule/start_pfn, unknown lock
 * name, mag_size 0 or too large), ENOMEM, or the error of pthread_create.
 */
struct iovad *iovad_create(const struct iovad_attr *attr);

/*
 * Stop the trim thread (promptly: it waits on a condition variable),
 * free every magazine, every range and the locks. No other thread may use
 * the domain any more. NULL is a no-op.
 */
void iovad_destroy(struct iovad *iovad);

/* Attributes the domain was created with (depot_max etc. resolved). */
const struct iovad_attr *iovad_get_attr(const struct iovad *iovad);

/* Number of CPU slots: the machine's possible CPUs. */
unsigned int iovad_nr_cpu_slots(const struct iovad *iovad);

/* ---- Tree operations, under the tree lock (no cache involved) ---- */

/*
 * Tree operations go through the core's range (pfn) API (iova.h), so every
 * algorithm runs under the cache, btree-pfn included.
 *
 * iova_alloc_range() under the tree lock. Returns the range's pfn_lo, or 0
 * when it fails (size 0, no fit, limit below start_pfn, ENOMEM).
 */
unsigned long iovad_alloc_iova(struct iovad *iovad, unsigned long size,
			       unsigned long limit_pfn, bool size_aligned);

/* free_iova() under the tree lock: 0, or -ENOENT if no range holds @pfn. */
int iovad_free_iova(struct iovad *iovad, unsigned long pfn);

/*
 * Look up the range containing @pfn under the tree lock's read side (with
 * "rcu": lockless, find_iova_lockless(), removed nodes freed after a grace
 * period). Returns true and fills @pfn_lo/@pfn_hi (either may be NULL), or
 * false when no range contains @pfn.
 */
bool iovad_find_iova(struct iovad *iovad, unsigned long pfn,
		     unsigned long *pfn_lo, unsigned long *pfn_hi);

/*
 * reserve_iova() under the tree lock. Returns 0, -EINVAL when
 * pfn_lo > pfn_hi or pfn_hi lies past the domain's last pfn, or -ENOMEM.
 */
int iovad_reserve_iova(struct iovad *iovad, unsigned long pfn_lo,
		       unsigned long pfn_hi);

/*
 * Populate the tree with scenario @sc's @live long-lived ranges under the
 * tree lock: iova_scen_create() with @seed, warm-up included (the domain
 * must be empty and have the scenario's geometry, IOVA_SCEN_GRANULE and
 * IOVA_SCEN_START_PFN). Returns 0, or iova_scen_create()'s error negated:
 * -EINVAL (bad scenario or @live, domain not empty or of another
 * geometry), -ENOSPC, -ENOENT or -ENOMEM; the tree may then hold part of
 * the population.
 */
int iovad_prefill(struct iovad *iovad, enum iova_scenario sc,
		  unsigned long live, uint64_t seed);

/* ---- The fast path (alloc_iova_fast / free_iova_fast) ---- */

/*
 * Allocate @size pfns ending at or below @limit_pfn, size-aligned, from
 * this CPU's magazines or else the tree. Sizes below 32 are rounded up to
 * a power of two (the range really has the rounded size). Returns pfn_lo,
 * or 0 when @size is 0, @limit_pfn lies above the domain's last pfn
 * (iova_domain_max_pfn(): refused, as alloc_iova does), or the tree has
 * no room (after one flush of every cache and a retry, when
 * @flush_rcache).
 */
unsigned long alloc_iova_fast(struct iovad *iovad, unsigned long size,
			      unsigned long limit_pfn, bool flush_rcache);

/*
 * Return a range from alloc_iova_fast(): @pfn is its pfn_lo, @size the size
 * passed to alloc_iova_fast (rounded the same way). Cached sizes go into
 * this CPU's magazine and stay allocated in the tree; larger sizes, or a
 * failed magazine allocation, free the range in the tree. Returns 0.
 *
 * A range that is not live in the tree as exactly [pfn, pfn + rounded
 * size - 1] (never handed out, freed already, widened by reserve_iova,
 * another size, or @size 0), with trust_fast_free false (the default):
 * nothing changes, the refusal is counted (iovad_rcache_stats().bad_frees)
 * and -EINVAL returned; iovad_check() then fails, naming the count. The
 * same in every build (no abort in checking builds). A range freed in the
 * tree is checked again under the tree lock, so of two concurrent frees
 * of one uncached range exactly one succeeds and the other is refused. A second free of a
 * range a magazine already holds is still live in the tree, so this check
 * cannot see it; iovad_check_quiescent() reports it ("cached twice").
 * With trust_fast_free true nothing is checked (kernel contract): a bad
 * range goes into a magazine, and iovad_check() reports it there ("not a
 * live range"), again in every build.
 */
int free_iova_fast(struct iovad *iovad, unsigned long pfn, unsigned long size);

/* ---- Cache maintenance ---- */

/*
 * Return every CPU slot's magazines and the whole depot to the tree (what
 * the fast path does before its retry). Takes each lock in order.
 */
void iovad_rcache_flush(struct iovad *iovad);

/*
 * One trim step, synchronously: for each size class whose depot holds
 * more than depot_max magazines, return one to the tree. Returns the
 * number of magazines returned (0..IOVAD_NR_CLASSES). The trim thread
 * runs exactly this every trim period while some depot is above the
 * threshold.
 */
unsigned int iovad_rcache_trim(struct iovad *iovad);

/* ---- Statistics ---- */

struct iovad_rcache_stats {
	/* alloc_iova_fast, per size class */
	uint64_t hits[IOVAD_NR_CLASSES]; /* served from a magazine */
	uint64_t misses[IOVAD_NR_CLASSES]; /* went to the tree */
	/* free_iova_fast, per size class */
	uint64_t frees_cached[IOVAD_NR_CLASSES]; /* pushed into a magazine */
	uint64_t frees_uncached[IOVAD_NR_CLASSES]; /* no magazine: to tree */
	uint64_t depot_pushes[IOVAD_NR_CLASSES];
	uint64_t depot_pops[IOVAD_NR_CLASSES];
	uint64_t trims[IOVAD_NR_CLASSES]; /* magazines the trim returned */
	/* current state */
	uint64_t cached[IOVAD_NR_CLASSES]; /* ranges held in magazines */
	uint64_t depot_mags[IOVAD_NR_CLASSES]; /* full magazines in depot */
	uint64_t mags; /* magazines allocated (CPU slots + depot) */
	uint64_t mag_bytes; /* bytes those magazines occupy */
	/* whole domain */
	uint64_t bypass_allocs; /* alloc_iova_fast sizes > 32: tree */
	uint64_t bypass_frees; /* free_iova_fast sizes > 32: tree */
	uint64_t bad_frees; /* free_iova_fast refused: not a live range */
	uint64_t alloc_failures; /* alloc_iova_fast returned 0 */
	uint64_t flushes; /* flush-all events (retry or explicit) */
	uint64_t flushed_ranges; /* ranges those flushes returned */
	uint64_t trim_runs; /* trim steps run (thread or explicit) */
};

/*
 * Snapshot the counters. Counters are relaxed atomics: each is exact, the
 * set is not one instant (use iovad_check() on a quiescent domain for
 * that). Never fails.
 */
void iovad_rcache_stats(const struct iovad *iovad,
			struct iovad_rcache_stats *st);

/* Sums over the size classes of one iovad_rcache_stats snapshot. */
struct iovad_rcache_totals {
	uint64_t hits, misses; /* alloc_iova_fast */
	uint64_t frees_cached, frees_uncached; /* free_iova_fast */
	uint64_t depot_pushes, depot_pops, trims;
	uint64_t cached; /* ranges held in magazines */
	uint64_t cached_pfns; /* pfns they span: sum of cached[k] << k */
	uint64_t depot_mags;
	double hit_rate; /* hits / (hits + misses); 0 when both are 0 */
};

/* Fill @t from @st (what every report sums by hand otherwise). */
void iovad_rcache_stats_sum(const struct iovad_rcache_stats *st,
			    struct iovad_rcache_totals *t);

/* Core domain counters (iova_domain_stats), taken under the tree lock. */
void iovad_tree_stats(struct iovad *iovad, struct iova_stats *st);

/*
 * The locks, for statistics (lock_stat). iovad_domain() is the core tree,
 * for read-only use (walks, lookups, statistics) with the tree lock held
 * (lab_lock(iovad_tree_lock(iovad))); every change to the tree goes
 * through the calls above (iovad_alloc_iova ... iovad_prefill), which
 * take the lock themselves and keep the lock-order checks and the
 * tree_hold_ns delay.
 */
struct lab_lock *iovad_tree_lock(const struct iovad *iovad);
struct lab_lock *iovad_depot_lock(const struct iovad *iovad, unsigned int cls);
struct lab_lock *iovad_cpu_lock(const struct iovad *iovad, unsigned int cpu,
				unsigned int cls);
struct iova_domain *iovad_domain(const struct iovad *iovad);

/*
 * Check, safe while other threads use the domain: the core domain's
 * invariant checker under the tree lock; then each CPU slot under its lock
 * and each depot under its lock (each with the tree lock): magazines within
 * capacity, counters equal to the contents, depot length equal to
 * depot_size, every cached pfn the pfn_lo of a live tree range of exactly
 * its class size, no pfn twice within one slot or one depot, and no
 * free_iova_fast() refused since creation (bad_frees == 0). Returns 0,
 * -EUCLEAN with the first violation described in @msg, or -ENOMEM.
 */
int iovad_check(struct iovad *iovad, char *msg, size_t msglen);

/*
 * iovad_check() plus the whole-cache rule that no pfn is cached twice
 * anywhere (across CPU slots and depots). Only meaningful when no other
 * thread is in the fast path (a range can move between slots while they
 * are visited one by one); memory-safe regardless.
 */
int iovad_check_quiescent(struct iovad *iovad, char *msg, size_t msglen);

#endif /* IOVALAB_RCACHE_H */
