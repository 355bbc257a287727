// SPDX-License-Identifier: MIT
/*
 * Randomised differential test of one search algorithm against the
 * brute-force reference models (ref_model.h).
 *
 *   test_diff [--range] ALG SEEDS OPS [FIRST_SEED]
 *
 * Runs SEEDS independent domains (seeds FIRST_SEED, FIRST_SEED+1, ...) of
 * OPS operations each: allocations under 32-bit, 33-56-bit, 64-bit and
 * arbitrary limits with mixed sizes and alignment (and rarely a limit
 * below start_pfn or size 0), frees (hits and misses), finds and reserves
 * (some below start_pfn), on granules from 4 KiB (2^20 pfns below
 * 4 GiB) to 1 GiB (4 pfns), so both sparse and full spaces occur.
 *
 * Asserts: every returned range is free, inside [start_pfn, limit] and
 * aligned; maxgap, gap32 and anylimit return exactly the highest fit;
 * classic returns exactly what the kernel-walk model returns; a failure
 * happens only when nothing fits, or (classic, maxgap, gap32) when the
 * model's own max32_alloc_size state says the short-cut fires; anylimit
 * never fails while something fits. Finds, frees and reserves agree with
 * the model; the whole range set is compared after every reserve and
 * periodically, with the domain's invariant checker.
 *
 * --range drives the range (pfn) API (iova_alloc_range, iova_free_range
 * with refused wrong frees, iova_find_range and its lockless variant,
 * iova_reserve_range, iova_next_range for the comparisons) and checks its
 * error codes; a shadow domain of the same algorithm runs the same
 * operations through the struct iova calls, and every counter must match.
 *
 * A failure prints the seed and the operation number; rerun with
 * "test_diff ALG 1 OPS SEED" to reproduce it.
 */
#include <stdio.h>
#include <string.h>

#include "diff_ops.h"
#include "iovalab/parse.h"

static void run_seed(enum iova_alg alg, bool range, uint64_t seed, uint64_t ops,
		     struct diff_run *tot)
{
	struct diff_run t = { .alg = alg, .seed = seed, .range_api = range };

	lab_prng_seed(&t.r, seed);
	diff_begin(&t);
	while (t.op < ops)
		diff_step(&t);
	diff_end(&t);
	tot->allocs += t.allocs;
	tot->fails += t.fails;
	tot->shortcuts += t.shortcuts;
	tot->frees += t.frees;
	tot->misses += t.misses;
	tot->finds += t.finds;
	tot->reserves += t.reserves;
}

int main(int argc, char **argv)
{
	uint64_t seeds, ops, first = 1;
	struct diff_run tot = { 0 };
	bool range = argc > 1 && !strcmp(argv[1], "--range");
	int alg;

	argc -= range;
	argv += range;
	if (argc < 4 || argc > 5 || (alg = iova_alg_parse(argv[1])) < 0 ||
	    lab_parse_u64(argv[2], &seeds) || lab_parse_u64(argv[3], &ops) ||
	    (argc == 5 && lab_parse_u64(argv[4], &first))) {
		fprintf(stderr, "usage: test_diff [--range] ALG SEEDS OPS "
				"[FIRST_SEED]\n");
		return 2;
	}
	for (uint64_t s = 0; s < seeds; s++)
		run_seed((enum iova_alg)alg, range, first + s, ops, &tot);
	printf("test_diff %s%s: %llu seeds x %llu ops: %llu allocs (%llu "
	       "failed, %llu by max32 short-cut), %llu frees, %llu missed "
	       "frees, %llu finds, %llu reserves: all agree with the model\n",
	       range ? "--range " : "", argv[1], (unsigned long long)seeds,
	       (unsigned long long)ops, (unsigned long long)tot.allocs,
	       (unsigned long long)tot.fails, (unsigned long long)tot.shortcuts,
	       (unsigned long long)tot.frees, (unsigned long long)tot.misses,
	       (unsigned long long)tot.finds, (unsigned long long)tot.reserves);
	return 0;
}
