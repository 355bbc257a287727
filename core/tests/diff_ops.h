/* SPDX-License-Identifier: MIT */
/*
 * The differential engine behind test_diff and the domain fuzzer: random
 * (or fuzzer-chosen) alloc/free/find/reserve operations on one domain,
 * each checked against the brute-force reference models (ref_model.h).
 *
 * Every choice an operation makes (which op, size, limit, alignment, pfn)
 * comes from one source: a PRNG (test_diff: reproducible by seed) or a
 * byte string (the fuzzer: reproducible by input). With range_api set,
 * every operation goes through the range (pfn) API instead, its error
 * codes checked too. A disagreement with the model, or an invariant-checker
 * report, prints what happened and exits 1 (abort() with abort_on_fail, so
 * libFuzzer records the input).
 */
#ifndef IOVALAB_TESTS_DIFF_OPS_H
#define IOVALAB_TESTS_DIFF_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iovalab/iova.h"
#include "iovalab/prng.h"
#include "ref_model.h"

struct diff_run {
	enum iova_alg alg;
	uint64_t seed;
	uint64_t op;
	struct iova_domain *d;
	struct ref_model ref; /* maxgap, gap32, anylimit */
	struct classic_model cm; /* classic */
	struct ref_model *m; /* the layout: &ref or &cm.m */
	unsigned long shift;
	unsigned long target; /* live ranges the mix grows towards */
	uint64_t check_every; /* compare the whole range set every N ops */
	/*
	 * Drive the range (pfn) API (iova_alloc_range, iova_free_range, ...)
	 * instead of the struct iova calls; free_iova(pfn) is used by both.
	 * Set by diff_begin() for algorithms without struct iova.
	 */
	bool range_api;
	struct iova_domain *shadow; /* range mode: the struct iova twin */
	bool abort_on_fail;
	/* choices: bytes when @in is set (zeros once used up), else @r */
	struct lab_prng r;
	const uint8_t *in;
	size_t in_left;
	bool exhausted; /* a choice asked for more bytes than were left */
	/* what happened, for the summary */
	uint64_t allocs, fails, shortcuts, frees, misses, finds, reserves;
};

/*
 * Pick the granule, start_pfn and target size from the choice source (set
 * alg, seed and either r or in/in_left first) and create the domain and
 * its model. A domain that cannot be created is a failure.
 */
void diff_begin(struct diff_run *t);

/* One operation, checked; the whole range set every check_every ops. */
void diff_step(struct diff_run *t);

/* Compare the whole range set and the checker, then free everything. */
void diff_end(struct diff_run *t);

#endif /* IOVALAB_TESTS_DIFF_OPS_H */
