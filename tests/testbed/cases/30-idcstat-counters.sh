# shellcheck shell=bash
# Issue 8, test 1: idcstat on real xen-netback and xen-blkback.
#   - known UDP traffic, same host (g1 -> g2 on A) and cross host (g1 -> g3 on C):
#     the per-peer entries grow by exactly what the guests sent;
#   - per-domain packet totals equal the vif netdev counters;
#   - swap sectors equal blkback's wr_sect/rd_sect for g1's dedicated swap vbd.
# Read through the kernel's YNL CLI (the module's real ABI).

tt_json() { python3 "$TT_HERE/lib/idcstat_json.py" "$@"; }

# tt_dump HOST TAG: dump domains and peers of HOST into $TB_STATE/idc-TAG-{dom,peer}.json.
tt_dump() {
    ynl "$1" --dump domain-get > "$TB_STATE/idc-$2-dom.json" 2>> "$TT_LOG" &&
        ynl "$1" --dump peer-get > "$TB_STATE/idc-$2-peer.json" 2>> "$TT_LOG"
}

tc_idcstat_counters() {
    local name=idcstat-counters
    [[ ${TT_MODULE:-0} == 1 ]] || { tt_skip "$name" "idcstat.ko was not built or did not load"; return 0; }
    [[ -d $TB_STATE/share/ynl ]] || { tt_skip "$name" "no YNL CLI staged (needs the linux source of scripts/setup)"; return 0; }
    [[ ${TT_GUESTS_UP:-0} == 1 ]] || { tt_skip "$name" "guests are not up"; return 0; }
    local g1 g2 g3 h3
    g1=$(tt_domid A g1); g2=$(tt_domid A g2)
    h3=C; on C xl domid g3 >/dev/null 2>&1 || h3=B
    g3=$(tt_domid "$h3" g3)
    # Cluster prefix so that cross-host peers get per-peer entries.
    local cfg='{"cluster-prefix": [{"ipv4": "10.77.0.0", "prefix-len": 16}]}'
    on A "python3 /share/ynl/pyynl/cli.py --no-schema --spec /share/ynl/idcstat.yaml --do config-set --json '$cfg'" >> "$TT_LOG" 2>&1
    on "$h3" "python3 /share/ynl/pyynl/cli.py --no-schema --spec /share/ynl/idcstat.yaml --do config-set --json '$cfg'" >> "$TT_LOG" 2>&1
    gctl A g2 'workload sink --udp --port 5001 > /tmp/sink.log 2>&1 &' >> "$TT_LOG"
    gctl A g3 'workload sink --udp --port 5001 > /tmp/sink.log 2>&1 &' >> "$TT_LOG"
    # Resolve g1's neighbours first: while ARP for a peer is pending, the guest kernel queues
    # at most unres_qlen (101) packets and drops the rest, so a paced burst to a host across
    # B's bridge once lost 109 of its 500 datagrams inside g1, before netfront and idcstat
    # saw them (g1: Ip OutTransmits 1540, eth0 tx_packets 1448, tx_dropped 0).
    gctl A g1 'ping -c 2 -W 5 10.77.1.2; ping -c 2 -W 5 10.77.1.3' >> "$TT_LOG" 2>&1
    sleep 1
    tt_dump A a0 && tt_dump "$h3" c0 || { tt_fail "$name" "YNL dump failed (see $TT_LOG)"; return 0; }
    local n_same=1000 s_same=200 n_cross=500 s_cross=300
    gctl A g1 "workload stream --udp --to 10.77.1.2:5001 --count $n_same --size $s_same --rate 400000" >> "$TT_LOG"
    gctl A g1 "workload stream --udp --to 10.77.1.3:5001 --count $n_cross --size $s_cross --rate 400000" >> "$TT_LOG"
    sleep 2
    tt_dump A a1 && tt_dump "$h3" c1 || { tt_fail "$name" "YNL dump failed (see $TT_LOG)"; return 0; }
    local S="$TB_STATE/idc"
    delta() { echo $(( $(tt_json peer "$S-$2-peer.json" "${@:3}") - $(tt_json peer "$S-$1-peer.json" "${@:3}") )); }
    # UDP payload + 8 UDP + 20 IPv4 + 14 Ethernet: bytes are skb->len with the Ethernet header.
    tt_eq "$name" "g1 itx[g2] packets" "$(delta a0 a1 "$g1" itx "dom:$g2" packets)" "$n_same"
    tt_eq "$name" "g1 itx[g2] bytes" "$(delta a0 a1 "$g1" itx "dom:$g2" bytes)" "$((n_same * (s_same + 42)))"
    tt_eq "$name" "g2 irx[g1] packets" "$(delta a0 a1 "$g2" irx "dom:$g1" packets)" "$n_same"
    tt_eq "$name" "g1 otx[10.77.1.3] packets" "$(delta a0 a1 "$g1" otx 10.77.1.3 packets)" "$n_cross"
    tt_eq "$name" "g1 otx[10.77.1.3] bytes" "$(delta a0 a1 "$g1" otx 10.77.1.3 bytes)" "$((n_cross * (s_cross + 42)))"
    tt_eq "$name" "g3 orx[10.77.1.1] packets (host $h3)" "$(delta c0 c1 "$g3" orx 10.77.1.1 packets)" "$n_cross"
    # Totals against the vifs' own counters (guest tx = vif rx). Background frames (ARP,
    # the command server) can pass between two reads, so the vif is read before and after
    # the dump and idcstat must lie between the two readings. Guest rx is counted at the
    # vif's netfilter egress hook, before the qdisc and xen-netback's xenvif_start_xmit,
    # either of which may still drop the frame (qdisc drops; tx_dropped: guest not ready,
    # ring full): so idcstat's rx-packets = tx_packets + tx_dropped + the qdisc's drops.
    local d v0 v1 stats read_vif
    for d in "$g1" "$g2"; do
        stats="/sys/class/net/vif$d.0/statistics"
        read_vif="cat $stats/rx_packets $stats/tx_packets $stats/tx_dropped; tc -s qdisc show dev vif$d.0 | sed -n 's/.*(dropped \\([0-9]*\\),.*/\\1/p' | head -n1"
        v0=$(on A "$read_vif" | tr '\n' ' ')
        tt_dump A v || return 0
        v1=$(on A "$read_vif" | tr '\n' ' ')
        echo "vif$d.0 before: rx_packets tx_packets tx_dropped qdisc_dropped = $v0; after: $v1" >> "$TT_LOG"
        tt_between "$name" "domain $d tx-packets vs vif$d.0 rx_packets" \
            "$(tt_json domain "$S-v-dom.json" "$d" tx-packets)" "$(echo "$v0" | awk '{print $1}')" "$(echo "$v1" | awk '{print $1}')"
        tt_between "$name" "domain $d rx-packets vs vif$d.0 tx_packets + tx_dropped + qdisc drops" \
            "$(tt_json domain "$S-v-dom.json" "$d" rx-packets)" "$(echo "$v0" | awk '{print $2 + $3 + $4}')" "$(echo "$v1" | awk '{print $2 + $3 + $4}')"
    done
    tc_idcstat_swap "$g1"
}

# Swap: tell the module where g1's swap lives, make g1 swap, compare with blkback.
tc_idcstat_swap() {
    local name=idcstat-swap g1=$1
    local devt gen stats="/sys/bus/xen-backend/devices/vbd-$g1-51728/statistics"
    local maj min
    read -r maj min < <(on A 'stat -L -c "%t %T" /dev/nbd1')
    # The kernel's dev_t: (major << 20) | minor; stat prints both in hex.
    devt=$(( (16#$maj << 20) | 16#$min ))
    gen=$(python3 -c 'import json,sys; print(next((d.get("generation",0) for d in json.load(open(sys.argv[1])) if d.get("domid")==int(sys.argv[2])),0))' "$TB_STATE/idc-v-dom.json" "$g1")
    local cfg
    cfg="{\"swap-range\": [{\"domid\": $g1, \"generation\": $gen, \"dev\": $devt, \"start-sector\": 0, \"nr-sectors\": 262144}]}"
    on A "python3 /share/ynl/pyynl/cli.py --no-schema --spec /share/ynl/idcstat.yaml --do config-set --json '$cfg'" >> "$TT_LOG" 2>&1 ||
        { tt_fail "$name" "config-set swap-range failed (see $TT_LOG)"; return 0; }
    tc_swap_snapshot "$stats" s0 || { tt_fail "$name" "swap snapshot before failed (see $TT_LOG)"; return 0; }
    # 160 MiB through a guest with about 80 MiB free: it must swap out and back in.
    gctl A g1 'workload touch --mib 160 --passes 2 | tail -1; grep -E "pswp(in|out)" /proc/vmstat' >> "$TT_LOG"
    tc_swap_snapshot "$stats" s1 || { tt_fail "$name" "swap snapshot after failed (see $TT_LOG)"; return 0; }
    local S="$TB_STATE/idc" dir f
    for dir in wr rd; do
        f=1; [[ $dir == rd ]] && f=2
        local i0 i1 lo hi
        i0=$(tt_json domain "$S-s0-dom.json" "$g1" "swap-$dir-sect")
        i1=$(tt_json domain "$S-s1-dom.json" "$g1" "swap-$dir-sect")
        # blkback read just before (b) and just after (a) each idcstat dump: the module's
        # delta must lie between the narrowest and the widest blkback window, and once
        # the guest's disk is quiet both windows are the same, so this is exact.
        lo=$(( $(tc_field "$S-s1-blk" b "$f") - $(tc_field "$S-s0-blk" a "$f") ))
        hi=$(( $(tc_field "$S-s1-blk" a "$f") - $(tc_field "$S-s0-blk" b "$f") ))
        if [[ $dir == wr ]] && ((hi == 0)); then tt_fail "$name" "g1 did not swap (blkback wr_sect unchanged)"; return 0; fi
        if ((lo == hi)); then
            tt_eq "$name" "swap-$dir-sect delta = blkback ${dir}_sect delta" "$((i1 - i0))" "$lo"
        elif ((i1 - i0 >= lo && i1 - i0 <= hi)); then
            tt_pass "$name: swap-$dir-sect delta $((i1 - i0)) within blkback's ${dir}_sect windows [$lo, $hi] (g1's disk was not quiet)"
        else
            tt_fail "$name" "swap-$dir-sect delta $((i1 - i0)) outside blkback's ${dir}_sect windows [$lo, $hi]"
        fi
    done
}

# tc_field FILE WHEN N: field N (1 wr_sect, 2 rd_sect) of the blkback line WHEN (b or a).
tc_field() { awk -v w="$2" -v n="$3" '$1 == w { print $(n + 1) }' "$1"; }

# tc_swap_snapshot STATS TAG: waits until g1's swap vbd has been quiet for 3 s (blkback's
# wr_sect and rd_sect unchanged; at most 60 s), then, in one dom0 command, reads blkback's
# counters, dumps idcstat's domains (to $TB_STATE/idc-TAG-dom.json) and reads blkback's
# counters again (to $TB_STATE/idc-TAG-blk as lines "b WR RD" and "a WR RD").
# Why: a guest that has just swapped keeps paging in for a while (its shell and daemons
# fault their pages back), and a CLI dump under TCG takes seconds; a blkback reading and
# an idcstat dump taken apart once differed by 488 read sectors (third session).
tc_swap_snapshot() {
    local stats=$1 tag=$2
    on A "prev=; for i in \$(seq 20); do now=\$(cat $stats/wr_sect $stats/rd_sect | tr '\\n' ' '); [ \"\$now\" = \"\$prev\" ] && break; prev=\$now; sleep 3; done; echo quiet after \$i readings" >> "$TT_LOG" 2>&1 || return 1
    on A "echo b \$(cat $stats/wr_sect $stats/rd_sect) > /share/results/blk-$tag; python3 /share/ynl/pyynl/cli.py --no-schema --spec /share/ynl/idcstat.yaml --output-json --dump domain-get > /share/results/dom-$tag.json && echo a \$(cat $stats/wr_sect $stats/rd_sect) >> /share/results/blk-$tag" >> "$TT_LOG" 2>&1 || return 1
    cp "$TB_STATE/share/results/dom-$tag.json" "$TB_STATE/idc-$tag-dom.json" &&
        cp "$TB_STATE/share/results/blk-$tag" "$TB_STATE/idc-$tag-blk"
}
