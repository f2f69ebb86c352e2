/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SMMUv3 part of the ATS fence (Documentation/iommu/ats-recovery.rst):
 * which CMD_SYNC raised CERROR_ATC_INV_SYNC.
 *
 * The SMMU names no command when an ATC invalidation times out: the next
 * CMD_SYNC raises CERROR_ATC_INV_SYNC with CONS on it (IHI 0070 §4.7.3).
 * The GERROR handler acknowledges it and the SMMU fetches the sync again,
 * which then completes: without a record its waiter could not tell it
 * from a sync whose invalidations all completed. The handler records the
 * position of each such sync; the waiter of a sync looks for its own
 * position among the records made since it reserved its slot.
 */
#ifndef _ARM_SMMU_V3_ATS_FENCE_H
#define _ARM_SMMU_V3_ATS_FENCE_H

#include <linux/atomic.h>
#include <linux/iommu-ats-recovery.h>
#include <linux/types.h>

struct arm_smmu_cmdq;
struct arm_smmu_cmdq_batch;
struct arm_smmu_device;
struct arm_smmu_event;
struct arm_smmu_ste;
struct device;

/* Records kept per queue; more between a reservation and its check: lost */
#define ARM_SMMU_ATC_ERRS	8

/**
 * struct arm_smmu_atc_errs - where CERROR_ATC_INV_SYNC was raised on a queue
 * @seq: the number of records ever made; record n is in @pos[n % len]
 * @pos: the queue positions (index and wrap bit) of those CMD_SYNCs
 */
struct arm_smmu_atc_errs {
	atomic_t seq;
	u32 pos[ARM_SMMU_ATC_ERRS];
};

/*
 * How long a CMD_SYNC waits, in rounds of the driver's own poll (1 s),
 * for a queue stalled behind an ATC invalidation: until the SMMU either
 * completes the sync or reports CERROR_ATC_INV_SYNC. The ATS timeout is
 * the SMMU's, not a register (IHI 0070 3.9.1.4), and PCIe lets a function
 * take a minute. The queue is FIFO: a sync may sit behind several
 * invalidations to one stuck function, from flushes on several CPUs, each
 * costing the SMMU its whole timeout; so the wait counts the rounds in
 * which the queue did not move at all (%ARM_SMMU_CMDQ_STALL_ROUNDS), and
 * only then, or at %ARM_SMMU_CMDQ_STALL_MAX_ROUNDS in all, is the sync
 * given up as upstream does, and its StreamIDs are reported as suspects.
 */
#define ARM_SMMU_CMDQ_STALL_ROUNDS	10
#define ARM_SMMU_CMDQ_STALL_MAX_ROUNDS	60

/**
 * struct arm_smmu_cmdq_stall - the wait of one CMD_SYNC past the first poll
 * @rounds: rounds since the queue last moved
 * @total: rounds in all
 * @cons: the queue's CONS (index and wrap bit) when last read
 */
struct arm_smmu_cmdq_stall {
	unsigned int rounds;
	unsigned int total;
	u32 cons;
};

/* Verdicts of one localisation: at most one per command of a batch */
#define ARM_SMMU_ATC_VERDICTS		64

/*
 * Failed probes after which a localisation suspects the rest of its batch
 * unprobed: each costs the SMMU's whole timeout, with interrupts off, and
 * more functions than this not answering at once is a link or a switch
 * that went, not a function.
 */
#define ARM_SMMU_ATC_PROBE_FAILS	2

/**
 * struct arm_smmu_atc_verdict - a StreamID whose ATC invalidation failed
 * @sid: the StreamID
 * @reason: %IOMMU_ATS_TIMEOUT if its own invalidation failed (a probe, or
 *	the only StreamID of the batch), %IOMMU_ATS_TIMEOUT_SUSPECT if the
 *	queue never moved, so nothing tells it from the batch's others, or
 *	if it was not probed (%ARM_SMMU_ATC_PROBE_FAILS)
 */
struct arm_smmu_atc_verdict {
	u32 sid;
	enum iommu_ats_reason reason;
};

#ifdef CONFIG_IOMMU_ATS_RECOVERY
bool arm_smmu_cmdq_stalled(struct arm_smmu_device *smmu,
			   struct arm_smmu_cmdq *cmdq,
			   struct arm_smmu_cmdq_stall *stall);
void arm_smmu_cmdq_poll_gerror(struct arm_smmu_device *smmu,
			       struct arm_smmu_cmdq *cmdq);
unsigned int arm_smmu_atc_locate(struct arm_smmu_device *smmu,
				 const struct arm_smmu_cmdq_batch *cmds,
				 int ret, struct arm_smmu_atc_verdict *verdicts);
int __arm_smmu_atc_batch_settle(struct arm_smmu_device *smmu,
				const struct arm_smmu_cmdq_batch *cmds, int ret);
bool __arm_smmu_atc_muted(struct arm_smmu_device *smmu, u32 sid);
const struct arm_smmu_ste *arm_smmu_ats_mask_ste(const struct arm_smmu_ste *target,
						 struct arm_smmu_ste *masked);
int arm_smmu_ats_fence(struct device *dev);
bool arm_smmu_ats_fenced_event(const struct arm_smmu_event *event);

/**
 * arm_smmu_atc_batch_settle() - act on the result of a batch with ATC_INVs
 * @smmu: the SMMU
 * @cmds: the batch, issued with its own CMD_SYNC
 * @ret: what the issue returned
 *
 * On success, nothing: the return of a zero. Otherwise the StreamIDs that
 * failed are found and reported, so that they are fenced before the
 * flush returns, and the flush is told it succeeded: the memory may be
 * reused once the report returned.
 *
 * Return: 0, or @ret if the failure was not an ATC invalidation's.
 */
static inline int arm_smmu_atc_batch_settle(struct arm_smmu_device *smmu,
					    const struct arm_smmu_cmdq_batch *cmds,
					    int ret)
{
	if (likely(!ret))
		return 0;
	return __arm_smmu_atc_batch_settle(smmu, cmds, ret);
}

/**
 * arm_smmu_atc_muted() - must ATC invalidations to @sid be left out?
 * @smmu: the SMMU
 * @sid: the StreamID an ATC invalidation is about to be built for
 *
 * For the invalidation paths that know a StreamID, not a device. Until a
 * device is fenced, one read of a counter. Waits for a fence another CPU
 * is running (iommu_ats_fenced()): call it with no command queue slot
 * reserved.
 *
 * Return: true if @sid's device is fenced.
 */
static inline bool arm_smmu_atc_muted(struct arm_smmu_device *smmu, u32 sid)
{
	if (!iommu_ats_some_fenced())
		return false;
	return __arm_smmu_atc_muted(smmu, sid);
}

void arm_smmu_atc_err_record(struct arm_smmu_atc_errs *errs, u32 pos);
bool __arm_smmu_atc_err_at(struct arm_smmu_atc_errs *errs, u32 since, u32 pos);

/**
 * arm_smmu_atc_err_at() - did the CMD_SYNC at @pos raise CERROR_ATC_INV_SYNC?
 * @errs: the record of the command queue
 * @since: arm_smmu_atc_err_since(), read once the sync's slot was reserved
 * @pos: the sync's position (index and wrap bit)
 *
 * Called once the sync completed, on every sync: inline, and one load and
 * one compare when no error was recorded since the reservation.
 *
 * Return: true if the sync's batch had an ATC invalidation that timed out.
 */
static inline bool arm_smmu_atc_err_at(struct arm_smmu_atc_errs *errs,
				       u32 since, u32 pos)
{
	/*
	 * The sync's completion was read from CONS (readl, ordered) or,
	 * with MSI polling, from memory by a relaxed load: the record is
	 * read after it.
	 */
	smp_rmb();
	if (likely(atomic_read(&errs->seq) == since))
		return false;
	return __arm_smmu_atc_err_at(errs, since, pos);
}

/*
 * Read once the sync's slot is reserved: a sync at the same position two
 * wraps earlier was consumed, so recorded, before the slot was free.
 */
static inline u32 arm_smmu_atc_err_since(struct arm_smmu_atc_errs *errs)
{
	return atomic_read(&errs->seq);
}
#else
static inline bool arm_smmu_cmdq_stalled(struct arm_smmu_device *smmu,
					 struct arm_smmu_cmdq *cmdq,
					 struct arm_smmu_cmdq_stall *stall)
{
	return false;
}

static inline void arm_smmu_cmdq_poll_gerror(struct arm_smmu_device *smmu,
					     struct arm_smmu_cmdq *cmdq)
{
}

static inline int arm_smmu_atc_batch_settle(struct arm_smmu_device *smmu,
					    const struct arm_smmu_cmdq_batch *cmds,
					    int ret)
{
	return ret;
}

static inline bool arm_smmu_atc_muted(struct arm_smmu_device *smmu, u32 sid)
{
	return false;
}

static inline const struct arm_smmu_ste *
arm_smmu_ats_mask_ste(const struct arm_smmu_ste *target,
		      struct arm_smmu_ste *masked)
{
	return target;
}

static inline bool arm_smmu_ats_fenced_event(const struct arm_smmu_event *event)
{
	return false;
}

static inline void arm_smmu_atc_err_record(struct arm_smmu_atc_errs *errs,
					   u32 pos)
{
}

static inline bool arm_smmu_atc_err_at(struct arm_smmu_atc_errs *errs,
				       u32 since, u32 pos)
{
	return false;
}

static inline u32 arm_smmu_atc_err_since(struct arm_smmu_atc_errs *errs)
{
	return 0;
}
#endif

#endif /* _ARM_SMMU_V3_ATS_FENCE_H */
