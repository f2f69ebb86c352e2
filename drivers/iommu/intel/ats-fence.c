// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d side of ATS fence/recover (Documentation/iommu/ats-recovery.rst).
 *
 * Detection: on an Invalidation Time-out Error, IQER.ITESID names the
 * device whose device-TLB invalidation timed out (VT-d r4.1, 11.4.9.9);
 * qi_submit_sync() reports it once the queue lock is dropped. An ITE
 * without a SID (older hardware) reports every device with a device-TLB
 * descriptor in the aborted submission. Injected timeouts fire at the same
 * place, after a submission completed.
 *
 * Page requests: the ats_drain_pri op drains the PRQ for the device
 * without its device-TLB descriptor.
 *
 * No hard lockup: qi_submit_sync() restarts a submission aborted by ITE;
 * the restart drops the device-TLB descriptors of fenced devices, so the
 * rest of the batch completes instead of timing out forever.
 *
 * Fence: the device's context entry stops allowing translated requests:
 * legacy mode TT 01 -> 00 (translation without device-TLB), scalable mode
 * DTE 1 -> 0, then a
 * device-selective context-cache invalidation and, in legacy mode, a
 * domain-selective IOTLB invalidation; never a device-TLB invalidation.
 * The entry's qword is updated with cmpxchg, without iommu->lock (a
 * spinlock_t, which the fence may not take under a raw spinlock). An
 * attach racing with the fence sees the device fenced already and
 * programs the entry with ATS off too.
 */
#include <linux/iommu-ats-recovery.h>
#include <linux/pci.h>
#include <kunit/visibility.h>

#include "ats-fence.h"
#include "iommu.h"

#define CONTEXT_TT_MASK		GENMASK_ULL(3, 2)
#define CONTEXT_SM_DTE		BIT_ULL(2)

/*
 * The source ID a device-TLB invalidation descriptor is for. Return: true
 * and *@sid for a device-TLB descriptor (with or without PASID), false for
 * any other.
 */
VISIBLE_IF_KUNIT bool qi_desc_devtlb_sid(const struct qi_desc *desc, u16 *sid)
{
	switch (desc->qw0 & GENMASK_ULL(3, 0)) {
	case QI_DIOTLB_TYPE:
		*sid = (desc->qw0 >> 32) & 0xffff;
		return true;
	case QI_DEIOTLB_TYPE:
		*sid = (desc->qw0 >> 16) & 0xffff;
		return true;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(qi_desc_devtlb_sid);

/*
 * Removes, in place, the device-TLB descriptors whose source ID @fenced
 * says is fenced, keeping the order of the others. Return: the new count.
 */
VISIBLE_IF_KUNIT unsigned int
qi_drop_devtlb_descs(struct qi_desc *desc, unsigned int count,
		     bool (*fenced)(void *data, u16 sid), void *data)
{
	unsigned int i, kept = 0;
	u16 sid;

	for (i = 0; i < count; i++) {
		if (qi_desc_devtlb_sid(&desc[i], &sid) && fenced(data, sid))
			continue;
		if (kept != i)
			desc[kept] = desc[i];
		kept++;
	}
	return kept;
}
EXPORT_SYMBOL_IF_KUNIT(qi_drop_devtlb_descs);

static bool intel_ats_sid_fenced(void *data, u16 sid)
{
	struct device *dev = device_rbtree_find(data, sid);

	return dev && iommu_ats_fenced(dev);
}

/**
 * intel_ats_drop_fenced() - drop device-TLB descriptors of fenced devices
 * @iommu: the IOMMU the descriptors go to
 * @desc: the descriptors of a submission
 * @count: how many
 *
 * Context: any; called before a submission takes the queue lock.
 * Return: the number of descriptors left.
 */
unsigned int intel_ats_drop_fenced(struct intel_iommu *iommu,
				   struct qi_desc *desc, unsigned int count)
{
	return qi_drop_devtlb_descs(desc, count, intel_ats_sid_fenced, iommu);
}

static void intel_ats_report_sid(void *data, u16 sid, enum iommu_ats_reason reason)
{
	struct intel_iommu *iommu = data;
	struct device *dev = device_rbtree_find(iommu, sid);

	if (dev)
		iommu_ats_report_timeout(dev, reason);
	else
		pr_warn_ratelimited("%s: device-TLB invalidation timeout for unknown SID %02x:%02x.%d\n",
				    iommu->name, PCI_BUS_NUM(sid), PCI_SLOT(sid & 0xff),
				    PCI_FUNC(sid & 0xff));
}

/*
 * Which devices an ITE is about: the one IQER.ITESID names, or, without a
 * SID, every device with a device-TLB descriptor in the aborted submission.
 */
VISIBLE_IF_KUNIT void
qi_ite_report(u16 ite_sid, const struct qi_desc *desc, unsigned int count,
	      void (*report)(void *data, u16 sid, enum iommu_ats_reason reason),
	      void *data)
{
	unsigned int i;
	u16 sid;

	if (ite_sid) {
		report(data, ite_sid, IOMMU_ATS_TIMEOUT);
		return;
	}
	for (i = 0; i < count; i++)
		if (qi_desc_devtlb_sid(&desc[i], &sid))
			report(data, sid, IOMMU_ATS_TIMEOUT_SUSPECT);
}
EXPORT_SYMBOL_IF_KUNIT(qi_ite_report);

/**
 * intel_ats_handle_ite() - report the device(s) of an ITE
 * @iommu: the IOMMU that raised Invalidation Time-out Error
 * @ite_sid: IQER.ITESID, 0 if the hardware does not report it
 * @desc: the descriptors of the aborted submission
 * @count: how many
 *
 * Context: any; called after the queue lock is dropped, before the
 * aborted submission restarts.
 */
void intel_ats_handle_ite(struct intel_iommu *iommu, u16 ite_sid,
			  struct qi_desc *desc, unsigned int count)
{
	if (!ite_sid)
		pr_warn_ratelimited("%s: Invalidation Time-out Error without a SID: fencing every device with a device-TLB invalidation in the aborted submission\n",
				    iommu->name);
	qi_ite_report(ite_sid, desc, count, intel_ats_report_sid, iommu);
}

/**
 * intel_ats_check_injection() - injected device-TLB invalidation timeouts
 * @iommu: the IOMMU a submission just completed on
 * @desc: its descriptors
 * @count: how many
 *
 * Treats a device-TLB invalidation armed through the ATS recovery debugfs
 * as if the hardware had raised ITE for its source ID: the real report and
 * fence follow.
 *
 * Context: any; after the queue lock is dropped.
 */
void intel_ats_check_injection(struct intel_iommu *iommu, struct qi_desc *desc,
			       unsigned int count)
{
	struct device *dev;
	unsigned int i;
	u16 sid;

	for (i = 0; i < count; i++) {
		if (!qi_desc_devtlb_sid(&desc[i], &sid))
			continue;
		dev = device_rbtree_find(iommu, sid);
		if (dev && iommu_ats_inject_timeout(dev)) {
			pr_info("%s: simulating Invalidation Time-out Error for SID %02x:%02x.%d\n",
				iommu->name, PCI_BUS_NUM(sid), PCI_SLOT(sid & 0xff),
				PCI_FUNC(sid & 0xff));
			iommu_ats_report_timeout(dev, IOMMU_ATS_TIMEOUT_INJECTED);
		}
	}
}

/* The context entry qword 0 with the device-TLB bits of @ats. */
VISIBLE_IF_KUNIT u64 intel_ats_context_lo(u64 lo, bool scalable, bool ats)
{
	if (scalable)
		return ats ? lo | CONTEXT_SM_DTE : lo & ~CONTEXT_SM_DTE;
	/* Legacy TT: 01 translation with device-TLB, 00 without. */
	if (ats && (lo & CONTEXT_TT_MASK) == (CONTEXT_TT_MULTI_LEVEL << 2))
		return (lo & ~CONTEXT_TT_MASK) | (CONTEXT_TT_DEV_IOTLB << 2);
	if (!ats && (lo & CONTEXT_TT_MASK) == (CONTEXT_TT_DEV_IOTLB << 2))
		return (lo & ~CONTEXT_TT_MASK) | (CONTEXT_TT_MULTI_LEVEL << 2);
	return lo;
}
EXPORT_SYMBOL_IF_KUNIT(intel_ats_context_lo);

/*
 * Sets the device-TLB bits of @info's context entry; when they changed,
 * invalidates the context cache for the device and, in legacy mode, the
 * domain's IOTLB. Never a device-TLB invalidation. Atomic-safe.
 */
static int intel_ats_context_set(struct device_domain_info *info, bool ats)
{
	struct intel_iommu *iommu = info->iommu;
	bool sm = sm_supported(iommu);
	struct context_entry *context;
	u64 old, new;
	u16 did;

	context = iommu_context_addr(iommu, info->bus, info->devfn, 0);
	if (!context || !context_present(context))
		return 0;	/* no entry: translated requests are blocked */

	old = READ_ONCE(context->lo);
	do {
		new = intel_ats_context_lo(old, sm, ats);
		if (new == old)
			return 0;
	} while (!try_cmpxchg64(&context->lo, &old, new));

	if (!ecap_coherent(iommu->ecap))
		clflush_cache_range(context, sizeof(*context));
	did = context_domain_id(context);
	iommu->flush.flush_context(iommu, did, PCI_DEVID(info->bus, info->devfn),
				   DMA_CCMD_MASK_NOBIT, DMA_CCMD_DEVICE_INVL);
	if (!sm)
		iommu->flush.flush_iotlb(iommu, did, 0, 0, DMA_TLB_DSI_FLUSH);
	return 0;
}

/**
 * intel_iommu_ats_fence() - the VT-d ats_fence op
 * @dev: the device whose device-TLB invalidation timed out
 *
 * Context: any, with interrupts off under a raw spinlock; takes only the
 * queue's raw spinlock.
 * Return: 0.
 */
int intel_iommu_ats_fence(struct device *dev)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);

	return info ? intel_ats_context_set(info, false) : -ENODEV;
}

/**
 * intel_iommu_ats_drain_pri() - the VT-d ats_drain_pri op
 * @dev: a fenced device
 *
 * Drains the page request queue for the device (VT-d 7.10); the drain's
 * device-TLB descriptor is dropped from the submission, since the device
 * is fenced. Does nothing if PRI is not enabled.
 *
 * Context: process; sleeps.
 */
void intel_iommu_ats_drain_pri(struct device *dev)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);

	if (info && info->pri_enabled && info->domain)
		intel_iommu_drain_pasid_prq(dev, IOMMU_NO_PASID);
}

/**
 * intel_ats_context_allow() - let an unfenced device's entry use ATS again
 * @info: the device, about to get ATS enabled
 *
 * A legacy-mode attach rewrites the context entry; a scalable-mode one
 * keeps it, so the device-TLB bit a fence cleared comes back here.
 *
 * Context: process.
 */
void intel_ats_context_allow(struct device_domain_info *info)
{
	if (info->ats_supported && !iommu_ats_fenced(info->dev))
		intel_ats_context_set(info, true);
}
