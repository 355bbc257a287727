// SPDX-License-Identifier: MIT
/*
 * "ck-rwlock": Concurrency Kit's centralised reader-writer spinlock (one
 * writer flag, one reader count; a writer claims the flag, then waits for
 * readers to drain, so it is writer-preferring). ck's wait loops spin
 * without yielding whatever the spin policy (see ck_ticket.c): retrying
 * write_trylock instead would drop the writer's claim on every failure and
 * let readers starve it, a different lock.
 */
#include <ck_rwlock.h>

#include "lock_impl.h"
#include "tsan.h"

struct ckrw {
	ck_rwlock_t l;
} __lab_cacheline_aligned;

static int ckrw_init(void *p, const struct lab_lock_attr *a)
{
	struct ckrw *c = p;

	ck_rwlock_init(&c->l);
	lab_tsan_create(c, 0);
	return 0;
}

static void ckrw_destroy(void *p)
{
	lab_tsan_destroy(p, 0);
}

static void ckrw_lock(void *p)
{
	struct ckrw *c = p;

	lab_tsan_pre_lock(c, 0);
	ck_rwlock_write_lock(&c->l);
	lab_tsan_post_lock(c, 0);
}

static void ckrw_unlock(void *p)
{
	struct ckrw *c = p;

	lab_tsan_pre_unlock(c, 0);
	ck_rwlock_write_unlock(&c->l);
	lab_tsan_post_unlock(c, 0);
}

static bool ckrw_trylock(void *p)
{
	struct ckrw *c = p;
	bool ok;

	lab_tsan_pre_lock(c, LAB_TSAN_TRY);
	ok = ck_rwlock_write_trylock(&c->l);
	lab_tsan_post_lock(c, ok ? LAB_TSAN_TRY :
				   LAB_TSAN_TRY | LAB_TSAN_TRY_FAILED);
	return ok;
}

static void ckrw_read_lock(void *p)
{
	struct ckrw *c = p;

	lab_tsan_pre_lock(c, LAB_TSAN_READ);
	ck_rwlock_read_lock(&c->l);
	lab_tsan_post_lock(c, LAB_TSAN_READ);
}

static void ckrw_read_unlock(void *p)
{
	struct ckrw *c = p;

	lab_tsan_pre_unlock(c, LAB_TSAN_READ);
	ck_rwlock_read_unlock(&c->l);
	lab_tsan_post_unlock(c, LAB_TSAN_READ);
}

static bool ckrw_read_trylock(void *p)
{
	struct ckrw *c = p;
	bool ok;

	lab_tsan_pre_lock(c, LAB_TSAN_READ | LAB_TSAN_TRY);
	ok = ck_rwlock_read_trylock(&c->l);
	lab_tsan_post_lock(c, ok ? LAB_TSAN_READ | LAB_TSAN_TRY :
				   LAB_TSAN_READ | LAB_TSAN_TRY |
					      LAB_TSAN_TRY_FAILED);
	return ok;
}

const struct lab_lock_ops lab_lock_ops_ck_rwlock = {
	.info = { .name = "ck-rwlock",
		  .summary = "ck centralised reader-writer spinlock "
			     "(ck's pure spin)",
		  .ck = true,
		  .spins = true,
		  .shared_readers = true },
	.size = sizeof(struct ckrw),
	.init = ckrw_init,
	.destroy = ckrw_destroy,
	.lock = ckrw_lock,
	.unlock = ckrw_unlock,
	.trylock = ckrw_trylock,
	.read_lock = ckrw_read_lock,
	.read_unlock = ckrw_read_unlock,
	.read_trylock = ckrw_read_trylock,
};
