# shellcheck shell=bash
# `scripts/testbed demo`: boot three hosts, overload A with a talking pair and a lone VM,
# let the RMN (IDC policy) remove the hotspot, then separate the pair and let it reunite.
# Prints `reunion top` snapshots and `reunion explain`, and leaves the RMN's decision log,
# the agents' logs and the plots of `reunion sim` for the same scenario in the output dir.

tb_demo_main() {
    local out=${1:-$PWD/testbed-demo}
    TT_HERE=$TESTBED_REPO/tests/testbed
    # shellcheck source=tests/testbed/lib/harness.sh
    . "$TT_HERE/lib/harness.sh"
    # shellcheck source=tests/testbed/lib/agents.sh
    . "$TT_HERE/lib/agents.sh"
    tb_need_root
    local target=${CARGO_TARGET_DIR:-$REUNION_CACHE/cargo-target}
    tb_log "demo: building reunion (cargo build --release -p reunion-cli)"
    (cd "$TESTBED_REPO" && CARGO_TARGET_DIR=$target cargo build --quiet --release -p reunion-cli) ||
        tb_die "cargo build failed"
    TESTBED_REUNION_BIN=$target/release/reunion
    export TESTBED_REUNION_BIN
    trap 'tb_stop' EXIT
    tb_boot 3
    TT_LOG=$TB_STATE/demo.log
    TT_MODULE=0
    if [[ -e $TB_STATE/share/kmod/idcstat.ko ]] && on A 'insmod /share/kmod/idcstat.ko' >> "$TT_LOG" 2>&1 &&
        on B 'insmod /share/kmod/idcstat.ko' >> "$TT_LOG" 2>&1 && on C 'insmod /share/kmod/idcstat.ko' >> "$TT_LOG" 2>&1; then
        # shellcheck disable=SC2034 # read by tt_agents_start
        TT_MODULE=1
    fi
    local why; why=$(tt_agents_missing)
    [[ -z $why ]] || tb_die "demo needs the agent and RMN: $why"
    tb_log "demo: A gets p1 <-> p2 (3 MB/s TCP, 40% CPU each) and a lone burner l1 (90%)"
    on A tb-guest create p2 id=6 memory=96 run=sink+--tcp+--port+5001 >> "$TT_LOG" 2>&1
    on A tb-guest create p1 id=5 memory=96 run=stream+--tcp+--to+10.77.1.6:5001+--rate+3000000 >> "$TT_LOG" 2>&1
    on A tb-guest create l1 id=7 memory=96 run=burn+--duty+90 >> "$TT_LOG" 2>&1
    on A 'tb-guest wait p1 && tb-guest wait p2 && tb-guest wait l1' >> "$TT_LOG" 2>&1 || tb_die "guests did not come up"
    gctl A p1 'workload burn --duty 40 > /dev/null 2>&1 &' >> "$TT_LOG"
    gctl A p2 'workload burn --duty 40 > /dev/null 2>&1 &' >> "$TT_LOG"
    tt_agents_start idc
    local dest t0=$SECONDS
    while ! dest=$(tt_wait_migration idc l1 15); do
        tb_log "demo: waiting for the RMN (+$((SECONDS - t0)) s); reunion top on A:"
        on A 'reunion top --once 2>&1 | head -20' || true
        ((SECONDS - t0 < 480)) || tb_die "no migration within 480 s; see $TB_STATE/share/results"
    done
    tb_log "demo: hotspot removed: l1 moved A -> $dest; the pair stayed on A"
    on A 'reunion explain 5 --log /share/results/decisions-idc.jsonl' || true
    tb_log "demo: separating the pair: p2 goes to B by hand; the RMN should reunite them"
    on B tb-migrate-plain listen >> "$TT_LOG" 2>&1
    on A xl migrate -s /share/lib/tb-migrate-plain p2 B >> "$TT_LOG" 2>&1 || true
    gctl B p2 'workload burn --duty 95 > /dev/null 2>&1 &' >> "$TT_LOG" || true
    if dest=$(tt_wait_migration idc p1 480) || dest=$(tt_wait_migration idc p2 1); then
        tb_log "demo: group reunited on $dest"
    else
        tb_log "demo: no reunion within 480 s"
    fi
    on A 'reunion explain 10 --log /share/results/decisions-idc.jsonl' || true
    mkdir -p "$out"
    cp -r "$TB_STATE/share/results/." "$out/"
    tt_agents_stop
    tb_log "demo: decision log, agent and RMN logs in $out"
}
