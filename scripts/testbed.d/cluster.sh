# shellcheck shell=bash
# Booting, driving and stopping the QEMU cluster.
#
# Layout of $TB_STATE (one cluster at a time):
#   HOST.pid, HOST.console.log      QEMU pid and serial console (Xen + dom0 hvc0)
#   share/                          9p-shared with every dom0 as /share
#     images/ bin/ lib/             guest kernel+initramfs, binaries, dom0 helper scripts
#     hosts/HOST/cmd/               command runner queue (see dom0-init)
#     guests/NAME.cfg               xl configs, readable from every host
#     results/                      whatever tests write out

tb_hosts_running() {
    local f
    for f in "$TB_STATE"/*.pid; do
        [[ -e $f ]] || continue
        kill -0 "$(cat "$f")" 2>/dev/null && basename "$f" .pid
    done
}

tb_stop() {
    local f pid
    for f in "$TB_STATE"/*.pid; do
        [[ -e $f ]] || continue
        pid=$(cat "$f")
        if kill -0 "$pid" 2>/dev/null && grep -q qemu "/proc/$pid/cmdline" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            tb_log "stopped $(basename "$f" .pid) (pid $pid)"
        fi
        rm -f "$f"
    done
    # Give QEMU a moment to exit before anyone reuses the ports.
    local i
    for i in $(seq 20); do
        pgrep -f "qemu-system-x86_64.*$TB_STATE" >/dev/null || break
        sleep 0.2
    done
}

# Binaries of other parts go in when they exist; a missing one is reported, not fatal.
tb_stage_share() {
    local share="$TB_STATE/share"
    mkdir -p "$share"/{images,bin,lib,hosts,guests,results,kmod}
    cp "$TB_GUEST_KERNEL" "$share/images/vmlinux"
    cp "$TB_GUEST_IMAGE" "$share/images/guest.cpio.gz"
    cp "$TB_WORKLOAD" "$share/bin/workload"
    cp "$TESTBED_LIB"/dom0/* "$share/lib/"
    chmod +x "$share"/lib/*
    local target=${CARGO_TARGET_DIR:-$REUNION_CACHE/cargo-target} b
    rm -f "$share/bin/reunion"
    for b in "${TESTBED_REUNION_BIN:-}" "$target/release/reunion" "$target/debug/reunion"; do
        if [[ -n $b && -x $b ]]; then cp "$b" "$share/bin/reunion"; tb_log "staged reunion binary $b"; break; fi
    done
    [[ -e $share/bin/reunion ]] || tb_log "no reunion binary built (cargo build -p reunion-cli); agent tests will skip"
    rm -f "$share/kmod/idcstat.ko"
    local ko=${TESTBED_IDCSTAT_KO:-}
    if [[ -z $ko && -x $TESTBED_REPO/scripts/build-kmod && -r $REUNION_CACHE/env ]]; then
        tb_log "building idcstat.ko (scripts/build-kmod)"
        ko=$("$TESTBED_REPO/scripts/build-kmod" 2>"$TB_STATE/build-kmod.log" | tail -1) || ko=''
    fi
    if [[ -n $ko && -r $ko ]]; then cp "$ko" "$share/kmod/idcstat.ko"; tb_log "staged module $ko"; fi
    # The kernel's YNL CLI and our spec, for tests and operators.
    local ksrc=''
    # shellcheck source=/dev/null
    [[ -r $REUNION_CACHE/env ]] && ksrc=$(. "$REUNION_CACHE/env" && echo "${REUNION_KSRC:-}")
    if [[ -n $ksrc && -d $ksrc/tools/net/ynl/pyynl ]]; then
        mkdir -p "$share/ynl"
        cp -r "$ksrc/tools/net/ynl/pyynl" "$share/ynl/"
        cp "$TESTBED_REPO/uapi/idcstat.yaml" "$share/ynl/"
    else
        tb_log "no linux source tree with tools/net/ynl (scripts/setup); YNL tests will skip"
    fi
    [[ -e $share/kmod/idcstat.ko ]] || tb_log "no idcstat.ko found; module tests will skip"
}

tb_boot() {
    local n=$1
    [[ $n =~ ^[1-9]$ ]] || tb_die "boot: host count must be 1-9, got '$n'"
    tb_need_root
    tb_build
    # shellcheck disable=SC1091
    . "$TB_CACHE/images.env"
    tb_stop
    rm -rf "$TB_STATE"
    mkdir -p "$TB_STATE"
    tb_stage_share
    local i h
    : > "$TB_STATE/share/hosts.txt"
    for i in $(seq "$n"); do
        echo "$TB_NET_PREFIX.0.$i $(tb_host_name "$i")" >> "$TB_STATE/share/hosts.txt"
    done
    echo "$n" > "$TB_STATE/nhosts"
    local t0=$SECONDS
    for i in $(seq "$n"); do
        h=$(tb_host_name "$i")
        local nets=()
        if ((i > 1)); then
            nets+=(-netdev "socket,id=left,connect=127.0.0.1:$((TB_PORT_BASE + i - 1))"
                -device "virtio-net-pci,netdev=left,mac=52:54:00:77:0$i:01")
        fi
        if ((i < n)); then
            nets+=(-netdev "socket,id=right,listen=127.0.0.1:$((TB_PORT_BASE + i))"
                -device "virtio-net-pci,netdev=right,mac=52:54:00:77:0$i:02")
        fi
        qemu-system-x86_64 -accel tcg -cpu "$TB_QEMU_CPU" -smp 1 -m "$TB_HOST_MEM" \
            -nodefaults -no-user-config -display none -monitor none \
            -serial "file:$TB_STATE/$h.console.log" \
            -kernel "$TB_XEN_ELF" \
            -append "console=com1 dom0_mem=${TB_DOM0_MEM}M,max:${TB_DOM0_MEM}M dom0_max_vcpus=1 noreboot${TESTBED_XEN_ARGS:+ $TESTBED_XEN_ARGS}" \
            -initrd "$TB_VMLINUZ console=hvc0 rdinit=/init reunion.host=$h reunion.ip=$TB_NET_PREFIX.0.$i/16,$TB_DOM0_IMAGE" \
            -virtfs "local,path=$TB_STATE/share,mount_tag=share,security_model=none,id=share" \
            "${nets[@]}" \
            -pidfile "$TB_STATE/$h.pid" -daemonize ||
            tb_die "QEMU for host $h failed to start"
        tb_log "host $h: QEMU started (pid $(cat "$TB_STATE/$h.pid")), console $TB_STATE/$h.console.log"
    done
    local timeout=${TESTBED_BOOT_TIMEOUT:-400} left
    for i in $(seq "$n"); do
        h=$(tb_host_name "$i")
        until [[ -e $TB_STATE/share/hosts/$h/ready ]]; do
            left=$((timeout - (SECONDS - t0)))
            if ((left <= 0)); then
                tb_log "host $h not ready after ${timeout}s; console tail:"
                tail -20 "$TB_STATE/$h.console.log" >&2
                tb_stop
                tb_die "boot failed"
            fi
            kill -0 "$(cat "$TB_STATE/$h.pid")" 2>/dev/null || { tail -20 "$TB_STATE/$h.console.log" >&2; tb_stop; tb_die "QEMU of host $h died"; }
            sleep 1
        done
        tb_log "host $h: xl ready at +$((SECONDS - t0)) s"
    done
    tb_attach_disks
    echo "$((SECONDS - t0))" > "$TB_STATE/boot-seconds"
    tb_log "cluster of $n up in $((SECONDS - t0)) s; stop it with: scripts/testbed stop"
}

# Shared storage: host A exports TESTBED_DISKS sparse files over NBD; every host attaches
# export dK as /dev/nbdK, so a guest's disk has the same path wherever it runs.
tb_attach_disks() {
    local n=${TESTBED_DISKS:-4} size=${TESTBED_DISK_MIB:-128} i pids=()
    ((n > 0)) || return 0
    tb_run A /share/lib/tb-disks serve "$n" "$size" >/dev/null || tb_die "nbd-server on A failed"
    for i in $(seq "$(tb_nhosts)"); do
        tb_run "$(tb_host_name "$i")" /share/lib/tb-disks attach "$n" "$TB_NET_PREFIX.0.1" >/dev/null &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || tb_die "nbd-client attach failed"; done
    tb_log "shared disks: $n x $size MiB from A attached as /dev/nbd1..$n on every host"
}

tb_nhosts() { cat "$TB_STATE/nhosts" 2>/dev/null || echo 0; }

# tb_run HOST CMD...: run CMD (joined by spaces, as sh source) in HOST's dom0.
#
# Every command is bounded: TESTBED_RUN_TIMEOUT seconds (default 600; tb_run_within sets
# it per call). dom0 kills the command with `timeout` when it runs out, and this side
# stops waiting a little later in any case. A command that dom0's runner has not even
# picked up after TESTBED_PICKUP_TIMEOUT seconds (default 90) means the runner itself is
# stuck: the host is marked as such ($TB_STATE/HOST.stuck) and every later tb_run on it
# fails at once instead of waiting out its timeout. Each timeout is appended to
# $TB_STATE/timeouts.log (command, output so far, console tail) and returns 124, stuck
# runners 125, so callers and tests/testbed/run can report them as failures.
tb_run() {
    [[ $# -ge 2 ]] || tb_die "usage: scripts/testbed run HOST COMMAND..."
    local h=$1; shift
    local q="$TB_STATE/share/hosts/$h/cmd"
    # Not tb_die: tests/testbed/run sources this, and one bad host must not end the run.
    [[ -d $q ]] || { tb_log "error: host $h is not up (no $q)"; return 2; }
    if [[ -e $TB_STATE/$h.stuck ]]; then
        tb_log "host $h: dom0's command runner is stuck since $(cat "$TB_STATE/$h.stuck"); not running: $*"
        return 125
    fi
    local timeout=${TESTBED_RUN_TIMEOUT:-600} pickup=${TESTBED_PICKUP_TIMEOUT:-90}
    local id; id="$(date +%s%N)-$$-$RANDOM"
    # The command itself goes in NAME.cmd; the script dom0 runs only wraps it in timeout
    # (-k: SIGKILL 5 s after SIGTERM, for commands that ignore it).
    printf '%s\n' "$*" > "$q/$id.cmd"
    printf 'exec timeout -k 5 %s sh %s\n' "$timeout" "/share/hosts/$h/cmd/$id.cmd" > "$q/$id.tmp"
    mv "$q/$id.tmp" "$q/$id.sh"
    local t0=$SECONDS why=''
    until [[ -e $q/$id.rc ]]; do
        if [[ -e $q/$id.sh ]] && ((SECONDS - t0 > pickup)); then
            why="dom0's command runner did not pick the command up within ${pickup} s"
            date -u +%H:%M:%S > "$TB_STATE/$h.stuck"
            break
        fi
        if ((SECONDS - t0 > timeout + 15)); then
            why="no exit status after ${timeout} s (+15 s grace)"
            break
        fi
        sleep 0.1
    done
    local rc
    if [[ -z $why ]]; then
        rc=$(cat "$q/$id.rc")
        # timeout(1) exits 124 (TERM) or 137 (KILL after -k) when it fired.
        [[ $rc == 124 || $rc == 137 ]] && why="killed by timeout in dom0 after ${timeout} s (exit $rc)"
    fi
    if [[ -n $why ]]; then
        tb_report_timeout "$h" "$*" "$why" "$q/$id.out"
        cat "$q/$id.out" 2>/dev/null || true
        rm -f "$q/$id.out" "$q/$id.rc" "$q/$id.run" "$q/$id.cmd"
        [[ -e $TB_STATE/$h.stuck ]] && return 125
        return 124
    fi
    cat "$q/$id.out"
    rm -f "$q/$id.out" "$q/$id.rc" "$q/$id.run" "$q/$id.cmd"
    return "$rc"
}

# tb_run_within SECONDS HOST CMD...: tb_run with its own timeout.
tb_run_within() {
    local secs=$1; shift
    TESTBED_RUN_TIMEOUT=$secs tb_run "$@"
}

# tb_report_timeout HOST COMMAND WHY OUTFILE: log a timed-out command with what it printed
# and the tail of the host's console, to stderr and to $TB_STATE/timeouts.log.
tb_report_timeout() {
    local h=$1 cmd=$2 why=$3 out=$4
    {
        echo "--- timeout on host $h at $(date -u +%H:%M:%S): $why"
        echo "command: $cmd"
        echo "output so far (last 20 lines):"
        tail -n 20 "$out" 2>/dev/null | sed 's/^/  | /'
        echo "console of $h (last 15 lines, $TB_STATE/$h.console.log):"
        tail -n 15 "$TB_STATE/$h.console.log" 2>/dev/null | sed 's/^/  | /'
    } | tee -a "$TB_STATE/timeouts.log" >&2
}

tb_shell() {
    local h=${1:?usage: scripts/testbed shell HOST}
    local line
    while IFS= read -r -p "dom0-$h# " line; do
        [[ -n $line ]] && { tb_run "$h" "$line" || echo "(exit $?)"; }
    done
    echo
}

tb_guest() {
    if [[ $# -lt 2 || $1 == --help ]]; then
        tb_run A /share/lib/tb-guest --help 2>/dev/null || true
        return 0
    fi
    local h=$1; shift
    tb_run "$h" /share/lib/tb-guest "$@"
}

tb_status() {
    local h
    for h in $(tb_hosts_running); do
        echo "== host $h (QEMU pid $(cat "$TB_STATE/$h.pid"))"
        tb_run "$h" xl list || true
    done
}

tb_logs() {
    local dir=${1:-$TB_STATE/logs-collected}
    mkdir -p "$dir"
    local h
    cp "$TB_STATE"/*.console.log "$dir/" 2>/dev/null || true
    for h in $(tb_hosts_running); do
        tb_run "$h" "dmesg > /share/results/dmesg-$h.txt; mkdir -p /share/results/xl-$h; cp -r /var/log/xen/. /share/results/xl-$h/" >/dev/null || true
    done
    cp -r "$TB_STATE/share/results/." "$dir/" 2>/dev/null || true
    echo "$dir"
}

# Plain-transport migration smoke test: guest on A, xl migrate to B over socat.
tb_smoke() {
    local own=0
    if [[ -z $(tb_hosts_running) ]]; then
        own=1
        trap 'tb_stop' EXIT
        tb_boot "${1:-2}"
    fi
    local t0=$SECONDS
    tb_run A /share/lib/tb-guest create s1 id=1 memory=128 maxmem=256 swap=1 || tb_die "guest create failed"
    tb_log "smoke: guest s1 created on A in $((SECONDS - t0)) s; waiting for ping"
    tb_run A /share/lib/tb-guest wait s1 || tb_die "guest s1 does not answer"
    tb_log "smoke: s1 answers at +$((SECONDS - t0)) s"
    tb_run B /share/lib/tb-migrate-plain listen >/dev/null
    local t1=$SECONDS
    tb_run A xl migrate -s /share/lib/tb-migrate-plain s1 B || tb_die "xl migrate failed"
    tb_log "smoke: xl migrate A->B took $((SECONDS - t1)) s"
    tb_run B xl list s1 || tb_die "s1 not on B after migration"
    ! tb_run A xl domid s1 >/dev/null 2>&1 || tb_die "s1 still on A after migration"
    tb_run B /share/lib/tb-guest wait s1 || tb_die "s1 does not answer on B"
    tb_log "smoke: PASS (s1 runs on B and answers)"
    ((own)) && { tb_stop; trap - EXIT; }
    return 0
}

tb_demo() {
    # shellcheck source=tests/testbed/lib/demo.sh
    . "$TESTBED_REPO/tests/testbed/lib/demo.sh"
    tb_demo_main "$@"
}
