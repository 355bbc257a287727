/* SPDX-License-Identifier: MIT */
/*
 * Results that are never lost: output files written atomically, and runs
 * that stop cleanly on SIGINT/SIGTERM. Shared by every tool that writes
 * results (iova-stress, lock-bench, iova-scenarios) and by
 * iova-replay.
 *
 * Output files. A tool checks all its output paths with
 * lab_outfile_check() before any work (a bad one is a usage error: exit
 * 2). It writes each into a temporary file beside the target
 * (".NAME.XXXXXX" in the same directory, so the rename cannot cross file
 * systems) and renames it into place only when the document is complete;
 * a run that fails, or is killed, never touches an existing file (a
 * temporary file not committed is removed by lab_outfile_abort(), at
 * exit(), or on a second signal). "-" means stdout, written directly.
 *
 * Signals. lab_stop_install() makes the first SIGINT or SIGTERM only set
 * a flag (lab_stop_requested()): the tool stops at its next safe point,
 * writes what completed (marked "interrupted" in JSON), runs its end
 * checks and exits with lab_stop_exit_status() = 128 + the signal
 * (130 for SIGINT, 143 for SIGTERM). A second signal exits at once with
 * that status, after removing every open temporary file (unlink is
 * async-signal-safe): the old results file stays as it was.
 */
#ifndef IOVALAB_OUTFILE_H
#define IOVALAB_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* At most this many temporary files open at once, process-wide. */
#define LAB_OUTFILE_MAX 8

struct lab_outfile {
	const char *path; /* the target ("-": stdout) */
	FILE *f; /* where to write; NULL before open / after close */
	int slot; /* index in the signal handler's table, -1: none */
};

/*
 * Check @n output paths (@opts[i] names the option, for messages) before
 * any work: not empty; "-" at most once; the directory exists and is
 * writable; the target, if it exists, is a regular file we may replace
 * (not a directory, FIFO or device); no two name the same file (same
 * string, or same directory and name, or one existing inode). NULL paths
 * are skipped. Prints "@tool: --OPT: 'PATH': reason" on stderr and
 * returns -EINVAL on the first problem, else 0 (-E2BIG: more than 8).
 * Not thread-safe (a start-up check).
 */
int lab_outfile_check(const char *tool, const char *const *opts,
		      const char *const *paths, size_t n);

/*
 * Start writing @path: a new temporary file beside it (mode 0644 less the
 * umask, as fopen would create it). Returns 0, or -errno (nothing
 * created; -EMFILE when LAB_OUTFILE_MAX are open already).
 */
int lab_outfile_open(struct lab_outfile *o, const char *path);

/*
 * The document is complete: flush, sync, close and rename into place.
 * Returns 0, or -errno with the temporary file removed and the target
 * untouched. For "-": flush stdout. Safe on an unopened @o (returns 0).
 */
int lab_outfile_commit(struct lab_outfile *o);

/* Give up: close and remove the temporary file; the target is untouched. */
void lab_outfile_abort(struct lab_outfile *o);

/*
 * Install the SIGINT/SIGTERM handlers. Call once, early. With
 * @restart_syscalls (SA_RESTART) a blocked read or write goes on after
 * the first signal; without, it fails with EINTR, so a tool blocked on
 * input (iova-replay reading a pipe) sees the request at once. Returns 0
 * or -errno.
 */
int lab_stop_install(bool restart_syscalls);

/* Has a first SIGINT/SIGTERM arrived? Async-signal-safe, cheap. */
bool lab_stop_requested(void);

/* 128 + the signal that arrived (130, 143), or 0 when none did. */
int lab_stop_exit_status(void);

#endif /* IOVALAB_OUTFILE_H */
