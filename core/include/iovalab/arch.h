/* SPDX-License-Identifier: MIT */
/*
 * Small machine helpers every layer shares, defined once: the cache-line
 * size that padding and slab-size figures assume, the spin-wait hint, and
 * the kernel's power-of-two rounding (order_base_2, roundup_pow_of_two).
 */
#ifndef IOVALAB_ARCH_H
#define IOVALAB_ARCH_H

#define LAB_CACHELINE 64
#define __lab_cacheline_aligned __attribute__((aligned(LAB_CACHELINE)))

/* The pause/yield hint for a spin-wait loop (also a compiler barrier). */
static inline void lab_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#else
	__asm__ volatile("" ::: "memory");
#endif
}

/* Smallest k with 2^k >= @n (the kernel's order_base_2); 0 for n <= 1. */
static inline unsigned int lab_order_base_2(unsigned long n)
{
	return n <= 1 ? 0 : 64u - (unsigned int)__builtin_clzl(n - 1);
}

/* The kernel's roundup_pow_of_two, for 1 <= @n <= 2^63. */
static inline unsigned long lab_roundup_pow_of_two(unsigned long n)
{
	return 1UL << lab_order_base_2(n);
}

#endif /* IOVALAB_ARCH_H */
