#!/bin/bash
# Every way a guest meets the overlay, on three emulated hosts:
#  - live migration of a running guest from host 1 to host 2 while host 3
#    pings it at 10 Hz: at most 5 pings lost; host 2 logs no hot-plug or
#    "not checked" line for it (its qemu hook admitted it at prepare);
#  - a migration into a host whose overlay MTU is below the guest's is
#    refused with vxnet's message, and the guest keeps running on the
#    source without losing a ping;
#  - hot-plug with and without <mtu>, under both policies;
#  - a peer added and removed on a running network with `vxnetctl apply`
#    while traffic crosses to the unchanged peer: no ping lost, and status
#    compares against what was applied.
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/../cli/lib.sh"
lab_require
lab_up 3 || { fail "lab did not come up"; finish; exit 1; }
CTL=$VXNET_BUILD/ctl/vxnetctl
GEN=$VXNET_BUILD/gen/vxnet-gen
export VXNET_TEMPLATE_DIR=$(dirname "$0")/../../libvirt-templates

# Host 3's network declares MTU 1400: smaller than the guests' 1450.
for i in 1 2; do lab_vxnet_up "$i" || fail "host $i: vxnet0 did not start"; done
lab_vxnet_up 3 --mtu 1400 || fail "host 3: vxnet0 did not start"

# ping_start I DEST NAME: host I pings DEST at 10 Hz in the background.
ping_start() {
    # exec: the background job is ping itself, so SIGINT reaches it.
    (exec nsenter -t "$(cat "$LAB_DIR/h$1/holder.pid")" -m -n -- ping -i 0.1 -W 1 "$2") >"$WORK/ping.$3" 2>&1 &
    echo $! >"$WORK/ping.$3.pid"
}
# ping_stop NAME: stops it, prints "LOST SENT".
ping_stop() {
    kill -INT "$(cat "$WORK/ping.$1.pid")" 2>/dev/null
    wait "$(cat "$WORK/ping.$1.pid")" 2>/dev/null
    awk '/packets transmitted/ {print $1 - $4, $1}' "$WORK/ping.$1"
}

iface=$("$GEN" interface --network vxnet0 --mtu 1450)
lab_virsh 1 define "$(lab_domain_xml 1 vmm 21 10.100.1.21/16 10.100.0.3 "$iface")" >/dev/null || fail "define vmm"
lab_virsh 1 start vmm >"$WORK/out" 2>&1 || fail "start vmm: $(cat "$WORK/out")"
lab_wait 120 hx 3 ping -c 1 -W 1 10.100.1.21 && pass || fail "host 3 cannot reach vmm"

echo "== live migration 1 -> 2 while host 3 pings at 10 Hz"
ping_start 3 10.100.1.21 migrate
sleep 3
t0=$SECONDS
lab_virsh 1 migrate --live --unsafe vmm qemu+tcp://198.18.0.2/system --migrateuri tcp://198.18.0.2 >"$WORK/out" 2>&1 \
    && pass || fail "migration 1 -> 2: $(cat "$WORK/out")"
echo "migration took $((SECONDS - t0)) s"
sleep 3
read -r lost sent < <(ping_stop migrate)
echo "live migration: $lost of $sent pings lost at 10 Hz"
[ "$(lab_virsh 2 domstate vmm)" = running ] && pass || fail "vmm is not running on host 2"
[ -n "$sent" ] && [ "$sent" -gt 50 ] && [ "$lost" -le 5 ] && pass || fail "live migration lost $lost of $sent pings (at most 5)"
log2=$LAB_DIR/h2/var.up/log/vxnet/vxnet.log
grep -q "domain=vmm op=prepare outcome=ok" "$log2" && pass || fail "host 2's qemu hook did not admit vmm: $(cat "$log2")"
! grep -q "hot-plugged\|not checked\|not found in its definition" "$log2" \
    && pass || fail "the incoming migration was logged as unchecked: $(grep -E 'hot-plugged|not checked' "$log2")"

echo "== migration 2 -> 3 (overlay MTU 1400 < the guest's 1450) is refused"
ping_start 1 10.100.1.21 refused
sleep 2
lab_virsh 2 migrate --live --unsafe vmm qemu+tcp://198.18.0.3/system --migrateuri tcp://198.18.0.3 >"$WORK/out" 2>&1 \
    && fail "vmm migrated into a smaller overlay"
grep -q "vxnet: domain 'vmm' interface 52:54:00:00:01:21 MTU '1450': exceeds the overlay MTU 1400 of network 'vxnet0'" \
    "$WORK/out" && pass || fail "the refusal is not vxnet's: $(cat "$WORK/out")"
sleep 2
read -r lost sent < <(ping_stop refused)
echo "refused migration: $lost of $sent pings lost"
[ "$(lab_virsh 2 domstate vmm)" = running ] && pass || fail "vmm is not running on host 2 after the refusal"
[ -n "$sent" ] && [ "$sent" -gt 20 ] && [ "$lost" = 0 ] && pass || fail "the refused migration lost $lost of $sent pings"

echo "== hot-plug on host 2, both policies"
hot() {  # hot MAC_BYTE [MTU] : the attach-device XML
    if [ -n "${2:-}" ]; then
        printf "<interface type='network'><mac address='52:54:00:00:02:%s'/><source network='vxnet0'/><model type='virtio'/><mtu size='%s'/><rom enabled='no'/></interface>\n" "$1" "$2"
    else
        printf "<interface type='network'><mac address='52:54:00:00:02:%s'/><source network='vxnet0'/><model type='virtio'/><rom enabled='no'/></interface>\n" "$1"
    fi
}
tap_of() { lab_virsh 2 domiflist vmm | awk -v m="$1" '$5 == m {print $1}'; }
detached() { ! lab_virsh 2 domiflist vmm | grep -q "$1"; }
hot 01 9000 >"$LAB_DIR/hot9000.xml"
hot 02 >"$LAB_DIR/hotnone.xml"
# warn (the default): both attach; the log says what the NIC must declare;
# status shows the 9000 one CRITICAL and the one without MTU WARNING.
lab_virsh 2 attach-device vmm "$LAB_DIR/hot9000.xml" --live >"$WORK/out" 2>&1 && pass || fail "hot-plug (warn): $(cat "$WORK/out")"
tap=$(tap_of 52:54:00:00:02:01)
[ -n "$tap" ] && [ "$(hx 2 cat "/sys/class/net/$tap/mtu")" = 9000 ] && pass || fail "hot-plugged tap '$tap' is not 9000"
grep -q "domain 'vmm' interface 52:54:00:00:02:01: hot-plugged onto network 'vxnet0' (overlay MTU 1450), its MTU unchecked: it must declare <mtu size='1450'/> (vxnet-gen interface --network vxnet0 --mtu 1450)" \
    "$log2" && pass || fail "no hot-plug warning in host 2's log"
hx 2 "$CTL" status >"$WORK/out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "domain 'vmm' interface 52:54:00:00:02:01 declares MTU 9000, above the overlay MTU 1450" "$WORK/out" \
    && pass || fail "status after a 9000 hot-plug: exit $rc: $(cat "$WORK/out")"
lab_virsh 2 detach-device vmm "$LAB_DIR/hot9000.xml" --live >/dev/null 2>&1
lab_virsh 2 attach-device vmm "$LAB_DIR/hotnone.xml" --live >"$WORK/out" 2>&1 && pass || fail "hot-plug without MTU: $(cat "$WORK/out")"
lab_wait 20 detached 52:54:00:00:02:01
hx 2 "$CTL" status >"$WORK/out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "domain 'vmm' interface 52:54:00:00:02:02 declares no MTU: the guest assumes 1500 on this 1450 overlay" \
    "$WORK/out" && pass || fail "status after a hot-plug without MTU: exit $rc: $(cat "$WORK/out")"
lab_virsh 2 detach-device vmm "$LAB_DIR/hotnone.xml" --live >/dev/null 2>&1
lab_wait 20 detached 52:54:00:00:02:02
# strict: every hot-plug is refused cleanly, with the way to do it instead.
lab_config 2 "guest_mtu_policy = strict"
lab_virsh 2 attach-device vmm "$LAB_DIR/hot9000.xml" --live >"$WORK/out" 2>&1 && fail "strict: a hot-plug went through"
grep -q "vxnet: domain 'vmm' interface 52:54:00:00:02:01: hot-plugged onto network 'vxnet0', whose guest-mtu-policy 'strict'" \
    "$WORK/out" && pass || fail "strict refusal: $(cat "$WORK/out")"
lab_wait 20 detached 52:54:00:00:02:02
detached 52:54:00:00:02: && pass || fail "a refused hot-plug left an interface"
lab_virsh 2 attach-device vmm "$LAB_DIR/hotnone.xml" --live >/dev/null 2>&1 && fail "strict: hot-plug without MTU went through" || pass
[ "$(lab_virsh 2 domstate vmm)" = running ] && pass || fail "vmm stopped"
lab_config 2 ""

echo "== a peer added and removed with vxnetctl apply, traffic crossing to the unchanged peer"
# vmm now runs on host 2; host 1 pings it while host 3 joins and leaves
# host 1's and host 2's meshes. apply keeps libvirt's UUID by itself (the
# files carry none).
lab_virsh 3 net-destroy vxnet0 >/dev/null
lab_virsh 3 net-undefine vxnet0 >/dev/null
for i in 1 2; do
    LAB_PEERS="1 2" lab_network_xml "$i" >/dev/null
    hx "$i" "$CTL" apply "$LAB_DIR/h$i/vxnet0.xml" >"$WORK/out" 2>&1 || fail "host $i: apply of the 2-host mesh: $(cat "$WORK/out")"
done
ping_start 1 10.100.1.21 apply
sleep 2
LAB_PEERS="1 2" lab_vxnet_up 3 || fail "host 3 did not start"
for i in 1 2; do
    xml=$(lab_network_xml "$i")
    hx "$i" "$CTL" apply "$xml" >"$WORK/out" 2>&1 && grep -q "vxnet0: add tunnel .*remote_ip=198.18.0.3" "$WORK/out" \
        && pass || fail "host $i: apply with peer 3: $(cat "$WORK/out")"
done
lab_wait 20 hx 3 ping -c 1 -W 1 10.100.1.21 && pass || fail "host 3 cannot reach vmm after the apply"
hx 1 "$CTL" status >"$WORK/out" 2>&1 && pass || fail "status after apply is not OK (it must compare against what was applied): $(cat "$WORK/out")"
hx 1 "$CTL" reconcile --all >"$WORK/out" 2>&1 && ! grep -q "remove port" "$WORK/out" \
    && pass || fail "reconcile undid the applied peer: $(cat "$WORK/out")"
[ "$(hx 1 ovs-vsctl --bare --columns=options find Interface type=vxlan | grep -c remote_ip)" = 2 ] \
    && pass || fail "host 1 does not hold 2 tunnels after the apply"
for i in 1 2; do
    LAB_PEERS="1 2" lab_network_xml "$i" >/dev/null
    hx "$i" "$CTL" apply "$LAB_DIR/h$i/vxnet0.xml" >"$WORK/out" 2>&1 && grep -q "vxnet0: remove port" "$WORK/out" \
        && pass || fail "host $i: apply without peer 3: $(cat "$WORK/out")"
done
sleep 2
read -r lost sent < <(ping_stop apply)
echo "peer added and removed: $lost of $sent pings to the unchanged peer lost"
[ -n "$sent" ] && [ "$sent" -gt 30 ] && [ "$lost" = 0 ] && pass || fail "the peer change lost $lost of $sent pings"
hx 1 "$CTL" status >/dev/null 2>&1 && pass || fail "status after removing the peer"
[ "$(lab_virsh 1 net-info vxnet0 | awk '/^Active/ {print $2}')" = yes ] && pass || fail "the network stopped"

finish
