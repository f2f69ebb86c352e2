// SPDX-License-Identifier: GPL-2.0
/*
 * AMD-Vi side of ATS fence/recover (Documentation/iommu/ats-recovery.rst).
 *
 * Detection: an IOTLB_INV_TIMEOUT event names the device whose IOTLB
 * invalidation timed out; the event log handler reports it. A completion
 * wait that times out names nobody: device_flush_iotlb() tags each device
 * with the sequence number of the completion wait that will cover its
 * INV_IOTLB_PAGES (no allocation: one u64 in its iommu_dev_data), and
 * the timeout reports every device of that IOMMU tagged after the last
 * completed wait and up to the one that timed out (timeout-suspect).
 * Injected timeouts fire after a good completion wait, for a device whose
 * IOTLB invalidation it covered.
 *
 * Fence: the device's entry, and the entry of each of its aliases, gets
 * I = 0 (no more ATS translation requests answered) and the blocked
 * domain's translation fields (V = 1, TV = 1, mode 0, IR = IW = 0: no DMA
 * at all), then CMD_INV_DEV_ENTRY for each and a completion wait; never an
 * IOTLB invalidation. The specification (48882) names I the IOTLB enable,
 * what makes the IOMMU answer ATS translation requests; whether I = 0
 * also makes it refuse requests the device already translated could not
 * be confirmed from its text, so the fence does not rely on I alone. The
 * cost: the function loses all DMA, translated or not, until it is reset
 * and attached afresh. Each qword is updated with cmpxchg, without
 * dev_data->dte_lock (a spinlock_t).
 *
 * Attach: while the device is fenced its entry gets I = 0 and ATS stays
 * disabled at the device; the fresh attach after a good reset sets both
 * again. An attach racing with the fence clears I once more after it
 * wrote the entries.
 *
 * Page requests: the ats_drain_pri op processes the PPR log of the
 * device's IOMMU (there is no hardware drain); the layer then flushes the
 * IOPF queue.
 */
#define pr_fmt(fmt)	"AMD-Vi: " fmt
#define dev_fmt(fmt)	pr_fmt(fmt)

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <asm/iommu.h>
#include <kunit/visibility.h>

#include "amd_iommu.h"
#include "ats-fence.h"

/*
 * Was @tag, the completion wait sequence number an IOTLB invalidation was
 * tagged with, after the last completed wait @done and no later than
 * @waited? Tag 0 means none.
 */
VISIBLE_IF_KUNIT bool amd_ats_seq_in_window(u64 tag, u64 done, u64 waited)
{
	return tag && (s64)(tag - done) > 0 && (s64)(tag - waited) <= 0;
}
EXPORT_SYMBOL_IF_KUNIT(amd_ats_seq_in_window);

/* The device behind @dev_data, if @iommu translates it. */
static struct device *amd_ats_dev_on(struct amd_iommu *iommu,
				     struct iommu_dev_data *dev_data)
{
	struct device *dev = dev_data->dev;

	if (!dev || !dev->iommu || get_amd_iommu_from_dev_data(dev_data) != iommu)
		return NULL;
	return dev;
}

/**
 * amd_ats_cwait_timeout() - blame a completion wait timeout
 * @iommu: the IOMMU whose completion wait timed out
 * @waited: the sequence number it waited for
 *
 * Reports every device of @iommu with an IOTLB invalidation queued after
 * the last completed wait and covered by this one. A timeout in a fence's
 * own wait blames nobody (the fence reports its failure itself).
 *
 * Context: any; the data list is walked without a lock.
 * Return: true if some device was blamed (and is fenced now).
 */
bool amd_ats_cwait_timeout(struct amd_iommu *iommu, u64 waited)
{
	u64 done = READ_ONCE(*iommu->cmd_sem);
	struct iommu_dev_data *dev_data;
	struct llist_node *first;
	bool blamed = false;
	struct device *dev;

	/* A fence's own wait: the fence op returns its failure itself */
	if (iommu_ats_in_fence())
		return false;

	first = READ_ONCE(iommu->pci_seg->dev_data_list.first);
	llist_for_each_entry(dev_data, first, dev_data_list) {
		if (!amd_ats_seq_in_window(READ_ONCE(dev_data->ats_inv_seq),
					   done, waited))
			continue;
		dev = amd_ats_dev_on(iommu, dev_data);
		if (!dev)
			continue;
		dev_warn_ratelimited(dev, "completion wait %llu timed out (last done %llu) with an IOTLB invalidation to this device in flight\n",
				     waited, done);
		iommu_ats_report_timeout(dev, IOMMU_ATS_TIMEOUT_SUSPECT);
		blamed = true;
	}
	return blamed;
}

/**
 * amd_ats_cwait_done() - injected IOTLB invalidation timeouts
 * @iommu: the IOMMU a completion wait just completed on
 * @waited: the sequence number it waited for
 *
 * Treats an IOTLB invalidation that the wait covered, for a device armed
 * through the ATS recovery debugfs, as if the IOMMU had logged
 * IOTLB_INV_TIMEOUT for it: the real report and fence follow. Each tag is
 * consumed once.
 *
 * Context: any; only called while injection is armed.
 */
void amd_ats_cwait_done(struct amd_iommu *iommu, u64 waited)
{
	struct iommu_dev_data *dev_data;
	struct llist_node *first;
	struct device *dev;
	u64 tag;

	if (iommu_ats_in_fence())
		return;

	first = READ_ONCE(iommu->pci_seg->dev_data_list.first);
	llist_for_each_entry(dev_data, first, dev_data_list) {
		tag = READ_ONCE(dev_data->ats_inv_seq);
		if (!tag || (s64)(tag - waited) > 0)
			continue;
		dev = amd_ats_dev_on(iommu, dev_data);
		if (!dev || cmpxchg64(&dev_data->ats_inv_seq, tag, 0) != tag)
			continue;
		if (iommu_ats_inject_timeout(dev)) {
			dev_info(dev, "simulating IOTLB_INV_TIMEOUT (completion wait %llu)\n",
				 waited);
			iommu_ats_report_timeout(dev, IOMMU_ATS_TIMEOUT_INJECTED);
		}
	}
}

/**
 * amd_ats_iotlb_inv_timeout() - the IOMMU logged IOTLB_INV_TIMEOUT
 * @iommu: the IOMMU that logged the event
 * @devid: the device ID of the event
 *
 * Context: the event log thread (process context).
 */
void amd_ats_iotlb_inv_timeout(struct amd_iommu *iommu, u16 devid)
{
	struct pci_dev *pdev;

	pdev = pci_get_domain_bus_and_slot(iommu->pci_seg->id, PCI_BUS_NUM(devid),
					   devid & 0xff);
	if (!pdev) {
		pr_warn_ratelimited("IOTLB_INV_TIMEOUT for unknown device %04x:%02x:%02x.%x\n",
				    iommu->pci_seg->id, PCI_BUS_NUM(devid),
				    PCI_SLOT(devid), PCI_FUNC(devid));
		return;
	}
	iommu_ats_report_timeout(&pdev->dev, IOMMU_ATS_TIMEOUT);
	pci_dev_put(pdev);
}

/*
 * The I bit (DTE bit 96) of an entry's second qword: cleared while the
 * device is fenced, set when ATS is enabled (otherwise left as it was,
 * as set_dte_entry() always did).
 */
VISIBLE_IF_KUNIT u64 amd_ats_dte_iotlb_bits(u64 data1, bool ats_enabled, bool fenced)
{
	if (fenced)
		return data1 & ~DTE_FLAG_IOTLB;
	return ats_enabled ? data1 | DTE_FLAG_IOTLB : data1;
}
EXPORT_SYMBOL_IF_KUNIT(amd_ats_dte_iotlb_bits);

/**
 * amd_ats_dte_iotlb() - the I bit for an entry set_dte_entry() writes
 * @data1: the entry's second qword
 * @ats_enabled: ATS is enabled at the device
 * @dev: the device
 *
 * Context: any.
 * Return: @data1 with I clear while @dev is fenced, set with ATS enabled.
 */
u64 amd_ats_dte_iotlb(u64 data1, bool ats_enabled, struct device *dev)
{
	return amd_ats_dte_iotlb_bits(data1, ats_enabled, iommu_ats_fenced(dev));
}

/* Clears I in @dte. Return: true if it was set. */
VISIBLE_IF_KUNIT bool amd_ats_dte_clear_iotlb(struct dev_table_entry *dte)
{
	u64 old = READ_ONCE(dte->data[1]);

	do {
		if (!(old & DTE_FLAG_IOTLB))
			return false;
	} while (!try_cmpxchg64(&dte->data[1], &old, old & ~DTE_FLAG_IOTLB));
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(amd_ats_dte_clear_iotlb);

/*
 * The first qword of the blocked domain's entry (clear_dte_entry()): valid,
 * translation information valid (not with SNP), mode 0, IR = IW = 0, no
 * page table, no guest translation: every request of the device is
 * refused. An entry that is not valid is left alone.
 */
static u64 amd_ats_dte_blocked_lo(u64 data0, bool snp)
{
	if (!(data0 & DTE_FLAG_V))
		return data0;
	return DTE_FLAG_V | (snp ? 0 : DTE_FLAG_TV);
}

/*
 * Fences one entry: I = 0 in the second qword, the blocked translation
 * fields in the first, each with one atomic store; the interrupt remapping
 * fields (third qword) and the domain ID are kept. Return: true if the
 * entry changed.
 */
VISIBLE_IF_KUNIT bool amd_ats_dte_fence_one(struct dev_table_entry *dte, bool snp)
{
	bool changed = amd_ats_dte_clear_iotlb(dte);
	u64 old = READ_ONCE(dte->data[0]), new;

	do {
		new = amd_ats_dte_blocked_lo(old, snp);
		if (new == old)
			return changed;
	} while (!try_cmpxchg64(&dte->data[0], &old, new));
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(amd_ats_dte_fence_one);

struct amd_ats_alias_walk {
	int (*fn)(u16 devid, void *data);
	void *data;
};

static int amd_ats_alias_fn(struct pci_dev *pdev, u16 alias, void *data)
{
	struct amd_ats_alias_walk *w = data;

	return w->fn(alias, w->data);
}

/*
 * Calls @fn for every device ID the IOMMU may see for the device: its own
 * and its PCI DMA aliases (@pdev; just @devid without it), then the IVRS
 * alias. The same set device_flush_dte() invalidates.
 */
VISIBLE_IF_KUNIT int
amd_ats_apply_devids(struct pci_dev *pdev, u16 devid, u16 ivrs_alias,
		     int (*fn)(u16 devid, void *data), void *data)
{
	struct amd_ats_alias_walk w = { .fn = fn, .data = data };
	int ret;

	if (pdev)
		ret = pci_for_each_dma_alias(pdev, amd_ats_alias_fn, &w);
	else
		ret = fn(devid, data);
	if (!ret && ivrs_alias != devid)
		ret = fn(ivrs_alias, data);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(amd_ats_apply_devids);

struct amd_ats_fence_ctx {
	struct amd_iommu *iommu;
	struct dev_table_entry *table;
};

static int amd_ats_fence_devid(u16 devid, void *data)
{
	struct amd_ats_fence_ctx *ctx = data;

	amd_ats_dte_fence_one(&ctx->table[devid], amd_iommu_snp_en);
	return amd_iommu_ats_flush_dte(ctx->iommu, devid);
}

static int amd_ats_clear_iotlb_devid(u16 devid, void *data)
{
	struct amd_ats_fence_ctx *ctx = data;

	amd_ats_dte_clear_iotlb(&ctx->table[devid]);
	return 0;
}

static int amd_ats_walk(struct iommu_dev_data *dev_data, struct amd_iommu *iommu,
			int (*fn)(u16 devid, void *data))
{
	struct amd_ats_fence_ctx ctx = {
		.iommu = iommu,
		.table = get_dev_table(iommu),
	};
	struct device *dev = dev_data->dev;

	return amd_ats_apply_devids(dev_is_pci(dev) ? to_pci_dev(dev) : NULL,
				    dev_data->devid,
				    iommu->pci_seg->alias_table[dev_data->devid],
				    fn, &ctx);
}

/**
 * amd_iommu_ats_fence() - the AMD-Vi ats_fence op
 * @dev: the device whose IOTLB invalidation timed out
 *
 * Clears I and blocks translation in the entries of the device and its
 * aliases, invalidates them (CMD_INV_DEV_ENTRY) and waits for the IOMMU
 * (CMD_COMPL_WAIT). Never an IOTLB invalidation.
 *
 * Context: interrupts off, under a raw spinlock; takes only iommu->lock
 * (raw); spins at most one completion wait timeout.
 * Return: 0, or the error of the commands or of the wait.
 */
int amd_iommu_ats_fence(struct device *dev)
{
	struct iommu_dev_data *dev_data = dev_iommu_priv_get(dev);
	struct amd_iommu *iommu;
	int ret, wret;

	lockdep_assert_irqs_disabled();
	if (!dev_data)
		return -ENODEV;
	iommu = get_amd_iommu_from_dev_data(dev_data);

	/*
	 * The caller marked the device fenced: order that before reading the
	 * entries, against an attach that writes them and then checks
	 * (amd_ats_dte_recheck()).
	 */
	smp_mb();
	ret = amd_ats_walk(dev_data, iommu, amd_ats_fence_devid);
	wret = amd_iommu_ats_completion_wait(iommu);
	return ret ?: wret;
}

/**
 * amd_ats_dte_recheck() - keep I clear after an attach raced with a fence
 * @iommu: the device's IOMMU
 * @dev_data: the device whose entries (and its aliases') were just written
 *
 * set_dte_entry() and the alias copies write whole entries without
 * serialising with the fence. Once they are written, a device that is
 * fenced gets I cleared in all of them again; the caller's
 * device_flush_dte() and completion wait follow.
 *
 * Context: any; the attach path, or a domain update under its lock.
 */
void amd_ats_dte_recheck(struct amd_iommu *iommu, struct iommu_dev_data *dev_data)
{
	/* Order the entry stores before the check; pairs with the fence */
	smp_mb();
	if (!dev_data->dev || !iommu_ats_fenced(dev_data->dev))
		return;
	amd_ats_walk(dev_data, iommu, amd_ats_clear_iotlb_devid);
}

/* Serialises PPR log processing between the interrupt thread and drains. */
static DEFINE_MUTEX(amd_ats_ppr_lock);

/**
 * amd_iommu_ats_poll_ppr_log() - process an IOMMU's PPR log
 * @iommu: the IOMMU
 *
 * What the PPR interrupt thread calls; a drain calls it too.
 *
 * Context: process; sleeps.
 */
void amd_iommu_ats_poll_ppr_log(struct amd_iommu *iommu)
{
	mutex_lock(&amd_ats_ppr_lock);
	amd_iommu_poll_ppr_log(iommu);
	mutex_unlock(&amd_ats_ppr_lock);
}

/**
 * amd_iommu_ats_drain_pri() - the AMD-Vi ats_drain_pri op
 * @dev: a fenced device
 *
 * There is no hardware PPR drain: the PPR log of the device's IOMMU is
 * processed now, so that every page request the device had logged reaches
 * the IOPF queue (which refuses it for a fenced device) before the layer
 * flushes that queue and answers what is left. Nothing if the device does
 * not use PRI.
 *
 * Context: process; sleeps.
 */
void amd_iommu_ats_drain_pri(struct device *dev)
{
	struct iommu_dev_data *dev_data = dev_iommu_priv_get(dev);

	if (dev_data && dev_data->ppr)
		amd_iommu_ats_poll_ppr_log(get_amd_iommu_from_dev_data(dev_data));
}

/*
 * debugfs iommu/amd_ats_dte: the device table entries of every device ID
 * the driver has data for, so that tests can see what a fence and an
 * unfence wrote (CONFIG_AMD_IOMMU_DEBUGFS in 6.12 has no device table
 * dump). Read-only; device IDs only, no device pointer is followed.
 */
static int amd_ats_dte_show(struct seq_file *m, void *v)
{
	struct amd_iommu_pci_seg *pci_seg;
	struct iommu_dev_data *dev_data;
	struct dev_table_entry *dte;

	for_each_pci_segment(pci_seg) {
		llist_for_each_entry(dev_data, READ_ONCE(pci_seg->dev_data_list.first),
				     dev_data_list) {
			dte = &pci_seg->dev_table[dev_data->devid];
			seq_printf(m, "%04x:%02x:%02x.%x %016llx %016llx %016llx %016llx\n",
				   pci_seg->id, PCI_BUS_NUM(dev_data->devid),
				   PCI_SLOT(dev_data->devid), PCI_FUNC(dev_data->devid),
				   READ_ONCE(dte->data[0]), READ_ONCE(dte->data[1]),
				   READ_ONCE(dte->data[2]), READ_ONCE(dte->data[3]));
		}
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(amd_ats_dte);

static int __init amd_ats_debugfs_init(void)
{
	struct dentry *dir;

	if (list_empty(&amd_iommu_pci_seg_list))
		return 0;
	/* iommu/ exists with CONFIG_IOMMU_DEBUGFS; lookup takes a reference */
	dir = debugfs_lookup("iommu", NULL);
	if (dir) {
		debugfs_create_file("amd_ats_dte", 0400, dir, NULL, &amd_ats_dte_fops);
		dput(dir);
	} else {
		debugfs_create_file("amd_ats_dte", 0400,
				    debugfs_create_dir("iommu", NULL), NULL,
				    &amd_ats_dte_fops);
	}
	return 0;
}
late_initcall(amd_ats_debugfs_init);
