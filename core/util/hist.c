// SPDX-License-Identifier: MIT
#include <string.h>

#include "iovalab/hist.h"

void lab_hist_init(struct lab_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

uint64_t lab_hist_bucket_lo(unsigned int idx)
{
	unsigned int e, sub;

	if (idx < LAB_HIST_SUB)
		return idx;
	e = idx / LAB_HIST_SUB + LAB_HIST_SUB_BITS - 1;
	sub = idx % LAB_HIST_SUB;
	return (uint64_t)(LAB_HIST_SUB + sub) << (e - LAB_HIST_SUB_BITS);
}

uint64_t lab_hist_bucket_hi(unsigned int idx)
{
	unsigned int e;

	if (idx < LAB_HIST_SUB)
		return idx;
	e = idx / LAB_HIST_SUB + LAB_HIST_SUB_BITS - 1;
	return lab_hist_bucket_lo(idx) +
	       ((1ull << (e - LAB_HIST_SUB_BITS)) - 1);
}

void lab_hist_merge(struct lab_hist *dst, const struct lab_hist *src)
{
	if (!src->count)
		return;
	for (unsigned int i = 0; i < LAB_HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	dst->sum = (dst->sum + src->sum < dst->sum) ? UINT64_MAX :
						      dst->sum + src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t lab_hist_quantile(const struct lab_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	if (q <= 0.0)
		return h->min;
	if (q >= 1.0)
		return h->max;
	/* ceil(q * count), at least 1 */
	rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	if (rank == 0)
		rank = 1;
	for (unsigned int i = 0; i < LAB_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t hi = lab_hist_bucket_hi(i);

			if (hi > h->max)
				hi = h->max;
			if (hi < h->min)
				hi = h->min;
			return hi;
		}
	}
	return h->max;
}

double lab_hist_mean(const struct lab_hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}
