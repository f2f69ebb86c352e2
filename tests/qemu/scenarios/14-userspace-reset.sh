# SPDX-License-Identifier: GPL-2.0
# machines: vtd
# The userspace paths bring a fenced function back: a write to its sysfs
# reset file, and rmmod of its driver, an FLR, insmod. A rebind alone (no
# reset) does not unfence.
. /tests/lib.sh

rng=$(pci_devices_with 0x1af4:0x1044 | head -n 1)
bind_errtest "$rng"
hold_fenced "$rng"
echo 1 > "/sys/bus/pci/devices/$rng/reset" || fail "sysfs reset failed"
wait_state "$rng" ok 10
[ "$(ats_state "$rng")" = enabled ] || fail "ATS is $(ats_state "$rng") after the sysfs reset"
info "sysfs reset: fenced -> ok, ATS enabled"

hold_fenced "$rng"
rmmod ats_errtest || fail "rmmod ats_errtest"
insmod /lib/modules/ats_errtest.ko || fail "insmod ats_errtest"
echo "$rng" > /sys/bus/pci/drivers_probe
[ "$(driver_of "$rng")" = ats_errtest ] || fail "ats_errtest did not bind again"
[ "$(ats_attr "$rng" state)" = fenced ] || fail "a rebind without a reset unfenced $rng"
info "rmmod + insmod without a reset: still fenced"

rmmod ats_errtest
echo 1 > "/sys/bus/pci/devices/$rng/reset" || fail "FLR through sysfs failed"
wait_state "$rng" ok 10
insmod /lib/modules/ats_errtest.ko || fail "insmod ats_errtest"
echo "$rng" > /sys/bus/pci/drivers_probe
[ "$(driver_of "$rng")" = ats_errtest ] || fail "ats_errtest did not bind after the FLR"
[ "$(ats_state "$rng")" = enabled ] || fail "ATS is $(ats_state "$rng") after rmmod, FLR, insmod"
echo auto > "/sys/bus/pci/devices/$rng/ats_recovery/policy"
info "rmmod, FLR, insmod: fenced -> ok, ATS enabled, driver bound"
