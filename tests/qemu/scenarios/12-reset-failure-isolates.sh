# SPDX-License-Identifier: GPL-2.0
# machines: vtd
# The reset of the recovery fails (injected through debugfs fail_reset):
# the function is ISOLATED, its driver saw error_detected (frozen) and then
# was told the function is lost (error_detected perm_failure), ATS stays
# off on the device, and the kernel log says what the admin can do. A later
# good reset through sysfs unfences it and ATS comes back.
. /tests/lib.sh

rng=$(pci_devices_with 0x1af4:0x1044 | head -n 1)
bind_errtest "$rng"
failed=$(ats_attr "$rng" failed_resets)
echo "$rng 1" > $ATS_DEBUGFS/fail_reset

report "$rng"
wait_state "$rng" isolated
ev=$(errtest_events)
[ "$ev" = "error_detected:frozen error_detected:perm_failure" ] ||
	fail "callbacks were '$ev', expected error_detected:frozen error_detected:perm_failure (no slot_reset, no resume)"
[ "$(ats_attr "$rng" failed_resets)" = $((failed + 1)) ] || fail "failed_resets did not go up by one"
[ "$(ats_state "$rng")" = disabled ] || fail "$rng: ATS is $(ats_state "$rng") while isolated"
dmesg_has "$rng: reset failed (-5): the device stays blocked to protect memory" ||
	fail "no 'reset failed' line in the kernel log"
info "isolated after the failed reset: ATS disabled, driver saw: $ev"

# Reports while isolated collapse: no second recovery.
report "$rng"
sleep 0.5
[ "$(ats_attr "$rng" state)" = isolated ] || fail "a report changed the isolated state"
[ "$(errtest_events)" = "$ev" ] || fail "a report while isolated ran the recovery again"

echo 1 > "/sys/bus/pci/devices/$rng/reset" || fail "sysfs reset failed"
wait_state "$rng" ok 10
[ "$(ats_state "$rng")" = enabled ] || fail "$rng: ATS is $(ats_state "$rng") after the good reset"
info "a good sysfs reset unfenced $rng: ATS enabled"
