// SPDX-License-Identifier: MIT
//
// Shared main() of the benchmark binaries: strips iovalab's own flags,
// loads the topology and pins the main thread (core/harness topo.h),
// records the run context (core/harness meta.h's meta object, plus the
// iovalab_* keys bench/ and results/ read) and hands the rest of argv to
// Google Benchmark.
#include "bench_common.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

// The C headers carry no extern "C" guard of their own.
extern "C" {
#include "iovalab/clock.h"
#include "iovalab/harness/cli.h"
#include "iovalab/harness/meta.h"
#include "iovalab/json.h"
#include "iovalab_build.h"
}

namespace bench
{
namespace
{

Options g_opt;
struct lab_topo *g_topo;

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
		"  --pin=MODE       compact (default), scatter or none: where "
		"thread i runs\n"
		"  --no-pin         --pin=none\n"
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

// The value of "--NAME=VALUE" if @a is that option, else nullptr.
const char *value_of(const char *a, const char *name)
{
	size_t n = std::strlen(name);

	if (std::strncmp(a, "--", 2) || std::strncmp(a + 2, name, n) ||
	    a[2 + n] != '=')
		return nullptr;
	return a + 3 + n;
}

// A usage error exits 2 after the harness's one line (cli.h).
void check(int rc)
{
	if (rc)
		std::exit(rc);
}

void parse_options(int &argc, char **argv)
{
	const char *env = std::getenv("IOVALAB_BENCH_QUICK");
	bool budget_set = false;

	lab_cli_tool(iovalab_bench_subject);
	if (env && *env && std::strcmp(env, "0") != 0)
		g_opt.quick = true;
	for (int i = 1; i < argc;) {
		const char *a = argv[i], *v;
		uint64_t n;

		if (!std::strcmp(a, "--quick")) {
			g_opt.quick = true;
		} else if (!std::strcmp(a, "--no-pin")) {
			g_opt.pin = LAB_PIN_NONE;
		} else if ((v = value_of(a, "pin"))) {
			check(lab_cli_pin("pin", v, &g_opt.pin));
		} else if ((v = value_of(a, "max-live"))) {
			check(lab_cli_u64("max-live", v, 1, UINT64_MAX, &n));
			g_opt.max_live = n;
		} else if ((v = value_of(a, "oversub"))) {
			check(lab_cli_u64("oversub", v, 0, 64, &n));
			g_opt.oversub = (unsigned)n;
		} else if ((v = value_of(a, "run-budget"))) {
			check(lab_cli_seconds("run-budget", v, false, 3600,
					      &g_opt.run_budget_s));
			budget_set = true;
		} else if (!std::strcmp(a, "--help") || !std::strcmp(a, "-h")) {
			print_help();
			i++;
			continue; // Google Benchmark prints its part and exits
		} else if (!std::strncmp(a, "--max-live", 10) ||
			   !std::strncmp(a, "--oversub", 9) ||
			   !std::strncmp(a, "--run-budget", 12) ||
			   !std::strncmp(a, "--pin", 5)) {
			check(lab_cli_bad("%s: needs =VALUE", a));
		} else {
			i++;
			continue;
		}
		drop_arg(argc, argv, i);
	}
	if (g_opt.quick && !budget_set)
		g_opt.run_budget_s = 1.0;
}

// The meta object every iovalab tool writes, as one JSON string in
// Google Benchmark's context ("iovalab_meta"): its context is flat
// strings, so the object rides as text; results/ parses it.
std::string meta_json(int argc, char **argv)
{
	static const struct lab_build_info build = LAB_BUILD_INFO;
	struct lab_meta m = {};
	struct lab_json j;
	char *buf = nullptr;
	size_t len = 0;
	std::string s;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return s;
	m.tool = iovalab_bench_subject;
	m.argc = argc;
	m.argv = argv;
	m.build = &build;
	m.topo = g_topo;
	m.threads = 0; // each benchmark names its own thread count
	m.pin = g_opt.pin;
	m.timer_overhead_ns = lab_clock_overhead_ns(10000);
	lab_json_init(&j, f);
	lab_json_object_begin(&j, nullptr);
	lab_meta_write(&j, &m);
	lab_json_object_end(&j);
	if (!lab_json_finish(&j))
		s.assign(buf, len);
	std::fclose(f);
	std::free(buf);
	return s;
}

} // namespace

const Options &options()
{
	return g_opt;
}

unsigned ncpu()
{
	return lab_topo_pus(g_topo);
}

bool pin_self(unsigned idx)
{
	struct lab_pin p;

	lab_pin_plan(g_topo, g_opt.pin, idx, &p);
	return p.pinned && lab_pin_apply(g_topo, &p) == 0;
}

bool oversubscribed(unsigned threads)
{
	return lab_topo_oversubscribed(g_topo, threads);
}

} // namespace bench

int main(int argc, char **argv)
{
	// argv as given, for the meta object, before the options come out
	std::vector<char *> given(argv, argv + argc);

	bench::parse_options(argc, argv);
	bench::g_topo = lab_topo_load(iovalab_bench_subject);
	if (!bench::g_topo)
		return 1;

	std::string order;
	for (unsigned i = 0; i < bench::ncpu(); i++) {
		unsigned logical, os;

		if (lab_topo_place(bench::g_topo, LAB_PIN_COMPACT, i, &logical,
				   &os))
			order +=
				(order.empty() ? "" : ",") + std::to_string(os);
	}
	benchmark::AddCustomContext("iovalab_subject", iovalab_bench_subject);
	benchmark::AddCustomContext("iovalab_meta",
				    bench::meta_json((int)given.size(),
						     given.data()));
	benchmark::AddCustomContext("iovalab_build_type", LAB_BUILD_TYPE);
	benchmark::AddCustomContext("iovalab_commit", LAB_BUILD_COMMIT);
	benchmark::AddCustomContext("iovalab_quick",
				    bench::g_opt.quick ? "true" : "false");
	benchmark::AddCustomContext("iovalab_pinned",
				    bench::g_opt.pin != LAB_PIN_NONE ? "true" :
								       "false");
	benchmark::AddCustomContext("iovalab_pin",
				    lab_pin_mode_names[bench::g_opt.pin]);
	benchmark::AddCustomContext("iovalab_cpu_order", order);
	benchmark::AddCustomContext(
		"iovalab_physical_cores",
		std::to_string(lab_topo_cores(bench::g_topo)));
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
	if (bench::g_opt.pin != LAB_PIN_NONE && !bench::pin_self(0))
		std::fprintf(stderr, "%s: warning: cannot pin main thread\n",
			     iovalab_bench_subject);
	iovalab_bench_register(bench::g_opt);
	benchmark::RunSpecifiedBenchmarks();
	iovalab_bench_teardown();
	benchmark::Shutdown();
	lab_topo_free(bench::g_topo);
	return 0;
}
