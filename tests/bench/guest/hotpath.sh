# SPDX-License-Identifier: GPL-2.0
# The cost of the fence checks of the invalidation path, patched kernel,
# layer off and on: the ats_bench module times loops of iommu_ats_fenced()
# (every device-TLB invalidation) and iommu_ats_some_fenced() (every VT-d
# queued-invalidation submission) against an empty loop, in TSC ticks. The
# host boots this under QEMU -icount shift=0, where the guest's TSC counts
# executed instructions: the figures are instructions per call.
. /tests/lib.sh

C=/sys/kernel/debug/ats_bench/cmd
insmod /lib/modules/$ATSTEST_KERNEL/ats_bench.ko || fail "insmod ats_bench"
dev=$(pci_devices_with "$ATSTEST_ATS_DEV" | head -n 1)
[ -n "$dev" ] || fail "no ATS function $ATSTEST_ATS_DEV"
echo "devices $dev" > $C
echo hotpath > $C || fail "ats_bench hotpath failed"
echo "BENCH hotpath dev=$dev ats=$(ats_state "$dev") icount=${ATSTEST_ICOUNT:-0} $(cat $C)"
