# shellcheck shell=bash
# Running `reunion rmn` (on A's dom0) and `reunion agent` (on every dom0) for the policy
# cases. Configs follow controller/agent/src/config.rs and controller/rmnd/src/config.rs.

# Why the agent cases cannot run, or nothing when they can.
tt_agents_missing() {
    local bin=$TB_STATE/share/bin/reunion
    [[ -x $bin ]] || { echo "no reunion binary was built (cargo build -p reunion-cli)"; return; }
    "$bin" agent --help 2>/dev/null | grep -q -- '--config' ||
        { echo "'reunion agent' takes no --config in this build (the CLI is not wired to reunion-agent yet)"; return; }
    "$bin" rmn --help 2>/dev/null | grep -q -- '--config' ||
        { echo "'reunion rmn' takes no --config in this build (the CLI is not wired to reunion-rmnd yet)"; return; }
}

# tt_agents_start POLICY [EXTRA_RMN_TOML]: (re)start the RMN with POLICY and all agents.
# TT_AGENT_INTERVAL (default 5) is the report interval in seconds. Until the agent measured
# with libxenstat (fourth session) one measurement ran `xl info` (1.5 s under TCG) and
# `xl list -v` (1.8 s), and at 3-5 s the agent alone made an idle host look hot, so the
# testbed reported every 10 s.
tt_agents_start() {
    local policy=$1 extra=${2:-} share=$TB_STATE/share i h peers
    tt_agents_stop
    mkdir -p "$share/keys" "$share/cfg"
    local n; n=$(tb_nhosts)
    {
        echo 'listen = "0.0.0.0:7930"'
        echo "decision_log = \"/share/results/decisions-$policy.jsonl\""
        echo 'heartbeat_s = 2'
        echo 'migration_timeout_s = 400'
        echo '[agents]'
        for i in $(seq "$n"); do h=$(tb_host_name "$i"); echo "$h = \"/share/keys/$h\""; done
        echo '[rmn]'
        echo "policy = \"$policy\""
        echo 'interval_s = 3'
        echo 'stale_after_s = 20'
        # The default cooldown (300 s) stays: in the demo's step 2 and case 60, p1's host
        # after the reunion reads hotter than the RMN predicted (under TCG the pair's stream
        # costs about 0.1 CPU per end, Table 1.1's per-byte costs make it look free), and a
        # 30 s cooldown let p1 move on (the simulator's testbed_scenarios.rs).
        echo 'action_timeout_s = 400'
        # Traffic on the testbed is tiny (a pair on a saturated host gets 8-40 KB/s through,
        # Is about 0.006 of the 10 Mb/s NIC): with the default epsilon (0.01) the pair's
        # IDC counted as nothing and only the volume tie-break separated l1 from p1.
        echo 'epsilon = 0.001'
        printf '%s\n' "$extra"
    } > "$share/cfg/rmn.toml"
    for i in $(seq "$n"); do
        h=$(tb_host_name "$i")
        [[ -s $share/keys/$h ]] || { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$share/keys/$h"; }
        chmod 600 "$share/keys/$h"
        peers=''
        local j
        for j in $(seq "$n"); do
            ((j == i)) || peers+="$(tb_host_name "$j") = \"$TB_NET_PREFIX.0.$j:7931\", "
        done
        cat > "$share/cfg/agent-$h.toml" <<TOML
host = "$h"
rmn = "$TB_NET_PREFIX.0.1:7930"
key_file = "/share/keys/$h"
interval_s = ${TT_AGENT_INTERVAL:-5}
# The emulated LAN (QEMU socket netdevs between TCG hosts) carries about 1.5 MB/s (case 20:
# xl migrate of 96 MiB in 66 s), not the default 1 Gb/s; and a pair on a saturated host
# gets only ~40 KB/s through. Measured against 1 Gb/s that pair's IDC (Is 0.0003) is below
# the RMN's epsilon (0.01) and the IDC policy cannot tell the pair from a lone VM.
nic_bandwidth_bps = 10000000
peers = { ${peers%, } }
[idcstat]
enabled = $([[ ${TT_MODULE:-0} == 1 ]] && echo true || echo false)
cluster_prefixes = ["$TB_NET_PREFIX.0.0/16"]
uplinks = ["eth0", "eth1"]
TOML
    done
    on A "mkdir -p /var/log/reunion; REUNION_LOG=info setsid reunion rmn --config /share/cfg/rmn.toml > /share/results/rmn-$policy.log 2>&1 < /dev/null &" >> "$TT_LOG"
    sleep 2
    for i in $(seq "$n"); do
        h=$(tb_host_name "$i")
        on "$h" "REUNION_LOG=info setsid reunion agent --config /share/cfg/agent-$h.toml > /share/results/agent-$h-$policy.log 2>&1 < /dev/null &" >> "$TT_LOG"
    done
}

tt_agents_stop() {
    local i
    for i in $(seq "$(tb_nhosts)"); do
        # Only the daemons: `pkill -x reunion` also killed a `reunion migrate-transport`
        # in flight, which cut the stream ("Domain creation failed (code -3)" on receive).
        on "$(tb_host_name "$i")" 'pkill -f "^reunion (agent|rmn) "; true' >> "$TT_LOG" 2>&1
    done
}

# tt_wait_migration POLICY NAME TIMEOUT: wait until the decision log has a migration of
# NAME and xl shows it running elsewhere; prints the destination host.
tt_wait_migration() {
    local policy=$1 name=$2 timeout=$3 t0=$SECONDS log=$TB_STATE/share/results/decisions-$1.jsonl dest
    while ((SECONDS - t0 < timeout)); do
        if [[ -s $log ]]; then
            dest=$(python3 "$TT_HERE/lib/decisions.py" migrations "$log" | awk -v n="$name" '$1 == n {print $2; exit}')
            if [[ -n $dest ]] && on "$dest" xl domid "$name" >/dev/null 2>&1; then
                echo "$dest"
                return 0
            fi
        fi
        sleep 5
    done
    return 1
}

# tt_host_of NAME: the host whose xl lists NAME.
tt_host_of() {
    local i h
    for i in $(seq "$(tb_nhosts)"); do
        h=$(tb_host_name "$i")
        on "$h" xl domid "$1" >/dev/null 2>&1 && { echo "$h"; return 0; }
    done
    return 1
}

# tt_verify_explanations POLICY CASE: every record's scores match the recomputed formulas.
tt_verify_explanations() {
    local log=$TB_STATE/share/results/decisions-$1.jsonl out
    if out=$(python3 "$TT_HERE/lib/decisions.py" verify "$log" 2>&1); then
        tt_pass "$2: every $1 decision record matches its recomputed scores"
    else
        tt_fail "$2" "decision records disagree with the formulas: $(echo "$out" | head -3 | tr '\n' ';')"
    fi
}
