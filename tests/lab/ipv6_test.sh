#!/bin/bash
# An IPv6-only underlay (2001:db8::I/64, no IPv4 between the hosts): VXLAN
# over IPv6 costs 70 bytes, so the overlay MTU is 1430; a DF ping of
# exactly 1430 bytes crosses, one byte more is refused locally.
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/../cli/lib.sh"
lab_require
LAB_IPV6=1 lab_up 2 || { fail "lab did not come up"; finish; exit 1; }
export LAB_IPV6=1
for i in 1 2; do
    xml=$(lab_network_xml "$i")
    grep -q "2001:db8::" "$xml" && pass || fail "host $i: the network's peers are not IPv6"
    lab_virsh "$i" net-define "$xml" >/dev/null && lab_virsh "$i" net-start vxnet0 >"$WORK/out" 2>&1 \
        && pass || fail "host $i: net-start: $(cat "$WORK/out")"
done
! hx 1 ip -4 addr show dev br-phy | grep -q inet && pass || fail "the underlay has an IPv4 address"
[ "$(hx 1 ovs-vsctl get Interface ovs-sw0 mtu_request)" = 1430 ] && pass || fail "overlay MTU is not 1430"
tunnel=$(hx 1 ovs-vsctl --bare --columns=options find Interface type=vxlan)
[ "$tunnel" = "key=100 remote_ip=\"2001:db8::2\"" ] || [ "$tunnel" = "key=100 remote_ip=2001:db8::2" ] && pass \
    || fail "host 1 tunnel: $tunnel"
lab_wait 30 hx 1 ping -c 1 -W 1 10.100.0.2 && pass || fail "no overlay over the IPv6 underlay"
hx 1 ping -c 2 -W 2 -M do -s 1402 10.100.0.2 >"$WORK/out" 2>&1 && pass || fail "DF 1430 lost: $(cat "$WORK/out")"
hx 1 ping -c 1 -W 2 -M do -s 1403 10.100.0.2 >"$WORK/out" 2>&1
grep -q "message too long, mtu=1430" "$WORK/out" && pass || fail "DF 1431 not refused locally: $(cat "$WORK/out")"
hx 1 "$VXNET_BUILD/ctl/vxnetctl" status >"$WORK/out" 2>&1 && grep -q "overlay 1430" "$WORK/out" \
    && pass || fail "status: $(cat "$WORK/out")"
finish
