// SPDX-License-Identifier: GPL-2.0
/// Invariant 2 (Documentation/iommu/ats-recovery.rst): the fence path runs
/// with interrupts off under a raw spinlock. Nothing in an iommu_ops
/// .ats_fence op, in the functions it calls directly, or in the layer's
/// report path may allocate with GFP_KERNEL, take a mutex, sleep or wait.
// dirs: drivers/iommu
// Options: --no-includes --include-headers
virtual report

@ops@
identifier I, F;
@@
struct iommu_ops I = { ..., .ats_fence = F, ... };

// The op usually lives in another file than the ops table: fence ops are
// also recognised by name (the convention: *_ats_fence).
@named@
identifier F =~ "_ats_fence$";
@@
F(...) { ... }

@callee_ops@
identifier ops.F, G;
@@
F(...) { <... G(...) ...> }

@callee_named@
identifier named.F, G;
@@
F(...) { <... G(...) ...> }

@bad@
identifier fn = {ops.F, named.F, callee_ops.G, callee_named.G,
		 __iommu_ats_report, iommu_ats_report_timeout, iommu_ats_hw_fence,
		 iommu_ats_refence, iommu_ats_isolate};
position p;
expression list es;
@@
fn(...) {
<+...
(
 mutex_lock@p(...)
|
 mutex_lock_interruptible@p(...)
|
 down@p(...)
|
 msleep@p(...)
|
 usleep_range@p(...)
|
 schedule@p()
|
 might_sleep@p()
|
 wait_for_completion@p(...)
|
 wait_event@p(...)
|
 flush_work@p(...)
|
 cancel_work_sync@p(...)
|
 kmalloc@p(es, GFP_KERNEL)
|
 kzalloc@p(es, GFP_KERNEL)
|
 kcalloc@p(es, GFP_KERNEL)
|
 vmalloc@p(...)
)
...+>
}

@script:python depends on report@
p << bad.p;
fn << bad.fn;
@@
coccilib.report.print_report(p[0], "%s is on the ATS fence path (interrupts off, raw spinlock): no sleeping, no mutex, no GFP_KERNEL" % fn)
