/* SPDX-License-Identifier: MIT */
/*
 * A reusable thread barrier whose party count can shrink: when thread
 * creation fails part-way, the main thread lowers the count so the
 * threads that exist are not left waiting for ones that never will.
 */
#ifndef STRESS_BARRIER_H
#define STRESS_BARRIER_H

#include <pthread.h>

struct stress_barrier {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int parties;
	unsigned int waiting;
	unsigned long generation;
};

void stress_barrier_init(struct stress_barrier *b, unsigned int parties);
void stress_barrier_destroy(struct stress_barrier *b);
void stress_barrier_wait(struct stress_barrier *b);
/* Set the party count; releases the waiters if enough are now waiting. */
void stress_barrier_set_parties(struct stress_barrier *b, unsigned int parties);

#endif /* STRESS_BARRIER_H */
