/* SPDX-License-Identifier: MIT */
/* Helpers shared by the locks/ unit tests. */
#ifndef IOVALAB_LOCKS_TEST_COMMON_H
#define IOVALAB_LOCKS_TEST_COMMON_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "../../core/tests/check.h"

/*
 * Liveness guard, not a timing: yield until *v == want, at most
 * LIVENESS_YIELDS times (tens of seconds on a loaded machine). false if
 * the condition never came true, which means a hang in the code tested.
 */
#define LIVENESS_YIELDS 20000000ul

static inline bool wait_for(atomic_uint *v, unsigned int want)
{
	for (unsigned long i = 0; i < LIVENESS_YIELDS; i++) {
		if (atomic_load(v) == want)
			return true;
		sched_yield();
	}
	return false;
}

#endif /* IOVALAB_LOCKS_TEST_COMMON_H */
