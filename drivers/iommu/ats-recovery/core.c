// SPDX-License-Identifier: GPL-2.0
/*
 * ATS fence/recover: per-device state and the report API.
 *
 * When a device does not confirm an ATC invalidation, it may still hold
 * translations for memory the OS is about to reuse. The IOMMU driver reports
 * it here from its flush path; the report mutes the device (FENCING: no
 * more ATC invalidations to it), fences it in hardware (the driver's
 * ats_fence op) and marks it FENCED only once the IOMMU confirmed the fence,
 * then queues its recovery work. Every other context that sees FENCING
 * waits for FENCED, so no flush of the device returns early on any CPU. See
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
	[IOMMU_ATS_FENCING]	= "fencing",
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
 * The state lives while the device is in its IOMMU group: it is set up when
 * the device joins the group and freed after the IOMMU driver released the
 * device (iommu_ats_release_device()), so that the mute lasts until the
 * device has left its domain. Readers in atomic context (reports, the
 * fenced check) hold rcu_read_lock(): the state is freed after a grace
 * period. They are IOMMU drivers acting on a device they still know, i.e.
 * one that has not been released yet, or that they found by requester ID
 * inside the same RCU read-side section: the release waits for that
 * section to end before the IOMMU core frees dev->iommu.
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
 * Fences @dev: the device is muted (iommu_ats_fenced() skips every further
 * ATC invalidation to it), the IOMMU driver's ats_fence op blocks its
 * translated requests and completes the hardware update, and its recovery
 * work is queued. If the fence op fails, the function's DMA is blocked
 * altogether (Bus Master Enable cleared) and the log says so. Reports for a
 * device that is being fenced on another CPU wait until the fence is
 * complete; reports for a fenced device collapse: they change nothing and
 * queue nothing. Either way, when this returns the device's translated
 * requests are blocked, so the caller does not pass the failure on to
 * whoever asked for the flush: the memory may be reused at once.
 *
 * Must not be called with a lock held that the driver's fence op takes
 * (its command queue lock): a report that waits for another CPU's fence
 * would deadlock.
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
 * Waits while another CPU fences @ad. That CPU runs the fence with
 * interrupts off and its duration is the IOMMU's own: spin. On the fencing
 * CPU itself, whatever sees FENCING is nested in the fence (interrupts are
 * off there) and must not wait for it. Nor does anything nested in another
 * fence: two CPUs fencing two devices, each seeing the other's time out in
 * its own flush, would wait for each other; and a fence op frees no memory,
 * so its flushes need not wait.
 */
static enum iommu_ats_state iommu_ats_wait_fence(struct iommu_ats_dev *ad)
{
	enum iommu_ats_state state;

	if (this_cpu_read(iommu_ats_fence_depth))
		return READ_ONCE(ad->state);

	/* Pairs with the release in iommu_ats_fence_locked() */
	while ((state = smp_load_acquire(&ad->state)) == IOMMU_ATS_FENCING &&
	       READ_ONCE(ad->fencing_cpu) != raw_smp_processor_id())
		cpu_relax();
	return state;
}

/*
 * Runs the driver's fence op for @ad; if it fails, blocks the function's
 * DMA with the backend's fallback. Returns 0 if the device is blocked.
 */
static int iommu_ats_hw_fence(struct iommu_ats_dev *ad)
{
	u64 start = local_clock();
	int ret, err;

	lockdep_assert_held(&ad->lock);
	this_cpu_inc(iommu_ats_fence_depth);
	ret = ad->backend->fence ? ad->backend->fence(ad->dev) : -EOPNOTSUPP;
	this_cpu_dec(iommu_ats_fence_depth);
	trace_iommu_ats_fence(ad->dev, ret, local_clock() - start);
	ad->fence_error = ret;
	if (!ret)
		return 0;

	err = ad->backend->fallback ? ad->backend->fallback(ad->dev) : -EOPNOTSUPP;
	if (err)
		dev_crit_ratelimited(ad->dev, "ATS fence failed (%d) and its fallback too (%d): the device may still reach memory through its ATC\n",
				     ret, err);
	else
		dev_err_ratelimited(ad->dev, "the IOMMU driver could not block translated requests (%d): Bus Master Enable cleared instead\n",
				    ret);
	return err;
}

/*
 * Fences @ad in hardware and leaves it in @fenced_state; @ad->lock held.
 * Muted (FENCING) first, so that nothing the fence op flushes, nor any
 * other CPU from now on, sends the device an ATC invalidation; every other
 * CPU that sees FENCING waits until the hardware confirmed the fence.
 * Also used on a device that is fenced already, to write the fence again.
 */
void iommu_ats_fence_locked(struct iommu_ats_dev *ad,
			    enum iommu_ats_state fenced_state)
{
	lockdep_assert_held(&ad->lock);
	if (!iommu_ats_state_is_fenced(ad->state))
		atomic_inc(&iommu_ats_nr_fenced);
	WRITE_ONCE(ad->fencing_cpu, raw_smp_processor_id());
	WRITE_ONCE(ad->state, IOMMU_ATS_FENCING);
	iommu_ats_hw_fence(ad);
	/* Pairs with the acquire in iommu_ats_wait_fence() */
	smp_store_release(&ad->state, fenced_state);
}

static bool __iommu_ats_report(struct device *dev, struct iommu_ats_dev *ad,
			       enum iommu_ats_reason reason)
{
	unsigned long flags;
	unsigned int depth;
	bool fenced;

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
	 * Being fenced or fenced already: nothing to do once the fence is
	 * complete. The lock may be held by the fence this report nests in,
	 * so do not take it then.
	 */
	if (iommu_ats_state_is_fenced(iommu_ats_wait_fence(ad)))
		return false;

	/*
	 * A CPU inside a fence has interrupts off, so a report that is not
	 * nested in one reads 0 wherever it runs.
	 */
	depth = this_cpu_read(iommu_ats_fence_depth);
	raw_spin_lock_irqsave_nested(&ad->lock, flags,
				     min(depth, MAX_LOCKDEP_SUBCLASSES - 1));
	if (iommu_ats_state_is_fenced(ad->state)) {
		raw_spin_unlock_irqrestore(&ad->lock, flags);
		return false;
	}

	/*
	 * The device may be on its way out of its group (dying): it is still
	 * in its domain until the IOMMU driver released it, so it is fenced
	 * all the same, only not recovered.
	 */
	ad->last_reason = reason;
	ad->nr_fences++;
	iommu_ats_fence_locked(ad, IOMMU_ATS_FENCED);
	fenced = !ad->fence_error || ad->backend->fallback;
	if (!ad->dying) {
		/* Pairs with the put at the end of the work, or in stop */
		get_device(dev);
		if (!queue_work(system_freezable_wq, &ad->work))
			put_device(dev);
	}
	raw_spin_unlock_irqrestore(&ad->lock, flags);
	return fenced;
}

/**
 * __iommu_ats_fenced() - slow part of iommu_ats_fenced()
 * @dev: the device
 *
 * Context: any.
 * Return: true while @dev is FENCED, RECOVERING or ISOLATED, or FENCING on
 * this CPU; waits while another CPU fences it.
 */
bool __iommu_ats_fenced(struct device *dev)
{
	struct iommu_ats_dev *ad;
	bool fenced;

	rcu_read_lock();
	ad = iommu_ats_dev_get_state(dev);
	fenced = ad && iommu_ats_state_is_fenced(iommu_ats_wait_fence(ad));
	rcu_read_unlock();
	return fenced;
}
EXPORT_SYMBOL_GPL(__iommu_ats_fenced);

/**
 * __iommu_ats_muted() - slow part of iommu_ats_muted()
 * @dev: the device
 *
 * Context: any.
 * Return: true while @dev is in any state but OK; never waits.
 */
bool __iommu_ats_muted(struct device *dev)
{
	struct iommu_ats_dev *ad;
	bool muted;

	rcu_read_lock();
	ad = iommu_ats_dev_get_state(dev);
	muted = ad && iommu_ats_state_is_fenced(READ_ONCE(ad->state));
	rcu_read_unlock();
	return muted;
}
EXPORT_SYMBOL_GPL(__iommu_ats_muted);

/**
 * iommu_ats_refused() - the IOMMU refused a request of @dev: the fence's?
 * @dev: the device the IOMMU's fault record names
 *
 * For the fault records an IOMMU makes when it refuses a translated
 * request or an ATS translation request because ATS is off in the
 * device's entry. A fenced device makes one for each request it sends
 * until its reset (its ATC still holds what was never invalidated), which
 * can be a flood: logged, it would use up the log's rate limit, shared
 * with every other device's faults. The layer counts them instead
 * (ats_recovery/refused) and logs one line a fence.
 *
 * Context: any.
 * Return: true if @dev is fenced: the refusal is the fence at work and was
 * counted; the caller drops the record. false otherwise: a refusal the
 * fence does not explain, which the caller reports as usual.
 */
bool iommu_ats_refused(struct device *dev)
{
	struct iommu_ats_dev *ad;
	unsigned long fences, noted;
	bool fenced;

	rcu_read_lock();
	ad = iommu_ats_dev_get_state(dev);
	fenced = ad && iommu_ats_state_is_fenced(READ_ONCE(ad->state));
	if (fenced) {
		atomic_long_inc(&ad->nr_refused);
		fences = READ_ONCE(ad->nr_fences);
		noted = READ_ONCE(ad->refused_noted);
		if (noted != fences &&
		    try_cmpxchg(&ad->refused_noted, &noted, fences))
			dev_info(dev, "ATS fenced: its translated requests are refused; each refusal the IOMMU records is counted in ats_recovery/refused, not logged\n");
	}
	rcu_read_unlock();
	return fenced;
}
EXPORT_SYMBOL_GPL(iommu_ats_refused);

/**
 * iommu_ats_can_fence() - would a report fence @dev?
 * @dev: a device the IOMMU driver knows
 *
 * For a driver that acts on a timeout before it can report it (VT-d: with
 * its queue lock held): true if the layer tracks @dev and is on, so that
 * the report, once made, fences it.
 *
 * Context: any.
 * Return: true if a report of @dev fences it, unless it is fenced already.
 */
bool iommu_ats_can_fence(struct device *dev)
{
	bool can;

	if (!iommu_ats_recovery_enabled)
		return false;
	rcu_read_lock();
	can = iommu_ats_dev_get_state(dev);
	rcu_read_unlock();
	return can;
}
EXPORT_SYMBOL_GPL(iommu_ats_can_fence);

/**
 * iommu_ats_attach_begin() - start an attach that programs @dev's entry
 * @dev: the device whose IOMMU entry the driver is about to write
 * @flags: saved interrupt state, for iommu_ats_attach_end()
 *
 * The IOMMU driver decides ATS on or off for @dev's entry from the return
 * value, and writes the entry, before iommu_ats_attach_end(). A fence of
 * @dev cannot run in between: it happens either before (and the attach
 * writes ATS off) or after (and it overwrites the entry the attach wrote).
 * Interrupts are off in between, as in a fence.
 *
 * Context: any; not nested in a fence of @dev.
 * Return: true if @dev is fenced: the entry must have ATS off.
 */
bool iommu_ats_attach_begin(struct device *dev, unsigned long *flags)
{
	struct iommu_ats_dev *ad = iommu_ats_dev_get_state(dev);

	*flags = 0;
	if (!ad)
		return false;
	raw_spin_lock_irqsave(&ad->lock, *flags);
	return iommu_ats_state_is_fenced(ad->state);
}
EXPORT_SYMBOL_GPL(iommu_ats_attach_begin);

/**
 * iommu_ats_attach_end() - end iommu_ats_attach_begin()
 * @dev: the device
 * @flags: what iommu_ats_attach_begin() saved
 *
 * Context: any.
 */
void iommu_ats_attach_end(struct device *dev, unsigned long flags)
{
	struct iommu_ats_dev *ad = iommu_ats_dev_get_state(dev);

	if (ad)
		raw_spin_unlock_irqrestore(&ad->lock, flags);
}
EXPORT_SYMBOL_GPL(iommu_ats_attach_end);

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

	ad = kzalloc_obj(*ad);
	if (!ad)
		return ERR_PTR(-ENOMEM);

	ad->dev = dev;
	ad->backend = backend;
	raw_spin_lock_init(&ad->lock);
	ad->state = IOMMU_ATS_OK;
	ad->policy = IOMMU_ATS_POLICY_AUTO;
	atomic_long_set(&ad->nr_reports, 0);
	atomic_long_set(&ad->nr_refused, 0);
	atomic_set(&ad->inject_shots, 0);
	atomic_set(&ad->fail_resets, 0);
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
 * Stops the recovery of @dev: reports still fence it, nothing recovers it
 * any more. Waits for its recovery work, so it must not be called with a
 * lock that the work takes (the group mutex, the device lock). Idempotent.
 */
static void iommu_ats_stop(struct iommu_ats_dev *ad)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&ad->lock, flags);
	ad->dying = true;
	raw_spin_unlock_irqrestore(&ad->lock, flags);

	/* A work that never ran still holds its device reference. */
	if (cancel_work_sync(&ad->work))
		put_device(ad->dev);
}

/*
 * Tears down the state of @dev, which must be stopped already, once the
 * IOMMU driver no longer uses the device (it left its domain).
 */
void iommu_ats_remove_device(struct device *dev)
{
	struct iommu_ats_dev *ad = iommu_ats_dev_get_state(dev);

	if (!ad)
		return;
	WARN_ON_ONCE(!READ_ONCE(ad->dying));

	iommu_ats_sysfs_remove(ad);
	mutex_lock(&iommu_ats_devices_lock);
	list_del(&ad->node);
	mutex_unlock(&iommu_ats_devices_lock);

	RCU_INIT_POINTER(dev->iommu->ats, NULL);
	if (iommu_ats_state_is_fenced(ad->state))
		atomic_dec(&iommu_ats_nr_fenced);
	/*
	 * A driver may have looked the device up by its requester ID just
	 * before it released it (VT-d: an ITESID, a device-TLB descriptor),
	 * and be reading dev->iommu in an RCU read-side section: the IOMMU
	 * core frees dev->iommu right after this returns, without a grace
	 * period of its own.
	 */
	synchronize_rcu();
	kfree(ad);
}
EXPORT_SYMBOL_IF_KUNIT(iommu_ats_remove_device);

/*
 * Looks up a device the layer knows by name. If found, returns with the
 * list lock held, which keeps the state (and dev->iommu) from being freed:
 * the caller ends with iommu_ats_find_done().
 */
struct iommu_ats_dev *iommu_ats_find_by_name(const char *name)
{
	struct iommu_ats_dev *ad;

	mutex_lock(&iommu_ats_devices_lock);
	list_for_each_entry(ad, &iommu_ats_devices, node) {
		if (!strcmp(dev_name(ad->dev), name))
			return ad;
	}
	mutex_unlock(&iommu_ats_devices_lock);
	return NULL;
}

void iommu_ats_find_done(void)
{
	mutex_unlock(&iommu_ats_devices_lock);
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
 * iommu_ats_probe_device() - set up ATS recovery for a device
 * @dev: a device joining its IOMMU group at IOMMU probe
 *
 * Only PCI functions that can use ATS get state. Without memory the device
 * works as before, only without recovery: this is no reason to fail the
 * IOMMU probe.
 *
 * Context: process; the IOMMU core holds the group mutex.
 */
void iommu_ats_probe_device(struct device *dev)
{
	struct iommu_ats_dev *ad;

	if (!dev_is_pci(dev) || !pci_ats_supported(to_pci_dev(dev)))
		return;

	ad = iommu_ats_add_device(dev, &iommu_ats_default_backend);
	if (IS_ERR(ad))
		dev_warn(dev, "no ATS recovery for this device (%ld)\n",
			 PTR_ERR(ad));
}

/**
 * iommu_ats_stop_device() - the device is leaving its IOMMU group
 * @dev: the device the IOMMU core is releasing
 *
 * Waits for a pending recovery of @dev and stops any new one. Reports still
 * fence it until iommu_ats_release_device(). Must be called without the
 * group mutex held.
 *
 * Context: process.
 */
void iommu_ats_stop_device(struct device *dev)
{
	struct iommu_ats_dev *ad = dev->iommu ? iommu_ats_dev_get_state(dev) : NULL;

	if (ad)
		iommu_ats_stop(ad);
}

/**
 * iommu_ats_release_device() - tear down ATS recovery for a device
 * @dev: the device, released by its IOMMU driver (it left its domain)
 *
 * Context: process; the IOMMU core holds the group mutex.
 */
void iommu_ats_release_device(struct device *dev)
{
	struct iommu_ats_dev *ad = iommu_ats_dev_get_state(dev);

	if (!ad)
		return;
	/* Set up, but never stopped: an IOMMU probe that failed; no work */
	if (!READ_ONCE(ad->dying))
		iommu_ats_stop(ad);
	iommu_ats_remove_device(dev);
}
