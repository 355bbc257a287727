/* SPDX-License-Identifier: MIT */
/*
 * Ticket spinlock: take a number (fetch-add on 'next'), wait until 'owner'
 * shows it. FIFO, so no starvation, but every release invalidates every
 * waiter's copy of the line, and under oversubscription a descheduled
 * next-in-line stalls everyone behind it (see spin.h for the policy).
 */
#ifndef IOVALAB_LOCKS_SPIN_TICKET_H
#define IOVALAB_LOCKS_SPIN_TICKET_H

#include <stdatomic.h>
#include <stdbool.h>

#include "iovalab/clock.h"
#include "iovalab/locks/spin.h"

struct spin_ticket {
	atomic_uint next; /* next ticket to hand out */
	atomic_uint owner; /* ticket now served */
	enum lab_spin_policy policy;
} __lab_cacheline_aligned;

static inline void spin_ticket_init(struct spin_ticket *l,
				    enum lab_spin_policy p)
{
	atomic_init(&l->next, 0);
	atomic_init(&l->owner, 0);
	l->policy = p;
}

/*
 * Free when next == owner; taking ticket 'owner' then is the same as a
 * lock() that finds no queue, so FIFO order is kept.
 */
static inline bool spin_ticket_trylock(struct spin_ticket *l)
{
	/*
	 * Acquire on 'owner': the last holder released the lock by storing
	 * it, and the CAS on 'next' below does not synchronise with that
	 * store (ThreadSanitizer caught this when it was a relaxed load).
	 */
	unsigned int t = atomic_load_explicit(&l->owner, memory_order_acquire);

	return atomic_compare_exchange_strong_explicit(&l->next, &t, t + 1,
						       memory_order_acquire,
						       memory_order_relaxed);
}

static inline void spin_ticket_lock(struct spin_ticket *l)
{
	unsigned int t =
		atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);
	struct lab_spinner s;

	if (atomic_load_explicit(&l->owner, memory_order_acquire) == t)
		return;
	lab_spinner_init(&s, l->policy);
	while (atomic_load_explicit(&l->owner, memory_order_acquire) != t)
		lab_spin_wait(&s);
}

static inline void spin_ticket_unlock(struct spin_ticket *l)
{
	/* Only the holder writes owner: a plain increment would do, but it
	 * must be a release. */
	unsigned int o = atomic_load_explicit(&l->owner, memory_order_relaxed);

	atomic_store_explicit(&l->owner, o + 1, memory_order_release);
}

/* Tickets taken but not yet served, holder included (tests, stats). */
static inline unsigned int spin_ticket_queued(struct spin_ticket *l)
{
	return atomic_load_explicit(&l->next, memory_order_relaxed) -
	       atomic_load_explicit(&l->owner, memory_order_relaxed);
}

#endif /* IOVALAB_LOCKS_SPIN_TICKET_H */
