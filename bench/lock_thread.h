// SPDX-License-Identifier: MIT
//
// lab_lock_thread_online()/offline() for threads Google Benchmark creates.
// Its worker threads run one benchmark run and exit, and the main thread
// runs thread_index 0 of every run, so registration is tied to the thread's
// lifetime (a thread_local whose destructor runs at thread exit) rather
// than to one benchmark function call.
#ifndef IOVALAB_BENCH_LOCK_THREAD_H
#define IOVALAB_BENCH_LOCK_THREAD_H

// lock.h names functions after their structs (lab_lock, lab_lock_info),
// fine in C; g++ -Wshadow says the function hides the struct's implicit
// constructor. Every bench file includes lock.h through here first.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
extern "C" {
#include "iovalab/lock.h"
}
#pragma GCC diagnostic pop

namespace bench
{

struct LockThread {
	LockThread()
	{
		lab_lock_thread_online();
	}
	~LockThread()
	{
		lab_lock_thread_offline();
	}
	LockThread(const LockThread &) = delete;
	LockThread &operator=(const LockThread &) = delete;
};

// Call at the top of every benchmark function that touches a lab_lock.
inline void lock_thread_online()
{
	static thread_local LockThread registered;

	(void)registered;
}

} // namespace bench

#endif
