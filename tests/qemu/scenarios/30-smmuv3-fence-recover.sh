# SPDX-License-Identifier: GPL-2.0
# machines: smmuv3
# The SMMUv3 fence op and the recovery on their own, on the emulator's
# SMMUv3 (ATS enabled; 40-stuck-under-io has the model's own timeout):
# - a reported timeout runs the SMMUv3 fence op (STE update, CFGI_STE and
#   CMD_SYNC completed by the model: the fence event's ret=0), policy
#   manual holds the disk fenced while untranslated DMA through the STE
#   goes on (the fence blocks only translated requests);
# - a sysfs reset unfences it; then, policy auto, the recovery through the
#   PCI path: virtio-pci's error handlers quiesce the disk, the function
#   is reset, they restart it in place (no unbind); the state back to ok
#   and a pattern written before the timeout intact.
. /tests/lib.sh

T=/sys/kernel/tracing
blk=$(virtio_blk_bdf)
[ -n "$blk" ] || fail "no virtio-blk function"
[ "$(ats_state "$blk")" = enabled ] || fail "$blk: ATS is $(ats_state "$blk"), expected enabled"
[ "$(ats_attr "$blk" state)" = ok ] || fail "$blk: state $(ats_attr "$blk" state) at start"
fences=$(ats_attr "$blk" fences)
recoveries=$(ats_attr "$blk" recoveries)

dd if=/dev/urandom of=/tmp/pattern bs=64k count=16 2>/dev/null
dd if=/tmp/pattern of=/dev/vda bs=64k seek=64 conv=fsync 2>/dev/null || fail "write to /dev/vda"
want=$(md5sum < /tmp/pattern | cut -d' ' -f1)

echo 0 > $T/tracing_on
echo > $T/trace
echo 1 > $T/events/iommu_ats/enable
echo 1 > $T/tracing_on

# Held fenced: the op ran and completed on the model; plain DMA goes on.
hold_fenced "$blk"
fence_line=$(grep -m1 "iommu_ats_fence: device=$blk " $T/trace) ||
	fail "no iommu_ats_fence event for $blk"
case "$fence_line" in
*" ret=0 "*) ;;
*) fail "the SMMUv3 fence did not complete: $fence_line" ;;
esac
[ "$(ats_attr "$blk" fences)" = $((fences + 1)) ] || fail "fences did not go up by one"
echo 3 > /proc/sys/vm/drop_caches
got=$(dd if=/dev/vda bs=64k skip=64 count=16 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "read while fenced: md5 $got, wrote $want"
info "fenced: ${fence_line#*iommu_ats_fence: }; untranslated reads go on (md5 intact)"

# A reset of the function unfences it (the reset is wrapped in fence/unfence).
echo 1 > "/sys/bus/pci/devices/$blk/reset" || fail "sysfs reset of $blk failed"
wait_state "$blk" ok 10
info "sysfs reset: unfenced"

# Recovery through the PCI path.
echo auto > "/sys/bus/pci/devices/$blk/ats_recovery/policy"
mark_recovery "$blk"
report "$blk"
wait_state "$blk" ok 60
wait_recovery_ended "$blk"
echo 0 > $T/tracing_on
# Two fences, two unfences (recoveries): the sysfs reset's and this one.
[ "$(ats_attr "$blk" recoveries)" = $((recoveries + 2)) ] || fail "recoveries did not go up by two"
[ "$(ats_attr "$blk" fences)" = $((fences + 2)) ] || fail "fences did not go up by two"
dmesg_has "$blk: recovery: reset and resumed by its driver" ||
	fail "$blk was not recovered through virtio-pci's error handlers"
unfences=$(grep -c "iommu_ats_unfence: device=$blk ret=0" $T/trace || true)
[ "$unfences" = 2 ] || fail "$unfences successful unfences in the trace, want 2 (the sysfs reset's and the recovery's)"
[ "$(driver_of "$blk")" = virtio-pci ] || fail "$blk is bound to '$(driver_of "$blk")' after the recovery"
got=$(vda_pattern_md5) || fail "/dev/vda did not come back"
[ "$got" = "$want" ] || fail "read back md5 $got, wrote $want: data lost"
info "recovered in place through virtio-pci's handlers, unfenced; state ok; read back md5 $got: data intact"
