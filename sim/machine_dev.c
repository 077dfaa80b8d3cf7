// SPDX-License-Identifier: GPL-2.0
/*
 * The machine's devices (see sim/machine.h): a PCIe endpoint or platform
 * device with DMA engines, its master in the arm-smmu-v3 driver and its
 * private DMA domain; SVA binds; DMA descriptors and their completions.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/smmuv3.h"
#include "sim/machine_internal.h"

#include "os/arm-smmu-v3/sva.h"

/* ---- The CD the SMMU holds for a handle ------------------------------------ */

int machine_cd_field(struct machine *m, int handle, const char *field, uint64_t *val,
		     char *why, size_t whylen)
{
	static const struct {
		const char *name;
		int dw;
		uint64_t mask;
	} fields[] = {
		{ "v", 0, CD_0_V }, { "t0sz", 0, CD_0_T0SZ }, { "tg0", 0, CD_0_TG0 },
		{ "irgn0", 0, CD_0_IR0 }, { "orgn0", 0, CD_0_OR0 }, { "sh0", 0, CD_0_SH0 },
		{ "epd0", 0, CD_0_EPD0 }, { "epd1", 0, CD_0_EPD1 }, { "ips", 0, CD_0_IPS },
		{ "affd", 0, CD_0_AFFD }, { "ha", 0, CD_0_HA }, { "hd", 0, CD_0_HD },
		{ "s", 0, CD_0_S }, { "r", 0, CD_0_R }, { "a", 0, CD_0_A },
		{ "aset", 0, CD_0_ASET }, { "asid", 0, CD_0_ASID }, { "aa64", 0, CD_0_AA64 },
	};
	struct machine_handle *h = machine_handle_get(m, handle);
	struct machine_dev *d;
	const uint64_t *cd;
	unsigned int i;

	if (!h) {
		machine_say(why, whylen, "the handle is not bound");
		return -EINVAL;
	}
	d = m->devs[h->dev];
	cd = arm_smmu_get_cd_ptr(d->master, h->pasid);
	if (!cd) {
		machine_say(why, whylen, "no CD for PASID %u", h->pasid);
		return -ENOENT;
	}
	if (!strcmp(field, "ttb0")) {
		/* TTB0 is an address: report it as one, not shifted down. */
		*val = __atomic_load_n(&cd[1], __ATOMIC_ACQUIRE) & CD_1_TTB0;
		return 0;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!strcmp(fields[i].name, field)) {
			*val = FIELD_GET(fields[i].mask,
					 __atomic_load_n(&cd[fields[i].dw], __ATOMIC_ACQUIRE));
			return 0;
		}
	}
	machine_say(why, whylen, "unknown CD field '%s'", field);
	return -EINVAL;
}

/* ---- Devices ----------------------------------------------------------------- */

#define DMA_RING_LOG2_USED	4	/* 16 descriptors: one is in flight at a time */
#define DMA_WAIT_MS		60000	/* bound on one descriptor (PRI/stall included) */

static int cfg_read16(void *ctx, unsigned int off, uint16_t *val)
{
	return pcie_cfg_read16(ctx, off, val);
}

static int cfg_read32(void *ctx, unsigned int off, uint32_t *val)
{
	return pcie_cfg_read32(ctx, off, val);
}

static int cfg_write16(void *ctx, unsigned int off, uint16_t val)
{
	return pcie_cfg_write16(ctx, off, val);
}

static int cfg_write32(void *ctx, unsigned int off, uint32_t val)
{
	return pcie_cfg_write32(ctx, off, val);
}

static const struct pci_cfg_ops machine_cfg_ops = {
	.read16 = cfg_read16, .read32 = cfg_read32,
	.write16 = cfg_write16, .write32 = cfg_write32,
};

static bool sid_in_use(struct machine *m, uint32_t sid)
{
	unsigned int i;

	for (i = 0; i < m->nr_devs; i++)
		if (m->devs[i]->sid == sid)
			return true;
	return false;
}

static uint64_t queue_ring_bytes(struct machine *m, const struct machine_queue *q)
{
	return 1ULL << (m->cfg.page_shift + q->ring_order);
}

void machine_device_remove(struct machine *m, struct machine_dev *d)
{
	unsigned int i;

	for (i = 0; i < d->nr_q; i++)
		dma_engine_destroy(d->q[i].dma);
	if (d->domain) {
		for (i = 0; i < d->nr_q; i++)
			if (d->q[i].ring_pa)
				iommu_unmap(d->domain, d->q[i].ring_pa, queue_ring_bytes(m, &d->q[i]));
		iommu_detach_device(d->domain, &d->dev);
		iommu_domain_free(d->domain);
	}
	if (d->dev_ready)
		iommu_device_fini(&d->dev);
	if (d->master)
		arm_smmu_release_device(d->master);
	for (i = 0; i < d->nr_q; i++)
		if (d->q[i].ring_pa)
			frame_free_order(m->frames, d->q[i].ring_pa, d->q[i].ring_order);
	ep_destroy(d->ep);
	free(d);
}

/* What a PCIe function cannot be, said in the scenario's words; 0 if it can be. */
static int pci_function_check(const struct machine_dev *d, char *why, size_t whylen)
{
	const struct scn_device *c = &d->cfg;

	/* PCIe §10.4: a page request asks for what a later ATS request translates. */
	if (c->pri && !c->ats) {
		machine_say(why, whylen, "device '%s': pri needs ats (a page request is made "
			    "for an ATS translation)", d->name);
		return -EINVAL;
	}
	/* Its PRG responses must carry the PASID, so the function has the PASID capability. */
	if (c->pri && !c->pasid_bits) {
		machine_say(why, whylen, "device '%s': pri needs pasid-bits of at least 1", d->name);
		return -EINVAL;
	}
	return 0;
}

static int device_endpoint(struct machine *m, struct machine_dev *d, char *why, size_t whylen)
{
	struct ep_config ec;
	int ret;

	if (d->cfg.pci) {
		ret = pci_function_check(d, why, whylen);
		if (ret)
			return ret;
		ep_config_default(&ec, d->sid);
		ec.func.ats = d->cfg.ats;
		ec.func.pri = d->cfg.pri;
		ec.func.pri_capacity = d->cfg.prq;
		/* "PRG Response PASID Required" belongs to the PRI capability. */
		ec.func.pri_pasid_required = d->cfg.pri;
		ec.func.pasid = d->cfg.pasid_bits > 0;
		ec.func.pasid_width = d->cfg.pasid_bits ? d->cfg.pasid_bits : 1;
		ec.atc_entries = d->cfg.atc;
	} else {
		ep_config_platform(&ec, d->sid);
	}
	d->ep = ep_create(&ec, &m->mem.bus, NULL);
	if (!d->ep) {
		machine_say(why, whylen, "device '%s': the endpoint model refused its configuration "
			    "or ran out of memory", d->name);
		return -ENOMEM;
	}
	if (ep_attach_smmu(d->ep, m->smmu)) {
		machine_say(why, whylen, "device '%s': cannot connect it to the SMMU", d->name);
		return -EIO;
	}
	if (d->cfg.pci) {
		uint16_t cmd = 0;

		if (pci_dev_init(&d->pdev, &machine_cfg_ops, ep_cfg(d->ep), d->name) ||
		    pcie_cfg_read16(ep_cfg(d->ep), PCIE_CFG_COMMAND, &cmd) ||
		    pcie_cfg_write16(ep_cfg(d->ep), PCIE_CFG_COMMAND, cmd | PCIE_COMMAND_MASTER)) {
			machine_say(why, whylen, "%s: config space unusable", d->name);
			return -EIO;
		}
	}
	return 0;
}

/* The driver's side: master, private DMA domain, iommu device, features. */
static int device_driver(struct machine *m, struct machine_dev *d, char *why, size_t whylen)
{
	struct arm_smmu_master_desc desc = {
		.sids = &d->sid, .num_sids = 1, .name = d->name,
		.ssid_bits = d->cfg.pasid_bits,
		.stall_capable = d->cfg.stall,
		.pdev = d->cfg.pci ? &d->pdev : NULL,
	};
	int err = 0, ret;

	d->master = arm_smmu_probe_device(m->drv, &desc, &err);
	if (!d->master) {
		machine_say(why, whylen, "arm-smmu-v3: cannot add %s (SID %u): %s", d->name, d->sid,
		    strerror(-err));
		return err ? err : -ENODEV;
	}
	arm_smmu_iommu_device_init(&d->dev, &m->iommu, d->master);
	d->dev_ready = true;
	/*
	 * A device starts in a translated DMA domain of its own with nothing
	 * mapped, through the iommu core as a device driver's DMA API would.
	 */
	d->domain = iommu_paging_domain_alloc(&d->dev);
	if (!d->domain) {
		machine_say(why, whylen, "%s: no memory for a DMA domain", d->name);
		return -ENOMEM;
	}
	ret = iommu_attach_device(d->domain, &d->dev);
	if (ret) {
		machine_say(why, whylen, "%s: cannot attach its DMA domain: %s", d->name, strerror(-ret));
		return ret;
	}
	/* Recoverable faults and SVA when the device can have them; bind tells why not. */
	if (!iommu_dev_enable_feature(&d->dev, IOMMU_DEV_FEAT_IOPF))
		iommu_dev_enable_feature(&d->dev, IOMMU_DEV_FEAT_SVA);
	return 0;
}

/*
 * A DMA engine of the device: its ring and completion record mapped for the
 * device in its DMA domain. Engines of one device share its function (ATC,
 * PRI credits), like the work queues of one accelerator.
 */
static int device_engine(struct machine *m, struct machine_dev *d, char *why, size_t whylen)
{
	struct dma_engine_config dc = { 0 };
	struct machine_queue *q = &d->q[d->nr_q];
	uint64_t size;
	int ret;

	if (d->nr_q == MACHINE_DEV_QUEUES) {
		machine_say(why, whylen, "%s: too many DMA queues (at most %d)", d->name,
		    MACHINE_DEV_QUEUES);
		return -ENOSPC;
	}
	memset(q, 0, sizeof(*q));
	q->dma = dma_engine_create(d->ep, &dc);
	if (!q->dma) {
		machine_say(why, whylen, "%s: cannot create its DMA engine", d->name);
		return -ENOMEM;
	}
	/* Counted from here on, so that machine_device_remove() undoes what exists. */
	d->nr_q++;
	size = (1ULL << DMA_RING_LOG2_USED) * DMA_DESC_SIZE + DMA_CR_SIZE;
	while ((1ULL << (m->cfg.page_shift + q->ring_order)) < size)
		q->ring_order++;
	q->ring_pa = frame_alloc_order(m->frames, q->ring_order, FRAME_ZERO);
	if (!q->ring_pa) {
		machine_say(why, whylen, "%s: no memory for its descriptor ring", d->name);
		return -ENOMEM;
	}
	q->cr_pa = q->ring_pa + (1ULL << DMA_RING_LOG2_USED) * DMA_DESC_SIZE;
	ret = iommu_map(d->domain, q->ring_pa, q->ring_pa, queue_ring_bytes(m, q),
			IOMMU_READ | IOMMU_WRITE);
	if (ret) {
		machine_say(why, whylen, "%s: cannot map its descriptor ring: %s", d->name, strerror(-ret));
		frame_free_order(m->frames, q->ring_pa, q->ring_order);
		q->ring_pa = 0;
		return ret;
	}
	dma_mmio_write64(q->dma, DMA_REG_RING_BASE, q->ring_pa);
	dma_mmio_write32(q->dma, DMA_REG_RING_LOG2, DMA_RING_LOG2_USED);
	dma_mmio_write32(q->dma, DMA_REG_CTRL, DMA_CTRL_ENABLE);
	return (int)d->nr_q - 1;
}

int machine_device_add(struct machine *m, const char *name, const struct scn_device *cfg,
		       char *why, size_t whylen)
{
	unsigned int idx;
	struct machine_dev *d;
	uint32_t sid = 0;
	int ret;

	if (m->nr_devs == MACHINE_MAX_DEVS) {
		machine_say(why, whylen, "too many devices (at most %d)", MACHINE_MAX_DEVS);
		return -ENOSPC;
	}
	if (cfg->sid_set) {
		sid = cfg->sid;
		if (sid_in_use(m, sid)) {
			machine_say(why, whylen, "StreamID %u is already taken", sid);
			return -EEXIST;
		}
	} else {
		while (sid_in_use(m, sid))
			sid++;
	}
	if (m->cfg.sid_bits < 32 && sid >= (1u << m->cfg.sid_bits)) {
		machine_say(why, whylen, "StreamID %u does not fit in sid-bits=%u", sid, m->cfg.sid_bits);
		return -ERANGE;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		machine_say(why, whylen, "out of memory");
		return -ENOMEM;
	}
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->cfg = *cfg;
	d->sid = sid;
	ret = device_endpoint(m, d, why, whylen);
	if (!ret)
		ret = device_driver(m, d, why, whylen);
	if (!ret)
		ret = device_engine(m, d, why, whylen);
	if (ret < 0) {
		machine_device_remove(m, d);
		return ret;
	}
	idx = m->nr_devs;
	m->devs[idx] = d;
	/* The trace's SMMU threads look devices up by StreamID meanwhile. */
	__atomic_store_n(&m->nr_devs, idx + 1, __ATOMIC_RELEASE);
	machine_trace_device(m, idx);
	return (int)idx;
}

/* ---- SVA ------------------------------------------------------------------------- */

/*
 * Stop the device's work for @pasid, as a device driver must before the
 * PASID goes back to the IOMMU (Linux: before iommu_sva_unbind_device();
 * IDXD drains the PASID's descriptors). Every engine of the function is
 * told through its CMD register (DMA_CMD_ABORT_PASID) and polled until it
 * no longer issues requests with the PASID: a descriptor in progress stops
 * at its next access, those still queued are abandoned. 0, or -ETIMEDOUT /
 * -EIO with @why set: then an engine may still use the PASID.
 */
int machine_device_stop_pasid(struct machine *m, struct machine_dev *d, uint32_t pasid,
			      char *why, size_t whylen)
{
	uint32_t st;
	unsigned int i;

	(void)m;
	for (i = 0; i < d->nr_q; i++) {
		struct dma_engine *e = d->q[i].dma;

		dma_mmio_write32(e, DMA_REG_CMD, FIELD_PREP(DMA_CMD_CODE, DMA_CMD_ABORT_PASID) |
				 FIELD_PREP(DMA_CMD_PASID, pasid));
		st = dma_mmio_read32(e, DMA_REG_CMD_STATUS);
		if (FIELD_GET(DMA_CMD_STATUS_ERR, st)) {
			machine_say(why, whylen, "%s: queue %u refused to stop PASID %u (error %u)",
			    d->name, i, pasid, (unsigned int)FIELD_GET(DMA_CMD_STATUS_ERR, st));
			return -EIO;
		}
		if ((st & DMA_CMD_STATUS_ACTIVE) && dma_engine_wait_cmd(e, DMA_WAIT_MS)) {
			machine_say(why, whylen, "%s: queue %u did not stop PASID %u within %u s",
			    d->name, i, pasid, DMA_WAIT_MS / 1000);
			return -ETIMEDOUT;
		}
	}
	return 0;
}

/* ---- Handles: the live binds, by id ------------------------------------------ */

int machine_handles_init(struct machine *m)
{
	return htable_init(&m->handles, 4);
}

void machine_handles_fini(struct machine *m)
{
	struct machine_handle *h;

	if (!m->handles.buckets)
		return;
	while ((h = machine_handle_next(m, NULL))) {
		if (machine_unbind(m, h->id, NULL, 0)) {
			/* The device would not stop: the bond stays, the handle goes. */
			htable_del(&m->handles, &h->node);
			free(h);
		}
	}
	htable_fini(&m->handles);
}

struct machine_handle *machine_handle_get(struct machine *m, int id)
{
	struct htable_node *n;

	if (id < 0)
		return NULL;
	for (n = htable_first(&m->handles, (uint64_t)id); n; n = htable_next(n)) {
		struct machine_handle *h = htable_entry(n, struct machine_handle, node);

		if (h->id == id)
			return h;
	}
	return NULL;
}

struct machine_handle *machine_handle_next(struct machine *m, struct machine_handle *prev)
{
	struct htable_node *n;

	if (!m->handles.buckets)
		return NULL;	/* after machine_handles_fini() */
	n = htable_iter(&m->handles, prev ? &prev->node : NULL);
	return n ? htable_entry(n, struct machine_handle, node) : NULL;
}

/* Is @h the last live handle of its (device, PASID), the one whose unbind frees it? */
static bool handle_is_last(struct machine *m, const struct machine_handle *h)
{
	struct machine_handle *o = NULL;

	while ((o = machine_handle_next(m, o)))
		if (o != h && o->dev == h->dev && o->pasid == h->pasid)
			return false;
	return true;
}

int machine_bind(struct machine *m, int dev, int proc, uint32_t *pasid, char *why, size_t whylen)
{
	struct machine_proc *p = machine_proc_get(m, proc, why, whylen);
	struct machine_handle *h;
	struct machine_dev *d;
	struct iommu_sva *bond;
	int err = 0;

	if (!p)
		return -ESRCH;
	if (dev < 0 || (unsigned int)dev >= m->nr_devs) {
		machine_say(why, whylen, "no such device");
		return -ENODEV;
	}
	if (m->next_handle_id == INT_MAX) {
		machine_say(why, whylen, "no handle id left (%d binds were made)", INT_MAX);
		return -ENOSPC;
	}
	d = m->devs[dev];
	if (!iommu_dev_feature_enabled(&d->dev, IOMMU_DEV_FEAT_SVA)) {
		/* SVA could not be enabled when the device was added: say which check failed. */
		if (arm_smmu_sva_supported(m->drv, why, (unsigned int)whylen) ||
		    arm_smmu_master_iopf_supported(d->master, why, (unsigned int)whylen) ||
		    arm_smmu_master_sva_supported(d->master, why, (unsigned int)whylen))
			return -EOPNOTSUPP;
	}
	machine_proc_enter(m, p);
	bond = iommu_sva_bind_device(&d->dev, p->mm, &err, why, (unsigned int)whylen);
	if (!bond) {
		if (why && !why[0])
			machine_say(why, whylen, "%s", strerror(-err));
		return err ? err : -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		iommu_sva_unbind_device(bond);
		machine_say(why, whylen, "out of memory");
		return -ENOMEM;
	}
	h->id = m->next_handle_id++;
	h->dev = dev;
	h->proc = proc;
	h->bond = bond;
	h->pasid = iommu_sva_get_pasid(bond);
	htable_add(&m->handles, &h->node, (uint64_t)h->id);
	*pasid = h->pasid;
	return h->id;
}

int machine_unbind(struct machine *m, int handle, char *why, size_t whylen)
{
	struct machine_handle *h = machine_handle_get(m, handle);
	int ret;

	if (!h) {
		machine_say(why, whylen, "the handle is not bound");
		return -EINVAL;
	}
	/* Binding a pair twice shares one bond: only its last unbind stops the PASID. */
	if (handle_is_last(m, h)) {
		ret = machine_device_stop_pasid(m, m->devs[h->dev], h->pasid, why, whylen);
		if (ret)
			return ret;	/* still bound: the device may use the PASID */
	}
	iommu_sva_unbind_device(h->bond);
	htable_del(&m->handles, &h->node);
	free(h);
	return 0;
}

uint32_t machine_handle_pasid(struct machine *m, int handle)
{
	const struct machine_handle *h = machine_handle_get(m, handle);

	return h ? h->pasid : 0;
}

int machine_handle_device(struct machine *m, int handle)
{
	const struct machine_handle *h = machine_handle_get(m, handle);

	return h ? h->dev : -1;
}

/* ---- DMA ------------------------------------------------------------------------- */

static void build_descriptor(const struct machine_dma *op, uint64_t desc[DMA_DESC_WORDS])
{
	static const unsigned int opcodes[] = {
		[SCN_DMA_FILL] = DMA_OP_FILL,
		[SCN_DMA_COPY] = DMA_OP_COPY,
		[SCN_DMA_CHECK] = DMA_OP_CHECK,
	};

	memset(desc, 0, DMA_DESC_SIZE);
	/* Block on fault: pages fault in through PRI (or a stall) and DMA goes on. */
	desc[0] = FIELD_PREP(DMA_DESC0_OP, opcodes[op->kind]) | DMA_DESC0_BOF | DMA_DESC0_RCR |
		  DMA_DESC0_CRNP;
	if (op->pasid_valid)
		desc[0] |= DMA_DESC0_PV | FIELD_PREP(DMA_DESC0_PASID, op->pasid);
	switch (op->kind) {
	case SCN_DMA_FILL:
		desc[2] = op->addr;
		break;
	case SCN_DMA_COPY:
		desc[1] = op->addr;
		desc[2] = op->addr2;
		break;
	case SCN_DMA_CHECK:
		desc[1] = op->addr;
		break;
	}
	desc[3] = FIELD_PREP(DMA_DESC3_LEN, op->len) | FIELD_PREP(DMA_DESC3_PATTERN, op->byte);
}

static struct machine_queue *queue_get(struct machine *m, int dev, int queue,
				       char *why, size_t whylen)
{
	struct machine_dev *d;

	if (dev < 0 || (unsigned int)dev >= m->nr_devs) {
		machine_say(why, whylen, "no such device");
		return NULL;
	}
	d = m->devs[dev];
	if (queue < 0 || (unsigned int)queue >= d->nr_q) {
		machine_say(why, whylen, "%s: no DMA queue %d", d->name, queue);
		return NULL;
	}
	return &d->q[queue];
}

int machine_queue_add(struct machine *m, int dev, char *why, size_t whylen)
{
	if (dev < 0 || (unsigned int)dev >= m->nr_devs) {
		machine_say(why, whylen, "no such device");
		return -ENODEV;
	}
	return device_engine(m, m->devs[dev], why, whylen);
}

int machine_dma_submit(struct machine *m, const struct machine_dma *op, char *why, size_t whylen)
{
	struct machine_queue *q = queue_get(m, op->dev, op->queue, why, whylen);
	uint64_t desc[DMA_DESC_WORDS], slot;
	unsigned int i;

	if (!q)
		return -ENODEV;
	if (!op->len || op->len > DMA_DESC3_LEN) {
		machine_say(why, whylen, "DMA length must be 1..4G-1 bytes");
		return -EINVAL;
	}
	/* One descriptor at a time: the completion record is the queue's only one. */
	if (q->busy) {
		machine_say(why, whylen, "the DMA queue has a descriptor in flight");
		return -EBUSY;
	}
	build_descriptor(op, desc);
	desc[4] = q->cr_pa;
	slot = q->ring_pa + (uint64_t)(q->tail & ((1u << DMA_RING_LOG2_USED) - 1)) * DMA_DESC_SIZE;
	for (i = 0; i < 4; i++)
		phys_mem_write64(&m->mem, q->cr_pa + 8 * i, 0);
	for (i = 0; i < DMA_DESC_WORDS; i++)
		phys_mem_write64(&m->mem, slot + 8 * i, desc[i]);
	q->busy = true;
	dma_doorbell(q->dma, ++q->tail);
	return 0;
}

static int decode_completion(struct machine *m, struct machine_dev *d, struct machine_queue *q,
			     struct machine_dma_result *res, char *why, size_t whylen)
{
	uint64_t cr[4];
	unsigned int i, status;

	for (i = 0; i < 4; i++)
		phys_mem_read64(&m->mem, q->cr_pa + 8 * i, &cr[i]);
	status = (unsigned int)FIELD_GET(DMA_CR0_STATUS, cr[0]);
	switch (status) {
	case DMA_CS_SUCCESS:
		res->outcome = SCN_OUT_OK;
		res->addr = 0;
		return 0;
	case DMA_CS_PAGE_FAULT:
	case DMA_CS_ERROR:
		/* The access could not be translated (or was aborted): it stopped there. */
		res->outcome = SCN_OUT_FAULT;
		res->addr = cr[2];
		return 0;
	case DMA_CS_MISMATCH:
		res->outcome = SCN_OUT_MISMATCH;
		res->addr = cr[2];
		return 0;
	case DMA_CS_ABORTED:
		/* Its PASID was stopped for an unbind or an exit (device_stop_pasid()). */
		res->outcome = SCN_OUT_ABORTED;
		res->addr = 0;
		return 0;
	default:
		machine_say(why, whylen, "%s: bad completion record (status %u)", d->name, status);
		return -EIO;
	}
}

int machine_dma_complete(struct machine *m, int dev, int queue, struct machine_dma_result *res,
			 char *why, size_t whylen)
{
	struct machine_queue *q = queue_get(m, dev, queue, why, whylen);

	if (!q)
		return -ENODEV;
	if (!q->busy) {
		machine_say(why, whylen, "nothing was submitted to the DMA queue");
		return -EINVAL;
	}
	if (dma_engine_wait_idle(q->dma, DMA_WAIT_MS)) {
		machine_say(why, whylen, "%s: the DMA engine did not finish within %u s",
		    m->devs[dev]->name, DMA_WAIT_MS / 1000);
		return -ETIMEDOUT;
	}
	q->busy = false;
	return decode_completion(m, m->devs[dev], q, res, why, whylen);
}

int machine_dma(struct machine *m, const struct machine_dma *op, struct machine_dma_result *res,
		char *why, size_t whylen)
{
	uint64_t start = m->trace ? trace_now(m->trace) : 0;
	int ret = machine_dma_submit(m, op, why, whylen);

	if (ret)
		return ret;
	ret = machine_dma_complete(m, op->dev, op->queue, res, why, whylen);
	if (!ret && m->trace)
		machine_trace_dma(m, m->devs[op->dev], op, res, start, trace_now(m->trace));
	return ret;
}

