#!/bin/bash
# Data plane on two emulated hosts (userspace datapath, underlay MTU 1500):
# TCP throughput over the underlay, over the overlay at vxnet's MTU, and
# over the overlay left at 1500 (what hosts get without vxnet); and which
# DF ping sizes are delivered, refused locally, or lost, at both MTUs.
# Usage: VXNET_BUILD=build bench/dataplane_bench.sh [SECONDS]
secs=${1:-5}
. "$(dirname "$0")/../tests/lab/lab.sh"
lab_require
command -v iperf3 >/dev/null || { echo "SKIP: iperf3 is not installed"; exit 77; }
lab_up 2 >/dev/null || exit 1
for i in 1 2; do
    lab_virsh "$i" net-define "$(lab_network_xml "$i")" >/dev/null && lab_virsh "$i" net-start vxnet0 >/dev/null || exit 1
done
lab_wait 20 hx 1 ping -c 1 -W 1 10.100.0.2

tcp() {  # server address -> Mbit/s, median of 3
    local r out=()
    for r in 1 2 3; do
        hx 2 timeout $((secs + 20)) iperf3 -s -1 -B "$1" >/dev/null 2>&1 &
        sleep 0.5
        out+=("$(hx 1 timeout $((secs + 15)) iperf3 -c "$1" -t "$secs" -f m -J 2>/dev/null |
            python3 -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6))')")
        wait
    done
    printf '%s\n' "${out[@]}" | sort -n | sed -n 2p
}
sizes() {  # DF ping payloads around the MTU: delivered / refused locally / lost
    local s out
    for s in 1400 1422 1423 1450 1472; do
        out=$(hx 1 ping -c 2 -W 1 -M do -s "$s" 10.100.0.2 2>&1)
        if grep -q "message too long" <<<"$out"; then printf '%s:refused ' $((s + 28))
        elif grep -q " 0% packet loss" <<<"$out"; then printf '%s:delivered ' $((s + 28))
        else printf '%s:LOST ' $((s + 28)); fi
    done
}
under=$(tcp 198.18.0.2)
over=$(tcp 10.100.0.2)
sizes_vxnet=$(sizes)
for i in 1 2; do hx "$i" ovs-vsctl set Interface ovs-sw0 mtu_request=1500; done
sleep 1
over1500=$(tcp 10.100.0.2)
sizes_1500=$(sizes)
echo "| path | TCP Mbit/s (median of 3 x ${secs}s) | vs underlay |"
echo "|---|---:|---:|"
echo "| underlay 198.18.0.x (same userspace datapath) | $under | 1.00 |"
echo "| overlay, vxnet's MTU 1450 | $over | $(python3 -c "print(f'{$over/$under:.2f}')") |"
echo "| overlay left at MTU 1500 | $over1500 | $(python3 -c "print(f'{$over1500/$under:.2f}')") |"
echo
echo "DF ping packet sizes (bytes on the overlay): with vxnet's MTU: $sizes_vxnet"
echo "DF ping packet sizes (bytes on the overlay): overlay left at 1500: $sizes_1500"
