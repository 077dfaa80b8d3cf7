// SPDX-License-Identifier: GPL-2.0
/*
 * The stress oracle (see sim/stress.h).
 *
 * Every process uses the same window of virtual addresses, so a DMA that
 * reaches the wrong address space shows up as wrong bytes. The shadow keeps,
 * per process and page of that window, whether it is mapped, its protection
 * and the bytes the process must read there. Each operation first asks the
 * shadow what must happen (and updates it as if it had), then runs it on
 * the machine and compares:
 *
 *  - an access (CPU or DMA) proceeds page by page and stops at the first
 *    byte of the first page the address space does not map with the needed
 *    permission (the first byte of the access if that is its first page);
 *    everything before it is done;
 *  - a DMA reaches the address space of the process bound to its device
 *    with that PASID; with any other PASID (never bound, unbound, bound
 *    only on another device, its process exited) or without PASID it
 *    reaches nothing: the device's own DMA domain maps only its descriptor
 *    ring, at its physical address, far from the window;
 *  - a check (CPU or DMA) reports the first byte that differs from its
 *    pattern, unless a page before it faults first.
 *
 *  - a bind succeeds where the configuration lets the driver do SVA on
 *    the device (sva_expected(), bind_expected()), and is refused elsewhere;
 *  - after munmap() no device reaches the pages, not even once another
 *    process took the freed frames; after a CPU write between a device's
 *    read and its write, the write goes through (stress_ops.c).
 *
 * Periodically every readable byte of every live process is read back by
 * its CPU and compared with the shadow, which also shows that DMA with a
 * bogus PASID changed nothing. The machine is any a scenario's machine
 * lines describe, and the devices any its device lines do (stress_opts).
 *
 * The machine grants at most a fixed number of processes and binds in its
 * life; a long run starts a new machine (a new "epoch") before running out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/stress_internal.h"

/* ---- Reporting ---------------------------------------------------------------- */

void stress_format_opts(const struct stress_opts *o, char *buf, size_t len)
{
	struct scn_machine def, m;
	char v[32], dv[32];
	size_t off;
	unsigned int i;

	scn_machine_defaults(&def);
	if (o->machine)
		m = *o->machine;
	else
		m = def;
	if (o->page_shift)
		m.page_shift = o->page_shift;
	off = (size_t)snprintf(buf, len, "--seed %" PRIu64 " --processes %u --devices %u", o->seed,
			       o->processes, o->devices);
	for (i = 0; i < scn_nr_settings && off < len; i++) {
		scn_setting_get(&m, &scn_settings[i], v, sizeof(v));
		scn_setting_get(&def, &scn_settings[i], dv, sizeof(dv));
		if (strcmp(v, dv))
			off += (size_t)snprintf(buf + off, len - off, " --%s %s",
						scn_settings[i].key, v);
	}
	if (o->device_kinds && strcmp(o->device_kinds, STRESS_DEVICE_KINDS) && off < len) {
		off += (size_t)snprintf(buf + off, len - off, " --device-kinds ");
		for (i = 0; o->device_kinds[i] && off + 1 < len; i++)
			buf[off++] = o->device_kinds[i] == ' ' ? '+' : o->device_kinds[i];
		buf[off < len ? off : len - 1] = '\0';
	}
}

/*
 * The device kinds, each parsed as the rest of a scenario's device line
 * (so every option a device line takes is a kind): "pci ats pri", with
 * '+' for a blank, separated by commas. Kept as text in blank form.
 */
static int parse_kinds(struct stress *s, const char *text, char *why, size_t whylen)
{
	struct scn_parser parser;
	struct scn_cmd cmd;
	char line[STRESS_KIND_NAME + 16], err[SCN_ERR_MAX];
	const char *p = text, *end;
	size_t n, off = 0;
	unsigned int i;

	scn_parser_init(&parser);
	for (s->nr_kinds = 0; *p; p = *end ? end + 1 : end) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (!n || n >= STRESS_KIND_NAME || s->nr_kinds == STRESS_MAX_DEVS) {
			snprintf(why, whylen, "device kinds: bad list '%s'", text);
			return -EINVAL;
		}
		memcpy(s->kind_names[s->nr_kinds], p, n);
		s->kind_names[s->nr_kinds][n] = '\0';
		for (i = 0; i < n; i++)
			if (s->kind_names[s->nr_kinds][i] == '+')
				s->kind_names[s->nr_kinds][i] = ' ';
		snprintf(line, sizeof(line), "device k%u %s", s->nr_kinds, s->kind_names[s->nr_kinds]);
		if (scn_parse_line(&parser, line, s->nr_kinds + 1, &cmd, err, sizeof(err))) {
			snprintf(why, whylen, "device kind '%s': %s", s->kind_names[s->nr_kinds], err);
			return -EINVAL;
		}
		s->kinds[s->nr_kinds] = cmd.dev;
		off += (size_t)snprintf(s->kinds_text + off, sizeof(s->kinds_text) - off, "%s%s",
					s->nr_kinds ? "," : "", s->kind_names[s->nr_kinds]);
		s->nr_kinds++;
	}
	if (!s->nr_kinds) {
		snprintf(why, whylen, "device kinds: none given");
		return -EINVAL;
	}
	s->opts.device_kinds = s->kinds_text;
	return 0;
}

static void fmt_outcome(char *buf, size_t len, const struct outcome *o)
{
	switch (o->out) {
	case SCN_OUT_OK:
		snprintf(buf, len, "ok");
		break;
	case SCN_OUT_FAULT:
		snprintf(buf, len, "fault 0x%" PRIx64, o->addr);
		break;
	case SCN_OUT_MISMATCH:
		snprintf(buf, len, "mismatch 0x%" PRIx64, o->addr);
		break;
	case SCN_OUT_REFUSED:
		snprintf(buf, len, "refused");
		break;
	default:
		snprintf(buf, len, "error");
		break;
	}
}

void stress_violation(struct stress *s, const char *fmt, ...)
{
	FILE *f = s->opts.report;
	char how[512];
	va_list ap;

	if (++s->st.violations > s->opts.report_max || !f)
		return;
	fprintf(f, "VIOLATION at op %lu: %s: ", s->st.ops, s->desc);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	stress_format_opts(&s->opts, how, sizeof(how));
	fprintf(f, "\n  reproduce: sva stress %s --ops %lu -v\n", how, s->st.ops + 1);
}

void stress_describe(struct stress *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->desc, sizeof(s->desc), fmt, ap);
	va_end(ap);
}

void stress_log_op(struct stress *s, const char *result)
{
	if (s->opts.log)
		fprintf(s->opts.log, "%6lu %s -> %s\n", s->st.ops, s->desc, result);
}

/* Compare an outcome with the shadow's; both go into the digest. */
void stress_judge(struct stress *s, const struct outcome *want, const struct outcome *got)
{
	char w[64], g[64];

	fmt_outcome(g, sizeof(g), got);
	stress_log_op(s, g);
	mix(s, got->out);
	mix(s, got->addr);
	if (want->out == got->out && (want->out == SCN_OUT_OK || want->addr == got->addr))
		return;
	fmt_outcome(w, sizeof(w), want);
	stress_violation(s, "expected %s, got %s", w, g);
}

void stress_shadow_clear(struct stress *s, struct sproc *p)
{
	memset(p->prot, 0, sizeof(p->prot));
	memset(p->bytes, 0, window_size(s));
	p->has_pasid = false;
}

/* ---- The machine --------------------------------------------------------------- */

/*
 * Must a bind on a device of kind @d succeed? The driver's rules
 * (arm_smmu_sva_supported() and the master checks) from the configuration
 * alone: the SMMU walks the CPUs' tables (ASIDs as wide as theirs, an OAS
 * that reaches every PA they map), the device has PASIDs, and it can wait
 * for a fault: a PCIe function through PRI (an SMMU has PRI only with ATS),
 * a platform device by stalling.
 */
static bool sva_expected(const struct stress *s, const struct scn_device *d)
{
	const struct scn_machine *c = &s->cfg;

	if (c->asid_bits < s->lim.cpu_asid_bits || c->oas < s->lim.cpu_pa_bits ||
	    !c->ssid_bits || !d->pasid_bits)
		return false;
	if (d->pci)
		return d->pri && c->ats && c->pri;
	return d->stall && c->stall;
}

int stress_spawn_slot(struct stress *s, unsigned int slot, char *why, size_t whylen)
{
	struct sproc *p = &s->procs[slot];
	int idx = machine_process_create(s->m, why, whylen);

	if (idx < 0)
		return idx;
	s->procs_created++;
	p->idx = idx;
	p->gen++;
	stress_shadow_clear(s, p);
	return 0;
}

/* A new machine with every device and process; the shadow starts empty. */
static int machine_up(struct stress *s, char *why, size_t whylen)
{
	char name[16];
	unsigned int i;
	int ret;

	s->m = machine_create(&s->cfg, why, whylen);
	if (!s->m)
		return -ENODEV;
	machine_get_limits(s->m, &s->lim);
	s->procs_created = 0;
	s->binds_done = 0;
	memset(s->handles, 0, sizeof(s->handles));
	for (i = 0; i < s->opts.devices; i++) {
		s->devs[i].kind = i % s->nr_kinds;
		s->devs[i].sva = sva_expected(s, &s->kinds[s->devs[i].kind]);
		snprintf(name, sizeof(name), "d%u", i);
		ret = machine_device_add(s->m, name, &s->kinds[s->devs[i].kind], why, whylen);
		if (ret < 0)
			return ret;
		s->devs[i].idx = ret;
	}
	for (i = 0; i < s->opts.processes; i++) {
		ret = stress_spawn_slot(s, i, why, whylen);
		if (ret)
			return ret;
	}
	return 0;
}

/* The CPUs' ASID rollovers so far, over every machine of the run. */
static int stress_count_rollovers(struct stress *s)
{
	uint64_t n = 0;
	int ret = s->m ? machine_counter(s->m, "asid_rollovers", &n) : 0;

	s->st.asid_rollovers = s->rollovers_before + (unsigned long)n;
	return ret;
}

/* A fresh machine when this one's process or bind budget is nearly spent. */
int stress_maybe_restart(struct stress *s)
{
	char why[256] = "";
	int ret;

	if (s->procs_created + 1 < s->lim.max_procs && s->binds_done + 1 < s->lim.max_handles)
		return 0;
	stress_count_rollovers(s);
	s->rollovers_before = s->st.asid_rollovers;
	machine_destroy(s->m);
	s->m = NULL;
	s->st.restarts++;
	mix(s, 0x7e57a47);
	if (s->opts.log)
		fprintf(s->opts.log, "%6lu restart: a new machine\n", s->st.ops);
	ret = machine_up(s, why, sizeof(why));
	if (ret && s->opts.report)
		fprintf(s->opts.report, "stress: cannot rebuild the machine: %s\n", why);
	return ret;
}

/* ---- Verification --------------------------------------------------------------------- */

/* The CPU reads page @pg of @slot: the shadow's bytes, or a fault if not readable. */
static void verify_page(struct stress *s, unsigned int slot, unsigned int pg)
{
	const struct sproc *p = &s->procs[slot];
	uint64_t va = STRESS_BASE + pg * s->page, off, end, where = 0;
	const uint8_t *b = shadow_at(p, va);
	int ret;

	stress_describe(s, "verify p%u page 0x%" PRIx64, slot, va);
	if (!page_ok(s, p, va, false)) {
		ret = machine_cpu_check(s->m, p->idx, va, 1, 0, &where);
		if (ret != -EFAULT || where != va)
			stress_violation(s, "expected a CPU fault at 0x%" PRIx64 ", got %s at 0x%" PRIx64,
				  va, ret == 1 ? "a mismatch" : ret ? "a fault" : "a read", where);
		return;
	}
	for (off = 0; off < s->page; off = end) {
		for (end = off + 1; end < s->page && b[end] == b[off]; end++)
			;
		ret = machine_cpu_check(s->m, p->idx, va + off, end - off, b[off], &where);
		if (ret) {
			stress_violation(s, "expected 0x%02x at 0x%" PRIx64 "..0x%" PRIx64 ", got %s at 0x%"
				  PRIx64, b[off], va + off, va + end - 1,
				  ret == 1 ? "another byte" : "a fault", where);
			return;
		}
	}
}

void stress_verify_range(struct stress *s, uint64_t lo, uint64_t hi)
{
	unsigned int slot, pg, first, last;

	if (hi <= STRESS_BASE || lo >= STRESS_BASE + window_size(s))
		return;
	first = lo <= STRESS_BASE ? 0 : (unsigned int)((lo - STRESS_BASE) / s->page);
	last = (unsigned int)((hi - 1 - STRESS_BASE) / s->page);
	if (last >= STRESS_PAGES)
		last = STRESS_PAGES - 1;
	for (slot = 0; slot < s->opts.processes; slot++)
		if (s->procs[slot].idx >= 0)
			for (pg = first; pg <= last; pg++)
				verify_page(s, slot, pg);
}

/*
 * ASIDs tag the CPUs' and (with shared ASIDs) the SMMU's TLB entries: no
 * two live processes whose ASID is of the current generation, or pinned
 * for the SMMU, may hold the same one (an ASID rollover must carry the
 * pinned ones over), and no two address spaces' CDs may carry the same.
 */
static void check_asids(struct stress *s)
{
	uint64_t asid[STRESS_MAX_PROCS], cd[STRESS_MAX_HANDLES];
	bool held[STRESS_MAX_PROCS], has_cd[STRESS_MAX_HANDLES] = { false };
	unsigned int i, j;

	stress_describe(s, "check ASIDs");
	for (i = 0; i < s->opts.processes; i++) {
		bool current, pinned;

		held[i] = s->procs[i].idx >= 0 &&
			  !machine_process_asid_state(s->m, s->procs[i].idx, &asid[i], &current,
						      &pinned) && (current || pinned);
		for (j = 0; held[i] && j < i; j++)
			if (held[j] && asid[j] == asid[i])
				stress_violation(s, "p%u and p%u both hold ASID %" PRIu64, j, i,
						 asid[i]);
	}
	for (i = 0; i < STRESS_MAX_HANDLES; i++) {
		const struct shandle *h = &s->handles[i];
		const struct sproc *p = &s->procs[h->slot];
		char why[64];

		/* Bonds of exited processes keep a quiet CD of no address space. */
		if (!h->live || p->idx < 0 || p->gen != h->gen)
			continue;
		has_cd[i] = !machine_cd_field(s->m, h->h, "asid", &cd[i], why, sizeof(why));
		/* Shared ASIDs: the CD carries the pinned CPU ASID, through rollovers. */
		if (has_cd[i] && !s->cfg.sva_asid_private && held[h->slot] &&
		    cd[i] != asid[h->slot])
			stress_violation(s, "the CD of p%u carries ASID %" PRIu64 ", its CPUs %" PRIu64,
					 h->slot, cd[i], asid[h->slot]);
		for (j = 0; has_cd[i] && j < i; j++) {
			const struct shandle *o = &s->handles[j];

			if (has_cd[j] && cd[j] == cd[i] && o->slot != h->slot)
				stress_violation(s, "the CDs of p%u and p%u both carry ASID %" PRIu64,
						 o->slot, h->slot, cd[i]);
		}
	}
}

int stress_verify(struct stress *s)
{
	check_asids(s);
	stress_verify_range(s, STRESS_BASE, STRESS_BASE + window_size(s));
	s->st.verifies++;
	return 0;
}

int stress_inject_wrong_expectation(struct stress *s)
{
	unsigned int slot, pg;

	for (slot = 0; slot < s->opts.processes; slot++) {
		struct sproc *p = &s->procs[slot];

		if (p->idx < 0)
			continue;
		for (pg = 0; pg < STRESS_PAGES; pg++) {
			uint64_t va = STRESS_BASE + pg * s->page;

			if (page_ok(s, p, va, false)) {
				*shadow_at(p, va) ^= 0xff;
				return 0;
			}
		}
	}
	return -ENOENT;
}

/* ---- The run ------------------------------------------------------------------------------ */

int stress_run(struct stress *s, unsigned long n)
{
	unsigned long i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = stress_step(s);
		if (ret)
			return ret;
	}
	return stress_count_rollovers(s);
}

const struct stress_stats *stress_stats(const struct stress *s)
{
	return &s->st;
}

static int check_opts(const struct stress_opts *o, char *why, size_t whylen)
{
	if (!o->processes || o->processes > STRESS_MAX_PROCS) {
		snprintf(why, whylen, "processes must be 1..%d", STRESS_MAX_PROCS);
		return -EINVAL;
	}
	if (!o->devices || o->devices > STRESS_MAX_DEVS) {
		snprintf(why, whylen, "devices must be 1..%d", STRESS_MAX_DEVS);
		return -EINVAL;
	}
	if (o->page_shift && o->page_shift != 12 && o->page_shift != 14 && o->page_shift != 16) {
		snprintf(why, whylen, "page size must be 4K, 16K or 64K");
		return -EINVAL;
	}
	return 0;
}

struct stress *stress_create(const struct stress_opts *opts, char *why, size_t whylen)
{
	struct stress *s;
	unsigned int i;

	if (check_opts(opts, why, whylen))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto err_nomem;
	s->opts = *opts;
	if (!s->opts.verify_every)
		s->opts.verify_every = 64;
	if (!s->opts.report_max)
		s->opts.report_max = STRESS_REPORT_MAX;
	if (opts->machine)
		s->cfg = *opts->machine;
	else
		scn_machine_defaults(&s->cfg);
	if (opts->page_shift)
		s->cfg.page_shift = opts->page_shift;
	s->opts.page_shift = s->cfg.page_shift;
	s->opts.machine = &s->cfg;	/* the caller's may not outlive this call */
	if (parse_kinds(s, opts->device_kinds ? opts->device_kinds : STRESS_DEVICE_KINDS,
			why, whylen)) {
		free(s);
		return NULL;
	}
	s->pasid_limit = 1u << s->cfg.ssid_bits;
	s->rng = opts->seed;
	s->st.digest = 0xcbf29ce484222325ULL;
	s->page = 1ULL << s->cfg.page_shift;
	for (i = 0; i < opts->processes; i++) {
		s->procs[i].idx = -1;
		s->procs[i].bytes = calloc(1, window_size(s));
		if (!s->procs[i].bytes)
			goto err_free;
	}
	if (machine_up(s, why, whylen))
		goto err_machine;
	if (s->opts.log) {
		char how[512];

		stress_format_opts(opts, how, sizeof(how));
		fprintf(s->opts.log, "stress: %s;", how);
		for (i = 0; i < opts->devices; i++)
			fprintf(s->opts.log, " d%u %s%s", i, s->kind_names[s->devs[i].kind],
				i + 1 < opts->devices ? "," : "\n");
	}
	return s;

err_free:
	stress_destroy(s);
err_nomem:
	snprintf(why, whylen, "out of memory");
	return NULL;
err_machine:
	stress_destroy(s);
	return NULL;
}

void stress_destroy(struct stress *s)
{
	unsigned int i;

	if (!s)
		return;
	machine_destroy(s->m);
	for (i = 0; i < STRESS_MAX_PROCS; i++)
		free(s->procs[i].bytes);
	free(s);
}
