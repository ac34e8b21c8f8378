# Swap I/O accounting through the block_bio_queue tracepoint, with a loop
# device standing in for a guest's swap vbd: reads and writes with known sizes
# inside the configured sector range count exactly (sectors equal the device's
# own counters); I/O outside the range and on other devices does not count.
# modules: veth bridge loop
# cargo-bin: idcstat-probe idcstat-probe
# host-bin: tests/qemu/tools/idcstat-topology.sh
# timeout: 300
. /bin/idcstat-topology.sh

load_idcstat
build_topology
dd if=/dev/zero of=/tmp/vbd bs=1M count=8 2>/dev/null
losetup /dev/loop0 /tmp/vbd || fail "losetup"
major=$(cut -d: -f1 /sys/block/loop0/dev)
minor=$(cut -d: -f2 /sys/block/loop0/dev)
dev=$(((major << 20) | minor))
# Domain 1's swap: sectors [2048, 2048 + 4096) of loop0.
idcstat-probe config --vif "$(ifindex vif1.0):1:0:11" --swap "1:11:$dev:2048:4096" || fail "swap range"
idcstat-probe config-get | grep -q "swap-range=\[domid=1 generation=11 dev=$dev start-sector=2048 nr-sectors=4096\]" \
    || fail "config-get lacks the swap range"
snapshot before
stat_before=$(cat /sys/block/loop0/stat)
# 4 KiB direct writes at 4 KiB offsets 256.. (sector 2048..): 10 requests, 80 sectors.
dd if=/dev/zero of=/dev/loop0 bs=4096 count=10 seek=256 oflag=direct 2>/dev/null || fail "dd write"
# 6 direct reads of 8 KiB inside: 6 requests, 96 sectors.
dd if=/dev/loop0 of=/dev/null bs=8192 count=6 skip=200 iflag=direct 2>/dev/null || fail "dd read"
# Outside the range (offset 0 and past the end): not counted.
dd if=/dev/zero of=/dev/loop0 bs=4096 count=3 seek=0 oflag=direct 2>/dev/null
dd if=/dev/zero of=/dev/loop0 bs=4096 count=3 seek=1500 oflag=direct 2>/dev/null
sync
snapshot after
stat_after=$(cat /sys/block/loop0/stat)
echo "loop0 stat before: $stat_before"
echo "loop0 stat after:  $stat_after"
expect_delta 1 swap-wr-req 10
expect_delta 1 swap-wr-sect 80
expect_delta 1 swap-rd-req 6
expect_delta 1 swap-rd-sect 96
expect_delta 2 swap-wr-sect 0
# The device's own counters saw 16 writes (10 inside) and 6 reads: inside-range
# sectors are exactly what dd moved there.
set -- $stat_before
rd0=$3 wr0=$7
set -- $stat_after
[ $(($3 - rd0)) -eq 96 ] || fail "loop0 read sectors grew by $(($3 - rd0)), expected 96"
[ $(($7 - wr0)) -eq $((80 + 48)) ] || fail "loop0 write sectors grew by $(($7 - wr0)), expected 128"
losetup -d /dev/loop0
unload_idcstat
