// SPDX-License-Identifier: GPL-2.0
/*
 * The machine's processes (see sim/machine.h): an address space each, and
 * a CPU its thread runs on. Whoever acts for a process binds itself to that
 * CPU and switches to the process's mm first, as a kernel runs on some CPU.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/smmuv3.h"
#include "sim/machine_internal.h"

/* ---- Processes ------------------------------------------------------------- */

int machine_procs_init(struct machine *m)
{
	return htable_init(&m->procs, 4);
}

void machine_procs_fini(struct machine *m)
{
	struct htable_node *n;

	if (!m->procs.buckets)
		return;
	while ((n = htable_iter(&m->procs, NULL)))
		machine_exit(m, htable_entry(n, struct machine_proc, node)->id, NULL, 0);
	htable_fini(&m->procs);
}

static struct machine_proc *proc_lookup(struct machine *m, int id)
{
	struct htable_node *n;

	for (n = htable_first(&m->procs, (uint64_t)id); n; n = htable_next(n)) {
		struct machine_proc *p = htable_entry(n, struct machine_proc, node);

		if (p->id == id)
			return p;
	}
	return NULL;
}

struct machine_proc *machine_proc_get(struct machine *m, int p, char *why, size_t whylen)
{
	struct machine_proc *proc = p >= 0 ? proc_lookup(m, p) : NULL;

	if (!proc)
		machine_say(why, whylen, p >= 0 && p < m->next_proc_id ? "the process has exited" :
			    "no such process");
	return proc;
}

/* Act as the process's thread: on its CPU, with its address space. */
void machine_proc_enter(struct machine *m, struct machine_proc *p)
{
	mm_bind_cpu(p->cpu);
	if (mm_on_cpu(&m->mm, p->cpu) != p->mm)
		mm_switch(&m->mm, p->mm, p->cpu);
}

/*
 * The CPU running the fewest live processes (the lowest such): as long as
 * there are no more processes than CPUs, each has a CPU of its own, which
 * is what lets them run concurrently (sim/machine.h).
 */
static unsigned int least_busy_cpu(struct machine *m)
{
	unsigned int c, best = 0, best_n = UINT_MAX;

	for (c = 0; c < m->cfg.cpus && best_n; c++) {
		const struct htable_node *n = NULL;
		unsigned int on_c = 0;

		while ((n = htable_iter(&m->procs, n)))
			on_c += htable_entry(n, struct machine_proc, node)->cpu == c;
		if (on_c < best_n) {
			best = c;
			best_n = on_c;
		}
	}
	return best;
}

int machine_process_create(struct machine *m, char *why, size_t whylen)
{
	struct machine_proc *p;

	if (m->next_proc_id == INT_MAX) {
		machine_say(why, whylen, "no process id left (%d processes were created)", INT_MAX);
		return -ENOSPC;
	}
	p = calloc(1, sizeof(*p));
	if (p)
		p->mm = mm_create(&m->mm);
	if (!p || !p->mm) {
		free(p);
		machine_say(why, whylen, "out of memory for a new address space");
		return -ENOMEM;
	}
	p->cpu = least_busy_cpu(m);
	p->id = m->next_proc_id++;
	htable_add(&m->procs, &p->node, (uint64_t)p->id);
	machine_proc_enter(m, p);
	return p->id;
}

static unsigned int mm_prot(unsigned int scn_prot)
{
	return (scn_prot & SCN_PROT_R ? MM_PROT_READ : 0) |
	       (scn_prot & SCN_PROT_W ? MM_PROT_WRITE : 0) |
	       (scn_prot & SCN_PROT_X ? MM_PROT_EXEC : 0);
}

int machine_mmap(struct machine *m, int proc, uint64_t addr, uint64_t size, unsigned int prot,
		 bool populate, char *why, size_t whylen)
{
	struct machine_proc *p = machine_proc_get(m, proc, why, whylen);
	int64_t ret;

	if (!p)
		return -ESRCH;
	machine_proc_enter(m, p);
	ret = mm_mmap(p->mm, addr, size, mm_prot(prot),
		      MM_MAP_FIXED | (populate ? MM_MAP_POPULATE : 0));
	if (ret < 0) {
		machine_say(why, whylen, "mmap 0x%" PRIx64 " +0x%" PRIx64 ": %s", addr, size,
		    strerror((int)-ret));
		return (int)ret;
	}
	return 0;
}

int machine_munmap(struct machine *m, int proc, uint64_t addr, uint64_t size,
		   char *why, size_t whylen)
{
	struct machine_proc *p = machine_proc_get(m, proc, why, whylen);
	int ret;

	if (!p)
		return -ESRCH;
	machine_proc_enter(m, p);
	ret = mm_munmap(p->mm, addr, size);
	if (ret)
		machine_say(why, whylen, "munmap 0x%" PRIx64 " +0x%" PRIx64 ": %s", addr, size,
		    strerror(-ret));
	return ret;
}

int machine_mprotect(struct machine *m, int proc, uint64_t addr, uint64_t size,
		     unsigned int prot, char *why, size_t whylen)
{
	struct machine_proc *p = machine_proc_get(m, proc, why, whylen);
	int ret;

	if (!p)
		return -ESRCH;
	machine_proc_enter(m, p);
	ret = mm_mprotect(p->mm, addr, size, mm_prot(prot));
	if (ret)
		machine_say(why, whylen, "mprotect 0x%" PRIx64 " +0x%" PRIx64 ": %s", addr, size,
		    strerror(-ret));
	return ret;
}

int machine_clear_refs(struct machine *m, int proc, uint64_t addr, uint64_t size,
		       char *why, size_t whylen)
{
	struct machine_proc *p = machine_proc_get(m, proc, why, whylen);
	int ret;

	if (!p)
		return -ESRCH;
	machine_proc_enter(m, p);
	ret = mm_clear_refs(p->mm, addr, size);
	if (ret)
		machine_say(why, whylen, "clear-refs: %s", strerror(-ret));
	return ret;
}

/* One CPU access of @n bytes at @va, @off bytes into the whole access. */
typedef int (*cpu_chunk_fn)(struct cpu *cpu, uint64_t va, uint64_t off, uint64_t n, void *ctx);

/*
 * The CPU accesses page by page so that a fault reports the page it stopped
 * at (cpu_fill/cpu_read report only an error).
 */
static int cpu_by_page(struct machine *m, int proc, uint64_t addr, uint64_t len,
		       cpu_chunk_fn chunk, void *ctx, uint64_t *fault_addr)
{
	struct machine_proc *p = machine_proc_get(m, proc, NULL, 0);
	uint64_t page = mm_page_size(&m->mm), done = 0;

	if (!p)
		return -ESRCH;
	machine_proc_enter(m, p);
	while (done < len) {
		uint64_t va = addr + done;
		uint64_t n = page - (va & (page - 1));

		if (n > len - done)
			n = len - done;
		if (chunk(cpu_get(m->cpus, p->cpu), va, done, n, ctx)) {
			*fault_addr = va;
			return -EFAULT;
		}
		done += n;
	}
	return 0;
}

static int fill_chunk(struct cpu *cpu, uint64_t va, uint64_t off, uint64_t n, void *byte)
{
	(void)off;
	return cpu_fill(cpu, va, *(const uint8_t *)byte, n, WALK_ACC_READ);
}

static int read_chunk(struct cpu *cpu, uint64_t va, uint64_t off, uint64_t n, void *buf)
{
	return cpu_read(cpu, va, (uint8_t *)buf + off, n, WALK_ACC_READ);
}

int machine_cpu_fill(struct machine *m, int proc, uint64_t addr, uint64_t len, uint8_t byte,
		     uint64_t *fault_addr)
{
	return cpu_by_page(m, proc, addr, len, fill_chunk, &byte, fault_addr);
}

int machine_cpu_read(struct machine *m, int proc, uint64_t addr, void *buf, uint64_t len,
		     uint64_t *fault_addr)
{
	return cpu_by_page(m, proc, addr, len, read_chunk, buf, fault_addr);
}

int machine_cpu_check(struct machine *m, int proc, uint64_t addr, uint64_t len, uint8_t byte,
		      uint64_t *where)
{
	struct machine_proc *p = machine_proc_get(m, proc, NULL, 0);
	uint64_t page = mm_page_size(&m->mm), done = 0, i;
	uint8_t buf[4096];

	if (!p)
		return -ESRCH;
	machine_proc_enter(m, p);
	while (done < len) {
		uint64_t va = addr + done;
		uint64_t n = sizeof(buf) - (va & (sizeof(buf) - 1));

		if (n > len - done)
			n = len - done;
		if (n > page - (va & (page - 1)))
			n = page - (va & (page - 1));
		if (cpu_read(cpu_get(m->cpus, p->cpu), va, buf, n, WALK_ACC_READ)) {
			*where = va;
			return -EFAULT;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] != byte) {
				*where = va + i;
				return 1;
			}
		}
		done += n;
	}
	return 0;
}

int machine_exit(struct machine *m, int proc, char *why, size_t whylen)
{
	struct machine_proc *p = machine_proc_get(m, proc, why, whylen);
	struct machine_handle *h = NULL;
	struct mm *mm;
	unsigned int c;

	if (!p)
		return -ESRCH;
	/*
	 * The process's work stops on every device bound to it before its
	 * address space goes (a driver's release of the process's queues). The
	 * bonds stay until unbind, which stops the PASID again: an engine that
	 * did not stop here cannot outlive that.
	 */
	while ((h = machine_handle_next(m, h)))
		if (h->proc == proc)
			machine_device_stop_pasid(m, m->devs[h->dev], h->pasid, NULL, 0);
	mm = p->mm;
	htable_del(&m->procs, &p->node);
	free(p);
	/* Its thread leaves every CPU; the last user reference tears it down. */
	for (c = 0; c < m->cfg.cpus; c++)
		if (mm_on_cpu(&m->mm, c) == mm)
			mm_switch(&m->mm, NULL, c);
	mmput(mm);
	return 0;
}

int machine_pte_field(struct machine *m, int proc, uint64_t addr, const char *field,
		      uint64_t *val, char *why, size_t whylen)
{
	struct machine_proc *p = machine_proc_get(m, proc, why, whylen);
	uint64_t pte;

	if (!p)
		return -ESRCH;
	pte = pgtable_read_pte(&p->mm->pgt, addr);
	if (!strcmp(field, "valid"))
		*val = pte_valid(pte);
	else if (!strcmp(field, "af"))
		*val = pte_valid(pte) && pte_young(pte);
	else if (!strcmp(field, "dirty"))
		*val = pte_present(pte) && pte_dirty(pte);
	else if (!strcmp(field, "write"))
		*val = pte_present(pte) && pte_write(pte);
	else {
		machine_say(why, whylen, "unknown PTE field '%s'", field);
		return -EINVAL;
	}
	return 0;
}

int machine_process_asid(struct machine *m, int proc, uint64_t *asid)
{
	struct machine_proc *p = machine_proc_get(m, proc, NULL, 0);

	if (!p)
		return -ESRCH;
	*asid = asid_of(m->asids, &p->mm->context);
	return 0;
}

int machine_process_asid_state(struct machine *m, int proc, uint64_t *asid, bool *current,
			       bool *pinned)
{
	struct machine_proc *p = machine_proc_get(m, proc, NULL, 0);
	struct asid_context_state st;

	if (!p)
		return -ESRCH;
	asid_context_state(m->asids, &p->mm->context, &st);
	*asid = st.asid;
	*current = st.current;
	*pinned = st.pinned;
	return 0;
}

