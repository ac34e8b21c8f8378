# shellcheck shell=bash
# shellcheck disable=SC2034 # the settings here are used by the files that source this one
# Shared settings of scripts/testbed: paths, versions, logging. Sourced, never run.

TESTBED_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESTBED_LIB="$TESTBED_REPO/scripts/testbed.d"
REUNION_CACHE=${REUNION_CACHE:-/var/cache/reunion}
TB_CACHE=${TESTBED_CACHE:-$REUNION_CACHE/testbed}
# Each clone has its own cluster (state dir and LAN ports), so that CI in a fresh clone
# and a developer's tree can run at once without stopping each other's QEMUs.
TB_CLONE_KEY=$(printf '%s' "$TESTBED_REPO" | sha256sum | cut -c1-8)
# Where a booted cluster keeps its state: pids, consoles, the 9p share.
TB_STATE=${TESTBED_STATE:-$TB_CACHE/cluster-$TB_CLONE_KEY}
TB_MIRROR=${TESTBED_MIRROR:-http://deb.debian.org/debian}

# The kernel version lives in one place: REUNION_KVER in the env file scripts/setup writes
# ($REUNION_CACHE/env). Without it: TESTBED_KERNEL_VERSION, else the version sid's
# linux-image-amd64 points at (resolved once by the build, kept in $TB_CACHE/kernel-version).
tb_kernel_version() {
    if [[ -n ${TESTBED_KERNEL_VERSION:-} ]]; then echo "$TESTBED_KERNEL_VERSION"; return; fi
    if [[ -r $REUNION_CACHE/env ]]; then
        local v
        # shellcheck source=/dev/null
        v=$(. "$REUNION_CACHE/env" && echo "${REUNION_KVER:-}")
        if [[ -n $v ]]; then echo "$v"; return; fi
    fi
    if [[ -r $TB_CACHE/kernel-version ]]; then cat "$TB_CACHE/kernel-version"; return; fi
    return 1
}

# Xen series of the hypervisor and tools packages (Debian names them by series).
TB_XEN_SERIES=${TESTBED_XEN_SERIES:-4.20}

# Packages of the dom0 root filesystem (libfontconfig1/libfreetype6: the reunion binary
# links them through its plotting). Changing the list makes a new chroot, started from a
# copy of the newest existing one when there is one (apt then installs only what is new).
TB_DOM0_PACKAGES="xen-utils-$TB_XEN_SERIES xen-hypervisor-$TB_XEN_SERIES-amd64 iproute2 kmod busybox procps
iputils-ping socat nbd-client nbd-server python3 python3-yaml e2fsprogs util-linux ethtool
libfontconfig1 libfreetype6"

# Kernel modules dom0 and guests need (closure computed with modprobe --show-depends).
TB_DOM0_MODULES="xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-netback xen-blkback
bridge loop virtio_net e1000 9pnet_virtio 9p nbd nf_tables nft_chain_nat"
TB_GUEST_MODULES="xen-netfront xen-blkfront"

# The QEMU host: see docs/testbed.md for why each CPU flag is off. -xsave: with XSAVE,
# dom0 processes had their registers corrupted once guests ran (segfaults in libc and
# ld.so, `sleep 0.5` hung, "slep: not found"): 6 of 6 checksum passes over dom0's files
# went wrong with it, 0 of 6 without (TESTBED_QEMU_CPU overrides, for such A/B runs).
TB_QEMU_CPU=${TESTBED_QEMU_CPU:-"max,-rdtscp,-pcid,-invpcid,-smap,-pku,-xsave"}
TB_HOST_MEM=${TESTBED_HOST_MEM:-2048}
TB_DOM0_MEM=${TESTBED_DOM0_MEM:-1024}
TB_PORT_BASE=${TESTBED_PORT_BASE:-$((47000 + (0x${TB_CLONE_KEY:0:4} % 200) * 10))}
# Cluster addressing: dom0 of host i is 10.77.0.i, guest k is 10.77.1.k, one /16 LAN.
TB_NET_PREFIX=10.77

tb_log() { printf '[testbed %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
tb_die() { printf '[testbed] error: %s\n' "$*" >&2; exit 1; }
tb_need_root() { [[ $(id -u) == 0 ]] || tb_die "must run as root (debootstrap, chroot, loop devices)"; }

# Host names: A, B, C, ... for indices 1, 2, 3, ...
tb_host_name() { printf "\\x$(printf %x $((64 + $1)))\n"; }
tb_host_index() { printf '%d' "$(( $(printf '%d' "'$1") - 64 ))"; }

# A short content hash of files and strings, used as a cache key.
tb_hash() { sha256sum | cut -c1-12; }
