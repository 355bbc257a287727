// SPDX-License-Identifier: MIT
/*
 * Reader-writer lock: glibc's pthread_rwlock, set to prefer writers
 * (PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP). glibc's default prefers
 * readers, which lets a steady stream of lookups starve the allocator's
 * writers (every alloc and free is a writer). It is futex-based, so it
 * survives oversubscription like the mutex; ck-rwlock is the spinning,
 * centralised-counter peer. Read sections must not nest on one thread
 * (a queued writer would deadlock the second read_lock).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>

#include "lock_impl.h"

static int rw_init(void *p, const struct lab_lock_attr *a)
{
	pthread_rwlockattr_t at;
	int err;

	err = pthread_rwlockattr_init(&at);
	if (err)
		return -err;
	err = pthread_rwlockattr_setkind_np(
		&at, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	if (!err)
		err = pthread_rwlock_init(p, &at);
	pthread_rwlockattr_destroy(&at);
	return -err;
}

static void rw_destroy(void *p)
{
	pthread_rwlock_destroy(p);
}

static void rw_lock(void *p)
{
	pthread_rwlock_wrlock(p);
}

static void rw_unlock(void *p)
{
	pthread_rwlock_unlock(p);
}

static bool rw_trylock(void *p)
{
	return pthread_rwlock_trywrlock(p) == 0;
}

static void rw_read_lock(void *p)
{
	pthread_rwlock_rdlock(p);
}

static bool rw_read_trylock(void *p)
{
	return pthread_rwlock_tryrdlock(p) == 0;
}

const struct lab_lock_ops lab_lock_ops_rwlock = {
	.info = { .name = "rwlock",
		  .summary = "pthread rwlock, writer-preferring (futex)",
		  .shared_readers = true },
	.size = sizeof(pthread_rwlock_t),
	.init = rw_init,
	.destroy = rw_destroy,
	.lock = rw_lock,
	.unlock = rw_unlock,
	.trylock = rw_trylock,
	.read_lock = rw_read_lock,
	.read_unlock = rw_unlock,
	.read_trylock = rw_read_trylock,
};
