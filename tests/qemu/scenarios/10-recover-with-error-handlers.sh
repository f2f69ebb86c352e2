# SPDX-License-Identifier: GPL-2.0
# machines: vtd
# A timeout reported for a function whose driver has error handlers
# (tests/modules/ats_errtest bound to the second virtio function): the
# layer fences it, its driver sees error_detected(frozen), the function is
# reset with ATS fenced, then slot_reset and resume, in that order; the
# reset unfences it and ATS is enabled on the device again.
. /tests/lib.sh

rng=$(pci_devices_with 0x1af4:0x1044 | head -n 1)
[ -n "$rng" ] || fail "no virtio-rng function"
bind_errtest "$rng"
[ "$(ats_state "$rng")" = enabled ] || fail "$rng: ATS is not enabled before the test"
fences=$(ats_attr "$rng" fences)
recoveries=$(ats_attr "$rng" recoveries)
resets=$(ats_attr "$rng" resets)

mark_recovery "$rng"
report "$rng"
wait_state "$rng" ok
wait_recovery_ended "$rng"
info "$rng: fenced and recovered; state $(ats_attr "$rng" state)"

ev=$(errtest_events)
info "driver callbacks: $ev"
[ "$ev" = "error_detected:frozen slot_reset resume" ] ||
	fail "callbacks were '$ev', expected 'error_detected:frozen slot_reset resume'"
[ "$(ats_attr "$rng" fences)" = $((fences + 1)) ] || fail "fences did not go up by one"
[ "$(ats_attr "$rng" recoveries)" = $((recoveries + 1)) ] || fail "recoveries did not go up by one"
[ "$(ats_attr "$rng" resets)" = $((resets + 1)) ] || fail "resets did not go up by one"
[ "$(ats_attr "$rng" last_reason)" = injected ] || fail "last_reason is $(ats_attr "$rng" last_reason)"
[ "$(ats_state "$rng")" = enabled ] || fail "$rng: ATS is $(ats_state "$rng") after the recovery"
[ "$(driver_of "$rng")" = ats_errtest ] || fail "$rng lost its driver"
dmesg_has "$rng: recovery: reset and resumed by its driver" || fail "no recovery line in the kernel log"
dmesg_has "$rng: ATS unfenced after a successful reset" || fail "no unfence line in the kernel log"
info "ATS enabled again on $rng; kernel log: recovered by its driver, unfenced after a good reset"
