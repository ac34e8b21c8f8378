# idcstat-traffic's exact-counter assertions, with the vif veths on an Open
# vSwitch kernel datapath instead of a Linux bridge: Debian's stock
# openvswitch.ko, set up by ovs-dpctl (Debian's openvswitch-switch, run
# without ovs-vswitchd; on the host: apt-get install --no-install-recommends
# openvswitch-switch) with static flows that forward by destination MAC
# (see ovs_flows in tests/qemu/tools/idcstat-topology.sh). The hooks sit on
# the vifs themselves, so the counts must not depend on the switch.
# modules: veth openvswitch
# cargo-bin: idcstat-probe idcstat-probe
# host-bin: tests/qemu/tools/idcstat-topology.sh
# host-bin: tests/qemu/cases/idcstat-traffic.sh
# host-program: ovs-dpctl
# timeout: 300
SWITCH=ovs
. /bin/idcstat-traffic.sh
