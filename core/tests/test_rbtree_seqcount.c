// SPDX-License-Identifier: MIT
/*
 * The writer side of find_iova_lockless()'s contract: every store a
 * lockless reader can see (child and root pointers, a new node's publish,
 * a pfn lowered in place by reserve_iova) happens while the domain's
 * sequence count is odd, for every algorithm and every mutating call. A
 * reader that missed a range because of such a store then always sees the
 * count odd or changed, and walks again.
 *
 * The core's sources are built into this test with IOVALAB_RB_STORE_HOOK
 * set, so each such store calls rb_test_store_hook(), which reads the
 * count (iova_internal.h). btree-pfn, which has no struct iova, runs the
 * same operations through the range API.
 *
 * The free hook is the other half: it may wait for a grace period, which
 * a lockless reader spinning on an odd count would never end, so it must
 * only ever run with the count even (btree's merges free tree nodes in
 * the middle of an erase; iova.c holds them until iova_write_end).
 *
 * Usage: test_rbtree_seqcount [seed]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "iova_internal.h"
#include "iovalab/prng.h"

#ifdef IOVALAB_CHECK
#define OPS 4000 /* every call also runs the O(n) checker */
#else
#define OPS 20000
#endif

static struct iova_domain *watched;
static long stores, even_stores;
static long hook_calls, odd_hook_calls;

void rb_test_store_hook(void)
{
	if (!watched)
		return; /* domain creation: no reader can exist yet */
	stores++;
	if (!(atomic_load(&watched->seq) & 1))
		even_stores++;
}

static void free_hook(void *node, void *arg)
{
	struct iova_domain *d = arg;

	hook_calls++;
	if (atomic_load(&d->seq) & 1)
		odd_hook_calls++;
	iova_node_release(node);
}

static int run(enum iova_alg alg, uint64_t seed)
{
	struct iova_domain *d = iova_domain_create(alg, 4096, 1);
	struct iova *live[512] = { 0 };
	unsigned long lo_of[512] = { 0 }, size_of[512] = { 0 };
	bool ptrs = iova_alg_has_iova(alg);
	struct lab_prng r;
	long before = stores;

	if (!d) {
		perror("iova_domain_create");
		return 1;
	}
	watched = d;
	iova_domain_set_free_hook(d, free_hook, d);
	lab_prng_seed(&r, seed);
	for (int op = 0; op < OPS; op++) {
		int slot = lab_prng_below(&r, 512);
		unsigned long limit = lab_prng_below(&r, 2) ? (1UL << 20) - 1 :
							      (1UL << 24) - 1;

		if (lab_prng_below(&r, 16) == 0) {
			/* overlapping reserves widen pfn_lo in place */
			unsigned long lo = lab_prng_below(&r, 1UL << 24);
			unsigned long hi = lo + lab_prng_below(&r, 64);

			if (ptrs)
				reserve_iova(d, lo, hi);
			else
				iova_reserve_range(d, lo, hi, NULL);
		} else if (live[slot] && ptrs) {
			__free_iova(d, live[slot]);
			live[slot] = NULL;
		} else if (size_of[slot]) {
			/* widened by a reserve since: free_iova by pfn */
			if (iova_free_range(d, lo_of[slot], size_of[slot]))
				free_iova(d, lo_of[slot]);
			size_of[slot] = 0;
		} else {
			unsigned long size = 1 + lab_prng_below(&r, 8);
			bool al = lab_prng_below(&r, 2);

			if (ptrs)
				live[slot] = alloc_iova(d, size, limit, al);
			else if (!iova_alloc_range(d, size, limit, al,
						   &lo_of[slot]))
				size_of[slot] = size;
		}
	}
	watched = NULL;
	if (atomic_load(&d->seq) & 1) {
		fprintf(stderr, "%s: sequence count left odd\n",
			iova_alg_name(alg));
		return 1;
	}
	if (iova_tree_node_bytes(alg) && !d->stats.node_frees) {
		/* a B-tree: the case the hook test is for never happened */
		fprintf(stderr, "%s: no tree node was freed\n",
			iova_alg_name(alg));
		return 1;
	}
	if (stores == before) {
		fprintf(stderr, "%s: store hook never called\n",
			iova_alg_name(alg));
		return 1;
	}
	iova_domain_put(d);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	int rc = 0;

	for (int a = 0; a < IOVA_ALG_NR; a++)
		rc |= run(a, seed + a);
	if (even_stores) {
		fprintf(stderr,
			"test_rbtree_seqcount: %ld of %ld reader-visible "
			"stores made with an even sequence count\n",
			even_stores, stores);
		rc = 1;
	}
	if (odd_hook_calls) {
		fprintf(stderr,
			"test_rbtree_seqcount: free hook called %ld of %ld "
			"times inside a write\n",
			odd_hook_calls, hook_calls);
		rc = 1;
	}
	if (!rc)
		printf("test_rbtree_seqcount: ok (%ld stores, all inside "
		       "write sections; %ld frees, all after them)\n",
		       stores, hook_calls);
	return rc;
}
