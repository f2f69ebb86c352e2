#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kunit.sh [--list] ARCH [KUNITCONFIG...]
#
# Runs KUnit suites with the base tree's tools/testing/kunit/kunit.py under
# QEMU (TCG), in build/kunit/ARCH. Default: every .kunitconfig of the
# overlay that applies to ARCH (see kunitconfigs_for). Every test case is a
# result line in $RESULTS ("PASS kunit/ARCH/suite.case").
. "$(dirname "$0")/lib.sh"

list=0
[ "${1:-}" = --list ] && { list=1; shift; }
arch=${1:?usage: kunit.sh [--list] ARCH [KUNITCONFIG...]}
shift

# A .kunitconfig may start with "# arch: arm64" to say where it runs.
kunitconfigs_for() {
	local f a
	while read -r f; do
		a=$(sed -n 's/^# arch:[[:space:]]*//p' "$TOP/$f" | head -n 1)
		[ -z "$a" ] || [[ " $a " == *" $1 "* ]] && echo "$TOP/$f"
	done < <(overlay_files | grep '/\.kunitconfig$')
	return 0
}
if [ $# -gt 0 ]; then
	configs=("$@")
else
	mapfile -t configs < <(kunitconfigs_for "$arch")
fi
if [ $list -eq 1 ]; then
	[ ${#configs[@]} -eq 0 ] || printf '%s\n' "${configs[@]}"
	exit 0
fi
[ ${#configs[@]} -gt 0 ] || die "kunit $arch: no .kunitconfig found"
out=$BUILD/kunit/$arch
mkdir -p "$out"

args=(run --arch="$arch" --build_dir="$out" --jobs="$JOBS" --timeout=900
      --json="$out/results.json")
for c in "${configs[@]}"; do args+=(--kunitconfig="$c"); done
case "$arch" in
x86_64) args+=(--make_options="CC=ccache gcc" --qemu_args="-accel tcg") ;;
arm64)	args+=(--cross_compile=aarch64-linux-gnu-
	       --make_options="CC=ccache aarch64-linux-gnu-gcc") ;;
esac
# Test kernels run with lockdep and atomic-sleep checks.
for o in CONFIG_DEBUG_KERNEL=y CONFIG_PROVE_LOCKING=y CONFIG_DEBUG_ATOMIC_SLEEP=y; do
	args+=(--kconfig_add="$o")
done

say "kunit $arch: $(for c in "${configs[@]}"; do echo -n "${c#$TOP/} "; done)"
rm -f "$out/results.json"
set +e
(cd "$SRC" && python3 tools/testing/kunit/kunit.py "${args[@]}") > "$out/kunit.log" 2>&1
rc=$?
set -e
grep -E '^\[[0-9:]+\] (\[(PASSED|FAILED|SKIPPED|CRASHED)\]|=+|Testing complete|Elapsed)' "$out/kunit.log" || true

# One result line per test case, from kunit.py's JSON.
python3 - "$out/results.json" "$arch" "$rc" "$out/kunit.log" <<'PY'
import json, os, sys
path, arch, rc, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
lines = []
def walk(node, prefix):
    subs = node.get("sub_groups") or []
    cases = node.get("test_cases") or []
    name = node.get("name", "")
    here = f"{prefix}{name}." if name and name != "main" else prefix
    for g in subs:
        walk(g, here)
    for c in cases:
        st = c.get("status", "")
        verdict = "PASS" if st in ("PASS", "SKIP") else "FAIL"
        why = "" if verdict == "PASS" else f": {st}"
        lines.append(f"{verdict} kunit/{arch}/{here}{c.get('name')}{why}")
try:
    data = json.load(open(path))
    walk(data, "")
except Exception as e:
    lines.append(f"FAIL kunit/{arch}/run: no results ({e}); see {log}")
if rc != 0 and not any(l.startswith("FAIL") for l in lines):
    lines.append(f"FAIL kunit/{arch}/run: kunit.py exited {rc}; see {log}")
if not lines:
    lines.append(f"FAIL kunit/{arch}/run: no test case ran; see {log}")
out = os.environ.get("RESULTS")
for l in lines:
    print(l)
if out:
    with open(out, "a") as f:
        f.write("\n".join(lines) + "\n")
sys.exit(1 if any(l.startswith("FAIL") for l in lines) else 0)
PY
