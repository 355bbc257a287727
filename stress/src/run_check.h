/* SPDX-License-Identifier: MIT */
/*
 * The end-of-run checks of iova-stress (README.md, "End-of-run checks"):
 * each appends what failed to res->check (check_fail) and never stops
 * the run.
 */
#ifndef STRESS_RUN_CHECK_H
#define STRESS_RUN_CHECK_H

#include "run.h"

/*
 * With every thread stopped: what the threads hold is disjoint, each a
 * live tree range, and as many as they allocated minus what they freed.
 */
void check_held(struct run *r, struct run_result *res);

/*
 * Lazy unmap, after the threads queued what they held: drain the flush
 * queues and check every unmap was queued once and freed once.
 */
void check_fq(struct run *r, struct run_result *res);

/*
 * After the drain: tree and cache invariants, counts that balance, and
 * after a flush the tree back at exactly @base_live ranges.
 */
void check_final(struct run *r, struct run_result *res,
		 unsigned long base_live);

#endif /* STRESS_RUN_CHECK_H */
