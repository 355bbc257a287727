/* SPDX-License-Identifier: MIT */
/* The "meta" object of the JSON output: what ran, where, built how. */
#ifndef STRESS_META_H
#define STRESS_META_H

#include "iovalab/json.h"
#include "options.h"
#include "topo.h"

void meta_write(struct lab_json *j, const struct options *o,
		const struct topo *t, double timer_overhead_ns);

#endif /* STRESS_META_H */
