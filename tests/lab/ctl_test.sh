#!/bin/bash
# vxnetctl on an emulated host: status is clean after net-start; a tunnel
# deleted behind vxnet's back makes status critical, naming it; plan shows
# the repair; reconcile makes it; prune removes what a gone network left;
# an unreachable OVSDB is UNKNOWN (3).
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/../cli/lib.sh"
lab_require
lab_require_guest
lab_up 2 || { fail "lab did not come up"; finish; exit 1; }
CTL=$VXNET_BUILD/ctl/vxnetctl
for i in 1 2; do
    lab_virsh "$i" net-define "$(lab_network_xml "$i")" >/dev/null && lab_virsh "$i" net-start vxnet0 >/dev/null \
        || fail "host $i: network did not start"
done
lab_wait 20 hx 1 ping -c 1 -W 1 10.100.0.2

hx 1 "$CTL" status >"$WORK/out" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "network vxnet0: OK" "$WORK/out" && pass || fail "status after net-start: exit $rc: $(cat "$WORK/out")"
hx 1 "$CTL" status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["status"]=="OK" and d[0]["overlay_mtu"]==1450 and len(d[0]["tunnels"])==1' \
    && pass || fail "status --json"

tunnel=$(hx 1 ovs-vsctl --bare --columns=name find Port protected=true)
hx 1 ovs-vsctl del-port ovs-sw0 "$tunnel"
hx 1 "$CTL" status >"$WORK/out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "drift: add tunnel $tunnel" "$WORK/out" && pass || fail "status after del-port: exit $rc: $(cat "$WORK/out")"
hx 1 "$CTL" plan vxnet0 | grep -q "^add tunnel $tunnel" && pass || fail "plan does not show the repair"
hx 1 "$CTL" reconcile vxnet0 >"$WORK/out" 2>&1 && pass || fail "reconcile: $(cat "$WORK/out")"
hx 1 "$CTL" status >/dev/null 2>&1 && pass || fail "status after reconcile is not OK"
lab_wait 20 hx 1 ping -c 1 -W 1 10.100.0.2 && pass || fail "no overlay after reconcile"
hx 1 "$CTL" reconcile --all >"$WORK/out" 2>&1 && ! grep -q "add tunnel" "$WORK/out" && pass || fail "reconcile --all changed something"

# Changing peers without downtime: net-define an edited definition (same
# UUID) of the running network, then reconcile --inactive applies its tunnels.
uuid=$(lab_virsh 1 net-uuid vxnet0)
"$VXNET_BUILD/gen/vxnet-gen" network --peer 198.18.0.2 --peer 198.18.0.7 --vni 100 --datapath netdev \
    --address 10.100.0.1/16 --uuid="$uuid" -o "$LAB_DIR/h1/edited.xml"
lab_virsh 1 net-define "$LAB_DIR/h1/edited.xml" >/dev/null || fail "net-define of the edit"
hx 1 "$CTL" reconcile --inactive vxnet0 >"$WORK/out" 2>&1 && grep -q "add tunnel .*remote_ip=198.18.0.7" "$WORK/out" \
    && pass || fail "reconcile --inactive: $(cat "$WORK/out")"
[ "$(lab_virsh 1 net-info vxnet0 | awk '/^Active/ {print $2}')" = yes ] && pass || fail "the network stopped"
hx 1 ping -c 1 -W 2 10.100.0.2 >/dev/null && pass || fail "the overlay broke during the peer change"
# Back to the running definition, for what follows.
lab_virsh 1 net-define "$(lab_network_xml 1 --uuid="$uuid")" >/dev/null
hx 1 "$CTL" reconcile --inactive vxnet0 >/dev/null 2>&1

# Leftovers of a network that no longer exists.
hx 1 ovs-vsctl add-port ovs-sw0 vxstale -- set Interface vxstale type=vxlan options:remote_ip=198.18.0.9 \
    -- set Port vxstale external_ids:vxnet-network=gone
hx 1 "$CTL" prune >"$WORK/out" 2>&1 && grep -q "gone: remove port vxstale" "$WORK/out" && pass || fail "prune: $(cat "$WORK/out")"
[ -z "$(hx 1 ovs-vsctl --bare --columns=name find Port name=vxstale)" ] && pass || fail "vxstale survived prune"
hx 1 "$CTL" status >/dev/null 2>&1 && pass || fail "prune disturbed vxnet0"

# adopt: a guest made without an MTU (as virt-manager does) gets the
# overlay's in its persistent definition; a second adopt changes nothing.
xml=$(lab_guest_xml 1 10.100.1.2 "<interface type='network'><source network='vxnet0'/><model type='virtio'/></interface>")
lab_virsh 1 define "$xml" >/dev/null || fail "define vm1"
hx 1 "$CTL" adopt vm1 >"$WORK/out" 2>&1 && grep -q "domain 'vm1' interface 52:54:00:00:01:01: mtu none -> 1450" "$WORK/out" \
    && pass || fail "adopt: $(cat "$WORK/out")"
lab_virsh 1 dumpxml --inactive vm1 | grep -q "<mtu size='1450'/>" && pass || fail "the persistent definition has no MTU"
hx 1 "$CTL" adopt --all | grep -q "nothing to change" && pass || fail "a second adopt changed something"
hx 1 "$CTL" adopt nosuchvm >/dev/null 2>&1 && fail "adopt of a missing domain succeeded" || pass

# BFD: with --bfd on both hosts the tunnel's BFD comes up; when host 2's
# network goes away, host 1's status warns, naming the peer, within seconds.
for i in 1 2; do
    lab_virsh "$i" net-destroy vxnet0 >/dev/null
    lab_virsh "$i" net-undefine vxnet0 >/dev/null
    lab_virsh "$i" net-define "$(lab_network_xml "$i" --bfd)" >/dev/null && lab_virsh "$i" net-start vxnet0 >/dev/null \
        || fail "host $i: network with --bfd did not start"
done
bfd_up() { hx 1 "$CTL" status | grep -q "bfd up"; }
lab_wait 20 bfd_up && pass || fail "BFD did not come up: $(hx 1 "$CTL" status)"
lab_virsh 2 net-destroy vxnet0 >/dev/null
t0=$SECONDS
peer_down() { hx 1 "$CTL" status >"$WORK/out" 2>&1; [ $? = 1 ] && grep -q "peer 198.18.0.2 unreachable (BFD down)" "$WORK/out"; }
lab_wait 20 peer_down && pass || fail "a dead peer did not show: $(cat "$WORK/out")"
echo "dead peer shown by vxnetctl status after $((SECONDS - t0)) s"

hx 1 env VXNET_OVSDB=unix:/nonexistent.sock "$CTL" status >"$WORK/out" 2>&1
[ $? = 3 ] && grep -q "^UNKNOWN: OVSDB endpoint" "$WORK/out" && pass || fail "unreachable OVSDB is not UNKNOWN: $(cat "$WORK/out")"
finish
