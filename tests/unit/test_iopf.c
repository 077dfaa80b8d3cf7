// SPDX-License-Identifier: GPL-2.0
/* os/iommu/io-pgfault: grouping, responses, flush, discard, removal, floods. */
#include <errno.h>
#include <pthread.h>

#include "os/iommu/iopf.h"
#include "tests/harness.h"

#define MAX_RESP	4096

struct recorder {
	pthread_mutex_t lock;
	unsigned int nr_resp;
	struct iommu_page_response resp[MAX_RESP];
	unsigned int handled;			/* faults the handler saw */
	uint64_t fail_addr;			/* the handler answers INVALID for this address */
	unsigned int delay_us;			/* make races with flush observable */
};

static struct recorder rec;

static void record_response(void *ctx, const struct iommu_page_response *resp)
{
	struct recorder *r = ctx;

	pthread_mutex_lock(&r->lock);
	if (r->nr_resp < MAX_RESP)
		r->resp[r->nr_resp] = *resp;
	r->nr_resp++;
	pthread_mutex_unlock(&r->lock);
}

static enum iommu_page_response_code handle(void *ctx, struct iopf_device *dev,
					     const struct iommu_fault *f)
{
	struct recorder *r = ctx;

	(void)dev;
	if (r->delay_us)
		usleep(r->delay_us);
	pthread_mutex_lock(&r->lock);
	r->handled++;
	pthread_mutex_unlock(&r->lock);
	if (f->addr == r->fail_addr)
		return f->perm & IOMMU_FAULT_PERM_PRIV ? IOMMU_PAGE_RESP_FAILURE
						       : IOMMU_PAGE_RESP_INVALID;
	return IOMMU_PAGE_RESP_SUCCESS;
}

static const struct iopf_device_ops ops = { .page_response = record_response };

static struct iopf_queue *setup(unsigned int workers)
{
	memset(&rec, 0, sizeof(rec));
	pthread_mutex_init(&rec.lock, NULL);
	rec.fail_addr = ~0ULL;
	return iopf_queue_alloc("test", workers, handle, &rec);
}

static struct iommu_fault prq(uint32_t pasid, uint32_t grpid, uint64_t addr, bool last)
{
	return (struct iommu_fault){
		.flags = IOMMU_FAULT_PASID_VALID | (last ? IOMMU_FAULT_LAST_PAGE : 0),
		.pasid = pasid, .grpid = grpid, .perm = IOMMU_FAULT_PERM_READ, .addr = addr,
		.sid = 3,
	};
}

TEST(group_is_answered_once_after_last)
{
	struct iopf_queue *q = setup(2);
	struct iopf_device *dev;
	struct iommu_fault f;
	struct iopf_stats st;

	ASSERT_TRUE(q != NULL);
	dev = iopf_queue_add_device(q, &ops, &rec);
	ASSERT_TRUE(dev != NULL);
	for (int i = 0; i < 3; i++) {
		f = prq(5, 7, 0x1000 * (i + 1), false);
		ASSERT_EQ(iopf_report_fault(dev, &f), 0);
	}
	/* Another group of another PASID with the same index stays apart. */
	f = prq(6, 7, 0x9000, false);
	ASSERT_EQ(iopf_report_fault(dev, &f), 0);
	iopf_queue_flush_dev(dev, false, 0);
	EXPECT_EQ(rec.nr_resp, 0);	/* nothing is answered before Last */
	EXPECT_EQ(rec.handled, 0);

	f = prq(5, 7, 0x4000, true);
	ASSERT_EQ(iopf_report_fault(dev, &f), 0);
	iopf_queue_flush_dev(dev, true, 5);
	ASSERT_EQ(rec.nr_resp, 1);
	EXPECT_EQ(rec.handled, 4);
	EXPECT_EQ(rec.resp[0].grpid, 7);
	EXPECT_EQ(rec.resp[0].pasid, 5);
	EXPECT_EQ(rec.resp[0].sid, 3);
	EXPECT_EQ(rec.resp[0].code, IOMMU_PAGE_RESP_SUCCESS);
	/* Without "PRG response PASID required" the response has no PASID. */
	EXPECT_EQ(rec.resp[0].flags, 0);

	f = prq(6, 7, 0xa000, true);
	f.flags |= IOMMU_FAULT_RESP_PASID;
	ASSERT_EQ(iopf_report_fault(dev, &f), 0);
	iopf_queue_flush_dev(dev, false, 0);
	ASSERT_EQ(rec.nr_resp, 2);
	/* The partial request had no RESP_PASID flag: it is a different group. */
	EXPECT_EQ(rec.handled, 5);
	EXPECT_EQ(rec.resp[1].flags, IOMMU_FAULT_PASID_VALID);
	EXPECT_EQ(iopf_queue_discard_partial(dev, true, 6), 1);

	iopf_queue_get_stats(q, &st);
	EXPECT_EQ(st.page_requests, 6);
	EXPECT_EQ(st.groups, 2);
	EXPECT_EQ(st.success, 2);
	EXPECT_EQ(st.discarded, 1);
	iopf_queue_remove_device(q, dev);
	iopf_queue_free(q);
}

TEST(first_failure_answers_the_group)
{
	struct iopf_queue *q = setup(1);
	struct iopf_device *dev = iopf_queue_add_device(q, &ops, &rec);
	struct iommu_fault f;
	struct iopf_stats st;

	rec.fail_addr = 0x2000;
	f = prq(1, 2, 0x2000, false);
	ASSERT_EQ(iopf_report_fault(dev, &f), 0);
	f = prq(1, 2, 0x1000, false);
	ASSERT_EQ(iopf_report_fault(dev, &f), 0);
	f = prq(1, 2, 0x3000, true);
	ASSERT_EQ(iopf_report_fault(dev, &f), 0);
	iopf_queue_flush_dev(dev, false, 0);
	ASSERT_EQ(rec.nr_resp, 1);
	EXPECT_EQ(rec.resp[0].code, IOMMU_PAGE_RESP_INVALID);
	EXPECT_LT(rec.handled, 3);	/* handling stopped at the failure */

	f = prq(1, 3, 0x2000, true);
	f.perm |= IOMMU_FAULT_PERM_PRIV;	/* our handler's FAILURE case */
	ASSERT_EQ(iopf_report_fault(dev, &f), 0);
	iopf_queue_flush_dev(dev, false, 0);
	ASSERT_EQ(rec.nr_resp, 2);
	EXPECT_EQ(rec.resp[1].code, IOMMU_PAGE_RESP_FAILURE);
	iopf_queue_get_stats(q, &st);
	EXPECT_EQ(st.invalid, 1);
	EXPECT_EQ(st.failure, 1);
	iopf_queue_remove_device(q, dev);
	iopf_queue_free(q);
}

TEST(stall_is_a_group_of_one)
{
	struct iopf_queue *q = setup(1);
	struct iopf_device *dev = iopf_queue_add_device(q, &ops, &rec);
	struct iommu_fault f = {
		.flags = IOMMU_FAULT_STALL | IOMMU_FAULT_LAST_PAGE | IOMMU_FAULT_PASID_VALID,
		.pasid = 9, .grpid = 0x1234, .perm = IOMMU_FAULT_PERM_WRITE, .addr = 0x5000, .sid = 1,
	};
	struct iopf_stats st;

	ASSERT_EQ(iopf_report_fault(dev, &f), 0);
	iopf_queue_flush_dev(dev, true, 9);
	ASSERT_EQ(rec.nr_resp, 1);
	EXPECT_EQ(rec.resp[0].flags, IOMMU_FAULT_STALL | IOMMU_FAULT_PASID_VALID);
	EXPECT_EQ(rec.resp[0].grpid, 0x1234);	/* the STAG to resume */
	EXPECT_EQ(rec.resp[0].code, IOMMU_PAGE_RESP_SUCCESS);
	iopf_queue_get_stats(q, &st);
	EXPECT_EQ(st.stalls, 1);
	EXPECT_EQ(st.page_requests, 0);
	iopf_queue_remove_device(q, dev);
	iopf_queue_free(q);
}

TEST(malformed_reports_are_refused)
{
	struct iopf_queue *q = setup(1);
	struct iopf_device *dev = iopf_queue_add_device(q, &ops, &rec);
	struct iommu_fault f = { .flags = IOMMU_FAULT_STALL, .addr = 0x1000 };
	struct iopf_stats st;

	EXPECT_EQ(iopf_report_fault(dev, &f), -EINVAL);	/* stall without Last */
	f = prq(1, 1, 0, true);
	f.flags |= 1u << 20;
	EXPECT_EQ(iopf_report_fault(dev, &f), -EINVAL);
	f = prq(1, 1, 0, true);
	f.perm = 1u << 9;
	EXPECT_EQ(iopf_report_fault(dev, &f), -EINVAL);
	iopf_queue_get_stats(q, &st);
	EXPECT_EQ(st.refused, 3);
	EXPECT_EQ(rec.nr_resp, 0);
	EXPECT_TRUE(iopf_queue_add_device(q, &(struct iopf_device_ops){ 0 }, NULL) == NULL);
	iopf_queue_remove_device(q, dev);
	iopf_queue_free(q);
}

TEST(flood_of_partial_requests_is_bounded)
{
	struct iopf_queue *q = setup(1);
	struct iopf_device *dev = iopf_queue_add_device(q, &ops, &rec);
	struct iommu_fault f;
	unsigned int i, accepted = 0;

	for (i = 0; i < 10000; i++) {
		f = prq(1, i & 511, 0x1000ULL * i, false);
		if (!iopf_report_fault(dev, &f))
			accepted++;
		else
			break;
	}
	EXPECT_LT(accepted, 10000);
	EXPECT_EQ(iopf_report_fault(dev, &f), -ENOMEM);
	/* Discarding makes room again, and nothing was ever answered. */
	EXPECT_EQ(iopf_queue_discard_partial(dev, false, 0), accepted);
	f = prq(1, 0, 0, true);
	EXPECT_EQ(iopf_report_fault(dev, &f), 0);
	iopf_queue_flush_dev(dev, false, 0);
	EXPECT_EQ(rec.nr_resp, 1);
	EXPECT_EQ(rec.handled, 1);
	iopf_queue_remove_device(q, dev);
	iopf_queue_free(q);
}

TEST(flush_waits_for_running_groups)
{
	struct iopf_queue *q = setup(2);
	struct iopf_device *dev = iopf_queue_add_device(q, &ops, &rec);
	struct iommu_fault f;

	rec.delay_us = 20000;	/* the handler is slow: flush must wait for it */
	for (int i = 0; i < 4; i++) {
		f = prq(2, (uint32_t)i, 0x1000, true);
		ASSERT_EQ(iopf_report_fault(dev, &f), 0);
	}
	iopf_queue_flush_dev(dev, true, 2);
	pthread_mutex_lock(&rec.lock);
	EXPECT_EQ(rec.nr_resp, 4);
	pthread_mutex_unlock(&rec.lock);
	iopf_queue_remove_device(q, dev);
	iopf_queue_free(q);
}

TEST(remove_device_answers_in_flight_and_drops_partial)
{
	struct iopf_queue *q = setup(1);
	struct iopf_device *dev = iopf_queue_add_device(q, &ops, &rec);
	struct iommu_fault f;
	struct iopf_stats st;

	rec.delay_us = 10000;
	f = prq(2, 0, 0x1000, false);
	ASSERT_EQ(iopf_report_fault(dev, &f), 0);
	for (int i = 1; i < 4; i++) {
		f = prq(2, (uint32_t)i, 0x1000, true);
		ASSERT_EQ(iopf_report_fault(dev, &f), 0);
	}
	iopf_queue_remove_device(q, dev);
	EXPECT_EQ(rec.nr_resp, 3);	/* every queued group was answered first */
	iopf_queue_get_stats(q, &st);
	EXPECT_EQ(st.discarded, 1);	/* the partial one was dropped */
	iopf_queue_free(q);
}

struct reporter {
	struct iopf_device *dev;
	uint32_t pasid;
};

static void *report_many(void *arg)
{
	struct reporter *r = arg;
	struct iommu_fault f;

	for (uint32_t g = 0; g < 200; g++) {
		for (int i = 0; i < 2; i++) {
			f = prq(r->pasid, g & 511, 0x1000ULL * (uint64_t)i, i == 1);
			if (iopf_report_fault(r->dev, &f))
				return (void *)1;
		}
	}
	return NULL;
}

TEST(concurrent_reporters)
{
	struct iopf_queue *q = setup(2);
	struct iopf_device *dev = iopf_queue_add_device(q, &ops, &rec);
	struct reporter r[4];
	pthread_t t[4];
	struct iopf_stats st;
	void *ret;

	for (int i = 0; i < 4; i++) {
		r[i] = (struct reporter){ dev, (uint32_t)i + 1 };
		ASSERT_EQ(pthread_create(&t[i], NULL, report_many, &r[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &ret);
		EXPECT_TRUE(ret == NULL);
	}
	iopf_queue_flush_dev(dev, false, 0);
	EXPECT_EQ(rec.nr_resp, 800);
	EXPECT_EQ(rec.handled, 1600);
	iopf_queue_get_stats(q, &st);
	EXPECT_EQ(st.groups, 800);
	EXPECT_EQ(st.success, 800);
	iopf_queue_remove_device(q, dev);
	iopf_queue_free(q);
}
