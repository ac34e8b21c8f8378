# shellcheck shell=bash
# shellcheck disable=SC2034 # TT_* flags are read by later cases
# Guests every later case uses: g1 (A, swap vbd, memory 128 of maxmem 256), g2 (A), g3 (B).
# Also loads idcstat on every host first, when it was built, so it sees every vif appear
# (guests migrate between hosts in later cases).

tc_guests() {
    TT_MODULE=0
    if [[ -e $TB_STATE/share/kmod/idcstat.ko ]]; then
        local h ok=1
        for h in $(seq "$(tb_nhosts)" | while read -r i; do tb_host_name "$i"; done); do
            if on "$h" 'insmod /share/kmod/idcstat.ko && lsmod | grep -q "^idcstat"' >> "$TT_LOG" 2>&1; then
                :
            else
                ok=0
            fi
        done
        if ((ok)); then
            TT_MODULE=1
            tt_pass "guests: idcstat.ko loads into the stock kernel on every host"
        else
            tt_fail "guests" "insmod idcstat.ko failed (see $TT_LOG)"
        fi
    fi
    local t0=$SECONDS pids=() rc=0
    on A tb-guest create g1 id=1 memory=128 maxmem=256 swap=1 >> "$TT_LOG" 2>&1 & pids+=($!)
    on B tb-guest create g3 id=3 memory=96 >> "$TT_LOG" 2>&1 & pids+=($!)
    wait "${pids[0]}" || rc=1
    on A tb-guest create g2 id=2 memory=96 >> "$TT_LOG" 2>&1 || rc=1
    wait "${pids[1]}" || rc=1
    if ((rc)); then tt_fail "guests" "xl create failed (see $TT_LOG)"; return 0; fi
    local created=$((SECONDS - t0))
    on A 'tb-guest wait g1 && tb-guest wait g2 && tb-guest wait g3' >> "$TT_LOG" 2>&1 ||
        { tt_fail "guests" "a guest does not answer ping"; return 0; }
    TT_GUESTS_UP=1
    tt_pass "guests: g1, g2 on A and g3 on B created in ${created} s, all answer ping at +$((SECONDS - t0)) s"
    local swaps
    swaps=$(gctl A g1 'cat /proc/swaps' | awk '$1 == "/dev/xvdb" {print $1}')
    tt_eq "guests" "g1's swap device (on the shared NBD disk)" "$swaps" "/dev/xvdb"
}
