// SPDX-License-Identifier: MIT
/*
 * Shared and exclusive read sections, deterministically:
 *  - rwlock, ck-rwlock, rcu: READERS threads rendezvous inside their read
 *    sections (each waits until all are inside), which only completes if
 *    the sections overlap;
 *  - rcu: the same rendezvous completes while a writer holds lab_lock()
 *    (readers are lockless), and lab_read_trylock always succeeds;
 *  - rwlock, ck-rwlock: while a writer holds the lock, lab_read_trylock
 *    from another thread fails; while a reader holds it, lab_trylock does;
 *  - every exclusive strategy: while one thread is in a read section,
 *    another thread's lab_read_trylock fails.
 * The rendezvous is guarded by a liveness bound (a hang is a failure).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/lock.h"
#include "test_common.h"

#define READERS 3

static struct lab_lock *lk;
static atomic_uint inside, done, phase;

static void *reader(void *arg)
{
	lab_lock_thread_online();
	lab_read_lock(lk);
	atomic_fetch_add(&inside, 1);
	if (!wait_for(&inside, READERS)) {
		fprintf(stderr, "%s: readers did not overlap\n",
			lab_lock_name(lk));
		failures++;
	}
	lab_read_unlock(lk);
	atomic_fetch_add(&done, 1);
	lab_lock_thread_offline();
	return NULL;
}

/* Uses a read section and exits without lab_lock_thread_offline(). */
static void *forgetful(void *arg)
{
	lab_read_lock(lk);
	lab_read_unlock(lk);
	return NULL;
}

static void rendezvous(void)
{
	pthread_t th[READERS];

	atomic_store(&inside, 0);
	atomic_store(&done, 0);
	for (int i = 0; i < READERS; i++)
		CHECK(pthread_create(&th[i], NULL, reader, NULL) == 0);
	for (int i = 0; i < READERS; i++)
		pthread_join(th[i], NULL);
	CHECK(atomic_load(&done) == READERS);
}

/* Holds a read (phase 1) or write (phase 2) section until told. */
static void *holder(void *arg)
{
	bool write = (uintptr_t)arg;

	lab_lock_thread_online();
	if (write)
		lab_lock(lk);
	else
		lab_read_lock(lk);
	atomic_store(&phase, 1);
	wait_for(&phase, 2);
	if (write)
		lab_unlock(lk);
	else
		lab_read_unlock(lk);
	lab_lock_thread_offline();
	return NULL;
}

static void while_held(bool write, bool expect_read_try, bool expect_try)
{
	pthread_t th;
	bool r, w;

	atomic_store(&phase, 0);
	CHECK(pthread_create(&th, NULL, holder, (void *)(uintptr_t)write) == 0);
	CHECK(wait_for(&phase, 1));
	r = lab_read_trylock(lk);
	if (r)
		lab_read_unlock(lk);
	w = lab_trylock(lk);
	if (w)
		lab_unlock(lk);
	atomic_store(&phase, 2);
	pthread_join(th, NULL);
	if (r != expect_read_try || w != expect_try) {
		fprintf(stderr,
			"%s: while a %s holds: read_trylock=%d (want %d), "
			"trylock=%d (want %d)\n",
			lab_lock_name(lk), write ? "writer" : "reader", r,
			expect_read_try, w, expect_try);
		failures++;
	}
}

int main(void)
{
	lab_lock_thread_online();
	for (size_t i = 0; lab_lock_names[i]; i++) {
		const struct lab_lock_info *in =
			lab_lock_info_find(lab_lock_names[i]);

		lk = lab_lock_create(lab_lock_names[i], NULL);
		CHECK(lk != NULL);
		if (!lk)
			continue;
		if (in->lockless_readers) {
			rendezvous();
			lab_lock(lk);
			rendezvous(); /* writers do not block readers */
			lab_unlock(lk);
			while_held(true, true, false);
			/* The exit destructor unregistered it: a grace period
			 * must not wait for, or touch, the dead thread. */
			{
				pthread_t th;

				CHECK(pthread_create(&th, NULL, forgetful,
						     NULL) == 0);
				pthread_join(th, NULL);
				lab_lock_synchronize(lk);
			}
		} else if (in->shared_readers) {
			rendezvous();
			while_held(true, false, false);
			while_held(false, true, false);
		} else {
			while_held(false, false, false);
			while_held(true, false, false);
		}
		lab_lock_destroy(lk);
	}
	lab_lock_thread_offline();
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
