// SPDX-License-Identifier: MIT
/* The workload registry: --workload names, in --help order. */
#include <stddef.h>

#include "workload.h"

extern const struct workload wl_nic, wl_storage, wl_mixed32, wl_masks,
	wl_full32, wl_crosscpu, wl_lookup, wl_large, wl_irqcpu;

const struct workload *const workloads[] = {
	&wl_nic,      &wl_storage, &wl_mixed32, &wl_masks,  &wl_full32,
	&wl_crosscpu, &wl_lookup,  &wl_large,	&wl_irqcpu, NULL,
};

const char *const workload_names[] = {
	"nic",	    "storage", "mixed32", "masks",  "full32",
	"crosscpu", "lookup",  "large",	  "irqcpu", NULL,
};
