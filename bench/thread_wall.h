// SPDX-License-Identifier: MIT
//
// Whole-run wall time for threaded benchmarks. Google Benchmark reports
// rates over the MEAN of the threads' own times; a thread that ran ahead
// (unfair lock, reader that never waited) finishes early and lowers that
// mean. Each thread stamps its first and last iteration here, inside the
// library's start and end barriers; thread 0 reads every slot after the
// end barrier and reports the rate over first start to last finish, and
// how close together the threads finished.
//
// RunGuard bounds a threaded run. Google Benchmark fixes the iteration
// count per thread before the run, so a lock that collapses mid-run (a
// FIFO spinlock whose next owner is descheduled, when threads outnumber
// CPUs: one time slice per handoff) can hold a run for many minutes. Past
// the budget every thread leaves its loop, and the run is reported as an
// error ("over budget: ...") with the rate it had reached. Usually that is
// a collapse; it can also be a run that was merely slower than the run
// Google Benchmark sized its iteration count from (a loaded machine).
// Either way it is not a number to average.
#ifndef IOVALAB_BENCH_THREAD_WALL_H
#define IOVALAB_BENCH_THREAD_WALL_H

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <sched.h>
#include <string>

extern "C" {
#include "iovalab/clock.h"
}

namespace bench
{

constexpr int kMaxThreads = 1024;

struct alignas(LAB_CACHELINE) WallSlot {
	uint64_t start_ns;
	uint64_t end_ns;
};

// One per benchmark binary; only one threaded run is live at a time.
struct ThreadWall {
	WallSlot slots[kMaxThreads];

	// Thread 0, after the loop. Sets counters "<rate_name>" (all
	// operations / wall time) and "finish_spread" (fastest thread's
	// time / slowest thread's time).
	void report(benchmark::State &state, const char *rate_name,
		    uint64_t total_ops) const
	{
		uint64_t first = UINT64_MAX, last = 0;
		uint64_t shortest = UINT64_MAX, longest = 0;

		for (int t = 0; t < state.threads(); t++) {
			const WallSlot &s = slots[t];
			uint64_t d = s.end_ns - s.start_ns;

			first = std::min(first, s.start_ns);
			last = std::max(last, s.end_ns);
			shortest = std::min(shortest, d);
			longest = std::max(longest, d);
		}
		if (last > first)
			state.counters[rate_name] = (double)total_ops * 1e9 /
						    (double)(last - first);
		if (longest > 0)
			state.counters["finish_spread"] =
				(double)shortest / (double)longest;
	}
};

struct RunGuard {
	std::atomic<bool> abort{ false };
	std::atomic<int> out{ 0 };
	uint64_t start_ns = 0;
	uint64_t deadline_ns = 0;

	// Thread 0, before the loop (the start barrier publishes it).
	void arm(double budget_s)
	{
		abort.store(false, std::memory_order_relaxed);
		out.store(0, std::memory_order_relaxed);
		start_ns = lab_now_ns();
		deadline_ns = start_ns + (uint64_t)(budget_s * 1e9);
	}

	// Every iteration; reads the clock once per 64 iterations.
	bool stop(uint64_t done)
	{
		if (abort.load(std::memory_order_relaxed))
			return true;
		if ((done & 63) == 0 && done && lab_now_ns() > deadline_ns) {
			abort.store(true, std::memory_order_relaxed);
			return true;
		}
		return false;
	}

	// Every thread once, as soon as it no longer touches shared state:
	// in its last iteration (BEFORE the library's end barrier, or thread
	// 0's wait_all() and a finished thread waiting in that barrier for a
	// stopped thread 0 would wait for each other), or after it stopped.
	void leave()
	{
		out.fetch_add(1, std::memory_order_acq_rel);
	}

	// Thread 0, after its loop: a thread that stopped early skips the
	// end barrier, so the barrier alone does not say every thread is done
	// with the shared state.
	void wait_all(int nthreads)
	{
		while (out.load(std::memory_order_acquire) < nthreads)
			sched_yield();
	}

	bool aborted() const
	{
		return abort.load(std::memory_order_relaxed);
	}

	// The error a stopping thread reports (the first one is kept).
	std::string message(int tid, uint64_t done, uint64_t iters) const
	{
		double s = (double)(lab_now_ns() - start_ns) / 1e9;
		char buf[200];

		snprintf(
			buf, sizeof(buf),
			"over budget: past the %.1f s run budget, thread %d had "
			"done %llu of %llu iterations (%.3g per s)",
			(double)(deadline_ns - start_ns) / 1e9, tid,
			(unsigned long long)done, (unsigned long long)iters,
			(double)done / s);
		return buf;
	}
};

} // namespace bench

#endif
