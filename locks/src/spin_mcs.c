// SPDX-License-Identifier: MIT
/* Run-time adapter for spin_mcs.h, and the per-thread queue nodes. */
#include <stdio.h>
#include <stdlib.h>

#include "iovalab/locks/spin_mcs.h"
#include "lock_impl.h"

_Thread_local struct spin_mcs_pool spin_mcs_pool;

void spin_mcs_nesting_overflow(void)
{
	fprintf(stderr,
		"iovalab: more than %d MCS locks held or queued by one "
		"thread (raise SPIN_MCS_NODES)\n",
		SPIN_MCS_NODES);
	abort();
}

static int mcs_init(void *p, const struct lab_lock_attr *a)
{
	spin_mcs_init(p, a->spin);
	return 0;
}

static void mcs_lock(void *p)
{
	spin_mcs_lock(p);
}

static void mcs_unlock(void *p)
{
	spin_mcs_unlock(p);
}

static bool mcs_trylock(void *p)
{
	return spin_mcs_trylock(p);
}

const struct lab_lock_ops lab_lock_ops_mcs = {
	.info = { .name = "mcs",
		  .summary = "MCS queue spinlock (FIFO, local spinning, "
			     "thread-local nodes)",
		  .spins = true,
		  .fifo = true },
	.size = sizeof(struct spin_mcs),
	.init = mcs_init,
	.lock = mcs_lock,
	.unlock = mcs_unlock,
	.trylock = mcs_trylock,
};
