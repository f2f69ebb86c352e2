# SPDX-License-Identifier: GPL-2.0
# machines: smmuv3:500 smmuv3:5000
# timeout: 240
# The SMMUv3 model's own ATS invalidation timeout, reached on a path Linux
# 6.12 does take (40-stuck-under-io shows it takes none during I/O): the
# culprit disk is made stuck through QMP, removed and found again by a
# rescan; the attach that follows enables ATS and sends it a CMD_ATC_INV
# (arm_smmu_enable_ats()), whose CMD_SYNC the model holds until its own
# timeout T, then reports CERROR_ATC_INV_SYNC. From the guest: the culprit
# is fenced, and only it, by a fence whose commands completed on the SMMU;
# the kernel log names it. From QEMU's trace (the
# host checks it): the model's CERROR_ATC_INV_SYNC for the culprit's
# StreamID and GERRORN's acknowledgement.
. /tests/lib.sh

blks=$(pci_devices_with 0x1af4:0x1042)
culprit=$(echo "$blks" | sed -n 1p)
bystander=$(echo "$blks" | sed -n 2p)
[ -n "$bystander" ] || fail "two virtio-blk functions expected: $blks"
[ "$(ats_state "$culprit")" = enabled ] || fail "$culprit: ATS is $(ats_state "$culprit")"
b=${culprit#0000:}
d=${b#*:}
sidx=$(printf %x $(( (0x${b%%:*} << 8) | (0x${d%%.*} << 3) | ${d#*.} )))
bfences=$(ats_attr "$bystander" fences)
info "culprit $culprit (StreamID 0x$sidx), bystander $bystander, SMMU timeout $ATSTEST_HW_TIMEOUT_MS ms"

echo "# qemu-trace-check attach 41-smmuv3-stuck-at-attach/model-cerror-atc-inv-sync 1 smmuv3_cmdq_cerror_atc_inv_sync.*first[[:space:]]sid=0x$sidx;" > /dev/console
echo "# qemu-trace-check attach 41-smmuv3-stuck-at-attach/model-gerrorn-ack 1 smmuv3_cmdq_err_ack" > /dev/console
trap 'echo "# qemu-trace-end attach" > /dev/console' EXIT
echo "# qemu-trace-begin attach" > /dev/console
# Removed while it answers (on 7.3 the removal's own unmaps send it ATC
# invalidations), stuck while it is gone: the first ATC invalidation it
# does not answer is the attach's of the rescan
echo 1 > "/sys/bus/pci/devices/$culprit/remove"
ats_stuck ats0 on
echo 1 > /sys/bus/pci/rescan
t0=$(date +%s)
end=$((t0 + ATSTEST_HW_TIMEOUT_MS / 1000 + 30))
while [ "$(date +%s)" -lt $end ]; do
	[ -e "/sys/bus/pci/devices/$culprit/ats_recovery/fences" ] &&
		[ "$(cat "/sys/bus/pci/devices/$culprit/ats_recovery/fences")" != 0 ] && break
	sleep 0.2
done
echo "# qemu-trace-end attach" > /dev/console
dmesg | grep -E "arm-smmu-v3|$culprit" | grep -iE "ATC|CMDQ|timeout|fence" | tail -n 8 | sed 's/^/kernel: /'
[ -e "/sys/bus/pci/devices/$culprit/ats_recovery/fences" ] || fail "$culprit did not come back after the rescan"
[ "$(cat "/sys/bus/pci/devices/$culprit/ats_recovery/fences")" != 0 ] ||
	fail "$culprit was not fenced $(( $(date +%s) - t0 )) s after its CMD_ATC_INV went unanswered"
info "$culprit fenced $(( $(date +%s) - t0 )) s after the rescan ($(ats_attr "$culprit" last_reason))"
# A fence whose CFGI_STE and CMD_SYNC did not complete is no fence
if dmesg | grep -q "$culprit: ATC invalidation timeout: the IOMMU driver could not block"; then
	fail "the fence's own commands did not complete on the SMMU ($(dmesg | grep -o "could not block translated requests ([^)]*)" | tail -n 1)), yet the function is reported fenced"
fi
[ "$(ats_attr "$bystander" fences)" = "$bfences" ] ||
	fail "the bystander $bystander was fenced too ($(ats_attr "$bystander" last_reason))"
