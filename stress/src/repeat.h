/* SPDX-License-Identifier: MIT */
/*
 * --repeat N: N runs of every configuration, and per configuration the
 * median of each figure with a distribution-free confidence interval
 * (lab_median_ci, iovalab/harness/stats.h: order statistics of the N
 * values; below N = 6 the interval is [min, max] and "ci_level" says what
 * it covers, e.g. 0.9375 for N = 5). Written as the "summaries" array
 * (stress/SCHEMA.md).
 */
#ifndef STRESS_REPEAT_H
#define STRESS_REPEAT_H

#include <stddef.h>

#include "iovalab/json.h"
#include "run.h"

/* Most repetitions per configuration. */
#define STRESS_MAX_REPEAT 1000u

struct repeat;

/* Room for @configs configurations of @n repetitions. NULL: no memory. */
struct repeat *repeat_create(size_t configs, unsigned int n);
void repeat_free(struct repeat *r);

/* Record repetition res->cfg.rep of configuration @config (its run). */
void repeat_add(struct repeat *r, size_t config, const struct run_result *res,
		size_t run_index);

/* The "summaries" array: one object per configuration that ran. */
void repeat_write_json(const struct repeat *r, struct lab_json *j);

#endif /* STRESS_REPEAT_H */
