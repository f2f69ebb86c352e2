# SPDX-License-Identifier: GPL-2.0
# machines: 
# Off on 7.3: the 6.12 scenario, whose debugfs dump of the device table entries is gone; 40-stuck-under-io checks the AMD-Vi fence through the model's oracle.
# The AMD-Vi fence op on its own, on the emulator's amd-iommu: the timeout
# is reported through the layer's debugfs report file for the virtio-rng
# function (ATS enabled; 40-stuck-under-io has the model's own timeout).
# From the kernel's own state: the
# AMD ats_fence op rewrote the device table entry (I = 0, the blocked
# translation fields, interrupt remapping kept) and the model processed
# its CMD_INV_DEV_ENTRY and completion wait (QEMU's own trace, checked by
# the host: qemu-trace-* lines); the disk on the same IOMMU still reads
# back what the host wrote; a good reset gives the entry back; the
# recovery through the PCI error handlers (ats_errtest) resets and
# unfences the function and the entry is restored again.
. /tests/lib.sh

T=/sys/kernel/tracing
D=/sys/kernel/debug/iommu/amd_ats_dte
rng=$(pci_devices_with 0x1af4:0x1044 | head -n 1)
[ -n "$rng" ] || fail "no virtio-rng function"
[ -f "$D" ] || fail "no $D: the AMD ATS fence is not built in"
[ "$(ats_state "$rng")" = enabled ] || fail "$rng: ATS is $(ats_state "$rng"), expected enabled"

# dte N: qword N of the device table entry of $rng
dte() { grep "^$rng " $D | cut -d' ' -f$(($1 + 2)); }
# decode D0 D1: the fields of the entry the fence and the attach change
decode() {
	local d0=$((0x$1)) d1=$((0x$2))
	echo "V=$((d0 & 1)) TV=$(((d0 >> 1) & 1)) mode=$(((d0 >> 9) & 7)) IR=$(((d0 >> 61) & 1)) IW=$(((d0 >> 62) & 1)) I=$(((d1 >> 32) & 1)) domid=$((d1 & 0xffff))"
}
before0=$(dte 0); before1=$(dte 1); before2=$(dte 2)
[ -n "$before0" ] || fail "$rng has no entry in $D"
before=$(decode "$before0" "$before1")
info "$rng DTE before: $before0 $before1 $before2 ($before)"
case "$before" in
"V=1 TV=1 mode=0 "*) fail "$rng is not translated before the test: $before" ;;
"V=1 TV=1 mode="*" IR=1 IW=1 I=1 "*) ;;
*) fail "$rng: unexpected entry before the test: $before" ;;
esac

bind_errtest "$rng"
echo 0 > $T/tracing_on
echo > $T/trace
echo 1 > $T/events/iommu_ats/enable
echo 1 > $T/tracing_on

# Policy manual holds it fenced, to look at the entry. The host counts
# QEMU's trace lines between the two markers.
b=${rng#0000:}
echo "# qemu-trace-begin 30-amd-fence" > /dev/console
hold_fenced "$rng"
echo "# qemu-trace-end 30-amd-fence" > /dev/console
echo "# qemu-trace-check 30-amd-fence 30-amd-fence-report/model-inv-dev-entry 1 amdvi_devtab_inval.*$b" > /dev/console
echo "# qemu-trace-check 30-amd-fence 30-amd-fence-report/model-completion-wait 1 amdvi_completion_wait" > /dev/console
fenced=$(decode "$(dte 0)" "$(dte 1)")
info "$rng DTE fenced: $(dte 0) $(dte 1) $(dte 2) ($fenced)"
[ "$(dte 0)" = 0000000000000003 ] || fail "fenced entry's first qword is $(dte 0), expected V|TV only (blocked)"
case "$fenced" in
*" I=0 domid=$((0x$before1 & 0xffff))") ;;
*) fail "fenced entry: $fenced (expected I=0 and the domain ID kept)" ;;
esac
[ "$(dte 2)" = "$before2" ] || fail "the fence changed the interrupt remapping qword: $(dte 2), was $before2"

line=$(grep "iommu_ats_fence: device=$rng " $T/trace | tail -n 1)
echo "$line" | grep -q ' ret=0 ' || fail "no successful iommu_ats_fence event for $rng: '$line'"
ns=$(echo "$line" | sed 's/.*fence_ns=\([0-9]*\).*/\1/')
info "fence: ret=0 in $ns ns (trace): entry written, INV_DEV_ENTRY and completion wait done"

# The other device on this IOMMU (the disk, translated) is not disturbed.
echo 3 > /proc/sys/vm/drop_caches
sum=$(md5sum /dev/vda | cut -d' ' -f1)
[ "$sum" = "$ATSTEST_DISK_MD5" ] || fail "disk read while $rng is fenced: md5 $sum, expected $ATSTEST_DISK_MD5"
info "disk read through the IOMMU while $rng is fenced: md5 as written by the host"

# A good reset unfences: the fresh attach writes the entry back.
echo 1 > "/sys/bus/pci/devices/$rng/reset" || fail "sysfs reset failed"
wait_state "$rng" ok 10
after=$(decode "$(dte 0)" "$(dte 1)")
info "$rng DTE after the reset: $(dte 0) $(dte 1) ($after)"
[ "$after" = "$before" ] || fail "entry after the reset: $after, expected $before"
[ "$(dte 0)" = "$before0" ] || fail "page table root/mode not restored: $(dte 0), was $before0"

# Auto policy: the recovery through the driver's error handlers.
echo auto > "/sys/bus/pci/devices/$rng/ats_recovery/policy"
echo clear > /sys/kernel/debug/ats_errtest/events
recoveries=$(ats_attr "$rng" recoveries)
unfence_msg="$rng: ATS unfenced after a successful reset"
unfences=$(dmesg | grep -cF "$unfence_msg" || true)
report "$rng"
wait_state "$rng" ok 30
ev=$(errtest_events)
[ "$ev" = "error_detected:frozen slot_reset resume" ] ||
	fail "callbacks were '$ev', expected 'error_detected:frozen slot_reset resume'"
[ "$(ats_attr "$rng" recoveries)" = $((recoveries + 1)) ] || fail "recoveries did not go up by one"
# The sysfs reset above logged one already: this recovery must add one.
[ "$(dmesg | grep -cF "$unfence_msg" || true)" = $((unfences + 1)) ] ||
	fail "no new unfence line in the kernel log after the recovery"
[ "$(decode "$(dte 0)" "$(dte 1)")" = "$before" ] || fail "entry after the recovery: $(decode "$(dte 0)" "$(dte 1)")"
[ "$(dte 0)" = "$before0" ] || fail "page table root/mode not restored by the recovery: $(dte 0), was $before0"
info "recovered through the driver ($ev); DTE restored: $(dte 0) $(dte 1)"
echo 0 > $T/events/iommu_ats/enable
n=$(grep -c "iommu_ats_fence: device=$rng ret=0 " $T/trace || true)
[ "$n" -eq 2 ] || fail "$n successful fences of $rng in the trace, expected 2 (manual, then auto)"
info "fence durations (trace fence_ns): $(grep "iommu_ats_fence: device=$rng " $T/trace |
	sed 's/.*fence_ns=\([0-9]*\).*/\1/' | tr '\n' ' ')"
