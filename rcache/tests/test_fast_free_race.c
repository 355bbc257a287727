// SPDX-License-Identifier: MIT
/*
 * free_iova_fast's refusal under concurrency: two threads free the same
 * uncached range (a caller's double free) at the same moment. Exactly one
 * free may succeed; the other must be refused (-EINVAL) and counted in
 * bad_frees, whatever the interleaving. A check of the range done apart
 * from the tree free lets both pass the check, and the loser's free then
 * goes to the tree unchecked (uncounted, or freeing whatever range was
 * given the pfn in between).
 *
 * Bounded by ROUNDS double frees; the assertions hold in every round.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

#include "iovalab/lock.h"
#include "iovalab/rcache.h"

#define ROUNDS 5000
#define SIZE 64 /* above IOVAD_MAX_CACHED_SIZE: freed in the tree */
#define LIMIT48 ((1UL << 36) - 1)

static struct iovad *d;
static atomic_ulong target;
static atomic_int go, done[2];
static int ret[2];

static void *freer(void *arg)
{
	int me = (int)(long)arg;

	lab_lock_thread_online();
	for (int r = 1; r <= ROUNDS; r++) {
		/* spin a while so both freers run at once; then let main in */
		for (int k = 0; atomic_load(&go) != r; k++)
			if (k > 1000)
				sched_yield();
		ret[me] = free_iova_fast(d, atomic_load(&target), SIZE);
		atomic_store(&done[me], r);
	}
	lab_lock_thread_offline();
	return NULL;
}

int main(int argc, char **argv)
{
	struct iovad_attr a;
	struct iovad_rcache_stats st;
	pthread_t t[2];
	unsigned long both = 0, neither = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: test_fast_free_race TREE_LOCK\n");
		return 2;
	}
	lab_lock_thread_online();
	iovad_attr_init(&a);
	a.tree_lock = argv[1];
	a.trim_period_ns = 0;
	d = iovad_create(&a);
	if (!d) {
		fprintf(stderr, "test_fast_free_race: bad lock %s\n", argv[1]);
		return 2;
	}
	for (long i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, freer, (void *)i))
			return 1;
	for (int r = 1; r <= ROUNDS; r++) {
		atomic_store(&target, alloc_iova_fast(d, SIZE, LIMIT48, false));
		atomic_store(&go, r);
		while (atomic_load(&done[0]) != r || atomic_load(&done[1]) != r)
			sched_yield();
		if (!ret[0] && !ret[1])
			both++;
		else if (ret[0] != -EINVAL && ret[1] != -EINVAL)
			neither++;
		else if (ret[0] && ret[1])
			neither++;
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	iovad_rcache_stats(d, &st);
	printf("rounds %d, both freed %lu, other %lu, bad_frees %lu\n", ROUNDS,
	       both, neither, (unsigned long)st.bad_frees);
	iovad_destroy(d);
	lab_lock_thread_offline();
	if (both || neither || st.bad_frees != ROUNDS) {
		fprintf(stderr, "test_fast_free_race: a double free was not "
				"refused exactly once per round\n");
		return 1;
	}
	return 0;
}
