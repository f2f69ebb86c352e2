# SPDX-License-Identifier: GPL-2.0
# machines: vtd
# A timeout reported for the virtio-blk disk, whose driver has no error
# handlers: the layer fences it, the function is unbound, reset with ATS
# fenced and bound again; ATS comes back and a pattern written before the
# timeout reads back intact from the re-probed disk.
. /tests/lib.sh

blk=$(virtio_blk_bdf)
[ -n "$blk" ] || fail "no virtio-blk function"
[ "$(ats_state "$blk")" = enabled ] || fail "$blk: ATS is not enabled before the test"
recoveries=$(ats_attr "$blk" recoveries)

# 1 MiB of random data at 4 MiB into the disk.
dd if=/dev/urandom of=/tmp/pattern bs=64k count=16 2>/dev/null
dd if=/tmp/pattern of=/dev/vda bs=64k seek=64 conv=fsync 2>/dev/null || fail "write to /dev/vda"
want=$(md5sum < /tmp/pattern | cut -d' ' -f1)
info "wrote 1 MiB (md5 $want) to /dev/vda at 4 MiB"

report "$blk"
wait_state "$blk" ok 60
[ "$(ats_attr "$blk" recoveries)" = $((recoveries + 1)) ] || fail "recoveries did not go up by one"
dmesg_has "$blk: recovery: the driver has no error handlers: unbind, reset, rebind" ||
	fail "no unbind/reset/rebind line in the kernel log"
[ "$(driver_of "$blk")" = virtio-pci ] || fail "$blk is bound to '$(driver_of "$blk")' after the recovery"
[ "$(ats_state "$blk")" = enabled ] || fail "$blk: ATS is $(ats_state "$blk") after the recovery"

got=$(vda_pattern_md5) || fail "/dev/vda did not come back"
[ "$got" = "$want" ] || fail "read back md5 $got, wrote $want: data lost"
info "unbound, reset, rebound; ATS enabled again; read back md5 $got: data intact"
