// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the domain API. The input is the choice stream of the
 * differential engine (core/tests/diff_ops.h): its first bytes pick the
 * granule, start_pfn and target size, every later group of bytes one
 * alloc/free/find/reserve and its arguments. The same input runs on every
 * algorithm in iova_alg_names (a new one is fuzzed without a change here),
 * each against its reference model, with the whole range set, the live
 * count and the invariant checker compared after every operation.
 */
#include <stddef.h>
#include <stdint.h>

#include "diff_ops.h"

/* Inputs are at most a few KiB; this only stops a pathological one. */
#define FUZZ_MAX_OPS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int a = 0; iova_alg_names[a]; a++) {
		struct diff_run t = {
			.alg = (enum iova_alg)a,
			.in = data ? data : (const uint8_t *)"",
			.in_left = size,
			.check_every = 1,
			.abort_on_fail = true,
		};

		diff_begin(&t);
		while (t.in_left && t.op < FUZZ_MAX_OPS)
			diff_step(&t);
		diff_end(&t);
	}
	return 0;
}
