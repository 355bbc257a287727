/* SPDX-License-Identifier: MIT */
/*
 * MCS queue lock (Mellor-Crummey and Scott, 1991): each waiter enqueues a
 * node with one exchange on the tail and spins on a flag in its own node,
 * so a release touches one waiter's line, not everyone's. FIFO.
 *
 * The queue node: the allocator API has no place to thread a node
 * through, so the lock finds one itself, as the kernel's qspinlock does
 * with its per-CPU nodes. Here each thread owns SPIN_MCS_NODES nodes in
 * thread-local storage with a bitmap of those in use; lock takes the
 * lowest free one and records it in the lock ('holder', written only by
 * the holder), unlock gives that one back. Locks may therefore be
 * released in any order, but by the thread that took them, and one
 * thread may hold at most SPIN_MCS_NODES MCS locks at once (the lab's
 * deepest nesting is 3: per-CPU, depot, tree); exceeding that aborts
 * with a message rather than corrupting a queue. A node is never touched
 * by another thread after unlock returns, so thread exit is safe.
 */
#ifndef IOVALAB_LOCKS_SPIN_MCS_H
#define IOVALAB_LOCKS_SPIN_MCS_H

#include <stdatomic.h>
#include <stdbool.h>

#include "iovalab/clock.h"
#include "iovalab/locks/spin.h"

#define SPIN_MCS_NODES 8

struct spin_mcs_node {
	_Atomic(struct spin_mcs_node *) next;
	atomic_bool locked; /* true while this waiter must wait */
} __lab_cacheline_aligned;

struct spin_mcs {
	_Atomic(struct spin_mcs_node *) tail;
	struct spin_mcs_node *holder; /* holder's node, holder-private */
	enum lab_spin_policy policy;
} __lab_cacheline_aligned;

struct spin_mcs_pool {
	unsigned int used; /* bit i: node[i] is queued or held */
	struct spin_mcs_node node[SPIN_MCS_NODES];
};

extern _Thread_local struct spin_mcs_pool spin_mcs_pool;

/* Aborts: more than SPIN_MCS_NODES MCS locks held or queued at once. */
void spin_mcs_nesting_overflow(void) __attribute__((noreturn));

static inline void spin_mcs_init(struct spin_mcs *l, enum lab_spin_policy p)
{
	atomic_init(&l->tail, NULL);
	l->holder = NULL;
	l->policy = p;
}

static inline struct spin_mcs_node *spin_mcs_node_get(void)
{
	struct spin_mcs_pool *pool = &spin_mcs_pool;
	unsigned int i;

	if (pool->used == (1u << SPIN_MCS_NODES) - 1)
		spin_mcs_nesting_overflow();
	i = (unsigned int)__builtin_ctz(~pool->used);
	pool->used |= 1u << i;
	atomic_store_explicit(&pool->node[i].next, NULL, memory_order_relaxed);
	atomic_store_explicit(&pool->node[i].locked, true,
			      memory_order_relaxed);
	return &pool->node[i];
}

static inline void spin_mcs_node_put(struct spin_mcs_node *n)
{
	spin_mcs_pool.used &= ~(1u << (unsigned int)(n - spin_mcs_pool.node));
}

static inline bool spin_mcs_trylock(struct spin_mcs *l)
{
	struct spin_mcs_node *n = spin_mcs_node_get(), *empty = NULL;

	/* acq_rel: acquire the last holder's release, publish our node. */
	if (atomic_compare_exchange_strong_explicit(&l->tail, &empty, n,
						    memory_order_acq_rel,
						    memory_order_relaxed)) {
		l->holder = n;
		return true;
	}
	spin_mcs_node_put(n);
	return false;
}

static inline void spin_mcs_lock(struct spin_mcs *l)
{
	struct spin_mcs_node *n = spin_mcs_node_get(), *prev;

	prev = atomic_exchange_explicit(&l->tail, n, memory_order_acq_rel);
	if (prev) {
		struct lab_spinner s;

		atomic_store_explicit(&prev->next, n, memory_order_release);
		lab_spinner_init(&s, l->policy);
		while (atomic_load_explicit(&n->locked, memory_order_acquire))
			lab_spin_wait(&s);
	}
	l->holder = n;
}

static inline void spin_mcs_unlock(struct spin_mcs *l)
{
	struct spin_mcs_node *n = l->holder, *next;

	next = atomic_load_explicit(&n->next, memory_order_acquire);
	if (!next) {
		struct spin_mcs_node *self = n;
		struct lab_spinner s;

		if (atomic_compare_exchange_strong_explicit(
			    &l->tail, &self, NULL, memory_order_release,
			    memory_order_relaxed)) {
			spin_mcs_node_put(n);
			return;
		}
		/* A successor swapped the tail but has not linked in yet. */
		lab_spinner_init(&s, l->policy);
		while (!(next = atomic_load_explicit(&n->next,
						     memory_order_acquire)))
			lab_spin_wait(&s);
	}
	atomic_store_explicit(&next->locked, false, memory_order_release);
	spin_mcs_node_put(n);
}

/* Last queued node or NULL (tests observe enqueueing through it). */
static inline const void *spin_mcs_tail(struct spin_mcs *l)
{
	return atomic_load_explicit(&l->tail, memory_order_relaxed);
}

#endif /* IOVALAB_LOCKS_SPIN_MCS_H */
