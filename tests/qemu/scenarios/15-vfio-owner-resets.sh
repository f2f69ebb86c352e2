# SPDX-License-Identifier: GPL-2.0
# machines: vtd:2000 vtd-sm:2000
# timeout: 240
# A function whose DMA userspace owns is not reset behind its owner. A
# minimal VMM (/tests/bin/vfio-owner, tests/qemu/guest/vfio-owner.c) owns
# the virtio-rng through vfio-pci's device cdev and iommufd, with a buffer
# mapped in its IOAS and its error eventfd armed. The function stops
# answering ATS invalidations (QMP); the VMM's unmap makes the IOMMU
# invalidate its ATC and the model times out (T ms). Then: the function is
# fenced and ISOLATED, the VMM's error eventfd fires, nobody resets the
# function but its owner; unmaps while isolated send it no ATC
# invalidation and return; the owner's VFIO_DEVICE_RESET unfences it, ATS
# is back, and a map and unmap afterwards fence nothing. From QEMU's trace
# (model-*): the model timed out on the function, no ATS invalidation
# reached it from its fence until its reset, the reset was the owner's.
. /tests/lib.sh

rng=$(pci_devices_with 0x1af4:0x1044 | head -n 1)
[ -n "$rng" ] || fail "no virtio-rng function"
A=/sys/bus/pci/devices/$rng/ats_recovery
b=${rng#0000:}
d=${b#*:}
sid=$(printf %x $(( (0x${b%%:*} << 8) | (0x${d%%.*} << 3) | ${d#*.} )))

# Hand the function to vfio-pci
echo vfio-pci > "/sys/bus/pci/devices/$rng/driver_override"
[ "$(driver_of "$rng")" = - ] || echo "$rng" > "/sys/bus/pci/devices/$rng/driver/unbind"
echo "$rng" > /sys/bus/pci/drivers_probe
[ "$(driver_of "$rng")" = vfio-pci ] || fail "vfio-pci did not bind to $rng"

# The owner reads its commands from a FIFO and answers a line each
mkfifo /tmp/vfio.cmd
/tests/bin/vfio-owner "$rng" < /tmp/vfio.cmd > /tmp/vfio.out 2>&1 &
owner_pid=$!
exec 3> /tmp/vfio.cmd
trap 'echo exit >&3 2>/dev/null; echo "# qemu-trace-end owner" > /dev/console' EXIT

# owner_answer N SECONDS: line N of the owner's output, once it is there
owner_answer() {
	local i=0
	while [ "$(wc -l < /tmp/vfio.out)" -lt "$1" ] && [ $i -lt $(($2 * 10)) ]; do
		kill -0 $owner_pid 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	sed -n "${1}p" /tmp/vfio.out
}
# owner CMD [SECONDS]: sends CMD, fails the scenario unless it answers "ok"
owner() {
	local n ans
	n=$(( $(wc -l < /tmp/vfio.out) + 1 ))
	echo "$1" >&3
	ans=$(owner_answer $n "${2:-30}")
	[ "$ans" = "ok $1" ] || fail "vfio-owner '$1': ${ans:-no answer in ${2:-30} s} ($(cat /tmp/vfio.out | tr '\n' '|'))"
}
ans=$(owner_answer 1 30)
case "$ans" in
"ok ready"*) ;;
*) fail "vfio-owner did not start: ${ans:-nothing} ($(cat /tmp/vfio.out | tr '\n' '|'))" ;;
esac
[ "$(ats_state "$rng")" = enabled ] || fail "ATS is $(ats_state "$rng") on $rng in its owner's IOAS"
[ "$(ats_attr "$rng" state)" = ok ] || fail "$rng: state $(ats_attr "$rng" state) at start"
owner unmap
owner map
fences=$(ats_attr "$rng" fences)
resets=$(ats_attr "$rng" resets)
info "$rng (SID $sid) owned by vfio-owner: ATS enabled, a healthy unmap fenced nothing"

echo "# qemu-trace-check owner 15-vfio-owner-resets/model-timeout-reported 1 vtd_inv_qi_ite[[:space:]].*sid[[:space:]]0x0*$sid" > /dev/console
echo "# qemu-trace-check owner 15-vfio-owner-resets/model-owner-reset 1 pcie_ats_inv_reset[[:space:]]rng0" > /dev/console
echo "# qemu-trace-none owner 15-vfio-owner-resets/model-no-atc-inv-while-fenced vtd_inv_desc_cc_devices[[:space:]]context[[:space:]]invalidate[[:space:]]devices[[:space:]]sid[[:space:]]0x$sid[[:space:]] pcie_ats_inv_unanswered[[:space:]]rng0 pcie_ats_inv_reset[[:space:]]rng0" > /dev/console
echo "# qemu-trace-begin owner" > /dev/console
ats_stuck rng0 on
# The unmap's ATC invalidation is the one the function never answers: the
# unmap still returns, once the IOMMU timed out and the fence is in
owner unmap $((ATSTEST_HW_TIMEOUT_MS / 1000 + 60))
[ "$(ats_attr "$rng" fences)" = $((fences + 1)) ] ||
	fail "$rng: fences $fences -> $(ats_attr "$rng" fences) after the stuck unmap, expected one more"
owner "wait-error 30"
info "the owner's error eventfd fired"
wait_state "$rng" isolated 30
dmesg_has "$rng: recovery: the function's DMA is owned by userspace" ||
	fail "no 'owned by userspace' message from the recovery"
dmesg_has "$rng: ATS recovery is its owner's" ||
	fail "the layer did not say the recovery is the owner's"
[ "$(ats_attr "$rng" resets)" = "$resets" ] || fail "$rng was reset behind its owner"
[ "$(driver_of "$rng")" = vfio-pci ] || fail "$rng is bound to $(driver_of "$rng") now, not to its owner's vfio-pci"
info "fenced and isolated, not reset, still its owner's (ATS control: $(ats_state "$rng"))"

# Isolated: the owner's map and unmap go on, without ATC invalidations
owner map
owner unmap 20
sleep 2
[ "$(ats_attr "$rng" state)" = isolated ] || fail "$rng: state $(ats_attr "$rng" state) before its owner reset it"

owner reset 30
wait_state "$rng" ok 10
[ "$(ats_attr "$rng" resets)" -gt "$resets" ] || fail "the owner's reset of $rng was not counted"
[ "$(ats_state "$rng")" = enabled ] || fail "ATS is $(ats_state "$rng") after the owner's reset"
echo "# qemu-trace-end owner" > /dev/console
owner map
owner unmap
[ "$(ats_attr "$rng" fences)" = $((fences + 1)) ] ||
	fail "$rng fenced again after its owner's reset ($(ats_attr "$rng" fences) fences)"
info "the owner's VFIO_DEVICE_RESET: isolated -> ok, ATS enabled, map and unmap answered"

owner exit
exec 3>&-
wait $owner_pid
trap - EXIT
echo > "/sys/bus/pci/devices/$rng/driver_override"
echo "$rng" > "/sys/bus/pci/devices/$rng/driver/unbind"
echo "$rng" > /sys/bus/pci/drivers_probe
