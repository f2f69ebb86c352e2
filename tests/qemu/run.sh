#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run.sh MACHINE [SCENARIO...]
#
# Boots MACHINE (see machines.sh) under QEMU/TCG with the test initramfs,
# runs the scenarios (default: every scenario whose "# machines:" header
# names MACHINE), and judges the console log with parse.sh. Results go to
# $RESULTS (one "PASS name" / "FAIL name: why" line each) when set.
#
# Environment: KERNEL (default build/out/ARCH image), TIMEOUT (seconds,
# default 600), KEEP_DISK=1 to reuse the disk image, QEMU_EXTRA_ARGS (more
# QEMU arguments), QEMU_X86_64 / QEMU_AARCH64 (another emulator binary),
# CMDLINE_DEBUG (more kernel parameters, ending in a space, e.g.
# "trace_event=iommu_ats:* tp_printk ").
. "$(dirname "$0")/../../workspace/lib.sh"
. "$TOP/tests/qemu/machines.sh"

machine=${1:?usage: run.sh MACHINE[:T] [SCENARIO...]}
shift
# MACHINE:T: the IOMMU's ATS invalidation timeout at T ms (machines.sh)
HW_TIMEOUT_MS=
case "$machine" in
*:*)	HW_TIMEOUT_MS=${machine#*:}
	[[ "$HW_TIMEOUT_MS" =~ ^[0-9]+$ ]] ||
		die "'$machine': the timeout after ':' is a number of ms (0: never)" ;;
esac
export HW_TIMEOUT_MS
# MACHINE-layer-off: the machine, its kernel booted without the layer
layer_off=
case "${machine%%:*}" in
*-layer-off) layer_off=" iommu.ats_recovery=off" ;;
esac
fn=$(machine_fn "$machine")
type "$fn" >/dev/null 2>&1 ||
	die "unknown machine '$machine' (one of: $MACHINES)"

scen_dir=$TOP/tests/qemu/scenarios
scenarios_for() {
	local f
	for f in "$scen_dir"/*.sh; do
		grep -qE "^# machines:.*(^|[[:space:]])$1([[:space:]]|\$)" "$f" &&
			basename "$f" .sh
	done
	return 0
}
if [ $# -gt 0 ]; then
	wanted=("$@")
	for s in "${wanted[@]}"; do
		[ -f "$scen_dir/$s.sh" ] || die "no scenario '$s' in tests/qemu/scenarios/"
	done
else
	mapfile -t wanted < <(scenarios_for "$machine")
fi
[ ${#wanted[@]} -gt 0 ] || die "no scenario for machine $machine"

work=$BUILD/qemu/${machine/:/-t}
mkdir -p "$work"

# The disk: 16 MiB of a deterministic pattern, so the guest can prove that
# reads through the IOMMU return what the host wrote.
DISK=$work/disk.img
if [ "${KEEP_DISK:-0}" != 1 ] || [ ! -f "$DISK" ]; then
	python3 - "$DISK" <<'PY'
import hashlib, sys
with open(sys.argv[1], "wb") as f:
    block = b"ats-recovery test disk\n"
    for i in range(16 * 1024 * 1024 // 32):
        block = hashlib.sha256(block).digest()
        f.write(block)
PY
fi
disk_md5=$(md5sum "$DISK" | cut -d' ' -f1)
# The bystander disk of the MACHINE:T variants: a copy
DISK2=$work/disk2.img
[ -z "$HW_TIMEOUT_MS" ] || cp "$DISK" "$DISK2"
# The disks of the NVMe controller and of vblk0 (the VT-d and SMMUv3
# MACHINE:T variants): empty (sparse) at each boot, the scenarios make
# their filesystems
NVME_DISK=$work/nvme.img
VBLK_DISK=$work/vblk.img
if [ -n "$HW_TIMEOUT_MS" ]; then
	rm -f "$NVME_DISK" "$VBLK_DISK"
	truncate -s 256M "$NVME_DISK"
	truncate -s 256M "$VBLK_DISK"
fi

# Fill ARCH first (KERNEL and INITRD are only known after).
KERNEL=/dev/null INITRD=/dev/null
"$fn"
KERNEL=${KERNEL_OVERRIDE:-$BUILD/out/$ARCH/$(kernel_image "$ARCH")}
[ -f "$KERNEL" ] || die "no kernel at $KERNEL: run 'make $ARCH' first"
INITRD=$BUILD/qemu/initramfs-$ARCH.cpio.gz
"$TOP/tests/qemu/initramfs.sh" "$ARCH" "$INITRD"
"$fn"

run_list=$(IFS=,; echo "${wanted[*]}")
# One boot recovers the same disk in scenario after scenario: more than the
# default retry budget allows in its window (KUnit tests the budget).
cmdline="$CMDLINE$layer_off ${CMDLINE_DEBUG:-}panic=-1 oops=panic iommu.ats_recovery_budget=32 atstest.machine=$machine atstest.run=$run_list atstest.disk_md5=$disk_md5"
[ -z "$HW_TIMEOUT_MS" ] || cmdline+=" atstest.hw_timeout_ms=$HW_TIMEOUT_MS"
# x86: the IO-APIC timer check at boot counts timer interrupts in a window
# of a few ms, which TCG on a busy host can miss and then panics ("timer
# doesn't work through Interrupt-remapped IO-APIC"): skip the check.
[ "$ARCH" != x86_64 ] || cmdline+=" no_timer_check"
log=$work/console.log
say "qemu $machine: ${wanted[*]}"
start=$(date +%s)
set +e
# console-host.py captures the console and QEMU's stderr (its trace) into
# the log and serves the scenarios' QMP requests (# qemu-qmp lines).
python3 "$TOP/tests/qemu/console-host.py" "$log" "${TIMEOUT:-600}" \
	"${QEMU[@]}" ${QEMU_EXTRA_ARGS:-} -append "$cmdline"
rc=$?
set -e
say "qemu $machine: guest ran $(( $(date +%s) - start )) s (log: ${log#$TOP/})"
[ "${VERBOSE:-0}" = 1 ] && cat "$log"

"$TOP/tests/qemu/parse.sh" "$log" "$machine" "$rc" "${wanted[@]}"
