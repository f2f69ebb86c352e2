#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# selftests.sh ARCH: builds the guest's userspace test programs,
# statically linked, into build/selftests/ARCH/, for the initramfs:
# - upstream's iommufd selftests (tools/testing/selftests/iommu: iommufd,
#   iommufd_fail_nth) of the laid tree: scenario 50-iommufd-selftests runs
#   them on the patched kernel (CONFIG_IOMMUFD_TEST, configs/x86_64.config);
# - ours, tests/qemu/guest/*.c (vfio-owner: a minimal VMM for scenario
#   15-vfio-owner-resets).
# The uAPI headers are the kernel build's own ("make headers").
#
# x86_64 only: a static arm64 build would need libcap for arm64.
. "$(dirname "$0")/lib.sh"

arch=${1:?usage: selftests.sh ARCH}
[ "$arch" = x86_64 ] || exit 0
kout=$BUILD/out/$arch
out=$BUILD/selftests/$arch
mkdir -p "$out"
kmake "$arch" "$kout" headers
make -s -C "$SRC/tools/testing/selftests/iommu" OUTPUT="$out" \
	KHDR_INCLUDES="-isystem $kout/usr/include" LDFLAGS=-static \
	CC="ccache gcc" > "$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; die "the iommufd selftests do not build (see above)"; }
for c in "$TOP"/tests/qemu/guest/*.c; do
	ccache gcc -static -O2 -Wall -Wextra -Werror -isystem "$kout/usr/include" \
		-o "$out/$(basename "$c" .c)" "$c" ||
		die "${c#$TOP/} does not build"
done
