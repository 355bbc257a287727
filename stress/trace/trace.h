/* SPDX-License-Identifier: MIT */
/*
 * A multi-CPU IOVA trace in memory: the events of one domain in time
 * order, each free matched to the allocation it returns (format in
 * README.md). Two readers fill it: the bpftrace capture's output
 * (capture-iova.bt, or the iommu:map proxy) and the lab's own trace
 * format, which trace_write() produces.
 *
 * Reading is strict: a malformed line is "FILE:LINE: what" on stderr and
 * -EINVAL. Frees that match no live allocation (unmatched: never seen
 * allocated; double: already freed) and frees whose size differs from
 * their allocation's are kept, flagged and counted, never dropped.
 */
#ifndef STRESS_TRACE_H
#define STRESS_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Highest CPU number a trace may name (kernel NR_CPUS is at most 8192). */
#define TRACE_MAX_CPU 8191u

enum tev_op { TEV_ALLOC, TEV_FREE };

/* How a free matched (TEV_FREE); allocs are TFREE_OK. */
enum tev_free {
	TFREE_OK, /* frees a live allocation of the same size */
	TFREE_UNMATCHED, /* no allocation of this pfn in the trace */
	TFREE_DOUBLE, /* its allocation was already freed */
	TFREE_SIZE, /* live allocation of another size */
	TFREE_NR
};
extern const char *const tev_free_names[TFREE_NR];

struct tev {
	uint64_t t; /* ns, from the trace's first event */
	uint64_t size; /* pfns as passed to the call */
	uint64_t limit; /* alloc: limit_pfn */
	uint64_t pfn; /* alloc: returned pfn_lo (0: failed); free: pfn */
	/* free (TFREE_OK): index of its alloc; alloc: of its free, or -1 */
	int64_t peer;
	uint32_t cpu;
	uint8_t op; /* enum tev_op */
	uint8_t flush; /* alloc: flush_rcache */
	uint8_t match; /* enum tev_free */
};

struct trace {
	struct tev *ev;
	size_t n, cap;
	uint64_t domain; /* the domain's pointer (0: unknown) */
	char source[64]; /* the capture script, or "iovalab-trace" */
	/* counts over ev[] */
	uint64_t allocs, frees, failed_allocs;
	uint64_t bad_frees[TFREE_NR]; /* [TFREE_OK]: frees that matched */
	uint64_t alloc_of_live; /* alloc returned a pfn still live: a lost free */
	uint64_t lost_events; /* bpftrace "Lost N events" lines */
	uint64_t other_domain_events; /* capture: events of other domains */
	uint32_t ncpus; /* distinct CPUs */
	uint32_t max_cpu;
};

/*
 * Read a bpftrace capture (capture-iova.bt or capture-iommu-map.bt format)
 * from @f (named @name in messages) into @tr, keeping only @domain (0:
 * the only domain present; more than one is an error listing them).
 * @proxy_limit is the limit_pfn given to iommu:map events (which have
 * none). Returns 0, -EINVAL (message printed) or -ENOMEM.
 */
int trace_read_capture(struct trace *tr, FILE *f, const char *name,
		       uint64_t domain, uint64_t proxy_limit);

/* Read the lab's trace format (trace_write's). 0, -EINVAL or -ENOMEM. */
int trace_read(struct trace *tr, FILE *f, const char *name);

/*
 * Read either format, told apart by the first line. 0, -EINVAL, -ENOMEM
 * or -ENOENT (cannot open: message printed). "-" is stdin.
 */
int trace_load(struct trace *tr, const char *path, uint64_t domain,
	       uint64_t proxy_limit);

/* Write @tr in the lab's format. 0 or -EIO. */
int trace_write(const struct trace *tr, FILE *f);

/* --stats: a human-readable summary of @tr on @f. */
void trace_stats(const struct trace *tr, FILE *f);

void trace_free(struct trace *tr);

#endif /* STRESS_TRACE_H */
