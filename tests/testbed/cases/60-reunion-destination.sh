# shellcheck shell=bash
# pending: depends on 50-cpu-hotspot (the agent's idcstat configuration fails on Xen, so the IDC policy sees no peers)
# Issue 8, test 4: group reunion by destination. With three hosts, a VM (p1) whose peer
# (p2) runs on a host that is not the lightest is migrated to its peer's host under the
# IDC policy (Sandpiper would pick the lightest host).

tc_reunion_destination() {
    local name=reunion-destination why
    why=$(tt_agents_missing)
    [[ -z $why ]] || { tt_skip "$name" "$why"; return 0; }
    tt_budget "$name" 400 || return 0
    (( $(tb_nhosts) >= 3 )) || { tt_skip "$name" "needs 3 hosts"; return 0; }
    local hp1 hp2
    hp1=$(tt_host_of p1) && hp2=$(tt_host_of p2) || { tt_skip "$name" "p1/p2 from cpu-hotspot are gone"; return 0; }
    if [[ $hp1 == "$hp2" ]]; then
        # Put p2 on B (not the lightest once C is idle) to separate the pair.
        on B tb-migrate-plain listen >> "$TT_LOG" 2>&1
        on "$hp2" xl migrate -s /share/lib/tb-migrate-plain p2 B >> "$TT_LOG" 2>&1 ||
            { tt_fail "$name" "could not separate the pair (xl migrate p2 to B)"; return 0; }
        hp2=B
    fi
    on B 'tb-guest ctl p2 "workload burn --duty 30 >/dev/null 2>&1 &"' >> "$TT_LOG"
    on "$hp1" 'tb-guest ctl p1 "workload burn --duty 95 >/dev/null 2>&1 &"' >> "$TT_LOG"
    : > "$TB_STATE/share/results/decisions-idc.jsonl"
    tt_agents_start idc
    local dest
    if dest=$(tt_wait_migration idc p1 300); then
        tt_eq "$name" "IDC destination of p1 (its peer p2 runs on $hp2)" "$dest" "$hp2"
    else
        tt_fail "$name" "no migration of p1 within 300 s"
    fi
    tt_verify_explanations idc "$name"
    tt_agents_stop
}
