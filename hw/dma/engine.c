// SPDX-License-Identifier: GPL-2.0
/*
 * DMA engines (see hw/dma/engine.h and the interface in hw/dma/regs.h).
 *
 * Data moves through a page-sized bounce buffer inside the engine: a copy
 * reads a source chunk (translate, read, end the section), then writes it
 * (translate, write, end). So the engine never holds one translation's read
 * section while it waits for another (a PRI response or an SMMU stall),
 * and an invalidation never waits on software that waits on it.
 *
 * A copy skips the bounce buffer when the destination translates without
 * waiting (ep_access.no_wait: through the ATC, no page request, no stall):
 * then both sections are open at once and the bytes go frame to frame, in
 * bursts as long as both translations cover (up to DMA_BURST), so a 2M
 * block costs one translation per operand per burst instead of one per 4K.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/dma/engine.h"
#include "hw/walk.h"

#define RELAXED		__ATOMIC_RELAXED
#define DMA_CHUNK	4096u		/* bounce buffer: one 4K page */
/* Most bytes moved under one pair of translations (bounds an invalidation's wait). */
#define DMA_BURST	(256u << 10)

struct dma_engine {
	struct ep *ep;
	struct dma_engine_config cfg;
	pthread_t thread;
	pthread_mutex_t lock;		/* registers and run state */
	pthread_cond_t kick;		/* doorbell, enable, stop */
	pthread_cond_t idle;		/* progress, for dma_engine_wait_idle() */
	/* Registers (under lock). */
	uint32_t ctrl;
	uint64_t ring_base;
	uint32_t ring_log2;
	uint32_t tail;
	uint32_t head;
	/* Run state (under lock). */
	uint64_t ring_pa_latched;	/* bus address, at enable */
	uint32_t ring_log2_latched;
	bool halted;
	bool busy;			/* a descriptor is in progress */
	unsigned long epoch;		/* bumped by each enable (HEAD reset) */
	bool stop;
	/* The descriptor in progress, once decoded (under lock). */
	bool cur_known;
	bool cur_pv;
	uint32_t cur_pasid;
	uint32_t cur_idx;
	unsigned long cur_epoch;
	bool cur_abort;			/* atomic: stop before the next access */
	/* Commands (under lock). */
	uint32_t cmd;
	bool cmd_active;		/* waiting for the descriptor in progress to stop */
	uint8_t cmd_err;
	/* Ring slots abandoned by DMA_CMD_ABORT_PASID (under lock). */
	uint64_t abandoned[(1u << DMA_RING_LOG2_MAX) / 64];
	/* Engine thread only. */
	uint8_t buf[2][DMA_CHUNK];
	struct dma_engine_stats stats;	/* atomic, relaxed */
};

/* One descriptor being processed, and its outcome. */
struct dma_job {
	enum dma_op op;
	bool pv, bof, rcr, rci, priv, crnp;
	uint32_t pasid;
	uint64_t src, dst, len, cra;
	uint8_t pattern;
	/* Outcome. */
	enum dma_cs status;
	bool fw;
	uint64_t done;
	uint64_t addr;
};

static void stat_add(uint64_t *ctr, uint64_t n)
{
	__atomic_fetch_add(ctr, n, RELAXED);
}

/*
 * DMA_CMD_ABORT_PASID asked the descriptor in progress to stop: checked
 * before every access it makes, so none starts once the command waits.
 * Returns true (status ABORTED) if so.
 */
static bool job_stopped(struct dma_engine *e, struct dma_job *job)
{
	if (!__atomic_load_n(&e->cur_abort, __ATOMIC_ACQUIRE))
		return false;
	job->status = DMA_CS_ABORTED;
	job->addr = 0;
	job->fw = false;
	return true;
}

/* ---- Descriptors ------------------------------------------------------- */

static bool job_decode(const uint64_t d[DMA_DESC_WORDS], struct dma_job *job)
{
	memset(job, 0, sizeof(*job));
	job->op = (enum dma_op)FIELD_GET(DMA_DESC0_OP, d[0]);
	job->pv = d[0] & DMA_DESC0_PV;
	job->bof = d[0] & DMA_DESC0_BOF;
	job->rcr = d[0] & DMA_DESC0_RCR;
	job->rci = d[0] & DMA_DESC0_RCI;
	job->priv = d[0] & DMA_DESC0_PRIV;
	job->crnp = d[0] & DMA_DESC0_CRNP;
	job->pasid = (uint32_t)FIELD_GET(DMA_DESC0_PASID, d[0]);
	job->src = d[1];
	job->dst = d[2];
	job->len = FIELD_GET(DMA_DESC3_LEN, d[3]);
	job->pattern = (uint8_t)FIELD_GET(DMA_DESC3_PATTERN, d[3]);
	job->cra = d[4];
	if (job->op > DMA_OP_DRAIN || (d[0] & DMA_DESC0_RES0) || (d[3] & DMA_DESC3_RES0) ||
	    d[5] || d[6] || d[7])
		return false;
	return !(job->rcr && (job->cra & (DMA_CR_ALIGN - 1)));
}

/* Record why the job stops at @addr after an ep_translate() error. */
static int job_fail(struct dma_job *job, int err, uint64_t addr, bool write)
{
	job->status = err == -EFAULT ? DMA_CS_PAGE_FAULT : DMA_CS_ERROR;
	job->addr = addr;
	job->fw = write;
	return err;
}

/* Without PRI there is nothing to wait for: a fault is reported as it is. */
static bool pri_enabled(struct ep *ep)
{
	return ep->pcie && (pcie_cfg_state(ep_cfg(ep)) & PCIE_ST_PRI);
}

/*
 * Block on fault: ask for the faulting page and the next ones this operand
 * will touch, as one page request group; a re-request (@again: a Success
 * left the page faulting) asks for the faulting page alone. 0: translate
 * again.
 */
static int job_fault_in(struct dma_engine *e, struct dma_job *job, uint64_t addr,
			bool write, uint64_t remaining, bool again)
{
	struct ep *ep = e->ep;
	struct ep_page pages[16];
	uint32_t alloc;
	unsigned int n, max = e->cfg.pri_group_max;
	int code;

	alloc = pcie_cfg_dev_read(ep_cfg(ep), ep_cfg(ep)->pri + PCIE_PRI_ALLOC, 4);
	if (max > alloc)
		max = alloc;
	if (again && max > 1)
		max = 1;
	remaining += addr & (DMA_CHUNK - 1);
	for (n = 0; n < max && n < 16 && (uint64_t)n * DMA_CHUNK < remaining; n++) {
		pages[n].addr = (addr & ~(uint64_t)(DMA_CHUNK - 1)) + (uint64_t)n * DMA_CHUNK;
		pages[n].acc = (write ? WALK_ACC_WRITE : WALK_ACC_READ) |
			       (job->priv ? WALK_ACC_PRIV : 0);
	}
	if (!n)
		return -EFAULT;
	stat_add(&e->stats.prg_groups, 1);
	code = ep_page_request_group(ep, job->pv, job->pasid, pages, n);
	/*
	 * Software answers a group as a whole: Invalid Request may be about
	 * a later page. Ask for the faulting page alone before giving up.
	 */
	if (code == PCIE_PRG_INVALID && n > 1 && !job_stopped(e, job)) {
		stat_add(&e->stats.prg_groups, 1);
		code = ep_page_request_group(ep, job->pv, job->pasid, pages, 1);
	}
	if (code == PCIE_PRG_SUCCESS)
		return 0;
	if (code == PCIE_PRG_INVALID || code == -EINVAL)
		return -EFAULT;
	return code < 0 ? code : -EIO;
}

static struct ep_access job_acc(const struct dma_job *job, uint64_t addr, bool write)
{
	return (struct ep_access){
		.pv = job->pv, .pasid = job->pasid, .addr = addr,
		.acc = (write ? WALK_ACC_WRITE : WALK_ACC_READ) | (job->priv ? WALK_ACC_PRIV : 0),
	};
}

/*
 * Translate @addr of the job's address space for one access, faulting
 * pages in as the job allows. 0 with @xl's section open (the caller ends
 * it), or a -errno with the job's status set.
 */
static int job_translate(struct dma_engine *e, struct dma_job *job, uint64_t addr, bool write,
			 uint64_t remaining, struct ep_xlate *xl)
{
	struct ep_access a = job_acc(job, addr, write);
	struct ep_pri_retry retry = { 0 };
	int ret;

	for (;;) {
		if (job_stopped(e, job))
			return -ECANCELED;
		ret = ep_translate(e->ep, &a, xl);
		if (!ret)
			return 0;
		if (ret == -EFAULT)
			stat_add(&e->stats.page_faults, 1);
		if (ret != -EFAULT || !job->bof)
			return job_fail(job, ret, addr, write);
		/* The function's budget and pacing (ep_pri_retry()). */
		if (!pri_enabled(e->ep) || !ep_pri_retry(e->ep, &retry))
			return job_fail(job, -EFAULT, addr, write);
		ret = job_fault_in(e, job, addr, write, remaining, retry.again);
		if (ret && job_stopped(e, job))
			return -ECANCELED;
		if (ret)
			return job_fail(job, ret, addr, write);
	}
}

/*
 * Move up to *@n bytes at @addr of the job's address space: read into @buf,
 * write from @buf, or (@fill) write the pattern. *@n shrinks to what one
 * translation covers. 0, or a -errno with the job's status set.
 */
static int job_access(struct dma_engine *e, struct dma_job *job, uint64_t addr,
		      uint64_t *n, bool write, bool fill, uint8_t *buf, uint64_t remaining)
{
	const struct mem_bus *bus = ep_bus(e->ep);
	struct ep_xlate xl;
	int ret;

	ret = job_translate(e, job, addr, write, remaining, &xl);
	if (ret)
		return ret;
	if (*n > xl.len)
		*n = xl.len;
	if (xl.razwi) {
		if (!write)
			memset(buf, 0, *n);
	} else if (fill) {
		ret = bus_fill(bus, xl.pa, job->pattern, *n);
	} else if (write) {
		ret = bus_write(bus, xl.pa, buf, *n);
	} else {
		ret = bus_read(bus, xl.pa, buf, *n);
	}
	ep_access_end(e->ep, &xl);
	if (ret) {
		job->status = DMA_CS_ERROR;
		job->addr = addr;
		job->fw = write;
	}
	return ret;
}

/* First differing byte of two buffers, or @n. */
static uint64_t first_diff(const uint8_t *a, const uint8_t *b, uint64_t n)
{
	uint64_t i;

	if (!memcmp(a, b, n))
		return n;
	for (i = 0; a[i] == b[i]; i++)
		;
	return i;
}

static bool ranges_overlap(uint64_t a, uint64_t b, uint64_t n)
{
	return a < b + n && b < a + n;
}

/*
 * COPY without the bounce buffer, up to DMA_BURST bytes: the source is
 * translated as usual (it may fault pages in: no other section is open),
 * the destination only if that needs no wait, and the bytes go from frame
 * to frame while both sections are open. 1 with *@got bytes done; 0 when
 * this chunk must go through the bounce buffer instead (nothing done, no
 * status: the bounce path finds and reports whatever went wrong); -1 with
 * the job's status set.
 */
static int job_copy_direct(struct dma_engine *e, struct dma_job *job, uint64_t *got)
{
	uint64_t s = job->src + job->done, d = job->dst + job->done, n = job->len - job->done;
	struct ep_access ad = job_acc(job, d, true);
	const struct mem_bus *bus = ep_bus(e->ep);
	struct ep_xlate xs, xd;
	int ret = 0;

	if (!bus->ops->copy)
		return 0;
	if (n > DMA_BURST)
		n = DMA_BURST;
	if (job_translate(e, job, s, false, n, &xs))
		return -1;
	if (xs.razwi)
		goto out_src;
	ad.no_wait = true;
	if (job_stopped(e, job)) {
		ret = -1;
		goto out_src;
	}
	if (ep_translate(e->ep, &ad, &xd))
		goto out_src;
	if (n > xs.len)
		n = xs.len;
	if (n > xd.len)
		n = xd.len;
	if (!xd.razwi && !ranges_overlap(xs.pa, xd.pa, n) && !bus_copy(bus, xd.pa, xs.pa, n)) {
		*got = n;
		ret = 1;
	}
	ep_access_end(e->ep, &xd);
out_src:
	ep_access_end(e->ep, &xs);
	return ret;
}

/* One chunk (within one page of each operand). Bytes done, or 0 with status set. */
static uint64_t job_chunk(struct dma_engine *e, struct dma_job *job, uint64_t n)
{
	uint64_t s = job->src + job->done, d = job->dst + job->done;
	uint64_t left = job->len - job->done, m, at;

	switch (job->op) {
	case DMA_OP_FILL:
		return job_access(e, job, d, &n, true, true, NULL, left) ? 0 : n;
	case DMA_OP_COPY:
		if (job_access(e, job, s, &n, false, false, e->buf[0], left))
			return 0;
		/* The destination may map less: write what it covers, then the rest. */
		for (at = 0; at < n; at += m) {
			m = n - at;
			if (job_access(e, job, d + at, &m, true, false, e->buf[0] + at, left - at)) {
				job->done += at;
				return 0;
			}
		}
		return n;
	case DMA_OP_COMPARE:
		if (job_access(e, job, s, &n, false, false, e->buf[0], left))
			return 0;
		m = n;
		if (job_access(e, job, d, &m, false, false, e->buf[1], left))
			return 0;
		at = first_diff(e->buf[0], e->buf[1], m);
		if (at < m) {
			job->status = DMA_CS_MISMATCH;
			job->addr = s + at;
			job->done += at;
			return 0;
		}
		return m;
	case DMA_OP_CHECK:
		if (job_access(e, job, s, &n, false, false, e->buf[0], left))
			return 0;
		memset(e->buf[1], job->pattern, n);
		at = first_diff(e->buf[0], e->buf[1], n);
		if (at < n) {
			job->status = DMA_CS_MISMATCH;
			job->addr = s + at;
			job->done += at;
			return 0;
		}
		return n;
	default:
		return 0;
	}
}

/* DRAIN: nothing of this engine is in flight before it; tell the IOMMU side. */
static void job_drain(struct dma_engine *e, struct dma_job *job)
{
	struct ep *ep = e->ep;
	uint32_t st = pcie_cfg_state(ep_cfg(ep));

	if (job_stopped(e, job))
		return;
	job->status = DMA_CS_SUCCESS;
	if (job->pv && ep->pcie && (st & PCIE_ST_PRI) && ep_stop_marker(ep, job->pasid))
		job->status = DMA_CS_ERROR;
}

static void job_run(struct dma_engine *e, struct dma_job *job)
{
	uint64_t n, got;

	if (job->op == DMA_OP_DRAIN) {
		job_drain(e, job);
		return;
	}

	while (job->done < job->len && job->op != DMA_OP_NOP) {
		if (job->op == DMA_OP_COPY) {
			int direct = job_copy_direct(e, job, &got);

			if (direct < 0)
				return;
			if (direct) {
				job->done += got;
				stat_add(&e->stats.bytes, got);
				continue;
			}
		}
		n = job->len - job->done;
		if (job->op != DMA_OP_CHECK &&
		    n > DMA_CHUNK - ((job->dst + job->done) & (DMA_CHUNK - 1)))
			n = DMA_CHUNK - ((job->dst + job->done) & (DMA_CHUNK - 1));
		if (job->op != DMA_OP_FILL &&
		    n > DMA_CHUNK - ((job->src + job->done) & (DMA_CHUNK - 1)))
			n = DMA_CHUNK - ((job->src + job->done) & (DMA_CHUNK - 1));
		got = job_chunk(e, job, n);
		if (!got)
			return;
		job->done += got;
		stat_add(&e->stats.bytes, got);
	}
	job->status = DMA_CS_SUCCESS;
}

/* Write the completion record: dw1..dw3 first, dw0 (STATUS) last. */
static void job_complete(struct dma_engine *e, struct dma_job *job)
{
	struct ep_access a = {
		.pv = job->pv && !job->crnp, .pasid = job->pasid, .addr = job->cra,
		.acc = WALK_ACC_WRITE | (job->priv && !job->crnp ? WALK_ACC_PRIV : 0),
		.fault_in = job->bof && !job->crnp,
	};
	uint64_t rest[3] = { job->done, job->addr, 0 };
	uint64_t dw0 = FIELD_PREP(DMA_CR0_STATUS, job->status) |
		       FIELD_PREP(DMA_CR0_OP, job->op) | (job->fw ? DMA_CR0_FW : 0);
	struct ep_xlate xl;

	if (!job->rcr)
		return;
	/* An aborted descriptor never reaches into its PASID's space again. */
	if (job->status == DMA_CS_ABORTED && a.pv)
		return;
	if ((job->cra & (DMA_CR_ALIGN - 1)) || ep_translate(e->ep, &a, &xl)) {
		stat_add(&e->stats.cr_lost, 1);
		return;
	}
	if (!xl.razwi && (bus_write(ep_bus(e->ep), xl.pa + 8, rest, sizeof(rest)) ||
			  bus_write64(ep_bus(e->ep), xl.pa, dw0)))
		stat_add(&e->stats.cr_lost, 1);
	ep_access_end(e->ep, &xl);
}

/* ---- The engine thread -------------------------------------------------- */

/*
 * Fetch descriptor @idx of the ring. false: the fetch failed (halt). The
 * ring is read at its physical address, like descriptors written to a DSA
 * portal never see the IOMMU; with cfg.ring_translated it is PASID-less DMA
 * through the function instead.
 */
static bool fetch(struct dma_engine *e, uint64_t ring, uint32_t log2, uint32_t idx,
		  uint64_t d[DMA_DESC_WORDS])
{
	struct ep_access a = {
		.addr = ring + (uint64_t)(idx & ((1u << log2) - 1)) * DMA_DESC_SIZE,
		.acc = WALK_ACC_READ,
	};
	struct ep_xlate xl;
	int ret;

	if (!e->cfg.ring_translated)
		return !bus_read(ep_bus(e->ep), a.addr, d, DMA_DESC_SIZE);
	if (ep_translate(e->ep, &a, &xl))
		return false;
	if (xl.razwi)
		memset(d, 0, DMA_DESC_SIZE);
	ret = xl.razwi ? 0 : bus_read(ep_bus(e->ep), xl.pa, d, DMA_DESC_SIZE);
	ep_access_end(e->ep, &xl);
	return !ret;
}

/* ---- Stopping a PASID (DMA_CMD_ABORT_PASID) ------------------------------ */

static uint32_t ring_slot(uint32_t log2, uint32_t idx)
{
	return idx & ((1u << log2) - 1);
}

static bool slot_abandoned(const struct dma_engine *e, uint32_t slot)
{
	return e->abandoned[slot / 64] & (1ull << (slot % 64));
}

static void slot_abandon(struct dma_engine *e, uint32_t slot, bool on)
{
	if (on)
		e->abandoned[slot / 64] |= 1ull << (slot % 64);
	else
		e->abandoned[slot / 64] &= ~(1ull << (slot % 64));
}

/* Does the descriptor at @idx (submitted, not started) belong to @pasid? */
static bool slot_has_pasid(struct dma_engine *e, uint32_t idx, uint32_t pasid)
{
	uint64_t d[DMA_DESC_WORDS];

	/* Unreadable: it cannot be shown to be another PASID's. */
	if (!fetch(e, e->ring_pa_latched, e->ring_log2_latched, idx, d))
		return true;
	return (d[0] & DMA_DESC0_PV) && FIELD_GET(DMA_DESC0_PASID, d[0]) == pasid;
}

/*
 * DMA_CMD_ABORT_PASID (under lock): abandon the PASID's descriptors that
 * wait in the ring, and ask the one in progress to stop; the command stays
 * ACTIVE until it has (job_end()).
 */
static void cmd_abort_pasid(struct dma_engine *e, uint32_t pasid)
{
	bool cur = e->busy && e->cur_known;
	uint32_t idx;

	if (e->ctrl & DMA_CTRL_ENABLE) {
		for (idx = e->head; idx != e->tail; idx++) {
			if (cur && e->cur_epoch == e->epoch && idx == e->cur_idx)
				continue;
			if (slot_has_pasid(e, idx, pasid))
				slot_abandon(e, ring_slot(e->ring_log2_latched, idx), true);
		}
	}
	/* A job of an earlier ring (before a re-enable) still runs: stop it too. */
	if (cur && e->cur_pv && e->cur_pasid == pasid) {
		__atomic_store_n(&e->cur_abort, true, __ATOMIC_RELEASE);
		e->cmd_active = true;
	}
}

static void write_cmd(struct dma_engine *e, uint32_t val)
{
	if (e->cmd_active)
		return;
	e->cmd = val;
	e->cmd_err = DMA_CMD_ERR_NONE;
	if (FIELD_GET(DMA_CMD_CODE, val) != DMA_CMD_ABORT_PASID || (val & DMA_CMD_RES0)) {
		e->cmd_err = DMA_CMD_ERR_INVALID;
		return;
	}
	cmd_abort_pasid(e, FIELD_GET(DMA_CMD_PASID, val));
}

/*
 * The descriptor at @idx is decoded: make it the one in progress, which a
 * command can then stop. true if a command abandoned it while it waited.
 */
static bool job_begin(struct dma_engine *e, const struct dma_job *job, uint32_t idx,
		      unsigned long epoch, uint32_t log2)
{
	bool abandoned = false;

	pthread_mutex_lock(&e->lock);
	if (e->epoch == epoch) {
		abandoned = slot_abandoned(e, ring_slot(log2, idx));
		slot_abandon(e, ring_slot(log2, idx), false);
	}
	e->cur_known = true;
	e->cur_pv = job->pv;
	e->cur_pasid = job->pasid;
	e->cur_idx = idx;
	e->cur_epoch = epoch;
	pthread_mutex_unlock(&e->lock);
	return abandoned;
}

/* Under lock: nothing is in progress any more; a command waiting for it completes. */
static void job_end(struct dma_engine *e)
{
	e->busy = false;
	e->cur_known = false;
	__atomic_store_n(&e->cur_abort, false, __ATOMIC_RELAXED);
	e->cmd_active = false;
}

static void process(struct dma_engine *e, const uint64_t d[DMA_DESC_WORDS], uint32_t idx,
		    unsigned long epoch, uint32_t log2)
{
	struct dma_job job;
	bool valid = job_decode(d, &job);

	if (job_begin(e, &job, idx, epoch, log2))
		job.status = DMA_CS_ABORTED;
	else if (valid)
		job_run(e, &job);
	else
		job.status = DMA_CS_INVALID;
	job_complete(e, &job);
	stat_add(&e->stats.descriptors, 1);
	if (job.status == DMA_CS_INVALID || job.status == DMA_CS_ERROR)
		stat_add(&e->stats.errors, 1);
	if (job.status == DMA_CS_ABORTED)
		stat_add(&e->stats.aborted, 1);
	if (job.rci) {
		stat_add(&e->stats.interrupts, 1);
		irq_raise(&e->cfg.irq);
	}
}

static bool has_work(const struct dma_engine *e)
{
	return (e->ctrl & DMA_CTRL_ENABLE) && !e->halted && e->head != e->tail;
}

static void *engine_thread(void *arg)
{
	struct dma_engine *e = arg;
	uint64_t d[DMA_DESC_WORDS], ring;
	uint32_t idx, log2;
	unsigned long epoch;
	bool ok, cmd_done;

	pthread_mutex_lock(&e->lock);
	for (;;) {
		while (!e->stop && !has_work(e))
			pthread_cond_wait(&e->kick, &e->lock);
		if (e->stop)
			break;
		idx = e->head;
		epoch = e->epoch;
		ring = e->ring_pa_latched;
		log2 = e->ring_log2_latched;
		e->busy = true;
		pthread_mutex_unlock(&e->lock);

		ok = fetch(e, ring, log2, idx, d);
		if (ok)
			process(e, d, idx, epoch, log2);

		pthread_mutex_lock(&e->lock);
		cmd_done = e->cmd_active;
		job_end(e);
		/* A re-enable meanwhile restarted the ring: this result is moot. */
		if (e->epoch == epoch) {
			if (!ok)
				e->halted = true;
			else
				e->head = idx + 1;
		}
		/* Waiters want idle, halted or their command done: not every descriptor. */
		if (cmd_done || e->halted || !has_work(e))
			pthread_cond_broadcast(&e->idle);
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

/* ---- Registers ------------------------------------------------------------ */

uint32_t dma_mmio_read32(struct dma_engine *e, uint64_t off)
{
	uint32_t v = 0;

	pthread_mutex_lock(&e->lock);
	switch (off) {
	case DMA_REG_CTRL:
		v = e->ctrl;
		break;
	case DMA_REG_STATUS:
		if (e->ctrl & DMA_CTRL_ENABLE)
			v |= DMA_STATUS_ENABLED;
		if (e->halted)
			v |= DMA_STATUS_HALTED;
		if (e->head == e->tail && !e->busy)
			v |= DMA_STATUS_IDLE;
		break;
	case DMA_REG_RING_BASE:
		v = (uint32_t)e->ring_base;
		break;
	case DMA_REG_RING_BASE + 4:
		v = (uint32_t)(e->ring_base >> 32);
		break;
	case DMA_REG_RING_LOG2:
		v = e->ring_log2;
		break;
	case DMA_REG_TAIL:
		v = e->tail;
		break;
	case DMA_REG_HEAD:
		v = e->head;
		break;
	case DMA_REG_CMD:
		v = e->cmd;
		break;
	case DMA_REG_CMD_STATUS:
		v = (e->cmd_active ? DMA_CMD_STATUS_ACTIVE : 0) |
		    FIELD_PREP(DMA_CMD_STATUS_ERR, e->cmd_err);
		break;
	}
	pthread_mutex_unlock(&e->lock);
	return v;
}

uint64_t dma_mmio_read64(struct dma_engine *e, uint64_t off)
{
	if (off == DMA_REG_RING_BASE) {
		uint64_t v;

		pthread_mutex_lock(&e->lock);
		v = e->ring_base;
		pthread_mutex_unlock(&e->lock);
		return v;
	}
	return dma_mmio_read32(e, off);
}

static void write_ctrl(struct dma_engine *e, uint32_t val)
{
	bool was = e->ctrl & DMA_CTRL_ENABLE;

	e->ctrl = val & DMA_CTRL_ENABLE;
	if (!was && (e->ctrl & DMA_CTRL_ENABLE)) {
		e->head = 0;
		e->tail = 0;
		e->halted = false;
		e->epoch++;
		memset(e->abandoned, 0, sizeof(e->abandoned));
		e->ring_pa_latched = e->ring_base & DMA_RING_BASE_ADDR;
		e->ring_log2_latched = e->ring_log2;
	}
}

void dma_mmio_write32(struct dma_engine *e, uint64_t off, uint32_t val)
{
	pthread_mutex_lock(&e->lock);
	switch (off) {
	case DMA_REG_CTRL:
		write_ctrl(e, val);
		break;
	case DMA_REG_RING_BASE:
		e->ring_base = (e->ring_base & GENMASK_ULL(63, 32)) | val;
		break;
	case DMA_REG_RING_BASE + 4:
		e->ring_base = (e->ring_base & GENMASK_ULL(31, 0)) | (uint64_t)val << 32;
		break;
	case DMA_REG_RING_LOG2:
		val = (uint32_t)FIELD_GET(DMA_RING_LOG2, val);
		if (val >= 1 && val <= DMA_RING_LOG2_MAX)
			e->ring_log2 = val;
		break;
	case DMA_REG_TAIL:
		/* Never more descriptors than slots (a driver bug otherwise). */
		if ((e->ctrl & DMA_CTRL_ENABLE) &&
		    val - e->head <= (1u << e->ring_log2_latched))
			e->tail = val;
		break;
	case DMA_REG_CMD:
		write_cmd(e, val);
		break;
	}
	pthread_cond_broadcast(&e->kick);
	pthread_mutex_unlock(&e->lock);
}

void dma_mmio_write64(struct dma_engine *e, uint64_t off, uint64_t val)
{
	if (off == DMA_REG_RING_BASE) {
		pthread_mutex_lock(&e->lock);
		e->ring_base = val;
		pthread_mutex_unlock(&e->lock);
		return;
	}
	dma_mmio_write32(e, off, (uint32_t)val);
}

static uint32_t mmio_r32(void *ctx, uint64_t off)
{
	return dma_mmio_read32(ctx, off);
}

static void mmio_w32(void *ctx, uint64_t off, uint32_t val)
{
	dma_mmio_write32(ctx, off, val);
}

static uint64_t mmio_r64(void *ctx, uint64_t off)
{
	return dma_mmio_read64(ctx, off);
}

static void mmio_w64(void *ctx, uint64_t off, uint64_t val)
{
	dma_mmio_write64(ctx, off, val);
}

static const struct mmio_ops dma_mmio_ops = {
	.read32 = mmio_r32,
	.write32 = mmio_w32,
	.read64 = mmio_r64,
	.write64 = mmio_w64,
};

struct mmio_region dma_engine_mmio(struct dma_engine *e)
{
	return (struct mmio_region){ .ops = &dma_mmio_ops, .ctx = e };
}

/* ---- Lifetime ------------------------------------------------------------- */

struct dma_engine *dma_engine_create(struct ep *ep, const struct dma_engine_config *cfg)
{
	struct dma_engine *e;
	pthread_condattr_t attr;

	if (!ep)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->ep = ep;
	if (cfg)
		e->cfg = *cfg;
	if (!e->cfg.pri_group_max)
		e->cfg.pri_group_max = 4;
	e->ring_log2 = 1;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->kick, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&e->idle, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&e->thread, NULL, engine_thread, e))
		goto err_sync;
	return e;

err_sync:
	pthread_cond_destroy(&e->idle);
	pthread_cond_destroy(&e->kick);
	pthread_mutex_destroy(&e->lock);
	free(e);
	return NULL;
}

void dma_engine_destroy(struct dma_engine *e)
{
	if (!e)
		return;
	pthread_mutex_lock(&e->lock);
	e->stop = true;
	pthread_cond_broadcast(&e->kick);
	pthread_mutex_unlock(&e->lock);
	pthread_join(e->thread, NULL);
	pthread_cond_destroy(&e->idle);
	pthread_cond_destroy(&e->kick);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static void deadline_in(struct timespec *ts, unsigned int timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int dma_engine_wait_idle(struct dma_engine *e, unsigned int timeout_ms)
{
	struct timespec ts;
	int ret = 0;

	deadline_in(&ts, timeout_ms);
	pthread_mutex_lock(&e->lock);
	while (!e->halted && (e->busy || has_work(e)) && !ret)
		ret = pthread_cond_timedwait(&e->idle, &e->lock, &ts) == ETIMEDOUT ? -ETIMEDOUT : 0;
	if (ret && !e->halted && !e->busy && !has_work(e))
		ret = 0;
	pthread_mutex_unlock(&e->lock);
	return ret;
}

int dma_engine_wait_cmd(struct dma_engine *e, unsigned int timeout_ms)
{
	struct timespec ts;
	int ret = 0;

	deadline_in(&ts, timeout_ms);
	pthread_mutex_lock(&e->lock);
	while (e->cmd_active && !ret)
		ret = pthread_cond_timedwait(&e->idle, &e->lock, &ts) == ETIMEDOUT ? -ETIMEDOUT : 0;
	if (!e->cmd_active)
		ret = 0;
	pthread_mutex_unlock(&e->lock);
	return ret;
}

void dma_engine_get_stats(struct dma_engine *e, struct dma_engine_stats *st)
{
	const uint64_t *src = (const uint64_t *)&e->stats;
	uint64_t *dst = (uint64_t *)st;
	size_t i;

	for (i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], RELAXED);
}
