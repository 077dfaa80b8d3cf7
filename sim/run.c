// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario interpreter (see sim/run.h and docs/SCENARIO.md).
 *
 * Each line is parsed (sim/scenario.c) and executed at once, so a run stops
 * exactly at the first error, after the outcomes of every earlier line were
 * printed. Outcome lines read "FILE:LINE: <command>: <outcome>"; a failed
 * expectation reads "FILE:LINE: expected ..., got ..." in the same stream.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/machine.h"
#include "sim/run.h"
#include "sim/scenario.h"
#include "sim/trace.h"

#define LINE_MAX_LEN	4096
#define WHY_MAX		256

struct name_map {
	unsigned int n;
	struct {
		char name[SCN_NAME_MAX];
		int idx;
	} e[SCN_MAX_NAMES];
};

struct interp {
	const char *file;
	const struct scn_run_opts *opts;
	struct scn_parser parser;
	struct machine *m;
	struct trace *trace;		/* --trace, or NULL */
	struct name_map procs, devs, handles;
	unsigned int failures;
	unsigned int line;
	char text[LINE_MAX_LEN];	/* the current command, trimmed */
};

static int map_get(const struct name_map *map, const char *name)
{
	unsigned int i;

	for (i = 0; i < map->n; i++)
		if (!strcmp(map->e[i].name, name))
			return map->e[i].idx;
	return -1;
}

static void map_put(struct name_map *map, const char *name, int idx)
{
	unsigned int i;

	for (i = 0; i < map->n; i++) {
		if (!strcmp(map->e[i].name, name)) {
			map->e[i].idx = idx;
			return;
		}
	}
	if (map->n < SCN_MAX_NAMES) {
		snprintf(map->e[map->n].name, SCN_NAME_MAX, "%s", name);
		map->e[map->n++].idx = idx;
	}
}

static void map_del(struct name_map *map, const char *name)
{
	unsigned int i;

	for (i = 0; i < map->n; i++) {
		if (!strcmp(map->e[i].name, name)) {
			map->e[i] = map->e[--map->n];
			return;
		}
	}
}

/*
 * One line of output: @prefix, then the message, with every byte that is
 * not printable ASCII (or a tab) written as \xNN, so that what a scenario
 * file holds reaches a terminal only as text.
 */
static void put_line(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	char msg[LINE_MAX_LEN + 512];
	const unsigned char *s;
	int pass;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (pass = 0; pass < 2; pass++) {
		for (s = (const unsigned char *)(pass ? msg : prefix); *s; s++) {
			if ((*s >= 0x20 && *s < 0x7f) || *s == '\t')
				fputc(*s, f);
			else
				fprintf(f, "\\x%02x", *s);
		}
	}
	fputc('\n', f);
}

/* An error that stops the run (exit status 2). */
static int error(struct interp *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int error(struct interp *in, const char *fmt, ...)
{
	char prefix[LINE_MAX_LEN];
	va_list ap;

	fflush(in->opts->out);	/* the error comes after every earlier outcome */
	if (in->line)
		snprintf(prefix, sizeof(prefix), "%s:%u: ", in->file, in->line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", in->file);
	va_start(ap, fmt);
	put_line(in->opts->err, prefix, fmt, ap);
	va_end(ap);
	return 2;
}

/* The outcome of the current line. */
static void outcome(struct interp *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void outcome(struct interp *in, const char *fmt, ...)
{
	char prefix[2 * LINE_MAX_LEN];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "%s:%u: %s: ", in->file, in->line, in->text);
	va_start(ap, fmt);
	put_line(in->opts->out, prefix, fmt, ap);
	va_end(ap);
}

/* A failed expectation: printed, counted, and the run goes on. */
static void expect_failed(struct interp *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void expect_failed(struct interp *in, const char *fmt, ...)
{
	char prefix[LINE_MAX_LEN];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "%s:%u: expected ", in->file, in->line);
	va_start(ap, fmt);
	put_line(in->opts->out, prefix, fmt, ap);
	va_end(ap);
	in->failures++;
}

static void log_line(void *ctx, const char *line)
{
	struct interp *in = ctx;

	fprintf(in->opts->out, "%s\n", line);
}

/* The machine boots at the first device or process line. */
static int ensure_machine(struct interp *in)
{
	char why[WHY_MAX] = "";

	if (in->m)
		return 0;
	in->m = machine_create(&in->parser.machine, why, sizeof(why));
	if (!in->m)
		return error(in, "cannot build the machine: %s", why[0] ? why : "out of memory");
	if (in->opts->verbose)
		machine_set_log(in->m, log_line, in);
	if (in->trace)
		machine_set_trace(in->m, in->trace);
	return 0;
}

static int proc_of(struct interp *in, const char *name)
{
	return map_get(&in->procs, name);
}

static const char *outcome_str(enum scn_outcome o, uint64_t addr, char *buf, size_t len)
{
	switch (o) {
	case SCN_OUT_OK:
		return "ok";
	case SCN_OUT_REFUSED:
		return "refused";
	case SCN_OUT_ABORTED:
		return "aborted";
	case SCN_OUT_FAULT:
		snprintf(buf, len, "fault 0x%" PRIx64, addr);
		return buf;
	case SCN_OUT_MISMATCH:
		snprintf(buf, len, "mismatch 0x%" PRIx64, addr);
		return buf;
	default:
		return "nothing";
	}
}

static int run_memory(struct interp *in, const struct scn_cmd *c)
{
	char why[WHY_MAX] = "";
	int p = proc_of(in, c->name), ret;
	uint64_t where = 0;

	switch (c->op) {
	case SCN_MMAP:
		ret = machine_mmap(in->m, p, c->addr, c->size, c->prot, c->populate, why, sizeof(why));
		break;
	case SCN_MUNMAP:
		ret = machine_munmap(in->m, p, c->addr, c->size, why, sizeof(why));
		break;
	case SCN_MPROTECT:
		ret = machine_mprotect(in->m, p, c->addr, c->size, c->prot, why, sizeof(why));
		break;
	case SCN_CLEAR_REFS:
		ret = machine_clear_refs(in->m, p, c->addr, c->size, why, sizeof(why));
		break;
	case SCN_EXIT:
		ret = machine_exit(in->m, p, why, sizeof(why));
		break;
	case SCN_CPU_FILL:
		ret = machine_cpu_fill(in->m, p, c->addr, c->size, c->byte, &where);
		if (ret == -EFAULT) {
			/* The process would take a SIGSEGV: the scenario fails. */
			outcome(in, "fault 0x%" PRIx64, where);
			expect_failed(in, "ok, got fault 0x%" PRIx64, where);
			return 0;
		}
		break;
	default: /* SCN_CPU_CHECK */
		ret = machine_cpu_check(in->m, p, c->addr, c->size, c->byte, &where);
		if (ret == 1) {
			uint8_t got = 0;
			uint64_t fault;

			outcome(in, "mismatch 0x%" PRIx64, where);
			machine_cpu_read(in->m, p, where, &got, 1, &fault);
			expect_failed(in, "0x%02x at 0x%" PRIx64 ", got 0x%02x", c->byte, where, got);
			return 0;
		}
		if (ret == -EFAULT) {
			outcome(in, "fault 0x%" PRIx64, where);
			expect_failed(in, "ok, got fault 0x%" PRIx64, where);
			return 0;
		}
		break;
	}
	if (ret)
		return error(in, "%s", why[0] ? why : ret == -ESRCH ? "the process has exited"
								: strerror(-ret));
	outcome(in, "ok");
	return 0;
}

static int run_bind(struct interp *in, const struct scn_cmd *c)
{
	char why[WHY_MAX] = "";
	uint32_t pasid = 0;
	int h;

	if (c->op == SCN_UNBIND) {
		int ret = machine_unbind(in->m, map_get(&in->handles, c->name), why, sizeof(why));

		if (ret)
			return error(in, "%s", why[0] ? why : strerror(-ret));
		map_del(&in->handles, c->name);
		outcome(in, "ok");
		return 0;
	}
	h = machine_bind(in->m, map_get(&in->devs, c->name), proc_of(in, c->name2), &pasid,
			 why, sizeof(why));
	if (h < 0) {
		outcome(in, "refused: %s", why[0] ? why : strerror(-h));
		if (c->expect != SCN_OUT_REFUSED)
			expect_failed(in, "ok, got refused");
		/* No handle: later uses are errors, a later bind may take the name. */
		scn_parser_bind_refused(&in->parser, c->name3);
		return 0;
	}
	map_put(&in->handles, c->name3, h);
	outcome(in, "pasid %u", pasid);
	if (c->expect == SCN_OUT_REFUSED)
		expect_failed(in, "refused, got ok (pasid %u)", pasid);
	return 0;
}

static int run_dma(struct interp *in, const struct scn_cmd *c)
{
	struct machine_dma op = {
		.kind = c->dma, .addr = c->addr, .addr2 = c->addr2, .len = c->size, .byte = c->byte,
	};
	struct machine_dma_result res;
	char why[WHY_MAX] = "", got[64], want[64];
	const char *g;
	int ret, h;

	switch (c->target) {
	case SCN_DMA_HANDLE:
		h = map_get(&in->handles, c->name);
		if (h < 0)
			return error(in, "handle '%s' was not bound", c->name);
		op.dev = machine_handle_device(in->m, h);
		op.pasid_valid = true;
		op.pasid = machine_handle_pasid(in->m, h);
		break;
	case SCN_DMA_PASID:
		op.dev = map_get(&in->devs, c->name);
		op.pasid_valid = true;
		op.pasid = c->pasid;
		break;
	case SCN_DMA_NO_PASID:
		op.dev = map_get(&in->devs, c->name);
		break;
	}
	ret = machine_dma(in->m, &op, &res, why, sizeof(why));
	if (ret)
		return error(in, "%s", why[0] ? why : strerror(-ret));
	g = outcome_str(res.outcome, res.addr, got, sizeof(got));
	outcome(in, "%s", g);
	if (c->expect == SCN_OUT_NONE)
		return 0;
	if (c->expect != res.outcome ||
	    (c->expect != SCN_OUT_OK && c->expect_addr != res.addr))
		expect_failed(in, "%s, got %s",
			      outcome_str(c->expect, c->expect_addr, want, sizeof(want)), g);
	return 0;
}

static int run_expect(struct interp *in, const struct scn_cmd *c)
{
	char why[WHY_MAX] = "";
	uint64_t v = 0, ref = c->value;
	const char *what = c->name3;
	int ret = 0, h;

	switch (c->op) {
	case SCN_EXPECT_COUNT:
		if (machine_counter(in->m, c->name3, &v))
			return error(in, "unknown counter '%s'", c->name3);
		break;
	case SCN_EXPECT_PASID:
	case SCN_EXPECT_PASID_CMP:
		h = map_get(&in->handles, c->name);
		if (h < 0)
			return error(in, "handle '%s' was not bound", c->name);
		v = machine_handle_pasid(in->m, h);
		what = "pasid";
		if (c->op == SCN_EXPECT_PASID_CMP) {
			h = map_get(&in->handles, c->name2);
			if (h < 0)
				return error(in, "handle '%s' was not bound", c->name2);
			ref = machine_handle_pasid(in->m, h);
		}
		break;
	case SCN_EXPECT_CD:
	case SCN_EXPECT_CD_ASID:
		h = map_get(&in->handles, c->name);
		if (h < 0)
			return error(in, "handle '%s' was not bound", c->name);
		ret = machine_cd_field(in->m, h, c->name3, &v, why, sizeof(why));
		if (!ret && c->op == SCN_EXPECT_CD_ASID)
			ret = machine_process_asid(in->m, proc_of(in, c->name2), &ref);
		break;
	default: /* SCN_EXPECT_PTE */
		ret = machine_pte_field(in->m, proc_of(in, c->name), c->addr, c->name3, &v,
					why, sizeof(why));
		break;
	}
	if (ret)
		return error(in, "%s", why[0] ? why : strerror(-ret));
	if (scn_compare(v, c->cmp, ref)) {
		outcome(in, "ok (%" PRIu64 ")", v);
		return 0;
	}
	outcome(in, "failed (%" PRIu64 ")", v);
	expect_failed(in, "%s %s %" PRIu64 ", got %" PRIu64, what, scn_cmp_str(c->cmp), ref, v);
	return 0;
}

static int run_command(struct interp *in, const struct scn_cmd *c)
{
	char why[WHY_MAX] = "";
	int ret;

	switch (c->op) {
	case SCN_NOP:
	case SCN_SMMU:
	case SCN_CPUS:
	case SCN_PAGE_SIZE:
	case SCN_SOFTWARE:
		return 0;	/* the machine description, used when it boots */
	default:
		break;
	}
	ret = ensure_machine(in);
	if (ret)
		return ret;
	switch (c->op) {
	case SCN_DEVICE:
		ret = machine_device_add(in->m, c->name, &c->dev, why, sizeof(why));
		if (ret < 0)
			return error(in, "%s", why[0] ? why : strerror(-ret));
		map_put(&in->devs, c->name, ret);
		outcome(in, "ok");
		return 0;
	case SCN_PROCESS:
		ret = machine_process_create(in->m, why, sizeof(why));
		if (ret < 0)
			return error(in, "%s", why[0] ? why : strerror(-ret));
		map_put(&in->procs, c->name, ret);
		outcome(in, "ok");
		return 0;
	case SCN_BIND:
	case SCN_UNBIND:
		return run_bind(in, c);
	case SCN_DMA:
		return run_dma(in, c);
	case SCN_RESET_COUNTERS:
		machine_reset_counters(in->m);
		outcome(in, "ok");
		return 0;
	case SCN_EXPECT_COUNT:
	case SCN_EXPECT_PASID:
	case SCN_EXPECT_PASID_CMP:
	case SCN_EXPECT_CD:
	case SCN_EXPECT_CD_ASID:
	case SCN_EXPECT_PTE:
		return run_expect(in, c);
	default:
		return run_memory(in, c);
	}
}

/* Copy the command text without comment and surrounding blanks. */
static void set_text(struct interp *in, const char *line)
{
	size_t len;

	line += strspn(line, " \t");
	len = strcspn(line, "#\r\n");
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	snprintf(in->text, sizeof(in->text), "%.*s", (int)len, line);
}

int scn_run_file(const char *path, const struct scn_run_opts *opts)
{
	struct interp *in;
	char line[LINE_MAX_LEN + 2];
	char err[SCN_ERR_MAX];
	struct scn_cmd cmd;
	struct stat st = { 0 };
	int status = 0;
	FILE *f;

	in = calloc(1, sizeof(*in));
	if (!in) {
		fprintf(opts->err, "%s: out of memory\n", path);
		return 2;
	}
	in->file = path;
	in->opts = opts;
	scn_parser_init(&in->parser);
	f = fopen(path, "r");
	if (!f || fstat(fileno(f), &st) || S_ISDIR(st.st_mode)) {
		status = error(in, "%s", !f || !S_ISDIR(st.st_mode) ? strerror(errno) :
					"is a directory, not a scenario file");
		if (f)
			fclose(f);
		free(in);
		return status;
	}
	if (opts->trace_path) {
		char why[256];

		in->trace = trace_open(opts->trace_path, why, sizeof(why));
		if (!in->trace) {
			fprintf(opts->err, "%s\n", why);
			fclose(f);
			free(in);
			return 2;
		}
	}
	while (fgets(line, sizeof(line), f)) {
		in->line++;
		if (!strchr(line, '\n') && !feof(f)) {
			status = error(in, "line too long");
			break;
		}
		line[strcspn(line, "\n")] = '\0';
		set_text(in, line);
		if (scn_parse_line(&in->parser, line, in->line, &cmd, err, sizeof(err))) {
			status = error(in, "%s", err);
			break;
		}
		status = run_command(in, &cmd);
		if (status)
			break;
	}
	if (!status && ferror(f))
		status = error(in, "read error: %s", strerror(errno));
	fclose(f);
	if (in->m)
		machine_destroy(in->m);
	if (trace_close(in->trace) && !status)
		status = error(in, "%s: cannot write the trace", opts->trace_path);
	if (!status && in->failures) {
		fflush(opts->out);
		fprintf(opts->err, "%s: %u expectation%s failed\n", path, in->failures,
			in->failures == 1 ? "" : "s");
		status = 1;
	}
	free(in);
	return status;
}
