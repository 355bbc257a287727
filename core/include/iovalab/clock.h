/* SPDX-License-Identifier: MIT */
/*
 * Clocks for measurement. lab_now_ns() is the one timebase for latencies
 * and durations (CLOCK_MONOTONIC through the vDSO, ~20 ns); lab_cycles()
 * reads the TSC where there is one, for per-acquire lock costs where the
 * vDSO call would dominate. lab_clock_overhead_ns() measures the cost of a
 * back-to-back pair of lab_now_ns() calls so reports can state it.
 */
#ifndef IOVALAB_CLOCK_H
#define IOVALAB_CLOCK_H

#include <stdint.h>
#include <time.h>

#include "iovalab/arch.h" /* LAB_CACHELINE, for the many that pad with it */

static inline uint64_t lab_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t lab_cycles(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#elif defined(__aarch64__)
	uint64_t v;

	__asm__ volatile("mrs %0, cntvct_el0" : "=r"(v));
	return v;
#else
	return lab_now_ns();
#endif
}

/*
 * Busy work for @ns ns: delay injection (a longer critical section) and
 * think time (iovalab/harness/think.h) both spin here, on the clock with
 * the pause hint. Granularity is one clock read (tens of ns); 0 returns
 * at once.
 */
static inline void lab_busy_ns(uint64_t ns)
{
	uint64_t until;

	if (!ns)
		return;
	until = lab_now_ns() + ns;
	while (lab_now_ns() < until)
		lab_cpu_relax();
}

/* Median cost in ns of one lab_now_ns() call, over @samples pairs. */
double lab_clock_overhead_ns(unsigned int samples);

/* TSC ticks per ns, calibrated against CLOCK_MONOTONIC over ~@ms ms. */
double lab_cycles_per_ns(unsigned int ms);

#endif /* IOVALAB_CLOCK_H */
