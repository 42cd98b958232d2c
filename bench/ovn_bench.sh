#!/bin/bash
# OVN mode's control plane on one emulated host with OVN central beside it:
#  - the hook's port-created (as libvirt runs it: a process, hookData on
#    stdin) against a bare 'ovn-nbctl lsp-add + lsp-set-addresses', as one
#    ovn-nbctl call (one transaction) and as two calls; medians of N;
#  - 100 ports created on one host (port-created for each, then one OVS
#    port per logical port with its iface-id, as libvirt plugs taps): the
#    time until all 100 are up.
# Run under the lab lock: flock /work/notes/lab.lock env VXNET_BUILD=build bench/ovn_bench.sh [N]
. "$(dirname "$0")/../tests/lab/lab.sh"
lab_require
reps=${1:-20}
lab_up 1 || exit 1
lab_ovn_central || exit 1
lab_ovn_controller 1 || exit 1
NB=tcp:$LAB_OVN_IP:6641
"$VXNET_BUILD/gen/vxnet-gen" network --mode ovn --ovn-nb "$NB" --ovn-sb "tcp:$LAB_OVN_IP:6642" --datapath netdev \
    --address 10.100.0.1/16 -o "$LAB_DIR/ovn.xml"
lab_virsh 1 net-define "$LAB_DIR/ovn.xml" >/dev/null && lab_virsh 1 net-start vxnet0 >/dev/null || { echo "net-start failed"; exit 1; }
live=$(lab_virsh 1 net-dumpxml vxnet0)

ms() { echo $((($(date +%s%N) - $1) / 1000)); }  # microseconds since $1 (ns)
median() { sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%.1f ms", m/1000}'; }
hookdata() {  # hookdata ID MAC
    printf '<hookData>%s<networkport><uuid>%s</uuid><owner><name>bench</name><uuid>eae982a5-b9ea-41b9-8d36-c0cc92dc7677</uuid></owner><mac address="%s"/><virtualport type="openvswitch"><parameters interfaceid="%s"/></virtualport><plug type="bridge" bridge="br-int"/></networkport></hookData>' \
        "$live" "$1" "$2" "$1"
}
id() { printf '6a1e0c52-0000-4000-8000-%012d' "$1"; }
mac() { printf '52:54:00:%02x:%02x:%02x' $(($1 / 65536 % 256)) $(($1 / 256 % 256)) $(($1 % 256)); }

: >"$LAB_DIR/hook" ; : >"$LAB_DIR/one" ; : >"$LAB_DIR/two"
for ((r = 1; r <= reps; r++)); do
    hookdata "$(id $r)" "$(mac $r)" >"$LAB_DIR/in"
    t=$(date +%s%N); hx 1 /etc/libvirt/hooks/network vxnet0 port-created begin - <"$LAB_DIR/in" >/dev/null || echo "hook failed"
    ms "$t" >>"$LAB_DIR/hook"
    n=$((1000 + r))
    t=$(date +%s%N); hx 1 ovn-nbctl --db="$NB" lsp-add vxnet0 "$(id $n)" -- lsp-set-addresses "$(id $n)" "$(mac $n)"
    ms "$t" >>"$LAB_DIR/one"
    n=$((2000 + r))
    t=$(date +%s%N); hx 1 ovn-nbctl --db="$NB" lsp-add vxnet0 "$(id $n)"; hx 1 ovn-nbctl --db="$NB" lsp-set-addresses "$(id $n)" "$(mac $n)"
    ms "$t" >>"$LAB_DIR/two"
done
echo "port-created, median of $reps: hook $(median <"$LAB_DIR/hook"), ovn-nbctl lsp-add -- lsp-set-addresses (one call) $(median <"$LAB_DIR/one"), lsp-add; lsp-set-addresses (two calls) $(median <"$LAB_DIR/two")"
# The nsenter into the host is part of every one of them: measure it alone.
: >"$LAB_DIR/true"
for ((r = 1; r <= reps; r++)); do t=$(date +%s%N); hx 1 true; ms "$t" >>"$LAB_DIR/true"; done
echo "entering the emulated host (nsenter, in each number above): $(median <"$LAB_DIR/true")"

# 100 ports on one host until all are up.
base=5000
t=$(date +%s%N)
for ((k = 1; k <= 100; k++)); do
    hookdata "$(id $((base + k)))" "$(mac $((base + k)))" | hx 1 /etc/libvirt/hooks/network vxnet0 port-created begin - >/dev/null ||
        echo "hook failed for port $k"
done
t_hooks=$(ms "$t")
args=()
for ((k = 1; k <= 100; k++)); do
    args+=(-- add-port br-int "vxb$k" -- set Interface "vxb$k" type=internal external_ids:iface-id="$(id $((base + k)))")
done
hx 1 ovs-vsctl --timeout=30 "${args[@]}"
t_plug=$(ms "$t")
all_up() { [ "$(lab_ovn_nbctl --bare --columns=name find Logical_Switch_Port up=true | grep -c "^6a1e0c52-0000-4000-8000-00000000[5]")" -ge 100 ]; }
lab_wait 120 all_up || echo "not all 100 ports came up within 120 s"
echo "100 ports on one host: 100 port-created hooks $((t_hooks / 1000)) ms, taps plugged at $((t_plug / 1000)) ms, all up after $(($(ms "$t") / 1000)) ms"
