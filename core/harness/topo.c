// SPDX-License-Identifier: MIT
#define _GNU_SOURCE /* sched_getcpu, CPU_SET */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>

#include "iovalab/fault.h"
#include "iovalab/harness/topo.h"

const char *const lab_pin_mode_names[] = { "compact", "scatter", "none", NULL };

int lab_pin_mode_parse(const char *s, enum lab_pin_mode *out)
{
	for (int i = 0; lab_pin_mode_names[i]; i++)
		if (!strcmp(s, lab_pin_mode_names[i])) {
			*out = (enum lab_pin_mode)i;
			return 0;
		}
	return -EINVAL;
}

struct lab_topo {
	hwloc_topology_t h;
	unsigned int npus, ncores, nnuma, npkg;
	/* hwloc logical PU indexes in compact and scatter order */
	unsigned int *order[2];
	char cpu_model[128];
};

/* Where one core sits, for the scatter sort. */
struct core_pos {
	hwloc_obj_t core; /* a core, or a PU when hwloc reports no cores */
	int pkg, numa, l3; /* logical indexes, -1 when the level is absent */
	unsigned int r_core, r_l3, r_numa; /* ranks within the parent group */
};

static int numa_of(hwloc_topology_t h, hwloc_obj_t core)
{
	hwloc_obj_t n = NULL;

	while ((n = hwloc_get_next_obj_by_type(h, HWLOC_OBJ_NUMANODE, n)))
		if (n->cpuset &&
		    hwloc_bitmap_isincluded(core->cpuset, n->cpuset))
			return (int)n->logical_index;
	return -1;
}

static int ancestor_of(hwloc_topology_t h, hwloc_obj_type_t type, hwloc_obj_t o)
{
	hwloc_obj_t a = hwloc_get_ancestor_obj_by_type(h, type, o);

	return a ? (int)a->logical_index : -1;
}

static int l3_of(hwloc_topology_t h, hwloc_obj_t o)
{
	for (hwloc_obj_t a = o->parent; a; a = a->parent)
		if (a->type == HWLOC_OBJ_L3CACHE)
			return (int)a->logical_index;
	return -1;
}

/* Scatter key: spread over packages first, then NUMA nodes, then L3s. */
static int scatter_cmp(const void *pa, const void *pb)
{
	const struct core_pos *a = pa, *b = pb;

	if (a->r_core != b->r_core)
		return a->r_core < b->r_core ? -1 : 1;
	if (a->r_l3 != b->r_l3)
		return a->r_l3 < b->r_l3 ? -1 : 1;
	if (a->r_numa != b->r_numa)
		return a->r_numa < b->r_numa ? -1 : 1;
	if (a->pkg != b->pkg)
		return a->pkg < b->pkg ? -1 : 1;
	return a->core->logical_index < b->core->logical_index ? -1 : 1;
}

/*
 * Rank of cores[i] among earlier cores sharing the group given by @same,
 * counting distinct values of @field: "how many distinct X came before
 * mine in this group".
 */
static unsigned int distinct_before(const struct core_pos *c, size_t i,
				    int (*same)(const struct core_pos *,
						const struct core_pos *),
				    int (*field)(const struct core_pos *))
{
	unsigned int rank = 0;

	for (size_t j = 0; j < i; j++) {
		bool seen = false;

		if (!same(&c[j], &c[i]) || field(&c[j]) == field(&c[i]))
			continue;
		/* count each distinct value once */
		for (size_t k = 0; k < j; k++)
			if (same(&c[k], &c[i]) && field(&c[k]) == field(&c[j]))
				seen = true;
		if (!seen)
			rank++;
	}
	return rank;
}

static int same_l3(const struct core_pos *a, const struct core_pos *b)
{
	return a->pkg == b->pkg && a->numa == b->numa && a->l3 == b->l3;
}

static int same_numa(const struct core_pos *a, const struct core_pos *b)
{
	return a->pkg == b->pkg && a->numa == b->numa;
}

static int same_pkg(const struct core_pos *a, const struct core_pos *b)
{
	return a->pkg == b->pkg;
}

static int f_core(const struct core_pos *a)
{
	return (int)a->core->logical_index;
}

static int f_l3(const struct core_pos *a)
{
	return a->l3;
}

static int f_numa(const struct core_pos *a)
{
	return a->numa;
}

/* The @rank-th PU inside @core, or NULL. */
static hwloc_obj_t pu_of(hwloc_topology_t h, hwloc_obj_t core,
			 unsigned int rank)
{
	if (core->type == HWLOC_OBJ_PU)
		return rank == 0 ? core : NULL;
	return hwloc_get_obj_inside_cpuset_by_type(h, core->cpuset,
						   HWLOC_OBJ_PU, rank);
}

static void fill_order(struct lab_topo *t, struct core_pos *c,
		       unsigned int *out, unsigned int max_smt)
{
	unsigned int n = 0;

	for (unsigned int r = 0; r < max_smt; r++)
		for (unsigned int i = 0; i < t->ncores; i++) {
			hwloc_obj_t pu = pu_of(t->h, c[i].core, r);

			if (pu)
				out[n++] = pu->logical_index;
		}
}

static void read_cpu_model(struct lab_topo *t)
{
	hwloc_obj_t pkg = hwloc_get_obj_by_type(t->h, HWLOC_OBJ_PACKAGE, 0);
	const char *m = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") :
			      NULL;
	FILE *f;
	char line[256];

	if (m) {
		snprintf(t->cpu_model, sizeof(t->cpu_model), "%s", m);
		return;
	}
	f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (colon && (!strncmp(line, "model name", 10) ||
			      !strncmp(line, "Model", 5))) {
			colon += 1 + (colon[1] == ' ');
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(t->cpu_model, sizeof(t->cpu_model), "%s",
				 colon);
			break;
		}
	}
	fclose(f);
}

struct lab_topo *lab_topo_load(const char *tool)
{
	struct lab_topo *t =
		lab_fault_fail(LAB_FAULT_OTHER) ? NULL : calloc(1, sizeof(*t));
	struct core_pos *c = NULL;
	hwloc_obj_type_t ctype = HWLOC_OBJ_CORE;
	unsigned int max_smt = 1;

	if (!t) {
		fprintf(stderr, "%s: out of memory loading the topology\n",
			tool);
		return NULL;
	}
	if (hwloc_topology_init(&t->h) || hwloc_topology_load(t->h)) {
		fprintf(stderr, "%s: hwloc cannot load the topology\n", tool);
		free(t);
		return NULL;
	}
	t->npus = (unsigned int)hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_PU);
	t->ncores = (unsigned int)hwloc_get_nbobjs_by_type(t->h, ctype);
	if (t->ncores == 0) { /* some VMs expose no core level */
		ctype = HWLOC_OBJ_PU;
		t->ncores = t->npus;
	}
	t->nnuma = (unsigned int)hwloc_get_nbobjs_by_type(t->h,
							  HWLOC_OBJ_NUMANODE);
	t->npkg =
		(unsigned int)hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_PACKAGE);
	read_cpu_model(t);
	c = calloc(t->ncores, sizeof(*c));
	t->order[0] = calloc(t->npus, sizeof(unsigned int));
	t->order[1] = calloc(t->npus, sizeof(unsigned int));
	if (!c || !t->order[0] || !t->order[1] || t->npus == 0) {
		fprintf(stderr, "%s: no usable PUs or out of memory\n", tool);
		free(c);
		lab_topo_free(t);
		return NULL;
	}
	for (unsigned int i = 0; i < t->ncores; i++) {
		hwloc_obj_t o = hwloc_get_obj_by_type(t->h, ctype, i);
		unsigned int smt =
			ctype == HWLOC_OBJ_PU ?
				1 :
				(unsigned int)
					hwloc_get_nbobjs_inside_cpuset_by_type(
						t->h, o->cpuset, HWLOC_OBJ_PU);

		c[i].core = o;
		c[i].pkg = ancestor_of(t->h, HWLOC_OBJ_PACKAGE, o);
		c[i].numa = numa_of(t->h, o);
		c[i].l3 = l3_of(t->h, o);
		if (smt > max_smt)
			max_smt = smt;
	}
	fill_order(t, c, t->order[LAB_PIN_COMPACT], max_smt);
	for (unsigned int i = 0; i < t->ncores; i++) {
		c[i].r_core = distinct_before(c, i, same_l3, f_core);
		c[i].r_l3 = distinct_before(c, i, same_numa, f_l3);
		c[i].r_numa = distinct_before(c, i, same_pkg, f_numa);
	}
	qsort(c, t->ncores, sizeof(*c), scatter_cmp);
	fill_order(t, c, t->order[LAB_PIN_SCATTER], max_smt);
	free(c);
	return t;
}

void lab_topo_free(struct lab_topo *t)
{
	if (!t)
		return;
	free(t->order[0]);
	free(t->order[1]);
	hwloc_topology_destroy(t->h);
	free(t);
}

unsigned int lab_topo_pus(const struct lab_topo *t)
{
	return t->npus;
}

unsigned int lab_topo_cores(const struct lab_topo *t)
{
	return t->ncores;
}

unsigned int lab_topo_numa_nodes(const struct lab_topo *t)
{
	return t->nnuma ? t->nnuma : 1;
}

unsigned int lab_topo_packages(const struct lab_topo *t)
{
	return t->npkg ? t->npkg : 1;
}

const char *lab_topo_cpu_model(const struct lab_topo *t)
{
	return t->cpu_model;
}

bool lab_topo_place(const struct lab_topo *t, enum lab_pin_mode mode,
		    unsigned int i, unsigned int *logical, unsigned int *os)
{
	hwloc_obj_t pu;

	if (mode != LAB_PIN_COMPACT && mode != LAB_PIN_SCATTER)
		return false;
	*logical = t->order[mode][i % t->npus];
	pu = hwloc_get_obj_by_type(t->h, HWLOC_OBJ_PU, *logical);
	*os = pu ? pu->os_index : 0;
	return true;
}

int lab_topo_bind_self(struct lab_topo *t, unsigned int logical)
{
	hwloc_obj_t pu = hwloc_get_obj_by_type(t->h, HWLOC_OBJ_PU, logical);

	if (!pu)
		return -EINVAL;
	if (hwloc_set_cpubind(t->h, pu->cpuset, HWLOC_CPUBIND_THREAD))
		return errno ? -errno : -EINVAL;
	return 0;
}

bool lab_topo_oversubscribed(const struct lab_topo *t, unsigned int threads)
{
	return threads > t->npus;
}

bool lab_topo_smt_shared(const struct lab_topo *t, unsigned int threads)
{
	return threads > t->ncores;
}

void lab_pin_plan(const struct lab_topo *t, enum lab_pin_mode mode,
		  unsigned int i, struct lab_pin *p)
{
	p->logical = p->os = 0;
	p->pinned = lab_topo_place(t, mode, i, &p->logical, &p->os);
}

int lab_pin_os_cpu(const struct lab_pin *p)
{
	return p->pinned ? (int)p->os : -1;
}

int lab_pin_apply(struct lab_topo *t, const struct lab_pin *p)
{
	return p->pinned ? lab_topo_bind_self(t, p->logical) : 0;
}

int lab_pin_self_here(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return errno ? -errno : -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return errno ? -errno : -EINVAL;
	return 0;
}
