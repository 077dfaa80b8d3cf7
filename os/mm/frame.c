// SPDX-License-Identifier: GPL-2.0
/*
 * The page frame allocator (see os/mm/frame.h).
 *
 * A binary buddy allocator over the pool's frames. Blocks are aligned to
 * their size in physical address terms (the buddy of the block at PFN p of
 * order k is at p ^ 2^k), so an order-n block suits tables that need natural
 * alignment even when the pool itself starts at an odd address.
 *
 * In front of the buddy sit FRAME_NR_CACHES caches of free single frames.
 * They belong to the pool, not to the threads: a thread picks one by its
 * thread number, so a thread that exits leaves its cached frames behind in a
 * cache the pool still owns and destroy frees everything. Each cache has its
 * own lock, which in practice only its thread takes; the buddy lock is taken
 * to refill or drain a cache in batches and for blocks of order > 0.
 *
 * Lock order: a cache lock, then the buddy lock. Never two cache locks at
 * once, except frame_get_stats(), which takes them all in index order.
 *
 * Per-frame refcounts are atomics outside every lock: a free frame (in the
 * buddy, in a cache, or the tail of a block) has refcount 0, which is how a
 * double free is caught without a lock.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/mm/frame.h"
#include "os/printk.h"

#define FRAME_NR_CACHES		16
#define FRAME_CACHE_SIZE	64
#define FRAME_CACHE_BATCH	16
#define FRAME_NONE		UINT32_MAX
#define ORDER_NONE		0xff

/* A broken invariant or a double free: a kernel BUG(). */
#define FRAME_BUG(fmt, ...)							\
	do {									\
		pr_crit("BUG: %s: " fmt, __func__, ##__VA_ARGS__);	\
		abort();							\
	} while (0)

struct frame {
	uint32_t ref;		/* references (atomic); 0 = free */
	uint32_t next, prev;	/* free list links of a free block head (buddy lock) */
	uint8_t free_order;	/* order of a free block head, else ORDER_NONE (buddy lock) */
	uint8_t alloc_order;	/* order of the allocated block it heads (atomic, relaxed) */
};

/* Free single frames; counters of the order-0 operations done through it. */
struct frame_cache {
	_Alignas(64) pthread_mutex_t lock;
	unsigned int count;
	uint32_t idx[FRAME_CACHE_SIZE];
	uint64_t allocs, frees;
	int64_t allocated;	/* handed out minus given back here (may be < 0) */
};

struct frame_pool {
	struct frame_cache caches[FRAME_NR_CACHES];

	_Alignas(64) pthread_mutex_t lock;	/* the buddy lock */
	uint32_t free_head[FRAME_MAX_ORDER + 1];
	uint64_t allocs, frees, allocated;	/* blocks of order > 0 (buddy lock) */

	struct phys_mem *mem;
	struct frame *frames;
	uint64_t start, base_pfn;
	uint32_t nr_frames;
	unsigned int page_shift;
	uint64_t misuse;	/* atomic */
};

/* Thread numbers, handed out on a thread's first allocation or free. */
static unsigned int frame_next_thread;
static _Thread_local unsigned int frame_thread_nr;

static struct frame_cache *this_cache(struct frame_pool *pool)
{
	if (!frame_thread_nr)
		frame_thread_nr = __atomic_add_fetch(&frame_next_thread, 1, __ATOMIC_RELAXED);
	return &pool->caches[(frame_thread_nr - 1) % FRAME_NR_CACHES];
}

static uint64_t index_to_pa(const struct frame_pool *pool, uint32_t idx)
{
	return pool->start + ((uint64_t)idx << pool->page_shift);
}

/* ---- The buddy (all under pool->lock) -------------------------------- */

static void free_list_add(struct frame_pool *pool, uint32_t idx, unsigned int order)
{
	struct frame *f = &pool->frames[idx];
	uint32_t head = pool->free_head[order];

	f->free_order = order;
	f->prev = FRAME_NONE;
	f->next = head;
	if (head != FRAME_NONE)
		pool->frames[head].prev = idx;
	pool->free_head[order] = idx;
}

static void free_list_del(struct frame_pool *pool, uint32_t idx)
{
	struct frame *f = &pool->frames[idx];

	if (f->prev != FRAME_NONE)
		pool->frames[f->prev].next = f->next;
	else
		pool->free_head[f->free_order] = f->next;
	if (f->next != FRAME_NONE)
		pool->frames[f->next].prev = f->prev;
	f->free_order = ORDER_NONE;
}

/* Index of the buddy of the order-@order block at @idx, or FRAME_NONE. */
static uint32_t buddy_of(const struct frame_pool *pool, uint32_t idx, unsigned int order)
{
	uint64_t pfn = (pool->base_pfn + idx) ^ (1ULL << order);
	uint64_t bidx = pfn - pool->base_pfn;	/* wraps when below the pool */

	if (pfn < pool->base_pfn || bidx + (1ULL << order) > pool->nr_frames)
		return FRAME_NONE;
	return (uint32_t)bidx;
}

static void buddy_free(struct frame_pool *pool, uint32_t idx, unsigned int order)
{
	if (pool->frames[idx].free_order != ORDER_NONE)
		FRAME_BUG("frame 0x%" PRIx64 " is already free", index_to_pa(pool, idx));
	while (order < FRAME_MAX_ORDER) {
		uint32_t b = buddy_of(pool, idx, order);

		if (b == FRAME_NONE || pool->frames[b].free_order != order)
			break;
		free_list_del(pool, b);
		if (b < idx)
			idx = b;
		order++;
	}
	free_list_add(pool, idx, order);
}

static uint32_t buddy_alloc(struct frame_pool *pool, unsigned int order)
{
	unsigned int k = order;
	uint32_t idx;

	while (k <= FRAME_MAX_ORDER && pool->free_head[k] == FRAME_NONE)
		k++;
	if (k > FRAME_MAX_ORDER)
		return FRAME_NONE;
	idx = pool->free_head[k];
	free_list_del(pool, idx);
	/* Split, keeping the lower half and freeing the upper one. */
	while (k > order) {
		k--;
		free_list_add(pool, idx + (1u << k), k);
	}
	return idx;
}

/* Hand the whole range to the buddy as the largest aligned blocks that fit. */
static void buddy_init(struct frame_pool *pool)
{
	uint32_t idx = 0;
	unsigned int k;

	for (k = 0; k <= FRAME_MAX_ORDER; k++)
		pool->free_head[k] = FRAME_NONE;
	while (idx < pool->nr_frames) {
		uint64_t pfn = pool->base_pfn + idx;

		k = FRAME_MAX_ORDER;
		while (k && ((pfn & ((1ULL << k) - 1)) ||
			     (uint64_t)idx + (1ULL << k) > pool->nr_frames))
			k--;
		free_list_add(pool, idx, k);
		idx += 1u << k;
	}
}

/* ---- The caches -------------------------------------------------------- */

/* Under c->lock: take up to a batch of single frames from the buddy. */
static void cache_refill(struct frame_pool *pool, struct frame_cache *c)
{
	pthread_mutex_lock(&pool->lock);
	while (c->count < FRAME_CACHE_BATCH) {
		uint32_t idx = buddy_alloc(pool, 0);

		if (idx == FRAME_NONE)
			break;
		c->idx[c->count++] = idx;
	}
	pthread_mutex_unlock(&pool->lock);
}

/* Under c->lock: give @n cached frames back to the buddy. */
static void cache_drain(struct frame_pool *pool, struct frame_cache *c, unsigned int n)
{
	pthread_mutex_lock(&pool->lock);
	while (n-- && c->count)
		buddy_free(pool, c->idx[--c->count], 0);
	pthread_mutex_unlock(&pool->lock);
}

/* Empty every cache so the buddy can coalesce (memory pressure). */
static void cache_drain_all(struct frame_pool *pool)
{
	unsigned int i;

	for (i = 0; i < FRAME_NR_CACHES; i++) {
		struct frame_cache *c = &pool->caches[i];

		pthread_mutex_lock(&c->lock);
		cache_drain(pool, c, FRAME_CACHE_SIZE);
		pthread_mutex_unlock(&c->lock);
	}
}

static uint32_t cache_alloc(struct frame_pool *pool)
{
	struct frame_cache *c = this_cache(pool);
	uint32_t idx = FRAME_NONE;

	pthread_mutex_lock(&c->lock);
	if (!c->count)
		cache_refill(pool, c);
	if (c->count) {
		idx = c->idx[--c->count];
		c->allocs++;
		c->allocated++;
	}
	pthread_mutex_unlock(&c->lock);
	return idx;
}

static void cache_free(struct frame_pool *pool, uint32_t idx)
{
	struct frame_cache *c = this_cache(pool);

	pthread_mutex_lock(&c->lock);
	if (c->count == FRAME_CACHE_SIZE)
		cache_drain(pool, c, FRAME_CACHE_BATCH);
	c->idx[c->count++] = idx;
	c->frees++;
	c->allocated--;
	pthread_mutex_unlock(&c->lock);
}

/* ---- Blocks of any order ----------------------------------------------- */

static uint32_t block_alloc(struct frame_pool *pool, unsigned int order)
{
	uint32_t idx;

	if (!order)
		return cache_alloc(pool);
	pthread_mutex_lock(&pool->lock);
	idx = buddy_alloc(pool, order);
	if (idx != FRAME_NONE) {
		pool->allocs++;
		pool->allocated += 1ULL << order;
	}
	pthread_mutex_unlock(&pool->lock);
	return idx;
}

static void block_free(struct frame_pool *pool, uint32_t idx, unsigned int order)
{
	if (!order) {
		cache_free(pool, idx);
		return;
	}
	pthread_mutex_lock(&pool->lock);
	buddy_free(pool, idx, order);
	pool->frees++;
	pool->allocated -= 1ULL << order;
	pthread_mutex_unlock(&pool->lock);
}

uint64_t frame_alloc_order(struct frame_pool *pool, unsigned int order, unsigned int flags)
{
	struct frame *f;
	uint32_t idx;
	uint64_t pa;

	if (order > FRAME_MAX_ORDER)
		return 0;
	idx = block_alloc(pool, order);
	if (idx == FRAME_NONE) {
		/*
		 * Cached frames may be all that is left, or may keep blocks
		 * from coalescing. Under contention another thread can refill
		 * its cache in between and this still fails: like an atomic
		 * allocation in Linux, 0 means "none now", not "none at all".
		 */
		cache_drain_all(pool);
		idx = block_alloc(pool, order);
		if (idx == FRAME_NONE)
			return 0;
	}
	f = &pool->frames[idx];
	__atomic_store_n(&f->alloc_order, (uint8_t)order, __ATOMIC_RELAXED);
	__atomic_store_n(&f->ref, 1, __ATOMIC_RELEASE);
	pa = index_to_pa(pool, idx);
	if (flags & FRAME_ZERO)
		phys_mem_fill(pool->mem, pa, 0, (size_t)1 << (pool->page_shift + order));
	return pa;
}

uint64_t frame_alloc(struct frame_pool *pool, unsigned int flags)
{
	return frame_alloc_order(pool, 0, flags);
}

/* ---- References -------------------------------------------------------- */

/* Index of the frame at @pa, or FRAME_NONE (reported and counted). */
static uint32_t frame_index(struct frame_pool *pool, uint64_t pa, const char *fn)
{
	uint64_t mask = (1ULL << pool->page_shift) - 1;
	uint64_t off = pa - pool->start;

	if (pa < pool->start || (pa & mask) || (off >> pool->page_shift) >= pool->nr_frames) {
		pr_crit("%s: PA 0x%" PRIx64 " is not a frame of this pool", fn, pa);
		__atomic_fetch_add(&pool->misuse, 1, __ATOMIC_RELAXED);
		return FRAME_NONE;
	}
	return (uint32_t)(off >> pool->page_shift);
}

void frame_get(struct frame_pool *pool, uint64_t pa)
{
	uint32_t idx = frame_index(pool, pa, __func__);
	uint32_t old;

	if (idx == FRAME_NONE)
		return;
	old = __atomic_load_n(&pool->frames[idx].ref, __ATOMIC_RELAXED);
	do {
		if (!old)
			FRAME_BUG("frame 0x%" PRIx64 " is free", pa);
		if (old == UINT32_MAX)
			FRAME_BUG("frame 0x%" PRIx64 " refcount overflow", pa);
	} while (!__atomic_compare_exchange_n(&pool->frames[idx].ref, &old, old + 1, true,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

bool frame_put(struct frame_pool *pool, uint64_t pa)
{
	uint32_t idx = frame_index(pool, pa, __func__);
	struct frame *f;
	uint32_t old;

	if (idx == FRAME_NONE)
		return false;
	f = &pool->frames[idx];
	old = __atomic_load_n(&f->ref, __ATOMIC_RELAXED);
	do {
		if (!old)
			FRAME_BUG("frame 0x%" PRIx64 " has no reference (double free?)", pa);
	} while (!__atomic_compare_exchange_n(&f->ref, &old, old - 1, true,
					      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	if (old != 1)
		return false;
	block_free(pool, idx, __atomic_load_n(&f->alloc_order, __ATOMIC_RELAXED));
	return true;
}

void frame_free_order(struct frame_pool *pool, uint64_t pa, unsigned int order)
{
	uint32_t idx = frame_index(pool, pa, __func__);
	struct frame *f;
	uint32_t one = 1;

	if (idx == FRAME_NONE)
		return;
	f = &pool->frames[idx];
	if (!__atomic_compare_exchange_n(&f->ref, &one, 0, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		FRAME_BUG("block 0x%" PRIx64 " has refcount %u, not 1", pa, one);
	if (__atomic_load_n(&f->alloc_order, __ATOMIC_RELAXED) != order)
		FRAME_BUG("block 0x%" PRIx64 " was not allocated with order %u", pa, order);
	block_free(pool, idx, order);
}

unsigned int frame_refcount(const struct frame_pool *pool, uint64_t pa)
{
	uint64_t off = pa - pool->start;

	if (pa < pool->start || (off >> pool->page_shift) >= pool->nr_frames)
		return 0;
	return __atomic_load_n(&pool->frames[off >> pool->page_shift].ref, __ATOMIC_RELAXED);
}

/* ---- The pool ---------------------------------------------------------- */

void frame_get_stats(struct frame_pool *pool, struct frame_stats *st)
{
	int64_t allocated;
	unsigned int i;

	/* Every lock at once, so the counts are one consistent snapshot. */
	for (i = 0; i < FRAME_NR_CACHES; i++)
		pthread_mutex_lock(&pool->caches[i].lock);
	pthread_mutex_lock(&pool->lock);
	st->total = pool->nr_frames;
	st->allocs = pool->allocs;
	st->frees = pool->frees;
	allocated = (int64_t)pool->allocated;
	for (i = 0; i < FRAME_NR_CACHES; i++) {
		st->allocs += pool->caches[i].allocs;
		st->frees += pool->caches[i].frees;
		allocated += pool->caches[i].allocated;
	}
	st->allocated = (uint64_t)allocated;
	st->misuse = __atomic_load_n(&pool->misuse, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&pool->lock);
	for (i = FRAME_NR_CACHES; i--;)
		pthread_mutex_unlock(&pool->caches[i].lock);
}

static bool pool_geometry_ok(const struct phys_mem *mem, uint64_t start, uint64_t size,
			     unsigned int page_shift)
{
	uint64_t mask = (1ULL << page_shift) - 1;

	if (page_shift != 12 && page_shift != 14 && page_shift != 16)
		return false;
	if (!size || (start & mask) || (size & mask) || !phys_mem_contains(mem, start, size))
		return false;
	return (size >> page_shift) < FRAME_NONE;
}

struct frame_pool *frame_pool_create(struct phys_mem *mem, uint64_t start, uint64_t size,
				     unsigned int page_shift)
{
	struct frame_pool *pool;
	unsigned int i;
	uint32_t n;

	if (!mem || !pool_geometry_ok(mem, start, size, page_shift))
		return NULL;
	pool = aligned_alloc(_Alignof(struct frame_pool), sizeof(*pool));
	if (!pool)
		return NULL;
	memset(pool, 0, sizeof(*pool));
	n = (uint32_t)(size >> page_shift);
	pool->frames = calloc(n, sizeof(*pool->frames));
	if (!pool->frames)
		goto err_free_pool;
	for (i = 0; i < n; i++)
		pool->frames[i].free_order = ORDER_NONE;
	pool->mem = mem;
	pool->start = start;
	pool->base_pfn = start >> page_shift;
	pool->nr_frames = n;
	pool->page_shift = page_shift;
	pthread_mutex_init(&pool->lock, NULL);
	for (i = 0; i < FRAME_NR_CACHES; i++)
		pthread_mutex_init(&pool->caches[i].lock, NULL);
	buddy_init(pool);
	return pool;

err_free_pool:
	free(pool);
	return NULL;
}

/*
 * The caches are the pool's, so frames cached by threads that have exited
 * need no special care: they go with the pool. Frames still allocated are
 * simply forgotten, as memory is at power-off.
 */
void frame_pool_destroy(struct frame_pool *pool)
{
	unsigned int i;

	if (!pool)
		return;
	for (i = 0; i < FRAME_NR_CACHES; i++)
		pthread_mutex_destroy(&pool->caches[i].lock);
	pthread_mutex_destroy(&pool->lock);
	free(pool->frames);
	free(pool);
}

unsigned int frame_page_shift(const struct frame_pool *pool)
{
	return pool->page_shift;
}

struct phys_mem *frame_pool_mem(const struct frame_pool *pool)
{
	return pool->mem;
}
