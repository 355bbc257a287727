// SPDX-License-Identifier: MIT
//
// What every iovalab benchmark binary shares: its own command-line options
// (taken out of argv before Google Benchmark sees it), CPU pinning by
// logical index, and the run context written into every JSON report.
//
// Each bench_*.cc defines iovalab_bench_register(), which registers its
// benchmarks with benchmark::RegisterBenchmark() once the options are
// known, so --quick can change the sizes and run times that get registered.
#ifndef IOVALAB_BENCH_COMMON_H
#define IOVALAB_BENCH_COMMON_H

#include <cstdint>
#include <string>
#include <vector>

namespace bench
{

struct Options {
	// Smaller sizes and shorter runs: for the CTest smoke test and for a
	// first look; never for numbers worth quoting.
	bool quick = false;
	// Largest tree size (live ranges) the tree/readers benchmarks register;
	// 0 keeps the binary's default.
	uint64_t max_live = 0;
	// Pin the main thread and every benchmark thread by thread_index().
	bool pin = true;
	// Oversubscription factor for the extra labelled point of threaded
	// benchmarks: threads = factor * logical CPUs. 0 disables that point.
	unsigned oversub = 2;
	// Wall-time bound of one threaded run (thread_wall.h RunGuard).
	double run_budget_s = 5.0;
};

const Options &options();

// Logical CPUs this process may run on, in pinning order: the first PU of
// every physical core, then the second PU of every core, and so on, so the
// first N threads land on N distinct cores whenever N <= cores.
const std::vector<unsigned> &cpu_order();
unsigned ncpu(); // cpu_order().size()
unsigned ncores(); // physical cores among them

// Pin the calling thread to cpu_order()[idx % ncpu()]. Returns false when
// pinning is off (--no-pin) or the kernel refused; the caller reports it.
bool pin_self(unsigned idx);

// "oversubscribed: 4 threads on 2 CPUs" when threads > ncpu(), else "".
std::string oversub_label(int threads);
} // namespace bench

// Defined once per binary: register the benchmarks (before the run), and
// free what they cached (after it, while the lock libraries still run).
void iovalab_bench_register(const bench::Options &opt);
void iovalab_bench_teardown();
extern const char *const iovalab_bench_subject;

#endif
