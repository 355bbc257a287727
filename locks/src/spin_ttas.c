// SPDX-License-Identifier: MIT
/* Run-time adapter for spin_ttas.h. */
#include "iovalab/locks/spin_ttas.h"
#include "lock_impl.h"

static int ttas_init(void *p, const struct lab_lock_attr *a)
{
	spin_ttas_init(p, a->spin);
	return 0;
}

static void ttas_lock(void *p)
{
	spin_ttas_lock(p);
}

static void ttas_unlock(void *p)
{
	spin_ttas_unlock(p);
}

static bool ttas_trylock(void *p)
{
	return spin_ttas_trylock(p);
}

const struct lab_lock_ops lab_lock_ops_ttas = {
	.info = { .name = "ttas",
		  .summary =
			  "test-and-test-and-set spinlock, bounded exponential backoff",
		  .spins = true,
		  .fifo = false },
	.size = sizeof(struct spin_ttas),
	.init = ttas_init,
	.lock = ttas_lock,
	.unlock = ttas_unlock,
	.trylock = ttas_trylock,
};
