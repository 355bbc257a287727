// SPDX-License-Identifier: MIT
/*
 * The checker: the core domain's invariants under the tree lock, then each
 * CPU slot and each depot under its own lock (+ the tree lock), one at a
 * time, so it is safe while other threads use the domain; the quiescent
 * variant adds the whole-cache "no pfn cached twice" rule.
 */
#include <errno.h>

#include "rcache_internal.h"

struct pfn_set {
	unsigned long *v;
	size_t n, cap;
};

static int set_add(struct pfn_set *s, unsigned long pfn)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 512;
		unsigned long *t = realloc(s->v, ncap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		s->v = t;
		s->cap = ncap;
	}
	s->v[s->n++] = pfn;
	return 0;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* 0, or -EUCLEAN naming the first pfn that occurs twice in @s. */
static int set_check_dups(struct pfn_set *s, const char *where, char *msg,
			  size_t msglen)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_ulong);
	for (size_t i = 1; i < s->n; i++) {
		if (s->v[i] == s->v[i - 1]) {
			snprintf(msg, msglen, "%s: pfn %#lx cached twice",
				 where, s->v[i]);
			return -EUCLEAN;
		}
	}
	return 0;
}

/*
 * Each of the first @n pfns of @m must start a live tree range of exactly
 * the class size (tree lock held). Adds them to @local and, if given, @all.
 */
static int check_mag(struct iovad *iovad, const struct iovad_mag *m,
		     unsigned long n, unsigned int cls, const char *where,
		     struct pfn_set *local, struct pfn_set *all, char *msg,
		     size_t msglen)
{
	unsigned long want = 1UL << cls;

	for (unsigned long i = 0; i < n; i++) {
		unsigned long pfn = m->pfns[i];
		struct iova_range r;

		if (!iova_find_range(iovad->tree, pfn, &r) || r.pfn_lo != pfn ||
		    r.pfn_hi - r.pfn_lo + 1 != want) {
			snprintf(msg, msglen,
				 "%s: cached pfn %#lx is not a live %lu-pfn "
				 "range",
				 where, pfn, want);
			return -EUCLEAN;
		}
		if (set_add(local, pfn) || (all && set_add(all, pfn))) {
			snprintf(msg, msglen, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

static int check_slot(struct iovad *iovad, unsigned int i,
		      struct pfn_set *local, struct pfn_set *all, char *msg,
		      size_t msglen)
{
	struct iovad_cpu *c = &iovad->cpus[i];
	unsigned int cls = i % IOVAD_NR_CLASSES;
	unsigned long mag_size = iovad->attr.mag_size;
	char where[48];
	int ret = 0;

	snprintf(where, sizeof(where), "cpu %u class %u", i / IOVAD_NR_CLASSES,
		 cls);
	local->n = 0;
	cpu_lock(c);
	if (c->loaded->size > mag_size || c->prev->size > mag_size) {
		snprintf(msg, msglen, "%s: magazine over capacity", where);
		ret = -EUCLEAN;
	} else if (atomic_load(&c->nr_cached) !=
		   c->loaded->size + c->prev->size) {
		snprintf(msg, msglen,
			 "%s: cached count %lu, magazines hold %lu", where,
			 atomic_load(&c->nr_cached),
			 c->loaded->size + c->prev->size);
		ret = -EUCLEAN;
	} else {
		tree_lock(iovad);
		ret = check_mag(iovad, c->loaded, c->loaded->size, cls, where,
				local, all, msg, msglen);
		if (!ret)
			ret = check_mag(iovad, c->prev, c->prev->size, cls,
					where, local, all, msg, msglen);
		tree_unlock(iovad);
	}
	if (!ret)
		ret = set_check_dups(local, where, msg, msglen);
	cpu_unlock(c);
	return ret;
}

static int check_depot(struct iovad *iovad, unsigned int cls,
		       struct pfn_set *local, struct pfn_set *all, char *msg,
		       size_t msglen)
{
	struct iovad_class *k = &iovad->cls[cls];
	unsigned long len = 0;
	char where[48];
	int ret = 0;

	snprintf(where, sizeof(where), "depot class %u", cls);
	local->n = 0;
	depot_lock(k);
	tree_lock(iovad);
	for (struct iovad_mag *m = k->depot; m && !ret; m = m->next) {
		len++;
		ret = check_mag(iovad, m, iovad->attr.mag_size, cls, where,
				local, all, msg, msglen);
	}
	tree_unlock(iovad);
	if (!ret && len != atomic_load(&k->depot_size)) {
		snprintf(msg, msglen, "%s: %lu magazines, depot_size says %lu",
			 where, len, atomic_load(&k->depot_size));
		ret = -EUCLEAN;
	}
	if (!ret)
		ret = set_check_dups(local, where, msg, msglen);
	depot_unlock(k);
	return ret;
}

static int check(struct iovad *iovad, bool quiescent, char *msg, size_t msglen)
{
	struct pfn_set local = { 0 }, all = { 0 };
	struct pfn_set *allp = quiescent ? &all : NULL;
	int ret;

	tree_lock(iovad);
	ret = iova_domain_check(iovad->tree, msg, msglen);
	tree_unlock(iovad);
	if (ret)
		return ret;
	if (atomic_load_explicit(&iovad->bad_frees, memory_order_relaxed)) {
		snprintf(msg, msglen,
			 "%llu free_iova_fast calls refused (not a live range "
			 "of that size)",
			 (unsigned long long)atomic_load_explicit(
				 &iovad->bad_frees, memory_order_relaxed));
		return -EUCLEAN;
	}
	if (!iovad->attr.rcache)
		return ret;

	/*
	 * One structure at a time, each under its own lock then the tree
	 * lock: holding every lock at once would exceed what queue locks
	 * allow one thread to hold (SPIN_MCS_NODES).
	 */
	for (unsigned int i = 0; i < iovad->nr_cpus * IOVAD_NR_CLASSES && !ret;
	     i++)
		ret = check_slot(iovad, i, &local, allp, msg, msglen);
	for (unsigned int cls = 0; cls < IOVAD_NR_CLASSES && !ret; cls++)
		ret = check_depot(iovad, cls, &local, allp, msg, msglen);
	if (!ret && quiescent)
		ret = set_check_dups(&all, "cache", msg, msglen);
	free(local.v);
	free(all.v);
	return ret;
}

int iovad_check(struct iovad *iovad, char *msg, size_t msglen)
{
	return check(iovad, false, msg, msglen);
}

int iovad_check_quiescent(struct iovad *iovad, char *msg, size_t msglen)
{
	return check(iovad, true, msg, msglen);
}
