// SPDX-License-Identifier: MIT
/*
 * Scenario populations and measured streams (iovalab/scenario.h). The
 * construction and why it models the field reports: README.md here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/scenario.h"

const char *const iova_scenario_names[] = {
	"high32",  "high40", "full32",	"churn",
	"aligned", "peng",   "field32", NULL,
};

const char *iova_scenario_name(enum iova_scenario sc)
{
	if ((unsigned int)sc >= IOVA_SCEN_NR)
		return NULL;
	return iova_scenario_names[sc];
}

int iova_scenario_parse(const char *name)
{
	for (int i = 0; i < IOVA_SCEN_NR; i++)
		if (name && strcmp(name, iova_scenario_names[i]) == 0)
			return i;
	return -EINVAL;
}

/*
 * Request sizes, weights out of 1024: mostly single pages (networking
 * and block I/O map one page at a time), a tail of larger buffers up to
 * 1 MiB, and a few sizes that are not powers of two so size-aligned
 * requests leave alignment holes the searches must skip.
 */
static const struct {
	unsigned short size;
	unsigned short weight;
} size_mix[] = {
	{ 1, 640 }, { 2, 128 }, { 3, 32 },  { 4, 64 },	{ 8, 64 },
	{ 16, 40 }, { 32, 32 }, { 64, 16 }, { 128, 6 }, { 256, 2 },
};

void iova_scen_draw(struct lab_prng *r, unsigned long limit_pfn,
		    struct iova_scen_req *req)
{
	uint64_t w = lab_prng_below(r, 1024);
	size_t i = 0;

	while (w >= size_mix[i].weight) {
		w -= size_mix[i].weight;
		i++;
	}
	req->size = size_mix[i].size;
	req->limit_pfn = limit_pfn;
	/* dma-iommu always aligns; other users (vfio-style) do not */
	req->size_aligned = lab_prng_below(r, 8) != 0;
}

/*
 * The aligned scenario's requests: as when the cache is bypassed, sizes
 * reach the tree un-rounded, so a band m (1..AL_BANDS) request is 2^m
 * pages or a size strictly between 2^m and 2^(m+1) - 1, size-aligned to
 * the next power of two; 1 in 8 is not size-aligned.
 */
#define AL_BANDS 7

static void draw_aligned(struct lab_prng *r, unsigned long limit_pfn,
			 struct iova_scen_req *req)
{
	unsigned int m = 1 + (unsigned int)lab_prng_below(r, AL_BANDS);
	unsigned long lo = (1UL << m) + 1, hi = (1UL << (m + 1)) - 2;

	req->size = 1UL << m;
	if (lo <= hi && lab_prng_below(r, 2))
		req->size = lab_prng_range(r, lo, hi);
	req->limit_pfn = limit_pfn;
	req->size_aligned = lab_prng_below(r, 8) != 0;
}

/*
 * peng: the harness allocates single pages; dma-iommu asks for alignment,
 * which size 1 does not change.
 */
static void draw_page(struct lab_prng *r, unsigned long limit_pfn,
		      struct iova_scen_req *req)
{
	(void)r;
	req->size = 1;
	req->limit_pfn = limit_pfn;
	req->size_aligned = true;
}

/*
 * field32's low 4 GiB is filled by the 64-bit devices' cached traffic
 * (one- and two-page buffers, tried below 4 GiB first), so what frees
 * leave there is small.
 */
static void draw_small(struct lab_prng *r, unsigned long limit_pfn,
		       struct iova_scen_req *req)
{
	req->size = lab_prng_below(r, 4) ? 1 : 2;
	req->limit_pfn = limit_pfn;
	req->size_aligned = lab_prng_below(r, 8) != 0;
}

/*
 * Occupancy knobs. Fragmented parts are built by allocating FRAG_NUM /
 * FRAG_DEN times the live count compactly, then freeing the surplus at
 * random, so the holes have the request mix's sizes.
 */
#define HOLES_HIGH_NUM 2 /* 48-bit parts: half the slots are holes */
#define HOLES_HIGH_DEN 1
#define HOLES_MEAS_NUM 2 /* high32/high40 measured part: same */
#define HOLES_MEAS_DEN 1
#define HOLES_FULL_NUM 20 /* full32 low part: 1 slot in 20 is a hole */
#define HOLES_FULL_DEN 19
#define HOLES_F32_NUM 20 /* field32 low part: 1 slot in 20 is a hole */
#define HOLES_F32_DEN 19
/* Most field32 ranges below 4 GiB: ~1.4 pfns per slot fill 3/4 of it */
#define FIELD32_LOW_MAX (1UL << 19)
/* 1 in MEAS_SHARE live ranges belongs to the high32/high40 device */
#define MEAS_SHARE 32
/*
 * Most full32 ranges the low 4 GiB takes: 2^16 ranges of the mix (mean
 * 5.6 pfns plus alignment padding, ~20/19 slots) use about half of its 2^20
 * pfns, so the population always fits; live counts above this put the
 * rest in a fragmented 48-bit part.
 */
#define FULL32_LOW_MAX (1UL << 16)

struct iova_scen {
	struct iova_domain *iovad;
	enum iova_scenario sc;
	void (*draw)(struct lab_prng *r, unsigned long limit_pfn,
		     struct iova_scen_req *req);
	unsigned long live;
	unsigned long limit; /* measured stream's limit_pfn */
	struct lab_prng rng; /* measured stream */
	unsigned long *meas; /* pfn_lo of each measured-class range */
	size_t nmeas;
	size_t capmeas;
	bool pending;
	struct iova_scen_req last; /* the outstanding request */
	uint64_t failures;
};

static int meas_push(struct iova_scen *s, unsigned long pfn)
{
	if (s->nmeas == s->capmeas) {
		size_t cap = s->capmeas ? 2 * s->capmeas : 1024;
		unsigned long *m = realloc(s->meas, cap * sizeof(*m));

		if (!m)
			return -ENOMEM;
		s->meas = m;
		s->capmeas = cap;
	}
	s->meas[s->nmeas++] = pfn;
	return 0;
}

/*
 * Lay out @count * num / den ranges of the request mix top-down from
 * @limit, each directly below the previous one at the alignment it asks
 * for (what a run of allocations into empty space does, alignment holes
 * included), then keep @count of them chosen at random: the rest are the
 * holes that frees would have left. The kept ranges are created with
 * iova_reserve_range(), so the tree is the same whatever the algorithm (highest
 * fit and classic's first fit would place mixed alignments differently).
 * With @keep, the kept ranges become the measured class. Stores the
 * lowest pfn laid out in *@lowest.
 */
static int reserve_one(struct iova_scen *s, unsigned long lo, unsigned long hi,
		       bool keep)
{
	if (iova_reserve_range(s->iovad, lo, hi, NULL))
		return -ENOMEM;
	return keep ? meas_push(s, lo) : 0;
}

static int populate_part(struct iova_scen *s, struct lab_prng *r,
			 void (*draw)(struct lab_prng *, unsigned long,
				      struct iova_scen_req *),
			 unsigned long count, unsigned long num,
			 unsigned long den, unsigned long limit, bool keep,
			 unsigned long *lowest)
{
	unsigned long start = iova_domain_start_pfn(s->iovad);
	unsigned long total = count + (count * (num - den) + den - 1) / den;
	unsigned long *lo = malloc(total * sizeof(*lo));
	unsigned long *hi = malloc(total * sizeof(*hi));
	unsigned long top = limit; /* highest free pfn so far */
	struct iova_scen_req req;
	int ret = 0;

	if (!count || !lo || !hi) {
		ret = count ? -ENOMEM : -EINVAL;
		goto out;
	}
	for (unsigned long i = 0; i < total; i++) {
		unsigned long align = 1, p;

		draw(r, limit, &req);
		if (req.size_aligned)
			while (align < req.size)
				align <<= 1;
		if (top < start || top - start + 1 < req.size) {
			ret = -ENOSPC;
			goto out;
		}
		p = (top - req.size + 1) & ~(align - 1);
		if (p < start) {
			ret = -ENOSPC;
			goto out;
		}
		lo[i] = p;
		hi[i] = p + req.size - 1;
		top = p - 1;
	}
	if (lowest)
		*lowest = top + 1;
	/* Partial Fisher-Yates: the first total - count slots are holes. */
	for (unsigned long i = 0; i < total - count; i++) {
		unsigned long j = i + lab_prng_below(r, total - i), t;

		t = lo[i], lo[i] = lo[j], lo[j] = t;
		t = hi[i], hi[i] = hi[j], hi[j] = t;
	}
	for (unsigned long i = total - count; i < total; i++) {
		if (iova_reserve_range(s->iovad, lo[i], hi[i], NULL)) {
			ret = -ENOMEM;
			goto out;
		}
		if (keep) {
			ret = meas_push(s, lo[i]);
			if (ret)
				goto out;
		}
	}
out:
	free(lo);
	free(hi);
	return ret;
}

/*
 * aligned: bands of holes that are long enough for a band's requests but
 * hold no aligned slot for them. In band m every hole is 2^(m+1) - 2 pfns
 * starting one pfn above a multiple of W = 2^(m+1), between two-pfn
 * ranges that straddle the multiples of W:
 *
 *      b - W        b - W + 1 ........ b - 2     b - 1, b
 *   ..[rng]            hole: W - 2 pfns           [rng]..
 *
 * Its largest aligned block is 2^(m-1), so it holds no slot for 2^m
 * aligned, nor for a size between 2^m and W - 2 (aligned to W), though it
 * is long enough for all of them; smaller requests fit. Band 1 sits at the
 * top, band AL_BANDS lowest, so a band m request passes every band m hole
 * (the bands above are too short to tempt a gap-only search) before the
 * first fit in band m + 1. The bands hold live - live/MEAS_SHARE ranges,
 * never freed; the measured part (live/MEAS_SHARE ranges of the request
 * mix, fragmented) lies below them.
 */
static int populate_aligned(struct iova_scen *s, struct lab_prng *r)
{
	unsigned long start = iova_domain_start_pfn(s->iovad);
	unsigned long meas = s->live / MEAS_SHARE, bg = s->live - meas;
	unsigned long b = s->limit + 1; /* 2^36: a multiple of every W */
	int ret;

	/* the top pair closes the space under the limit */
	ret = reserve_one(s, s->limit - 1, s->limit, false);
	if (ret)
		return ret;
	bg--;
	for (unsigned int m = 1; m <= AL_BANDS; m++) {
		unsigned long w = 1UL << (m + 1);
		unsigned long cnt = bg / AL_BANDS + (m <= bg % AL_BANDS);

		/* the range at b must start below the limit: first b - w */
		if (m == 1)
			b -= w;
		else
			b &= ~(w - 1); /* keeps the hole above a band hole */
		for (unsigned long i = 0; i < cnt; i++, b -= w) {
			if (b - 1 < start + w)
				return -ENOSPC;
			ret = reserve_one(s, b - 1, b, false);
			if (ret)
				return ret;
		}
	}
	return populate_part(s, r, s->draw, meas, HOLES_MEAS_NUM,
			     HOLES_MEAS_DEN, b - 2, true, NULL);
}

/*
 * field32: the low 4 GiB nearly full of small ranges (1 slot in 20 a hole,
 * everything under them reserved) holding half the live ranges (at most
 * FIELD32_LOW_MAX), the rest a fragmented 48-bit background. The measured
 * class is the low part plus what the stream allocates, its 48-bit
 * fallbacks included (iova_scen_complete()).
 */
static int populate_field32(struct iova_scen *s, struct lab_prng *r)
{
	unsigned long start = iova_domain_start_pfn(s->iovad);
	unsigned long low = s->live / 2, high, bottom;
	int ret = 0;

	if (low > FIELD32_LOW_MAX)
		low = FIELD32_LOW_MAX;
	high = s->live - 1 - low;
	if (high)
		ret = populate_part(s, r, iova_scen_draw, high, HOLES_HIGH_NUM,
				    HOLES_HIGH_DEN, IOVA_SCEN_LIMIT48, false,
				    NULL);
	if (!ret)
		ret = populate_part(s, r, draw_small, low, HOLES_F32_NUM,
				    HOLES_F32_DEN, s->limit, true, &bottom);
	if (ret)
		return ret;
	if (bottom <= start)
		return -ENOSPC;
	return reserve_one(s, start, bottom - 1, false);
}

static int populate(struct iova_scen *s, uint64_t seed)
{
	unsigned long start = iova_domain_start_pfn(s->iovad);
	unsigned long live = s->live, meas, high, low;
	struct lab_prng r;
	int ret;

	lab_prng_seed(&r, seed);
	switch (s->sc) {
	case IOVA_SCEN_HIGH32:
	case IOVA_SCEN_HIGH40:
		meas = live / MEAS_SHARE;
		high = live - meas;
		ret = populate_part(s, &r, s->draw, high, HOLES_HIGH_NUM,
				    HOLES_HIGH_DEN, IOVA_SCEN_LIMIT48, false,
				    NULL);
		if (!ret)
			ret = populate_part(s, &r, s->draw, meas,
					    HOLES_MEAS_NUM, HOLES_MEAS_DEN,
					    s->limit, true, NULL);
		return ret;
	case IOVA_SCEN_FULL32:
		/* one range is the reservation under the low window */
		meas = live - 1 < FULL32_LOW_MAX ? live - 1 : FULL32_LOW_MAX;
		high = live - 1 - meas;
		ret = 0;
		if (high)
			ret = populate_part(s, &r, s->draw, high,
					    HOLES_HIGH_NUM, HOLES_HIGH_DEN,
					    IOVA_SCEN_LIMIT48, false, NULL);
		if (!ret)
			ret = populate_part(s, &r, s->draw, meas,
					    HOLES_FULL_NUM, HOLES_FULL_DEN,
					    s->limit, true, &low);
		if (ret)
			return ret;
		/*
		 * Everything under the window is reserved, as firmware
		 * regions and PCI windows are, so the low space is full
		 * but for the scattered holes.
		 */
		if (low <= start)
			return -ENOSPC;
		if (iova_reserve_range(s->iovad, start, low - 1, NULL))
			return -ENOMEM;
		return 0;
	case IOVA_SCEN_CHURN:
		return populate_part(s, &r, s->draw, live, HOLES_HIGH_NUM,
				     HOLES_HIGH_DEN, IOVA_SCEN_LIMIT48, true,
				     NULL);
	case IOVA_SCEN_ALIGNED:
		return populate_aligned(s, &r);
	case IOVA_SCEN_FIELD32:
		return populate_field32(s, &r);
	case IOVA_SCEN_PENG:
		/* the harness's fill: single pages, top-down, packed */
		if (live > s->limit - start + 1)
			return -ENOSPC;
		for (unsigned long i = 0; i < live; i++) {
			ret = reserve_one(s, s->limit - i, s->limit - i, true);
			if (ret)
				return ret;
		}
		return 0;

	default:
		return -EINVAL;
	}
}

static struct iova_scen *create(struct iova_domain *iovad,
				enum iova_scenario sc, unsigned long live,
				uint64_t seed, unsigned int warmup)
{
	static const unsigned long limits[IOVA_SCEN_NR] = {
		[IOVA_SCEN_HIGH32] = IOVA_SCEN_LIMIT32,
		[IOVA_SCEN_HIGH40] = IOVA_SCEN_LIMIT40,
		[IOVA_SCEN_FULL32] = IOVA_SCEN_LIMIT32,
		[IOVA_SCEN_CHURN] = IOVA_SCEN_LIMIT48,
		[IOVA_SCEN_ALIGNED] = IOVA_SCEN_LIMIT48,
		[IOVA_SCEN_PENG] = IOVA_SCEN_LIMIT32,
		[IOVA_SCEN_FIELD32] = IOVA_SCEN_LIMIT32,
	};
	struct iova_stats st;
	struct iova_scen *s;
	int ret;

	if (!iovad || (unsigned int)sc >= IOVA_SCEN_NR ||
	    live < IOVA_SCEN_MIN_LIVE || live > IOVA_SCEN_MAX_LIVE ||
	    iova_domain_start_pfn(iovad) != IOVA_SCEN_START_PFN ||
	    iova_domain_dma_32bit_pfn(iovad) != IOVA_SCEN_LIMIT32 + 1) {
		errno = EINVAL;
		return NULL;
	}
	iova_domain_stats(iovad, &st);
	if (st.live) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->iovad = iovad;
	s->sc = sc;
	s->live = live;
	s->limit = limits[sc];
	s->draw = sc == IOVA_SCEN_ALIGNED ? draw_aligned :
		  sc == IOVA_SCEN_PENG	  ? draw_page :
					    iova_scen_draw;
	/* the stream's generator is independent of the population's */
	lab_prng_seed(&s->rng, seed ^ 0x5ce9a710a11cULL);
	ret = populate(s, seed);
	for (unsigned int i = 0; !ret && i < warmup; i++)
		ret = iova_scen_step(s, NULL);
	if (ret) {
		iova_scen_destroy(s);
		errno = -ret;
		return NULL;
	}
	s->failures = 0;
	return s;
}

struct iova_scen *iova_scen_create(struct iova_domain *iovad,
				   enum iova_scenario sc, unsigned long live,
				   uint64_t seed)
{
	return create(iovad, sc, live, seed, IOVA_SCEN_WARMUP);
}

struct iova_scen *iova_scen_create_cold(struct iova_domain *iovad,
					enum iova_scenario sc,
					unsigned long live, uint64_t seed)
{
	return create(iovad, sc, live, seed, 0);
}

void iova_scen_destroy(struct iova_scen *s)
{
	if (!s)
		return;
	free(s->meas);
	free(s);
}

void iova_scen_next(struct iova_scen *s, struct iova_scen_req *req)
{
	s->draw(&s->rng, s->limit, req);
	s->last = *req;
	s->pending = true;
}

int iova_scen_complete_pfn(struct iova_scen *s, bool got, unsigned long pfn_lo)
{
	size_t victim;
	unsigned long pfn;

	if (!s->pending)
		return -EINVAL;
	s->pending = false;
	if (!got) {
		s->failures++;
		if (s->sc != IOVA_SCEN_FIELD32)
			return 0;
		/* dma-iommu's fallback after the 32-bit attempt failed */
		if (iova_alloc_range(s->iovad, s->last.size, IOVA_SCEN_LIMIT48,
				     s->last.size_aligned, &pfn_lo))
			return 0;
	}
	/* chosen before the new range joins, so it never frees that one */
	victim = lab_prng_below(&s->rng, s->nmeas);
	pfn = s->meas[victim];
	s->meas[victim] = pfn_lo;
	return free_iova(s->iovad, pfn) ? -ENOENT : 0;
}

int iova_scen_complete(struct iova_scen *s, struct iova *got)
{
	return iova_scen_complete_pfn(s, got, got ? got->pfn_lo : 0);
}

int iova_scen_step(struct iova_scen *s, unsigned long *pfn_lo)
{
	struct iova_scen_req req;
	unsigned long pfn = 0;
	bool got;

	iova_scen_next(s, &req);
	got = !iova_alloc_range(s->iovad, req.size, req.limit_pfn,
				req.size_aligned, &pfn);
	if (pfn_lo)
		*pfn_lo = got ? pfn : 0;
	return iova_scen_complete_pfn(s, got, pfn);
}

unsigned long iova_scen_live(const struct iova_scen *s)
{
	return s->live;
}

uint64_t iova_scen_failures(const struct iova_scen *s)
{
	return s->failures;
}

struct iova_domain *iova_scen_domain(const struct iova_scen *s)
{
	return s->iovad;
}
