// SPDX-License-Identifier: GPL-2.0
/*
 * Demand faults (Linux handle_mm_fault for anonymous memory) and the CPU
 * side: the fault handler hw/cpu calls, and switch_mm.
 *
 * Faults run under the mmap lock for read, so several may race on one
 * page: tables and pages are installed by compare-and-swap of an empty
 * descriptor; the loser frees its frame and looks again. Updates of a
 * present descriptor (AF, dirty) are compare-and-swap too, because a
 * walker with HTTU may be updating the same descriptor.
 */
#include <errno.h>

#include "os/mm/mm.h"

static bool access_permitted(const struct vm_area_struct *vma, unsigned int flags)
{
	if (flags & FAULT_FLAG_WRITE)
		return vma->vm_flags & VM_WRITE;
	if (flags & FAULT_FLAG_EXEC)
		return vma->vm_flags & VM_EXEC;
	/* arm64 cannot map write-only: writable pages are readable too. */
	return vma->vm_flags & (VM_READ | VM_WRITE);
}

/*
 * Install a zero-filled page at the empty descriptor @slot. Returns 0,
 * -ENOMEM, or -EAGAIN when a concurrent fault installed one first.
 */
static int do_anonymous_page(struct mm *mm, struct vm_area_struct *vma, uint64_t slot,
			     unsigned int flags)
{
	struct mm_system *sys = mm->sys;
	uint64_t pa, pte, expected = 0;

	pa = frame_alloc(sys->frames, FRAME_ZERO);
	if (!pa)
		return -ENOMEM;
	/* A write fault maps the page dirty at once, as Linux does. */
	pte = pgtable_mk_pte(&mm->pgt, pa, vma->vm_flags, flags & FAULT_FLAG_WRITE);
	if (phys_mem_cmpxchg64(sys->mem, slot, &expected, pte)) {
		frame_put(sys->frames, pa);
		mm_count(&sys->stats.fault_races, 1);
		return -EAGAIN;
	}
	mm_count(&sys->stats.pages_faulted, 1);
	return 0;
}

/*
 * A remote agent faulted on a PTE that already allows its access. That is
 * the case when the CPUs manage dirty state in hardware (FEAT_HAFDBS) and
 * the SMMU does not (no HTTU, or HA only): the SMMU cached the page while it
 * was writable-clean, which it reads as read-only (without HTTU for dirty
 * state DBM means nothing to it, SMMUv3 §3.13.3.1), then a CPU store made it
 * dirty by clearing AP[2] with no TLB maintenance, as HAFDBS does. The SMMU's read-only copy stays, every retry of the write faults on it again
 * (a stall or PRI loop that never ends), and handle_mm_fault() finds nothing
 * to fix. Linux flushes the page when it upgrades a PTE itself
 * (ptep_set_access_flags(), which reaches the secondary TLBs through the MMU
 * notifiers); for the upgrade the CPU made, the remote fault is the only
 * signal, so it gets the same flush: TLBI (which BTM carries to the SMMU)
 * then the notifiers (TLBI without BTM, and ATC_INV for the device's ATC).
 */
static void flush_remote_stale(struct mm *mm, uint64_t addr)
{
	uint64_t page = mm_page_size(mm->sys);

	addr &= ~(page - 1);
	mm_count(&mm->sys->stats.remote_stale_flushes, 1);
	mm_flush_tlb_range(mm, addr, addr + page, true);
}

/*
 * The page is there: set AF, and for a write make it dirty (clear AP[2] and
 * set the software dirty bit, as Linux's pte_mkdirty()). Linux
 * ptep_set_access_flags(): making a page writable must also drop any stale
 * read-only TLB entry, so a write fault that changed the PTE flushes it.
 */
static int fix_present_page(struct mm *mm, uint64_t slot, uint64_t addr, uint64_t pte,
			    unsigned int flags)
{
	struct mm_system *sys = mm->sys;
	uint64_t new, page = mm_page_size(sys);

	do {
		/* PROT_NONE, or a VMA and its pages disagreeing: no access. */
		if (!pte_valid(pte))
			return -EFAULT;
		new = pte | VMSA_PTE_AF;
		if (flags & FAULT_FLAG_WRITE) {
			if (!pte_write(pte))
				return -EFAULT;
			new = pte_mkdirty(new);
		}
		if (new == pte) {
			mm_count(&sys->stats.spurious_faults, 1);
			if (flags & FAULT_FLAG_REMOTE)
				flush_remote_stale(mm, addr);
			return 0;
		}
	} while (phys_mem_cmpxchg64(sys->mem, slot, &pte, new) == -EAGAIN);
	/*
	 * As arm64's ptep_set_access_flags(): any write fault that changed the
	 * PTE flushes it, not only one that cleared AP[2] here, because a CPU
	 * with HAFDBS may have cleared AP[2] behind the back of an agent (an
	 * SMMU without HTTU) that still holds the read-only copy.
	 */
	if (flags & FAULT_FLAG_WRITE) {
		addr &= ~(page - 1);
		mm_flush_tlb_range(mm, addr, addr + page, true);
	}
	return 0;
}

int handle_mm_fault(struct mm *mm, uint64_t addr, unsigned int flags)
{
	struct vm_area_struct *vma;
	uint64_t slot, pte;
	int ret;

	mm_count(&mm->sys->stats.faults, 1);
	vma = vma_lookup(&mm->vmas, addr);
	if (!vma || !access_permitted(vma, flags))
		return -EFAULT;
	ret = pgtable_pte_alloc(&mm->pgt, addr, &slot);
	if (ret)
		return ret;
	for (;;) {
		if (phys_mem_read64(mm->sys->mem, slot, &pte))
			return -EFAULT;
		if (pte)
			return fix_present_page(mm, slot, addr, pte, flags);
		ret = do_anonymous_page(mm, vma, slot, flags);
		if (ret != -EAGAIN)
			return ret;
	}
}

/*
 * The frame behind user page @va, present, accessed, and dirty for a write,
 * as a user access would leave it: faulted in as needed. Mmap lock held.
 */
static int user_page(struct mm *mm, uint64_t va, unsigned int flags, uint64_t *pa)
{
	struct vm_area_struct *vma = vma_lookup(&mm->vmas, va);
	unsigned int tries;
	uint64_t pte;
	int ret;

	/* A valid PTE is not enough: an execute-only page has one. */
	if (!vma || !access_permitted(vma, flags))
		return -EFAULT;
	for (tries = 0; tries < 3; tries++) {
		pte = pgtable_read_pte(&mm->pgt, va);
		if (pte_valid(pte) && pte_young(pte) &&
		    (!(flags & FAULT_FLAG_WRITE) || pte_hw_dirty(pte))) {
			*pa = pte_pa(&mm->pgt, pte);
			return 0;
		}
		ret = handle_mm_fault(mm, va, flags);
		if (ret)
			return ret;
	}
	return -EFAULT;		/* someone keeps undoing the fault: give up */
}

int mm_access(struct mm *mm, uint64_t va, void *buf, size_t len, bool write)
{
	uint64_t page = mm_page_size(mm->sys), off, n, pa;
	unsigned int flags = write ? FAULT_FLAG_WRITE : 0;
	uint8_t *p = buf;
	int ret = 0;

	mmap_read_lock(mm);
	while (len) {
		off = va & (page - 1);
		n = len < page - off ? len : page - off;
		ret = user_page(mm, va, flags, &pa);
		if (ret)
			break;
		/* The read lock keeps the frame mapped (no munmap) while we copy. */
		if (write)
			ret = phys_mem_write(mm->sys->mem, pa + off, p, n);
		else
			ret = phys_mem_read(mm->sys->mem, pa + off, p, n);
		if (ret)
			break;
		va += n;
		p += n;
		len -= n;
	}
	mmap_read_unlock(mm);
	return ret;
}

/* ---- The CPU side ------------------------------------------------------------ */

struct mm *mm_on_cpu(struct mm_system *sys, unsigned int cpu_idx)
{
	if (cpu_idx >= sys->nr_cpus)
		return NULL;
	return __atomic_load_n(&sys->cpu_mm[cpu_idx], __ATOMIC_ACQUIRE);
}

/* The top byte of a user address is a tag (TCR_EL1.TBI0, set by Linux). */
#define VA_TAG	GENMASK_ULL(63, 56)

/*
 * hw/cpu fault handler: the fault belongs to the mm running on that CPU.
 * The handler runs on the CPU's own thread, so TLBIs it issues come from
 * that CPU.
 */
static int mm_cpu_fault(void *ctx, struct cpu *cpu, uint64_t va, unsigned int acc,
			const struct walk_result *res)
{
	struct mm_system *sys = ctx;
	unsigned int idx = cpu_index(cpu), prev = mm_current_cpu(), flags = 0;
	struct mm *mm = mm_on_cpu(sys, idx);
	int ret;

	/* Aborts and address-size faults are not for the page-fault path (SIGBUS). */
	if (!mm || res->fault == WALK_FAULT_EXT_ABORT || res->fault == WALK_FAULT_ADDR_SIZE)
		return -EFAULT;
	va &= ~VA_TAG;
	if (va >= MM_TASK_SIZE)
		return -EFAULT;
	if (acc & WALK_ACC_WRITE)
		flags |= FAULT_FLAG_WRITE;
	if (acc & WALK_ACC_EXEC)
		flags |= FAULT_FLAG_EXEC;
	mm_bind_cpu(idx);
	mmap_read_lock(mm);
	ret = handle_mm_fault(mm, va, flags);
	mmap_read_unlock(mm);
	mm_bind_cpu(prev);
	return ret;
}

void mm_install_fault_handler(struct mm_system *sys)
{
	if (sys->cpus)
		cpu_set_fault_handler(sys->cpus, mm_cpu_fault, sys);
}

/* TCR_EL1 for user space, as Linux programs it (T0SZ = 16, TBI0, HA/HD if present). */
static struct walk_cfg user_tcr(const struct mm_system *sys, uint64_t ttb)
{
	return (struct walk_cfg){
		.ttb = ttb,
		.tsz = MM_T0SZ,
		.granule_shift = (uint8_t)sys->page_shift,
		.oas = (uint8_t)sys->pa_bits,
		.ha = sys->hw_af_dirty,
		.hd = sys->hw_af_dirty,
		.tbi = true,
	};
}

struct walk_cfg mm_walk_cfg(const struct mm *mm)
{
	return user_tcr(mm->sys, mm->pgt.root);
}

void mm_switch(struct mm_system *sys, struct mm *mm, unsigned int cpu_idx)
{
	struct cpu *cpu;
	struct walk_cfg tcr;
	struct mm *old;
	uint16_t asid = 0;

	if (!sys->cpus || cpu_idx >= sys->nr_cpus)
		return;
	cpu = cpu_get(sys->cpus, cpu_idx);
	if (mm) {
		mmgrab(mm);
		if (sys->asids)
			asid = asid_switch(sys->asids, &mm->context, cpu_idx);
		tcr = user_tcr(sys, mm->pgt.root);
	} else {
		tcr = user_tcr(sys, sys->reserved_ttb);
	}
	cpu_set_tcr(cpu, &tcr);
	cpu_set_ttbr0(cpu, tcr.ttb, asid);
	old = __atomic_exchange_n(&sys->cpu_mm[cpu_idx], mm, __ATOMIC_ACQ_REL);
	if (old)
		mmdrop(old);
}
