// SPDX-License-Identifier: MIT
/*
 * Placement orders on synthetic machines (hwloc's HWLOC_SYNTHETIC), so the
 * compact/scatter rules are checked on shapes CI does not have: SMT,
 * several packages, L3 domains, NUMA nodes inside packages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/harness/topo.h"

struct shape {
	const char *synthetic;
	unsigned int pus, cores, numa, packages;
	unsigned int compact[16];
	unsigned int scatter[16];
};

static const struct shape shapes[] = {
	{
		/* 2 packages x 2 L3 x 2 cores x 2 SMT */
		"pack:2 l3:2 core:2 pu:2",
		16,
		8,
		1,
		2,
		{ 0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15 },
		{ 0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15 },
	},
	{
		/* 2 packages x 2 NUMA nodes (SNC) x 3 cores, no SMT */
		"pack:2 numa:2 core:3 pu:1",
		12,
		12,
		4,
		2,
		{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 },
		{ 0, 6, 3, 9, 1, 7, 4, 10, 2, 8, 5, 11 },
	},
	{
		/* one package, 4 cores x 2 SMT */
		"pack:1 core:4 pu:2",
		8,
		4,
		1,
		1,
		{ 0, 2, 4, 6, 1, 3, 5, 7 },
		{ 0, 2, 4, 6, 1, 3, 5, 7 },
	},
};

int main(void)
{
	int fails = 0;

	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		const struct shape *sh = &shapes[s];
		struct lab_topo *t;

		setenv("HWLOC_SYNTHETIC", sh->synthetic, 1);
		t = lab_topo_load("test_topo");
		if (!t) {
			printf("FAIL %s: topology did not load\n",
			       sh->synthetic);
			return 1;
		}
		if (lab_topo_pus(t) != sh->pus ||
		    lab_topo_cores(t) != sh->cores) {
			printf("FAIL %s: %u PUs %u cores\n", sh->synthetic,
			       lab_topo_pus(t), lab_topo_cores(t));
			fails++;
		}
		for (unsigned int i = 0; i < 2 * sh->pus; i++) {
			unsigned int lc = 0, ls = 0, os;

			/* wraps around past the last PU */
			if (!lab_topo_place(t, LAB_PIN_COMPACT, i, &lc, &os) ||
			    !lab_topo_place(t, LAB_PIN_SCATTER, i, &ls, &os) ||
			    lc != sh->compact[i % sh->pus] ||
			    ls != sh->scatter[i % sh->pus]) {
				printf("FAIL %s: thread %u on L#%u/L#%u, "
				       "expected L#%u/L#%u\n",
				       sh->synthetic, i, lc, ls,
				       sh->compact[i % sh->pus],
				       sh->scatter[i % sh->pus]);
				fails++;
				break;
			}
		}
		{
			unsigned int l, os;

			if (lab_topo_place(t, LAB_PIN_NONE, 0, &l, &os)) {
				printf("FAIL: LAB_PIN_NONE placed a thread\n");
				fails++;
			}
		}
		lab_topo_free(t);
	}
	{
		enum lab_pin_mode m;

		if (lab_pin_mode_parse("scatter", &m) || m != LAB_PIN_SCATTER ||
		    lab_pin_mode_parse("Scatter", &m) != -EINVAL ||
		    lab_pin_mode_parse("", &m) != -EINVAL) {
			printf("FAIL: lab_pin_mode_parse\n");
			fails++;
		}
	}
	if (!fails)
		printf("topo: placement orders ok\n");
	return fails ? 1 : 0;
}
