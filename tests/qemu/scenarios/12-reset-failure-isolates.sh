# SPDX-License-Identifier: GPL-2.0
# machines: vtd
# The reset of the recovery fails (injected through debugfs fail_reset):
# the function is ISOLATED, its driver saw error_detected (frozen) and then
# was told the function is lost (error_detected perm_failure), ATS stays
# off on the device, and the kernel log says what the admin can do; its
# group refuses a domain change. A later good reset through sysfs
# unfences it and ATS comes back.
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

# The block is sticky (core-pci.md #5): no attach gives an isolated
# function its DMA back. With no driver bound, a change of the group's
# default domain is the attach anyone may ask for; upstream refuses it
# during a reset (recovery_cnt), and after a failed one it must go on
# refusing it.
grp=/sys/bus/pci/devices/$rng/iommu_group
gtype=$(cat "$grp/type")
echo "$rng" > "/sys/bus/pci/devices/$rng/driver/unbind"
if echo identity > "$grp/type" 2>/tmp/type.err; then
	fail "the group of the isolated $rng changed its domain to $(cat "$grp/type"): its DMA is no longer blocked"
fi
grep -qi busy /tmp/type.err ||
	fail "the domain change was refused for another reason than the block: $(cat /tmp/type.err)"
[ "$(cat "$grp/type")" = "$gtype" ] || fail "group type $gtype -> $(cat "$grp/type")"
[ "$(ats_attr "$rng" state)" = isolated ] || fail "$rng: state $(ats_attr "$rng" state) after the refused attach"
info "isolated: a domain change of its group is refused ($(sed 's/.*: //' /tmp/type.err)), type still $gtype"
echo "$rng" > /sys/bus/pci/drivers_probe
[ "$(driver_of "$rng")" = ats_errtest ] || fail "ats_errtest did not bind again"

echo 1 > "/sys/bus/pci/devices/$rng/reset" || fail "sysfs reset failed"
wait_state "$rng" ok 10
[ "$(ats_state "$rng")" = enabled ] || fail "$rng: ATS is $(ats_state "$rng") after the good reset"
info "a good sysfs reset unfenced $rng: ATS enabled"
