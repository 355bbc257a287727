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
 * hands out); a page left empty is returned with madvise(MADV_DONTNEED)
 * and reused, except one kept resident to absorb alloc/free flapping.
 *
 * Threading: lab_slab_alloc() and lab_slab_free() run under the owning
 * domain's lock (one thread at a time, ordered by that lock).
 * lab_slab_release() may run on ANY thread at any time, without the lock:
 * it is what a deferred (RCU) free calls after its grace period. Released
 * objects go onto a lock-free stack (C11 atomics, many pushers, one
 * consumer that takes the whole stack at once, so no ABA); the locked side
 * takes them back when its pages run out and in lab_slab_destroy(). A page
 * whose last object is freed goes back to the system, except one kept to
 * absorb alloc/free flapping. lab_slab_destroy() frees every page: all
 * deferred releases must have run before it (the caller's barrier).
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

struct lab_slab_page;
struct lab_slab_chunk;

struct lab_slab {
	size_t obj_bytes; /* object size: a multiple of 64 */
	unsigned int per_page; /* objects per page */
	struct lab_slab_page *partial; /* pages with free objects */
	struct lab_slab_page *full; /* pages without */
	struct lab_slab_page *spare; /* one empty page kept resident */
	struct lab_slab_page *empty; /* empty pages, memory returned */
	struct lab_slab_chunk *chunks; /* mappings, for destroy */
	char *carve, *carve_end; /* not yet used part of the last chunk */
	uint64_t in_use; /* objects handed out and not yet freed */
	uint64_t pages; /* pages holding memory (objects, or the spare) */
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
