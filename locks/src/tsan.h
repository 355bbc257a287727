/* SPDX-License-Identifier: MIT */
/*
 * ThreadSanitizer annotations for primitives it cannot see: libck's inline
 * asm and liburcu's grace periods (an uninstrumented shared library). In
 * builds without IOVALAB_TSAN they compile to nothing.
 */
#ifndef IOVALAB_LOCKS_TSAN_H
#define IOVALAB_LOCKS_TSAN_H

#ifdef IOVALAB_TSAN
#include <sanitizer/tsan_interface.h>

#define lab_tsan_pre_lock(a, fl) __tsan_mutex_pre_lock((a), (fl))
#define lab_tsan_post_lock(a, fl) __tsan_mutex_post_lock((a), (fl), 0)
#define lab_tsan_pre_unlock(a, fl) __tsan_mutex_pre_unlock((a), (fl))
#define lab_tsan_post_unlock(a, fl) __tsan_mutex_post_unlock((a), (fl))
#define lab_tsan_create(a, fl) __tsan_mutex_create((a), (fl))
#define lab_tsan_destroy(a, fl) __tsan_mutex_destroy((a), (fl))
#define lab_tsan_acquire(a) __tsan_acquire(a)
#define lab_tsan_release(a) __tsan_release(a)
#define LAB_TSAN_READ __tsan_mutex_read_lock
#define LAB_TSAN_TRY __tsan_mutex_try_lock
#define LAB_TSAN_TRY_FAILED __tsan_mutex_try_lock_failed
#else
#define lab_tsan_pre_lock(a, fl) ((void)(a))
#define lab_tsan_post_lock(a, fl) ((void)(a))
#define lab_tsan_pre_unlock(a, fl) ((void)(a))
#define lab_tsan_post_unlock(a, fl) ((void)(a))
#define lab_tsan_create(a, fl) ((void)(a))
#define lab_tsan_destroy(a, fl) ((void)(a))
#define lab_tsan_acquire(a) ((void)(a))
#define lab_tsan_release(a) ((void)(a))
#define LAB_TSAN_READ 0
#define LAB_TSAN_TRY 0
#define LAB_TSAN_TRY_FAILED 0
#endif

#endif /* IOVALAB_LOCKS_TSAN_H */
