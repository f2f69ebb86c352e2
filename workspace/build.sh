#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build.sh ARCH: builds the test kernel of ARCH in build/out/ARCH (its
# .config comes from kconfig.sh). Incremental: only changed objects.
. "$(dirname "$0")/lib.sh"

arch=${1:?usage: build.sh ARCH}
out=$BUILD/out/$arch
[ -f "$out/.config" ] || die "no $out/.config: run 'make $arch'"
img=$(kernel_image "$arch")
start=$(date +%s)
say "build $arch: $(basename "$img") (ccache, -j$JOBS)"
kmake "$arch" "$out" "$(basename "$img")"
say "build $arch: done in $(( $(date +%s) - start )) s"
