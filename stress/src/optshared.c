// SPDX-License-Identifier: MIT
/*
 * The options iova-stress and iova-trace replay share (options.h): their
 * defaults, parsing, and the output files (checked before any work,
 * written to temporary files, renamed into place only when complete).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/harness/cli.h"
#include "iovalab/iova.h"
#include "options.h"
#include "repeat.h"

int options_shared_defaults(struct options *o)
{
	size_t mutex = 0;

	o->algs = malloc(sizeof(*o->algs));
	o->locks = malloc(sizeof(*o->locks));
	if (!o->algs || !o->locks)
		return lab_cli_bad("out of memory");
	o->algs[0] = IOVA_ALG_ANYLIMIT;
	o->nalgs = 1;
	if (lab_cli_name("lock", "mutex", lab_lock_names, &mutex))
		return 2;
	o->locks[0] = mutex;
	o->nlocks = 1;
	o->rcache[0] = true;
	o->nrcache = 1;
	o->spin = LAB_SPIN_YIELD;
	o->pin = LAB_PIN_COMPACT;
	o->seed = 1;
	o->repeat = 1;
	return 0;
}

int options_shared(struct options *o, int code, const char *arg)
{
	uint64_t v = 0;
	int ret = 0;

	switch (code) {
	case OPT_SHARED_ALG:
		return lab_cli_names("alg", arg, iova_alg_names, &o->algs,
				     &o->nalgs);
	case OPT_SHARED_LOCK:
		return lab_cli_names("lock", arg, lab_lock_names, &o->locks,
				     &o->nlocks);
	case OPT_SHARED_RCACHE:
		return lab_cli_on_off_list("rcache", arg, o->rcache,
					   &o->nrcache);
	case OPT_SHARED_PIN:
		return lab_cli_pin("pin", arg, &o->pin);
	case OPT_SHARED_SPIN:
		if (lab_spin_policy_parse(arg, &o->spin))
			return lab_cli_bad("--spin: unknown policy '%s'", arg);
		return 0;
	case OPT_SHARED_SEED:
		return lab_cli_u64("seed", arg, 0, UINT64_MAX, &o->seed);
	case OPT_SHARED_JSON:
		o->json_path = arg;
		return 0;
	case OPT_SHARED_CSV:
		o->csv_path = arg;
		return 0;
	case OPT_SHARED_LOCKSTAT:
		o->lockstat = true;
		return 0;
	case OPT_SHARED_QUIET:
		o->quiet = true;
		return 0;
	case OPT_SHARED_REPEAT:
		ret = lab_cli_u64("repeat", arg, 1, STRESS_MAX_REPEAT, &v);
		o->repeat = (unsigned int)v;
		return ret;
	default:
		return lab_cli_bad("option code %d is not a shared one", code);
	}
}

int options_open_outputs(struct options *o, const char *tool)
{
	const char *const opts[] = { "--json", "--csv" };
	const char *const paths[] = { o->json_path, o->csv_path };
	int ret;

	if (o->json_path && o->csv_path && !strcmp(o->json_path, "-") &&
	    !strcmp(o->csv_path, "-"))
		return lab_cli_bad("--json and --csv cannot both go to stdout");
	if (lab_outfile_check(tool, opts, paths, 2))
		return 2;
	if (o->json_path &&
	    (ret = lab_outfile_open(&o->json_out, o->json_path)))
		return lab_cli_bad(
			"--json: cannot create a file beside '%s': %s",
			o->json_path, strerror(-ret));
	if (o->csv_path && (ret = lab_outfile_open(&o->csv_out, o->csv_path))) {
		lab_outfile_abort(&o->json_out);
		return lab_cli_bad(
			"--csv: cannot create a file beside '%s': %s",
			o->csv_path, strerror(-ret));
	}
	o->json = o->json_out.f;
	o->csv = o->csv_out.f;
	return 0;
}

int options_commit_outputs(struct options *o, const char *tool, int status)
{
	int ret;

	if (o->csv && (fflush(o->csv) || ferror(o->csv))) {
		fprintf(stderr, "%s: writing %s failed\n", tool, o->csv_path);
		status = 1;
	}
	/*
	 * Rename into place only what a run that did not fail wrote (an
	 * interrupted one did not fail: it wrote what completed);
	 * options_abort_outputs drops the rest, any old file as it was.
	 */
	if (!status && o->json && (ret = lab_outfile_commit(&o->json_out))) {
		fprintf(stderr, "%s: writing %s failed: %s\n", tool,
			o->json_path, strerror(-ret));
		status = 1;
	}
	if (!status && o->csv && (ret = lab_outfile_commit(&o->csv_out))) {
		fprintf(stderr, "%s: writing %s failed: %s\n", tool,
			o->csv_path, strerror(-ret));
		status = 1;
	}
	o->json = NULL;
	o->csv = NULL;
	return status;
}

void options_abort_outputs(struct options *o)
{
	/* a file not committed by now belongs to a failed run: drop it */
	lab_outfile_abort(&o->json_out);
	lab_outfile_abort(&o->csv_out);
}
