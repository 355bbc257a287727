// SPDX-License-Identifier: MIT
//
// Lock microbenchmarks, every strategy of lab_lock_names[] (ours and the
// ck-* peers) through the one interface the allocator uses:
//
//  uncontended/<lock>      lab_lock + lab_unlock on one thread
//  uncontended_read/<lock> lab_read_lock + lab_read_unlock on one thread
//  baseline/...            the same pair called directly, without the
//                          lab_lock indirection, for scale
//  contended/<lock>/cs:C/think:T/threads:N
//                          N pinned threads hammer one lock; inside it
//                          they write C shared cache lines, outside it
//                          they spin T units of private work.
//
// Google Benchmark gives every thread the same iteration count and ends
// a run when the last thread finishes, so a lock that lets one thread
// run ahead finishes that thread early and the rest run with less
// contention. Its items_per_second divides by the MEAN per-thread wall
// time; we also report wall_ops_per_s (all operations over the whole
// run's wall time, first start to last finish) and finish_spread
// (fastest thread's time / slowest's; 1 = every thread finished
// together). Fairness under a fixed duration is iova-stress's job.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <pthread.h>
#include <string>
#include <time.h>
#include <vector>

#include "bench_common.h"
#include "lock_thread.h"
#include "thread_wall.h"

// The C headers name some functions after their structs
// (iovad_rcache_stats, lab_lock_info): fine in C, but g++ -Wshadow says
// the function hides the struct's implicit constructor.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
extern "C" {
#include "iovalab/clock.h"
}
#pragma GCC diagnostic pop

const char *const iovalab_bench_subject = "bench-locks";

namespace
{

constexpr int kMaxCsLines = 64;

// Private work between acquisitions: a dependent multiply-add chain the
// compiler cannot fold. One unit is one step (~1 ns); calibrated at
// registration on this thread's CPU time (wall time would count whatever
// else the machine ran) and reported in the JSON context.
inline uint64_t think(uint64_t x, int64_t units)
{
	for (int64_t i = 0; i < units; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		benchmark::DoNotOptimize(x);
	}
	return x;
}

uint64_t thread_cpu_ns()
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double calibrate_think_ns()
{
	constexpr int64_t n = 20000000;
	uint64_t t0 = thread_cpu_ns();
	uint64_t x = think(1, n);

	benchmark::DoNotOptimize(x);
	return (double)(thread_cpu_ns() - t0) / n;
}

struct alignas(LAB_CACHELINE) CsLine {
	uint64_t v;
};

// Shared by the threads of one contended run. The lock is created by
// thread 0 before the start barrier and destroyed after the end barrier;
// Google Benchmark's barriers order those against the other threads.
struct Contended {
	struct lab_lock *lock;
	CsLine lines[kMaxCsLines]; // written only with the lock held
	uint64_t pad0[8];
	uint64_t in_cs_count; // likewise: checks mutual exclusion
} g_c;
bench::ThreadWall g_wall;
bench::RunGuard g_guard;

void bm_uncontended(benchmark::State &state, const char *name, bool read)
{
	bench::lock_thread_online();
	struct lab_lock *l = lab_lock_create(name, nullptr);

	if (!l) {
		state.SkipWithError("lab_lock_create failed");
		return;
	}
	uint64_t c0 = lab_cycles();
	if (read) {
		for (auto _ : state) {
			lab_read_lock(l);
			lab_read_unlock(l);
		}
	} else {
		for (auto _ : state) {
			lab_lock(l);
			lab_unlock(l);
		}
	}
	uint64_t c1 = lab_cycles();
	lab_lock_destroy(l);
	state.counters["tsc_ticks"] = benchmark::Counter(
		(double)(c1 - c0), benchmark::Counter::kAvgIterations);
}

void bm_baseline_mutex(benchmark::State &state)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

	for (auto _ : state) {
		pthread_mutex_lock(&m);
		benchmark::ClobberMemory();
		pthread_mutex_unlock(&m);
	}
	pthread_mutex_destroy(&m);
}

void bm_baseline_xchg(benchmark::State &state)
{
	std::atomic<int> word{ 0 };

	for (auto _ : state) {
		while (word.exchange(1, std::memory_order_acquire))
			;
		benchmark::ClobberMemory();
		word.store(0, std::memory_order_release);
	}
}

void bm_contended(benchmark::State &state, const char *name)
{
	const int64_t cs_lines = state.range(0);
	const int64_t units = state.range(1);
	const int tid = state.thread_index();
	const int nthreads = state.threads();

	bench::lock_thread_online();
	bench::pin_self(tid);
	if (tid == 0) {
		g_c.lock = lab_lock_create(name, nullptr);
		g_guard.arm(bench::options().run_budget_s);
		if (!g_c.lock) {
			// Thread 0's message is first; the others stop at once.
			state.SkipWithError("lab_lock_create failed");
			g_guard.abort = true;
		}
		g_c.in_cs_count = 0;
		for (auto &line : g_c.lines)
			line.v = 0;
		std::string label = bench::oversub_label(nthreads);
		if (!label.empty())
			state.SetLabel(label);
	}

	uint64_t x = tid + 1;
	const uint64_t n = state.max_iterations;
	uint64_t done = 0;
	bench::WallSlot &me = g_wall.slots[tid];

	for (auto _ : state) {
		// Timestamps at the first and last iteration, inside the
		// barriers, so the start and end barriers' waits stay out.
		if (done == 0)
			me.start_ns = lab_now_ns();
		if (g_guard.stop(done)) {
			state.SkipWithError(
				g_guard.message(tid, done, n).c_str());
			break;
		}
		lab_lock(g_c.lock);
		for (int64_t i = 0; i < cs_lines; i++)
			g_c.lines[i].v++;
		g_c.in_cs_count++;
		lab_unlock(g_c.lock);
		x = think(x, units);
		if (++done == n) {
			me.end_ns = lab_now_ns();
			g_guard.leave();
		}
	}
	if (done != n)
		g_guard.leave();
	benchmark::DoNotOptimize(x);
	state.SetItemsProcessed(state.iterations());

	if (tid != 0)
		return;
	// Every thread is out of the loop (a stopped one skips the end
	// barrier); if none stopped, every slot is written.
	g_guard.wait_all(nthreads);
	const uint64_t total = n * (uint64_t)nthreads;

	if (g_c.lock)
		lab_lock_destroy(g_c.lock);
	g_c.lock = nullptr;
	if (g_guard.aborted())
		return;
	if (g_c.in_cs_count != total ||
	    (cs_lines > 0 && g_c.lines[0].v != total)) {
		state.SkipWithError("mutual exclusion violated: lost updates");
		return;
	}
	g_wall.report(state, "wall_ops_per_s", total);
}

} // namespace

void iovalab_bench_teardown()
{
}

void iovalab_bench_register(const bench::Options &opt)
{
	const double unit_ns = calibrate_think_ns();
	std::vector<std::vector<int64_t>> shapes = {
		{ 1, 0 }, // short critical section, back to back
		{ 16, 0 }, // long critical section (16 lines bounce)
		{ 1, 200 }, // short section, ~200 units of private work
	};
	std::vector<int> threads;

	benchmark::AddCustomContext("iovalab_think_unit_ns",
				    std::to_string(unit_ns));
	for (int t = 1; t < (int)bench::ncpu(); t *= 2)
		threads.push_back(t);
	threads.push_back(bench::ncpu());
	if (opt.oversub > 1 &&
	    bench::ncpu() * opt.oversub <= bench::kMaxThreads)
		threads.push_back(bench::ncpu() * opt.oversub);

	benchmark::RegisterBenchmark("baseline/pthread_mutex_direct",
				     bm_baseline_mutex);
	benchmark::RegisterBenchmark("baseline/atomic_xchg_direct",
				     bm_baseline_xchg);
	for (const char *const *p = lab_lock_names; *p; p++) {
		const char *name = *p;

		benchmark::RegisterBenchmark(
			("uncontended/" + std::string(name)).c_str(),
			bm_uncontended, name, false);
		benchmark::RegisterBenchmark(
			("uncontended_read/" + std::string(name)).c_str(),
			bm_uncontended, name, true);
	}
	for (const char *const *p = lab_lock_names; *p; p++) {
		const char *name = *p;
		auto *b = benchmark::RegisterBenchmark(
			("contended/" + std::string(name)).c_str(),
			bm_contended, name);

		b->ArgNames({ "cs", "think" })->UseRealTime();
		for (auto &s : shapes)
			b->Args(s);
		for (int t : threads)
			b->Threads(t);
	}
}
