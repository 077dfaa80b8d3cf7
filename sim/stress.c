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
 * Periodically every readable byte of every live process is read back by
 * its CPU and compared with the shadow, which also shows that DMA with a
 * bogus PASID changed nothing.
 *
 * The machine grants at most a fixed number of processes and binds in its
 * life; a long run starts a new machine (a new "epoch") before running out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/machine.h"
#include "sim/stress.h"

/* The window every process works in: far below RAM (PHYS_MEM_DEFAULT_BASE). */
#define STRESS_BASE		((uint64_t)0x10000000)
#define STRESS_PAGES		24
#define STRESS_MAX_HANDLES	(2 * STRESS_MAX_PROCS * STRESS_MAX_DEVS)
#define STRESS_KNOWN_PASIDS	16
#define STRESS_REPORT_MAX	20	/* violations printed in full */

#define SHADOW_MAPPED		(1u << 7)

#define STRESS_KIND_NAME	64

struct sproc {
	int idx;			/* machine process index; -1: the slot is empty */
	unsigned int gen;		/* bumped by every process created in the slot */
	bool has_pasid;
	uint32_t pasid;			/* the mm's PASID, once it has one */
	uint8_t prot[STRESS_PAGES];	/* SHADOW_MAPPED | SCN_PROT_*, or 0 */
	uint8_t *bytes;			/* STRESS_PAGES pages of expected contents */
};

struct shandle {
	bool live;
	int h;				/* machine handle */
	int dev;
	unsigned int slot, gen;		/* the process it was bound to */
	uint32_t pasid;
};

struct sdev {
	int idx;
	unsigned int kind;		/* index into stress.kinds */
	bool sva;			/* the oracle's view: SVA binds must succeed */
};

/* What an access did: SCN_OUT_OK, _FAULT or _MISMATCH at @addr. */
struct outcome {
	enum scn_outcome out;
	uint64_t addr;
};

struct stress {
	struct stress_opts opts;
	struct scn_machine cfg;			/* the machine every epoch is built as */
	struct scn_device kinds[STRESS_MAX_DEVS];
	char kind_names[STRESS_MAX_DEVS][STRESS_KIND_NAME];
	unsigned int nr_kinds;
	char kinds_text[STRESS_MAX_DEVS * STRESS_KIND_NAME];	/* opts.device_kinds */
	uint32_t pasid_limit;			/* bogus PASIDs are drawn below this */
	struct machine *m;
	struct machine_limits lim;
	uint64_t rng;
	uint64_t page;
	struct sproc procs[STRESS_MAX_PROCS];
	struct sdev devs[STRESS_MAX_DEVS];
	struct shandle handles[STRESS_MAX_HANDLES];
	unsigned int procs_created, binds_done;	/* in this machine's life */
	uint32_t known[STRESS_KNOWN_PASIDS];	/* PASIDs seen: bogus candidates */
	unsigned int nr_known;
	bool aim;				/* the next DMA goes to [aim_addr, +aim_len) */
	int aim_kind;				/* ... and is a SCN_DMA_*, or any if < 0 */
	uint64_t aim_addr, aim_len;
	char desc[160];				/* the current op, for log and report */
	struct stress_stats st;
};

/* ---- PRNG and digest --------------------------------------------------------- */

/* splitmix64: tiny, fast, and every seed (0 too) gives a full-period stream. */
static uint64_t rnd(struct stress *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(struct stress *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

static void mix(struct stress *s, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		s->st.digest ^= (v >> (8 * i)) & 0xff;
		s->st.digest *= 0x100000001b3ULL;
	}
}

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

static void violation(struct stress *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void violation(struct stress *s, const char *fmt, ...)
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

static void describe(struct stress *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void describe(struct stress *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->desc, sizeof(s->desc), fmt, ap);
	va_end(ap);
}

static void log_op(struct stress *s, const char *result)
{
	if (s->opts.log)
		fprintf(s->opts.log, "%6lu %s -> %s\n", s->st.ops, s->desc, result);
}

/* Compare an outcome with the shadow's; both go into the digest. */
static void judge(struct stress *s, const struct outcome *want, const struct outcome *got)
{
	char w[64], g[64];

	fmt_outcome(g, sizeof(g), got);
	log_op(s, g);
	mix(s, got->out);
	mix(s, got->addr);
	if (want->out == got->out && (want->out == SCN_OUT_OK || want->addr == got->addr))
		return;
	fmt_outcome(w, sizeof(w), want);
	violation(s, "expected %s, got %s", w, g);
}

/* ---- The shadow ------------------------------------------------------------------ */

static uint64_t window_size(const struct stress *s)
{
	return STRESS_PAGES * s->page;
}

/* May @p's CPU or a device bound to it access @va for @write? */
static bool page_ok(const struct stress *s, const struct sproc *p, uint64_t va, bool write)
{
	unsigned int prot;
	uint64_t pg;

	if (!p || va < STRESS_BASE || va - STRESS_BASE >= window_size(s))
		return false;
	pg = (va - STRESS_BASE) / s->page;
	prot = p->prot[pg];
	if (!(prot & SHADOW_MAPPED))
		return false;
	return prot & (write ? SCN_PROT_W : SCN_PROT_R);
}

static uint8_t *shadow_at(const struct sproc *p, uint64_t va)
{
	return p->bytes + (va - STRESS_BASE);
}

/* Bytes from @va to the end of its page, at most @left. */
static uint64_t page_chunk(const struct stress *s, uint64_t va, uint64_t left)
{
	uint64_t n = s->page - (va & (s->page - 1));

	return n < left ? n : left;
}

/* A write of @byte over [addr, addr + len), applied to the shadow. */
static void model_fill(struct stress *s, struct sproc *p, uint64_t addr, uint64_t len,
		       uint8_t byte, struct outcome *o)
{
	uint64_t done, n;

	for (done = 0; done < len; done += n) {
		n = page_chunk(s, addr + done, len - done);
		if (!page_ok(s, p, addr + done, true)) {
			*o = (struct outcome){ SCN_OUT_FAULT, addr + done };
			return;
		}
		memset(shadow_at(p, addr + done), byte, n);
	}
	*o = (struct outcome){ SCN_OUT_OK, 0 };
}

/* A compare of [addr, addr + len) with @byte. */
static void model_check(struct stress *s, struct sproc *p, uint64_t addr, uint64_t len,
			uint8_t byte, struct outcome *o)
{
	uint64_t done, n, i;
	const uint8_t *b;

	for (done = 0; done < len; done += n) {
		n = page_chunk(s, addr + done, len - done);
		if (!page_ok(s, p, addr + done, false)) {
			*o = (struct outcome){ SCN_OUT_FAULT, addr + done };
			return;
		}
		b = shadow_at(p, addr + done);
		for (i = 0; i < n; i++) {
			if (b[i] != byte) {
				*o = (struct outcome){ SCN_OUT_MISMATCH, addr + done + i };
				return;
			}
		}
	}
	*o = (struct outcome){ SCN_OUT_OK, 0 };
}

/*
 * A copy between disjoint ranges: each step covers at most the rest of the
 * source page and of the destination page, reads then writes, so a fault is
 * reported at the source when both pages of a step are inaccessible.
 */
static void model_copy(struct stress *s, struct sproc *p, uint64_t src, uint64_t dst,
		       uint64_t len, struct outcome *o)
{
	uint64_t done, n, m;

	for (done = 0; done < len; done += n) {
		n = page_chunk(s, src + done, len - done);
		m = page_chunk(s, dst + done, len - done);
		if (m < n)
			n = m;
		if (!page_ok(s, p, src + done, false)) {
			*o = (struct outcome){ SCN_OUT_FAULT, src + done };
			return;
		}
		if (!page_ok(s, p, dst + done, true)) {
			*o = (struct outcome){ SCN_OUT_FAULT, dst + done };
			return;
		}
		memcpy(shadow_at(p, dst + done), shadow_at(p, src + done), n);
	}
	*o = (struct outcome){ SCN_OUT_OK, 0 };
}

static void shadow_clear(struct stress *s, struct sproc *p)
{
	memset(p->prot, 0, sizeof(p->prot));
	memset(p->bytes, 0, window_size(s));
	p->has_pasid = false;
}

/*
 * After an access that went through, the process's PTEs say so: the access
 * flag of every page it touched and the dirty state of every page it wrote
 * are set, by the walker's hardware update (HTTU) or by the fault path. A
 * stale TLB or ATC entry from before clear-refs would skip both.
 */
static void check_ptes(struct stress *s, const struct sproc *p, uint64_t addr, uint64_t len,
		       bool write)
{
	uint64_t va, af, dirty;

	for (va = addr & ~(s->page - 1); va < addr + len; va += s->page) {
		af = dirty = 0;
		if (machine_pte_field(s->m, p->idx, va, "af", &af, NULL, 0) || !af)
			violation(s, "expected the access flag set in the PTE of 0x%" PRIx64, va);
		if (write && (machine_pte_field(s->m, p->idx, va, "dirty", &dirty, NULL, 0) || !dirty))
			violation(s, "expected the PTE of 0x%" PRIx64 " dirty after a write", va);
	}
}

/* ---- Choosing operands -------------------------------------------------------- */

/* A random live process slot, or -1. */
static int pick_proc(struct stress *s)
{
	unsigned int i, start = (unsigned int)rnd_below(s, s->opts.processes);

	for (i = 0; i < s->opts.processes; i++) {
		unsigned int slot = (start + i) % s->opts.processes;

		if (s->procs[slot].idx >= 0)
			return (int)slot;
	}
	return -1;
}

/* A page range of the window: first page and count (1..@most). */
static void pick_pages(struct stress *s, unsigned int most, unsigned int *pg, unsigned int *n)
{
	unsigned int max;

	*pg = (unsigned int)rnd_below(s, STRESS_PAGES);
	max = STRESS_PAGES - *pg < most ? STRESS_PAGES - *pg : most;
	*n = 1 + (unsigned int)rnd_below(s, max);
}

/*
 * A byte range: mostly inside the window, sometimes running a page past
 * its end; short or up to three pages long, rarely aligned.
 */
static void pick_bytes(struct stress *s, uint64_t *addr, uint64_t *len)
{
	uint64_t span = window_size(s) + s->page;

	*addr = STRESS_BASE + rnd_below(s, window_size(s));
	if (rnd_below(s, 4) == 0)
		*addr &= ~(s->page - 1);
	*len = rnd_below(s, 3) == 0 ? 1 + rnd_below(s, 256) : 1 + rnd_below(s, 3 * s->page);
	if (*addr + *len > STRESS_BASE + span)
		*len = STRESS_BASE + span - *addr;
}

/*
 * A place where @p may access (@write) for some bytes: a random byte of a
 * random accessible page, and the bytes from there to the end of its run
 * of accessible pages. -ENOENT if there is none.
 */
static int pick_accessible(struct stress *s, const struct sproc *p, bool write, uint64_t *addr,
			   uint64_t *room)
{
	unsigned int pg, i, start = (unsigned int)rnd_below(s, STRESS_PAGES);
	uint64_t va, end;

	for (i = 0; i < STRESS_PAGES; i++) {
		pg = (start + i) % STRESS_PAGES;
		va = STRESS_BASE + pg * s->page;
		if (page_ok(s, p, va, write))
			break;
	}
	if (i == STRESS_PAGES)
		return -ENOENT;
	for (end = va + s->page; page_ok(s, p, end, write); end += s->page)
		;
	*addr = va + rnd_below(s, s->page);
	*room = end - *addr;
	return 0;
}

/*
 * Mostly where @p may access, so that data moves, now and then running
 * into the first page it may not; otherwise anywhere (pick_bytes()).
 */
static void pick_target(struct stress *s, const struct sproc *p, bool write, uint64_t *addr,
			uint64_t *len)
{
	uint64_t room;

	if (!p || rnd_below(s, 4) == 0 || pick_accessible(s, p, write, addr, &room)) {
		pick_bytes(s, addr, len);
		return;
	}
	if (room > 3 * s->page)
		room = 3 * s->page;
	*len = 1 + rnd_below(s, room);
	if (rnd_below(s, 8) == 0)
		*len += 1 + rnd_below(s, s->page);
}

static unsigned int pick_prot(struct stress *s)
{
	static const unsigned int prots[] = {
		0, SCN_PROT_R, SCN_PROT_R | SCN_PROT_W, SCN_PROT_R | SCN_PROT_X,
		SCN_PROT_R | SCN_PROT_W | SCN_PROT_X,
	};
	/* Writable mappings most often, so that data moves. */
	uint64_t r = rnd_below(s, 10);

	return r < 5 ? prots[2] : r < 7 ? prots[1] : r < 8 ? prots[4] : r < 9 ? prots[3] : prots[0];
}

static const char *prot_name(unsigned int prot)
{
	static const char *const names[8] = { "none", "r", "w", "rw", "x", "rx", "wx", "rwx" };

	return names[prot & 7];
}

static void remember_pasid(struct stress *s, uint32_t pasid)
{
	s->known[s->nr_known++ % STRESS_KNOWN_PASIDS] = pasid;
}

/* The process a device reaches with (@pv, @pasid): a live bond's, or none. */
static struct sproc *space_of(struct stress *s, int dev, bool pv, uint32_t pasid)
{
	unsigned int i;

	if (!pv)
		return NULL;
	for (i = 0; i < STRESS_MAX_HANDLES; i++) {
		const struct shandle *h = &s->handles[i];
		struct sproc *p;

		if (!h->live || h->dev != dev || h->pasid != pasid)
			continue;
		p = &s->procs[h->slot];
		return p->idx >= 0 && p->gen == h->gen ? p : NULL;
	}
	return NULL;
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

static int spawn_slot(struct stress *s, unsigned int slot, char *why, size_t whylen)
{
	struct sproc *p = &s->procs[slot];
	int idx = machine_process_create(s->m, why, whylen);

	if (idx < 0)
		return idx;
	s->procs_created++;
	p->idx = idx;
	p->gen++;
	shadow_clear(s, p);
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
		ret = spawn_slot(s, i, why, whylen);
		if (ret)
			return ret;
	}
	return 0;
}

/* A fresh machine when this one's process or bind budget is nearly spent. */
static int maybe_restart(struct stress *s)
{
	char why[256] = "";
	int ret;

	if (s->procs_created + 1 < s->lim.max_procs && s->binds_done + 1 < s->lim.max_handles)
		return 0;
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

/* ---- Operations: memory ----------------------------------------------------------- */

static int dma_run(struct stress *s, int dev, bool pv, uint32_t pasid, const char *how);
static void verify_range(struct stress *s, uint64_t lo, uint64_t hi);

/* A live bond of the process in @slot, or NULL. */
static struct shandle *bond_of(struct stress *s, unsigned int slot)
{
	unsigned int i;

	for (i = 0; i < STRESS_MAX_HANDLES; i++) {
		struct shandle *h = &s->handles[i];

		if (h->live && h->slot == slot && h->gen == s->procs[slot].gen)
			return h;
	}
	return NULL;
}

/* The next DMA goes to @len bytes at @addr, a @kind one if >= 0 (a follow-up). */
static void aim_at(struct stress *s, uint64_t addr, uint64_t len, int kind)
{
	s->aim = true;
	s->aim_addr = addr;
	s->aim_len = len;
	s->aim_kind = kind;
}

/*
 * Half of the mapping changes of a bound process are bracketed by DMA into
 * the pages they change: one before (so TLBs and the ATC hold the old
 * translation), one after, which must see only the new mapping.
 */
struct bracket {
	struct shandle *h;
	uint64_t addr, len;
};

static int bracket_begin(struct stress *s, unsigned int slot, unsigned int pg, unsigned int n,
			 struct bracket *b)
{
	uint64_t off;

	b->h = bond_of(s, slot);
	if (!b->h || rnd_below(s, 2)) {
		b->h = NULL;
		return 0;
	}
	off = rnd_below(s, n * s->page);
	b->addr = STRESS_BASE + pg * s->page + off;
	b->len = 1 + rnd_below(s, n * s->page - off);
	aim_at(s, b->addr, b->len, -1);
	return dma_run(s, b->h->dev, true, b->h->pasid, "before");
}

static int bracket_end(struct stress *s, const struct bracket *b, int kind, const char *how)
{
	if (!b->h)
		return 0;
	aim_at(s, b->addr, b->len, kind);
	return dma_run(s, b->h->dev, true, b->h->pasid, how);
}

/* An op that does not apply now returns -EAGAIN and another is drawn. */

/* mmap @n pages at page @pg of @slot's window, and the shadow with it. */
static void do_mmap(struct stress *s, unsigned int slot, unsigned int pg, unsigned int n,
		    unsigned int prot, bool populate)
{
	struct sproc *p = &s->procs[slot];
	char why[256] = "";
	unsigned int i;
	int ret;

	describe(s, "mmap p%u 0x%" PRIx64 " %u pages %s%s", slot, STRESS_BASE + pg * s->page, n,
		 prot_name(prot), populate ? " populate" : "");
	ret = machine_mmap(s->m, p->idx, STRESS_BASE + pg * s->page, n * s->page, prot, populate,
			   why, sizeof(why));
	log_op(s, ret ? why : "ok");
	mix(s, (uint64_t)ret);
	if (ret) {
		violation(s, "expected success, got %s", why);
		return;
	}
	/* MAP_FIXED replaces whatever was there with fresh zero-filled pages. */
	for (i = pg; i < pg + n; i++)
		p->prot[i] = (uint8_t)(SHADOW_MAPPED | prot);
	memset(p->bytes + pg * s->page, 0, n * s->page);
}

static int op_mmap(struct stress *s)
{
	int slot = pick_proc(s);
	unsigned int pg, n, prot;
	bool populate;

	if (slot < 0)
		return -EAGAIN;
	pick_pages(s, 8, &pg, &n);
	prot = pick_prot(s);
	populate = rnd_below(s, 3) == 0;
	do_mmap(s, (unsigned int)slot, pg, n, prot, populate);
	return 0;
}

static void do_cpu_fill(struct stress *s, unsigned int slot, uint64_t addr, uint64_t len,
			uint8_t byte);

/*
 * munmap() gives the frames back, and the next pages faulted in anywhere
 * may be the same frames. Through the old mapping a device must reach none
 * of them: another process (the next live one; the same if it is alone)
 * maps pages populated and writes them, a DMA write into the unmapped
 * range must fault, and the CPU reads back what the other process wrote.
 */
static int munmap_reuse(struct stress *s, unsigned int slot, const struct bracket *b)
{
	unsigned int q = slot, i, pg, n;
	int ret;

	for (i = 1; i < s->opts.processes; i++) {
		if (s->procs[(slot + i) % s->opts.processes].idx >= 0) {
			q = (slot + i) % s->opts.processes;
			break;
		}
	}
	pick_pages(s, 8, &pg, &n);
	do_mmap(s, q, pg, n, SCN_PROT_R | SCN_PROT_W, true);
	do_cpu_fill(s, q, STRESS_BASE + pg * s->page, n * s->page, (uint8_t)rnd(s));
	ret = bracket_end(s, b, SCN_DMA_FILL, "after-munmap-reuse");
	verify_range(s, STRESS_BASE + pg * s->page, STRESS_BASE + (pg + n) * s->page);
	return ret;
}

static int op_munmap(struct stress *s)
{
	int slot = pick_proc(s);
	unsigned int pg, n;
	struct bracket b;
	struct sproc *p;
	char why[256] = "";
	int ret;

	if (slot < 0)
		return -EAGAIN;
	p = &s->procs[slot];
	pick_pages(s, 3, &pg, &n);
	ret = bracket_begin(s, (unsigned int)slot, pg, n, &b);
	if (ret)
		return ret;
	describe(s, "munmap p%d 0x%" PRIx64 " %u pages", slot, STRESS_BASE + pg * s->page, n);
	ret = machine_munmap(s->m, p->idx, STRESS_BASE + pg * s->page, n * s->page,
			     why, sizeof(why));
	log_op(s, ret ? why : "ok");
	mix(s, (uint64_t)ret);
	if (ret) {
		violation(s, "expected success, got %s", why);
		return 0;
	}
	memset(p->prot + pg, 0, n);
	memset(p->bytes + pg * s->page, 0, n * s->page);
	/* When munmap() has returned, no device reaches those pages (DESIGN.md). */
	if (b.h && rnd_below(s, 2))
		return munmap_reuse(s, (unsigned int)slot, &b);
	return bracket_end(s, &b, -1, "after-munmap");
}

/* mprotect over a fully mapped run of pages (it fails over a hole). */
static int op_mprotect(struct stress *s)
{
	int slot = pick_proc(s);
	unsigned int pg, n, i, prot;
	struct bracket b;
	struct sproc *p;
	char why[256] = "";
	int ret;

	if (slot < 0)
		return -EAGAIN;
	p = &s->procs[slot];
	pick_pages(s, 4, &pg, &n);
	for (i = 0; i < STRESS_PAGES && !(p->prot[pg] & SHADOW_MAPPED); i++)
		pg = (pg + 1) % STRESS_PAGES;
	if (i == STRESS_PAGES)
		return -EAGAIN;
	for (i = 1; i < n && pg + i < STRESS_PAGES && (p->prot[pg + i] & SHADOW_MAPPED); i++)
		;
	n = i;
	prot = pick_prot(s);
	ret = bracket_begin(s, (unsigned int)slot, pg, n, &b);
	if (ret)
		return ret;
	describe(s, "mprotect p%d 0x%" PRIx64 " %u pages %s", slot, STRESS_BASE + pg * s->page, n,
		 prot_name(prot));
	ret = machine_mprotect(s->m, p->idx, STRESS_BASE + pg * s->page, n * s->page, prot,
			       why, sizeof(why));
	log_op(s, ret ? why : "ok");
	mix(s, (uint64_t)ret);
	if (ret) {
		violation(s, "expected success, got %s", why);
		return 0;
	}
	for (i = pg; i < pg + n; i++)
		p->prot[i] = (uint8_t)(SHADOW_MAPPED | prot);
	/* A write shows best whether a revoked write permission is gone everywhere. */
	return bracket_end(s, &b, SCN_DMA_FILL, "after-mprotect");
}

/* clear-refs keeps every byte; the pages' AF and dirty state start over. */
static int op_clear_refs(struct stress *s)
{
	int slot = pick_proc(s);
	unsigned int pg, n, i;
	struct bracket b;
	uint64_t va, v;
	char why[256] = "";
	int ret;

	if (slot < 0)
		return -EAGAIN;
	pick_pages(s, 4, &pg, &n);
	ret = bracket_begin(s, (unsigned int)slot, pg, n, &b);
	if (ret)
		return ret;
	describe(s, "clear-refs p%d 0x%" PRIx64 " %u pages", slot, STRESS_BASE + pg * s->page, n);
	ret = machine_clear_refs(s->m, s->procs[slot].idx, STRESS_BASE + pg * s->page,
				 n * s->page, why, sizeof(why));
	log_op(s, ret ? why : "ok");
	mix(s, (uint64_t)ret);
	if (ret) {
		violation(s, "expected success, got %s", why);
		return 0;
	}
	/* Only accessible pages: a PROT_NONE entry is not valid, clear-refs leaves it. */
	for (i = pg; i < pg + n; i++) {
		va = STRESS_BASE + i * s->page;
		if (!page_ok(s, &s->procs[slot], va, false))
			continue;
		v = 1;
		if (machine_pte_field(s->m, s->procs[slot].idx, va, "dirty", &v, why, sizeof(why)) ||
		    v)
			violation(s, "expected the PTE of 0x%" PRIx64 " clean", va);
	}
	return bracket_end(s, &b, SCN_DMA_FILL, "after-clear-refs");
}

static void do_cpu_fill(struct stress *s, unsigned int slot, uint64_t addr, uint64_t len,
			uint8_t byte)
{
	struct outcome want, got = { SCN_OUT_OK, 0 };
	struct sproc *p = &s->procs[slot];
	uint64_t fault = 0;
	int ret;

	describe(s, "cpu-fill p%u 0x%" PRIx64 " 0x%" PRIx64 " 0x%02x", slot, addr, len, byte);
	model_fill(s, p, addr, len, byte, &want);
	ret = machine_cpu_fill(s->m, p->idx, addr, len, byte, &fault);
	if (ret == -EFAULT)
		got = (struct outcome){ SCN_OUT_FAULT, fault };
	else if (ret)
		got.out = SCN_OUT_NONE;
	if (got.out == SCN_OUT_FAULT)
		s->st.cpu_faults++;
	judge(s, &want, &got);
	if (got.out == SCN_OUT_OK && want.out == SCN_OUT_OK)
		check_ptes(s, p, addr, len, true);
}

/*
 * A third of the CPU writes of a bound process come between two DMAs over
 * the same bytes: a read first, so that the SMMU and the ATC hold the
 * page's translation from before the write (clean, so read-only unless the
 * SMMU manages dirty state), then a write, which must go through wherever
 * the page is writable: the CPU dirtying a PTE leaves no device locked out.
 */
static int op_cpu_fill(struct stress *s)
{
	int slot = pick_proc(s), ret;
	struct bracket b = { NULL, 0, 0 };
	uint64_t addr, len;
	uint8_t byte;

	if (slot < 0)
		return -EAGAIN;
	pick_target(s, &s->procs[slot], true, &addr, &len);
	byte = (uint8_t)rnd(s);
	if (rnd_below(s, 3) == 0)
		b.h = bond_of(s, (unsigned int)slot);
	if (b.h) {
		b.addr = addr;
		b.len = len;
		aim_at(s, addr, len, SCN_DMA_CHECK);
		ret = dma_run(s, b.h->dev, true, b.h->pasid, "before-cpu-write");
		if (ret)
			return ret;
	}
	do_cpu_fill(s, (unsigned int)slot, addr, len, byte);
	return bracket_end(s, &b, SCN_DMA_FILL, "after-cpu-write");
}

/* The pattern a check compares with: mostly what the shadow holds at @addr. */
static uint8_t check_pattern(struct stress *s, const struct sproc *p, uint64_t addr)
{
	uint8_t r = (uint8_t)rnd(s);

	if (!p || rnd_below(s, 4) == 0 || !page_ok(s, p, addr, false))
		return r;
	return *shadow_at(p, addr);
}

static int op_cpu_check(struct stress *s)
{
	int slot = pick_proc(s);
	struct outcome want, got = { SCN_OUT_OK, 0 };
	uint64_t addr, len, where = 0;
	struct sproc *p;
	uint8_t byte;
	int ret;

	if (slot < 0)
		return -EAGAIN;
	p = &s->procs[slot];
	pick_target(s, p, false, &addr, &len);
	byte = check_pattern(s, p, addr);
	describe(s, "cpu-check p%d 0x%" PRIx64 " 0x%" PRIx64 " 0x%02x", slot, addr, len, byte);
	model_check(s, p, addr, len, byte, &want);
	ret = machine_cpu_check(s->m, p->idx, addr, len, byte, &where);
	if (ret == -EFAULT)
		got = (struct outcome){ SCN_OUT_FAULT, where };
	else if (ret == 1)
		got = (struct outcome){ SCN_OUT_MISMATCH, where };
	else if (ret)
		got.out = SCN_OUT_NONE;
	if (got.out == SCN_OUT_FAULT)
		s->st.cpu_faults++;
	judge(s, &want, &got);
	return 0;
}

/* ---- Operations: processes ------------------------------------------------------- */

static int op_exit(struct stress *s)
{
	int slot = pick_proc(s);
	uint64_t addr = 0, room = 0;
	struct shandle *h;
	char why[256] = "";
	bool aim;
	int ret;

	if (slot < 0)
		return -EAGAIN;
	h = bond_of(s, (unsigned int)slot);
	aim = h && !pick_accessible(s, &s->procs[slot], false, &addr, &room);
	describe(s, "exit p%d", slot);
	ret = machine_exit(s->m, s->procs[slot].idx, why, sizeof(why));
	log_op(s, ret ? why : "ok");
	mix(s, (uint64_t)ret);
	if (ret)
		violation(s, "expected success, got %s", why);
	/* Its bonds stay until unbound, but reach nothing any more. */
	s->procs[slot].idx = -1;
	shadow_clear(s, &s->procs[slot]);
	s->st.exits++;
	if (!aim)
		return 0;
	aim_at(s, addr, 1 + rnd_below(s, room < s->page ? room : s->page), -1);
	return dma_run(s, h->dev, true, h->pasid, "after-exit");
}

static int op_spawn(struct stress *s)
{
	unsigned int slot;
	char why[256] = "";
	int ret;

	for (slot = 0; slot < s->opts.processes && s->procs[slot].idx >= 0; slot++)
		;
	if (slot == s->opts.processes)
		return -EAGAIN;
	ret = maybe_restart(s);
	if (ret)
		return ret;
	/* A restart fills every slot. */
	if (s->procs[slot].idx >= 0)
		return 0;
	describe(s, "process p%u", slot);
	ret = spawn_slot(s, slot, why, sizeof(why));
	log_op(s, ret ? why : "ok");
	mix(s, (uint64_t)ret);
	if (ret)
		violation(s, "expected a new process, got %s", why);
	s->st.spawns++;
	return 0;
}

/* ---- Operations: SVA -------------------------------------------------------------- */

/* The driver enables SVA only where it can (sva_expected()). */
static bool sva_capable(const struct sdev *d)
{
	return d->sva;
}

/*
 * The largest PASID device @dev can use: its PASID bits, the SMMU's SSID
 * bits, and without 2-level CD tables the driver's linear table of 2^10
 * CDs (CTXDESC_LINEAR_CDMAX).
 */
static uint32_t dev_max_pasid(const struct stress *s, int dev)
{
	unsigned int bits = s->kinds[s->devs[dev].kind].pasid_bits;

	if (bits > s->cfg.ssid_bits)
		bits = s->cfg.ssid_bits;
	if (!s->cfg.cd_table_2level && bits > 10)
		bits = 10;
	return bits ? (1u << bits) - 1 : 0;
}

/* PASIDs in [1, @max] that an address space holds: one per live or still bound mm. */
static unsigned int pasids_held(const struct stress *s, uint32_t max)
{
	uint32_t seen[STRESS_MAX_PROCS + STRESS_MAX_HANDLES];
	unsigned int n = 0, i, j;

	for (i = 0; i < s->opts.processes; i++)
		if (s->procs[i].idx >= 0 && s->procs[i].has_pasid && s->procs[i].pasid <= max)
			seen[n++] = s->procs[i].pasid;
	for (i = 0; i < STRESS_MAX_HANDLES; i++) {
		if (!s->handles[i].live || s->handles[i].pasid > max)
			continue;
		for (j = 0; j < n && seen[j] != s->handles[i].pasid; j++)
			;
		if (j == n)
			seen[n++] = s->handles[i].pasid;
	}
	return n;
}

/*
 * What a bind must do: 1 succeed, 0 be refused, -1 either (every PASID
 * the device can use is taken). An mm keeps its one PASID for every
 * device, so a device that cannot use it must refuse.
 */
static int bind_expected(const struct stress *s, int dev, unsigned int slot)
{
	const struct sproc *p = &s->procs[slot];
	uint32_t max = dev_max_pasid(s, dev);

	if (!sva_capable(&s->devs[dev]))
		return 0;
	if (p->has_pasid)
		return p->pasid <= max;
	return pasids_held(s, max) < max ? 1 : -1;
}

static struct shandle *find_handle(struct stress *s, int dev, unsigned int slot)
{
	unsigned int i;

	for (i = 0; i < STRESS_MAX_HANDLES; i++) {
		struct shandle *h = &s->handles[i];

		if (h->live && h->dev == dev && h->slot == slot && h->gen == s->procs[slot].gen)
			return h;
	}
	return NULL;
}

static struct shandle *free_handle(struct stress *s)
{
	unsigned int i;

	for (i = 0; i < STRESS_MAX_HANDLES; i++)
		if (!s->handles[i].live)
			return &s->handles[i];
	return NULL;
}

/*
 * A PASID belongs to an mm for its whole life (shared by its bonds, kept
 * across unbind), and no two address spaces that may still be reached
 * share one.
 */
static void check_pasid(struct stress *s, int dev, unsigned int slot, uint32_t pasid)
{
	const struct sproc *p = &s->procs[slot];
	unsigned int i;

	if (!pasid || pasid > dev_max_pasid(s, dev))
		violation(s, "PASID %u out of range", pasid);
	if (p->has_pasid && p->pasid != pasid)
		violation(s, "expected the process's PASID %u, got %u", p->pasid, pasid);
	for (i = 0; i < STRESS_MAX_HANDLES; i++) {
		const struct shandle *h = &s->handles[i];

		if (h->live && h->pasid == pasid && (h->slot != slot || h->gen != p->gen))
			violation(s, "PASID %u is still bound for another address space", pasid);
	}
}

static void bind_done(struct stress *s, struct shandle *h, int dev, unsigned int slot,
		      int idx, uint32_t pasid)
{
	struct sproc *p = &s->procs[slot];

	check_pasid(s, dev, slot, pasid);
	*h = (struct shandle){
		.live = true, .h = idx, .dev = dev, .slot = slot, .gen = p->gen, .pasid = pasid,
	};
	p->has_pasid = true;
	p->pasid = pasid;
	remember_pasid(s, pasid);
	s->binds_done++;
	s->st.binds++;
}

static int op_bind(struct stress *s)
{
	int slot = pick_proc(s), dev = (int)rnd_below(s, s->opts.devices), ret;
	char why[256] = "", res[64];
	struct shandle *h;
	uint32_t pasid = 0;
	int want;

	if (slot < 0 || find_handle(s, dev, (unsigned int)slot) || !(h = free_handle(s)))
		return -EAGAIN;
	ret = maybe_restart(s);
	if (ret)
		return ret;
	want = bind_expected(s, dev, (unsigned int)slot);
	describe(s, "bind d%d (%s) p%d", dev, s->kind_names[s->devs[dev].kind], slot);
	ret = machine_bind(s->m, s->devs[dev].idx, s->procs[slot].idx, &pasid, why, sizeof(why));
	if (ret >= 0)
		snprintf(res, sizeof(res), "pasid %u", pasid);
	else
		snprintf(res, sizeof(res), "refused");
	log_op(s, ret >= 0 ? res : why);
	mix(s, ret >= 0);
	mix(s, pasid);
	if (ret < 0) {
		s->st.refused_binds++;
		if (want == 1)
			violation(s, "expected a bond, got refused: %s", why);
		return 0;
	}
	if (!want)
		violation(s, "expected refused (%s), got %s", sva_capable(&s->devs[dev]) ?
			  "the process's PASID is beyond the device's" :
			  "the device cannot do SVA here", res);
	/* Either way the model follows what the machine did. */
	bind_done(s, h, dev, (unsigned int)slot, ret, pasid);
	return 0;
}

static struct shandle *pick_handle(struct stress *s)
{
	unsigned int i, start = (unsigned int)rnd_below(s, STRESS_MAX_HANDLES);

	for (i = 0; i < STRESS_MAX_HANDLES; i++) {
		struct shandle *h = &s->handles[(start + i) % STRESS_MAX_HANDLES];

		if (h->live)
			return h;
	}
	return NULL;
}

/*
 * After unbind nothing reaches the process through that PASID: aim where
 * the process could be reached if it still did.
 */
static int unbind_follow_up(struct stress *s, const struct shandle *h)
{
	const struct sproc *p = &s->procs[h->slot];
	uint64_t addr, room;

	if (rnd_below(s, 2) || p->idx < 0 || p->gen != h->gen ||
	    pick_accessible(s, p, false, &addr, &room))
		return 0;
	aim_at(s, addr, 1 + rnd_below(s, room < s->page ? room : s->page), -1);
	return dma_run(s, h->dev, true, h->pasid, "after-unbind");
}

static int op_unbind(struct stress *s)
{
	struct shandle *h = pick_handle(s);
	char why[256] = "";
	int ret;

	if (!h)
		return -EAGAIN;
	describe(s, "unbind d%d pasid %u (p%u)", h->dev, h->pasid, h->slot);
	ret = machine_unbind(s->m, h->h, why, sizeof(why));
	log_op(s, ret ? why : "ok");
	mix(s, (uint64_t)ret);
	if (ret)
		violation(s, "expected success, got %s", why);
	h->live = false;
	s->st.unbinds++;
	return unbind_follow_up(s, h);
}

/* ---- Operations: DMA -------------------------------------------------------------- */

/* A destination of @len bytes in the window (plus a page) not overlapping @src. */
static uint64_t pick_disjoint(struct stress *s, uint64_t src, uint64_t len)
{
	uint64_t end = STRESS_BASE + window_size(s) + s->page - len;
	uint64_t below = src >= STRESS_BASE + len ? src - len - STRESS_BASE + 1 : 0;
	uint64_t above = src + len <= end ? end - (src + len) + 1 : 0;
	uint64_t r = rnd_below(s, below + above);

	return r < below ? STRESS_BASE + r : src + len + (r - below);
}

static void dma_describe(struct stress *s, const struct machine_dma *op, const char *how)
{
	static const char *const kinds[] = { "fill", "copy", "check" };
	char target[32];

	if (op->pasid_valid)
		snprintf(target, sizeof(target), "pasid %u", op->pasid);
	else
		snprintf(target, sizeof(target), "no pasid");
	if (op->kind == SCN_DMA_COPY)
		describe(s, "dma %s d%d %s copy 0x%" PRIx64 " -> 0x%" PRIx64 " 0x%" PRIx64, how,
			 op->dev, target, op->addr, op->addr2, op->len);
	else
		describe(s, "dma %s d%d %s %s 0x%" PRIx64 " 0x%" PRIx64 " 0x%02x", how, op->dev,
			 target, kinds[op->kind], op->addr, op->len, op->byte);
}

/* Draw the work, and what the shadow says it must do (applied to the shadow). */
/* Where the DMA goes: the place a follow-up aims at, or drawn. */
static void dma_target(struct stress *s, const struct sproc *p, bool write, uint64_t *addr,
		       uint64_t *len)
{
	if (!s->aim) {
		pick_target(s, p, write, addr, len);
		return;
	}
	*addr = s->aim_addr;
	*len = s->aim_len;
	s->aim = false;
}

static void dma_plan(struct stress *s, struct sproc *p, struct machine_dma *op,
		     struct outcome *want)
{
	uint64_t r = rnd_below(s, 20), room;

	if (s->aim && s->aim_kind >= 0)
		r = s->aim_kind == SCN_DMA_FILL ? 0 : s->aim_kind == SCN_DMA_COPY ? 8 : 13;
	if (r < 8) {
		op->kind = SCN_DMA_FILL;
		dma_target(s, p, true, &op->addr, &op->len);
		op->byte = (uint8_t)rnd(s);
		model_fill(s, p, op->addr, op->len, op->byte, want);
	} else if (r < 13) {
		op->kind = SCN_DMA_COPY;
		dma_target(s, p, false, &op->addr, &op->len);
		if (op->len > window_size(s) / 2)
			op->len = window_size(s) / 2;
		/* Into a writable place when one fits beside the source. */
		if (!p || pick_accessible(s, p, true, &op->addr2, &room) || room < op->len ||
		    (op->addr2 < op->addr + op->len && op->addr < op->addr2 + op->len))
			op->addr2 = pick_disjoint(s, op->addr, op->len);
		model_copy(s, p, op->addr, op->addr2, op->len, want);
	} else {
		op->kind = SCN_DMA_CHECK;
		dma_target(s, p, false, &op->addr, &op->len);
		op->byte = check_pattern(s, p, op->addr);
		model_check(s, p, op->addr, op->len, op->byte, want);
	}
}

static int dma_run(struct stress *s, int dev, bool pv, uint32_t pasid, const char *how)
{
	struct sproc *p = space_of(s, dev, pv, pasid);
	struct machine_dma op = { .dev = dev, .pasid_valid = pv, .pasid = pasid };
	struct machine_dma_result res;
	struct outcome want, got = { SCN_OUT_NONE, 0 };
	char why[256] = "";
	int ret;

	dma_plan(s, p, &op, &want);
	dma_describe(s, &op, how);
	op.dev = s->devs[dev].idx;
	ret = machine_dma(s->m, &op, &res, why, sizeof(why));
	if (ret) {
		log_op(s, why);
		violation(s, "the DMA did not complete: %s", why);
		return ret == -ETIMEDOUT ? ret : 0;
	}
	got = (struct outcome){ res.outcome, res.addr };
	s->st.dma_ok += got.out == SCN_OUT_OK;
	s->st.dma_fault += got.out == SCN_OUT_FAULT;
	s->st.dma_mismatch += got.out == SCN_OUT_MISMATCH;
	judge(s, &want, &got);
	if (p && got.out == SCN_OUT_OK && want.out == SCN_OUT_OK) {
		check_ptes(s, p, op.addr, op.len, op.kind == SCN_DMA_FILL);
		if (op.kind == SCN_DMA_COPY)
			check_ptes(s, p, op.addr2, op.len, true);
	}
	/* A DMA that reached nothing must have written nothing, in any process. */
	if (!p && op.kind != SCN_DMA_CHECK) {
		uint64_t at = op.kind == SCN_DMA_COPY ? op.addr2 : op.addr;

		verify_range(s, at, at + op.len);
	}
	return 0;
}

static int op_dma(struct stress *s)
{
	struct shandle *h = pick_handle(s);

	if (!h)
		return -EAGAIN;
	return dma_run(s, h->dev, true, h->pasid, "bound");
}

/*
 * A PASID the device may not have bound: one that is live on another
 * device (another process's, or this process's bond elsewhere), one seen
 * before (maybe unbound since), or any. The model decides what it reaches.
 */
static int op_dma_bogus(struct stress *s)
{
	int dev = (int)rnd_below(s, s->opts.devices);
	unsigned int n = s->nr_known < STRESS_KNOWN_PASIDS ? s->nr_known : STRESS_KNOWN_PASIDS;
	struct shandle *h = pick_handle(s);
	uint64_t r = rnd_below(s, 3);
	uint32_t pasid;

	if (r == 0 && h && h->dev != dev)
		pasid = h->pasid;
	else if (r <= 1 && n)
		pasid = s->known[rnd_below(s, n)];
	else
		pasid = (uint32_t)rnd_below(s, s->pasid_limit);
	return dma_run(s, dev, true, pasid, "any");
}

static int op_dma_no_pasid(struct stress *s)
{
	return dma_run(s, (int)rnd_below(s, s->opts.devices), false, 0, "any");
}

/* ---- Verification --------------------------------------------------------------------- */

/* The CPU reads page @pg of @slot: the shadow's bytes, or a fault if not readable. */
static void verify_page(struct stress *s, unsigned int slot, unsigned int pg)
{
	const struct sproc *p = &s->procs[slot];
	uint64_t va = STRESS_BASE + pg * s->page, off, end, where = 0;
	const uint8_t *b = shadow_at(p, va);
	int ret;

	describe(s, "verify p%u page 0x%" PRIx64, slot, va);
	if (!page_ok(s, p, va, false)) {
		ret = machine_cpu_check(s->m, p->idx, va, 1, 0, &where);
		if (ret != -EFAULT || where != va)
			violation(s, "expected a CPU fault at 0x%" PRIx64 ", got %s at 0x%" PRIx64,
				  va, ret == 1 ? "a mismatch" : ret ? "a fault" : "a read", where);
		return;
	}
	for (off = 0; off < s->page; off = end) {
		for (end = off + 1; end < s->page && b[end] == b[off]; end++)
			;
		ret = machine_cpu_check(s->m, p->idx, va + off, end - off, b[off], &where);
		if (ret) {
			violation(s, "expected 0x%02x at 0x%" PRIx64 "..0x%" PRIx64 ", got %s at 0x%"
				  PRIx64, b[off], va + off, va + end - 1,
				  ret == 1 ? "another byte" : "a fault", where);
			return;
		}
	}
}

static void verify_range(struct stress *s, uint64_t lo, uint64_t hi)
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

int stress_verify(struct stress *s)
{
	verify_range(s, STRESS_BASE, STRESS_BASE + window_size(s));
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

static const struct {
	int (*fn)(struct stress *s);
	unsigned int weight;
} stress_ops[] = {
	{ op_mmap, 10 }, { op_munmap, 4 }, { op_mprotect, 5 }, { op_clear_refs, 3 },
	{ op_cpu_fill, 10 }, { op_cpu_check, 6 },
	{ op_bind, 6 }, { op_unbind, 3 },
	{ op_dma, 28 }, { op_dma_bogus, 6 }, { op_dma_no_pasid, 3 },
	{ op_exit, 1 }, { op_spawn, 6 },
};

#define NR_STRESS_OPS	(sizeof(stress_ops) / sizeof(stress_ops[0]))

/* One operation, drawn by weight among those that apply now. */
static int stress_step(struct stress *s)
{
	unsigned int total = 0, i, tries;
	uint64_t r;
	int ret = -EAGAIN;

	for (i = 0; i < NR_STRESS_OPS; i++)
		total += stress_ops[i].weight;
	for (tries = 0; tries < 64 && ret == -EAGAIN; tries++) {
		r = rnd_below(s, total);
		for (i = 0; r >= stress_ops[i].weight; i++)
			r -= stress_ops[i].weight;
		mix(s, i);
		ret = stress_ops[i].fn(s);
	}
	if (ret == -EAGAIN)
		ret = 0;
	s->st.ops++;
	if (!ret && s->st.ops % s->opts.verify_every == 0)
		ret = stress_verify(s);
	return ret;
}

int stress_run(struct stress *s, unsigned long n)
{
	unsigned long i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = stress_step(s);
		if (ret)
			return ret;
	}
	return 0;
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
