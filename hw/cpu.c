// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUs' MMUs (see hw/cpu.h).
 *
 * Concurrency protocol
 * --------------------
 * Each CPU has one lock, cpu->lock, protecting its TLB, its system
 * registers and its counters. A load or store proceeds one page-sized step
 * at a time, and each step runs entirely under the lock of the CPU doing it:
 *
 *	lock(cpu) -> TLB lookup -> (miss: walk_stage1, insert) -> move the bytes
 *	on the bus -> unlock(cpu)
 *
 * A TLBI takes the lock of every CPU it targets (one at a time, never two
 * at once) and drops the matching entries under it. So when the TLBI has
 * passed a CPU, that CPU is not in the middle of a step that used a dropped
 * entry (the TLBI waited for the step to end), and any later step finds no
 * entry and walks the tables, seeing the new PTE (the software stored it
 * before issuing the TLBI; phys_mem words are sequentially consistent).
 * A walk that raced the PTE store also ran under the lock, so its result
 * was inserted before the TLBI reached the CPU and is dropped by it.
 *
 * Hence a broadcast TLBI has already taken effect on every CPU when
 * cpu_tlbi() returns; cpu_dsb() then only has to wait for the DVM
 * listeners, by calling their sync(). Each CPU counts the broadcasts it
 * delivered (tlbi_gen) and the count a finished sync covered (synced_gen);
 * a DSB with nothing new to cover returns at once.
 *
 * The hit path takes only the CPU's own lock, which no one else takes
 * except a TLBI aimed at it or a statistics read: there is no global lock
 * on it, and each CPU sits on its own cache lines.
 *
 * Lock order and callbacks: the fault handler is called with no lock held
 * (it may map pages and issue TLBIs, which take CPU locks); walk_stage1()
 * and the bus are called under the CPU lock and must not call back into
 * this file. DVM listeners are kept in a small fixed array under a rwlock:
 * broadcasts and DSBs hold it for reading while they call tlbi()/sync(), so
 * once cpu_cluster_del_dvm_listener() returns, no call into that listener
 * is in progress and its owner may free it. A listener must therefore not
 * add or remove listeners from inside its tlbi() or sync().
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "arch/bitfield.h"
#include "arch/vmsa.h"
#include "hw/cpu.h"
#include "hw/cpu_tlb.h"

#define CPU_MAX_CPUS		256
#define CPU_MAX_TLB_ENTRIES	(1u << 20)
#define CPU_MAX_DVM_LISTENERS	8

/*
 * With TCR_EL1.TBI0 the top byte takes no part in translation (Arm ARM,
 * "Address tagging"): TLB entries are keyed by VA[55:0] then. Without TBI
 * a VA with a non-zero top byte never walks successfully, so its key
 * matches nothing.
 */
#define CPU_TBI_KEY_MASK	GENMASK_ULL(55, 0)

#define CPU_ACC_VALID	(WALK_ACC_WRITE | WALK_ACC_EXEC | WALK_ACC_PRIV)

struct cpu {
	struct cpu_cluster *cl;
	unsigned int idx;
	pthread_mutex_t lock;		/* protects everything below */
	struct walk_cfg tcr;		/* TCR_EL1 decoded; ttb: TTBR0_EL1.BADDR */
	uint16_t asid;			/* TTBR0_EL1.ASID */
	struct cpu_tlb tlb;
	struct cpu_stats stats;
	/*
	 * DSB bookkeeping (atomics, not under the lock): broadcasts this CPU
	 * has delivered to the listeners, and how many of them a completed
	 * listener sync() is known to cover.
	 */
	uint64_t tlbi_gen;
	uint64_t synced_gen;
} __attribute__((aligned(64)));

struct cpu_cluster {
	struct cpu_cluster_cfg cfg;
	struct mem_bus bus;
	uint16_t asid_mask;

	pthread_rwlock_t listeners_lock;	/* see the protocol above */
	struct dvm_listener listeners[CPU_MAX_DVM_LISTENERS];
	unsigned int nr_listeners;

	pthread_mutex_t handler_lock;	/* protects the two fields below */
	cpu_fault_handler_t fault_fn;
	void *fault_ctx;

	unsigned int nr_cpus;
	struct cpu cpus[];
};

/* One load or store in progress: what it moves, and how far it got. */
enum xfer_kind { XFER_READ, XFER_WRITE, XFER_FILL };

struct cpu_xfer {
	enum xfer_kind kind;
	uint8_t *rbuf;
	const uint8_t *wbuf;
	uint8_t byte;
	uint64_t va;		/* first byte */
	size_t len;
	unsigned int acc;	/* WALK_ACC_* */
	size_t done;		/* bytes moved so far */
};

/* ---- Cluster ------------------------------------------------------------ */

static bool cluster_cfg_valid(const struct cpu_cluster_cfg *cfg)
{
	if (!cfg->nr_cpus || cfg->nr_cpus > CPU_MAX_CPUS)
		return false;
	if (!cfg->tlb_entries || cfg->tlb_entries > CPU_MAX_TLB_ENTRIES)
		return false;
	if (cfg->asid_bits != 8 && cfg->asid_bits != 16)
		return false;
	/* Only the architected PARange sizes. */
	return vmsa_ips_to_bits(vmsa_bits_to_ips(cfg->pa_bits)) == cfg->pa_bits;
}

static int cpu_init(struct cpu_cluster *cl, struct cpu *cpu, unsigned int idx)
{
	int err;

	memset(cpu, 0, sizeof(*cpu));
	cpu->cl = cl;
	cpu->idx = idx;
	/* Reset values: 4K granule, 48-bit VA, no HTTU (the OS sets them). */
	cpu->tcr.granule_shift = 12;
	cpu->tcr.tsz = 16;
	cpu->tcr.oas = (uint8_t)cl->cfg.pa_bits;
	err = cpu_tlb_init(&cpu->tlb, cl->cfg.tlb_entries);
	if (err)
		return err;
	if (pthread_mutex_init(&cpu->lock, NULL)) {
		cpu_tlb_fini(&cpu->tlb);
		return -ENOMEM;
	}
	return 0;
}

static void cpu_fini(struct cpu *cpu)
{
	pthread_mutex_destroy(&cpu->lock);
	cpu_tlb_fini(&cpu->tlb);
}

struct cpu_cluster *cpu_cluster_create(const struct cpu_cluster_cfg *cfg,
				       const struct mem_bus *bus)
{
	struct cpu_cluster *cl;
	unsigned int i;
	size_t size;

	if (!cfg || !bus || !bus->ops || !cluster_cfg_valid(cfg))
		return NULL;
	/* struct cpu is cache-line aligned: so must the allocation be. */
	size = sizeof(*cl) + cfg->nr_cpus * sizeof(cl->cpus[0]);
	size = (size + 63) & ~(size_t)63;
	cl = aligned_alloc(64, size);
	if (!cl)
		return NULL;
	memset(cl, 0, size);
	cl->cfg = *cfg;
	cl->bus = *bus;
	cl->asid_mask = (uint16_t)((1u << cfg->asid_bits) - 1);
	if (pthread_rwlock_init(&cl->listeners_lock, NULL))
		goto err_free;
	if (pthread_mutex_init(&cl->handler_lock, NULL))
		goto err_rwlock;
	for (i = 0; i < cfg->nr_cpus; i++) {
		if (cpu_init(cl, &cl->cpus[i], i))
			goto err_cpus;
		cl->nr_cpus = i + 1;
	}
	return cl;

err_cpus:
	while (i--)
		cpu_fini(&cl->cpus[i]);
	pthread_mutex_destroy(&cl->handler_lock);
err_rwlock:
	pthread_rwlock_destroy(&cl->listeners_lock);
err_free:
	free(cl);
	return NULL;
}

void cpu_cluster_destroy(struct cpu_cluster *cl)
{
	unsigned int i;

	if (!cl)
		return;
	for (i = 0; i < cl->nr_cpus; i++)
		cpu_fini(&cl->cpus[i]);
	pthread_mutex_destroy(&cl->handler_lock);
	pthread_rwlock_destroy(&cl->listeners_lock);
	free(cl);
}

unsigned int cpu_cluster_nr(const struct cpu_cluster *cl)
{
	return cl ? cl->nr_cpus : 0;
}

bool cpu_cluster_is_vhe(const struct cpu_cluster *cl)
{
	return cl && cl->cfg.vhe;
}

bool cpu_cluster_has_hafdbs(const struct cpu_cluster *cl)
{
	return cl && cl->cfg.hafdbs;
}

struct cpu *cpu_get(struct cpu_cluster *cl, unsigned int idx)
{
	if (!cl || idx >= cl->nr_cpus)
		return NULL;
	return &cl->cpus[idx];
}

unsigned int cpu_index(const struct cpu *cpu)
{
	return cpu->idx;
}

static bool listener_equal(const struct dvm_listener *a, const struct dvm_listener *b)
{
	return a->tlbi == b->tlbi && a->sync == b->sync && a->ctx == b->ctx;
}

int cpu_cluster_add_dvm_listener(struct cpu_cluster *cl, const struct dvm_listener *l)
{
	int err = 0;

	if (!cl || !l || !l->tlbi || !l->sync)
		return -EINVAL;
	pthread_rwlock_wrlock(&cl->listeners_lock);
	if (cl->nr_listeners == CPU_MAX_DVM_LISTENERS)
		err = -ENOSPC;
	else
		cl->listeners[cl->nr_listeners++] = *l;
	pthread_rwlock_unlock(&cl->listeners_lock);
	return err;
}

int cpu_cluster_del_dvm_listener(struct cpu_cluster *cl, const struct dvm_listener *l)
{
	unsigned int i;
	int err = -ENOENT;

	if (!cl || !l)
		return -EINVAL;
	pthread_rwlock_wrlock(&cl->listeners_lock);
	for (i = 0; i < cl->nr_listeners; i++) {
		if (!listener_equal(&cl->listeners[i], l))
			continue;
		cl->listeners[i] = cl->listeners[--cl->nr_listeners];
		err = 0;
		break;
	}
	pthread_rwlock_unlock(&cl->listeners_lock);
	return err;
}

void cpu_set_fault_handler(struct cpu_cluster *cl, cpu_fault_handler_t fn, void *ctx)
{
	pthread_mutex_lock(&cl->handler_lock);
	cl->fault_fn = fn;
	cl->fault_ctx = ctx;
	pthread_mutex_unlock(&cl->handler_lock);
}

/* ---- System registers and statistics ----------------------------------- */

/* Statistics and register reads only need the lock, not a mutable CPU. */
static pthread_mutex_t *cpu_lock_of(const struct cpu *cpu)
{
	return (pthread_mutex_t *)&cpu->lock;
}

void cpu_set_ttbr0(struct cpu *cpu, uint64_t ttb, uint16_t asid)
{
	pthread_mutex_lock(&cpu->lock);
	cpu->tcr.ttb = ttb;
	cpu->asid = asid & cpu->cl->asid_mask;
	pthread_mutex_unlock(&cpu->lock);
}

void cpu_set_tcr(struct cpu *cpu, const struct walk_cfg *tcr)
{
	uint64_t ttb;

	if (!tcr)
		return;
	pthread_mutex_lock(&cpu->lock);
	/* The table base belongs to TTBR0, not TCR: keep it. */
	ttb = cpu->tcr.ttb;
	cpu->tcr = *tcr;
	cpu->tcr.ttb = ttb;
	pthread_mutex_unlock(&cpu->lock);
}

uint16_t cpu_asid(const struct cpu *cpu)
{
	uint16_t asid;

	pthread_mutex_lock(cpu_lock_of(cpu));
	asid = cpu->asid;
	pthread_mutex_unlock(cpu_lock_of(cpu));
	return asid;
}

void cpu_get_stats(const struct cpu *cpu, struct cpu_stats *st)
{
	pthread_mutex_lock(cpu_lock_of(cpu));
	*st = cpu->stats;
	pthread_mutex_unlock(cpu_lock_of(cpu));
}

unsigned int cpu_tlb_entries(const struct cpu *cpu)
{
	unsigned int n;

	pthread_mutex_lock(cpu_lock_of(cpu));
	n = cpu_tlb_count(&cpu->tlb);
	pthread_mutex_unlock(cpu_lock_of(cpu));
	return n;
}

/* ---- Translation and data movement -------------------------------------- */

/*
 * The regime a walk uses: TCR as the OS wrote it, with HTTU only where the
 * CPU implements FEAT_HAFDBS and the output size capped by PARange. AFFD
 * is an SMMU context-descriptor control: a CPU has none.
 */
static void cpu_walk_cfg(const struct cpu *cpu, struct walk_cfg *cfg)
{
	const struct cpu_cluster_cfg *ccfg = &cpu->cl->cfg;

	*cfg = cpu->tcr;
	cfg->ha = cfg->ha && ccfg->hafdbs;
	cfg->hd = cfg->hd && ccfg->hafdbs;
	cfg->affd = false;
	if (cfg->oas > ccfg->pa_bits)
		cfg->oas = (uint8_t)ccfg->pa_bits;
}

static uint64_t cpu_key(const struct cpu *cpu, uint64_t va)
{
	return cpu->tcr.tbi ? va & CPU_TBI_KEY_MASK : va;
}

/*
 * May a TLB hit serve @acc? A write to a writable-clean entry may not: the
 * CPU walks again so that the walker makes the page dirty (HD), or reports
 * the permission fault (no HD). Any other denied access walks again too,
 * rather than faulting from the cached entry: a TLB may drop an entry at any
 * time, so this is architecturally allowed, and it spares software the
 * spurious fault after a permission upgrade without TLBI.
 */
static bool entry_permits(const struct cpu_tlb_entry *e, unsigned int acc)
{
	uint8_t perm = (acc & WALK_ACC_PRIV) ? e->perm_el1 : e->perm_el0;

	if (acc & WALK_ACC_WRITE)
		return (perm & WALK_PERM_W) && !e->writable_clean;
	if (acc & WALK_ACC_EXEC)
		return perm & WALK_PERM_X;
	return perm & WALK_PERM_R;
}

/* Walk on a miss and cache the result. 0 with *@e set, or 1 on a fault. */
static int cpu_tlb_fill(struct cpu *cpu, uint64_t va, unsigned int acc,
			struct walk_result *res, struct cpu_tlb_entry *e)
{
	struct walk_cfg cfg;
	uint64_t mask;

	cpu_walk_cfg(cpu, &cfg);
	cpu->stats.walks++;
	if (walk_stage1(&cpu->cl->bus, &cfg, va, acc, res) != WALK_OK)
		return 1;
	mask = (1ULL << res->leaf_shift) - 1;
	*e = (struct cpu_tlb_entry){
		.va = cpu_key(cpu, va) & ~mask,
		.pa = res->oa & ~mask,
		.asid = cpu->asid,
		.shift = res->leaf_shift,
		.perm_el0 = res->perm_el0,
		.perm_el1 = res->perm_el1,
		.ng = res->ng,
		.writable_clean = res->writable_clean,
	};
	cpu_tlb_insert(&cpu->tlb, e);
	return 0;
}

static int xfer_move(const struct mem_bus *bus, const struct cpu_xfer *x, uint64_t pa,
		     size_t n)
{
	switch (x->kind) {
	case XFER_READ:
		return bus_read(bus, pa, x->rbuf + x->done, n);
	case XFER_WRITE:
		return bus_write(bus, pa, x->wbuf + x->done, n);
	case XFER_FILL:
		return bus_fill(bus, pa, x->byte, n);
	}
	return -EINVAL;
}

/* Bytes from @key to the end of its granule-sized page (and of the entry). */
static size_t step_size(const struct cpu *cpu, const struct cpu_tlb_entry *e,
			uint64_t key, size_t len)
{
	unsigned int shift = cpu->tcr.granule_shift;
	uint64_t room;

	if (shift != 12 && shift != 14 && shift != 16)
		shift = 12;
	if (e->shift < shift)
		shift = e->shift;
	room = (1ULL << shift) - (key & ((1ULL << shift) - 1));
	return len < room ? len : (size_t)room;
}

/*
 * One step of an access, under the CPU lock (see the protocol at the top):
 * translate the next byte of @x and move up to the end of its page.
 * Returns 0 with x->done advanced, 1 on a translation fault (@res says
 * which), or -EFAULT when the bus refuses the physical address.
 */
static int cpu_step(struct cpu *cpu, struct cpu_xfer *x, struct walk_result *res)
{
	uint64_t va = x->va + x->done, key;
	struct cpu_tlb_entry *hit, fill;
	const struct cpu_tlb_entry *e;
	size_t n;
	int ret;

	pthread_mutex_lock(&cpu->lock);
	cpu->stats.accesses++;
	key = cpu_key(cpu, va);
	hit = cpu_tlb_lookup(&cpu->tlb, key, cpu->asid);
	if (hit && entry_permits(hit, x->acc)) {
		cpu->stats.tlb_hits++;
		e = hit;
	} else {
		cpu->stats.tlb_misses++;
		if (cpu_tlb_fill(cpu, va, x->acc, res, &fill)) {
			cpu->stats.faults++;
			pthread_mutex_unlock(&cpu->lock);
			return 1;
		}
		e = &fill;
	}
	n = step_size(cpu, e, key, x->len - x->done);
	ret = xfer_move(&cpu->cl->bus, x, e->pa + (key - e->va), n);
	pthread_mutex_unlock(&cpu->lock);
	if (ret)
		return -EFAULT;
	x->done += n;
	return 0;
}

/*
 * Report a fault to the handler, with no lock held. 0: retry the step;
 * otherwise the errno that ends the access.
 */
static int cpu_fault(struct cpu *cpu, uint64_t va, unsigned int acc,
		     const struct walk_result *res, unsigned int *tries)
{
	struct cpu_cluster *cl = cpu->cl;
	cpu_fault_handler_t fn;
	void *ctx;
	int ret;

	pthread_mutex_lock(&cl->handler_lock);
	fn = cl->fault_fn;
	ctx = cl->fault_ctx;
	pthread_mutex_unlock(&cl->handler_lock);
	if (!fn)
		return -EFAULT;
	/* A handler that keeps saying "retry" without fixing anything. */
	if (++*tries > CPU_FAULT_RETRIES)
		return -EFAULT;
	ret = fn(ctx, cpu, va, acc, res);
	/* Anything but 0 or -errno is a broken handler: fail the access. */
	if (ret > 0)
		ret = -EFAULT;
	return ret;
}

static bool access_args_valid(uint64_t va, size_t len, unsigned int acc)
{
	if (!len || (acc & ~CPU_ACC_VALID))
		return false;
	if ((acc & WALK_ACC_WRITE) && (acc & WALK_ACC_EXEC))
		return false;
	/* [va, va + len) must not wrap around the top of the address space. */
	return len - 1 <= UINT64_MAX - va;
}

/*
 * Page by page; a fault goes to the handler and the same step is retried,
 * at most CPU_FAULT_RETRIES times in a row without progress.
 */
static int cpu_access(struct cpu *cpu, struct cpu_xfer *x)
{
	struct walk_result res;
	unsigned int tries = 0;
	int ret;

	if (!cpu || !access_args_valid(x->va, x->len, x->acc))
		return -EINVAL;
	while (x->done < x->len) {
		ret = cpu_step(cpu, x, &res);
		if (ret < 0)
			return ret;
		if (ret == 0) {
			tries = 0;
			continue;
		}
		ret = cpu_fault(cpu, x->va + x->done, x->acc, &res, &tries);
		if (ret)
			return ret;
	}
	return 0;
}

int cpu_read(struct cpu *cpu, uint64_t va, void *buf, size_t len, unsigned int acc)
{
	struct cpu_xfer x = { .kind = XFER_READ, .rbuf = buf, .va = va, .len = len,
			      .acc = acc };

	if (!buf || (acc & WALK_ACC_WRITE))
		return -EINVAL;
	return cpu_access(cpu, &x);
}

int cpu_write(struct cpu *cpu, uint64_t va, const void *buf, size_t len, unsigned int acc)
{
	struct cpu_xfer x = { .kind = XFER_WRITE, .wbuf = buf, .va = va, .len = len,
			      .acc = acc | WALK_ACC_WRITE };

	if (!buf)
		return -EINVAL;
	return cpu_access(cpu, &x);
}

int cpu_fill(struct cpu *cpu, uint64_t va, uint8_t byte, size_t len, unsigned int acc)
{
	struct cpu_xfer x = { .kind = XFER_FILL, .byte = byte, .va = va, .len = len,
			      .acc = acc | WALK_ACC_WRITE };

	return cpu_access(cpu, &x);
}

/* ---- TLB maintenance ----------------------------------------------------- */

/* Apply @op to one CPU's TLB, waiting for its in-flight step (see the top). */
static void cpu_tlbi_one(struct cpu *target, const struct dvm_tlbi *op, uint64_t *counter)
{
	struct cpu_cluster *cl = target->cl;

	pthread_mutex_lock(&target->lock);
	(*counter)++;
	/* An op for the other regime (EL2&0 vs EL1&0) matches none of ours. */
	if (op->el2 == cl->cfg.vhe)
		target->stats.tlb_dropped += cpu_tlb_invalidate(&target->tlb, op, cl->asid_mask);
	pthread_mutex_unlock(&target->lock);
}

static void cpu_dvm_broadcast(struct cpu_cluster *cl, const struct dvm_tlbi *op)
{
	unsigned int i;

	pthread_rwlock_rdlock(&cl->listeners_lock);
	for (i = 0; i < cl->nr_listeners; i++)
		cl->listeners[i].tlbi(cl->listeners[i].ctx, op);
	pthread_rwlock_unlock(&cl->listeners_lock);
}

void cpu_tlbi(struct cpu *cpu, const struct dvm_tlbi *op, bool broadcast)
{
	struct cpu_cluster *cl;
	unsigned int i;

	if (!cpu || !op || op->op < DVM_TLBI_VA || op->op > DVM_TLBI_ALL)
		return;
	if (!broadcast) {
		cpu_tlbi_one(cpu, op, &cpu->stats.tlbi_local);
		return;
	}
	cl = cpu->cl;
	for (i = 0; i < cl->nr_cpus; i++) {
		struct cpu *t = &cl->cpus[i];

		cpu_tlbi_one(t, op, t == cpu ? &t->stats.tlbi_broadcast : &t->stats.tlbi_received);
	}
	cpu_dvm_broadcast(cl, op);
	__atomic_fetch_add(&cpu->tlbi_gen, 1, __ATOMIC_RELEASE);
}

/* Record that every broadcast up to @gen is synchronised. */
static void cpu_mark_synced(struct cpu *cpu, uint64_t gen)
{
	uint64_t cur = __atomic_load_n(&cpu->synced_gen, __ATOMIC_RELAXED);

	while (cur < gen &&
	       !__atomic_compare_exchange_n(&cpu->synced_gen, &cur, gen, false,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

void cpu_dsb(struct cpu *cpu)
{
	struct cpu_cluster *cl;
	unsigned int i;

	uint64_t gen;

	if (!cpu)
		return;
	/*
	 * The CPUs' TLBs completed each broadcast inside cpu_tlbi(); only the
	 * listeners may still be working, and only on what this CPU sent them
	 * (DSB waits for this PE's TLBIs only). A sync that began after the
	 * last of those was delivered, and has ended, covers them: skip then.
	 * Comparing generations (rather than clearing a flag) keeps this
	 * right when two threads issue TLBIs and DSBs on the same CPU.
	 */
	gen = __atomic_load_n(&cpu->tlbi_gen, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&cpu->synced_gen, __ATOMIC_ACQUIRE) >= gen)
		return;
	cl = cpu->cl;
	pthread_rwlock_rdlock(&cl->listeners_lock);
	for (i = 0; i < cl->nr_listeners; i++)
		cl->listeners[i].sync(cl->listeners[i].ctx);
	pthread_rwlock_unlock(&cl->listeners_lock);
	cpu_mark_synced(cpu, gen);
}
