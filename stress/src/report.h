/* SPDX-License-Identifier: MIT */
/* Writers for one run's results: a JSON object and a CSV row. */
#ifndef STRESS_REPORT_H
#define STRESS_REPORT_H

#include <stdio.h>

#include "iovalab/json.h"
#include "options.h"
#include "run.h"

void report_json_run(struct lab_json *j, const struct run_result *r,
		     const struct options *o);
/* The same run's fields without the enclosing object (to add to it). */
void report_json_run_fields(struct lab_json *j, const struct run_result *r,
			    const struct options *o);
void report_csv_header(FILE *f);
void report_csv_row(FILE *f, const struct run_result *r,
		    const struct options *o);
/* One human-readable summary line (stderr unless --quiet). */
void report_summary(FILE *f, const struct run_result *r);

#endif /* STRESS_REPORT_H */
