#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kconfig.sh ARCH OUTDIR FRAGMENT...
# Builds OUTDIR/.config as "allnoconfig + fragments" and fails, naming the
# option, when a fragment line did not survive (a typo, a missing
# dependency, an option that does not exist in this base).
. "$(dirname "$0")/lib.sh"

arch=$1 out=$(realpath -m "$2")
shift 2
mkdir -p "$out"
all=$out/allconfig.fragments
cat "$@" > "$all.new"
# Regenerate only when the fragments changed: an unchanged .config keeps
# every object up to date.
if [ -f "$out/.config" ] && cmp -s "$all.new" "$all"; then
	rm -f "$all.new"
	exit 0
fi
mv "$all.new" "$all"
say "config $arch: allnoconfig + $(for f in "$@"; do basename "$f"; done | tr '\n' ' ')"
# Fragments may repeat a symbol (a .kunitconfig restates its dependencies):
# kconfig's "reassigning" notes are expected, anything else is shown.
kmake "$arch" "$out" KCONFIG_ALLCONFIG="$all" allnoconfig 2>&1 |
	{ grep -v 'override: reassigning to symbol' || true; }

bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	if ! grep -qxF -- "$want" "$out/.config"; then
		sym=${want#\# }; sym=${sym%%[= ]*}
		got=$(grep -E "^(# )?$sym[= ]" "$out/.config" || echo "$sym absent")
		printf 'error: config %s: wanted "%s", got "%s"\n' "$arch" "$want" "$got" >&2
		bad=1
	fi
done < "$all"
if [ $bad -ne 0 ]; then
	rm -f "$all"	# force a fresh attempt next time
	die "config $arch: fragment options did not apply (see above)"
fi
