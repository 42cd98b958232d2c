#!/bin/sh
# The README's first command: installs what is missing, builds, and shows
# vxnet's main job on two hosts' worth of network definitions: one XML per
# host, each checked by libvirt's schema, libvirt's own parser and vxnet's
# rules, then defined in libvirt's test driver (nothing on this host changes).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
"$top/scripts/install-deps.sh"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
gen="$build/gen/vxnet-gen"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

for i in 1 2; do
    peer=$((3 - i))
    "$gen" network --peer "198.18.0.$peer" --vni 100 --address "10.100.0.$i/16" \
        --datapath netdev -o "$work/host$i.xml"
    echo "== host$i: vxnet-gen network --peer 198.18.0.$peer --vni 100 --address 10.100.0.$i/16 --datapath netdev"
    cat "$work/host$i.xml"
    printf 'check: '
    "$gen" check "$work/host$i.xml"
    printf 'libvirt: '
    virsh -q -c test:///default "net-define $work/host$i.xml; net-start vxnet0; net-info vxnet0" | tr -s ' ' | paste -sd' ' -
done
echo "== a guest's interface on vxnet0 with a 1450-byte overlay MTU:"
VXNET_TEMPLATE_DIR="$top/libvirt-templates" "$gen" interface --network vxnet0 --mtu 1450
