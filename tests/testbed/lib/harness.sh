# shellcheck shell=bash
# Test bookkeeping and helpers for tests/testbed/run. Sourced after scripts/testbed.d/*.

TT_PASSED=0 TT_FAILED=0 TT_SKIPPED=0
TT_SUMMARY=()

tt_pass() { TT_PASSED=$((TT_PASSED + 1)); TT_SUMMARY+=("PASS $1"); echo "PASS $1"; }
tt_fail() { TT_FAILED=$((TT_FAILED + 1)); TT_SUMMARY+=("FAIL $1: $2"); echo "FAIL $1: $2"; }
tt_skip() { TT_SKIPPED=$((TT_SKIPPED + 1)); TT_SUMMARY+=("SKIP $1: $2"); echo "SKIP $1: $2"; }

# tt_check NAME COND_DESCRIPTION ACTUAL EXPECTED: record equality of two values.
tt_eq() {
    local name=$1 what=$2 actual=$3 expected=$4
    if [[ $actual == "$expected" ]]; then
        tt_pass "$name: $what = $expected"
    else
        tt_fail "$name" "$what: got '$actual', want '$expected'"
    fi
}

# tt_between NAME WHAT VALUE LOW HIGH: record LOW <= VALUE <= HIGH (integers).
tt_between() {
    local name=$1 what=$2 v=$3 lo=$4 hi=$5
    if [[ $v =~ ^[0-9]+$ && $lo =~ ^[0-9]+$ && $hi =~ ^[0-9]+$ ]] && ((lo <= v && v <= hi)); then
        tt_pass "$name: $what: $v within the vif's readings [$lo, $hi]"
    else
        tt_fail "$name" "$what: got '$v', vif read '$lo' before and '$hi' after"
    fi
}

# on HOST CMD...: run CMD in HOST's dom0, output to stdout.
on() { tb_run "$@"; }
# on_quiet HOST CMD...: same, output to the test log only.
on_quiet() { tb_run "$@" >> "$TT_LOG" 2>&1; }

# gctl HOST GUEST CMD...: run CMD inside GUEST through its command server, from HOST's dom0.
gctl() { local h=$1; shift; tb_run "$h" tb-guest ctl "$@"; }

# tt_gsh HOST GUEST CMD: run the shell command CMD inside GUEST, quoted once for dom0's
# shell so that redirections and `&` happen in the guest (CMD: no single quotes).
tt_gsh() { tb_run "$1" "tb-guest ctl $2 '$3'"; }
# tt_gkill WORD: guest shell that stops every `workload WORD ...` (guests run busybox,
# which has no pkill or pgrep).
tt_gkill() { echo "for p in \$(pidof workload); do grep -q $1 /proc/\$p/cmdline && kill \$p; done; true"; }
# tt_grunning WORD: guest shell that succeeds when a `workload WORD ...` runs.
tt_grunning() { echo "for p in \$(pidof workload); do grep -q $1 /proc/\$p/cmdline && exit 0; done; exit 1"; }

tt_domid() { tb_run "$1" xl domid "$2" | tr -d '[:space:]'; }

# ynl HOST ARGS...: the kernel's YNL CLI with our spec, JSON output.
ynl() {
    local h=$1; shift
    tb_run "$h" python3 /share/ynl/pyynl/cli.py --no-schema --spec /share/ynl/idcstat.yaml --output-json "$@"
}

# tt_collect_timeouts CONTEXT: every dom0 command that timed out since the last call
# (scripts/testbed.d/cluster.sh appends them to $TB_STATE/timeouts.log, also from
# subshells) is recorded as a FAIL with its command; the full entry (output so far,
# console tail) is printed.
TT_TIMEOUTS_SEEN=0
tt_collect_timeouts() {
    local log=$TB_STATE/timeouts.log line
    [[ -s $log ]] || return 0
    local total; total=$(grep -c '^--- timeout' "$log")
    ((total > TT_TIMEOUTS_SEEN)) || return 0
    awk -v skip="$TT_TIMEOUTS_SEEN" '/^--- timeout/ {n++} n > skip' "$log"
    while IFS= read -r line; do
        tt_fail "$1" "dom0 command timed out: $line"
    done < <(awk -v skip="$TT_TIMEOUTS_SEEN" '
        /^--- timeout/ {n++; why = $0; sub(/^--- /, "", why)}
        /^command: / && n > skip {cmd = $0; sub(/^command: /, "", cmd); print substr(cmd, 1, 120) " (" why ")"}' "$log")
    TT_TIMEOUTS_SEEN=$total
}

tt_section() { printf '\n=== %s (+%ss)\n' "$*" "$((SECONDS - TT_T0))"; }

# The whole run must fit CI's budget for this layer (issue 8: 30 min with the image build;
# the whole default run took about 22 min warm in the fifth session). A case that would
# not fit in what is left is skipped with its reason; the margin above 30 min keeps a slow
# cold run from skipping the last case (scripts/test's timeout for the layer is 2400 s).
TT_BUDGET=${TESTBED_BUDGET:-2100}
# tt_budget NAME SECONDS: true if SECONDS still fit in the budget, else records a skip.
tt_budget() {
    local left=$((TT_BUDGET - (SECONDS - TT_T0)))
    ((left >= $2)) && return 0
    tt_skip "$1" "only ${left} s of the ${TT_BUDGET} s budget left, the case needs up to $2 s"
    return 1
}
