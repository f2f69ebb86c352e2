#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# static.sh: the static checks over our work, each a result line in
# $RESULTS: checkpatch --strict on every patch of the exported series
# (commit messages included), run inside the laid tree so that its
# documentation look-ups see our patches; kernel-doc on our C files; the
# kernel's Sphinx build of Documentation/iommu.
# Needs "make tree" and "workspace/series.sh" first.
. "$(dirname "$0")/lib.sh"

# checkpatch runs scripts/spdxcheck.py with "env python3": use Debian's
# python3, which has the python3-ply and python3-git that deps.sh installs,
# not another python3 that may come first on PATH.
export PATH=/usr/bin:$PATH


neg=$TOP/tests/static/negative
# UNKNOWN_COMMIT_ID: the laid tree is Debian's source package, one commit
# without upstream's history, so checkpatch cannot look up the commits our
# Fixes: tags name (it still checks their form).
checkpatch() {	# checkpatch PATCH: the problems checkpatch finds, none if clean
	(cd "$SRC" && perl scripts/checkpatch.pl --strict --terse --show-types \
		--ignore FILE_PATH_CHANGES,UNKNOWN_COMMIT_ID "$1" 2>&1) || true
}

# Each check first proves it can fail, on a negative example.
if [ -n "$(checkpatch "$neg/checkpatch.patch")" ]; then
	result PASS static/checkpatch-fires
else
	result FAIL static/checkpatch-fires "silent on tests/static/negative/checkpatch.patch"
fi
if [ -n "$(cd "$SRC" && perl scripts/kernel-doc -none -Wall "$neg/kernel-doc.c" 2>&1)" ]; then
	result PASS static/kernel-doc-fires
else
	result FAIL static/kernel-doc-fires "silent on tests/static/negative/kernel-doc.c"
fi

# FILE_PATH_CHANGES (new files: does MAINTAINERS need updating?) is not
# checked: the MAINTAINERS entry is left for the submission upstream.
for p in "$BUILD"/series/*.patch; do
	[ -f "$p" ] || continue
	name=$(basename "$p" .patch)
	out=$(checkpatch "$p")
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
# The kernel's own documentation build (Sphinx) of a Documentation/ folder,
# kernel-doc directives included. Prints its warnings; that graphviz is
# missing is no warning about a file. No page built is an error too (no
# Sphinx, a build that stopped).
htmldocs() {	# htmldocs DIR
	local out=$BUILD/htmldocs log

	# -E: read every page again; a page Sphinx took from its cache
	# would not repeat its warnings.
	rm -rf "$out/Documentation/output/$1"
	log=$(cd "$SRC" && make -s O="$out" SPHINXDIRS="$1" SPHINXOPTS=-E \
		htmldocs 2>&1) || true
	# kernel-doc's own "file:N: warning:" lines come through lower case.
	printf '%s\n' "$log" | grep -iE 'warning|error|critical|severe' |
		grep -vE 'dot\(1\) not found|^build succeeded' || true
	# Linux 7.3's kernel-doc says nothing of an :identifiers: name that
	# its source does not document: look for each one ourselves.
	python3 - "$SRC" "$1" <<'EOF_IDS'
import pathlib, re, sys
src = pathlib.Path(sys.argv[1])
for rst in sorted((src / "Documentation" / sys.argv[2]).rglob("*.rst")):
    lines = rst.read_text().splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"\.\. kernel-doc::\s*(\S+)", line)
        if not m:
            continue
        path = src / m.group(1)
        for opt in lines[i + 1:]:
            if not re.match(r"\s+:", opt):
                break	# the directive's options end here
            o = re.match(r"\s+:identifiers:\s*(.*)", opt)
            if not o:
                continue
            text = path.read_text() if path.is_file() else ""
            for name in o.group(1).split():
                if not re.search(r"^ \* (?:(?:struct|enum|union) )?%s\b" % re.escape(name), text, re.M):
                    print("%s:%d: WARNING: %s has no kernel-doc for identifier %s" % (rst.relative_to(src), i + 1, m.group(1), name))
EOF_IDS
	[ -s "$out/Documentation/output/$1/index.html" ] ||
		printf 'no Documentation/output/%s/index.html: %s\n' "$1" \
			"$(printf '%s\n' "$log" | tail -n 1)"
}

# The negative page goes into the tree for its run only.
negdoc=$SRC/Documentation/ats-recovery-negative
rm -rf "$negdoc"
cp -r "$neg/htmldocs" "$negdoc"
out=$(htmldocs ats-recovery-negative)
rm -rf "$negdoc"
if printf '%s\n' "$out" | grep -q 'no-such-page' &&
   printf '%s\n' "$out" | grep -q 'no-such-file' &&
   printf '%s\n' "$out" | grep -q 'no_such_function'; then
	result PASS static/htmldocs-fires
else
	result FAIL static/htmldocs-fires "missed a fault of tests/static/negative/htmldocs: $(printf '%s\n' "$out" | head -n 1)"
fi
out=$(htmldocs iommu)
if [ -z "$out" ]; then
	result PASS static/htmldocs
else
	result FAIL static/htmldocs "$(printf '%s\n' "$out" | head -n 1)"
	printf '%s\n' "$out" | head -n 20 | sed 's/^/    /'
fi
[ $nfail -eq 0 ]
