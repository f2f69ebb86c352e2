// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the pure parts of the AMD-Vi ATS fence: the device table
 * entry bits a fence and an attach write (the device and its aliases, on a
 * fake device table), and which devices a completion wait timeout is
 * blamed on (the pending-IOTLB-invalidation window).
 */
#include <kunit/test.h>

#include "amd_iommu.h"
#include "ats-fence.h"

#define TEST_DOMID	0x2a
#define TEST_PTROOT	0x12345000ULL
#define TEST_INTR	0x0000000089abc001ULL	/* data[2]: interrupt remapping */

/* An entry as set_dte_entry() writes it: 4-level table, I set. */
static void attached_dte(struct dev_table_entry *dte)
{
	memset(dte, 0, sizeof(*dte));
	dte->data[0] = TEST_PTROOT | (4ULL << DEV_ENTRY_MODE_SHIFT) |
		       DTE_FLAG_IR | DTE_FLAG_IW | DTE_FLAG_TV | DTE_FLAG_V;
	dte->data[1] = TEST_DOMID | DTE_FLAG_IOTLB;
	dte->data[2] = TEST_INTR;
}

static void amd_dte_fence_blocks_and_clears_i(struct kunit *test)
{
	struct dev_table_entry dte;

	attached_dte(&dte);
	KUNIT_EXPECT_TRUE(test, amd_ats_dte_fence_one(&dte, false));
	/* Blocked domain's translation fields: V, TV, nothing else */
	KUNIT_EXPECT_EQ(test, dte.data[0], DTE_FLAG_V | DTE_FLAG_TV);
	/* I clear; the domain ID and the interrupt remapping fields kept */
	KUNIT_EXPECT_EQ(test, dte.data[1], (u64)TEST_DOMID);
	KUNIT_EXPECT_EQ(test, dte.data[2], TEST_INTR);
	/* A second fence changes nothing */
	KUNIT_EXPECT_FALSE(test, amd_ats_dte_fence_one(&dte, false));

	/* With SNP the blocked entry has TV clear, as clear_dte_entry() */
	attached_dte(&dte);
	KUNIT_EXPECT_TRUE(test, amd_ats_dte_fence_one(&dte, true));
	KUNIT_EXPECT_EQ(test, dte.data[0], DTE_FLAG_V);

	/* An entry that is not valid is left alone, I still cleared */
	attached_dte(&dte);
	dte.data[0] &= ~DTE_FLAG_V;
	KUNIT_EXPECT_TRUE(test, amd_ats_dte_fence_one(&dte, false));
	KUNIT_EXPECT_EQ(test, dte.data[0],
			TEST_PTROOT | (4ULL << DEV_ENTRY_MODE_SHIFT) |
			DTE_FLAG_IR | DTE_FLAG_IW | DTE_FLAG_TV);
	KUNIT_EXPECT_EQ(test, dte.data[1], (u64)TEST_DOMID);
}

static void amd_dte_attach_i_bit(struct kunit *test)
{
	u64 hi = TEST_DOMID;

	/* Unfenced with ATS: I set; fenced: I clear, whatever ATS says */
	KUNIT_EXPECT_EQ(test, amd_ats_dte_iotlb_bits(hi, true, false), hi | DTE_FLAG_IOTLB);
	KUNIT_EXPECT_EQ(test, amd_ats_dte_iotlb_bits(hi | DTE_FLAG_IOTLB, true, true), hi);
	KUNIT_EXPECT_EQ(test, amd_ats_dte_iotlb_bits(hi | DTE_FLAG_IOTLB, false, true), hi);
	/* Unfenced without ATS: as 6.12 always did, the bit is left alone */
	KUNIT_EXPECT_EQ(test, amd_ats_dte_iotlb_bits(hi, false, false), hi);
	KUNIT_EXPECT_EQ(test, amd_ats_dte_iotlb_bits(hi | DTE_FLAG_IOTLB, false, false),
			hi | DTE_FLAG_IOTLB);
}

/* The recheck after an attach that raced with a fence only clears I. */
static void amd_dte_recheck_clears_only_i(struct kunit *test)
{
	struct dev_table_entry dte;

	attached_dte(&dte);
	KUNIT_EXPECT_TRUE(test, amd_ats_dte_clear_iotlb(&dte));
	KUNIT_EXPECT_EQ(test, dte.data[0],
			TEST_PTROOT | (4ULL << DEV_ENTRY_MODE_SHIFT) |
			DTE_FLAG_IR | DTE_FLAG_IW | DTE_FLAG_TV | DTE_FLAG_V);
	KUNIT_EXPECT_EQ(test, dte.data[1], (u64)TEST_DOMID);
	KUNIT_EXPECT_EQ(test, dte.data[2], TEST_INTR);
	KUNIT_EXPECT_FALSE(test, amd_ats_dte_clear_iotlb(&dte));
}

#define TABLE_SIZE	16

struct fake_table {
	struct dev_table_entry dte[TABLE_SIZE];
	int flushed[TABLE_SIZE];	/* CMD_INV_DEV_ENTRY per device ID */
	int calls;
};

static int fence_fake(u16 devid, void *data)
{
	struct fake_table *t = data;

	t->calls++;
	if (devid >= TABLE_SIZE)
		return -EINVAL;
	amd_ats_dte_fence_one(&t->dte[devid], false);
	t->flushed[devid]++;
	return 0;
}

/* The fence covers the device and its IVRS alias, and only them. */
static void amd_fence_covers_aliases(struct kunit *test)
{
	struct fake_table *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	for (i = 0; i < TABLE_SIZE; i++)
		attached_dte(&t->dte[i]);

	KUNIT_EXPECT_EQ(test, amd_ats_apply_devids(NULL, 0x0a, 0x08, fence_fake, t), 0);
	KUNIT_EXPECT_EQ(test, t->calls, 2);
	for (i = 0; i < TABLE_SIZE; i++) {
		bool fenced = i == 0x0a || i == 0x08;

		KUNIT_EXPECT_EQ_MSG(test, t->flushed[i], fenced ? 1 : 0, "devid %#x", i);
		KUNIT_EXPECT_EQ_MSG(test, !!(t->dte[i].data[1] & DTE_FLAG_IOTLB), !fenced,
				    "I bit of devid %#x", i);
		KUNIT_EXPECT_EQ_MSG(test, !!(t->dte[i].data[0] & DTE_FLAG_IR), !fenced,
				    "IR bit of devid %#x", i);
	}

	/* No IVRS alias (the table maps the device to itself): one entry */
	memset(t, 0, sizeof(*t));
	attached_dte(&t->dte[3]);
	KUNIT_EXPECT_EQ(test, amd_ats_apply_devids(NULL, 3, 3, fence_fake, t), 0);
	KUNIT_EXPECT_EQ(test, t->calls, 1);
	KUNIT_EXPECT_EQ(test, t->flushed[3], 1);
	KUNIT_EXPECT_FALSE(test, t->dte[3].data[1] & DTE_FLAG_IOTLB);

	/* An error stops the walk and is returned */
	memset(t, 0, sizeof(*t));
	KUNIT_EXPECT_EQ(test, amd_ats_apply_devids(NULL, 0x40, 3, fence_fake, t), -EINVAL);
	KUNIT_EXPECT_EQ(test, t->calls, 1);
	KUNIT_EXPECT_EQ(test, t->flushed[3], 0);
}

/*
 * A completion wait for sequence number 10 times out while the IOMMU last
 * completed 7: the devices whose IOTLB invalidation was tagged 8, 9 or 10
 * are suspects; one tagged 7 or earlier was confirmed, one tagged 11 is
 * covered by a later wait, and 0 means no invalidation.
 */
static void amd_pending_iotlb_window(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, amd_ats_seq_in_window(0, 7, 10));
	KUNIT_EXPECT_FALSE(test, amd_ats_seq_in_window(6, 7, 10));
	KUNIT_EXPECT_FALSE(test, amd_ats_seq_in_window(7, 7, 10));
	KUNIT_EXPECT_TRUE(test, amd_ats_seq_in_window(8, 7, 10));
	KUNIT_EXPECT_TRUE(test, amd_ats_seq_in_window(10, 7, 10));
	KUNIT_EXPECT_FALSE(test, amd_ats_seq_in_window(11, 7, 10));

	/* The wait for the last allocated number (no new command queued) */
	KUNIT_EXPECT_TRUE(test, amd_ats_seq_in_window(10, 9, 10));
	KUNIT_EXPECT_FALSE(test, amd_ats_seq_in_window(10, 10, 10));

	/* Sequence numbers compare as a wrapping counter */
	KUNIT_EXPECT_TRUE(test, amd_ats_seq_in_window(2, U64_MAX - 1, 3));
	KUNIT_EXPECT_FALSE(test, amd_ats_seq_in_window(U64_MAX - 2, U64_MAX - 1, 3));
}

static struct kunit_case amd_ats_fence_cases[] = {
	KUNIT_CASE(amd_dte_fence_blocks_and_clears_i),
	KUNIT_CASE(amd_dte_attach_i_bit),
	KUNIT_CASE(amd_dte_recheck_clears_only_i),
	KUNIT_CASE(amd_fence_covers_aliases),
	KUNIT_CASE(amd_pending_iotlb_window),
	{}
};

static struct kunit_suite amd_ats_fence_suite = {
	.name = "amd-ats-fence",
	.test_cases = amd_ats_fence_cases,
};

kunit_test_suite(amd_ats_fence_suite);

MODULE_DESCRIPTION("KUnit tests for the AMD-Vi ATS fence");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
