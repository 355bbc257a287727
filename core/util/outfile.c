// SPDX-License-Identifier: MIT
/* Atomic output files and clean stops on signals (iovalab/outfile.h). */
#define _GNU_SOURCE
#include "iovalab/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Temporary paths the handler removes on a second signal. A slot is
 * published (used = 1) only once its path is complete, and the handler
 * only reads published slots.
 */
static struct {
	char path[PATH_MAX];
	atomic_int used;
} tmps[LAB_OUTFILE_MAX];

static volatile sig_atomic_t stop_sig;

static int bad_path(const char *tool, const char *opt, const char *path,
		    const char *why)
{
	fprintf(stderr, "%s: %s: '%s': %s\n", tool, opt, path, why);
	return -EINVAL;
}

/* dirname() and basename() of @path into @dir / @base (both PATH_MAX). */
static int split_path(const char *path, char *dir, char *base)
{
	char a[PATH_MAX], b[PATH_MAX];

	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	strcpy(a, path);
	strcpy(b, path);
	strcpy(dir, dirname(a));
	strcpy(base, basename(b));
	return 0;
}

/* Most outputs one tool checks at once. */
#define CHECK_MAX 8

int lab_outfile_check(const char *tool, const char *const *opts,
		      const char *const *paths, size_t n)
{
	static char canon[CHECK_MAX][2 * PATH_MAX + 2];
	char dir[PATH_MAX], base[PATH_MAX], real[PATH_MAX];
	struct stat st[CHECK_MAX];
	bool exists[CHECK_MAX];

	if (n > CHECK_MAX)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		const char *p = paths[i];
		struct stat ds;

		exists[i] = false;
		canon[i][0] = '\0';
		if (!p)
			continue;
		if (!*p)
			return bad_path(tool, opts[i], p, "empty file name");
		if (!strcmp(p, "-")) {
			strcpy(canon[i], "-");
			continue;
		}
		if (split_path(p, dir, base))
			return bad_path(tool, opts[i], p, "name too long");
		if (!strcmp(base, "/") || !strcmp(base, ".") ||
		    !strcmp(base, "..") || p[strlen(p) - 1] == '/')
			return bad_path(tool, opts[i], p, "is a directory");
		if (stat(dir, &ds) || !S_ISDIR(ds.st_mode) ||
		    !realpath(dir, real))
			return bad_path(tool, opts[i], p,
					"its directory does not exist");
		if (access(dir, W_OK | X_OK))
			return bad_path(tool, opts[i], p,
					"its directory is not writable");
		if (!stat(p, &st[i])) {
			exists[i] = true;
			if (!S_ISREG(st[i].st_mode))
				return bad_path(tool, opts[i], p,
						"exists and is not a regular "
						"file");
		}
		snprintf(canon[i], sizeof(canon[i]), "%s/%s", real, base);
	}
	/* No two options may name one file (nor both stdout). */
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < i && paths[i]; k++) {
			bool same;

			if (!paths[k])
				continue;
			same = !strcmp(canon[i], canon[k]) ||
			       (exists[i] && exists[k] &&
				st[i].st_dev == st[k].st_dev &&
				st[i].st_ino == st[k].st_ino);
			if (same) {
				fprintf(stderr,
					"%s: %s and %s name the same file "
					"'%s'\n",
					tool, opts[k], opts[i], paths[i]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* exit() on an error path: a temporary file nobody committed goes too */
static void remove_leftovers(void)
{
	for (int i = 0; i < LAB_OUTFILE_MAX; i++)
		if (atomic_load(&tmps[i].used))
			unlink(tmps[i].path);
}

int lab_outfile_open(struct lab_outfile *o, const char *path)
{
	static bool registered;
	char dir[PATH_MAX], base[PATH_MAX], tmp[PATH_MAX];
	mode_t mask;
	int fd, slot = -1, ret;

	o->path = path;
	o->f = NULL;
	o->slot = -1;
	if (!strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	ret = split_path(path, dir, base);
	if (ret)
		return ret;
	/* ".NAME.XXXXXX", or a fixed name when NAME is near NAME_MAX */
	if (strlen(base) + 8 > NAME_MAX)
		strcpy(base, "iovalab");
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (int i = 0; i < LAB_OUTFILE_MAX; i++) {
		if (!atomic_load(&tmps[i].used)) {
			slot = i;
			break;
		}
	}
	if (slot < 0)
		return -EMFILE;
	if (!registered && atexit(remove_leftovers))
		return -ENOMEM;
	registered = true;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	/* mkstemp makes 0600; give the file what fopen would have */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) == 0)
		o->f = fdopen(fd, "w");
	if (!o->f) {
		ret = -errno;
		close(fd);
		unlink(tmp);
		return ret;
	}
	strcpy(tmps[slot].path, tmp);
	atomic_store(&tmps[slot].used, 1);
	o->slot = slot;
	return 0;
}

static void release(struct lab_outfile *o, bool remove)
{
	if (o->slot < 0)
		return;
	if (remove)
		unlink(tmps[o->slot].path);
	atomic_store(&tmps[o->slot].used, 0);
	o->slot = -1;
}

int lab_outfile_commit(struct lab_outfile *o)
{
	int ret = 0;

	if (!o->f)
		return 0;
	if (o->f == stdout) {
		o->f = NULL;
		return fflush(stdout) || ferror(stdout) ? -EIO : 0;
	}
	if (fflush(o->f) || ferror(o->f) || fsync(fileno(o->f)))
		ret = errno ? -errno : -EIO;
	if (fclose(o->f) && !ret)
		ret = errno ? -errno : -EIO;
	o->f = NULL;
	if (!ret && rename(tmps[o->slot].path, o->path))
		ret = -errno;
	release(o, ret != 0);
	return ret;
}

void lab_outfile_abort(struct lab_outfile *o)
{
	if (!o->f)
		return;
	if (o->f != stdout)
		fclose(o->f);
	o->f = NULL;
	release(o, true);
}

static void on_signal(int sig)
{
	if (stop_sig) {
		/* the second one: leave the old results, go now */
		for (int i = 0; i < LAB_OUTFILE_MAX; i++)
			if (atomic_load(&tmps[i].used))
				unlink(tmps[i].path);
		_exit(128 + stop_sig);
	}
	stop_sig = sig;
}

int lab_stop_install(bool restart_syscalls)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = restart_syscalls ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	return 0;
}

bool lab_stop_requested(void)
{
	return stop_sig != 0;
}

int lab_stop_exit_status(void)
{
	return stop_sig ? 128 + stop_sig : 0;
}
