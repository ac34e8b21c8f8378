#!/bin/sh
# Load test of the RMN daemon: one `reunion rmn` (real RMN core) and N simulated
# agents reporting every INTERVAL seconds. Measures the RMN process's CPU (from
# /proc/<pid>/stat over the steady-state window) and peak RSS, and its round
# duration from /metrics. Usage: controller/rmnd/load-test.sh [agents] [interval] [domains] [peers] [seconds]
set -eu
AGENTS=${1:-500}; INTERVAL=${2:-10}; DOMAINS=${3:-20}; PEERS=${4:-8}; SECONDS_RUN=${5:-120}
: "${CARGO_TARGET_DIR:=/var/cache/reunion/cargo-target}"
cargo build -q --release -p reunion -p reunion-rmnd --example load_agents
BIN=$CARGO_TARGET_DIR/release
WORK=$(mktemp -d)
trap 'kill $RMN_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -m 700 "$WORK/keys"
KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
{
  echo 'listen = "127.0.0.1:27930"'
  echo 'metrics_listen = "127.0.0.1:29464"'
  echo "decision_log = \"$WORK/decisions.jsonl\""
  echo "[rmn]"; echo "interval_s = $INTERVAL"
  echo "[agents]"
  i=0; while [ $i -lt "$AGENTS" ]; do
    (umask 077; echo "$KEY" > "$WORK/keys/host-$i.key")
    echo "host-$i = \"$WORK/keys/host-$i.key\""; i=$((i+1)); done
} > "$WORK/rmn.toml"
REUNION_LOG=warn "$BIN/reunion" rmn --config "$WORK/rmn.toml" 2> "$WORK/rmn.log" &
RMN_PID=$!
sleep 1
"$BIN/examples/load_agents" 127.0.0.1:27930 "$WORK/keys" "$AGENTS" "$INTERVAL" "$DOMAINS" "$PEERS" "$SECONDS_RUN" &
GEN_PID=$!
ticks() { awk '{print $14+$15}' "/proc/$RMN_PID/stat"; }
# Warm-up: every agent connected and a few rounds of history.
sleep $((INTERVAL * 3))
T0=$(ticks); W0=$(date +%s.%N)
sleep $((SECONDS_RUN - INTERVAL * 4))
T1=$(ticks); W1=$(date +%s.%N)
HZ=$(getconf CLK_TCK)
RSS=$(awk '/VmHWM/{print $2}' "/proc/$RMN_PID/status")
METRICS=$(curl -s 127.0.0.1:29464/metrics)
wait $GEN_PID || true
echo "agents=$AGENTS interval=${INTERVAL}s domains/host=$DOMAINS peers/domain=$PEERS"
echo "$T0 $T1 $W0 $W1 $HZ" | awk '{printf "rmn cpu: %.2f%% of one core over %.0f s\n", 100*($2-$1)/$5/($4-$3), $4-$3}'
echo "rmn peak rss: $((RSS / 1024)) MiB"
echo "$METRICS" | awk '/^reunion_reports_total/{print "reports received:", $2}
  /^reunion_round_duration_seconds_sum/{s=$2} /^reunion_round_duration_seconds_count/{c=$2}
  /^reunion_rejected_connections_total/{print "rejected:", $0}
  END{if (c>0) printf "rounds: %d, mean round duration: %.1f ms\n", c, 1000*s/c}'
echo "connected agents: $(echo "$METRICS" | grep -c 'reunion_host_agent_connected{.*} 1')"
