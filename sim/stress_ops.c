// SPDX-License-Identifier: GPL-2.0
/*
 * The stress oracle's operations (see stress.c): each asks the shadow what
 * must happen, updates it as if it had, runs on the machine and compares;
 * some are bracketed by DMAs that show a change of mapping, or a CPU write,
 * reached every cache a device translates through.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "sim/stress_internal.h"

/* ---- The shadow ------------------------------------------------------------------ */




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
			stress_violation(s, "expected the access flag set in the PTE of 0x%" PRIx64, va);
		if (write && (machine_pte_field(s->m, p->idx, va, "dirty", &dirty, NULL, 0) || !dirty))
			stress_violation(s, "expected the PTE of 0x%" PRIx64 " dirty after a write", va);
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

/* ---- Operations: memory ----------------------------------------------------------- */

static int dma_run(struct stress *s, int dev, bool pv, uint32_t pasid, const char *how);

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

	stress_describe(s, "mmap p%u 0x%" PRIx64 " %u pages %s%s", slot, STRESS_BASE + pg * s->page, n,
		 prot_name(prot), populate ? " populate" : "");
	ret = machine_mmap(s->m, p->idx, STRESS_BASE + pg * s->page, n * s->page, prot, populate,
			   why, sizeof(why));
	stress_log_op(s, ret ? why : "ok");
	mix(s, (uint64_t)ret);
	if (ret) {
		stress_violation(s, "expected success, got %s", why);
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
	stress_verify_range(s, STRESS_BASE + pg * s->page, STRESS_BASE + (pg + n) * s->page);
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
	stress_describe(s, "munmap p%d 0x%" PRIx64 " %u pages", slot, STRESS_BASE + pg * s->page, n);
	ret = machine_munmap(s->m, p->idx, STRESS_BASE + pg * s->page, n * s->page,
			     why, sizeof(why));
	stress_log_op(s, ret ? why : "ok");
	mix(s, (uint64_t)ret);
	if (ret) {
		stress_violation(s, "expected success, got %s", why);
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
	stress_describe(s, "mprotect p%d 0x%" PRIx64 " %u pages %s", slot, STRESS_BASE + pg * s->page, n,
		 prot_name(prot));
	ret = machine_mprotect(s->m, p->idx, STRESS_BASE + pg * s->page, n * s->page, prot,
			       why, sizeof(why));
	stress_log_op(s, ret ? why : "ok");
	mix(s, (uint64_t)ret);
	if (ret) {
		stress_violation(s, "expected success, got %s", why);
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
	stress_describe(s, "clear-refs p%d 0x%" PRIx64 " %u pages", slot, STRESS_BASE + pg * s->page, n);
	ret = machine_clear_refs(s->m, s->procs[slot].idx, STRESS_BASE + pg * s->page,
				 n * s->page, why, sizeof(why));
	stress_log_op(s, ret ? why : "ok");
	mix(s, (uint64_t)ret);
	if (ret) {
		stress_violation(s, "expected success, got %s", why);
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
			stress_violation(s, "expected the PTE of 0x%" PRIx64 " clean", va);
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

	stress_describe(s, "cpu-fill p%u 0x%" PRIx64 " 0x%" PRIx64 " 0x%02x", slot, addr, len, byte);
	model_fill(s, p, addr, len, byte, &want);
	ret = machine_cpu_fill(s->m, p->idx, addr, len, byte, &fault);
	if (ret == -EFAULT)
		got = (struct outcome){ SCN_OUT_FAULT, fault };
	else if (ret)
		got.out = SCN_OUT_NONE;
	if (got.out == SCN_OUT_FAULT)
		s->st.cpu_faults++;
	stress_judge(s, &want, &got);
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
	stress_describe(s, "cpu-check p%d 0x%" PRIx64 " 0x%" PRIx64 " 0x%02x", slot, addr, len, byte);
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
	stress_judge(s, &want, &got);
	return 0;
}

/* ---- Operations: processes ------------------------------------------------------- */

/*
 * With three or more processes, slot 0 never exits: one address space that
 * lives as long as the run, binding and unbinding, so that its pinned ASID
 * must survive every ASID rollover while others come and go.
 */
static bool stress_long_lived(const struct stress *s, unsigned int slot)
{
	return slot == 0 && s->opts.processes >= 3;
}

static int op_exit(struct stress *s)
{
	int slot = pick_proc(s);
	uint64_t addr = 0, room = 0;
	struct shandle *h;
	char why[256] = "";
	bool aim;
	int ret;

	if (slot < 0 || stress_long_lived(s, (unsigned int)slot))
		return -EAGAIN;
	h = bond_of(s, (unsigned int)slot);
	aim = h && !pick_accessible(s, &s->procs[slot], false, &addr, &room);
	stress_describe(s, "exit p%d", slot);
	ret = machine_exit(s->m, s->procs[slot].idx, why, sizeof(why));
	stress_log_op(s, ret ? why : "ok");
	mix(s, (uint64_t)ret);
	if (ret)
		stress_violation(s, "expected success, got %s", why);
	/* Its bonds stay until unbound, but reach nothing any more. */
	s->procs[slot].idx = -1;
	stress_shadow_clear(s, &s->procs[slot]);
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
	ret = stress_maybe_restart(s);
	if (ret)
		return ret;
	/* A restart fills every slot. */
	if (s->procs[slot].idx >= 0)
		return 0;
	stress_describe(s, "process p%u", slot);
	ret = stress_spawn_slot(s, slot, why, sizeof(why));
	stress_log_op(s, ret ? why : "ok");
	mix(s, (uint64_t)ret);
	if (ret)
		stress_violation(s, "expected a new process, got %s", why);
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
		stress_violation(s, "PASID %u out of range", pasid);
	if (p->has_pasid && p->pasid != pasid)
		stress_violation(s, "expected the process's PASID %u, got %u", p->pasid, pasid);
	for (i = 0; i < STRESS_MAX_HANDLES; i++) {
		const struct shandle *h = &s->handles[i];

		if (h->live && h->pasid == pasid && (h->slot != slot || h->gen != p->gen))
			stress_violation(s, "PASID %u is still bound for another address space", pasid);
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
	ret = stress_maybe_restart(s);
	if (ret)
		return ret;
	want = bind_expected(s, dev, (unsigned int)slot);
	stress_describe(s, "bind d%d (%s) p%d", dev, s->kind_names[s->devs[dev].kind], slot);
	ret = machine_bind(s->m, s->devs[dev].idx, s->procs[slot].idx, &pasid, why, sizeof(why));
	if (ret >= 0)
		snprintf(res, sizeof(res), "pasid %u", pasid);
	else
		snprintf(res, sizeof(res), "refused");
	stress_log_op(s, ret >= 0 ? res : why);
	mix(s, ret >= 0);
	mix(s, pasid);
	if (ret < 0) {
		s->st.refused_binds++;
		if (want == 1)
			stress_violation(s, "expected a bond, got refused: %s", why);
		return 0;
	}
	if (!want)
		stress_violation(s, "expected refused (%s), got %s", sva_capable(&s->devs[dev]) ?
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
	stress_describe(s, "unbind d%d pasid %u (p%u)", h->dev, h->pasid, h->slot);
	ret = machine_unbind(s->m, h->h, why, sizeof(why));
	stress_log_op(s, ret ? why : "ok");
	mix(s, (uint64_t)ret);
	if (ret)
		stress_violation(s, "expected success, got %s", why);
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
		stress_describe(s, "dma %s d%d %s copy 0x%" PRIx64 " -> 0x%" PRIx64 " 0x%" PRIx64, how,
			 op->dev, target, op->addr, op->addr2, op->len);
	else
		stress_describe(s, "dma %s d%d %s %s 0x%" PRIx64 " 0x%" PRIx64 " 0x%02x", how, op->dev,
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
		stress_log_op(s, why);
		stress_violation(s, "the DMA did not complete: %s", why);
		return ret == -ETIMEDOUT ? ret : 0;
	}
	got = (struct outcome){ res.outcome, res.addr };
	s->st.dma_ok += got.out == SCN_OUT_OK;
	s->st.dma_fault += got.out == SCN_OUT_FAULT;
	s->st.dma_mismatch += got.out == SCN_OUT_MISMATCH;
	stress_judge(s, &want, &got);
	if (p && got.out == SCN_OUT_OK && want.out == SCN_OUT_OK) {
		check_ptes(s, p, op.addr, op.len, op.kind == SCN_DMA_FILL);
		if (op.kind == SCN_DMA_COPY)
			check_ptes(s, p, op.addr2, op.len, true);
	}
	/* A DMA that reached nothing must have written nothing, in any process. */
	if (!p && op.kind != SCN_DMA_CHECK) {
		uint64_t at = op.kind == SCN_DMA_COPY ? op.addr2 : op.addr;

		stress_verify_range(s, at, at + op.len);
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

/* ---- Drawing an operation ---------------------------------------------------------------- */

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

int stress_step(struct stress *s)
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
