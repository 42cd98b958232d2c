#!/bin/bash
# The README's first command: installs what is missing, builds, and runs
# vxnet's main job on two emulated KVM hosts (network namespaces with their
# own Open vSwitch and libvirtd; nothing on this machine's own network
# changes): vxnet-gen writes each host's network, virsh net-start has the
# hook build bridge, tunnels and MTU, and a guest per host boots and pings
# the other across VXLAN. Prints a summary and removes everything.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${VXNET_BUILD:-$top/build}
"$top/scripts/install-deps.sh" >/dev/null
echo "== building vxnet in $build"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
export VXNET_BUILD=$build VXNET_TEMPLATE_DIR=$top/libvirt-templates
set +e
. "$top/tests/lab/lab.sh"
lab_require
gen=$build/gen/vxnet-gen

echo "== two emulated hosts: 198.18.0.1 and 198.18.0.2 on a 1500-byte underlay"
lab_up 2 || { echo "demo: the lab did not come up" >&2; exit 1; }
for i in 1 2; do
    xml=$(lab_network_xml "$i")
    echo "== host $i: vxnet-gen network --peer 198.18.0.$((3 - i)) --vni 100 --datapath netdev --address 10.100.0.$i/16"
    lab_virsh "$i" net-define "$xml" >/dev/null
    t0=$(date +%s%N)
    lab_virsh "$i" net-start vxnet0 || { echo "demo: net-start failed on host $i" >&2; exit 1; }
    echo "   virsh net-start vxnet0: $(( ($(date +%s%N) - t0) / 1000000 )) ms (the hook built everything)"
done

echo "== what the hook made on host 1 (ovs-vsctl, read-only):"
hx 1 ovs-vsctl --columns=name,type,options,mtu_request,ofport,error list Interface ovs-sw0 \
    $(hx 1 ovs-vsctl --bare --columns=name find Interface type=vxlan) | sed 's/^/   /'
echo "   kernel ovs-sw0: mtu $(hx 1 cat /sys/class/net/ovs-sw0/mtu), $(hx 1 ip -o -4 addr show dev ovs-sw0 | awk '{print $4}')"
echo "   hook log: $(hx 1 grep 'op=start ' /var/log/vxnet/vxnet.log | tail -1 | cut -d' ' -f3-)"

echo "== hosts over the overlay:"
lab_wait 20 hx 1 ping -c 1 -W 1 10.100.0.2
hx 1 ping -c 3 -W 2 10.100.0.2 | tail -2 | sed 's/^/   /'
printf '   DF ping of 1450 bytes: '
hx 1 ping -c 1 -W 2 -M do -s 1422 10.100.0.2 >/dev/null 2>&1 && echo "crosses" || echo "LOST"
printf '   DF ping of 1451 bytes: '
refusal=$(hx 1 ping -c 1 -W 2 -M do -s 1423 10.100.0.2 2>&1)
grep -o "message too long, mtu=[0-9]*" <<<"$refusal" || echo "not refused locally: $refusal"

echo "== a TCG guest per host, its interface from: vxnet-gen interface --network vxnet0 --mtu 1450"
iface=$("$gen" interface --network vxnet0 --mtu 1450)
for i in 1 2; do
    lab_virsh "$i" define "$(lab_guest_xml "$i" "10.100.1.$((3 - i))" "$iface")" >/dev/null
    lab_virsh "$i" start "vm$i" >/dev/null || { echo "demo: vm$i did not start" >&2; exit 1; }
done
for i in 1 2; do
    tap=$(lab_virsh "$i" domiflist "vm$i" | awk '/vnet/ {print $1}')
    lab_wait 150 grep -q "VXGUEST FULLPING" "$LAB_DIR/h$i/vm$i.console"
    echo "   vm$i (10.100.1.$i, tap $tap mtu $(hx "$i" cat /sys/class/net/"$tap"/mtu)): $(tr -d '\r' <"$LAB_DIR/h$i/vm$i.console" | grep -o 'VXGUEST [A-Z]* [^ ]*' | tr '\n' ' ')"
done
echo "== a guest declaring <mtu size='9000'/> on host 1:"
lab_virsh 1 destroy vm1 >/dev/null
lab_virsh 1 undefine vm1 >/dev/null
sed "s|<mtu size='1450'/>|<mtu size='9000'/>|" "$LAB_DIR/h1/vm1.xml" >"$LAB_DIR/h1/vm1-9000.xml"
lab_virsh 1 define "$LAB_DIR/h1/vm1-9000.xml" >/dev/null
lab_virsh 1 start vm1 2>&1 | grep -o "vxnet: .*" | sed 's/^/   refused: /'
echo "== cleaning up"
