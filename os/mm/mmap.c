// SPDX-License-Identifier: GPL-2.0
/*
 * Address spaces: the mm system, mm lifetimes, TLB maintenance, and the
 * mapping operations (mmap, munmap, mprotect, populate, clear_refs).
 *
 * Every page-table change is followed, in Linux's order, by: broadcast TLBI
 * (by VA range, or by ASID from MM_MAX_DVM_OPS pages on) -> DSB -> MMU
 * notifiers' invalidate_range -> only then the frames are freed (the
 * mmu_gather in pgtable.c). So when munmap returns, neither a CPU nor a
 * device that listens to the notifiers can reach a page it unmapped.
 */
#include <errno.h>
#include <stdlib.h>

#include "os/mm/mm.h"

#define ACQUIRE	__ATOMIC_ACQUIRE
#define ACQ_REL	__ATOMIC_ACQ_REL
#define RELAXED	__ATOMIC_RELAXED

/* ---- The system and the current CPU --------------------------------------- */

static _Thread_local unsigned int this_cpu;

void mm_bind_cpu(unsigned int cpu_idx)
{
	this_cpu = cpu_idx;
}

unsigned int mm_current_cpu(void)
{
	return this_cpu;
}

int mm_system_init(struct mm_system *sys, const struct mm_system_cfg *cfg)
{
	unsigned int i, n;

	/* CPUs tag their TLB entries with ASIDs: flushing needs the allocator. */
	if (!cfg->mem || !cfg->frames || (cfg->cpus && !cfg->asids))
		return -EINVAL;
	*sys = (struct mm_system){
		.mem = cfg->mem,
		.frames = cfg->frames,
		.cpus = cfg->cpus,
		.asids = cfg->asids,
		.page_shift = frame_page_shift(cfg->frames),
		.pa_bits = cfg->pa_bits ? cfg->pa_bits : 48,
		.hw_af_dirty = cfg->hw_af_dirty,
		.vhe = cpu_cluster_is_vhe(cfg->cpus),
		.nr_cpus = cfg->cpus ? cpu_cluster_nr(cfg->cpus) : 0,
	};
	n = sys->nr_cpus ? sys->nr_cpus : 1;
	sys->cpu_mm = calloc(n, sizeof(*sys->cpu_mm));
	if (!sys->cpu_mm)
		return -ENOMEM;
	sys->cpu_issue = calloc(n, sizeof(*sys->cpu_issue));
	if (!sys->cpu_issue)
		goto err_cpu_mm;
	for (i = 0; i < n; i++)
		pthread_mutex_init(&sys->cpu_issue[i], NULL);
	/* Linux's reserved_pg_dir: what TTBR0 points to when no mm runs. */
	sys->reserved_ttb = frame_alloc(sys->frames, FRAME_ZERO);
	if (!sys->reserved_ttb)
		goto err_cpu_issue;
	return 0;

err_cpu_issue:
	for (i = 0; i < n; i++)
		pthread_mutex_destroy(&sys->cpu_issue[i]);
	free(sys->cpu_issue);
err_cpu_mm:
	free(sys->cpu_mm);
	return -ENOMEM;
}

void mm_system_fini(struct mm_system *sys)
{
	unsigned int i;

	for (i = 0; i < sys->nr_cpus; i++)
		if (__atomic_load_n(&sys->cpu_mm[i], ACQUIRE))
			mm_switch(sys, NULL, i);
	frame_put(sys->frames, sys->reserved_ttb);
	for (i = 0; i < (sys->nr_cpus ? sys->nr_cpus : 1); i++)
		pthread_mutex_destroy(&sys->cpu_issue[i]);
	free(sys->cpu_issue);
	free(sys->cpu_mm);
	sys->cpu_issue = NULL;
	sys->cpu_mm = NULL;
}

void mm_system_set_pasid_drop(struct mm_system *sys, void (*fn)(void *ctx, struct mm *mm),
			      void *ctx)
{
	sys->pasid_drop = fn;
	sys->pasid_drop_ctx = ctx;
}

/* mm_get_stats() copies the counters as an array of words. */
_Static_assert(sizeof(struct mm_stats) % sizeof(uint64_t) == 0, "mm_stats: u64 only");

void mm_get_stats(const struct mm_system *sys, struct mm_stats *st)
{
	const uint64_t *src = (const uint64_t *)&sys->stats;
	uint64_t *dst = (uint64_t *)st;
	size_t i;

	for (i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], RELAXED);
}

/* ---- Lifetimes --------------------------------------------------------------- */

/*
 * The mmap lock prefers writers, as Linux's rwsem does: a stream of faults
 * must not starve munmap. (So no thread may take it for read twice.)
 */
static int mmap_lock_init(pthread_rwlock_t *lock)
{
	pthread_rwlockattr_t attr;
	int ret;

	ret = pthread_rwlockattr_init(&attr);
	if (ret)
		return ret;
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	ret = pthread_rwlock_init(lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	return ret;
}

struct mm *mm_create(struct mm_system *sys)
{
	struct mm *mm = calloc(1, sizeof(*mm));

	if (!mm)
		return NULL;
	mm->sys = sys;
	if (pgtable_init(&mm->pgt, sys->mem, sys->frames))
		goto err_free;
	if (mmap_lock_init(&mm->mmap_lock))
		goto err_pgtable;
	if (mmu_notifier_chain_init(&mm->notifiers))
		goto err_rwlock;
	vma_tree_init(&mm->vmas);
	mm->users = 1;
	mm->count = 1;
	return mm;

err_rwlock:
	pthread_rwlock_destroy(&mm->mmap_lock);
err_pgtable:
	pgtable_fini(&mm->pgt);
err_free:
	free(mm);
	return NULL;
}

void mmgrab(struct mm *mm)
{
	__atomic_fetch_add(&mm->count, 1, RELAXED);
}

void mmdrop(struct mm *mm)
{
	if (__atomic_sub_fetch(&mm->count, 1, ACQ_REL))
		return;
	if (mm->pasid && mm->sys->pasid_drop)
		mm->sys->pasid_drop(mm->sys->pasid_drop_ctx, mm);
	/* The root goes last: a CPU lazily running the mm still points at it. */
	pgtable_fini(&mm->pgt);
	if (mm->sys->asids)
		asid_context_release(mm->sys->asids, &mm->context);
	mmu_notifier_chain_fini(&mm->notifiers);
	pthread_rwlock_destroy(&mm->mmap_lock);
	free(mm);
}

void mmget(struct mm *mm)
{
	__atomic_fetch_add(&mm->users, 1, RELAXED);
}

bool mmget_not_zero(struct mm *mm)
{
	int users = __atomic_load_n(&mm->users, RELAXED);

	do {
		if (!users)
			return false;
	} while (!__atomic_compare_exchange_n(&mm->users, &users, users + 1, true,
					      ACQ_REL, RELAXED));
	return true;
}

/*
 * Tear the address space down (Linux exit_mmap): secondary MMUs are told
 * first, so they stop walking; then every page and table but the root goes,
 * after one flush of the whole ASID.
 */
static void mm_exit(struct mm *mm)
{
	struct vm_area_struct *vma;
	struct mmu_gather tlb;

	mmu_notifier_release(mm);
	mmap_write_lock(mm);
	tlb_gather_init(&tlb, mm, &mm->pgt);
	pgtable_unmap_range(&mm->pgt, 0, MM_TASK_SIZE, &tlb);
	tlb_finish_mmu(&tlb);
	while ((vma = vma_first(&mm->vmas))) {
		vma_remove(&mm->vmas, vma);
		vma_free(vma);
	}
	mmap_write_unlock(mm);
}

void mmput(struct mm *mm)
{
	if (__atomic_sub_fetch(&mm->users, 1, ACQ_REL))
		return;
	mm_exit(mm);
	mmdrop(mm);
}

/* ---- TLB maintenance ------------------------------------------------------- */

/* Broadcast the TLBI and wait for it (DSB ISH). False if nothing was issued. */
static bool flush_cpus(struct mm *mm, uint64_t start, uint64_t end, bool leaf_only,
		       bool whole_asid)
{
	struct mm_system *sys = mm->sys;
	struct dvm_tlbi op = { .el2 = sys->vhe };
	unsigned int idx;
	struct cpu *cpu;

	if (!sys->cpus)
		return false;
	/* An mm that never ran has no ASID: no TLB can hold its entries. */
	if (!__atomic_load_n(&mm->context.id, RELAXED)) {
		mm_count(&sys->stats.tlbi_skipped, 1);
		return false;
	}
	op.asid = asid_of(sys->asids, &mm->context);
	if (whole_asid) {
		op.op = DVM_TLBI_ASID;
		mm_count(&sys->stats.tlbi_asid, 1);
	} else {
		op.op = DVM_TLBI_VA;
		op.va = start;
		op.size = end - start;
		op.leaf = leaf_only;
		mm_count(&sys->stats.tlbi_va, 1);
		mm_count(&sys->stats.tlbi_va_pages, (end - start) >> sys->page_shift);
	}
	idx = mm_current_cpu() < sys->nr_cpus ? mm_current_cpu() : 0;
	cpu = cpu_get(sys->cpus, idx);
	pthread_mutex_lock(&sys->cpu_issue[idx]);
	cpu_tlbi(cpu, &op, true);
	cpu_dsb(cpu);
	pthread_mutex_unlock(&sys->cpu_issue[idx]);
	return true;
}

void mm_flush_tlb_range(struct mm *mm, uint64_t start, uint64_t end, bool leaf_only)
{
	uint64_t pages = (end - start) >> mm->sys->page_shift;
	bool whole = pages >= MM_MAX_DVM_OPS;
	unsigned int n;

	flush_cpus(mm, start, end, leaf_only, whole);
	/* As arm64's flush_tlb_mm(): secondary TLBs hear "everything". */
	if (whole) {
		start = 0;
		end = UINT64_MAX;
	}
	n = mmu_notifier_invalidate_range(mm, start, end);
	mm_count(&mm->sys->stats.notifier_invalidations, n);
}

/* ---- Mapping ------------------------------------------------------------------ */

static bool range_ok(const struct mm *mm, uint64_t addr, uint64_t len)
{
	uint64_t mask = mm_page_size(mm->sys) - 1;

	return !(addr & mask) && len && len <= MM_TASK_SIZE && addr <= MM_TASK_SIZE - len;
}

static uint64_t page_align(const struct mm *mm, uint64_t len)
{
	uint64_t mask = mm_page_size(mm->sys) - 1;

	return len > UINT64_MAX - mask ? 0 : (len + mask) & ~mask;
}

/* First free [addr, addr + len) at or above @addr, or 0. */
static uint64_t find_gap_from(struct mm *mm, uint64_t addr, uint64_t len)
{
	struct vm_area_struct *vma;

	for (vma = vma_find(&mm->vmas, addr); ; vma = vma_next(&mm->vmas, vma)) {
		uint64_t limit = vma ? vma->vm_start : MM_TASK_SIZE;

		if (addr <= limit && limit - addr >= len)
			return addr;
		if (!vma)
			return 0;
		if (vma->vm_end > addr)
			addr = vma->vm_end;
	}
}

static uint64_t get_unmapped_area(struct mm *mm, uint64_t hint, uint64_t len)
{
	uint64_t addr;

	hint = page_align(mm, hint);
	if (hint >= MM_MMAP_MIN_ADDR && range_ok(mm, hint, len) &&
	    !vma_find_intersection(&mm->vmas, hint, hint + len))
		return hint;
	if (hint < MM_MMAP_MIN_ADDR)
		hint = MM_UNMAPPED_BASE;
	addr = find_gap_from(mm, hint, len);
	if (!addr)
		addr = find_gap_from(mm, MM_MMAP_MIN_ADDR, len);
	return addr;
}

/*
 * Make [start, end) the exact bounds of VMAs: split the areas straddling
 * either end. 0 or -ENOMEM.
 */
static int split_at_bounds(struct mm *mm, uint64_t start, uint64_t end)
{
	struct vm_area_struct *vma = vma_lookup(&mm->vmas, start);
	int ret;

	if (vma && vma->vm_start < start) {
		ret = vma_split(&mm->vmas, vma, start, NULL);
		if (ret)
			return ret;
	}
	vma = vma_lookup(&mm->vmas, end - 1);
	if (vma && vma->vm_end > end)
		return vma_split(&mm->vmas, vma, end, NULL);
	return 0;
}

/* munmap with the mmap lock held for write. */
static int do_munmap(struct mm *mm, uint64_t start, uint64_t end)
{
	struct vm_area_struct *vma;
	struct mmu_gather tlb;
	int ret;

	if (!vma_find_intersection(&mm->vmas, start, end))
		return 0;
	ret = split_at_bounds(mm, start, end);
	if (ret)
		return ret;
	tlb_gather_init(&tlb, mm, &mm->pgt);
	pgtable_unmap_range(&mm->pgt, start, end, &tlb);
	tlb_finish_mmu(&tlb);
	while ((vma = vma_find_intersection(&mm->vmas, start, end))) {
		vma_remove(&mm->vmas, vma);
		vma_free(vma);
	}
	return 0;
}

int mm_munmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	int ret;

	len = page_align(mm, len);
	if (!range_ok(mm, addr, len))
		return -EINVAL;
	mmap_write_lock(mm);
	ret = do_munmap(mm, addr, addr + len);
	mmap_write_unlock(mm);
	return ret;
}

/* Where a new mapping goes, with the mmap lock held; -errno on failure. */
static int64_t mmap_region_addr(struct mm *mm, uint64_t addr, uint64_t len, unsigned int flags)
{
	int ret;

	if (!(flags & (MM_MAP_FIXED | MM_MAP_FIXED_NOREPLACE))) {
		addr = get_unmapped_area(mm, addr, len);
		return addr ? (int64_t)addr : -ENOMEM;
	}
	if (!range_ok(mm, addr, len))
		return -EINVAL;
	/* As Linux's mmap_min_addr check: the low pages are never mapped. */
	if (addr < MM_MMAP_MIN_ADDR)
		return -EPERM;
	if (flags & MM_MAP_FIXED_NOREPLACE) {
		if (vma_find_intersection(&mm->vmas, addr, addr + len))
			return -EEXIST;
		return (int64_t)addr;
	}
	ret = do_munmap(mm, addr, addr + len);
	return ret ? ret : (int64_t)addr;
}

int64_t mm_mmap(struct mm *mm, uint64_t addr, uint64_t len, unsigned int prot,
		unsigned int flags)
{
	struct vm_area_struct *vma;
	int64_t ret;

	len = page_align(mm, len);
	if (!len || (prot & ~VM_ACCESS_FLAGS))
		return -EINVAL;
	if (len > MM_TASK_SIZE - MM_MMAP_MIN_ADDR)
		return -ENOMEM;
	mmap_write_lock(mm);
	ret = mmap_region_addr(mm, addr, len, flags);
	if (ret < 0)
		goto out_unlock;
	vma = vma_alloc(mm, (uint64_t)ret, (uint64_t)ret + len, prot);
	if (!vma) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	/* The range is free: the insert cannot fail. */
	vma_insert(&mm->vmas, vma);
	vma_merge(&mm->vmas, vma);
	mmap_write_unlock(mm);
	/* As Linux, MAP_POPULATE is best effort: the mapping stands regardless. */
	if (flags & MM_MAP_POPULATE)
		mm_populate(mm, (uint64_t)ret, len);
	return ret;

out_unlock:
	mmap_write_unlock(mm);
	return ret;
}

/* Is [start, end) covered by VMAs without a hole? */
static bool fully_mapped(struct mm *mm, uint64_t start, uint64_t end)
{
	struct vm_area_struct *vma = vma_find(&mm->vmas, start);
	uint64_t addr = start;

	for (; addr < end; vma = vma_next(&mm->vmas, vma)) {
		if (!vma || vma->vm_start > addr)
			return false;
		addr = vma->vm_end;
	}
	return true;
}

/*
 * Merge the areas of [start, end] with each other and with the touching
 * areas on either side, so that the tree stays canonical (one area per
 * run of equal protection): the splits, and the areas the range covered,
 * may now agree.
 */
static void merge_range(struct mm *mm, uint64_t start, uint64_t end)
{
	struct vm_area_struct *vma = vma_lookup(&mm->vmas, start), *next;

	while (vma) {
		vma = vma_merge(&mm->vmas, vma);
		if (vma->vm_end > end)
			return;
		next = vma_next(&mm->vmas, vma);
		if (!next || next->vm_start != vma->vm_end)
			return;
		vma = next;
	}
}

int mm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, unsigned int prot)
{
	uint64_t end = addr + page_align(mm, len);
	struct vm_area_struct *vma;
	struct mmu_gather tlb;
	int ret;

	if (!range_ok(mm, addr, end - addr) || (prot & ~VM_ACCESS_FLAGS))
		return -EINVAL;
	mmap_write_lock(mm);
	ret = -ENOMEM;
	if (!fully_mapped(mm, addr, end))
		goto out_unlock;
	ret = split_at_bounds(mm, addr, end);
	if (ret)
		goto out_unlock;
	for (vma = vma_lookup(&mm->vmas, addr); vma && vma->vm_start < end;
	     vma = vma_next(&mm->vmas, vma))
		vma->vm_flags = prot;
	tlb_gather_init(&tlb, mm, &mm->pgt);
	pgtable_change_prot(&mm->pgt, addr, end, prot, &tlb);
	tlb_finish_mmu(&tlb);
	merge_range(mm, addr, end);
out_unlock:
	mmap_write_unlock(mm);
	return ret;
}

static unsigned int populate_flags(unsigned int vm_flags)
{
	if (vm_flags & VM_WRITE)
		return FAULT_FLAG_WRITE;
	if (!(vm_flags & VM_READ))
		return FAULT_FLAG_EXEC;
	return 0;
}

int mm_populate(struct mm *mm, uint64_t addr, uint64_t len)
{
	uint64_t end = addr + page_align(mm, len), page = mm_page_size(mm->sys), va, lim;
	struct vm_area_struct *vma;
	int ret = 0;

	if (end < addr || end > MM_TASK_SIZE)
		return -EINVAL;
	addr &= ~(page - 1);
	mmap_read_lock(mm);
	for (vma = vma_find_intersection(&mm->vmas, addr, end); vma && vma->vm_start < end;
	     vma = vma_next(&mm->vmas, vma)) {
		if (!(vma->vm_flags & VM_ACCESS_FLAGS))
			continue;
		va = vma->vm_start > addr ? vma->vm_start : addr;
		lim = vma->vm_end < end ? vma->vm_end : end;
		for (; va < lim; va += page) {
			ret = handle_mm_fault(mm, va, populate_flags(vma->vm_flags));
			if (ret)
				goto out_unlock;
		}
	}
out_unlock:
	mmap_read_unlock(mm);
	return ret;
}

int mm_clear_refs(struct mm *mm, uint64_t addr, uint64_t len)
{
	uint64_t end = addr + page_align(mm, len);
	struct mmu_gather tlb;

	if (!range_ok(mm, addr, end - addr))
		return -EINVAL;
	mmap_read_lock(mm);
	tlb_gather_init(&tlb, mm, &mm->pgt);
	pgtable_clear_refs(&mm->pgt, addr, end, &tlb);
	tlb_finish_mmu(&tlb);
	mmap_read_unlock(mm);
	return 0;
}
