/* SPDX-License-Identifier: MIT */
/*
 * Queued spinlock (the algorithm of Linux's qspinlock, written here from
 * its published description): one 32-bit word holds everything.
 *
 *   bits  0..7   locked byte: 1 while the lock is held
 *   bit   8      pending: the first waiter, spinning on the word itself
 *   bits 16..17  tail index: which of the tail thread's nodes (nesting)
 *   bits 18..31  tail thread: lab thread id + 1 of the last queued waiter
 *
 * Uncontended, lock is one compare-and-swap 0 -> locked and unlock one
 * release of the locked byte, like a test-and-set lock. The first waiter
 * does not queue: it sets pending and spins on the word until the locked
 * byte clears, then turns pending into locked in one step. Only a third
 * party (lock held and pending taken, or a queue already there) joins the
 * MCS queue: it publishes its node in the tail, links itself behind the
 * previous tail, and spins on its own node. The queue head spins on the
 * word until both locked and pending are clear, takes the lock, and
 * hands the head role to its successor. So queue nodes are in use only
 * while waiting, never while the lock is held, and the lock word stays
 * four bytes.
 *
 * Nodes: SPIN_QSPIN_NODES per lab thread id (lab_lock_tid()), in a static
 * table indexed by the tail, so any thread can find its predecessor's node
 * from the word alone. A thread spins in at most one slow path at a time
 * in user space (no interrupts), so the nesting index is 0 except for a
 * waiter that enters another slow path from a test hook; the index is
 * kept to follow the algorithm. A thread without a lab id (more than
 * LAB_LOCK_MAX_THREADS live) or out of nodes falls back to spinning on
 * trylock, as the kernel does when its per-CPU nodes run out.
 *
 * Differences from the kernel's are listed in locks/README.md.
 */
#ifndef IOVALAB_LOCKS_SPIN_QSPIN_H
#define IOVALAB_LOCKS_SPIN_QSPIN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "iovalab/clock.h"
#include "iovalab/lock_stat.h"
#include "iovalab/locks/spin.h"

#define SPIN_QSPIN_LOCKED 1u
#define SPIN_QSPIN_LOCKED_MASK 0xffu
#define SPIN_QSPIN_PENDING (1u << 8)
#define SPIN_QSPIN_IDX_SHIFT 16
#define SPIN_QSPIN_IDX_MASK (3u << SPIN_QSPIN_IDX_SHIFT)
#define SPIN_QSPIN_TID_SHIFT 18
#define SPIN_QSPIN_TAIL_MASK (~0u << SPIN_QSPIN_IDX_SHIFT)
#define SPIN_QSPIN_NODES 4
/* How often a would-be pending waiter re-reads a pending->locked handover */
#define SPIN_QSPIN_PENDING_LOOPS 1

_Static_assert(LAB_LOCK_MAX_THREADS < (1u << (32 - SPIN_QSPIN_TID_SHIFT)),
	       "thread ids must fit the tail");

struct spin_qspin {
	atomic_uint val;
	enum lab_spin_policy policy;
} __lab_cacheline_aligned;

struct spin_qspin_node {
	_Atomic(struct spin_qspin_node *) next;
	atomic_bool locked; /* set by the predecessor: we are queue head */
} __lab_cacheline_aligned;

extern struct spin_qspin_node spin_qspin_nodes[LAB_LOCK_MAX_THREADS]
					      [SPIN_QSPIN_NODES];
extern _Thread_local unsigned int spin_qspin_nesting;

/* Where a waiter is waiting, for the test hook. */
enum spin_qspin_wait {
	SPIN_QSPIN_WAIT_HANDOVER, /* saw pending alone: handover under way */
	SPIN_QSPIN_WAIT_PENDING, /* pending holder: waits for locked = 0 */
	SPIN_QSPIN_WAIT_NODE, /* queued: waits for its node's flag */
	SPIN_QSPIN_WAIT_HEAD, /* queue head: waits for locked, pending 0 */
	SPIN_QSPIN_WAIT_LINK, /* new owner: waits for its successor's link */
};

/*
 * Tests only: called once per wait-loop iteration of the slow path (NULL
 * in every program but the state-transition test, which uses it to play
 * the other threads' parts from one thread).
 */
extern void (*spin_qspin_wait_hook)(struct spin_qspin *l,
				    enum spin_qspin_wait where);

/* lab_lock_tid() (private to locks/), for the header. */
int spin_qspin_tid(void);

static inline void spin_qspin_init(struct spin_qspin *l, enum lab_spin_policy p)
{
	atomic_init(&l->val, 0);
	l->policy = p;
}

static inline uint32_t spin_qspin_encode_tail(int tid, unsigned int idx)
{
	return ((uint32_t)(tid + 1) << SPIN_QSPIN_TID_SHIFT) |
	       (idx << SPIN_QSPIN_IDX_SHIFT);
}

static inline struct spin_qspin_node *spin_qspin_decode_tail(uint32_t tail)
{
	unsigned int tid = (tail >> SPIN_QSPIN_TID_SHIFT) - 1;
	unsigned int idx = (tail & SPIN_QSPIN_IDX_MASK) >> SPIN_QSPIN_IDX_SHIFT;

	return &spin_qspin_nodes[tid][idx];
}

static inline void spin_qspin_wait(struct spin_qspin *l, struct lab_spinner *s,
				   enum spin_qspin_wait where)
{
	if (__builtin_expect(spin_qspin_wait_hook != NULL, 0))
		spin_qspin_wait_hook(l, where);
	else
		lab_spin_wait(s);
}

static inline bool spin_qspin_trylock(struct spin_qspin *l)
{
	unsigned int v = atomic_load_explicit(&l->val, memory_order_relaxed);

	if (v)
		return false;
	return atomic_compare_exchange_strong_explicit(&l->val, &v,
						       SPIN_QSPIN_LOCKED,
						       memory_order_acquire,
						       memory_order_relaxed);
}

/* Swap our tail in, keeping locked and pending; returns the old word. */
static inline unsigned int spin_qspin_xchg_tail(struct spin_qspin *l,
						uint32_t tail)
{
	unsigned int v = atomic_load_explicit(&l->val, memory_order_relaxed);

	/* release: publish our node; acquire: the predecessor's. */
	while (!atomic_compare_exchange_weak_explicit(
		&l->val, &v, (v & ~SPIN_QSPIN_TAIL_MASK) | tail,
		memory_order_acq_rel, memory_order_relaxed))
		;
	return v;
}

/* Out of nodes or ids: spin on trylock (unfair, but always correct). */
static inline void spin_qspin_spin_trylock(struct spin_qspin *l)
{
	struct lab_spinner s;

	lab_spinner_init(&s, l->policy);
	while (!spin_qspin_trylock(l))
		lab_spin_wait(&s);
}

static inline void spin_qspin_queue(struct spin_qspin *l)
{
	struct spin_qspin_node *node, *next;
	struct lab_spinner s;
	unsigned int idx = spin_qspin_nesting, v;
	int tid = spin_qspin_tid();
	uint32_t tail;

	if (tid < 0 || idx >= SPIN_QSPIN_NODES) {
		spin_qspin_spin_trylock(l);
		return;
	}
	spin_qspin_nesting++;
	node = &spin_qspin_nodes[tid][idx];
	tail = spin_qspin_encode_tail(tid, idx);
	atomic_store_explicit(&node->locked, false, memory_order_relaxed);
	atomic_store_explicit(&node->next, NULL, memory_order_relaxed);
	/* The holder may have left while we set up the node. */
	if (spin_qspin_trylock(l))
		goto release;

	v = spin_qspin_xchg_tail(l, tail);
	if (v & SPIN_QSPIN_TAIL_MASK) {
		struct spin_qspin_node *prev =
			spin_qspin_decode_tail(v & SPIN_QSPIN_TAIL_MASK);

		atomic_store_explicit(&prev->next, node, memory_order_release);
		lab_spinner_init(&s, l->policy);
		while (!atomic_load_explicit(&node->locked,
					     memory_order_acquire))
			spin_qspin_wait(l, &s, SPIN_QSPIN_WAIT_NODE);
	}

	/*
	 * Queue head: wait for the owner and the pending waiter to go. Last
	 * in the queue: take the lock and clear the tail at once. That CAS
	 * can fail on a pending bit set and undone by a waiter that then
	 * spins on trylock without a node (no lab id, nodes used up), so it
	 * never links behind us: look again rather than wait for a link
	 * while the tail is still ours.
	 */
	lab_spinner_init(&s, l->policy);
	for (;;) {
		while ((v = atomic_load_explicit(&l->val,
						 memory_order_acquire)) &
		       (SPIN_QSPIN_LOCKED_MASK | SPIN_QSPIN_PENDING))
			spin_qspin_wait(l, &s, SPIN_QSPIN_WAIT_HEAD);
		if ((v & SPIN_QSPIN_TAIL_MASK) != tail)
			break;
		if (atomic_compare_exchange_strong_explicit(
			    &l->val, &v, SPIN_QSPIN_LOCKED,
			    memory_order_acquire, memory_order_relaxed))
			goto release;
	}

	/*
	 * Others queued behind us (the tail is not ours: whoever swapped it
	 * links to our node); only the head may set locked while a
	 * tail exists (trylock needs a zero word), so an RMW that leaves the
	 * tail alone suffices.
	 */
	atomic_fetch_or_explicit(&l->val, SPIN_QSPIN_LOCKED,
				 memory_order_acquire);
	lab_spinner_init(&s, l->policy);
	while (!(
		next = atomic_load_explicit(&node->next, memory_order_acquire)))
		spin_qspin_wait(l, &s, SPIN_QSPIN_WAIT_LINK);
	atomic_store_explicit(&next->locked, true, memory_order_release);
release:
	spin_qspin_nesting--;
}

static inline void spin_qspin_slowpath(struct spin_qspin *l, unsigned int v)
{
	struct lab_spinner s;

	/* Pending alone: a pending waiter is becoming the owner. Let it. */
	if (v == SPIN_QSPIN_PENDING) {
		for (int i = 0; i < SPIN_QSPIN_PENDING_LOOPS; i++) {
			if (spin_qspin_wait_hook)
				spin_qspin_wait_hook(l,
						     SPIN_QSPIN_WAIT_HANDOVER);
			else
				lab_cpu_relax();
			v = atomic_load_explicit(&l->val, memory_order_relaxed);
			if (v != SPIN_QSPIN_PENDING)
				break;
		}
	}
	/* Anyone besides the owner: queue. */
	if (v & ~SPIN_QSPIN_LOCKED_MASK) {
		spin_qspin_queue(l);
		return;
	}
	v = atomic_fetch_or_explicit(&l->val, SPIN_QSPIN_PENDING,
				     memory_order_acquire);
	if (v & ~SPIN_QSPIN_LOCKED_MASK) {
		/* Lost the race for pending: undo ours (if it was ours). */
		if (!(v & SPIN_QSPIN_PENDING))
			atomic_fetch_and_explicit(&l->val, ~SPIN_QSPIN_PENDING,
						  memory_order_relaxed);
		spin_qspin_queue(l);
		return;
	}
	/* We are pending: wait for the owner, then pending -> locked. */
	lab_spinner_init(&s, l->policy);
	while (atomic_load_explicit(&l->val, memory_order_acquire) &
	       SPIN_QSPIN_LOCKED_MASK)
		spin_qspin_wait(l, &s, SPIN_QSPIN_WAIT_PENDING);
	atomic_fetch_add_explicit(&l->val,
				  SPIN_QSPIN_LOCKED - SPIN_QSPIN_PENDING,
				  memory_order_relaxed);
}

static inline void spin_qspin_lock(struct spin_qspin *l)
{
	unsigned int v = 0;

	if (__builtin_expect(atomic_compare_exchange_strong_explicit(
				     &l->val, &v, SPIN_QSPIN_LOCKED,
				     memory_order_acquire,
				     memory_order_relaxed),
			     1))
		return;
	spin_qspin_slowpath(l, v);
}

static inline void spin_qspin_unlock(struct spin_qspin *l)
{
	/* Pending and tail change under us: an RMW of the locked byte. */
	atomic_fetch_sub_explicit(&l->val, SPIN_QSPIN_LOCKED,
				  memory_order_release);
}

/* The whole word (tests, and the FIFO test's arrival signal). */
static inline unsigned int spin_qspin_val(struct spin_qspin *l)
{
	return atomic_load_explicit(&l->val, memory_order_relaxed);
}

#endif /* IOVALAB_LOCKS_SPIN_QSPIN_H */
