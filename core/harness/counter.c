// SPDX-License-Identifier: MIT
/* Arrays of padded per-thread counters (counter.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/fault.h"
#include "iovalab/harness/counter.h"

struct lab_counter *lab_counters_alloc(unsigned int n)
{
	struct lab_counter *c;

	if (lab_fault_fail(LAB_FAULT_OTHER))
		return NULL;
	c = aligned_alloc(LAB_CACHELINE, sizeof(*c) * (n ? n : 1));
	if (!c)
		return NULL;
	for (unsigned int i = 0; i < n; i++)
		atomic_init(&c[i].v, 0);
	return c;
}

void lab_counters_free(struct lab_counter *c)
{
	free(c);
}

uint64_t lab_counters_sum(const struct lab_counter *c, unsigned int n)
{
	return lab_counter_sum_strided(c, n, sizeof(*c));
}

void lab_counters_read(const struct lab_counter *c, unsigned int n,
		       uint64_t *out)
{
	for (unsigned int i = 0; i < n; i++)
		out[i] = lab_counter_read(&c[i]);
}

uint64_t lab_counter_sum_strided(const struct lab_counter *first,
				 unsigned int n, size_t stride)
{
	const char *p = (const char *)first;
	uint64_t sum = 0;

	for (unsigned int i = 0; i < n; i++, p += stride)
		sum += lab_counter_read((const struct lab_counter *)p);
	return sum;
}

int lab_counters_fairness(const struct lab_counter *c, unsigned int n,
			  struct lab_fairness *out)
{
	uint64_t *v = malloc(sizeof(*v) * (n ? n : 1));

	if (!v)
		return -ENOMEM;
	lab_counters_read(c, n, v);
	lab_fairness_compute(v, n, out);
	free(v);
	return 0;
}
