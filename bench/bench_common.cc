// SPDX-License-Identifier: MIT
//
// Shared main() of the benchmark binaries: strips iovalab's own flags,
// records the run context, pins the main thread and hands the rest of argv
// to Google Benchmark.
#include "bench_common.h"

#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <pthread.h>
#include <sched.h>

#include <hwloc.h>

// The C headers carry no extern "C" guard of their own.
extern "C" {
#include "iovalab/parse.h"
}

#ifndef IOVALAB_BUILD_TYPE
#define IOVALAB_BUILD_TYPE "unknown"
#endif
#ifndef IOVALAB_GIT_COMMIT
#define IOVALAB_GIT_COMMIT "unknown"
#endif

namespace bench
{
namespace
{

Options g_opt;
std::vector<unsigned> g_cpus;
unsigned g_cores;

// Cores first, SMT siblings after: the same order iova-stress pins in, so a
// 2-thread benchmark never shares a core while a free core exists.
void discover_cpus()
{
	hwloc_topology_t topo;

	if (hwloc_topology_init(&topo) || hwloc_topology_load(topo)) {
		std::fprintf(stderr, "bench: hwloc topology failed\n");
		std::exit(1);
	}
	int ncore = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	unsigned round = 0;
	bool more = true;

	if (ncore <= 0) {
		// No core objects (some VMs): every PU is its own core.
		int npu = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);

		for (int i = 0; i < npu; i++) {
			hwloc_obj_t pu =
				hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, i);

			g_cpus.push_back(pu->os_index);
		}
		g_cores = g_cpus.size();
	} else {
		g_cores = ncore;
	}
	while (ncore > 0 && more) {
		more = false;
		for (int c = 0; c < ncore; c++) {
			hwloc_obj_t core =
				hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, c);
			hwloc_obj_t pu = hwloc_get_obj_inside_cpuset_by_type(
				topo, core->cpuset, HWLOC_OBJ_PU, round);

			if (pu) {
				g_cpus.push_back(pu->os_index);
				more = true;
			}
		}
		round++;
	}
	hwloc_topology_destroy(topo);
	if (g_cpus.empty()) {
		std::fprintf(stderr, "bench: no usable CPU found\n");
		std::exit(1);
	}
}

[[noreturn]] void usage_error(const char *msg, const char *arg)
{
	std::fprintf(stderr, "%s: %s '%s' (try --help)\n",
		     iovalab_bench_subject, msg, arg);
	std::exit(2);
}

void print_help()
{
	std::printf(
		"%s: iovalab microbenchmarks (Google Benchmark)\n"
		"\n"
		"iovalab options (everything else goes to Google Benchmark):\n"
		"  --quick          small sizes, short runs (smoke test; do not "
		"quote)\n"
		"                   also set by IOVALAB_BENCH_QUICK=1\n"
		"  --max-live=N     register tree sizes up to N live ranges only\n"
		"  --no-pin         do not pin threads to CPUs\n"
		"  --oversub=K      extra oversubscribed point at K x CPUs threads "
		"(default 2, 0 = none)\n"
		"  --run-budget=S   stop a threaded run that collapses after S s "
		"and report it as an error (default 5, --quick 1)\n"
		"\n"
		"Useful Google Benchmark flags: --benchmark_filter=REGEX "
		"--benchmark_list_tests\n"
		"  --benchmark_min_time=S --benchmark_repetitions=N "
		"--benchmark_report_aggregates_only=true\n"
		"  --benchmark_out=FILE --benchmark_out_format=json\n"
		"\n",
		iovalab_bench_subject);
}

// Removes argv[i] in place; argc shrinks by one.
void drop_arg(int &argc, char **argv, int i)
{
	for (int j = i; j < argc - 1; j++)
		argv[j] = argv[j + 1];
	argv[--argc] = nullptr;
}

void parse_options(int &argc, char **argv)
{
	const char *env = std::getenv("IOVALAB_BENCH_QUICK");

	bool budget_set = false;

	if (env && *env && std::strcmp(env, "0") != 0)
		g_opt.quick = true;
	for (int i = 1; i < argc;) {
		const char *a = argv[i];
		uint64_t v;

		if (!std::strcmp(a, "--quick")) {
			g_opt.quick = true;
		} else if (!std::strcmp(a, "--no-pin")) {
			g_opt.pin = false;
		} else if (!std::strncmp(a, "--max-live=", 11)) {
			if (lab_parse_u64(a + 11, &v) || v < 1)
				usage_error("bad --max-live value", a);
			g_opt.max_live = v;
		} else if (!std::strncmp(a, "--oversub=", 10)) {
			if (lab_parse_u64(a + 10, &v) || v > 64)
				usage_error("bad --oversub value (0..64)", a);
			g_opt.oversub = (unsigned)v;
		} else if (!std::strncmp(a, "--run-budget=", 13)) {
			double s;

			if (lab_parse_seconds(a + 13, &s) || s <= 0)
				usage_error(
					"bad --run-budget value (seconds > 0)",
					a);
			g_opt.run_budget_s = s;
			budget_set = true;
		} else if (!std::strcmp(a, "--help") || !std::strcmp(a, "-h")) {
			print_help();
			i++;
			continue; // Google Benchmark prints its part and exits
		} else if (!std::strncmp(a, "--max-live", 10) ||
			   !std::strncmp(a, "--oversub", 9) ||
			   !std::strncmp(a, "--run-budget", 12)) {
			usage_error("option needs =VALUE", a);
		} else {
			i++;
			continue;
		}
		drop_arg(argc, argv, i);
	}
	if (g_opt.quick && !budget_set)
		g_opt.run_budget_s = 1.0;
}

} // namespace

const Options &options()
{
	return g_opt;
}

const std::vector<unsigned> &cpu_order()
{
	return g_cpus;
}

unsigned ncpu()
{
	return g_cpus.size();
}

unsigned ncores()
{
	return g_cores;
}

bool pin_self(unsigned idx)
{
	cpu_set_t set;

	if (!g_opt.pin)
		return false;
	CPU_ZERO(&set);
	CPU_SET(g_cpus[idx % g_cpus.size()], &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

std::string oversub_label(int threads)
{
	if (threads <= (int)ncpu())
		return "";
	return "oversubscribed: " + std::to_string(threads) + " threads on " +
	       std::to_string(ncpu()) + " CPUs";
}

} // namespace bench

int main(int argc, char **argv)
{
	bench::parse_options(argc, argv);
	bench::discover_cpus();

	std::string order;
	for (unsigned c : bench::g_cpus)
		order += (order.empty() ? "" : ",") + std::to_string(c);
	benchmark::AddCustomContext("iovalab_subject", iovalab_bench_subject);
	benchmark::AddCustomContext("iovalab_build_type", IOVALAB_BUILD_TYPE);
	benchmark::AddCustomContext("iovalab_commit", IOVALAB_GIT_COMMIT);
	benchmark::AddCustomContext("iovalab_quick",
				    bench::g_opt.quick ? "true" : "false");
	benchmark::AddCustomContext("iovalab_pinned",
				    bench::g_opt.pin ? "true" : "false");
	benchmark::AddCustomContext("iovalab_cpu_order", order);
	benchmark::AddCustomContext("iovalab_physical_cores",
				    std::to_string(bench::g_cores));
#ifdef NDEBUG
	benchmark::AddCustomContext("iovalab_bench_ndebug", "true");
#else
	benchmark::AddCustomContext("iovalab_bench_ndebug", "false");
#endif

	// Default run length per benchmark, lower than the library's 0.5 s so
	// the whole suite fits in minutes; a --benchmark_min_time on the
	// command line still wins (benchmarks never set MinTime themselves).
	std::vector<char *> args(argv, argv + argc);
	bool has_min_time = false;
	for (int i = 1; i < argc; i++)
		if (!std::strncmp(argv[i], "--benchmark_min_time", 20))
			has_min_time = true;
	std::string min_time = std::string("--benchmark_min_time=") +
			       (bench::g_opt.quick ? "0.01" : "0.2");
	if (!has_min_time)
		args.insert(args.begin() + 1, &min_time[0]);
	args.push_back(nullptr);
	argc = (int)args.size() - 1;
	argv = args.data();

	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 2;
	if (bench::g_opt.pin && !bench::pin_self(0))
		std::fprintf(stderr, "%s: warning: cannot pin main thread\n",
			     iovalab_bench_subject);
	iovalab_bench_register(bench::g_opt);
	benchmark::RunSpecifiedBenchmarks();
	iovalab_bench_teardown();
	benchmark::Shutdown();
	return 0;
}
