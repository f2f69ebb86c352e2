/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SMMUv3 part of the ATS fence (Documentation/iommu/ats-recovery.rst):
 * which CMD_SYNC raised CERROR_ATC_INV_SYNC.
 *
 * The SMMU names no command when an ATC invalidation times out: the next
 * CMD_SYNC raises CERROR_ATC_INV_SYNC with CONS on it (IHI 0070 §4.7.3).
 * The GERROR handler acknowledges it and the SMMU fetches the sync again,
 * which then completes: without a record its waiter could not tell it
 * from a sync whose invalidations all completed. The handler marks the
 * queue slot of each such sync in a bitmap, one bit a slot; the waiter of
 * a sync clears a stale mark of its slot when it reserves it and tests
 * the mark once its sync completed. A slot holds one sync at a time, so
 * no other sync's error, however many there were meanwhile, can pass for
 * its own.
 */
#ifndef _ARM_SMMU_V3_ATS_FENCE_H
#define _ARM_SMMU_V3_ATS_FENCE_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/iommu-ats-recovery.h>
#include <linux/types.h>
#include <asm/barrier.h>

struct arm_smmu_cmdq;
struct arm_smmu_cmdq_batch;
struct arm_smmu_device;
struct arm_smmu_event;
struct arm_smmu_ste;
struct device;

/**
 * struct arm_smmu_atc_errs - where CERROR_ATC_INV_SYNC was raised on a queue
 * @slots: a bit for each slot of the queue, set for a CMD_SYNC in it that
 *	raised the error, until its waiter saw it
 */
struct arm_smmu_atc_errs {
	unsigned long *slots;
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

int arm_smmu_atc_errs_init(struct arm_smmu_device *smmu,
			   struct arm_smmu_atc_errs *errs, unsigned int nents);
void arm_smmu_atc_err_record(struct arm_smmu_atc_errs *errs, u32 idx);

/**
 * arm_smmu_atc_err_reserve() - forget an old error of a CMD_SYNC's slot
 * @errs: the record of the command queue
 * @idx: the slot (index) just reserved for the sync
 *
 * A sync whose waiter gave up before the SMMU raised the error leaves its
 * mark behind. That sync was consumed, so marked, before the slot could
 * be reserved again; this sync cannot be reached before it is written.
 * Called on every sync: one load when there is nothing to forget.
 */
static inline void arm_smmu_atc_err_reserve(struct arm_smmu_atc_errs *errs,
					    u32 idx)
{
	if (unlikely(test_bit(idx, errs->slots)))
		clear_bit(idx, errs->slots);
}

/**
 * arm_smmu_atc_err_at() - did the CMD_SYNC in slot @idx raise CERROR_ATC_INV_SYNC?
 * @errs: the record of the command queue
 * @idx: the sync's slot (index)
 *
 * Called once the sync completed, on every sync: inline, and one load
 * when the sync did not raise the error. Clears the mark it finds.
 *
 * Return: true if the sync's batch had an ATC invalidation that timed out.
 */
static inline bool arm_smmu_atc_err_at(struct arm_smmu_atc_errs *errs, u32 idx)
{
	/*
	 * The handler's mark was visible before the SMMU saw GERRORN (a
	 * writel orders the store before it), so before the sync could
	 * complete. The completion was read from CONS (readl, ordered) or,
	 * with MSI polling, by a relaxed load of memory the SMMU wrote: a
	 * barrier for reads of device-written memory orders the mark's
	 * read after it.
	 */
	dma_rmb();
	if (likely(!test_bit(idx, errs->slots)))
		return false;
	clear_bit(idx, errs->slots);
	return true;
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

static inline int arm_smmu_atc_errs_init(struct arm_smmu_device *smmu,
					 struct arm_smmu_atc_errs *errs,
					 unsigned int nents)
{
	return 0;
}

static inline void arm_smmu_atc_err_record(struct arm_smmu_atc_errs *errs,
					   u32 idx)
{
}

static inline void arm_smmu_atc_err_reserve(struct arm_smmu_atc_errs *errs,
					    u32 idx)
{
}

static inline bool arm_smmu_atc_err_at(struct arm_smmu_atc_errs *errs, u32 idx)
{
	return false;
}
#endif

#endif /* _ARM_SMMU_V3_ATS_FENCE_H */
