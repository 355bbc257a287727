// SPDX-License-Identifier: MIT
#include "iovalab/harness/barrier.h"

void lab_barrier_init(struct lab_barrier *b, unsigned int parties)
{
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	b->parties = parties;
	b->waiting = 0;
	b->generation = 0;
}

void lab_barrier_destroy(struct lab_barrier *b)
{
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
}

static void release(struct lab_barrier *b)
{
	b->waiting = 0;
	b->generation++;
	pthread_cond_broadcast(&b->cond);
}

void lab_barrier_wait(struct lab_barrier *b)
{
	unsigned long gen;

	pthread_mutex_lock(&b->lock);
	gen = b->generation;
	if (++b->waiting >= b->parties)
		release(b);
	else
		while (gen == b->generation)
			pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
}

void lab_barrier_set_parties(struct lab_barrier *b, unsigned int parties)
{
	pthread_mutex_lock(&b->lock);
	b->parties = parties;
	if (b->waiting && b->waiting >= b->parties)
		release(b);
	pthread_mutex_unlock(&b->lock);
}
