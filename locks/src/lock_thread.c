// SPDX-License-Identifier: MIT
/*
 * Thread lifecycle for every lock (iovalab/lock.h): lab ids (the slots of
 * the per-thread statistics), going online and offline, and the pthread
 * key that does the offline work for a thread that exits without it.
 * What a strategy keeps per thread is freed by its ops->thread_offline.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "lock_impl.h"

#define TID_WORDS (LAB_LOCK_MAX_THREADS / 64)
static atomic_uint_fast64_t tid_map[TID_WORDS];
static _Thread_local int my_tid = -1;
static _Thread_local bool tid_exhausted;

/*
 * A thread that exits without lab_lock_thread_offline() would leave its
 * id taken and, worse, stay registered with liburcu (whose next grace
 * period would read the dead thread's TLS). A pthread key destructor
 * does the offline work at exit for such threads.
 */
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static _Thread_local bool exit_armed;

static void exit_destructor(void *unused)
{
	lab_lock_thread_offline();
}

static void exit_key_init(void)
{
	if (pthread_key_create(&exit_key, exit_destructor))
		abort(); /* out of keys at startup: nothing sane to do */
}

void lab_lock_thread_arm_exit(void)
{
	if (exit_armed)
		return;
	pthread_once(&exit_key_once, exit_key_init);
	pthread_setspecific(exit_key, (void *)1);
	exit_armed = true;
}

int lab_lock_tid(void)
{
	if (__builtin_expect(my_tid >= 0, 1) || tid_exhausted)
		return my_tid;
	for (int w = 0; w < TID_WORDS; w++) {
		uint_fast64_t m = atomic_load(&tid_map[w]);

		while (~m) {
			int b = __builtin_ctzll(~(uint64_t)m);

			if (atomic_compare_exchange_weak(&tid_map[w], &m,
							 m | (1ull << b))) {
				my_tid = w * 64 + b;
				lab_lock_thread_arm_exit();
				return my_tid;
			}
		}
	}
	tid_exhausted = true;
	return -1;
}

void lab_lock_thread_online(void)
{
	lab_lock_tid();
}

void lab_lock_thread_offline(void)
{
	lab_lock_ops_thread_offline();
	if (my_tid >= 0)
		atomic_fetch_and(&tid_map[my_tid / 64],
				 ~(1ull << (my_tid % 64)));
	my_tid = -1;
	tid_exhausted = false;
	if (exit_armed) {
		pthread_setspecific(exit_key, NULL);
		exit_armed = false;
	}
}
