// SPDX-License-Identifier: MIT
/*
 * "ck-ticket": Concurrency Kit's ticket spinlock (on x86-64 one 64-bit
 * word, request and position halves). Its wait loop is ck's and spins
 * without yielding whatever the spin policy: a ticket, once taken, cannot
 * be handed back, so the policy could only be added by rewriting ck's
 * loop, and then it would no longer be ck's lock.
 */
#include <ck_spinlock.h>

#include "lock_impl.h"
#include "tsan.h"

struct ckticket {
	ck_spinlock_ticket_t l;
} __lab_cacheline_aligned;

static int ckticket_init(void *p, const struct lab_lock_attr *a)
{
	struct ckticket *c = p;

	ck_spinlock_ticket_init(&c->l);
	lab_tsan_create(c, 0);
	return 0;
}

static void ckticket_destroy(void *p)
{
	lab_tsan_destroy(p, 0);
}

static void ckticket_lock(void *p)
{
	struct ckticket *c = p;

	lab_tsan_pre_lock(c, 0);
	ck_spinlock_ticket_lock(&c->l);
	lab_tsan_post_lock(c, 0);
}

static void ckticket_unlock(void *p)
{
	struct ckticket *c = p;

	lab_tsan_pre_unlock(c, 0);
	ck_spinlock_ticket_unlock(&c->l);
	lab_tsan_post_unlock(c, 0);
}

static bool ckticket_trylock(void *p)
{
	struct ckticket *c = p;
	bool ok;

	lab_tsan_pre_lock(c, LAB_TSAN_TRY);
	ok = ck_spinlock_ticket_trylock(&c->l);
	lab_tsan_post_lock(c, ok ? LAB_TSAN_TRY :
				   LAB_TSAN_TRY | LAB_TSAN_TRY_FAILED);
	return ok;
}

const struct lab_lock_ops lab_lock_ops_ck_ticket = {
	.info = { .name = "ck-ticket",
		  .summary = "ck ticket spinlock (FIFO; ck's pure spin)",
		  .ck = true,
		  .spins = true,
		  .fifo = true },
	.size = sizeof(struct ckticket),
	.init = ckticket_init,
	.destroy = ckticket_destroy,
	.lock = ckticket_lock,
	.unlock = ckticket_unlock,
	.trylock = ckticket_trylock,
};
