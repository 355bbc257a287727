/* SPDX-License-Identifier: MIT */
/*
 * How our spinning locks wait. A waiter that spins while the holder (or,
 * for FIFO locks, the next in line) is descheduled burns its whole time
 * slice; on a 2-core machine with more runnable threads than cores that
 * turns every hand-off into a scheduler tick. LAB_SPIN_YIELD spins
 * LAB_SPIN_YIELD_BOUND pause-iterations, then calls sched_yield() and
 * starts again, which lets the descheduled thread run. LAB_SPIN_PURE
 * never yields: the classic behaviour, to show the collapse.
 */
#ifndef IOVALAB_LOCKS_SPIN_H
#define IOVALAB_LOCKS_SPIN_H

#include <sched.h>
#include <stdbool.h>

#include "iovalab/arch.h"
#include "iovalab/lock.h"

struct lab_spinner {
	unsigned int spins;
	bool yield;
};

static inline void lab_spinner_init(struct lab_spinner *s,
				    enum lab_spin_policy p)
{
	s->spins = 0;
	s->yield = p == LAB_SPIN_YIELD;
}

/* One wait step: a pause, or a yield once the bound is reached. */
static inline void lab_spin_wait(struct lab_spinner *s)
{
	if (s->yield && ++s->spins >= LAB_SPIN_YIELD_BOUND) {
		s->spins = 0;
		sched_yield();
		return;
	}
	lab_cpu_relax();
}

/*
 * @n pause-iterations of backoff, counted against the yield bound, so a
 * backing-off waiter under LAB_SPIN_YIELD still yields eventually.
 */
static inline void lab_spin_delay(struct lab_spinner *s, unsigned int n)
{
	while (n--)
		lab_spin_wait(s);
}

#endif /* IOVALAB_LOCKS_SPIN_H */
