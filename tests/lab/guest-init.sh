#!/bin/sh
# /init of the lab's test guest (busybox, PID 1). Reads from /proc/cmdline
# (dotted parameters never reach init's environment):
#   vx.ip=ADDR/PREFIX   the guest's overlay address
#   vx.peer=ADDR        a peer to ping once ready (optional)
# and reports on the serial console, one marker per line:
#   VXGUEST READY mtu=N          eth0 is up; N is what virtio host_mtu gave it
#   VXGUEST PING OK|FAIL         the peer answered within 90 s
#   VXGUEST FULLPING OK|FAIL     a ping of exactly eth0's MTU crossed
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

ip= peer=
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        vx.ip=*) ip=${arg#vx.ip=} ;;
        vx.peer=*) peer=${arg#vx.peer=} ;;
    esac
done
for module in $(cat /etc/modules.order); do
    insmod "/lib/modules/$module.ko" || echo "VXGUEST ERROR insmod $module"
done
n=0
while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 100 ]; do usleep 100000; n=$((n + 1)); done
dmesg -n 1
ip link set lo up
[ -n "$ip" ] && ip addr add "$ip" dev eth0
ip link set eth0 up
mtu=$(cat /sys/class/net/eth0/mtu)
echo "VXGUEST READY mtu=$mtu"
if [ -n "$peer" ]; then
    ok=FAIL n=0
    while [ $n -lt 90 ]; do
        if ping -c 1 -W 1 "$peer" >/dev/null 2>&1; then ok=OK; break; fi
        n=$((n + 1))
    done
    echo "VXGUEST PING $ok"
    # ICMP payload = MTU - 20 (IP) - 8 (ICMP): the largest unfragmented ping.
    if ping -c 2 -W 3 -s $((mtu - 28)) "$peer" >/dev/null 2>&1; then
        echo "VXGUEST FULLPING OK"
    else
        echo "VXGUEST FULLPING FAIL"
    fi
fi
while :; do sleep 3600; done
