/* SPDX-License-Identifier: MIT */
/*
 * A reusable thread barrier whose party count can shrink: when thread
 * creation fails part-way, the main thread lowers the count so the
 * threads that exist are not left waiting for ones that never will.
 * (pthread_barrier_t cannot do that, and it is reused across a run's
 * phases and a replay's passes.)
 */
#ifndef IOVALAB_HARNESS_BARRIER_H
#define IOVALAB_HARNESS_BARRIER_H

#include <pthread.h>

#ifdef __cplusplus
extern "C" {
#endif

struct lab_barrier {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int parties;
	unsigned int waiting;
	unsigned long generation;
};

/* @parties >= 1 threads meet at each wait. Cannot fail (default attrs). */
void lab_barrier_init(struct lab_barrier *b, unsigned int parties);
void lab_barrier_destroy(struct lab_barrier *b);
/* Wait until @parties threads (this one included) have arrived. */
void lab_barrier_wait(struct lab_barrier *b);
/* Set the party count; releases the waiters if enough are now waiting. */
void lab_barrier_set_parties(struct lab_barrier *b, unsigned int parties);

#ifdef __cplusplus
}
#endif

#endif /* IOVALAB_HARNESS_BARRIER_H */
