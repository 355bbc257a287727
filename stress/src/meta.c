// SPDX-License-Identifier: MIT
#include <gnu/libc-version.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "meta.h"
#include "stress_build.h" /* generated: commit, flags, build type */

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

void meta_write(struct lab_json *j, const struct options *o,
		const struct topo *t, double timer_overhead_ns)
{
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

	lab_json_object_begin(j, "meta");
	lab_json_str(j, "commit", STRESS_COMMIT);
	lab_json_str(j, "compiler", compiler());
	lab_json_str(j, "cflags", STRESS_CFLAGS);
	lab_json_str(j, "build_type", STRESS_BUILD_TYPE);
	lab_json_str(j, "sanitizer", STRESS_SANITIZE);
	lab_json_bool(j, "iovalab_check", STRESS_IOVALAB_CHECK);
	lab_json_str(j, "cpu_model", topo_cpu_model(t));
	lab_json_u64(j, "logical_cpus", topo_pus(t));
	lab_json_u64(j, "physical_cores", topo_cores(t));
	lab_json_u64(j, "numa_nodes", topo_numa_nodes(t));
	lab_json_u64(j, "packages", topo_packages(t));
	lab_json_i64(j, "online_cpus", sysconf(_SC_NPROCESSORS_ONLN));
	lab_json_str(j, "kernel", kernel);
	lab_json_str(j, "glibc", gnu_get_libc_version());
	lab_json_str(j, "hostname", host);
	lab_json_str(j, "date", date);
	lab_json_array_begin(j, "argv");
	for (int i = 0; i < o->argc; i++)
		lab_json_str(j, NULL, o->argv[i]);
	lab_json_array_end(j);
	lab_json_double(j, "timer_overhead_ns", timer_overhead_ns);
	lab_json_object_end(j);
}
