// SPDX-License-Identifier: GPL-2.0
/* sva bench: the default workload (sim/workload.h), a summary on stdout. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/scenario.h"
#include "sim/workload.h"
#include "tools/sva.h"

static const char bench_usage[] =
	"usage: sva bench [OPTIONS]\n"
	"\n"
	"N processes, each on its own CPU and thread, bound to the same M devices\n"
	"(one DMA queue per device and process). Each loops DMA copies over\n"
	"demand-faulted buffers that are unmapped and mapped again now and then,\n"
	"while it also maps, unmaps and write-protects other ranges. Every copy is\n"
	"checked by the CPU; a DMA fault is accepted only on a range that was\n"
	"unmapped or read-only at that moment. Prints figures and counters.\n"
	"Exit status: 0 every check held, 1 an unexpected outcome, 2 bad options or\n"
	"a machine that could not be built.\n"
	"\n"
	"  -p, --processes N        processes, 1..32 (default 4; CPUs = max(4, N))\n"
	"  -d, --devices M          devices, 1..8, each serving every process\n"
	"                           (default 2)\n"
	"  -b, --size BYTES         bytes per copy, 1..16M, K/M suffix (default 64K)\n"
	"  -f, --fault-mode MODE    pri: PCIe ATS+PRI functions; stall: platform\n"
	"                           devices that stall; prefault: populated memory\n"
	"                           on PCIe functions (stall devices if --ats off)\n"
	"                           (default pri)\n"
	"      --btm on|off         broadcast TLB maintenance (default on)\n"
	"      --ats on|off         ATS on the SMMU and the functions (default on)\n"
	"      --asid shared|private  SVA context ASID: the CPU's or its own\n"
	"                           (default shared)\n"
	"  -D, --duration SECONDS   how long to run, > 0 (default 8)\n"
	"  -g, --page-size 4K|16K|64K  CPU and SVA granule (default 4K)\n"
	"  -s, --seed N             random choices, 0..2^64-1 (default 1)\n"
	"      --json               one JSON object instead of the table\n"
	"  -h, --help               this text\n"
	"  -V, --version            the version\n";

enum { OPT_BTM = 256, OPT_ATS, OPT_ASID, OPT_JSON };

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "sva: bench: ");
	fprintf(stderr, fmt, arg);
	fputs(" (sva bench --help)\n", stderr);
	return 2;
}

static int on_off(const char *arg, bool *val)
{
	if (!strcmp(arg, "on"))
		*val = true;
	else if (!strcmp(arg, "off"))
		*val = false;
	else
		return -1;
	return 0;
}

static int unsigned_arg(const char *arg, bool size, uint64_t max, uint64_t *val)
{
	return scn_parse_number(arg, size, val) || *val > max ? -1 : 0;
}

static int fault_mode(const char *arg, enum wl_fault_mode *mode)
{
	static const char *const names[] = {
		[WL_FAULT_PRI] = "pri",
		[WL_FAULT_STALL] = "stall",
		[WL_FAULT_PREFAULT] = "prefault",
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(arg, names[i])) {
			*mode = (enum wl_fault_mode)i;
			return 0;
		}
	}
	return -1;
}

static int page_size(const char *arg, unsigned int *shift)
{
	uint64_t v;

	if (scn_parse_number(arg, true, &v))
		return -1;
	if (v == 4096)
		*shift = 12;
	else if (v == 16384)
		*shift = 14;
	else if (v == 65536)
		*shift = 16;
	else
		return -1;
	return 0;
}

static int parse_duration(const char *arg, double *val)
{
	char *end;

	*val = strtod(arg, &end);
	return end == arg || *end || !(*val > 0) ? -1 : 0;
}

/* One option; 0, or the exit status for bad input. */
static int parse_one(int c, const char *arg, struct wl_config *cfg, bool *json)
{
	uint64_t v;

	switch (c) {
	case 'p':
		if (unsigned_arg(arg, false, WL_MAX_PROCESSES, &v) || !v)
			return bad("--processes must be 1..32, got '%s'", arg);
		cfg->processes = (unsigned int)v;
		return 0;
	case 'd':
		if (unsigned_arg(arg, false, WL_MAX_DEVICES, &v) || !v)
			return bad("--devices must be 1..8, got '%s'", arg);
		cfg->devices = (unsigned int)v;
		return 0;
	case 'b':
		if (unsigned_arg(arg, true, 16 << 20, &v) || !v)
			return bad("--size must be 1..16M bytes, got '%s'", arg);
		cfg->size = v;
		return 0;
	case 'f':
		return fault_mode(arg, &cfg->fault_mode) ?
		       bad("--fault-mode must be pri, stall or prefault, got '%s'", arg) : 0;
	case 'D':
		return parse_duration(arg, &cfg->duration) ?
		       bad("--duration must be a positive number of seconds, got '%s'", arg) : 0;
	case OPT_BTM:
		return on_off(arg, &cfg->btm) ? bad("--btm must be on or off, got '%s'", arg) : 0;
	case OPT_ATS:
		return on_off(arg, &cfg->ats) ? bad("--ats must be on or off, got '%s'", arg) : 0;
	case OPT_ASID:
		if (strcmp(arg, "shared") && strcmp(arg, "private"))
			return bad("--asid must be shared or private, got '%s'", arg);
		cfg->asid_private = !strcmp(arg, "private");
		return 0;
	case 'g':
		return page_size(arg, &cfg->page_shift) ?
		       bad("--page-size must be 4K, 16K or 64K, got '%s'", arg) : 0;
	case 's':
		return unsigned_arg(arg, false, UINT64_MAX, &cfg->seed) ?
		       bad("--seed must be a number, got '%s'", arg) : 0;
	case OPT_JSON:
		*json = true;
		return 0;
	default:
		return bad("unknown option or missing value in '%s'", arg);
	}
}

/* ---- Output --------------------------------------------------------------------- */

static void progress_bar(void *ctx, double done)
{
	int width = 40, n = (int)(done * width + 0.5);

	(void)ctx;
	if (n > width)
		n = width;
	fprintf(stderr, "\r[%.*s%*s] %3d%%", n, "========================================",
		width - n, "", (int)(done * 100 + 0.5));
	if (done >= 1.0)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

static double ratio(uint64_t part, uint64_t whole)
{
	return whole ? (double)part / (double)whole : 0.0;
}

static bool is_invalidation(const char *name)
{
	return !strncmp(name, "CMD_TLBI_", 9) || !strcmp(name, "CMD_ATC_INV") ||
	       !strncmp(name, "CMD_CFGI_", 9);
}

static const char *mode_name(enum wl_fault_mode m)
{
	return m == WL_FAULT_PRI ? "pri" : m == WL_FAULT_STALL ? "stall" : "prefault";
}

static void print_counts(const char *title, const uint64_t *v, unsigned int n,
			 const char *(*name)(unsigned int), bool (*pick)(const char *))
{
	unsigned int i, shown = 0;

	printf("%s\n", title);
	for (i = 0; i < n; i++) {
		const char *s = name(i);

		if (s && v[i] && (!pick || pick(s))) {
			printf("  %-26s %12" PRIu64 "\n", s, v[i]);
			shown++;
		}
	}
	if (!shown)
		printf("  (none)\n");
}

static void print_table(const struct wl_config *cfg, const struct wl_result *r)
{
	const struct wl_latency *l = &r->iopf_latency;

	printf("sva: bench: %u processes x %u devices, %" PRIu64 " bytes per copy, fault-mode %s,"
	       " btm %s, ats %s, asid %s, page %" PRIu64 "K, %.1f s\n",
	       cfg->processes, cfg->devices, cfg->size, mode_name(cfg->fault_mode),
	       cfg->btm ? "on" : "off", cfg->ats ? "on" : "off",
	       cfg->asid_private ? "private" : "shared", ((uint64_t)1 << cfg->page_shift) >> 10,
	       r->seconds);
	printf("  %-26s %12.3f\n", "GB/s", (double)r->dma_bytes / r->seconds / 1e9);
	printf("  %-26s %12" PRIu64 "\n", "copies", r->copies);
	printf("  %-26s %12" PRIu64 "\n", "DMA descriptors", r->dma_ops);
	printf("  %-26s %12.0f\n", "translations/s", (double)r->translations / r->seconds);
	printf("  %-26s %11.2f%%\n", "SMMU TLB hit rate",
	       100.0 * (1.0 - ratio(r->tlb_misses, r->smmu_transactions)));
	if (cfg->fault_mode != WL_FAULT_STALL && cfg->ats)
		printf("  %-26s %11.2f%%\n", "ATC hit rate",
		       100.0 * ratio(r->atc_hits, r->translations));
	else
		printf("  %-26s %12s\n", "ATC hit rate", "-");
	printf("  %-26s %12" PRIu64 "\n", "page requests", r->page_requests);
	printf("  %-26s %12" PRIu64 "\n", "stalls", r->stalls);
	printf("  %-26s %12" PRIu64 "\n", "I/O page faults timed", l->count);
	if (l->untimed)
		printf("  %-26s %12" PRIu64 "\n", "  answered before reported", l->untimed);
	printf("  %-26s %9.1f us\n", "I/O page fault p50", (double)l->p50_ns / 1e3);
	printf("  %-26s %9.1f us\n", "I/O page fault p99", (double)l->p99_ns / 1e3);
	printf("  %-26s %9.1f us\n", "I/O page fault max", (double)l->max_ns / 1e3);
	printf("  %-26s %12" PRIu64 "\n", "remaps", r->remaps);
	printf("  %-26s %12" PRIu64 "\n", "mmap/munmap/mprotect",
	       r->mmaps + r->munmaps + r->mprotects);
	printf("  %-26s %12" PRIu64 "\n", "expected faults", r->expected_faults);
	printf("  %-26s %12" PRIu64 "\n", "DMA racing munmap", r->races);
	printf("  %-26s %12" PRIu64 "\n", "  of which faulted", r->race_faults);
	print_counts("invalidation commands", r->commands, WL_NR_OPCODES, wl_command_name,
		     is_invalidation);
	print_counts("commands", r->commands, WL_NR_OPCODES, wl_command_name, NULL);
	print_counts("events", r->events, WL_NR_EVENTS, wl_event_name, NULL);
	printf("checks\n");
	printf("  %-26s %12" PRIu64 "\n", "unexpected faults", r->unexpected_faults);
	printf("  %-26s %12" PRIu64 "\n", "unexpected successes", r->unexpected_successes);
	printf("  %-26s %12" PRIu64 "\n", "mismatches", r->mismatches);
	printf("  %-26s %12" PRIu64 "\n", "errors", r->errors);
	if (r->first_problem[0])
		printf("first problem: %s\n", r->first_problem);
}

static void json_counts(const char *key, const uint64_t *v, unsigned int n,
			const char *(*name)(unsigned int), bool (*pick)(const char *))
{
	const char *sep = "";
	unsigned int i;

	printf(",\"%s\":{", key);
	for (i = 0; i < n; i++) {
		const char *s = name(i);

		if (s && v[i] && (!pick || pick(s))) {
			printf("%s\"%s\":%" PRIu64, sep, s, v[i]);
			sep = ",";
		}
	}
	putchar('}');
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if ((unsigned char)*s >= 0x20)
			putchar(*s);
	}
	putchar('"');
}

static void print_json(const struct wl_config *cfg, const struct wl_result *r)
{
	const struct wl_latency *l = &r->iopf_latency;
	bool atc = cfg->fault_mode != WL_FAULT_STALL && cfg->ats;

	printf("{\"processes\":%u,\"devices\":%u,\"size\":%" PRIu64 ",\"fault_mode\":\"%s\","
	       "\"btm\":%s,\"ats\":%s,\"asid\":\"%s\",\"page_size\":%" PRIu64 ",\"seed\":%" PRIu64,
	       cfg->processes, cfg->devices, cfg->size, mode_name(cfg->fault_mode),
	       cfg->btm ? "true" : "false", cfg->ats ? "true" : "false",
	       cfg->asid_private ? "private" : "shared", (uint64_t)1 << cfg->page_shift, cfg->seed);
	printf(",\"seconds\":%.3f,\"gb_per_s\":%.4f,\"copies\":%" PRIu64 ",\"dma_descriptors\":%"
	       PRIu64 ",\"dma_bytes\":%" PRIu64, r->seconds,
	       (double)r->dma_bytes / r->seconds / 1e9, r->copies, r->dma_ops, r->dma_bytes);
	printf(",\"translations\":%" PRIu64 ",\"translations_per_s\":%.0f,\"tlb_hit_rate\":%.4f",
	       r->translations, (double)r->translations / r->seconds,
	       1.0 - ratio(r->tlb_misses, r->smmu_transactions));
	if (atc)
		printf(",\"atc_hit_rate\":%.4f", ratio(r->atc_hits, r->translations));
	else
		printf(",\"atc_hit_rate\":null");
	printf(",\"page_requests\":%" PRIu64 ",\"stalls\":%" PRIu64, r->page_requests, r->stalls);
	printf(",\"iopf_latency_ns\":{\"count\":%" PRIu64 ",\"p50\":%" PRIu64 ",\"p99\":%" PRIu64
	       ",\"max\":%" PRIu64 ",\"untimed\":%" PRIu64 "}", l->count, l->p50_ns, l->p99_ns,
	       l->max_ns, l->untimed);
	printf(",\"remaps\":%" PRIu64 ",\"mmaps\":%" PRIu64 ",\"munmaps\":%" PRIu64
	       ",\"mprotects\":%" PRIu64 ",\"expected_faults\":%" PRIu64 ",\"races\":%" PRIu64
	       ",\"race_faults\":%" PRIu64, r->remaps, r->mmaps, r->munmaps, r->mprotects,
	       r->expected_faults, r->races, r->race_faults);
	json_counts("invalidations", r->commands, WL_NR_OPCODES, wl_command_name, is_invalidation);
	json_counts("commands", r->commands, WL_NR_OPCODES, wl_command_name, NULL);
	json_counts("events", r->events, WL_NR_EVENTS, wl_event_name, NULL);
	printf(",\"unexpected_faults\":%" PRIu64 ",\"unexpected_successes\":%" PRIu64
	       ",\"mismatches\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"first_problem\":",
	       r->unexpected_faults, r->unexpected_successes, r->mismatches, r->errors);
	json_string(r->first_problem);
	printf("}\n");
}

static int bench_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "processes", required_argument, NULL, 'p' },
		{ "devices", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 'b' },
		{ "fault-mode", required_argument, NULL, 'f' },
		{ "duration", required_argument, NULL, 'D' },
		{ "btm", required_argument, NULL, OPT_BTM },
		{ "ats", required_argument, NULL, OPT_ATS },
		{ "asid", required_argument, NULL, OPT_ASID },
		{ "page-size", required_argument, NULL, 'g' },
		{ "seed", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct wl_result res;
	struct wl_config cfg;
	bool json = false;
	char why[256] = "";
	int c, ret;

	wl_config_default(&cfg);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "p:d:b:f:D:g:s:h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(bench_usage, stdout);
			return 0;
		}
		/* On '?', the offending word is the one getopt just passed. */
		ret = parse_one(c, c == '?' ? argv[optind - 1] : optarg, &cfg, &json);
		if (ret)
			return ret;
	}
	if (optind != argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (isatty(STDERR_FILENO))
		cfg.progress = progress_bar;
	ret = wl_run(&cfg, &res, why, sizeof(why));
	if (ret) {
		fprintf(stderr, "sva: bench: %s\n", why[0] ? why : strerror(-ret));
		return 2;
	}
	if (json)
		print_json(&cfg, &res);
	else
		print_table(&cfg, &res);
	fflush(stdout);
	return wl_unexpected(&res) ? 1 : 0;
}

const struct sva_command sva_cmd_bench = {
	.name = "bench",
	.summary = "run the default workload and print figures (exit 1: an unexpected outcome)",
	.main = bench_main,
};
