// SPDX-License-Identifier: MIT
/*
 * The domain's object cache (core/src/slab.h) on its own: objects distinct,
 * line-aligned, zeroed, counted; emptied pages kept resident up to
 * LAB_SLAB_POOL and only the rest given back, and those really not
 * resident afterwards (mincore); objects released from
 * another thread (the deferred-free path) taken back by the next
 * allocations, with no page given back while the pool has room (a batch of
 * deferred frees must not cost a page fault per page afterwards).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"
#include "slab.h"

#define OBJ 64
/* a deferred-free batch: pages' worth of objects, fewer than the pool */
#define BATCH_PAGES 32
/* pages' worth of objects: more than the pool (and a batch) holds */
#define BIG_PAGES \
	((LAB_SLAB_POOL > BATCH_PAGES ? LAB_SLAB_POOL : BATCH_PAGES) + 10)

struct batch {
	void **objs;
	size_t n;
};

static void *release_all(void *arg)
{
	struct batch *b = arg;

	for (size_t i = 0; i < b->n; i++)
		lab_slab_release(b->objs[i]);
	return NULL;
}

/* Pages of @objs (one per page's first object) not resident in memory. */
static size_t pages_gone(void **objs, size_t n, unsigned int per)
{
	size_t gone = 0;

	for (size_t i = 0; i < n; i += per) {
		void *page =
			(void *)((uintptr_t)objs[i] & ~(LAB_SLAB_PAGE - 1));
		unsigned char v = 1;

		CHECK(!mincore(page, LAB_SLAB_PAGE, &v), "mincore");
		gone += !(v & 1);
	}
	return gone;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (void *const *)a;
	uintptr_t y = (uintptr_t) * (void *const *)b;

	return (x > y) - (x < y);
}

static void fill(struct lab_slab *s, void **objs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char *o = lab_slab_alloc(s);

		CHECK(o, "allocation %zu failed", i);
		if (!o)
			exit(1);
		CHECK(((uintptr_t)o & 63) == 0, "object %p not line-aligned",
		      (void *)o);
		for (size_t b = 0; b < OBJ; b++)
			CHECK(!o[b], "object %zu byte %zu not zeroed", i, b);
		/* dirty it: the next owner must get it zeroed again */
		o[OBJ - 1] = 0xa5;
		objs[i] = o;
	}
}

int main(void)
{
	struct lab_slab s;
	unsigned int per;
	size_t n, pages;
	void **objs, **sorted;
	struct batch b;
	pthread_t t;

	lab_slab_init(&s, 40); /* struct iova's size: one line */
	per = s.per_page;
	CHECK(s.obj_bytes == OBJ &&
	      per == (LAB_SLAB_PAGE - LAB_SLAB_HEAD) / OBJ);
	n = (size_t)BIG_PAGES * per;
	objs = calloc(n, sizeof(*objs));
	sorted = calloc(n, sizeof(*sorted));
	if (!objs || !sorted)
		return 1;

	/* 1. fill BIG_PAGES pages, free everything on the owning side */
	fill(&s, objs, n);
	memcpy(sorted, objs, n * sizeof(*objs));
	CHECK(s.in_use == n && s.pages == BIG_PAGES, "in_use %llu pages %llu",
	      (unsigned long long)s.in_use, (unsigned long long)s.pages);
	/* distinct: sorted, no two equal */
	qsort(sorted, n, sizeof(*sorted), cmp_ptr);
	for (size_t i = 1; i < n; i++)
		CHECK(sorted[i - 1] != sorted[i], "object %p handed out twice",
		      sorted[i]);
	for (size_t i = 0; i < n; i++)
		lab_slab_free(&s, objs[i]);
	CHECK(s.in_use == 0);
	CHECK(s.pool_pages == LAB_SLAB_POOL && s.pages == LAB_SLAB_POOL,
	      "pool %u pages %llu", s.pool_pages, (unsigned long long)s.pages);
	CHECK(s.returned == BIG_PAGES - LAB_SLAB_POOL, "returned %llu",
	      (unsigned long long)s.returned);
	/* a fresh cache hands out pages in order, per objects each: the
	 * returned ones are really gone (nothing wrote to them since) */
	CHECK(pages_gone(objs, n, per) == s.returned,
	      "%zu pages not resident, %llu returned", pages_gone(objs, n, per),
	      (unsigned long long)s.returned);

	/* 2. the same again: pooled pages first, then the returned ones,
	 * every object zeroed; no new mapping needed */
	pages = s.nr_chunks;
	fill(&s, objs, n);
	CHECK(s.pages == BIG_PAGES && s.pool_pages == 0 && s.nr_chunks == pages,
	      "pages %llu pool %u chunks %llu", (unsigned long long)s.pages,
	      s.pool_pages, (unsigned long long)s.nr_chunks);

	/* 3. a deferred-free batch: BATCH_PAGES pages' objects released
	 * from another thread, taken back when the next allocations need
	 * them */
	b.objs = objs;
	b.n = (size_t)BATCH_PAGES * per;
	if (pthread_create(&t, NULL, release_all, &b) || pthread_join(t, NULL))
		return 1;
	CHECK(s.in_use == n, "released objects are counted when taken back");
	pages = s.returned;
	/* allocating one more object drains the stack (no partial page) */
	objs[0] = lab_slab_alloc(&s);
	CHECK(objs[0] != NULL);
	CHECK(s.in_use == n - b.n + 1, "in_use %llu after the drain",
	      (unsigned long long)s.in_use);
	CHECK(s.returned == pages,
	      "%llu pages given back by a batch the pool can hold",
	      (unsigned long long)(s.returned - pages));
	CHECK((long)s.pool_pages == BATCH_PAGES - 1,
	      "pool %u: the emptied pages, less the one now in use",
	      s.pool_pages);

	lab_slab_destroy(&s);
	free(objs);
	free(sorted);
	if (!failures)
		printf("test_slab: ok (%u objects a page, pool %u pages)\n",
		       per, LAB_SLAB_POOL);
	return failures != 0;
}
