// SPDX-License-Identifier: GPL-2.0
/*
 * SMMUv3 part of the ATS fence (Documentation/iommu/ats-recovery.rst):
 *
 * - the record of the CMD_SYNCs that raised CERROR_ATC_INV_SYNC
 *   (arm-smmu-v3-ats-fence.h says why);
 * - the wait of a CMD_SYNC stalled behind an ATC invalidation, which
 *   polls GERROR: the SMMU's own timeout may be longer than the driver's
 *   wait, and the interrupt may be masked on every CPU that waits;
 * - the localisation: which StreamID of a failed batch did not answer;
 * - the fence: STE.EATS cleared, CFGI_STE and a CMD_SYNC that completed;
 * - the events the fence makes the SMMU record, counted, not logged.
 */
#include <kunit/visibility.h>
#include <linux/bitmap.h>
#include <linux/nmi.h>
#include <linux/sched/clock.h>

#include "arm-smmu-v3.h"

/*
 * The backstop of one localisation: its probes wait only for the queue
 * ahead of them and at most %ARM_SMMU_ATC_PROBE_FAILS of them fail, so it
 * ends well before this unless the SMMU barely moves.
 */
#define ARM_SMMU_ATC_LOCATE_NS	(60 * NSEC_PER_SEC)

/* A verdict per command of a batch at most */
static_assert(ARM_SMMU_ATC_VERDICTS >= CMDQ_BATCH_ENTRIES);

/**
 * arm_smmu_atc_errs_init() - set up the record of a command queue
 * @smmu: the SMMU, whose device owns the memory
 * @errs: the record
 * @nents: the slots of the queue
 *
 * Return: 0, or -ENOMEM.
 */
int arm_smmu_atc_errs_init(struct arm_smmu_device *smmu,
			   struct arm_smmu_atc_errs *errs, unsigned int nents)
{
	errs->slots = devm_bitmap_zalloc(smmu->dev, nents, GFP_KERNEL);
	return errs->slots ? 0 : -ENOMEM;
}

/**
 * arm_smmu_atc_err_record() - mark a CMD_SYNC that raised CERROR_ATC_INV_SYNC
 * @errs: the record of the command queue
 * @idx: the CMD_SYNC's slot: the index of CONS.RD
 *
 * Called by the queue's error handler before it acknowledges the error,
 * so before the SMMU can complete the sync: the waiter, which checks
 * once its sync completed, sees the mark. Any context.
 */
void arm_smmu_atc_err_record(struct arm_smmu_atc_errs *errs, u32 idx)
{
	set_bit(idx, errs->slots);
}
EXPORT_SYMBOL_IF_KUNIT(arm_smmu_atc_err_record);

/**
 * arm_smmu_cmdq_poll_gerror() - handle a command queue error nobody handled
 * @smmu: the SMMU
 * @cmdq: the queue a CMD_SYNC is stalled on
 *
 * The queue halts at a command error until GERRORN acknowledges it. The
 * GERROR interrupt may be masked on every CPU that waits for the queue
 * (they spin with interrupts off): a stalled waiter handles the error
 * itself. A trylock: if another CPU handles errors, or this one does and
 * its printing needed a CMD_SYNC, the waiter polls on (its wait is
 * bounded). Only the SMMU's own queue reports through GERROR; a secondary
 * queue's errors are its implementation's.
 */
void arm_smmu_cmdq_poll_gerror(struct arm_smmu_device *smmu,
			       struct arm_smmu_cmdq *cmdq)
{
	unsigned long flags;
	u32 active;

	if (cmdq != &smmu->cmdq)
		return;
	active = readl_relaxed(smmu->base + ARM_SMMU_GERROR) ^
		 readl_relaxed(smmu->base + ARM_SMMU_GERRORN);
	if (!(active & GERROR_CMDQ_ERR))
		return;
	if (!raw_spin_trylock_irqsave(&smmu->gerror_lock, flags))
		return;
	__arm_smmu_gerror_handler(smmu);
	raw_spin_unlock_irqrestore(&smmu->gerror_lock, flags);
}

/**
 * arm_smmu_cmdq_stalled() - wait another round for a stalled CMD_SYNC?
 * @smmu: the SMMU
 * @cmdq: the queue the sync is on
 * @stall: the sync's wait so far, zeroed before the first timeout
 *
 * Called each time the driver's own poll of a sync timed out (1 s). A sync
 * behind an ATC invalidation completes only once the function answered
 * or the SMMU gave up and reported CERROR_ATC_INV_SYNC at the sync after
 * it (IHI 0070 3.9.1.4, 4.7.3). The queue is FIFO: other CPUs' batches to
 * the same stuck function may be ahead, each stalling it for the SMMU's
 * whole timeout, and the queue moves between them. So the waiter polls
 * GERROR while the queue moves, and gives up once it has not moved for
 * %ARM_SMMU_CMDQ_STALL_ROUNDS, or at %ARM_SMMU_CMDQ_STALL_MAX_ROUNDS. The
 * wait is on hardware, bounded, with interrupts off: it tells the
 * hard-lockup detector so.
 *
 * Return: true if the caller polls the sync another round.
 */
bool arm_smmu_cmdq_stalled(struct arm_smmu_device *smmu,
			   struct arm_smmu_cmdq *cmdq,
			   struct arm_smmu_cmdq_stall *stall)
{
	struct arm_smmu_ll_queue *llq = &cmdq->q.llq;
	u32 cons;

	/* Nothing here would see a secondary queue's error: upstream's wait */
	if (cmdq != &smmu->cmdq)
		return false;
	cons = readl_relaxed(cmdq->q.cons_reg);
	cons = Q_WRP(llq, cons) | Q_IDX(llq, cons);
	if (!stall->total || cons != stall->cons) {
		stall->cons = cons;
		stall->rounds = 0;
	}
	if (++stall->rounds >= ARM_SMMU_CMDQ_STALL_ROUNDS ||
	    ++stall->total >= ARM_SMMU_CMDQ_STALL_MAX_ROUNDS)
		return false;
	if (stall->total == 1)
		dev_warn_ratelimited(smmu->dev,
				     "CMD_SYNC stalled (an ATC invalidation may be unanswered): waiting as long as the queue moves, up to %u s more if it does not\n",
				     ARM_SMMU_CMDQ_STALL_ROUNDS - 1);
	arm_smmu_cmdq_poll_gerror(smmu, cmdq);
	touch_nmi_watchdog();
	return true;
}

/*
 * The StreamIDs the batch's ATC invalidations were for, each once, in
 * @verdicts[].sid. Classified by content: a batch may mix TLBIs and
 * ATC_INVs in any order.
 */
static unsigned int arm_smmu_batch_atc_sids(const struct arm_smmu_cmdq_batch *cmds,
					    struct arm_smmu_atc_verdict *verdicts)
{
	unsigned int i, j, nr = 0;

	for (i = 0; i < cmds->num; i++) {
		u64 cmd0 = cmds->cmds[i].data[0];
		u32 sid;

		if (FIELD_GET(CMDQ_0_OP, cmd0) != CMDQ_OP_ATC_INV)
			continue;
		sid = FIELD_GET(CMDQ_ATC_0_SID, cmd0);
		for (j = 0; j < nr && verdicts[j].sid != sid; j++)
			;
		if (j == nr)
			verdicts[nr++].sid = sid;
	}
	return nr;
}

/**
 * arm_smmu_atc_locate() - which StreamIDs of a failed batch to blame
 * @smmu: the SMMU
 * @cmds: a batch with ATC invalidations, issued with its own CMD_SYNC
 * @ret: what the issue returned
 * @verdicts: filled with the StreamIDs to report, %ARM_SMMU_ATC_VERDICTS
 *
 * -EIO: the batch's sync raised CERROR_ATC_INV_SYNC, so one of its ATC
 * invalidations was not answered (every batch with ATC invalidations ends
 * with its own sync, so no other's is in between). With one StreamID, it
 * is the one. With several, each is probed alone; the blame goes only to
 * a StreamID whose own probe failed, once the queue had moved past the
 * batch. A probe that never completes, or one not made because
 * %ARM_SMMU_ATC_PROBE_FAILS probes of the batch failed already, makes a
 * suspect. The verdicts depend on what the SMMU answered, not on how
 * long the probes waited behind other CPUs' commands, up to the backstop
 * of %ARM_SMMU_ATC_LOCATE_NS, past which the rest are suspects too.
 * StreamIDs fenced meanwhile are left out.
 *
 * -ETIMEDOUT: the queue did not move past the sync in all the rounds of
 * arm_smmu_cmdq_stalled(): the invalidations were not confirmed, and no
 * probe could tell them apart: every StreamID is a suspect. Unless the
 * batch was on a secondary queue, which the driver does not wait out:
 * its StreamIDs are probed on the SMMU's own queue, as for -EIO.
 *
 * Return: the number of verdicts; 0 for any other @ret.
 */
unsigned int arm_smmu_atc_locate(struct arm_smmu_device *smmu,
				 const struct arm_smmu_cmdq_batch *cmds,
				 int ret, struct arm_smmu_atc_verdict *verdicts)
{
	unsigned int i, n = 0, nr, fails = 0;
	u64 deadline;

	if (ret != -EIO && ret != -ETIMEDOUT)
		return 0;
	nr = arm_smmu_batch_atc_sids(cmds, verdicts);
	/*
	 * A secondary queue's sync (a tegra241 VCMDQ) timed out after
	 * upstream's wait, its error left to its implementation: the probes,
	 * on the SMMU's own queue, still tell its StreamIDs apart.
	 */
	if ((ret == -ETIMEDOUT && cmds->cmdq == &smmu->cmdq) ||
	    (ret == -EIO && nr == 1)) {
		for (i = 0; i < nr; i++)
			verdicts[i].reason = ret == -EIO ? IOMMU_ATS_TIMEOUT :
					     IOMMU_ATS_TIMEOUT_SUSPECT;
		return nr;
	}

	deadline = local_clock() + ARM_SMMU_ATC_LOCATE_NS;
	for (i = 0; i < nr; i++) {
		u32 sid = verdicts[i].sid;
		enum iommu_ats_reason reason = IOMMU_ATS_TIMEOUT_SUSPECT;
		struct arm_smmu_cmd probe;

		if (arm_smmu_atc_muted(smmu, sid))
			continue;
		if (fails < ARM_SMMU_ATC_PROBE_FAILS &&
		    local_clock() < deadline) {
			int err;

			/*
			 * The probe: an invalidation of the whole ATC, alone,
			 * with its own sync on the SMMU's own queue; -EIO if
			 * the function did not answer it.
			 */
			probe = arm_smmu_make_cmd_atc_inv_all(sid, IOMMU_NO_PASID);
			err = arm_smmu_cmdq_issue_cmdlist(smmu, &smmu->cmdq,
							  &probe, 1, true);

			if (!err)
				continue;
			fails++;
			if (err == -EIO)
				reason = IOMMU_ATS_TIMEOUT;
		}
		verdicts[n].sid = sid;
		verdicts[n++].reason = reason;
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(arm_smmu_atc_locate);

/*
 * The master of @sid. Any context: the flush paths that call this hold
 * what keeps the master alive (the domain's invalidation array lock
 * held for reading, which its detach must take for writing before the
 * master can be released; or the master itself).
 */
static struct arm_smmu_master *arm_smmu_ats_master(struct arm_smmu_device *smmu,
						   u32 sid)
{
	struct arm_smmu_master *master;
	unsigned long flags;

	raw_spin_lock_irqsave(&smmu->streams_lock, flags);
	master = arm_smmu_find_master(smmu, sid);
	raw_spin_unlock_irqrestore(&smmu->streams_lock, flags);
	return master;
}

/**
 * __arm_smmu_atc_batch_settle() - the slow half of arm_smmu_atc_batch_settle()
 * @smmu: the SMMU
 * @cmds: the batch, issued with its own CMD_SYNC
 * @ret: what the issue returned, not 0
 *
 * Return: 0 once every StreamID to blame was reported, or @ret if the
 * failure was not an ATC invalidation's.
 */
int __arm_smmu_atc_batch_settle(struct arm_smmu_device *smmu,
				const struct arm_smmu_cmdq_batch *cmds, int ret)
{
	struct arm_smmu_atc_verdict verdicts[ARM_SMMU_ATC_VERDICTS];
	unsigned int i, n;

	if (ret != -EIO && ret != -ETIMEDOUT)
		return ret;
	n = arm_smmu_atc_locate(smmu, cmds, ret, verdicts);
	for (i = 0; i < n; i++) {
		struct arm_smmu_master *master =
			arm_smmu_ats_master(smmu, verdicts[i].sid);

		if (!master) {
			dev_err_ratelimited(smmu->dev,
					    "ATC invalidation timeout on StreamID 0x%x, which has no master\n",
					    verdicts[i].sid);
			continue;
		}
		iommu_ats_report_timeout(master->dev, verdicts[i].reason);
	}
	/* Reported: fenced before this returns; the flush succeeded */
	return 0;
}

/**
 * __arm_smmu_atc_muted() - the slow half of arm_smmu_atc_muted()
 * @smmu: the SMMU
 * @sid: the StreamID
 *
 * Return: true if @sid's device is fenced.
 */
bool __arm_smmu_atc_muted(struct arm_smmu_device *smmu, u32 sid)
{
	struct arm_smmu_master *master = arm_smmu_ats_master(smmu, sid);

	return master && iommu_ats_fenced(master->dev);
}

/**
 * arm_smmu_ats_fenced_event() - is @event the fence at work?
 * @event: an event the event queue thread decoded
 *
 * With STE.EATS clear the SMMU aborts each translated transaction of the
 * master and records F_TRANSL_FORBIDDEN, and refuses each ATS translation
 * request and records F_BAD_ATS_TREQ (IHI 0070 §7.3.8, §7.3.6). A fenced
 * function keeps sending both until its reset: its ATC still holds
 * translations. Logged, they would use up the event log's rate limit,
 * which every master shares, and hide other masters' faults; the layer
 * counts them (iommu_ats_refused()). Other events of a fenced master, and
 * these events of a master that is not fenced, are logged as before.
 *
 * Return: true if the caller drops @event.
 */
bool arm_smmu_ats_fenced_event(const struct arm_smmu_event *event)
{
	if (event->id != EVT_ID_TRANSL_FORBIDDEN &&
	    event->id != EVT_ID_BAD_ATS_TREQ)
		return false;
	return event->dev && iommu_ats_refused(event->dev);
}

/**
 * arm_smmu_ats_mask_ste() - the STE an attach writes for a fenced device
 * @target: the STE the attach built
 * @masked: where to build the copy
 *
 * Called between iommu_ats_attach_begin() and iommu_ats_attach_end() when
 * the device is fenced: the attach may have decided for ATS before the
 * fence, and its STE must not undo the fence.
 *
 * Return: @masked, @target with STE.EATS clear.
 */
const struct arm_smmu_ste *arm_smmu_ats_mask_ste(const struct arm_smmu_ste *target,
						 struct arm_smmu_ste *masked)
{
	*masked = *target;
	masked->data[1] &= ~cpu_to_le64(STRTAB_STE_1_EATS);
	return masked;
}

/**
 * arm_smmu_ats_fence() - the SMMUv3 ats_fence op
 * @dev: the device to fence
 *
 * Clears STE.EATS in each of the device's STEs, so that the SMMU rejects
 * its translated requests and translation requests, and makes the SMMU
 * drop its copy: CFGI_STE and a CMD_SYNC, which must complete, for each.
 * EATS is in qword 1 alone: one 64-bit store is a hitless update (as
 * arm_smmu_write_entry() would do it), and a plain one, as the stream
 * table may be non-cacheable memory on which no atomic is guaranteed.
 * Exclusive with the STE writes of an attach (iommu_ats_attach_begin()).
 * Interrupts off, under the recovery layer's raw lock.
 *
 * Return: 0 once the SMMU consumed the invalidations (a sync fetched
 * again after CERROR_ATC_INV_SYNC, -EIO, did complete); -ETIMEDOUT if
 * the queue did not get to them: the device is not fenced.
 */
int arm_smmu_ats_fence(struct device *dev)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);
	struct arm_smmu_device *smmu;
	int i, ret = 0;

	if (!master)
		return -ENODEV;
	smmu = master->smmu;
	for (i = 0; i < master->num_streams; i++) {
		u32 sid = master->streams[i].id;
		struct arm_smmu_ste *step = arm_smmu_get_step_for_sid(smmu, sid);
		struct arm_smmu_cmd cmd = arm_smmu_make_cmd_cfgi_ste(sid, true);
		__le64 eats = cpu_to_le64(STRTAB_STE_1_EATS);
		int err;

		WRITE_ONCE(step->data[1], READ_ONCE(step->data[1]) & ~eats);
		/* The issue orders the store before the command (dma_wmb()) */
		err = arm_smmu_cmdq_issue_cmdlist(smmu, &smmu->cmdq, &cmd, 1,
						  true);
		if (err && err != -EIO)
			ret = err;
	}
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(arm_smmu_ats_fence);
