/* SPDX-License-Identifier: MIT */
/*
 * Workload scenarios for the tree: deterministic domain populations and
 * the allocation streams measured on them. They feed the complexity table
 * (iova-scenarios), the complexity tests and the tree benchmarks, so every
 * consumer measures the same trees. Construction and rationale of each
 * scenario: core/scenario/README.md.
 *
 * Geometry (granule 4096): dma_32bit_pfn is 2^20; a 32-bit device's
 * limit_pfn is 2^20 - 1, a 40-bit one 2^28 - 1, a 48-bit one 2^36 - 1.
 *
 * Use:
 *	d = iova_domain_create(alg, IOVA_SCEN_GRANULE, IOVA_SCEN_START_PFN);
 *	s = iova_scen_create(d, IOVA_SCEN_HIGH32, 100000, seed);
 *	for (...) {
 *		iova_scen_next(s, &req);
 *		got = alloc_iova(d, req.size, req.limit_pfn, req.size_aligned);
 *		iova_scen_complete(s, got);	// frees one range if got
 *	}
 *
 * or, for every algorithm including btree-pfn (no struct iova), the range
 * API: ret = iova_alloc_range(d, ..., &pfn); iova_scen_complete_pfn(s,
 * !ret, pfn). The scenario itself uses only the range API and free_iova.
 *	iova_scen_destroy(s);
 *	iova_domain_put(d);
 *
 * Everything is a function of (scenario, live, seed) and of the allocator's
 * answers: two runs with the same arguments on the same algorithm issue
 * the same operations. The population is the same tree for every
 * algorithm: it is laid out by the generator (top-down runs of the request
 * mix with random holes) and created with iova_reserve_range(), then
 * IOVA_SCEN_WARMUP unmeasured steps of the stream let per-algorithm state
 * (classic's cached nodes, max32_alloc_size) settle as allocations would
 * have left it.
 *
 * Not thread-safe: one scenario drives one domain from one thread, and the
 * domain must not be changed behind its back.
 */
#ifndef IOVALAB_SCENARIO_H
#define IOVALAB_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "iovalab/iova.h"
#include "iovalab/prng.h"

#define IOVA_SCEN_GRANULE 4096UL
#define IOVA_SCEN_START_PFN 1UL
#define IOVA_SCEN_LIMIT32 ((1UL << 20) - 1)
#define IOVA_SCEN_LIMIT40 ((1UL << 28) - 1)
#define IOVA_SCEN_LIMIT48 ((1UL << 36) - 1)

/* Unmeasured stream steps iova_scen_create() runs after populating. */
#define IOVA_SCEN_WARMUP 32

/* Smallest and largest live counts a scenario accepts. */
#define IOVA_SCEN_MIN_LIVE 64UL
#define IOVA_SCEN_MAX_LIVE (1UL << 24)

enum iova_scenario {
	/* 32-bit allocations; ~97% of live ranges are fragmented 48-bit */
	IOVA_SCEN_HIGH32,
	/* 40-bit allocations on the same domain as high32 */
	IOVA_SCEN_HIGH40,
	/* 32-bit allocations; low 4 GiB ~95% full with scattered holes */
	IOVA_SCEN_FULL32,
	/* 48-bit allocations on fragmented 48-bit space; limit never binds */
	IOVA_SCEN_CHURN,
	/* 48-bit, mostly size-aligned un-rounded sizes; bands of holes long
	 * enough for them but holding no aligned slot */
	IOVA_SCEN_ALIGNED,
	/* the 2022 augmented-rbtree patch's harness: live single pages
	 * packed below 4 GiB, then one random free + one allocation */
	IOVA_SCEN_PENG,
	/* 32-bit-first allocations of 64-bit PCI devices (48-bit fallback):
	 * low 4 GiB nearly full of small ranges, a 48-bit background */
	IOVA_SCEN_FIELD32,
	IOVA_SCEN_NR
};

/* "high32", "high40", "full32", "churn", "aligned", "peng", "field32";
 * NULL-terminated, enum order. */
extern const char *const iova_scenario_names[];
/* Name of @sc, or NULL when out of range. */
const char *iova_scenario_name(enum iova_scenario sc);
/* Index of @name in iova_scenario_names, or -EINVAL. */
int iova_scenario_parse(const char *name);

/* One allocation request of the measured stream. */
struct iova_scen_req {
	unsigned long size;
	unsigned long limit_pfn; /* inclusive, as alloc_iova takes it */
	bool size_aligned;
};

struct iova_scen;

/*
 * Populate @iovad, which must be empty and created with granule
 * IOVA_SCEN_GRANULE and start_pfn IOVA_SCEN_START_PFN, to exactly @live
 * ranges (iova_stats.live == @live) for scenario @sc, using @seed, then
 * run IOVA_SCEN_WARMUP steps of the stream (iova_scen_failures() starts
 * at 0 after them).
 * Returns the scenario, or NULL with errno set: EINVAL (bad scenario, live
 * outside [IOVA_SCEN_MIN_LIVE, IOVA_SCEN_MAX_LIVE], domain not empty or
 * of another geometry), ENOSPC (the layout does not fit below its limit:
 * only peng above 2^20 - 1 live ranges, its single pages packed below
 * 4 GiB), ENOENT (a warm-up free failed: an
 * allocator bug) or ENOMEM (including iova_reserve_range failing). On
 * failure the domain may hold part of the population.
 */
struct iova_scen *iova_scen_create(struct iova_domain *iovad,
				   enum iova_scenario sc, unsigned long live,
				   uint64_t seed);

/* iova_scen_create() without the warm-up: the bare population, the same
 * tree for every algorithm (tests compare it). */
struct iova_scen *iova_scen_create_cold(struct iova_domain *iovad,
					enum iova_scenario sc,
					unsigned long live, uint64_t seed);

/* Free the scenario's bookkeeping; the domain is left as it is. */
void iova_scen_destroy(struct iova_scen *s);

/* The next request of the measured stream (deterministic). */
void iova_scen_next(struct iova_scen *s, struct iova_scen_req *req);

/*
 * Report what alloc_iova returned for the last request from
 * iova_scen_next(). When @got is not NULL it joins the scenario's measured
 * ranges and one other measured range, chosen by the PRNG, is freed with
 * free_iova(), so the domain stays at @live ranges; a failed allocation
 * (NULL) frees nothing, which also keeps @live, except in field32, where
 * the request is first retried under the 48-bit limit, as dma-iommu falls
 * back after its 32-bit attempt, and a success there counts as @got (the
 * fallback's search is not part of the measured allocation; the
 * domain's visit counters then show the fallback's). Returns 0, -EINVAL (no
 * request outstanding) or -ENOENT (the victim's free_iova failed: an
 * allocator bug). The failure counts are in iova_scen_failures().
 */
int iova_scen_complete(struct iova_scen *s, struct iova *got);

/* iova_scen_complete() for the range API: @got and the new range's first
 * pfn (ignored when !@got). The field32 fallback uses iova_alloc_range. */
int iova_scen_complete_pfn(struct iova_scen *s, bool got, unsigned long pfn_lo);

/*
 * iova_scen_next + iova_alloc_range + iova_scen_complete_pfn (every
 * algorithm). Stores the new range's first pfn, or 0 when the allocation
 * failed, in *@pfn_lo when @pfn_lo is not NULL. Returns as
 * iova_scen_complete.
 */
int iova_scen_step(struct iova_scen *s, unsigned long *pfn_lo);

/* The live count the scenario maintains (the @live it was created with). */
unsigned long iova_scen_live(const struct iova_scen *s);
/* Measured allocations that returned NULL so far. */
uint64_t iova_scen_failures(const struct iova_scen *s);
/* The domain the scenario drives. */
struct iova_domain *iova_scen_domain(const struct iova_scen *s);

/*
 * The request-size mix of the scenarios that model cached traffic (mostly
 * 1 page, a tail to 256 pages, 7 in 8 size-aligned as dma-iommu asks),
 * exposed so tests and benchmarks draw from the same distribution.
 * aligned draws its own un-rounded sizes, peng single pages (README).
 */
void iova_scen_draw(struct lab_prng *r, unsigned long limit_pfn,
		    struct iova_scen_req *req);

#endif /* IOVALAB_SCENARIO_H */
