/* SPDX-License-Identifier: MIT */
/*
 * Test-and-set spinlock: every waiter hammers the line with an atomic
 * exchange. Unfair, and its cache-line traffic grows with waiters; kept
 * as the lower bound of the family.
 *
 * Usable directly (static inline, no indirection) or through lab_lock
 * as "tas".
 */
#ifndef IOVALAB_LOCKS_SPIN_TAS_H
#define IOVALAB_LOCKS_SPIN_TAS_H

#include <stdatomic.h>
#include <stdbool.h>

#include "iovalab/clock.h"
#include "iovalab/locks/spin.h"

struct spin_tas {
	atomic_bool locked;
	enum lab_spin_policy policy;
} __lab_cacheline_aligned;

static inline void spin_tas_init(struct spin_tas *l, enum lab_spin_policy p)
{
	atomic_init(&l->locked, false);
	l->policy = p;
}

static inline bool spin_tas_trylock(struct spin_tas *l)
{
	return !atomic_exchange_explicit(&l->locked, true,
					 memory_order_acquire);
}

static inline void spin_tas_lock(struct spin_tas *l)
{
	struct lab_spinner s;

	if (spin_tas_trylock(l))
		return;
	lab_spinner_init(&s, l->policy);
	do
		lab_spin_wait(&s);
	while (!spin_tas_trylock(l));
}

static inline void spin_tas_unlock(struct spin_tas *l)
{
	atomic_store_explicit(&l->locked, false, memory_order_release);
}

#endif /* IOVALAB_LOCKS_SPIN_TAS_H */
