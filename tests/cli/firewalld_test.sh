#!/bin/bash
# vxnet-gen host --format firewalld, checked by firewalld itself:
#  1. firewall-offline-cmd --check-config accepts the policies in an
#     operator's configuration (a private copy: --system-config), for a
#     network named lab-net.2 and two networks sharing a peer that the
#     operator's own zone already binds as a source;
#  2. firewalld's own engine (its Python core, no daemon, no D-Bus) applies
#     that configuration inside a private network namespace; then a peer's
#     VXLAN is accepted, a stranger's is not, and the peer's other traffic
#     is still handled by the operator's zone: what that zone opens is open,
#     what it does not is rejected.
# Args: VXNET_GEN
GEN=$1
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
command -v firewall-offline-cmd >/dev/null || skip "firewall-offline-cmd is not installed (scripts/install-deps.sh installs firewalld)"
# firewalld's Python, not whatever python3 comes first on PATH.
PY=$(sed -n '1s/^#! *//p' "$(command -v firewall-offline-cmd)")
p=vxfwd$$
cleanup() { for n in fw peer stranger sw; do ip netns del "$p-$n" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

# The operator's configuration: firewalld's defaults, plus a zone of their
# own for the other KVM hosts (SSH and libvirt's migration port).
conf=$WORK/etc-firewalld
mkdir -p "$conf/zones" "$conf/policies"
cp /etc/firewalld/firewalld.conf "$conf/" 2>/dev/null || printf 'DefaultZone=public\n' >"$conf/firewalld.conf"
cat >"$conf/zones/kvmhosts.xml" <<'XML'
<?xml version="1.0" encoding="utf-8"?>
<zone>
  <short>KVM hosts</short>
  <source address="198.18.0.2"/>
  <service name="ssh"/>
  <port protocol="tcp" port="16509"/>
</zone>
XML
check() { firewall-offline-cmd --system-config "$conf" --check-config >"$WORK/check" 2>&1; }
check && pass || fail "the operator's configuration alone does not check: $(cat "$WORK/check")"

expect_run "firewalld lab-net.2" 0 "$GEN" host --format firewalld --name lab-net.2 --vni 7 \
    --peer 198.18.0.2 --peer 2001:db8::2 --own-address 198.18.0.1 --output-dir "$conf/policies"
expect_run "firewalld vxnet0" 0 "$GEN" host --format firewalld --name vxnet0 --vni 100 \
    --peer 198.18.0.1 --peer 198.18.0.2 --peer 198.18.0.3 --own-address 198.18.0.1 --output-dir "$conf/policies"
[ "$(ls "$conf/policies" | wc -l)" = 2 ] && pass || fail "expected two policy files: $(ls "$conf/policies")"
grep -l "<zone" "$conf"/policies/* && fail "a zone was written" || pass
grep -q 'source address="198.18.0.1"' "$conf"/policies/* && fail "the host's own address got a rule" || pass
check && pass || fail "firewall-offline-cmd --check-config: $(cat "$WORK/check")"
grep -qi "error" "$WORK/check" && fail "check-config printed errors: $(cat "$WORK/check")" || pass
firewall-offline-cmd --system-config "$conf" --get-zone-of-source=198.18.0.2 2>/dev/null | grep -qx kvmhosts \
    && pass || fail "198.18.0.2 is no longer in the operator's zone kvmhosts"
for policy in "$conf"/policies/*.xml; do
    name=$(basename "$policy" .xml)
    firewall-offline-cmd --system-config "$conf" --info-policy="$name" >"$WORK/info" 2>/dev/null
    grep -q "ingress-zones: ANY" "$WORK/info" && grep -q "egress-zones: HOST" "$WORK/info" \
        && grep -q 'rule family="ipv4" source address="198.18.0.2" port port="4789" protocol="udp" accept' "$WORK/info" \
        && pass || fail "policy $name as firewalld reads it: $(cat "$WORK/info")"
done

# The same configuration applied by firewalld's engine in a namespace.
for n in fw peer stranger sw; do ip netns add "$p-$n"; ip -n "$p-$n" link set lo up; done
ip -n "$p-sw" link add br0 type bridge && ip -n "$p-sw" link set br0 up
i=1
for pair in fw:198.18.0.1 peer:198.18.0.2 stranger:198.18.0.9; do
    n=${pair%%:*}
    ip -n "$p-sw" link add "p$i" type veth peer name eth0 netns "$p-$n"
    ip -n "$p-sw" link set "p$i" master br0 up
    ip -n "$p-$n" addr add "${pair#*:}/24" dev eth0
    ip -n "$p-$n" link set eth0 up
    i=$((i + 1))
done
ip netns exec "$p-fw" timeout 60 "$PY" -c '
import sys
from firewall import config
config.set_system_config_paths(sys.argv[1])
from firewall.core.fw import Firewall
Firewall().start()
' "$conf" >"$WORK/fw.log" 2>&1 && pass || fail "firewalld could not apply the configuration: $(tail -3 "$WORK/fw.log")"
ip netns exec "$p-fw" nft list table inet firewalld >"$WORK/ruleset" 2>&1
grep -q 'ip saddr 198.18.0.2 udp dport 4789 accept' "$WORK/ruleset" && pass || fail "no VXLAN rule in firewalld's ruleset"

# Listeners: VXLAN's port, the migration port the zone opens, and one it
# does not open. Each prints the source of what reached it.
ip netns exec "$p-fw" timeout 15 "$PY" -c '
import select, socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 4789))
t = []
for port in (16509, 8080):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", port)); s.listen(4); t.append(s)
print("ready", flush=True)
while True:
    r, _, _ = select.select([u] + t, [], [], 4)
    if not r: break
    for s in r:
        if s is u: print("udp/4789", u.recvfrom(2048)[1][0], flush=True)
        else: c, a = s.accept(); print("tcp/%d" % s.getsockname()[1], a[0], flush=True); c.close()
' >"$WORK/received" 2>&1 &
listener=$!
for _ in $(seq 50); do grep -q ready "$WORK/received" && break; sleep 0.1; done
send_udp() { ip netns exec "$p-$1" "$PY" -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"\x08\0\0\0\0\0\x64\0" + b"x" * 42, ("198.18.0.1", 4789))'; }
connect_tcp() {  # prints ok or the error
    ip netns exec "$p-$1" "$PY" -c '
import socket, sys
try:
    socket.create_connection(("198.18.0.1", int(sys.argv[1])), timeout=3).close(); print("ok")
except OSError as e:
    print(e.strerror or e)
' "$2"
}
send_udp peer
send_udp stranger
peer_migration=$(connect_tcp peer 16509)
peer_other=$(connect_tcp peer 8080)
stranger_migration=$(connect_tcp stranger 16509)
wait "$listener"
grep -qx "udp/4789 198.18.0.2" "$WORK/received" && pass || fail "the peer's VXLAN was not accepted: $(cat "$WORK/received")"
grep -q "udp/4789 198.18.0.9" "$WORK/received" && fail "a stranger's VXLAN was accepted" || pass
[ "$peer_migration" = ok ] && pass || fail "the peer's migration port (its zone kvmhosts opens it) is cut off: $peer_migration"
[ "$peer_other" != ok ] && pass || fail "the peer reached tcp/8080, which its zone does not open"
[ "$stranger_migration" != ok ] && pass || fail "a stranger reached tcp/16509 (public zone)"
grep -q "^tcp/8080" "$WORK/received" && fail "tcp/8080 accepted a connection" || pass
finish
