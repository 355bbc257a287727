/* SPDX-License-Identifier: MIT */
/*
 * The project's one pseudo-random generator: xoshiro256** seeded through
 * splitmix64 (Blackman and Vigna). Deterministic on every platform, so a
 * seed printed by a failing test or a scenario reproduces the exact run.
 * Not for anything that needs unpredictability.
 */
#ifndef IOVALAB_PRNG_H
#define IOVALAB_PRNG_H

#include <stdint.h>

struct lab_prng {
	uint64_t s[4];
};

/* One splitmix64 step: also a decent 64-bit mixer on its own. */
static inline uint64_t lab_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Any seed, 0 included, gives a valid (never all-zero) state. */
static inline void lab_prng_seed(struct lab_prng *r, uint64_t seed)
{
	uint64_t sm = seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = lab_splitmix64(&sm);
}

static inline uint64_t lab_prng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t lab_prng_next(struct lab_prng *r)
{
	uint64_t *s = r->s;
	uint64_t result = lab_prng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = lab_prng_rotl(s[3], 45);
	return result;
}

/*
 * Uniform in [0, n), without modulo bias (Lemire's multiply-and-reject).
 * n == 0 returns 0.
 */
static inline uint64_t lab_prng_below(struct lab_prng *r, uint64_t n)
{
	unsigned __int128 m;
	uint64_t lo;

	if (n == 0)
		return 0;
	m = (unsigned __int128)lab_prng_next(r) * n;
	lo = (uint64_t)m;
	if (lo < n) {
		uint64_t threshold = -n % n;

		while (lo < threshold) {
			m = (unsigned __int128)lab_prng_next(r) * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

/* Uniform in [lo, hi] inclusive; lo <= hi. */
static inline uint64_t lab_prng_range(struct lab_prng *r, uint64_t lo,
				      uint64_t hi)
{
	if (hi - lo == UINT64_MAX)
		return lab_prng_next(r);
	return lo + lab_prng_below(r, hi - lo + 1);
}

/* True with probability num/den (den > 0). */
static inline int lab_prng_chance(struct lab_prng *r, uint64_t num,
				  uint64_t den)
{
	return lab_prng_below(r, den) < num;
}

#endif /* IOVALAB_PRNG_H */
