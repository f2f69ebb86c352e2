/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ATS fence/recover: what IOMMU drivers and PCI call when a device stops
 * answering ATC (device-TLB) invalidations.
 *
 * The driver contract, in short (Documentation/iommu/ats-recovery.rst has
 * it whole):
 *
 * - Detection: when an ATC invalidation to a device is not confirmed, the
 *   driver calls iommu_ats_report_timeout() for exactly the devices whose
 *   invalidation failed, from its flush path, in any context. It does not
 *   return the failure to the caller of the flush: once the report returns
 *   the device is fenced, so the memory may be reused at once.
 * - Fence: &iommu_ops.ats_fence blocks translated requests (and translation
 *   requests) from the device in the IOMMU's entry for it, and completes
 *   that hardware update before returning. It is called with interrupts off
 *   under a raw spinlock: no allocation, no sleeping lock, no spinlock_t, and
 *   never an ATC invalidation to the device.
 * - Mute: every path that builds an ATC invalidation skips the device while
 *   iommu_ats_fenced() says so (it would time out again).
 * - Attach: while iommu_ats_fenced(), attaching a domain programs the entry
 *   with ATS off; the decision and the entry write go between
 *   iommu_ats_attach_begin() and iommu_ats_attach_end(), which a fence
 *   cannot interleave with. The layer unfences by clearing its state when
 *   a reset of the function succeeded, before the IOMMU core attaches the
 *   device's domains afresh (pci_dev_reset_iommu_done()).
 * - Reset: every PCI reset of a function is wrapped in upstream's
 *   pci_dev_reset_iommu_prepare() / pci_dev_reset_iommu_done(result).
 * - &iommu_ops.ats_drain_pri (optional, process context) drains the device's
 *   page requests without sending it an ATC invalidation.
 * - Refusals: the IOMMU records a fault for each translated request (and
 *   translation request) of a fenced device; the driver's fault handler
 *   passes such a record to iommu_ats_refused(), which counts it instead
 *   of letting a flood of them take other devices' log lines.
 */
#ifndef __LINUX_IOMMU_ATS_RECOVERY_H
#define __LINUX_IOMMU_ATS_RECOVERY_H

#include <linux/atomic.h>
#include <linux/jump_label.h>
#include <linux/types.h>

struct device;

/**
 * enum iommu_ats_state - ATS state of a device, as the recovery layer sees it
 * @IOMMU_ATS_OK: translated requests flow; ATC invalidations are sent.
 * @IOMMU_ATS_FENCING: an ATC invalidation timed out; no ATC invalidation is
 *	sent to the device, and the IOMMU driver is blocking its translated
 *	requests. Any other context that sees this state waits for FENCED.
 * @IOMMU_ATS_FENCED: an ATC invalidation timed out; translated requests are
 *	blocked in the IOMMU and no ATC invalidation is sent to the device.
 * @IOMMU_ATS_RECOVERING: fenced, and the device's driver is resetting it.
 * @IOMMU_ATS_ISOLATED: fenced, and the reset failed or was refused. Only a
 *	later successful reset of the function leaves this state.
 */
enum iommu_ats_state {
	IOMMU_ATS_OK,
	IOMMU_ATS_FENCING,
	IOMMU_ATS_FENCED,
	IOMMU_ATS_RECOVERING,
	IOMMU_ATS_ISOLATED,
};

/**
 * enum iommu_ats_reason - why a device was reported
 * @IOMMU_ATS_TIMEOUT: the IOMMU named the device whose ATC invalidation
 *	timed out (VT-d ITESID, AMD-Vi IOTLB_INV_TIMEOUT, SMMUv3 after bisection).
 * @IOMMU_ATS_TIMEOUT_SUSPECT: an invalidation batch timed out without the
 *	hardware naming a device; the device had an ATC invalidation in it.
 * @IOMMU_ATS_TIMEOUT_INJECTED: a simulated timeout armed through debugfs or
 *	the fail_ats_inv fault attribute fired at the driver's detection point.
 */
enum iommu_ats_reason {
	IOMMU_ATS_TIMEOUT,
	IOMMU_ATS_TIMEOUT_SUSPECT,
	IOMMU_ATS_TIMEOUT_INJECTED,
};

#ifdef CONFIG_IOMMU_ATS_RECOVERY

DECLARE_STATIC_KEY_FALSE(iommu_ats_active);
DECLARE_STATIC_KEY_FALSE(iommu_ats_inject_key);
extern atomic_t iommu_ats_nr_fenced;

bool iommu_ats_report_timeout(struct device *dev, enum iommu_ats_reason reason);
bool iommu_ats_refused(struct device *dev);
bool __iommu_ats_fenced(struct device *dev);
bool __iommu_ats_muted(struct device *dev);
bool iommu_ats_can_fence(struct device *dev);
bool iommu_ats_in_fence(void);
bool iommu_ats_attach_begin(struct device *dev, unsigned long *flags);
void iommu_ats_attach_end(struct device *dev, unsigned long flags);
bool __iommu_ats_inject_timeout(struct device *dev);
enum iommu_ats_state iommu_ats_read_state(struct device *dev);

/* For the IOMMU core: a device's life in its group, and its resets */
void iommu_ats_probe_device(struct device *dev);
void iommu_ats_stop_device(struct device *dev);
void iommu_ats_release_device(struct device *dev);
int iommu_ats_reset_done(struct device *dev, int result);
void iommu_ats_reset_restored(struct device *dev);

/**
 * iommu_ats_fenced() - must ATC invalidations to @dev be skipped?
 * @dev: the device an ATC invalidation is about to be built for
 *
 * The check for every ATC invalidation path, and for the attach path (a
 * fenced device gets its entry with ATS off). On a system where no device
 * with ATS was ever probed it is a NOP branch; otherwise, until some device
 * is fenced, it is one read of a global counter and one predictable branch.
 * A static key cannot be flipped by the fence itself, which runs with
 * interrupts off, hence the counter.
 *
 * A device another CPU is fencing is not reported fenced until the IOMMU
 * has confirmed the fence: this waits for it, so that a flush that skips
 * the device returns only once its translated requests are blocked. On the
 * CPU that runs the fence (a flush inside the fence op), it does not wait.
 * A caller that holds a lock the driver's fence op may need (its command
 * queue lock) uses iommu_ats_muted() instead.
 *
 * Context: any.
 * Return: true while @dev is FENCED, RECOVERING or ISOLATED, or FENCING on
 * this CPU.
 */
static inline bool iommu_ats_fenced(struct device *dev)
{
	if (!static_branch_unlikely(&iommu_ats_active))
		return false;
	if (likely(!atomic_read(&iommu_ats_nr_fenced)))
		return false;
	return __iommu_ats_fenced(dev);
}

/**
 * iommu_ats_muted() - must ATC invalidations to @dev be skipped? No wait.
 * @dev: the device an ATC invalidation is about to be built for
 *
 * As iommu_ats_fenced(), but true at once for a device being fenced on any
 * CPU: for callers that hold a lock the fence op may need. Such a caller
 * must not let its flush return before the fence is complete: it calls
 * iommu_ats_fenced() once the lock is dropped.
 *
 * Context: any.
 * Return: true while @dev is in any state but OK.
 */
static inline bool iommu_ats_muted(struct device *dev)
{
	if (!static_branch_unlikely(&iommu_ats_active))
		return false;
	if (likely(!atomic_read(&iommu_ats_nr_fenced)))
		return false;
	return __iommu_ats_muted(dev);
}

/**
 * iommu_ats_some_fenced() - is any device fenced?
 *
 * For paths that have no device at hand, e.g. a queue of invalidation
 * descriptors: they look for fenced devices only while this is true.
 *
 * Context: any.
 * Return: true while at least one device is fenced.
 */
static inline bool iommu_ats_some_fenced(void)
{
	return static_branch_unlikely(&iommu_ats_active) &&
	       atomic_read(&iommu_ats_nr_fenced);
}

/**
 * iommu_ats_inject_armed() - was fault injection ever armed?
 *
 * Context: any.
 * Return: true once simulated timeouts were armed; a NOP branch before.
 */
static inline bool iommu_ats_inject_armed(void)
{
	return static_branch_unlikely(&iommu_ats_inject_key);
}

/**
 * iommu_ats_inject_timeout() - should the driver treat this ATC invalidation
 *	of @dev as timed out?
 * @dev: the device whose ATC invalidation the driver just saw complete
 *
 * Drivers call this at their own detection point, right where they would
 * see a real timeout, so an injected fault runs the driver's real detection
 * and fence code. Free (a NOP branch) unless injection was armed through
 * debugfs (iommu/ats_recovery/inject) or the fail_ats_inv fault attribute.
 *
 * Context: any.
 * Return: true if a simulated timeout fires for @dev now.
 */
static inline bool iommu_ats_inject_timeout(struct device *dev)
{
	if (!static_branch_unlikely(&iommu_ats_inject_key))
		return false;
	return __iommu_ats_inject_timeout(dev);
}

#else /* !CONFIG_IOMMU_ATS_RECOVERY */

static inline bool iommu_ats_report_timeout(struct device *dev,
					    enum iommu_ats_reason reason)
{
	return false;
}

static inline bool iommu_ats_refused(struct device *dev)
{
	return false;
}

static inline bool iommu_ats_fenced(struct device *dev)
{
	return false;
}

static inline bool iommu_ats_muted(struct device *dev)
{
	return false;
}

static inline bool iommu_ats_can_fence(struct device *dev)
{
	return false;
}

static inline bool iommu_ats_attach_begin(struct device *dev,
					  unsigned long *flags)
{
	return false;
}

static inline void iommu_ats_attach_end(struct device *dev,
					unsigned long flags)
{
}

static inline bool iommu_ats_in_fence(void)
{
	return false;
}

static inline bool iommu_ats_inject_timeout(struct device *dev)
{
	return false;
}

static inline bool iommu_ats_some_fenced(void)
{
	return false;
}

static inline bool iommu_ats_inject_armed(void)
{
	return false;
}

static inline void iommu_ats_probe_device(struct device *dev)
{
}

static inline void iommu_ats_stop_device(struct device *dev)
{
}

static inline void iommu_ats_release_device(struct device *dev)
{
}

static inline int iommu_ats_reset_done(struct device *dev, int result)
{
	return result;
}

static inline void iommu_ats_reset_restored(struct device *dev)
{
}

static inline enum iommu_ats_state iommu_ats_read_state(struct device *dev)
{
	return IOMMU_ATS_OK;
}

#endif /* CONFIG_IOMMU_ATS_RECOVERY */

#endif /* __LINUX_IOMMU_ATS_RECOVERY_H */
