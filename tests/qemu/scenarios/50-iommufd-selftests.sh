# SPDX-License-Identifier: GPL-2.0
# machines: vtd
# timeout: 2400
# Upstream's own regression suite of the IOMMU core's userspace API, on the
# patched kernel: tools/testing/selftests/iommu (iommufd, iommufd_fail_nth),
# built by workspace/selftests.sh. They run against the kernel's mock IOMMU
# (CONFIG_IOMMUFD_TEST), which goes through the same core paths the layer
# changed: attach, replace, PASID, the blocking domain. Each case is a
# verdict of its own (qemu/vtd/50-iommufd-selftests/PROGRAM.CASE); the
# scenario fails if a program fails or ends before its totals.
. /tests/lib.sh

for t in iommufd iommufd_fail_nth; do
	[ -x "/tests/bin/$t" ] || fail "no /tests/bin/$t in the initramfs (workspace/selftests.sh)"
done
[ -e /dev/iommu ] || fail "no /dev/iommu: CONFIG_IOMMUFD is not in the kernel"
# The hugepage variants map MAP_HUGETLB buffers of two huge pages each
echo 96 > /proc/sys/vm/nr_hugepages	# domain_dirty128M_huge: 64 of them
info "huge pages reserved: $(cat /proc/sys/vm/nr_hugepages)"

for t in iommufd iommufd_fail_nth; do
	start=$(date +%s)
	rc=0
	"/tests/bin/$t" > "/tmp/$t.tap" 2>&1 || rc=$?
	# "ok N name", "ok N name # SKIP why", "not ok N name": one verdict each
	awk -v prog="$t" '
		/^ok [0-9]+ / || /^not ok [0-9]+ / {
			res = ($1 == "not") ? "FAIL" : "PASS"
			name = ($1 == "not") ? $4 : $3
			why = ""
			if (index($0, "# SKIP")) { res = "SKIP"; why = substr($0, index($0, "# SKIP") + 7) }
			print "atstest-sub 50-iommufd-selftests " prog "." name " " res (why != "" ? " " why : "")
		}' "/tmp/$t.tap"
	totals=$(grep '^# Totals' "/tmp/$t.tap" || true)
	info "$t: ${totals:-no totals line} ($(( $(date +%s) - start )) s, exit $rc)"
	[ -n "$totals" ] || { tail -n 20 "/tmp/$t.tap"; fail "$t ended before its totals (exit $rc)"; }
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ]; then
		# what the first failed cases said, for the reader
		awk '/^#  RUN/ { n = 0 } { buf[n++] = $0 }
		     /^not ok/ && shown < 3 { for (i = 0; i < n && i < 15; i++) print buf[i]; shown++ }' "/tmp/$t.tap"
		failed="${failed:+$failed, }$t: exit $rc"
	fi
done
# Both programs run whatever the first one did
[ -z "${failed:-}" ] || fail "$failed"
