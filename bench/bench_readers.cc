// SPDX-License-Identifier: MIT
//
// Read-side scaling of the tree lock: find_iova through iovad_find_iova()
// (rcache.h) with the tree lock "rcu" (lockless find_iova_lockless inside
// an RCU read-side section), a reader-writer lock, or "mutex", while ONE
// writer thread allocates and frees in the same tree under the lock.
//
//  find/<lock>/n:N/wpause:P/threads:R
//      R pinned reader threads (Google Benchmark's threads) look up
//      shuffled pfns of the N populated ranges; the writer keeps a ring of
//      64 of its own ranges, each step one iovad_alloc_iova() and one
//      iovad_free_iova() of its oldest, then sleeps P ns (0: flat out;
//      a sleep, not a busy wait, so a paced writer leaves its CPU to the
//      readers; timer slack is set to 1 ns, the achieved rate is
//      reported). The writer never frees a populated range, so every lookup
//      must hit: a miss fails the benchmark (a lockless reader that lost a
//      range is a bug, not a number).
//
// Counters: items_per_second (reads, Google Benchmark's mean-thread-time
// rate), wall_reads_per_s and finish_spread (thread_wall.h), writes_per_s
// (the writer's rate over the same run). The writer is pinned to the CPU
// after the readers'; when readers + writer exceed the CPUs the label
// says so (on 2 CPUs, 2 readers + writer is already oversubscribed).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <sys/prctl.h>
#include <thread>
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
#include "iovalab/prng.h"
#include "iovalab/rcache.h"
#include "iovalab/scenario.h"
}
#pragma GCC diagnostic pop

const char *const iovalab_bench_subject = "bench-readers";

namespace
{

constexpr uint64_t kSeed = 0x5eadc0de;
constexpr int kWriterRing = 64;

// The populated domain for one (lock, n); rebuilt when either changes.
struct Prepared {
	std::string lock;
	unsigned long n = 0;
	struct iovad *d = nullptr;
	std::vector<unsigned long> pfns; // shuffled, all populated ranges

	~Prepared()
	{
		iovad_destroy(d);
	}
};

std::unique_ptr<Prepared> g_prep;
bench::ThreadWall g_wall;
bench::RunGuard g_guard;

struct Writer {
	struct iovad *d;
	uint64_t pause_ns;
	unsigned cpu_idx;
	std::atomic<bool> stop{ false };
	std::atomic<uint64_t> writes{ 0 };
	std::atomic<bool> failed{ false };
	uint64_t start_ns = 0, end_ns = 0;
	std::thread th;

	void run()
	{
		unsigned long ring[kWriterRing] = {};
		struct lab_prng r;
		uint64_t n = 0;

		bench::lock_thread_online();
		bench::pin_self(cpu_idx);
		prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
		lab_prng_seed(&r, kSeed + 1);
		start_ns = lab_now_ns();
		while (!stop.load(std::memory_order_relaxed)) {
			struct iova_scen_req req;
			unsigned long *slot = &ring[n % kWriterRing];

			if (*slot && iovad_free_iova(d, *slot) != 0) {
				failed = true;
				break;
			}
			iova_scen_draw(&r, IOVA_SCEN_LIMIT48, &req);
			*slot = iovad_alloc_iova(d, req.size, req.limit_pfn,
						 req.size_aligned);
			n++;
			writes.store(n, std::memory_order_relaxed);
			if (pause_ns) {
				struct timespec ts = {
					(time_t)(pause_ns / 1000000000u),
					(long)(pause_ns % 1000000000u)
				};

				clock_nanosleep(CLOCK_MONOTONIC, 0, &ts,
						nullptr);
			}
		}
		end_ns = lab_now_ns();
		for (unsigned long pfn : ring)
			if (pfn)
				iovad_free_iova(d, pfn);
	}
};

std::unique_ptr<Writer> g_writer;

Prepared *prepare(const char *lock, unsigned long n, std::string &err)
{
	if (g_prep && g_prep->lock == lock && g_prep->n == n)
		return g_prep.get();
	g_prep.reset();

	auto p = std::make_unique<Prepared>();
	struct iovad_attr attr;

	p->lock = lock;
	p->n = n;
	iovad_attr_init(&attr);
	attr.alg = IOVA_ALG_ANYLIMIT;
	attr.granule = IOVA_SCEN_GRANULE;
	attr.start_pfn = IOVA_SCEN_START_PFN;
	attr.tree_lock = lock;
	attr.trim_period_ns = 0;
	p->d = iovad_create(&attr);
	if (!p->d) {
		err = std::string("iovad_create: ") + strerror(errno);
		return nullptr;
	}

	int ret = iovad_prefill(p->d, IOVA_SCEN_CHURN, n, kSeed);

	if (ret) {
		err = std::string("iovad_prefill: ") + strerror(-ret);
		return nullptr;
	}
	/* read-only walk: iovad_domain() with the tree lock held */
	struct lab_lock *tl = iovad_tree_lock(p->d);
	struct iova_domain *tree;

	lab_lock(tl);
	tree = iovad_domain(p->d);
	for (struct iova *v = iova_first(tree); v; v = iova_next(tree, v))
		p->pfns.push_back(v->pfn_lo + (v->pfn_hi - v->pfn_lo) / 2);
	lab_unlock(tl);

	struct lab_prng r;
	lab_prng_seed(&r, kSeed);
	for (size_t i = p->pfns.size(); i > 1; i--)
		std::swap(p->pfns[i - 1], p->pfns[lab_prng_below(&r, i)]);
	g_prep = std::move(p);
	return g_prep.get();
}

void bm_find(benchmark::State &state, const char *lock)
{
	const unsigned long n = state.range(0);
	const uint64_t pause_ns = state.range(1);
	const int tid = state.thread_index();
	const int nthreads = state.threads();

	bench::lock_thread_online();
	bench::pin_self(tid);
	if (tid == 0) {
		std::string err;

		g_guard.arm(bench::options().run_budget_s);
		Prepared *p = prepare(lock, n, err);

		// Before the start barrier: the other threads see g_prep and
		// the running writer only after it.
		if (!p) {
			g_writer.reset();
			state.SkipWithError(err.c_str());
		} else {
			g_writer = std::make_unique<Writer>();
			g_writer->d = p->d;
			g_writer->pause_ns = pause_ns;
			g_writer->cpu_idx = nthreads % bench::ncpu();
			g_writer->th =
				std::thread(&Writer::run, g_writer.get());
			if (bench::oversubscribed(nthreads + 1))
				state.SetLabel("oversubscribed: " +
					       std::to_string(nthreads) +
					       " readers + 1 writer on " +
					       std::to_string(bench::ncpu()) +
					       " CPUs");
		}
	}

	uint64_t misses = 0, done = 0;
	const uint64_t iters = state.max_iterations;
	bench::WallSlot &me = g_wall.slots[tid];
	const Prepared *p = nullptr;
	size_t i = 0;

	for (auto _ : state) {
		if (done == 0) {
			// Past the start barrier: thread 0's setup is visible.
			p = g_prep.get();
			if (!p || !g_writer) {
				state.SkipWithError("setup failed in thread 0");
				break;
			}
			i = tid * (p->pfns.size() / nthreads);
			me.start_ns = lab_now_ns();
		}
		if (g_guard.stop(done)) {
			state.SkipWithError(
				g_guard.message(tid, done, iters).c_str());
			break;
		}
		misses += !iovad_find_iova(p->d, p->pfns[i], nullptr, nullptr);
		if (++i == p->pfns.size())
			i = 0;
		if (++done == iters) {
			me.end_ns = lab_now_ns();
			g_guard.leave();
		}
	}
	if (done != iters)
		g_guard.leave();
	state.SetItemsProcessed(state.iterations());
	if (misses)
		state.SkipWithError("a populated range was not found");
	if (tid != 0)
		return;
	// No reader uses the domain any more (one that stopped early skipped
	// the end barrier, hence the wait).
	g_guard.wait_all(nthreads);
	if (!g_writer)
		return;

	g_writer->stop = true;
	g_writer->th.join();
	if (g_writer->failed) {
		state.SkipWithError("writer: free of its own range failed");
	} else if (g_writer->end_ns > g_writer->start_ns) {
		state.counters["writes_per_s"] =
			(double)g_writer->writes.load() * 1e9 /
			(double)(g_writer->end_ns - g_writer->start_ns);
	}
	g_writer.reset();
	if (!g_guard.aborted() && !misses)
		g_wall.report(state, "wall_reads_per_s",
			      iters * (uint64_t)nthreads);
}

} // namespace

void iovalab_bench_teardown()
{
	g_prep.reset();
}

void iovalab_bench_register(const bench::Options &opt)
{
	unsigned long n = opt.quick ? 1000 : 100000;
	std::vector<int> threads;

	if (opt.max_live && opt.max_live < n)
		n = opt.max_live < IOVA_SCEN_MIN_LIVE ? IOVA_SCEN_MIN_LIVE :
							opt.max_live;
	for (int t = 1; t < (int)bench::ncpu(); t *= 2)
		threads.push_back(t);
	threads.push_back(bench::ncpu());
	if (opt.oversub > 1 &&
	    bench::ncpu() * opt.oversub <= bench::kMaxThreads)
		threads.push_back(bench::ncpu() * opt.oversub);

	for (const char *const *p = lab_lock_names; *p; p++) {
		const char *name = *p;

		if (strcmp(name, "rcu") && strcmp(name, "mutex") &&
		    !strstr(name, "rw"))
			continue;
		auto *b = benchmark::RegisterBenchmark(
			("find/" + std::string(name)).c_str(), bm_find, name);
		b->ArgNames({ "n", "wpause" })
			->Args({ (int64_t)n, 0 })
			->Args({ (int64_t)n, 10000 })
			->UseRealTime();
		for (int t : threads)
			b->Threads(t);
	}
}
