// SPDX-License-Identifier: GPL-2.0
/*
 * SMMUv3 side of ATS fence/recover (Documentation/iommu/ats-recovery.rst).
 *
 * Detection: an ATC invalidation that the endpoint does not complete makes
 * the next CMD_SYNC fail with CERROR_ATC_INV_SYNC (IHI0070, 3.9.1.4). The
 * error names neither the command nor the StreamID, so:
 *
 * - every batch of CMD_ATC_INV ends with its own CMD_SYNC, also when it
 *   overflows the batch (arm_smmu_atc_batch_sync()), and the commands stay
 *   in the caller's batch until that sync returns: the batch is the list
 *   of suspects, without allocating;
 * - the GERROR handler notes the position of the failed CMD_SYNC in the
 *   queue (arm_smmu_atc_note_sync_error()); the thread waiting for that
 *   sync sees its own position there and gets -EIO;
 * - a waiter that times out may be on the CPU that would take the GERROR
 *   interrupt, with interrupts off: it handles a pending command queue
 *   error itself (arm_smmu_cmdq_poll_gerror()) and waits again;
 * - on a failed batch, each StreamID of the batch gets one CMD_ATC_INV
 *   (whole ATC, no PASID) and one CMD_SYNC of its own; the StreamIDs whose
 *   sync fails again are the failing devices, and only they are reported.
 *
 * Fence: STE.EATS -> 0b00 for every StreamID of the master. With
 * SMMU_CR0.ATSCHK set (Linux sets it whenever it uses ATS) translated
 * transactions then abort with F_TRANSL_FORBIDDEN, translation requests
 * get UR (IHI0070, 3.9.1.2-3). Only qword 1 changes, so it is a hitless
 * update: a cmpxchg of that qword, CMD_CFGI_STE, one CMD_SYNC; no
 * allocation, no sleeping lock, no CMD_ATC_INV. An attach that raced with
 * the fence re-applies it (arm_smmu_ats_refence()).
 *
 * Mute: arm_smmu_atc_inv_domain() and arm_smmu_atc_inv_master() skip a
 * fenced master; the attach of a fenced master builds its STE with
 * EATS = 0 and leaves ATS disabled at the device.
 */
#include <linux/iommu-ats-recovery.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include "arm-smmu-v3.h"
#include "arm-smmu-v3-ats-fence.h"

/* A position in a queue: index and wrap bit, without CONS.ERR or overflow */
static u32 arm_smmu_q_pos(struct arm_smmu_queue *q, u32 p)
{
	return Q_IDX(&q->llq, p) | Q_WRP(&q->llq, p);
}

/**
 * arm_smmu_atc_note_sync_error() - note a CMD_SYNC failed by an ATC timeout
 * @cmdq: the command queue whose CONS.ERR says CERROR_ATC_INV
 * @cons: the CONS register, which points at the failed CMD_SYNC
 *
 * Called by the command queue error handler, which is serialised per
 * queue, before it acknowledges the error (the SMMU then re-runs the
 * CMD_SYNC and its waiter sees it complete).
 *
 * Context: hard interrupt, or a CMD_SYNC waiter with interrupts off.
 */
void arm_smmu_atc_note_sync_error(struct arm_smmu_cmdq *cmdq, u32 cons)
{
	struct arm_smmu_atc_errlog *log = &cmdq->atc_errs;
	u32 seq = atomic_read(&log->seq);

	WRITE_ONCE(log->sync[seq % ARM_SMMU_ATC_ERR_LOG],
		   arm_smmu_q_pos(&cmdq->q, cons));
	atomic_set_release(&log->seq, seq + 1);
}

/*
 * Slow part of arm_smmu_atc_sync_failed(): some CMD_SYNC failed since
 * @seq; was it the one at @sync_prod? If more failed than the log holds,
 * the answer is yes: a needless localisation costs one CMD_SYNC per
 * StreamID, a missed timeout costs memory safety.
 */
bool __arm_smmu_atc_sync_failed(struct arm_smmu_cmdq *cmdq, u32 seq,
				u32 sync_prod)
{
	struct arm_smmu_atc_errlog *log = &cmdq->atc_errs;
	u32 pos = arm_smmu_q_pos(&cmdq->q, sync_prod);
	u32 now = atomic_read_acquire(&log->seq);
	bool found = false;
	u32 s;

	if (now - seq > ARM_SMMU_ATC_ERR_LOG)
		return true;
	for (s = seq; s != now; s++)
		if (READ_ONCE(log->sync[s % ARM_SMMU_ATC_ERR_LOG]) == pos)
			found = true;
	/* Entries overwritten while we read them? */
	if (atomic_read_acquire(&log->seq) - seq > ARM_SMMU_ATC_ERR_LOG)
		return true;
	return found;
}

/**
 * arm_smmu_cmdq_poll_gerror() - handle a command queue error by polling
 * @smmu: the SMMU
 * @cmdq: the queue whose CMD_SYNC timed out
 *
 * A CMD_SYNC waiter spins with interrupts off; if its CPU is the one the
 * GERROR interrupt goes to, a command queue error (an ATC invalidation
 * timeout, say) stops the queue until the waiter gives up. So on a timeout
 * the waiter reads GERROR itself and runs the handler, which is serialised
 * against the interrupt.
 *
 * Context: interrupts off.
 * Return: true if an error of the main command queue was pending and is
 * handled now: the CMD_SYNC is worth waiting for again.
 */
bool arm_smmu_cmdq_poll_gerror(struct arm_smmu_device *smmu,
			       struct arm_smmu_cmdq *cmdq)
{
	u32 active;

	/* Secondary queues (tegra241-cmdqv) report errors their own way */
	if (cmdq != &smmu->cmdq)
		return false;
	active = readl_relaxed(smmu->base + ARM_SMMU_GERROR) ^
		 readl_relaxed(smmu->base + ARM_SMMU_GERRORN);
	if (!(active & GERROR_CMDQ_ERR))
		return false;
	dev_warn_ratelimited(smmu->dev,
			     "CMD_SYNC timed out with a command queue error pending: handling it from the waiter\n");
	arm_smmu_gerror_handler(0, smmu);
	return true;
}

/*
 * Issues @n commands and a CMD_SYNC and waits for it. Return: 0, -EIO if
 * the sync failed on an ATC invalidation timeout, -ETIMEDOUT. The KUnit
 * suite replaces it with a fake SMMU.
 */
VISIBLE_IF_KUNIT int arm_smmu_ats_issue_sync(struct arm_smmu_device *smmu,
					     struct arm_smmu_cmdq *cmdq,
					     u64 *cmds, int n)
{
	KUNIT_STATIC_STUB_REDIRECT(arm_smmu_ats_issue_sync, smmu, cmdq, cmds, n);
	return arm_smmu_cmdq_issue_cmdlist(smmu, cmdq, cmds, n, true);
}
EXPORT_SYMBOL_IF_KUNIT(arm_smmu_ats_issue_sync);

/*
 * Reports the device of @sid, under streams_lock so that it cannot be
 * released meanwhile (the fence runs inside the report). Return: true if
 * the device is fenced now.
 */
VISIBLE_IF_KUNIT bool arm_smmu_atc_report_sid(struct arm_smmu_device *smmu,
					      u32 sid,
					      enum iommu_ats_reason reason)
{
	struct arm_smmu_master *master;
	unsigned long flags;
	bool fenced = false;

	KUNIT_STATIC_STUB_REDIRECT(arm_smmu_atc_report_sid, smmu, sid, reason);
	raw_spin_lock_irqsave(&smmu->streams_lock, flags);
	master = arm_smmu_find_master(smmu, sid);
	if (master) {
		/* A concurrent report may have fenced it: ask, not the result */
		iommu_ats_report_timeout(master->dev, reason);
		fenced = iommu_ats_fenced(master->dev);
	} else {
		dev_err_ratelimited(smmu->dev,
				    "ATC invalidation timeout for StreamID %u, which has no master\n",
				    sid);
	}
	raw_spin_unlock_irqrestore(&smmu->streams_lock, flags);
	return fenced;
}
EXPORT_SYMBOL_IF_KUNIT(arm_smmu_atc_report_sid);

/* @check on the device of @sid, under streams_lock; false without one */
static bool arm_smmu_atc_sid_check(struct arm_smmu_device *smmu, u32 sid,
				   bool (*check)(struct device *dev))
{
	struct arm_smmu_master *master;
	unsigned long flags;
	bool ret;

	raw_spin_lock_irqsave(&smmu->streams_lock, flags);
	master = arm_smmu_find_master(smmu, sid);
	ret = master && check(master->dev);
	raw_spin_unlock_irqrestore(&smmu->streams_lock, flags);
	return ret;
}

/* Is the device of @sid fenced already? Then it is not probed again. */
VISIBLE_IF_KUNIT bool arm_smmu_atc_sid_fenced(struct arm_smmu_device *smmu,
					      u32 sid)
{
	KUNIT_STATIC_STUB_REDIRECT(arm_smmu_atc_sid_fenced, smmu, sid);
	return arm_smmu_atc_sid_check(smmu, sid, iommu_ats_fenced);
}
EXPORT_SYMBOL_IF_KUNIT(arm_smmu_atc_sid_fenced);

/* Should the completed invalidation of @sid count as timed out? */
VISIBLE_IF_KUNIT bool arm_smmu_atc_inject_sid(struct arm_smmu_device *smmu,
					      u32 sid)
{
	KUNIT_STATIC_STUB_REDIRECT(arm_smmu_atc_inject_sid, smmu, sid);
	return arm_smmu_atc_sid_check(smmu, sid, iommu_ats_inject_timeout);
}
EXPORT_SYMBOL_IF_KUNIT(arm_smmu_atc_inject_sid);

static bool arm_smmu_cmd_is_atc_inv(const u64 *cmd)
{
	return FIELD_GET(CMDQ_0_OP, cmd[0]) == CMDQ_OP_ATC_INV;
}

static u32 arm_smmu_cmd_sid(const u64 *cmd)
{
	return FIELD_GET(CMDQ_ATC_0_SID, cmd[0]);
}

/*
 * The index of the first CMD_ATC_INV of the batch for the StreamID of
 * command @i: each StreamID is probed (and injected) once, at its first
 * command.
 */
static bool arm_smmu_atc_first_of_sid(const u64 *cmds, int i)
{
	u32 sid = arm_smmu_cmd_sid(&cmds[i * CMDQ_ENT_DWORDS]);
	int j;

	for (j = 0; j < i; j++) {
		const u64 *cmd = &cmds[j * CMDQ_ENT_DWORDS];

		if (arm_smmu_cmd_is_atc_inv(cmd) && arm_smmu_cmd_sid(cmd) == sid)
			return false;
	}
	return true;
}

/*
 * Simulated timeouts, at the same place as real ones: after the batch's
 * CMD_SYNC. Return: a bit per command index (the first of its StreamID)
 * whose invalidation counts as timed out; its probe will time out too.
 */
static unsigned long arm_smmu_atc_inject(struct arm_smmu_device *smmu,
					 const u64 *cmds, int n)
{
	unsigned long injected = 0;
	int i;

	BUILD_BUG_ON(CMDQ_BATCH_ENTRIES > BITS_PER_LONG);
	for (i = 0; i < n; i++) {
		const u64 *cmd = &cmds[i * CMDQ_ENT_DWORDS];

		if (arm_smmu_cmd_is_atc_inv(cmd) &&
		    arm_smmu_atc_first_of_sid(cmds, i) &&
		    arm_smmu_atc_inject_sid(smmu, arm_smmu_cmd_sid(cmd)))
			injected |= BIT(i);
	}
	return injected;
}

/*
 * The batch's CMD_SYNC failed: find which StreamIDs did not complete their
 * ATC invalidation by invalidating each one's whole ATC under a CMD_SYNC
 * of its own, and report those whose sync fails again. A StreamID whose
 * probe completes had its invalidation completed too (the probe covers
 * it). Return: 0 when every timed-out device is fenced, else the error.
 */
static int arm_smmu_atc_localise(struct arm_smmu_device *smmu,
				 struct arm_smmu_cmdq *cmdq, const u64 *cmds,
				 int n, unsigned long injected)
{
	int i, ret = 0;

	dev_warn_ratelimited(smmu->dev,
			     "ATC invalidation timeout in a batch of %d commands: re-issuing them one StreamID per CMD_SYNC\n",
			     n);
	for (i = 0; i < n; i++) {
		const u64 *cmd = &cmds[i * CMDQ_ENT_DWORDS];
		enum iommu_ats_reason reason = IOMMU_ATS_TIMEOUT;
		u64 probe[CMDQ_ENT_DWORDS];
		u32 sid;
		int err;

		if (!arm_smmu_cmd_is_atc_inv(cmd) ||
		    !arm_smmu_atc_first_of_sid(cmds, i))
			continue;
		sid = arm_smmu_cmd_sid(cmd);
		if (arm_smmu_atc_sid_fenced(smmu, sid))
			continue;

		probe[0] = FIELD_PREP(CMDQ_0_OP, CMDQ_OP_ATC_INV) |
			   FIELD_PREP(CMDQ_ATC_0_SID, sid);
		probe[1] = FIELD_PREP(CMDQ_ATC_1_SIZE, ATC_INV_SIZE_ALL);
		err = arm_smmu_ats_issue_sync(smmu, cmdq, probe, 1);
		if (!err && (injected & BIT(i))) {
			err = -EIO;
			reason = IOMMU_ATS_TIMEOUT_INJECTED;
		}
		if (err == -EIO || err == -ETIMEDOUT) {
			if (!arm_smmu_atc_report_sid(smmu, sid, reason))
				ret = err;
		} else if (err) {
			ret = err;
		}
	}
	return ret;
}

/**
 * arm_smmu_atc_batch_sync() - issue a batch of ATC invalidations and sync
 * @smmu: the SMMU
 * @cmdq: the queue the batch is for
 * @cmds: the commands, all CMD_ATC_INV, at most CMDQ_BATCH_ENTRIES
 * @n: how many
 *
 * Every batch of ATC invalidations goes through here, also when it is
 * pushed because it is full: it always ends with its own CMD_SYNC, so that
 * a failure is one of these commands. A device found timing out is
 * reported, which fences it before this returns; the caller does not see
 * that timeout.
 *
 * Context: any; spins up to the CMD_SYNC timeout per StreamID on failure.
 * Return: 0, or an error when the batch failed and not every failing
 * device could be fenced.
 */
int arm_smmu_atc_batch_sync(struct arm_smmu_device *smmu,
			    struct arm_smmu_cmdq *cmdq, u64 *cmds, int n)
{
	unsigned long injected = 0;
	int ret;

	ret = arm_smmu_ats_issue_sync(smmu, cmdq, cmds, n);
	if (unlikely(iommu_ats_inject_armed()) && !ret)
		injected = arm_smmu_atc_inject(smmu, cmds, n);
	if (likely(!ret && !injected))
		return 0;
	if (ret && ret != -EIO && ret != -ETIMEDOUT)
		return ret;
	return arm_smmu_atc_localise(smmu, cmdq, cmds, n, injected);
}

/* Clears STE.EATS with a single-qword update. Return: true if it was set. */
static bool arm_smmu_ste_clear_eats(struct arm_smmu_ste *ste)
{
	__le64 *qw = &ste->data[1];
	__le64 old = READ_ONCE(*qw), new;

	do {
		new = old & ~cpu_to_le64(STRTAB_STE_1_EATS);
		if (new == old)
			return false;
	} while (!try_cmpxchg64((__force u64 *)qw, (__force u64 *)&old,
				(__force u64)new));
	return true;
}

/* CFGI_STE commands issued by the fence at a time, on the stack */
#define ARM_SMMU_FENCE_CMDS	8

/*
 * The fence, for a master: EATS cleared in the STE of each StreamID, then
 * CFGI_STE for each and a CMD_SYNC. Never a CMD_ATC_INV.
 */
VISIBLE_IF_KUNIT int arm_smmu_master_fence_ats(struct arm_smmu_master *master)
{
	struct arm_smmu_device *smmu = master->smmu;
	u64 cmds[ARM_SMMU_FENCE_CMDS * CMDQ_ENT_DWORDS];
	int i, j, n = 0, ret = 0, err;

	for (i = 0; i < master->num_streams; i++) {
		u32 sid = master->streams[i].id;
		u64 *cmd = &cmds[n * CMDQ_ENT_DWORDS];

		/* Bridged PCI devices may end up with duplicated IDs */
		for (j = 0; j < i; j++)
			if (master->streams[j].id == sid)
				break;
		if (j < i)
			continue;

		arm_smmu_ste_clear_eats(arm_smmu_get_step_for_sid(smmu, sid));
		cmd[0] = FIELD_PREP(CMDQ_0_OP, CMDQ_OP_CFGI_STE) |
			 FIELD_PREP(CMDQ_CFGI_0_SID, sid);
		cmd[1] = CMDQ_CFGI_1_LEAF;
		if (++n < ARM_SMMU_FENCE_CMDS)
			continue;
		err = arm_smmu_ats_issue_sync(smmu, &smmu->cmdq, cmds, n);
		ret = ret ?: err;
		n = 0;
	}
	if (n) {
		err = arm_smmu_ats_issue_sync(smmu, &smmu->cmdq, cmds, n);
		ret = ret ?: err;
	}
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(arm_smmu_master_fence_ats);

/**
 * arm_smmu_ats_fence() - the &iommu_ops.ats_fence op of SMMUv3
 * @dev: the device to fence
 *
 * Context: any; called with interrupts off under a raw spinlock.
 * Return: 0 once the SMMU no longer accepts translated transactions or
 * translation requests from @dev, or the CMD_SYNC's error.
 */
int arm_smmu_ats_fence(struct device *dev)
{
	return arm_smmu_master_fence_ats(dev_iommu_priv_get(dev));
}

/**
 * arm_smmu_ats_refence() - re-apply a fence that raced with an STE update
 * @master: the master whose STEs were just written
 *
 * An attach decides on EATS before it writes the STEs; a fence that ran in
 * between is overwritten. The layer marks a device fenced before it calls
 * the fence, so checking after the write is enough: either this sees the
 * mark, or the fence runs after the write.
 *
 * Context: process, after the STEs of @master were written.
 */
void arm_smmu_ats_refence(struct arm_smmu_master *master)
{
	if (!master->ste_ats_enabled)
		return;
	/* The STE writes before the check; pairs with the layer's mark */
	smp_mb();
	if (iommu_ats_fenced(master->dev))
		arm_smmu_master_fence_ats(master);
}
