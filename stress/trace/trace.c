// SPDX-License-Identifier: MIT
/*
 * Reading and writing multi-CPU IOVA traces (trace.h, README.md).
 *
 * Both readers collect events with their line numbers, sort them by time
 * (stable: equal times keep file order, which is per-CPU order for a
 * capture) and then match frees to allocations in that order by pfn, as
 * the kernel's free_iova_fast() would find them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/parse.h"
#include "pfnmap.h"
#include "stress.h"
#include "trace.h"

const char *const tev_free_names[TFREE_NR] = { "ok", "unmatched", "double",
					       "size" };

#define MAX_TOKENS 10
#define MAX_DOMAINS 64

struct reader {
	FILE *f;
	const char *name;
	char *line;
	size_t cap;
	uint64_t lineno;
	char *tok[MAX_TOKENS];
	int ntok;
	bool pending; /* line holds line 1, read ahead but not yet split */
};

static int bad(const struct reader *r, const char *what, const char *tok)
{
	if (tok)
		fprintf(stderr, "%s:%llu: %s: '%s'\n", r->name,
			(unsigned long long)r->lineno, what, tok);
	else
		fprintf(stderr, "%s:%llu: %s\n", r->name,
			(unsigned long long)r->lineno, what);
	return -EINVAL;
}

/* Next line, split on blanks. 1: a line, 0: end of file, <0: error. */
static ssize_t fetch(struct reader *r)
{
	ssize_t len = getline(&r->line, &r->cap, r->f);

	if (len < 0)
		return ferror(r->f) ? -EIO : -1;
	r->lineno++;
	if (len && r->line[len - 1] == '\n')
		r->line[--len] = '\0';
	if (strlen(r->line) != (size_t)len)
		return bad(r, "NUL byte in line", NULL);
	return len;
}

static int next_line(struct reader *r)
{
	char *save = NULL, *s;
	ssize_t len = 0;

	if (r->pending)
		r->pending = false;
	else
		len = fetch(r);
	if (len == -1)
		return 0;
	if (len < 0)
		return (int)len;
	r->ntok = 0;
	for (s = strtok_r(r->line, " \t\r", &save); s;
	     s = strtok_r(NULL, " \t\r", &save)) {
		if (r->ntok == MAX_TOKENS) {
			if (r->tok[0][0] == '#')
				break; /* a comment: the first fields do */
			return bad(r, "too many fields", s);
		}
		r->tok[r->ntok++] = s;
	}
	return 1;
}

static int num(const struct reader *r, int i, const char *what, uint64_t *v)
{
	int ret = lab_parse_u64(r->tok[i], v);

	if (ret)
		return bad(r, ret == -ERANGE ? "number out of range" : what,
			   r->tok[i]);
	return 0;
}

static int cpu_num(const struct reader *r, int i, uint32_t *cpu)
{
	uint64_t v;
	int ret = num(r, i, "bad CPU", &v);

	if (ret)
		return ret;
	if (v > TRACE_MAX_CPU)
		return bad(r, "CPU above 8191", r->tok[i]);
	*cpu = (uint32_t)v;
	return 0;
}

static struct tev *push(struct trace *tr, uint64_t **doms, size_t *dcap)
{
	if (tr->n == tr->cap) {
		size_t cap = tr->cap ? 2 * tr->cap : 4096;
		struct tev *ev = realloc(tr->ev, cap * sizeof(*ev));

		if (!ev)
			return NULL;
		tr->ev = ev;
		tr->cap = cap;
	}
	if (doms && tr->n == *dcap) {
		size_t cap = *dcap ? 2 * *dcap : 4096;
		uint64_t *d = realloc(*doms, cap * sizeof(*d));

		if (!d)
			return NULL;
		*doms = d;
		*dcap = cap;
	}
	memset(&tr->ev[tr->n], 0, sizeof(tr->ev[0]));
	return &tr->ev[tr->n++];
}

static int tev_cmp(const void *pa, const void *pb)
{
	const struct tev *a = pa, *b = pb;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	/* peer holds the line number until matching */
	return a->peer < b->peer ? -1 : a->peer > b->peer;
}

/*
 * Sort by time, rebase it to the first event, match frees, count. With
 * @check, frees carry the flag the file gave them (lab format), which must
 * agree with the matching: returns -EINVAL (message printed) if not.
 */
static int finish(struct trace *tr, const char *name, bool check)
{
	struct pfnmap live = { 0 }, dead = { 0 };
	uint8_t *seen = NULL;
	int ret = 0;

	if (tr->n)
		qsort(tr->ev, tr->n, sizeof(*tr->ev), tev_cmp);
	seen = calloc(TRACE_MAX_CPU + 1, 1);
	if (!seen)
		return -ENOMEM;
	for (size_t i = 0; i < tr->n; i++) {
		struct tev *e = &tr->ev[i];
		uint64_t line = (uint64_t)e->peer;
		unsigned long a;
		uint8_t m = TFREE_OK;

		if (!seen[e->cpu]) {
			seen[e->cpu] = 1;
			tr->ncpus++;
			if (e->cpu > tr->max_cpu)
				tr->max_cpu = e->cpu;
		}
		e->peer = -1;
		if (e->op == TEV_ALLOC) {
			tr->allocs++;
			if (!e->pfn) {
				tr->failed_allocs++;
				continue;
			}
			if (pfnmap_get(&live, e->pfn, NULL))
				tr->alloc_of_live++;
			pfnmap_del(&dead, e->pfn);
			if (pfnmap_put(&live, e->pfn, i)) {
				ret = -ENOMEM;
				break;
			}
			continue;
		}
		tr->frees++;
		if (pfnmap_get(&live, e->pfn, &a)) {
			/* both calls round sizes below 32 the same way */
			if (stress_round_size(tr->ev[a].size) !=
			    stress_round_size(e->size)) {
				m = TFREE_SIZE;
			} else {
				e->peer = (int64_t)a;
				tr->ev[a].peer = (int64_t)i;
			}
			pfnmap_del(&live, e->pfn);
			if (pfnmap_put(&dead, e->pfn, 1)) {
				ret = -ENOMEM;
				break;
			}
		} else if (pfnmap_get(&dead, e->pfn, NULL)) {
			m = TFREE_DOUBLE;
		} else {
			m = TFREE_UNMATCHED;
		}
		if (check && m != e->match) {
			fprintf(stderr,
				"%s:%llu: free of 0x%llx is flagged '%s' but "
				"the trace makes it '%s'\n",
				name, (unsigned long long)line,
				(unsigned long long)e->pfn,
				tev_free_names[e->match], tev_free_names[m]);
			ret = -EINVAL;
			break;
		}
		e->match = m;
		tr->bad_frees[m]++;
	}
	if (!ret && tr->n) {
		uint64_t t0 = tr->ev[0].t;

		for (size_t i = 0; i < tr->n; i++)
			tr->ev[i].t -= t0;
	}
	free(seen);
	pfnmap_free(&live);
	pfnmap_free(&dead);
	return ret;
}

/* ---- capture format (capture-iova.bt, capture-iommu-map.bt) ---- */

static const uint64_t page_shift = 12; /* the proxy's IOMMU granule */

static int capture_event(struct reader *r, struct trace *tr, uint64_t **doms,
			 size_t *dcap, uint64_t proxy_limit)
{
	const char *op = r->tok[0];
	uint64_t v[MAX_TOKENS];
	struct tev *e;
	int nf, ret;
	bool is_alloc = !strcmp(op, "alloc"), is_free = !strcmp(op, "free");
	bool is_map = !strcmp(op, "map"), is_unmap = !strcmp(op, "unmap");

	if (is_alloc)
		nf = 9;
	else if (is_free || is_map || is_unmap)
		nf = 7;
	else
		return bad(r, "unknown event", op);
	if (r->ntok != nf)
		return bad(r,
			   is_alloc ? "alloc needs 8 fields" : "needs 6 fields",
			   op);
	for (int i = 1; i < nf; i++)
		if (i != 2 && (ret = num(r, i, "not a number", &v[i])))
			return ret;
	e = push(tr, doms, dcap);
	if (!e)
		return -ENOMEM;
	if ((ret = cpu_num(r, 2, &e->cpu)))
		return ret;
	e->t = v[1];
	e->peer = (int64_t)r->lineno;
	if (is_alloc) {
		if (v[7] > 1)
			return bad(r, "FLUSH must be 0 or 1", r->tok[7]);
		(*doms)[tr->n - 1] = v[4];
		e->op = TEV_ALLOC;
		e->size = v[5];
		e->limit = v[6];
		e->flush = (uint8_t)v[7];
		e->pfn = v[8];
	} else if (is_free) {
		(*doms)[tr->n - 1] = v[4];
		e->op = TEV_FREE;
		e->pfn = v[5];
		e->size = v[6];
	} else {
		/* proxy: bytes to pages, covering the mapping's page span */
		uint64_t bytes = is_map ? v[6] : v[5];
		uint64_t off = v[4] & ((1ull << page_shift) - 1);

		if (!bytes)
			return bad(r, "zero-sized mapping",
				   r->tok[is_map ? 6 : 5]);
		(*doms)[tr->n - 1] = 0;
		e->op = is_map ? TEV_ALLOC : TEV_FREE;
		e->pfn = v[4] >> page_shift;
		e->size = (off + bytes + (1ull << page_shift) - 1) >>
			  page_shift;
		e->limit = proxy_limit;
		e->flush = 1;
		if (is_map && !e->pfn)
			return bad(r, "map of IOVA page 0", r->tok[4]);
	}
	return 0;
}

/* Keep only @domain's events (0: the only one). */
static int pick_domain(struct trace *tr, const uint64_t *doms, uint64_t domain,
		       const char *name)
{
	uint64_t d[MAX_DOMAINS], cnt[MAX_DOMAINS];
	size_t nd = 0, k = 0;
	bool many = false;

	for (size_t i = 0; i < tr->n; i++) {
		size_t j;

		for (j = 0; j < nd && d[j] != doms[i]; j++)
			;
		if (j == nd) {
			if (nd == MAX_DOMAINS) {
				many = true;
				continue;
			}
			d[nd] = doms[i];
			cnt[nd++] = 0;
		}
		cnt[j]++;
	}
	if (!domain) {
		if (nd > 1) {
			fprintf(stderr,
				"%s: %zu%s domains; pick one with --domain:",
				name, nd, many ? "+" : "");
			for (size_t j = 0; j < nd; j++)
				fprintf(stderr, " 0x%llx (%llu events)",
					(unsigned long long)d[j],
					(unsigned long long)cnt[j]);
			fputc('\n', stderr);
			return -EINVAL;
		}
		domain = nd ? d[0] : 0;
	}
	for (size_t i = 0; i < tr->n; i++) {
		if (doms[i] == domain)
			tr->ev[k++] = tr->ev[i];
		else
			tr->other_domain_events++;
	}
	if (!k && tr->n) {
		fprintf(stderr, "%s: no events of domain 0x%llx\n", name,
			(unsigned long long)domain);
		return -EINVAL;
	}
	tr->n = k;
	tr->domain = domain;
	return 0;
}

static int read_capture(struct trace *tr, struct reader *rd, uint64_t domain,
			uint64_t proxy_limit)
{
	struct reader r = *rd;
	const char *name = r.name;
	uint64_t *doms = NULL;
	size_t dcap = 0;
	int ret;

	snprintf(tr->source, sizeof(tr->source), "unknown");
	while ((ret = next_line(&r)) == 1) {
		uint64_t lost;

		if (!r.ntok)
			continue;
		if (r.tok[0][0] == '#') {
			if (r.ntok == 4 &&
			    !strcmp(r.tok[1], "iovalab-capture")) {
				if (strcmp(r.tok[2], "1")) {
					ret = bad(&r, "unknown capture version",
						  r.tok[2]);
					break;
				}
				snprintf(tr->source, sizeof(tr->source), "%s",
					 r.tok[3]);
			}
			if (r.ntok >= 2 && !strcmp(r.tok[1], "iovalab-trace")) {
				ret = bad(&r, "unknown iovalab-trace version",
					  r.ntok > 2 ? r.tok[2] : "");
				break;
			}
			continue;
		}
		/* bpftrace's own lines when run without -q */
		if (!strcmp(r.tok[0], "Attaching") && r.ntok >= 2)
			continue;
		if (!strcmp(r.tok[0], "Lost") && r.ntok == 3 &&
		    !strcmp(r.tok[2], "events") &&
		    !lab_parse_u64(r.tok[1], &lost)) {
			tr->lost_events += lost;
			continue;
		}
		ret = capture_event(&r, tr, &doms, &dcap, proxy_limit);
		if (ret)
			break;
	}
	if (ret == -EIO)
		fprintf(stderr, "%s: read error\n", name);
	if (!ret)
		ret = pick_domain(tr, doms, domain, name);
	if (!ret)
		ret = finish(tr, name, false);
	if (ret == -ENOMEM)
		fprintf(stderr, "%s: out of memory\n", name);
	free(doms);
	rd->line = r.line;
	rd->cap = r.cap;
	return ret < 0 ? (ret == -ENOMEM ? ret : -EINVAL) : 0;
}

int trace_read_capture(struct trace *tr, FILE *f, const char *name,
		       uint64_t domain, uint64_t proxy_limit)
{
	struct reader r = { .f = f, .name = name };
	int ret;

	memset(tr, 0, sizeof(*tr));
	ret = read_capture(tr, &r, domain, proxy_limit);
	free(r.line);
	if (ret)
		trace_free(tr);
	return ret;
}

/* ---- the lab's format ---- */

static const char lab_magic[] = "# iovalab-trace 1";

static int lab_event(struct reader *r, struct trace *tr, uint64_t *last_t)
{
	struct tev *e;
	uint64_t v;
	int ret;

	if (r->ntok != 7)
		return bad(r, "needs 7 fields: TIME CPU OP SIZE LIMIT PFN FLAG",
			   r->tok[0]);
	e = push(tr, NULL, NULL);
	if (!e)
		return -ENOMEM;
	e->peer = (int64_t)r->lineno;
	if ((ret = num(r, 0, "bad time", &e->t)) ||
	    (ret = cpu_num(r, 1, &e->cpu)) ||
	    (ret = num(r, 3, "bad size", &e->size)) ||
	    (ret = num(r, 5, "bad pfn", &e->pfn)))
		return ret;
	if (e->t < *last_t)
		return bad(r, "time goes backwards", r->tok[0]);
	*last_t = e->t;
	if (!strcmp(r->tok[2], "a")) {
		e->op = TEV_ALLOC;
		if ((ret = num(r, 4, "bad limit", &e->limit)) ||
		    (ret = num(r, 6, "alloc flag must be 0 or 1", &v)))
			return ret;
		if (v > 1)
			return bad(r, "alloc flag must be 0 or 1", r->tok[6]);
		e->flush = (uint8_t)v;
		return 0;
	}
	if (strcmp(r->tok[2], "f"))
		return bad(r, "op must be a or f", r->tok[2]);
	e->op = TEV_FREE;
	if (strcmp(r->tok[4], "-"))
		return bad(r, "a free's limit must be '-'", r->tok[4]);
	if (!e->pfn)
		return bad(r, "free of pfn 0", r->tok[5]);
	for (int m = 0; m < TFREE_NR; m++)
		if (!strcmp(r->tok[6], tev_free_names[m])) {
			e->match = (uint8_t)m;
			return 0;
		}
	return bad(r, "free flag must be ok, unmatched, double or size",
		   r->tok[6]);
}

static bool is_magic(const char *line)
{
	return !strcmp(line, lab_magic);
}

/* The lab's format, after its first line. */
static int read_lab(struct trace *tr, struct reader *rd)
{
	struct reader r = *rd;
	uint64_t last_t = 0;
	int ret;

	snprintf(tr->source, sizeof(tr->source), "iovalab-trace");
	while ((ret = next_line(&r)) == 1) {
		if (!r.ntok)
			continue;
		if (r.tok[0][0] == '#') {
			/* "# domain 0x... source NAME" is kept */
			if (r.ntok == 5 && !strcmp(r.tok[1], "domain") &&
			    !strcmp(r.tok[3], "source")) {
				if (lab_parse_u64(r.tok[2], &tr->domain)) {
					ret = bad(&r, "bad domain", r.tok[2]);
					break;
				}
				snprintf(tr->source, sizeof(tr->source), "%s",
					 r.tok[4]);
			}
			continue;
		}
		ret = lab_event(&r, tr, &last_t);
		if (ret)
			break;
	}
	if (ret == -EIO)
		fprintf(stderr, "%s: read error\n", r.name);
	if (!ret)
		ret = finish(tr, r.name, true);
	if (ret == -ENOMEM)
		fprintf(stderr, "%s: out of memory\n", r.name);
	rd->line = r.line;
	rd->cap = r.cap;
	return ret < 0 ? (ret == -ENOMEM ? ret : -EINVAL) : 0;
}

int trace_read(struct trace *tr, FILE *f, const char *name)
{
	struct reader r = { .f = f, .name = name };
	ssize_t len;
	int ret;

	memset(tr, 0, sizeof(*tr));
	len = fetch(&r);
	if (len < -1) {
		ret = (int)len;
	} else if (len == -1 || !is_magic(r.line)) {
		r.lineno = 1;
		ret = bad(&r,
			  "not an iovalab trace (first line must be "
			  "'# iovalab-trace 1')",
			  NULL);
	} else {
		ret = read_lab(tr, &r);
	}
	free(r.line);
	if (ret)
		trace_free(tr);
	return ret;
}

int trace_load(struct trace *tr, const char *path, uint64_t domain,
	       uint64_t proxy_limit)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	struct reader r = { .f = f, .name = path };
	ssize_t len;
	int ret;

	memset(tr, 0, sizeof(*tr));
	if (!f) {
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		return -ENOENT;
	}
	/* the lab's format starts with its magic; anything else is a capture */
	len = fetch(&r);
	if (len < -1) {
		ret = -EINVAL;
	} else if (len >= 0 && is_magic(r.line)) {
		ret = read_lab(tr, &r);
	} else {
		r.pending = len >= 0;
		ret = read_capture(tr, &r, domain, proxy_limit);
	}
	free(r.line);
	if (f != stdin)
		fclose(f);
	if (ret)
		trace_free(tr);
	return ret;
}

int trace_write(const struct trace *tr, FILE *f)
{
	fprintf(f, "%s\n", lab_magic);
	fprintf(f, "# domain 0x%llx source %s\n",
		(unsigned long long)tr->domain, tr->source);
	fprintf(f,
		"# events %zu cpus %u allocs %llu frees %llu failed_allocs "
		"%llu unmatched_frees %llu double_frees %llu size_mismatches "
		"%llu alloc_of_live %llu lost_events %llu\n",
		tr->n, tr->ncpus, (unsigned long long)tr->allocs,
		(unsigned long long)tr->frees,
		(unsigned long long)tr->failed_allocs,
		(unsigned long long)tr->bad_frees[TFREE_UNMATCHED],
		(unsigned long long)tr->bad_frees[TFREE_DOUBLE],
		(unsigned long long)tr->bad_frees[TFREE_SIZE],
		(unsigned long long)tr->alloc_of_live,
		(unsigned long long)tr->lost_events);
	fprintf(f, "# time_ns cpu op size limit_pfn pfn flag\n");
	for (size_t i = 0; i < tr->n; i++) {
		const struct tev *e = &tr->ev[i];

		if (e->op == TEV_ALLOC)
			fprintf(f, "%llu %u a %llu 0x%llx 0x%llx %u\n",
				(unsigned long long)e->t, e->cpu,
				(unsigned long long)e->size,
				(unsigned long long)e->limit,
				(unsigned long long)e->pfn, e->flush);
		else
			fprintf(f, "%llu %u f %llu - 0x%llx %s\n",
				(unsigned long long)e->t, e->cpu,
				(unsigned long long)e->size,
				(unsigned long long)e->pfn,
				tev_free_names[e->match]);
	}
	return fflush(f) || ferror(f) ? -EIO : 0;
}

void trace_free(struct trace *tr)
{
	free(tr->ev);
	memset(tr, 0, sizeof(*tr));
}
