#!/bin/bash
# Scenario 1 and 5 on two emulated hosts: vxnet-gen's XML, net-define,
# net-start (the hook builds everything), the hosts ping each other's
# overlay addresses with the right MTU; net-destroy removes the tunnels and
# net-start brings them back; restarting ovs-vswitchd or ovsdb-server leaves
# a working overlay once the operator runs the documented command.
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/../cli/lib.sh"
lab_require
# LAB_MTU: the underlay MTU (1500 by default; 9000 for the jumbo variant).
underlay=${LAB_MTU:-1500}
overlay=$((underlay - 50))
lab_up 2 "$underlay" || { fail "lab did not come up"; finish; exit 1; }

for i in 1 2; do
    xml=$(lab_network_xml "$i")
    lab_virsh "$i" net-define "$xml" >/dev/null || fail "host $i: net-define"
    if lab_virsh "$i" net-start vxnet0 >"$WORK/out" 2>&1; then pass; else fail "host $i: net-start: $(cat "$WORK/out")"; fi
done

# What the hook built, as an operator would look at it.
[ "$(hx 1 ovs-vsctl get Interface ovs-sw0 mtu_request)" = "$overlay" ] && pass || fail "ovs-sw0 mtu_request is not $overlay"
[ "$(hx 1 cat /sys/class/net/ovs-sw0/mtu)" = "$overlay" ] && pass || fail "kernel ovs-sw0 MTU is not $overlay"
tunnels=$(hx 1 ovs-vsctl --bare --columns=options find Interface type=vxlan)
[ "$tunnels" = "key=100 remote_ip=198.18.0.2" ] && pass || fail "host 1 tunnels: $tunnels"
hx 1 ip -o addr show dev ovs-sw0 | grep -q "10.100.0.1/16" && pass || fail "host 1 has no overlay address"

# The manual setup's check: ping 10.100.0.2. The first packet over a cold
# tunnel takes about a second.
lab_wait 20 hx 1 ping -c 1 -W 1 10.100.0.2 && pass || fail "host 1 cannot ping 10.100.0.2"
hx 2 ping -c 3 -W 2 10.100.0.1 >"$WORK/out" 2>&1 && pass || fail "host 2 cannot ping 10.100.0.1: $(cat "$WORK/out")"
# A DF ping of exactly the overlay MTU crosses; one byte more is refused
# locally instead of vanishing.
hx 1 ping -c 2 -W 2 -M do -s $((overlay - 28)) 10.100.0.2 >"$WORK/out" 2>&1 && pass || fail "$overlay-byte DF ping lost: $(cat "$WORK/out")"
hx 1 ping -c 1 -W 2 -M do -s $((overlay - 27)) 10.100.0.2 >"$WORK/out" 2>&1
grep -q "message too long, mtu=$overlay" "$WORK/out" && pass || fail "$((overlay + 1))-byte DF ping not refused locally: $(cat "$WORK/out")"

# net-destroy removes the tunnels (and the bridge vxnet created).
lab_virsh 1 net-destroy vxnet0 >/dev/null || fail "net-destroy"
[ -z "$(hx 1 ovs-vsctl --bare --columns=name find Interface type=vxlan)" ] && pass || fail "tunnels left after net-destroy"
[ -z "$(hx 1 ovs-vsctl list-br | grep ovs-sw0)" ] && pass || fail "bridge left after net-destroy"
lab_virsh 1 net-start vxnet0 >/dev/null && pass || fail "net-start after net-destroy"
lab_wait 20 hx 1 ping -c 1 -W 1 10.100.0.2 && pass || fail "no overlay after net-start again"

# ovs-vswitchd restarts: the overlay works again by itself.
lab_stop_daemon 1 ovs-vswitchd
lab_start_vswitchd 1
lab_wait 30 hx 1 ping -c 1 -W 1 10.100.0.2 && pass || fail "no overlay after restarting ovs-vswitchd"

# ovsdb-server restarts (its database file survives): likewise.
lab_stop_daemon 1 ovsdb-server
lab_start_ovsdb 1
lab_wait 30 hx 1 ping -c 1 -W 1 10.100.0.2 && pass || fail "no overlay after restarting ovsdb-server"

finish
