#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tree.sh [--dry-run]
#
# Makes build/linux = Debian's linux-source-7.3 (make deps fetches it) + our new files (the
# overlay) + patches/series, touching only the files whose content changes,
# so that make rebuilds only what changed.
#
# build/linux is a git repository whose commit tagged "base" is the pristine
# tarball. The wanted tree is computed in a scratch index (git apply
# --cached for each glue patch, then the overlay files), compared with the
# tree laid last time, and only the difference is written out.
#
# --dry-run computes the wanted tree and reports, writes nothing.
. "$(dirname "$0")/lib.sh"

dry=0
[ "${1:-}" = --dry-run ] && dry=1

base_version() {
	awk '/^VERSION =/{v=$3} /^PATCHLEVEL =/{p=$3} /^SUBLEVEL =/{s=$3}
	     /^EXTRAVERSION =/{e=$3} END{print v "." p "." s e}' "$1"
}

unpack_base() {
	[ -f "$BASE_TARBALL" ] ||
		die "$BASE_TARBALL not found: run 'make deps' (Debian package linux-source-7.3)"
	local tmp=$BUILD/linux.unpack
	rm -rf "$tmp"
	mkdir -p "$tmp"
	say "unpacking $BASE_TARBALL"
	tar -C "$tmp" -xf "$BASE_TARBALL" --strip-components=1
	(
		cd "$tmp"
		export GIT_AUTHOR_NAME=base GIT_AUTHOR_EMAIL=base@localhost
		export GIT_COMMITTER_NAME=base GIT_COMMITTER_EMAIL=base@localhost
		git init -q
		# Debian's top-level .gitignore ignores everything: -f.
		git add -A -f
		git commit -q -m "$base_subject"
		git tag base
	)
	rm -rf "$SRC"
	mv "$tmp" "$SRC"
	# Objects and generated files of another base would be reused by
	# kbuild (e.g. scripts/kconfig's lexer): drop every output folder.
	say "new base: removing the build output of the old one"
	rm -rf "$BUILD/out" "$BUILD/kunit" "$BUILD/series" "$BUILD/series-check" "$BUILD/modules" "$BUILD/modules-src" "$BUILD/htmldocs" "$BUILD/bench"
	git -C "$SRC" rev-parse base^{tree} > "$BUILD/applied.tree"
}

# The base commit names the package version it was unpacked from: a
# different tarball (a new base) unpacks afresh.
pkg=$(cat "$BASE_TARBALL.version" 2>/dev/null || echo "?")
base_subject="Debian linux-source-7.3 $pkg"
if [ "$(git -C "$SRC" log -1 --format=%s base 2>/dev/null)" != "$base_subject" ]; then
	[ $dry -eq 1 ] && die "no base tree of $base_subject yet: run 'make tree' first"
	unpack_base
fi
say "base: Linux $(git -C "$SRC" show base:Makefile | base_version /dev/stdin) ($base_subject)"

git_src() { git -C "$SRC" "$@"; }

# --- 1. the wanted tree, in a scratch index ---------------------------------
idx=$BUILD/wanted.index
rm -f "$idx"
export GIT_INDEX_FILE=$idx
git_src read-tree base

series_entries() {
	[ -f "$PATCHES/series" ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$PATCHES/series"
}

npatch=0
for entry in $(series_entries); do
	case "$entry" in
	*.msg) continue ;;	# a commit of new files: laid with the overlay
	*.patch) ;;
	*) die "patches/series: '$entry' is neither a .patch nor a .msg" ;;
	esac
	p=$PATCHES/$entry
	[ -f "$p" ] || die "patches/series names $entry, which does not exist"
	if ! out=$(git_src apply --cached --whitespace=nowarn "$p" 2>&1); then
		printf '%s\n' "$out" >&2
		files=$(printf '%s\n' "$out" | sed -n 's/^error: patch failed: \([^:]*\):.*/\1/p;s/^error: \([^:]*\): does not exist in index/\1/p' | sort -u | tr '\n' ' ')
		die "patch $entry does not apply to the base ($(git_src show base:Makefile | base_version /dev/stdin)); file(s): ${files:-see above}"
	fi
	npatch=$((npatch + 1))
done

nnew=0
while read -r f; do
	if git_src cat-file -e "base:$f" 2>/dev/null; then
		die "$f exists in the base tree: change it with a patch in patches/, not as an overlay file"
	fi
	blob=$(git_src hash-object -w --path="$f" "$TOP/$f")
	mode=100644
	[ -x "$TOP/$f" ] && mode=100755
	git_src update-index --add --cacheinfo "$mode,$blob,$f"
	nnew=$((nnew + 1))
done < <(overlay_files)

wanted=$(git_src write-tree)
unset GIT_INDEX_FILE
say "tree: $nnew new files, $npatch glue patches -> $wanted"
if [ $dry -eq 1 ]; then
	echo "$wanted"
	exit 0
fi

# --- 2. refuse to overwrite edits made in build/linux by hand --------------
applied=$(cat "$BUILD/applied.tree" 2>/dev/null || git_src rev-parse base^{tree})
edited=$(git_src diff --name-only 2>/dev/null || true)
if [ -n "$edited" ] && [ "${FORCE:-0}" != 1 ]; then
	printf '  %s\n' $edited >&2
	die "build/linux has edits made by hand (above): move them into the overlay or patches/, or run 'make tree FORCE=1' to drop them"
fi

# --- 3. write only the difference --------------------------------------------
changed=0
while IFS=$'\t' read -r status path; do
	case "$status" in
	D)	rm -f "$SRC/$path"
		git_src rm -q --cached -- "$path" ;;
	*)	mkdir -p "$(dirname "$SRC/$path")"
		git_src cat-file blob "$wanted:$path" > "$SRC/$path.tmp-tree"
		if [ "$(git_src ls-tree "$wanted" -- "$path" | cut -c1-6)" = 100755 ]; then
			chmod +x "$SRC/$path.tmp-tree"
		fi
		mv "$SRC/$path.tmp-tree" "$SRC/$path"
		git_src add -f -- "$path" ;;
	esac
	changed=$((changed + 1))
done < <(git_src diff-tree -r --no-renames --name-status "$applied" "$wanted")
if [ -n "$edited" ]; then	# FORCE=1: put the hand-edited files back
	git_src checkout -f -- $edited
fi
echo "$wanted" > "$BUILD/applied.tree"
say "tree: $changed file(s) written to build/linux"
