// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d side of ATS fence/recover (Documentation/iommu/ats-recovery.rst).
 *
 * Detection: an Invalidation Time-out Error (VT-d r4.1, 6.5.2.10 and
 * 11.4.9.9) aborts every pending wait, names the device in IQER.ITESID and
 * stops the hardware fetching descriptors until software clears
 * FSTS.ITE. The CPU that sees it, still under the queue lock and with
 * fetching stopped, logs the SID in the queue's ITE log, turns the
 * device-TLB descriptors for that SID still queued in [IQH, IQT) into
 * harmless waits (one hardware timeout per incident, not one per queued
 * descriptor), and clears the device-TLB bit of the device's context
 * entries in memory (the pre-fence); only then does it clear ITE.
 *
 * Every submitter reads the log, under the queue lock, before it returns
 * or restarts: it reports each SID logged since it started, which waits
 * until the device's fence is complete, and drops that SID's device-TLB
 * descriptors from its own submission, whether or not the layer can fence
 * the device. So no flush returns before the fence is in the hardware,
 * and a restart never sends the timed-out invalidation again. Without a
 * SID (older hardware), the suspects are the devices with a device-TLB
 * descriptor in the submissions whose wait the ITE aborted, found by the
 * same CPU in the ring, logged, neutralised and pre-fenced as suspects: a
 * device whose invalidations had all completed is never blamed.
 *
 * Fence: the device-TLB bit of every context entry the device's requests
 * use (its RID and its DMA aliases) is cleared: legacy TT 01 -> 00,
 * scalable-mode DTE 1 -> 0, then a device-selective context-cache
 * invalidation and the IOTLB (legacy: domain-selective; scalable mode:
 * the PASID cache and the IOTLB, globally, 6.5.3.3), never a device-TLB
 * invalidation. The entries are updated with cmpxchg, without iommu->lock
 * (a spinlock_t, which the fence may not take under a raw spinlock).
 * info->ats_fenced, set before the entries are cleared, is what every
 * writer of a context entry reads after it wrote one: it clears the bit
 * again itself, so no writer can undo a fence that ran beside it.
 *
 * Page requests: the ats_drain_pri op drains the PRQ for the device
 * without its device-TLB descriptor.
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
	/* The type is qw0[11:9,3:0]; both device-TLB types have [11:9] 0 */
	if (desc->qw0 & GENMASK_ULL(11, 9))
		return false;
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
 * Removes, in place, the device-TLB descriptors whose source ID @drop
 * says goes, keeping the order of the others. Return: the new count.
 */
VISIBLE_IF_KUNIT unsigned int
qi_drop_devtlb_descs(struct qi_desc *desc, unsigned int count,
		     bool (*drop)(void *data, u16 sid), void *data)
{
	unsigned int i, kept = 0;
	u16 sid;

	for (i = 0; i < count; i++) {
		if (qi_desc_devtlb_sid(&desc[i], &sid) && drop(data, sid))
			continue;
		if (kept != i)
			desc[kept] = desc[i];
		kept++;
	}
	return kept;
}
EXPORT_SYMBOL_IF_KUNIT(qi_drop_devtlb_descs);

/*
 * The lookups by source ID below and their use of the device are one RCU
 * read-side section: a device released meanwhile keeps its dev->iommu
 * until the section ends (iommu_ats_remove_device()).
 */
static bool intel_ats_sid_fenced(void *data, u16 sid)
{
	struct device *dev;
	bool fenced;

	rcu_read_lock();
	dev = device_rbtree_find(data, sid);
	fenced = dev && iommu_ats_fenced(dev);
	rcu_read_unlock();
	return fenced;
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
	struct device *dev;

	rcu_read_lock();
	dev = device_rbtree_find(iommu, sid);
	if (dev)
		iommu_ats_report_timeout(dev, reason);
	rcu_read_unlock();
	if (!dev)
		pr_warn_ratelimited("%s: device-TLB invalidation timeout for unknown SID %02x:%02x.%d\n",
				    iommu->name, PCI_BUS_NUM(sid), PCI_SLOT(sid & 0xff),
				    PCI_FUNC(sid & 0xff));
}

/* Logs @entry (a SID, | QI_ITE_SUSPECT); the queue lock is held */
VISIBLE_IF_KUNIT void qi_ite_log_add(struct qi_ite_log *log, u32 entry)
{
	log->entry[log->gen % QI_ITE_LOG_LEN] = entry;
	WRITE_ONCE(log->gen, log->gen + 1);
}
EXPORT_SYMBOL_IF_KUNIT(qi_ite_log_add);

/*
 * Copies to @entries the entries logged since *@seen and moves *@seen on;
 * the queue lock is held. If more than QI_ITE_LOG_LEN came in between,
 * the older ones are lost to this submitter: the submitters their ITEs
 * aborted reported them, and a device-TLB descriptor left in this
 * submission for one of them times out again and is logged anew.
 * Return: how many were copied.
 */
VISIBLE_IF_KUNIT unsigned int
qi_ite_log_since(const struct qi_ite_log *log, unsigned int *seen, u32 *entries)
{
	unsigned int gen = log->gen, from = *seen, n = 0;

	if (gen - from > QI_ITE_LOG_LEN)
		from = gen - QI_ITE_LOG_LEN;
	for (; from != gen; from++)
		entries[n++] = log->entry[from % QI_ITE_LOG_LEN];
	*seen = gen;
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(qi_ite_log_since);

/*
 * Replaces with @noop every device-TLB descriptor for @sid in the slots
 * [@head, @tail) of the ring of @len descriptors of 1 << @shift bytes: the
 * descriptors queued behind the aborted wait, which the hardware fetches
 * once ITE is cleared. Return: how many were replaced.
 */
VISIBLE_IF_KUNIT unsigned int
qi_neutralise_devtlb(void *ring, unsigned int shift, unsigned int len,
		     unsigned int head, unsigned int tail, u16 sid,
		     const struct qi_desc *noop)
{
	unsigned int i, n = 0;
	struct qi_desc *desc;
	u16 desc_sid;

	for (i = head % len; i != tail % len; i = (i + 1) % len) {
		desc = ring + (i << shift);
		if (qi_desc_devtlb_sid(desc, &desc_sid) && desc_sid == sid) {
			memcpy(desc, noop, 1 << shift);
			n++;
		}
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(qi_neutralise_devtlb);

static bool qi_desc_is_wait(const struct qi_desc *desc, u64 noop_addr)
{
	return !(desc->qw0 & GENMASK_ULL(11, 9)) &&
	       (desc->qw0 & GENMASK_ULL(3, 0)) == QI_IWD_TYPE &&
	       desc->qw1 != noop_addr;
}

/*
 * An ITE without a SID: the suspects are the devices with a device-TLB
 * descriptor in a submission the hardware fetched whose wait has not
 * completed, i.e. whose wait the ITE aborts. Walks the fetched slots back
 * from @head - 1 to @tail (IQH and IQT as slot indexes of the ring of @len
 * descriptors of 1 << @shift bytes, @status the slots' status); all of
 * them when @head == @tail, the hardware having fetched every descriptor
 * (the aborted submission was the last one queued). A wait
 * still QI_IN_USE starts such a submission, a completed one (QI_DONE, not
 * yet freed by its submitter) one that is not. The waits that replaced
 * neutralised descriptors (their status address @noop_addr) end nothing.
 * Return: how many SIDs, each once, are in @sids (at most @max).
 */
VISIBLE_IF_KUNIT unsigned int
qi_ite_suspects(const void *ring, unsigned int shift, unsigned int len,
		const int *status, unsigned int head, unsigned int tail,
		u64 noop_addr, u16 *sids, unsigned int max)
{
	unsigned int i = head % len, n = 0, j;
	/* All but [IQH, IQT): every slot when the hardware fetched them all */
	unsigned int left = len - (tail % len + len - i) % len;
	const struct qi_desc *desc;
	bool aborted = false;
	u16 sid;

	while (left--) {
		i = (i + len - 1) % len;
		desc = ring + (i << shift);
		if (qi_desc_is_wait(desc, noop_addr)) {
			aborted = status[i] == QI_IN_USE;
			continue;
		}
		if (!aborted || status[i] != QI_IN_USE ||
		    !qi_desc_devtlb_sid(desc, &sid))
			continue;
		for (j = 0; j < n && sids[j] != sid; j++)
			;
		if (j == n && n < max)
			sids[n++] = sid;
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(qi_ite_suspects);

struct qi_ite_entries {
	const u32 *entry;
	unsigned int nr;
};

static bool qi_ite_sid_logged(void *data, u16 sid)
{
	const struct qi_ite_entries *e = data;
	unsigned int i;

	for (i = 0; i < e->nr; i++)
		if ((u16)e->entry[i] == sid)
			return true;
	return false;
}

/*
 * What a submitter does with the @nr entries logged since it started:
 * reports each device once (IOMMU_ATS_TIMEOUT, or _SUSPECT for a suspect)
 * and drops its device-TLB descriptors for them from @desc, whether or not
 * its own wait was aborted. Return: the number of descriptors left.
 */
VISIBLE_IF_KUNIT unsigned int
qi_ite_settle(const u32 *entries, unsigned int nr, struct qi_desc *desc,
	      unsigned int count,
	      void (*report)(void *data, u16 sid, enum iommu_ats_reason reason),
	      void *data)
{
	struct qi_ite_entries e = { .entry = entries, .nr = nr };
	unsigned int i, j;

	for (i = 0; i < nr; i++) {
		for (j = 0; j < i && (u16)entries[j] != (u16)entries[i]; j++)
			;
		if (j < i)
			continue;
		report(data, (u16)entries[i], entries[i] & QI_ITE_SUSPECT ?
		       IOMMU_ATS_TIMEOUT_SUSPECT : IOMMU_ATS_TIMEOUT);
	}
	return qi_drop_devtlb_descs(desc, count, qi_ite_sid_logged, &e);
}
EXPORT_SYMBOL_IF_KUNIT(qi_ite_settle);

static void intel_ats_prefence(struct intel_iommu *iommu, u16 sid);

/*
 * Logs @entry, neutralises the device's device-TLB descriptors queued in
 * [@head, @tail), pre-fences it. ITE holds fetching.
 */
static void intel_ats_ite_hold_sid(struct intel_iommu *iommu, u32 entry,
				   unsigned int head, unsigned int tail)
{
	struct q_inval *qi = iommu->qi;
	struct qi_desc noop = {
		/*
		 * A wait with a status write to a word nobody polls: valid
		 * in every version of the spec, and it waits only for what
		 * precedes it.
		 */
		.qw0 = QI_IWD_STATUS_DATA(QI_DONE) | QI_IWD_STATUS_WRITE |
		       QI_IWD_TYPE,
		.qw1 = virt_to_phys(&qi->ite_log.noop_status),
	};
	u16 sid = entry;
	unsigned int n;

	qi_ite_log_add(&qi->ite_log, entry);
	n = qi_neutralise_devtlb(qi->desc, qi_shift(iommu), QI_LENGTH, head,
				 tail, sid, &noop);
	if (n)
		pr_info_ratelimited("%s: %u queued device-TLB invalidations for %02x:%02x.%d dropped after its ITE\n",
				    iommu->name, n, PCI_BUS_NUM(sid),
				    PCI_SLOT(sid & 0xff), PCI_FUNC(sid & 0xff));
	intel_ats_prefence(iommu, sid);
}

/**
 * intel_ats_ite_hold() - act on an ITE while the hardware fetches nothing
 * @iommu: the IOMMU whose FSTS.ITE is set
 * @sid: IQER.ITESID, 0 if the hardware names no device
 * @head: IQH, as a slot index: the first descriptor not fetched
 * @tail: IQT, as a slot index
 *
 * Logs the device for every submitter, neutralises its queued device-TLB
 * descriptors and pre-fences its context entries; without a SID, does so
 * for each suspect, the devices of the aborted submissions.
 *
 * Context: the queue lock held, interrupts off, FSTS.ITE not cleared yet.
 * Return: true: the caller leaves the devices to the restart and its drop.
 */
bool intel_ats_ite_hold(struct intel_iommu *iommu, u16 sid, unsigned int head,
			unsigned int tail)
{
	struct q_inval *qi = iommu->qi;
	u16 suspects[QI_ITE_LOG_LEN];
	unsigned int i, n;

	if (sid) {
		intel_ats_ite_hold_sid(iommu, sid, head, tail);
		return true;
	}
	n = qi_ite_suspects(qi->desc, qi_shift(iommu), QI_LENGTH,
			    qi->desc_status, head, tail,
			    virt_to_phys(&qi->ite_log.noop_status), suspects,
			    ARRAY_SIZE(suspects));
	pr_warn_ratelimited("%s: Invalidation Time-out Error without a SID: %u suspect(s), the devices of the aborted submissions\n",
			    iommu->name, n);
	for (i = 0; i < n; i++)
		intel_ats_ite_hold_sid(iommu, suspects[i] | QI_ITE_SUSPECT,
				       head, tail);
	return true;
}

/**
 * intel_ats_ite_seen() - where a new submission starts reading the ITE log
 * @iommu: the IOMMU it submits to
 *
 * Context: any.
 * Return: the number of entries logged so far.
 */
unsigned int intel_ats_ite_seen(struct intel_iommu *iommu)
{
	return READ_ONCE(iommu->qi->ite_log.gen);
}

/**
 * intel_ats_ite_collect() - the devices of the ITEs since a submission started
 * @iommu: the IOMMU
 * @seen: the submitter's position in the log, moved on
 * @entries: room for QI_ITE_LOG_LEN entries
 *
 * Context: the queue lock held.
 * Return: how many entries were copied to @entries.
 */
unsigned int intel_ats_ite_collect(struct intel_iommu *iommu,
				   unsigned int *seen, u32 *entries)
{
	lockdep_assert_held(&iommu->qi->q_lock);
	return qi_ite_log_since(&iommu->qi->ite_log, seen, entries);
}

/**
 * intel_ats_ite_settle() - blame and drop the devices of logged ITEs
 * @iommu: the IOMMU
 * @entries: what intel_ats_ite_collect() returned
 * @nr: how many
 * @desc: the submission's descriptors
 * @count: how many
 *
 * Each report returns once the device's fence is complete, so the
 * submission returns, or restarts, only after that; its device-TLB
 * descriptors for those devices are dropped either way, also for a
 * device the layer cannot fence (unknown, off, being released).
 *
 * Context: any; the queue lock not held.
 * Return: the number of descriptors left in @desc.
 */
unsigned int intel_ats_ite_settle(struct intel_iommu *iommu, const u32 *entries,
				  unsigned int nr, struct qi_desc *desc,
				  unsigned int count)
{
	return qi_ite_settle(entries, nr, desc, count, intel_ats_report_sid,
			     iommu);
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
		rcu_read_lock();
		dev = device_rbtree_find(iommu, sid);
		if (dev && iommu_ats_inject_timeout(dev)) {
			pr_info("%s: simulating Invalidation Time-out Error for SID %02x:%02x.%d\n",
				iommu->name, PCI_BUS_NUM(sid), PCI_SLOT(sid & 0xff),
				PCI_FUNC(sid & 0xff));
			iommu_ats_report_timeout(dev, IOMMU_ATS_TIMEOUT_INJECTED);
		}
		rcu_read_unlock();
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

struct intel_ats_entries {
	struct device_domain_info *info;
	bool ats;
	bool flush;
};

/* Sets the device-TLB bit of the context entry of @alias; flushes it */
static int intel_ats_entry_update(struct pci_dev *pdev, u16 alias, void *data)
{
	struct intel_ats_entries *e = data;
	struct intel_iommu *iommu = e->info->iommu;
	struct context_entry *context;
	u64 old, new;
	u16 did;

	context = iommu_context_addr(iommu, PCI_BUS_NUM(alias), alias & 0xff, 0);
	if (!context || !context_present(context))
		return 0;	/* no entry: translated requests are blocked */

	old = READ_ONCE(context->lo);
	do {
		new = intel_ats_context_lo(old, sm_supported(iommu), e->ats);
	} while (new != old && !try_cmpxchg64(&context->lo, &old, new));
	if (!ecap_coherent(iommu->ecap))
		clflush_cache_range(context, sizeof(*context));
	if (!e->flush)
		return 0;

	/* In scalable mode the DID is ignored (and the entry has none) */
	did = context_domain_id(context);
	iommu->flush.flush_context(iommu, did, alias, DMA_CCMD_MASK_NOBIT,
				   DMA_CCMD_DEVICE_INVL);
	if (!sm_supported(iommu))
		iommu->flush.flush_iotlb(iommu, did, 0, 0, DMA_TLB_DSI_FLUSH);
	return 0;
}

/*
 * Sets the device-TLB bit of every context entry of @info's device: its
 * RID and its DMA aliases (an alias entry a bridge's other devices share
 * carries this device's requests too). With @flush, invalidates what the
 * hardware may cache of them, never with a device-TLB invalidation: in
 * scalable mode the context-cache entries may tag PASID-cache and IOTLB
 * entries (VT-d 6.5.3.3), and which domains the PASID entries name is not
 * known here, so both are invalidated globally; a fence is rare.
 * Atomic-safe.
 */
static void intel_ats_entries_set(struct device_domain_info *info, bool ats,
				  bool flush)
{
	struct intel_ats_entries e = { .info = info, .ats = ats, .flush = flush };
	struct intel_iommu *iommu = info->iommu;

	if (dev_is_pci(info->dev))
		pci_for_each_dma_alias(to_pci_dev(info->dev),
				       intel_ats_entry_update, &e);
	else
		intel_ats_entry_update(NULL, PCI_DEVID(info->bus, info->devfn), &e);

	if (flush && sm_supported(iommu)) {
		qi_flush_pasid_cache(iommu, 0, QI_PC_GLOBAL, 0);
		iommu->flush.flush_iotlb(iommu, 0, 0, 0, DMA_TLB_GLOBAL_FLUSH);
	}
}

/*
 * The pre-fence: under the queue lock, before ITE is cleared, so that no
 * wait the hardware completes after it, however early, finds the entry
 * letting translated requests through. Memory only: the invalidations
 * follow with the fence op, which the reports run before any submitter
 * returns. Only for a device the layer will fence.
 */
static void intel_ats_prefence(struct intel_iommu *iommu, u16 sid)
{
	struct device_domain_info *info;

	raw_spin_lock(&iommu->device_rbtree_lock);
	info = device_rbtree_find_info_locked(iommu, sid);
	if (info && info->ats_supported && iommu_ats_can_fence(info->dev)) {
		WRITE_ONCE(info->ats_fenced, true);
		/* Pairs with intel_ats_context_recheck() */
		smp_mb();
		intel_ats_entries_set(info, false, false);
	}
	raw_spin_unlock(&iommu->device_rbtree_lock);
}

/**
 * intel_ats_context_fenced() - must a context entry of @info have ATS off?
 * @info: the device whose entry is written
 *
 * Context: any.
 * Return: true while the device is fenced or pre-fenced.
 */
bool intel_ats_context_fenced(struct device_domain_info *info)
{
	return READ_ONCE(info->ats_fenced) || iommu_ats_fenced(info->dev);
}

/**
 * intel_ats_context_recheck() - a fence ran while @context was written
 * @info: the device the entry is for
 * @context: the entry just written, before its flush
 *
 * A writer that decided ATS on may have overwritten the entry a fence
 * cleared meanwhile. The fence sets info->ats_fenced before it clears the
 * entry, the writer writes the entry before it reads the flag: one of
 * them sees the other, and the bit is cleared again.
 *
 * Context: any; the writer's lock held.
 */
void intel_ats_context_recheck(struct device_domain_info *info,
			       struct context_entry *context)
{
	/* Pairs with intel_iommu_ats_fence() and intel_ats_prefence() */
	smp_mb();
	if (READ_ONCE(info->ats_fenced))
		WRITE_ONCE(context->lo,
			   intel_ats_context_lo(READ_ONCE(context->lo),
						sm_supported(info->iommu), false));
}

/**
 * intel_iommu_ats_fence() - the VT-d ats_fence op
 * @dev: the device whose device-TLB invalidation timed out
 *
 * Context: any, with interrupts off under a raw spinlock; submits to the
 * invalidation queue (its raw spinlock) and waits for the invalidations.
 * Return: 0, or -ENODEV for a device the driver does not know.
 */
int intel_iommu_ats_fence(struct device *dev)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);

	if (!info)
		return -ENODEV;
	WRITE_ONCE(info->ats_fenced, true);
	/* Pairs with intel_ats_context_recheck() */
	smp_mb();
	intel_ats_entries_set(info, false, true);
	return 0;
}

/**
 * intel_iommu_ats_drain_pri() - the VT-d ats_drain_pri op
 * @dev: a fenced device
 *
 * Drains the page request queue for the device (VT-d 7.10), whatever
 * domain it is attached to, identity included; the drain's device-TLB
 * descriptor is dropped from the submission, since the device is fenced.
 * The recovery work runs without the group mutex, so the device's domain
 * is not read here: the drain's IOTLB descriptor names the domain ID that
 * upstream's drain uses for a device without a domain (the fence has
 * invalidated the IOTLB already). Does nothing if PRI is not enabled.
 *
 * PRE stays set in the context entry: the IOMMU core answers and refuses
 * the page requests of a fenced device (Documentation/iommu/ats-recovery.rst).
 *
 * Context: process; sleeps.
 */
void intel_iommu_ats_drain_pri(struct device *dev)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);

	if (info && info->pri_enabled)
		intel_iommu_drain_prq_did(dev, IOMMU_NO_PASID, FLPT_DEFAULT_DID);
}

/**
 * intel_ats_context_allow() - let an unfenced device's entries use ATS again
 * @info: the device, about to get ATS enabled
 *
 * A legacy-mode attach rewrites the context entry, but with ATS off while
 * info->ats_fenced is still set; a scalable-mode one keeps it: the
 * device-TLB bits a fence cleared come back here, from the legacy attach's
 * ATS enable and from every scalable-mode attach to a domain of the RID
 * (ATS is enabled once at probe there).
 *
 * Context: process.
 */
void intel_ats_context_allow(struct device_domain_info *info)
{
	if (!info->ats_supported || iommu_ats_fenced(info->dev))
		return;
	if (!READ_ONCE(info->ats_fenced))
		return;
	WRITE_ONCE(info->ats_fenced, false);
	/* The flag is clear before the entries allow ATS: as in the fence */
	smp_mb();
	intel_ats_entries_set(info, true, true);
}
