// SPDX-License-Identifier: GPL-2.0
/*
 * I/O page-fault latency from the SMMU's queue records (sim/fault_latency.h).
 *
 * A fault is keyed by what its answer names:
 *   page request group: StreamID, PRG index and (SSV, SubstreamID) — the
 *   PASID is part of the key only when CMD_PRI_RESP carries one (§4.5.2:
 *   a function without "PRG Response PASID Required" gets SSV = 0, and its
 *   PRG indexes are then unique per function);
 *   stall: StreamID and STAG (§4.7.1 CMD_RESUME), all STAGs of a StreamID
 *   for CMD_STALL_TERM (§4.7.2), which answers without a latency sample.
 */
#include <string.h>

#include "arch/bitfield.h"
#include "arch/smmuv3.h"
#include "sim/clock.h"
#include "sim/fault_latency.h"

/* Key layout: what identifies a fault in flight. Bit 63 keeps a key non-zero. */
#define FLAT_KEY_VALID		BIT_ULL(63)
#define FLAT_KEY_STALL		BIT_ULL(62)
#define FLAT_KEY_SID		GENMASK_ULL(61, 30)
#define FLAT_KEY_SSV		BIT_ULL(29)
#define FLAT_KEY_SSID		GENMASK_ULL(28, 9)
#define FLAT_KEY_PRGI		GENMASK_ULL(8, 0)
#define FLAT_KEY_STAG		GENMASK_ULL(15, 0)

/* Compare a PRI key without its PASID (a response with SSV = 0). */
#define FLAT_KEY_NO_PASID	(~(FLAT_KEY_SSV | FLAT_KEY_SSID))
/* Every stall of one StreamID (CMD_STALL_TERM). */
#define FLAT_KEY_STREAM		(FLAT_KEY_VALID | FLAT_KEY_STALL | FLAT_KEY_SID)

void fault_latency_init(struct fault_latency *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->clock_ns = sim_clock_ns;
	pthread_mutex_init(&fl->lock, NULL);
}

void fault_latency_fini(struct fault_latency *fl)
{
	pthread_mutex_destroy(&fl->lock);
}

/* Log-linear bucket: exact below 2^FLAT_SUB_BITS, then 2^FLAT_SUB_BITS per octave. */
static unsigned int bucket_of(uint64_t v)
{
	unsigned int e;

	if (v < (1u << FLAT_SUB_BITS))
		return (unsigned int)v;
	e = 63 - (unsigned int)__builtin_clzll(v);
	return ((e - FLAT_SUB_BITS + 1) << FLAT_SUB_BITS) |
	       (unsigned int)((v >> (e - FLAT_SUB_BITS)) & ((1u << FLAT_SUB_BITS) - 1));
}

/* The largest value that falls in bucket @b. */
static uint64_t bucket_top(unsigned int b)
{
	unsigned int e, sub;

	if (b < (2u << FLAT_SUB_BITS))
		return b;
	e = (b >> FLAT_SUB_BITS) + FLAT_SUB_BITS - 1;
	sub = b & ((1u << FLAT_SUB_BITS) - 1);
	return ((((uint64_t)1 << FLAT_SUB_BITS) + sub + 1) << (e - FLAT_SUB_BITS)) - 1;
}

static struct flat_pending *free_slot(struct fault_latency *fl)
{
	unsigned int i;

	for (i = 0; i < fl->used; i++)
		if (fl->pending[i].state == FLAT_FREE)
			return &fl->pending[i];
	return fl->used < FLAT_PENDING ? &fl->pending[fl->used++] : NULL;
}

/* The entry @key belongs to: an open fault with that key, or a tombstone it matches. */
static struct flat_pending *find_started(struct fault_latency *fl, uint64_t key)
{
	unsigned int i;

	for (i = 0; i < fl->used; i++) {
		struct flat_pending *p = &fl->pending[i];

		if ((p->state == FLAT_OPEN && p->key == key) ||
		    (p->state == FLAT_ANSWERED && (p->key & p->mask) == (key & p->mask)))
			return p;
	}
	return NULL;
}

/* A fault's record: @last is false only for a group's earlier page requests. */
static void fault_start(struct fault_latency *fl, uint64_t key, bool last)
{
	uint64_t t = fl->clock_ns();
	struct flat_pending *p;

	pthread_mutex_lock(&fl->lock);
	p = find_started(fl, key);
	if (p && p->state == FLAT_OPEN) {
		/* Later requests of a group keep the group's first timestamp. */
		p->last_seen |= last;
	} else if (p) {
		/* The answer came first: nothing more will come for this fault. */
		if (!p->timed)
			fl->untimed++;
		p->state = FLAT_FREE;
	} else if ((p = free_slot(fl))) {
		*p = (struct flat_pending){
			.state = FLAT_OPEN, .last_seen = last, .key = key, .t0_ns = t,
		};
	} else {
		fl->untimed++;
	}
	pthread_mutex_unlock(&fl->lock);
}

static void record(struct fault_latency *fl, uint64_t d)
{
	fl->hist[bucket_of(d)]++;
	fl->count++;
	if (d > fl->max_ns)
		fl->max_ns = d;
}

/* The answer to the open fault matching @key under @mask. */
static void fault_answer(struct fault_latency *fl, uint64_t key, uint64_t mask)
{
	uint64_t t = fl->clock_ns(), t0 = 0, hit = 0;
	struct flat_pending *p;
	unsigned int i;

	pthread_mutex_lock(&fl->lock);
	for (i = 0; i < fl->used; i++) {
		p = &fl->pending[i];
		if (p->state != FLAT_OPEN || (p->key & mask) != (key & mask))
			continue;
		record(fl, t > p->t0_ns ? t - p->t0_ns : 0);
		t0 = p->t0_ns;
		hit = p->key;
		/* A group answered before its Last request was reported: wait for that. */
		p->state = p->last_seen ? FLAT_FREE : FLAT_ANSWERED;
		p->timed = true;
		p->mask = ~0ull;
		goto out;
	}
	/* Answered before its record was reported: leave a tombstone for it. */
	p = free_slot(fl);
	if (p)
		*p = (struct flat_pending){ .state = FLAT_ANSWERED, .key = key, .mask = mask };
	else
		fl->untimed++;
out:
	pthread_mutex_unlock(&fl->lock);
	if (hit && fl->observe)
		fl->observe(fl->observe_ctx, hit & FLAT_KEY_STALL,
			    (uint32_t)FIELD_GET(FLAT_KEY_SID, hit),
			    (uint32_t)(hit & FLAT_KEY_STALL ? FIELD_GET(FLAT_KEY_STAG, hit)
							    : FIELD_GET(FLAT_KEY_PRGI, hit)),
			    t0, t);
}

/* CMD_STALL_TERM: every open stall of the StreamID ends, none is a sample. */
static void fault_drop(struct fault_latency *fl, uint64_t key, uint64_t mask)
{
	unsigned int i;

	pthread_mutex_lock(&fl->lock);
	for (i = 0; i < fl->used; i++) {
		struct flat_pending *p = &fl->pending[i];

		if (p->state == FLAT_OPEN && (p->key & mask) == (key & mask))
			p->state = FLAT_FREE;
	}
	pthread_mutex_unlock(&fl->lock);
}

static uint64_t pri_key(uint32_t sid, bool ssv, uint32_t ssid, uint32_t prgi)
{
	return FLAT_KEY_VALID | FIELD_PREP(FLAT_KEY_SID, sid) |
	       (ssv ? FLAT_KEY_SSV | FIELD_PREP(FLAT_KEY_SSID, ssid) : 0) |
	       FIELD_PREP(FLAT_KEY_PRGI, prgi);
}

static uint64_t stall_key(uint32_t sid, uint32_t stag)
{
	return FLAT_KEY_VALID | FLAT_KEY_STALL | FIELD_PREP(FLAT_KEY_SID, sid) |
	       FIELD_PREP(FLAT_KEY_STAG, stag);
}

static void feed_command(struct fault_latency *fl, const uint64_t *raw)
{
	unsigned int op = (unsigned int)FIELD_GET(CMD_0_OP, raw[0]);
	uint32_t sid = (uint32_t)FIELD_GET(CMD_0_SID, raw[0]);
	bool ssv = raw[0] & CMD_0_SSV;
	uint64_t key;

	switch (op) {
	case CMD_OP_PRI_RESP:
		key = pri_key(sid, ssv, (uint32_t)FIELD_GET(CMD_0_SSID, raw[0]),
			      (uint32_t)FIELD_GET(CMD_1_PRI_GRPID, raw[1]));
		fault_answer(fl, key, ssv ? ~0ull : FLAT_KEY_NO_PASID);
		break;
	case CMD_OP_RESUME:
		key = stall_key(sid, (uint32_t)FIELD_GET(CMD_1_RESUME_STAG, raw[1]));
		fault_answer(fl, key, ~0ull);
		break;
	case CMD_OP_STALL_TERM:
		fault_drop(fl, stall_key(sid, 0), FLAT_KEY_STREAM);
		break;
	default:
		break;
	}
}

void fault_latency_feed(struct fault_latency *fl, enum smmu_trace_kind kind, const uint64_t *raw)
{
	switch (kind) {
	case SMMU_TRACE_CMD:
		feed_command(fl, raw);
		break;
	case SMMU_TRACE_PRI:
		fault_start(fl, pri_key((uint32_t)FIELD_GET(PRIQ_0_SID, raw[0]),
					raw[0] & PRIQ_0_SSV,
					(uint32_t)FIELD_GET(PRIQ_0_SSID, raw[0]),
					(uint32_t)FIELD_GET(PRIQ_1_PRG_IDX, raw[1])),
			    raw[0] & PRIQ_0_LAST);
		break;
	case SMMU_TRACE_EVT:
		/* Only a stalled transaction waits for an answer (§3.12.2). */
		if (raw[1] & EVT_1_STALL)
			fault_start(fl, stall_key((uint32_t)FIELD_GET(EVT_0_SID, raw[0]),
						  (uint32_t)FIELD_GET(EVT_1_STAG, raw[1])),
				    true);
		break;
	default:
		break;
	}
}

void fault_latency_reset(struct fault_latency *fl)
{
	pthread_mutex_lock(&fl->lock);
	memset(fl->hist, 0, sizeof(fl->hist));
	fl->count = fl->max_ns = fl->untimed = 0;
	pthread_mutex_unlock(&fl->lock);
}

/* The smallest bucket top below which at least @permille of the samples lie. */
static uint64_t percentile(const struct fault_latency *fl, unsigned int permille)
{
	uint64_t need = (fl->count * permille + 999) / 1000, seen = 0;
	unsigned int b;

	if (!need)
		need = 1;
	for (b = 0; b < FLAT_BUCKETS; b++) {
		seen += fl->hist[b];
		if (seen >= need)
			return bucket_top(b) < fl->max_ns ? bucket_top(b) : fl->max_ns;
	}
	return fl->max_ns;
}

void fault_latency_get(struct fault_latency *fl, struct fault_latency_summary *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&fl->lock);
	s->count = fl->count;
	s->untimed = fl->untimed;
	s->max_ns = fl->max_ns;
	if (fl->count) {
		s->p50_ns = percentile(fl, 500);
		s->p99_ns = percentile(fl, 990);
	}
	pthread_mutex_unlock(&fl->lock);
}
