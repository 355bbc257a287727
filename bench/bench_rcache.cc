// SPDX-License-Identifier: MIT
//
// Magazine cache microbenchmarks (iovalab/rcache.h), one pinned thread:
//
//  hit/<cpu_lock>/size:S
//      alloc_iova_fast + free_iova_fast of one S-page range: after the
//      first pair every alloc pops the pfn the free just pushed onto this
//      CPU's loaded magazine. The kernel's hot path; the per-CPU lock is
//      the strategy named (all of lab_lock_names[]).
//  nocache/<alg>/bg:B/size:S
//      the same pair with the cache off: alloc_iova + free_iova in the
//      tree under the tree lock ("mutex"), with B other ranges live in
//      the tree (1-8 pages each, packed below the limit) so the search
//      has real depth; bg:0 is an otherwise empty tree.
//  depot/batch:B
//      B allocations then B frees per iteration, B in magazines (M pfns
//      each, the kernel's 127). 2M fits in the loaded+prev pair; each
//      magazine beyond that goes to the depot on the frees and comes back
//      on the allocations, so batch:3 moves one full magazine through the
//      depot per iteration and batch:8 six (counted: depot_pushes and
//      depot_pops per iteration). Compare ns per pair (items) with
//      batch:2 to read the depot's cost.
//
// The trim thread is off (trim_period_ns = 0) so no background work runs
// during a measurement; hit_rate and the depot counters come from the
// domain's own statistics and confirm each benchmark measured the path it
// names.
#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "bench_common.h"
#include "lock_thread.h"

// The C headers name some functions after their structs
// (iovad_rcache_stats, lab_lock_info): fine in C, but g++ -Wshadow says
// the function hides the struct's implicit constructor.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
extern "C" {
#include "iovalab/rcache.h"
}
#pragma GCC diagnostic pop

const char *const iovalab_bench_subject = "bench-rcache";

namespace
{

// 48-bit device: the limit never binds on an otherwise empty domain.
constexpr unsigned long kLimit = (1UL << 36) - 1;
// Ranges live in the tree for nocache/.../bg:kBackground (rcache-bench's
// --background default before it was folded in here).
constexpr int64_t kBackground = 1000;

struct iovad *make_iovad(enum iova_alg alg, bool cache, const char *cpu_lock,
			 unsigned long background, std::string &err)
{
	struct iovad_attr attr;

	iovad_attr_init(&attr);
	attr.alg = alg;
	attr.rcache = cache;
	attr.cpu_lock = cpu_lock;
	attr.trim_period_ns = 0;
	struct iovad *d = iovad_create(&attr);
	if (!d) {
		err = std::string("iovad_create: ") + strerror(errno);
		return nullptr;
	}
	for (unsigned long i = 0; i < background; i++) {
		if (!iovad_alloc_iova(d, 1 + i % 8, kLimit, true)) {
			err = "background fill failed";
			iovad_destroy(d);
			return nullptr;
		}
	}
	return d;
}

// The domain's counters summed over the size classes.
struct iovad_rcache_totals totals(const struct iovad *d)
{
	struct iovad_rcache_stats st;
	struct iovad_rcache_totals t;

	iovad_rcache_stats(d, &st);
	iovad_rcache_stats_sum(&st, &t);
	return t;
}

// After the timed loop: the totals into @t1, then the domain destroyed.
// false, with the benchmark skipped, when an alloc_iova_fast in it failed.
bool finish(benchmark::State &state, struct iovad *d, bool failed,
	    struct iovad_rcache_totals &t1)
{
	t1 = totals(d);
	iovad_destroy(d);
	if (failed)
		state.SkipWithError("alloc_iova_fast failed");
	return !failed;
}

void bm_pair(benchmark::State &state, enum iova_alg alg, bool cache,
	     const char *cpu_lock)
{
	// hit/: (size); nocache/: (bg, size)
	const unsigned long size = state.range(cache ? 0 : 1);
	const unsigned long background = cache ? 0 : state.range(0);
	std::string err;

	bench::lock_thread_online();
	struct iovad *d = make_iovad(alg, cache, cpu_lock, background, err);
	if (!d) {
		state.SkipWithError(err.c_str());
		return;
	}

	// Warm: the first alloc goes to the tree, its free fills the
	// magazine; everything timed after that is the steady state.
	unsigned long pfn = alloc_iova_fast(d, size, kLimit, false);
	if (pfn)
		free_iova_fast(d, pfn, size);

	bool failed = false;
	const struct iovad_rcache_totals t0 = totals(d);

	for (auto _ : state) {
		pfn = alloc_iova_fast(d, size, kLimit, false);
		benchmark::DoNotOptimize(pfn);
		failed |= (pfn == 0);
		free_iova_fast(d, pfn, size);
	}
	struct iovad_rcache_totals t1;

	if (!finish(state, d, failed, t1))
		return;
	const double iters = (double)state.iterations();
	state.counters["hit_rate"] = (double)(t1.hits - t0.hits) / iters;
	state.SetItemsProcessed(state.iterations());
}

void bm_depot(benchmark::State &state)
{
	const int64_t batch_mags = state.range(0);
	std::string err;

	bench::lock_thread_online();
	struct iovad *d = make_iovad(IOVA_ALG_CLASSIC, true, "mutex", 0, err);
	if (!d) {
		state.SkipWithError(err.c_str());
		return;
	}

	const unsigned int mag = iovad_get_attr(d)->mag_size;
	std::vector<unsigned long> pfns(batch_mags * mag);
	bool failed = false;
	auto round = [&] {
		for (auto &p : pfns) {
			p = alloc_iova_fast(d, 1, kLimit, false);
			failed |= (p == 0);
		}
		for (auto p : pfns)
			free_iova_fast(d, p, 1);
	};

	// Two rounds reach the steady state: the first fills the tree and
	// the magazines, the second cycles them.
	round();
	round();

	const struct iovad_rcache_totals t0 = totals(d);
	for (auto _ : state)
		round();
	struct iovad_rcache_totals t1;

	if (!finish(state, d, failed, t1))
		return;

	const double iters = (double)state.iterations();
	const double pairs = iters * pfns.size();
	state.counters["depot_pushes"] =
		(double)(t1.depot_pushes - t0.depot_pushes) / iters;
	state.counters["depot_pops"] =
		(double)(t1.depot_pops - t0.depot_pops) / iters;
	state.counters["hit_rate"] = (double)(t1.hits - t0.hits) / pairs;
	state.counters["mag_size"] = (double)mag;
	state.SetItemsProcessed(state.iterations() * pfns.size());
}

} // namespace

void iovalab_bench_teardown()
{
}

void iovalab_bench_register(const bench::Options &opt)
{
	for (const char *const *p = lab_lock_names; *p; p++) {
		benchmark::RegisterBenchmark(("hit/" + std::string(*p)).c_str(),
					     bm_pair, IOVA_ALG_CLASSIC, true,
					     *p)
			->ArgName("size")
			->Arg(1)
			->Arg(32);
	}
	for (int a = 0; a < IOVA_ALG_NR; a++) {
		auto alg = (enum iova_alg)a;

		benchmark::RegisterBenchmark(
			("nocache/" + std::string(iova_alg_name(alg))).c_str(),
			bm_pair, alg, false, "mutex")
			->ArgNames({ "bg", "size" })
			->ArgsProduct({ { 0, kBackground }, { 1, 32 } });
	}
	benchmark::RegisterBenchmark("depot", bm_depot)
		->ArgName("batch")
		->Arg(1)
		->Arg(2)
		->Arg(3)
		->Arg(8);
}
