#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# qemu-tests.sh "MACHINE..." [SCENARIO...]: builds the kernels the machines
# need and runs their scenarios. Exits non-zero if any verdict failed.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/qemu/machines.sh"

machines=$1
shift
# The emulator first (a no-op when nothing changed): every machine runs on it
"$TOP/workspace/qemu.sh"
declare -A built=()
rc=0
for m in $machines; do
	fn=$(machine_fn "$m")
	type "$fn" >/dev/null 2>&1 || die "unknown machine '$m' (one of: $MACHINES)"
	KERNEL=/dev/null INITRD=/dev/null DISK=/dev/null
	"$fn"
	if [ -z "${built[$ARCH]:-}" ]; then
		make -s -C "$TOP" "$ARCH"
		built[$ARCH]=1
	fi
	"$TOP/tests/qemu/run.sh" "$m" "$@" || rc=1
done
exit $rc
