// SPDX-License-Identifier: MIT
/* The JSON "meta" object every tool writes (meta.h, stress/SCHEMA.md). */
#include <gnu/libc-version.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "iovalab/harness/meta.h"

static const char *compiler(void)
{
#if defined(__clang__)
	return "clang " __clang_version__;
#elif defined(__GNUC__)
	return "gcc " __VERSION__;
#else
	return "unknown";
#endif
}

static void machine(struct lab_json *j, const struct lab_topo *t)
{
	lab_json_str(j, "cpu_model", lab_topo_cpu_model(t));
	lab_json_u64(j, "logical_cpus", lab_topo_pus(t));
	lab_json_u64(j, "physical_cores", lab_topo_cores(t));
	lab_json_u64(j, "numa_nodes", lab_topo_numa_nodes(t));
	lab_json_u64(j, "packages", lab_topo_packages(t));
}

void lab_meta_write(struct lab_json *j, const struct lab_meta *m)
{
	lab_json_object_begin(j, "meta");
	lab_meta_fields(j, m);
	lab_json_object_end(j);
}

void lab_meta_fields(struct lab_json *j, const struct lab_meta *m)
{
	static const struct lab_build_info none = { "unknown", "", "", "",
						    false };
	const struct lab_build_info *b = m->build ? m->build : &none;
	struct utsname u;
	char kernel[400] = "", host[256] = "", date[32] = "";
	time_t now = time(NULL);
	struct tm tm;

	if (!uname(&u))
		snprintf(kernel, sizeof(kernel), "%s %s %s %s", u.sysname,
			 u.release, u.version, u.machine);
	if (gethostname(host, sizeof(host) - 1))
		host[0] = '\0';
	if (gmtime_r(&now, &tm))
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);

	lab_json_str(j, "tool", m->tool);
	lab_json_str(j, "commit", b->commit);
	lab_json_str(j, "compiler", compiler());
	lab_json_str(j, "cflags", b->cflags);
	lab_json_str(j, "build_type", b->build_type);
	lab_json_str(j, "sanitizer", b->sanitizer);
	lab_json_bool(j, "iovalab_check", b->iovalab_check);
	if (m->topo)
		machine(j, m->topo);
	lab_json_i64(j, "online_cpus", sysconf(_SC_NPROCESSORS_ONLN));
	lab_json_str(j, "kernel", kernel);
	lab_json_str(j, "glibc", gnu_get_libc_version());
	lab_json_str(j, "hostname", host);
	lab_json_str(j, "date", date);
	if (m->threads) {
		lab_json_u64(j, "threads", m->threads);
		if (m->topo) {
			lab_json_bool(j, "oversubscribed",
				      lab_topo_oversubscribed(m->topo,
							      m->threads));
			lab_json_bool(j, "smt_shared",
				      lab_topo_smt_shared(m->topo, m->threads));
		}
	}
	if (m->pin < LAB_PIN_NR)
		lab_json_str(j, "pin", lab_pin_mode_names[m->pin]);
	lab_json_array_begin(j, "argv");
	for (int i = 0; i < m->argc; i++)
		lab_json_str(j, NULL, m->argv[i]);
	lab_json_array_end(j);
	if (m->timer_overhead_ns >= 0)
		lab_json_double(j, "timer_overhead_ns", m->timer_overhead_ns);
}
