/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the ATS fence/recover layer: a report, the fence it
 * caused (with the time the driver's fence took), each recovery step, and
 * the unfence.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM iommu_ats

#if !defined(_TRACE_IOMMU_ATS_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_IOMMU_ATS_H

#include <linux/device.h>
#include <linux/tracepoint.h>

TRACE_EVENT(iommu_ats_report,
	    TP_PROTO(struct device *dev, int reason, bool fenced),
	    TP_ARGS(dev, reason, fenced),
	    TP_STRUCT__entry(__string(device, dev_name(dev))
			     __field(int, reason)
			     __field(bool, fenced)),
	    TP_fast_assign(__assign_str(device);
			   __entry->reason = reason;
			   __entry->fenced = fenced;),
	    TP_printk("device=%s reason=%d fenced_now=%d",
		      __get_str(device), __entry->reason, __entry->fenced)
);

TRACE_EVENT(iommu_ats_fence,
	    TP_PROTO(struct device *dev, int ret, u64 ns),
	    TP_ARGS(dev, ret, ns),
	    TP_STRUCT__entry(__string(device, dev_name(dev))
			     __field(int, ret)
			     __field(u64, ns)),
	    TP_fast_assign(__assign_str(device);
			   __entry->ret = ret;
			   __entry->ns = ns;),
	    TP_printk("device=%s ret=%d fence_ns=%llu",
		      __get_str(device), __entry->ret, __entry->ns)
);

TRACE_EVENT(iommu_ats_recovery,
	    TP_PROTO(struct device *dev, const char *step, int ret),
	    TP_ARGS(dev, step, ret),
	    TP_STRUCT__entry(__string(device, dev_name(dev))
			     __string(step, step)
			     __field(int, ret)),
	    TP_fast_assign(__assign_str(device);
			   __assign_str(step);
			   __entry->ret = ret;),
	    TP_printk("device=%s step=%s ret=%d",
		      __get_str(device), __get_str(step), __entry->ret)
);

TRACE_EVENT(iommu_ats_unfence,
	    TP_PROTO(struct device *dev, int ret),
	    TP_ARGS(dev, ret),
	    TP_STRUCT__entry(__string(device, dev_name(dev))
			     __field(int, ret)),
	    TP_fast_assign(__assign_str(device);
			   __entry->ret = ret;),
	    TP_printk("device=%s ret=%d", __get_str(device), __entry->ret)
);

#endif /* _TRACE_IOMMU_ATS_H */

#include <trace/define_trace.h>
