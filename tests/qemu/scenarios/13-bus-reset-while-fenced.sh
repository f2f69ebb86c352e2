# SPDX-License-Identifier: GPL-2.0
# machines: vtd
# A secondary bus reset while a function is fenced (policy manual holds it
# fenced): every function below the bridge goes through the reset fenced
# and comes out unfenced, with ATS enabled and one more reset counted.
. /tests/lib.sh

rng=$(pci_devices_with 0x1af4:0x1044 | head -n 1)
bind_errtest "$rng"
hold_fenced "$rng"
[ -z "$(errtest_events)" ] || fail "policy manual still called the driver: $(errtest_events)"

bridge=$(basename "$(readlink -f "/sys/bus/pci/devices/$rng/..")")
below=$(ls -d /sys/bus/pci/devices/$bridge/0000:*:*.? | xargs -n1 basename)
for d in $below; do eval "resets_$(echo $d | tr ':.' '__')=$(ats_attr $d resets)"; done

methods=$(cat "/sys/bus/pci/devices/$rng/reset_method")
echo bus > "/sys/bus/pci/devices/$rng/reset_method" || fail "no bus reset method for $rng"
rc=0
echo 1 > "/sys/bus/pci/devices/$rng/reset" || rc=1
echo "$methods" > "/sys/bus/pci/devices/$rng/reset_method"
[ $rc -eq 0 ] || fail "the bus reset failed"
for d in $below; do
	wait_state "$d" ok 10
	before=$(eval echo "\$resets_$(echo $d | tr ':.' '__')")
	[ "$(ats_attr "$d" resets)" -gt "$before" ] || fail "$d: no reset counted"
	[ "$(ats_state "$d")" = enabled ] || fail "$d: ATS is $(ats_state "$d") after the bus reset"
	info "$d below $bridge: state ok, ATS enabled, resets $(ats_attr "$d" resets)"
done
echo auto > "/sys/bus/pci/devices/$rng/ats_recovery/policy"
