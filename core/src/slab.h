/* SPDX-License-Identifier: MIT */
/*
 * A per-domain object cache modelled on the kernel's kmem_cache: pages
 * carved into fixed-size, cache-line-aligned objects with no per-object
 * header, kept on per-page free lists. Every node a domain allocates (tree
 * nodes, struct iova) comes from one of these, so bytes per live range is
 * what a slab would charge, and the counters say so.
 *
 * Layout: a page is 4 KiB, aligned, with a 64-byte header followed by as
 * many objects as fit, so an object finds its page (and its cache) by
 * masking its address. Objects start on a cache line and are a multiple
 * of 64 bytes, so an object of k lines spans exactly k lines (the
 * cache-line counters rely on that). Pages are carved from 1 MiB chunks
 * mapped with mmap (aligned_alloc of single pages wastes as much as it
 * hands out). A page left empty goes to a pool of up to LAB_SLAB_POOL
 * resident pages (the kernel's per-CPU page lists, which hand a freed page
 * back in ~100 ns); past that its memory is returned with
 * madvise(MADV_DONTNEED) and the address range reused. Returning every
 * empty page at once made deferred (RCU) frees, which arrive in batches of
 * thousands, pay a page fault per page on the next allocations: 35% of
 * iova-stress nic/rcu/cache-off throughput, a cost the kernel does not pay.
 *
 * Threading: lab_slab_alloc() and lab_slab_free() run under the owning
 * domain's lock (one thread at a time, ordered by that lock).
 * lab_slab_release() may run on ANY thread at any time, without the lock:
 * it is what a deferred (RCU) free calls after its grace period. Released
 * objects go onto a lock-free stack (C11 atomics, many pushers, one
 * consumer that takes the whole stack at once, so no ABA); the locked side
 * takes them back when its pages run out. lab_slab_destroy() frees every
 * page: all deferred releases must have run before it (the caller's
 * barrier).
 */
#ifndef IOVALAB_SLAB_H
#define IOVALAB_SLAB_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define LAB_SLAB_PAGE 4096UL
#define LAB_SLAB_HEAD 64UL /* page header */
#define LAB_SLAB_MAX_OBJ 1024UL /* at least 3 objects per page */
#define LAB_SLAB_CHUNK (256 * LAB_SLAB_PAGE)
#define LAB_SLAB_POOL 128 /* empty pages kept resident (512 KiB) */

struct lab_slab_page;
struct lab_slab_chunk;

struct lab_slab {
	size_t obj_bytes; /* object size: a multiple of 64 */
	unsigned int per_page; /* objects per page */
	struct lab_slab_page *partial; /* pages with free objects */
	struct lab_slab_page *full; /* pages without */
	struct lab_slab_page *pool; /* empty pages kept resident */
	/* chunks holding pages whose memory was returned (slab.c) */
	struct lab_slab_chunk *returned_chunks;
	struct lab_slab_chunk *chunks; /* mappings, for destroy */
	char *carve, *carve_end; /* not yet used part of the last chunk */
	uint64_t in_use; /* objects handed out and not yet freed */
	uint64_t pages; /* pages holding memory (objects, or pooled) */
	unsigned int pool_pages; /* of them, empty ones in the pool */
	uint64_t returned; /* pages whose memory went back (MADV_DONTNEED) */
	uint64_t nr_chunks; /* mappings (their first page holds the link) */
	_Alignas(64) _Atomic(void *) remote; /* released, not yet taken back */
};

/* Set up a cache of @obj_bytes objects (rounded up to 64, at most
 * LAB_SLAB_MAX_OBJ). */
void lab_slab_init(struct lab_slab *s, size_t obj_bytes);
/* Free every page. Nothing may still be released into it. */
void lab_slab_destroy(struct lab_slab *s);

/*
 * A zeroed object, or NULL when memory ran out or fault injection
 * (LAB_FAULT_NODE) failed this allocation.
 */
void *lab_slab_alloc(struct lab_slab *s);
/* Give back @obj from the owning (locked) side. */
void lab_slab_free(struct lab_slab *s, void *obj);
/* Give back @obj from any thread (deferred frees); see above. */
void lab_slab_release(void *obj);

/* Bytes the cache keeps resident: its pages and each chunk's link page. */
static inline uint64_t lab_slab_bytes(const struct lab_slab *s)
{
	return (s->pages + s->nr_chunks) * LAB_SLAB_PAGE;
}

#endif /* IOVALAB_SLAB_H */
