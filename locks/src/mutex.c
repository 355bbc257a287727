// SPDX-License-Identifier: MIT
/*
 * pthread mutex (glibc: a futex word; waiters sleep in the kernel after a
 * failed CAS), the baseline that survives oversubscription because a
 * waiter gives its CPU to the holder instead of spinning against it.
 * Default type: PTHREAD_MUTEX_NORMAL semantics without error checking.
 */
#include <errno.h>
#include <pthread.h>

#include "lock_impl.h"

static int mutex_init(void *p, const struct lab_lock_attr *a)
{
	return -pthread_mutex_init(p, NULL);
}

static void mutex_destroy(void *p)
{
	pthread_mutex_destroy(p);
}

static void mutex_lock(void *p)
{
	pthread_mutex_lock(p);
}

static void mutex_unlock(void *p)
{
	pthread_mutex_unlock(p);
}

static bool mutex_trylock(void *p)
{
	return pthread_mutex_trylock(p) == 0;
}

const struct lab_lock_ops lab_lock_ops_mutex = {
	.info = { .name = "mutex",
		  .summary = "pthread mutex (futex; waiters sleep)" },
	.size = sizeof(pthread_mutex_t),
	.init = mutex_init,
	.destroy = mutex_destroy,
	.lock = mutex_lock,
	.unlock = mutex_unlock,
	.trylock = mutex_trylock,
};
