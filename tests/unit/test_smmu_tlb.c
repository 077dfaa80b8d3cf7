// SPDX-License-Identifier: GPL-2.0
/* hw/smmu/tlb: tags, eviction, every invalidation scope, lock-free lookups. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>

#include "hw/smmu/tlb.h"
#include "hw/walk.h"
#include "tests/harness.h"

#define RW	(WALK_PERM_R | WALK_PERM_W)

static struct smmu_tlb_entry mk(uint64_t va, unsigned int shift, uint16_t asid, uint16_t vmid)
{
	struct smmu_tlb_entry e = {
		.va = va & ~((1ULL << shift) - 1),
		.oa = 0x80000000ULL + ((va & ~((1ULL << shift) - 1)) & 0x3fffffffULL),
		.asid = asid, .vmid = vmid, .leaf_shift = (uint8_t)shift,
		.level = shift == 12 ? 3 : shift == 21 ? 2 : 1,
		.perm_el0 = RW, .perm_el1 = RW,
	};
	return e;
}

static bool hit(struct smmu_tlb *tlb, uint64_t va, uint16_t asid, uint16_t vmid, uint8_t regime)
{
	struct smmu_tlb_key k = { .va = va, .asid = asid, .vmid = vmid, .regime = regime };
	struct smmu_tlb_entry e;

	return smmu_tlb_lookup(tlb, &k, &e);
}

static void ins(struct smmu_tlb *tlb, struct smmu_tlb_entry e)
{
	ASSERT_EQ(smmu_tlb_insert(tlb, &e, smmu_tlb_gen(tlb)), 0);
}

TEST(lookup_tags)
{
	struct smmu_tlb *tlb = smmu_tlb_create(256, 4);
	struct smmu_tlb_key k = { .va = 0x400123, .asid = 5, .vmid = 0 };
	struct smmu_tlb_entry e = mk(0x400000, 12, 5, 0), out;

	ASSERT_TRUE(tlb != NULL);
	EXPECT_FALSE(smmu_tlb_lookup(tlb, &k, &out));
	e.writable_clean = true;
	e.aset = true;
	e.perm_el0 = WALK_PERM_R;
	e.attr_idx = 4;
	e.sh = 3;
	ins(tlb, e);
	ASSERT_TRUE(smmu_tlb_lookup(tlb, &k, &out));
	EXPECT_EQ(out.va, 0x400000);
	EXPECT_EQ(out.oa, e.oa);
	EXPECT_EQ(out.perm_el0, WALK_PERM_R);
	EXPECT_EQ(out.perm_el1, RW);
	EXPECT_TRUE(out.writable_clean);
	EXPECT_TRUE(out.aset);
	EXPECT_EQ(out.attr_idx, 4);
	EXPECT_EQ(out.sh, 3);
	EXPECT_EQ(out.level, 3);
	EXPECT_FALSE(hit(tlb, 0x400123, 6, 0, SMMU_TLB_EL1));	/* other ASID */
	EXPECT_FALSE(hit(tlb, 0x400123, 5, 1, SMMU_TLB_EL1));	/* other VMID */
	EXPECT_FALSE(hit(tlb, 0x400123, 5, 0, SMMU_TLB_EL2));	/* other regime */
	EXPECT_FALSE(hit(tlb, 0x401000, 5, 0, SMMU_TLB_EL1));	/* next page */

	/* Global entries match every ASID; EL2 entries ignore the VMID. */
	e = mk(0x800000, 12, 0, 0);
	e.global = true;
	ins(tlb, e);
	EXPECT_TRUE(hit(tlb, 0x800fff, 77, 0, SMMU_TLB_EL1));
	e = mk(0xa00000, 12, 9, 0);
	e.regime = SMMU_TLB_EL2;
	ins(tlb, e);
	EXPECT_TRUE(hit(tlb, 0xa00000, 9, 3, SMMU_TLB_EL2));
	EXPECT_FALSE(hit(tlb, 0xa00000, 8, 3, SMMU_TLB_EL2));
	EXPECT_EQ(smmu_tlb_count(tlb), 3);
	smmu_tlb_destroy(tlb);
}

/*
 * §3.17.1: a global entry matches lookups through contexts of its own ASET
 * only; a non-global one matches on ASID whatever the ASET.
 */
TEST(global_entries_match_their_aset_only)
{
	struct smmu_tlb *tlb = smmu_tlb_create(256, 4);
	struct smmu_tlb_key k = { .va = 0x800123, .asid = 3 };
	struct smmu_tlb_entry g = mk(0x800000, 12, 0, 0), out;

	ASSERT_TRUE(tlb != NULL);
	g.global = true;
	g.aset = true;
	ins(tlb, g);
	EXPECT_FALSE(smmu_tlb_lookup(tlb, &k, &out));
	k.aset = true;
	ASSERT_TRUE(smmu_tlb_lookup(tlb, &k, &out));
	EXPECT_EQ(out.oa, g.oa);
	/* The ASET = 0 global translation of the same page is another entry. */
	g.aset = false;
	g.oa = 0x90000000ULL;
	ins(tlb, g);
	EXPECT_EQ(smmu_tlb_count(tlb), 2);
	k.aset = false;
	ASSERT_TRUE(smmu_tlb_lookup(tlb, &k, &out));
	EXPECT_EQ(out.oa, 0x90000000ULL);
	/* Non-global: ASET plays no part in the match. */
	g = mk(0x900000, 12, 3, 0);
	g.aset = true;
	ins(tlb, g);
	k.va = 0x900000;
	EXPECT_TRUE(smmu_tlb_lookup(tlb, &k, &out));
	smmu_tlb_destroy(tlb);
}

TEST(blocks_and_replacement_of_same_tag)
{
	struct smmu_tlb *tlb = smmu_tlb_create(256, 4);
	struct smmu_tlb_entry e = mk(0x40000000, 30, 1, 0), out;
	struct smmu_tlb_key k = { .va = 0x7fffffff, .asid = 1 };

	ins(tlb, e);
	ins(tlb, mk(0x200000, 21, 1, 0));
	ASSERT_TRUE(smmu_tlb_lookup(tlb, &k, &out));
	EXPECT_EQ(out.leaf_shift, 30);
	EXPECT_TRUE(hit(tlb, 0x3fffff, 1, 0, SMMU_TLB_EL1));
	EXPECT_FALSE(hit(tlb, 0x400000, 1, 0, SMMU_TLB_EL1));
	/* Same tag again replaces rather than duplicates. */
	e.oa = 0xc0000000ULL;
	ins(tlb, e);
	EXPECT_EQ(smmu_tlb_count(tlb), 2);
	ASSERT_TRUE(smmu_tlb_lookup(tlb, &k, &out));
	EXPECT_EQ(out.oa, 0xc0000000ULL);
	smmu_tlb_destroy(tlb);
}

TEST(bounded_capacity)
{
	struct smmu_tlb *tlb = smmu_tlb_create(64, 4);
	struct smmu_tlb_stats st;
	unsigned int i;

	for (i = 0; i < 1000; i++)
		ins(tlb, mk((uint64_t)i << 12, 12, 1, 0));
	EXPECT_LE(smmu_tlb_count(tlb), 64);
	EXPECT_GE(smmu_tlb_count(tlb), 32);
	/* The most recent insert is always present. */
	EXPECT_TRUE(hit(tlb, 999ULL << 12, 1, 0, SMMU_TLB_EL1));
	smmu_tlb_get_stats(tlb, &st);
	EXPECT_EQ(st.inserts, 1000);
	EXPECT_GT(st.evictions, 0);
	smmu_tlb_destroy(tlb);
	EXPECT_TRUE(smmu_tlb_create(2, 4) == NULL);
}

/* A fixed population: ASIDs 1, 2 at VMID 0; ASID 1 at VMID 1; a global page; EL2. */
static struct smmu_tlb *populate(void)
{
	struct smmu_tlb *tlb = smmu_tlb_create(512, 4);
	struct smmu_tlb_entry g = mk(0x900000, 12, 0, 0), el2 = mk(0x1000, 12, 1, 0);
	unsigned int i;

	for (i = 0; i < 8; i++) {
		ins(tlb, mk(0x100000 + i * 0x1000, 12, 1, 0));
		ins(tlb, mk(0x100000 + i * 0x1000, 12, 2, 0));
		ins(tlb, mk(0x100000 + i * 0x1000, 12, 1, 1));
	}
	g.global = true;
	ins(tlb, g);
	el2.regime = SMMU_TLB_EL2;
	ins(tlb, el2);
	return tlb;
}

TEST(invalidate_scopes)
{
	struct smmu_tlb_inv inv;
	struct smmu_tlb *tlb;

	/* NH_ALL for VMID 0: 16 entries + the global one, EL2 untouched. */
	tlb = populate();
	ASSERT_EQ(smmu_tlb_count(tlb), 26);
	inv = (struct smmu_tlb_inv){ .match = SMMU_TLBI_REGIME | SMMU_TLBI_VMID,
				     .regime = SMMU_TLB_EL1, .vmid = 0 };
	EXPECT_EQ(smmu_tlb_invalidate(tlb, &inv), 17);
	EXPECT_TRUE(hit(tlb, 0x100000, 1, 1, SMMU_TLB_EL1));
	EXPECT_TRUE(hit(tlb, 0x1000, 1, 0, SMMU_TLB_EL2));
	smmu_tlb_destroy(tlb);

	/* NH_ASID: non-global entries of ASID 1 at VMID 0 only. */
	tlb = populate();
	inv = (struct smmu_tlb_inv){ .match = SMMU_TLBI_REGIME | SMMU_TLBI_VMID |
				     SMMU_TLBI_ASID | SMMU_TLBI_KEEP_GLOBAL,
				     .regime = SMMU_TLB_EL1, .vmid = 0, .asid = 1 };
	EXPECT_EQ(smmu_tlb_invalidate(tlb, &inv), 8);
	EXPECT_FALSE(hit(tlb, 0x100000, 1, 0, SMMU_TLB_EL1));
	EXPECT_TRUE(hit(tlb, 0x100000, 2, 0, SMMU_TLB_EL1));
	EXPECT_TRUE(hit(tlb, 0x900000, 1, 0, SMMU_TLB_EL1));
	smmu_tlb_destroy(tlb);

	/* NH_VA: one address, ASID 1 (+ global entries), VMID 0. */
	tlb = populate();
	inv = (struct smmu_tlb_inv){ .match = SMMU_TLBI_REGIME | SMMU_TLBI_VMID |
				     SMMU_TLBI_ASID | SMMU_TLBI_VA,
				     .regime = SMMU_TLB_EL1, .asid = 1, .va = 0x103000 };
	EXPECT_EQ(smmu_tlb_invalidate(tlb, &inv), 1);
	EXPECT_FALSE(hit(tlb, 0x103000, 1, 0, SMMU_TLB_EL1));
	EXPECT_TRUE(hit(tlb, 0x103000, 2, 0, SMMU_TLB_EL1));
	EXPECT_TRUE(hit(tlb, 0x102000, 1, 0, SMMU_TLB_EL1));
	inv.va = 0x900abc;
	EXPECT_EQ(smmu_tlb_invalidate(tlb, &inv), 1);	/* the global page */
	smmu_tlb_destroy(tlb);

	/* NH_VAA: one address, every ASID of VMID 0. */
	tlb = populate();
	inv = (struct smmu_tlb_inv){ .match = SMMU_TLBI_REGIME | SMMU_TLBI_VMID | SMMU_TLBI_VA,
				     .regime = SMMU_TLB_EL1, .va = 0x105000 };
	EXPECT_EQ(smmu_tlb_invalidate(tlb, &inv), 2);
	EXPECT_TRUE(hit(tlb, 0x105000, 1, 1, SMMU_TLB_EL1));
	smmu_tlb_destroy(tlb);

	/* NSNH_ALL: every EL1 entry of every VMID; EL2 stays. */
	tlb = populate();
	inv = (struct smmu_tlb_inv){ .match = SMMU_TLBI_REGIME, .regime = SMMU_TLB_EL1 };
	EXPECT_EQ(smmu_tlb_invalidate(tlb, &inv), 25);
	EXPECT_EQ(smmu_tlb_count(tlb), 1);
	smmu_tlb_destroy(tlb);
}

TEST(range_invalidation)
{
	struct smmu_tlb_inv inv = { .match = SMMU_TLBI_REGIME | SMMU_TLBI_VMID |
				    SMMU_TLBI_ASID | SMMU_TLBI_VA,
				    .regime = SMMU_TLB_EL1, .asid = 1 };
	struct smmu_tlb *tlb = populate();

	/* TG=4K, NUM=2, SCALE=1: (2 + 1) * 2^1 = 6 pages from 0x101000. */
	smmu_tlb_range(&inv, 0x101000, 1, 2, 1);
	EXPECT_EQ(inv.va, 0x101000);
	EXPECT_EQ(inv.size, 6 * 0x1000);
	EXPECT_EQ(smmu_tlb_invalidate(tlb, &inv), 6);
	EXPECT_TRUE(hit(tlb, 0x100000, 1, 0, SMMU_TLB_EL1));
	EXPECT_FALSE(hit(tlb, 0x106000, 1, 0, SMMU_TLB_EL1));
	EXPECT_TRUE(hit(tlb, 0x107000, 1, 0, SMMU_TLB_EL1));
	/* 64K granule: one granule covers 16 4K pages. */
	smmu_tlb_range(&inv, 0x10f000, 3, 0, 0);
	EXPECT_EQ(inv.va, 0x100000);
	EXPECT_EQ(inv.size, 0x10000);
	/* TG=0: the single address. */
	smmu_tlb_range(&inv, 0x123456, 0, 5, 5);
	EXPECT_EQ(inv.va, 0x123456);
	EXPECT_EQ(inv.size, 0);
	/* A huge range (full scan) removes everything of ASID 2 at VMID 0. */
	inv.asid = 2;
	smmu_tlb_range(&inv, 0, 1, 31, 31);
	EXPECT_EQ(smmu_tlb_invalidate(tlb, &inv), 8 + 1);	/* + the global page */
	/* A 2M block overlapping a small range is invalidated. */
	ins(tlb, mk(0x40200000, 21, 3, 0));
	inv.asid = 3;
	smmu_tlb_range(&inv, 0x403ff000, 1, 0, 0);
	EXPECT_EQ(smmu_tlb_invalidate(tlb, &inv), 1);
	smmu_tlb_destroy(tlb);
}

TEST(broadcast_skips_aset)
{
	struct smmu_tlb *tlb = smmu_tlb_create(256, 4);
	struct smmu_tlb_entry shared = mk(0x5000, 12, 4, 0), priv = mk(0x6000, 12, 4, 0);
	struct smmu_tlb_inv inv = { .match = SMMU_TLBI_REGIME | SMMU_TLBI_VMID |
				    SMMU_TLBI_ASID | SMMU_TLBI_KEEP_GLOBAL |
				    SMMU_TLBI_SKIP_ASET, .regime = SMMU_TLB_EL1, .asid = 4 };

	priv.aset = true;
	ins(tlb, shared);
	ins(tlb, priv);
	EXPECT_EQ(smmu_tlb_invalidate(tlb, &inv), 1);
	EXPECT_FALSE(hit(tlb, 0x5000, 4, 0, SMMU_TLB_EL1));
	EXPECT_TRUE(hit(tlb, 0x6000, 4, 0, SMMU_TLB_EL1));
	/* The command (not broadcast) form does remove it. */
	inv.match &= ~SMMU_TLBI_SKIP_ASET;
	EXPECT_EQ(smmu_tlb_invalidate(tlb, &inv), 1);
	smmu_tlb_destroy(tlb);
}

TEST(fill_after_invalidation_is_refused)
{
	struct smmu_tlb *tlb = smmu_tlb_create(256, 4);
	struct smmu_tlb_inv inv = { .match = 0 };
	struct smmu_tlb_entry e = mk(0x7000, 12, 1, 0);
	struct smmu_tlb_stats st;
	unsigned long gen = smmu_tlb_gen(tlb);

	/* The walk "happened" before this invalidation: its result is stale. */
	smmu_tlb_invalidate(tlb, &inv);
	EXPECT_EQ(smmu_tlb_insert(tlb, &e, gen), -EAGAIN);
	EXPECT_FALSE(hit(tlb, 0x7000, 1, 0, SMMU_TLB_EL1));
	EXPECT_EQ(smmu_tlb_insert(tlb, &e, smmu_tlb_gen(tlb)), 0);
	smmu_tlb_get_stats(tlb, &st);
	EXPECT_EQ(st.refused_inserts, 1);
	smmu_tlb_destroy(tlb);
}

/*
 * Readers look up continuously while a writer fills and invalidates the same
 * sets: a hit must always be a whole entry (its OA belongs to its VA), and
 * once an invalidation returned, a page invalidated with no fill since is gone.
 */
struct race {
	struct smmu_tlb *tlb;
	int stop;
	unsigned long torn, hits;
};

static void *race_reader(void *arg)
{
	struct race *r = arg;
	unsigned long torn = 0, hits = 0, i = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_SEQ_CST)) {
		struct smmu_tlb_key k = { .va = (i++ % 64) << 12, .asid = 1 };
		struct smmu_tlb_entry e;

		if (smmu_tlb_lookup(r->tlb, &k, &e)) {
			hits++;
			if (e.oa != 0x80000000ULL + e.va || e.va != k.va)
				torn++;
		}
	}
	__atomic_fetch_add(&r->torn, torn, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&r->hits, hits, __ATOMIC_SEQ_CST);
	return NULL;
}

TEST(concurrent_lookups_see_whole_entries)
{
	struct race r = { .tlb = smmu_tlb_create(64, 2) };
	struct smmu_tlb_inv inv = { .match = SMMU_TLBI_VA };
	pthread_t t[2];
	unsigned int i, stale = 0;

	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, race_reader, &r), 0);
	for (i = 0; i < 20000; i++) {
		uint64_t va = (uint64_t)(i % 64) << 12;

		ins(r.tlb, mk(va, 12, 1, 0));
		if (i % 3 == 0) {
			inv.va = va;
			smmu_tlb_invalidate(r.tlb, &inv);
			stale += hit(r.tlb, va, 1, 0, SMMU_TLB_EL1);
		}
		if (i % 256 == 0)
			sched_yield();
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	TH_LOG("%lu hits", r.hits);
	EXPECT_EQ(r.torn, 0);
	EXPECT_EQ(stale, 0);
	smmu_tlb_destroy(r.tlb);
}
