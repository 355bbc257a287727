// SPDX-License-Identifier: MIT
/*
 * The run budget and stall watchdog (iovalab/watchdog.h): a loop that
 * keeps making progress sees the budget pass and stops; a process whose
 * progress counter never moves is ended with LAB_WATCHDOG_STALL_EXIT and
 * a message, instead of hanging. Asserts behaviour, not how long it took.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iovalab/watchdog.h"

static atomic_ulong count;

static uint64_t progress(void *arg)
{
	return atomic_load(&count);
}

int main(void)
{
	struct lab_watchdog w;
	int status;
	pid_t pid;

	/* moving, stopped by the budget well before the stall window */
	if (lab_watchdog_start(&w, "test_watchdog", 0.2, 60, progress, NULL))
		return 1;
	while (!lab_watchdog_over(&w)) {
		atomic_fetch_add(&count, 1);
		usleep(1000);
	}
	lab_watchdog_stop(&w);
	printf("budget: stopped after %lu steps\n", atomic_load(&count));

	/* stalled: the child must be ended by its watchdog */
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		if (lab_watchdog_start(&w, "test_watchdog child", 60, 0.3,
				       progress, NULL))
			_exit(1);
		for (int i = 0; i < 600; i++)
			usleep(100000); /* 60 s: far past the stall window */
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != LAB_WATCHDOG_STALL_EXIT) {
		fprintf(stderr, "FAIL: stalled child: status %#x\n", status);
		return 1;
	}
	printf("stall: reported and ended with status %d\n",
	       LAB_WATCHDOG_STALL_EXIT);
	return 0;
}
