/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The global PASID space (Linux's iommu_global_pasid_ida): PASIDs are
 * allocated lowest-first within [min, max] and refcounted, so that one PASID
 * serves an mm on every device it is bound to and is never handed out again
 * while anything can still use it. PASID 0 is never allocated (it is
 * reserved: on Arm, SSID 0 of a stream is the non-PASID DMA context).
 */
#ifndef OS_IOMMU_PASID_H
#define OS_IOMMU_PASID_H

#include <stdint.h>

#define IOMMU_PASID_BITS	20
#define IOMMU_PASID_INVALID	0xffffffffu

struct pasid_allocator;

struct pasid_allocator *pasid_allocator_create(unsigned int bits);
void pasid_allocator_destroy(struct pasid_allocator *pa);

/* Lowest free PASID in [min, max] with refcount 1, or -ENOSPC / -EINVAL. */
int64_t pasid_alloc(struct pasid_allocator *pa, uint32_t min, uint32_t max);
/* Take another reference on an allocated PASID: 0, or -ENOENT. */
int pasid_get(struct pasid_allocator *pa, uint32_t pasid);
/* Drop a reference; the PASID is free again after the last one. */
void pasid_put(struct pasid_allocator *pa, uint32_t pasid);
/* Number of PASIDs allocated now (tests prove nothing leaks). */
unsigned int pasid_nr_allocated(struct pasid_allocator *pa);

#endif /* OS_IOMMU_PASID_H */
