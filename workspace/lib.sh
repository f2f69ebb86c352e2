# SPDX-License-Identifier: GPL-2.0
# Shared settings for the workspace scripts. Sourced, not run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
BASE_TARBALL=${BASE_TARBALL:-$BUILD/deps/linux-source-7.3.tar.xz}	# make deps
SRC=$BUILD/linux			# base + overlay + series; a git repo, tag "base"
PATCHES=${PATCHES:-$TOP/patches}
# Our new files live at their kernel paths under these top-level folders.
OVERLAY_DIRS=${OVERLAY_DIRS:-"drivers include Documentation"}
JOBS=${JOBS:-$(nproc)}

export PYTHONDONTWRITEBYTECODE=1	# keep kunit.py from writing into the tree
export KBUILD_BUILD_USER=ats KBUILD_BUILD_HOST=workspace
export CCACHE_DIR=${CCACHE_DIR:-${HOME:-/root}/.cache/ccache}

# The overlay: our files at kernel paths, tracked or new (not ignored).
overlay_files() {
	(unset GIT_INDEX_FILE; cd "$TOP" && for d in $OVERLAY_DIRS; do
		[ -d "$d" ] && git ls-files --cached --others --exclude-standard -- "$d"
	done) | sort -u | while read -r f; do [ -f "$TOP/$f" ] && echo "$f"; done
	return 0
}

# result PASS|FAIL NAME [WHY]: one verdict, printed and appended to
# $RESULTS (when set) for the tally; counts failures in $nfail.
nfail=0
result() {
	local line="$1 $2${3:+: $3}"
	echo "$line"
	[ -z "${RESULTS:-}" ] || echo "$line" >> "$RESULTS"
	[ "$1" = PASS ] || nfail=$((nfail + 1))
	return 0
}

die() { printf 'error: %s\n' "$*" >&2; exit 1; }
say() { printf '==> %s\n' "$*"; }

# kmake ARCH OUTDIR [make arguments...]: kbuild in $SRC with output in
# OUTDIR. ccache goes into CC only, so that CROSS_COMPILE stays a plain
# prefix for ld, objcopy and friends.
kmake() {
	local arch=$1 out=$2
	shift 2
	local args=(-C "$SRC" O="$out" -j"$JOBS")
	case "$arch" in
	x86_64) args+=(ARCH=x86_64 "CC=ccache gcc") ;;
	arm64)	args+=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
		       "CC=ccache aarch64-linux-gnu-gcc") ;;
	*) die "unknown arch '$arch' (x86_64 or arm64)" ;;
	esac
	make -s "${args[@]}" "$@"
}

kernel_image() {
	case "$1" in
	x86_64) echo arch/x86/boot/bzImage ;;
	arm64)	echo arch/arm64/boot/Image ;;
	esac
}
