/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VT-d ATS fence: the pure helpers of ats-fence.c that its KUnit suite
 * tests.
 */
#ifndef __INTEL_ATS_FENCE_H
#define __INTEL_ATS_FENCE_H

#include <linux/iommu-ats-recovery.h>
#include <linux/types.h>

struct qi_desc;

#if IS_ENABLED(CONFIG_KUNIT)
bool qi_desc_devtlb_sid(const struct qi_desc *desc, u16 *sid);
unsigned int qi_drop_devtlb_descs(struct qi_desc *desc, unsigned int count,
				  bool (*fenced)(void *data, u16 sid), void *data);
u64 intel_ats_context_lo(u64 lo, bool scalable, bool ats);
void qi_ite_report(u16 ite_sid, const struct qi_desc *desc, unsigned int count,
		   void (*report)(void *data, u16 sid, enum iommu_ats_reason reason),
		   void *data);
#endif

#endif /* __INTEL_ATS_FENCE_H */
