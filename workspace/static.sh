#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# static.sh: the static checks over our work, each a result line in
# $RESULTS: checkpatch --strict on every patch of the exported series
# (commit messages included), run inside the laid tree so that its
# documentation look-ups see our patches; kernel-doc on our C files.
# Needs "make tree" and "workspace/series.sh" first.
. "$(dirname "$0")/lib.sh"

# checkpatch runs scripts/spdxcheck.py with "env python3": use Debian's
# python3, which has the python3-ply and python3-git that deps.sh installs,
# not another python3 that may come first on PATH.
export PATH=/usr/bin:$PATH


# A series patch that adds files warns that MAINTAINERS may need an update:
# the series does that in its own patch.
for p in "$BUILD"/series/*.patch; do
	[ -f "$p" ] || continue
	name=$(basename "$p" .patch)
	out=$(cd "$SRC" && perl scripts/checkpatch.pl --strict --terse --show-types \
		--ignore FILE_PATH_CHANGES "$p" 2>&1) || true
	if [ -z "$out" ]; then
		result PASS "static/checkpatch/$name"
	else
		result FAIL "static/checkpatch/$name" "$(printf '%s\n' "$out" | head -n 1)"
		printf '%s\n' "$out" | head -n 20 | sed 's/^/    /'
	fi
done

mapfile -t csrc < <(overlay_files | grep -E '\.[ch]$')
if [ ${#csrc[@]} -gt 0 ]; then
	out=$(cd "$SRC" && perl scripts/kernel-doc -none -Wall "${csrc[@]}" 2>&1) || true
	if [ -z "$out" ]; then
		result PASS static/kernel-doc
	else
		result FAIL static/kernel-doc "$(printf '%s\n' "$out" | head -n 1)"
		printf '%s\n' "$out" | head -n 20 | sed 's/^/    /'
	fi
fi
[ $nfail -eq 0 ]
