// SPDX-License-Identifier: MIT
/*
 * "ck-mcs": Concurrency Kit's MCS lock. ck's API takes the acquirer's
 * context node as an argument; the adapter supplies it the way our mcs
 * does (spin_mcs.h): a thread-local array of nodes with an in-use bitmap,
 * the holder's node recorded in the lock. ck's wait loop is pure spin
 * (see ck_ticket.c).
 */
#include <ck_spinlock.h>
#include <stdio.h>
#include <stdlib.h>

#include "iovalab/locks/spin_mcs.h"
#include "lock_impl.h"
#include "tsan.h"

struct ckmcs_node {
	ck_spinlock_mcs_context_t ctx;
} __lab_cacheline_aligned;

struct ckmcs {
	ck_spinlock_mcs_t queue;
	struct ckmcs_node *holder;
} __lab_cacheline_aligned;

static _Thread_local struct {
	unsigned int used;
	struct ckmcs_node node[SPIN_MCS_NODES];
} pool;

static struct ckmcs_node *node_get(void)
{
	unsigned int i;

	if (pool.used == (1u << SPIN_MCS_NODES) - 1)
		spin_mcs_nesting_overflow();
	i = (unsigned int)__builtin_ctz(~pool.used);
	pool.used |= 1u << i;
	return &pool.node[i];
}

static void node_put(struct ckmcs_node *n)
{
	pool.used &= ~(1u << (unsigned int)(n - pool.node));
}

static int ckmcs_init(void *p, const struct lab_lock_attr *a)
{
	struct ckmcs *c = p;

	ck_spinlock_mcs_init(&c->queue);
	c->holder = NULL;
	lab_tsan_create(c, 0);
	return 0;
}

static void ckmcs_destroy(void *p)
{
	lab_tsan_destroy(p, 0);
}

static void ckmcs_lock(void *p)
{
	struct ckmcs *c = p;
	struct ckmcs_node *n = node_get();

	lab_tsan_pre_lock(c, 0);
	ck_spinlock_mcs_lock(&c->queue, &n->ctx);
	lab_tsan_post_lock(c, 0);
	c->holder = n;
}

static void ckmcs_unlock(void *p)
{
	struct ckmcs *c = p;
	struct ckmcs_node *n = c->holder;

	lab_tsan_pre_unlock(c, 0);
	ck_spinlock_mcs_unlock(&c->queue, &n->ctx);
	lab_tsan_post_unlock(c, 0);
	node_put(n);
}

static bool ckmcs_trylock(void *p)
{
	struct ckmcs *c = p;
	struct ckmcs_node *n = node_get();
	bool ok;

	lab_tsan_pre_lock(c, LAB_TSAN_TRY);
	ok = ck_spinlock_mcs_trylock(&c->queue, &n->ctx);
	lab_tsan_post_lock(c, ok ? LAB_TSAN_TRY :
				   LAB_TSAN_TRY | LAB_TSAN_TRY_FAILED);
	if (ok)
		c->holder = n;
	else
		node_put(n);
	return ok;
}

const struct lab_lock_ops lab_lock_ops_ck_mcs = {
	.info = { .name = "ck-mcs",
		  .summary = "ck MCS queue spinlock (FIFO; ck's pure spin)",
		  .ck = true,
		  .spins = true,
		  .fifo = true },
	.size = sizeof(struct ckmcs),
	.init = ckmcs_init,
	.destroy = ckmcs_destroy,
	.lock = ckmcs_lock,
	.unlock = ckmcs_unlock,
	.trylock = ckmcs_trylock,
};
