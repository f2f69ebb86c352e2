/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD-Vi side of ATS fence/recover: what iommu.c calls (ats-fence.c), and
 * the pure helpers its KUnit suite tests.
 */
#ifndef __AMD_ATS_FENCE_H
#define __AMD_ATS_FENCE_H

#include <linux/iommu-ats-recovery.h>
#include <linux/bits.h>
#include <linux/types.h>

#include "amd_iommu_types.h"

#ifdef CONFIG_IOMMU_ATS_RECOVERY
/**
 * amd_ats_tag_iotlb_inv() - remember the completion wait that covers an
 *	IOTLB invalidation
 * @dev_data: the device an INV_IOTLB_PAGES was just queued for
 * @seq: the sequence number of the next completion wait; 0 forgets
 *
 * On every IOTLB invalidation, hence inline: one store.
 *
 * Context: any; under iommu->lock when queueing.
 */
static inline void amd_ats_tag_iotlb_inv(struct iommu_dev_data *dev_data,
					 u64 seq)
{
	WRITE_ONCE(dev_data->ats_inv_seq, seq);
}

bool amd_ats_cwait_timeout(struct amd_iommu *iommu, u64 waited);
void amd_ats_cwait_done(struct amd_iommu *iommu, u64 waited);
void amd_ats_iotlb_inv_timeout(struct amd_iommu *iommu, u16 devid);
u64 amd_ats_dte_iotlb(u64 data1, bool ats_enabled, struct device *dev);
void amd_ats_dte_recheck(struct amd_iommu *iommu, struct iommu_dev_data *dev_data);
int amd_iommu_ats_fence(struct device *dev);
void amd_iommu_ats_drain_pri(struct device *dev);
void amd_iommu_ats_poll_ppr_log(struct amd_iommu *iommu);

/* In iommu.c: the commands of the fence */
int amd_iommu_ats_flush_dte(struct amd_iommu *iommu, u16 devid);
int amd_iommu_ats_completion_wait(struct amd_iommu *iommu);

/**
 * amd_ats_cwait_check() - the ATS hooks of a completion wait
 * @iommu: the IOMMU whose completion wait for @waited ended
 * @waited: the sequence number the wait was for
 * @ret: 0, or -EIO if the wait timed out
 *
 * Context: any; called without iommu->lock.
 * Return: @ret, or 0 when the timeout was blamed on devices with an
 * IOTLB invalidation in flight, which are fenced now.
 */
static inline int amd_ats_cwait_check(struct amd_iommu *iommu, u64 waited,
				      int ret)
{
	if (unlikely(ret)) {
		if (amd_ats_cwait_timeout(iommu, waited))
			return 0;
	} else if (iommu_ats_inject_armed()) {
		amd_ats_cwait_done(iommu, waited);
	}
	return ret;
}
#else
#define amd_iommu_ats_poll_ppr_log amd_iommu_poll_ppr_log

static inline void amd_ats_tag_iotlb_inv(struct iommu_dev_data *dev_data, u64 seq)
{
}

static inline int amd_ats_cwait_check(struct amd_iommu *iommu, u64 waited,
				      int ret)
{
	return ret;
}

static inline void amd_ats_iotlb_inv_timeout(struct amd_iommu *iommu, u16 devid)
{
}

static inline u64 amd_ats_dte_iotlb(u64 data1, bool ats_enabled,
				    struct device *dev)
{
	return ats_enabled ? data1 | DTE_FLAG_IOTLB : data1;
}

static inline void amd_ats_dte_recheck(struct amd_iommu *iommu,
				       struct iommu_dev_data *dev_data)
{
}
#endif

#if IS_ENABLED(CONFIG_KUNIT)
bool amd_ats_seq_in_window(u64 tag, u64 done, u64 waited);
u64 amd_ats_dte_iotlb_bits(u64 data1, bool ats_enabled, bool fenced);
bool amd_ats_dte_fence_one(struct dev_table_entry *dte, bool snp);
bool amd_ats_dte_clear_iotlb(struct dev_table_entry *dte);
int amd_ats_apply_devids(struct pci_dev *pdev, u16 devid, u16 ivrs_alias,
			 int (*fn)(u16 devid, void *data), void *data);
#endif

#endif /* __AMD_ATS_FENCE_H */
