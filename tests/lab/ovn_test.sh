#!/bin/bash
# OVN mode on emulated hosts: OVN central (NB, SB, northd) in its own
# namespace on the underlay, ovn-controller per host, the hook making each
# host a chassis and vxnet0 a logical switch.
#  1. three hosts start the same OVN-mode network (host 3 takes the database
#     URLs from vxnet.conf) and their host addresses ping each other; a DF
#     ping of exactly the overlay MTU (1500 - 58 for Geneve) crosses, one
#     byte more is refused locally;
#  2. TCG guests on hosts 1 and 2 ping each other; their logical ports are
#     up (the time from virsh start to 'up' is printed);
#  3. a guest declaring an MTU above the overlay's is refused by vxnet;
#  4. a fourth host: its start is refused while ovn-controller is not
#     running; then it joins and reaches the others, with no hook run on them;
#  5. vm1 migrates live from host 1 to host 2 while host 3 pings it at 10 Hz:
#     at most 5 lost, no chassis fight in ovn-controller's log, the port is
#     then requested for host 2 only;
#  6. net-destroy on host 3 leaves the others working, and removes only its
#     own port; the guest's port goes with the guest;
#  7. with the Northbound DB down a guest's start is refused cleanly, a
#     guest's and a network's stop still succeed.
# Also vxnetctl status/plan/reconcile/adopt in OVN mode (after 2).
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/../cli/lib.sh"
lab_require
lab_require_guest
command -v ovn-northd >/dev/null && command -v ovn-controller >/dev/null && command -v ethtool >/dev/null ||
    lab_skip "ovn-central, ovn-host or ethtool is not installed (scripts/install-deps.sh installs them)"

lab_up 4 || { fail "lab did not come up"; finish; exit 1; }
lab_ovn_central || { fail "OVN central did not come up"; finish; exit 1; }
GEN=$VXNET_BUILD/gen/vxnet-gen
export VXNET_TEMPLATE_DIR=$(dirname "$0")/../../libvirt-templates
NB=tcp:$LAB_OVN_IP:6641
SB=tcp:$LAB_OVN_IP:6642
mtu=$((1500 - 58))

# ovn_xml I [URLS]: host I's network (address 10.100.0.I/16); with URLS=no
# the databases come from vxnet.conf.
ovn_xml() {
    local urls=()
    [ "${2:-}" = no ] || urls=(--ovn-nb "$NB" --ovn-sb "$SB")
    "$GEN" network --mode ovn "${urls[@]}" --datapath netdev --address "10.100.0.$1/16" -o "$LAB_DIR/h$1/ovn.xml" &&
        echo "$LAB_DIR/h$1/ovn.xml"
}
start_net() { lab_virsh "$1" net-define "$2" >/dev/null && lab_virsh "$1" net-start vxnet0 >"$WORK/out" 2>&1; }
log_lines() { hx "$1" cat /var/log/vxnet/vxnet.log 2>/dev/null | wc -l; }

# 1. three hosts
for i in 1 2 3; do lab_ovn_controller "$i" || fail "host $i: ovn-controller"; done
lab_config 3 "ovn_nb = $NB
ovn_sb = $SB"
for i in 1 2; do start_net "$i" "$(ovn_xml "$i")" && pass || fail "host $i: net-start: $(cat "$WORK/out")"; done
start_net 3 "$(ovn_xml 3 no)" && pass || fail "host 3 (URLs from vxnet.conf): net-start: $(cat "$WORK/out")"
[ "$(lab_ovn_nbctl --bare --columns=name find Logical_Switch name=vxnet0 | grep -c .)" = 1 ] && pass ||
    fail "not exactly one logical switch vxnet0: $(lab_ovn_nbctl ls-list)"
[ "$(lab_ovn_sbctl --bare --columns=name list Chassis | grep -c .)" = 3 ] && pass || fail "not 3 chassis: $(lab_ovn_sbctl show)"
for i in 1 2 3; do
    sid=$(hx "$i" ovs-vsctl get Open_vSwitch . external_ids:system-id | tr -d '"')
    [ -n "$sid" ] && [ "$(hx "$i" cat /etc/openvswitch/system-id.conf)" = "$sid" ] && pass ||
        fail "host $i: system-id '$sid' not kept in /etc/openvswitch/system-id.conf"
    [ "$(hx "$i" ovs-vsctl get Open_vSwitch . external_ids:ovn-encap-ip | tr -d '"')" = "198.18.0.$i" ] && pass ||
        fail "host $i: ovn-encap-ip is not the route's source 198.18.0.$i"
    [ "$(hx "$i" cat /sys/class/net/br-int/mtu)" = "$mtu" ] && pass || fail "host $i: br-int MTU is not $mtu"
done
for i in 1 2 3; do
    for j in 1 2 3; do
        [ "$i" = "$j" ] && continue
        lab_wait 20 hx "$i" ping -c 1 -W 1 "10.100.0.$j" && pass || fail "host $i cannot reach host $j's address"
    done
done
hx 1 ping -c 2 -W 2 -M do -s $((mtu - 28)) 10.100.0.2 >"$WORK/out" 2>&1 && pass || fail "DF $mtu did not cross: $(cat "$WORK/out")"
hx 1 ping -c 1 -W 2 -M do -s $((mtu - 27)) 10.100.0.2 >"$WORK/out" 2>&1
grep -q "message too long, mtu=$mtu" "$WORK/out" && pass || fail "DF $((mtu + 1)) not refused locally: $(cat "$WORK/out")"

# 2. guests on hosts 1 and 2, each pinning its interfaceid (as vxnetctl adopt does)
guest_iface() {
    "$GEN" interface --network vxnet0 --mtu "$2" |
        sed "s|<model type='virtio'/>|<virtualport type='openvswitch'><parameters interfaceid='$1'/></virtualport><model type='virtio'/>|"
}
ifid=(x 6a1e0c52-0000-4000-8000-000000000001 6a1e0c52-0000-4000-8000-000000000002)
for i in 1 2; do
    xml=$(lab_guest_xml "$i" "10.100.1.$((3 - i))" "$(guest_iface "${ifid[$i]}" "$mtu")") || { fail "guest image"; finish; exit 1; }
    lab_virsh "$i" define "$xml" >/dev/null || fail "host $i: define vm$i"
    t0=$(date +%s%N)
    lab_virsh "$i" start "vm$i" >"$WORK/out" 2>&1 && pass || fail "host $i: start vm$i: $(cat "$WORK/out")"
    up() { [ "$(lab_ovn_nbctl get Logical_Switch_Port "${ifid[$i]}" up 2>/dev/null)" = true ]; }
    lab_wait 30 up && pass || fail "vm$i's logical port is not up"
    echo "vm$i: virsh start to logical port up: $((($(date +%s%N) - t0) / 1000000)) ms"
done
lab_check_guests "$mtu" 1 2

# vxnetctl: status per chassis and port; a lost logical port is CRITICAL and
# reconcile makes it again; adopt pins a guest's interfaceid.
CTL=$VXNET_BUILD/ctl/vxnetctl
sid2=$(hx 2 ovs-vsctl get Open_vSwitch . external_ids:system-id | tr -d '"')
hx 2 "$CTL" status >"$WORK/out" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "chassis $sid2: registered" "$WORK/out" &&
    grep -q "guest port ${ifid[2]} of domain 'vm2': bound to $sid2, up" "$WORK/out" && pass ||
    fail "status on host 2: exit $rc: $(cat "$WORK/out")"
lab_ovn_nbctl lsp-del "${ifid[2]}"
hx 2 "$CTL" status >"$WORK/out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "guest port ${ifid[2]} of domain 'vm2' has no logical port" "$WORK/out" && pass ||
    fail "status after lsp-del: exit $rc: $(cat "$WORK/out")"
hx 2 "$CTL" plan vxnet0 >"$WORK/out" 2>&1 && grep -q "^add logical port ${ifid[2]}" "$WORK/out" && pass ||
    fail "plan does not show the repair: $(cat "$WORK/out")"
hx 2 "$CTL" reconcile vxnet0 >"$WORK/out" 2>&1 && grep -q "add logical port ${ifid[2]}" "$WORK/out" && pass ||
    fail "reconcile: $(cat "$WORK/out")"
hx 2 "$CTL" plan vxnet0 >"$WORK/out" 2>&1 && grep -q "nothing to change" "$WORK/out" && pass ||
    fail "plan after reconcile: $(cat "$WORK/out")"
up2() { [ "$(lab_ovn_nbctl get Logical_Switch_Port "${ifid[2]}" up 2>/dev/null)" = true ]; }
lab_wait 20 up2 && lab_wait 20 hx 1 ping -c 1 -W 1 10.100.1.2 && pass || fail "vm2 unreachable after reconcile"
xml=$(lab_domain_xml 2 vmpin 08 10.100.1.8/16 10.100.1.1 "$("$GEN" interface --network vxnet0 --mtu "$mtu")")
lab_virsh 2 define "$xml" >/dev/null
hx 2 "$CTL" adopt vmpin >"$WORK/out" 2>&1 && grep -q "interface 52:54:00:00:01:08: interfaceid pinned to" "$WORK/out" && pass ||
    fail "adopt: $(cat "$WORK/out")"
lab_virsh 2 dumpxml --inactive vmpin | grep -q "<parameters interfaceid=" && pass || fail "adopt pinned no interfaceid"

# 3. a guest whose interface declares 9000 is refused, by vxnet
xml=$(lab_domain_xml 3 vmbig 09 10.100.1.9/16 10.100.1.1 "$(guest_iface 6a1e0c52-0000-4000-8000-000000000009 9000)")
lab_virsh 3 define "$xml" >/dev/null
if lab_virsh 3 start vmbig >"$WORK/out" 2>&1; then
    fail "vmbig with MTU 9000 started"
else
    grep -q "vxnet: domain 'vmbig' interface 52:54:00:00:01:09 MTU '9000': exceeds the overlay MTU $mtu of network 'vxnet0'" \
        "$WORK/out" && pass || fail "refusal lacks vxnet's message: $(cat "$WORK/out")"
fi
[ -z "$(lab_ovn_nbctl --bare --columns=name find Logical_Switch_Port name=6a1e0c52-0000-4000-8000-000000000009)" ] && pass ||
    fail "the refused guest left a logical port"

# 4. a fourth host: refused without ovn-controller, then it joins
before=$(for i in 1 2 3; do log_lines "$i"; done)
if start_net 4 "$(ovn_xml 4)"; then
    fail "host 4 started without ovn-controller"
else
    grep -q "vxnet: .*ovn-controller is not running" "$WORK/out" && pass || fail "host 4 refusal: $(cat "$WORK/out")"
    [ -z "$(hx 4 ovs-vsctl --bare --columns=name find Port external_ids:vxnet-network=vxnet0)" ] && pass ||
        fail "host 4's refused start left a port"
fi
lab_ovn_controller 4 || fail "host 4: ovn-controller"
lab_virsh 4 net-start vxnet0 >"$WORK/out" 2>&1 && pass || fail "host 4: net-start: $(cat "$WORK/out")"
for j in 1 2 3; do lab_wait 20 hx 4 ping -c 1 -W 1 "10.100.0.$j" && pass || fail "host 4 cannot reach host $j"; done
lab_wait 20 hx 4 ping -c 1 -W 1 10.100.1.1 && pass || fail "host 4 cannot reach vm1"
after=$(for i in 1 2 3; do log_lines "$i"; done)
[ "$before" = "$after" ] && pass || fail "hosts 1-3 ran the hook while host 4 joined"

# 5. live migration of vm1, host 1 -> host 2, host 3 pinging it at 10 Hz
hx 3 ping -i 0.1 -w 25 10.100.1.1 >"$LAB_DIR/migration-ping.txt" 2>&1 &
pinger=$!
sleep 3
t0=$(date +%s%N)
lab_virsh 1 migrate --live --unsafe vm1 qemu+tcp://198.18.0.2/system --migrateuri tcp://198.18.0.2 >"$WORK/out" 2>&1 &&
    pass || fail "migration failed: $(cat "$WORK/out")"
echo "migration took $((($(date +%s%N) - t0) / 1000000)) ms"
wait "$pinger"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$LAB_DIR/migration-ping.txt")
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$LAB_DIR/migration-ping.txt")
lost=$((${sent:-0} - ${got:-0}))
echo "pings to vm1 during its migration: $sent sent, $lost lost"
[ "${sent:-0}" -ge 200 ] && [ "$lost" -le 5 ] && pass || fail "$lost of $sent pings lost during the migration"
[ "$(lab_virsh 2 domstate vm1)" = running ] && pass || fail "vm1 is not running on host 2"
rc=$(lab_ovn_nbctl get Logical_Switch_Port "${ifid[1]}" options:requested-chassis 2>&1 | tr -d '"')
[ "$rc" = "$sid2" ] && pass || fail "vm1's port is requested for '$rc', not host 2's chassis $sid2"
for i in 1 2; do
    n=$(hx "$i" cat /var/log/ovn/ovn-controller.log | grep -c "Changing chassis for lport ${ifid[1]}")
    echo "host $i: 'Changing chassis for lport' lines for vm1: $n"
    [ "$n" -le 1 ] && pass || fail "host $i: chassis fight over vm1's port ($n changes)"
done

# 6. net-destroy on host 3; the others keep working
sid3=$(hx 3 ovs-vsctl get Open_vSwitch . external_ids:system-id | tr -d '"')
lab_virsh 3 net-destroy vxnet0 >/dev/null && pass || fail "host 3: net-destroy"
[ -z "$(lab_ovn_nbctl --bare --columns=name find Logical_Switch_Port name=vxnet-host-vxnet0-$sid3)" ] && pass ||
    fail "host 3's own logical port survived net-destroy"
[ -n "$(lab_ovn_nbctl --bare --columns=name find Logical_Switch name=vxnet0)" ] && pass || fail "the switch went with host 3"
hx 1 ping -c 1 -W 2 10.100.0.2 >/dev/null && pass || fail "host 1 cannot reach host 2 after host 3 left"
hx 4 ping -c 1 -W 2 10.100.1.1 >/dev/null && pass || fail "host 4 cannot reach vm1 after host 3 left"
lab_virsh 2 destroy vm1 >/dev/null
gone() { [ -z "$(lab_ovn_nbctl --bare --columns=name find Logical_Switch_Port name="${ifid[1]}")" ]; }
lab_wait 10 gone && pass || fail "vm1's logical port survived the guest"

# 7. Northbound DB down: a guest's start is refused cleanly, naming it; a
# guest's stop and a network's stop still succeed (logged).
nsenter -t "$(cat "$LAB_DIR/ovn/holder.pid")" -m -n -- /usr/share/ovn/scripts/ovn-ctl stop_nb_ovsdb >/dev/null 2>&1
xml=$(lab_domain_xml 4 vm4 04 10.100.1.4/16 10.100.1.2 "$(guest_iface 6a1e0c52-0000-4000-8000-000000000004 "$mtu")")
lab_virsh 4 define "$xml" >/dev/null
if lab_virsh 4 start vm4 >"$WORK/out" 2>&1; then
    fail "vm4 started with the Northbound DB down"
else
    grep -q "vxnet: OVN Northbound DB '$NB': cannot be reached" "$WORK/out" && pass || fail "NB-down refusal: $(cat "$WORK/out")"
fi
lab_virsh 2 destroy vm2 >"$WORK/out" 2>&1 && pass || fail "destroying vm2 with the NB down: $(cat "$WORK/out")"
lab_virsh 4 net-destroy vxnet0 >"$WORK/out" 2>&1 && pass || fail "net-destroy with the NB down: $(cat "$WORK/out")"
hx 4 grep -q "op=stopped.*OVN Northbound DB" /var/log/vxnet/vxnet.log && pass || fail "host 4's log does not say why"
finish
