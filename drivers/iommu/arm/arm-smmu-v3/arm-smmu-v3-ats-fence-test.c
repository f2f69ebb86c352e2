// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the SMMUv3 ATS fence (arm-smmu-v3-ats-fence.c): which
 * StreamIDs a failed batch of ATC invalidations is blamed on, the fence's
 * STE update and commands, the CMD_SYNC error log and the GERROR poll.
 *
 * The command queue is faked by redirecting arm_smmu_ats_issue_sync(): the
 * fake records every command list and fails a CMD_SYNC (-EIO, as the real
 * queue does on CERROR_ATC_INV) when the list holds a CMD_ATC_INV for a
 * StreamID of a device that "does not answer". Reports are recorded by
 * redirecting arm_smmu_atc_report_sid().
 */
#include <kunit/device.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>

#include "arm-smmu-v3.h"
#include "arm-smmu-v3-ats-fence.h"

#define FAKE_MAX_LISTS	256
#define FAKE_MAX_SIDS	256

struct fake_smmu {
	struct arm_smmu_device smmu;
	DECLARE_BITMAP(dead, FAKE_MAX_SIDS);	/* never answer ATC_INV */
	DECLARE_BITMAP(inject, FAKE_MAX_SIDS);	/* injection fires once */
	DECLARE_BITMAP(reported, FAKE_MAX_SIDS);
	int nr_reports;
	int nr_lists;
	int list_len[FAKE_MAX_LISTS];
	int list_atc[FAKE_MAX_LISTS];		/* CMD_ATC_INV in the list */
	int list_cfgi[FAKE_MAX_LISTS];		/* CMD_CFGI_STE in the list */
	int err;				/* fail the next sync so */
};

static struct fake_smmu *fake;

static int fake_issue_sync(struct arm_smmu_device *smmu,
			   struct arm_smmu_cmdq *cmdq, u64 *cmds, int n)
{
	int i, ret = 0, l = fake->nr_lists++;

	if (l < FAKE_MAX_LISTS) {
		fake->list_len[l] = n;
		fake->list_atc[l] = 0;
		fake->list_cfgi[l] = 0;
	}
	for (i = 0; i < n; i++) {
		u64 *cmd = &cmds[i * CMDQ_ENT_DWORDS];
		u32 sid;

		switch (FIELD_GET(CMDQ_0_OP, cmd[0])) {
		case CMDQ_OP_ATC_INV:
			sid = FIELD_GET(CMDQ_ATC_0_SID, cmd[0]);
			if (l < FAKE_MAX_LISTS)
				fake->list_atc[l]++;
			if (sid < FAKE_MAX_SIDS && test_bit(sid, fake->dead))
				ret = -EIO;
			break;
		case CMDQ_OP_CFGI_STE:
			if (l < FAKE_MAX_LISTS)
				fake->list_cfgi[l]++;
			break;
		}
	}
	if (fake->err) {
		ret = fake->err;
		fake->err = 0;
	}
	return ret;
}

static bool fake_report_sid(struct arm_smmu_device *smmu, u32 sid,
			    enum iommu_ats_reason reason)
{
	fake->nr_reports++;
	if (sid < FAKE_MAX_SIDS) {
		set_bit(sid, fake->reported);
		/* a fenced device gets no more ATC_INV, so no more timeouts */
		clear_bit(sid, fake->dead);
	}
	return true;
}

static bool fake_sid_fenced(struct arm_smmu_device *smmu, u32 sid)
{
	return sid < FAKE_MAX_SIDS && test_bit(sid, fake->reported);
}

static bool fake_inject_sid(struct arm_smmu_device *smmu, u32 sid)
{
	return sid < FAKE_MAX_SIDS && test_and_clear_bit(sid, fake->inject);
}

static int ats_fence_test_init(struct kunit *test)
{
	fake = kunit_kzalloc(test, sizeof(*fake), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fake);
	kunit_activate_static_stub(test, arm_smmu_ats_issue_sync,
				   fake_issue_sync);
	kunit_activate_static_stub(test, arm_smmu_atc_report_sid,
				   fake_report_sid);
	kunit_activate_static_stub(test, arm_smmu_atc_sid_fenced,
				   fake_sid_fenced);
	kunit_activate_static_stub(test, arm_smmu_atc_inject_sid,
				   fake_inject_sid);
	fake->smmu.dev = kunit_device_register(test, "fake-smmu");
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(fake->smmu.dev));
	fake->smmu.cmdq.q.llq.max_n_shift = 8;
	return 0;
}

/* ATC invalidations of @nr StreamIDs from @first, @per_sid SSIDs each */
static int atc_inv_batch(u32 first, int nr, int per_sid)
{
	struct arm_smmu_cmdq_ent cmd = {
		.opcode = CMDQ_OP_ATC_INV,
		.atc.size = ATC_INV_SIZE_ALL,
	};
	struct arm_smmu_cmdq_batch cmds;
	int i, j;

	arm_smmu_cmdq_batch_init(&fake->smmu, &cmds, &cmd);
	for (i = 0; i < nr; i++) {
		for (j = 0; j < per_sid; j++) {
			cmd.atc.sid = first + i;
			cmd.atc.ssid = j;
			cmd.substream_valid = j;
			arm_smmu_cmdq_batch_add(&fake->smmu, &cmds, &cmd);
		}
	}
	return arm_smmu_cmdq_batch_submit(&fake->smmu, &cmds);
}

static void expect_reported(struct kunit *test, const u32 *sids, int nr)
{
	DECLARE_BITMAP(want, FAKE_MAX_SIDS) = {};
	int i;

	for (i = 0; i < nr; i++)
		set_bit(sids[i], want);
	KUNIT_EXPECT_TRUE(test, bitmap_equal(want, fake->reported,
					     FAKE_MAX_SIDS));
	KUNIT_EXPECT_EQ(test, fake->nr_reports, nr);
}

/* A batch whose sync completes costs one sync and blames nobody */
static void ats_fence_test_batch_ok(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, atc_inv_batch(10, 8, 1), 0);
	KUNIT_EXPECT_EQ(test, fake->nr_lists, 1);
	KUNIT_EXPECT_EQ(test, fake->list_atc[0], 8);
	expect_reported(test, NULL, 0);
}

/* One device of eight times out: one sync per StreamID finds it alone */
static void ats_fence_test_one_of_eight(struct kunit *test)
{
	static const u32 bad[] = { 13 };

	set_bit(13, fake->dead);
	KUNIT_EXPECT_EQ(test, atc_inv_batch(10, 8, 1), 0);
	expect_reported(test, bad, ARRAY_SIZE(bad));
	/* the batch, then one probe per StreamID, each a single ATC_INV */
	KUNIT_EXPECT_EQ(test, fake->nr_lists, 1 + 8);
	KUNIT_EXPECT_EQ(test, fake->list_len[1], 1);
	KUNIT_EXPECT_EQ(test, fake->list_atc[8], 1);
}

/* Several SSIDs per StreamID: each StreamID is probed once */
static void ats_fence_test_several_failing(struct kunit *test)
{
	static const u32 bad[] = { 20, 23, 27 };
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		set_bit(bad[i], fake->dead);
	KUNIT_EXPECT_EQ(test, atc_inv_batch(20, 8, 3), 0);
	expect_reported(test, bad, ARRAY_SIZE(bad));
	KUNIT_EXPECT_EQ(test, fake->list_atc[0], 24);
	KUNIT_EXPECT_EQ(test, fake->nr_lists, 1 + 8);
}

/*
 * More commands than a batch holds: every full batch is pushed with a
 * CMD_SYNC of its own, so a failure is blamed within the right 64, and
 * devices in different batches are all found.
 */
static void ats_fence_test_larger_than_batch(struct kunit *test)
{
	static const u32 bad[] = { 5, 70, 199 };
	int i, batches = DIV_ROUND_UP(200, CMDQ_BATCH_ENTRIES);
	int lists = 0, probes = 0;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		set_bit(bad[i], fake->dead);
	KUNIT_EXPECT_EQ(test, atc_inv_batch(0, 200, 1), 0);
	expect_reported(test, bad, ARRAY_SIZE(bad));
	for (i = 0; i < min(fake->nr_lists, FAKE_MAX_LISTS); i++) {
		KUNIT_EXPECT_LE(test, fake->list_len[i], CMDQ_BATCH_ENTRIES);
		if (fake->list_len[i] > 1)
			lists++;
		else
			probes++;
	}
	KUNIT_EXPECT_EQ(test, lists, batches);
	/* every StreamID of a failed batch is probed, no other */
	KUNIT_EXPECT_EQ(test, fake->nr_lists,
			batches + CMDQ_BATCH_ENTRIES * 2 + (200 % CMDQ_BATCH_ENTRIES));
}

/* A sync that failed once, but no StreamID fails again: nobody blamed */
static void ats_fence_test_transient(struct kunit *test)
{
	fake->err = -EIO;
	KUNIT_EXPECT_EQ(test, atc_inv_batch(40, 4, 1), 0);
	expect_reported(test, NULL, 0);
	KUNIT_EXPECT_EQ(test, fake->nr_lists, 1 + 4);
}

/* A CMD_SYNC timeout (the SMMU never answered) is localised the same way */
static void ats_fence_test_sync_timeout(struct kunit *test)
{
	static const u32 bad[] = { 42 };

	set_bit(42, fake->dead);
	fake->err = -ETIMEDOUT;
	KUNIT_EXPECT_EQ(test, atc_inv_batch(40, 4, 1), 0);
	expect_reported(test, bad, ARRAY_SIZE(bad));
}

/* An injected timeout fires after a good sync and takes the same path */
static void ats_fence_test_injected(struct kunit *test)
{
	static const u32 bad[] = { 61 };

	/* Armed once through the layer's debugfs in real use */
	static_branch_enable(&iommu_ats_inject_key);
	set_bit(61, fake->inject);
	KUNIT_EXPECT_EQ(test, atc_inv_batch(60, 3, 2), 0);
	expect_reported(test, bad, ARRAY_SIZE(bad));
	KUNIT_EXPECT_EQ(test, fake->nr_lists, 1 + 3);
}

/* A fenced device is not probed again by a later failed batch */
static void ats_fence_test_fenced_not_probed(struct kunit *test)
{
	set_bit(50, fake->reported);
	fake->nr_reports = 1;
	fake->err = -EIO;
	KUNIT_EXPECT_EQ(test, atc_inv_batch(50, 2, 1), 0);
	KUNIT_EXPECT_EQ(test, fake->nr_lists, 1 + 1);
	KUNIT_EXPECT_EQ(test, fake->nr_reports, 1);
}

/*
 * The fence: EATS cleared in the STE of each StreamID of the master (once
 * for a duplicated ID), every other bit kept, one CFGI_STE per StreamID
 * and one sync; no CMD_ATC_INV.
 */
static void ats_fence_test_fence_ste(struct kunit *test)
{
	struct arm_smmu_stream streams[] = { { .id = 3 }, { .id = 5 },
					     { .id = 5 } };
	struct arm_smmu_master master = {
		.smmu = &fake->smmu,
		.streams = streams,
		.num_streams = ARRAY_SIZE(streams),
	};
	struct arm_smmu_ste *table, before;
	u64 eats = FIELD_PREP(STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_TRANS);
	int i;

	table = kunit_kcalloc(test, 8, sizeof(*table), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, table);
	fake->smmu.strtab_cfg.linear.table = table;
	fake->smmu.strtab_cfg.linear.num_ents = 8;
	for (i = 0; i < 8; i++) {
		table[i].data[0] = cpu_to_le64(STRTAB_STE_0_V | i);
		table[i].data[1] = cpu_to_le64(eats | STRTAB_STE_1_S1DSS);
		table[i].data[2] = cpu_to_le64(0x1234);
	}
	before = table[3];

	KUNIT_EXPECT_EQ(test, arm_smmu_master_fence_ats(&master), 0);

	for (i = 0; i < 8; i++) {
		bool fenced = i == 3 || i == 5;

		KUNIT_EXPECT_EQ(test, FIELD_GET(STRTAB_STE_1_EATS,
						le64_to_cpu(table[i].data[1])),
				fenced ? 0 : STRTAB_STE_1_EATS_TRANS);
	}
	KUNIT_EXPECT_EQ(test, le64_to_cpu(table[3].data[1]),
			le64_to_cpu(before.data[1]) & ~STRTAB_STE_1_EATS);
	KUNIT_EXPECT_MEMEQ(test, &table[3].data[0], &before.data[0], 8);
	KUNIT_EXPECT_MEMEQ(test, &table[3].data[2], &before.data[2],
			   sizeof(before) - 16);
	KUNIT_EXPECT_EQ(test, fake->nr_lists, 1);
	KUNIT_EXPECT_EQ(test, fake->list_cfgi[0], 2);
	KUNIT_EXPECT_EQ(test, fake->list_atc[0], 0);

	/* Fencing again changes nothing in the table */
	before = table[5];
	KUNIT_EXPECT_EQ(test, arm_smmu_master_fence_ats(&master), 0);
	KUNIT_EXPECT_MEMEQ(test, &table[5], &before, sizeof(before));
	KUNIT_EXPECT_EQ(test, fake->list_atc[1], 0);
}

/*
 * The CMD_SYNC error log: a waiter learns that its own sync failed, not
 * somebody else's, and assumes the worst when the log overflowed.
 */
static void ats_fence_test_sync_error_log(struct kunit *test)
{
	struct arm_smmu_cmdq *cmdq = &fake->smmu.cmdq;
	u32 wrap = 1 << cmdq->q.llq.max_n_shift;
	u32 seq = arm_smmu_atc_err_seq(cmdq);
	int i;

	KUNIT_EXPECT_FALSE(test, arm_smmu_atc_sync_failed(cmdq, seq, 0x23));
	/* CONS as read from the SMMU: ERR field set, wrap bit set */
	arm_smmu_atc_note_sync_error(cmdq, FIELD_PREP(CMDQ_CONS_ERR, 3) |
					   wrap | 0x23);
	KUNIT_EXPECT_TRUE(test, arm_smmu_atc_sync_failed(cmdq, seq,
							 wrap | 0x23));
	KUNIT_EXPECT_FALSE(test, arm_smmu_atc_sync_failed(cmdq, seq, 0x23));
	KUNIT_EXPECT_FALSE(test, arm_smmu_atc_sync_failed(cmdq, seq,
							  wrap | 0x24));
	/* A waiter that started after the failure is not concerned */
	KUNIT_EXPECT_FALSE(test, arm_smmu_atc_sync_failed(cmdq, seq + 1,
							  wrap | 0x23));
	/* More failures than the log holds: every waiter probes */
	for (i = 0; i <= ARM_SMMU_ATC_ERR_LOG; i++)
		arm_smmu_atc_note_sync_error(cmdq, 0x40 + i);
	KUNIT_EXPECT_TRUE(test, arm_smmu_atc_sync_failed(cmdq, seq, 0x10));
}

/*
 * A CMD_SYNC waiter that timed out handles a pending CERROR_ATC_INV
 * itself: the handler notes the failed sync and acknowledges GERROR. The
 * SMMU's registers are plain memory here.
 */
static void ats_fence_test_poll_gerror(struct kunit *test)
{
	struct arm_smmu_cmdq *cmdq = &fake->smmu.cmdq, secondary = {};
	u32 *regs = kunit_kzalloc(test, 0x100, GFP_KERNEL);
	void __iomem *base = (void __iomem __force *)regs;
	u32 seq = arm_smmu_atc_err_seq(cmdq);

	KUNIT_ASSERT_NOT_NULL(test, regs);
	raw_spin_lock_init(&fake->smmu.gerror_lock);
	fake->smmu.base = base;
	cmdq->q.cons_reg = base + 0x80;

	/* Nothing pending: not worth waiting again */
	KUNIT_EXPECT_FALSE(test, arm_smmu_cmdq_poll_gerror(&fake->smmu, cmdq));

	regs[ARM_SMMU_GERROR / 4] = GERROR_CMDQ_ERR;
	regs[0x80 / 4] = FIELD_PREP(CMDQ_CONS_ERR, CMDQ_ERR_CERROR_ATC_INV_IDX) |
			 0x17;
	/* A secondary queue's errors are not GERROR's */
	KUNIT_EXPECT_FALSE(test, arm_smmu_cmdq_poll_gerror(&fake->smmu,
							   &secondary));
	KUNIT_EXPECT_TRUE(test, arm_smmu_cmdq_poll_gerror(&fake->smmu, cmdq));
	KUNIT_EXPECT_EQ(test, regs[ARM_SMMU_GERRORN / 4], GERROR_CMDQ_ERR);
	KUNIT_EXPECT_TRUE(test, arm_smmu_atc_sync_failed(cmdq, seq, 0x17));
	/* Acknowledged: a second poll finds nothing */
	KUNIT_EXPECT_FALSE(test, arm_smmu_cmdq_poll_gerror(&fake->smmu, cmdq));
}

static struct kunit_case ats_fence_test_cases[] = {
	KUNIT_CASE(ats_fence_test_batch_ok),
	KUNIT_CASE(ats_fence_test_one_of_eight),
	KUNIT_CASE(ats_fence_test_several_failing),
	KUNIT_CASE(ats_fence_test_larger_than_batch),
	KUNIT_CASE(ats_fence_test_transient),
	KUNIT_CASE(ats_fence_test_sync_timeout),
	KUNIT_CASE(ats_fence_test_injected),
	KUNIT_CASE(ats_fence_test_fenced_not_probed),
	KUNIT_CASE(ats_fence_test_fence_ste),
	KUNIT_CASE(ats_fence_test_sync_error_log),
	KUNIT_CASE(ats_fence_test_poll_gerror),
	{},
};

static struct kunit_suite ats_fence_test_suite = {
	.name = "arm-smmu-v3-ats-fence",
	.init = ats_fence_test_init,
	.test_cases = ats_fence_test_cases,
};

kunit_test_suites(&ats_fence_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit tests for the arm-smmu-v3 ATS fence");
MODULE_LICENSE("GPL");
