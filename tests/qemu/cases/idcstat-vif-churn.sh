# 1000 vif add/remove cycles: every vif is hooked and unhooked, its domain
# appears and departs, and the kernel's slab memory does not grow with the
# cycles (a leaked hook or table entry per cycle would show as >= 200 KiB).
# modules: veth bridge
# cargo-bin: idcstat-probe idcstat-probe
# timeout: 900
load_idcstat max_domains=8
slab() {
    sed -n 's/^Slab: *\([0-9]*\) kB/\1/p' /proc/meminfo
}
cycle() {
    ip link add vif5.0 type veth || fail "veth"
    ip link set vif5.0 up
    ip link del vif5.0 || fail "del"
}
for i in $(seq 1 50); do cycle; done    # warm the caches
echo 3 >/proc/sys/vm/drop_caches
slab_before=$(slab)
for i in $(seq 1 1000); do cycle; done
echo 3 >/proc/sys/vm/drop_caches
sleep 2
slab_after=$(slab)
echo "slab before=${slab_before} kB after=${slab_after} kB"
[ $((slab_after - slab_before)) -lt 200 ] || fail "slab grew by $((slab_after - slab_before)) kB over 1000 cycles"
idcstat-probe config-get | grep -q "vif=" && fail "a vif is still tracked after the churn"
idcstat-probe domains | grep -q "state=0" && fail "an active domain is left after the churn"
unload_idcstat
