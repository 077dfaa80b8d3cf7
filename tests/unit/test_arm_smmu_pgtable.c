// SPDX-License-Identifier: GPL-2.0
/*
 * The driver's stage-1 io-pgtable: map/unmap correctness, cross-checked
 * with the project's one VMSA walker (hw/walk, what the SMMU itself uses),
 * block mappings, all-or-nothing maps, table freeing after a walk flush,
 * concurrent maps of disjoint ranges, and no frame leaked.
 */
#include <errno.h>
#include <pthread.h>

#include "arch/vmsa.h"
#include "hw/walk.h"
#include "os/arm-smmu-v3/io_pgtable.h"
#include "tests/harness.h"

#define BASE	PHYS_MEM_DEFAULT_BASE
#define SIZE	(64ULL << 20)

struct fixture {
	struct phys_mem mem;
	struct frame_pool *pool;
	struct io_pgtable *pgt;
	unsigned int flushes;
	uint64_t flush_iova, flush_size;
	uint64_t base_alloc;
};

static void flush_walk(void *cookie, uint64_t iova, uint64_t size, uint64_t granule)
{
	struct fixture *fx = cookie;

	(void)granule;
	__atomic_fetch_add(&fx->flushes, 1, __ATOMIC_RELAXED);
	fx->flush_iova = iova;
	fx->flush_size = size;
}

static const struct io_pgtable_flush_ops flush_ops = { .tlb_flush_walk = flush_walk };

static uint64_t allocated(struct frame_pool *pool)
{
	struct frame_stats st;

	frame_get_stats(pool, &st);
	return st.allocated;
}

static void setup(struct fixture *fx)
{
	struct io_pgtable_cfg cfg = {
		.granule_shift = 12, .ias = 48, .oas = 48,
		.pgsize_bitmap = (1ull << 12) | (1ull << 21) | (1ull << 30),
		.tlb = &flush_ops, .cookie = fx,
	};

	ASSERT_EQ(phys_mem_init(&fx->mem, BASE, SIZE), 0);
	fx->pool = frame_pool_create(&fx->mem, BASE, SIZE, 12);
	ASSERT_TRUE(fx->pool != NULL);
	fx->base_alloc = allocated(fx->pool);
	cfg.pool = fx->pool;
	fx->pgt = io_pgtable_alloc(&cfg);
	ASSERT_TRUE(fx->pgt != NULL);
	fx->flushes = 0;
}

static void teardown(struct fixture *fx)
{
	io_pgtable_free(fx->pgt);
	EXPECT_EQ(allocated(fx->pool), fx->base_alloc);	/* every table freed */
	frame_pool_destroy(fx->pool);
	phys_mem_fini(&fx->mem);
}

/* Translate through the SMMU's walker, as a device access would. */
static enum walk_fault hw_walk(struct fixture *fx, uint64_t iova, unsigned int acc,
			       struct walk_result *res)
{
	struct walk_cfg cfg = {
		.ttb = fx->pgt->pgd_pa, .tsz = 16, .granule_shift = 12, .oas = 48,
	};

	return walk_stage1(&fx->mem.bus, &cfg, iova, acc, res);
}

TEST(map_pages_walk_and_unmap)
{
	struct fixture fx;
	struct walk_result res;
	uint64_t pa = BASE + (32ull << 20);

	setup(&fx);
	ASSERT_EQ(io_pgtable_map(fx.pgt, 0x10000, pa, 0x3000, IO_PGTABLE_READ | IO_PGTABLE_WRITE),
		  0);
	EXPECT_EQ(io_pgtable_iova_to_phys(fx.pgt, 0x10000), pa);
	EXPECT_EQ(io_pgtable_iova_to_phys(fx.pgt, 0x12abc), pa + 0x2abc);
	EXPECT_EQ(io_pgtable_iova_to_phys(fx.pgt, 0x13000), 0);
	/* pgd + L1 + L2 + L3. */
	EXPECT_EQ(fx.pgt->nr_tables, 4);

	ASSERT_EQ(hw_walk(&fx, 0x11008, WALK_ACC_WRITE, &res), WALK_OK);
	EXPECT_EQ(res.oa, pa + 0x1008);
	EXPECT_EQ(res.leaf_shift, 12);
	EXPECT_TRUE(res.ng);				/* ASID tagged */
	EXPECT_TRUE(res.perm_el0 & WALK_PERM_W);	/* unprivileged DMA allowed */
	EXPECT_EQ(hw_walk(&fx, 0x13000, WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);

	EXPECT_EQ(io_pgtable_unmap(fx.pgt, 0x11000, 0x1000, NULL), 0x1000);
	EXPECT_EQ(hw_walk(&fx, 0x11000, WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
	EXPECT_EQ(io_pgtable_iova_to_phys(fx.pgt, 0x10000), pa);
	/* Unmapping a hole unmaps nothing. */
	EXPECT_EQ(io_pgtable_unmap(fx.pgt, 0x11000, 0x1000, NULL), 0);
	teardown(&fx);
}

TEST(permissions_follow_prot)
{
	struct fixture fx;
	struct walk_result res;
	uint64_t pa = BASE + (32ull << 20);

	setup(&fx);
	ASSERT_EQ(io_pgtable_map(fx.pgt, 0x1000, pa, 0x1000, IO_PGTABLE_READ), 0);
	ASSERT_EQ(io_pgtable_map(fx.pgt, 0x2000, pa, 0x1000,
				 IO_PGTABLE_READ | IO_PGTABLE_WRITE | IO_PGTABLE_PRIV |
				 IO_PGTABLE_NOEXEC), 0);
	EXPECT_EQ(hw_walk(&fx, 0x1000, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(hw_walk(&fx, 0x1000, WALK_ACC_WRITE, &res), WALK_FAULT_PERMISSION);
	/* PRIV: not accessible to unprivileged requests, writable by privileged ones. */
	EXPECT_EQ(hw_walk(&fx, 0x2000, WALK_ACC_READ, &res), WALK_FAULT_PERMISSION);
	EXPECT_EQ(hw_walk(&fx, 0x2000, WALK_ACC_WRITE | WALK_ACC_PRIV, &res), WALK_OK);
	EXPECT_EQ(hw_walk(&fx, 0x2000, WALK_ACC_EXEC | WALK_ACC_PRIV, &res),
		  WALK_FAULT_PERMISSION);
	EXPECT_EQ(io_pgtable_map(fx.pgt, 0x3000, pa, 0x1000, 0), -EINVAL);
	teardown(&fx);
}

TEST(blocks_when_aligned)
{
	struct fixture fx;
	struct walk_result res;
	uint64_t pa = BASE + (8ull << 20);	/* 2M aligned */
	uint64_t leaves = 0;

	setup(&fx);
	/* 2M + 4K from a 2M-aligned IOVA: one block and one page. */
	ASSERT_EQ(io_pgtable_map(fx.pgt, 0x40000000, pa, 0x201000, IO_PGTABLE_READ), 0);
	ASSERT_EQ(hw_walk(&fx, 0x40123456, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(res.leaf_shift, 21);
	EXPECT_EQ(res.oa, pa + 0x123456);
	ASSERT_EQ(hw_walk(&fx, 0x40200010, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(res.leaf_shift, 12);
	/* Part of a block cannot be unmapped (no splitting). */
	EXPECT_EQ(io_pgtable_unmap(fx.pgt, 0x40001000, 0x1000, NULL), 0);
	EXPECT_EQ(io_pgtable_unmap(fx.pgt, 0x40000000, 0x201000, &leaves), 0x201000);
	EXPECT_EQ(leaves, (1ull << 21) | (1ull << 12));
	EXPECT_EQ(io_pgtable_iova_to_phys(fx.pgt, 0x40000000), 0);
	teardown(&fx);
}

TEST(map_is_all_or_nothing)
{
	struct fixture fx;
	uint64_t pa = BASE + (32ull << 20);

	setup(&fx);
	ASSERT_EQ(io_pgtable_map(fx.pgt, 0x5000, pa, 0x1000, IO_PGTABLE_READ), 0);
	/* 0x3000..0x6fff overlaps 0x5000: refused, and 0x3000/0x4000 not left mapped. */
	EXPECT_EQ(io_pgtable_map(fx.pgt, 0x3000, pa, 0x4000, IO_PGTABLE_READ), -EEXIST);
	EXPECT_EQ(io_pgtable_iova_to_phys(fx.pgt, 0x3000), 0);
	EXPECT_EQ(io_pgtable_iova_to_phys(fx.pgt, 0x4000), 0);
	EXPECT_EQ(io_pgtable_iova_to_phys(fx.pgt, 0x5000), pa);
	/* Misaligned and out-of-range requests. */
	EXPECT_EQ(io_pgtable_map(fx.pgt, 0x7100, pa, 0x1000, IO_PGTABLE_READ), -EINVAL);
	EXPECT_EQ(io_pgtable_map(fx.pgt, 1ull << 48, pa, 0x1000, IO_PGTABLE_READ), -EINVAL);
	EXPECT_EQ(io_pgtable_map(fx.pgt, 0x8000, 1ull << 48, 0x1000, IO_PGTABLE_READ), -EINVAL);
	teardown(&fx);
}

TEST(emptied_tables_freed_after_flush)
{
	struct fixture fx;
	uint64_t pa = BASE + (32ull << 20);

	setup(&fx);
	ASSERT_EQ(io_pgtable_map(fx.pgt, 0x80000000, pa, 0x2000, IO_PGTABLE_READ), 0);
	ASSERT_EQ(io_pgtable_map(fx.pgt, 0x80200000, pa, 0x1000, IO_PGTABLE_READ), 0);
	EXPECT_EQ(fx.pgt->nr_tables, 5);	/* pgd, L1, L2, two L3 */
	/* Unmapping the whole 1G region drops the L2 and both L3 tables. */
	EXPECT_EQ(io_pgtable_unmap(fx.pgt, 0x80000000, 1ull << 30, NULL), 1ull << 30);
	EXPECT_EQ(fx.pgt->nr_tables, 2);
	EXPECT_EQ(fx.flushes, 1);
	EXPECT_EQ(fx.flush_iova, 0x80000000);
	EXPECT_EQ(fx.flush_size, 1ull << 30);
	EXPECT_EQ(io_pgtable_iova_to_phys(fx.pgt, 0x80200000), 0);
	/* Mapping again rebuilds them. */
	ASSERT_EQ(io_pgtable_map(fx.pgt, 0x80000000, pa, 0x1000, IO_PGTABLE_READ), 0);
	EXPECT_EQ(fx.pgt->nr_tables, 4);
	teardown(&fx);
}

struct map_thread {
	struct fixture *fx;
	unsigned int id;
	int err;
};

static void *map_worker(void *arg)
{
	struct map_thread *t = arg;
	uint64_t i;

	/* Interleaved pages: every thread installs into the same tables. */
	for (i = 0; i < 256 && !t->err; i++) {
		uint64_t iova = 0x100000000ull + (i * 4 + t->id) * 0x1000;

		t->err = io_pgtable_map(t->fx->pgt, iova, BASE + iova % (16ull << 20), 0x1000,
					IO_PGTABLE_READ | IO_PGTABLE_WRITE);
	}
	return NULL;
}

TEST(concurrent_disjoint_maps)
{
	struct map_thread t[4];
	pthread_t th[4];
	struct fixture fx;
	unsigned int i;

	setup(&fx);
	for (i = 0; i < 4; i++) {
		t[i] = (struct map_thread){ .fx = &fx, .id = i };
		ASSERT_EQ(pthread_create(&th[i], NULL, map_worker, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(t[i].err, 0);
	}
	for (i = 0; i < 1024; i++) {
		uint64_t iova = 0x100000000ull + i * 0x1000;

		EXPECT_EQ(io_pgtable_iova_to_phys(&*fx.pgt, iova), BASE + iova % (16ull << 20));
	}
	/* 4M of pages: pgd, L1, L2 and two L3 tables; losers freed theirs. */
	EXPECT_EQ(fx.pgt->nr_tables, 5);
	teardown(&fx);
}

TEST(granule_64k)
{
	struct io_pgtable_cfg cfg = {
		.granule_shift = 16, .ias = 48, .oas = 48,
		.pgsize_bitmap = (1ull << 16) | (1ull << 29),
	};
	struct walk_cfg wcfg = { .tsz = 16, .granule_shift = 16, .oas = 48 };
	struct walk_result res;
	struct io_pgtable *pgt;
	struct fixture fx;
	uint64_t pa = BASE;	/* 512M aligned */

	setup(&fx);
	cfg.pool = fx.pool;
	pgt = io_pgtable_alloc(&cfg);
	ASSERT_TRUE(pgt != NULL);
	EXPECT_EQ(pgt->start_level, 1);		/* 48 bits: 64 L1 entries, then 13 + 13 + 16 */
	EXPECT_EQ(pgt->table_order, 4);		/* a 64K table is 16 frames */
	ASSERT_EQ(io_pgtable_map(pgt, 0x20000000, pa, 1ull << 29, IO_PGTABLE_READ), 0);
	ASSERT_EQ(io_pgtable_map(pgt, 0x40010000, pa + 0x30000, 0x10000, IO_PGTABLE_READ), 0);
	wcfg.ttb = pgt->pgd_pa;
	ASSERT_EQ(walk_stage1(&fx.mem.bus, &wcfg, 0x20345678, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(res.leaf_shift, 29);
	EXPECT_EQ(res.oa, pa + 0x345678);
	ASSERT_EQ(walk_stage1(&fx.mem.bus, &wcfg, 0x4001abcd, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(res.leaf_shift, 16);
	EXPECT_EQ(res.oa, pa + 0x3abcd);
	/* 4K alignment is not enough with a 64K granule. */
	EXPECT_EQ(io_pgtable_map(pgt, 0x50001000, pa, 0x10000, IO_PGTABLE_READ), -EINVAL);
	EXPECT_EQ(io_pgtable_unmap(pgt, 0x20000000, 1ull << 29, NULL), 1ull << 29);
	EXPECT_EQ(io_pgtable_iova_to_phys(pgt, 0x20345678), 0);
	EXPECT_EQ(io_pgtable_iova_to_phys(pgt, 0x4001abcd), pa + 0x3abcd);
	io_pgtable_free(pgt);
	teardown(&fx);
}
