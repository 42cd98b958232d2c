#!/bin/bash
# Scenario 4: three hosts in a full mesh. Every pair reaches every other,
# and one broadcast is not looped between the tunnels (vxnet marks tunnel
# ports protected: split horizon for OVS's NORMAL action).
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/../cli/lib.sh"
lab_require
lab_up 3 || { fail "lab did not come up"; finish; exit 1; }

for i in 1 2 3; do
    lab_virsh "$i" net-define "$(lab_network_xml "$i")" >/dev/null && lab_virsh "$i" net-start vxnet0 >/dev/null \
        || fail "host $i: network did not start"
done
for i in 1 2 3; do
    n=$(hx "$i" ovs-vsctl --bare --columns=name find Port protected=true | grep -c .)
    [ "$n" = 2 ] && pass || fail "host $i: $n protected tunnel ports, expected 2"
done
for i in 1 2 3; do
    for j in 1 2 3; do
        [ "$i" = "$j" ] && continue
        lab_wait 20 hx "$i" ping -c 1 -W 1 "10.100.0.$j" && pass || fail "host $i cannot reach host $j"
    done
done

# One broadcast from host 1; capture VXLAN on the underlay switch for 4 s.
pcap=$LAB_DIR/broadcast.pcap
ip netns exec "$LAB_PREFIX-sw" timeout 5 tcpdump -i br0 -nn -U -w "$pcap" 'udp port 4789' 2>/dev/null &
capture=$!
sleep 1
hx 1 ping -b -c 1 -W 1 10.100.255.255 >/dev/null 2>&1
wait "$capture"
# tcpdump prints each outer datagram, then the frame it carries. Count the
# carried copies of this broadcast and who sent them (unicast ARP refreshes
# may cross too and are not counted).
tcpdump -nn -r "$pcap" 2>/dev/null >"$LAB_DIR/broadcast.txt"
copies=$(grep -c "10.100.0.1 > 10.100.255.255: ICMP echo request" "$LAB_DIR/broadcast.txt")
senders=$(grep -B1 "10.100.255.255: ICMP echo request" "$LAB_DIR/broadcast.txt" | grep -o " 198\.18\.0\.[0-9]*\.[0-9]* >" |
    awk -F. '{print $1"."$2"."$3"."$4}' | sort -u | tr -d ' ' | tr '\n' ' ')
echo "one broadcast from host 1: $copies copies on the underlay in 4 s, sent by: $senders"
[ "$copies" = 2 ] && pass || fail "one broadcast crossed the underlay $copies times (expected 2: one per peer, no loop)"
[ "$senders" = "198.18.0.1 " ] && pass || fail "peers re-flooded the broadcast: sent by $senders"

finish
