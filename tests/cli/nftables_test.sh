#!/bin/bash
# vxnet-gen host --format nftables, for real: the ruleset is loaded into an
# empty network namespace; a peer's VXLAN datagram arrives, a stranger's is
# dropped, and reloading replaces only vxnet's own table.
# Args: VXNET_GEN
GEN=$1
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v nft >/dev/null || { echo "SKIP: nft is not installed (scripts/install-deps.sh installs nftables)"; exit 77; }
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

"$GEN" host --format nftables --peer 198.18.0.2 --peer 2001:db8::2 >"$WORK/rules.nft" || fail "vxnet-gen host --format nftables"
# Someone else's table must survive vxnet's loads.
printf 'table inet other {\n\tchain c {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tcounter\n\t}\n}\n' >"$WORK/other.nft"
ip netns exec "$p-fw" nft -f "$WORK/other.nft" || fail "cannot load another table"
ip netns exec "$p-fw" nft -f "$WORK/rules.nft" && pass || fail "ruleset does not load"
ip netns exec "$p-fw" nft -f "$WORK/rules.nft" && pass || fail "ruleset does not reload"
[ "$(ip netns exec "$p-fw" nft list tables | grep -c .)" = 2 ] && pass || fail "tables after reload: $(ip netns exec "$p-fw" nft list tables)"
ip netns exec "$p-fw" nft list table inet other >/dev/null && pass || fail "another table was removed"

# A receiver on udp/4789; one datagram from the peer and one from a stranger.
ip netns exec "$p-fw" timeout 10 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4789))
s.settimeout(3)
try:
    while True:
        data, addr = s.recvfrom(2048)
        print(addr[0], flush=True)
except socket.timeout:
    pass
' >"$WORK/received" &
receiver=$!
sleep 0.5
for n in peer stranger; do
    ip netns exec "$p-$n" python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x" * 50, ("198.18.0.1", 4789))'
done
wait "$receiver"
grep -qx 198.18.0.2 "$WORK/received" && pass || fail "the peer's datagram did not arrive: $(cat "$WORK/received")"
grep -qx 198.18.0.9 "$WORK/received" && fail "the stranger's datagram arrived" || pass
ip netns exec "$p-fw" nft list chain inet vxnet_vxnet0 input | grep -q "udp dport 4789 counter packets 1 .* drop" \
    && pass || fail "the drop rule did not count the stranger: $(ip netns exec "$p-fw" nft list chain inet vxnet_vxnet0 input)"
finish
