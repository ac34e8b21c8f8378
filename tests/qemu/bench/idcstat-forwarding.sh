# Benchmark (not a test): bridge forwarding rate g1 -> g2 through two hooked
# veth "vifs", with idcstat not loaded, loaded with guest transmits counted by
# its packet_type tap (ingress_tap=1, the default), and loaded with them
# counted by a netfilter ingress hook (ingress_tap=0), alternating in one
# boot, for 64-byte and 1400-byte UDP payloads.
# Run: tests/qemu/run tests/qemu/bench/idcstat-forwarding.sh (one round per
# state: a smoke run that also builds the initramfs), then
# tests/qemu/bench/idcstat-forwarding-icount [ROUNDS] (the same initramfs
# under deterministic instruction counting; docs/benchmarks.md has figures).
# It prints "round N SIZE STATE pps=X" lines, which
# tests/qemu/bench/summarise-forwarding summarises.
# modules: veth bridge
# cargo-bin: idcstat-probe idcstat-probe
# host-bin: tests/qemu/tools/idcstat-topology.sh
# timeout: 900
. /bin/idcstat-topology.sh

rounds=$(sed -n 's/.*bench_rounds=\([0-9]*\).*/\1/p' /proc/cmdline)
rounds=${rounds:-1}
build_topology
in_ns g1 idcstat-probe udp 10.1.0.1 10.1.0.2 9000 64 20000    # warm up
for round in $(seq 1 "$rounds"); do
    for size in 64 1400; do
        for state in unloaded tap netfilter; do
            case $state in
                tap) load_idcstat ingress_tap=1 ;;
                netfilter) load_idcstat ingress_tap=0 ;;
            esac
            r=$(in_ns g1 idcstat-probe bench 10.1.0.1 10.1.0.2 9000 "$size" 30000)
            echo "round $round $size $state $r"
            if [ $state != unloaded ]; then
                # The receiver's IDC count proves the module saw the traffic.
                rx=$(idcstat-probe domain 2 | tr ' ' '\n' | sed -n 's/^idc-rx-packets=//p')
                [ "${rx:-0}" -ge 30000 ] || fail "$state: domain 2 idc-rx-packets=${rx:-none} < 30000"
                unload_idcstat
            fi
        done
    done
done
