/* SPDX-License-Identifier: MIT */
/*
 * Command-line values for every driver, on top of iovalab/parse.h (the
 * one strict parser: numbers, seconds, "1,2,4" / "1-16" / "1-4,8" number
 * lists, name lists with "all"). These add the lab's usage-error rule:
 * a bad value prints exactly one line on stderr,
 *
 *     TOOL: --OPT: what is wrong (see --help)
 *
 * and the call returns 2 (the exit status), before any work; 0 when the
 * value is good. Nothing is clamped. TOOL is set once per process with
 * lab_cli_tool().
 */
#ifndef IOVALAB_HARNESS_CLI_H
#define IOVALAB_HARNESS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iovalab/harness/topo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The prefix of every message ("iova-stress"); default "iovalab". */
void lab_cli_tool(const char *name);

/* Print "TOOL: <fmt...> (see --help)" and return 2. */
int lab_cli_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A comma-separated list of @known names (NULL-terminated) or "all".
 * Frees *out, then sets it to a malloc'd array of indexes (caller frees)
 * and *n to its length. @opt is the option without dashes ("lock").
 */
int lab_cli_names(const char *opt, const char *arg, const char *const *known,
		  size_t **out, size_t *n);

/* Exactly one of @known: its index in *out. */
int lab_cli_name(const char *opt, const char *arg, const char *const *known,
		 size_t *out);

/* "on" or "off". */
int lab_cli_on_off(const char *opt, const char *arg, bool *out);

/*
 * "on", "off", "on,off" or "off,on": the values in the order given in
 * out[0..*n).
 */
int lab_cli_on_off_list(const char *opt, const char *arg, bool out[2],
			size_t *n);

/* A pin mode: compact, scatter or none. */
int lab_cli_pin(const char *opt, const char *arg, enum lab_pin_mode *out);

/* Seconds (lab_parse_seconds), finite, <= @max, and > 0 unless @zero_ok. */
int lab_cli_seconds(const char *opt, const char *arg, bool zero_ok, double max,
		    double *out);

/* An unsigned integer (decimal or 0x hex) in [@min, @max]. */
int lab_cli_u64(const char *opt, const char *arg, uint64_t min, uint64_t max,
		uint64_t *out);

/*
 * A number list ("1,2,4", "1-16", "1-4,8"), each value in [@min, @max],
 * at most @max_items values. Frees *out, then sets it (caller frees) and
 * *n.
 */
int lab_cli_u64_list(const char *opt, const char *arg, uint64_t min,
		     uint64_t max, size_t max_items, uint64_t **out, size_t *n);

#ifdef __cplusplus
}
#endif

#endif /* IOVALAB_HARNESS_CLI_H */
