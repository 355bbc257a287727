// SPDX-License-Identifier: MIT
/* Fairness, medians and a median's confidence interval (stats.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/harness/stats.h"

void lab_fairness_compute(const uint64_t *v, unsigned int n,
			  struct lab_fairness *out)
{
	double sum = 0.0, sq = 0.0;

	memset(out, 0, sizeof(*out));
	out->n = n;
	out->jain = 1.0;
	out->max_over_min = 1.0;
	if (!n)
		return;
	out->min = UINT64_MAX;
	for (unsigned int i = 0; i < n; i++) {
		double x = (double)v[i];

		if (v[i] < out->min)
			out->min = v[i];
		if (v[i] > out->max)
			out->max = v[i];
		sum += x;
		sq += x * x;
	}
	if (out->max == 0)
		return;
	out->jain = sum * sum / ((double)n * sq);
	out->max_over_min = out->min ? (double)out->max / (double)out->min :
				       INFINITY;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return a < b ? -1 : a > b;
}

double lab_median(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* P(Binomial(n, 1/2) <= j). */
static double binom_cdf(unsigned int n, unsigned int j)
{
	double p = 0.0, term = pow(0.5, n);

	for (unsigned int i = 0; i <= j; i++) {
		p += term;
		term = term * (double)(n - i) / (double)(i + 1);
	}
	return p;
}

unsigned int lab_median_ci_rank(unsigned int n, double *level)
{
	unsigned int k = 1;

	/* [x_(k), x_(n+1-k)] covers the median with 1 - 2 P(B <= k-1) */
	while (k + 1 <= (n + 1) / 2 && 1.0 - 2.0 * binom_cdf(n, k) >= 0.95)
		k++;
	*level = n ? 1.0 - 2.0 * binom_cdf(n, k - 1) : 0.0;
	return k;
}

int lab_median_ci(double *v, unsigned int n, struct lab_median_ci *out)
{
	unsigned int k;

	if (!n)
		return -EINVAL;
	out->median = lab_median(v, n);
	k = lab_median_ci_rank(n, &out->level);
	out->lo = v[k - 1];
	out->hi = v[n - k];
	out->min = v[0];
	out->max = v[n - 1];
	return 0;
}
