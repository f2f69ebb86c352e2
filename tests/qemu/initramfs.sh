#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# initramfs.sh ARCH OUTPUT.cpio.gz
# The test initramfs: a static busybox of ARCH, /init, the scenario
# library and scripts, and any test modules built for ARCH.
. "$(dirname "$0")/../../workspace/lib.sh"

arch=$1 out=$2
case "$arch" in
x86_64) bb=/bin/busybox ;;
arm64)	bb=$BUILD/deps/busybox-arm64/bin/busybox ;;
*) die "initramfs: unknown arch $arch" ;;
esac
[ -x "$bb" ] || die "no busybox for $arch at $bb: run 'make deps'"

root=$BUILD/qemu/initramfs-$arch
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,mnt,tests/scenarios,lib/modules}
cp "$bb" "$root/bin/busybox"
cp "$TOP/tests/qemu/guest/init" "$root/init"
cp "$TOP/tests/qemu/guest/lib.sh" "$root/tests/lib.sh"
cp "$TOP/tests/qemu/guest/keeps-its-mount.sh" "$root/tests/keeps-its-mount.sh"
cp "$TOP"/tests/qemu/scenarios/*.sh "$root/tests/scenarios/"
# Upstream's iommufd selftests and our test programs (workspace/selftests.sh),
# where built
if [ -x "$BUILD/selftests/$arch/iommufd" ]; then
	mkdir -p "$root/tests/bin"
	cp "$BUILD/selftests/$arch"/iommufd "$BUILD/selftests/$arch"/iommufd_fail_nth "$root/tests/bin/"
	for c in "$TOP"/tests/qemu/guest/*.c; do
		cp "$BUILD/selftests/$arch/$(basename "$c" .c)" "$root/tests/bin/"
	done
fi
if [ -d "$BUILD/modules/$arch" ]; then
	cp "$BUILD/modules/$arch"/*.ko "$root/lib/modules/" 2>/dev/null || true
fi
chmod +x "$root/init"
mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) > "$out"
