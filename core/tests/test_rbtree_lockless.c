// SPDX-License-Identifier: MIT
/*
 * find_iova_lockless() and iova_find_range_lockless() against one concurrent
 * writer, for every algorithm (btree-pfn, without struct iova: the range
 * calls only, for the writer too).
 *
 * The writer allocates and frees ranges (rotations on every operation)
 * while reader threads look up pfns without any lock. A set of ranges
 * reserved before the readers start is never freed: every lookup of a pfn
 * inside one must return exactly that range (the contract: a range that
 * stays in the tree for the whole call is always found). Lookups of other
 * pfns must return NULL or a range that held the pfn when it was read; a
 * range from iova_find_range_lockless() must also be one pair, not the lo
 * of one range and the hi of another (sizes are at most 16 here).
 * Removed nodes go to a free hook that keeps them until the end, standing in
 * for an RCU grace period, so readers never touch freed memory.
 *
 * Bounded by operation counts; labelled tsan so ThreadSanitizer checks the
 * atomics discipline (child pointers, pfns, sequence count).
 *
 * Usage: test_rbtree_lockless [writer_ops]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "iovalab/iova.h"
#include "iovalab/prng.h"

#define NSTABLE 64
#define NREADERS 2
#define NLIVE 4096

struct deferred {
	void **nodes;
	size_t n, cap;
};

struct shared {
	struct iova_domain *d;
	bool ptrs; /* the algorithm hands out struct iova */
	struct iova *stable[NSTABLE];
	unsigned long stable_lo[NSTABLE], stable_hi[NSTABLE];
	atomic_int done;
	atomic_long errors;
	atomic_long lookups;
};

static void defer_free(void *node, void *arg)
{
	struct deferred *q = arg;

	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 1024;
		q->nodes = realloc(q->nodes, q->cap * sizeof(*q->nodes));
		if (!q->nodes) {
			perror("realloc");
			exit(1);
		}
	}
	q->nodes[q->n++] = node;
}

static void *reader(void *arg)
{
	struct shared *sh = arg;
	struct lab_prng r;
	long n = 0;

	lab_prng_seed(&r, (uintptr_t)&r);
	/* at least a minimum number of lookups, then until the writer ends */
	while (n < 20000 || !atomic_load(&sh->done)) {
		int i = lab_prng_below(&r, NSTABLE);
		unsigned long lo = sh->stable_lo[i], hi = sh->stable_hi[i];
		unsigned long pfn = lo + lab_prng_below(&r, hi - lo + 1);
		struct iova_range rg;
		struct iova *got = NULL;

		if (!iova_find_range_lockless(sh->d, pfn, &rg) ||
		    rg.pfn_lo != lo || rg.pfn_hi != hi) {
			fprintf(stderr, "stable pfn %lu: range API missed\n",
				pfn);
			atomic_fetch_add(&sh->errors, 1);
		}
		pfn = lab_prng_below(&r, 1UL << 21);
		if (iova_find_range_lockless(sh->d, pfn, &rg) &&
		    (pfn < rg.pfn_lo || pfn > rg.pfn_hi ||
		     rg.pfn_hi - rg.pfn_lo >= 16)) {
			fprintf(stderr, "pfn %lu: got [%lu, %lu]\n", pfn,
				rg.pfn_lo, rg.pfn_hi);
			atomic_fetch_add(&sh->errors, 1);
		}
		n += 2;
		if (!sh->ptrs)
			goto next;
		pfn = lo + lab_prng_below(&r, hi - lo + 1);
		got = find_iova_lockless(sh->d, pfn);
		if (got != sh->stable[i]) {
			fprintf(stderr, "stable pfn %lu: got %p, want %p\n",
				pfn, (void *)got, (void *)sh->stable[i]);
			atomic_fetch_add(&sh->errors, 1);
		}
		pfn = lab_prng_below(&r, 1UL << 21);
		got = find_iova_lockless(sh->d, pfn);
		if (got &&
		    (pfn < __atomic_load_n(&got->pfn_lo, __ATOMIC_RELAXED) ||
		     pfn > __atomic_load_n(&got->pfn_hi, __ATOMIC_RELAXED))) {
			fprintf(stderr, "pfn %lu: got a range not holding it\n",
				pfn);
			atomic_fetch_add(&sh->errors, 1);
		}
		n += 2;
next:
		if (n > 50000000)
			break; /* the writer is stuck: fail below */
	}
	atomic_fetch_add(&sh->lookups, n);
	return NULL;
}

static int run(enum iova_alg alg, long ops)
{
	static struct shared sh;
	struct deferred q = { 0 };
	struct iova *live[NLIVE] = { 0 };
	unsigned long live_lo[NLIVE], live_size[NLIVE] = { 0 };
	pthread_t th[NREADERS];
	struct lab_prng r;
	char msg[256];
	int rc = 0;

	sh.d = iova_domain_create(alg, 4096, 1);
	if (!sh.d) {
		perror("iova_domain_create");
		return 1;
	}
	sh.ptrs = iova_alg_has_iova(alg);
	atomic_store(&sh.done, 0);
	atomic_store(&sh.errors, 0);
	atomic_store(&sh.lookups, 0);
	iova_domain_set_free_hook(sh.d, defer_free, &q);
	lab_prng_seed(&r, 42 + alg);
	/* stable ranges spread over the space the writer churns */
	for (int i = 0; i < NSTABLE; i++) {
		unsigned long lo = (unsigned long)i << 15 | 0x100;

		sh.stable[i] = NULL;
		if (sh.ptrs)
			sh.stable[i] = reserve_iova(sh.d, lo, lo + 7);
		sh.stable_lo[i] = lo;
		sh.stable_hi[i] = lo + 7;
		if (sh.ptrs ? !sh.stable[i] :
			      iova_reserve_range(sh.d, lo, lo + 7, NULL)) {
			fprintf(stderr, "reserve failed\n");
			return 1;
		}
	}
	for (int i = 0; i < NREADERS; i++)
		if (pthread_create(&th[i], NULL, reader, &sh)) {
			perror("pthread_create");
			exit(1);
		}
	/* The single writer; in a real user this runs under the tree lock. */
	for (long op = 0; op < ops; op++) {
		int slot = lab_prng_below(&r, NLIVE);

		if (live[slot]) {
			__free_iova(sh.d, live[slot]);
			live[slot] = NULL;
		} else if (live_size[slot]) {
			if (iova_free_range(sh.d, live_lo[slot],
					    live_size[slot])) {
				fprintf(stderr, "iova_free_range failed\n");
				rc = 1;
			}
			live_size[slot] = 0;
		} else {
			unsigned long limit = lab_prng_below(&r, 2) ?
						      (1UL << 21) - 1 :
						      (1UL << 20) - 1;
			unsigned long size = 1 + lab_prng_below(&r, 16);
			bool al = lab_prng_below(&r, 2);

			if (sh.ptrs)
				live[slot] = alloc_iova(sh.d, size, limit, al);
			else if (!iova_alloc_range(sh.d, size, limit, al,
						   &live_lo[slot]))
				live_size[slot] = size;
		}
	}
	/* then empty what the writer holds, readers still running: the
	 * B-trees merge and free nodes (through the hook) here */
	for (int slot = 0; slot < NLIVE; slot++) {
		if (live[slot])
			__free_iova(sh.d, live[slot]);
		else if (live_size[slot] &&
			 iova_free_range(sh.d, live_lo[slot], live_size[slot]))
			rc = 1;
	}
	atomic_store(&sh.done, 1);
	for (int i = 0; i < NREADERS; i++)
		pthread_join(th[i], NULL);

	if (iova_domain_check(sh.d, msg, sizeof(msg))) {
		fprintf(stderr, "%s: %s\n", iova_alg_name(alg), msg);
		rc = 1;
	}
	if (atomic_load(&sh.errors)) {
		fprintf(stderr, "%s: %ld lookup errors\n", iova_alg_name(alg),
			atomic_load(&sh.errors));
		rc = 1;
	}
	if (q.n == 0) {
		fprintf(stderr, "%s: the free hook never ran\n",
			iova_alg_name(alg));
		rc = 1;
	}
	printf("%s: %ld writer ops, %ld lockless lookups, %zu deferred "
	       "frees\n",
	       iova_alg_name(alg), ops, atomic_load(&sh.lookups), q.n);
	/* the grace period: every deferred node back before the put */
	for (size_t i = 0; i < q.n; i++)
		iova_node_release(q.nodes[i]);
	iova_domain_put(sh.d);
	free(q.nodes);
	return rc;
}

int main(int argc, char **argv)
{
#if defined(IOVALAB_CHECK) || defined(IOVALAB_TSAN)
	long ops = argc > 1 ? strtol(argv[1], NULL, 0) :
			      2000; /* O(n) checks, TSan */
#else
	long ops = argc > 1 ? strtol(argv[1], NULL, 0) : 60000;
#endif
	int rc = 0;

	if (ops <= 0) {
		fprintf(stderr,
			"usage: test_rbtree_lockless [writer_ops > 0]\n");
		return 2;
	}
	for (int a = 0; a < IOVA_ALG_NR; a++)
		rc |= run(a, ops);
	if (!rc)
		printf("test_rbtree_lockless: ok\n");
	return rc;
}
