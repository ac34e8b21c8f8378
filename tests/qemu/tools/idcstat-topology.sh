# shellcheck shell=sh
# The idcstat QEMU cases' test network: in the initial namespace ("dom0") a
# switch br0 with ports vif1.0 and vif2.0 (veths standing in for Xen vifs)
# whose peers are eth0 in namespaces g1 and g2 (the guests), plus an uplink
# port up0 whose peer is eth0 in namespace "remote" (another host, which also
# owns 192.0.2.1 outside the cluster). Namespaces are kept alive by a sleeping
# process each; their pids are in /run/ns-NAME. Static neighbours everywhere,
# so no ARP or neighbour discovery adds packets to the counts.
# The switch is a Linux bridge, or with SWITCH=ovs an Open vSwitch kernel
# datapath (openvswitch.ko, set up with ovs-dpctl, no ovs-vswitchd) whose
# static flows forward by destination MAC: br0 is then the datapath's own
# internal port.
SWITCH=${SWITCH:-bridge}

MAC1=02:00:00:00:00:01
MAC2=02:00:00:00:00:02
MACR=02:00:00:00:00:64

# ifindex DEV: ifindex of DEV in the initial namespace.
ifindex() {
    cat "/sys/class/net/$1/ifindex"
}

# in_ns NAME CMD...: run CMD in namespace NAME.
in_ns() {
    ns=$1
    shift
    nsenter -t "$(cat "/run/ns-$ns")" -n "$@"
}

# make_ns NAME: a new network namespace with quiet IPv6 defaults.
make_ns() {
    unshare -n sleep 100000 &
    echo $! >"/run/ns-$1"
    sleep 0.2
    in_ns "$1" sh -c 'for k in accept_dad router_solicitations; do
        echo 0 > /proc/sys/net/ipv6/conf/default/$k; done; ip link set lo up'
}

# plug NAME PORT MAC V4 V6: veth PORT (dom0 side, in br0) <-> eth0 in NAME.
plug() {
    ip link add "$2" type veth || fail "veth $2"
    ip link set veth0 netns "$(cat "/run/ns-$1")" || fail "move peer of $2"
    in_ns "$1" ip link set veth0 name eth0 || {
        in_ns "$1" ip link
        fail "rename the peer of $2 to eth0 in $1"
    }
    in_ns "$1" ip link set eth0 address "$3"
    in_ns "$1" ip addr add "$4/16" dev eth0
    in_ns "$1" ip addr add "$5/64" dev eth0
    in_ns "$1" ip link set eth0 up
    if [ "$SWITCH" = ovs ]; then
        ovs-dpctl add-if br0 "$2" || fail "ovs-dpctl add-if $2"
    else
        brctl addif br0 "$2"
    fi
    ip link set "$2" up
}

# hold_text_patching_keys: keep on every static key whose last user is
# idcstat, so loading and unloading the module patches no kernel text.
# Why: under QEMU's multi-threaded TCG a vCPU can execute a stale INT3 of the
# kernel's text_poke_bp() after the patch has finished; the kernel then oopses
# with "int3" at the patched site. CI hit this once, at the egress_needed_key
# branch of __dev_queue_xmit while the churn case unloaded idcstat under
# traffic. Hardware serializes this with IPIs; the emulator's race is not
# idcstat's to test. Holders, on a dummy device nobody uses:
#  - a clsact qdisc (egress_needed_key),
#  - an nftables netdev egress chain (nf_hooks_needed[NETDEV][EGRESS]),
#  - the block_bio_queue trace event (the tracepoint's key).
# Needs modules dummy sch_ingress nf_tables and host-program nft tc.
hold_text_patching_keys() {
    ip link add hold0 type dummy || fail "dummy hold0"
    # By path: busybox ash runs its own tc applet for a bare "tc".
    /bin/tc qdisc add dev hold0 clsact || fail "clsact on hold0"
    nft add table netdev hold || fail "nft table"
    nft add chain netdev hold egress "{ type filter hook egress device hold0 priority 0; }" \
        || fail "nft egress chain on hold0"
    grep -q " /sys/kernel/tracing " /proc/mounts || mount -t tracefs tracefs /sys/kernel/tracing \
        || fail "mount tracefs"
    echo 1 >/sys/kernel/tracing/events/block/block_bio_queue/enable \
        || fail "enable block_bio_queue"
}

# ovs_port DEV: DEV's port number in datapath br0.
ovs_port() {
    ovs-dpctl show br0 | sed -n "s/^ *port \([0-9]*\): $1\( .*\)\{0,1\}\$/\1/p"
}

# ovs_flows BRMAC: datapath flows of a MAC-learning switch that has learned
# every MAC: unicast IPv4/IPv6 to the port of its destination MAC, broadcast
# and multicast to every port but the one it came in on. Frames no flow
# matches (ARP, which the static neighbours avoid) are dropped.
ovs_flows() {
    ports="0 $(ovs_port vif1.0) $(ovs_port vif2.0) $(ovs_port up0)"
    for l3 in "eth_type(0x0800),ipv4(frag=no)" "eth_type(0x86dd),ipv6(frag=no)"; do
        for pair in "$MAC1:vif1.0" "$MAC2:vif2.0" "$MACR:up0" "$1:br0"; do
            mac=${pair%:*}
            dev=${pair##*:}
            out=0
            [ "$dev" = br0 ] || out=$(ovs_port "$dev")
            ovs-dpctl add-flow br0 "eth(dst=$mac),$l3" "$out" || fail "flow to $mac"
        done
        for in in $ports; do
            others=$(echo $ports | tr ' ' '\n' | grep -vx "$in" | paste -sd,)
            ovs-dpctl add-flow br0 \
                "in_port($in),eth(dst=01:00:00:00:00:00/01:00:00:00:00:00),$l3" "$others" \
                || fail "flood flow from port $in"
        done
    done
}

build_topology() {
    mkdir -p /run
    echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
    echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
    ip link set lo up
    if [ "$SWITCH" = ovs ]; then
        ovs-dpctl add-dp br0 || fail "ovs-dpctl add-dp br0"
    else
        brctl addbr br0
    fi
    ip link set br0 up
    ip addr add 10.1.0.254/16 dev br0
    for ns in g1 g2 remote; do make_ns $ns; done
    plug g1 vif1.0 $MAC1 10.1.0.1 fd00::1
    plug g2 vif2.0 $MAC2 10.1.0.2 fd00::2
    plug remote up0 $MACR 10.1.0.100 fd00::64
    in_ns remote ip addr add 192.0.2.1/24 dev eth0
    brmac=$(cat /sys/class/net/br0/address)
    [ "$SWITCH" = ovs ] && ovs_flows "$brmac"
    for ns in g1 g2; do
        in_ns $ns ip route add default via 10.1.0.100
        in_ns $ns idcstat-probe neigh eth0 10.1.0.100 $MACR
        in_ns $ns idcstat-probe neigh eth0 10.1.0.254 "$brmac"
        in_ns $ns idcstat-probe neigh eth0 fd00::64 $MACR
    done
    in_ns g1 idcstat-probe neigh eth0 10.1.0.2 $MAC2
    in_ns g1 idcstat-probe neigh eth0 fd00::2 $MAC2
    in_ns g2 idcstat-probe neigh eth0 10.1.0.1 $MAC1
    in_ns g2 idcstat-probe neigh eth0 fd00::1 $MAC1
    in_ns remote idcstat-probe neigh eth0 10.1.0.1 $MAC1
    in_ns remote idcstat-probe neigh eth0 10.1.0.2 $MAC2
    for ns in g1 g2 remote; do in_ns $ns idcstat-probe udp-sink 9000 & done
    idcstat-probe udp-sink 9000 &
    sleep 1
}

# snapshot NAME: save domains 1 and 2 as /run/snap-NAME-DOMID (one name=value a line).
snapshot() {
    for d in 1 2; do
        idcstat-probe domain $d | tr ' ' '\n' >"/run/snap-$1-$d" || fail "domain-get $d"
    done
}

# wait_quiet: wait until background traffic (MLD, ...) stops changing the counters.
wait_quiet() {
    i=0
    snapshot quiet-a
    while :; do
        sleep 2
        snapshot quiet-b
        if cmp -s /run/snap-quiet-a-1 /run/snap-quiet-b-1 && cmp -s /run/snap-quiet-a-2 /run/snap-quiet-b-2; then
            return 0
        fi
        i=$((i + 1))
        [ $i -lt 15 ] || fail "counters never settle"
        snapshot quiet-a
    done
}

# value SNAP DOMID NAME: a counter from a snapshot.
value() {
    sed -n "s/^$3=//p" "/run/snap-$1-$2"
}

# expect_delta DOMID NAME N: the counter grew by exactly N between before and after.
expect_delta() {
    got=$(($(value after "$1" "$2") - $(value before "$1" "$2")))
    [ "$got" -eq "$3" ] || fail "domain $1 $2 grew by $got, expected $3"
    echo "ok domain $1 $2 +$got"
}

# expect_netdev_totals DOMID VIF: module totals equal the vif's netdev packet counters.
expect_netdev_totals() {
    idcstat-probe domain "$1" | tr ' ' '\n' >/run/snap-now-"$1"
    tx=$(value now "$1" tx-packets)
    rx=$(value now "$1" rx-packets)
    ndrx=$(cat "/sys/class/net/$2/statistics/rx_packets")
    ndtx=$(cat "/sys/class/net/$2/statistics/tx_packets")
    [ "$tx" -eq "$ndrx" ] || fail "domain $1 tx-packets $tx != $2 rx_packets $ndrx"
    [ "$rx" -eq "$ndtx" ] || fail "domain $1 rx-packets $rx != $2 tx_packets $ndtx"
    echo "ok domain $1 totals tx=$tx rx=$rx equal $2 netdev counters"
}
