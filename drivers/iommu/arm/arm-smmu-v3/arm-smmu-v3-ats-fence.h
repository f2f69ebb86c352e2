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
#include <linux/types.h>

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

#ifdef CONFIG_IOMMU_ATS_RECOVERY
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
