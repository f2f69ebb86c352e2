#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# refresh-patch.sh PATCH COMMIT [REPO]
#
# For authoring glue patches: replaces the diff of patches/PATCH with the
# diff of COMMIT (in REPO, default build/series-check, where "make
# series-check" leaves the series applied with git am), keeping the
# patch's own From/Subject/message. Edit there, commit (--amend or
# --fixup + rebase), then refresh the patch here.
. "$(dirname "$0")/lib.sh"

patch=$PATCHES/${1:?usage: refresh-patch.sh PATCH COMMIT [REPO]}
commit=${2:?usage: refresh-patch.sh PATCH COMMIT [REPO]}
repo=${3:-$BUILD/series-check}
[ -f "$patch" ] || die "no $patch"
new=$(git -C "$repo" format-patch --stdout --no-signature -1 "$commit") ||
	die "no commit $commit in $repo"
{
	sed '/^---$/q' "$patch"			# headers and message, up to ---
	printf '%s\n' "$new" | sed '1,/^---$/d'	# the diffstat and the diff
} > "$patch.new"
mv "$patch.new" "$patch"
say "refreshed ${patch#$TOP/} from $commit"
