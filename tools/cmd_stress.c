// SPDX-License-Identifier: GPL-2.0
/* sva stress: random operations checked against a shadow model (sim/stress.h). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario.h"
#include "sim/stress.h"
#include "tools/sva.h"

static const char stress_usage[] =
	"usage: sva stress --seed N --ops N [--processes P] [--devices D]\n"
	"                  [--page-size 4K|16K|64K] [-v]\n"
	"\n"
	"Run N random operations (mmap, munmap, mprotect, CPU writes and reads, bind,\n"
	"unbind, DMA fill/copy/check through bound PASIDs, bogus PASIDs and no PASID,\n"
	"process exit and creation) over P processes (default 3) and D devices\n"
	"(default 3; their kinds in turn: pci ats pri, platform stall, pci without\n"
	"ATS/PRI), and check every outcome against a shadow model of each process's\n"
	"memory. The same seed gives the same operations and the same outcomes.\n"
	"Exit status: 0 no violation, 1 violations (each printed with the command that\n"
	"reproduces it), 2 bad options or the machine failed.\n"
	"\n"
	"  -s, --seed N        PRNG seed\n"
	"  -n, --ops N         number of operations\n"
	"  -p, --processes P   live processes at a time (1..8)\n"
	"  -d, --devices D     devices (1..8)\n"
	"  -g, --page-size SZ  CPU and SVA granule: 4K, 16K or 64K (default 4K)\n"
	"  -v, --verbose       print each operation and its outcome\n"
	"  -h, --help          this text\n";

static int number_opt(const char *name, const char *arg, uint64_t max, uint64_t *out)
{
	if (scn_parse_number(arg, false, out) || *out > max) {
		fprintf(stderr, "sva stress: --%s: bad number '%s'\n", name, arg);
		return -1;
	}
	return 0;
}

static int page_size_opt(const char *arg, unsigned int *shift)
{
	if (!strcmp(arg, "4K"))
		*shift = 12;
	else if (!strcmp(arg, "16K"))
		*shift = 14;
	else if (!strcmp(arg, "64K"))
		*shift = 16;
	else {
		fprintf(stderr, "sva stress: --page-size must be 4K, 16K or 64K\n");
		return -1;
	}
	return 0;
}

static void summary(const struct stress_stats *st)
{
	printf("ops %lu: binds %lu (refused %lu) unbinds %lu exits %lu new processes %lu"
	       " machines %lu\n", st->ops, st->binds, st->refused_binds, st->unbinds, st->exits,
	       st->spawns, st->restarts + 1);
	printf("dma: ok %lu fault %lu mismatch %lu; cpu faults %lu; full checks %lu\n",
	       st->dma_ok, st->dma_fault, st->dma_mismatch, st->cpu_faults, st->verifies);
	printf("digest %016" PRIx64 "\n", st->digest);
	printf("violations %lu\n", st->violations);
}

static int parse_opts(int argc, char **argv, struct stress_opts *o, uint64_t *ops)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'n' },
		{ "processes", required_argument, NULL, 'p' },
		{ "devices", required_argument, NULL, 'd' },
		{ "page-size", required_argument, NULL, 'g' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool seed = false, nops = false;
	uint64_t v;
	int c;

	opterr = 0;	/* one line of our own for a bad option */
	while ((c = getopt_long(argc, argv, "s:n:p:d:g:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (number_opt("seed", optarg, UINT64_MAX, &o->seed))
				return 2;
			seed = true;
			break;
		case 'n':
			if (number_opt("ops", optarg, UINT32_MAX, ops))
				return 2;
			nops = true;
			break;
		case 'p':
		case 'd':
			if (number_opt(c == 'p' ? "processes" : "devices", optarg, 64, &v))
				return 2;
			*(c == 'p' ? &o->processes : &o->devices) = (unsigned int)v;
			break;
		case 'g':
			if (page_size_opt(optarg, &o->page_shift))
				return 2;
			break;
		case 'v':
			o->log = stdout;
			break;
		case 'h':
			fputs(stress_usage, stdout);
			return 0;
		default:
			fprintf(stderr, "sva stress: bad option '%s' (sva stress --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sva stress: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!seed || !nops) {
		fprintf(stderr, "sva stress: --seed and --ops are needed (sva stress --help)\n");
		return 2;
	}
	return -1;
}

static int stress_main(int argc, char **argv)
{
	struct stress_opts o = {
		/* Two devices: the machine cannot build a pci device without PRI yet. */
		.processes = 3, .devices = 3, .page_shift = 12, .report = stdout,
	};
	uint64_t ops = 0;
	char why[256] = "";
	struct stress *s;
	int ret;

	ret = parse_opts(argc, argv, &o, &ops);
	if (ret >= 0)
		return ret;
	s = stress_create(&o, why, sizeof(why));
	if (!s) {
		fprintf(stderr, "sva stress: %s\n", why);
		return 2;
	}
	ret = stress_run(s, (unsigned long)ops);
	if (!ret)
		ret = stress_verify(s);
	summary(stress_stats(s));
	if (ret)
		fprintf(stderr, "sva stress: the machine failed: %s\n", strerror(-ret));
	ret = ret ? 2 : stress_stats(s)->violations ? 1 : 0;
	stress_destroy(s);
	return ret;
}

const struct sva_command sva_cmd_stress = {
	.name = "stress",
	.summary = "random operations checked against a shadow model (exit 1: violations)",
	.main = stress_main,
};
