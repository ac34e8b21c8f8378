# Lifetime stress on two CPUs: while UDP frames flow through the hooked vifs
# and bios hit the block_bio_queue probe, a vif is deleted and re-plugged and
# the module is unloaded and reloaded, over and over. The races this targets
# (a hook or the probe running while its vif or the counter region goes away)
# would write into freed pages; without KASAN the case catches that through
# fresh userspace pages whose contents are checked (zero pages hashed through a
# pipe, a tmpfs file re-read) and through the kernel log (oops, BUG, WARNING,
# bad page state, segfaults).
# Static keys idcstat would be the last user of are held on by unrelated users
# (see hold_text_patching_keys): the case is about idcstat's own races, not the
# emulator's handling of kernel text patching.
# modules: veth bridge loop dummy sch_ingress nf_tables
# cargo-bin: idcstat-probe idcstat-probe
# host-program: nft tc
# host-bin: tests/qemu/tools/idcstat-topology.sh
# smp: 2
# timeout: 900
. /bin/idcstat-topology.sh

build_topology
hold_text_patching_keys
load_idcstat max_domains=8
dd if=/dev/zero of=/tmp/vbd bs=1M count=8 2>/dev/null
losetup /dev/loop0 /tmp/vbd || fail "losetup"
dd if=/dev/urandom of=/tmp/canary bs=1M count=16 2>/dev/null
canary_sum=$(sha256sum /tmp/canary | cut -d' ' -f1)
zero_sum=$(dd if=/dev/zero bs=1M count=16 2>/dev/null | sha256sum | cut -d' ' -f1)

# Background load, stopped by removing /run/stress.
touch /run/stress
(while [ -e /run/stress ]; do
    in_ns g1 idcstat-probe udp 10.1.0.1 10.1.0.2 9000 1400 200 >/dev/null 2>&1 || true
    in_ns g1 idcstat-probe udp 10.1.0.1 10.1.0.100 9000 60 200 >/dev/null 2>&1 || true
done) &
load_pids=$!
(while [ -e /run/stress ]; do
    in_ns g2 idcstat-probe udp 10.1.0.2 10.1.0.1 9000 700 200 >/dev/null 2>&1 || true
done) &
load_pids="$load_pids $!"
(while [ -e /run/stress ]; do
    dd if=/dev/urandom of=/dev/loop0 bs=64k count=16 oflag=direct 2>/dev/null || true
    dd if=/dev/loop0 of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null || true
done) &
load_pids="$load_pids $!"

bad_pages=0
check_pages() {
    s=$(dd if=/dev/zero bs=1M count=16 2>/dev/null | sha256sum | cut -d' ' -f1)
    [ "$s" = "$zero_sum" ] || bad_pages=$((bad_pages + 1))
    s=$(sha256sum /tmp/canary | cut -d' ' -f1)
    [ "$s" = "$canary_sum" ] || bad_pages=$((bad_pages + 1))
}

for i in $(seq 1 40); do
    # vif removal while frames flow through it, then re-plug (re-hooked).
    ip link del vif2.0 || fail "del vif2.0 (cycle $i)"
    plug g2 vif2.0 $MAC2 10.1.0.2 fd00::2
    in_ns g2 idcstat-probe neigh eth0 10.1.0.1 $MAC1
    check_pages
    if [ $((i % 4)) -eq 0 ]; then
        # Unload and reload under traffic and block I/O.
        unload_idcstat
        load_idcstat max_domains=8
    fi
    check_pages
done
rm -f /run/stress
# shellcheck disable=SC2086
wait $load_pids
echo "cycles=40 bad_page_checks=$bad_pages"
[ "$bad_pages" -eq 0 ] || fail "$bad_pages page content checks failed: memory corrupted"
idcstat-probe config-get | grep -q "vif=" || fail "no vif tracked after the churn"
unload_idcstat
# Case-sensitive, as the kernel prints them: -i once matched "loops_per_jiffy"
# in a boot message that appears when the host is busy.
if dmesg | grep -E 'BUG:|Oops:|WARNING:|general protection|segfault at|Bad page|list_add corruption|list_del corruption'; then
    fail "kernel log reports a fault"
fi
