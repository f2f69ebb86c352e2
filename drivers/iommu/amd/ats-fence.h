/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD-Vi side of ATS fence/recover: what iommu.c calls (ats-fence.c), and
 * the pure helpers its KUnit suite tests.
 */
#ifndef __AMD_ATS_FENCE_H
#define __AMD_ATS_FENCE_H

#include <linux/iommu-ats-recovery.h>
#include <linux/types.h>

#include "amd_iommu_types.h"

/**
 * struct amd_ats_stall - a wait on a command buffer that does not move
 * @head: the command buffer head when the wait last saw it move
 * @since: local_clock() then; 0 before the first look
 */
struct amd_ats_stall {
	u32 head;
	u64 since;
};

#ifdef CONFIG_IOMMU_ATS_RECOVERY

bool amd_ats_cmdbuf_moving(struct amd_iommu *iommu, struct amd_ats_stall *stall);
void amd_ats_scan_evtlog(struct amd_iommu *iommu, u64 data);
void amd_ats_iotlb_inv_timeout(struct amd_iommu *iommu, u32 *event);
void amd_ats_iotlb_inv_lost(struct iommu_dev_data *dev_data, int err);
bool amd_ats_dte_fenced(struct device *owner, struct iommu_dev_data *dev_data,
			struct dev_table_entry *new, unsigned long *flags);
void amd_ats_dte_end(struct device *owner, unsigned long flags);
int amd_iommu_ats_fence(struct device *dev);
void amd_ats_init_iommu(struct amd_iommu *iommu);
void amd_ats_probe_device(struct iommu_dev_data *dev_data, struct device *dev);
void amd_ats_release_device(struct iommu_dev_data *dev_data);

/* In iommu.c: the commands of the fence */
int amd_iommu_write_blocked_dtes(struct iommu_dev_data *dev_data,
				 const u16 *devids, unsigned int nr,
				 struct dev_table_entry *blocked);

/**
 * amd_ats_iotlb_inv_queued() - an INV_IOTLB_PAGES to @dev_data was queued
 * @iommu: its IOMMU, whose lock is held
 * @dev_data: the device
 *
 * Remembers that the next completion wait covers an IOTLB invalidation
 * (its waiter then looks for IOTLB_INV_TIMEOUT in the event log), and that
 * the device has had one since its last fence: an event naming it is not
 * a leftover of an invalidation its fence already settled. On every IOTLB
 * invalidation, hence inline: two stores.
 *
 * Context: any; under iommu->lock.
 */
static inline void amd_ats_iotlb_inv_queued(struct amd_iommu *iommu,
					    struct iommu_dev_data *dev_data)
{
	lockdep_assert_held(&iommu->lock);
	WRITE_ONCE(iommu->ats_inv_cw, iommu->cmd_sem_val + 1);
	if (!dev_data->ats_inv_queued)
		WRITE_ONCE(dev_data->ats_inv_queued, true);
}

/**
 * amd_ats_cwait_done() - a completion wait for @data completed
 * @iommu: its IOMMU
 * @data: the sequence number it waited for
 *
 * The IOMMU completes a COMPLETION_WAIT behind an IOTLB invalidation the
 * device never answered once its own timeout expired, and names the
 * device in an IOTLB_INV_TIMEOUT event logged before that: a completed
 * wait does not mean the device's ATC was invalidated. If the wait covered
 * an IOTLB invalidation that no earlier waiter looked at, the event log is
 * read now, and each device it names is fenced before the wait returns.
 * Free otherwise: two loads and a branch.
 *
 * Context: any; without iommu->lock.
 */
static inline void amd_ats_cwait_done(struct amd_iommu *iommu, u64 data)
{
	/* Pairs with the release in amd_ats_scan_evtlog() */
	u64 seen = smp_load_acquire(&iommu->ats_evt_seen);

	if (likely((s64)(READ_ONCE(iommu->ats_inv_cw) - seen) <= 0 ||
		   (s64)(data - seen) <= 0))
		return;
	amd_ats_scan_evtlog(iommu, data);
}

#else /* !CONFIG_IOMMU_ATS_RECOVERY */

static inline bool amd_ats_cmdbuf_moving(struct amd_iommu *iommu,
					 struct amd_ats_stall *stall)
{
	return false;
}

static inline void amd_ats_iotlb_inv_timeout(struct amd_iommu *iommu,
					     u32 *event)
{
}

static inline void amd_ats_iotlb_inv_lost(struct iommu_dev_data *dev_data,
					  int err)
{
}

static inline bool amd_ats_dte_fenced(struct device *owner,
				      struct iommu_dev_data *dev_data,
				      struct dev_table_entry *new,
				      unsigned long *flags)
{
	return false;
}

static inline void amd_ats_dte_end(struct device *owner, unsigned long flags)
{
}

static inline void amd_ats_init_iommu(struct amd_iommu *iommu)
{
}

static inline void amd_ats_probe_device(struct iommu_dev_data *dev_data,
					struct device *dev)
{
}

static inline void amd_ats_release_device(struct iommu_dev_data *dev_data)
{
}

static inline void amd_ats_iotlb_inv_queued(struct amd_iommu *iommu,
					    struct iommu_dev_data *dev_data)
{
}

static inline void amd_ats_cwait_done(struct amd_iommu *iommu, u64 data)
{
}

#endif /* CONFIG_IOMMU_ATS_RECOVERY */

#if IS_ENABLED(CONFIG_KUNIT)
/* In iommu.c, for the KUnit suite's model of the command buffer */
int iommu_completion_wait(struct amd_iommu *iommu);
int device_flush_iotlb(struct iommu_dev_data *dev_data, u64 address,
		       u64 last, ioasid_t pasid, bool gn);

u64 amd_ats_inv_timeout_ns(u64 ctrl);
bool amd_ats_stall_ongoing(struct amd_ats_stall *stall, u32 head, u64 now,
			   u64 limit_ns);
unsigned int amd_ats_evtlog_timeouts(const void *buf, u32 size, u32 head,
				     u32 tail, u32 (*read_head)(void *ctx),
				     void *ctx, u16 *devids, unsigned int max);
void amd_ats_evt_settled(raw_spinlock_t *lock, u32 *event);
unsigned int amd_ats_blocked_devids(struct pci_dev *pdev, u16 devid,
				    u16 ivrs_alias, u16 *devids,
				    unsigned int max);
#endif

#endif /* __AMD_ATS_FENCE_H */
