// SPDX-License-Identifier: MIT
/*
 * iova-trace: kernel IOVA traces for the lab (README.md).
 *
 *   iova-trace convert [options] CAPTURE   capture -> the lab's format
 *   iova-trace stats [options] TRACE       what a trace holds
 *   iova-trace replay [options] TRACE      per-CPU replay (replay_*.c)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/parse.h"
#include "replay.h"
#include "trace.h"

/* dma-iommu's 64-bit mask in a 48-bit aperture, 4 KiB pages */
#define DEFAULT_PROXY_LIMIT ((1ull << 36) - 1)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: iova-trace convert [--domain PTR] [--proxy-limit PFN] "
		"[--stats] [-o OUT] CAPTURE\n"
		"       iova-trace stats [--domain PTR] [--proxy-limit PFN] "
		"TRACE\n"
		"       iova-trace replay [options] TRACE   (replay --help)\n"
		"CAPTURE is capture-iova.bt (or capture-iommu-map.bt) output, "
		"TRACE that or\n"
		"the lab's trace format; '-' is stdin. See "
		"stress/trace/README.md.\n"
		"  --domain PTR       keep this domain (needed when the "
		"capture has several)\n"
		"  --proxy-limit PFN  limit_pfn given to iommu:map events "
		"(default 0x%llx)\n"
		"  --stats            convert: also print the statistics on "
		"stderr\n"
		"  -o OUT             convert: write OUT, not stdout\n",
		(unsigned long long)DEFAULT_PROXY_LIMIT);
}

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "iova-trace: %s%s%s (see --help)\n", what,
		arg ? ": " : "", arg ? arg : "");
	return 2;
}

/* One line for the frees the converter had to flag. */
static void summary(const struct trace *tr)
{
	fprintf(stderr,
		"iova-trace: %zu events on %u CPUs; frees: %llu unmatched, "
		"%llu double, %llu size mismatches (kept, flagged); %llu "
		"lost by bpftrace\n",
		tr->n, tr->ncpus,
		(unsigned long long)tr->bad_frees[TFREE_UNMATCHED],
		(unsigned long long)tr->bad_frees[TFREE_DOUBLE],
		(unsigned long long)tr->bad_frees[TFREE_SIZE],
		(unsigned long long)tr->lost_events);
}

static int convert_or_stats(int argc, char **argv, bool convert)
{
	uint64_t domain = 0, proxy_limit = DEFAULT_PROXY_LIMIT;
	const char *in = NULL, *out = NULL;
	bool stats = !convert;
	struct trace tr;
	FILE *f = stdout;
	int ret;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--stats") && convert) {
			stats = true;
			continue;
		}
		if (!strcmp(a, "--domain") || !strcmp(a, "--proxy-limit") ||
		    (!strcmp(a, "-o") && convert)) {
			if (i + 1 == argc)
				return usage_error("missing value for", a);
			if (!strcmp(a, "-o")) {
				out = argv[++i];
				continue;
			}
			if (lab_parse_u64(argv[++i], !strcmp(a, "--domain") ?
							     &domain :
							     &proxy_limit))
				return usage_error("not a number", argv[i]);
			if (!strcmp(a, "--domain") && !domain)
				return usage_error("--domain must not be 0",
						   argv[i]);
			continue;
		}
		if (a[0] == '-' && a[1])
			return usage_error("unknown option", a);
		if (in)
			return usage_error("more than one input", a);
		in = a;
	}
	if (!in)
		return usage_error("no input file", NULL);
	ret = trace_load(&tr, in, domain, proxy_limit);
	if (ret)
		return ret == -ENOMEM ? 1 : 2;
	if (convert) {
		if (out && strcmp(out, "-") && !(f = fopen(out, "w"))) {
			fprintf(stderr, "iova-trace: cannot open %s: %s\n", out,
				strerror(errno));
			trace_free(&tr);
			return 2;
		}
		ret = trace_write(&tr, f);
		if (f != stdout && fclose(f))
			ret = -EIO;
		if (ret) {
			fprintf(stderr, "iova-trace: writing %s failed\n",
				out ? out : "stdout");
			if (f != stdout)
				remove(out);
			trace_free(&tr);
			return 1;
		}
		summary(&tr);
	}
	if (stats)
		trace_stats(&tr, convert ? stderr : stdout);
	trace_free(&tr);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("no command (convert, stats, replay)", NULL);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "convert"))
		return convert_or_stats(argc - 1, argv + 1, true);
	if (!strcmp(argv[1], "stats"))
		return convert_or_stats(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "replay"))
		return replay_main(argc - 1, argv + 1);
	return usage_error("unknown command", argv[1]);
}
