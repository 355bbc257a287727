// SPDX-License-Identifier: MIT
//
// What every iovalab benchmark binary shares: its own command-line options
// (taken out of argv before Google Benchmark sees it), CPU pinning by
// thread index and the run context written into every JSON report, the
// last two through core/harness (topo.h placement, meta.h's meta object).
//
// Each bench_*.cc defines iovalab_bench_register(), which registers its
// benchmarks with benchmark::RegisterBenchmark() once the options are
// known, so --quick can change the sizes and run times that get registered.
#ifndef IOVALAB_BENCH_COMMON_H
#define IOVALAB_BENCH_COMMON_H

#include <cstdint>

#include "iovalab/harness/topo.h"

namespace bench
{

struct Options {
	// Smaller sizes and shorter runs: for the CTest smoke test and for a
	// first look; never for numbers worth quoting.
	bool quick = false;
	// Largest tree size (live ranges) the tree/readers benchmarks register;
	// 0 keeps the binary's default.
	uint64_t max_live = 0;
	// Where the main thread and every benchmark thread go, by
	// thread_index(): core/harness placement (--pin=MODE; --no-pin is
	// --pin=none).
	enum lab_pin_mode pin = LAB_PIN_COMPACT;
	// Oversubscription factor for the extra labelled point of threaded
	// benchmarks: threads = factor * logical CPUs. 0 disables that point.
	unsigned oversub = 2;
	// Wall-time bound of one threaded run (thread_wall.h RunGuard).
	double run_budget_s = 5.0;
};

const Options &options();

// Logical CPUs this process may run on (lab_topo_pus).
unsigned ncpu();

// Pin the calling thread where core/harness places thread @idx (with the
// default compact mode: the first PU of every physical core, then the SMT
// siblings, wrapping past ncpu()). Returns false when pinning is off
// (--no-pin, --pin=none) or the binding failed; the caller reports it.
bool pin_self(unsigned idx);

// More runnable threads than usable CPUs (lab_topo_oversubscribed).
bool oversubscribed(unsigned threads);
} // namespace bench

// Defined once per binary: register the benchmarks (before the run), and
// free what they cached (after it, while the lock libraries still run).
void iovalab_bench_register(const bench::Options &opt);
void iovalab_bench_teardown();
extern const char *const iovalab_bench_subject;

#endif
