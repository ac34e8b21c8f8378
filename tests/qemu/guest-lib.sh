# shellcheck shell=sh
# Helpers for QEMU test cases (tests/qemu/cases/*.sh). The guest's /init
# sources this before running a case, and cases run with `sh -eu`, so any
# failing command fails the case.

# fail MSG...: fail the case with a reason.
fail() {
    echo "FAIL: $*"
    exit 1
}

# load_idcstat [PARAMS...]: insmod the idcstat module under test.
load_idcstat() {
    insmod "$IDCSTAT_KO" "$@" || fail "insmod idcstat failed"
}

# unload_idcstat: rmmod it.
unload_idcstat() {
    rmmod idcstat || fail "rmmod idcstat failed"
}

# expect_dmesg PATTERN: fail unless dmesg contains PATTERN (grep -E).
expect_dmesg() {
    dmesg | grep -Eq "$1" || fail "dmesg lacks /$1/"
}

# run_unprivileged CMD [ARGS...]: run CMD as user nobody (uid 65534, no
# capabilities) and return its exit code. Busybox's setpriv cannot change
# uids, so this uses su with the /etc/passwd the harness writes.
run_unprivileged() {
    _cmd=""
    for _arg in "$@"; do
        _cmd="$_cmd '$(printf '%s' "$_arg" | sed "s/'/'\\\\''/g")'"
    done
    su -s /bin/sh nobody -c "$_cmd"
}

# module_loaded NAME: true when NAME is in /proc/modules.
module_loaded() {
    grep -q "^$1 " /proc/modules
}
