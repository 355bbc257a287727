// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfnmap.h"

static size_t slot_of(unsigned long pfn, size_t cap)
{
	uint64_t x = pfn * 0x9e3779b97f4a7c15ULL;

	return (size_t)(x ^ (x >> 29)) & (cap - 1);
}

static int grow(struct pfnmap *m)
{
	size_t cap = m->cap ? 2 * m->cap : 64;
	unsigned long *keys = calloc(cap, sizeof(*keys));
	unsigned long *vals = calloc(cap, sizeof(*vals));

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->keys[i])
			continue;
		for (j = slot_of(m->keys[i], cap); keys[j];
		     j = (j + 1) & (cap - 1))
			;
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return 0;
}

int pfnmap_put(struct pfnmap *m, unsigned long pfn, unsigned long val)
{
	size_t i;

	if (!pfn)
		return -EINVAL;
	/* load factor at most 1/2 keeps probe runs short */
	if (2 * (m->count + 1) > m->cap && grow(m))
		return -ENOMEM;
	for (i = slot_of(pfn, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == pfn) {
			m->vals[i] = val;
			return 0;
		}
	m->keys[i] = pfn;
	m->vals[i] = val;
	m->count++;
	return 0;
}

static bool find(const struct pfnmap *m, unsigned long pfn, size_t *at)
{
	if (!m->cap || !pfn)
		return false;
	for (size_t i = slot_of(pfn, m->cap); m->keys[i];
	     i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == pfn) {
			*at = i;
			return true;
		}
	return false;
}

bool pfnmap_get(const struct pfnmap *m, unsigned long pfn, unsigned long *val)
{
	size_t i;

	if (!find(m, pfn, &i))
		return false;
	if (val)
		*val = m->vals[i];
	return true;
}

bool pfnmap_del(struct pfnmap *m, unsigned long pfn)
{
	size_t mask = m->cap - 1, hole, i;

	if (!find(m, pfn, &hole))
		return false;
	/*
	 * Backward shift: move later members of the probe run into the
	 * hole when their home slot does not lie cyclically in (hole, i].
	 */
	for (i = (hole + 1) & mask; m->keys[i]; i = (i + 1) & mask) {
		size_t home = slot_of(m->keys[i], m->cap);

		if (((i - home) & mask) >= ((i - hole) & mask)) {
			m->keys[hole] = m->keys[i];
			m->vals[hole] = m->vals[i];
			hole = i;
		}
	}
	m->keys[hole] = 0;
	m->count--;
	return true;
}

void pfnmap_clear(struct pfnmap *m)
{
	if (m->cap)
		memset(m->keys, 0, m->cap * sizeof(*m->keys));
	m->count = 0;
}

void pfnmap_free(struct pfnmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

bool pfnmap_any(const struct pfnmap *m,
		bool (*fn)(unsigned long pfn, unsigned long val, void *arg),
		void *arg)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i] && fn(m->keys[i], m->vals[i], arg))
			return true;
	return false;
}
