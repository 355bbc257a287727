// SPDX-License-Identifier: MIT
/* Run-time adapter for spin_tas.h. */
#include "iovalab/locks/spin_tas.h"
#include "lock_impl.h"

static int tas_init(void *p, const struct lab_lock_attr *a)
{
	spin_tas_init(p, a->spin);
	return 0;
}

static void tas_lock(void *p)
{
	spin_tas_lock(p);
}

static void tas_unlock(void *p)
{
	spin_tas_unlock(p);
}

static bool tas_trylock(void *p)
{
	return spin_tas_trylock(p);
}

const struct lab_lock_ops lab_lock_ops_tas = {
	.info = { .name = "tas",
		  .summary = "test-and-set spinlock (atomic exchange per try)",
		  .spins = true,
		  .fifo = false },
	.size = sizeof(struct spin_tas),
	.init = tas_init,
	.lock = tas_lock,
	.unlock = tas_unlock,
	.trylock = tas_trylock,
};
