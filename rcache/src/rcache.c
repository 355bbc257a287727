// SPDX-License-Identifier: MIT
/*
 * struct iovad: the core domain behind a tree lock, with the kernel's
 * per-CPU magazine cache in front of it (see iovalab/rcache.h for the
 * rules). Written for the lab after reading Linux drivers/iommu/iova.c and
 * Bonwick & Adams, "Magazines and Vmem" (USENIX 2001).
 *
 * Layout: one struct iovad_cpu per (CPU slot, size class), each on its own
 * cache line, holding its lock, its two magazines and the counters only
 * that slot's lock holder writes. One struct iovad_class per size class
 * holding the depot (a LIFO of full magazines) and its lock.
 *
 * Counters written under a lock are relaxed atomics updated with a plain
 * load + store (no read-modify-write, so no extra cost on the hit path);
 * they are atomics only so a statistics reader that takes no lock is not a
 * data race. Counters written without a common lock use relaxed RMWs and
 * are off the hit path.
 */
#define _GNU_SOURCE
#include "iovalab/fault.h"
#include "iovalab/rcache.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iovalab/clock.h"
#include "iovalab/parse.h"

/*
 * A magazine is a stack of pfns (range starts). In a CPU slot @size counts
 * the pfns it holds; in the depot it is always full, so the same word
 * links the list (the kernel's trick that keeps a 127-pfn magazine at
 * 1 KiB).
 */
struct iovad_mag {
	union {
		unsigned long size;
		struct iovad_mag *next;
	};
	unsigned long pfns[];
};

struct iovad_cpu {
	struct lab_lock *lock;
	struct iovad_mag *loaded;
	struct iovad_mag *prev;
	_Atomic unsigned long nr_cached; /* loaded->size + prev->size */
	_Atomic uint64_t hits;
	_Atomic uint64_t misses;
	_Atomic uint64_t frees_cached;
	_Atomic uint64_t frees_uncached;
} __lab_cacheline_aligned;

struct iovad_class {
	struct lab_lock *lock;
	struct iovad_mag *depot;
	/* Written under @lock; read by trim arming (Dekker, seq_cst). */
	_Atomic unsigned long depot_size;
	_Atomic uint64_t pushes;
	_Atomic uint64_t pops;
	_Atomic uint64_t trims;
} __lab_cacheline_aligned;

struct iovad_trim {
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC */
	bool stop; /* under mu */
	uint64_t due_ns; /* under mu, meaningful while armed */
	atomic_bool armed; /* written under mu, read lock-free */
};

struct iovad {
	struct iovad_class cls[IOVAD_NR_CLASSES];
	struct iovad_cpu *cpus; /* [cpu * IOVAD_NR_CLASSES + class] */
	unsigned int nr_cpus;
	struct iova_domain *dom;
	struct lab_lock *tree;
	bool lockless_find;
	struct iovad_attr attr;
	size_t mag_bytes; /* bytes of one magazine */

	_Atomic uint64_t mags;
	_Atomic uint64_t bypass_allocs;
	_Atomic uint64_t bypass_frees;
	_Atomic uint64_t bad_frees;
	_Atomic uint64_t alloc_failures;
	_Atomic uint64_t flushes;
	_Atomic uint64_t flushed_ranges;
	_Atomic uint64_t trim_runs;

	struct iovad_trim trim;
};

/* ---- lock order: per-CPU -> depot -> tree ---- */

enum iovad_lock_level {
	LVL_CPU,
	LVL_DEPOT,
	LVL_TREE,
	LVL_NR,
};

#if defined(IOVALAB_CHECK) || !defined(NDEBUG)
#define IOVAD_LOCKDEP 1
static _Thread_local unsigned int lockdep_held[LVL_NR];
static const char *const lockdep_names[LVL_NR] = { "per-CPU", "depot", "tree" };

static void lockdep_acquire(enum iovad_lock_level lvl)
{
	for (int l = lvl + 1; l < LVL_NR; l++) {
		if (lockdep_held[l]) {
			fprintf(stderr,
				"iovad: lock order violated: %s lock taken "
				"while holding the %s lock\n",
				lockdep_names[lvl], lockdep_names[l]);
			abort();
		}
	}
	if (lockdep_held[lvl]) {
		fprintf(stderr, "iovad: two %s locks held at once\n",
			lockdep_names[lvl]);
		abort();
	}
	lockdep_held[lvl]++;
}

static void lockdep_release(enum iovad_lock_level lvl)
{
	if (!lockdep_held[lvl]) {
		fprintf(stderr, "iovad: %s lock released but not held\n",
			lockdep_names[lvl]);
		abort();
	}
	lockdep_held[lvl]--;
}
#else
static inline void lockdep_acquire(enum iovad_lock_level lvl)
{
}

static inline void lockdep_release(enum iovad_lock_level lvl)
{
}
#endif

static inline void cpu_lock(struct iovad_cpu *c)
{
	lockdep_acquire(LVL_CPU);
	lab_lock(c->lock);
}

static inline void cpu_unlock(struct iovad_cpu *c)
{
	lab_unlock(c->lock);
	lockdep_release(LVL_CPU);
}

static inline void depot_lock(struct iovad_class *k)
{
	lockdep_acquire(LVL_DEPOT);
	lab_lock(k->lock);
}

static inline void depot_unlock(struct iovad_class *k)
{
	lab_unlock(k->lock);
	lockdep_release(LVL_DEPOT);
}

static inline void tree_lock(struct iovad *iovad)
{
	lockdep_acquire(LVL_TREE);
	lab_lock(iovad->tree);
	lab_busy_ns(iovad->attr.tree_hold_ns);
}

static inline void tree_unlock(struct iovad *iovad)
{
	lab_unlock(iovad->tree);
	lockdep_release(LVL_TREE);
}

static inline void tree_read_lock(struct iovad *iovad)
{
	lockdep_acquire(LVL_TREE);
	lab_read_lock(iovad->tree);
}

static inline void tree_read_unlock(struct iovad *iovad)
{
	lab_read_unlock(iovad->tree);
	lockdep_release(LVL_TREE);
}

/* ---- small helpers ---- */

/* A counter only its lock holder writes: no RMW needed. */
static inline void owned_inc(_Atomic uint64_t *c)
{
	atomic_store_explicit(c,
			      atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static inline void shared_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

static inline uint64_t rd(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* order_base_2: smallest k with 2^k >= size (size >= 1). */
static inline unsigned int size_order(unsigned long size)
{
	if (size <= 1)
		return 0;
	return (unsigned int)(sizeof(long) * CHAR_BIT -
			      __builtin_clzl(size - 1));
}

static unsigned int possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	uint64_t max = 0, *ids = NULL;
	long n = -1;
	char buf[256];

	/* "0-3,8-11": the highest number bounds sched_getcpu(). */
	if (f) {
		if (fgets(buf, sizeof(buf), f)) {
			buf[strcspn(buf, "\n")] = '\0';
			n = lab_parse_u64_list(buf, 0, UINT_MAX - 1, 1u << 22,
					       &ids);
		}
		fclose(f);
	}
	if (n <= 0) {
		long conf = sysconf(_SC_NPROCESSORS_CONF);

		return conf > 0 ? (unsigned int)conf : 1;
	}
	for (long i = 0; i < n; i++)
		if (ids[i] > max)
			max = ids[i];
	free(ids);
	return (unsigned int)max + 1;
}

static struct iovad_cpu *this_cpu(struct iovad *iovad, unsigned int cls)
{
	int cpu = sched_getcpu();
	unsigned int idx;

	/* Only a hint; any slot is correct because the slot is locked. */
	idx = cpu < 0 ? 0 : (unsigned int)cpu;
	if (idx >= iovad->nr_cpus) /* not on the hit path: no division */
		idx %= iovad->nr_cpus;
	return &iovad->cpus[idx * IOVAD_NR_CLASSES + cls];
}

static struct iovad_mag *mag_alloc(struct iovad *iovad)
{
	struct iovad_mag *m = lab_fault_fail(LAB_FAULT_MAGAZINE) ?
				      NULL :
				      malloc(iovad->mag_bytes);

	if (!m)
		return NULL;
	m->size = 0;
	shared_add(&iovad->mags, 1);
	return m;
}

static void mag_free(struct iovad *iovad, struct iovad_mag *m)
{
	if (!m)
		return;
	free(m);
	atomic_fetch_sub_explicit(&iovad->mags, 1, memory_order_relaxed);
}

/*
 * Take the highest-indexed pfn <= @limit out of @m, moving the top entry
 * into its place. 0 (never a valid pfn: start_pfn >= 1) when none fits.
 */
static unsigned long mag_pop(struct iovad_mag *m, unsigned long limit)
{
	unsigned long i = m->size;

	while (i > 0) {
		unsigned long pfn = m->pfns[--i];

		if (pfn <= limit) {
			m->pfns[i] = m->pfns[--m->size];
			return pfn;
		}
	}
	return 0;
}

/* Give every pfn of @m back to the tree; caller holds the tree lock. */
static unsigned long mag_release_pfns(struct iovad *iovad, struct iovad_mag *m,
				      unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		if (free_iova(iovad->dom, m->pfns[i])) {
			/* A cached pfn must be live; only misuse gets here. */
			fprintf(stderr,
				"iovad: cached pfn %#lx is not in the tree\n",
				m->pfns[i]);
			abort();
		}
	}
	return n;
}

static void cpu_publish(struct iovad_cpu *c)
{
	atomic_store_explicit(&c->nr_cached, c->loaded->size + c->prev->size,
			      memory_order_relaxed);
}

static void swap_mags(struct iovad_cpu *c)
{
	struct iovad_mag *t = c->loaded;

	c->loaded = c->prev;
	c->prev = t;
}

/* ---- trim thread ---- */

static bool any_depot_over(struct iovad *iovad)
{
	for (unsigned int k = 0; k < IOVAD_NR_CLASSES; k++) {
		if (atomic_load(&iovad->cls[k].depot_size) >
		    iovad->attr.depot_max)
			return true;
	}
	return false;
}

static void ns_to_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000ull);
	ts->tv_nsec = (long)(ns % 1000000000ull);
}

static void *trim_main(void *arg)
{
	struct iovad *iovad = arg;
	struct iovad_trim *t = &iovad->trim;

	lab_lock_thread_online();
	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		struct timespec ts;
		uint64_t now;

		if (!atomic_load(&t->armed)) {
			pthread_cond_wait(&t->cv, &t->mu);
			continue;
		}
		now = lab_now_ns();
		if (now < t->due_ns) {
			ns_to_timespec(t->due_ns, &ts);
			pthread_cond_timedwait(&t->cv, &t->mu, &ts);
			continue;
		}
		pthread_mutex_unlock(&t->mu);
		iovad_rcache_trim(iovad);
		pthread_mutex_lock(&t->mu);
		/*
		 * Disarm, then look again: a push that raised a depot over
		 * the threshold after our look either sees armed == false
		 * and arms, or we see its depot size here (both seq_cst).
		 */
		atomic_store(&t->armed, false);
		if (any_depot_over(iovad)) {
			atomic_store(&t->armed, true);
			t->due_ns = lab_now_ns() + iovad->attr.trim_period_ns;
		}
	}
	pthread_mutex_unlock(&t->mu);
	lab_lock_thread_offline();
	return NULL;
}

/* Called with no lock held after a push left a depot over the threshold. */
static void trim_arm(struct iovad *iovad)
{
	struct iovad_trim *t = &iovad->trim;

	if (!t->running || atomic_load(&t->armed))
		return;
	pthread_mutex_lock(&t->mu);
	if (!atomic_load(&t->armed)) {
		t->due_ns = lab_now_ns() + iovad->attr.trim_period_ns;
		atomic_store(&t->armed, true);
		pthread_cond_signal(&t->cv);
	}
	pthread_mutex_unlock(&t->mu);
}

static int trim_start(struct iovad *iovad)
{
	struct iovad_trim *t = &iovad->trim;
	pthread_condattr_t ca;
	int err;

	pthread_mutex_init(&t->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&t->armed, false);
	t->stop = false;
	t->running = false;
	if (!iovad->attr.trim_period_ns || !iovad->attr.rcache)
		return 0;
	err = lab_fault_pthread_create(&t->thread, NULL, trim_main, iovad);
	if (err) {
		pthread_cond_destroy(&t->cv);
		pthread_mutex_destroy(&t->mu);
		return err;
	}
	t->running = true;
	return 0;
}

static void trim_stop(struct iovad *iovad)
{
	struct iovad_trim *t = &iovad->trim;

	if (t->running) {
		pthread_mutex_lock(&t->mu);
		t->stop = true;
		pthread_cond_signal(&t->cv);
		pthread_mutex_unlock(&t->mu);
		pthread_join(t->thread, NULL);
		t->running = false;
	}
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
}

/* ---- create / destroy ---- */

void iovad_attr_init(struct iovad_attr *attr)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	memset(attr, 0, sizeof(*attr));
	attr->alg = IOVA_ALG_CLASSIC;
	attr->granule = 4096;
	attr->start_pfn = 1;
	attr->tree_lock = "mutex";
	attr->cpu_lock = "mutex";
	attr->depot_lock = "mutex";
	attr->spin = LAB_SPIN_YIELD;
	attr->lock_stats = false;
	attr->rcache = true;
	attr->mag_size = IOVAD_MAG_SIZE_DEFAULT;
	attr->depot_max = online > 0 ? (unsigned long)online : 1;
	attr->trim_period_ns = IOVAD_TRIM_PERIOD_NS_DEFAULT;
	attr->trust_fast_free = false;
}

static void iovad_free_node(void *node, void *arg)
{
	struct iovad *iovad = arg;

	lab_lock_defer_free(iovad->tree, iova_node_release, node);
}

static struct lab_lock *make_lock(const struct iovad_attr *attr,
				  const char *name, const char *label)
{
	struct lab_lock_attr la = {
		.spin = attr->spin,
		.stats = attr->lock_stats,
		.label = label,
	};

	return lab_lock_create(name, &la);
}

static void free_all(struct iovad *iovad)
{
	if (iovad->cpus) {
		for (unsigned int i = 0; i < iovad->nr_cpus * IOVAD_NR_CLASSES;
		     i++) {
			struct iovad_cpu *c = &iovad->cpus[i];

			mag_free(iovad, c->loaded);
			mag_free(iovad, c->prev);
			if (c->lock)
				lab_lock_destroy(c->lock);
		}
		free(iovad->cpus);
	}
	for (unsigned int k = 0; k < IOVAD_NR_CLASSES; k++) {
		struct iovad_class *kc = &iovad->cls[k];

		while (kc->depot) {
			struct iovad_mag *m = kc->depot;

			kc->depot = m->next;
			mag_free(iovad, m);
		}
		if (kc->lock)
			lab_lock_destroy(kc->lock);
	}
	if (iovad->dom) {
		/* No reader is left: free nodes at once, after the
		 * deferred ones are back in the domain's caches. */
		if (iovad->tree)
			lab_lock_defer_barrier(iovad->tree);
		iova_domain_set_free_hook(iovad->dom, NULL, NULL);
		iova_domain_put(iovad->dom);
	}
	if (iovad->tree)
		lab_lock_destroy(iovad->tree);
	free(iovad);
}

struct iovad *iovad_create(const struct iovad_attr *attr)
{
	struct iovad *iovad;
	size_t slots;
	int err;

	if (!attr || !attr->tree_lock || !attr->cpu_lock || !attr->depot_lock ||
	    attr->mag_size == 0 || attr->mag_size > IOVAD_MAG_SIZE_MAX) {
		errno = EINVAL;
		return NULL;
	}
	iovad = aligned_alloc(LAB_CACHELINE,
			      (sizeof(*iovad) + LAB_CACHELINE - 1) &
				      ~(size_t)(LAB_CACHELINE - 1));
	if (!iovad) {
		errno = ENOMEM;
		return NULL;
	}
	memset(iovad, 0, sizeof(*iovad));
	iovad->attr = *attr;
	iovad->mag_bytes = sizeof(struct iovad_mag) +
			   attr->mag_size * sizeof(unsigned long);
	iovad->nr_cpus = possible_cpus();

	iovad->dom =
		iova_domain_create(attr->alg, attr->granule, attr->start_pfn);
	if (!iovad->dom)
		goto fail_errno;
	iovad->tree = make_lock(attr, attr->tree_lock, "iovad.tree");
	if (!iovad->tree)
		goto fail_errno;
	iovad->lockless_find = lab_lock_lockless_readers(iovad->tree);
	if (iovad->lockless_find)
		iova_domain_set_free_hook(iovad->dom, iovad_free_node, iovad);

	for (unsigned int k = 0; k < IOVAD_NR_CLASSES; k++) {
		iovad->cls[k].lock =
			make_lock(attr, attr->depot_lock, "iovad.depot");
		if (!iovad->cls[k].lock)
			goto fail_errno;
	}

	slots = (size_t)iovad->nr_cpus * IOVAD_NR_CLASSES;
	iovad->cpus = lab_fault_fail(LAB_FAULT_MAGAZINE) ?
			      NULL :
			      aligned_alloc(LAB_CACHELINE,
					    slots * sizeof(struct iovad_cpu));
	if (!iovad->cpus) {
		errno = ENOMEM;
		goto fail_errno;
	}
	memset(iovad->cpus, 0, slots * sizeof(struct iovad_cpu));
	for (size_t i = 0; i < slots; i++) {
		struct iovad_cpu *c = &iovad->cpus[i];

		c->lock = make_lock(attr, attr->cpu_lock, "iovad.cpu");
		if (!c->lock)
			goto fail_errno;
		if (!attr->rcache)
			continue;
		c->loaded = mag_alloc(iovad);
		c->prev = mag_alloc(iovad);
		if (!c->loaded || !c->prev) {
			errno = ENOMEM;
			goto fail_errno;
		}
	}

	/* The caller's strings need not outlive the domain. */
	iovad->attr.tree_lock = lab_lock_name(iovad->tree);
	iovad->attr.depot_lock = lab_lock_name(iovad->cls[0].lock);
	iovad->attr.cpu_lock = lab_lock_name(iovad->cpus[0].lock);

	err = trim_start(iovad);
	if (err) {
		errno = err;
		goto fail_errno;
	}
	return iovad;

fail_errno:
	err = errno;
	free_all(iovad);
	errno = err ? err : ENOMEM;
	return NULL;
}

void iovad_destroy(struct iovad *iovad)
{
	if (!iovad)
		return;
	trim_stop(iovad);
	free_all(iovad);
}

const struct iovad_attr *iovad_get_attr(const struct iovad *iovad)
{
	return &iovad->attr;
}

unsigned int iovad_nr_cpu_slots(const struct iovad *iovad)
{
	return iovad->nr_cpus;
}

/* ---- tree operations ---- */

unsigned long iovad_alloc_iova(struct iovad *iovad, unsigned long size,
			       unsigned long limit_pfn, bool size_aligned)
{
	struct iova *iova;
	unsigned long pfn = 0;

	tree_lock(iovad);
	iova = alloc_iova(iovad->dom, size, limit_pfn, size_aligned);
	if (iova)
		pfn = iova->pfn_lo;
	tree_unlock(iovad);
	return pfn;
}

int iovad_free_iova(struct iovad *iovad, unsigned long pfn)
{
	int ret;

	tree_lock(iovad);
	ret = free_iova(iovad->dom, pfn);
	tree_unlock(iovad);
	return ret;
}

bool iovad_find_iova(struct iovad *iovad, unsigned long pfn,
		     unsigned long *pfn_lo, unsigned long *pfn_hi)
{
	struct iova *iova;
	unsigned long lo = 0, hi = 0;

	tree_read_lock(iovad);
	if (iovad->lockless_find)
		iova = find_iova_lockless(iovad->dom, pfn);
	else
		iova = find_iova(iovad->dom, pfn);
	if (iova) {
		/* Writers store these with relaxed atomics once linked. */
		lo = __atomic_load_n(&iova->pfn_lo, __ATOMIC_RELAXED);
		hi = __atomic_load_n(&iova->pfn_hi, __ATOMIC_RELAXED);
	}
	tree_read_unlock(iovad);
	if (!iova)
		return false;
	if (pfn_lo)
		*pfn_lo = lo;
	if (pfn_hi)
		*pfn_hi = hi;
	return true;
}

int iovad_reserve_iova(struct iovad *iovad, unsigned long pfn_lo,
		       unsigned long pfn_hi)
{
	struct iova *iova;

	if (pfn_lo > pfn_hi)
		return -EINVAL;
	tree_lock(iovad);
	iova = reserve_iova(iovad->dom, pfn_lo, pfn_hi);
	tree_unlock(iovad);
	return iova ? 0 : -ENOMEM;
}

/* ---- the magazine layer ---- */

/*
 * A cached range of class @cls whose end lies at or below @limit_pfn, or 0.
 * Kernel rule: only the loaded magazine is searched once something is in
 * it; prev and the depot are tried only when loaded is empty.
 */
static unsigned long rcache_get(struct iovad *iovad, unsigned int cls,
				unsigned long limit_pfn)
{
	struct iovad_cpu *c = this_cpu(iovad, cls);
	struct iovad_class *k = &iovad->cls[cls];
	struct iovad_mag *empty = NULL;
	unsigned long span = (1UL << cls) - 1;
	unsigned long pop_limit = limit_pfn >= span ? limit_pfn - span : 0;
	unsigned long pfn = 0;
	bool have = true;

	cpu_lock(c);
	if (c->loaded->size) {
		/* pop below */
	} else if (c->prev->size) {
		swap_mags(c);
	} else {
		depot_lock(k);
		if (k->depot) {
			struct iovad_mag *m = k->depot;

			k->depot = m->next;
			m->size = iovad->attr.mag_size;
			atomic_store(
				&k->depot_size,
				atomic_load_explicit(&k->depot_size,
						     memory_order_relaxed) -
					1);
			owned_inc(&k->pops);
			empty = c->loaded;
			c->loaded = m;
		} else {
			have = false;
		}
		depot_unlock(k);
	}
	if (have)
		pfn = mag_pop(c->loaded, pop_limit);
	if (pfn)
		owned_inc(&c->hits);
	else
		owned_inc(&c->misses);
	cpu_publish(c);
	cpu_unlock(c);
	mag_free(iovad, empty);
	return pfn;
}

/* true if @pfn went into a magazine of class @cls. */
static bool rcache_insert(struct iovad *iovad, unsigned int cls,
			  unsigned long pfn)
{
	struct iovad_cpu *c = this_cpu(iovad, cls);
	struct iovad_class *k = &iovad->cls[cls];
	unsigned long mag_size = iovad->attr.mag_size;
	bool ok = true, arm = false;

	cpu_lock(c);
	if (c->loaded->size < mag_size) {
		/* room in loaded */
	} else if (c->prev->size < mag_size) {
		swap_mags(c);
	} else {
		struct iovad_mag *fresh = mag_alloc(iovad);

		if (fresh) {
			unsigned long n;

			depot_lock(k);
			c->loaded->next = k->depot;
			k->depot = c->loaded;
			n = atomic_load_explicit(&k->depot_size,
						 memory_order_relaxed) +
			    1;
			atomic_store(&k->depot_size, n);
			owned_inc(&k->pushes);
			depot_unlock(k);
			c->loaded = fresh;
			arm = n > iovad->attr.depot_max;
		} else {
			ok = false;
		}
	}
	if (ok) {
		c->loaded->pfns[c->loaded->size++] = pfn;
		owned_inc(&c->frees_cached);
	} else {
		owned_inc(&c->frees_uncached);
	}
	cpu_publish(c);
	cpu_unlock(c);
	if (arm)
		trim_arm(iovad);
	return ok;
}

/*
 * Is [pfn, pfn + size - 1] exactly one live tree range? The same test in
 * every build: a wrong free is refused and counted, never pushed into a
 * magazine (where a later alloc_iova_fast would hand it out again).
 */
static bool fast_free_matches(struct iovad *iovad, unsigned long pfn,
			      unsigned long size)
{
	unsigned long lo, hi;

	return size && iovad_find_iova(iovad, pfn, &lo, &hi) && lo == pfn &&
	       hi - lo == size - 1;
}

/*
 * Check and free under one tree-lock hold: the lockless check above can
 * be passed by two concurrent frees of the same range (a double free);
 * only one of them may then free it, the other is refused here.
 */
static int tree_free_checked(struct iovad *iovad, unsigned long pfn,
			     unsigned long size)
{
	struct iova *iova;
	int ret = -EINVAL;

	tree_lock(iovad);
	iova = find_iova(iovad->dom, pfn);
	if (iova && iova->pfn_lo == pfn && iova->pfn_hi - pfn == size - 1)
		ret = free_iova(iovad->dom, pfn);
	tree_unlock(iovad);
	return ret;
}

unsigned long alloc_iova_fast(struct iovad *iovad, unsigned long size,
			      unsigned long limit_pfn, bool flush_rcache)
{
	unsigned int cls = 0;
	struct iova *iova;
	unsigned long pfn;

	/* iova.h's rule, before a magazine pop could answer it */
	if (!size || limit_pfn > iova_domain_max_pfn(iovad->dom)) {
		shared_add(&iovad->alloc_failures, 1);
		return 0;
	}
	if (size <= IOVAD_MAX_CACHED_SIZE) {
		cls = size_order(size);
		size = 1UL << cls;
		if (iovad->attr.rcache) {
			pfn = rcache_get(iovad, cls, limit_pfn);
			if (pfn)
				return pfn;
		}
	} else {
		shared_add(&iovad->bypass_allocs, 1);
	}
	for (;;) {
		tree_lock(iovad);
		iova = alloc_iova(iovad->dom, size, limit_pfn, true);
		pfn = iova ? iova->pfn_lo : 0;
		tree_unlock(iovad);
		if (pfn)
			return pfn;
		if (!flush_rcache || !iovad->attr.rcache)
			break;
		flush_rcache = false;
		iovad_rcache_flush(iovad);
	}
	shared_add(&iovad->alloc_failures, 1);
	return 0;
}

int free_iova_fast(struct iovad *iovad, unsigned long pfn, unsigned long size)
{
	unsigned long rounded = size;

	if (size && size <= IOVAD_MAX_CACHED_SIZE)
		rounded = 1UL << size_order(size);
	if (!iovad->attr.trust_fast_free &&
	    !fast_free_matches(iovad, pfn, rounded)) {
		shared_add(&iovad->bad_frees, 1);
		return -EINVAL;
	}
	if (size && size <= IOVAD_MAX_CACHED_SIZE) {
		if (iovad->attr.rcache &&
		    rcache_insert(iovad, size_order(size), pfn))
			return 0;
	} else if (size) {
		shared_add(&iovad->bypass_frees, 1);
	}
	if (iovad->attr.trust_fast_free)
		iovad_free_iova(iovad, pfn);
	else if (tree_free_checked(iovad, pfn, rounded)) {
		shared_add(&iovad->bad_frees, 1);
		return -EINVAL;
	}
	return 0;
}

/* ---- maintenance ---- */

void iovad_rcache_flush(struct iovad *iovad)
{
	uint64_t ranges = 0;

	if (!iovad->attr.rcache)
		return;
	shared_add(&iovad->flushes, 1);
	for (unsigned int i = 0; i < iovad->nr_cpus * IOVAD_NR_CLASSES; i++) {
		struct iovad_cpu *c = &iovad->cpus[i];

		cpu_lock(c);
		if (c->loaded->size || c->prev->size) {
			tree_lock(iovad);
			ranges += mag_release_pfns(iovad, c->loaded,
						   c->loaded->size);
			ranges +=
				mag_release_pfns(iovad, c->prev, c->prev->size);
			tree_unlock(iovad);
			c->loaded->size = 0;
			c->prev->size = 0;
			cpu_publish(c);
		}
		cpu_unlock(c);
	}
	for (unsigned int cls = 0; cls < IOVAD_NR_CLASSES; cls++) {
		struct iovad_class *k = &iovad->cls[cls];
		struct iovad_mag *list;

		/* Depot lock held until the tree has the ranges back. */
		depot_lock(k);
		list = k->depot;
		k->depot = NULL;
		if (list) {
			tree_lock(iovad);
			for (struct iovad_mag *m = list; m; m = m->next)
				ranges += mag_release_pfns(
					iovad, m, iovad->attr.mag_size);
			tree_unlock(iovad);
		}
		atomic_store(&k->depot_size, 0);
		depot_unlock(k);
		while (list) {
			struct iovad_mag *m = list;

			list = m->next;
			mag_free(iovad, m);
		}
	}
	shared_add(&iovad->flushed_ranges, ranges);
}

unsigned int iovad_rcache_trim(struct iovad *iovad)
{
	unsigned int returned = 0;

	if (!iovad->attr.rcache)
		return 0;
	shared_add(&iovad->trim_runs, 1);
	for (unsigned int cls = 0; cls < IOVAD_NR_CLASSES; cls++) {
		struct iovad_class *k = &iovad->cls[cls];
		struct iovad_mag *m = NULL;

		depot_lock(k);
		if (atomic_load_explicit(&k->depot_size, memory_order_relaxed) >
		    iovad->attr.depot_max) {
			m = k->depot;
			k->depot = m->next;
			tree_lock(iovad);
			mag_release_pfns(iovad, m, iovad->attr.mag_size);
			tree_unlock(iovad);
			atomic_store(
				&k->depot_size,
				atomic_load_explicit(&k->depot_size,
						     memory_order_relaxed) -
					1);
			owned_inc(&k->trims);
		}
		depot_unlock(k);
		if (m) {
			mag_free(iovad, m);
			returned++;
		}
	}
	return returned;
}

/* ---- statistics ---- */

void iovad_rcache_stats(const struct iovad *iovad,
			struct iovad_rcache_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned int cpu = 0; cpu < iovad->nr_cpus; cpu++) {
		for (unsigned int k = 0; k < IOVAD_NR_CLASSES; k++) {
			const struct iovad_cpu *c =
				&iovad->cpus[cpu * IOVAD_NR_CLASSES + k];

			st->hits[k] += rd(&c->hits);
			st->misses[k] += rd(&c->misses);
			st->frees_cached[k] += rd(&c->frees_cached);
			st->frees_uncached[k] += rd(&c->frees_uncached);
			st->cached[k] += atomic_load_explicit(
				&c->nr_cached, memory_order_relaxed);
		}
	}
	for (unsigned int k = 0; k < IOVAD_NR_CLASSES; k++) {
		const struct iovad_class *kc = &iovad->cls[k];
		unsigned long depot = atomic_load_explicit(
			&kc->depot_size, memory_order_relaxed);

		st->depot_pushes[k] = rd(&kc->pushes);
		st->depot_pops[k] = rd(&kc->pops);
		st->trims[k] = rd(&kc->trims);
		st->depot_mags[k] = depot;
		st->cached[k] += (uint64_t)depot * iovad->attr.mag_size;
	}
	st->mags = rd(&iovad->mags);
	st->mag_bytes = st->mags * iovad->mag_bytes;
	st->bypass_allocs = rd(&iovad->bypass_allocs);
	st->bypass_frees = rd(&iovad->bypass_frees);
	st->bad_frees = rd(&iovad->bad_frees);
	st->alloc_failures = rd(&iovad->alloc_failures);
	st->flushes = rd(&iovad->flushes);
	st->flushed_ranges = rd(&iovad->flushed_ranges);
	st->trim_runs = rd(&iovad->trim_runs);
}

void iovad_tree_stats(struct iovad *iovad, struct iova_stats *st)
{
	tree_lock(iovad);
	iova_domain_stats(iovad->dom, st);
	tree_unlock(iovad);
}

struct lab_lock *iovad_tree_lock(const struct iovad *iovad)
{
	return iovad->tree;
}

struct lab_lock *iovad_depot_lock(const struct iovad *iovad, unsigned int cls)
{
	return cls < IOVAD_NR_CLASSES ? iovad->cls[cls].lock : NULL;
}

struct lab_lock *iovad_cpu_lock(const struct iovad *iovad, unsigned int cpu,
				unsigned int cls)
{
	if (cpu >= iovad->nr_cpus || cls >= IOVAD_NR_CLASSES)
		return NULL;
	return iovad->cpus[cpu * IOVAD_NR_CLASSES + cls].lock;
}

struct iova_domain *iovad_domain(const struct iovad *iovad)
{
	return iovad->dom;
}

/* ---- check ---- */

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
		struct iova *iova = find_iova(iovad->dom, pfn);

		if (!iova || iova->pfn_lo != pfn ||
		    iova->pfn_hi - iova->pfn_lo + 1 != want) {
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
	ret = iova_domain_check(iovad->dom, msg, msglen);
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
