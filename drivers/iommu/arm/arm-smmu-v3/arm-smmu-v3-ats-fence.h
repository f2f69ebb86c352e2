/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SMMUv3 side of ATS fence/recover: what arm-smmu-v3.c calls, and what the
 * KUnit suite reaches. The logic is in arm-smmu-v3-ats-fence.c.
 */
#ifndef _ARM_SMMU_V3_ATS_FENCE_H
#define _ARM_SMMU_V3_ATS_FENCE_H

#include <linux/iommu-ats-recovery.h>

#include "arm-smmu-v3.h"

/* In arm-smmu-v3.c, for the fence, the localisation and the reports */
int arm_smmu_cmdq_issue_cmdlist(struct arm_smmu_device *smmu,
				struct arm_smmu_cmdq *cmdq, u64 *cmds, int n,
				bool sync);
struct arm_smmu_ste *arm_smmu_get_step_for_sid(struct arm_smmu_device *smmu,
					       u32 sid);
irqreturn_t arm_smmu_gerror_handler(int irq, void *dev);
struct arm_smmu_master *arm_smmu_find_master(struct arm_smmu_device *smmu,
					     u32 sid);

#ifdef CONFIG_IOMMU_ATS_RECOVERY

int arm_smmu_ats_fence(struct device *dev);
void arm_smmu_ats_refence(struct arm_smmu_master *master);
int arm_smmu_atc_batch_sync(struct arm_smmu_device *smmu,
			    struct arm_smmu_cmdq *cmdq, u64 *cmds, int n);
void arm_smmu_atc_note_sync_error(struct arm_smmu_cmdq *cmdq, u32 cons);
bool __arm_smmu_atc_sync_failed(struct arm_smmu_cmdq *cmdq, u32 seq,
				u32 sync_prod);
bool arm_smmu_cmdq_poll_gerror(struct arm_smmu_device *smmu,
			       struct arm_smmu_cmdq *cmdq);

/*
 * The count of CMD_SYNCs of @cmdq that failed on an ATC invalidation
 * timeout, read before a command list is published: see
 * arm_smmu_atc_sync_failed().
 */
static inline u32 arm_smmu_atc_err_seq(struct arm_smmu_cmdq *cmdq)
{
	return atomic_read_acquire(&cmdq->atc_errs.seq);
}

/*
 * Did the CMD_SYNC at @sync_prod fail on an ATC invalidation timeout?
 * @seq is arm_smmu_atc_err_seq() from before the sync was published. One
 * read and a predictable branch while no ATC invalidation ever failed.
 */
static inline bool arm_smmu_atc_sync_failed(struct arm_smmu_cmdq *cmdq,
					    u32 seq, u32 sync_prod)
{
	if (likely(arm_smmu_atc_err_seq(cmdq) == seq))
		return false;
	return __arm_smmu_atc_sync_failed(cmdq, seq, sync_prod);
}

#else /* !CONFIG_IOMMU_ATS_RECOVERY */

static inline void arm_smmu_ats_refence(struct arm_smmu_master *master)
{
}

static inline int arm_smmu_atc_batch_sync(struct arm_smmu_device *smmu,
					  struct arm_smmu_cmdq *cmdq,
					  u64 *cmds, int n)
{
	return arm_smmu_cmdq_issue_cmdlist(smmu, cmdq, cmds, n, true);
}

static inline void arm_smmu_atc_note_sync_error(struct arm_smmu_cmdq *cmdq,
						u32 cons)
{
}

static inline u32 arm_smmu_atc_err_seq(struct arm_smmu_cmdq *cmdq)
{
	return 0;
}

static inline bool arm_smmu_atc_sync_failed(struct arm_smmu_cmdq *cmdq,
					    u32 seq, u32 sync_prod)
{
	return false;
}

static inline bool arm_smmu_cmdq_poll_gerror(struct arm_smmu_device *smmu,
					     struct arm_smmu_cmdq *cmdq)
{
	return false;
}

#endif /* CONFIG_IOMMU_ATS_RECOVERY */

#if IS_ENABLED(CONFIG_KUNIT)
/* The batch helpers of arm-smmu-v3.c, for the ATS fence suite */
void arm_smmu_cmdq_batch_init(struct arm_smmu_device *smmu,
			      struct arm_smmu_cmdq_batch *cmds,
			      struct arm_smmu_cmdq_ent *ent);
void arm_smmu_cmdq_batch_add(struct arm_smmu_device *smmu,
			     struct arm_smmu_cmdq_batch *cmds,
			     struct arm_smmu_cmdq_ent *cmd);
int arm_smmu_cmdq_batch_submit(struct arm_smmu_device *smmu,
			       struct arm_smmu_cmdq_batch *cmds);
int arm_smmu_ats_issue_sync(struct arm_smmu_device *smmu,
			    struct arm_smmu_cmdq *cmdq, u64 *cmds, int n);
bool arm_smmu_atc_report_sid(struct arm_smmu_device *smmu, u32 sid,
			     enum iommu_ats_reason reason);
bool arm_smmu_atc_sid_fenced(struct arm_smmu_device *smmu, u32 sid);
bool arm_smmu_atc_inject_sid(struct arm_smmu_device *smmu, u32 sid);
int arm_smmu_master_fence_ats(struct arm_smmu_master *master);
#endif

#endif /* _ARM_SMMU_V3_ATS_FENCE_H */
