# shellcheck shell=bash
# `scripts/testbed build`: the dom0 root filesystem, kernel, hypervisor and guest image,
# each cached under $TB_CACHE by what it is made of, so a warm build does nothing.

# The dom0 chroot (debootstrap sid minbase + $TB_DOM0_PACKAGES), keyed by the package list.
tb_build_rootfs() {
    local key; key=$(echo "$TB_DOM0_PACKAGES" | tb_hash)
    TB_ROOTFS="$TB_CACHE/dom0-root-$key"
    [[ -e $TB_ROOTFS/.complete ]] && { tb_log "dom0 chroot: cached ($TB_ROOTFS)"; return; }
    local part="$TB_ROOTFS.partial"
    tb_log "dom0 chroot: debootstrap sid minbase into $part (about 1-3 min)"
    local prev
    prev=$(ls -dt "$TB_CACHE"/dom0-root-*/.complete 2>/dev/null | head -1)
    if [[ ! -e $part/.debootstrapped && -n $prev ]]; then
        rm -rf "$part"
        tb_log "dom0 chroot: starting from a copy of $(dirname "$prev")"
        cp -a "$(dirname "$prev")" "$part"
        rm -f "$part/.complete"
    fi
    if [[ ! -e $part/.debootstrapped ]]; then
        rm -rf "$part"
        debootstrap --variant=minbase sid "$part" "$TB_MIRROR" > "$TB_CACHE/logs/debootstrap.log" 2>&1 ||
            tb_die "debootstrap failed; see $TB_CACHE/logs/debootstrap.log"
        touch "$part/.debootstrapped"
    fi
    cat > "$part/etc/apt/apt.conf.d/99reunion" <<'APT'
Acquire::Check-Valid-Until "false";
APT::Install-Recommends "false";
APT::Install-Suggests "false";
APT
    tb_log "dom0 chroot: apt-get install $(echo $TB_DOM0_PACKAGES)"
    tb_chroot_mount "$part"
    # shellcheck disable=SC2086
    if ! { chroot "$part" apt-get update && DEBIAN_FRONTEND=noninteractive chroot "$part" \
            apt-get install -y $TB_DOM0_PACKAGES; } > "$TB_CACHE/logs/apt.log" 2>&1; then
        tb_chroot_umount "$part"
        tb_die "apt-get in the dom0 chroot failed; see $TB_CACHE/logs/apt.log"
    fi
    tb_chroot_umount "$part"
    touch "$part/.complete"
    mv "$part" "$TB_ROOTFS"
}

tb_chroot_mount() {
    mount -t proc proc "$1/proc"
    mount -t sysfs sys "$1/sys"
    mount --rbind /dev "$1/dev"
    mount --make-rslave "$1/dev"
}
tb_chroot_umount() {
    umount -R "$1/dev" 2>/dev/null || umount -lR "$1/dev" 2>/dev/null || true
    umount "$1/proc" "$1/sys" 2>/dev/null || true
}

# The stock kernel image and modules, unpacked, with modules.dep.
tb_build_kernel() {
    TB_KVER=$(tb_kernel_version 2>/dev/null) || {
        TB_KVER=$(chroot "$TB_ROOTFS" apt-cache depends linux-image-amd64 |
            sed -n 's/.*Depends: linux-image-\([0-9].*\)/\1/p' | head -1)
        [[ -n $TB_KVER ]] || tb_die "cannot tell the kernel version (set TESTBED_KERNEL_VERSION)"
        echo "$TB_KVER" > "$TB_CACHE/kernel-version"
    }
    TB_KDIR="$TB_CACHE/kernel-$TB_KVER"
    TB_KMODS="$TB_KDIR/usr/lib/modules/$TB_KVER"
    [[ -e $TB_KDIR/.complete ]] && { tb_log "kernel $TB_KVER: cached"; return; }
    tb_log "kernel $TB_KVER: downloading linux-binary and linux-modules"
    rm -rf "$TB_KDIR" "$TB_ROOTFS/tmp/debs"
    mkdir -p "$TB_ROOTFS/tmp/debs" "$TB_KDIR"
    chroot "$TB_ROOTFS" sh -c "cd /tmp/debs && apt-get download linux-binary-$TB_KVER linux-modules-$TB_KVER" \
        > "$TB_CACHE/logs/kernel-download.log" 2>&1 ||
        tb_die "kernel download failed; see $TB_CACHE/logs/kernel-download.log"
    local d
    for d in "$TB_ROOTFS"/tmp/debs/*.deb; do dpkg -x "$d" "$TB_KDIR"; done
    rm -rf "$TB_ROOTFS/tmp/debs"
    depmod -b "$TB_KDIR/usr" "$TB_KVER" 2>/dev/null
    touch "$TB_KDIR/.complete"
}

# Module file paths (relative to the modules dir) that the given modules need.
tb_module_closure() {
    local m
    for m in "$@"; do
        modprobe -d "$TB_KDIR/usr" -S "$TB_KVER" --show-depends "$m" 2>/dev/null |
            sed -n "s|^insmod $TB_KMODS/||p" | awk '{print $1}'
    done | sort -u
}

tb_build_xen() {
    TB_XEN_ELF="$TB_CACHE/xen-$TB_XEN_SERIES-$(stat -c %Y "$TB_ROOTFS/boot/xen-$TB_XEN_SERIES-amd64.gz").elf"
    [[ -e $TB_XEN_ELF ]] && { tb_log "xen.elf: cached"; return; }
    gunzip -c "$TB_ROOTFS/boot/xen-$TB_XEN_SERIES-amd64.gz" > "$TB_XEN_ELF.tmp" && mv "$TB_XEN_ELF.tmp" "$TB_XEN_ELF"
    tb_log "xen.elf: unpacked $(du -h "$TB_XEN_ELF" | cut -f1)"
}

# dom0.cpio.gz = rootfs segment + modules segment + overlay segment (the kernel unpacks
# concatenated compressed cpio archives in order). Only the overlay changes with our scripts.
tb_build_dom0_image() {
    local rootkey modkey ovkey
    rootkey=$(basename "$TB_ROOTFS")
    local rootseg="$TB_CACHE/seg-$rootkey-v2.cpio.gz"
    if [[ ! -e $rootseg ]]; then
        tb_log "dom0 image: packing the root filesystem (gzip -1, about 30 s)"
        # Mount points are kept empty; documentation, apt lists and /boot are left out.
        (cd "$TB_ROOTFS" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev \) -prune -print \
            -o \( -path ./usr/share/doc -o -path ./usr/share/man -o -path ./usr/share/locale \
            -o -path ./usr/share/info -o -path ./var/cache/apt -o -path ./var/lib/apt/lists \
            -o -path ./boot -o -path ./tmp/debs -o -name .complete -o -name .debootstrapped \) -prune \
            -o -print |
            cpio -o -H newc --quiet | gzip -1 > "$rootseg.tmp") && mv "$rootseg.tmp" "$rootseg"
    fi
    modkey=$(echo "$TB_KVER $TB_DOM0_MODULES" | tb_hash)
    local modseg="$TB_CACHE/seg-modules-$TB_KVER-$modkey.cpio.gz"
    if [[ ! -e $modseg ]]; then
        tb_log "dom0 image: packing kernel modules"
        local st; st=$(mktemp -d)
        local dst="$st/usr/lib/modules/$TB_KVER"
        mkdir -p "$dst"
        # All of net/ (netfilter, bridge, ...) for idcstat's dependencies, plus the closure.
        { (cd "$TB_KMODS" && find kernel/net -name '*.ko*'); tb_module_closure $TB_DOM0_MODULES; } |
            sort -u | (cd "$TB_KMODS" && cpio -pdm --quiet "$dst")
        cp "$TB_KMODS"/modules.* "$dst"/ 2>/dev/null || true
        depmod -b "$st/usr" "$TB_KVER" 2>/dev/null
        (cd "$st" && find . | cpio -o -H newc --quiet | gzip -1 > "$modseg.tmp") && mv "$modseg.tmp" "$modseg"
        rm -rf "$st"
    fi
    local ov; ov=$(mktemp -d)
    mkdir -p "$ov/etc/xen/scripts" "$ov/usr/local/bin"
    install -m 755 "$TESTBED_LIB/dom0-init" "$ov/init"
    install -m 755 "$TESTBED_LIB/dom0-block-hotplug" "$ov/etc/xen/scripts/block"
    install -m 755 "$TESTBED_LIB/dom0-runner" "$ov/usr/local/bin/tb-runner"
    echo "dom0" > "$ov/etc/hostname"
    ovkey=$( (cd "$ov" && find . -type f | sort | xargs cat) | tb_hash)
    TB_DOM0_IMAGE="$TB_CACHE/dom0-$rootkey-$modkey-$ovkey.cpio.gz"
    if [[ ! -e $TB_DOM0_IMAGE ]]; then
        (cd "$ov" && find . | cpio -o -H newc --quiet | gzip -1 > "$ov.seg")
        cat "$rootseg" "$modseg" "$ov.seg" > "$TB_DOM0_IMAGE.tmp" && mv "$TB_DOM0_IMAGE.tmp" "$TB_DOM0_IMAGE"
        rm -f "$ov.seg"
        # Older images are dead weight (a running QEMU has its copy in memory already).
        find "$TB_CACHE" -maxdepth 1 -name 'dom0-*.cpio.gz' ! -path "$TB_DOM0_IMAGE" -delete
        tb_log "dom0 image: $(du -h "$TB_DOM0_IMAGE" | cut -f1) $TB_DOM0_IMAGE"
    else
        tb_log "dom0 image: cached"
    fi
    rm -rf "$ov"
}

tb_build_workload() {
    tb_log "workload: cargo build (static)"
    RUSTFLAGS="-C target-feature=+crt-static" CARGO_TARGET_DIR="$TB_CACHE/workload-target" \
        cargo build --quiet --release --manifest-path "$TESTBED_REPO/tests/testbed/workload/Cargo.toml" ||
        tb_die "building tests/testbed/workload failed"
    TB_WORKLOAD="$TB_CACHE/workload-target/release/workload"
}

# Guest initramfs: static busybox, the workload binary, xen-netfront/xen-blkfront unpacked.
tb_build_guest_image() {
    local st; st=$(mktemp -d)
    mkdir -p "$st"/{bin,sbin,proc,sys,dev,tmp,etc,lib/modules,root}
    cp /usr/bin/busybox "$st/bin/busybox" || cp "$TB_ROOTFS/usr/bin/busybox" "$st/bin/busybox"
    local a
    for a in $("$st/bin/busybox" --list); do
        [[ $a == busybox ]] && continue
        ln -sf busybox "$st/bin/$a"
    done
    cp "$TB_WORKLOAD" "$st/bin/workload"
    install -m 755 "$TESTBED_LIB/guest-init" "$st/init"
    local f
    for f in $(tb_module_closure $TB_GUEST_MODULES); do
        case $f in
            *.xz) xz -dc "$TB_KMODS/$f" > "$st/lib/modules/$(basename "${f%.xz}")" ;;
            *.zst) zstd -qdc "$TB_KMODS/$f" > "$st/lib/modules/$(basename "${f%.zst}")" ;;
            *) cp "$TB_KMODS/$f" "$st/lib/modules/" ;;
        esac
    done
    local key; key=$( (cd "$st" && find . -type f | sort | xargs cat) | tb_hash)
    TB_GUEST_IMAGE="$TB_CACHE/guest-$TB_KVER-$key.cpio.gz"
    if [[ ! -e $TB_GUEST_IMAGE ]]; then
        (cd "$st" && find . | cpio -o -H newc --quiet | gzip -1 > "$TB_GUEST_IMAGE.tmp") &&
            mv "$TB_GUEST_IMAGE.tmp" "$TB_GUEST_IMAGE"
        tb_log "guest image: $(du -h "$TB_GUEST_IMAGE" | cut -f1) $TB_GUEST_IMAGE"
    else
        tb_log "guest image: cached"
    fi
    rm -rf "$st"
}

# The guest kernel as a plain ELF (vmlinux with its Xen notes): with several guests per
# host, libxc's in-dom0 zstd decompression of the bzImage failed under TCG ("unable to
# ZSTD decompress kernel", then a segfaulting xl), so guests get it decompressed.
tb_build_guest_kernel() {
    TB_GUEST_KERNEL="$TB_CACHE/vmlinux-$TB_KVER"
    [[ -s $TB_GUEST_KERNEL ]] && { tb_log "guest vmlinux: cached"; return; }
    local off
    for off in $(grep -abo $'\x28\xb5\x2f\xfd' "$TB_KMODS/vmlinuz" | cut -d: -f1); do
        # zstd complains about the bytes after the frame; the ELF magic decides.
        tail -c +$((off + 1)) "$TB_KMODS/vmlinuz" | zstd -qdc 2>/dev/null > "$TB_GUEST_KERNEL.tmp" || true
        if [[ $(head -c 4 "$TB_GUEST_KERNEL.tmp" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]]; then
            mv "$TB_GUEST_KERNEL.tmp" "$TB_GUEST_KERNEL"
            tb_log "guest vmlinux: $(du -h "$TB_GUEST_KERNEL" | cut -f1) unpacked from vmlinuz"
            return
        fi
    done
    rm -f "$TB_GUEST_KERNEL.tmp"
    tb_die "cannot unpack vmlinux from $TB_KMODS/vmlinuz (not zstd?)"
}

# Record what a boot needs in one file.
tb_build() {
    tb_need_root
    mkdir -p "$TB_CACHE/logs"
    local t0=$SECONDS
    tb_build_rootfs
    tb_build_kernel
    tb_build_xen
    tb_build_dom0_image
    tb_build_workload
    tb_build_guest_image
    tb_build_guest_kernel
    cat > "$TB_CACHE/images.env" <<ENV
TB_KVER=$TB_KVER
TB_VMLINUZ=$TB_KMODS/vmlinuz
TB_XEN_ELF=$TB_XEN_ELF
TB_DOM0_IMAGE=$TB_DOM0_IMAGE
TB_GUEST_IMAGE=$TB_GUEST_IMAGE
TB_GUEST_KERNEL=$TB_GUEST_KERNEL
TB_WORKLOAD=$TB_WORKLOAD
TB_ROOTFS=$TB_ROOTFS
ENV
    tb_log "build done in $((SECONDS - t0)) s; images listed in $TB_CACHE/images.env"
}
