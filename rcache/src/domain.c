// SPDX-License-Identifier: MIT
/*
 * struct iovad's life: attributes, creation (core domain, locks, CPU
 * slots with their first magazines, the trim thread), destruction, and the
 * accessors to its locks and its core domain. Written for the lab after
 * reading Linux drivers/iommu/iova.c and Bonwick & Adams, "Magazines and
 * Vmem" (USENIX 2001).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "iovalab/fault.h"
#include "iovalab/parse.h"
#include "rcache_internal.h"

#ifdef IOVAD_LOCKDEP
_Thread_local unsigned int iovad_lockdep_held[LVL_NR];
const char *const iovad_lockdep_names[LVL_NR] = { "per-CPU", "depot", "tree" };
#endif

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

	lab_lock_defer_free(iovad->tree_lock, iova_node_release, node);
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
	if (iovad->tree) {
		/* No reader is left: free nodes at once, after the
		 * deferred ones are back in the domain's caches. */
		if (iovad->tree_lock)
			lab_lock_defer_barrier(iovad->tree_lock);
		iova_domain_set_free_hook(iovad->tree, NULL, NULL);
		iova_domain_put(iovad->tree);
	}
	if (iovad->tree_lock)
		lab_lock_destroy(iovad->tree_lock);
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

	iovad->tree =
		iova_domain_create(attr->alg, attr->granule, attr->start_pfn);
	if (!iovad->tree)
		goto fail_errno;
	iovad->tree_lock = make_lock(attr, attr->tree_lock, "iovad.tree");
	if (!iovad->tree_lock)
		goto fail_errno;
	iovad->lockless_find = lab_lock_lockless_readers(iovad->tree_lock);
	if (iovad->lockless_find)
		iova_domain_set_free_hook(iovad->tree, iovad_free_node, iovad);

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
	iovad->attr.tree_lock = lab_lock_name(iovad->tree_lock);
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

struct lab_lock *iovad_tree_lock(const struct iovad *iovad)
{
	return iovad->tree_lock;
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
	return iovad->tree;
}
