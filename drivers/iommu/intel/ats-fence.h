/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VT-d ATS fence: the Invalidation Time-out Error log every submitter of
 * the queue reads, and the pure helpers of ats-fence.c that its KUnit
 * suite tests.
 */
#ifndef __INTEL_ATS_FENCE_H
#define __INTEL_ATS_FENCE_H

#include <linux/iommu-ats-recovery.h>
#include <linux/types.h>

struct qi_desc;

#define QI_ITE_LOG_LEN	16
#define QI_ITE_SUSPECT	BIT(16)	/* a log entry's SID is only a suspect */

/**
 * struct qi_ite_log - the devices of the Invalidation Time-out Errors of
 *	one queue
 * @gen: how many entries the queue has logged
 * @entry: entry number n is @entry[n % QI_ITE_LOG_LEN]: the SID of a
 *	device an ITE was about, the one IQER.ITESID named or, without a
 *	SID, each device with a device-TLB descriptor in an aborted
 *	submission (| QI_ITE_SUSPECT)
 * @noop_status: what the waits that replace neutralised device-TLB
 *	descriptors write
 *
 * Written with the queue lock held, by the CPU that reads FSTS.ITE; read
 * under the same lock by every submitter, which blames and drops the SIDs
 * logged since it started, whether or not its own wait was aborted.
 */
struct qi_ite_log {
	unsigned int gen;
	u32 entry[QI_ITE_LOG_LEN];
	u32 noop_status;
};

#if IS_ENABLED(CONFIG_KUNIT)
bool qi_desc_devtlb_sid(const struct qi_desc *desc, u16 *sid);
unsigned int qi_drop_devtlb_descs(struct qi_desc *desc, unsigned int count,
				  bool (*drop)(void *data, u16 sid), void *data);
u64 intel_ats_context_lo(u64 lo, bool scalable, bool ats);
void qi_ite_log_add(struct qi_ite_log *log, u32 entry);
unsigned int qi_ite_log_since(const struct qi_ite_log *log, unsigned int *seen,
			      u32 *entries);
unsigned int qi_neutralise_devtlb(void *ring, unsigned int shift,
				  unsigned int len, unsigned int head,
				  unsigned int tail, u16 sid,
				  const struct qi_desc *noop);
unsigned int qi_ite_suspects(const void *ring, unsigned int shift,
			     unsigned int len, const int *status,
			     unsigned int head, unsigned int tail, u64 noop_addr,
			     u16 *sids, unsigned int max);
unsigned int qi_ite_settle(const u32 *entries, unsigned int nr,
			   struct qi_desc *desc, unsigned int count,
			   void (*report)(void *data, u16 sid,
					  enum iommu_ats_reason reason),
			   void *data);
#endif

#endif /* __INTEL_ATS_FENCE_H */
