#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# modules.sh ARCH: builds the test modules of tests/modules/ against the
# ARCH test kernel, in build/modules-src/ARCH (kbuild writes next to the
# sources), and collects the .ko files in build/modules/ARCH for the
# initramfs.
. "$(dirname "$0")/lib.sh"

arch=${1:?usage: modules.sh ARCH}
src=$BUILD/modules-src/$arch
out=$BUILD/modules/$arch
mkdir -p "$src" "$out"
rsync -a --checksum --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
	--exclude '*.mod*' --exclude 'Module.symvers' --exclude 'modules.order' \
	"$TOP/tests/modules/" "$src/"
kmake "$arch" "$BUILD/out/$arch" M="$src" modules
rm -f "$out"/*.ko
cp "$src"/*.ko "$out/"
