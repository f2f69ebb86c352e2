#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh: the main job, told for someone who has never seen the project.
# Builds the x86_64 kernel, boots q35 + intel-iommu under QEMU, and shows a
# device that stops answering device-TLB (ATC) invalidations being fenced,
# recovered through its driver and unfenced, with where each fact comes
# from: the guest kernel's sysfs and config space, its tracepoints, its log.
. "$(dirname "$0")/lib.sh"

make -s -C "$TOP" x86_64
"$TOP/workspace/qemu.sh"
log=$BUILD/qemu/vtd/console.log
out=$BUILD/qemu/vtd/demo.out
mkdir -p "$(dirname "$out")"
say "booting q35 + intel-iommu (queued invalidation, device-IOTLB) with a virtio disk and a second virtio function, both with ATS, under QEMU/TCG"
RESULTS= "$TOP/tests/qemu/run.sh" vtd 00-iommu-active 10-recover-with-error-handlers \
	20-vtd-inject-under-io > "$out" 2>&1 || true

scen() { grep -E "^    # $1" "$out" | sed 's/^    # /    /'; }
klog() { tr -d '\r' < "$log" | grep -E "$1" | sed 's/^/    /' | head -n "${2:-5}"; }

cat <<'EOF'

1. The device and its ATS state (guest sysfs; the ATS control enable bit read from
   PCI config space):
EOF
scen 'BDF|0000:0[12]:00.0 0x'
scen 'read of /dev/vda'

cat <<'EOF'

2. A timeout, injected where VT-d itself detects one (qi_submit_sync(), as if the
   hardware had raised ITE with the disk's SID), while writes to the disk run
   (guest kernel log):
EOF
klog 'armed|simulating Invalidation Time-out Error'

cat <<'EOF'

3. The fence, inside the failing flush (guest tracepoints iommu_ats:* and
   intel_iommu:qi_submit): the context entry loses its device-TLB bit, the context
   cache is invalidated, and no device-TLB invalidation reaches the disk until it
   is unfenced:
EOF
scen 'SID|fence:'

cat <<'EOF'

4. Recovery through the device's own driver. virtio-pci's error handlers quiesce
   the virtio disk, the function is reset with ATS fenced, they restart it in
   place: the same /dev/vda (guest kernel log):
EOF
klog '01:00.0: (recovery|ATS unfenced|ATC invalidation timeout \(injected\))' 6

cat <<'EOF'

   A driver with error handlers (tests/modules/ats_errtest on the second function)
   sees them in PCI error-recovery order (its debugfs log), then the unfence:
EOF
scen 'driver callbacks'
klog '02:00.0: (recovery|ATS unfenced)' 4

cat <<'EOF'

5. After: ATS enabled again, the data intact (guest config space, sysfs, md5 of
   what was written before the timeout):
EOF
scen 'writes went on|ATS enabled again'

echo
if grep -q '^FAIL' "$out"; then
	grep '^FAIL' "$out" | sed 's/^/    /'
	die "demo: a step failed (full console log: ${log#$TOP/})"
fi
say "demo: every step checked by the guest itself (full console log: ${log#$TOP/})"
