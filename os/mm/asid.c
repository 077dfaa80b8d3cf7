// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 ASID allocator (see os/mm/asid.h), after the algorithm of
 * arch/arm64/mm/context.c.
 *
 * A context id is generation | ASID: the generation counts up in the bits
 * above asid_bits. An id is valid only while its generation is current, and
 * then its ASID is set in the bitmap of ASIDs in use. When the bitmap is
 * full the generation rolls over: the bitmap restarts from the pinned map,
 * each CPU's running ASID becomes its "reserved" ASID (kept by the context
 * that holds it, which picks it up again under the new generation), and
 * every CPU is told to flush its TLB before it next switches, since stale
 * entries of ASIDs about to be reused may still be there.
 *
 * Concurrency, as in Linux: a switch to a context whose generation is
 * current takes no lock, only a compare-and-swap on the CPU's active ASID.
 * A rollover zeroes every active ASID with an exchange under the lock, so a
 * racing fast path either lands before the exchange (and is reserved) or
 * sees zero and takes the lock, which orders it after the rollover. Both are
 * read-modify-writes of one location, hence totally ordered: relaxed atomics
 * suffice. Everything else (bitmaps, reserved ASIDs, flush flags, pin counts)
 * is under the lock.
 *
 * Not modelled: KPTI, which halves the ASID space into user/kernel pairs.
 * Every ASID but 0 is available to contexts.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "arch/bitfield.h"
#include "hw/cpu.h"
#include "os/mm/asid.h"
#include "os/printk.h"

#define ASID_BUG(fmt, ...)							\
	do {									\
		pr_crit("BUG: %s: " fmt, __func__, ##__VA_ARGS__);	\
		abort();							\
	} while (0)

/* One CPU's view; padded so CPUs' fast paths do not share a line. */
struct asid_cpu {
	_Alignas(64) uint64_t active;	/* id running now, 0 after a rollover (atomic) */
	uint64_t reserved;		/* id kept over the last rollover (lock) */
	bool flush_pending;		/* TLBI ALL at the next switch (lock) */
};

struct asid_allocator {
	uint64_t generation;		/* current generation << asid_bits (atomic) */
	unsigned int bits;
	uint64_t asid_mask;		/* the ASID field of an id */
	uint64_t gen_mask;		/* the generation field, above it */
	uint32_t nr_asids;
	unsigned int nr_cpus;
	struct cpu_cluster *cl;

	pthread_mutex_t lock;
	uint64_t *map;			/* ASIDs in use this generation (lock) */
	uint64_t *pinned_map;		/* copied into map at each rollover (lock) */
	uint32_t cur_idx;		/* where the next search starts (lock) */
	unsigned int nr_pinned, max_pinned;
	uint64_t rollovers, tlb_flushes;

	struct asid_cpu *cpus;
};

/* ---- Bitmaps ----------------------------------------------------------- */

static bool test_and_set(uint64_t *map, uint32_t bit)
{
	uint64_t m = BIT_ULL(bit % 64);
	bool was = map[bit / 64] & m;

	map[bit / 64] |= m;
	return was;
}

static void clear_bit(uint64_t *map, uint32_t bit)
{
	map[bit / 64] &= ~BIT_ULL(bit % 64);
}

/* First clear bit in [from, n), or n. */
static uint32_t find_next_zero(const uint64_t *map, uint32_t n, uint32_t from)
{
	uint32_t i;

	for (i = from; i < n; i++) {
		uint64_t w = ~map[i / 64] >> (i % 64);

		if (!w) {
			i |= 63;	/* the rest of this word is full */
			continue;
		}
		i += (uint32_t)__builtin_ctzll(w);
		return i < n ? i : n;
	}
	return n;
}

static size_t map_words(const struct asid_allocator *a)
{
	return (a->nr_asids + 63) / 64;
}

/* ---- Ids ---------------------------------------------------------------- */

static uint64_t id_asid(const struct asid_allocator *a, uint64_t id)
{
	return FIELD_GET(a->asid_mask, id);
}

static uint64_t current_generation(const struct asid_allocator *a)
{
	return __atomic_load_n(&a->generation, __ATOMIC_RELAXED);
}

static bool generation_match(const struct asid_allocator *a, uint64_t id)
{
	return !((id ^ current_generation(a)) & a->gen_mask);
}

static uint64_t ctx_id(const struct asid_context *ctx)
{
	return __atomic_load_n(&ctx->id, __ATOMIC_RELAXED);
}

/* ---- The slow path (under a->lock) ------------------------------------- */

/*
 * Start a new generation. A CPU whose active id is already 0 went through a
 * rollover without switching since: what it runs is only known from its
 * reserved id, which must be kept.
 */
static void flush_context(struct asid_allocator *a)
{
	unsigned int i;

	for (i = 0; i < map_words(a); i++)
		a->map[i] = a->pinned_map[i];
	for (i = 0; i < a->nr_cpus; i++) {
		struct asid_cpu *c = &a->cpus[i];
		uint64_t id = __atomic_exchange_n(&c->active, 0, __ATOMIC_RELAXED);

		if (!id)
			id = c->reserved;
		test_and_set(a->map, (uint32_t)id_asid(a, id));
		c->reserved = id;
		c->flush_pending = true;
	}
	a->rollovers++;
}

/*
 * If @id is reserved by some CPU, move the reservation(s) to @newid (the
 * same ASID in the current generation). Several CPUs may hold the same one.
 */
static bool update_reserved(struct asid_allocator *a, uint64_t id, uint64_t newid)
{
	bool hit = false;
	unsigned int i;

	for (i = 0; i < a->nr_cpus; i++) {
		if (a->cpus[i].reserved == id) {
			a->cpus[i].reserved = newid;
			hit = true;
		}
	}
	return hit;
}

/* A current-generation id for @ctx, whose id is stale or 0. */
static uint64_t new_context(struct asid_allocator *a, struct asid_context *ctx)
{
	uint64_t id = ctx_id(ctx), gen = current_generation(a);
	uint32_t asid;

	if (id) {
		uint64_t newid = gen | FIELD_PREP(a->asid_mask, id_asid(a, id));

		/* It was running during the rollover: it kept its ASID. */
		if (update_reserved(a, id, newid))
			return newid;
		/* Pinned ASIDs are in every generation's map already. */
		if (ctx->pinned)
			return newid;
		/* Still free in this generation: keep the same number. */
		if (!test_and_set(a->map, (uint32_t)id_asid(a, id)))
			return newid;
	}
	asid = find_next_zero(a->map, a->nr_asids, a->cur_idx);
	if (asid == a->nr_asids) {
		gen = __atomic_add_fetch(&a->generation, FIELD_PREP(a->gen_mask, 1),
					 __ATOMIC_RELAXED);
		flush_context(a);
		/* max_pinned leaves a free ASID beyond the CPUs' reserved ones. */
		asid = find_next_zero(a->map, a->nr_asids, 1);
		if (asid == a->nr_asids)
			ASID_BUG("no ASID free after a rollover");
	}
	test_and_set(a->map, asid);
	a->cur_idx = asid;
	return gen | FIELD_PREP(a->asid_mask, asid);
}

static void flush_tlb_if_pending(struct asid_allocator *a, unsigned int cpu)
{
	if (!a->cpus[cpu].flush_pending)
		return;
	a->cpus[cpu].flush_pending = false;
	a->tlb_flushes++;
	/* The kernel executing TLBI VMALLE1 on this CPU (local: no IS). */
	cpu_tlbi(cpu_get(a->cl, cpu), &(struct dvm_tlbi){ .op = DVM_TLBI_ALL }, false);
}

static uint64_t switch_slow(struct asid_allocator *a, struct asid_context *ctx,
			    unsigned int cpu)
{
	uint64_t id;

	pthread_mutex_lock(&a->lock);
	id = ctx_id(ctx);
	if (!generation_match(a, id)) {
		id = new_context(a, ctx);
		__atomic_store_n(&ctx->id, id, __ATOMIC_RELAXED);
	}
	flush_tlb_if_pending(a, cpu);
	__atomic_store_n(&a->cpus[cpu].active, id, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&a->lock);
	return id;
}

uint16_t asid_switch(struct asid_allocator *a, struct asid_context *ctx, unsigned int cpu)
{
	uint64_t id = ctx_id(ctx), old;

	if (cpu >= a->nr_cpus)
		ASID_BUG("CPU %u of %u", cpu, a->nr_cpus);
	/*
	 * Fast path: a current id, and no rollover has zeroed our active id
	 * since we read it (the compare-and-swap fails if one has).
	 */
	old = __atomic_load_n(&a->cpus[cpu].active, __ATOMIC_RELAXED);
	if (old && generation_match(a, id) &&
	    __atomic_compare_exchange_n(&a->cpus[cpu].active, &old, id, false,
					__ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return (uint16_t)id_asid(a, id);
	return (uint16_t)id_asid(a, switch_slow(a, ctx, cpu));
}

/* ---- Pinning ----------------------------------------------------------- */

uint16_t mm_context_get(struct asid_allocator *a, struct asid_context *ctx)
{
	uint64_t id;

	pthread_mutex_lock(&a->lock);
	id = ctx_id(ctx);
	if (ctx->pinned) {
		ctx->pinned++;
		goto out_unlock;
	}
	if (a->nr_pinned >= a->max_pinned) {
		id = 0;
		goto out_unlock;
	}
	/* Stale since a rollover (or never allocated): revalidate first. */
	if (!generation_match(a, id)) {
		id = new_context(a, ctx);
		__atomic_store_n(&ctx->id, id, __ATOMIC_RELAXED);
	}
	test_and_set(a->pinned_map, (uint32_t)id_asid(a, id));
	a->nr_pinned++;
	ctx->pinned = 1;
out_unlock:
	pthread_mutex_unlock(&a->lock);
	return (uint16_t)id_asid(a, id);
}

/* Under a->lock. */
static void unpin(struct asid_allocator *a, struct asid_context *ctx)
{
	/* The ASID stays in this generation's map until the next rollover. */
	clear_bit(a->pinned_map, (uint32_t)id_asid(a, ctx_id(ctx)));
	a->nr_pinned--;
	ctx->pinned = 0;
}

void mm_context_put(struct asid_allocator *a, struct asid_context *ctx)
{
	pthread_mutex_lock(&a->lock);
	if (!ctx->pinned)
		ASID_BUG("context 0x%" PRIx64 " is not pinned", ctx_id(ctx));
	if (ctx->pinned == 1)
		unpin(a, ctx);
	else
		ctx->pinned--;
	pthread_mutex_unlock(&a->lock);
}

void asid_context_release(struct asid_allocator *a, struct asid_context *ctx)
{
	pthread_mutex_lock(&a->lock);
	if (ctx->pinned) {
		/* A binding outlived its mm: report it, but do not leak the pin. */
		pr_crit("%s: context 0x%" PRIx64 " still pinned %u time(s)",
			__func__, ctx_id(ctx), ctx->pinned);
		unpin(a, ctx);
	}
	__atomic_store_n(&ctx->id, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&a->lock);
}

uint16_t asid_of(const struct asid_allocator *a, const struct asid_context *ctx)
{
	return (uint16_t)id_asid(a, ctx_id(ctx));
}

void asid_context_state(struct asid_allocator *a, const struct asid_context *ctx,
			struct asid_context_state *st)
{
	uint64_t id;

	pthread_mutex_lock(&a->lock);
	id = ctx_id(ctx);
	st->asid = (uint16_t)id_asid(a, id);
	st->current = id && !((id ^ current_generation(a)) & a->gen_mask);
	st->pinned = ctx->pinned;
	pthread_mutex_unlock(&a->lock);
}

/* ---- The allocator ----------------------------------------------------- */

void asid_get_stats(struct asid_allocator *a, struct asid_stats *st)
{
	pthread_mutex_lock(&a->lock);
	st->generation = FIELD_GET(a->gen_mask, current_generation(a));
	st->rollovers = a->rollovers;
	st->nr_pinned = a->nr_pinned;
	st->max_pinned = a->max_pinned;
	st->asid_bits = a->bits;
	st->tlb_flushes = a->tlb_flushes;
	pthread_mutex_unlock(&a->lock);
}

struct asid_allocator *asid_allocator_create(unsigned int asid_bits, struct cpu_cluster *cl)
{
	struct asid_allocator *a;
	unsigned int nr_cpus, i;

	if ((asid_bits != 8 && asid_bits != 16) || !cl)
		return NULL;
	nr_cpus = cpu_cluster_nr(cl);
	/* A rollover must leave a free ASID beyond ASID 0 and one per CPU. */
	if (!nr_cpus || nr_cpus + 2 >= (1u << asid_bits))
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->bits = asid_bits;
	a->asid_mask = GENMASK_ULL(asid_bits - 1, 0);
	a->gen_mask = GENMASK_ULL(63, asid_bits);
	a->nr_asids = 1u << asid_bits;
	a->nr_cpus = nr_cpus;
	a->cl = cl;
	a->generation = FIELD_PREP(a->gen_mask, 1);
	a->cur_idx = 1;		/* ASID 0 is never handed out */
	/*
	 * Linux (asids_update_limit): after a rollover with every CPU holding a
	 * reserved ASID and max_pinned pinned, one slot must still be free,
	 * and ASID 0 is reserved: hence the 2.
	 */
	a->max_pinned = a->nr_asids - nr_cpus - 2;
	a->map = calloc(map_words(a), sizeof(uint64_t));
	if (!a->map)
		goto err_free_a;
	a->pinned_map = calloc(map_words(a), sizeof(uint64_t));
	if (!a->pinned_map)
		goto err_free_map;
	a->cpus = aligned_alloc(_Alignof(struct asid_cpu), nr_cpus * sizeof(*a->cpus));
	if (!a->cpus)
		goto err_free_pinned;
	for (i = 0; i < nr_cpus; i++)
		a->cpus[i] = (struct asid_cpu){ 0 };
	pthread_mutex_init(&a->lock, NULL);
	return a;

err_free_pinned:
	free(a->pinned_map);
err_free_map:
	free(a->map);
err_free_a:
	free(a);
	return NULL;
}

void asid_allocator_destroy(struct asid_allocator *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->lock);
	free(a->cpus);
	free(a->pinned_map);
	free(a->map);
	free(a);
}
