/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Process address spaces (Linux's mm_struct for arm64): VMAs, the arm64
 * page tables in simulated physical memory, mmap/munmap/mprotect, demand
 * faults, TLB maintenance and MMU notifiers.
 *
 * Two objects:
 *  - struct mm_system: what is global to a machine's OS — physical memory,
 *    the frame pool, the CPUs, the ASID allocator, the page size, which mm
 *    each CPU runs, and counters;
 *  - struct mm: one address space.
 *
 * Lifetimes (as Linux): mm->users counts users of the address space
 * (mmget/mmput); the last mmput tears it down (notifiers' release first,
 * then every mapping and page table but the root). mm->count counts
 * references to the struct (mmgrab/mmdrop); all users together hold one,
 * a CPU running the mm holds one, a registered MMU notifier holds one. The
 * last mmdrop frees the root table, the ASID and the struct.
 *
 * Locking: mmap_lock (a rwlock) is held for write by mmap, munmap and
 * mprotect, for read by faults, populate and clear_refs. Page-table entries
 * are only ever written with single 64-bit atomic stores or compare-and-swap,
 * because the CPUs' and the SMMU's walkers read them concurrently and may
 * set AF/dirty in them (HTTU). Concurrent faults under the read lock install
 * tables and pages with compare-and-swap: one wins, the loser frees its frame.
 *
 * The CPU that issues TLB maintenance is the calling thread's current CPU
 * (mm_bind_cpu(); 0 by default), as kernel code always runs on some CPU.
 */
#ifndef OS_MM_MM_H
#define OS_MM_MM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/cpu.h"
#include "hw/mem.h"
#include "os/mm/asid.h"
#include "os/mm/frame.h"
#include "os/mm/notifier.h"
#include "os/mm/pgtable.h"
#include "os/mm/vma.h"

/* User virtual addresses: 48 bits (TCR_EL1.T0SZ = 16), as Linux arm64. */
#define MM_VA_BITS		48
#define MM_T0SZ			(64 - MM_VA_BITS)
#define MM_TASK_SIZE		(1ULL << MM_VA_BITS)
/* Nothing is mapped below this (Linux's mmap_min_addr). */
#define MM_MMAP_MIN_ADDR	0x10000ULL
/* Where the search for a free range starts without a hint (legacy layout). */
#define MM_UNMAPPED_BASE	(MM_TASK_SIZE / 4)

/*
 * From this many pages on, a range flush becomes one TLBI ASIDE1IS: issuing
 * that many DVM operations costs more than refilling the TLB (Linux arm64
 * __flush_tlb_range() against MAX_DVM_OPS, PTRS_PER_PTE for 4K pages).
 */
#define MM_MAX_DVM_OPS		512

/* mm_mmap() protections (the values of PROT_*) and flags. */
#define MM_PROT_NONE		0u
#define MM_PROT_READ		VM_READ
#define MM_PROT_WRITE		VM_WRITE
#define MM_PROT_EXEC		VM_EXEC

#define MM_MAP_FIXED		(1u << 0)	/* exactly at addr, replacing mappings */
#define MM_MAP_POPULATE		(1u << 1)	/* fault every page in now */
#define MM_MAP_FIXED_NOREPLACE	(1u << 2)	/* exactly at addr, -EEXIST if busy */

/* handle_mm_fault() flags. */
#define FAULT_FLAG_WRITE	(1u << 0)
#define FAULT_FLAG_EXEC		(1u << 1)	/* instruction fetch */
/*
 * The fault comes from another agent walking the same tables (a device
 * through the SMMU: Linux's FAULT_FLAG_REMOTE from iommu_sva_handle_iopf).
 * A remote fault on a PTE that already allows the access is not spurious for
 * that agent: it faulted on a stale, stricter copy in its own TLB or ATC,
 * which no CPU-side event will ever remove (see fix_present_page()).
 */
#define FAULT_FLAG_REMOTE	(1u << 2)

struct mm_system_cfg {
	struct phys_mem *mem;
	struct frame_pool *frames;	/* its granule is the page size */
	struct cpu_cluster *cpus;	/* NULL: no CPUs (no TLBI is issued) */
	struct asid_allocator *asids;	/* required with cpus; NULL: no ASIDs */
	unsigned int pa_bits;		/* TCR_EL1.IPS for mm_switch(); 0 = 48 */
	bool hw_af_dirty;		/* TCR_EL1.HA/HD on mm_switch() (FEAT_HAFDBS) */
	/*
	 * Whether the OS runs at EL2 with E2H is not configured here: it is
	 * read from the CPUs (cpu_cluster_is_vhe()), so the regime of the
	 * TLBIs the mm issues always matches the regime the CPUs tag with.
	 */
};

/* Counters (read with mm_get_stats()). */
struct mm_stats {
	uint64_t faults;		/* handle_mm_fault() calls */
	uint64_t pages_faulted;		/* zero-filled pages installed */
	uint64_t fault_races;		/* installs lost to a concurrent fault */
	uint64_t spurious_faults;	/* nothing to do: already fixed */
	uint64_t remote_stale_flushes;	/* remote spurious faults: page flushed */
	uint64_t tlbi_va;		/* TLBI VA range operations (broadcast) */
	uint64_t tlbi_va_pages;		/* pages they covered */
	uint64_t tlbi_asid;		/* TLBI ASIDE1IS */
	uint64_t tlbi_skipped;		/* flushes of an mm that never had an ASID */
	uint64_t notifier_invalidations;	/* invalidate_range calls made */
	uint64_t pages_freed;		/* data frames released by unmap */
	uint64_t tables_freed;		/* page-table frames released */
};

struct mm_system {
	struct phys_mem *mem;
	struct frame_pool *frames;
	struct cpu_cluster *cpus;
	struct asid_allocator *asids;
	unsigned int page_shift;
	unsigned int pa_bits;
	bool hw_af_dirty;
	bool vhe;			/* from the CPUs: TLBIs target EL2&0 */
	unsigned int nr_cpus;
	struct mm **cpu_mm;		/* mm running on each CPU (atomic), or NULL */
	/*
	 * One instruction stream per CPU: threads that issue TLBI + DSB as the
	 * same CPU take turns, so a DSB always waits for its own TLBIs.
	 */
	pthread_mutex_t *cpu_issue;
	uint64_t reserved_ttb;		/* empty table for CPUs running no mm */
	struct mm_stats stats;		/* atomic counters */
	/* Called by the last mmdrop of an mm with a PASID (Linux mm_pasid_drop). */
	void (*pasid_drop)(void *ctx, struct mm *mm);
	void *pasid_drop_ctx;
};

struct mm {
	struct mm_system *sys;
	struct pgtable pgt;		/* root and geometry of the page tables */
	pthread_rwlock_t mmap_lock;
	struct vma_tree vmas;		/* under mmap_lock */
	int users;			/* mmget/mmput (atomic) */
	int count;			/* mmgrab/mmdrop (atomic) */
	uint32_t pasid;			/* 0 until bound; set by the iommu layer, under its lock */
	struct asid_context context;	/* the ASID allocator's (asid_switch, mm_context_get) */
	struct mmu_notifier_chain notifiers;	/* its own lock, see notifier.h */
};

/* ---- System --------------------------------------------------------------- */

/* 0 or -errno (-EINVAL bad config, -ENOMEM). */
int mm_system_init(struct mm_system *sys, const struct mm_system_cfg *cfg);
/* Every mm must be gone (switched away and dropped). */
void mm_system_fini(struct mm_system *sys);
void mm_get_stats(const struct mm_system *sys, struct mm_stats *st);
/*
 * Let the iommu layer free a PASID when its mm goes: @fn(ctx, mm) runs in
 * the last mmdrop of every mm whose pasid is non-zero, before it is freed.
 * Set it before any mm is created.
 */
void mm_system_set_pasid_drop(struct mm_system *sys, void (*fn)(void *ctx, struct mm *mm),
			      void *ctx);

static inline uint64_t mm_page_size(const struct mm_system *sys)
{
	return 1ULL << sys->page_shift;
}

/* The calling thread now runs on CPU @cpu_idx (for the TLBIs it issues). */
void mm_bind_cpu(unsigned int cpu_idx);
unsigned int mm_current_cpu(void);

/* ---- Address spaces ------------------------------------------------------- */

/* A new empty mm (users = 1, count = 1), or NULL when out of memory. */
struct mm *mm_create(struct mm_system *sys);

void mmget(struct mm *mm);
/* Take a user reference unless the mm is already exiting. */
bool mmget_not_zero(struct mm *mm);
/* Drop a user; the last one tears the address space down (mm_exit). */
void mmput(struct mm *mm);
void mmgrab(struct mm *mm);
/* Drop a struct reference; the last one frees the root table, ASID and struct. */
void mmdrop(struct mm *mm);

static inline void mmap_read_lock(struct mm *mm)
{
	pthread_rwlock_rdlock(&mm->mmap_lock);
}

static inline void mmap_read_unlock(struct mm *mm)
{
	pthread_rwlock_unlock(&mm->mmap_lock);
}

static inline void mmap_write_lock(struct mm *mm)
{
	pthread_rwlock_wrlock(&mm->mmap_lock);
}

static inline void mmap_write_unlock(struct mm *mm)
{
	pthread_rwlock_unlock(&mm->mmap_lock);
}

/*
 * Map [addr, addr + len) with @prot (MM_PROT_*) and @flags (MM_MAP_*).
 * Without MM_MAP_FIXED*, @addr is a hint: the range is used if free, else
 * the first free range at or above it (or MM_UNMAPPED_BASE when 0). Returns
 * the address, or -EINVAL (unaligned or out of range), -EPERM (fixed below
 * MM_MMAP_MIN_ADDR), -ENOMEM (no room or no memory), -EEXIST
 * (MM_MAP_FIXED_NOREPLACE over a mapping).
 */
int64_t mm_mmap(struct mm *mm, uint64_t addr, uint64_t len, unsigned int prot,
		unsigned int flags);
/*
 * Unmap [addr, addr + len): VMAs are trimmed or split, pages and emptied
 * page tables freed after the TLBI and the notifiers. On return no CPU and
 * no notified device can reach the old pages. 0, -EINVAL, or -ENOMEM when
 * a VMA could not be split (then nothing was unmapped).
 */
int mm_munmap(struct mm *mm, uint64_t addr, uint64_t len);
/*
 * Change the protection of [addr, addr + len), which must be fully mapped
 * (-ENOMEM otherwise). Present pages are downgraded or upgraded in place,
 * keeping their dirty state. 0 or -errno.
 */
int mm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, unsigned int prot);
/*
 * Fault in every page of [addr, addr + len) that a VMA makes accessible
 * (writable areas are faulted for write, as MAP_POPULATE does); holes and
 * PROT_NONE areas are skipped. 0 or -ENOMEM.
 */
int mm_populate(struct mm *mm, uint64_t addr, uint64_t len);
/*
 * Clear the young (AF) and dirty state of the present pages in
 * [addr, addr + len) (writable pages become writable-clean again), then
 * flush the TLBs and notify, so that the next access or write is seen.
 */
int mm_clear_refs(struct mm *mm, uint64_t addr, uint64_t len);

/*
 * Resolve a fault at @addr (FAULT_FLAG_*). The caller holds the mmap lock
 * for read. Returns 0 when the access may be retried, -EFAULT when no VMA
 * covers @addr or the VMA forbids the access, -ENOMEM.
 */
int handle_mm_fault(struct mm *mm, uint64_t addr, unsigned int flags);

/*
 * Copy @len bytes between @buf and user memory at @va of @mm without a CPU
 * (Linux access_process_vm): pages are faulted in, and made dirty for a
 * write, exactly as a user access would; the VMA must permit the access.
 * Takes the mmap lock for read. 0, or -EFAULT/-ENOMEM with the bytes before
 * the failing page copied.
 */
int mm_access(struct mm *mm, uint64_t va, void *buf, size_t len, bool write);

/*
 * Run @mm on CPU @cpu_idx (switch_mm): allocate/revalidate its ASID, then
 * TCR_EL1 and TTBR0_EL1. The CPU holds a reference on @mm until the next
 * switch. @mm NULL switches to the empty reserved table (ASID 0).
 * Call from the thread driving that CPU (or before it starts).
 */
void mm_switch(struct mm_system *sys, struct mm *mm, unsigned int cpu_idx);
/*
 * The translation regime of @mm as the CPUs see it (TTBR0_EL1 base, T0SZ,
 * granule, IPS, TBI0, HA/HD; MAIR is VMSA_MAIR_LINUX): what an SVA context
 * descriptor must mirror so that the SMMU walks the tables as the CPUs do.
 */
struct walk_cfg mm_walk_cfg(const struct mm *mm);
/* The mm running on CPU @cpu_idx (no reference taken), or NULL. */
struct mm *mm_on_cpu(struct mm_system *sys, unsigned int cpu_idx);
/* Install mm's fault handler on the CPUs (cpu_set_fault_handler). */
void mm_install_fault_handler(struct mm_system *sys);

/* ---- Internal to os/mm (TLB maintenance and counters) -------------------- */

/*
 * Flush [start, end) of @mm from the CPUs' TLBs (broadcast TLBI by VA, or
 * by ASID from MM_MAX_DVM_OPS pages on; @leaf_only when no table was freed),
 * DSB, then tell the MMU notifiers. Frames may be freed only after this.
 */
void mm_flush_tlb_range(struct mm *mm, uint64_t start, uint64_t end, bool leaf_only);

/* Bump a counter of sys->stats. */
static inline void mm_count(uint64_t *ctr, uint64_t n)
{
	__atomic_fetch_add(ctr, n, __ATOMIC_RELAXED);
}

#endif /* OS_MM_MM_H */
