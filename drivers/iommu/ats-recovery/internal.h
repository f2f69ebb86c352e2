/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ATS fence/recover: state shared by the files of the layer. Not for
 * drivers: they use <linux/iommu-ats-recovery.h>.
 */
#ifndef __IOMMU_ATS_RECOVERY_INTERNAL_H
#define __IOMMU_ATS_RECOVERY_INTERNAL_H

#include <linux/iommu-ats-recovery.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

struct device;

/*
 * What the layer does to a device, behind one table so that the KUnit suite
 * can run the real state machine against a fake IOMMU and a fake reset.
 * The default table (iommu_ats_default_backend) calls the device's IOMMU
 * driver and the PCI recovery helper. Blocking a device for a reset and
 * attaching its domains afterwards are the IOMMU core's own
 * (pci_dev_reset_iommu_prepare() and pci_dev_reset_iommu_done()).
 */
struct iommu_ats_backend {
	/* Block translated requests; atomic context, see iommu_ops.ats_fence */
	int (*fence)(struct device *dev);
	/* Optional: drain page requests; process context */
	void (*drain_pri)(struct device *dev);
	/*
	 * Optional: reset the function through its driver. Process context.
	 * A successful reset ends in pci_dev_reset_iommu_done(pdev, 0),
	 * which unfences; anything else leaves the device ISOLATED.
	 * -EBUSY: the device's DMA is owned by userspace, whose reset of
	 * it is the one to wait for.
	 */
	int (*recover)(struct device *dev);
	/*
	 * Block the function's DMA when the fence op failed: atomic context,
	 * e.g. clear Bus Master Enable with a config write.
	 */
	int (*fallback)(struct device *dev);
};

/*
 * The retry budget: a device fenced again after iommu_ats_recovery_budget
 * recoveries within the window is isolated instead of recovered once more
 * (iommu.ats_recovery_budget=, at most IOMMU_ATS_RECOVERY_BUDGET_MAX; 0: no
 * limit).
 */
#define IOMMU_ATS_RECOVERY_BUDGET	3
#define IOMMU_ATS_RECOVERY_BUDGET_MAX	32
#define IOMMU_ATS_RECOVERY_WINDOW_S	600
extern unsigned int iommu_ats_recovery_budget;

enum iommu_ats_policy {
	IOMMU_ATS_POLICY_AUTO,		/* recover through the device's driver */
	IOMMU_ATS_POLICY_MANUAL,	/* stay fenced; userspace decides */
};

/**
 * struct iommu_ats_dev - the layer's state for one device with ATS
 * @dev: the device
 * @backend: what fences, drains, resets and re-attaches it
 * @node: entry in the list of devices the layer knows (debugfs lookups)
 * @lock: serialises state changes, fences and attach decisions; a raw
 *	spinlock because reports come from hard IRQs and from under the IOMMU
 *	drivers' raw spinlocks
 * @state: &enum iommu_ats_state; written under @lock, read with READ_ONCE
 * @fencing_cpu: the CPU running the fence while @state is FENCING
 * @fence_error: what the driver's fence op returned last (0: confirmed)
 * @last_reason: the reason of the report that last fenced the device
 * @policy: &enum iommu_ats_policy
 * @dying: set by release; reports and the recovery work do nothing more
 * @nr_fences: how many times the device was fenced
 * @nr_recoveries: how many times it was unfenced after a good reset
 * @recovered_at: jiffies of the last recoveries, a ring of the budget's size
 * @nr_failed_resets: resets that failed while it was fenced
 * @reset_gen: successful resets of the function, a generation count
 * @fences_at_unfence: @nr_fences when the last good reset unfenced it
 * @unfence_pending: a good reset unfenced it; the domains are not back yet
 * @nr_reports: every report, including those that collapsed into a fence
 * @nr_refused: translated or translation requests the IOMMU refused, and
 *	recorded a fault for, while the device was fenced
 * @refused_noted: @nr_fences when a refusal was last logged: one line a fence
 * @inject_shots: simulated timeouts still armed through debugfs
 * @fail_resets: resets still to be failed on purpose (debugfs fail_reset)
 * @work: the recovery work; embedded, so reports never allocate and
 *	repeated reports collapse into one queued work
 */
struct iommu_ats_dev {
	struct device *dev;
	const struct iommu_ats_backend *backend;
	struct list_head node;
	raw_spinlock_t lock;
	enum iommu_ats_state state;
	int fencing_cpu;
	int fence_error;
	enum iommu_ats_reason last_reason;
	enum iommu_ats_policy policy;
	bool dying;
	unsigned long nr_fences;
	unsigned long nr_recoveries;
	unsigned long recovered_at[IOMMU_ATS_RECOVERY_BUDGET_MAX];
	unsigned long nr_failed_resets;
	unsigned long reset_gen;
	unsigned long fences_at_unfence;
	bool unfence_pending;
	atomic_long_t nr_reports;
	atomic_long_t nr_refused;
	unsigned long refused_noted;
	atomic_t inject_shots;
	atomic_t fail_resets;
	struct work_struct work;
};

extern bool iommu_ats_recovery_enabled;
extern const struct iommu_ats_backend iommu_ats_default_backend;

/* Muted: no ATC invalidation goes to the device (FENCING included) */
static inline bool iommu_ats_state_is_fenced(enum iommu_ats_state state)
{
	return state != IOMMU_ATS_OK;
}

const char *iommu_ats_state_name(enum iommu_ats_state state);
const char *iommu_ats_reason_name(enum iommu_ats_reason reason);

struct iommu_ats_dev *iommu_ats_dev_get_state(struct device *dev);
void iommu_ats_fence_locked(struct iommu_ats_dev *ad,
			    enum iommu_ats_state fenced_state);
struct iommu_ats_dev *iommu_ats_add_device(struct device *dev,
					   const struct iommu_ats_backend *backend);
void iommu_ats_remove_device(struct device *dev);
struct iommu_ats_dev *iommu_ats_find_by_name(const char *name);
void iommu_ats_find_done(void);

/* recovery.c */
void iommu_ats_recover_work(struct work_struct *work);
void iommu_ats_notify(struct iommu_ats_dev *ad);

/* sysfs.c */
int iommu_ats_sysfs_add(struct iommu_ats_dev *ad);
void iommu_ats_sysfs_remove(struct iommu_ats_dev *ad);

struct seq_file;
void iommu_ats_show_armed(struct seq_file *m);

/* inject.c */
int iommu_ats_arm_injection(const char *name, unsigned int shots);
int iommu_ats_arm_reset_failure(const char *name, unsigned int resets);
int iommu_ats_report_by_name(const char *name);

#endif /* __IOMMU_ATS_RECOVERY_INTERNAL_H */
