#!/bin/bash
# Upgrade and downgrade in place, between the previous release (built here
# from git) and this tree, with a guest running on a two-host overlay. On
# each host in turn, as a package upgrade does: the hooks, vxnetctl and
# vxnet-gen replaced, `vxnetctl reconcile --all`, libvirtd restarted; host
# 2 pings host 1's guest at 10 Hz through the whole window.
#  - upgrade: at most 1 reply lost; the new vxnetctl says OK on both hosts
#    and keeps the old run record's host address (the old release recorded
#    it always, this one only when vxnet added it, so stop still removes
#    it); the new hook stops a network the old one started, leaving nothing
#    of it in OVS, the host or the state dir, and starts it again;
#  - downgrade: the guest keeps running and reachable, the old vxnetctl
#    says OK, the old hook stops and starts the network the new one made.
# Under VXNET_CI=1 a missing git or commit fails instead of skipping.
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/../cli/lib.sh"
PREV=3686ebd  # the previous release
lab_require
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v git >/dev/null || skip "git is not installed: the previous release $PREV is built from git"
git -C "$top" rev-parse --git-dir >/dev/null 2>&1 ||
    skip "$top is not a git checkout: the previous release $PREV is built from git"
git -C "$top" rev-parse -q --verify "$PREV^{commit}" >/dev/null 2>&1 ||
    skip "commit $PREV (the previous release) is not in the history of $top (a shallow clone? fetch with --unshallow)"
NEW=$VXNET_BUILD
lab_up 2 || { fail "lab did not come up"; finish; exit 1; }

# The previous release from git, only the three programs; ccache, when
# there, makes the second run cheap (paths relative to the lab directory,
# no debug information, so no directory in the hash).
OLD=$LAB_DIR/prev-build
t0=$SECONDS
mkdir -p "$LAB_DIR/prev"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if ! { git -C "$top" archive "$PREV" | tar -x -C "$LAB_DIR/prev"; } ||
    ! CCACHE_BASEDIR=$LAB_DIR CCACHE_NOHASHDIR=1 cmake -S "$LAB_DIR/prev" -B "$OLD" -DCMAKE_BUILD_TYPE=None \
        -DCMAKE_CXX_FLAGS=-O1 -DVXNET_WERROR=OFF -DBUILD_TESTING=OFF "${launcher[@]}" >"$LAB_DIR/prev-build.log" 2>&1 ||
    ! CCACHE_BASEDIR=$LAB_DIR CCACHE_NOHASHDIR=1 cmake --build "$OLD" -j2 --target vxnet-hook vxnetctl vxnet-gen \
        >>"$LAB_DIR/prev-build.log" 2>&1; then
    fail "building $PREV: $(tail -5 "$LAB_DIR/prev-build.log")"
    finish
    exit 1
fi
echo "previous release $PREV built in $((SECONDS - t0)) s"

# install_release I BUILD: BUILD's hook, vxnetctl and vxnet-gen replace
# host I's (its programs live in $LAB_DIR/hI/bin).
install_release() {
    local f
    lab_install_hook "$1" "$2/hook/vxnet-hook" || return 1
    mkdir -p "$LAB_DIR/h$1/bin"
    for f in ctl/vxnetctl gen/vxnet-gen; do
        install -m 755 "$2/$f" "$LAB_DIR/h$1/bin/${f#*/}.new" && mv -f "$LAB_DIR/h$1/bin/${f#*/}.new" "$LAB_DIR/h$1/bin/${f#*/}" ||
            return 1
    done
}
ctl() { local i=$1; shift; hx "$i" "$LAB_DIR/h$i/bin/vxnetctl" "$@"; }
# expect_ok I WHAT: vxnetctl status on host I says vxnet0 is OK.
expect_ok() {
    ctl "$1" status >"$WORK/out" 2>&1
    local rc=$?
    [ "$rc" = 0 ] && grep -q "network vxnet0: OK" "$WORK/out" && pass || fail "$2: status on host $1: exit $rc: $(cat "$WORK/out")"
}
# restart_network I WHAT: host I's hook stops vxnet0, leaving nothing of it,
# and starts it again.
restart_network() {
    lab_virsh "$1" net-destroy vxnet0 >"$WORK/out" 2>&1 || fail "$2: net-destroy on host $1: $(cat "$WORK/out")"
    local left
    left=$(hx "$1" ovs-vsctl --bare --columns=name find Bridge name=ovs-sw0
        for table in Bridge Port Interface; do hx "$1" ovs-vsctl --bare --columns=name find "$table" external_ids:vxnet-network=vxnet0; done
        hx "$1" ip -o addr show | grep -F "10.100.0.$1/"
        hx "$1" ls /run/vxnet/network 2>/dev/null)
    [ -z "$left" ] && pass || fail "$2: host $1 kept after net-destroy: $left"
    lab_virsh "$1" net-start vxnet0 >"$WORK/out" 2>&1 && pass || fail "$2: net-start on host $1: $(cat "$WORK/out")"
    lab_wait 20 hx 2 ping -c 1 -W 1 10.100.1.1 && pass || fail "$2: vm1 unreachable after the restart on host $1"
}
# window WHAT BUILD: both hosts move to BUILD while host 2 pings vm1 at
# 10 Hz; LOST is "N of M", the replies lost (the last request, maybe in
# flight when ping stops, does not count).
window() {
    local i out=$LAB_DIR/ping-$1.log
    # ping's own pid, for its summary at SIGINT (the job is a subshell, and
    # a background job of a script ignores SIGINT).
    rm -f "$out.pid"
    hx 2 sh -c 'echo $$ >"$1"; exec ping -n -i 0.1 -w 150 10.100.1.1' sh "$out.pid" >"$out" 2>&1 &
    local job=$! t0=$SECONDS t
    lab_wait 5 test -s "$out.pid"
    sleep 1
    for i in 1 2; do
        install_release "$i" "$2" || fail "$1: replacing host $i's files"
        ctl "$i" reconcile --all >"$LAB_DIR/reconcile-$1-$i.log" 2>&1 ||
            fail "$1: reconcile --all on host $i: $(cat "$LAB_DIR/reconcile-$1-$i.log")"
        t=$SECONDS
        lab_stop_libvirtd "$i"
        echo "$1: host $i: libvirtd stopped in $((SECONDS - t)) s" >&2
        lab_start_libvirtd "$i" || fail "$1: libvirtd on host $i did not come back"
        echo "$1: host $i: files, reconcile, libvirtd restart done at $((SECONDS - t0)) s" >&2
    done
    sleep 1
    kill -INT "$(cat "$out.pid")"
    wait "$job"
    for i in 1 2; do sed "s/^/$1 reconcile on host $i: /" "$LAB_DIR/reconcile-$1-$i.log" >&2; done
    LOST=$(python3 - "$out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
sent = int(re.search(r"(\d+) packets transmitted", text).group(1))
got = {int(s) for s in re.findall(r"icmp_seq=(\d+) ttl=", text)}
print(sum(1 for s in range(1, sent) if s not in got), "of", sent - 1)
PY
)
}

# The overlay and the guest as the previous release made them.
for i in 1 2; do
    install_release "$i" "$OLD" || fail "installing $PREV on host $i"
    VXNET_BUILD=$OLD lab_vxnet_up "$i" || fail "host $i: vxnet0 did not start under $PREV"
done
iface=$(VXNET_TEMPLATE_DIR=$LAB_DIR/prev/libvirt-templates "$OLD/gen/vxnet-gen" interface --network vxnet0 --mtu 1450)
xml=$(lab_guest_xml 1 10.100.0.2 "$iface") || { fail "guest image"; finish; exit 1; }
lab_virsh 1 define "$xml" >/dev/null && lab_virsh 1 start vm1 >"$WORK/out" 2>&1 || fail "start vm1: $(cat "$WORK/out")"
lab_wait 60 grep -q "VXGUEST READY" "$LAB_DIR/h1/vm1.console" || fail "vm1 did not boot: $(tr -d '\r' <"$LAB_DIR/h1/vm1.console" | tail -3)"
lab_wait 30 hx 2 ping -c 1 -W 1 10.100.1.1 || fail "vm1 is not reachable from host 2 under $PREV"
for i in 1 2; do expect_ok "$i" "$PREV"; done

echo "== upgrade: $PREV -> this tree"
window upgrade "$NEW"
echo "upgrade: $LOST pings lost at 10 Hz"
[ "${LOST%% *}" -le 1 ] && pass || fail "upgrade lost $LOST pings (at most 1 allowed): $(grep -v ttl= "$LAB_DIR/ping-upgrade.log")"
[ "$(lab_virsh 1 domstate vm1)" = running ] && pass || fail "vm1 is not running after the upgrade"
for i in 1 2; do expect_ok "$i" "upgrade"; done
hx 1 grep -q '"address":"10.100.0.1/16"' /run/vxnet/network/vxnet0.json && pass ||
    fail "the new release dropped the host address vxnet added from host 1's record: $(hx 1 cat /run/vxnet/network/vxnet0.json)"
for i in 1 2; do
    ctl "$i" plan vxnet0 >"$WORK/out" 2>&1 && grep -q "^network vxnet0: nothing to change" "$WORK/out" && pass ||
        fail "host $i: the new release still plans changes after reconcile: $(cat "$WORK/out")"
done
restart_network 2 "new hook, network the old one started"
expect_ok 2 "after the restart by the new hook"

echo "== downgrade: this tree -> $PREV"
window downgrade "$OLD"
echo "downgrade: $LOST pings lost at 10 Hz"
[ "$(lab_virsh 1 domstate vm1)" = running ] && pass || fail "vm1 is not running after the downgrade"
hx 2 ping -c 3 -i 0.2 -W 1 10.100.1.1 >"$WORK/out" 2>&1 && pass || fail "vm1 unreachable after the downgrade: $(cat "$WORK/out")"
for i in 1 2; do expect_ok "$i" "downgrade"; done
restart_network 2 "old hook, network the new one started"
expect_ok 2 "after the restart by the old hook"
finish
