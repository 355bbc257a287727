// SPDX-License-Identifier: MIT
/* Run-time adapter for spin_ticket.h. */
#include "iovalab/locks/spin_ticket.h"
#include "lock_impl.h"

static int ticket_init(void *p, const struct lab_lock_attr *a)
{
	spin_ticket_init(p, a->spin);
	return 0;
}

static void ticket_lock(void *p)
{
	spin_ticket_lock(p);
}

static void ticket_unlock(void *p)
{
	spin_ticket_unlock(p);
}

static bool ticket_trylock(void *p)
{
	return spin_ticket_trylock(p);
}

const struct lab_lock_ops lab_lock_ops_ticket = {
	.info = { .name = "ticket",
		  .summary = "ticket spinlock (FIFO)",
		  .spins = true,
		  .fifo = true },
	.size = sizeof(struct spin_ticket),
	.init = ticket_init,
	.lock = ticket_lock,
	.unlock = ticket_unlock,
	.trylock = ticket_trylock,
};
