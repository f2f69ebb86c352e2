// SPDX-License-Identifier: GPL-2.0
/// Invariant 3: no ATC (device-TLB) invalidation reaches a fenced device.
/// VT-d: __qi_submit_sync() is the funnel every device-TLB descriptor goes
/// through; it must drop fenced devices' descriptors before it queues
/// anything, and its entry points (qi_submit_sync(),
/// qi_submit_batch_unlock()) must go through it or drop them themselves.
/// And a function that batches device-TLB descriptors itself
/// must check the fence first, on every path to the call ("exists": one
/// path that reaches it unchecked is a report; without it, a function with
/// any path that never batches would pass whatever it did elsewhere).
// dirs: drivers/iommu/intel
// Options: --no-includes --include-headers
virtual report

@funnel@
identifier submit =~ "^(__qi_submit_sync|qi_submit_sync|qi_submit_batch_unlock)$";
position p;
@@
int submit@p(...)
{
... when != intel_ats_drop_fenced(...)
    when != __qi_submit_sync(...)
    when strict
}

@script:python depends on report@
p << funnel.p;
submit << funnel.submit;
@@
coccilib.report.print_report(p[0], "%s() must drop the device-TLB descriptors of fenced devices (intel_ats_drop_fenced())" % submit)

@batcher exists@
identifier fn;
position p;
@@
fn(...)
{
... when != iommu_ats_fenced(...)
(
 qi_batch_add_dev_iotlb@p(...)
|
 qi_batch_add_pasid_dev_iotlb@p(...)
)
...
}

@script:python depends on report@
p << batcher.p;
fn << batcher.fn;
@@
coccilib.report.print_report(p[0], "%s batches a device-TLB invalidation without checking iommu_ats_fenced()" % fn)
