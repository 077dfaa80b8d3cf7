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
	"                  [--device-kinds K,K...] [--SETTING VALUE...] [--sweep] [-v]\n"
	"\n"
	"Run N random operations (mmap, munmap, mprotect, CPU writes and reads, bind,\n"
	"unbind, DMA fill/copy/check through bound PASIDs, bogus PASIDs and no PASID,\n"
	"process exit and creation) over P processes (default 3) and D devices\n"
	"(default 3), and check every outcome against a shadow model of each process's\n"
	"memory. The same seed gives the same operations and the same outcomes.\n"
	"Exit status: 0 no violation, 1 violations (each printed with the command that\n"
	"reproduces it), 2 bad options or the machine failed.\n"
	"\n"
	"  -s, --seed N          PRNG seed, 0..2^64-1\n"
	"  -n, --ops N           number of operations, 0..2^32-1 (with --sweep: per\n"
	"                        configuration)\n"
	"  -p, --processes P     live processes at a time, 1..8 (default 3)\n"
	"  -d, --devices D       devices, 1..8 (default 3), of the device kinds in turn\n"
	"  -k, --device-kinds K,K...\n"
	"                        each kind as a scenario's device line writes it after the\n"
	"                        name, '+' for a blank (default pci+ats+pri,platform+stall,pci)\n"
	"  -g, --page-size SZ    the same as --page-size below\n"
	"  -S, --sweep           run every configuration of the sweep (sim/stress_sweep.c)\n"
	"                        over these options, each with a seed derived from --seed,\n"
	"                        one summary line each\n"
	"  -v, --verbose         print each operation and its outcome, and on stderr\n"
	"                        every message of the driver and the SMMU model\n"
	"  -h, --help            this text\n"
	"  -V, --version         the version\n"
	"\n"
	"Machine settings, as a scenario's smmu, software, cpus and page-size lines\n"
	"write them (docs/SCENARIO.md):\n";

enum { OPT_SETTING = 256 };

static int number_opt(const char *name, const char *arg, uint64_t max, uint64_t *out)
{
	if (scn_parse_number(arg, false, out) || *out > max) {
		fprintf(stderr, "sva: stress: --%s: bad number '%s'\n", name, arg);
		return -1;
	}
	return 0;
}

static void print_usage(void)
{
	struct scn_machine def;
	char values[96], dv[32], opt[128];
	unsigned int i;

	fputs(stress_usage, stdout);
	scn_machine_defaults(&def);
	for (i = 0; i < scn_nr_settings; i++) {
		scn_setting_values(&scn_settings[i], values, sizeof(values));
		scn_setting_get(&def, &scn_settings[i], dv, sizeof(dv));
		snprintf(opt, sizeof(opt), "--%s %s", scn_settings[i].key, values);
		printf("  %-28s %s (default %s)\n", opt, scn_settings[i].help, dv);
	}
}

static void summary(const struct stress_stats *st)
{
	printf("ops %lu: binds %lu (refused %lu) unbinds %lu exits %lu new processes %lu"
	       " machines %lu\n", st->ops, st->binds, st->refused_binds, st->unbinds, st->exits,
	       st->spawns, st->restarts + 1);
	printf("dma: ok %lu fault %lu mismatch %lu; cpu faults %lu; full checks %lu;"
	       " ASID rollovers %lu\n", st->dma_ok, st->dma_fault, st->dma_mismatch, st->cpu_faults,
	       st->verifies, st->asid_rollovers);
	printf("digest %016" PRIx64 "\n", st->digest);
	printf("violations %lu\n", st->violations);
}

struct stress_cli {
	struct stress_opts o;
	struct scn_machine machine;
	uint64_t ops;
	bool sweep;
};

/* getopt's table: the fixed options, then one per machine setting. */
static struct option *long_options(void)
{
	static const struct option fixed[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'n' },
		{ "processes", required_argument, NULL, 'p' },
		{ "devices", required_argument, NULL, 'd' },
		{ "device-kinds", required_argument, NULL, 'k' },
		{ "sweep", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
	};
	unsigned int nf = sizeof(fixed) / sizeof(fixed[0]), i;
	struct option *t = calloc(nf + scn_nr_settings + 1, sizeof(*t));

	if (!t)
		return NULL;
	memcpy(t, fixed, sizeof(fixed));
	for (i = 0; i < scn_nr_settings; i++)
		t[nf + i] = (struct option){ scn_settings[i].key, required_argument, NULL,
					     OPT_SETTING + (int)i };
	return t;
}

static int setting_opt(struct stress_cli *cli, const struct scn_setting *set, const char *arg)
{
	char err[SCN_ERR_MAX];

	if (scn_setting_set(&cli->machine, set, arg, err, sizeof(err))) {
		fprintf(stderr, "sva: stress: --%s: %s\n", set->key, err);
		return -1;
	}
	return 0;
}

/* 0 or 2: the exit status now (help, bad options); -1: go on and run. */
static int parse_one(struct stress_cli *cli, int c, char **argv, bool *seed, bool *nops)
{
	uint64_t v;

	switch (c) {
	case 's':
		if (number_opt("seed", optarg, UINT64_MAX, &cli->o.seed))
			return 2;
		*seed = true;
		return -1;
	case 'n':
		if (number_opt("ops", optarg, UINT32_MAX, &cli->ops))
			return 2;
		*nops = true;
		return -1;
	case 'p':
	case 'd':
		if (number_opt(c == 'p' ? "processes" : "devices", optarg, 64, &v))
			return 2;
		*(c == 'p' ? &cli->o.processes : &cli->o.devices) = (unsigned int)v;
		return -1;
	case 'k':
		cli->o.device_kinds = optarg;
		return -1;
	case 'g':
		return setting_opt(cli, scn_setting_lookup("page-size"), optarg) ? 2 : -1;
	case 'S':
		cli->sweep = true;
		return -1;
	case 'v':
		cli->o.log = stdout;
		sva_log_verbose();
		return -1;
	case 'h':
		print_usage();
		return 0;
	default:
		if (c >= OPT_SETTING && c < OPT_SETTING + (int)scn_nr_settings)
			return setting_opt(cli, &scn_settings[c - OPT_SETTING], optarg) ? 2 : -1;
		fprintf(stderr, "sva: stress: bad option '%s' (sva stress --help)\n",
			argv[optind - 1]);
		return 2;
	}
}

static int parse_opts(int argc, char **argv, struct stress_cli *cli)
{
	struct option *opts = long_options();
	bool seed = false, nops = false;
	int c, ret = -1;

	if (!opts) {
		fprintf(stderr, "sva: stress: out of memory\n");
		return 2;
	}
	opterr = 0;	/* one line of our own for a bad option */
	while (ret < 0 && (c = getopt_long(argc, argv, "s:n:p:d:k:g:Svh", opts, NULL)) != -1)
		ret = parse_one(cli, c, argv, &seed, &nops);
	free(opts);
	if (ret >= 0)
		return ret;
	if (optind != argc) {
		fprintf(stderr, "sva: stress: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!seed || !nops) {
		fprintf(stderr, "sva: stress: --seed and --ops are needed (sva stress --help)\n");
		return 2;
	}
	return -1;
}

/* One line per configuration; 0, 1 if any had violations, 2 if any machine failed. */
static int sweep_main(struct stress_cli *cli)
{
	struct scn_machine machine;
	struct stress_opts o;
	struct stress_stats st;
	char why[256], how[512];
	unsigned long ops = 0, bad = 0;
	unsigned int i;
	int status = 0, ret;

	for (i = 0; i < stress_nr_sweep_configs; i++) {
		why[0] = '\0';
		if (stress_sweep_opts(&cli->o, i, &o, &machine, why, sizeof(why))) {
			fprintf(stderr, "sva: stress: %s\n", why);
			return 2;
		}
		o.report_max = 2;	/* the summary line says how many more */
		ret = stress_run_once(&o, (unsigned long)cli->ops, &st, why, sizeof(why));
		stress_format_opts(&o, how, sizeof(how));
		printf("sweep %-44s ops %7lu violations %4lu dma ok %6lu fault %6lu digest %016"
		       PRIx64 "%s%s\n", stress_sweep_configs[i].name, st.ops, st.violations,
		       st.dma_ok, st.dma_fault, st.digest, ret ? ": " : "", ret ? why : "");
		if (ret || st.violations)
			printf("  reproduce: sva stress %s --ops %" PRIu64 "\n", how, cli->ops);
		fflush(stdout);
		ops += st.ops;
		bad += st.violations;
		if (ret)
			status = 2;
		else if (st.violations && !status)
			status = 1;
	}
	printf("sweep: %u configurations, %lu ops, %lu violations\n", stress_nr_sweep_configs,
	       ops, bad);
	return status;
}

static int stress_main(int argc, char **argv)
{
	struct stress_cli cli = {
		.o = { .processes = 3, .devices = 3, .report = stdout },
	};
	char why[256] = "";
	struct stress *s;
	int ret;

	scn_machine_defaults(&cli.machine);
	cli.o.machine = &cli.machine;
	ret = parse_opts(argc, argv, &cli);
	if (ret >= 0)
		return ret;
	if (cli.sweep)
		return sweep_main(&cli);
	s = stress_create(&cli.o, why, sizeof(why));
	if (!s) {
		fprintf(stderr, "sva: stress: %s\n", why);
		return 2;
	}
	ret = stress_run(s, (unsigned long)cli.ops);
	if (!ret)
		ret = stress_verify(s);
	summary(stress_stats(s));
	if (ret)
		fprintf(stderr, "sva: stress: the machine failed: %s\n", strerror(-ret));
	ret = ret ? 2 : stress_stats(s)->violations ? 1 : 0;
	stress_destroy(s);
	return ret;
}

const struct sva_command sva_cmd_stress = {
	.name = "stress",
	.summary = "random operations checked against a shadow model (exit 1: violations)",
	.main = stress_main,
};
