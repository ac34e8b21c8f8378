# shellcheck shell=bash
# Cross-host live migration with a plain transport (socat), independent of the agents:
# g3 goes from B to C across the line A-B-C; it keeps running and answers afterwards.

tc_migrate_plain() {
    [[ ${TT_GUESTS_UP:-0} == 1 ]] || { tt_skip "migrate-plain" "guests are not up"; return 0; }
    local before after t0
    before=$(gctl A g3 'cat /proc/uptime' | awk 'NR==1 {print int($1)}')
    on C tb-migrate-plain listen >> "$TT_LOG" 2>&1
    t0=$SECONDS
    if ! on B xl migrate -s /share/lib/tb-migrate-plain g3 C >> "$TT_LOG" 2>&1; then
        tt_fail "migrate-plain" "xl migrate g3 B->C failed (see $TT_LOG)"
        return 0
    fi
    local took=$((SECONDS - t0))
    echo "$took" > "$TB_STATE/share/results/migrate-plain-seconds"
    if on C xl domid g3 >/dev/null 2>&1 && ! on B xl domid g3 >/dev/null 2>&1; then
        tt_pass "migrate-plain: g3 moved B->C in ${took} s"
    else
        tt_fail "migrate-plain" "g3 is not (only) on C after xl migrate"
        return 0
    fi
    on A tb-guest wait g3 60 >> "$TT_LOG" 2>&1 || { tt_fail "migrate-plain" "g3 silent after migration"; return 0; }
    after=$(gctl A g3 'cat /proc/uptime' | awk 'NR==1 {print int($1)}')
    if [[ -n $before && -n $after ]] && ((after >= before)); then
        tt_pass "migrate-plain: g3 kept running (uptime $before s -> $after s) and answers on C"
    else
        tt_fail "migrate-plain" "g3's uptime went from '$before' to '$after' (rebooted?)"
    fi
}
