// SPDX-License-Identifier: MIT
//
// Tree microbenchmarks: the cost of one allocation step and of one lookup
// as the tree grows, for every search algorithm in every scenario of the
// shared generator (iovalab/scenario.h), with Google Benchmark's
// complexity fit over the live-range count n.
//
//  alloc_free/<alg>/<scenario>/<n>
//      one iova_scen_step(): the scenario's next request through
//      iova_alloc_range() (the range API, a thin wrapper of alloc_iova()
//      for all but btree-pfn), then free_iova() of one other range chosen
//      by the generator, so the tree stays at n ranges. Counters:
//      visited (tree nodes dereferenced per alloc_iova, the deterministic
//      cost the time should follow), fail_rate (allocations that returned
//      NULL: a failed search still costs its walk), node_bytes and
//      slab_bytes (the algorithm's node, and what a 64-byte-aligned slab
//      charges for it).
//  find/<alg>/<scenario>/<n>
//      iova_find_range() of a live range's pfn, in a shuffled order over
//      every range in the tree (no cache-friendly sequential walk).
//
// Both families end with a BigO/RMS pair: Complexity(oAuto) lets the
// library pick the best of O(1), O(lg N), O(N), O(N lg N), O(N^2), O(N^3)
// by least squares. bench/fit.py adds explicit O(N) and O(lg N) fits, of
// time and of visited, from the JSON.
//
// Populating 10^6 ranges takes far longer than measuring them, and Google
// Benchmark calls a benchmark function several times per size while it
// sizes the iteration count; prepared trees are therefore cached per
// (alg, scenario, n), least recently used first out, up to kCacheLive
// ranges in total. Registration order runs both families of one
// (alg, scenario) back to back so they share the cached trees.
#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.h"

// The C headers name some functions after their structs
// (iovad_rcache_stats, lab_lock_info): fine in C, but g++ -Wshadow says
// the function hides the struct's implicit constructor.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
extern "C" {
#include "iovalab/iova.h"
#include "iovalab/prng.h"
#include "iovalab/scenario.h"
}
#pragma GCC diagnostic pop

const char *const iovalab_bench_subject = "bench-tree";

namespace
{

constexpr uint64_t kSeed = 0x10ba5eed;
// Holds the four sizes of one (alg, scenario) at once; the full default
// run peaks at about 0.5 GB resident.
constexpr unsigned long kCacheLive = 2500000;

struct Prepared {
	enum iova_alg alg;
	enum iova_scenario sc;
	unsigned long n;
	struct iova_domain *dom = nullptr;
	struct iova_scen *scen = nullptr;
	std::vector<unsigned long> pfns; // for find: filled on first use
	size_t next_pfn = 0;

	~Prepared()
	{
		iova_scen_destroy(scen);
		iova_domain_put(dom);
	}
};

std::list<std::unique_ptr<Prepared>> g_cache; // front: most recent

// The tree for (alg, sc, n), built once; nullptr with @err set on failure.
Prepared *prepared(enum iova_alg alg, enum iova_scenario sc, unsigned long n,
		   std::string &err)
{
	for (auto it = g_cache.begin(); it != g_cache.end(); ++it) {
		Prepared *p = it->get();

		if (p->alg == alg && p->sc == sc && p->n == n) {
			g_cache.splice(g_cache.begin(), g_cache, it);
			return p;
		}
	}

	unsigned long held = n;
	for (auto &p : g_cache)
		held += p->n;
	while (!g_cache.empty() && held > kCacheLive) {
		held -= g_cache.back()->n;
		g_cache.pop_back();
	}

	auto p = std::make_unique<Prepared>();
	p->alg = alg;
	p->sc = sc;
	p->n = n;
	p->dom =
		iova_domain_create(alg, IOVA_SCEN_GRANULE, IOVA_SCEN_START_PFN);
	if (!p->dom) {
		err = std::string("iova_domain_create: ") + strerror(errno);
		return nullptr;
	}
	p->scen = iova_scen_create(p->dom, sc, n, kSeed);
	if (!p->scen) {
		err = std::string("iova_scen_create: ") + strerror(errno);
		return nullptr;
	}
	g_cache.push_front(std::move(p));
	return g_cache.front().get();
}

// prepared() for the benchmark's size (range 0); nullptr with the
// benchmark skipped on failure.
Prepared *prepared_or_skip(benchmark::State &state, enum iova_alg alg,
			   enum iova_scenario sc)
{
	std::string err;
	Prepared *p = prepared(alg, sc, state.range(0), err);

	if (!p)
		state.SkipWithError(err.c_str());
	return p;
}

void bm_alloc_free(benchmark::State &state, enum iova_alg alg,
		   enum iova_scenario sc)
{
	const unsigned long n = state.range(0);
	Prepared *p = prepared_or_skip(state, alg, sc);

	if (!p)
		return;

	struct iova_stats st0, st1;
	uint64_t fail0 = iova_scen_failures(p->scen);
	int ret = 0;

	iova_domain_stats(p->dom, &st0);
	for (auto _ : state) {
		unsigned long got;

		ret |= iova_scen_step(p->scen, &got);
		benchmark::DoNotOptimize(got);
	}
	iova_domain_stats(p->dom, &st1);
	if (ret) {
		state.SkipWithError("iova_scen_step: free of a live range "
				    "failed (allocator bug)");
		return;
	}
	if (st1.live != n) {
		state.SkipWithError("live range count drifted");
		return;
	}

	const double iters = (double)state.iterations();
	state.SetComplexityN(n);
	state.counters["visited"] = benchmark::Counter(
		(double)(st1.visited_total - st0.visited_total),
		benchmark::Counter::kAvgIterations);
	state.counters["fail_rate"] =
		(double)(iova_scen_failures(p->scen) - fail0) / iters;
	state.counters["node_bytes"] = (double)iova_node_bytes(alg);
	state.counters["slab_bytes"] = (double)iova_slab_bytes(alg);
	state.counters["lines"] =
		benchmark::Counter((double)(st1.lines_total - st0.lines_total),
				   benchmark::Counter::kAvgIterations);
	state.counters["tree_node_allocs"] =
		benchmark::Counter((double)(st1.node_allocs - st0.node_allocs),
				   benchmark::Counter::kAvgIterations);
	state.counters["bytes_per_range"] =
		st1.live ? (double)st1.slab_bytes / (double)st1.live : 0.0;
}

void bm_find(benchmark::State &state, enum iova_alg alg, enum iova_scenario sc)
{
	const unsigned long n = state.range(0);
	Prepared *p = prepared_or_skip(state, alg, sc);

	if (!p)
		return;
	if (p->pfns.empty()) {
		struct lab_prng r;

		// Ranges move under alloc_free; each lookup below checks it
		// still hits, so collect them now, from the current tree.
		struct iova_range v;

		for (bool ok = iova_next_range(p->dom, 0, &v); ok;
		     ok = v.pfn_hi != ~0UL &&
			  iova_next_range(p->dom, v.pfn_hi + 1, &v))
			p->pfns.push_back(v.pfn_lo + (v.pfn_hi - v.pfn_lo) / 2);
		lab_prng_seed(&r, kSeed);
		for (size_t i = p->pfns.size(); i > 1; i--)
			std::swap(p->pfns[i - 1],
				  p->pfns[lab_prng_below(&r, i)]);
		p->next_pfn = 0;
	}

	const std::vector<unsigned long> &pfns = p->pfns;
	size_t i = p->next_pfn;
	uint64_t missed = 0;

	for (auto _ : state) {
		struct iova_range v;
		bool hit = iova_find_range(p->dom, pfns[i], &v);

		benchmark::DoNotOptimize(v);
		missed += !hit;
		if (++i == pfns.size())
			i = 0;
	}
	p->next_pfn = i;
	state.SetComplexityN(n);
	// The pfn set is taken once; alloc_free runs on the same tree before
	// and after, so a lookup may miss a range it since freed. The miss
	// rate says how many; it does not change the search path length.
	state.counters["miss_rate"] =
		(double)missed / (double)state.iterations();
	state.counters["node_bytes"] = (double)iova_node_bytes(alg);
}

} // namespace

void iovalab_bench_teardown()
{
	g_cache.clear();
}

void iovalab_bench_register(const bench::Options &opt)
{
	std::vector<int64_t> sizes;
	unsigned long top = opt.quick ? 10000 : 1000000;

	if (opt.max_live && opt.max_live < top)
		top = opt.max_live;
	for (unsigned long n = 1000; n <= top; n *= 10)
		sizes.push_back(n);
	// --max-live between powers of ten is a size of its own, so a small
	// cap still gives two points to fit.
	if (top >= IOVA_SCEN_MIN_LIVE &&
	    (sizes.empty() || (unsigned long)sizes.back() < top))
		sizes.push_back(top);
	if (sizes.empty())
		sizes.push_back(IOVA_SCEN_MIN_LIVE);

	for (int a = 0; a < IOVA_ALG_NR; a++) {
		for (int s = 0; s < IOVA_SCEN_NR; s++) {
			auto alg = (enum iova_alg)a;
			auto sc = (enum iova_scenario)s;
			std::string tail = std::string(iova_alg_name(alg)) +
					   "/" + iova_scenario_name(sc);
			auto *af = benchmark::RegisterBenchmark(
				("alloc_free/" + tail).c_str(), bm_alloc_free,
				alg, sc);
			auto *fd = benchmark::RegisterBenchmark(
				("find/" + tail).c_str(), bm_find, alg, sc);

			for (auto *b : { af, fd }) {
				b->ArgName("n");
				for (int64_t n : sizes)
					b->Arg(n);
				b->Complexity(benchmark::oAuto);
			}
		}
	}
}
