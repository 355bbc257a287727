/* SPDX-License-Identifier: MIT */
/*
 * Summaries across threads and across repetitions: fairness of per-thread
 * counts, medians, and a distribution-free confidence interval of a
 * median. One definition for every tool, so "jain" or "median" means the
 * same thing in every output.
 */
#ifndef IOVALAB_HARNESS_STATS_H
#define IOVALAB_HARNESS_STATS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct lab_fairness {
	unsigned int n; /* threads counted */
	uint64_t min;
	uint64_t max;
	double max_over_min; /* INFINITY when min is 0 and max is not */
	double jain; /* (sum x)^2 / (n * sum x^2): 1 = fair, 1/n = one winner */
};

/*
 * Fairness of @n counts. n == 0 gives n=0, jain=1, max_over_min=1 (nothing
 * to be unfair about); all-zero counts likewise. Cannot fail.
 */
void lab_fairness_compute(const uint64_t *v, unsigned int n,
			  struct lab_fairness *out);

/*
 * Median of @n values, sorting @v in place: the middle value, or the mean
 * of the two middle ones when n is even. NAN when n == 0.
 */
double lab_median(double *v, size_t n);

/*
 * A median with the distribution-free interval from order statistics:
 * [x_(k), x_(n+1-k)] for the largest k whose binomial coverage is at
 * least 95%. Below n = 6 no k reaches 95%, so the interval is [min, max]
 * and @level says what it covers (0.9375 for n = 5).
 */
struct lab_median_ci {
	double median;
	double lo, hi; /* the interval */
	double level; /* its coverage, e.g. 0.95.. */
	double min, max;
};

/* The 1-based rank k of the interval for @n values; coverage in *level. */
unsigned int lab_median_ci_rank(unsigned int n, double *level);

/* Sort @v (n >= 1 values) in place and fill @out. -EINVAL when n == 0. */
int lab_median_ci(double *v, unsigned int n, struct lab_median_ci *out);

#ifdef __cplusplus
}
#endif

#endif /* IOVALAB_HARNESS_STATS_H */
