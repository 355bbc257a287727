/* SPDX-License-Identifier: MIT */
/*
 * Test-and-test-and-set spinlock with bounded exponential backoff: waiters
 * spin on a plain load (the line stays shared in their caches) and only
 * try the exchange when the lock looks free; each failed attempt doubles
 * the pause count up to SPIN_TTAS_BACKOFF_MAX, so a release is not
 * answered by every waiter at once. Unfair (the releaser, whose line is
 * hot, often wins again).
 */
#ifndef IOVALAB_LOCKS_SPIN_TTAS_H
#define IOVALAB_LOCKS_SPIN_TTAS_H

#include <stdatomic.h>
#include <stdbool.h>

#include "iovalab/clock.h"
#include "iovalab/locks/spin.h"

#define SPIN_TTAS_BACKOFF_MIN 4u
#define SPIN_TTAS_BACKOFF_MAX 1024u

struct spin_ttas {
	atomic_bool locked;
	enum lab_spin_policy policy;
} __lab_cacheline_aligned;

static inline void spin_ttas_init(struct spin_ttas *l, enum lab_spin_policy p)
{
	atomic_init(&l->locked, false);
	l->policy = p;
}

static inline bool spin_ttas_trylock(struct spin_ttas *l)
{
	return !atomic_load_explicit(&l->locked, memory_order_relaxed) &&
	       !atomic_exchange_explicit(&l->locked, true,
					 memory_order_acquire);
}

static inline void spin_ttas_lock(struct spin_ttas *l)
{
	unsigned int backoff = SPIN_TTAS_BACKOFF_MIN;
	struct lab_spinner s;

	if (spin_ttas_trylock(l))
		return;
	lab_spinner_init(&s, l->policy);
	for (;;) {
		while (atomic_load_explicit(&l->locked, memory_order_relaxed))
			lab_spin_wait(&s);
		if (!atomic_exchange_explicit(&l->locked, true,
					      memory_order_acquire))
			return;
		lab_spin_delay(&s, backoff);
		if (backoff < SPIN_TTAS_BACKOFF_MAX)
			backoff <<= 1;
	}
}

static inline void spin_ttas_unlock(struct spin_ttas *l)
{
	atomic_store_explicit(&l->locked, false, memory_order_release);
}

#endif /* IOVALAB_LOCKS_SPIN_TTAS_H */
