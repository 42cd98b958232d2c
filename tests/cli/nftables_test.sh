#!/bin/bash
# vxnet-gen host --format nftables, for real: the ruleset passes nft -c and
# is loaded into an empty network namespace; a peer's VXLAN datagram
# arrives, a stranger's for the network's VNI is dropped, a second network
# (other VNI, other peers: the stranger) on the same port coexists, and
# reloading replaces only vxnet's own table.
# Args: VXNET_GEN
GEN=$1
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v nft >/dev/null || skip "nft is not installed (scripts/install-deps.sh installs nftables)"
p=vxnft$$
cleanup() { for n in fw peer stranger sw; do ip netns del "$p-$n" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM
for n in fw peer stranger sw; do ip netns add "$p-$n"; ip -n "$p-$n" link set lo up; done
ip -n "$p-sw" link add br0 type bridge && ip -n "$p-sw" link set br0 up
i=1
for n in fw peer stranger; do
    addr=$([ "$n" = fw ] && echo 198.18.0.1 || { [ "$n" = peer ] && echo 198.18.0.2 || echo 198.18.0.9; })
    ip -n "$p-sw" link add "p$i" type veth peer name eth0 netns "$p-$n"
    ip -n "$p-sw" link set "p$i" master br0 up
    ip -n "$p-$n" addr add "$addr/24" dev eth0
    ip -n "$p-$n" link set eth0 up
    i=$((i + 1))
done

"$GEN" host --format nftables --peer 198.18.0.2 --peer 2001:db8::2 --own-address 198.18.0.1 | sed 1d >"$WORK/rules.nft" \
    || fail "vxnet-gen host --format nftables"
"$GEN" host --format nftables --name other-net.2 --vni 200 --peer 198.18.0.9 --own-address 198.18.0.1 \
    | sed 1d >"$WORK/second.nft" || fail "vxnet-gen host --format nftables (second network)"
for f in rules second; do
    ip netns exec "$p-fw" nft -c -f "$WORK/$f.nft" && pass || fail "nft -c -f refuses $f.nft"
done
# Someone else's table must survive vxnet's loads.
printf 'table inet other {\n\tchain c {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tcounter\n\t}\n}\n' >"$WORK/other.nft"
ip netns exec "$p-fw" nft -f "$WORK/other.nft" || fail "cannot load another table"
ip netns exec "$p-fw" nft -f "$WORK/rules.nft" && pass || fail "ruleset does not load"
ip netns exec "$p-fw" nft -f "$WORK/rules.nft" && pass || fail "ruleset does not reload"
ip netns exec "$p-fw" nft -f "$WORK/second.nft" && pass || fail "the second network's ruleset does not load"
[ "$(ip netns exec "$p-fw" nft list tables | grep -c .)" = 3 ] && pass || fail "tables after reload: $(ip netns exec "$p-fw" nft list tables)"
ip netns exec "$p-fw" nft list table inet other >/dev/null && pass || fail "another table was removed"

# A receiver on udp/4789. The peer sends VXLAN for VNI 0 (vxnet0); the
# stranger for VNI 0 (must be dropped) and for VNI 200 (its own network).
ip netns exec "$p-fw" timeout 10 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4789))
s.settimeout(3)
try:
    while True:
        data, addr = s.recvfrom(2048)
        print(addr[0], int.from_bytes(data[4:7], "big"), flush=True)
except socket.timeout:
    pass
' >"$WORK/received" &
receiver=$!
sleep 0.5
send() {  # NETNS VNI: one datagram with a VXLAN header (flags I, the VNI)
    ip netns exec "$p-$1" python3 -c 'import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"\x08\0\0\0" + int(sys.argv[1]).to_bytes(3, "big") + b"\0" + b"x" * 42, ("198.18.0.1", 4789))' "$2"
}
send peer 0
send stranger 0
send stranger 200
wait "$receiver"
grep -qx "198.18.0.2 0" "$WORK/received" && pass || fail "the peer's datagram did not arrive: $(cat "$WORK/received")"
grep -qx "198.18.0.9 0" "$WORK/received" && fail "the stranger's datagram for vxnet0 arrived" || pass
grep -qx "198.18.0.9 200" "$WORK/received" && pass || fail "the second network's peer was cut off: $(cat "$WORK/received")"
ip netns exec "$p-fw" nft list chain inet vxnet_vxnet0 input | grep -q "udp dport 4789 @th,96,24 0x0 ip saddr != @peers4 counter packets 1 .* drop" \
    && pass || fail "the drop rule did not count the stranger: $(ip netns exec "$p-fw" nft list chain inet vxnet_vxnet0 input)"
finish
