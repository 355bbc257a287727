// SPDX-License-Identifier: MIT
/*
 * The IOVA domain: what every algorithm shares (creation, lookup, free,
 * reserve, counters, the invariant checker, the lockless lookup). The
 * search itself and the bookkeeping it needs live in iova_<alg>.c behind
 * struct iova_ops.
 */
#include <errno.h>
#include <stdarg.h>
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

void iova_node_free_to(struct iova_domain *iovad, struct lab_slab *slab,
		       void *node)
{
	if (iovad->free_fn)
		iovad->free_fn(node, iovad->free_arg);
	else
		lab_slab_free(slab, node);
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

int iova_check_fail(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return -EUCLEAN;
}

#ifdef IOVALAB_CHECK
static void iova_debug_check(const struct iova_domain *iovad, const char *op)
{
	char msg[256];

	if (iova_domain_check(iovad, msg, sizeof(msg))) {
		fprintf(stderr,
			"iovalab: %s: invariant violated after %s: %s\n",
			iova_alg_name(iovad->alg), op, msg);
		abort();
	}
}
#else
static inline void iova_debug_check(const struct iova_domain *iovad,
				    const char *op)
{
}
#endif

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
static int iova_alloc(struct iova_domain *iovad, unsigned long size,
		      unsigned long limit_pfn, bool size_aligned,
		      struct iova **res, struct iova *tmp)
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

/* Remove the inline range @r (btree-pfn), counted as __free_iova. */
static void iova_remove_inline(struct iova_domain *iovad,
			       const struct iova_range *r)
{
	struct iova tmp = { .pfn_lo = r->pfn_lo, .pfn_hi = r->pfn_hi };

	iova_write_begin(iovad);
	iovad->ops->remove(iovad, &tmp);
	iova_write_end(iovad);
	iovad->stats.frees++;
	iovad->stats.live--;
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

/* Lowest range ending at or above @pfn (never the anchor), or NULL. */
static struct iova *iova_lower_bound(struct iova_domain *iovad,
				     unsigned long pfn)
{
	struct rb_node *rb = iovad->rbroot.rb_node, *best = NULL;

	if (iovad->ops->lower_bound)
		return iovad->ops->lower_bound(iovad, pfn);

	while (rb) {
		if (to_iova(rb)->pfn_hi >= pfn) {
			best = rb;
			rb = rb->rb_left;
		} else {
			rb = rb->rb_right;
		}
	}
	if (!best || to_iova(best) == iovad->anchor)
		return NULL;
	return to_iova(best);
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
static int iova_reserve(struct iova_domain *iovad, unsigned long pfn_lo,
			unsigned long pfn_hi, struct iova **res,
			struct iova *buf)
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

/* Red-black rules and parent links; returns the black height or -1. */
static int iova_check_rb(const struct rb_node *rb, const struct rb_node *parent,
			 unsigned long *count, char *msg, size_t msglen)
{
	int bl, br;

	if (!rb)
		return 1;
	(*count)++;
	if (rb_parent(rb) != parent) {
		iova_check_fail(msg, msglen, "[%lu, %lu]: wrong parent link",
				to_iova(rb)->pfn_lo, to_iova(rb)->pfn_hi);
		return -1;
	}
	if (rb_is_red(rb) && (!parent || rb_is_red(parent))) {
		iova_check_fail(msg, msglen, "[%lu, %lu]: red %s",
				to_iova(rb)->pfn_lo, to_iova(rb)->pfn_hi,
				parent ? "child of a red node" : "root");
		return -1;
	}
	bl = iova_check_rb(rb->rb_left, rb, count, msg, msglen);
	if (bl < 0)
		return -1;
	br = iova_check_rb(rb->rb_right, rb, count, msg, msglen);
	if (br < 0)
		return -1;
	if (bl != br) {
		iova_check_fail(msg, msglen,
				"[%lu, %lu]: black heights %d (left) != %d",
				to_iova(rb)->pfn_lo, to_iova(rb)->pfn_hi, bl,
				br);
		return -1;
	}
	return bl + rb_is_black(rb);
}

int iova_domain_check(const struct iova_domain *iovad, char *msg, size_t msglen)
{
	const struct rb_node *rb;
	const struct iova *prev = NULL;
	unsigned long count = 0, walked = 0, max_pfn;

	if (msg && msglen)
		msg[0] = '\0';
	if (iovad->ops->check_all)
		return iovad->ops->check_all(iovad, msg, msglen);
	if (iova_check_rb(iovad->rbroot.rb_node, NULL, &count, msg, msglen) < 0)
		return -EUCLEAN;
	/*
	 * reserve_iova may cover pfns below start_pfn (as in the kernel), so
	 * the lower bound is enforced on allocations (alloc_iova checks its
	 * result under IOVALAB_CHECK), not here.
	 */
	max_pfn = iovad->ops->has_anchor ? IOVA_ANCHOR - 1 : ~0UL;
	for (rb = rb_first(&iovad->rbroot); rb; rb = rb_next(rb)) {
		const struct iova *iova = to_iova(rb);

		walked++;
		if (iova == iovad->anchor) {
			if (rb_next(rb))
				return iova_check_fail(msg, msglen,
						       "anchor is not last");
			if (iova->pfn_lo != IOVA_ANCHOR ||
			    iova->pfn_hi != IOVA_ANCHOR)
				return iova_check_fail(msg, msglen,
						       "anchor moved");
		} else if (iova->pfn_lo > iova->pfn_hi ||
			   iova->pfn_hi > max_pfn) {
			return iova_check_fail(msg, msglen,
					       "bad range [%lu, %lu]",
					       iova->pfn_lo, iova->pfn_hi);
		}
		if (prev && prev->pfn_hi >= iova->pfn_lo)
			return iova_check_fail(
				msg, msglen,
				"[%lu, %lu] overlaps or precedes [%lu, %lu]",
				iova->pfn_lo, iova->pfn_hi, prev->pfn_lo,
				prev->pfn_hi);
		prev = iova;
	}
	if (walked != count)
		return iova_check_fail(msg, msglen,
				       "in-order walk saw %lu of %lu nodes",
				       walked, count);
	if (iovad->ops->has_anchor && (!prev || prev != iovad->anchor))
		return iova_check_fail(msg, msglen, "anchor missing");
	if (!iovad->ops->has_anchor && iovad->anchor)
		return iova_check_fail(msg, msglen, "unexpected anchor");
	if (count - (iovad->anchor ? 1 : 0) != iovad->stats.live)
		return iova_check_fail(msg, msglen,
				       "%lu ranges in the tree, live says %llu",
				       count - (iovad->anchor ? 1 : 0),
				       (unsigned long long)iovad->stats.live);
	return iovad->ops->check(iovad, msg, msglen);
}

/* ---- the range (pfn) API ---- */

static void iova_to_range(const struct iova *iova, struct iova_range *out)
{
	out->pfn_lo = iova->pfn_lo;
	out->pfn_hi = iova->pfn_hi;
}

int iova_alloc_range(struct iova_domain *iovad, unsigned long size,
		     unsigned long limit_pfn, bool size_aligned,
		     unsigned long *pfn_lo)
{
	struct iova tmp, *new;
	int ret = iova_alloc(iovad, size, limit_pfn, size_aligned, &new,
			     iovad->ops->inline_ranges ? &tmp : NULL);

	if (!ret)
		*pfn_lo = new->pfn_lo;
	return ret;
}

int iova_free_range(struct iova_domain *iovad, unsigned long pfn_lo,
		    unsigned long size)
{
	struct iova_range r;
	struct iova *iova;

	if (!size)
		return -EINVAL;
	if (iovad->ops->inline_ranges) {
		if (!iova_find_range(iovad, pfn_lo, &r) || r.pfn_lo != pfn_lo ||
		    r.pfn_hi - pfn_lo != size - 1)
			return -EINVAL;
		iova_remove_inline(iovad, &r);
		return 0;
	}
	iova = find_iova(iovad, pfn_lo);
	if (!iova || iova->pfn_lo != pfn_lo ||
	    iova->pfn_hi - pfn_lo != size - 1)
		return -EINVAL;
	__free_iova(iovad, iova);
	return 0;
}

bool iova_find_range(struct iova_domain *iovad, unsigned long pfn,
		     struct iova_range *out)
{
	struct iova_range r;
	struct iova *iova;

	if (iovad->ops->inline_ranges) {
		if (!iovad->ops->lower_bound_range(iovad, pfn, &r) ||
		    r.pfn_lo > pfn)
			return false;
		*out = r;
		return true;
	}
	iova = find_iova(iovad, pfn);
	if (iova)
		iova_to_range(iova, out);
	return iova;
}

bool iova_find_range_lockless(struct iova_domain *iovad, unsigned long pfn,
			      struct iova_range *out)
{
	struct iova *iova;

	if (iovad->ops->inline_ranges)
		return iovad->ops->find_range_lockless(iovad, pfn, out);
	iova = find_iova_lockless(iovad, pfn);
	if (!iova)
		return false;
	/*
	 * The node stays readable (RCU) and pfn_hi never changes while it is
	 * linked; pfn_lo may only have been lowered since: still a range
	 * that held @pfn.
	 */
	out->pfn_lo = __atomic_load_n(&iova->pfn_lo, __ATOMIC_ACQUIRE);
	out->pfn_hi = __atomic_load_n(&iova->pfn_hi, __ATOMIC_ACQUIRE);
	return true;
}

int iova_reserve_range(struct iova_domain *iovad, unsigned long pfn_lo,
		       unsigned long pfn_hi, struct iova_range *out)
{
	struct iova buf, *iova;
	int ret = iova_reserve(iovad, pfn_lo, pfn_hi, &iova, &buf);

	if (!ret && out)
		iova_to_range(iova, out);
	return ret;
}

bool iova_next_range(struct iova_domain *iovad, unsigned long pfn,
		     struct iova_range *out)
{
	struct iova *iova;

	if (iovad->ops->inline_ranges)
		return iovad->ops->lower_bound_range(iovad, pfn, out);
	iova = iova_lower_bound(iovad, pfn);
	if (iova)
		iova_to_range(iova, out);
	return iova;
}
