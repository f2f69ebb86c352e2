// SPDX-License-Identifier: GPL-2.0
/*
 * SMMUv3 part of the ATS fence: the record of the CMD_SYNCs that raised
 * CERROR_ATC_INV_SYNC (arm-smmu-v3-ats-fence.h says why).
 */
#include <kunit/visibility.h>

#include "arm-smmu-v3.h"

/**
 * arm_smmu_atc_err_record() - record a CMD_SYNC that raised CERROR_ATC_INV_SYNC
 * @errs: the record of the command queue
 * @pos: the CMD_SYNC's position: CONS.RD, index and wrap bit
 *
 * Called by the queue's error handler before it acknowledges the error,
 * so before the SMMU can complete the sync: the waiter, which checks
 * once its sync completed, sees the record. Any context.
 */
void arm_smmu_atc_err_record(struct arm_smmu_atc_errs *errs, u32 pos)
{
	/* Handlers of one queue may run on two CPUs (the IRQ, a poll) */
	u32 n = atomic_fetch_inc(&errs->seq);

	WRITE_ONCE(errs->pos[n % ARM_SMMU_ATC_ERRS], pos);
}
EXPORT_SYMBOL_IF_KUNIT(arm_smmu_atc_err_record);

/**
 * __arm_smmu_atc_err_at() - look for @pos among the records made since @since
 * @errs: the record of the command queue
 * @since: arm_smmu_atc_err_since(), read once the sync's slot was reserved
 * @pos: the sync's position (index and wrap bit)
 *
 * The slow half of arm_smmu_atc_err_at(), once a record was made since the
 * reservation. Also true when more records were made than are kept: the
 * caller then finds the culprit by re-issuing each ATC invalidation alone,
 * which blames only a StreamID whose own invalidation failed, so a wrong
 * true here costs those probes, never a wrong fence.
 *
 * Return: true if the sync's batch had an ATC invalidation that timed out.
 */
bool __arm_smmu_atc_err_at(struct arm_smmu_atc_errs *errs, u32 since, u32 pos)
{
	u32 n, seq = atomic_read(&errs->seq);

	if (seq - since > ARM_SMMU_ATC_ERRS)
		return true;
	for (n = since; n != seq; n++)
		if (READ_ONCE(errs->pos[n % ARM_SMMU_ATC_ERRS]) == pos)
			return true;
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(__arm_smmu_atc_err_at);
