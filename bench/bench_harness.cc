// SPDX-License-Identifier: MIT
//
// The harness measuring itself: what Google Benchmark adds to every
// iteration, so the other binaries' few-nanosecond results (uncontended
// locks, magazine hits) can be read against it, and so the Debian
// library's "debug" build type can be compared with a release build of
// the same source (bench/README.md).
//
//  harness/empty               for (auto _ : state) {}
//  harness/keep_running        while (state.KeepRunning()) {}
//  harness/clobber             ClobberMemory() per iteration
//  harness/pause_resume        PauseTiming()+ResumeTiming() per iteration:
//                              the one per-iteration path that runs inside
//                              the library (and its debug checks)
//  harness/empty_threads       empty loop on N threads, UseRealTime
#include <benchmark/benchmark.h>

#include "bench_common.h"

const char *const iovalab_bench_subject = "bench-harness";

namespace
{

void bm_empty(benchmark::State &state)
{
	for (auto _ : state) {
	}
}

void bm_keep_running(benchmark::State &state)
{
	while (state.KeepRunning()) {
	}
}

void bm_clobber(benchmark::State &state)
{
	for (auto _ : state)
		benchmark::ClobberMemory();
}

void bm_pause_resume(benchmark::State &state)
{
	for (auto _ : state) {
		state.PauseTiming();
		state.ResumeTiming();
	}
}

void bm_empty_threads(benchmark::State &state)
{
	bench::pin_self(state.thread_index());
	for (auto _ : state) {
	}
}

} // namespace

void iovalab_bench_teardown()
{
}

void iovalab_bench_register(const bench::Options &opt)
{
	benchmark::RegisterBenchmark("harness/empty", bm_empty);
	benchmark::RegisterBenchmark("harness/keep_running", bm_keep_running);
	benchmark::RegisterBenchmark("harness/clobber", bm_clobber);
	benchmark::RegisterBenchmark("harness/pause_resume", bm_pause_resume);
	benchmark::RegisterBenchmark("harness/empty_threads", bm_empty_threads)
		->ThreadRange(1, bench::ncpu())
		->UseRealTime();
}
