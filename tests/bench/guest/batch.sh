# SPDX-License-Identifier: GPL-2.0
# SMMUv3 commands per unmap, base and patched kernels: the IOMMU groups of
# the first N of the machine's ATS virtio-rng functions (smmuv3-batch) in
# one domain (the atc_batch module; whole groups, so N is rounded up to
# them), ATSTEST_UNMAPS unmaps for each N of ATSTEST_BATCHES. The host
# counts the commands QEMU's SMMU consumed (its trace, smmuv3_cmdq_opcode)
# between the "cmdq-begin" and "cmdq-end" lines; the sleeps around them
# keep the console and the trace of one window apart.
. /tests/lib.sh

devs=$(pci_devices_with 0x1af4:0x1044)
total=$(echo "$devs" | wc -w)
[ "$total" -gt 0 ] || fail "no ATS virtio-rng function"
for d in $devs; do
	[ "$(driver_of "$d")" = - ] || echo "$d" > "/sys/bus/pci/devices/$d/driver/unbind"
done
insmod /lib/modules/$ATSTEST_KERNEL/atc_batch.ko || fail "insmod atc_batch"
C=/sys/kernel/debug/atc_batch/cmd
k=${ATSTEST_UNMAPS:-20}
for n in $(echo "${ATSTEST_BATCHES:-1,2,8,64,200}" | tr ',' ' '); do
	[ "$n" -le "$total" ] || { echo "BENCH cmdqskip kernel=$ATSTEST_KERNEL n=$n functions=$total"; continue; }
	echo "attach $(echo "$devs" | head -n "$n" | tr '\n' ' ')" > $C || fail "atc_batch: attach $n: $(cat $C)"
	got=$(cat $C)
	ats=$(ats_state "$(echo "$devs" | head -n 1)")
	sleep 1
	echo "BENCH cmdq-begin kernel=$ATSTEST_KERNEL n=$n"
	sleep 1
	echo "unmaps $k" > $C || fail "atc_batch: unmaps: $(cat $C)"
	sleep 1
	echo "BENCH cmdq-end kernel=$ATSTEST_KERNEL n=$n ats=$ats $got $(cat $C)"
	sleep 1
	echo detach > $C
done
