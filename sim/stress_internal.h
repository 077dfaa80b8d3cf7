/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stress oracle's insides, shared by its files: stress.c (reporting,
 * the machine, verification, the run) and stress_ops.c (the shadow model,
 * the operations and their follow-ups). See stress.c for how the oracle
 * works.
 */
#ifndef SIM_STRESS_INTERNAL_H
#define SIM_STRESS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

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
	unsigned long rollovers_before;	/* ASID rollovers of machines before this one */
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
static inline uint64_t rnd(struct stress *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rnd_below(struct stress *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

static inline void mix(struct stress *s, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		s->st.digest ^= (v >> (8 * i)) & 0xff;
		s->st.digest *= 0x100000001b3ULL;
	}
}

/* ---- The shadow: what every process maps ---------------------------------------- */

static inline uint64_t window_size(const struct stress *s)
{
	return STRESS_PAGES * s->page;
}

/* May @p's CPU or a device bound to it access @va for @write? */
static inline bool page_ok(const struct stress *s, const struct sproc *p, uint64_t va, bool write)
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

static inline uint8_t *shadow_at(const struct sproc *p, uint64_t va)
{
	return p->bytes + (va - STRESS_BASE);
}

/* stress.c */
void stress_violation(struct stress *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void stress_describe(struct stress *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void stress_log_op(struct stress *s, const char *result);
void stress_judge(struct stress *s, const struct outcome *want, const struct outcome *got);
void stress_shadow_clear(struct stress *s, struct sproc *p);
int stress_spawn_slot(struct stress *s, unsigned int slot, char *why, size_t whylen);
int stress_maybe_restart(struct stress *s);
void stress_verify_range(struct stress *s, uint64_t lo, uint64_t hi);

/* stress_ops.c: one operation, drawn by weight among those that apply now. */
int stress_step(struct stress *s);

#endif /* SIM_STRESS_INTERNAL_H */
