// SPDX-License-Identifier: MIT
/*
 * An RCU reader never touches freed memory. A reader enters a read
 * section and takes a pointer to the published object; the writer then
 * unpublishes it and frees it with lab_lock_defer_free(), and a third
 * thread starts lab_lock_synchronize(). While the reader is still inside:
 * the free callback must not have run and the grace period must not have
 * ended (checked after the reader has yielded many times, so a broken
 * implementation had every chance to run them); the reader then reads
 * the object (AddressSanitizer reports a use-after-free here if the free
 * was not deferred). After read_unlock, synchronize returns and the
 * deferred barrier runs the free exactly once.
 *
 * --free-now frees immediately instead of deferring: the negative
 * control, which must fail (registered in CTest with WILL_FAIL).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/lock.h"
#include "test_common.h"

#define MAGIC 0x1234abcd5678ef01ull
#define GIVE_WAY 2000 /* reader yields this often before checking */

struct obj {
	uint64_t magic;
	uint64_t payload[7];
};

static struct lab_lock *lk;
static struct obj *published;
static atomic_uint freed, reader_has_ptr, writer_done, sync_done;
static bool free_now;

static void obj_free(void *p)
{
	struct obj *o = p;

	o->magic = 0; /* so a non-ASan build sees a reuse too */
	atomic_fetch_add(&freed, 1);
	free(o);
}

static void *reader(void *arg)
{
	struct obj *p;
	uint64_t sum = 0;

	lab_lock_thread_online();
	lab_read_lock(lk);
	p = lab_rcu_dereference(published);
	atomic_store(&reader_has_ptr, 1);
	CHECK(wait_for(&writer_done, 1));
	for (int i = 0; i < GIVE_WAY; i++)
		sched_yield();
	CHECK(atomic_load(&freed) == 0);
	CHECK(atomic_load(&sync_done) == 0);
	CHECK(p->magic == MAGIC);
	for (int i = 0; i < 7; i++)
		sum += p->payload[i];
	CHECK(sum == 21);
	lab_read_unlock(lk);
	lab_lock_thread_offline();
	return NULL;
}

static void *syncer(void *arg)
{
	lab_lock_thread_online();
	lab_lock_synchronize(lk);
	atomic_store(&sync_done, 1);
	lab_lock_thread_offline();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t r, s;
	struct obj *o, *old;

	if (argc == 2 && !strcmp(argv[1], "--free-now")) {
		free_now = true;
	} else if (argc != 1) {
		fprintf(stderr, "usage: test_rcu_free [--free-now]\n");
		return 2;
	}
	lab_lock_thread_online();
	lk = lab_lock_create("rcu", NULL);
	CHECK(lk != NULL);
	if (!lk)
		return 1;
	o = malloc(sizeof(*o));
	o->magic = MAGIC;
	for (int i = 0; i < 7; i++)
		o->payload[i] = (uint64_t)i;
	lab_rcu_assign_pointer(published, o);

	CHECK(pthread_create(&r, NULL, reader, NULL) == 0);
	CHECK(wait_for(&reader_has_ptr, 1));
	lab_lock(lk);
	old = published;
	lab_rcu_assign_pointer(published, NULL);
	lab_unlock(lk);
	if (free_now)
		obj_free(old);
	else
		lab_lock_defer_free(lk, obj_free, old);
	CHECK(pthread_create(&s, NULL, syncer, NULL) == 0);
	atomic_store(&writer_done, 1);
	pthread_join(r, NULL);
	pthread_join(s, NULL);
	CHECK(atomic_load(&sync_done) == 1);
	lab_lock_defer_barrier(lk);
	CHECK(atomic_load(&freed) == 1);
	lab_lock_destroy(lk);
	lab_lock_thread_offline();
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
