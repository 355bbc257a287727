// SPDX-License-Identifier: MIT
/*
 * Writes two meta objects to stdout for meta_check.py: "full" (a
 * synthetic 2-package machine, 9 threads, scatter, this build's facts)
 * "bare" (no topology, no threads, no pin, no timer figure) and
 * "extended" (bare's fields, then one of the tool's own).
 */
#include <stdio.h>
#include <stdlib.h>

#include "iovalab/harness/meta.h"
#include "iovalab_build.h"

int main(int argc, char **argv)
{
	static const struct lab_build_info build = LAB_BUILD_INFO;
	struct lab_meta m = { .tool = "test-meta",
			      .argc = argc,
			      .argv = argv,
			      .build = &build,
			      .threads = 9,
			      .pin = LAB_PIN_SCATTER,
			      .timer_overhead_ns = 21.5 };
	struct lab_json j;
	struct lab_topo *t;

	setenv("HWLOC_SYNTHETIC", "pack:2 core:2 pu:2", 1);
	t = lab_topo_load("test-meta");
	if (!t)
		return 1;
	m.topo = t;
	lab_json_init(&j, stdout);
	lab_json_object_begin(&j, NULL);
	lab_json_object_begin(&j, "full");
	lab_meta_write(&j, &m);
	lab_json_object_end(&j);
	m = (struct lab_meta){ .tool = "bare",
			       .pin = LAB_PIN_NR,
			       .timer_overhead_ns = -1 };
	lab_json_object_begin(&j, "bare");
	lab_meta_write(&j, &m);
	lab_json_object_end(&j);
	/* a tool's own fields after the common ones */
	lab_json_object_begin(&j, "extended");
	lab_json_object_begin(&j, "meta");
	lab_meta_fields(&j, &m);
	lab_json_u64(&j, "extra", 7);
	lab_json_object_end(&j);
	lab_json_object_end(&j);
	lab_json_object_end(&j);
	lab_topo_free(t);
	return lab_json_finish(&j) ? 1 : 0;
}
