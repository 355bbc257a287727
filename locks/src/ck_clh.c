// SPDX-License-Identifier: MIT
/*
 * "ck-clh": Concurrency Kit's CLH queue lock. CLH nodes migrate: an
 * acquirer enqueues its node and, at unlock, leaves it in the queue and
 * takes its predecessor's node instead. So nodes cannot live in
 * thread-local storage (another thread may still spin on ours after we
 * exit). The adapter keeps a per-thread free list of heap nodes: lock pops
 * one (or allocates), unlock pushes the predecessor it inherits, the lock
 * owns exactly one node (its tail) which destroy frees, and
 * lab_lock_thread_offline() frees the thread's list. The node count is
 * conserved, so nothing leaks while threads go offline properly.
 *
 * ck has no CLH trylock. Ours: if the tail node is released, CAS our node
 * onto the tail. If the tail node was recycled and re-enqueued between
 * the check and the CAS (ABA), we are then queued behind it and wait:
 * still mutual exclusion, but such a trylock can wait for one holder.
 * ck's wait loop is pure spin (see ck_ticket.c).
 */
#include <ck_spinlock.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/fault.h"
#include "lock_impl.h"
#include "tsan.h"

struct ckclh_node {
	ck_spinlock_clh_t n;
	struct ckclh_node *free_next;
} __lab_cacheline_aligned;

struct ckclh {
	ck_spinlock_clh_t *queue;
	ck_spinlock_clh_t *holder;
} __lab_cacheline_aligned;

static _Thread_local struct ckclh_node *free_list;

static ck_spinlock_clh_t *node_get(void)
{
	struct ckclh_node *n = free_list;

	if (n) {
		free_list = n->free_next;
		return &n->n;
	}
	n = aligned_alloc(LAB_CACHELINE, sizeof(*n));
	if (!n)
		abort(); /* lock() cannot fail; out of memory for 64 bytes */
	lab_lock_thread_arm_exit(); /* the free list is freed at exit */
	memset(n, 0, sizeof(*n));
	return &n->n;
}

static void node_put(ck_spinlock_clh_t *c)
{
	/* n is the first member of ckclh_node. */
	struct ckclh_node *n = (struct ckclh_node *)(void *)c;

	n->free_next = free_list;
	free_list = n;
}

static void ckclh_thread_offline(void)
{
	while (free_list) {
		struct ckclh_node *n = free_list;

		free_list = n->free_next;
		free(n);
	}
}

static int ckclh_init(void *p, const struct lab_lock_attr *a)
{
	struct ckclh *c = p;
	struct ckclh_node *dummy =
		lab_fault_fail(LAB_FAULT_LOCK) ?
			NULL :
			aligned_alloc(LAB_CACHELINE, sizeof(*dummy));

	if (!dummy)
		return -ENOMEM;
	memset(dummy, 0, sizeof(*dummy));
	ck_spinlock_clh_init(&c->queue, &dummy->n);
	c->holder = NULL;
	lab_tsan_create(c, 0);
	return 0;
}

static void ckclh_destroy(void *p)
{
	struct ckclh *c = p;

	lab_tsan_destroy(c, 0);
	free(c->queue);
}

static void ckclh_lock(void *p)
{
	struct ckclh *c = p;
	ck_spinlock_clh_t *n = node_get();

	lab_tsan_pre_lock(c, 0);
	ck_spinlock_clh_lock(&c->queue, n);
	lab_tsan_post_lock(c, 0);
	c->holder = n;
}

static void ckclh_unlock(void *p)
{
	struct ckclh *c = p;
	ck_spinlock_clh_t *n = c->holder;

	lab_tsan_pre_unlock(c, 0);
	ck_spinlock_clh_unlock(&n); /* n becomes the predecessor's node */
	lab_tsan_post_unlock(c, 0);
	node_put(n);
}

static bool ckclh_trylock(void *p)
{
	struct ckclh *c = p;
	ck_spinlock_clh_t *tail, *n;

	lab_tsan_pre_lock(c, LAB_TSAN_TRY);
	tail = ck_pr_load_ptr(&c->queue);
	if (ck_pr_load_uint(&tail->wait)) {
		lab_tsan_post_lock(c, LAB_TSAN_TRY | LAB_TSAN_TRY_FAILED);
		return false;
	}
	n = node_get();
	ck_pr_store_uint(&n->wait, true);
	n->previous = tail;
	ck_pr_fence_store_atomic();
	if (!ck_pr_cas_ptr(&c->queue, tail, n)) {
		node_put(n);
		lab_tsan_post_lock(c, LAB_TSAN_TRY | LAB_TSAN_TRY_FAILED);
		return false;
	}
	while (ck_pr_load_uint(&tail->wait))
		ck_pr_stall();
	ck_pr_fence_lock();
	lab_tsan_post_lock(c, LAB_TSAN_TRY);
	c->holder = n;
	return true;
}

const struct lab_lock_ops lab_lock_ops_ck_clh = {
	.info = { .name = "ck-clh",
		  .summary = "ck CLH queue spinlock (FIFO; ck's pure spin)",
		  .ck = true,
		  .spins = true,
		  .fifo = true },
	.size = sizeof(struct ckclh),
	.init = ckclh_init,
	.destroy = ckclh_destroy,
	.lock = ckclh_lock,
	.unlock = ckclh_unlock,
	.trylock = ckclh_trylock,
	.thread_offline = ckclh_thread_offline,
};
