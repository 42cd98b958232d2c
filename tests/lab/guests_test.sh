#!/bin/bash
# Scenarios 2 and 3: a TCG guest per host, started by libvirt on vxnet0,
# boots, learns the overlay MTU through virtio host_mtu and pings the other
# host's guest; its tap has the overlay MTU; a DF ping of exactly the
# overlay MTU crosses and a larger one is refused locally. A guest whose
# interface declares more than the overlay carries is refused at start with
# vxnet's message.
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/../cli/lib.sh"
lab_require
lab_require_guest
lab_up 2 || { fail "lab did not come up"; finish; exit 1; }
GEN=$VXNET_BUILD/gen/vxnet-gen
export VXNET_TEMPLATE_DIR=$(dirname "$0")/../../libvirt-templates

for i in 1 2; do
    lab_virsh "$i" net-define "$(lab_network_xml "$i")" >/dev/null && lab_virsh "$i" net-start vxnet0 >/dev/null \
        || fail "host $i: network did not start"
done
mtu=$(hx 1 cat /sys/class/net/ovs-sw0/mtu)
[ "$mtu" = 1450 ] && pass || fail "overlay MTU is $mtu, expected 1450"

# The guests' interfaces are what vxnet-gen prints for this overlay.
iface=$("$GEN" interface --network vxnet0 --mtu "$mtu")
for i in 1 2; do
    xml=$(lab_guest_xml "$i" "10.100.1.$((3 - i))" "$iface") || { fail "guest image"; finish; exit 1; }
    lab_virsh "$i" define "$xml" >/dev/null || fail "host $i: define vm$i"
    lab_virsh "$i" start "vm$i" >"$WORK/out" 2>&1 && pass || fail "host $i: start vm$i: $(cat "$WORK/out")"
done
for i in 1 2; do
    tap=$(lab_virsh "$i" domiflist "vm$i" | awk '/vnet/ {print $1}')
    [ -n "$tap" ] && [ "$(hx "$i" cat "/sys/class/net/$tap/mtu")" = "$mtu" ] && pass \
        || fail "host $i: tap '$tap' MTU is not $mtu"
done
lab_check_guests "$mtu" 1 2
# DF from host 1 to host 2's guest: exactly the overlay MTU crosses, one
# byte more is refused locally (not lost somewhere on the underlay).
hx 1 ping -c 2 -W 2 -M do -s $((mtu - 28)) 10.100.1.2 >"$WORK/out" 2>&1 && pass || fail "DF $mtu to vm2: $(cat "$WORK/out")"
hx 1 ping -c 1 -W 2 -M do -s $((mtu - 27)) 10.100.1.2 >"$WORK/out" 2>&1
grep -q "message too long, mtu=$mtu" "$WORK/out" && pass || fail "DF $((mtu + 1)) not refused locally: $(cat "$WORK/out")"

# Scenario 3: an interface declaring 9000 is refused at start, by vxnet.
lab_virsh 1 destroy vm1 >/dev/null
lab_virsh 1 undefine vm1 >/dev/null
sed "s|<mtu size='$mtu'/>|<mtu size='9000'/>|" "$LAB_DIR/h1/vm1.xml" >"$LAB_DIR/h1/vm1-9000.xml"
lab_virsh 1 define "$LAB_DIR/h1/vm1-9000.xml" >/dev/null
if lab_virsh 1 start vm1 >"$WORK/out" 2>&1; then
    fail "vm1 with MTU 9000 started"
else
    grep -q "vxnet: domain 'vm1' interface 52:54:00:00:01:01 MTU '9000': exceeds the overlay MTU $mtu of network 'vxnet0'" "$WORK/out" \
        && pass || fail "refusal lacks vxnet's message: $(cat "$WORK/out")"
fi
[ "$(lab_virsh 1 domstate vm1)" = "shut off" ] && pass || fail "vm1 is not shut off after the refusal"

finish
