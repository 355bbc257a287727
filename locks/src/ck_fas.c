// SPDX-License-Identifier: MIT
/*
 * "ck-fas": Concurrency Kit's fetch-and-store spinlock. ck's own lock()
 * spins forever; under LAB_SPIN_YIELD the adapter waits with ck's
 * trylock and locked() and yields after the bound, the same policy as
 * ours (the lock word and its operations are ck's).
 */
#include <ck_spinlock.h>

#include "iovalab/locks/spin.h"
#include "lock_impl.h"
#include "tsan.h"

struct ckfas {
	ck_spinlock_fas_t l;
	enum lab_spin_policy policy;
} __lab_cacheline_aligned;

static int ckfas_init(void *p, const struct lab_lock_attr *a)
{
	struct ckfas *c = p;

	ck_spinlock_fas_init(&c->l);
	c->policy = a->spin;
	lab_tsan_create(c, 0);
	return 0;
}

static void ckfas_destroy(void *p)
{
	lab_tsan_destroy(p, 0);
}

static void ckfas_lock(void *p)
{
	struct ckfas *c = p;

	lab_tsan_pre_lock(c, 0);
	if (c->policy == LAB_SPIN_PURE) {
		ck_spinlock_fas_lock(&c->l);
	} else {
		struct lab_spinner s;

		lab_spinner_init(&s, c->policy);
		while (!ck_spinlock_fas_trylock(&c->l))
			while (ck_spinlock_fas_locked(&c->l))
				lab_spin_wait(&s);
	}
	lab_tsan_post_lock(c, 0);
}

static void ckfas_unlock(void *p)
{
	struct ckfas *c = p;

	lab_tsan_pre_unlock(c, 0);
	ck_spinlock_fas_unlock(&c->l);
	lab_tsan_post_unlock(c, 0);
}

static bool ckfas_trylock(void *p)
{
	struct ckfas *c = p;
	bool ok;

	lab_tsan_pre_lock(c, LAB_TSAN_TRY);
	ok = ck_spinlock_fas_trylock(&c->l);
	lab_tsan_post_lock(c, ok ? LAB_TSAN_TRY :
				   LAB_TSAN_TRY | LAB_TSAN_TRY_FAILED);
	return ok;
}

const struct lab_lock_ops lab_lock_ops_ck_fas = {
	.info = { .name = "ck-fas",
		  .summary = "ck fetch-and-store spinlock",
		  .ck = true,
		  .spins = true },
	.size = sizeof(struct ckfas),
	.init = ckfas_init,
	.destroy = ckfas_destroy,
	.lock = ckfas_lock,
	.unlock = ckfas_unlock,
	.trylock = ckfas_trylock,
};
