// SPDX-License-Identifier: GPL-2.0
/*
 * ATS fence/recover: per-device state and the report API.
 *
 * When a device does not confirm an ATC invalidation, it may still hold
 * translations for memory the OS is about to reuse. The IOMMU driver reports
 * it here from its flush path; the report fences the device in hardware
 * before it returns (the driver's ats_fence op), marks it FENCED so that no
 * more ATC invalidations are sent to it, and queues its recovery work. See
 * Documentation/iommu/ats-recovery.rst.
 */
#define pr_fmt(fmt) "iommu-ats: " fmt

#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci-ats.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/iommu_ats.h>

/* Some device with ATS was probed: iommu_ats_fenced() looks further. */
DEFINE_STATIC_KEY_FALSE(iommu_ats_active);
EXPORT_SYMBOL_GPL(iommu_ats_active);

/* Some fault injection was armed: the drivers' checks look further. */
DEFINE_STATIC_KEY_FALSE(iommu_ats_inject_key);
EXPORT_SYMBOL_GPL(iommu_ats_inject_key);

/* Devices now fenced; read on every ATC invalidation once the key is on. */
atomic_t iommu_ats_nr_fenced = ATOMIC_INIT(0);
EXPORT_SYMBOL_GPL(iommu_ats_nr_fenced);

/* iommu.ats_recovery=off: reports log and do nothing else. */
bool iommu_ats_recovery_enabled = true;
EXPORT_SYMBOL_IF_KUNIT(iommu_ats_recovery_enabled);

static int __init iommu_ats_recovery_setup(char *str)
{
	return kstrtobool(str, &iommu_ats_recovery_enabled);
}
early_param("iommu.ats_recovery", iommu_ats_recovery_setup);

/* Every device the layer knows, for lookups by name (debugfs). */
static LIST_HEAD(iommu_ats_devices);
static DEFINE_MUTEX(iommu_ats_devices_lock);

static const char * const iommu_ats_state_names[] = {
	[IOMMU_ATS_OK]		= "ok",
	[IOMMU_ATS_FENCED]	= "fenced",
	[IOMMU_ATS_RECOVERING]	= "recovering",
	[IOMMU_ATS_ISOLATED]	= "isolated",
};

static const char * const iommu_ats_reason_names[] = {
	[IOMMU_ATS_TIMEOUT]		= "timeout",
	[IOMMU_ATS_TIMEOUT_SUSPECT]	= "timeout-suspect",
	[IOMMU_ATS_TIMEOUT_INJECTED]	= "injected",
};

const char *iommu_ats_state_name(enum iommu_ats_state state)
{
	if (state >= ARRAY_SIZE(iommu_ats_state_names))
		return "unknown";
	return iommu_ats_state_names[state];
}

const char *iommu_ats_reason_name(enum iommu_ats_reason reason)
{
	if (reason >= ARRAY_SIZE(iommu_ats_reason_names))
		return "unknown";
	return iommu_ats_reason_names[reason];
}

/*
 * dev->iommu lives from IOMMU probe to release, as does our state. Readers
 * in atomic context (reports, the fenced check) hold rcu_read_lock(): the
 * state is freed after a grace period.
 */
struct iommu_ats_dev *iommu_ats_dev_get_state(struct device *dev)
{
	return dev->iommu ? rcu_dereference_check(dev->iommu->ats, true) : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_ats_dev_get_state);

static bool __iommu_ats_report(struct device *dev, struct iommu_ats_dev *ad,
			       enum iommu_ats_reason reason);

/**
 * iommu_ats_report_timeout() - a device did not confirm an ATC invalidation
 * @dev: the device whose ATC invalidation timed out
 * @reason: what the driver knows about the failure
 *
 * Fences @dev: the IOMMU driver's ats_fence op blocks its translated
 * requests and completes the hardware update before this returns, the
 * device is marked FENCED so that iommu_ats_fenced() mutes every further
 * ATC invalidation to it, and its recovery work is queued. Reports for a
 * device that is already fenced collapse: they change nothing and queue
 * nothing. The caller does not pass the failure on to whoever asked for the
 * flush: the device is fenced, so the memory may be reused at once.
 *
 * Context: any, including hard IRQ and with interrupts off under a raw
 * spinlock. Allocates nothing and takes no sleeping lock.
 * Return: true if this call fenced the device.
 */
bool iommu_ats_report_timeout(struct device *dev, enum iommu_ats_reason reason)
{
	bool fenced;

	rcu_read_lock();
	fenced = __iommu_ats_report(dev, iommu_ats_dev_get_state(dev), reason);
	rcu_read_unlock();
	trace_iommu_ats_report(dev, reason, fenced);
	return fenced;
}
EXPORT_SYMBOL_GPL(iommu_ats_report_timeout);

/*
 * How many fences this CPU is inside. A fence's own invalidation can see
 * another device time out (VT-d: an ITE aborts every pending wait, and
 * names whichever device timed out), so a report can nest in a fence: its
 * lock is taken with the nesting depth as lockdep subclass.
 */
static DEFINE_PER_CPU(unsigned int, iommu_ats_fence_depth);

/**
 * iommu_ats_in_fence() - is this CPU inside a driver's fence op?
 *
 * A driver whose fence op waits for its own commands uses this to tell a
 * timeout of that wait, which the fence op returns itself, from one that
 * must be blamed on the devices it covered.
 *
 * Context: any; meaningful with preemption off (a fence op runs with
 * interrupts off).
 * Return: true while a fence op runs on this CPU.
 */
bool iommu_ats_in_fence(void)
{
	return this_cpu_read(iommu_ats_fence_depth);
}
EXPORT_SYMBOL_GPL(iommu_ats_in_fence);

/*
 * Runs the driver's fence op for @ad, with @ad->lock held (interrupts off),
 * and traces how long it took. Every hardware fence goes through here.
 */
int iommu_ats_hw_fence(struct iommu_ats_dev *ad)
{
	u64 start = local_clock();
	int ret;

	lockdep_assert_held(&ad->lock);
	this_cpu_inc(iommu_ats_fence_depth);
	ret = ad->backend->fence ? ad->backend->fence(ad->dev) : -EOPNOTSUPP;
	this_cpu_dec(iommu_ats_fence_depth);
	trace_iommu_ats_fence(ad->dev, ret, local_clock() - start);
	return ret;
}

static bool __iommu_ats_report(struct device *dev, struct iommu_ats_dev *ad,
			       enum iommu_ats_reason reason)
{
	unsigned long flags;
	unsigned int depth;
	int ret;

	if (!ad) {
		dev_err_ratelimited(dev, "ATC invalidation timeout, but the device has no ATS recovery state\n");
		return false;
	}
	atomic_long_inc(&ad->nr_reports);

	if (!iommu_ats_recovery_enabled) {
		dev_warn_ratelimited(dev, "ATC invalidation timeout (%s); not fenced: ATS recovery is off (iommu.ats_recovery=off)\n",
				     iommu_ats_reason_name(reason));
		return false;
	}

	/*
	 * Fenced already: nothing to do, and the lock may be held by the
	 * fence this report nests in (the state is set before the fence op
	 * runs), so do not take it.
	 */
	if (iommu_ats_state_is_fenced(READ_ONCE(ad->state)))
		return false;

	/*
	 * A CPU inside a fence has interrupts off, so a report that is not
	 * nested in one reads 0 wherever it runs.
	 */
	depth = this_cpu_read(iommu_ats_fence_depth);
	raw_spin_lock_irqsave_nested(&ad->lock, flags,
				     min(depth, MAX_LOCKDEP_SUBCLASSES - 1));
	if (ad->dying || iommu_ats_state_is_fenced(ad->state)) {
		raw_spin_unlock_irqrestore(&ad->lock, flags);
		return false;
	}

	/*
	 * Muted first, so that nothing the fence op flushes, nor any other
	 * CPU from now on, sends the device an ATC invalidation. The fence
	 * runs under our lock so that a concurrent report for the same device
	 * returns only once the hardware is fenced: every caller may rely on
	 * the fence when this returns.
	 */
	ad->last_reason = reason;
	ad->nr_fences++;
	WRITE_ONCE(ad->state, IOMMU_ATS_FENCED);
	atomic_inc(&iommu_ats_nr_fenced);

	ret = iommu_ats_hw_fence(ad);
	/* Pairs with the put at the end of the work, or in release. */
	get_device(dev);
	if (!queue_work(system_unbound_wq, &ad->work))
		put_device(dev);
	raw_spin_unlock_irqrestore(&ad->lock, flags);

	if (ret)
		dev_err_ratelimited(dev, "ATC invalidation timeout: the IOMMU driver could not block translated requests (%d); ATC invalidations are muted\n",
				    ret);
	return true;
}

/**
 * __iommu_ats_fenced() - slow part of iommu_ats_fenced()
 * @dev: the device
 *
 * Context: any.
 * Return: true while @dev is FENCED, RECOVERING or ISOLATED.
 */
bool __iommu_ats_fenced(struct device *dev)
{
	struct iommu_ats_dev *ad;
	bool fenced;

	rcu_read_lock();
	ad = iommu_ats_dev_get_state(dev);
	fenced = ad && iommu_ats_state_is_fenced(READ_ONCE(ad->state));
	rcu_read_unlock();
	return fenced;
}
EXPORT_SYMBOL_GPL(__iommu_ats_fenced);

/**
 * iommu_ats_read_state() - the ATS state of a device
 * @dev: the device
 *
 * Context: any.
 * Return: the state; %IOMMU_ATS_OK for a device the layer does not track.
 */
enum iommu_ats_state iommu_ats_read_state(struct device *dev)
{
	enum iommu_ats_state state = IOMMU_ATS_OK;
	struct iommu_ats_dev *ad;

	rcu_read_lock();
	ad = iommu_ats_dev_get_state(dev);
	if (ad)
		state = READ_ONCE(ad->state);
	rcu_read_unlock();
	return state;
}
EXPORT_SYMBOL_GPL(iommu_ats_read_state);

/*
 * Sets up the state of @dev, which must have dev->iommu. Called at IOMMU
 * probe (and by the KUnit suite with a fake backend); never at report time.
 */
struct iommu_ats_dev *
iommu_ats_add_device(struct device *dev, const struct iommu_ats_backend *backend)
{
	struct iommu_ats_dev *ad;

	ad = kzalloc(sizeof(*ad), GFP_KERNEL);
	if (!ad)
		return ERR_PTR(-ENOMEM);

	ad->dev = dev;
	ad->backend = backend;
	raw_spin_lock_init(&ad->lock);
	ad->state = IOMMU_ATS_OK;
	ad->policy = IOMMU_ATS_POLICY_AUTO;
	atomic_long_set(&ad->nr_reports, 0);
	atomic_set(&ad->inject_shots, 0);
	atomic_set(&ad->fail_resets, 0);
	mutex_init(&ad->reset_lock);
	INIT_WORK(&ad->work, iommu_ats_recover_work);

	mutex_lock(&iommu_ats_devices_lock);
	list_add_tail(&ad->node, &iommu_ats_devices);
	mutex_unlock(&iommu_ats_devices_lock);

	rcu_assign_pointer(dev->iommu->ats, ad);
	if (!static_key_enabled(&iommu_ats_active))
		static_branch_enable(&iommu_ats_active);

	if (iommu_ats_sysfs_add(ad))
		dev_warn(dev, "ATS recovery: no sysfs attributes\n");
	return ad;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_ats_add_device);

/*
 * Tears down the state of @dev. Waits for its recovery work, so it must not
 * be called with a lock that the work takes (the group mutex, the device
 * lock). Idempotent.
 */
void iommu_ats_remove_device(struct device *dev)
{
	struct iommu_ats_dev *ad = iommu_ats_dev_get_state(dev);
	unsigned long flags;

	if (!ad)
		return;

	raw_spin_lock_irqsave(&ad->lock, flags);
	ad->dying = true;
	raw_spin_unlock_irqrestore(&ad->lock, flags);

	/* A work that never ran still holds its device reference. */
	if (cancel_work_sync(&ad->work))
		put_device(dev);

	iommu_ats_sysfs_remove(ad);
	mutex_lock(&iommu_ats_devices_lock);
	list_del(&ad->node);
	mutex_unlock(&iommu_ats_devices_lock);

	RCU_INIT_POINTER(dev->iommu->ats, NULL);
	if (iommu_ats_state_is_fenced(ad->state))
		atomic_dec(&iommu_ats_nr_fenced);
	kfree_rcu(ad, rcu);
}
EXPORT_SYMBOL_IF_KUNIT(iommu_ats_remove_device);

/* Looks up a device the layer knows by name; the caller holds no lock. */
struct iommu_ats_dev *iommu_ats_find_by_name(const char *name)
{
	struct iommu_ats_dev *ad, *found = NULL;

	mutex_lock(&iommu_ats_devices_lock);
	list_for_each_entry(ad, &iommu_ats_devices, node) {
		if (!strcmp(dev_name(ad->dev), name)) {
			found = ad;
			get_device(ad->dev);
			break;
		}
	}
	mutex_unlock(&iommu_ats_devices_lock);
	return found;
}

/* Lists the devices with simulated timeouts armed (debugfs inject). */
void iommu_ats_show_armed(struct seq_file *m)
{
	struct iommu_ats_dev *ad;
	int shots;

	mutex_lock(&iommu_ats_devices_lock);
	list_for_each_entry(ad, &iommu_ats_devices, node) {
		shots = atomic_read(&ad->inject_shots);
		if (shots)
			seq_printf(m, "%s %d\n", dev_name(ad->dev), shots);
	}
	mutex_unlock(&iommu_ats_devices_lock);
}

/**
 * iommu_ats_probe_device() - set up ATS recovery for a device at IOMMU probe
 * @dev: the device being probed by the IOMMU core
 *
 * Only PCI functions that can use ATS get state. Called by the IOMMU core
 * once dev->iommu is set up.
 *
 * Context: process.
 * Return: 0, or -ENOMEM.
 */
int iommu_ats_probe_device(struct device *dev)
{
	struct iommu_ats_dev *ad;

	if (!dev_is_pci(dev) || !pci_ats_supported(to_pci_dev(dev)))
		return 0;

	ad = iommu_ats_add_device(dev, &iommu_ats_default_backend);
	return PTR_ERR_OR_ZERO(ad);
}

/**
 * iommu_ats_release_device() - tear down ATS recovery for a device
 * @dev: the device the IOMMU core releases
 *
 * Waits for a pending recovery of @dev. Must be called without the group
 * mutex held. Safe to call twice.
 *
 * Context: process.
 */
void iommu_ats_release_device(struct device *dev)
{
	iommu_ats_remove_device(dev);
}
