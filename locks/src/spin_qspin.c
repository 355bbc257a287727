// SPDX-License-Identifier: MIT
/* Run-time adapter for spin_qspin.h, and the queue nodes tails point to. */
#include "iovalab/locks/spin_qspin.h"
#include "lock_impl.h"

struct spin_qspin_node spin_qspin_nodes[LAB_LOCK_MAX_THREADS][SPIN_QSPIN_NODES];
_Thread_local unsigned int spin_qspin_nesting;
void (*spin_qspin_wait_hook)(struct spin_qspin *l, enum spin_qspin_wait where);

int spin_qspin_tid(void)
{
	return lab_lock_tid();
}

static int qspin_init(void *p, const struct lab_lock_attr *a)
{
	spin_qspin_init(p, a->spin);
	return 0;
}

static void qspin_lock(void *p)
{
	spin_qspin_lock(p);
}

static void qspin_unlock(void *p)
{
	spin_qspin_unlock(p);
}

static bool qspin_trylock(void *p)
{
	return spin_qspin_trylock(p);
}

const struct lab_lock_ops lab_lock_ops_qspinlock = {
	.info = { .name = "qspinlock",
		  .summary = "queued spinlock (4-byte word: locked, pending, "
			     "MCS tail; the kernel's spinlock_t)",
		  .spins = true,
		  .fifo = true },
	.size = sizeof(struct spin_qspin),
	.init = qspin_init,
	.lock = qspin_lock,
	.unlock = qspin_unlock,
	.trylock = qspin_trylock,
};
