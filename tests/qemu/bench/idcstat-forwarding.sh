# Benchmark (not a test): bridge forwarding rate g1 -> g2 through two hooked
# veth "vifs", with idcstat loaded and not loaded, alternating in one boot.
# Run: tests/qemu/run tests/qemu/bench/idcstat-forwarding.sh
# and read the "round" lines in its case.out; summarise them with
# tests/qemu/bench/summarise-forwarding < case.out (docs/benchmarks.md has figures).
# modules: veth bridge
# cargo-bin: idcstat-probe idcstat-probe
# host-bin: tests/qemu/tools/idcstat-topology.sh
# timeout: 900
. /bin/idcstat-topology.sh

build_topology
in_ns g1 idcstat-probe udp 10.1.0.1 10.1.0.2 9000 64 20000    # warm up
for round in $(seq 1 16); do
    for state in unloaded loaded; do
        if [ $state = loaded ]; then load_idcstat; fi
        r=$(in_ns g1 idcstat-probe bench 10.1.0.1 10.1.0.2 9000 64 30000)
        echo "round $round $state $r"
        if [ $state = loaded ]; then
            idcstat-probe domain 2 | tr ' ' '\n' | grep '^idc-rx-packets='
            unload_idcstat
        fi
    done
done
