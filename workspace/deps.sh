#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# deps.sh: installs every Debian package the project uses. Idempotent:
# quiet and fast (no apt-get at all) when everything is there.
. "$(dirname "$0")/lib.sh"

PACKAGES="
	build-essential bc flex bison libelf-dev libssl-dev cpio rsync kmod
	dwarves python3 python3-ply python3-git git perl ccache
	gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
	clang-19 lld-19 llvm-19
	qemu-system-x86 qemu-system-arm qemu-system-data qemu-utils
	busybox-static
	coccinelle python3-sphinx
	dpkg-dev meson ninja-build python3-venv libglib2.0-dev libpixman-1-dev
	libfdt-dev zlib1g-dev
	libcap-dev
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

# The base: Debian's linux-source-7.3, which is in trixie-backports only.
# Fetched with a private apt configuration (its own sources and lists under
# build/deps/apt), so that the system's sources, pins and packages are not
# touched: apt-get download + dpkg-deb -x, no install. The archive keyring
# of bookworm verifies trixie's Release files.
BASE_PACKAGE=linux-source-7.3
BASE_PACKAGE_VERSION=${BASE_PACKAGE_VERSION:-7.3.4-1~bpo13+1}
# private_apt DIR TYPES SUITE [-o ...]: fills the array "apt_opts" with the
# options of an apt configuration of its own in DIR (one deb.debian.org
# entry of TYPES for SUITE, main; its own lists and cache), so that
# apt-get update/download/source there leave the system's sources, lists
# and pins alone. The bookworm archive keyring verifies newer suites too.
private_apt() {
	local dir=$1 types=$2 suite=$3
	shift 3
	mkdir -p "$dir/sources" "$dir/lists/partial" "$dir/cache/archives/partial"
	printf '%s\n' "Types: $types" "URIs: http://deb.debian.org/debian" \
		"Suites: $suite" "Components: main" \
		"Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" \
		> "$dir/sources/$suite.sources"
	apt_opts=(-o Dir::Etc::SourceList=/dev/null
		-o Dir::Etc::SourceParts="$dir/sources"
		-o Dir::State::Lists="$dir/lists"
		-o Dir::Cache="$dir/cache"
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
		-o Acquire::Languages=none "$@")
	# downloads go into build/: as root, apt's _apt sandbox user cannot write there
	[ "$(id -u)" -ne 0 ] || apt_opts+=(-o APT::Sandbox::User=root)
	apt-get "${apt_opts[@]}" update -qq
}

if [ ! -f "$BASE_TARBALL" ]; then
	apt_dir=$BUILD/deps/apt
	say "fetching $BASE_PACKAGE $BASE_PACKAGE_VERSION from trixie-backports (private apt configuration: $apt_dir)"
	# amd64 only: a mirror mid-sync once served a binary-all index of the
	# wrong size, and trixie lists arch-all packages under amd64 too
	private_apt "$apt_dir" deb trixie-backports \
		-o APT::Architectures=amd64 -o APT::Architectures::=amd64 ||
		die "apt-get update of trixie-backports failed (network, or the keyring?)"
	(cd "$BUILD/deps" && rm -f "${BASE_PACKAGE}"_*.deb &&
		apt-get "${apt_opts[@]}" download -qq "$BASE_PACKAGE=$BASE_PACKAGE_VERSION") ||
		die "could not download $BASE_PACKAGE=$BASE_PACKAGE_VERSION (see 'apt-cache policy' in that configuration; set BASE_PACKAGE_VERSION to another version)"
	rm -rf "$BUILD/deps/base.unpack"
	dpkg-deb -x "$BUILD/deps/${BASE_PACKAGE}_"*.deb "$BUILD/deps/base.unpack"
	mkdir -p "$(dirname "$BASE_TARBALL")"
	mv "$BUILD/deps/base.unpack/usr/src/$BASE_PACKAGE.tar.xz" "$BASE_TARBALL"
	echo "$BASE_PACKAGE_VERSION" > "$BASE_TARBALL.version"
	rm -rf "$BUILD/deps/base.unpack" "$BUILD/deps/${BASE_PACKAGE}_"*.deb
fi

# sparse: Linux 7.3 needs one that knows __typeof_unqual__
# (scripts/checker-valid.sh); bookworm's 0.6.4-3 does not. Built from
# Debian's own source package of sid (fetched with a private apt
# configuration, deb-src only), with the system's gcc instead of the
# gcc-16 Debian's build asks for. Only the sparse program is built.
SPARSE_VERSION=${SPARSE_VERSION:-0.6.5~rc1-2}
sparse_bin=$BUILD/deps/sparse/sparse
if [ ! -x "$sparse_bin" ] || [ "$(cat "$BUILD/deps/sparse/.version" 2>/dev/null)" != "$SPARSE_VERSION" ]; then
	say "building sparse $SPARSE_VERSION from Debian's source package (sid)"
	private_apt "$BUILD/deps/apt-src" deb-src sid ||
		die "apt-get update of sid's sources failed"
	rm -rf "$BUILD/deps/sparse.src" && mkdir -p "$BUILD/deps/sparse.src"
	(cd "$BUILD/deps/sparse.src" &&
		apt-get "${apt_opts[@]}" source --download-only -qq "sparse=$SPARSE_VERSION" &&
		dpkg-source -x --no-check sparse_*.dsc src > /dev/null) ||
		die "could not fetch sparse=$SPARSE_VERSION (set SPARSE_VERSION to one sid has)"
	make -s -C "$BUILD/deps/sparse.src/src" -j"$JOBS" CC=gcc sparse > "$BUILD/deps/sparse.log" 2>&1 ||
		die "sparse does not build: see $BUILD/deps/sparse.log"
	mkdir -p "$BUILD/deps/sparse"
	cp "$BUILD/deps/sparse.src/src/sparse" "$sparse_bin"
	echo "$SPARSE_VERSION" > "$BUILD/deps/sparse/.version"
	rm -rf "$BUILD/deps/sparse.src"
fi
exit 0
