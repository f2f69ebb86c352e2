#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# qemu.sh: the emulator. QEMU from Debian's own source package, the same
# version as the installed qemu-system-data (whose firmware the machines
# load), with Debian's patches, then our series qemu/patches/series on top,
# built for the two system emulators the machines need, with ccache.
#
#   build/emu/dl/     the source package (apt-get source --download-only)
#   build/emu/src/    a git repo: tag "base" is Debian's tree, HEAD = base +
#                     our series (git am, so each patch must apply as sent)
#   build/emu/build/  the meson/ninja build; qemu-system-{x86_64,aarch64}
#
# Incremental: the series is laid again only when a patch or the series
# file changed (only the files that differ are rewritten, so ninja rebuilds
# only what they touch); an unchanged tree costs one ninja no-op.
# "qemu.sh --print-binaries" prints where the two binaries are.
. "$(dirname "$0")/lib.sh"

EMU=$BUILD/emu
QPATCHES=$TOP/qemu/patches
BIN_X86_64=$EMU/build/qemu-system-x86_64
BIN_AARCH64=$EMU/build/qemu-system-aarch64
if [ "${1:-}" = --print-binaries ]; then
	echo "$BIN_X86_64 $BIN_AARCH64"
	exit 0
fi

# The configure line: only the x86_64 and aarch64 system emulators, none of
# the user interfaces, tools or bundled firmware (Debian's packages have it).
CONFIGURE=(--target-list=x86_64-softmmu,aarch64-softmmu
	--without-default-features --disable-docs --disable-tools --disable-user
	--disable-guest-agent --disable-gtk --disable-sdl --disable-vnc
	--disable-opengl --disable-spice --disable-curses --disable-slirp
	--disable-plugins --disable-capstone --disable-werror
	--disable-install-blobs --enable-fdt=system
	--meson=/usr/bin/meson "--cc=ccache gcc" --host-cc=gcc)
# QEMU's compile lines name the source tree by absolute path: relative to
# build/ they are the same in every build folder of this layout (../src),
# so a second build folder (a patch being worked on) hits the cache.
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1

version=$(dpkg-query -W -f='${Version}' qemu-system-data 2>/dev/null) ||
	die "qemu-system-data is not installed: run 'make deps'"
upstream=${version#*:}; upstream=${upstream%-*}	# 7.2+dfsg
git_c=(git -c user.name=workspace -c user.email=workspace@localhost
       -c advice.detachedHead=false)

# 1. The source package, once per version.
mkdir -p "$EMU/dl"
dsc=$EMU/dl/qemu_${version#*:}.dsc
if [ ! -f "$dsc" ]; then
	say "emulator: fetching Debian's source package qemu $version"
	(cd "$EMU/dl" && apt-get source -qq --download-only "qemu=$version" 2>&1 |
		grep -v '^W: Download is performed unsandboxed' || true)
	[ -f "$dsc" ] || die "apt-get source qemu=$version failed: is the deb-src entry there? (make deps writes /etc/apt/sources.list.d/ats-recovery-src.sources)"
fi

# 2. The tree: Debian's source with Debian's patches, committed as "base".
stamp_base=$EMU/src/.git/ats-base-version
if [ "$(cat "$stamp_base" 2>/dev/null)" != "$version" ]; then
	say "emulator: unpacking qemu $version (Debian's patches applied)"
	rm -rf "$EMU/src" "$EMU/build"
	dpkg-source -q -x "$dsc" "$EMU/src" > "$EMU/dpkg-source.log" 2>&1 ||
		{ cat "$EMU/dpkg-source.log"; die "dpkg-source -x $dsc failed"; }
	(cd "$EMU/src" && "${git_c[@]}" init -q && "${git_c[@]}" add -A -f . &&
		"${git_c[@]}" commit -q -m "Debian qemu $version" && "${git_c[@]}" tag base)
	echo "$version" > "$stamp_base"
fi

# 3. Our series, laid again when it changed.
[ -f "$QPATCHES/series" ] || die "no $QPATCHES/series"
want=$( (cat "$QPATCHES/series"; sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$QPATCHES/series" |
	while read -r p; do cat "$QPATCHES/$p"; done) | sha256sum | cut -d' ' -f1)
stamp_series=$EMU/src/.git/ats-series
if [ "$(cat "$stamp_series" 2>/dev/null)" != "$want" ]; then
	say "emulator: applying qemu/patches/series"
	(cd "$EMU/src" && "${git_c[@]}" am --abort >/dev/null 2>&1 || true
	 "${git_c[@]}" checkout -q --detach base && "${git_c[@]}" reset -q --hard base)
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$QPATCHES/series" | while read -r p; do
		[ -f "$QPATCHES/$p" ] || die "qemu/patches/series names $p, which does not exist"
		if ! (cd "$EMU/src" && "${git_c[@]}" am -q --whitespace=nowarn "$QPATCHES/$p") \
			> "$EMU/am.log" 2>&1; then
			cat "$EMU/am.log" >&2
			(cd "$EMU/src" && "${git_c[@]}" am --abort >/dev/null 2>&1 || true)
			die "qemu/patches/$p does not apply to qemu $version (+ the patches before it)"
		fi
	done
	echo "$want" > "$stamp_series"
fi

# 4. Configure (again when the line changed), build.
mkdir -p "$EMU/build"
conf_want=$(printf '%s\n' "${CONFIGURE[@]}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$EMU/build/.ats-configure" 2>/dev/null)" != "$conf_want" ] ||
   [ ! -f "$EMU/build/build.ninja" ]; then
	say "emulator: configuring (x86_64-softmmu, aarch64-softmmu)"
	(cd "$EMU/build" && ../src/configure "${CONFIGURE[@]}") > "$EMU/configure.log" 2>&1 ||
		{ tail -n 30 "$EMU/configure.log"; die "QEMU's configure failed (log: ${EMU#$TOP/}/configure.log)"; }
	echo "$conf_want" > "$EMU/build/.ats-configure"
fi
start=$(date +%s)
if ! (cd "$EMU/build" && ninja -j"$JOBS" qemu-system-x86_64 qemu-system-aarch64) \
	> "$EMU/ninja.log" 2>&1; then
	grep -E 'error|FAILED' "$EMU/ninja.log" | head -n 20
	die "the QEMU build failed (log: ${EMU#$TOP/}/ninja.log)"
fi
steps=$(grep -c '^\[' "$EMU/ninja.log" || true)
say "emulator: qemu $upstream + $(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$QPATCHES/series" | wc -l) patch(es), $steps build step(s), $(( $(date +%s) - start )) s"
"$BIN_X86_64" --version | head -n 1 | sed 's/^/    /'
