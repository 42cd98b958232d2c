#!/bin/bash
# vxnetctl on an emulated host: status is clean after net-start; a tunnel
# deleted behind vxnet's back makes status critical, naming it; plan shows
# the repair; reconcile makes it; prune removes what a gone network left;
# an unreachable OVSDB is UNKNOWN (3).
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/../cli/lib.sh"
lab_require
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

# Leftovers of a network that no longer exists.
hx 1 ovs-vsctl add-port ovs-sw0 vxstale -- set Interface vxstale type=vxlan options:remote_ip=198.18.0.9 \
    -- set Port vxstale external_ids:vxnet-network=gone
hx 1 "$CTL" prune >"$WORK/out" 2>&1 && grep -q "gone: remove port vxstale" "$WORK/out" && pass || fail "prune: $(cat "$WORK/out")"
[ -z "$(hx 1 ovs-vsctl --bare --columns=name find Port name=vxstale)" ] && pass || fail "vxstale survived prune"
hx 1 "$CTL" status >/dev/null 2>&1 && pass || fail "prune disturbed vxnet0"

hx 1 env VXNET_OVSDB=unix:/nonexistent.sock "$CTL" status >"$WORK/out" 2>&1
[ $? = 3 ] && grep -q "^UNKNOWN: OVSDB endpoint" "$WORK/out" && pass || fail "unreachable OVSDB is not UNKNOWN: $(cat "$WORK/out")"
finish
