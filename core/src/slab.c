// SPDX-License-Identifier: MIT
/*
 * The per-domain object cache (slab.h): 4 KiB pages carved from mmap'd
 * chunks, a 64-byte header at the start of each page, objects after it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "iovalab/fault.h"
#include "slab.h"

struct lab_slab_page {
	struct lab_slab *slab; /* written once, before any object is out */
	void *free; /* free objects, linked through their first word */
	struct lab_slab_page *next, *prev;
	unsigned int in_use;
};

#define PAGES_PER_CHUNK (LAB_SLAB_CHUNK / LAB_SLAB_PAGE)

/*
 * A chunk's first page. A page whose memory was given back must not be
 * written again (the write would fault it back in), so the chunk, not the
 * page, remembers it: a stack of returned page numbers, and a list of the
 * chunks that have any. Chunks are aligned to their size so that a page
 * finds its chunk by masking.
 */
struct lab_slab_chunk {
	struct lab_slab_chunk *next; /* every chunk, for destroy */
	struct lab_slab_chunk *next_returned; /* chunks with nreturned > 0 */
	unsigned int nreturned;
	uint8_t returned[PAGES_PER_CHUNK]; /* page numbers, 1..255 */
};

_Static_assert(sizeof(struct lab_slab_chunk) <= LAB_SLAB_PAGE &&
		       PAGES_PER_CHUNK <= 256,
	       "chunk header");

static struct lab_slab_chunk *chunk_of(const void *page)
{
	return (struct lab_slab_chunk *)((uintptr_t)page &
					 ~(uintptr_t)(LAB_SLAB_CHUNK - 1));
}

/* A new chunk, aligned to its size (map twice the size, trim), or NULL. */
static struct lab_slab_chunk *chunk_map(void)
{
	char *m = mmap(NULL, 2 * LAB_SLAB_CHUNK, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;
	size_t head;

	if (m == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)m + LAB_SLAB_CHUNK - 1) &
	    ~(uintptr_t)(LAB_SLAB_CHUNK - 1);
	head = a - (uintptr_t)m;
	if (head)
		munmap(m, head);
	munmap((char *)a + LAB_SLAB_CHUNK, LAB_SLAB_CHUNK - head);
	return (struct lab_slab_chunk *)a;
}

_Static_assert(sizeof(struct lab_slab_page) <= LAB_SLAB_HEAD,
	       "page header too big");

static struct lab_slab_page *page_of(const void *obj)
{
	return (struct lab_slab_page *)((uintptr_t)obj &
					~(uintptr_t)(LAB_SLAB_PAGE - 1));
}

static void list_del(struct lab_slab_page **head, struct lab_slab_page *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		*head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->next = p->prev = NULL;
}

static void list_add(struct lab_slab_page **head, struct lab_slab_page *p)
{
	p->prev = NULL;
	p->next = *head;
	if (*head)
		(*head)->prev = p;
	*head = p;
}

void lab_slab_init(struct lab_slab *s, size_t obj_bytes)
{
	memset(s, 0, sizeof(*s));
	s->obj_bytes = (obj_bytes + 63) & ~(size_t)63;
	if (s->obj_bytes > LAB_SLAB_MAX_OBJ)
		abort(); /* a build-time constant went wrong */
	s->per_page = (LAB_SLAB_PAGE - LAB_SLAB_HEAD) / s->obj_bytes;
	atomic_init(&s->remote, NULL);
}

/* A page with every object free, or NULL. */
static struct lab_slab_page *page_new(struct lab_slab *s)
{
	struct lab_slab_page *p;
	char *obj;

	if (s->pool) {
		/* still threaded from when it was last full of free objects */
		p = s->pool;
		list_del(&s->pool, p);
		s->pool_pages--;
		return p;
	}
	if (s->returned_chunks) {
		struct lab_slab_chunk *c = s->returned_chunks;

		p = (struct lab_slab_page *)((char *)c +
					     c->returned[--c->nreturned] *
						     LAB_SLAB_PAGE);
		if (!c->nreturned)
			s->returned_chunks = c->next_returned;
	} else {
		if (s->carve == s->carve_end) {
			struct lab_slab_chunk *c = chunk_map();

			if (!c)
				return NULL;
			/* the first page of a chunk holds the chunk link */
			c->next = s->chunks;
			s->chunks = c;
			s->nr_chunks++;
			s->carve = (char *)c + LAB_SLAB_PAGE;
			s->carve_end = (char *)c + LAB_SLAB_CHUNK;
		}
		p = (struct lab_slab_page *)s->carve;
		s->carve += LAB_SLAB_PAGE;
	}
	memset(p, 0, sizeof(*p));
	p->slab = s;
	/* thread the free list so a fresh page hands out in address order */
	obj = (char *)p + LAB_SLAB_HEAD + (s->per_page - 1) * s->obj_bytes;
	for (unsigned int i = 0; i < s->per_page; i++, obj -= s->obj_bytes) {
		*(void **)obj = p->free;
		p->free = obj;
	}
	s->pages++;
	return p;
}

/* Put @obj back on its page; an emptied page leaves the partial list. */
static void slab_put(struct lab_slab *s, void *obj)
{
	struct lab_slab_page *p = page_of(obj);
	struct lab_slab_chunk *c;

	if (!p->free) {
		list_del(&s->full, p);
		list_add(&s->partial, p);
	}
	*(void **)obj = p->free;
	p->free = obj;
	s->in_use--;
	if (--p->in_use)
		return;
	list_del(&s->partial, p);
	if (s->pool_pages < LAB_SLAB_POOL) {
		list_add(&s->pool, p);
		s->pool_pages++;
		return;
	}
	/* keep the address range, give the memory back; from here on only
	 * its chunk knows of the page */
	madvise(p, LAB_SLAB_PAGE, MADV_DONTNEED);
	c = chunk_of(p);
	if (!c->nreturned) {
		c->next_returned = s->returned_chunks;
		s->returned_chunks = c;
	}
	c->returned[c->nreturned++] =
		(uint8_t)(((uintptr_t)p - (uintptr_t)c) / LAB_SLAB_PAGE);
	s->pages--;
	s->returned++;
}

/* Take back everything released from other threads. */
static void slab_drain(struct lab_slab *s)
{
	void *obj = atomic_exchange_explicit(&s->remote, NULL,
					     memory_order_acquire);

	while (obj) {
		void *next = *(void **)obj;

		slab_put(s, obj);
		obj = next;
	}
}

void *lab_slab_alloc(struct lab_slab *s)
{
	struct lab_slab_page *p;
	void *obj;

	if (lab_fault_fail(LAB_FAULT_NODE))
		return NULL;
	if (!s->partial &&
	    atomic_load_explicit(&s->remote, memory_order_relaxed))
		slab_drain(s);
	p = s->partial;
	if (!p) {
		p = page_new(s);
		if (!p)
			return NULL;
		list_add(&s->partial, p);
	}
	obj = p->free;
	p->free = *(void **)obj;
	p->in_use++;
	s->in_use++;
	if (!p->free) {
		list_del(&s->partial, p);
		list_add(&s->full, p);
	}
	memset(obj, 0, s->obj_bytes);
	return obj;
}

void lab_slab_free(struct lab_slab *s, void *obj)
{
	slab_put(s, obj);
}

void lab_slab_release(void *obj)
{
	/* p->slab was written before the object was first handed out, and
	 * the handoff to this thread (the grace period) orders it */
	struct lab_slab *s = page_of(obj)->slab;
	void *head = atomic_load_explicit(&s->remote, memory_order_relaxed);

	do
		*(void **)obj = head;
	while (!atomic_compare_exchange_weak_explicit(&s->remote, &head, obj,
						      memory_order_release,
						      memory_order_relaxed));
}

void lab_slab_destroy(struct lab_slab *s)
{
	struct lab_slab_chunk *c = s->chunks;

	while (c) {
		struct lab_slab_chunk *next = c->next;

		munmap(c, LAB_SLAB_CHUNK);
		c = next;
	}
	memset(s, 0, sizeof(*s));
}
