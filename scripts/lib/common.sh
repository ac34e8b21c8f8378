# shellcheck shell=bash
# Shared helpers for reunion's shell scripts. Source it; do not execute it.
#
# Every cache lives outside the clone, under REUNION_CACHE (default
# /var/cache/reunion), so fresh clones and CI runs reuse the kernel build
# environment, the stock kernel and the cargo target directory.

REUNION_CACHE="${REUNION_CACHE:-/var/cache/reunion}"
# The file scripts/setup writes once the kernel environment is ready. It is
# the ONE place that records the kernel version and the paths derived from it.
REUNION_ENV_FILE="$REUNION_CACHE/env"
REUNION_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export REUNION_CACHE REUNION_ENV_FILE REUNION_REPO
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REUNION_CACHE/cargo-target}"
# rustup installs cargo in ~/.cargo/bin, which a non-login shell (CI, sudo)
# may not have on PATH.
if ! command -v cargo >/dev/null 2>&1 && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
    export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi

_reunion_t0=$(date +%s)

# log MSG...: a timestamped progress line on stderr.
log() {
    printf '[%s +%4ss] %s\n' "$(date -u +%H:%M:%S)" "$(( $(date +%s) - _reunion_t0 ))" "$*" >&2
}

# step MSG...: a visible section header.
step() {
    printf '\n==> %s\n' "$*" >&2
}

# die MSG...: print an error and exit non-zero.
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

require_root() {
    [ "$(id -u)" -eq 0 ] || die "$(basename "$0") must run as root (it installs packages and builds a chroot)"
}

# load_env: source the environment file written by scripts/setup, or fail
# with the command that creates it.
load_env() {
    [ -r "$REUNION_ENV_FILE" ] || die "no kernel environment at $REUNION_ENV_FILE; run: sudo scripts/setup"
    # shellcheck source=/dev/null
    . "$REUNION_ENV_FILE"
}

# setup_stamp: a fingerprint of the set-up recipe; scripts/test re-runs
# scripts/setup when the recorded one differs.
setup_stamp() {
    cat "$REUNION_REPO/scripts/setup" "$REUNION_REPO/scripts/lib/common.sh" | sha256sum | cut -d' ' -f1
}

# setup_is_current: true when scripts/setup completed with this recipe.
setup_is_current() {
    [ -r "$REUNION_ENV_FILE" ] && [ -r "$REUNION_CACHE/setup.stamp" ] \
        && [ "$(cat "$REUNION_CACHE/setup.stamp")" = "$(setup_stamp)" ]
}

# chroot_run CMD...: run CMD inside the sid chroot with /proc, /sys, /dev,
# /dev/pts, the clone and the kernel cache mounted at the same paths they have
# outside. The mounts live in a private mount namespace (unshare), so they
# vanish when CMD exits, even on error or signal, and concurrent callers
# never unmount each other's mounts.
chroot_run() {
    local root="${REUNION_CHROOT:-$REUNION_CACHE/chroot/sid}"
    [ -x "$root/bin/sh" ] || die "no chroot at $root; run: sudo scripts/setup"
    mkdir -p "$REUNION_CACHE/kernel"
    # shellcheck disable=SC2016 # the inner script expands its own arguments
    unshare --mount --propagation private -- /bin/bash -c '
        set -e
        root=$1 repo=$2 kcache=$3
        shift 3
        mount -t proc proc "$root/proc"
        mount -t sysfs sysfs "$root/sys"
        mount --bind /dev "$root/dev"
        mount --bind /dev/pts "$root/dev/pts"
        # A private /tmp: mount points for clones under /tmp vanish with it.
        mount -t tmpfs tmpfs "$root/tmp"
        mkdir -p "$root$repo" "$root$kcache"
        mount --bind "$repo" "$root$repo"
        mount --bind "$kcache" "$root$kcache"
        exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
            DEBIAN_FRONTEND=noninteractive "$@"
    ' chroot_run "$root" "$REUNION_REPO" "$REUNION_CACHE/kernel" "$@"
}

# kmake ARGS...: run the kernel's make against our prepared headers tree with
# the toolchain recorded by scripts/setup, inside the sid chroot (the host's
# toolchain does not match Debian's kernel).
kmake() {
    load_env
    chroot_run make -C "$REUNION_KDIR" "${REUNION_KMAKE_FLAGS[@]}" "$@"
}

# kmod_build_dir: where scripts/build-kmod puts this clone's module build
# (outside the clone, keyed by kernel version and by the clone's path).
kmod_build_dir() {
    load_env
    printf '%s/kernel/%s/kmod/%s\n' "$REUNION_CACHE" "$REUNION_KVER" \
        "$(printf '%s' "$REUNION_REPO" | sha256sum | cut -c1-12)"
}
