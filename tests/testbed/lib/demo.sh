# shellcheck shell=bash
# `scripts/testbed demo [OUTDIR]`: reunion on a real Xen cluster (three hosts under QEMU).
#   1. Hotspot: A runs a talking pair p1 -> p2 (20 KB/s TCP; neither burns, but under TCG
#      the stream costs each about 0.1 CPU) and a lone l1 (256 MiB) burning flat out. The
#      RMN (IDC policy) removes the CPU hotspot by migrating l1, not a pair member.
#   2. Reunion: p2 is moved by hand (plain `xl migrate`) to l1's new host, where l1 now
#      idles, so the third host is empty and the lightest. A gets hot again (p1's burner
#      at duty 40 beside its stream, a new lone h1, 128 MiB, at duty 60). The RMN migrates
#      p1 to its peer's host, not to the lightest one, and the pair's cross-host traffic becomes IDC again.
# The guests and their workloads come from scenarios/testbed-demo-hotspot.toml and
# testbed-demo-reunion.toml (the simulator's format; tests/testbed/lib/scenario.py).
# Prints `reunion top` snapshots and `reunion explain` at each step, and leaves in OUTDIR
# (default $REUNION_CACHE/testbed-demo, outside the clone): the decision log, the RMN's
# and agents' logs, the RMN's status snapshots (status.jsonl), host-cpu.svg,
# pair-traffic.svg and placement.csv.

TD_T0=$SECONDS
td_say() { printf '\n[demo +%4ss] %s\n' "$((SECONDS - TD_T0))" "$*"; }

# td_top TITLE: one `reunion top` snapshot (cluster-wide, from the RMN on A).
td_top() {
    td_say "reunion top --once ($1):"
    on A 'reunion top --once --sort name 2>&1 | head -24' || true
}

# td_wait_first POLICY TIMEOUT: waits for the RMN's first migration in this step and for
# the domain to run on its destination; prints "NAME DEST"; progress every 30 s.
td_wait_first() {
    local t0=$SECONDS log=$TB_STATE/share/results/decisions-$1.jsonl first name='' dest='' mib
    while ((SECONDS - t0 < $2)); do
        if [[ -z $name ]]; then
            first=$(python3 "$TT_HERE/lib/decisions.py" migrations "$log" 2>/dev/null | tail -n +$((TD_SEEN + 1)) | head -n1)
            if [[ -n $first ]]; then
                read -r name dest _ <<< "$first"
                echo "  ... +$((SECONDS - t0)) s: the RMN decided: migrate $name to $dest" >&2
                continue
            fi
            echo "  ... +$((SECONDS - t0)) s, no migration decided yet" >&2
        elif on "$dest" xl domid "$name" > /dev/null 2>&1; then
            TD_SEEN=$((TD_SEEN + 1))
            echo "$name $dest"
            return 0
        else
            mib=$(on "$dest" "xl list $name--incoming 2>/dev/null | awk 'NR == 2 {print \$3}'")
            echo "  ... +$((SECONDS - t0)) s: xl migrate of $name in progress (${mib:-0} MiB on $dest)" >&2
        fi
        sleep 30
    done
    return 1
}
TD_SEEN=0

# td_apply_scenario FILE [scenario.py options]: brings the cluster to the guests of
# scenarios/FILE, step by step as tests/testbed/lib/scenario.py --plan gives them:
# create (tb-guest create), place (plain xl migrate when the guest runs elsewhere),
# wait (until it answers ping), start (a workload in the guest, backgrounded there).
td_apply_scenario() {
    local file=$1 plan from
    shift
    plan=$(python3 "$TT_HERE/lib/scenario.py" "$TESTBED_REPO/scenarios/$file" --plan "$@") || return 1
    local -a f
    while IFS=$'\t' read -r -a f; do
        echo "scenario $file: ${f[*]}" >> "$TT_LOG"
        case ${f[0]} in
            create) on "${f[1]}" tb-guest create "${f[@]:2}" >> "$TT_LOG" 2>&1 || return 1 ;;
            wait) on "${f[1]}" tb-guest wait "${f[2]}" >> "$TT_LOG" 2>&1 || return 1 ;;
            start) tt_gsh "${f[1]}" "${f[2]}" "${f[3]} > /dev/null 2>&1 &" >> "$TT_LOG" 2>&1 || return 1 ;;
            place)
                from=$(tt_host_of "${f[2]}") || return 1
                [[ $from == "${f[1]}" ]] && continue
                on "${f[1]}" tb-migrate-plain listen >> "$TT_LOG" 2>&1
                on "$from" xl migrate -s /share/lib/tb-migrate-plain "${f[2]}" "${f[1]}" >> "$TT_LOG" 2>&1 || return 1
                ;;
            *)
                echo "scenario $file: unknown step ${f[0]}" >> "$TT_LOG"
                return 1
                ;;
        esac
    done <<< "$plan"
}

# td_explain_last_move LOG: `reunion explain` of the last migration decision in LOG (a file
# in results/), not of the quieter rounds after it.
td_explain_last_move() {
    python3 -c 'import json, sys
for line in open(sys.argv[1]):
    if json.loads(line).get("outcome", {}).get("type") == "migrate":
        print(line, end="")' "$TB_STATE/share/results/$1" > "$TB_STATE/share/results/moves.jsonl" 2>/dev/null
    on A 'reunion explain 1 --log /share/results/moves.jsonl' || true
}

tb_demo_main() {
    local out=${1:-$REUNION_CACHE/testbed-demo}
    TT_HERE=$TESTBED_REPO/tests/testbed
    # shellcheck source=tests/testbed/lib/harness.sh
    . "$TT_HERE/lib/harness.sh"
    # shellcheck source=tests/testbed/lib/agents.sh
    . "$TT_HERE/lib/agents.sh"
    tb_need_root
    mkdir -p "$out" || tb_die "cannot create $out"
    out=$(cd "$out" && pwd)
    local target=${CARGO_TARGET_DIR:-$REUNION_CACHE/cargo-target}
    td_say "building reunion (cargo build --release -p reunion; target dir $target)"
    (cd "$TESTBED_REPO" && CARGO_TARGET_DIR=$target cargo build --quiet --release --locked -p reunion --bin reunion) ||
        tb_die "cargo build failed"
    TESTBED_REUNION_BIN=$target/release/reunion
    export TESTBED_REUNION_BIN
    # Whatever happens, the logs and decisions end up in OUTDIR before the cluster stops.
    TD_OUT=$out
    trap 'cp -r "$TB_STATE/share/results/." "$TD_OUT/" 2>/dev/null; tb_stop' EXIT
    td_say "building images (cached) and booting hosts A, B, C"
    tb_boot 3 || tb_die "the cluster did not boot"
    TT_LOG=$TB_STATE/demo.log
    : > "$TT_LOG"
    rm -f "$TB_STATE"/share/results/*
    TT_MODULE=0
    if [[ -e $TB_STATE/share/kmod/idcstat.ko ]] && on A 'insmod /share/kmod/idcstat.ko' >> "$TT_LOG" 2>&1 &&
        on B 'insmod /share/kmod/idcstat.ko' >> "$TT_LOG" 2>&1 && on C 'insmod /share/kmod/idcstat.ko' >> "$TT_LOG" 2>&1; then
        # shellcheck disable=SC2034 # read by tt_agents_start
        TT_MODULE=1
    else
        tb_die "idcstat.ko is missing or did not load (scripts/build-kmod); the demo needs it to see IDC"
    fi
    local why; why=$(tt_agents_missing)
    [[ -z $why ]] || tb_die "demo needs the agent and RMN: $why"

    td_say "step 1, hotspot (scenarios/testbed-demo-hotspot.toml): creating p2 (TCP sink), p1 (20 KB/s to p2; neither burns) and l1 (burns flat out, 256 MiB) on A"
    td_apply_scenario testbed-demo-hotspot.toml || tb_die "step 1's guests failed (see $TT_LOG)"
    td_say "starting reunion rmn (IDC policy) on A and reunion agent on A, B, C"
    tt_agents_start idc
    # The RMN's view every 5 s, for the plots.
    mkdir -p "$TB_STATE/share/cfg"
    cat > "$TB_STATE/share/cfg/demo-sampler.sh" <<'SH'
while :; do
    if s=$(reunion status --json 2>/dev/null); then echo "{\"t\": $(date +%s), \"status\": $s}"; fi
    sleep 5
done
SH
    on A 'setsid sh /share/cfg/demo-sampler.sh >> /share/results/status.jsonl 2>/dev/null < /dev/null &' >> "$TT_LOG"
    sleep 15
    td_top "A is hot: l1 burns, p1 and p2 talk"
    td_say "waiting for the RMN to remove A's hotspot (a real xl migrate takes 1-3 min under TCG)"
    local moved dest
    read -r moved dest < <(td_wait_first idc 900) || true
    [[ -n ${dest:-} ]] || tb_die "no migration done within 900 s; see $out"
    if [[ $moved == l1 ]]; then
        td_say "hotspot removed: the lone l1 moved A -> $dest; p1 and p2 stay together on $(tt_host_of p1)"
    else
        td_say "the RMN moved $moved A -> $dest (not the lone l1): see the explanation below"
    fi
    td_explain_last_move decisions-idc.jsonl
    td_top "after the hotspot was removed"

    # Step 2 starts from a calm cluster: the agents pause while the pair is separated by
    # hand, so that the RMN does not act on the transient load of the manual migration.
    tt_agents_stop
    local r
    for r in rmn-idc agent-A-idc agent-B-idc agent-C-idc; do
        cp "$TB_STATE/share/results/$r.log" "$TB_STATE/share/results/$r-step1.log" 2>/dev/null
    done
    mv "$TB_STATE/share/results/decisions-idc.jsonl" "$TB_STATE/share/results/decisions-idc-step1.jsonl"
    # Step 2 needs the pair on A and l1 away from it; p2 joins l1, so the third host is the
    # lightest and p2's host is not.
    [[ $(tt_host_of p1) == A && $(tt_host_of p2) == A ]] || tb_die "step 1 did not leave p1 and p2 on A"
    local peer lightest
    peer=$(tt_host_of l1) || tb_die "l1 runs nowhere after step 1"
    [[ $peer != A ]] || tb_die "step 1 did not move l1 off A"
    lightest=B
    [[ $peer == B ]] && lightest=C
    td_say "step 2, reunion (scenarios/testbed-demo-reunion.toml): moving p2 by hand (plain xl migrate) to $peer, where l1 now idles; $lightest stays empty, the lightest host; A gets a lone h1 (128 MiB, burner duty 60 %) and p1 a burner at duty 40 % beside its stream"
    # l1 flat out on its new host would make that host a second hotspot with no room for p1:
    # it idles in step 2 (cpu 0 in the scenario; scenario.py starts nothing for it). A's dom0
    # reaches it by address (tb-guest ctl), wherever it runs.
    tt_gsh A l1 "$(tt_gkill burn)" >> "$TT_LOG" 2>&1
    # The scenario puts l1 and p2 on B; swap B and C when step 1 sent l1 to C.
    local map=()
    [[ $peer == C ]] && map=(--host-map "B=C,C=B")
    # The burners' duties are what gave the scenario's CPU readings under TCG (case 60).
    td_apply_scenario testbed-demo-reunion.toml --id h1=9 --existing p1,p2,l1 --duty p1=40,h1=60 "${map[@]}" ||
        tb_die "step 2's placement (p2 -> $peer) or h1 failed (see $TT_LOG)"
    td_say "restarting the RMN and the agents"
    tt_agents_start idc
    sleep 20
    td_top "the pair is split: p1 on A talks to p2 on $peer through the NIC; A is hot; $lightest is the lightest host"
    TD_SEEN=0
    moved='' dest=''
    read -r moved dest < <(td_wait_first idc 900) || true
    if [[ $moved == p1 && $dest == "$peer" ]]; then
        td_say "group reunited: p1 moved A -> $dest, where p2 runs (not to the lightest host, $lightest)"
    elif [[ -n $dest ]]; then
        td_say "the RMN moved $moved A -> $dest (p2 runs on $peer): see the explanation below"
    else
        td_say "no migration done within 900 s"
    fi
    td_explain_last_move decisions-idc.jsonl
    sleep 12
    td_top "after the reunion"

    tt_agents_stop
    on A 'pkill -f demo-sampler.sh; true' >> "$TT_LOG" 2>&1
    cp -r "$TB_STATE/share/results/." "$out/"
    python3 "$TT_HERE/lib/demo_plot.py" "$out/status.jsonl" "$out" --pair p1,p2 --threshold 0.85 || true
    td_say "done in $((SECONDS - TD_T0)) s: decisions, logs, status snapshots and plots in $out"
    [[ $moved == p1 && $dest == "$peer" ]]
}
