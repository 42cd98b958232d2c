#!/bin/bash
# vxnet's emulated KVM hosts. Source this file; it defines:
#   lab_require              exit 77 (CTest: skipped) with the reason when a
#                            prerequisite cannot exist here (lab_skip)
#   lab_require_guest        the same for what building the test guest needs
#   lab_skip REASON          skip with REASON; under CI (VXNET_CI=1 or
#                            CI=true) fail with it instead
#   lab_up N [MTU]           N hosts on one underlay (MTU default 1500)
#   lab_down                 remove everything lab_up made (idempotent; also
#                            run by the traps lab_up installs)
#   hx I CMD...              run CMD inside host I
#   lab_virsh I ARGS...      virsh on host I's libvirtd
#   lab_wait SECS CMD...     retry CMD every 0.2 s, at most SECS seconds
#   lab_config I TEXT        write host I's /etc/vxnet/vxnet.conf
#   lab_vxnet_up I [OPTS]    define and start vxnet0 (lab_network_xml) on host I
#   lab_underlay_up I        (re)make host I's underlay bridge br-phy and address
#   lab_stop_libvirtd I / lab_start_libvirtd I
#   lab_install_hook I FILE  FILE replaces host I's network and qemu hooks
#   lab_guest_xml I PEER IFACE / lab_domain_xml …   a TCG guest's definition
#   lab_check_guests MTU I…  what guests vmI report on their consoles
#   lab_ovn_central          OVN central (NB, SB, northd) in its own namespace
#                            at 198.18.0.100 (NB tcp:…:6641, SB tcp:…:6642)
#   lab_ovn_controller I     ovn-controller on host I (private /run/ovn,
#                            /var/lib/ovn); lab_ovn_nbctl ARGS… on central
# Host I is a network namespace plus a private mount namespace (held by a
# "holder" process) with its own /run, /var and /etc (overlays), /etc/libvirt; in it
# run ovsdb-server and ovs-vswitchd (userspace datapath) at their default
# paths and libvirtd, with the freshly built vxnet-hook installed as the
# network hook and the qemu hook. Its underlay address 198.18.0.I/24 sits on
# an OVS netdev bridge br-phy (userspace tunnelling routes and ARPs there),
# whose port eth0 is a veth into the switch namespace's Linux bridge.
# Nothing is added to the root namespace and nothing is written to the real
# /etc, /run or /var.
#
# Needs: VXNET_BUILD (the build directory holding hook/vxnet-hook and
# gen/vxnet-gen), root, ip, unshare, nsenter, OVS, libvirtd, qemu.
# LAB_HOOK_ROOT: install the hooks from this unpacked package instead.
set -u

LAB_SELF=$(readlink -f "${BASH_SOURCE[0]}")
LAB_ID=${LAB_ID:-$$}
LAB_PREFIX=vxl$LAB_ID
LAB_DIR=${LAB_DIR:-}
LAB_HOSTS=0

lab_log() { echo "lab: $*" >&2; }

# A skipped lab test proves nothing. Under CI every prerequisite is there
# (scripts/install-deps.sh, a root runner), so a skip there means a test
# that never ran while the stage reports green: it fails instead.
lab_skip() {
    if [ "${VXNET_CI:-0}" = 1 ] || [ "${CI:-}" = true ]; then
        echo "FAIL (CI must not skip): $*" >&2
        exit 1
    fi
    echo "SKIP: $*"
    exit 77
}

lab_require() {
    [ "$(id -u 2>/dev/null)" = 0 ] || lab_skip "the lab needs root"
    local tool
    for tool in ip unshare nsenter ovsdb-server ovs-vswitchd ovs-vsctl libvirtd virsh qemu-system-x86_64 tcpdump; do
        command -v "$tool" >/dev/null || lab_skip "$tool is not installed (scripts/install-deps.sh installs it)"
    done
    [ -x "${VXNET_BUILD:-}/hook/vxnet-hook" ] || { echo "lab: VXNET_BUILD must name a build directory" >&2; exit 1; }
    grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
    grep -qw overlay /proc/filesystems || lab_skip "no overlay filesystem in this kernel"
}

# build-guest.sh fetches the kernel and busybox with apt and unpacks them
# with dpkg-deb; the initramfs is packed by busybox's own cpio.
lab_require_guest() {
    local tool
    for tool in apt-cache apt-get dpkg-deb gzip sha256sum; do
        command -v "$tool" >/dev/null || lab_skip "$tool is not installed (tests/lab/build-guest.sh builds the test guest with it)"
    done
}

hx() {
    local host=$1
    shift
    nsenter -t "$(cat "$LAB_DIR/h$host/holder.pid")" -m -n -- "$@"
}

lab_virsh() {
    local host=$1
    shift
    hx "$host" timeout 60 virsh -q -c qemu:///system "$@"
}

lab_wait() {
    local deadline=$((SECONDS + $1))
    shift
    while ((SECONDS < deadline)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}

# Inside the new mount namespace: private views, then hold it open.
_lab_holder() {
    local dir=$1
    mount --make-rprivate /
    mount -t tmpfs -o mode=755 tmpfs /run
    mkdir -p /run/openvswitch /run/lock /run/libvirt
    mount --bind "$dir/ovs" /run/openvswitch
    mount -t overlay overlay -o "lowerdir=/var,upperdir=$dir/var.up,workdir=$dir/var.work" /var
    mkdir -p /var/log/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/openvswitch
    # A private /etc, so /etc/vxnet/vxnet.conf is this host's own.
    mount -t overlay overlay -o "lowerdir=/etc,upperdir=$dir/etc.up,workdir=$dir/etc.work" /etc
    mount --bind "$dir/etc-libvirt" /etc/libvirt
    mount --bind "$dir/passwd" /etc/passwd
    mount --bind "$dir/group" /etc/group
    echo $$ >"$dir/holder.pid.tmp"
    mv "$dir/holder.pid.tmp" "$dir/holder.pid"
    exec sleep infinity
}

_lab_host_files() {
    local dir=$1
    mkdir -p "$dir"/{ovs,var.up,var.work,etc.up,etc.work,etc-libvirt/hooks/qemu.d}
    # TCP without auth on the underlay, for live migration between hosts;
    # each host its own host_uuid (libvirt refuses to migrate to itself).
    cat >"$dir/etc-libvirt/libvirtd.conf" <<CONF
unix_sock_group = "root"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
listen_tcp = 1
listen_tls = 0
auth_tcp = "none"
host_uuid = "00000000-0000-4000-8000-$(printf '%012d' "${dir##*/h}")"
CONF
    # No cgroups, namespaces or security drivers inside this emulated host.
    cat >"$dir/etc-libvirt/qemu.conf" <<'CONF'
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
CONF
    cp /etc/libvirt/libvirt.conf "$dir/etc-libvirt/" 2>/dev/null || true
    # The product under test, installed where libvirt looks for it: the
    # freshly built hook, or (LAB_HOOK_ROOT) the hooks of an unpacked package,
    # dereferenced since the package's /usr is not in this host's view (an
    # absolute link, as the .deb has, is resolved inside the package root).
    if [ -n "${LAB_HOOK_ROOT:-}" ]; then
        mkdir -p "$dir/etc-libvirt/hooks/network.d"
        for h in network.d qemu.d; do
            t=$(readlink "$LAB_HOOK_ROOT/etc/libvirt/hooks/$h/vxnet")
            case $t in /*) t=$LAB_HOOK_ROOT$t ;; *) t=$LAB_HOOK_ROOT/etc/libvirt/hooks/$h/vxnet ;; esac
            cp -L "$t" "$dir/etc-libvirt/hooks/$h/vxnet"
        done
    else
        _lab_put_hook "$dir" "$VXNET_BUILD/hook/vxnet-hook"
    fi
    cp /etc/passwd "$dir/passwd"
    cp /etc/group "$dir/group"
    getent passwd libvirt-qemu >/dev/null ||
        echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin' >>"$dir/passwd"
    getent group libvirt-qemu >/dev/null || echo 'libvirt-qemu:x:64055:' >>"$dir/group"
    getent group kvm >/dev/null || echo 'kvm:x:64056:' >>"$dir/group"
}

# _lab_put_hook DIR FILE: FILE becomes the network hook and the qemu hook of
# the host whose files are in DIR, each replaced by a rename as a package
# manager replaces a file in use (a hook running meanwhile keeps its copy).
_lab_put_hook() {
    local f
    for f in network qemu.d/vxnet; do
        install -m 755 "$2" "$1/etc-libvirt/hooks/$f.new" && mv -f "$1/etc-libvirt/hooks/$f.new" "$1/etc-libvirt/hooks/$f" ||
            return 1
    done
}

# lab_install_hook I FILE: replaces host I's hooks by FILE (an upgrade in place).
lab_install_hook() { _lab_put_hook "$LAB_DIR/h$1" "$2"; }

# Removes what earlier, killed lab runs left (their pid is gone).
_lab_remove_stale() {
    local ns id
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^vxl[0-9]*-' || true); do
        id=${ns#vxl}
        id=${id%%-*}
        kill -0 "$id" 2>/dev/null && continue
        _lab_kill_namespace_processes "$ns"
        ip netns del "$ns" 2>/dev/null || true
    done
}

# Every process whose network namespace is $1 was started by the lab.
_lab_kill_namespace_processes() {
    local ns=$1 pids="" p i
    pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
    [ -n "$pids" ] || return 0
    kill $pids 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        p=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
        [ -z "$p" ] && return 0
        sleep 0.1
    done
    kill -9 $(ip netns pids "$ns" 2>/dev/null) 2>/dev/null || true
}

lab_down() {
    local i
    [ -n "$LAB_DIR" ] || return 0
    for ((i = 1; i <= LAB_HOSTS; i++)); do
        if [ -s "$LAB_DIR/h$i/holder.pid" ] && kill -0 "$(cat "$LAB_DIR/h$i/holder.pid")" 2>/dev/null; then
            # Guests first, so qemu does not outlive its libvirtd.
            for dom in $(hx "$i" timeout 10 virsh -q -c qemu:///system list --name 2>/dev/null); do
                hx "$i" timeout 10 virsh -q -c qemu:///system destroy "$dom" >/dev/null 2>&1
            done
        fi
        _lab_kill_namespace_processes "$LAB_PREFIX-h$i"
        ip netns del "$LAB_PREFIX-h$i" 2>/dev/null || true
    done
    # The switch and any namespace a scenario added under the lab's prefix.
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB_PREFIX-" || true); do
        _lab_kill_namespace_processes "$ns"
        ip netns del "$ns" 2>/dev/null || true
    done
    if [ -z "${VXNET_KEEP_LAB:-}" ]; then rm -rf "$LAB_DIR"; else lab_log "kept $LAB_DIR"; fi
    LAB_DIR=
    LAB_HOSTS=0
}

# lab_up N [MTU]   (LAB_IPV6=1: an IPv6-only underlay, 2001:db8::I/64)
lab_up() {
    local n=$1 mtu=${2:-1500} i sw=$LAB_PREFIX-sw ns dir
    _lab_remove_stale
    LAB_DIR=$(mktemp -d /tmp/vxnet-lab-XXXXXX)
    LAB_HOSTS=$n
    # These replace cli/lib.sh's trap, so they also remove its $WORK.
    trap 'lab_down; [ -z "${WORK:-}" ] || rm -rf "$WORK"' EXIT
    trap 'lab_down; [ -z "${WORK:-}" ] || rm -rf "$WORK"; exit 130' INT TERM

    ip netns add "$sw"
    ip -n "$sw" link set lo up
    ip -n "$sw" link add br0 type bridge
    ip -n "$sw" link set br0 mtu "$mtu" up
    for ((i = 1; i <= n; i++)); do
        ns=$LAB_PREFIX-h$i
        dir=$LAB_DIR/h$i
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        if [ "${LAB_IPV6:-0}" != 1 ]; then
            ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
        fi
        ip -n "$sw" link add "h$i" mtu "$mtu" type veth peer name eth0 netns "$ns"
        ip -n "$sw" link set "h$i" master br0 up
        ip -n "$ns" link set eth0 mtu "$mtu" up

        _lab_host_files "$dir"
        setsid -f ip netns exec "$ns" unshare -m --propagation private "$LAB_SELF" _lab_holder "$dir" \
            </dev/null >"$dir/holder.log" 2>&1
        lab_wait 10 test -s "$dir/holder.pid" || { lab_log "host $i: holder did not start: $(cat "$dir/holder.log")"; return 1; }

        hx "$i" ovsdb-tool create /run/openvswitch/conf.db /usr/share/openvswitch/vswitch.ovsschema
        lab_start_ovsdb "$i"
        hx "$i" ovs-vsctl --timeout=10 --no-wait init
        lab_start_vswitchd "$i" || return 1
        lab_underlay_up "$i" "$mtu"

        hx "$i" libvirtd --daemon --listen --pid-file=/run/libvirtd.pid
    done
    for ((i = 1; i <= n; i++)); do
        lab_wait 30 hx "$i" virsh -q -c qemu:///system version ||
            { lab_log "host $i: libvirtd did not answer within 30 s"; return 1; }
    done
}

# lab_config I TEXT: host I's /etc/vxnet/vxnet.conf (its private /etc).
lab_config() {
    hx "$1" mkdir -p /etc/vxnet
    printf '%s\n' "$2" | hx "$1" tee /etc/vxnet/vxnet.conf >/dev/null
}

# Stops host I's libvirtd (its guests keep running, as on a real host).
lab_stop_libvirtd() {
    local pid
    pid=$(hx "$1" cat /run/libvirtd.pid 2>/dev/null) || return 0
    hx "$1" kill "$pid" 2>/dev/null
    lab_wait 30 bash -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null
}

lab_start_libvirtd() {
    hx "$1" libvirtd --daemon --listen --pid-file=/run/libvirtd.pid
    lab_wait 30 hx "$1" virsh -q -c qemu:///system version ||
        { lab_log "host $1: libvirtd did not answer within 30 s"; return 1; }
}

# lab_underlay_up I [MTU]: host I's own underlay, as the operator's config
# makes it (idempotent): userspace tunnelling needs the address on an OVS
# netdev bridge holding the NIC.
lab_underlay_up() {
    local i=$1 mtu=${2:-1500}
    hx "$i" ovs-vsctl --timeout=10 --may-exist add-br br-phy -- set Bridge br-phy datapath_type=netdev \
        -- set Interface br-phy mtu_request="$mtu" -- --may-exist add-port br-phy eth0
    lab_wait 20 hx "$i" ip link show br-phy || { lab_log "host $i: br-phy has no netdev"; return 1; }
    if [ "${LAB_IPV6:-0}" = 1 ]; then
        hx "$i" ip addr replace "$(lab_underlay "$i")/64" dev br-phy nodad
    else
        hx "$i" ip addr replace "$(lab_underlay "$i")/24" dev br-phy
    fi
    hx "$i" ip link set br-phy up
}

# lab_vxnet_up I [VXNET-GEN OPTIONS...]: vxnet0 defined and started on host I
# (lab_network_xml's network); says so on stderr when it does not start.
lab_vxnet_up() {
    local i=$1 xml out
    shift
    xml=$(lab_network_xml "$i" "$@") || return 1
    out=$(lab_virsh "$i" net-define "$xml" 2>&1 && lab_virsh "$i" net-start vxnet0 2>&1) \
        || { lab_log "host $i: vxnet0 did not start: $out"; return 1; }
}

# Host I's underlay address.
lab_underlay() {
    if [ "${LAB_IPV6:-0}" = 1 ]; then echo "2001:db8::$1"; else echo "198.18.0.$1"; fi
}

lab_start_vswitchd() {
    hx "$1" ovs-vswitchd unix:/run/openvswitch/db.sock --pidfile=/run/openvswitch/ovs-vswitchd.pid \
        --log-file=/run/openvswitch/ovs-vswitchd.log --detach -vconsole:off 2>/dev/null
}

lab_start_ovsdb() {
    hx "$1" ovsdb-server /run/openvswitch/conf.db --remote=punix:/run/openvswitch/db.sock \
        --pidfile=/run/openvswitch/ovsdb-server.pid --log-file=/run/openvswitch/ovsdb-server.log \
        --detach -vconsole:off 2>/dev/null
}

# lab_stop_daemon I NAME: asks an OVS daemon to exit and waits until it has.
lab_stop_daemon() {
    local pidfile=$LAB_DIR/h$1/ovs/$2.pid pid
    pid=$(cat "$pidfile" 2>/dev/null) || return 0
    hx "$1" ovs-appctl -t "$2" exit >/dev/null 2>&1
    lab_wait 10 bash -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null
}

# lab_network_xml I [VXNET-GEN OPTIONS...] : vxnet-gen's network for host I
# of LAB_HOSTS (peers = the other hosts, host address 10.100.0.I/16),
# written to a file; prints its path. LAB_PEERS="J K": only those peers.
lab_network_xml() {
    local i=$1 j args=()
    shift
    for j in ${LAB_PEERS:-$(seq 1 "$LAB_HOSTS")}; do
        [ "$j" -eq "$i" ] || args+=(--peer "$(lab_underlay "$j")")
    done
    "$VXNET_BUILD/gen/vxnet-gen" network "${args[@]}" --vni 100 --datapath netdev \
        --address "10.100.0.$i/16" "$@" -o "$LAB_DIR/h$i/vxnet0.xml" || return 1
    echo "$LAB_DIR/h$i/vxnet0.xml"
}

# lab_guest_xml I PEER_IP IFACE_XML : a TCG guest vmI at 10.100.1.I/16 whose
# interface is IFACE_XML (vxnet-gen interface output); prints the file.
lab_guest_xml() {
    lab_domain_xml "$1" "vm$1" "0$1" "10.100.1.$1/16" "$2" "$3"
}

# lab_check_guests MTU I...: what each guest vmI (lab_guest_xml) reports on
# its console within 150 s: its NIC got MTU, it pinged its peer, and a ping
# of exactly MTU bytes crossed. Counts with pass/fail (tests/cli/lib.sh).
lab_check_guests() {
    local mtu=$1 i console
    shift
    for i in "$@"; do
        console=$LAB_DIR/h$i/vm$i.console
        lab_wait 150 grep -q "VXGUEST FULLPING" "$console" || fail "vm$i: no result within 150 s"
        tr -d '\r' <"$console" | grep -q "VXGUEST READY mtu=$mtu" && pass ||
            fail "vm$i did not get MTU $mtu: $(tr -d '\r' <"$console" | grep VXGUEST)"
        tr -d '\r' <"$console" | grep -q "VXGUEST PING OK" && pass ||
            fail "vm$i cannot ping its peer: $(tr -d '\r' <"$console" | grep VXGUEST)"
        tr -d '\r' <"$console" | grep -q "VXGUEST FULLPING OK" && pass || fail "vm$i: a ping of exactly $mtu bytes did not cross"
    done
}

# lab_domain_xml I NAME MAC_BYTE IP/PREFIX PEER_IP IFACE_XML : a TCG guest
# NAME on host I (MAC 52:54:00:00:01:MAC_BYTE; IFACE_XML may be empty: no
# NIC); its console is $LAB_DIR/hI/NAME.console. Prints the file. A q35
# machine with ACPI and spare PCIe root ports, as virt-install makes it, so
# interfaces can be hot-plugged.
lab_domain_xml() {
    local i=$1 name=$2 mac=$3 ip=$4 peer=$5 iface=$6 guest
    guest=$("$(dirname "$LAB_SELF")/build-guest.sh") || return 1
    local file=$LAB_DIR/h$i/$name.xml
    : >"$LAB_DIR/h$i/$name.console"
    # Give the interface a fixed MAC and no option ROM (we boot a kernel).
    iface=$(printf '%s\n' "$iface" | sed "s|<interface type='network'>|<interface type='network'><mac address='52:54:00:00:01:$mac'/><rom enabled='no'/>|")
    cat >"$file" <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$guest/vmlinuz</kernel>
    <initrd>$guest/initrd.gz</initrd>
    <cmdline>console=ttyS0 panic=-1 vx.ip=$ip vx.peer=$peer</cmdline>
  </os>
  <features><acpi/></features>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
$iface
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='usb' model='none'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'/>
    <serial type='file'><source path='$LAB_DIR/h$i/$name.console'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>
XML
    echo "$file"
}

# OVN central on the underlay, in a namespace of its own ("host" 100 of
# the lab: the same private /run, /var and /etc as a host, so its databases
# go nowhere else). The userspace datapath does not complete partial
# checksums, so TCP towards hosts' OVS (OVSDB to the central) needs tx
# checksum offload off on the veths and the switch.
LAB_OVN_IP=198.18.0.100
lab_ovn_central() {
    local ns=$LAB_PREFIX-ovn dir=$LAB_DIR/ovn sw=$LAB_PREFIX-sw i
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$sw" link add hovn type veth peer name eth0 netns "$ns"
    ip -n "$sw" link set hovn master br0 up
    ip -n "$ns" link set eth0 mtu "$(ip -n "$sw" -o link show br0 | sed 's/.* mtu \([0-9]*\).*/\1/')" up
    ip -n "$ns" addr add "$LAB_OVN_IP/24" dev eth0
    ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null 2>&1
    ip netns exec "$sw" ethtool -K hovn tx off >/dev/null 2>&1
    ip netns exec "$sw" ethtool -K br0 tx off >/dev/null 2>&1
    for ((i = 1; i <= LAB_HOSTS; i++)); do
        ip netns exec "$sw" ethtool -K "h$i" tx off >/dev/null 2>&1
        ip netns exec "$LAB_PREFIX-h$i" ethtool -K eth0 tx off >/dev/null 2>&1
    done
    _lab_host_files "$dir"
    setsid -f ip netns exec "$ns" unshare -m --propagation private "$LAB_SELF" _lab_holder "$dir" \
        </dev/null >"$dir/holder.log" 2>&1
    lab_wait 10 test -s "$dir/holder.pid" || { lab_log "ovn central: holder did not start"; return 1; }
    nsenter -t "$(cat "$dir/holder.pid")" -m -n -- /usr/share/ovn/scripts/ovn-ctl --no-monitor \
        --db-nb-create-insecure-remote=yes --db-sb-create-insecure-remote=yes start_northd >"$dir/ovn-ctl.log" 2>&1 ||
        { lab_log "ovn central did not start: $(cat "$dir/ovn-ctl.log")"; return 1; }
    lab_wait 20 lab_ovn_nbctl ls-list || { lab_log "ovn central: NB does not answer"; return 1; }
}

# ovn-nbctl / ovn-sbctl against the central (test tooling, not product code).
lab_ovn_nbctl() { nsenter -t "$(cat "$LAB_DIR/ovn/holder.pid")" -m -n -- ovn-nbctl --timeout=10 "$@"; }
lab_ovn_sbctl() { nsenter -t "$(cat "$LAB_DIR/ovn/holder.pid")" -m -n -- ovn-sbctl --timeout=10 "$@"; }

# lab_ovn_controller I: ovn-controller on host I. Its chassis settings are
# the hook's job; only the host name is set here, since the emulated hosts
# share one UTS namespace.
lab_ovn_controller() {
    ip netns exec "$LAB_PREFIX-h$1" ethtool -K eth0 tx off >/dev/null 2>&1
    ip netns exec "$LAB_PREFIX-sw" ethtool -K "h$1" tx off >/dev/null 2>&1
    hx "$1" ovs-vsctl --timeout=10 set Open_vSwitch . external_ids:hostname="lab-h$1"
    hx "$1" /usr/share/ovn/scripts/ovn-ctl --no-monitor start_controller >"$LAB_DIR/h$1/ovn-ctl.log" 2>&1 ||
        { lab_log "host $1: ovn-controller did not start: $(cat "$LAB_DIR/h$1/ovn-ctl.log")"; return 1; }
}

# Only when run as a program (the holder).
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = _lab_holder ]; then
    _lab_holder "$2"
fi
