#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kunit.sh [--list] ARCH [FILTER_GLOB]
#
# Runs the KUnit suites of ARCH with the base tree's
# tools/testing/kunit/kunit.py ("exec") under QEMU/TCG, on the ARCH test
# kernel itself: every .kunitconfig of the overlay that applies to ARCH is
# merged into that kernel's config (see the Makefile), the suites are built
# in and stay idle in the scenario boots (KUNIT_DEFAULT_ENABLED=n), and
# kunit.py boots the kernel with kunit.enable=1. One kernel build per
# architecture instead of two. Every test case is a result line in
# $RESULTS ("PASS kunit/ARCH/suite.case"). --list prints the .kunitconfig
# files for ARCH.
. "$(dirname "$0")/lib.sh"

list=0
[ "${1:-}" = --list ] && { list=1; shift; }
arch=${1:?usage: kunit.sh [--list] ARCH [FILTER_GLOB]}
shift

# A .kunitconfig may start with "# arch: arm64" to say where it runs.
kunitconfigs_for() {
	local f a
	while read -r f; do
		a=$(sed -n 's/^# arch:[[:space:]]*//p' "$TOP/$f" | head -n 1)
		[ -z "$a" ] || [[ " $a " == *" $1 "* ]] && echo "$TOP/$f"
	done < <(overlay_files | grep '/\.kunitconfig$'
		 cd "$TOP" && ls tests/kunit/*.kunitconfig 2>/dev/null)
	# The base's own IOMMU suites (tests/kunit/upstream-suites)
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/tests/kunit/upstream-suites" |
	while read -r f archs; do
		[[ " $archs " == *" $1 "* ]] || continue
		[ -f "$SRC/$f" ] || die "tests/kunit/upstream-suites: $f is not in the base"
		echo "$SRC/$f"
	done
	return 0
}
mapfile -t configs < <(kunitconfigs_for "$arch")
if [ $list -eq 1 ]; then
	[ ${#configs[@]} -eq 0 ] || printf '%s\n' "${configs[@]}"
	exit 0
fi
[ ${#configs[@]} -gt 0 ] || die "kunit $arch: no .kunitconfig found"
glob=${1:-}
kbuild=$BUILD/out/$arch
make -s -C "$TOP" "$arch"
out=$BUILD/kunit/$arch
mkdir -p "$out"

args=(exec --arch="$arch" --build_dir="$kbuild" --timeout=900 --json="$out/results.json")
# Two vCPUs: the suites race reporters, flushes and attaches on two CPUs.
# Three on arm64: the SMMUv3 command queue suite's model of the hardware
# needs a CPU of its own beside two submitters, which spin with
# interrupts off as the driver does.
smp=2
[ "$arch" != arm64 ] || smp=3
args+=(--qemu_args="-smp $smp")
# kunit.py (7.3) asks QEMU for KVM first, and KVM hangs x86 guests on these
# machines: a wrapper first in PATH drops "-accel kvm" and "-accel hvf".
bin=$out/bin
mkdir -p "$bin"
for q in qemu-system-x86_64 qemu-system-aarch64; do
	real=$(PATH=${PATH//$bin:/} command -v "$q" || true)
	[ -n "$real" ] || continue
	cat > "$bin/$q" <<EOF_WRAP
#!/usr/bin/env bash
# Written by workspace/kunit.sh: $real under TCG only.
a=()
while [ \$# -gt 0 ]; do
	if [ "\$1" = -accel ] && { [ "\$2" = kvm ] || [ "\$2" = hvf ]; }; then
		shift 2
		continue
	fi
	a+=("\$1")
	shift
done
exec $real "\${a[@]}"
EOF_WRAP
	chmod +x "$bin/$q"
done
export PATH=$bin:$PATH
[ -z "$glob" ] || args+=("$glob")

say "kunit $arch: suites of $(for c in "${configs[@]}"; do echo -n "${c#$TOP/} "; done)"
rm -f "$out/results.json"
set +e
(cd "$SRC" && python3 tools/testing/kunit/kunit.py "${args[@]}") > "$out/kunit.log" 2>&1
rc=$?
set -e
grep -E '^\[[0-9:]+\] (\[(PASSED|FAILED|SKIPPED|CRASHED)\]|=+|Testing complete|Elapsed)' "$out/kunit.log" || true

# One result line per test case, from kunit.py's JSON, plus one for the
# kernel log of the run (kunit.py keeps it in the build dir as test.log).
python3 - "$out/results.json" "$arch" "$rc" "$kbuild/test.log" <<'PY'
import json, os, re, sys
path, arch, rc, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
cases = []
def walk(node, prefix, root=False):
    name = node.get("name", "")
    here = prefix if root else f"{prefix}{name}."
    for g in node.get("sub_groups") or []:
        walk(g, here)
    for c in node.get("test_cases") or []:
        st = c.get("status", "")
        ok = st in ("PASS", "SKIP")
        cases.append(f"{'PASS' if ok else 'FAIL'} kunit/{arch}/{here}{c.get('name')}"
                     + ("" if ok else f": {st}"))
try:
    results = json.load(open(path))
    walk(results, "", root=True)
except Exception as e:
    results = None
    cases.append(f"FAIL kunit/{arch}/run: no results ({e})")
# Every suite the kernel reported (its top-level KTAP result line) must be
# in kunit.py's results: a console line broken by another CPU's message
# ("** replaying previous printk message **") can make kunit.py lose the
# suites after it without a word (seen: 76 cases of two suites gone).
top = re.compile(r"^\[[ 0-9.]+\] (not ok|ok) [0-9]+ ([^ #]+)")
parsed = {g.get("name") for g in (results or {}).get("sub_groups") or []}
try:
    for l in open(log, errors="replace"):
        m = top.match(l.rstrip("\n"))
        if m and results is not None and m.group(2) not in parsed:
            cases.append(f"FAIL kunit/{arch}/{m.group(2)}: its results are in the kernel log "
                         f"({m.group(1)}) but kunit.py did not parse them")
except OSError:
    pass
if not cases:
    cases.append(f"FAIL kunit/{arch}/run: no test case ran")
elif rc != 0 and not any(c.startswith("FAIL") for c in cases):
    cases.append(f"FAIL kunit/{arch}/run: kunit.py exited {rc}")
# The kernel's own complaints while the suites ran fail the run: a case
# that passes while lockdep or the atomic-sleep check fires is a bug.
splat = re.compile(r"WARNING: CPU:|BUG:|Oops|possible circular locking|"
                   r"possible recursive locking|inconsistent lock state|"
                   r"suspicious RCU usage|sleeping function called from invalid context|"
                   r"KASAN:|UBSAN:|soft lockup|hard LOCKUP|"
                   r"trying to register non-static key|"
                   r"turning off the locking correctness validator")
try:
    bad = [l.strip() for l in open(log, errors="replace") if splat.search(l)]
except OSError:
    bad = [f"no kernel log at {log}"]
cases.append(f"FAIL kunit/{arch}/kernel-log: {bad[0]}" if bad else f"PASS kunit/{arch}/kernel-log")
out = os.environ.get("RESULTS")
for c in cases:
    print(c)
if out:
    with open(out, "a") as f:
        f.write("\n".join(cases) + "\n")
sys.exit(1 if any(c.startswith("FAIL") for c in cases) else 0)
PY
