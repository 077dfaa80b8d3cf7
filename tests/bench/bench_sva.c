// SPDX-License-Identifier: GPL-2.0
/*
 * SVA costs on the machine model (tests/unit/sva_machine.h):
 *  - I/O page-fault round trip: a device write to a fresh page, through
 *    PRI (PCIe) or a stall (platform) to the iopf worker and back, median
 *    and p99, beside the host's own userfaultfd round trip measured in the
 *    same run (or, when an unprivileged process may not use userfaultfd, a
 *    host page fault on fresh anonymous memory, said so in the output);
 *  - munmap of one page of a bound process beside the same munmap unbound;
 *  - bind + unbind pairs per second.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/bench_stats.h"
#include "tests/unit/sva_machine.h"

#define PAGE		4096ull
#define FAULTS		2000u
#define MUNMAPS		2000u
#define BINDS		2000u

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The last report's median and p99 (ns), for the ratios; reports print only when !quiet. */
static double last_p50, last_p99;
static bool quiet;

static void report(const char *what, uint64_t *ns, unsigned int n)
{
	last_p50 = last_p99 = 0;
	if (!n) {
		printf("%-44s no samples\n", what);
		return;
	}
	qsort(ns, n, sizeof(*ns), cmp_u64);
	last_p50 = (double)ns[n / 2];
	last_p99 = (double)ns[(uint64_t)n * 99 / 100];
	if (!quiet)
		printf("%-44s median %8.2f us   p99 %8.2f us   (n=%u)\n", what, ns[n / 2] / 1e3,
	       ns[(uint64_t)n * 99 / 100] / 1e3, n);
}

/* ---- Device page faults ----------------------------------------------------- */

static void bench_iopf(struct sm *sm, struct sm_dev *d, const char *what)
{
	uint64_t *ns = calloc(FAULTS, sizeof(*ns)), v = 1, t;
	struct iommu_sva *h;
	unsigned int i, n = 0;
	char why[128];
	struct mm *mm;
	int64_t va;
	int err;

	mm = sm_process(sm, 0);
	va = mm_mmap(mm, 0, FAULTS * PAGE, MM_PROT_READ | MM_PROT_WRITE, 0);
	h = iommu_sva_bind_device(&d->dev, mm, &err, why, sizeof(why));
	if (!ns || va < 0 || !h) {
		printf("%-44s setup failed (%d %s)\n", what, err, h ? "" : why);
		goto out;
	}
	for (i = 0; i < FAULTS; i++) {
		t = now_ns();
		if (sm_dma(d, mm->pasid, (uint64_t)va + i * PAGE, &v, sizeof(v), true))
			continue;
		ns[n++] = now_ns() - t;
	}
	report(what, ns, n);
	iommu_sva_unbind_device(h);
out:
	mm_switch(&sm->sys, NULL, 0);
	mmgrab(mm);
	mmput(mm);
	iommu_sva_mm_free(&sm->core, mm);
	mmdrop(mm);
	free(ns);
}

/* ---- Host: userfaultfd round trip, or a plain anonymous page fault ----------------- */

struct uffd_server {
	int uffd;
	void *page;		/* the data UFFDIO_COPY installs */
	volatile int stop;
};

static void *uffd_main(void *arg)
{
	struct uffd_server *s = arg;
	struct uffd_msg msg;
	struct pollfd pfd = { .fd = s->uffd, .events = POLLIN };

	while (!s->stop) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (read(s->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
		    msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		struct uffdio_copy copy = {
			.dst = msg.arg.pagefault.address & ~(PAGE - 1),
			.src = (uint64_t)(uintptr_t)s->page,
			.len = PAGE,
		};
		ioctl(s->uffd, UFFDIO_COPY, &copy);
	}
	return NULL;
}

static int uffd_open(void)
{
	int fd;

#ifdef UFFD_USER_MODE_ONLY
	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd >= 0)
		return fd;
#endif
	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	return fd >= 0 ? fd : -errno;
}

/* The host's userfaultfd round trip; 0, or -errno if unavailable. */
static int bench_host_uffd(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffd_server s = { .uffd = -1 };
	uint64_t *ns = calloc(FAULTS, sizeof(*ns)), t;
	struct uffdio_register reg;
	pthread_t th;
	uint8_t *area;
	unsigned int i;
	int ret = 0;

	s.uffd = uffd_open();
	if (s.uffd < 0 || !ns) {
		free(ns);
		return s.uffd < 0 ? s.uffd : -ENOMEM;
	}
	area = mmap(NULL, FAULTS * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	s.page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg = (struct uffdio_register){
		.range = { .start = (uint64_t)(uintptr_t)area, .len = FAULTS * PAGE },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	if (area == MAP_FAILED || s.page == MAP_FAILED || ioctl(s.uffd, UFFDIO_API, &api) ||
	    ioctl(s.uffd, UFFDIO_REGISTER, &reg)) {
		ret = -errno;
		goto out;
	}
	memset(s.page, 0x5a, PAGE);
	if (pthread_create(&th, NULL, uffd_main, &s)) {
		ret = -EAGAIN;
		goto out;
	}
	for (i = 0; i < FAULTS; i++) {
		t = now_ns();
		((volatile uint8_t *)area)[i * PAGE] = 1;
		ns[i] = now_ns() - t;
	}
	s.stop = 1;
	pthread_join(th, NULL);
	report("host userfaultfd round trip", ns, FAULTS);
out:
	if (area != MAP_FAILED)
		munmap(area, FAULTS * PAGE);
	if (s.page != MAP_FAILED)
		munmap(s.page, PAGE);
	close(s.uffd);
	free(ns);
	return ret;
}

static void bench_host_anon_fault(void)
{
	uint64_t *ns = calloc(FAULTS, sizeof(*ns)), t;
	uint8_t *area;
	unsigned int i;

	area = mmap(NULL, FAULTS * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || !ns) {
		free(ns);
		return;
	}
	for (i = 0; i < FAULTS; i++) {
		t = now_ns();
		((volatile uint8_t *)area)[i * PAGE] = 1;
		ns[i] = now_ns() - t;
	}
	report("host page fault, fresh anonymous memory", ns, FAULTS);
	munmap(area, FAULTS * PAGE);
	free(ns);
}

/* ---- munmap of one page, bound and unbound ------------------------------------ */

static void bench_munmap(struct sm *sm, struct sm_dev *d, bool bound, const char *what)
{
	uint64_t *ns = calloc(MUNMAPS, sizeof(*ns)), v = 1, t;
	struct iommu_sva *h = NULL;
	unsigned int i, n = 0;
	char why[128];
	struct mm *mm;
	int64_t va;
	int err;

	mm = sm_process(sm, 0);
	va = mm_mmap(mm, 0, PAGE, MM_PROT_READ | MM_PROT_WRITE, 0);
	if (bound)
		h = iommu_sva_bind_device(&d->dev, mm, &err, why, sizeof(why));
	if (!ns || va < 0 || (bound && !h)) {
		printf("%-44s setup failed\n", what);
		goto out;
	}
	for (i = 0; i < MUNMAPS; i++) {
		mm_mmap(mm, (uint64_t)va, PAGE, MM_PROT_READ | MM_PROT_WRITE, MM_MAP_FIXED);
		mm_populate(mm, (uint64_t)va, PAGE);
		/* The device holds the translation (SMMU TLB, ATC) when bound. */
		if (bound && sm_dma(d, mm->pasid, (uint64_t)va, &v, sizeof(v), true))
			continue;
		t = now_ns();
		mm_munmap(mm, (uint64_t)va, PAGE);
		ns[n++] = now_ns() - t;
	}
	report(what, ns, n);
	if (h)
		iommu_sva_unbind_device(h);
out:
	mm_switch(&sm->sys, NULL, 0);
	mmgrab(mm);
	mmput(mm);
	iommu_sva_mm_free(&sm->core, mm);
	mmdrop(mm);
	free(ns);
}

/* ---- bind + unbind -------------------------------------------------------------- */

static void bench_bind(struct sm *sm, struct sm_dev *d)
{
	struct iommu_sva *h;
	unsigned int i, n = 0;
	char why[128];
	struct mm *mm;
	uint64_t t;
	int err;

	mm = sm_process(sm, 0);
	t = now_ns();
	for (i = 0; i < BINDS; i++) {
		h = iommu_sva_bind_device(&d->dev, mm, &err, why, sizeof(why));
		if (!h)
			break;
		iommu_sva_unbind_device(h);
		n++;
	}
	t = now_ns() - t;
	printf("%-44s %8.0f /s   (n=%u)\n", "bind + unbind (PCIe function, shared ASID)",
	       n / (t / 1e9), n);
	mm_switch(&sm->sys, NULL, 0);
	mmgrab(mm);
	mmput(mm);
	iommu_sva_mm_free(&sm->core, mm);
	mmdrop(mm);
}

/*
 * Issue 9's goal for the device fault round trip is a ratio to the host's
 * userfaultfd round trip measured in the same run: FAULT_SAMPLES rounds, each
 * timing PRI, stall and userfaultfd back to back; the ratios of medians and of
 * p99s are taken per round and reported as median and spread over the rounds.
 */
#define FAULT_SAMPLES	7

static void bench_fault_ratios(struct sm *sm, struct sm_dev *pci, struct sm_dev *stall, int *err)
{
	struct bench_series pri50 = { 0 }, pri99 = { 0 }, st50 = { 0 }, st99 = { 0 };
	double p50, p99;
	unsigned int r;

	for (r = 0; r < FAULT_SAMPLES; r++) {
		double a50, a99, b50, b99;

		quiet = r != 0;
		bench_iopf(sm, pci, "I/O page fault: PCIe ATS + PRI round trip");
		a50 = last_p50;
		a99 = last_p99;
		bench_iopf(sm, stall, "I/O page fault: platform stall round trip");
		b50 = last_p50;
		b99 = last_p99;
		*err = bench_host_uffd();
		if (*err)
			break;
		p50 = last_p50;
		p99 = last_p99;
		if (!p50 || !p99 || !a50 || !b50)
			continue;
		bench_add(&pri50, a50 / p50);
		bench_add(&pri99, a99 / p99);
		bench_add(&st50, b50 / p50);
		bench_add(&st99, b99 / p99);
	}
	quiet = false;
	if (*err)
		return;
	bench_print_ratio("PRI fault / userfaultfd, median", &pri50, "<= 1x (0.5x)");
	bench_print_ratio("PRI fault / userfaultfd, p99", &pri99, "<= 3x");
	bench_print_ratio("stall fault / userfaultfd, median", &st50, "<= 1x (0.5x)");
	bench_print_ratio("stall fault / userfaultfd, p99", &st99, "<= 3x");
}

int main(void)
{
	struct sm_dev *pci, *stall;
	struct sm_cfg cfg;
	struct sm sm;
	int err;

	sm_cfg_default(&cfg);
	if (sm_init(&sm, &cfg)) {
		printf("bench_sva: machine setup failed\n");
		return 1;
	}
	pci = sm_add_pci(&sm, 1, 20, true, true, &err);
	stall = sm_add_platform(&sm, 2, 16, true, true, &err);
	if (!pci || !stall) {
		printf("bench_sva: device setup failed (%d)\n", err);
		sm_fini(&sm);
		return 1;
	}
	bench_fault_ratios(&sm, pci, stall, &err);
	if (err)
		printf("host userfaultfd unavailable to this process (%s): measuring a host page fault instead\n",
		       strerror(-err));
	bench_host_anon_fault();
	bench_munmap(&sm, pci, false, "munmap 1 page, not bound");
	bench_munmap(&sm, pci, true, "munmap 1 page, bound (BTM + ATS)");
	bench_munmap(&sm, stall, true, "munmap 1 page, bound (BTM, stall device)");
	bench_bind(&sm, pci);
	sm_fini(&sm);
	return 0;
}
