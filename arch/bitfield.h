/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bit-field helpers shared by every encoding header in arch/.
 *
 * Fields are described by a contiguous mask (GENMASK_ULL(hi, lo)); values are
 * packed with FIELD_PREP() and extracted with FIELD_GET(). The shift is derived
 * from the mask, so a field's position is written exactly once, in its mask.
 */
#ifndef ARCH_BITFIELD_H
#define ARCH_BITFIELD_H

#include <stdint.h>

#define BIT_ULL(n)		(1ULL << (n))
#define GENMASK_ULL(hi, lo)	((~0ULL >> (63 - (hi))) & (~0ULL << (lo)))
#define GENMASK(hi, lo)		((uint32_t)GENMASK_ULL(hi, lo))
#define BIT(n)			((uint32_t)1 << (n))

/* Shift of the lowest set bit of a non-zero mask. */
#define FIELD_SHIFT(mask)	(__builtin_ctzll((uint64_t)(mask)))

/* Extract the field described by @mask from @reg. */
#define FIELD_GET(mask, reg) \
	((uint64_t)(((uint64_t)(reg) & (uint64_t)(mask)) >> FIELD_SHIFT(mask)))

/* Place @val in the field described by @mask (excess bits are dropped). */
#define FIELD_PREP(mask, val) \
	((((uint64_t)(val)) << FIELD_SHIFT(mask)) & (uint64_t)(mask))

/* Does @val fit in the field described by @mask? */
#define FIELD_FIT(mask, val) \
	((((uint64_t)(val)) & ~((uint64_t)(mask) >> FIELD_SHIFT(mask))) == 0)

/* Replace the field @mask of @reg by @val. */
#define FIELD_SET(mask, reg, val) \
	(((uint64_t)(reg) & ~(uint64_t)(mask)) | FIELD_PREP(mask, val))

#endif /* ARCH_BITFIELD_H */
