// SPDX-License-Identifier: MIT
/*
 * lock-bench's one-thread sections: uncontended acquire+release, the
 * lab_lock() indirection against direct calls, and the statistics'
 * overhead. The calling (main) thread is pinned already.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "iovalab/clock.h"
#include "iovalab/json.h"
#include "iovalab/lock_stat.h"
#include "iovalab/locks/spin_mcs.h"
#include "iovalab/locks/spin_qspin.h"
#include "iovalab/locks/spin_tas.h"
#include "iovalab/locks/spin_ticket.h"
#include "lock_bench.h"

#define REPS 5

struct pair_cost {
	double ns, cycles;
};

/* Median of REPS loops of lb_cfg.uncontended_iters @body each. */
#define TIME_LOOP(out, body)                                             \
	do {                                                             \
		double ns_[REPS], cy_[REPS];                             \
		for (int r_ = 0; r_ < REPS; r_++) {                      \
			uint64_t n_ = lb_cfg.uncontended_iters;          \
			uint64_t t0_ = lab_now_ns(), c0_ = lab_cycles(); \
			for (uint64_t i_ = 0; i_ < n_; i_++) {           \
				body;                                    \
			}                                                \
			uint64_t c1_ = lab_cycles(), t1_ = lab_now_ns(); \
			ns_[r_] = (double)(t1_ - t0_) / (double)n_;      \
			cy_[r_] = (double)(c1_ - c0_) / (double)n_;      \
		}                                                        \
		(out).ns = lab_median(ns_, REPS);                        \
		(out).cycles = lab_median(cy_, REPS);                    \
	} while (0)

int lb_uncontended(const char *name)
{
	struct lab_lock_attr a = { .spin = lb_cfg.spin };
	struct lab_lock *l = lab_lock_create(name, &a);
	struct pair_cost w, r;

	if (!l) {
		fprintf(stderr, "lock-bench: %s: %s\n", name, strerror(errno));
		return 1;
	}
	TIME_LOOP(w, lab_lock(l); lab_unlock(l));
	TIME_LOOP(r, lab_read_lock(l); lab_read_unlock(l));
	printf("%-10s %9.1f %9.1f %12.1f %12.1f\n", name, w.ns, w.cycles, r.ns,
	       r.cycles);
	if (lb_cfg.j) {
		struct lab_json *j = lb_cfg.j;

		lab_json_object_begin(j, NULL);
		lab_json_str(j, "lock", name);
		lab_json_bool(j, "ck", lab_lock_info(l)->ck);
		lab_json_double(j, "ns", w.ns);
		lab_json_double(j, "cycles", w.cycles);
		lab_json_double(j, "read_ns", r.ns);
		lab_json_double(j, "read_cycles", r.cycles);
		lab_json_object_end(j);
	}
	lab_lock_destroy(l);
	return 0;
}

static void indirection_row(const char *name, struct pair_cost d,
			    struct pair_cost i)
{
	printf("%-10s %10.1f %10.1f %10.1f %10.1f %10.1f\n", name, d.ns, i.ns,
	       i.ns - d.ns, d.cycles, i.cycles);
	if (lb_cfg.j) {
		struct lab_json *j = lb_cfg.j;

		lab_json_object_begin(j, NULL);
		lab_json_str(j, "lock", name);
		lab_json_double(j, "direct_ns", d.ns);
		lab_json_double(j, "interface_ns", i.ns);
		lab_json_double(j, "delta_ns", i.ns - d.ns);
		lab_json_double(j, "direct_cycles", d.cycles);
		lab_json_double(j, "interface_cycles", i.cycles);
		lab_json_object_end(j);
	}
}

/*
 * Direct and interface loops alternate ROUNDS times and the minimum of
 * each is kept: on a shared machine the minimum is the estimate least
 * polluted by preemption, and alternating exposes both to the same
 * frequency and load.
 */
#define ROUNDS 7
#define KEEP_MIN(best, x)               \
	do {                            \
		if ((x).ns < (best).ns) \
			(best) = (x);   \
	} while (0)

int lb_indirection(void)
{
	static struct spin_tas tas;
	static struct spin_ticket tk;
	static struct spin_mcs mcs;
	static struct spin_qspin qs;
	static pthread_mutex_t mx = PTHREAD_MUTEX_INITIALIZER;
	struct lab_lock_attr a = { .spin = lb_cfg.spin };
	struct pair_cost d, i, bd, bi;
	struct lab_lock *l;

	spin_tas_init(&tas, lb_cfg.spin);
	spin_ticket_init(&tk, lb_cfg.spin);
	spin_mcs_init(&mcs, lb_cfg.spin);
	spin_qspin_init(&qs, lb_cfg.spin);

#define INDIRECTION(name, lock_stmt, unlock_stmt)                     \
	do {                                                          \
		l = lab_lock_create(name, &a);                        \
		if (!l) {                                             \
			fprintf(stderr, "lock-bench: %s: %s\n", name, \
				strerror(errno));                     \
			return 1;                                     \
		}                                                     \
		bd.ns = bi.ns = 1e30;                                 \
		for (int r = 0; r < ROUNDS; r++) {                    \
			TIME_LOOP(d, lock_stmt; unlock_stmt);         \
			TIME_LOOP(i, lab_lock(l); lab_unlock(l));     \
			KEEP_MIN(bd, d);                              \
			KEEP_MIN(bi, i);                              \
		}                                                     \
		lab_lock_destroy(l);                                  \
		indirection_row(name, bd, bi);                        \
	} while (0)

	INDIRECTION("tas", spin_tas_lock(&tas), spin_tas_unlock(&tas));
	INDIRECTION("ticket", spin_ticket_lock(&tk), spin_ticket_unlock(&tk));
	INDIRECTION("mcs", spin_mcs_lock(&mcs), spin_mcs_unlock(&mcs));
	INDIRECTION("qspinlock", spin_qspin_lock(&qs), spin_qspin_unlock(&qs));
	/* glibc's mutex called directly: what "mutex" costs without us */
	INDIRECTION("mutex", pthread_mutex_lock(&mx),
		    pthread_mutex_unlock(&mx));
#undef INDIRECTION
	return 0;
}

int lb_stats_overhead(const char *name)
{
	struct lab_lock_attr a = { .spin = lb_cfg.spin };
	struct lab_lock *l = lab_lock_create(name, &a);
	struct pair_cost never, off, on;
	struct lb_tput t_off, t_on;
	uint64_t per[2];
	int ret;

	if (!l) {
		fprintf(stderr, "lock-bench: %s: %s\n", name, strerror(errno));
		return 1;
	}
	TIME_LOOP(never, lab_lock(l); lab_unlock(l));
	ret = lb_run_threads(l, 2, lb_cfg.cs_short, &t_off, per);
	if (!ret)
		ret = lab_lock_stats_enable(l, true);
	if (!ret) {
		TIME_LOOP(on, lab_lock(l); lab_unlock(l));
		ret = lb_run_threads(l, 2, lb_cfg.cs_short, &t_on, per);
	}
	if (!ret) {
		lab_lock_stats_enable(l, false);
		TIME_LOOP(off, lab_lock(l); lab_unlock(l));
	}
	lab_lock_destroy(l);
	if (ret == -EINTR)
		return 0; /* stopped: the row is not written */
	if (ret) {
		fprintf(stderr, "lock-bench: %s: statistics run: %s\n", name,
			strerror(-ret));
		return 1;
	}
	printf("%-10s %11.1f %11.1f %11.1f %13.3f %13.3f\n", name, never.ns,
	       off.ns, on.ns, t_off.ops_per_sec / 1e6, t_on.ops_per_sec / 1e6);
	if (lb_cfg.j) {
		struct lab_json *j = lb_cfg.j;

		lab_json_object_begin(j, NULL);
		lab_json_str(j, "lock", name);
		lab_json_double(j, "never_enabled_ns", never.ns);
		lab_json_double(j, "disabled_ns", off.ns);
		lab_json_double(j, "enabled_ns", on.ns);
		lab_json_double(j, "two_threads_off_ops_per_sec",
				t_off.ops_per_sec);
		lab_json_double(j, "two_threads_on_ops_per_sec",
				t_on.ops_per_sec);
		lab_json_object_end(j);
	}
	return 0;
}
