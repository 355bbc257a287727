/* SPDX-License-Identifier: MIT */
/*
 * What the files of iovalab_rcache share (see iovalab/rcache.h for the
 * rules): the structures, the lock-order helpers and the counter helpers.
 *
 *   domain.c    create/destroy, attributes, the lock accessors
 *   tree.c      the allocations, frees, lookups and reservations the
 *               cache makes in the core domain, each under the tree lock
 *   fastpath.c  alloc_iova_fast/free_iova_fast: the per-CPU loaded/prev
 *               magazines and their depot exchange
 *   depot.c     magazine allocation, flush, trim and the trim thread
 *   stats.c     iovad_rcache_stats, iovad_tree_stats, the totals helper
 *   check.c     iovad_check, iovad_check_quiescent
 *
 * Layout: one struct iovad_cpu per (CPU slot, size class), each on its own
 * cache line, holding its lock, its two magazines and the counters only
 * that slot's lock holder writes. One struct iovad_class per size class
 * holding the depot (a LIFO of full magazines) and its lock.
 *
 * Counters written under a lock are relaxed atomics updated with a plain
 * load + store (no read-modify-write, so no extra cost on the hit path);
 * they are atomics only so a statistics reader that takes no lock is not a
 * data race. Counters written without a common lock use relaxed RMWs and
 * are off the hit path.
 *
 * Names: a struct iovad * is "iovad", its core domain (struct
 * iova_domain *) is "tree", the tree's lock "tree_lock".
 */
#ifndef IOVALAB_RCACHE_INTERNAL_H
#define IOVALAB_RCACHE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "iovalab/arch.h"
#include "iovalab/clock.h"
#include "iovalab/rcache.h"

/*
 * A magazine is a stack of pfns (range starts). In a CPU slot @size counts
 * the pfns it holds; in the depot it is always full, so the same word
 * links the list (the kernel's trick that keeps a 127-pfn magazine at
 * 1 KiB).
 */
struct iovad_mag {
	union {
		unsigned long size;
		struct iovad_mag *next;
	};
	unsigned long pfns[];
};

struct iovad_cpu {
	struct lab_lock *lock;
	struct iovad_mag *loaded;
	struct iovad_mag *prev;
	_Atomic unsigned long nr_cached; /* loaded->size + prev->size */
	_Atomic uint64_t hits;
	_Atomic uint64_t misses;
	_Atomic uint64_t frees_cached;
	_Atomic uint64_t frees_uncached;
} __lab_cacheline_aligned;

struct iovad_class {
	struct lab_lock *lock;
	struct iovad_mag *depot;
	/* Written under @lock; read by trim arming (Dekker, seq_cst). */
	_Atomic unsigned long depot_size;
	_Atomic uint64_t pushes;
	_Atomic uint64_t pops;
	_Atomic uint64_t trims;
} __lab_cacheline_aligned;

struct iovad_trim {
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC */
	bool stop; /* under mu */
	uint64_t due_ns; /* under mu, meaningful while armed */
	atomic_bool armed; /* written under mu, read lock-free */
};

struct iovad {
	struct iovad_class cls[IOVAD_NR_CLASSES];
	struct iovad_cpu *cpus; /* [cpu * IOVAD_NR_CLASSES + class] */
	unsigned int nr_cpus;
	struct iova_domain *tree; /* the core domain, under tree_lock */
	struct lab_lock *tree_lock;
	bool lockless_find;
	struct iovad_attr attr;
	size_t mag_bytes; /* bytes of one magazine */

	_Atomic uint64_t mags;
	_Atomic uint64_t bypass_allocs;
	_Atomic uint64_t bypass_frees;
	_Atomic uint64_t bad_frees;
	_Atomic uint64_t alloc_failures;
	_Atomic uint64_t flushes;
	_Atomic uint64_t flushed_ranges;
	_Atomic uint64_t trim_runs;

	struct iovad_trim trim;
};

/* ---- lock order: per-CPU -> depot -> tree ---- */

enum iovad_lock_level {
	LVL_CPU,
	LVL_DEPOT,
	LVL_TREE,
	LVL_NR,
};

#if defined(IOVALAB_CHECK) || !defined(NDEBUG)
#define IOVAD_LOCKDEP 1
/* One per thread for the whole library (defined in domain.c). */
extern _Thread_local unsigned int iovad_lockdep_held[LVL_NR];
extern const char *const iovad_lockdep_names[LVL_NR];

static inline void lockdep_acquire(enum iovad_lock_level lvl)
{
	for (int l = lvl + 1; l < LVL_NR; l++) {
		if (iovad_lockdep_held[l]) {
			fprintf(stderr,
				"iovad: lock order violated: %s lock taken "
				"while holding the %s lock\n",
				iovad_lockdep_names[lvl],
				iovad_lockdep_names[l]);
			abort();
		}
	}
	if (iovad_lockdep_held[lvl]) {
		fprintf(stderr, "iovad: two %s locks held at once\n",
			iovad_lockdep_names[lvl]);
		abort();
	}
	iovad_lockdep_held[lvl]++;
}

static inline void lockdep_release(enum iovad_lock_level lvl)
{
	if (!iovad_lockdep_held[lvl]) {
		fprintf(stderr, "iovad: %s lock released but not held\n",
			iovad_lockdep_names[lvl]);
		abort();
	}
	iovad_lockdep_held[lvl]--;
}
#else
static inline void lockdep_acquire(enum iovad_lock_level lvl)
{
}

static inline void lockdep_release(enum iovad_lock_level lvl)
{
}
#endif

static inline void cpu_lock(struct iovad_cpu *c)
{
	lockdep_acquire(LVL_CPU);
	lab_lock(c->lock);
}

static inline void cpu_unlock(struct iovad_cpu *c)
{
	lab_unlock(c->lock);
	lockdep_release(LVL_CPU);
}

static inline void depot_lock(struct iovad_class *k)
{
	lockdep_acquire(LVL_DEPOT);
	lab_lock(k->lock);
}

static inline void depot_unlock(struct iovad_class *k)
{
	lab_unlock(k->lock);
	lockdep_release(LVL_DEPOT);
}

static inline void tree_lock(struct iovad *iovad)
{
	lockdep_acquire(LVL_TREE);
	lab_lock(iovad->tree_lock);
	lab_busy_ns(iovad->attr.tree_hold_ns);
}

static inline void tree_unlock(struct iovad *iovad)
{
	lab_unlock(iovad->tree_lock);
	lockdep_release(LVL_TREE);
}

static inline void tree_read_lock(struct iovad *iovad)
{
	lockdep_acquire(LVL_TREE);
	lab_read_lock(iovad->tree_lock);
}

static inline void tree_read_unlock(struct iovad *iovad)
{
	lab_read_unlock(iovad->tree_lock);
	lockdep_release(LVL_TREE);
}

/* ---- counters ---- */

/* A counter only its lock holder writes: no RMW needed. */
static inline void owned_inc(_Atomic uint64_t *c)
{
	atomic_store_explicit(c,
			      atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static inline void shared_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

static inline uint64_t rd(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/*
 * Move a depot's size by @delta (its lock held); returns the new size.
 * Only the lock holder writes it, so the load is relaxed; the store is
 * seq_cst because trim arming reads it Dekker-style against the trim
 * thread's store of armed (depot.c).
 */
static inline unsigned long depot_size_add(struct iovad_class *k, long delta)
{
	unsigned long n =
		atomic_load_explicit(&k->depot_size, memory_order_relaxed) +
		(unsigned long)delta;

	atomic_store(&k->depot_size, n);
	return n;
}

/* Publish a slot's cached count for unlocked statistics readers. */
static inline void cpu_publish(struct iovad_cpu *c)
{
	atomic_store_explicit(&c->nr_cached, c->loaded->size + c->prev->size,
			      memory_order_relaxed);
}

/* ---- across files ---- */

/* depot.c: magazines (counted in iovad->mags) and the trim thread */
struct iovad_mag *mag_alloc(struct iovad *iovad);
void mag_free(struct iovad *iovad, struct iovad_mag *m);
void trim_arm(struct iovad *iovad);
int trim_start(struct iovad *iovad);
void trim_stop(struct iovad *iovad);

/* tree.c: the core domain, each under the tree lock unless it says so */
unsigned long mag_release_pfns(struct iovad *iovad, struct iovad_mag *m,
			       unsigned long n);
int tree_free_checked(struct iovad *iovad, unsigned long pfn,
		      unsigned long size);

#endif /* IOVALAB_RCACHE_INTERNAL_H */
