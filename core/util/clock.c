// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "iovalab/clock.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

double lab_clock_overhead_ns(unsigned int samples)
{
	uint64_t *d;
	double med;

	if (samples == 0)
		samples = 1;
	d = malloc(sizeof(*d) * samples);
	if (!d)
		return -1.0;
	for (unsigned int i = 0; i < samples; i++) {
		uint64_t a = lab_now_ns();
		uint64_t b = lab_now_ns();

		d[i] = b - a;
	}
	qsort(d, samples, sizeof(*d), cmp_u64);
	med = (double)d[samples / 2];
	free(d);
	return med;
}

double lab_cycles_per_ns(unsigned int ms)
{
	uint64_t t0 = lab_now_ns(), c0 = lab_cycles();
	uint64_t end = t0 + (uint64_t)ms * 1000000ull, t1, c1;

	do {
		t1 = lab_now_ns();
	} while (t1 < end);
	c1 = lab_cycles();
	return (double)(c1 - c0) / (double)(t1 - t0);
}
