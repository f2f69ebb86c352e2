# SPDX-License-Identifier: GPL-2.0
# machines: vtd:2000 vtd-sm:2000 amd:1000 smmuv3:500 vtd-layer-off:2000 vtd-sm-layer-off:2000 amd-layer-off:1000 smmuv3-layer-off:500
# timeout: 180
# What the fence is for. The emulator's pcie-ats-testdev (atc0) has a real
# ATC: it translates an IOVA through the IOMMU model (ATS Translation
# Request), keeps the answer, and writes memory with translated requests
# through what it keeps; the IOMMU model lets such a write through only if
# the function's entry allows it (VT-d context entry TT/DTE, AMD-Vi DTE.I,
# SMMUv3 STE.EATS). Its driver (tests/modules/ats_atc_test.c) maps a page,
# has the function translate and write it (the translated path works),
# then, with the function stuck (QMP x-ats-stuck: it answers no ATS
# Invalidate Request and keeps its ATC), unmaps the page: the IOMMU's
# invalidation of the function times out inside that unmap. The moment
# the unmap returns, the page gets a new owner's data and the function
# writes through its stale entry.
# With the layer: the function was fenced before the unmap returned, the
# model refused the write, the new owner's data is intact byte for byte;
# the recovery resets the function (which empties its ATC) and a fresh
# translation and write work again.
# MACHINE-layer-off (iommu.ats_recovery=off), the proof that this can
# fail: the same steps, and the stale write lands on the reused page.
# The driver holds the device lock from the unmap to the stale write, so
# the recovery's reset (which would empty the ATC) cannot come first.
. /tests/lib.sh

D=/sys/kernel/debug/ats_atc_test
atc=$(pci_devices_with 0x1b36:0x00a5)
[ -n "$atc" ] || fail "no pcie-ats-testdev (1b36:00a5) on this machine"
case "$ATSTEST_MACHINE" in
*-layer-off*) layer=off ;;
*) layer=on ;;
esac
insmod /lib/modules/ats_atc_test.ko || fail "insmod ats_atc_test"
[ "$(ats_state "$atc")" = enabled ] || fail "$atc: ATS is $(ats_state "$atc"), needs to be enabled"
if [ $layer = on ]; then
	[ "$(ats_attr "$atc" state)" = ok ] || fail "$atc: state $(ats_attr "$atc" state) at start"
	fences=$(ats_attr "$atc" fences)
	recoveries=$(ats_attr "$atc" recoveries)
fi
info "$atc (atc0, SID $(sid_of "$atc")), layer $layer, IOMMU timeout $ATSTEST_HW_TIMEOUT_MS ms"

# expect_result WANT: the driver's last result has every key=value of WANT
expect_result() {
	local r w
	r=$(cat $D/result)
	info "ats_atc_test: $r"
	for w in $1; do
		case " $r " in
		*" $w "*) ;;
		*) fail "ats_atc_test: expected $w in: $r" ;;
		esac
	done
}

trap 'echo "# qemu-trace-end stale" > /dev/console' EXIT
# What the host checks in QEMU's trace of the window (parse.sh)
model_trace_res "$atc"
S=42-stale-translated-write
written='pcie_ats_testdev_write[[:space:]]atc0:.*:[[:space:]]written$'
echo "# qemu-trace-check stale $S/model-timeout 1 $timeout_re" > /dev/console
if [ $layer = on ]; then
	echo "# qemu-trace-check stale $S/model-refused-stale-write 1 pcie_ats_testdev_write[[:space:]]atc0:.*refused[[:space:]]by[[:space:]]the[[:space:]]IOMMU" > /dev/console
	echo "# qemu-trace-check stale $S/model-refusal-traced 1 (vtd_ats_translated_refused|amdvi_translated_request_refused|smmuv3_ats_translated_refused)" > /dev/console
	echo "# qemu-trace-none stale $S/model-no-write-while-stale pcie_ats_inv_unanswered[[:space:]]atc0 $written pcie_ats_inv_reset[[:space:]]atc0" > /dev/console
	# One write before the fault, one through the fresh translation
	echo "# qemu-trace-check stale $S/model-writes-after-reset 2 $written" > /dev/console
else
	# One write before the fault, the stale one
	echo "# qemu-trace-check stale $S/model-stale-write-landed 2 $written" > /dev/console
fi
echo "# qemu-trace-begin stale" > /dev/console

echo map > $D/ctl || fail "map"
expect_result "ats=1 translate=done xlat-is-page=1 write=done bytes-not-written=0 entries=1"
ats_stuck atc0 on
t0=$(date +%s)
echo unmap > $D/ctl || fail "unmap"
info "the unmap took $(( $(date +%s) - t0 )) s"
if [ $layer = off ]; then
	# The proof that the scenario can fail: nothing stopped the function
	expect_result "fenced-at-return=0 stale-write=done bytes-changed=4096 entries=1"
	# Reset the function by hand, so the next boots's scenarios meet a
	# function that answers
	echo 1 > /sys/bus/pci/devices/$atc/reset || fail "reset $atc"
	echo map > $D/ctl || fail "map after the reset"
	expect_result "translate=done write=done bytes-not-written=0"
	exit 0
fi
expect_result "fenced-at-return=1 stale-write=refused bytes-changed=0 entries=1"
[ "$(ats_attr "$atc" fences)" = $((fences + 1)) ] ||
	fail "$atc: fences $(ats_attr "$atc" fences), expected $((fences + 1))"
wait_state "$atc" ok 30
[ "$(ats_attr "$atc" recoveries)" = $((recoveries + 1)) ] ||
	fail "$atc: recoveries $(ats_attr "$atc" recoveries), expected $((recoveries + 1))"
[ "$(ats_state "$atc")" = enabled ] || fail "ATS is $(ats_state "$atc") on $atc after the recovery"
echo map > $D/ctl || fail "map after the recovery"
expect_result "ats=1 translate=done xlat-is-page=1 write=done bytes-not-written=0 entries=1"
info "$atc: fenced before the unmap returned, the stale write refused, the reused page intact; recovered, translates and writes again"
