/* SPDX-License-Identifier: MIT */
/*
 * Log-linear histogram of 64-bit values (HdrHistogram's layout, written for
 * this lab): values below 2^LAB_HIST_SUB_BITS are exact; above, each power
 * of two is split into 2^LAB_HIST_SUB_BITS equal buckets, so a recorded
 * value is known to within 1/32 (3.1%) over the whole u64 range.
 *
 *   bucket:  0 1 .. 31 | 32 .. 63 | 64 .. 95      | ...
 *   values:  0 1 .. 31 | 32 .. 63 | 64,66 .. 126  | ...  (width 2^(e-5))
 *
 * One writer per histogram (a thread records into its own); merge them at
 * the end with lab_hist_merge(). Percentiles are never averaged: merge the
 * counts, then ask.
 */
#ifndef IOVALAB_HIST_H
#define IOVALAB_HIST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LAB_HIST_SUB_BITS 5
#define LAB_HIST_SUB (1u << LAB_HIST_SUB_BITS)
#define LAB_HIST_BUCKETS ((64 - LAB_HIST_SUB_BITS + 1) * LAB_HIST_SUB)

struct lab_hist {
	uint64_t count;
	uint64_t sum; /* saturates at UINT64_MAX rather than wrapping */
	uint64_t min;
	uint64_t max;
	uint64_t bucket[LAB_HIST_BUCKETS];
};

void lab_hist_init(struct lab_hist *h);

static inline unsigned int lab_hist_index(uint64_t v)
{
	unsigned int e;

	if (v < LAB_HIST_SUB)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v);
	return (e - LAB_HIST_SUB_BITS + 1) * LAB_HIST_SUB +
	       (unsigned int)((v >> (e - LAB_HIST_SUB_BITS)) &
			      (LAB_HIST_SUB - 1));
}

static inline void lab_hist_record(struct lab_hist *h, uint64_t v)
{
	h->bucket[lab_hist_index(v)]++;
	h->count++;
	h->sum = (h->sum + v < h->sum) ? UINT64_MAX : h->sum + v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* Lowest and highest value that land in bucket @idx. */
uint64_t lab_hist_bucket_lo(unsigned int idx);
uint64_t lab_hist_bucket_hi(unsigned int idx);

/* dst += src. */
void lab_hist_merge(struct lab_hist *dst, const struct lab_hist *src);

/*
 * Value at quantile @q in [0, 1]: the upper bound of the bucket holding the
 * ceil(q * count)-th value, clipped to the recorded max (so p100 == max and
 * a single-valued histogram reports that value). 0 if empty.
 */
uint64_t lab_hist_quantile(const struct lab_hist *h, double q);

double lab_hist_mean(const struct lab_hist *h);

#endif /* IOVALAB_HIST_H */
