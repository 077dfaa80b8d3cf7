// SPDX-License-Identifier: GPL-2.0
/* hw/pcie/atc: S-bit sizes, fills, lookups, invalidations, and the grace guarantee. */
#include <errno.h>
#include <sched.h>

#include "arch/pcie.h"
#include "hw/mem.h"
#include "hw/pcie/atc.h"
#include "tests/harness.h"
#include "tests/unit/fake_upstream.h"

#define SZ_4K	0x1000ULL
#define SZ_2M	0x200000ULL

/* A completion entry granting @perm bits (PCIE_ATS_CPL_R/W/...) for 2^shift at pa. */
static uint64_t cpl(uint64_t pa, unsigned int shift, uint64_t perm)
{
	return pcie_s_encode(pa, shift) | perm;
}

TEST(s_bit_golden_vectors)
{
	/* S = 0: 4K, the address as is. */
	EXPECT_EQ(pcie_s_encode(0x12345000, 12), 0x12345000);
	EXPECT_EQ(pcie_s_shift(0x12345000), 12);
	/* 8K: S set, bit 12 clear. */
	EXPECT_EQ(pcie_s_encode(0x2000, 13), 0x2000 | PCIE_ATS_CPL_S);
	/* 16K at 0x4000: bit 12 set, bit 13 clear. */
	EXPECT_EQ(pcie_s_encode(0x4000, 14), 0x5800);
	EXPECT_EQ(pcie_s_shift(0x5800), 14);
	EXPECT_EQ(pcie_s_base(0x5800), 0x4000);
	/* 2M at 0x40200000: bits 12..19 set, bit 20 clear. */
	EXPECT_EQ(pcie_s_encode(0x40200000, 21), 0x402ff800);
	EXPECT_EQ(pcie_s_shift(0x402ff800), 21);
	EXPECT_EQ(pcie_s_base(0x402ff800), 0x40200000);
	/* Everything: bits 12..62 set. */
	EXPECT_EQ(pcie_s_shift(pcie_s_encode(0, 64)), 64);
	EXPECT_EQ(pcie_s_base(pcie_s_encode(0, 64)), 0);
}

TEST(s_bit_round_trip_all_sizes)
{
	unsigned int shift;

	for (shift = 12; shift < 64; shift++) {
		uint64_t base = 0xfedcba9876543000ULL & ~((1ULL << shift) - 1);
		uint64_t f = pcie_s_encode(base, shift);

		ASSERT_EQ(pcie_s_shift(f), shift);
		ASSERT_EQ(pcie_s_base(f), base);
		/* Flags below bit 11 never disturb the decode. */
		ASSERT_EQ(pcie_s_shift(f | 0x7ff), shift);
	}
}

TEST(fill_and_lookup_tags)
{
	struct atc atc;
	struct atc_hit hit;
	struct atc_key k = { .pv = true, .pasid = 5, .addr = 0x10000123 };
	struct atc_key other;
	grace_token_t tok;

	ASSERT_EQ(atc_init(&atc, 8), 0);
	tok = atc_read_lock(&atc);
	EXPECT_FALSE(atc_lookup(&atc, &k, &hit));
	atc_read_unlock(&atc, tok);

	ASSERT_EQ(atc_fill(&atc, &k, cpl(0x80042000, 12, PCIE_ATS_CPL_R), atc_generation(&atc)), 0);
	tok = atc_read_lock(&atc);
	ASSERT_TRUE(atc_lookup(&atc, &k, &hit));
	EXPECT_EQ(hit.pa, 0x80042123);
	EXPECT_TRUE(hit.r);
	EXPECT_FALSE(hit.w);
	EXPECT_FALSE(hit.untranslated_only);
	/* Another PASID, no PASID, privileged: all misses. */
	other = k;
	other.pasid = 6;
	EXPECT_FALSE(atc_lookup(&atc, &other, &hit));
	other = k;
	other.pv = false;
	EXPECT_FALSE(atc_lookup(&atc, &other, &hit));
	other = k;
	other.priv = true;
	EXPECT_FALSE(atc_lookup(&atc, &other, &hit));
	/* Next page: miss. */
	other = k;
	other.addr += SZ_4K;
	EXPECT_FALSE(atc_lookup(&atc, &other, &hit));
	atc_read_unlock(&atc, tok);

	/* A refill of the same page replaces the entry (permission upgrade). */
	ASSERT_EQ(atc_fill(&atc, &k, cpl(0x80042000, 12, PCIE_ATS_CPL_R | PCIE_ATS_CPL_W),
			   atc_generation(&atc)), 0);
	tok = atc_read_lock(&atc);
	ASSERT_TRUE(atc_lookup(&atc, &k, &hit));
	EXPECT_TRUE(hit.w);
	atc_read_unlock(&atc, tok);
	atc_fini(&atc);
}

TEST(large_and_global_entries)
{
	struct atc atc;
	struct atc_hit hit;
	struct atc_key k = { .pv = true, .pasid = 1, .addr = 0x40200000 };
	grace_token_t tok;

	ASSERT_EQ(atc_init(&atc, 8), 0);
	/* A 2M completion: any address in the block hits, at the right offset. */
	ASSERT_EQ(atc_fill(&atc, &k, cpl(0x90000000, 21, PCIE_ATS_CPL_R | PCIE_ATS_CPL_W |
					     PCIE_ATS_CPL_U),
			   atc_generation(&atc)), 0);
	k.addr = 0x403fffff;
	tok = atc_read_lock(&atc);
	ASSERT_TRUE(atc_lookup(&atc, &k, &hit));
	EXPECT_EQ(hit.pa, 0x901fffff);
	EXPECT_EQ(hit.shift, 21);
	EXPECT_TRUE(hit.untranslated_only);
	k.addr = 0x40400000;
	EXPECT_FALSE(atc_lookup(&atc, &k, &hit));
	atc_read_unlock(&atc, tok);

	/* A Global entry serves every PASID, but not PASID-less requests. */
	k = (struct atc_key){ .pv = true, .pasid = 9, .addr = 0x7000 };
	ASSERT_EQ(atc_fill(&atc, &k, cpl(0x81000000, 12, PCIE_ATS_CPL_R | PCIE_ATS_CPL_GLOBAL),
			   atc_generation(&atc)), 0);
	k.pasid = 77;
	tok = atc_read_lock(&atc);
	EXPECT_TRUE(atc_lookup(&atc, &k, &hit));
	k.pv = false;
	EXPECT_FALSE(atc_lookup(&atc, &k, &hit));
	atc_read_unlock(&atc, tok);

	/* Global on a PASID-less completion means nothing: the entry still serves it. */
	k = (struct atc_key){ .pv = false, .addr = 0x9000 };
	ASSERT_EQ(atc_fill(&atc, &k, cpl(0x82000000, 12, PCIE_ATS_CPL_R | PCIE_ATS_CPL_GLOBAL),
			   atc_generation(&atc)), 0);
	tok = atc_read_lock(&atc);
	EXPECT_TRUE(atc_lookup(&atc, &k, &hit));
	k.pv = true;
	EXPECT_FALSE(atc_lookup(&atc, &k, &hit));
	atc_read_unlock(&atc, tok);
	atc_fini(&atc);
}

TEST(fault_completion_not_cached_and_stale_fill_refused)
{
	struct atc atc;
	struct atc_key k = { .addr = 0x5000 };
	struct atc_inv inv = { .base = 0, .shift = 64 };
	struct atc_stats st;
	uint64_t gen;

	ASSERT_EQ(atc_init(&atc, 4), 0);
	EXPECT_EQ(atc_fill(&atc, &k, cpl(0x80000000, 12, 0), atc_generation(&atc)), -EINVAL);
	gen = atc_generation(&atc);
	atc_invalidate(&atc, &inv);
	/* The request was sent before the invalidation: its result is stale. */
	EXPECT_EQ(atc_fill(&atc, &k, cpl(0x80000000, 12, PCIE_ATS_CPL_R), gen), -ESTALE);
	atc_get_stats(&atc, &st);
	EXPECT_EQ(st.fills, 0);
	EXPECT_EQ(st.stale_fills, 1);
	EXPECT_EQ(st.invalidations, 1);
	atc_fini(&atc);
}

/* Fill one 4K entry per (pasid, page); returns how many of them hit. */
static unsigned int count_hits(struct atc *atc, const struct atc_key *keys, unsigned int n)
{
	grace_token_t tok = atc_read_lock(atc);
	struct atc_hit hit;
	unsigned int i, hits = 0;

	for (i = 0; i < n; i++)
		hits += atc_lookup(atc, &keys[i], &hit);
	atc_read_unlock(atc, tok);
	return hits;
}

TEST(invalidation_scopes)
{
	struct atc atc;
	struct atc_key keys[] = {
		{ .pv = false, .addr = 0x10000 },		/* 0: no PASID */
		{ .pv = true, .pasid = 1, .addr = 0x10000 },	/* 1 */
		{ .pv = true, .pasid = 2, .addr = 0x10000 },	/* 2 */
		{ .pv = true, .pasid = 1, .addr = 0x11000 },	/* 3: next page */
		{ .pv = true, .pasid = 1, .addr = 0x200000 },	/* 4: a 2M block */
	};
	struct atc_inv inv;
	struct atc_hit hit;
	unsigned int i;
	grace_token_t tok;

	ASSERT_EQ(atc_init(&atc, 16), 0);
#define REFILL()								\
	do {									\
		for (i = 0; i < 5; i++)						\
			ASSERT_EQ(atc_fill(&atc, &keys[i],			\
					   cpl(0x80000000 + i * SZ_2M, i == 4 ? 21 : 12, \
					       PCIE_ATS_CPL_R), atc_generation(&atc)), 0); \
		ASSERT_EQ(count_hits(&atc, keys, 5), 5);			\
	} while (0)

	/* PASID 1, one 4K page: only entry 1 goes. */
	REFILL();
	atc_inv_decode(pcie_s_encode(0x10000, 12), true, 1, &inv);
	EXPECT_EQ(atc_invalidate(&atc, &inv), 1);
	tok = atc_read_lock(&atc);
	EXPECT_FALSE(atc_lookup(&atc, &keys[1], &hit));
	EXPECT_TRUE(atc_lookup(&atc, &keys[2], &hit));
	EXPECT_TRUE(atc_lookup(&atc, &keys[3], &hit));
	atc_read_unlock(&atc, tok);

	/* PASID 1, 8K at 0x10000 (S-encoded): entries 1 and 3. */
	REFILL();
	atc_inv_decode(pcie_s_encode(0x10000, 13), true, 1, &inv);
	EXPECT_EQ(inv.shift, 13);
	EXPECT_EQ(atc_invalidate(&atc, &inv), 2);
	EXPECT_EQ(count_hits(&atc, keys, 5), 3);

	/* A 4K invalidation inside the 2M block removes the block. */
	REFILL();
	atc_inv_decode(pcie_s_encode(0x3ff000, 12), true, 1, &inv);
	EXPECT_EQ(atc_invalidate(&atc, &inv), 1);
	tok = atc_read_lock(&atc);
	EXPECT_FALSE(atc_lookup(&atc, &keys[4], &hit));
	atc_read_unlock(&atc, tok);

	/* Global Invalidate with a PASID prefix: every PASID's page at 0x10000. */
	REFILL();
	atc_inv_decode(pcie_s_encode(0x10000, 12) | PCIE_ATS_INV_GLOBAL, true, 7, &inv);
	EXPECT_TRUE(inv.global);
	EXPECT_EQ(atc_invalidate(&atc, &inv), 2);
	tok = atc_read_lock(&atc);
	EXPECT_TRUE(atc_lookup(&atc, &keys[0], &hit));
	atc_read_unlock(&atc, tok);

	/* Without a PASID prefix: everything in range, Global bit ignored. */
	REFILL();
	atc_inv_decode(pcie_s_encode(0x10000, 12) | PCIE_ATS_INV_GLOBAL, false, 0, &inv);
	EXPECT_FALSE(inv.global);
	EXPECT_EQ(atc_invalidate(&atc, &inv), 3);

	/* Everything. */
	REFILL();
	atc_flush(&atc);
	EXPECT_EQ(count_hits(&atc, keys, 5), 0);
#undef REFILL
	atc_fini(&atc);
}

TEST(replacement_when_full)
{
	struct atc atc;
	struct atc_key keys[5];
	unsigned int i;

	ASSERT_EQ(atc_init(&atc, 4), 0);
	for (i = 0; i < 5; i++) {
		keys[i] = (struct atc_key){ .addr = 0x100000 + i * SZ_4K };
		ASSERT_EQ(atc_fill(&atc, &keys[i], cpl(0x80000000 + i * SZ_4K, 12, PCIE_ATS_CPL_R),
				   atc_generation(&atc)), 0);
	}
	/* Capacity 4: exactly one of the five was evicted, the newest is in. */
	EXPECT_EQ(count_hits(&atc, keys, 5), 4);
	EXPECT_EQ(count_hits(&atc, &keys[4], 1), 1);
	EXPECT_EQ(atc_init(&(struct atc){ 0 }, 0), -EINVAL);
	atc_fini(&atc);
}

/*
 * A large set-associative ATC: hundreds of pages of two PASIDs, 2M blocks
 * and a Global entry, each found at its own address (and nothing else
 * found); a PASID's invalidation removes its entries only.
 */
TEST(large_atc_finds_every_entry)
{
	enum { PAGES = 400 };
	struct atc_inv inv = { .pv = true, .pasid = 2, .base = 0, .shift = 64 };
	struct atc_key k;
	struct atc_hit hit;
	grace_token_t tok;
	struct atc atc;
	unsigned int i, p, hits = 0;

	ASSERT_EQ(atc_init(&atc, 4096), 0);
	EXPECT_EQ(atc.nr, 4096);
	for (p = 1; p <= 2; p++)
		for (i = 0; i < PAGES; i++) {
			k = (struct atc_key){ .pv = true, .pasid = p, .addr = 0x10000000 + i * SZ_4K };
			ASSERT_EQ(atc_fill(&atc, &k, cpl(0x80000000 + (p * PAGES + i) * SZ_4K, 12,
							 PCIE_ATS_CPL_R), atc_generation(&atc)), 0);
		}
	k = (struct atc_key){ .pv = true, .pasid = 1, .addr = 0x40000000 };
	ASSERT_EQ(atc_fill(&atc, &k, cpl(0xa0000000, 21, PCIE_ATS_CPL_R), atc_generation(&atc)), 0);
	k = (struct atc_key){ .pv = true, .pasid = 9, .addr = 0x50000000 };
	ASSERT_EQ(atc_fill(&atc, &k, cpl(0xb0000000, 12, PCIE_ATS_CPL_R | PCIE_ATS_CPL_GLOBAL),
			   atc_generation(&atc)), 0);

	tok = atc_read_lock(&atc);
	for (p = 1; p <= 2; p++)
		for (i = 0; i < PAGES; i++) {
			k = (struct atc_key){ .pv = true, .pasid = p, .addr = 0x10000123 + i * SZ_4K };
			if (atc_lookup(&atc, &k, &hit)) {
				hits++;
				ASSERT_EQ(hit.pa, 0x80000123 + (p * PAGES + i) * SZ_4K);
			}
		}
	/* 800 entries in 512 sets of 8: nothing was evicted. */
	EXPECT_EQ(hits, 2 * PAGES);
	k = (struct atc_key){ .pv = true, .pasid = 3, .addr = 0x10000000 };
	EXPECT_FALSE(atc_lookup(&atc, &k, &hit));
	k = (struct atc_key){ .pv = true, .pasid = 1, .addr = 0x401fff00 };
	ASSERT_TRUE(atc_lookup(&atc, &k, &hit));
	EXPECT_EQ(hit.pa, 0xa01fff00);
	k.pasid = 2;
	EXPECT_FALSE(atc_lookup(&atc, &k, &hit));
	k = (struct atc_key){ .pv = true, .pasid = 1234, .addr = 0x50000010 };
	ASSERT_TRUE(atc_lookup(&atc, &k, &hit));
	EXPECT_EQ(hit.pa, 0xb0000010);
	atc_read_unlock(&atc, tok);

	EXPECT_EQ(atc_invalidate(&atc, &inv), PAGES + 1);	/* PASID 2's pages and the Global one */
	tok = atc_read_lock(&atc);
	k = (struct atc_key){ .pv = true, .pasid = 1, .addr = 0x10000000 + 7 * SZ_4K };
	EXPECT_TRUE(atc_lookup(&atc, &k, &hit));
	k.pasid = 2;
	EXPECT_FALSE(atc_lookup(&atc, &k, &hit));
	atc_read_unlock(&atc, tok);
	atc_fini(&atc);
}

/*
 * The completion guarantee, threaded: device threads write through the
 * ATC continuously while the "SMMU" remaps the page to a new frame and
 * sends an invalidation. As soon as the invalidation returns, the old
 * frame is filled with a sentinel; no device write may ever land on it
 * afterwards (checked before the frame is reused).
 */
#define NR_FRAMES	4
#define NR_WORKERS	2
#define NR_ROUNDS	400
#define VA		0x40000000ULL
#define PASID		3

struct inv_race {
	struct phys_mem mem;
	struct fake_up fu;
	struct ep *ep;
	uint64_t frames[NR_FRAMES];
	int stop;
	unsigned long accesses;
	int bad;
};

static void *race_worker(void *arg)
{
	struct inv_race *r = arg;
	struct ep_access a = { .pv = true, .pasid = PASID, .addr = VA,
			       .acc = WALK_ACC_WRITE };
	struct ep_xlate xl;

	while (!__atomic_load_n(&r->stop, __ATOMIC_SEQ_CST)) {
		if (ep_translate(r->ep, &a, &xl)) {
			__atomic_store_n(&r->bad, 1, __ATOMIC_SEQ_CST);
			break;
		}
		bus_fill(ep_bus(r->ep), xl.pa, 0x11, 256);
		ep_access_end(r->ep, &xl);
		__atomic_fetch_add(&r->accesses, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Wait (bounded, no timing assumed) until the workers did @n more accesses. */
static void wait_for_accesses(struct inv_race *r, unsigned long n)
{
	unsigned long start = __atomic_load_n(&r->accesses, __ATOMIC_RELAXED);
	unsigned int spins;

	for (spins = 0; spins < 1000000; spins++) {
		if (__atomic_load_n(&r->accesses, __ATOMIC_RELAXED) - start >= n ||
		    __atomic_load_n(&r->bad, __ATOMIC_RELAXED))
			return;
		sched_yield();
	}
}

static bool frame_is(struct phys_mem *mem, uint64_t pa, uint8_t byte)
{
	uint8_t buf[256];
	unsigned int i;

	phys_mem_read(mem, pa, buf, sizeof(buf));
	for (i = 0; i < sizeof(buf); i++)
		if (buf[i] != byte)
			return false;
	return true;
}

TEST(invalidation_completes_after_accesses_threaded)
{
	static struct inv_race r;
	struct smmu_atc_inv inv = { .ssv = true, .ssid = PASID, .addr = VA, .size = 0 };
	struct ep_config cfg;
	struct ep_upstream up;
	pthread_t th[NR_WORKERS];
	struct ep_stats st;
	unsigned int i, cur = 0;

	ASSERT_EQ(phys_mem_init(&r.mem, PHYS_MEM_DEFAULT_BASE, 16ULL << 20), 0);
	fake_init(&r.fu);
	for (i = 0; i < NR_FRAMES; i++)
		r.frames[i] = PHYS_MEM_DEFAULT_BASE + 0x100000 + i * SZ_4K;
	ep_config_default(&cfg, 1);
	up = fake_upstream(&r.fu);
	r.ep = ep_create(&cfg, &r.mem.bus, &up);
	ASSERT_TRUE(r.ep != NULL);
	fake_enable_all(r.ep, 8);
	fake_map(&r.fu, true, PASID, VA, r.frames[0], WALK_PERM_R | WALK_PERM_W, 12);
	for (i = 0; i < NR_WORKERS; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, race_worker, &r), 0);

	for (i = 0; i < NR_ROUNDS && !r.bad; i++) {
		unsigned int next = (cur + 1) % NR_FRAMES;
		uint64_t old = r.frames[cur];

		/* The frame about to be reused must still hold its sentinel. */
		if (i >= NR_FRAMES - 1 && !frame_is(&r.mem, r.frames[next], 0xee)) {
			TH_LOG("round %u: frame %u written after its invalidation", i, next);
			r.bad = 2;
			break;
		}
		/* Let the devices use the current translation for a while. */
		wait_for_accesses(&r, 3);
		fake_map(&r.fu, true, PASID, VA, r.frames[next], WALK_PERM_R | WALK_PERM_W, 12);
		ASSERT_EQ(ep_atc_invalidate(r.ep, &inv), 0);
		phys_mem_fill(&r.mem, old, 0xee, SZ_4K);
		cur = next;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < NR_WORKERS; i++)
		pthread_join(th[i], NULL);
	EXPECT_EQ(r.bad, 0);
	/* All but the current frame still carry the sentinel. */
	for (i = 0; i < NR_FRAMES; i++)
		if (i != cur)
			EXPECT_TRUE(frame_is(&r.mem, r.frames[i], 0xee));
	ep_get_stats(r.ep, &st);
	TH_LOG("%lu accesses, %" PRIu64 " ATC hits, %" PRIu64 " ATS requests",
	       r.accesses, st.atc_hits, st.ats_requests);
	EXPECT_GT(st.atc_hits, 0);
	EXPECT_EQ(st.atc_invalidations, NR_ROUNDS);
	EXPECT_EQ(__atomic_load_n(&r.fu.open_sections, __ATOMIC_SEQ_CST), 0);
	ep_destroy(r.ep);
	fake_fini(&r.fu);
	phys_mem_fini(&r.mem);
}
