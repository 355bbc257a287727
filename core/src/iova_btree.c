// SPDX-License-Identifier: MIT
/*
 * btree: a B+tree of ranges with the largest free gap of each child kept in
 * its parent (the maple tree's shape, written here from the idea), giving
 * the same highest fit as anylimit under any limit in O(log n) node visits.
 *
 * The domain API hands out struct iova pointers that stay valid until the
 * range is freed, so every range keeps one struct iova (a 64-byte slab
 * object, as in the kernel's maple-tree conversion); leaves store each
 * range's [lo, hi] beside its pointer, so searches never dereference a
 * struct iova. Bytes per live range therefore count that object plus the
 * tree nodes (both from the domain's slab caches).
 *
 * Nodes are BT_NODE bytes (IOVA_BTREE_NODE, default 256: four cache
 * lines; 128 and 512 build too). Layout, all 8-byte words:
 *
 *   leaf:     level=0,count | lbound | {lo,hi} x LCAP | iova * x LCAP
 *   internal: level,count   | pivot x ICAP | gap x ICAP | child x ICAP
 *
 * Pivots bound by pfn_hi: every range under child[i] has hi <= pivot[i],
 * every range under child[i+1] has lo > pivot[i] (pivot[count-1] unused).
 * Deletions leave pivots loose but valid; inserts raise them, a lowered
 * pfn_lo (reserve_iova merging) lowers them. gap[i] is the largest gap of
 * any range under child[i], where a range's gap is the free space between
 * max(previous range's hi + 1, start_pfn) and its lo (anylimit's
 * definition). A leaf's first range has its predecessor in another leaf,
 * so the leaf keeps lbound = max(that hi + 1, start_pfn) (start_pfn when
 * there is none). After a change only what moved is recomputed: the
 * lbound of a leaf whose predecessor changed, the parent's entries of the
 * nodes a split, borrow or merge touched, then one propagation up the
 * path that stops at the first stored gap that does not move (an erase
 * only merges gaps, so it raises maxima in O(1) a level; an insert that
 * splits a gap below its leaf's maximum changes no maximum at all).
 *
 * gap[i] also holds, in its top 7 bits, the order code of the largest
 * naturally aligned block inside any one gap under child[i] (anylimit's
 * field, packed the same way, iova_gaptree.h: gt_pack), so the node's
 * layout and capacity do not change. A size-aligned power of two 2^k
 * enters a child only when that child holds a 2^k block, which is exactly
 * an aligned slot: no backtracking. Other aligned sizes need a block of
 * half their alignment (necessary, not sufficient) and may still meet
 * near misses, each costing at most one descent.
 *
 * Highest fit below L (inclusive): descend by L to the leaf holding the
 * first range r with hi >= L. r's gap, clipped to L, is the straddling
 * candidate (or the space above the last range when there is no r); the
 * ranges to its left in the leaf come next, then, going back up the path,
 * the children left of the path whose gap[] holds the request, from the
 * right: descend into the rightmost child whose gap fits. Unaligned
 * requests never backtrack (a fitting gap is found below), so the search
 * reads the path and one subtree: about 2 log_B n nodes. Size-aligned
 * requests may find a gap large enough but without an aligned slot; they
 * go on to the next candidate, as anylimit does.
 *
 * Lockless readers (find_iova_lockless): nodes change in place, under the
 * domain's sequence count. Every word a reader loads (root, count, lo,
 * hi, pivot, child, iova pointer) is stored with a release store while
 * the count is odd; slots past count are cleared, so a reader only ever
 * follows a pointer to a node or range that was linked at some point
 * during its call (removed nodes go through the free hook, RCU, once the
 * write has ended: iova_node_free_to). Levels strictly decrease on the
 * way down, so a reader never loops; a hit is checked against the range's
 * own pfns, and a miss is retried when the count moved, as for the rbtree
 * algorithms.
 *
 * btree-pfn (BT_INLINE, iova_btree_pfn.c builds this file again with it):
 * no struct iova at all. Leaves hold the {lo, hi} pairs only (16 bytes a
 * range: 15 per 256-byte leaf instead of 10), and the domain is used
 * through the range (pfn) API: iova.c passes the ops a struct iova on its
 * stack that carries the pfns in and out and is never kept. A lockless
 * reader cannot check a hit against a per-range object, so it trusts a
 * {lo, hi} pair only when the sequence count was even and did not move
 * during its walk (a seqlock read), and walks again otherwise.
 *
 * Memory: a split needs a node while inserting. iova.c calls the prepare
 * hook before any change, which fills a small reserve of height + 1
 * nodes, so an insert (alloc or reserve) fails before touching the tree,
 * never half way. Erase never allocates (merges and borrows only free),
 * so freeing can never lose a range.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iova_gaptree.h"

#ifndef IOVA_BTREE_NODE
#define IOVA_BTREE_NODE 256
#endif
#define BT_NODE IOVA_BTREE_NODE
#ifdef BT_INLINE
#define BT_ENTRY 16 /* {lo, hi} */
#define BT_OPS iova_btree_pfn_ops
#else
#define BT_ENTRY 24 /* {lo, hi} and the struct iova pointer */
#define BT_OPS iova_btree_ops
#endif
#define BT_LCAP ((BT_NODE - 16) / BT_ENTRY)
#define BT_ICAP ((BT_NODE - 8) / 24)
#define BT_LMIN (BT_LCAP / 2)
#define BT_IMIN ((BT_ICAP + 1) / 2)
#define BT_MAX_H 40 /* levels; fill >= 2 per node bounds it far below */
_Static_assert(BT_MAX_H + 1 <= IOVA_WRITE_FREES,
	       "an erase frees a node a level and the old root");

_Static_assert(BT_NODE % 64 == 0 && BT_NODE >= 128 && BT_NODE <= 1024,
	       "IOVA_BTREE_NODE: a multiple of 64 in [128, 1024]");

struct bt_range {
	unsigned long lo, hi;
};

struct bt_node {
	uint32_t level; /* 0 for leaves; fixed for the node's life */
	uint32_t count; /* ranges (leaf) or children (internal) */
	union {
		struct {
			unsigned long lbound;
			struct bt_range e[BT_LCAP];
#ifndef BT_INLINE
			struct iova *ptr[BT_LCAP];
#endif
		} l;
		struct {
			unsigned long pivot[BT_ICAP];
			unsigned long gap[BT_ICAP];
			struct bt_node *child[BT_ICAP];
		} in;
	};
};

_Static_assert(sizeof(struct bt_node) <= BT_NODE, "node too big");
_Static_assert(BT_LCAP >= 4 && BT_ICAP >= 4, "node too small");

struct bt_tree {
	struct bt_node *root; /* loaded by lockless readers */
	unsigned int height; /* levels: root->level + 1 */
	unsigned int nspare;
	struct bt_node *spare[BT_MAX_H + 1];
};

struct bt_path {
	struct bt_node *node;
	unsigned int idx; /* child taken (internal), entry (leaf) */
};

static inline struct bt_tree *bt(const struct iova_domain *iovad)
{
	return iovad->priv;
}

/* Stores a lockless reader may see: release, under an odd count. */
#define BT_ST(field, val)                                            \
	do {                                                         \
		__atomic_store_n(&(field), (val), __ATOMIC_RELEASE); \
		rb_store_hook();                                     \
	} while (0)
#define BT_LD(field) __atomic_load_n(&(field), __ATOMIC_ACQUIRE)

/* Entry @i's struct iova (NULL inline), and whether it is @iova's. */
#ifdef BT_INLINE
#define BT_PTR(n, i) ((struct iova *)NULL)
#define BT_HOLDS(n, i, iova) \
	((n)->l.e[i].lo == (iova)->pfn_lo && (n)->l.e[i].hi == (iova)->pfn_hi)
#else
#define BT_PTR(n, i) ((n)->l.ptr[i])
#define BT_HOLDS(n, i, iova) ((n)->l.ptr[i] == (iova))
#endif

/* The cache line of @field inside @node (nodes start on a line). */
#define BT_LINE(node, field) \
	(1u << (((const char *)&(field) - (const char *)(node)) >> 6))

/* The lines of the words @lo..@hi (one array, scanned whole) of @node. */
static inline unsigned int bt_span(const void *node, const void *lo,
				   const void *hi)
{
	unsigned int a = (unsigned int)((const char *)lo - (const char *)node);
	unsigned int b = (unsigned int)((const char *)hi - (const char *)node);

	return (2u << (b >> 6)) - (1u << (a >> 6));
}

static inline unsigned long bt_bound(const struct iova_domain *iovad,
				     unsigned long prev_hi)
{
	unsigned long b = prev_hi + 1;

	return b < iovad->start_pfn ? iovad->start_pfn : b;
}

static inline unsigned long bt_gap(unsigned long bound, unsigned long lo)
{
	return lo > bound ? lo - bound : 0;
}

/* Where the gap below entry @i starts. */
static inline unsigned long bt_gap_start(const struct iova_domain *iovad,
					 const struct bt_node *n,
					 unsigned int i)
{
	return i ? bt_bound(iovad, n->l.e[i - 1].hi) : n->l.lbound;
}

/* The largest gap in @n's subtree and its largest block order, packed. */
static unsigned long bt_node_max(const struct iova_domain *iovad,
				 const struct bt_node *n)
{
	unsigned long m = 0;
	unsigned int c = 0;

	if (n->level) {
		for (unsigned int i = 0; i < n->count; i++) {
			unsigned long g = gt_packed_gap(n->in.gap[i]);
			unsigned int o = gt_packed_order(n->in.gap[i]);

			m = g > m ? g : m;
			c = o > c ? o : c;
		}
		return gt_pack(m, c);
	}
	for (unsigned int i = 0; i < n->count; i++) {
		unsigned long start = bt_gap_start(iovad, n, i);
		unsigned long g = bt_gap(start, n->l.e[i].lo);
		unsigned int o;

		if (!g)
			continue;
		m = g > m ? g : m;
		o = gt_order_code(start, n->l.e[i].lo);
		c = o > c ? o : c;
	}
	return gt_pack(m, c);
}

/* ---- node memory ---- */

static struct bt_node *bt_node_new(struct iova_domain *iovad,
				   unsigned int level)
{
	struct bt_tree *t = bt(iovad);
	struct bt_node *n = t->spare[--t->nspare];

	t->spare[t->nspare] = NULL;
	n->level = level;
	return n;
}

static void bt_node_free(struct iova_domain *iovad, struct bt_node *n)
{
	iovad->stats.node_frees++;
	iova_node_free_to(iovad, &iovad->tree_slab, n);
}

static int bt_prepare(struct iova_domain *iovad)
{
	struct bt_tree *t = bt(iovad);

	while (t->nspare < t->height + 1) {
		struct bt_node *n = lab_slab_alloc(&iovad->tree_slab);

		if (!n)
			return -ENOMEM;
		iovad->stats.node_allocs++;
		t->spare[t->nspare++] = n;
	}
	return 0;
}

static int bt_init(struct iova_domain *iovad)
{
	struct bt_tree *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	iovad->priv = t;
	t->height = 0;
	if (bt_prepare(iovad)) {
		free(t);
		iovad->priv = NULL;
		return -ENOMEM;
	}
	/* an empty leaf as root, so the tree is never NULL */
	t->root = bt_node_new(iovad, 0);
	t->root->l.lbound = iovad->start_pfn;
	t->height = 1;
	return 0;
}

static void bt_destroy(struct iova_domain *iovad)
{
	/* the nodes live in the domain's tree slab, unmapped after this */
	free(iovad->priv);
	iovad->priv = NULL;
}

/* ---- descent ---- */

/*
 * Ask for every line of a node about to be read: a descent compares keys
 * on its first lines and takes the child pointer from a later one, so
 * without this a cold node costs two or three misses in a row instead of
 * about one.
 */
static inline void bt_prefetch(const struct bt_node *n)
{
	for (unsigned int off = 0; off < BT_NODE; off += 64)
		__builtin_prefetch((const char *)n + off);
}

/*
 * First child whose pivot is >= @key (the last child if none). A linear
 * scan: at 10 entries it runs fewer instructions than a binary search.
 * The last pivot is tried first: a top-down allocator's limit, and the
 * ranges it just placed, usually sit above all of a node's pivots.
 */
static inline unsigned int bt_child_idx(const struct bt_node *n,
					unsigned long key)
{
	unsigned int i = 0;

	if (n->count < 2 || n->in.pivot[n->count - 2] < key)
		return n->count ? n->count - 1 : 0;
	while (n->in.pivot[i] < key)
		i++;
	return i;
}

/* First entry with hi >= @key, or count (the last entry tried first). */
static inline unsigned int bt_leaf_idx(const struct bt_node *n,
				       unsigned long key)
{
	unsigned int i = 0;

	if (!n->count || n->l.e[n->count - 1].hi < key)
		return n->count;
	while (n->l.e[i].hi < key)
		i++;
	return i;
}

/*
 * Descend by @key (compared with pivots and pfn_hi): the leaf holding the
 * first range with hi >= key, if any. Fills @path[0..height-1] (root first)
 * and returns the leaf's depth index.
 */
static inline unsigned int bt_walk(const struct iova_domain *iovad,
				   unsigned long key, struct bt_path *path,
				   bool cold)
{
	struct bt_node *n = bt(iovad)->root;
	unsigned int d = 0;

	while (n->level) {
		path[d].node = n;
		path[d].idx = bt_child_idx(n, key);
		n = n->in.child[path[d].idx];
		if (cold)
			bt_prefetch(n);
		d++;
	}
	path[d].node = n;
	path[d].idx = bt_leaf_idx(n, key);
	return d;
}

/* Writers descend right after a search or a lookup read the same nodes:
 * no prefetch (bt_lower_bound's lookups start cold). */
static unsigned int bt_descend(const struct iova_domain *iovad,
			       unsigned long key, struct bt_path *path)
{
	return bt_walk(iovad, key, path, false);
}

/*
 * The node at path[d] changed (its entries, or its children's gaps, are
 * right): propagate its maximum up @path, stopping at the first ancestor
 * whose stored gap does not move. Each step recomputes from the node's
 * current entries, so several changes propagated one after the other
 * (the leaf, then the next leaf's lbound) leave every gap right.
 */
static void bt_fix_up(struct iova_domain *iovad, struct bt_path *path,
		      unsigned int d)
{
	for (int l = (int)d - 1; l >= 0; l--) {
		struct bt_node *n = path[l].node;
		unsigned long g = bt_node_max(iovad, path[l + 1].node);

		if (n->in.gap[path[l].idx] == g)
			break;
		n->in.gap[path[l].idx] = g;
	}
}

/*
 * A gap of @g pfns with order code @o joined the subtree at path[d] and
 * no gap there shrank (a range was removed: its gap and the next one's
 * merged): raise the stored maxima while they grow, O(1) a level, no node
 * rescanned.
 */
static void bt_grow_up(struct bt_path *path, unsigned int d, unsigned long g,
		       unsigned int o)
{
	for (int l = (int)d - 1; l >= 0; l--) {
		unsigned long *p = &path[l].node->in.gap[path[l].idx];
		unsigned long v = gt_pack(
			g > gt_packed_gap(*p) ? g : gt_packed_gap(*p),
			o > gt_packed_order(*p) ? o : gt_packed_order(*p));

		if (v == *p)
			break;
		*p = v;
	}
}

/* The gap below entry @i of leaf @n, and its order code in *@o. */
static unsigned long bt_entry_gap(const struct iova_domain *iovad,
				  const struct bt_node *n, unsigned int i,
				  unsigned int *o)
{
	unsigned long start = bt_gap_start(iovad, n, i);
	unsigned long g = bt_gap(start, n->l.e[i].lo);

	*o = g ? gt_order_code(start, n->l.e[i].lo) : 0;
	return g;
}

/* The leaf at path[d] has a new last range: the next leaf's lbound. */
static void bt_fix_next(struct iova_domain *iovad, struct bt_path *path,
			unsigned int d)
{
	const struct bt_node *leaf = path[d].node;
	struct bt_path sub[BT_MAX_H];
	struct bt_node *n;
	int l = (int)d - 1;
	unsigned int k;

	while (l >= 0 && path[l].idx + 1 >= path[l].node->count)
		l--;
	if (l < 0 || !leaf->count)
		return;
	/* sub[] mirrors path[] down to l, then the next leaf's own path */
	for (int i = 0; i <= l; i++)
		sub[i] = path[i];
	sub[l].idx++;
	n = sub[l].node->in.child[sub[l].idx];
	for (k = (unsigned int)l + 1; n->level; k++) {
		sub[k].node = n;
		sub[k].idx = 0;
		n = n->in.child[0];
	}
	sub[k].node = n;
	sub[k].idx = 0;
	n->l.lbound = bt_bound(iovad, leaf->l.e[leaf->count - 1].hi);
	bt_fix_up(iovad, sub, k);
}

/* ---- insert ---- */

/* Insert child @c (with separator @sep before it) at position @pos + 1 of
 * internal node path[d], splitting upward as needed. Returns the depth of
 * the node that took the last new child without splitting (its entries
 * are right, its ancestors' gaps not yet), or -1 after a root split. */
static int bt_insert_child(struct iova_domain *iovad, struct bt_path *path,
			   int d, unsigned int pos, unsigned long sep,
			   struct bt_node *c);

static void bt_leaf_put(struct bt_node *n, unsigned int i,
			const struct bt_range *r, struct iova *v)
{
	BT_ST(n->l.e[i].lo, r->lo);
	BT_ST(n->l.e[i].hi, r->hi);
#ifndef BT_INLINE
	BT_ST(n->l.ptr[i], v);
#else
	(void)v;
#endif
}

/* Past count: no stale pointer (inline: nothing a reader follows). */
static void bt_leaf_clear(struct bt_node *n, unsigned int i)
{
#ifndef BT_INLINE
	BT_ST(n->l.ptr[i], NULL);
#else
	(void)n;
	(void)i;
#endif
}

#ifdef BT_INLINE
/*
 * btree-pfn only (it exists for its bytes per range): a full leaf first
 * hands its top entries, @r inserted at @pos among them, to a right
 * sibling with room, evening the two out. Top-down allocation inserts
 * below everything near it, so a plain split leaves each upper half at
 * half fill for good; pushing fills leaves before splitting (B*-tree
 * style). The sibling takes the entries first, then the pivot moves,
 * then the leaf is cut: a reader sees each entry in one of the two
 * (and retries on the count anyway). False when there is no such
 * sibling under the same parent: split.
 */
static bool bt_push_right(struct iova_domain *iovad, struct bt_path *path,
			  unsigned int d, const struct bt_range *r,
			  unsigned int pos)
{
	struct bt_node *leaf = path[d].node, *par, *s;
	struct bt_range e[BT_LCAP + 1];
	unsigned int idx, n = BT_LCAP + 1, m, keep, i, j;

	if (!d)
		return false;
	par = path[d - 1].node;
	idx = path[d - 1].idx;
	if (idx + 1 >= par->count)
		return false;
	s = par->in.child[idx + 1];
	if (s->count >= BT_LCAP)
		return false;
	m = (n - s->count + 1) / 2; /* at least 1, leaves s <= BT_LCAP */
	keep = n - m;
	for (i = 0, j = 0; i < n; i++)
		e[i] = i == pos ? *r : leaf->l.e[j++];
	for (i = s->count; i-- > 0;)
		bt_leaf_put(s, i + m, &s->l.e[i], NULL);
	for (i = 0; i < m; i++)
		bt_leaf_put(s, i, &e[keep + i], NULL);
	BT_ST(s->count, s->count + m);
	BT_ST(par->in.pivot[idx], e[keep - 1].hi);
	for (i = 0; i < keep; i++)
		bt_leaf_put(leaf, i, &e[i], NULL);
	BT_ST(leaf->count, keep);
	/* the sibling's last range stays: the leaf after it is unchanged */
	s->l.lbound = bt_bound(iovad, e[keep - 1].hi);
	par->in.gap[idx] = bt_node_max(iovad, leaf);
	par->in.gap[idx + 1] = bt_node_max(iovad, s);
	bt_fix_up(iovad, path, d - 1);
	return true;
}

/*
 * The mirror image, tried when there is no right sibling with room: the
 * full leaf's bottom entries (@r inserted at @pos among them) go to the
 * end of its left sibling. The leaf's lbound follows the sibling's new
 * last range; when @r lands last in the leaf, the next leaf's lbound
 * moves too. Readers of btree-pfn retry on the count, so only the
 * bounds matter here.
 */
static bool bt_push_left(struct iova_domain *iovad, struct bt_path *path,
			 unsigned int d, const struct bt_range *r,
			 unsigned int pos)
{
	struct bt_node *leaf = path[d].node, *par, *s;
	struct bt_range e[BT_LCAP + 1];
	unsigned int idx, n = BT_LCAP + 1, m, i, j;

	if (!d)
		return false;
	par = path[d - 1].node;
	idx = path[d - 1].idx;
	if (!idx)
		return false;
	s = par->in.child[idx - 1];
	if (s->count >= BT_LCAP)
		return false;
	m = (n - s->count + 1) / 2; /* at least 1, leaves s <= BT_LCAP */
	for (i = 0, j = 0; i < n; i++)
		e[i] = i == pos ? *r : leaf->l.e[j++];
	for (i = 0; i < m; i++)
		bt_leaf_put(s, s->count + i, &e[i], NULL);
	BT_ST(s->count, s->count + m);
	BT_ST(par->in.pivot[idx - 1], e[m - 1].hi);
	for (i = m; i < n; i++)
		bt_leaf_put(leaf, i - m, &e[i], NULL);
	BT_ST(leaf->count, n - m);
	leaf->l.lbound = bt_bound(iovad, e[m - 1].hi);
	par->in.gap[idx - 1] = bt_node_max(iovad, s);
	par->in.gap[idx] = bt_node_max(iovad, leaf);
	bt_fix_up(iovad, path, d - 1);
	if (pos == BT_LCAP)
		bt_fix_next(iovad, path, d);
	return true;
}
#endif

static void bt_insert(struct iova_domain *iovad, struct iova *iova)
{
	struct bt_tree *t = bt(iovad);
	struct bt_path path[BT_MAX_H];
	struct bt_range r = { iova->pfn_lo, iova->pfn_hi };
	unsigned int d = bt_descend(iovad, r.lo, path);
	struct bt_node *leaf = path[d].node;
	unsigned int pos = path[d].idx;

	/* every range under child[i] ends at or below pivot[i] */
	for (unsigned int l = 0; l < d; l++) {
		struct bt_node *n = path[l].node;
		unsigned int i = path[l].idx;

		if (i + 1 < n->count && n->in.pivot[i] < r.hi)
			BT_ST(n->in.pivot[i], r.hi);
	}
	if (leaf->count < BT_LCAP) {
		/*
		 * The range splits the gap below entry pos in two; nothing
		 * else in the leaf moves. If that gap was smaller than the
		 * leaf's stored maximum in both length and order, the
		 * maximum belongs to another gap and stays (appending at
		 * the end adds a gap taken from the next leaf: rescan).
		 */
		bool keep = false;

		if (d && pos < leaf->count) {
			struct bt_path *up = &path[d - 1];
			unsigned long m = up->node->in.gap[up->idx];
			unsigned int o;
			unsigned long g = bt_entry_gap(iovad, leaf, pos, &o);

			keep = g < gt_packed_gap(m) && o < gt_packed_order(m);
		}
		for (unsigned int i = leaf->count; i > pos; i--)
			bt_leaf_put(leaf, i, &leaf->l.e[i - 1],
				    BT_PTR(leaf, i - 1));
		bt_leaf_put(leaf, pos, &r, iova);
		BT_ST(leaf->count, leaf->count + 1);
		if (pos + 1 == leaf->count)
			bt_fix_next(iovad, path, d);
		if (!keep)
			bt_fix_up(iovad, path, d);
		return;
	}
#ifdef BT_INLINE
	if (bt_push_right(iovad, path, d, &r, pos) ||
	    bt_push_left(iovad, path, d, &r, pos))
		return;
#endif
	{
		struct bt_range e[BT_LCAP + 1];
		struct iova *p[BT_LCAP + 1];
		unsigned int n = BT_LCAP + 1, keep = n / 2;
		struct bt_node *right = bt_node_new(iovad, 0);
		int top;

		for (unsigned int i = 0, j = 0; i < n; i++) {
			if (i == pos) {
				e[i] = r;
				p[i] = iova;
			} else {
				e[i] = leaf->l.e[j];
				p[i] = BT_PTR(leaf, j);
				j++;
			}
		}
		/*
		 * The new node filled, the old one cut, then the new one
		 * linked (a reader in between misses the upper half and
		 * retries on the count), so that the parent can take the
		 * cut node's final gap.
		 */
		for (unsigned int i = keep; i < n; i++)
			bt_leaf_put(right, i - keep, &e[i], p[i]);
		BT_ST(right->count, n - keep);
		/* before the parent reads its gap; the left half's lbound
		 * (its predecessor) does not change */
		right->l.lbound = bt_bound(iovad, e[keep - 1].hi);
		for (unsigned int i = 0; i < keep; i++)
			bt_leaf_put(leaf, i, &e[i], p[i]);
		BT_ST(leaf->count, keep);
		for (unsigned int i = keep; i < BT_LCAP; i++)
			bt_leaf_clear(leaf, i);
		top = bt_insert_child(iovad, path, (int)d - 1,
				      d ? path[d - 1].idx : 0, e[keep - 1].hi,
				      right);
		/* path[0..top] is unchanged above the split */
		if (top > 0)
			bt_fix_up(iovad, path, (unsigned int)top);
		if (pos + 1 == n) {
			/* a new last range: the next leaf's lbound */
			d = bt_descend(iovad, r.hi, path);
			bt_fix_next(iovad, path, d);
		}
	}
	(void)t;
}

static void bt_in_put(struct bt_node *n, unsigned int i, struct bt_node *c,
		      unsigned long gap)
{
	BT_ST(n->in.child[i], c);
	n->in.gap[i] = gap;
}

static int bt_insert_child(struct iova_domain *iovad, struct bt_path *path,
			   int d, unsigned int pos, unsigned long sep,
			   struct bt_node *c)
{
	struct bt_tree *t = bt(iovad);
	struct bt_node *n, *right;
	unsigned long piv[BT_ICAP + 1], gap[BT_ICAP + 1];
	struct bt_node *ch[BT_ICAP + 1];
	unsigned int cnt, keep;

	if (d < 0) {
		/* the root split: a new root above the two halves */
		struct bt_node *old = t->root;
		struct bt_node *root = bt_node_new(iovad, old->level + 1);

		bt_in_put(root, 0, old, bt_node_max(iovad, old));
		bt_in_put(root, 1, c, bt_node_max(iovad, c));
		BT_ST(root->in.pivot[0], sep);
		BT_ST(root->count, 2);
		BT_ST(t->root, root);
		t->height++;
		return -1;
	}
	n = path[d].node;
	cnt = n->count;
	/* the child at pos was just cut in two: its gap shrank */
	n->in.gap[pos] = bt_node_max(iovad, n->in.child[pos]);
	if (cnt < BT_ICAP) {
		/* children above pos move up one, pivots above pos - 1 too */
		for (unsigned int i = cnt; i > pos + 1; i--)
			bt_in_put(n, i, n->in.child[i - 1], n->in.gap[i - 1]);
		for (unsigned int i = cnt - 1; i > pos; i--)
			BT_ST(n->in.pivot[i], n->in.pivot[i - 1]);
		bt_in_put(n, pos + 1, c, bt_node_max(iovad, c));
		BT_ST(n->in.pivot[pos], sep);
		BT_ST(n->count, cnt + 1);
		return d;
	}
	/* full: the cnt + 1 children in order, then split in two */
	for (unsigned int i = 0; i <= pos; i++) {
		ch[i] = n->in.child[i];
		gap[i] = n->in.gap[i];
	}
	ch[pos + 1] = c;
	gap[pos + 1] = bt_node_max(iovad, c);
	for (unsigned int i = pos + 1; i < cnt; i++) {
		ch[i + 1] = n->in.child[i];
		gap[i + 1] = n->in.gap[i];
	}
	for (unsigned int i = 0; i < pos; i++)
		piv[i] = n->in.pivot[i];
	piv[pos] = sep;
	for (unsigned int i = pos; i + 1 < cnt; i++)
		piv[i + 1] = n->in.pivot[i];
	cnt++;
	keep = cnt / 2;
	right = bt_node_new(iovad, n->level);
	for (unsigned int i = keep; i < cnt; i++) {
		bt_in_put(right, i - keep, ch[i], gap[i]);
		if (i + 1 < cnt)
			BT_ST(right->in.pivot[i - keep], piv[i]);
	}
	BT_ST(right->count, cnt - keep);
	for (unsigned int i = 0; i < keep; i++) {
		bt_in_put(n, i, ch[i], gap[i]);
		if (i + 1 < keep)
			BT_ST(n->in.pivot[i], piv[i]);
	}
	BT_ST(n->count, keep);
	for (unsigned int i = keep; i < BT_ICAP; i++)
		BT_ST(n->in.child[i], NULL);
	return bt_insert_child(iovad, path, d - 1, d ? path[d - 1].idx : 0,
			       piv[keep - 1], right);
}

/* ---- erase ---- */

/* Remove entry @i of a leaf (count may drop below the minimum). */
static void bt_leaf_del(struct bt_node *n, unsigned int i)
{
	unsigned int cnt = n->count;

	for (; i + 1 < cnt; i++)
		bt_leaf_put(n, i, &n->l.e[i + 1], BT_PTR(n, i + 1));
	BT_ST(n->count, cnt - 1);
	bt_leaf_clear(n, cnt - 1);
}

/* Remove child @i of an internal node and the pivot on its left (the
 * pivot on its right when @i is 0). */
static void bt_in_del(struct bt_node *n, unsigned int i)
{
	unsigned int cnt = n->count;
	unsigned int p = i ? i - 1 : 0;

	for (unsigned int j = i; j + 1 < cnt; j++)
		bt_in_put(n, j, n->in.child[j + 1], n->in.gap[j + 1]);
	for (unsigned int j = p; j + 2 < cnt; j++)
		BT_ST(n->in.pivot[j], n->in.pivot[j + 1]);
	BT_ST(n->count, cnt - 1);
	BT_ST(n->in.child[cnt - 1], NULL);
}

/*
 * Leaf child @idx of @par is below its minimum: borrow from or merge with
 * a sibling. Leaves the lbounds of both and @par's gaps for both right.
 */
static void bt_fix_leaf(struct iova_domain *iovad, struct bt_node *par,
			unsigned int idx)
{
	struct bt_node *n = par->in.child[idx], *s;

	if (idx + 1 < par->count) {
		s = par->in.child[idx + 1];
		if (s->count > BT_LMIN) {
			/* take the right sibling's first range */
			bt_leaf_put(n, n->count, &s->l.e[0], BT_PTR(s, 0));
			BT_ST(n->count, n->count + 1);
			BT_ST(par->in.pivot[idx], s->l.e[0].hi);
			bt_leaf_del(s, 0);
			s->l.lbound = bt_bound(iovad, n->l.e[n->count - 1].hi);
			par->in.gap[idx] = bt_node_max(iovad, n);
			par->in.gap[idx + 1] = bt_node_max(iovad, s);
			return;
		}
		/* merge the right sibling into this leaf */
		for (unsigned int i = 0; i < s->count; i++)
			bt_leaf_put(n, n->count + i, &s->l.e[i], BT_PTR(s, i));
		BT_ST(n->count, n->count + s->count);
		/* dropping pivot[idx] leaves the sibling's bound to us */
		bt_in_del(par, idx + 1);
		bt_node_free(iovad, s);
		par->in.gap[idx] = bt_node_max(iovad, n);
		return;
	}
	s = par->in.child[idx - 1];
	if (s->count > BT_LMIN) {
		/* take the left sibling's last range */
		unsigned int last = s->count - 1;

		for (unsigned int i = n->count; i > 0; i--)
			bt_leaf_put(n, i, &n->l.e[i - 1], BT_PTR(n, i - 1));
		bt_leaf_put(n, 0, &s->l.e[last], BT_PTR(s, last));
		BT_ST(n->count, n->count + 1);
		BT_ST(par->in.pivot[idx - 1], s->l.e[last - 1].hi);
		bt_leaf_del(s, last);
		n->l.lbound = bt_bound(iovad, s->l.e[last - 1].hi);
		par->in.gap[idx - 1] = bt_node_max(iovad, s);
		par->in.gap[idx] = bt_node_max(iovad, n);
		return;
	}
	/* merge this (last) leaf into its left sibling */
	for (unsigned int i = 0; i < n->count; i++)
		bt_leaf_put(s, s->count + i, &n->l.e[i], BT_PTR(n, i));
	BT_ST(s->count, s->count + n->count);
	bt_in_del(par, idx);
	bt_node_free(iovad, n);
	par->in.gap[idx - 1] = bt_node_max(iovad, s);
}

/* Internal node child @idx of @par is below its minimum; as bt_fix_leaf,
 * @par's gaps for both nodes are right afterwards. */
static void bt_fix_internal(struct iova_domain *iovad, struct bt_node *par,
			    unsigned int idx)
{
	struct bt_node *n = par->in.child[idx], *s;
	unsigned int cnt = n->count, last;

	if (idx + 1 < par->count) {
		s = par->in.child[idx + 1];
		if (s->count > BT_IMIN) {
			/* the sibling's first child moves to our end */
			bt_in_put(n, cnt, s->in.child[0], s->in.gap[0]);
			BT_ST(n->in.pivot[cnt - 1], par->in.pivot[idx]);
			BT_ST(n->count, cnt + 1);
			BT_ST(par->in.pivot[idx], s->in.pivot[0]);
			bt_in_del(s, 0);
			par->in.gap[idx] = bt_node_max(iovad, n);
			par->in.gap[idx + 1] = bt_node_max(iovad, s);
			return;
		}
		/* merge the sibling into n */
		for (unsigned int i = 0; i < s->count; i++) {
			bt_in_put(n, cnt + i, s->in.child[i], s->in.gap[i]);
			if (i + 1 < s->count)
				BT_ST(n->in.pivot[cnt + i], s->in.pivot[i]);
		}
		BT_ST(n->in.pivot[cnt - 1], par->in.pivot[idx]);
		BT_ST(n->count, cnt + s->count);
		bt_in_del(par, idx + 1);
		bt_node_free(iovad, s);
		par->in.gap[idx] = bt_node_max(iovad, n);
		return;
	}
	s = par->in.child[idx - 1];
	if (s->count > BT_IMIN) {
		/* the left sibling's last child moves to our front */
		last = s->count - 1;

		for (unsigned int i = cnt; i > 0; i--)
			bt_in_put(n, i, n->in.child[i - 1], n->in.gap[i - 1]);
		for (unsigned int i = cnt - 1; i > 0; i--)
			BT_ST(n->in.pivot[i], n->in.pivot[i - 1]);
		bt_in_put(n, 0, s->in.child[last], s->in.gap[last]);
		BT_ST(n->in.pivot[0], par->in.pivot[idx - 1]);
		BT_ST(n->count, cnt + 1);
		BT_ST(par->in.pivot[idx - 1], s->in.pivot[last - 1]);
		BT_ST(s->count, last);
		BT_ST(s->in.child[last], NULL);
		par->in.gap[idx - 1] = bt_node_max(iovad, s);
		par->in.gap[idx] = bt_node_max(iovad, n);
		return;
	}
	/* merge n into its left sibling */
	last = s->count;
	for (unsigned int i = 0; i < cnt; i++) {
		bt_in_put(s, last + i, n->in.child[i], n->in.gap[i]);
		if (i + 1 < cnt)
			BT_ST(s->in.pivot[last + i], n->in.pivot[i]);
	}
	BT_ST(s->in.pivot[last - 1], par->in.pivot[idx - 1]);
	BT_ST(s->count, last + cnt);
	bt_in_del(par, idx);
	bt_node_free(iovad, n);
	par->in.gap[idx - 1] = bt_node_max(iovad, s);
}

static void bt_remove(struct iova_domain *iovad, struct iova *iova)
{
	struct bt_tree *t = bt(iovad);
	struct bt_path path[BT_MAX_H];
	unsigned long key = iova->pfn_hi;
	unsigned int d = bt_descend(iovad, key, path);
	struct bt_node *leaf = path[d].node;
	unsigned int i = path[d].idx;
	bool last;
	int l;

	if (i >= leaf->count || !BT_HOLDS(leaf, i, iova)) {
		fprintf(stderr, "iovalab: btree: [%lu, %lu] not in the tree\n",
			iova->pfn_lo, iova->pfn_hi);
		abort();
	}
	bt_leaf_del(leaf, i);
	if (!d || leaf->count >= BT_LMIN) {
		unsigned long g;
		unsigned int o;

		if (i == leaf->count) {
			/* the leaf lost its last gap to the next leaf's */
			bt_fix_next(iovad, path, d);
			bt_fix_up(iovad, path, d);
			return;
		}
		/* the removed range's gap and entry i's merged */
		g = bt_entry_gap(iovad, leaf, i, &o);
		bt_grow_up(path, d, g, o);
		return;
	}
	/* the range now last before the removed one (leaves hold >= 2) */
	last = i == leaf->count;
	key = leaf->l.e[i ? i - 1 : 0].hi;
	bt_fix_leaf(iovad, path[d - 1].node, path[d - 1].idx);
	l = (int)d - 1;
	for (; l > 0 && path[l].node->count < BT_IMIN; l--)
		bt_fix_internal(iovad, path[l - 1].node, path[l - 1].idx);
	/* path[l] lost a child but stays; nothing above it moved */
	bt_fix_up(iovad, path, (unsigned int)l);
	/* a root with one child hands over to it */
	while (t->root->level && t->root->count == 1) {
		struct bt_node *old = t->root;

		BT_ST(t->root, old->in.child[0]);
		t->height--;
		bt_node_free(iovad, old);
	}
	if (last) {
		/* the leaf now holding that range may end elsewhere: the
		 * lbound of the leaf after it */
		d = bt_descend(iovad, key, path);
		bt_fix_next(iovad, path, d);
	}
}

/* ---- search ---- */

struct bt_cost {
	unsigned long visits, lines;
};

/* Bits set in a line mask (<= 16 lines; one step for a 4-line node); no
 * libgcc call without POPCNT. */
static inline unsigned int bt_lines(unsigned int mask)
{
	static const unsigned char pop4[16] = { 0, 1, 1, 2, 1, 2, 2, 3,
						1, 2, 2, 3, 2, 3, 3, 4 };
	unsigned int c = 0;

	for (; mask; mask >>= 4)
		c += pop4[mask & 15];
	return c;
}

static inline void bt_visit(struct bt_cost *c, unsigned int mask)
{
	c->visits++;
	c->lines += bt_lines(mask);
}

/*
 * Entries @from - 1 down to 0 of a leaf; @mask collects lines read: the
 * words from e[from - 1].lo down to the bound of the last entry tried (its
 * predecessor's hi, or lbound), every one of them in between included.
 */
static bool bt_leaf_scan(const struct iova_domain *iovad,
			 const struct bt_node *n, unsigned int from,
			 unsigned long size, unsigned long amask,
			 unsigned long *pfn, unsigned int *mask)
{
	unsigned int i = from;
	bool found = false;

	while (!found && i-- > 0) {
		unsigned long start = i ? bt_bound(iovad, n->l.e[i - 1].hi) :
					  n->l.lbound;

		found = bt_gap(start, n->l.e[i].lo) >= size &&
			iova_gap_fit(start, n->l.e[i].lo - 1, size, amask, pfn);
	}
	i = found ? i : 0; /* the last entry tried */
	if (from)
		*mask |= bt_span(n, i ? &n->l.e[i - 1].hi : &n->l.lbound,
				 &n->l.e[from - 1].lo);
	return found;
}

/* The highest fitting gap in the subtree at @n (its gap fits). */
static bool bt_subtree(const struct iova_domain *iovad, const struct bt_node *n,
		       unsigned long size, unsigned long amask,
		       const struct gt_need *need, unsigned long *pfn,
		       struct bt_cost *c)
{
	unsigned int mask = BT_LINE(n, n->count), i;
	bool found = false;

	bt_prefetch(n);
	if (!n->level) {
		found = bt_leaf_scan(iovad, n, n->count, size, amask, pfn,
				     &mask);
		bt_visit(c, mask);
		return found;
	}
	for (i = n->count; !found && i-- > 0;) {
		if (!gt_need_ok(n->in.gap[i], need))
			continue;
		mask |= BT_LINE(n, n->in.child[i]);
		found = bt_subtree(iovad, n->in.child[i], size, amask, need,
				   pfn, c);
	}
	/* the gaps read: from the last one down to the one taken (or 0) */
	mask |= bt_span(n, &n->in.gap[found ? i : 0], &n->in.gap[n->count - 1]);
	bt_visit(c, mask);
	return found;
}

static int bt_alloc(struct iova_domain *iovad, struct iova *new,
		    unsigned long size, unsigned long limit_pfn,
		    unsigned long amask, unsigned long *visits,
		    unsigned long *searches)
{
	struct bt_path path[BT_MAX_H];
	unsigned int masks[BT_MAX_H];
	struct bt_cost c = { 0, 0 };
	const struct bt_node *n = bt(iovad)->root, *leaf;
	unsigned int d = 0, j, mask;
	unsigned long pfn, start, end;
	struct gt_need need;
	bool found = false;

	if (limit_pfn < iovad->start_pfn)
		return -ENOSPC;
	(*searches)++;
	gt_need_init(&need, size, amask);
	/* toward L: the leaf of the first range with hi >= L */
	while (n->level) {
		unsigned int i;

		bt_prefetch(n);
		i = bt_child_idx(n, limit_pfn);
		/* the last pivot, then (unless it decided) pivots 0..i */
		mask = BT_LINE(n, n->count) | BT_LINE(n, n->in.child[i]);
		if (n->count > 1)
			mask |= BT_LINE(n, n->in.pivot[n->count - 2]);
		if (i + 1 < n->count)
			mask |= bt_span(n, &n->in.pivot[0], &n->in.pivot[i]);
		bt_visit(&c, mask);
		masks[d] = mask;
		path[d].node = (struct bt_node *)n;
		path[d++].idx = i;
		n = n->in.child[i];
	}
	leaf = n;
	j = bt_leaf_idx(leaf, limit_pfn);
	/* the last hi, then (unless it decided) his 0..j; entry j's line
	 * and the hi below it are added below */
	mask = BT_LINE(leaf, leaf->count);
	if (leaf->count)
		mask |= BT_LINE(leaf, leaf->l.e[leaf->count - 1].hi);
	if (j < leaf->count)
		mask |= bt_span(leaf, &leaf->l.e[0].hi, &leaf->l.e[j].hi);
	if (j)
		mask |= BT_LINE(leaf, leaf->l.e[j - 1].hi);
	/* the straddling gap: below entry j, clipped to L */
	if (j < leaf->count) {
		mask |= BT_LINE(leaf, leaf->l.e[j]);
		end = leaf->l.e[j].lo ? leaf->l.e[j].lo - 1 : 0;
		if (end > limit_pfn)
			end = limit_pfn;
		start = bt_gap_start(iovad, leaf, j);
		mask |= j ? 0 : BT_LINE(leaf, leaf->l.lbound);
		found = leaf->l.e[j].lo > start &&
			iova_gap_fit(start, end, size, amask, &pfn);
	} else {
		/* above the leaf's last range (no range reaches L here) */
		start = bt_gap_start(iovad, leaf, j);
		mask |= j ? 0 : BT_LINE(leaf, leaf->l.lbound);
		found = iova_gap_fit(start, limit_pfn, size, amask, &pfn);
	}
	if (!found)
		found = bt_leaf_scan(iovad, leaf, j, size, amask, &pfn, &mask);
	bt_visit(&c, mask);
	/* back up the path: children left of it, from the right */
	while (!found && d-- > 0) {
		const struct bt_node *p = path[d].node;
		unsigned int more = 0, i = path[d].idx, top = i;

		while (!found && i-- > 0) {
			if (!gt_need_ok(p->in.gap[i], &need))
				continue;
			more |= BT_LINE(p, p->in.child[i]);
			found = bt_subtree(iovad, p->in.child[i], size, amask,
					   &need, &pfn, &c);
		}
		/* p was visited on the way down: only lines it did not
		 * read then are new (the gaps top - 1 down to the one
		 * taken, or 0) */
		if (top)
			more |= bt_span(p, &p->in.gap[found ? i : 0],
					&p->in.gap[top - 1]);
		c.lines += bt_lines(more & ~masks[d]);
	}
	*visits += c.visits;
	iovad->search_lines += c.lines;
	if (!found)
		return -ENOSPC;
	new->pfn_lo = pfn;
	new->pfn_hi = pfn + size - 1;
	iova_write_begin(iovad);
	bt_insert(iovad, new);
	iova_write_end(iovad);
	return 0;
}

/* ---- lookups and iteration ---- */

/* The leaf and entry (*@idx) of the first range with hi >= @pfn, or NULL. */
static const struct bt_node *bt_lower_leaf(struct iova_domain *iovad,
					   unsigned long pfn, unsigned int *idx)
{
	struct bt_path path[BT_MAX_H];
	unsigned int d = bt_walk(iovad, pfn, path, true), i = path[d].idx;
	const struct bt_node *leaf = path[d].node;
	unsigned long next;
	bool more = false;

	/* loose pivots: the next leaf starts above pfn */
	for (int l = (int)d - 1; i == leaf->count && l >= 0 && !more; l--) {
		if (path[l].idx + 1 < path[l].node->count) {
			more = true;
			next = path[l].node->in.pivot[path[l].idx] + 1;
		}
	}
	if (more) {
		d = bt_descend(iovad, next, path);
		leaf = path[d].node;
		i = 0;
	}
	if (i >= leaf->count)
		return NULL;
	*idx = i;
	return leaf;
}

#ifndef BT_INLINE
/* The first range with hi >= @pfn, or NULL. */
static struct iova *bt_lower_bound(struct iova_domain *iovad, unsigned long pfn)
{
	unsigned int i;
	const struct bt_node *leaf = bt_lower_leaf(iovad, pfn, &i);

	return leaf ? leaf->l.ptr[i] : NULL;
}

/* The leaf's copy of pfn_lo decides: the struct iova is not read. */
static struct iova *bt_find(struct iova_domain *iovad, unsigned long pfn)
{
	unsigned int i;
	const struct bt_node *leaf = bt_lower_leaf(iovad, pfn, &i);

	return leaf && leaf->l.e[i].lo <= pfn ? leaf->l.ptr[i] : NULL;
}

static struct iova *bt_first(struct iova_domain *iovad)
{
	return bt_lower_bound(iovad, 0);
}

static struct iova *bt_next(struct iova_domain *iovad, struct iova *iova)
{
	if (iova->pfn_hi == ~0UL)
		return NULL;
	return bt_lower_bound(iovad, iova->pfn_hi + 1);
}

#endif /* !BT_INLINE */

/*
 * Lockless descent to the leaf for @pfn (see the top of the file): each
 * level read with acquire loads, only strictly lower levels followed, so
 * it never loops; NULL when a node seen mid-change leads nowhere.
 */
static const struct bt_node *bt_leaf_lockless(const struct bt_tree *t,
					      unsigned long pfn)
{
	const struct bt_node *n = BT_LD(t->root);
	uint32_t level = n->level;

	while (n && level) {
		uint32_t cnt = BT_LD(n->count), i = 0;
		const struct bt_node *child;

		if (cnt > BT_ICAP)
			cnt = BT_ICAP;
		while (i + 1 < cnt && BT_LD(n->in.pivot[i]) < pfn)
			i++;
		child = cnt ? BT_LD(n->in.child[i]) : NULL;
		/* a node seen mid-change may lead nowhere, never up */
		if (child && child->level >= level)
			child = NULL;
		n = child;
		level = n ? n->level : 0;
	}
	return n;
}

/*
 * Lockless: the leaf for @pfn and the index of its first entry with hi >=
 * @pfn (that hi in *@hi), or NULL when the walk found none.
 */
static const struct bt_node *bt_entry_lockless(const struct bt_tree *t,
					       unsigned long pfn, uint32_t *idx,
					       unsigned long *hi)
{
	const struct bt_node *n = bt_leaf_lockless(t, pfn);
	uint32_t cnt;

	if (!n)
		return NULL;
	cnt = BT_LD(n->count);
	if (cnt > BT_LCAP)
		cnt = BT_LCAP;
	for (uint32_t i = 0; i < cnt; i++) {
		*hi = BT_LD(n->l.e[i].hi);
		if (*hi >= pfn) {
			*idx = i;
			return n;
		}
	}
	return NULL;
}

/* No writer ran since the walk that read the count as @seq began. */
static bool bt_seq_unmoved(const struct iova_domain *iovad, unsigned long seq)
{
	/* every load of the walk was acquire: this one comes after them */
	return !(seq & 1) &&
	       atomic_load_explicit(&iovad->seq, memory_order_relaxed) == seq;
}

#ifndef BT_INLINE
/* A leaf hit is checked against the range's own pfns. */
static struct iova *bt_find_lockless(struct iova_domain *iovad,
				     unsigned long pfn)
{
	struct bt_tree *t = bt(iovad);

	for (;;) {
		unsigned long seq =
			atomic_load_explicit(&iovad->seq, memory_order_acquire);
		unsigned long hi;
		uint32_t i;
		const struct bt_node *n = bt_entry_lockless(t, pfn, &i, &hi);
		struct iova *v = n ? BT_LD(n->l.ptr[i]) : NULL;

		if (v && __atomic_load_n(&v->pfn_lo, __ATOMIC_ACQUIRE) <= pfn &&
		    __atomic_load_n(&v->pfn_hi, __ATOMIC_ACQUIRE) >= pfn)
			return v;
		if (bt_seq_unmoved(iovad, seq))
			return NULL;
	}
}
#else
static bool bt_lower_bound_range(struct iova_domain *iovad, unsigned long pfn,
				 struct iova_range *out)
{
	unsigned int i;
	const struct bt_node *leaf = bt_lower_leaf(iovad, pfn, &i);

	if (!leaf)
		return false;
	out->pfn_lo = leaf->l.e[i].lo;
	out->pfn_hi = leaf->l.e[i].hi;
	return true;
}

/*
 * The pair is read from a leaf that may be changing under us (entries
 * shift in place), so any answer, hit or miss, stands only when the
 * count was even before the walk and unchanged after it.
 */
static bool bt_find_range_lockless(struct iova_domain *iovad, unsigned long pfn,
				   struct iova_range *out)
{
	struct bt_tree *t = bt(iovad);

	for (;;) {
		unsigned long seq =
			atomic_load_explicit(&iovad->seq, memory_order_acquire);
		unsigned long hi;
		uint32_t i;
		const struct bt_node *n = bt_entry_lockless(t, pfn, &i, &hi);
		bool hit = false;

		if (n) {
			out->pfn_lo = BT_LD(n->l.e[i].lo);
			out->pfn_hi = hi;
			hit = out->pfn_lo <= pfn;
		}
		if (bt_seq_unmoved(iovad, seq))
			return hit;
	}
}
#endif

/* reserve_iova merging: lower a linked range's pfn_lo in place. */
static void bt_set_pfn_lo(struct iova_domain *iovad, struct iova *iova,
			  unsigned long pfn_lo)
{
	struct bt_path path[BT_MAX_H];
	unsigned int d = bt_descend(iovad, iova->pfn_hi, path);
	struct bt_node *leaf = path[d].node;

	/* ranges right of a pivot start above it */
	for (unsigned int l = 0; l < d; l++) {
		struct bt_node *n = path[l].node;
		unsigned int i = path[l].idx;

		if (i && pfn_lo && n->in.pivot[i - 1] >= pfn_lo)
			BT_ST(n->in.pivot[i - 1], pfn_lo - 1);
	}
	BT_ST(leaf->l.e[path[d].idx].lo, pfn_lo);
	iova_store_pfn(&iova->pfn_lo, pfn_lo);
	bt_fix_up(iovad, path, d);
}

/* ---- checker ---- */

struct bt_check {
	const struct iova_domain *iovad;
	const struct bt_range *prev; /* last range seen, in order */
	unsigned long ranges;
	unsigned long nodes;
	char *msg;
	size_t msglen;
};

/*
 * Check the subtree at @n (at @level, the root when @root) whose ranges
 * must satisfy lo > @lo_excl (when @has_lo) and hi <= @hi_incl (when
 * @has_hi). Stores its largest gap and largest aligned-block order code,
 * recomputed (gt_check_order, not the search's bit trick), in *@maxp and
 * *@codep; returns 0, or -1 after a failure.
 */
static int bt_check_node(struct bt_check *ck, const struct bt_node *n,
			 unsigned int level, bool root, bool has_lo,
			 unsigned long lo_excl, bool has_hi,
			 unsigned long hi_incl, unsigned long *maxp,
			 unsigned int *codep)
{
	const struct iova_domain *iovad = ck->iovad;
	unsigned long max = 0;
	unsigned int code = 0;

	ck->nodes++;
	if (n->level != level)
		return iova_check_fail(ck->msg, ck->msglen,
				       "node at depth level %u says %u", level,
				       n->level),
		       -1;
	if (!level) {
		unsigned long bound;

		if (n->count > BT_LCAP || (!root && n->count < BT_LMIN))
			return iova_check_fail(ck->msg, ck->msglen,
					       "leaf holds %u ranges (%u..%u)",
					       n->count, root ? 0 : BT_LMIN,
					       BT_LCAP),
			       -1;
		bound = ck->prev ? bt_bound(iovad, ck->prev->hi) :
				   iovad->start_pfn;
		if (n->count && n->l.lbound != bound)
			return iova_check_fail(
				       ck->msg, ck->msglen,
				       "leaf at [%lu, %lu]: lbound %lu, "
				       "should be %lu",
				       n->l.e[0].lo, n->l.e[0].hi, n->l.lbound,
				       bound),
			       -1;
		for (unsigned int i = 0; i < BT_LCAP; i++) {
			const struct bt_range *r = &n->l.e[i];
			const struct iova *v = BT_PTR(n, i);
			unsigned long g;

			if (i >= n->count) {
				if (v)
					return iova_check_fail(
						       ck->msg, ck->msglen,
						       "stale range pointer in "
						       "slot %u",
						       i),
					       -1;
				continue;
			}
			if (r->lo > r->hi ||
			    (ck->prev && ck->prev->hi >= r->lo))
				return iova_check_fail(
					       ck->msg, ck->msglen,
					       "[%lu, %lu] out of order or "
					       "overlapping",
					       r->lo, r->hi),
				       -1;
			if ((has_lo && r->lo <= lo_excl) ||
			    (has_hi && r->hi > hi_incl))
				return iova_check_fail(
					       ck->msg, ck->msglen,
					       "[%lu, %lu] outside its pivots",
					       r->lo, r->hi),
				       -1;
#ifndef BT_INLINE
			if (!v || v->pfn_lo != r->lo || v->pfn_hi != r->hi)
				return iova_check_fail(
					       ck->msg, ck->msglen,
					       "[%lu, %lu]: struct iova "
					       "disagrees",
					       r->lo, r->hi),
				       -1;
#endif
			bound = ck->prev ? bt_bound(iovad, ck->prev->hi) :
					   iovad->start_pfn;
			g = bt_gap(bound, r->lo);
			if (g > max)
				max = g;
			if (g && gt_check_order(bound, r->lo - 1) > code)
				code = gt_check_order(bound, r->lo - 1);
			ck->prev = r;
			ck->ranges++;
		}
		*maxp = max;
		*codep = code;
		return 0;
	}
	if (n->count > BT_ICAP || n->count < (root ? 2 : BT_IMIN))
		return iova_check_fail(ck->msg, ck->msglen,
				       "internal node with %u children",
				       n->count),
		       -1;
	for (unsigned int i = 0; i < BT_ICAP; i++) {
		unsigned long g;
		unsigned int c;

		if (i >= n->count) {
			if (n->in.child[i])
				return iova_check_fail(ck->msg, ck->msglen,
						       "stale child pointer"),
				       -1;
			continue;
		}
		if (i + 1 < n->count) {
			if ((has_lo && n->in.pivot[i] <= lo_excl) ||
			    (has_hi && n->in.pivot[i] > hi_incl) ||
			    (i && n->in.pivot[i] <= n->in.pivot[i - 1]))
				return iova_check_fail(ck->msg, ck->msglen,
						       "pivot %lu out of order",
						       n->in.pivot[i]),
				       -1;
		}
		if (bt_check_node(ck, n->in.child[i], level - 1, false,
				  i ? true : has_lo,
				  i ? n->in.pivot[i - 1] : lo_excl,
				  i + 1 < n->count ? true : has_hi,
				  i + 1 < n->count ? n->in.pivot[i] : hi_incl,
				  &g, &c))
			return -1;
		if (gt_pack(g, c) != n->in.gap[i])
			return iova_check_fail(
				       ck->msg, ck->msglen,
				       "gap of child %u is %lu order code %u, "
				       "recomputed %lu and %u",
				       i, gt_packed_gap(n->in.gap[i]),
				       gt_packed_order(n->in.gap[i]),
				       gt_packed_gap(gt_pack(g, c)), c),
			       -1;
		if (g > max)
			max = g;
		if (c > code)
			code = c;
	}
	*maxp = max;
	*codep = code;
	return 0;
}

static int bt_check(const struct iova_domain *iovad, char *msg, size_t msglen)
{
	const struct bt_tree *t = bt(iovad);
	struct bt_check ck = { .iovad = iovad, .msg = msg, .msglen = msglen };
	unsigned long max;
	unsigned int code;

	if (msg && msglen)
		msg[0] = '\0';
	if (!t->root || t->root->level + 1 != t->height)
		return iova_check_fail(msg, msglen, "height %u, root level %u",
				       t->height, t->root ? t->root->level : 0);
	if (bt_check_node(&ck, t->root, t->root->level, true, false, 0, false,
			  0, &max, &code))
		return -EUCLEAN;
	if (ck.ranges != iovad->stats.live)
		return iova_check_fail(msg, msglen,
				       "%lu ranges in the tree, live says %llu",
				       ck.ranges,
				       (unsigned long long)iovad->stats.live);
	if (!iovad->free_fn && ck.nodes + t->nspare != iovad->tree_slab.in_use)
		return iova_check_fail(
			msg, msglen,
			"%lu tree nodes + %u spare, the slab "
			"has %llu out",
			ck.nodes, t->nspare,
			(unsigned long long)iovad->tree_slab.in_use);
	return 0;
}

static int bt_check_extra(const struct iova_domain *iovad, char *msg,
			  size_t msglen)
{
	return 0;
}

const struct iova_ops BT_OPS = {
#ifndef BT_INLINE
	.node_bytes = sizeof(struct iova),
	.find = bt_find,
	.find_lockless = bt_find_lockless,
	.first = bt_first,
	.next = bt_next,
	.lower_bound = bt_lower_bound,
#else
	.node_bytes = 0, /* no struct iova */
	.inline_ranges = true,
	.lower_bound_range = bt_lower_bound_range,
	.find_range_lockless = bt_find_range_lockless,
#endif
	.tree_node_bytes = BT_NODE,
	.has_anchor = false,
	.counts_lines = true,
	.init = bt_init,
	.alloc = bt_alloc,
	.insert = bt_insert,
	.remove = bt_remove,
	.set_pfn_lo = bt_set_pfn_lo,
	.check = bt_check_extra,
	.prepare = bt_prepare,
	.destroy = bt_destroy,
	.check_all = bt_check,
};
