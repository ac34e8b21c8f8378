# Dumps that change while read are flagged NLM_F_DUMP_INTR, and a client that
# restarts on the flag ends with a consistent result. Domain 1 gets 200 NIC
# peers (a peer dump of several pages); a slow reader (8 KiB pages, 300 ms
# after each) dumps them while vif9.0 is created and deleted for 6 seconds
# (each change bumps the module's structure version). The reader must see the
# flag at least once, restart until a dump is not interrupted, and that dump
# must equal one taken after the churn stopped.
# modules: veth bridge
# cargo-bin: idcstat-probe idcstat-probe
# host-bin: tests/qemu/tools/idcstat-topology.sh
# timeout: 500
. /bin/idcstat-topology.sh

load_idcstat
build_topology
idcstat-probe config --prefix 10.0.0.0/8 >/dev/null || fail "config-set cluster prefix"
# 200 cluster peers behind the gateway (10.2.0.0/16 is not on g1's link).
in_ns g1 sh -c 'for c in 0 1; do for d in $(seq 1 100); do
    idcstat-probe udp 10.1.0.1 10.2.$c.$d 9000 64 1 || exit 1; done; done' || fail "udp to 200 peers"
peers=$(idcstat-probe peers 1 | grep -c "table=1 ")
[ "$peers" -eq 200 ] || fail "domain 1 has $peers otx peers, expected 200"
echo "ok 200 otx peers"

(
    i=0
    end=$(($(date +%s) + 6))
    while [ "$(date +%s)" -lt $end ]; do
        ip link add vif9.0 type veth peer name p9 && ip link del vif9.0
        i=$((i + 1))

    done
    echo $i >/run/churn-cycles
) &
churn=$!
out=$(idcstat-probe peers-restart 1 300 200 2>/run/attempts) || fail "no uninterrupted dump: $(echo "$out" | head -1)"
wait "$churn"
[ -s /run/churn-cycles ] || fail "churn did not finish"
echo "vif9.0 add/remove cycles: $(cat /run/churn-cycles)"
cat /run/attempts
summary=$(echo "$out" | head -1)
echo "$summary"
intr=$(echo "$summary" | sed -n 's/.*interrupted=\([0-9]*\).*/\1/p')
pages=$(echo "$summary" | sed -n 's/.*pages=\([0-9]*\).*/\1/p')
[ "${pages:-0}" -ge 3 ] || fail "the peer dump took only ${pages:-0} pages; it cannot be interrupted between them"
[ "${intr:-0}" -ge 1 ] || fail "no dump was flagged NLM_F_DUMP_INTR while vif9.0 came and went"
echo "ok NLM_F_DUMP_INTR seen $intr times"

# The result after restarts equals a dump of the quiet system.
echo "$out" | tail -n +2 >/run/restarted
idcstat-probe peers 1 | sort >/run/quiet
grep -q . /run/restarted || fail "empty restarted dump"
cmp -s /run/restarted /run/quiet || { diff /run/restarted /run/quiet | head; fail "restarted dump differs from the quiet one"; }
echo "ok restarted dump equals the quiet dump ($(wc -l </run/quiet) peers)"
unload_idcstat
