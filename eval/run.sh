#!/usr/bin/env bash
# Produces every figure of docs/evaluation.md (run from the repository root):
#   eval/results/qualitative*.txt  reunion demo's tables (thesis cases, adversarial cases)
#   eval/results/generated*.md/.csv every seed x {4,16,64} hosts x {idc,sandpiper,none}
#   eval/results/optimum*.md       each policy's gap to the exhaustive optimum
#   eval/results/*-ablation-*      the default without one of the rules beyond the thesis
#   eval/results/scale.md          simulated seconds per wall second
# Deterministic except the wall-clock column of scale.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/reunion/cargo-target}"
cargo build --release -p reunion -p reunion-sim --bin reunion --bin reunion-eval
bin="$CARGO_TARGET_DIR/release"
mkdir -p eval/results
# Two RMN configurations: the default (destination load prediction on) and the
# thesis's (eval/thesis-rmn.toml: a destination needs room now, nothing more).
"$bin/reunion" demo --out eval/results/demo > eval/results/qualitative.txt
"$bin/reunion" demo --no-plots --rmn-config eval/thesis-rmn.toml --out eval/results/demo-thesis \
    > eval/results/qualitative-thesis.txt
"$bin/reunion-eval" generated --config eval/generator.toml --seeds eval/seeds.txt \
    --hosts 4,16,64 --csv eval/results/generated.csv > eval/results/generated.md
"$bin/reunion-eval" --rmn-config eval/thesis-rmn.toml generated --config eval/generator.toml \
    --seeds eval/seeds.txt --hosts 4,16,64 --csv eval/results/generated-thesis.csv \
    > eval/results/generated-thesis.md
"$bin/reunion-eval" optimum --config eval/small.toml --seeds eval/seeds.txt --hosts 4 \
    > eval/results/optimum.md
"$bin/reunion-eval" --rmn-config eval/thesis-rmn.toml optimum --config eval/small.toml \
    --seeds eval/seeds.txt --hosts 4 > eval/results/optimum-thesis.md
# Ablations of the two rules beyond the thesis (docs/policy.md sections 5 and 7).
for ablation in volume no-relief; do
    "$bin/reunion-eval" --rmn-config "eval/ablation-$ablation.toml" generated \
        --config eval/generator.toml --seeds eval/seeds.txt --hosts 4,16,64 \
        --csv "eval/results/generated-ablation-$ablation.csv" \
        > "eval/results/generated-ablation-$ablation.md"
    "$bin/reunion-eval" --rmn-config "eval/ablation-$ablation.toml" optimum \
        --config eval/small.toml --seeds eval/seeds.txt --hosts 4 \
        > "eval/results/optimum-ablation-$ablation.md"
done
"$bin/reunion-eval" scale --config eval/generator.toml --vms 1000,10000 --duration-s 300 \
    > eval/results/scale.md
echo "results in eval/results/"
