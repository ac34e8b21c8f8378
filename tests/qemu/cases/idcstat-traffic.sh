# idcstat counts exactly known UDP traffic on a Linux bridge whose veth ports
# stand in for Xen vifs: guest->guest (IPv4 and IPv6), guest->remote host,
# remote->guest, guest->outside the cluster, broadcast, guest->dom0. Every
# counter delta is asserted exactly, and the module's per-vif totals must equal
# the vifs' own netdev packet counters.
# modules: veth bridge
# cargo-bin: idcstat-probe idcstat-probe
# host-bin: tests/qemu/tools/idcstat-topology.sh
# timeout: 300
. /bin/idcstat-topology.sh

load_idcstat
build_topology
idcstat-probe config --vif "$(ifindex vif1.0):1:0:11:$MAC1" --vif "$(ifindex vif2.0):2:0:12:$MAC2" \
    --prefix 10.1.0.0/16 --prefix fd00::/64 --host 10.1.0.254 --uplink "$(ifindex up0)" \
    || fail "config-set refused"
wait_quiet
snapshot before

# Frame bytes = payload + UDP 8 + IPv4 20 (IPv6 40) + Ethernet 14.
in_ns g1 idcstat-probe udp 10.1.0.1 10.1.0.2 9000 100 5        # IDC, 142 B each
in_ns g1 idcstat-probe udp fd00::1 fd00::2 9000 80 6            # IDC over IPv6, 142 B
in_ns g1 idcstat-probe udp 10.1.0.1 10.1.0.100 9000 200 3      # NIC to the remote host, 242 B
in_ns remote idcstat-probe udp 10.1.0.100 10.1.0.1 9000 50 4   # NIC from the remote host, 92 B
in_ns g1 idcstat-probe udp 10.1.0.1 192.0.2.1 9000 300 2       # outside the cluster, 342 B
in_ns g2 idcstat-probe udp 10.1.0.2 255.255.255.255 9000 60 1  # broadcast, 102 B
in_ns g2 idcstat-probe udp 10.1.0.2 10.1.0.254 9000 40 2       # dom0's address, 82 B
sleep 1
snapshot after

expect_delta 1 idc-tx-packets 11;      expect_delta 1 idc-tx-bytes $((5 * 142 + 6 * 142))
expect_delta 2 idc-rx-packets 11;      expect_delta 2 idc-rx-bytes $((11 * 142))
expect_delta 1 nic-tx-packets 3;       expect_delta 1 nic-tx-bytes $((3 * 242))
expect_delta 1 nic-rx-packets 4;       expect_delta 1 nic-rx-bytes $((4 * 92))
expect_delta 1 external-tx-packets 2;  expect_delta 1 external-tx-bytes $((2 * 342))
expect_delta 2 bcast-tx-packets 1;     expect_delta 2 bcast-tx-bytes 102
expect_delta 1 bcast-rx-packets 1;     expect_delta 1 bcast-rx-bytes 102
expect_delta 2 dom0-tx-packets 2;      expect_delta 2 dom0-tx-bytes $((2 * 82))
expect_delta 1 tx-packets 16;          expect_delta 1 rx-packets 5
expect_delta 2 tx-packets 3;           expect_delta 2 rx-packets 11
for d in 1 2; do
    for c in idc nic external bcast non-ip dom0; do
        for dir in tx rx; do
            case "$d $c-$dir" in
            "1 idc-tx"|"2 idc-rx"|"1 nic-tx"|"1 nic-rx"|"1 external-tx"|"2 bcast-tx"|"1 bcast-rx"|"2 dom0-tx") ;;
            *) expect_delta "$d" "$c-$dir-packets" 0 ;;
            esac
        done
    done
done

# Per-peer entries: g1's itx holds g2 (domid 2), its otx the remote host.
peers=$(idcstat-probe peers 1)
echo "$peers"
echo "$peers" | grep -q "table=0 peer-domid=2 mac=$MAC2 .*packets=11 bytes=1562" \
    || fail "itx entry for domain 2 wrong"
echo "$peers" | grep -q "table=1 .*ipv4=10.1.0.100 packets=3 bytes=726" \
    || fail "otx entry for 10.1.0.100 wrong"

# Totals equal the vifs' netdev counters (guest tx = dom0 rx on its vif).
expect_netdev_totals 1 vif1.0
expect_netdev_totals 2 vif2.0

# Departure: when its vif goes, a domain's final counters stay readable, marked
# departed, until the agent acknowledges that generation.
out=$(idcstat-probe ack 1 11 || true)
echo "$out" | grep -q "EINVAL.*has not departed" || fail "ack of an active domain accepted: $out"
ip link del vif2.0
idcstat-probe domain 2 | tr ' ' '\n' >/run/snap-gone-2
[ "$(value gone 2 state)" = 1 ] || fail "domain 2 not departed after its vif went"
[ "$(value gone 2 idc-rx-packets)" = "$(value after 2 idc-rx-packets)" ] || fail "final counters changed"
idcstat-probe ack 2 12 || fail "ack of departed domain 2 generation 12"
out=$(idcstat-probe domain 2 || true)
echo "$out" | grep -q "ENOENT" || fail "acknowledged domain still readable: $out"
echo "ok departure and ack"
unload_idcstat
