// SPDX-License-Identifier: GPL-2.0
/*
 * AMD-Vi side of ATS fence/recover (Documentation/iommu/ats-recovery.rst).
 *
 * Detection: the IOMMU sends an INV_IOTLB_PAGES to the device and waits
 * for its Invalidate Completion up to its own timeout, Control.InvTimeOut
 * (Linux programs 1 s). Until then the command buffer does not move past
 * the next COMPLETION_WAIT; at the timeout the IOMMU logs IOTLB_INV_TIMEOUT
 * naming the device, takes the invalidation as done and goes on, and the
 * COMPLETION_WAIT completes (spec 48882, 2.4.1, 2.4.4, 2.5). So a
 * completed wait is no proof, and a wait that gives up before the IOMMU
 * does (upstream waits 100 ms) leaves commands in the buffer it cannot
 * account for. Here a waiter waits as long as the command buffer moves
 * and, when it stalls, as long as the IOMMU's own timeout; once its
 * COMPLETION_WAIT completed, if the wait covered an IOTLB invalidation,
 * it reads the event log and fences every device an IOTLB_INV_TIMEOUT
 * names before it returns. The event log thread does the same for the
 * events it consumes; the two agree through ats_evt_lock. Nobody is
 * blamed for a stall without such an event (ILLEGAL_COMMAND, a hardware
 * error, a timeout the IOMMU never reaches): the wait gives up as before.
 *
 * Fence: the device's entry and its aliases' get the blocked domain's
 * entry (amd_iommu_make_clear_dte(): V = 1, TV = 0, I = 0, interrupt
 * remapping kept), then INV_DEV_ENTRY for each and one COMPLETION_WAIT;
 * never an IOTLB invalidation. The fence does not take dte_lock (a
 * spinlock_t); every DTE writer writes its entry, or an alias's copy of
 * it, between amd_ats_dte_fenced() and amd_ats_dte_end(), under the ATS
 * layer's per-device raw lock, and writes the blocked entry instead while
 * the device is fenced. So no attach, domain change or alias update undoes
 * the fence, and the fresh attach after a good reset (the layer unfences
 * first) writes the device's entry again.
 */
#define pr_fmt(fmt)	"AMD-Vi: " fmt
#define dev_fmt(fmt)	pr_fmt(fmt)

#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/sched/clock.h>
#include <kunit/visibility.h>

#include "amd_iommu.h"
#include "ats-fence.h"

/* The longest a scan waits for an entry whose tail came first: the thread's */
#define AMD_ATS_EVT_WRITE_WAIT_NS	(LOOP_TIMEOUT * NSEC_PER_USEC)

/**
 * amd_ats_inv_timeout_ns() - the IOMMU's own IOTLB invalidation timeout
 * @ctrl: its Control register (MMIO 0018h)
 *
 * Return: InvTimeOut (bits 7:5) in ns; 0 for none (the IOMMU waits for
 * the device forever) or a reserved value.
 */
VISIBLE_IF_KUNIT u64 amd_ats_inv_timeout_ns(u64 ctrl)
{
	static const u32 ms[] = { 0, 1, 10, 100, 1000, 10000, 100000, 0 };

	return (u64)ms[(ctrl >> CONTROL_INV_TIMEOUT) & CTRL_INV_TO_MASK] *
	       NSEC_PER_MSEC;
}
EXPORT_SYMBOL_IF_KUNIT(amd_ats_inv_timeout_ns);

/**
 * amd_ats_stall_ongoing() - may a stalled command buffer still move?
 * @stall: the wait's record, updated
 * @head: the command buffer head now
 * @now: local_clock() now
 * @limit_ns: how long the IOMMU itself may hold it (its IOTLB timeout)
 *
 * Return: true if the head moved since the last look, or has not moved
 * for less than @limit_ns: the IOMMU is waiting for an invalidation it
 * will give up on by itself.
 */
VISIBLE_IF_KUNIT bool amd_ats_stall_ongoing(struct amd_ats_stall *stall,
					    u32 head, u64 now, u64 limit_ns)
{
	if (!limit_ns)
		return false;
	if (!stall->since || head != stall->head) {
		stall->head = head;
		stall->since = now;
		return true;
	}
	return now - stall->since < limit_ns;
}
EXPORT_SYMBOL_IF_KUNIT(amd_ats_stall_ongoing);

/**
 * amd_ats_cmdbuf_moving() - wait on for a stalled command buffer?
 * @iommu: the IOMMU whose buffer a waiter has waited for 100 ms
 * @stall: the waiter's record, zeroed before its first call
 *
 * Called each time the caller's own round (upstream's 100 ms) ran out,
 * for a COMPLETION_WAIT or for room in the buffer. Behind an IOTLB
 * invalidation that the device does not answer, the IOMMU holds the
 * buffer up to its own timeout; the caller waits that long, from the
 * last time the head moved, so that it never gives up on commands the
 * IOMMU will still execute.
 *
 * Context: any; a register read or two.
 * Return: true to wait another round.
 */
bool amd_ats_cmdbuf_moving(struct amd_iommu *iommu, struct amd_ats_stall *stall)
{
	u64 limit = amd_ats_inv_timeout_ns(readq(iommu->mmio_base +
						 MMIO_CONTROL_OFFSET));

	return amd_ats_stall_ongoing(stall,
				     readl(iommu->mmio_base + MMIO_CMD_HEAD_OFFSET),
				     local_clock(), limit);
}

/* Is ring position @pos in [@from, @to)? */
static bool amd_ats_ring_between(u32 pos, u32 from, u32 to, u32 size)
{
	return (pos - from + size) % size < (to - from + size) % size;
}

/**
 * amd_ats_evtlog_timeouts() - the devices IOTLB_INV_TIMEOUT events name
 * @buf: the event log
 * @size: its size in bytes
 * @head: the head register, read first
 * @tail: the tail register, read after @head
 * @read_head: reads the head register again
 * @ctx: for @read_head
 * @devids: where the DeviceIDs go, each once
 * @max: room in @devids
 *
 * Reads the entries between @head and @tail without consuming them; the
 * event log thread consumes them. An entry of all zeroes was consumed
 * already if the head has moved past it, else the IOMMU has moved the
 * tail before the entry reached memory (erratum 732, which the thread
 * waits out too): it is read again for a while. The caller holds the lock
 * under which the thread takes an IOTLB_INV_TIMEOUT entry (see
 * amd_ats_evt_settled()), so such an entry is read whole or not at all.
 *
 * Return: how many DeviceIDs were stored.
 */
VISIBLE_IF_KUNIT unsigned int amd_ats_evtlog_timeouts(const void *buf, u32 size,
						      u32 head, u32 tail,
						      u32 (*read_head)(void *ctx),
						      void *ctx, u16 *devids,
						      unsigned int max)
{
	unsigned int nr = 0, i;
	const u32 *event;
	u32 pos, type;
	u64 deadline;
	u16 devid;

	for (pos = head; pos != tail; pos = (pos + EVTLOG_ENTRY_SIZE) % size) {
		event = buf + pos;
		deadline = 0;
		for (;;) {
			type = (READ_ONCE(event[1]) >> EVENT_TYPE_SHIFT) &
			       EVENT_TYPE_MASK;
			if (type ||
			    !amd_ats_ring_between(pos, read_head(ctx), tail, size))
				break;
			if (!deadline)
				deadline = local_clock() + AMD_ATS_EVT_WRITE_WAIT_NS;
			else if (local_clock() > deadline)
				break;
			cpu_relax();
		}
		if (type != EVENT_TYPE_IOTLB_INV_TO)
			continue;
		devid = (READ_ONCE(event[0]) >> EVENT_DEVID_SHIFT) &
			EVENT_DEVID_MASK;
		for (i = 0; i < nr && devids[i] != devid; i++)
			;
		if (i == nr && nr < max)
			devids[nr++] = devid;
	}
	return nr;
}
EXPORT_SYMBOL_IF_KUNIT(amd_ats_evtlog_timeouts);

/**
 * amd_ats_evt_settled() - the event log thread is done with an
 *	IOTLB_INV_TIMEOUT entry
 * @lock: the IOMMU's ats_evt_lock, held
 * @event: the entry
 *
 * Clears its type while a waiter's scan cannot be reading it, before the
 * thread clears the rest (upstream's memset, whose order of stores is the
 * compiler's): a scan sees the whole entry or no IOTLB_INV_TIMEOUT.
 */
VISIBLE_IF_KUNIT void amd_ats_evt_settled(raw_spinlock_t *lock, u32 *event)
{
	lockdep_assert_held(lock);
	WRITE_ONCE(event[1], 0);
}
EXPORT_SYMBOL_IF_KUNIT(amd_ats_evt_settled);

/*
 * The IOMMU named @devid in an IOTLB_INV_TIMEOUT: fence the device, if
 * its invalidation is not one its last fence settled. Interrupts are off
 * (the event lock), so the device cannot be freed under us: its release
 * clears ats_dev and waits for an RCU grace period.
 */
static void amd_ats_named(struct amd_iommu *iommu, u16 devid)
{
	struct iommu_dev_data *dev_data = search_dev_data(iommu, devid);
	struct device *dev = dev_data ? READ_ONCE(dev_data->ats_dev) : NULL;

	lockdep_assert_irqs_disabled();
	if (!dev) {
		pr_err_ratelimited("IOTLB invalidation timeout for device %04x:%02x:%02x.%x, which has no ATS recovery state\n",
				   iommu->pci_seg->id, PCI_BUS_NUM(devid),
				   PCI_SLOT(devid), PCI_FUNC(devid));
		return;
	}
	/*
	 * The fence clears ats_inv_queued with the IOMMU's lock held, and
	 * its COMPLETION_WAIT follows every invalidation queued before: the
	 * events of those were logged before the fence was confirmed. One
	 * consumed after a recovery would fence the device again for an
	 * invalidation of the past.
	 */
	if (!READ_ONCE(dev_data->ats_inv_queued)) {
		dev_dbg(dev, "IOTLB_INV_TIMEOUT for an invalidation its last fence settled\n");
		return;
	}
	iommu_ats_report_timeout(dev, IOMMU_ATS_TIMEOUT);
}

static u32 amd_ats_read_evt_head(void *ctx)
{
	struct amd_iommu *iommu = ctx;

	return readl(iommu->mmio_base + MMIO_EVT_HEAD_OFFSET);
}

/**
 * amd_ats_scan_evtlog() - fence the devices the event log names
 * @iommu: the IOMMU a COMPLETION_WAIT just completed on
 * @data: its sequence number
 *
 * The slow part of amd_ats_cwait_done(). The wait of a fence's own
 * COMPLETION_WAIT leaves the events to the thread and to the other
 * waiters: it runs under the layer's lock of the device being fenced,
 * which a report of that device would take again.
 *
 * Context: any; without iommu->lock.
 */
void amd_ats_scan_evtlog(struct amd_iommu *iommu, u64 data)
{
	u16 devids[8];
	unsigned int nr, i;
	unsigned long flags;
	u32 head, tail;

	/* A report may fence, and the fence queues its own commands */
	lockdep_assert_not_held(&iommu->lock);
	if (iommu_ats_in_fence())
		return;
	raw_spin_lock_irqsave(&iommu->ats_evt_lock, flags);
	head = readl(iommu->mmio_base + MMIO_EVT_HEAD_OFFSET);
	tail = readl(iommu->mmio_base + MMIO_EVT_TAIL_OFFSET);
	nr = amd_ats_evtlog_timeouts(iommu->evt_buf, amd_iommu_evtlog_size,
				     head, tail, amd_ats_read_evt_head, iommu,
				     devids, ARRAY_SIZE(devids));
	for (i = 0; i < nr; i++)
		amd_ats_named(iommu, devids[i]);
	if ((s64)(data - iommu->ats_evt_seen) > 0)
		/* Pairs with the acquire in amd_ats_cwait_done() */
		smp_store_release(&iommu->ats_evt_seen, data);
	raw_spin_unlock_irqrestore(&iommu->ats_evt_lock, flags);
}

/**
 * amd_ats_iotlb_inv_timeout() - the event log thread met IOTLB_INV_TIMEOUT
 * @iommu: the IOMMU that logged it
 * @event: the entry, which the thread clears afterwards
 *
 * Context: the event log thread.
 */
void amd_ats_iotlb_inv_timeout(struct amd_iommu *iommu, u32 *event)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&iommu->ats_evt_lock, flags);
	amd_ats_named(iommu, (event[0] >> EVENT_DEVID_SHIFT) & EVENT_DEVID_MASK);
	amd_ats_evt_settled(&iommu->ats_evt_lock, event);
	raw_spin_unlock_irqrestore(&iommu->ats_evt_lock, flags);
}

/**
 * amd_ats_iotlb_inv_lost() - an IOTLB invalidation could not be queued
 * @dev_data: the device it was for
 * @err: why
 *
 * The command buffer stayed full longer than the IOMMU's own timeout: the
 * device's ATC may keep what the caller is about to free, and nothing
 * will tell. The device is fenced as a suspect (the fence needs the same
 * buffer; if it fails too the layer clears Bus Master Enable).
 *
 * Context: any; without iommu->lock.
 */
void amd_ats_iotlb_inv_lost(struct iommu_dev_data *dev_data, int err)
{
	dev_err_ratelimited(dev_data->dev, "IOTLB invalidation not queued (%d): fencing the device\n",
			    err);
	iommu_ats_report_timeout(dev_data->dev, IOMMU_ATS_TIMEOUT_SUSPECT);
}

/**
 * amd_ats_dte_fenced() - start a write of a device table entry
 * @owner: the device whose translation the entry carries (for an alias,
 *	the device it is cloned from)
 * @dev_data: the entry's own device data
 * @new: the entry to write; replaced by the blocked entry if @owner is
 *	fenced
 * @flags: saved interrupt state, for amd_ats_dte_end()
 *
 * A fence of @owner cannot run until amd_ats_dte_end(): it happens either
 * before (and this writes the blocked entry) or after (and it overwrites
 * what this wrote). Only the memory write goes in between: a flush there
 * could see the device time out and wait for its fence.
 *
 * Context: any; interrupts are off until amd_ats_dte_end().
 * Return: true if @new was replaced.
 */
bool amd_ats_dte_fenced(struct device *owner, struct iommu_dev_data *dev_data,
			struct dev_table_entry *new, unsigned long *flags)
{
	struct iommu_dev_data *owner_data;

	if (!owner || !iommu_ats_attach_begin(owner, flags))
		return false;
	/* An alias gets a copy of its owner's entry, as clone_alias() does */
	owner_data = dev_iommu_priv_get(owner);
	amd_iommu_make_clear_dte(owner_data, new);
	return true;
}

/**
 * amd_ats_dte_end() - end amd_ats_dte_fenced()
 * @owner: as given to it
 * @flags: what it saved
 */
void amd_ats_dte_end(struct device *owner, unsigned long flags)
{
	if (owner)
		iommu_ats_attach_end(owner, flags);
}

struct amd_ats_devids {
	u16 *devids;
	unsigned int nr, max;
};

static int amd_ats_add_devid(struct pci_dev *pdev, u16 alias, void *data)
{
	struct amd_ats_devids *set = data;
	unsigned int i;

	for (i = 0; i < set->nr && set->devids[i] != alias; i++)
		;
	if (i == set->nr && set->nr < set->max)
		set->devids[set->nr++] = alias;
	return 0;
}

/**
 * amd_ats_blocked_devids() - the entries a fence of a device writes
 * @pdev: the device, or NULL if it is not PCI
 * @devid: its DeviceID
 * @ivrs_alias: its alias in the IVRS table (alias_table[@devid])
 * @devids: where they go, each once, @devid first
 * @max: room in @devids
 *
 * The same set device_flush_dte() invalidates and clone_aliases() copies
 * the entry to: the device, its IVRS alias, its PCI DMA aliases.
 *
 * Return: how many DeviceIDs were stored.
 */
VISIBLE_IF_KUNIT unsigned int amd_ats_blocked_devids(struct pci_dev *pdev,
						     u16 devid, u16 ivrs_alias,
						     u16 *devids,
						     unsigned int max)
{
	struct amd_ats_devids set = { .devids = devids, .max = max };

	amd_ats_add_devid(pdev, devid, &set);
	amd_ats_add_devid(pdev, ivrs_alias, &set);
	if (pdev)
		pci_for_each_dma_alias(pdev, amd_ats_add_devid, &set);
	return set.nr;
}
EXPORT_SYMBOL_IF_KUNIT(amd_ats_blocked_devids);

/**
 * amd_iommu_ats_fence() - &iommu_ops.ats_fence for AMD-Vi
 * @dev: the device whose IOTLB invalidation timed out
 *
 * Writes the blocked entry to the device's entry and its aliases', then
 * queues INV_DEV_ENTRY for each and a COMPLETION_WAIT, and waits for it:
 * the wait lasts as long as the IOMMU still works off invalidations queued
 * before (each stuck one up to its own timeout). Whether DTE.I = 0 alone
 * makes the IOMMU refuse translated requests the device sends from its
 * ATC, 48882 does not say in so many words; with TV = 0 and IR = IW = 0
 * the entry allows no access at all.
 *
 * Context: interrupts off, under the layer's raw lock of @dev.
 * Return: 0 once the IOMMU confirmed the update, -EIO if its
 * COMPLETION_WAIT did not complete.
 */
int amd_iommu_ats_fence(struct device *dev)
{
	struct iommu_dev_data *dev_data = dev_iommu_priv_get(dev);
	struct amd_iommu *iommu = get_amd_iommu_from_dev_data(dev_data);
	struct pci_dev *pdev = dev_is_pci(dev) ? to_pci_dev(dev) : NULL;
	struct dev_table_entry blocked;
	unsigned int nr;
	u16 devids[8];

	nr = amd_ats_blocked_devids(pdev, dev_data->devid,
				    iommu->pci_seg->alias_table[dev_data->devid],
				    devids, ARRAY_SIZE(devids));
	amd_iommu_make_clear_dte(dev_data, &blocked);
	return amd_iommu_write_blocked_dtes(dev_data, devids, nr, &blocked);
}

/**
 * amd_ats_init_iommu() - the ATS fence state of an IOMMU
 * @iommu: the IOMMU being initialised
 */
void amd_ats_init_iommu(struct amd_iommu *iommu)
{
	raw_spin_lock_init(&iommu->ats_evt_lock);
}

/**
 * amd_ats_probe_device() - @dev is the device of @dev_data now
 * @dev_data: its device data
 * @dev: the device
 */
void amd_ats_probe_device(struct iommu_dev_data *dev_data, struct device *dev)
{
	WRITE_ONCE(dev_data->ats_dev, dev);
}

/**
 * amd_ats_release_device() - the device of @dev_data goes away
 * @dev_data: its device data, which upstream keeps for a re-plug
 *
 * The event log readers look the device up from a DeviceID with
 * interrupts off; once this returns none of them still uses it.
 *
 * Context: process.
 */
void amd_ats_release_device(struct iommu_dev_data *dev_data)
{
	if (!READ_ONCE(dev_data->ats_dev))
		return;
	WRITE_ONCE(dev_data->ats_dev, NULL);
	synchronize_rcu();
}
