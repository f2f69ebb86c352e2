#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# series.sh [--check]
#
# Exports the whole work as one git format-patch series against the base,
# in build/series/. The order is patches/series:
#   NAME.msg    a commit adding the new files listed under "Files:" in the
#               message (paths or folders of the overlay);
#   NAME.patch  a glue patch to existing kernel files (format-patch form).
# New files come before the glue that wires them into Kconfig/Makefiles,
# so every commit builds.
#
# Fails when an overlay file belongs to no message or to two, or when the
# series' result differs from the tree "make tree" laid.
#
# --check also applies the exported series with "git am" to a pristine
# checkout of the base and verifies that the result equals the built tree.
. "$(dirname "$0")/lib.sh"

check=0
[ "${1:-}" = --check ] && check=1
git_src() { git -C "$SRC" "$@"; }

wanted=$("$TOP/workspace/tree.sh" --dry-run | tail -n 1)
built=$(cat "$BUILD/applied.tree" 2>/dev/null || true)
[ "$wanted" = "$built" ] ||
	die "build/linux is not up to date with the repository: run 'make tree' first"

out=$BUILD/series
rm -rf "$out"
mkdir -p "$out"
idx=$BUILD/series.index
export GIT_INDEX_FILE=$idx
rm -f "$idx"
git_src read-tree base

author_name=$(git -C "$TOP" config user.name || echo "ATS recovery developers")
author_email=$(git -C "$TOP" config user.email || echo "ats-recovery@localhost")
export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-$author_name}
export GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-$author_email}
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL

# Every overlay file, to be claimed by exactly one .msg.
declare -A owner=()
while read -r f; do owner[$f]=""; done < <(overlay_files)

tip=$(git_src rev-parse base)
n=0
while read -r entry; do
	p=$PATCHES/$entry
	case "$entry" in
	*.msg)
		msg=$(sed '/^Files:/,$d' "$p")
		specs=$(sed -n '/^Files:/,${/^Files:/d;s/^[[:space:]]*//;/^$/d;p}' "$p")
		[ -n "$specs" ] || die "$entry has no 'Files:' list"
		for spec in $specs; do
			hit=0
			for f in "${!owner[@]}"; do
				case "$f" in "$spec"|"${spec%/}"/*) ;; *) continue ;; esac
				[ -z "${owner[$f]}" ] ||
					die "$f is claimed by both ${owner[$f]} and $entry"
				owner[$f]=$entry
				blob=$(git_src hash-object -w --path="$f" "$TOP/$f")
				mode=100644
				[ -x "$TOP/$f" ] && mode=100755
				git_src update-index --add --cacheinfo "$mode,$blob,$f"
				hit=1
			done
			[ $hit -eq 1 ] || die "$entry: 'Files:' entry $spec matches no overlay file"
		done
		tree=$(git_src write-tree)
		tip=$(printf '%s\n' "$msg" | git_src commit-tree "$tree" -p "$tip")
		;;
	*.patch)
		git_src apply --cached --whitespace=nowarn "$p" ||
			die "patch $entry does not apply in series order"
		info=$BUILD/series.info
		git mailinfo "$BUILD/series.msgbody" "$BUILD/series.diff" < "$p" > "$info"
		subject=$(sed -n 's/^Subject: //p' "$info")
		[ -n "$subject" ] || die "$entry has no Subject: it must be in git format-patch form"
		tree=$(git_src write-tree)
		tip=$( {
			printf '%s\n\n' "$subject"
			cat "$BUILD/series.msgbody"
		} | GIT_AUTHOR_NAME=$(sed -n 's/^Author: //p' "$info") \
		    GIT_AUTHOR_EMAIL=$(sed -n 's/^Email: //p' "$info") \
		    GIT_AUTHOR_DATE=$(sed -n 's/^Date: //p' "$info") \
		    git_src commit-tree "$tree" -p "$tip")
		;;
	esac
	n=$((n + 1))
done < <([ -f "$PATCHES/series" ] && sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$PATCHES/series")
unset GIT_INDEX_FILE

for f in "${!owner[@]}"; do
	[ -n "${owner[$f]}" ] || die "$f is in no .msg of patches/series: say in which commit it goes"
done
final=$(git_src rev-parse "$tip^{tree}")
[ "$final" = "$built" ] ||
	die "the series' result ($final) differs from the built tree ($built)"
git_src update-ref refs/heads/series "$tip"
if [ $n -gt 0 ]; then
	git_src format-patch -q --no-signature -o "$out" base..series
fi
say "series: $n commit(s) in build/series/"

[ $check -eq 1 ] || exit 0

# --- apply with git am to a pristine base and compare ------------------------
wt=$BUILD/series-check
if ! git -C "$wt" rev-parse -q --verify HEAD >/dev/null 2>&1; then
	rm -rf "$wt"
	git_src worktree prune
	git_src worktree add -q --detach "$wt" base
fi
git -C "$wt" am --abort >/dev/null 2>&1 || true
git -C "$wt" checkout -q -f --detach base
git -C "$wt" clean -q -f -d -x
if [ $n -gt 0 ] && ! git -C "$wt" am -q --keep-cr "$out"/*.patch; then
	git -C "$wt" am --abort >/dev/null 2>&1 || true
	die "git am of build/series/ onto the pristine base failed (see above)"
fi
got=$(git -C "$wt" rev-parse HEAD^{tree})
[ "$got" = "$built" ] ||
	die "git am of the series gives tree $got, the built tree is $built"
say "series: git am onto pristine base gives exactly the built tree"
