#!/bin/bash
# A Linux bridge (docker0) on each host joined to the overlay by the hook
# (--attach-bridge): a container-like namespace per host, on docker0, pings
# the other host's container across VXLAN; the veth pair is at the overlay
# MTU, and net-destroy removes it with the tunnels.
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/../cli/lib.sh"
lab_require
lab_up 2 || { fail "lab did not come up"; finish; exit 1; }

for i in 1 2; do
    hx "$i" ip link add docker0 type bridge
    hx "$i" ip link set docker0 up
    # The "container": its own namespace, eth0 on the host's docker0, with
    # the overlay MTU (what docker's "mtu" setting does).
    c=$LAB_PREFIX-c$i
    ip netns add "$c"
    ip -n "$c" link add eth0 mtu 1450 type veth peer name cveth netns "$LAB_PREFIX-h$i"
    hx "$i" ip link set cveth mtu 1450 master docker0 up
    ip -n "$c" addr add "10.100.2.$i/16" dev eth0
    ip -n "$c" link set lo up
    ip -n "$c" link set eth0 up
done
for i in 1 2; do
    lab_virsh "$i" net-define "$(lab_network_xml "$i" --attach-bridge docker0)" >/dev/null \
        && lab_virsh "$i" net-start vxnet0 >"$WORK/out" 2>&1 && pass || fail "host $i: net-start: $(cat "$WORK/out")"
done
veth=$(hx 1 ovs-vsctl --bare --columns=name find Port external_ids:vxnet-network=vxnet0 | grep '^vxa')
[ -n "$veth" ] && pass || fail "no vxnet veth port on ovs-sw0"
peer=vxb${veth#vxa}
[ "$(hx 1 cat "/sys/class/net/$veth/mtu")" = 1450 ] && [ "$(hx 1 cat "/sys/class/net/$peer/mtu")" = 1450 ] \
    && pass || fail "veth ends are not at the overlay MTU"
[ "$(basename "$(hx 1 readlink "/sys/class/net/$peer/master")")" = docker0 ] && pass || fail "$peer is not on docker0"

lab_wait 20 ip netns exec "$LAB_PREFIX-c1" ping -c 1 -W 1 10.100.2.2 && pass || fail "container 1 cannot reach container 2"
ip netns exec "$LAB_PREFIX-c2" ping -c 2 -W 2 10.100.0.1 >/dev/null && pass || fail "container 2 cannot reach host 1's overlay address"
ip netns exec "$LAB_PREFIX-c1" ping -c 1 -W 2 -M do -s 1422 10.100.2.2 >/dev/null && pass || fail "a 1450-byte DF ping between containers is lost"

lab_virsh 1 net-destroy vxnet0 >/dev/null
hx 1 test -e "/sys/class/net/$veth" && fail "veth left after net-destroy" || pass
[ "$(hx 1 ls /sys/class/net/docker0/brif)" = cveth ] && pass || fail "docker0 lost its own ports: $(hx 1 ls /sys/class/net/docker0/brif)"
finish
