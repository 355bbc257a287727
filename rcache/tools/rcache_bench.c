// SPDX-License-Identifier: MIT
/*
 * rcache-bench: what the magazine cache buys and how often it hits.
 *
 *   hitpath  one thread pinned to one CPU, alloc_iova_fast + free_iova_fast
 *            of the same size in a loop: ns per pair with the cache on (every
 *            alloc after the first is a hit) and off (every pair goes to the
 *            tree, which holds --background other ranges).
 *   nic      steady NIC-like traffic: each thread, pinned to CPU i % ncpu,
 *            keeps --ring mappings in flight (mostly 1 page, some 2-16 page
 *            TSO buffers) and unmaps the oldest on the thread that mapped it.
 *   xfree    cross-thread free: thread i maps and hands each mapping to
 *            thread (i + 1) % T, which unmaps it (completions on another
 *            CPU): one CPU's magazines drain while another's fill, so the
 *            depot carries the traffic.
 *   xsplit   as xfree, but even threads only map and odd threads only
 *            unmap (RX refill on one CPU, completion on another): every
 *            magazine a consumer fills travels through the depot to a
 *            producer.
 *
 * Reports hit rates from iovad_rcache_stats() and throughput; timings are
 * only as good as the machine is quiet (say so when quoting them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iovalab/clock.h"
#include "iovalab/fault.h"
#include "iovalab/json.h"
#include "iovalab/outfile.h"
#include "iovalab/lock.h"
#include "iovalab/parse.h"
#include "iovalab/prng.h"
#include "iovalab/rcache.h"

#define LIMIT_PFN ((1UL << 32) - 1) /* a 44-bit DMA mask at 4 KiB */

struct opts {
	const char *modes;
	enum iova_alg alg;
	char locks[3][32];
	uint64_t pairs;
	uint64_t reps;
	uint64_t size;
	uint64_t background;
	uint64_t threads;
	uint64_t ops;
	uint64_t ring;
	uint64_t mag_size;
	uint64_t depot_max; /* UINT64_MAX: default */
	uint64_t trim_ms;
	const char *json;
};

static struct opts o = {
	.modes = "hitpath,nic,xfree,xsplit",
	.alg = IOVA_ALG_CLASSIC,
	.locks = { "mutex", "mutex", "mutex" },
	.pairs = 2000000,
	.reps = 5,
	.size = 1,
	.background = 1000,
	.threads = 0,
	.ops = 500000,
	.ring = 256,
	.mag_size = IOVAD_MAG_SIZE_DEFAULT,
	.depot_max = UINT64_MAX,
	.trim_ms = 100,
};

static unsigned int *cpus; /* CPUs in our affinity mask */
static unsigned int ncpus;

static void die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "rcache-bench: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see --help)\n");
	exit(2);
}

static void usage(void)
{
	printf("usage: rcache-bench [options]\n"
	       "  --mode LIST        hitpath,nic,xfree,xsplit (default all)\n"
	       "  --alg NAME         tree algorithm (classic)\n"
	       "  --lock L|T,C,D     lock strategy for all, or tree,cpu,depot "
	       "(mutex)\n"
	       "  --pairs N          hitpath: alloc+free pairs per rep "
	       "(2000000)\n"
	       "  --reps N           hitpath: repetitions, median reported "
	       "(5)\n"
	       "  --size N           hitpath: pfns per range (1)\n"
	       "  --background N     ranges live in the tree while measuring "
	       "(1000)\n"
	       "  --threads N        nic/xfree threads (default: CPUs we may "
	       "use)\n"
	       "  --ops N            nic/xfree: maps per thread (500000)\n"
	       "  --ring N           nic/xfree: mappings in flight per thread "
	       "(256)\n"
	       "  --mag-size N       pfns per magazine (127)\n"
	       "  --depot-max N      trim threshold (online CPUs)\n"
	       "  --trim-ms N        trim period, 0 = no trim thread (100)\n"
	       "  --json FILE        also write the results as JSON\n");
}

static uint64_t parse_num(const char *s, const char *what, uint64_t min,
			  uint64_t max)
{
	uint64_t v;

	if (lab_parse_u64(s, &v) || v < min || v > max)
		die_usage("bad value for %s", what);
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "mode", required_argument, 0, 'm' },
		{ "alg", required_argument, 0, 'a' },
		{ "lock", required_argument, 0, 'l' },
		{ "pairs", required_argument, 0, 'p' },
		{ "reps", required_argument, 0, 'r' },
		{ "size", required_argument, 0, 's' },
		{ "background", required_argument, 0, 'b' },
		{ "threads", required_argument, 0, 't' },
		{ "ops", required_argument, 0, 'o' },
		{ "ring", required_argument, 0, 'R' },
		{ "mag-size", required_argument, 0, 'M' },
		{ "depot-max", required_argument, 0, 'D' },
		{ "trim-ms", required_argument, 0, 'T' },
		{ "json", required_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c, alg;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			o.modes = optarg;
			break;
		case 'a':
			alg = iova_alg_parse(optarg);
			if (alg < 0)
				die_usage("unknown algorithm '%s'", optarg);
			o.alg = (enum iova_alg)alg;
			break;
		case 'l':
			if (strlen(optarg) >= 96)
				die_usage("lock list too long: %s", optarg);
			if (sscanf(optarg, "%31[^,],%31[^,],%31s", o.locks[0],
				   o.locks[1], o.locks[2]) != 3) {
				if (strchr(optarg, ',') || strlen(optarg) > 31)
					die_usage("--lock wants L or T,C,D: "
						  "'%s'",
						  optarg);
				for (int i = 0; i < 3; i++)
					strcpy(o.locks[i], optarg);
			}
			break;
		case 'p':
			o.pairs = parse_num(optarg, "--pairs", 1, 1ull << 40);
			break;
		case 'r':
			o.reps = parse_num(optarg, "--reps", 1, 1000);
			break;
		case 's':
			o.size = parse_num(optarg, "--size", 1, 1ull << 20);
			break;
		case 'b':
			o.background =
				parse_num(optarg, "--background", 0, 1u << 24);
			break;
		case 't':
			o.threads = parse_num(optarg, "--threads", 1, 1024);
			break;
		case 'o':
			o.ops = parse_num(optarg, "--ops", 1, 1ull << 40);
			break;
		case 'R':
			o.ring = parse_num(optarg, "--ring", 1, 1u << 20);
			break;
		case 'M':
			o.mag_size = parse_num(optarg, "--mag-size", 1,
					       IOVAD_MAG_SIZE_MAX);
			break;
		case 'D':
			o.depot_max =
				parse_num(optarg, "--depot-max", 0, 1u << 30);
			break;
		case 'T':
			o.trim_ms = parse_num(optarg, "--trim-ms", 0, 1000000);
			break;
		case 'j':
			o.json = optarg;
			break;
		case 'h':
			usage();
			exit(0);
		default:
			exit(2);
		}
	}
	if (optind != argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	{
		static const char *const known[] = { "hitpath", "nic", "xfree",
						     "xsplit", NULL };
		/* strict: no empty list, no empty item ('', 'nic,') */
		size_t *idx = NULL;
		long n = lab_parse_name_list(o.modes, known, &idx, NULL);

		free(idx);
		if (n == -ENOENT)
			die_usage("unknown mode in '%s'", o.modes);
		if (n < 0)
			die_usage("--mode: empty list or item in '%s'",
				  o.modes);
	}
	{
		const char *const opt[] = { "--json" }, *const path[] = {
			o.json
		};

		if (lab_outfile_check("rcache-bench", opt, path, 1))
			exit(2);
	}
}

static bool mode_on(const char *m)
{
	size_t len = strlen(m);

	for (const char *p = o.modes; *p;) {
		size_t n = strcspn(p, ",");

		if (n == len && !strncmp(p, m, n))
			return true;
		p += n;
		if (*p)
			p++;
	}
	return false;
}

static void find_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set)) {
		perror("sched_getaffinity");
		exit(1);
	}
	cpus = calloc(CPU_SETSIZE, sizeof(*cpus));
	for (unsigned int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			cpus[ncpus++] = c;
}

static void pin(unsigned int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		exit(1);
	}
}

static struct iovad *make_domain(bool rcache)
{
	struct iovad_attr a;
	struct iovad *d;

	iovad_attr_init(&a);
	a.alg = o.alg;
	a.tree_lock = o.locks[0];
	a.cpu_lock = o.locks[1];
	a.depot_lock = o.locks[2];
	a.rcache = rcache;
	a.mag_size = (unsigned int)o.mag_size;
	if (o.depot_max != UINT64_MAX)
		a.depot_max = o.depot_max;
	a.trim_period_ns = o.trim_ms * 1000000ull;
	/* frees only what it allocated: measure the kernel's hit path */
	a.trust_fast_free = true;
	d = iovad_create(&a);
	if (!d) {
		fprintf(stderr, "rcache-bench: iovad_create: %s\n",
			strerror(errno));
		exit(errno == EINVAL ? 2 : 1);
	}
	/* Spread the background so the tree has real depth. */
	for (uint64_t i = 0; i < o.background; i++) {
		if (!iovad_alloc_iova(d, 1 + (i % 8), LIMIT_PFN, true)) {
			fprintf(stderr,
				"rcache-bench: background fill failed\n");
			exit(1);
		}
	}
	return d;
}

struct rates {
	uint64_t hits, misses, pushes, pops, trims, flushes, failures;
	uint64_t mag_bytes;
	double hit_rate;
};

static struct rates rates_of(struct iovad *d)
{
	struct iovad_rcache_stats st;
	struct iovad_rcache_totals tot;
	struct rates r = { 0 };

	iovad_rcache_stats(d, &st);
	iovad_rcache_stats_sum(&st, &tot);
	r.hits = tot.hits;
	r.misses = tot.misses;
	r.pushes = tot.depot_pushes;
	r.pops = tot.depot_pops;
	r.trims = tot.trims;
	r.flushes = st.flushes;
	r.failures = st.alloc_failures;
	r.mag_bytes = st.mag_bytes;
	r.hit_rate = tot.hit_rate;
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct hit_result {
	bool rcache;
	double ns_median, ns_min;
	struct rates r;
};

static struct hit_result run_hitpath(bool rcache)
{
	struct iovad *d = make_domain(rcache);
	double *ns = calloc(o.reps, sizeof(*ns));
	struct hit_result res = { .rcache = rcache };
	unsigned long pfn;

	/* Warm up: the first alloc misses and later ones hit. */
	for (int i = 0; i < 1000; i++) {
		pfn = alloc_iova_fast(d, o.size, LIMIT_PFN, true);
		free_iova_fast(d, pfn, o.size);
	}
	for (uint64_t rep = 0; rep < o.reps; rep++) {
		uint64_t t0 = lab_now_ns(), t1;

		for (uint64_t i = 0; i < o.pairs; i++) {
			pfn = alloc_iova_fast(d, o.size, LIMIT_PFN, true);
			free_iova_fast(d, pfn, o.size);
		}
		t1 = lab_now_ns();
		ns[rep] = (double)(t1 - t0) / (double)o.pairs;
	}
	qsort(ns, o.reps, sizeof(*ns), cmp_double);
	res.ns_median = ns[o.reps / 2];
	res.ns_min = ns[0];
	res.r = rates_of(d);
	free(ns);
	iovad_destroy(d);
	return res;
}

/* ---- multi-threaded workloads ---- */

struct spsc {
	unsigned long *pfn;
	unsigned long *size;
	uint64_t cap;
	_Atomic uint64_t head __lab_cacheline_aligned; /* consumer */
	_Atomic uint64_t tail __lab_cacheline_aligned; /* producer */
};

struct wthread {
	pthread_t tid;
	unsigned int id;
	struct iovad *d;
	struct spsc out; /* xfree: to the next thread */
	struct spsc *in; /* xfree: from the previous thread */
	uint64_t maps, unmaps, fails;
	uint64_t ns;
	pthread_barrier_t *bar;
	bool producer;
	_Atomic unsigned int *producers_left;
} __lab_cacheline_aligned;

/* 7 in 8 maps are one page (an MTU frame); the rest 2-16 pages (TSO). */
static unsigned long nic_size(struct lab_prng *rng)
{
	uint64_t v = lab_prng_below(rng, 64);

	if (v < 56)
		return 1;
	return 2UL << (v % 4); /* 2, 4, 8, 16 */
}

static void *nic_main(void *arg)
{
	struct wthread *w = arg;
	unsigned long *pfn = calloc(o.ring, sizeof(*pfn));
	unsigned long *size = calloc(o.ring, sizeof(*size));
	struct lab_prng rng;
	uint64_t t0, head = 0, count = 0;

	pin(cpus[w->id % ncpus]);
	lab_lock_thread_online();
	lab_prng_seed(&rng, 42 + w->id);
	pthread_barrier_wait(w->bar);
	t0 = lab_now_ns();
	for (uint64_t i = 0; i < o.ops; i++) {
		unsigned long s = nic_size(&rng), p;

		if (count == o.ring) {
			free_iova_fast(w->d, pfn[head], size[head]);
			w->unmaps++;
			head = (head + 1) % o.ring;
			count--;
		}
		p = alloc_iova_fast(w->d, s, LIMIT_PFN, true);
		if (!p) {
			w->fails++;
			continue;
		}
		pfn[(head + count) % o.ring] = p;
		size[(head + count) % o.ring] = s;
		count++;
		w->maps++;
	}
	w->ns = lab_now_ns() - t0;
	while (count--) {
		free_iova_fast(w->d, pfn[head], size[head]);
		head = (head + 1) % o.ring;
	}
	lab_lock_thread_offline();
	free(pfn);
	free(size);
	return NULL;
}

static bool spsc_push(struct spsc *q, unsigned long pfn, unsigned long size)
{
	uint64_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);

	if (t - atomic_load_explicit(&q->head, memory_order_acquire) == q->cap)
		return false;
	q->pfn[t % q->cap] = pfn;
	q->size[t % q->cap] = size;
	atomic_store_explicit(&q->tail, t + 1, memory_order_release);
	return true;
}

static bool spsc_pop(struct spsc *q, unsigned long *pfn, unsigned long *size)
{
	uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed);

	if (h == atomic_load_explicit(&q->tail, memory_order_acquire))
		return false;
	*pfn = q->pfn[h % q->cap];
	*size = q->size[h % q->cap];
	atomic_store_explicit(&q->head, h + 1, memory_order_release);
	return true;
}

static unsigned int drain(struct wthread *w)
{
	unsigned long p, s;
	unsigned int n = 0;

	while (spsc_pop(w->in, &p, &s)) {
		free_iova_fast(w->d, p, s);
		w->unmaps++;
		n++;
	}
	return n;
}

static void *xfree_main(void *arg)
{
	struct wthread *w = arg;
	struct lab_prng rng;
	uint64_t t0, i = 0;

	pin(cpus[w->id % ncpus]);
	lab_lock_thread_online();
	lab_prng_seed(&rng, 4242 + w->id);
	pthread_barrier_wait(w->bar);
	t0 = lab_now_ns();
	while (w->producer && i < o.ops) {
		unsigned long s, p;

		drain(w);
		if (atomic_load_explicit(&w->out.tail, memory_order_relaxed) -
			    atomic_load_explicit(&w->out.head,
						 memory_order_acquire) ==
		    w->out.cap) {
			/* The next thread is behind: let it run. */
			sched_yield();
			continue;
		}
		s = nic_size(&rng);
		p = alloc_iova_fast(w->d, s, LIMIT_PFN, true);
		i++;
		if (!p) {
			w->fails++;
			continue;
		}
		w->maps++;
		spsc_push(&w->out, p, s);
	}
	w->ns = w->producer ? lab_now_ns() - t0 : 0;
	/* Keep freeing for the previous thread until every producer ends. */
	if (w->producer)
		atomic_fetch_sub(w->producers_left, 1);
	while (atomic_load(w->producers_left))
		if (!drain(w))
			sched_yield();
	drain(w);
	lab_lock_thread_offline();
	return NULL;
}

struct mt_result {
	const char *mode;
	unsigned int threads;
	uint64_t maps, fails;
	double maps_per_sec;
	struct rates r;
};

static struct mt_result run_mt(const char *mode, bool xfree, bool split)
{
	unsigned int n = o.threads ? (unsigned int)o.threads : ncpus;
	struct wthread *w = aligned_alloc(LAB_CACHELINE, n * sizeof(*w));
	struct iovad *d = make_domain(true);
	struct mt_result res = { .mode = mode, .threads = n };
	_Atomic unsigned int left = split ? (n + 1) / 2 : n;
	pthread_barrier_t bar;
	uint64_t max_ns = 0;

	memset(w, 0, n * sizeof(*w));
	pthread_barrier_init(&bar, NULL, n);
	for (unsigned int i = 0; i < n; i++) {
		w[i].id = i;
		w[i].d = d;
		w[i].bar = &bar;
		w[i].producers_left = &left;
		w[i].producer = !split || i % 2 == 0;
		w[i].out.cap = o.ring;
		w[i].out.pfn = calloc(o.ring, sizeof(unsigned long));
		w[i].out.size = calloc(o.ring, sizeof(unsigned long));
	}
	for (unsigned int i = 0; i < n; i++)
		w[i].in = &w[(i + n - 1) % n].out;
	for (unsigned int i = 0; i < n; i++) {
		if (lab_fault_pthread_create(&w[i].tid, NULL,
					     xfree ? xfree_main : nic_main,
					     &w[i])) {
			perror("pthread_create");
			exit(1);
		}
	}
	for (unsigned int i = 0; i < n; i++)
		pthread_join(w[i].tid, NULL);
	for (unsigned int i = 0; i < n; i++) {
		res.maps += w[i].maps;
		res.fails += w[i].fails;
		if (w[i].ns > max_ns)
			max_ns = w[i].ns;
		free(w[i].out.pfn);
		free(w[i].out.size);
	}
	res.maps_per_sec = max_ns ? (double)res.maps * 1e9 / (double)max_ns :
				    0.0;
	res.r = rates_of(d);
	{
		char msg[256];

		if (iovad_check_quiescent(d, msg, sizeof(msg))) {
			fprintf(stderr, "rcache-bench: %s: check: %s\n", mode,
				msg);
			exit(1);
		}
	}
	pthread_barrier_destroy(&bar);
	iovad_destroy(d);
	free(w);
	return res;
}

static void json_rates(struct lab_json *j, const struct rates *r)
{
	lab_json_object_begin(j, "rcache");
	lab_json_double(j, "hit_rate", r->hit_rate);
	lab_json_u64(j, "hits", r->hits);
	lab_json_u64(j, "misses", r->misses);
	lab_json_u64(j, "depot_pushes", r->pushes);
	lab_json_u64(j, "depot_pops", r->pops);
	lab_json_u64(j, "trims", r->trims);
	lab_json_u64(j, "flushes", r->flushes);
	lab_json_u64(j, "alloc_failures", r->failures);
	lab_json_u64(j, "mag_bytes", r->mag_bytes);
	lab_json_object_end(j);
}

int main(int argc, char **argv)
{
	struct hit_result hr[2];
	struct mt_result mr[3];
	struct lab_outfile out = { 0 };
	int nhr = 0, nmr = 0;

	lab_fault_setup("rcache-bench");
	parse_args(argc, argv);
	if (lab_stop_install(true)) {
		fprintf(stderr,
			"rcache-bench: cannot install signal handlers\n");
		return 1;
	}
	/* the temporary file now: a path that fails does so before work */
	if (o.json) {
		int ret = lab_outfile_open(&out, o.json);

		if (ret) {
			fprintf(stderr,
				"rcache-bench: cannot create a file beside '%s': "
				"%s\n",
				o.json, strerror(-ret));
			return 2;
		}
	}
	find_cpus();
	lab_lock_thread_online();

	printf("rcache-bench: alg %s, locks tree=%s cpu=%s depot=%s, "
	       "magazine %llu, %u CPU(s) usable, timer %.1f ns\n",
	       iova_alg_name(o.alg), o.locks[0], o.locks[1], o.locks[2],
	       (unsigned long long)o.mag_size, ncpus,
	       lab_clock_overhead_ns(1000));

	if (mode_on("hitpath")) {
		pin(cpus[0]);
		/* SIGINT/SIGTERM: stop after the measurement in progress */
		for (int on = 1; on >= 0 && !lab_stop_requested(); on--) {
			hr[nhr] = run_hitpath(on);
			printf("hitpath  cache %-3s size %llu: %7.1f ns/pair "
			       "(median of %llu x %llu, min %.1f), hit rate "
			       "%.4f, background %llu\n",
			       on ? "on" : "off", (unsigned long long)o.size,
			       hr[nhr].ns_median, (unsigned long long)o.reps,
			       (unsigned long long)o.pairs, hr[nhr].ns_min,
			       hr[nhr].r.hit_rate,
			       (unsigned long long)o.background);
			nhr++;
		}
		/* Let the other modes' threads be placed freely again. */
		{
			cpu_set_t set;

			CPU_ZERO(&set);
			for (unsigned int i = 0; i < ncpus; i++)
				CPU_SET(cpus[i], &set);
			sched_setaffinity(0, sizeof(set), &set);
		}
	}
	if (mode_on("nic") && !lab_stop_requested())
		mr[nmr++] = run_mt("nic", false, false);
	if (mode_on("xfree") && !lab_stop_requested())
		mr[nmr++] = run_mt("xfree", true, false);
	if (mode_on("xsplit") && !lab_stop_requested())
		mr[nmr++] = run_mt("xsplit", true, true);
	for (int i = 0; i < nmr; i++) {
		const struct rates *r = &mr[i].r;

		printf("%-8s threads %u ring %llu: hit rate %.4f (hits %llu "
		       "misses %llu), depot push %llu pop %llu, trims %llu, "
		       "flushes %llu, fails %llu, %.2f M maps/s\n",
		       mr[i].mode, mr[i].threads, (unsigned long long)o.ring,
		       r->hit_rate, (unsigned long long)r->hits,
		       (unsigned long long)r->misses,
		       (unsigned long long)r->pushes,
		       (unsigned long long)r->pops,
		       (unsigned long long)r->trims,
		       (unsigned long long)r->flushes,
		       (unsigned long long)mr[i].fails,
		       mr[i].maps_per_sec / 1e6);
	}

	if (o.json) {
		struct lab_json j;

		lab_json_init(&j, out.f);
		lab_json_object_begin(&j, NULL);
		lab_json_str(&j, "tool", "rcache-bench");
		lab_json_str(&j, "alg", iova_alg_name(o.alg));
		lab_json_str(&j, "tree_lock", o.locks[0]);
		lab_json_str(&j, "cpu_lock", o.locks[1]);
		lab_json_str(&j, "depot_lock", o.locks[2]);
		lab_json_u64(&j, "mag_size", o.mag_size);
		lab_json_u64(&j, "cpus", ncpus);
		lab_json_array_begin(&j, "hitpath");
		for (int i = 0; i < nhr; i++) {
			lab_json_object_begin(&j, NULL);
			lab_json_bool(&j, "cache_on", hr[i].rcache);
			lab_json_u64(&j, "size", o.size);
			lab_json_u64(&j, "background", o.background);
			lab_json_u64(&j, "pairs", o.pairs);
			lab_json_u64(&j, "reps", o.reps);
			lab_json_double(&j, "ns_per_pair_median",
					hr[i].ns_median);
			lab_json_double(&j, "ns_per_pair_min", hr[i].ns_min);
			json_rates(&j, &hr[i].r);
			lab_json_object_end(&j);
		}
		lab_json_array_end(&j);
		lab_json_array_begin(&j, "workloads");
		for (int i = 0; i < nmr; i++) {
			lab_json_object_begin(&j, NULL);
			lab_json_str(&j, "workload", mr[i].mode);
			lab_json_u64(&j, "threads", mr[i].threads);
			lab_json_u64(&j, "ring", o.ring);
			lab_json_u64(&j, "maps", mr[i].maps);
			lab_json_u64(&j, "alloc_failures", mr[i].fails);
			lab_json_double(&j, "maps_per_sec", mr[i].maps_per_sec);
			json_rates(&j, &mr[i].r);
			lab_json_object_end(&j);
		}
		lab_json_array_end(&j);
		/* true: a signal stopped it; the arrays hold what ran */
		lab_json_bool(&j, "interrupted", lab_stop_requested());
		lab_json_object_end(&j);
		if (lab_json_finish(&j) || lab_outfile_commit(&out)) {
			fprintf(stderr, "rcache-bench: writing %s failed\n",
				o.json);
			lab_outfile_abort(&out);
			return 1;
		}
	}
	lab_lock_thread_offline();
	free(cpus);
	return lab_stop_exit_status();
}
