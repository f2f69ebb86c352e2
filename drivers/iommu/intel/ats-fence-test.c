// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the pure parts of the VT-d ATS fence: the source ID of a
 * device-TLB invalidation descriptor, dropping the descriptors of fenced
 * devices from a restarted submission, the context entry bits, the ITE
 * log every submitter reads, neutralising the culprit's queued
 * descriptors, and which devices an ITE is blamed on.
 */
#include <kunit/test.h>

#include "ats-fence.h"
#include "iommu.h"

static void devtlb(struct qi_desc *d, u16 sid)
{
	qi_desc_dev_iotlb(sid, 0, 0, 0, MAX_AGAW_PFN_WIDTH, d);
}

static void devtlb_pasid(struct qi_desc *d, u16 sid, u32 pasid)
{
	qi_desc_dev_iotlb_pasid(sid, 0, pasid, 0, 0, MAX_AGAW_PFN_WIDTH, d);
}

static void iotlb(struct qi_desc *d, u16 did)
{
	memset(d, 0, sizeof(*d));
	d->qw0 = QI_IOTLB_DID(did) | QI_IOTLB_GRAN(DMA_TLB_DSI_FLUSH) | QI_IOTLB_TYPE;
}

static void vtd_devtlb_sid_extraction(struct kunit *test)
{
	struct qi_desc d;
	u16 sid = 0;

	devtlb(&d, 0x0100);
	KUNIT_EXPECT_TRUE(test, qi_desc_devtlb_sid(&d, &sid));
	KUNIT_EXPECT_EQ(test, sid, 0x0100);

	devtlb(&d, 0xfeed);
	KUNIT_EXPECT_TRUE(test, qi_desc_devtlb_sid(&d, &sid));
	KUNIT_EXPECT_EQ(test, sid, 0xfeed);

	devtlb_pasid(&d, 0x0208, 0x12345);
	KUNIT_EXPECT_TRUE(test, qi_desc_devtlb_sid(&d, &sid));
	KUNIT_EXPECT_EQ(test, sid, 0x0208);

	sid = 0x4242;
	iotlb(&d, 7);
	KUNIT_EXPECT_FALSE(test, qi_desc_devtlb_sid(&d, &sid));
	KUNIT_EXPECT_EQ(test, sid, 0x4242);
}

static bool fenced_0100(void *data, u16 sid)
{
	(*(int *)data)++;
	return sid == 0x0100;
}

static void vtd_restart_drops_only_fenced_devtlb(struct kunit *test)
{
	struct qi_desc d[6];
	unsigned int n;
	int lookups = 0;
	u16 sid;

	iotlb(&d[0], 1);
	devtlb(&d[1], 0x0100);		/* the fenced device */
	devtlb(&d[2], 0x0200);
	devtlb_pasid(&d[3], 0x0100, 5);	/* the fenced device, with PASID */
	iotlb(&d[4], 2);
	devtlb(&d[5], 0x0300);

	n = qi_drop_devtlb_descs(d, 6, fenced_0100, &lookups);
	KUNIT_ASSERT_EQ(test, n, 4U);
	KUNIT_EXPECT_EQ(test, lookups, 4);	/* only device-TLB descriptors */
	KUNIT_EXPECT_FALSE(test, qi_desc_devtlb_sid(&d[0], &sid));
	KUNIT_EXPECT_TRUE(test, qi_desc_devtlb_sid(&d[1], &sid));
	KUNIT_EXPECT_EQ(test, sid, 0x0200);
	KUNIT_EXPECT_FALSE(test, qi_desc_devtlb_sid(&d[2], &sid));
	KUNIT_EXPECT_EQ(test, d[2].qw0,
			QI_IOTLB_DID(2) | QI_IOTLB_GRAN(DMA_TLB_DSI_FLUSH) | QI_IOTLB_TYPE);
	KUNIT_EXPECT_TRUE(test, qi_desc_devtlb_sid(&d[3], &sid));
	KUNIT_EXPECT_EQ(test, sid, 0x0300);

	/* All of one device: nothing left but the wait descriptor's turn. */
	devtlb(&d[0], 0x0100);
	devtlb(&d[1], 0x0100);
	KUNIT_EXPECT_EQ(test, qi_drop_devtlb_descs(d, 2, fenced_0100, &lookups), 0U);
	/* None fenced: unchanged. */
	devtlb(&d[0], 0x0200);
	iotlb(&d[1], 3);
	KUNIT_EXPECT_EQ(test, qi_drop_devtlb_descs(d, 2, fenced_0100, &lookups), 2U);
}

static void vtd_context_bits(struct kunit *test)
{
	u64 base = 0xabc000;	/* address bits and P, untouched */
	u64 tt_devtlb = base | 1 | (CONTEXT_TT_DEV_IOTLB << 2);
	u64 tt_multi = base | 1 | (CONTEXT_TT_MULTI_LEVEL << 2);
	u64 tt_pt = base | 1 | (CONTEXT_TT_PASS_THROUGH << 2);

	/* Legacy: fence TT 01 -> 00, allow 00 -> 01, pass-through untouched. */
	KUNIT_EXPECT_EQ(test, intel_ats_context_lo(tt_devtlb, false, false), tt_multi);
	KUNIT_EXPECT_EQ(test, intel_ats_context_lo(tt_multi, false, true), tt_devtlb);
	KUNIT_EXPECT_EQ(test, intel_ats_context_lo(tt_multi, false, false), tt_multi);
	KUNIT_EXPECT_EQ(test, intel_ats_context_lo(tt_pt, false, false), tt_pt);
	KUNIT_EXPECT_EQ(test, intel_ats_context_lo(tt_pt, false, true), tt_pt);

	/* Scalable mode: DTE (bit 2) cleared and set, PRE (bit 4) kept. */
	KUNIT_EXPECT_EQ(test, intel_ats_context_lo(base | 1 | BIT(2) | BIT(4), true, false),
			base | 1 | BIT(4));
	KUNIT_EXPECT_EQ(test, intel_ats_context_lo(base | 1, true, true), base | 1 | BIT(2));
}

/*
 * Every submitter reads the entries logged since it started, however many
 * ITEs came in one wait; a second submitter reads the same ones; nothing
 * is read twice.
 */
static void vtd_ite_log_every_submitter_sees(struct kunit *test)
{
	struct qi_ite_log log = { .gen = UINT_MAX - 1 };	/* wraps below */
	unsigned int a = log.gen, b = log.gen, n;
	u32 e[QI_ITE_LOG_LEN];

	KUNIT_EXPECT_EQ(test, qi_ite_log_since(&log, &a, e), 0U);
	qi_ite_log_add(&log, 0x0100);
	qi_ite_log_add(&log, 0x0300);	/* two ITEs during one wait */
	qi_ite_log_add(&log, 0x0208 | QI_ITE_SUSPECT);
	n = qi_ite_log_since(&log, &a, e);
	KUNIT_ASSERT_EQ(test, n, 3U);
	KUNIT_EXPECT_EQ(test, e[0], 0x0100U);
	KUNIT_EXPECT_EQ(test, e[1], 0x0300U);
	KUNIT_EXPECT_EQ(test, e[2], 0x0208U | QI_ITE_SUSPECT);
	KUNIT_EXPECT_EQ(test, qi_ite_log_since(&log, &a, e), 0U);
	/* The other submitter, aborted by the same ITEs, sees them too */
	KUNIT_EXPECT_EQ(test, qi_ite_log_since(&log, &b, e), 3U);
	KUNIT_EXPECT_EQ(test, e[1], 0x0300U);

	/* More than the log holds: the newest QI_ITE_LOG_LEN */
	for (n = 0; n < QI_ITE_LOG_LEN + 3; n++)
		qi_ite_log_add(&log, 0x1000 + n);
	n = qi_ite_log_since(&log, &a, e);
	KUNIT_ASSERT_EQ(test, n, (unsigned int)QI_ITE_LOG_LEN);
	KUNIT_EXPECT_EQ(test, e[0], 0x1003U);
	KUNIT_EXPECT_EQ(test, e[QI_ITE_LOG_LEN - 1], 0x1000U + QI_ITE_LOG_LEN + 2);
}

static void wait_desc(struct qi_desc *d, int *status, unsigned int slot)
{
	memset(d, 0, sizeof(*d));
	d->qw0 = QI_IWD_STATUS_DATA(QI_DONE) | QI_IWD_STATUS_WRITE | QI_IWD_TYPE;
	d->qw1 = (u64)(uintptr_t)&status[slot];
}

/*
 * ITE without a SID: the suspects are the device-TLB devices of the
 * fetched submissions whose wait is still pending; not those of a
 * submission whose wait completed (its slots not freed yet), not stale
 * descriptors in freed slots, not those queued behind IQH; a neutralised
 * slot's wait ends no submission.
 */
static void vtd_ite_without_sid_suspects(struct kunit *test)
{
	struct qi_desc ring[12], noop;
	int status[12];
	u16 sids[4];
	unsigned int i;

	for (i = 0; i < 12; i++) {
		iotlb(&ring[i], 9);
		status[i] = QI_FREE;
	}
	devtlb(&ring[0], 0x0208);	/* slots 0, 1: freed long ago, stale */
	devtlb(&ring[1], 0x0700);
	/*
	 * Slots 2-4: a completed submission, not freed by its owner yet; slot
	 * 3 was neutralised by an earlier ITE
	 */
	devtlb(&ring[2], 0x0300);
	wait_desc(&noop, status, 0);
	noop.qw1 = 0x4000;
	ring[3] = noop;
	wait_desc(&ring[4], status, 4);
	status[2] = QI_IN_USE;
	status[3] = QI_IN_USE;
	status[4] = QI_DONE;
	/* Slots 5-8: the aborted one, with two devices */
	devtlb(&ring[5], 0x0208);
	iotlb(&ring[6], 1);
	devtlb_pasid(&ring[7], 0x0100, 2);
	wait_desc(&ring[8], status, 8);
	for (i = 5; i <= 8; i++)
		status[i] = QI_IN_USE;
	/* Slots 9-10: queued behind IQH = 9, not fetched */
	devtlb(&ring[9], 0x0500);
	wait_desc(&ring[10], status, 10);
	status[9] = QI_IN_USE;
	status[10] = QI_IN_USE;

	/* IQH 9, IQT 11: fetched slots are 11, 0 .. 8 */
	KUNIT_ASSERT_EQ(test, qi_ite_suspects(ring, 5, 12, status, 9, 11, 0x4000,
					      sids, ARRAY_SIZE(sids)), 2U);
	KUNIT_EXPECT_EQ(test, sids[0], 0x0100);
	KUNIT_EXPECT_EQ(test, sids[1], 0x0208);

	/*
	 * The aborted submission was the last one queued: the hardware fetched
	 * everything, IQH == IQT, and slots 9-10 are free again
	 */
	status[9] = QI_FREE;
	status[10] = QI_FREE;
	KUNIT_ASSERT_EQ(test, qi_ite_suspects(ring, 5, 12, status, 9, 9, 0x4000,
					      sids, ARRAY_SIZE(sids)), 2U);
	KUNIT_EXPECT_EQ(test, sids[0], 0x0100);
	KUNIT_EXPECT_EQ(test, sids[1], 0x0208);

	/* Nothing pending: no suspect */
	status[8] = QI_DONE;
	KUNIT_EXPECT_EQ(test, qi_ite_suspects(ring, 5, 12, status, 9, 11, 0x4000,
					      sids, ARRAY_SIZE(sids)), 0U);
	KUNIT_EXPECT_EQ(test, qi_ite_suspects(ring, 5, 12, status, 9, 9, 0x4000,
					      sids, ARRAY_SIZE(sids)), 0U);
}

/*
 * While ITE stops fetching, the culprit's device-TLB descriptors queued in
 * [IQH, IQT), and only those, become the no-op; the ring wraps.
 */
static void vtd_neutralise_queued_devtlb(struct kunit *test)
{
	struct qi_desc ring[8], noop = { .qw0 = QI_IWD_TYPE | QI_IWD_STATUS_WRITE,
					 .qw1 = 0x1234 };
	struct qi_desc before[8];
	unsigned int i;

	for (i = 0; i < 8; i++)
		devtlb(&ring[i], i & 1 ? 0x0100 : 0x0200);
	iotlb(&ring[3], 1);
	devtlb_pasid(&ring[7], 0x0100, 9);
	memcpy(before, ring, sizeof(ring));

	/* head 5, tail 2: slots 5, 6, 7, 0, 1 are queued */
	KUNIT_EXPECT_EQ(test, qi_neutralise_devtlb(ring, 5, 8, 5, 2, 0x0100, &noop), 3U);
	for (i = 0; i < 8; i++) {
		bool queued = i >= 5 || i < 2;
		bool culprit = i == 1 || i == 5 || i == 7;

		if (queued && culprit)
			KUNIT_EXPECT_EQ(test, memcmp(&ring[i], &noop, sizeof(noop)), 0);
		else
			KUNIT_EXPECT_EQ(test, memcmp(&ring[i], &before[i], sizeof(noop)), 0);
	}
	/* Slot 3 (culprit's, already fetched) is outside; empty range: none */
	KUNIT_EXPECT_EQ(test, qi_neutralise_devtlb(ring, 5, 8, 4, 4, 0x0200, &noop), 0U);
}

struct ite_reports {
	int n;
	u16 sid[8];
	enum iommu_ats_reason reason[8];
};

static void record_report(void *data, u16 sid, enum iommu_ats_reason reason)
{
	struct ite_reports *r = data;

	if (r->n < ARRAY_SIZE(r->sid)) {
		r->sid[r->n] = sid;
		r->reason[r->n] = reason;
	}
	r->n++;
}

static void batch(struct qi_desc *d)
{
	iotlb(&d[0], 1);
	devtlb(&d[1], 0x0100);
	devtlb_pasid(&d[2], 0x0208, 3);
	iotlb(&d[3], 2);
}

/*
 * A submitter blames the devices logged since it started, once each,
 * aborted or not, as logged (named or suspect), and drops their device-TLB
 * descriptors, and only theirs.
 */
static void vtd_ite_settle_blames_the_right_devices(struct kunit *test)
{
	u32 named[] = { 0x0208, 0x0300, 0x0208 | QI_ITE_SUSPECT };
	u32 suspect[] = { 0x0100 | QI_ITE_SUSPECT };
	struct ite_reports r = {};
	struct qi_desc d[4];
	u16 sid;

	batch(d);
	KUNIT_EXPECT_EQ(test, qi_ite_settle(named, 3, d, 4, record_report, &r), 3U);
	KUNIT_ASSERT_EQ(test, r.n, 2);
	KUNIT_EXPECT_EQ(test, r.sid[0], 0x0208);
	KUNIT_EXPECT_EQ(test, r.reason[0], IOMMU_ATS_TIMEOUT);
	KUNIT_EXPECT_EQ(test, r.sid[1], 0x0300);
	KUNIT_EXPECT_TRUE(test, qi_desc_devtlb_sid(&d[1], &sid));
	KUNIT_EXPECT_EQ(test, sid, 0x0100);	/* the bystander's stays */
	KUNIT_EXPECT_FALSE(test, qi_desc_devtlb_sid(&d[2], &sid));

	memset(&r, 0, sizeof(r));
	batch(d);
	KUNIT_EXPECT_EQ(test, qi_ite_settle(suspect, 1, d, 4, record_report, &r), 3U);
	KUNIT_ASSERT_EQ(test, r.n, 1);
	KUNIT_EXPECT_EQ(test, r.sid[0], 0x0100);
	KUNIT_EXPECT_EQ(test, r.reason[0], IOMMU_ATS_TIMEOUT_SUSPECT);
	KUNIT_EXPECT_TRUE(test, qi_desc_devtlb_sid(&d[1], &sid));
	KUNIT_EXPECT_EQ(test, sid, 0x0208);

	/* Nothing logged: nothing reported, nothing dropped */
	memset(&r, 0, sizeof(r));
	batch(d);
	KUNIT_EXPECT_EQ(test, qi_ite_settle(NULL, 0, d, 4, record_report, &r), 4U);
	KUNIT_EXPECT_EQ(test, r.n, 0);
}

static struct kunit_case vtd_ats_fence_cases[] = {
	KUNIT_CASE(vtd_devtlb_sid_extraction),
	KUNIT_CASE(vtd_restart_drops_only_fenced_devtlb),
	KUNIT_CASE(vtd_context_bits),
	KUNIT_CASE(vtd_ite_log_every_submitter_sees),
	KUNIT_CASE(vtd_neutralise_queued_devtlb),
	KUNIT_CASE(vtd_ite_without_sid_suspects),
	KUNIT_CASE(vtd_ite_settle_blames_the_right_devices),
	{}
};

static struct kunit_suite vtd_ats_fence_suite = {
	.name = "vtd-ats-fence",
	.test_cases = vtd_ats_fence_cases,
};

kunit_test_suite(vtd_ats_fence_suite);

MODULE_DESCRIPTION("KUnit tests for the VT-d ATS fence");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_LICENSE("GPL");
