// SPDX-License-Identifier: MIT
/*
 * The IOVA domain: what every algorithm shares (creation, lookup, free,
 * reserve, counters, the lockless lookup) and the struct iova API. The
 * range (pfn) API is in iova_range.c, the invariant checker in
 * iova_check.c; the search itself and the bookkeeping it needs live in
 * iova_<alg>.c behind struct iova_ops.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/arch.h"
#include "iovalab/fault.h"
#include "iova_internal.h"

const char *const iova_alg_names[] = { "classic",  "maxgap", "gap32",
				       "anylimit", "btree",  "btree-pfn",
				       NULL };

static const struct iova_ops *const iova_alg_ops[IOVA_ALG_NR] = {
	[IOVA_ALG_CLASSIC] = &iova_classic_ops,
	[IOVA_ALG_MAXGAP] = &iova_maxgap_ops,
	[IOVA_ALG_GAP32] = &iova_gap32_ops,
	[IOVA_ALG_ANYLIMIT] = &iova_anylimit_ops,
	[IOVA_ALG_BTREE] = &iova_btree_ops,
	[IOVA_ALG_BTREE_PFN] = &iova_btree_pfn_ops,
};

const char *iova_alg_name(enum iova_alg alg)
{
	if ((unsigned int)alg >= IOVA_ALG_NR)
		return NULL;
	return iova_alg_names[alg];
}

int iova_alg_parse(const char *name)
{
	for (int i = 0; name && iova_alg_names[i]; i++)
		if (!strcmp(name, iova_alg_names[i]))
			return i;
	return -EINVAL;
}

bool iova_alg_has_iova(enum iova_alg alg)
{
	return (unsigned int)alg < IOVA_ALG_NR &&
	       !iova_alg_ops[alg]->inline_ranges;
}

/* The struct iova calls on an algorithm without struct iova (iova.h). */
static bool iova_refused(const struct iova_domain *iovad)
{
	if (!iovad->ops->inline_ranges)
		return false;
	errno = EOPNOTSUPP;
	return true;
}

size_t iova_node_bytes(enum iova_alg alg)
{
	if ((unsigned int)alg >= IOVA_ALG_NR)
		return 0;
	return iova_alg_ops[alg]->node_bytes;
}

size_t iova_slab_bytes(enum iova_alg alg)
{
	size_t n = iova_node_bytes(alg);

	return (n + IOVA_SLAB_ALIGN - 1) & ~(IOVA_SLAB_ALIGN - 1);
}

size_t iova_tree_node_bytes(enum iova_alg alg)
{
	if ((unsigned int)alg >= IOVA_ALG_NR)
		return 0;
	return iova_alg_ops[alg]->tree_node_bytes;
}

/* From the domain's object cache, which also injects LAB_FAULT_NODE. */
static struct iova *iova_node_alloc(struct iova_domain *iovad)
{
	struct iova *iova = lab_slab_alloc(&iovad->slab);

	if (iova)
		rb_clear_node(&iova->node);
	return iova;
}

void iova_node_release(void *node)
{
	lab_slab_release(node);
}

/*
 * Inside a write (odd count) the hook is only called at iova_write_end:
 * a hook that waits for a grace period (liburcu's defer_rcu when its queue
 * is full) would otherwise wait for a lockless reader that is itself
 * waiting for the count to turn even. Without a hook there are no
 * lockless readers, and the node goes back to the cache at once.
 */
void iova_node_free_to(struct iova_domain *iovad, struct lab_slab *slab,
		       void *node)
{
	if (!iovad->free_fn) {
		lab_slab_free(slab, node);
		return;
	}
	if (atomic_load_explicit(&iovad->seq, memory_order_relaxed) & 1) {
		if (iovad->nwrite_frees == IOVA_WRITE_FREES) {
			/* a btree erase frees at most one node a level */
			fprintf(stderr,
				"iovalab: %u nodes freed in one write\n",
				iovad->nwrite_frees + 1);
			abort();
		}
		iovad->write_frees[iovad->nwrite_frees++] = node;
		return;
	}
	iovad->free_fn(node, iovad->free_arg);
}

void iova_write_frees_flush(struct iova_domain *iovad)
{
	unsigned int n = iovad->nwrite_frees;

	iovad->nwrite_frees = 0;
	for (unsigned int i = 0; i < n; i++)
		iovad->free_fn(iovad->write_frees[i], iovad->free_arg);
}

static void iova_node_free(struct iova_domain *iovad, struct iova *iova)
{
	iova_node_free_to(iovad, &iovad->slab, iova);
}

struct iova *iova_anchor_alloc(struct iova_domain *iovad)
{
	struct iova *anchor = iova_node_alloc(iovad);

	if (anchor) {
		anchor->pfn_lo = IOVA_ANCHOR;
		anchor->pfn_hi = IOVA_ANCHOR;
	}
	return anchor;
}

struct iova_domain *iova_domain_create(enum iova_alg alg, unsigned long granule,
				       unsigned long start_pfn)
{
	struct iova_domain *iovad;

	if ((unsigned int)alg >= IOVA_ALG_NR || granule < 512 ||
	    granule > (1UL << 30) || (granule & (granule - 1)) ||
	    start_pfn < 1 || start_pfn > ~0UL / granule) {
		errno = EINVAL;
		return NULL;
	}
	iovad = aligned_alloc(64, (sizeof(*iovad) + 63) & ~63UL);
	if (!iovad) {
		errno = ENOMEM;
		return NULL;
	}
	memset(iovad, 0, sizeof(*iovad));
	iovad->rbroot = RB_ROOT;
	iovad->ops = iova_alg_ops[alg];
	iovad->alg = alg;
	iovad->granule = granule;
	iovad->granule_shift = __builtin_ctzl(granule);
	iovad->start_pfn = start_pfn;
	iovad->dma_32bit_pfn = 1UL << (32 - iovad->granule_shift);
	iovad->max32_alloc_size = iovad->dma_32bit_pfn;
	atomic_init(&iovad->seq, 0);
	if (iovad->ops->node_bytes)
		lab_slab_init(&iovad->slab, iova_slab_bytes(alg));
	if (iovad->ops->tree_node_bytes)
		lab_slab_init(&iovad->tree_slab, iovad->ops->tree_node_bytes);
	if (iovad->ops->init(iovad)) {
		lab_slab_destroy(&iovad->slab);
		lab_slab_destroy(&iovad->tree_slab);
		free(iovad);
		errno = ENOMEM;
		return NULL;
	}
	iova_debug_check(iovad, "create");
	return iovad;
}

void iova_domain_put(struct iova_domain *iovad)
{
	if (!iovad)
		return;
	/*
	 * No reader may run any more and every deferred node is back: the
	 * caches' pages go at once, nodes and all, without walking the tree.
	 */
	if (iovad->ops->destroy)
		iovad->ops->destroy(iovad);
	lab_slab_destroy(&iovad->slab);
	lab_slab_destroy(&iovad->tree_slab);
	free(iovad);
}

enum iova_alg iova_domain_alg(const struct iova_domain *iovad)
{
	return iovad->alg;
}

unsigned long iova_domain_start_pfn(const struct iova_domain *iovad)
{
	return iovad->start_pfn;
}

unsigned long iova_domain_dma_32bit_pfn(const struct iova_domain *iovad)
{
	return iovad->dma_32bit_pfn;
}

unsigned long iova_domain_max_pfn(const struct iova_domain *iovad)
{
	return ~0UL >> iovad->granule_shift;
}

void iova_domain_set_free_hook(struct iova_domain *iovad, iova_free_fn fn,
			       void *arg)
{
	iovad->free_fn = fn;
	iovad->free_arg = arg;
}

void iova_domain_stats(const struct iova_domain *iovad, struct iova_stats *st)
{
	*st = iovad->stats;
	st->slab_objects = iovad->slab.in_use + iovad->tree_slab.in_use;
	st->slab_bytes = lab_slab_bytes(&iovad->slab) +
			 lab_slab_bytes(&iovad->tree_slab);
}

/*
 * Lines per visit of an rbtree search: every node is at most 64 bytes in a
 * line-aligned object, except gap32's 72, whose 32-bit maximum (read by
 * searches under a 32-bit limit) sits on the second line.
 */
static unsigned long iova_rb_lines(const struct iova_domain *iovad,
				   unsigned long visits,
				   unsigned long limit_pfn)
{
	if (iovad->alg == IOVA_ALG_GAP32 &&
	    iova_limit_excl(limit_pfn) <= iovad->dma_32bit_pfn)
		return 2 * visits;
	return visits;
}

static unsigned long iova_align_mask(unsigned long size, bool size_aligned)
{
	unsigned int shift;

	if (!size_aligned || size == 1)
		return ~0UL;
	shift = lab_order_base_2(size);
	/* 2^64 alignment: only pfn 0 qualifies, which is never usable */
	return shift >= 64 ? 0 : ~0UL << shift;
}

/*
 * alloc_iova()'s body: 0 and the new range in *@res, or -EINVAL, -ENOSPC,
 * -ENOMEM (iova_alloc_range() documents them). Counters as alloc_iova.
 */
int iova_alloc(struct iova_domain *iovad, unsigned long size,
	       unsigned long limit_pfn, bool size_aligned, struct iova **res,
	       struct iova *tmp)
{
	struct iova_stats *st = &iovad->stats;
	unsigned long visits = 0, searches = 0, lines = 0, mask;
	struct iova *new;
	int ret;

	st->visited_last = 0;
	/* the one rule for limits past the last pfn (iova.h), for every alg */
	if (!size || limit_pfn > iova_domain_max_pfn(iovad)) {
		st->alloc_failures++;
		return -EINVAL;
	}
	/* inline ranges: @tmp only carries the pfns out of the search */
	new = tmp ? tmp : iova_node_alloc(iovad);
	if (!new) {
		st->alloc_failures++;
		return -ENOMEM;
	}
	mask = iova_align_mask(size, size_aligned);
	ret = iovad->ops->prepare ? iovad->ops->prepare(iovad) : 0;
	if (!ret) {
		iovad->search_lines = 0;
		ret = iovad->ops->alloc(iovad, new, size, limit_pfn, mask,
					&visits, &searches);
		lines = iovad->ops->counts_lines ?
				iovad->search_lines :
				iova_rb_lines(iovad, visits, limit_pfn);
	}
	st->searches += searches;
	st->visited_total += visits;
	st->visited_last = visits;
	if (visits > st->visited_max)
		st->visited_max = visits;
	st->lines_total += lines;
	if (lines > st->lines_max)
		st->lines_max = lines;
	if (ret) {
		/* never linked: no reader can hold it */
		if (!tmp)
			lab_slab_free(&iovad->slab, new);
		st->alloc_failures++;
		return ret;
	}
	st->allocs++;
	st->live++;
#ifdef IOVALAB_CHECK
	if (new->pfn_lo < iovad->start_pfn || new->pfn_hi > limit_pfn ||
	    new->pfn_hi - new->pfn_lo != size - 1 || (new->pfn_lo & ~mask)) {
		fprintf(stderr,
			"iovalab: %s: alloc_iova(%lu, %lu, %d) returned "
			"[%lu, %lu]: out of bounds or misaligned\n",
			iova_alg_name(iovad->alg), size, limit_pfn,
			size_aligned, new->pfn_lo, new->pfn_hi);
		abort();
	}
#endif
	iova_debug_check(iovad, "alloc_iova");
	*res = new;
	return 0;
}

struct iova *alloc_iova(struct iova_domain *iovad, unsigned long size,
			unsigned long limit_pfn, bool size_aligned)
{
	struct iova *new;

	if (iova_refused(iovad) ||
	    iova_alloc(iovad, size, limit_pfn, size_aligned, &new, NULL))
		return NULL;
	return new;
}

/* Plain lookup; the caller holds the domain's lock (maybe shared). */
struct iova *find_iova(struct iova_domain *iovad, unsigned long pfn)
{
	struct rb_node *rb = iovad->rbroot.rb_node;

	if (iova_refused(iovad))
		return NULL;
	if (iovad->ops->find)
		return iovad->ops->find(iovad, pfn);

	while (rb) {
		struct iova *iova = to_iova(rb);

		if (pfn < iova->pfn_lo)
			rb = rb->rb_left;
		else if (pfn > iova->pfn_hi)
			rb = rb->rb_right;
		else
			return iova == iovad->anchor ? NULL : iova;
	}
	return NULL;
}

/*
 * The writer's tree changes may hide nodes from this walk for a moment
 * (mid-rotation) but never send it round a cycle (rbtree.h). A hit is
 * always right: the node held @pfn when it was read and lived in the tree
 * at some point of the call. A miss is only trusted when no writer ran
 * during the walk; otherwise walk again.
 */
struct iova *find_iova_lockless(struct iova_domain *iovad, unsigned long pfn)
{
	if (iova_refused(iovad))
		return NULL;
	if (iovad->ops->find_lockless)
		return iovad->ops->find_lockless(iovad, pfn);
	for (;;) {
		unsigned long seq =
			atomic_load_explicit(&iovad->seq, memory_order_acquire);
		struct rb_node *rb = rb_load_child(&iovad->rbroot.rb_node);

		while (rb) {
			struct iova *iova = to_iova(rb);

			if (pfn <
			    __atomic_load_n(&iova->pfn_lo, __ATOMIC_ACQUIRE))
				rb = rb_load_child(&rb->rb_left);
			else if (pfn > __atomic_load_n(&iova->pfn_hi,
						       __ATOMIC_ACQUIRE))
				rb = rb_load_child(&rb->rb_right);
			else
				return iova == iovad->anchor ? NULL : iova;
		}
		/* every load above was acquire: this one comes after them */
		if (!(seq & 1) &&
		    atomic_load_explicit(&iovad->seq, memory_order_relaxed) ==
			    seq)
			return NULL;
	}
}

void __free_iova(struct iova_domain *iovad, struct iova *iova)
{
	if (iova_refused(iovad))
		return;
	iova_write_begin(iovad);
	iovad->ops->remove(iovad, iova);
	iova_write_end(iovad);
	iovad->stats.frees++;
	iovad->stats.live--;
	iova_node_free(iovad, iova);
	iova_debug_check(iovad, "free_iova");
}

int free_iova(struct iova_domain *iovad, unsigned long pfn)
{
	struct iova *iova;
	struct iova_range r;

	if (iovad->ops->inline_ranges) {
		if (!iova_find_range(iovad, pfn, &r))
			return -ENOENT;
		iova_remove_inline(iovad, &r);
		return 0;
	}
	iova = find_iova(iovad, pfn);

	if (!iova)
		return -ENOENT;
	__free_iova(iovad, iova);
	return 0;
}

/*
 * Kernel semantics: walk the ranges overlapping [pfn_lo, pfn_hi] upwards;
 * the first one is widened down to pfn_lo, each next one down to the end of
 * the previous (swallowing the gap between them); whatever sticks out above
 * the last one becomes a new range. The kernel starts the walk at
 * rb_first(); starting at the first range that can overlap skips only
 * ranges the kernel's walk passes over untouched.
 */
/*
 * reserve's walk: the first range with pfn_hi >= @pfn, the linked struct
 * iova or, for inline ranges, a copy in @buf; and the one after @cur.
 */
static struct iova *iova_walk_from(struct iova_domain *iovad, unsigned long pfn,
				   struct iova *buf)
{
	struct iova_range r;

	if (!iovad->ops->inline_ranges)
		return iova_lower_bound(iovad, pfn);
	if (!iovad->ops->lower_bound_range(iovad, pfn, &r))
		return NULL;
	buf->pfn_lo = r.pfn_lo;
	buf->pfn_hi = r.pfn_hi;
	return buf;
}

static struct iova *iova_walk_next(struct iova_domain *iovad, struct iova *cur,
				   struct iova *buf)
{
	if (!iovad->ops->inline_ranges)
		return iova_next(iovad, cur);
	if (cur->pfn_hi == ~0UL)
		return NULL;
	return iova_walk_from(iovad, cur->pfn_hi + 1, buf);
}

/*
 * 0 and the range covering @pfn_hi in *@res (inline ranges: a copy in
 * *@buf), or -EINVAL, -ENOMEM (iova_reserve_range()).
 */
int iova_reserve(struct iova_domain *iovad, unsigned long pfn_lo,
		 unsigned long pfn_hi, struct iova **res, struct iova *buf)
{
	struct iova *iova = NULL, *spare, *cur;
	bool inl = iovad->ops->inline_ranges;

	if (pfn_lo > pfn_hi || pfn_hi > iova_domain_max_pfn(iovad))
		return -EINVAL;
	/* Allocated up front so that running out changes nothing. */
	spare = inl ? buf : iova_node_alloc(iovad);
	if (!spare)
		return -ENOMEM;
	if (iovad->ops->prepare && iovad->ops->prepare(iovad)) {
		if (!inl)
			lab_slab_free(&iovad->slab, spare);
		return -ENOMEM;
	}

	iova_write_begin(iovad);
	/* (the anchor, if any, sits above pfn_hi: the walk stops first) */
	for (cur = iova_walk_from(iovad, pfn_lo, buf); cur;
	     cur = iova_walk_next(iovad, cur, buf)) {
		if (cur->pfn_lo > pfn_hi)
			break;
		if (pfn_lo < cur->pfn_lo)
			iovad->ops->set_pfn_lo(iovad, cur, pfn_lo);
		if (pfn_hi <= cur->pfn_hi) {
			iova = cur;
			break;
		}
		pfn_lo = cur->pfn_hi + 1;
	}
	if (!iova) {
		iova = spare;
		spare = NULL;
		iova->pfn_lo = pfn_lo;
		iova->pfn_hi = pfn_hi;
		iovad->ops->insert(iovad, iova);
		iovad->stats.live++;
	}
	iova_write_end(iovad);
	if (spare && !inl)
		lab_slab_free(&iovad->slab, spare);
	iovad->stats.reserves++;
	iova_debug_check(iovad, "reserve_iova");
	*res = iova;
	return 0;
}

struct iova *reserve_iova(struct iova_domain *iovad, unsigned long pfn_lo,
			  unsigned long pfn_hi)
{
	struct iova *iova;

	if (iova_refused(iovad) ||
	    iova_reserve(iovad, pfn_lo, pfn_hi, &iova, NULL))
		return NULL;
	return iova;
}

void iova_link(struct rb_root *root, struct iova *iova, struct rb_node *start)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;
	struct rb_node *cur = start ? start : root->rb_node;

	while (cur) {
		struct iova *this = to_iova(cur);

		parent = cur;
		if (iova->pfn_lo < this->pfn_lo) {
			link = &cur->rb_left;
		} else if (iova->pfn_lo > this->pfn_lo) {
			link = &cur->rb_right;
		} else {
			fprintf(stderr, "iovalab: pfn %lu linked twice\n",
				iova->pfn_lo);
			abort();
		}
		cur = *link;
	}
	rb_link_node(&iova->node, parent, link);
}

struct iova *iova_first(struct iova_domain *iovad)
{
	struct rb_node *rb;

	if (iova_refused(iovad))
		return NULL;
	if (iovad->ops->first)
		return iovad->ops->first(iovad);
	rb = rb_first(&iovad->rbroot);
	if (!rb || to_iova(rb) == iovad->anchor)
		return NULL;
	return to_iova(rb);
}

struct iova *iova_next(struct iova_domain *iovad, struct iova *iova)
{
	struct rb_node *rb;

	if (iova_refused(iovad))
		return NULL;
	if (iovad->ops->next)
		return iovad->ops->next(iovad, iova);
	rb = rb_next(&iova->node);
	if (!rb || to_iova(rb) == iovad->anchor)
		return NULL;
	return to_iova(rb);
}
