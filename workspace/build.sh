#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build.sh ARCH: builds the test kernel of ARCH in build/out/ARCH (its
# .config comes from kconfig.sh) and the test modules of tests/modules.
# Incremental: only changed objects.
. "$(dirname "$0")/lib.sh"

arch=${1:?usage: build.sh ARCH}
out=$BUILD/out/$arch
[ -f "$out/.config" ] || die "no $out/.config: run 'make $arch'"
# arm64: Image for the scenario boots, Image.gz for kunit.py; "modules"
# for the Module.symvers the test modules link against.
case "$arch" in
x86_64) targets=(bzImage modules) ;;
arm64)	targets=(Image Image.gz modules) ;;
esac
start=$(date +%s)
say "build $arch: ${targets[*]} (ccache, -j$JOBS)"
kmake "$arch" "$out" "${targets[@]}"
"$TOP/workspace/modules.sh" "$arch"
"$TOP/workspace/selftests.sh" "$arch"
say "build $arch: done in $(( $(date +%s) - start )) s (test modules: $(cd "$BUILD/modules/$arch" && echo *.ko))"
