#!/bin/sh
# Installs every Debian 12 package vxnet needs to build, test and run its lab,
# and the tools that check what vxnet writes as its users' systems would:
# rpmlint, lintian (+ debhelper to build the .deb), hardening-check
# (devscripts), mandoc, firewall-offline-cmd (firewalld), nmcli --offline
# (network-manager), systemd-analyze (systemd; not made PID 1 by installing).
# Idempotent: packages already present are left as they are. Needs root.
set -eu

PACKAGES="
build-essential cmake pkg-config git rpm clang libclang-rt-14-dev libbenchmark-dev
libxml2-dev libxml2-utils libvirt-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
libcli11-dev libgtest-dev libgmock-dev
libvirt-clients libvirt-daemon openvswitch-switch openvswitch-common ovn-central ovn-host
iproute2 iputils-ping iputils-arping tcpdump iperf3 nftables python3 procps util-linux man-db ethtool
qemu-system-x86 qemu-utils cpio gzip
rpmlint lintian debhelper devscripts dpkg-dev fakeroot mandoc firewalld network-manager systemd
"

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: must run as root (apt-get needs it)" >&2
    exit 1
fi

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps.sh: all packages present"
    exit 0
fi

echo "install-deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Packages must not start daemons on this host (OVS, libvirtd): the tests
# start their own, privately; firewalld and NetworkManager are installed only
# for their offline checkers. A policy-rc.d that denies starts does that and
# is removed again whatever happens.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    own_policy=1
fi
cleanup() { if [ "$own_policy" -eq 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT INT TERM

apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing
