#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# deps.sh: installs every Debian package the project uses. Idempotent:
# quiet and fast (no apt-get at all) when everything is there.
. "$(dirname "$0")/lib.sh"

PACKAGES="
	linux-source-6.12
	build-essential bc flex bison libelf-dev libssl-dev cpio rsync kmod
	dwarves python3 python3-ply python3-git git perl ccache
	gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
	clang lld llvm
	qemu-system-x86 qemu-system-arm qemu-system-data qemu-utils
	busybox-static
	coccinelle sparse python3-sphinx
	dpkg-dev meson ninja-build python3-venv libglib2.0-dev libpixman-1-dev
	libfdt-dev zlib1g-dev
"

missing=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $PACKAGES 2>/dev/null |
	awk '$1 == "ii" {print $2}' | sort > "${TMPDIR:-/tmp}/deps.have.$$"
	for p in $PACKAGES; do echo "$p"; done | sort | comm -23 - "${TMPDIR:-/tmp}/deps.have.$$"
	rm -f "${TMPDIR:-/tmp}/deps.have.$$")

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# The emulator is built from Debian's qemu source package (workspace/qemu.sh),
# which apt-get source finds only through a deb-src entry. Add one the way a
# Debian user does, for the suites the system already uses: a deb-src entry
# changes nothing that binary packages resolve to.
src_list=/etc/apt/sources.list.d/ats-recovery-src.sources
need_update=0
if [ ! -f "$src_list" ]; then
	say "adding deb-src entries for Debian's source packages ($src_list)"
	$SUDO tee "$src_list" > /dev/null <<'EOF_SRC'
# Written by the ats-recovery workspace (workspace/deps.sh): source packages
# only, for building QEMU from Debian's source. Remove to undo.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF_SRC
	need_update=1
fi
if [ -n "$missing" ] || [ $need_update -eq 1 ]; then
	$SUDO apt-get update -qq
fi
if [ -n "$missing" ]; then
	say "installing Debian packages:" $missing
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The arm64 guest needs an arm64 busybox: take the Debian package of that
# architecture and unpack it (it is static, no arm64 libraries needed).
bb=$BUILD/deps/busybox-arm64/bin/busybox
if [ ! -x "$bb" ]; then
	say "fetching busybox-static:arm64"
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		$SUDO dpkg --add-architecture arm64
		$SUDO apt-get update -qq
	fi
	d=$BUILD/deps
	mkdir -p "$d"
	(cd "$d" && rm -f busybox-static_*_arm64.deb &&
		{ apt-get download -qq busybox-static:arm64 2>/dev/null ||
		  { $SUDO apt-get update -qq && apt-get download -qq busybox-static:arm64; }; } &&
		rm -rf busybox-arm64 && dpkg-deb -x busybox-static_*_arm64.deb busybox-arm64)
	[ -x "$bb" ] || die "could not unpack busybox-static:arm64"
fi
exit 0
