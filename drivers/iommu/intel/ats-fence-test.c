// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the pure parts of the VT-d ATS fence: the source ID of a
 * device-TLB invalidation descriptor, dropping the descriptors of fenced
 * devices from a restarted submission, the context entry bits, and which
 * devices an ITE is blamed on.
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

/* ITE: the device IQER.ITESID names; without a SID, every device-TLB one. */
static void vtd_ite_reports_the_right_devices(struct kunit *test)
{
	struct ite_reports r = {};
	struct qi_desc d[4];

	iotlb(&d[0], 1);
	devtlb(&d[1], 0x0100);
	devtlb_pasid(&d[2], 0x0208, 3);
	iotlb(&d[3], 2);

	qi_ite_report(0x0300, d, 4, record_report, &r);
	KUNIT_ASSERT_EQ(test, r.n, 1);
	KUNIT_EXPECT_EQ(test, r.sid[0], 0x0300);
	KUNIT_EXPECT_EQ(test, r.reason[0], IOMMU_ATS_TIMEOUT);

	memset(&r, 0, sizeof(r));
	qi_ite_report(0, d, 4, record_report, &r);
	KUNIT_ASSERT_EQ(test, r.n, 2);
	KUNIT_EXPECT_EQ(test, r.sid[0], 0x0100);
	KUNIT_EXPECT_EQ(test, r.sid[1], 0x0208);
	KUNIT_EXPECT_EQ(test, r.reason[0], IOMMU_ATS_TIMEOUT_SUSPECT);
	KUNIT_EXPECT_EQ(test, r.reason[1], IOMMU_ATS_TIMEOUT_SUSPECT);

	/* No SID and no device-TLB descriptor: nobody to blame. */
	memset(&r, 0, sizeof(r));
	qi_ite_report(0, d, 1, record_report, &r);
	KUNIT_EXPECT_EQ(test, r.n, 0);
}

static struct kunit_case vtd_ats_fence_cases[] = {
	KUNIT_CASE(vtd_devtlb_sid_extraction),
	KUNIT_CASE(vtd_restart_drops_only_fenced_devtlb),
	KUNIT_CASE(vtd_context_bits),
	KUNIT_CASE(vtd_ite_reports_the_right_devices),
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
