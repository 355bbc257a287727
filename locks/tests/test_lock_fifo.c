// SPDX-License-Identifier: MIT
/*
 * FIFO order of the queue locks, deterministically: the main thread holds
 * the lock, starts waiters one at a time and waits until each has visibly
 * joined the queue (the ticket counter moved, or the queue tail changed),
 * then releases. Grant order must equal arrival order. Run for ours
 * (ticket, mcs, qspinlock, through their inline headers, the code the adapters use)
 * and ck's (ticket, mcs, clh, through ck's API).
 */
#include <ck_spinlock.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/lock.h"
#include "iovalab/locks/spin_mcs.h"
#include "iovalab/locks/spin_qspin.h"
#include "iovalab/locks/spin_ticket.h"
#include "test_common.h"
#include "tsan.h" /* ck is inline asm: annotate it for TSan */

#define WAITERS 5

struct fifo_lock {
	const char *name;
	void (*lock)(void);
	void (*unlock)(void);
	unsigned long (*queue_sig)(void); /* changes when a waiter joins */
	void (*thread_exit)(void); /* may be NULL */
};

static struct spin_ticket ticket;
static struct spin_mcs mcs;
static struct spin_qspin qspin;
static ck_spinlock_ticket_t ckticket;
static ck_spinlock_mcs_t ckmcs;
static _Thread_local ck_spinlock_mcs_context_t ckmcs_node;
static ck_spinlock_clh_t *ckclh;
static _Thread_local ck_spinlock_clh_t *ckclh_node;

static void ticket_lock(void)
{
	spin_ticket_lock(&ticket);
}
static void ticket_unlock(void)
{
	spin_ticket_unlock(&ticket);
}
static unsigned long ticket_sig(void)
{
	return spin_ticket_queued(&ticket);
}
static void mcs_lock(void)
{
	spin_mcs_lock(&mcs);
}
static void mcs_unlock(void)
{
	spin_mcs_unlock(&mcs);
}
static unsigned long mcs_sig(void)
{
	return (unsigned long)spin_mcs_tail(&mcs);
}
static void qspin_lock(void)
{
	spin_qspin_lock(&qspin);
}
static void qspin_unlock(void)
{
	spin_qspin_unlock(&qspin);
}
/* The first waiter sets pending, each later one moves the tail. */
static unsigned long qspin_sig(void)
{
	return spin_qspin_val(&qspin);
}
static void ckticket_lock(void)
{
	lab_tsan_pre_lock(&ckticket, 0);
	ck_spinlock_ticket_lock(&ckticket);
	lab_tsan_post_lock(&ckticket, 0);
}
static void ckticket_unlock(void)
{
	lab_tsan_pre_unlock(&ckticket, 0);
	ck_spinlock_ticket_unlock(&ckticket);
	lab_tsan_post_unlock(&ckticket, 0);
}
static unsigned long ckticket_sig(void)
{
	/* The word's width depends on ck's build (32 or 64 bits). */
	if (sizeof(ckticket) == sizeof(uint64_t))
		return (unsigned long)__atomic_load_n(
			(uint64_t *)(void *)&ckticket, __ATOMIC_RELAXED);
	return __atomic_load_n((uint32_t *)(void *)&ckticket, __ATOMIC_RELAXED);
}
static void ckmcs_lock(void)
{
	lab_tsan_pre_lock(&ckmcs, 0);
	ck_spinlock_mcs_lock(&ckmcs, &ckmcs_node);
	lab_tsan_post_lock(&ckmcs, 0);
}
static void ckmcs_unlock(void)
{
	lab_tsan_pre_unlock(&ckmcs, 0);
	ck_spinlock_mcs_unlock(&ckmcs, &ckmcs_node);
	lab_tsan_post_unlock(&ckmcs, 0);
}
static unsigned long ckmcs_sig(void)
{
	return (unsigned long)ck_pr_load_ptr(&ckmcs);
}
static void ckclh_lock(void)
{
	if (!ckclh_node)
		ckclh_node = calloc(1, sizeof(*ckclh_node));
	lab_tsan_pre_lock(&ckclh, 0);
	ck_spinlock_clh_lock(&ckclh, ckclh_node);
	lab_tsan_post_lock(&ckclh, 0);
}
static void ckclh_unlock(void)
{
	lab_tsan_pre_unlock(&ckclh, 0);
	ck_spinlock_clh_unlock(&ckclh_node);
	lab_tsan_post_unlock(&ckclh, 0);
}
/* After unlock a CLH thread owns its predecessor's node: free it. */
static void ckclh_exit(void)
{
	free(ckclh_node);
	ckclh_node = NULL;
}
static unsigned long ckclh_sig(void)
{
	return (unsigned long)ck_pr_load_ptr(&ckclh);
}

static const struct fifo_lock *cur;
static unsigned int order[WAITERS];
static atomic_uint granted, holders;

static void *waiter(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;

	cur->lock();
	CHECK(atomic_fetch_add(&holders, 1) == 0);
	order[atomic_load(&granted)] = id;
	atomic_fetch_add(&granted, 1);
	atomic_fetch_sub(&holders, 1);
	cur->unlock();
	if (cur->thread_exit)
		cur->thread_exit();
	return NULL;
}

static void run(const struct fifo_lock *fl)
{
	pthread_t th[WAITERS];

	cur = fl;
	atomic_store(&granted, 0);
	memset(order, 0xff, sizeof(order));
	fl->lock();
	for (unsigned int i = 0; i < WAITERS; i++) {
		unsigned long before = fl->queue_sig();
		unsigned long spins = 0;

		CHECK(pthread_create(&th[i], NULL, waiter,
				     (void *)(uintptr_t)i) == 0);
		while (fl->queue_sig() == before && spins++ < LIVENESS_YIELDS)
			sched_yield();
		CHECK(fl->queue_sig() != before);
	}
	CHECK(atomic_load(&granted) == 0);
	fl->unlock();
	for (unsigned int i = 0; i < WAITERS; i++)
		pthread_join(th[i], NULL);
	if (fl->thread_exit)
		fl->thread_exit();
	CHECK(atomic_load(&granted) == WAITERS);
	for (unsigned int i = 0; i < WAITERS; i++)
		if (order[i] != i) {
			fprintf(stderr, "%s: grant %u went to waiter %u\n",
				fl->name, i, order[i]);
			failures++;
		}
}

int main(void)
{
	static const struct fifo_lock locks[] = {
		{ "ticket", ticket_lock, ticket_unlock, ticket_sig, NULL },
		{ "mcs", mcs_lock, mcs_unlock, mcs_sig, NULL },
		{ "qspinlock", qspin_lock, qspin_unlock, qspin_sig, NULL },
		{ "ck-ticket", ckticket_lock, ckticket_unlock, ckticket_sig,
		  NULL },
		{ "ck-mcs", ckmcs_lock, ckmcs_unlock, ckmcs_sig, NULL },
		{ "ck-clh", ckclh_lock, ckclh_unlock, ckclh_sig, ckclh_exit },
	};
	ck_spinlock_clh_t *dummy = calloc(1, sizeof(*dummy));

	spin_ticket_init(&ticket, LAB_SPIN_YIELD);
	spin_mcs_init(&mcs, LAB_SPIN_YIELD);
	spin_qspin_init(&qspin, LAB_SPIN_YIELD);
	ck_spinlock_ticket_init(&ckticket);
	ck_spinlock_mcs_init(&ckmcs);
	ck_spinlock_clh_init(&ckclh, dummy);
	for (size_t i = 0; i < sizeof(locks) / sizeof(locks[0]); i++)
		run(&locks[i]);
	free(ckclh); /* the lock's one node: the last waiter's */
	CHECK(spin_mcs_pool.used == 0);
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
