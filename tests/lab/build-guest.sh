#!/bin/bash
# Builds the lab's test guest: the current Debian 12 kernel and a busybox
# initramfs with the virtio-net modules and tests/lab/guest-init.sh as /init.
# Only Debian packages, fetched with 'apt-get download' and unpacked with
# 'dpkg-deb -x' (nothing is installed on the host). Cached: a second run
# with the same kernel package does nothing.
#   Usage: build-guest.sh [CACHE_DIR]   (default /var/cache/vxnet-lab/guest)
#   Prints the directory holding vmlinuz and initrd.gz.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-/var/cache/vxnet-lab/guest}
mkdir -p "$cache"

kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$kpkg" ]; then
    apt-get update -qq >&2
    kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
fi
[ -n "$kpkg" ] || { echo "build-guest: cannot tell which kernel package linux-image-amd64 is" >&2; exit 1; }
out="$cache/$kpkg"
stamp=$(sha256sum "$here/guest-init.sh" "$0" | sha256sum | cut -c1-16)
if [ -s "$out/initrd.gz" ] && [ -s "$out/vmlinuz" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "$out"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
for pkg in "$kpkg" busybox-static; do
    apt-get download -q "$pkg" >/dev/null 2>&1 || { apt-get update -qq >&2 && apt-get download -q "$pkg" >/dev/null 2>&1; } \
        || { echo "build-guest: cannot download $pkg" >&2; exit 1; }
done
dpkg-deb -x ./"$kpkg"_*.deb kernel
dpkg-deb -x ./busybox-static_*.deb busybox
kver=$(basename kernel/boot/vmlinuz-* | sed 's/^vmlinuz-//')
moddir=kernel/lib/modules/$kver
[ -d "$moddir" ] || moddir=kernel/usr/lib/modules/$kver
[ -d "$moddir" ] || { echo "build-guest: no modules for $kver in $kpkg" >&2; exit 1; }

root=initramfs
mkdir -p "$root"/{bin,dev,proc,sys,etc,lib/modules}
cp busybox/bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$here/guest-init.sh" "$root/init"
chmod 755 "$root/init"
# virtio_net and what it needs, dependencies first (from each module's
# own "depends=" field, so no depmod is needed).
declare -A seen=()
order=()
add_module() {
    local name=${1//-/_} file deps dep
    [ -n "${seen[$name]:-}" ] && return
    seen[$name]=1
    file=$(find "$moddir/kernel" -name "$name.ko*" -o -name "${name//_/-}.ko*" | head -1)
    if [ -z "$file" ]; then
        grep -q "/${name}.ko" "$moddir/modules.builtin" && return
        echo "build-guest: module $name not found in $kpkg" >&2
        exit 1
    fi
    case "$file" in
        *.xz) xz -dc "$file" >"$root/lib/modules/$name.ko" ;;
        *.zst) zstd -qdc "$file" >"$root/lib/modules/$name.ko" ;;
        *) cp "$file" "$root/lib/modules/$name.ko" ;;
    esac
    deps=$(tr '\0' '\n' <"$root/lib/modules/$name.ko" | sed -n 's/^depends=//p' | head -1)
    for dep in ${deps//,/ }; do add_module "$dep"; done
    order+=("$name")
}
add_module virtio_pci
add_module virtio_net
printf '%s\n' "${order[@]}" >"$root/etc/modules.order"
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

mkdir -p "$out"
(cd "$root" && find . | LC_ALL=C sort | ../busybox/bin/busybox cpio -o -H newc -R 0:0 2>/dev/null) | gzip -9n >"$out/initrd.gz"
cp kernel/boot/vmlinuz-"$kver" "$out/vmlinuz"
echo "$stamp" >"$out/stamp"
echo "$out"
