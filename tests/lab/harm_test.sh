#!/bin/bash
# Do no harm, as an operator of two emulated KVM hosts sees it:
#  1. a broken /etc/vxnet/vxnet.conf: a libvirtd restart keeps every guest
#     running (on vxnet, on a plain network, with no NIC); networks that are
#     not vxnet's (a 1.2 MB one too) and guests with no NIC still start;
#     vxnet's own network is refused naming the file and line;
#  2. prune through a URI that is not this host's libvirtd, or with an
#     active network whose metadata this vxnet cannot read, deletes nothing
#     of it; status names that network CRITICAL, reconcile --all skips it;
#  3. net-update --config of an inactive vxnet network (even one naming the
#     underlay's bridge br-phy) leaves OVS untouched, and starting it does
#     not take br-phy over;
#  4. a network stopped under a running guest: status names the guest;
#     OVS started after libvirtd at boot leaves an autostart network
#     inactive: status says CRITICAL, reconcile --all starts it;
#  5. with OVS down, a libvirtd restart's reconnect to a running guest
#     passes; after OVS lost its database, reconcile --all brings back
#     bridge, tunnels and the running guest's tap.
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/../cli/lib.sh"
lab_require
lab_up 2 || { fail "lab did not come up"; finish; exit 1; }
CTL=$VXNET_BUILD/ctl/vxnetctl
GEN=$VXNET_BUILD/gen/vxnet-gen
export VXNET_TEMPLATE_DIR=$(dirname "$0")/../../libvirt-templates

for i in 1 2; do lab_vxnet_up "$i" || fail "host $i: vxnet0 did not start"; done
lab_virsh 1 net-autostart vxnet0 >/dev/null || fail "net-autostart vxnet0"

# A plain libvirt network on a Linux bridge, which vxnet must never notice.
hx 1 ip link add lbr0 type bridge
hx 1 ip link set lbr0 up
cat >"$LAB_DIR/plain.xml" <<'XML'
<network><name>plain</name><forward mode='bridge'/><bridge name='lbr0'/></network>
XML
lab_virsh 1 net-define "$LAB_DIR/plain.xml" >/dev/null && lab_virsh 1 net-start plain >/dev/null || fail "plain network"

# Three guests on host 1: on vxnet0, on the plain network, with no NIC.
iface=$("$GEN" interface --network vxnet0 --mtu 1450)
plain_iface="<interface type='network'><source network='plain'/><model type='virtio'/></interface>"
lab_virsh 1 define "$(lab_domain_xml 1 vmx 11 10.100.1.1/16 10.100.0.2 "$iface")" >/dev/null || fail "define vmx"
lab_virsh 1 define "$(lab_domain_xml 1 vmp 12 10.200.0.1/24 "" "$plain_iface")" >/dev/null || fail "define vmp"
lab_virsh 1 define "$(lab_domain_xml 1 vmn 13 10.200.0.2/24 "" "")" >/dev/null || fail "define vmn"
for vm in vmx vmp vmn; do
    lab_virsh 1 start "$vm" >"$WORK/out" 2>&1 || fail "start $vm: $(cat "$WORK/out")"
done
lab_wait 120 hx 2 ping -c 1 -W 1 10.100.1.1 && pass || fail "host 2 cannot reach vmx over the overlay"
running() { [ "$(lab_virsh 1 domstate "$1" 2>/dev/null)" = running ]; }
# expect_status I RC PATTERN WHAT: vxnetctl status on host I exits RC and says PATTERN.
expect_status() {
    hx "$1" "$CTL" status >"$WORK/out" 2>&1
    local rc=$?
    [ "$rc" = "$2" ] && grep -q -- "$3" "$WORK/out" && pass || fail "$4: exit $rc: $(cat "$WORK/out")"
}

echo "== 1. a broken config hurts nothing that is not vxnet's"
lab_config 1 "this is not valid"
lab_stop_libvirtd 1
lab_start_libvirtd 1 || fail "libvirtd did not come back"
sleep 2  # reconnect hooks have run once virsh answers; give qemu a moment
for vm in vmx vmp vmn; do
    running "$vm" && pass || fail "$vm is no longer running after a libvirtd restart with a broken config"
done
hx 2 ping -c 2 -W 2 10.100.1.1 >/dev/null && pass || fail "vmx unreachable after the restart"
# Networks that are not vxnet's start, the 1.2 MB one too.
python3 - "$LAB_DIR/big.xml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("<network><name>big</name><forward mode='bridge'/><bridge name='lbr0'/>\n")
    for i in range(27000):
        f.write("  <portgroup name='pg%05d'/>\n" % i)
    f.write("</network>\n")
PY
lab_virsh 1 net-destroy plain >/dev/null
lab_virsh 1 net-start plain >"$WORK/out" 2>&1 && pass || fail "plain network with a broken config: $(cat "$WORK/out")"
lab_virsh 1 net-define "$LAB_DIR/big.xml" >/dev/null || fail "net-define of the 1.2 MB network"
lab_virsh 1 net-start big >"$WORK/out" 2>&1 && pass || fail "1.2 MB network did not start: $(cat "$WORK/out")"
lab_virsh 1 net-destroy big >/dev/null
lab_virsh 1 net-undefine big >/dev/null
# A guest with no NIC starts; vxnet's own network is refused, precisely.
lab_virsh 1 destroy vmn >/dev/null
lab_virsh 1 start vmn >"$WORK/out" 2>&1 && pass || fail "a guest with no NIC did not start: $(cat "$WORK/out")"
"$GEN" network --name vxnet2 --bridge ovs-sw2 --peer 198.18.0.2 --vni 102 --datapath netdev -o "$LAB_DIR/vxnet2.xml"
lab_virsh 1 net-define "$LAB_DIR/vxnet2.xml" >/dev/null
lab_virsh 1 net-start vxnet2 >"$WORK/out" 2>&1 && fail "vxnet2 started with a broken config"
grep -q "vxnet: config file /etc/vxnet/vxnet.conf line 1 'this is not valid': is not 'key = value'" "$WORK/out" \
    && pass || fail "the refusal does not name file and line: $(cat "$WORK/out")"
lab_virsh 1 net-undefine vxnet2 >/dev/null
lab_config 1 ""

echo "== 3. net-update --config of an inactive network changes nothing on the host"
"$GEN" network --name vxnet1 --bridge br-phy --peer 198.18.0.2 --vni 101 --datapath netdev -o "$LAB_DIR/vxnet1.xml"
lab_virsh 1 net-define "$LAB_DIR/vxnet1.xml" >/dev/null || fail "net-define vxnet1"
before=$(hx 1 ovs-vsctl show; hx 1 ovs-vsctl get Interface br-phy mtu_request; hx 1 cat /sys/class/net/br-phy/mtu)
lab_virsh 1 net-update vxnet1 add portgroup "<portgroup name='pg1'/>" --config >"$WORK/out" 2>&1 \
    && pass || fail "net-update --config: $(cat "$WORK/out")"
after=$(hx 1 ovs-vsctl show; hx 1 ovs-vsctl get Interface br-phy mtu_request; hx 1 cat /sys/class/net/br-phy/mtu)
[ "$before" = "$after" ] && pass || fail "net-update --config of an inactive network changed OVS: $(diff <(echo "$before") <(echo "$after"))"
lab_virsh 1 net-start vxnet1 >"$WORK/out" 2>&1 && fail "vxnet1 took over br-phy"
grep -q "bridge 'br-phy': was not made by vxnet and carries port 'eth0'" "$WORK/out" \
    && pass || fail "starting vxnet1 on br-phy: $(cat "$WORK/out")"
after=$(hx 1 ovs-vsctl show; hx 1 ovs-vsctl get Interface br-phy mtu_request; hx 1 cat /sys/class/net/br-phy/mtu)
[ "$before" = "$after" ] && pass || fail "a refused start changed br-phy"
hx 1 "$CTL" status vxnet0 >/dev/null && pass || fail "vxnet0 is not OK after all this: $(hx 1 "$CTL" status)"
lab_virsh 1 net-undefine vxnet1 >/dev/null

echo "== 2. prune and status with a network this vxnet cannot read"
# vxfut was started by a "newer vxnet" (the hook, fed the metadata without
# the attribute it does not know); then this vxnet is back.
hooks=$LAB_DIR/h1/etc-libvirt/hooks
cp "$hooks/network" "$hooks/network.real"
cat >"$hooks/network" <<'SH'
#!/bin/sh
sed "s/ colour=[\"']red[\"']//" | exec /etc/libvirt/hooks/network.real "$@"
SH
chmod 755 "$hooks/network"
"$GEN" network --name vxfut --bridge ovs-fut --peer 198.18.0.2 --vni 200 --datapath netdev -o "$LAB_DIR/vxfut.xml"
sed -i "s/ vni=/ colour='red' vni=/" "$LAB_DIR/vxfut.xml"
lab_virsh 1 net-define "$LAB_DIR/vxfut.xml" >/dev/null && lab_virsh 1 net-start vxfut >"$WORK/out" 2>&1 \
    || fail "vxfut did not start: $(cat "$WORK/out")"
cp "$hooks/network.real" "$hooks/network"
fut_tunnel() { hx 1 ovs-vsctl --bare --columns=name find Port external_ids:vxnet-network=vxfut; }
[ -n "$(fut_tunnel)" ] && pass || fail "vxfut has no tunnel"
expect_status 1 2 "network 'vxfut': vxnet's metadata cannot be used by this vxnet: vxnet metadata attribute 'colour'" \
    "status with an unreadable network"
hx 1 "$CTL" prune >"$WORK/out" 2>&1 && pass || fail "prune: $(cat "$WORK/out")"
[ -n "$(fut_tunnel)" ] && pass || fail "prune deleted the tunnel of the active network vxfut"
# libvirt unable to say whether a network runs (virNetworkIsActive -1, as
# when libvirtd dies mid-call): left alone, and the result is UNKNOWN.
rc=0
hx 1 env LD_PRELOAD="$VXNET_BUILD/tests/libvxnet_isactive_fails.so" ASAN_OPTIONS=verify_asan_link_order=0 \
    "$CTL" prune >"$WORK/out" 2>&1 || rc=$?
[ "$rc" = 3 ] && grep -q "left alone: libvirt could not say whether it runs" "$WORK/out" \
    && pass || fail "prune with libvirt unable to answer: exit $rc: $(cat "$WORK/out")"
[ -n "$(fut_tunnel)" ] && [ -n "$(hx 1 ovs-vsctl --bare --columns=name find Port external_ids:vxnet-network=vxnet0)" ] \
    && pass || fail "prune deleted what libvirt could not answer for"
hx 1 "$CTL" -c test:///default prune >"$WORK/out" 2>&1 && fail "prune through test:///default ran"
grep -q "refused" "$WORK/out" && pass || fail "prune through test:///: $(cat "$WORK/out")"
[ -n "$(fut_tunnel)" ] && [ -n "$(hx 1 ovs-vsctl --bare --columns=name find Port external_ids:vxnet-network=vxnet0)" ] \
    && pass || fail "prune through test:/// deleted something"
hx 1 "$CTL" reconcile --all >"$WORK/out" 2>&1 && fail "reconcile --all exited 0 with an unreadable network"
grep -q "skipped: network 'vxfut'" "$WORK/out" && pass || fail "reconcile --all did not name vxfut: $(cat "$WORK/out")"
lab_virsh 1 net-destroy vxfut >/dev/null
[ -z "$(fut_tunnel)" ] && pass || fail "stopped did not remove vxfut's tunnel"
lab_virsh 1 net-undefine vxfut >/dev/null

echo "== 4. OVS started after libvirtd at boot"
# First, the network stopped under its running guest: status names the guest.
lab_virsh 1 net-destroy vxnet0 >/dev/null
expect_status 1 2 "domain 'vmx' interface 52:54:00:00:01:11 (tap vnet[0-9]*) is on network vxnet0, which is not active" \
    "status with vmx on a stopped network"
lab_virsh 1 destroy vmx >/dev/null
lab_stop_libvirtd 1
lab_stop_daemon 1 ovs-vswitchd
lab_stop_daemon 1 ovsdb-server
lab_start_libvirtd 1 || fail "libvirtd did not start"
[ "$(lab_virsh 1 net-info vxnet0 | awk '/^Active/ {print $2}')" = no ] && pass || fail "vxnet0 became active without OVS"
lab_start_ovsdb 1
lab_start_vswitchd 1
lab_underlay_up 1 || fail "the underlay did not come back"
expect_status 1 2 "network vxnet0 is marked autostart but not active" "status after the boot-order case"
hx 1 "$CTL" reconcile --all >"$WORK/out" 2>&1 && grep -q "vxnet0: started" "$WORK/out" \
    && pass || fail "reconcile --all did not start vxnet0: $(cat "$WORK/out")"
hx 1 "$CTL" status >"$WORK/out" 2>&1 && pass || fail "status after reconcile: $(cat "$WORK/out")"
lab_wait 20 hx 1 ping -c 1 -W 1 10.100.0.2 && pass || fail "no overlay after reconcile started vxnet0"

echo "== 5. OVS lost its database"
: >"$LAB_DIR/h1/vmx.console"
lab_virsh 1 start vmx >"$WORK/out" 2>&1 || fail "start vmx again: $(cat "$WORK/out")"
lab_wait 120 hx 2 ping -c 1 -W 1 10.100.1.1 && pass || fail "vmx unreachable before the database loss"
lab_stop_daemon 1 ovs-vswitchd
lab_stop_daemon 1 ovsdb-server
# libvirtd restarted now reconnects to vmx and calls port-created for its
# port: with OVSDB down that fails, is logged, and refuses nothing.
log_lines=$(hx 1 cat /var/log/vxnet/vxnet.log | wc -l)
vxnet_log_since() { hx 1 cat /var/log/vxnet/vxnet.log | tail -n +"$((log_lines + 1))"; }
reconnect_logged() { vxnet_log_since | grep -q "op=port-created outcome="; }
lab_stop_libvirtd 1
lab_start_libvirtd 1 || fail "libvirtd did not come back with OVS down"
lab_wait 20 reconnect_logged || fail "libvirtd's reconnect called no port-created"
vxnet_log_since | grep -q "interface 52:54:00:00:01:11: libvirtd reconnecting to a running guest; nothing refused" \
    && pass || fail "the reconnect's port-created was not known as one: $(vxnet_log_since)"
vxnet_log_since | grep "op=port-created" | grep -q "outcome=refused" \
    && fail "the reconnect's port-created was refused: $(vxnet_log_since)" || pass
vxnet_log_since | grep -q "op=port-created outcome=failed-ignored .*cannot connect" \
    && pass || fail "the reconnect's failure (OVSDB down) is not in the log: $(vxnet_log_since)"
running vmx && pass || fail "vmx stopped when libvirtd reconnected with OVS down"
hx 1 rm -f /run/openvswitch/conf.db
hx 1 ovsdb-tool create /run/openvswitch/conf.db /usr/share/openvswitch/vswitch.ovsschema
lab_start_ovsdb 1
hx 1 ovs-vsctl --timeout=10 --no-wait init
lab_start_vswitchd 1
# The operator's underlay comes back first (on a real host, its own config).
lab_underlay_up 1 || fail "the underlay did not come back"
expect_status 1 2 "guest tap .* of domain 'vmx' is not plugged into bridge ovs-sw0" "status after the database loss"
hx 1 "$CTL" reconcile --all >"$WORK/out" 2>&1 && grep -q "vxnet0: plug guest tap vnet" "$WORK/out" \
    && pass || fail "reconcile --all after the database loss: $(cat "$WORK/out")"
hx 1 "$CTL" status >"$WORK/out" 2>&1 && pass || fail "status after the repair: $(cat "$WORK/out")"
lab_wait 30 hx 2 ping -c 1 -W 1 10.100.1.1 && pass || fail "vmx unreachable after reconcile re-plugged its tap"
running vmp && running vmn && pass || fail "the other guests did not survive"

echo "== prune when libvirt knows no network at all"
# Host 2's libvirtd lists nothing while its OVS holds vxnet rows: that answer
# cannot come from the libvirtd that made them, so prune deletes nothing.
lab_virsh 2 net-destroy vxnet0 >/dev/null
lab_virsh 2 net-undefine vxnet0 >/dev/null
hx 2 ovs-vsctl add-br ovs-old -- set Bridge ovs-old datapath_type=netdev external_ids:vxnet-network=old \
    -- add-port ovs-old vxold -- set Interface vxold type=vxlan options:remote_ip=198.18.0.9 \
    -- set Port vxold external_ids:vxnet-network=old
hx 2 "$CTL" prune >"$WORK/out" 2>&1 && fail "prune ran with an empty libvirt"
grep -q "refused: libvirt lists no networks at all while OVS holds vxnet state of 1 network" "$WORK/out" \
    && pass || fail "prune with an empty libvirt: $(cat "$WORK/out")"
[ -n "$(hx 2 ovs-vsctl --bare --columns=name find Port name=vxold)" ] && pass || fail "prune deleted vxold"

finish
