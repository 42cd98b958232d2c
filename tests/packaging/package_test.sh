#!/bin/bash
# The packages as an operator gets them. Args: BUILD_DIR rpm|deb
# Nothing is installed into the real system: the RPM goes into a scratch
# root (rpm --root), the .deb is unpacked (dpkg-deb -x).
BUILD=$1 KIND=$2
. "$(dirname "$0")/../cli/lib.sh"
PKG=$BUILD/packages
VERSION=$(sed -n 's/^Version: *//p' "$PKG/vxnet.spec")

expect_paths() {  # the payload list in $WORK/list has every path given
    local p
    for p in /usr/bin/vxnet-gen /usr/bin/vxnetctl /usr/libexec/vxnet/vxnet-hook /etc/libvirt/hooks/network.d/vxnet \
        /etc/libvirt/hooks/qemu.d/vxnet /etc/vxnet/vxnet.conf /etc/logrotate.d/vxnet \
        /usr/share/vxnet/templates/interface.xml /var/log/vxnet; do
        grep -qx "$p" "$WORK/list" && pass || fail "$KIND payload lacks $p"
    done
    # systemd units: /usr/lib or /lib, as the distribution has it.
    for p in vxnet-reconcile.service libvirtd.service.d/vxnet.conf virtnetworkd.service.d/vxnet.conf; do
        grep -qxE "(/usr)?/lib/systemd/system/$p" "$WORK/list" && pass || fail "$KIND payload lacks systemd $p"
    done
    # Compressed where the distribution's tooling compresses man pages.
    for p in /usr/share/man/man1/vxnet-gen.1 /usr/share/man/man5/vxnet.conf.5 /usr/share/man/man8/vxnet-hook.8 \
        /usr/share/man/man8/vxnetctl.8; do
        grep -qxE "$p(\.gz)?" "$WORK/list" && pass || fail "$KIND payload lacks $p"
    done
    grep -qx /etc/libvirt/hooks/network "$WORK/list" && fail "$KIND would overwrite /etc/libvirt/hooks/network"
}

check_root() {  # an installed/unpacked root works
    local root=$1
    for hook in network.d qemu.d; do
        [ -L "$root/etc/libvirt/hooks/$hook/vxnet" ] && [ -x "$root/etc/libvirt/hooks/$hook/vxnet" ] \
            && pass || fail "$KIND: $hook/vxnet is not an executable link inside the root"
    done
    expect_run "$KIND hook --version" 0 "$root/etc/libvirt/hooks/network.d/vxnet" --version \
        && grep -q "vxnet-hook $VERSION" "$WORK/out" || fail "$KIND hook version: $(cat "$WORK/out")"
    # The unit is well-formed where systemd can say so (none runs here):
    # verified against this system with ExecStart pointing into the root.
    if command -v systemd-analyze >/dev/null 2>&1; then
        unit=$(ls "$root"/usr/lib/systemd/system/vxnet-reconcile.service "$root"/lib/systemd/system/vxnet-reconcile.service 2>/dev/null | head -1)
        sed "s|ExecStart=/usr/bin/vxnetctl|ExecStart=$root/usr/bin/vxnetctl|" "$unit" >"$WORK/vxnet-reconcile.service"
        expect_run "$KIND systemd-analyze verify" 0 systemd-analyze --man=no verify "$WORK/vxnet-reconcile.service"
    fi
    expect_run "$KIND vxnet-gen interface" 0 env VXNET_TEMPLATE_DIR="$root/usr/share/vxnet/templates" \
        "$root/usr/bin/vxnet-gen" interface --mtu 1450
    grep -q "<mtu size='1450'/>" "$WORK/out" && pass || fail "$KIND vxnet-gen output"
}

case $KIND in
rpm)
    rpmfile=$(ls "$PKG"/vxnet-"$VERSION"-*.rpm)
    rpm -qlp "$rpmfile" >"$WORK/list" 2>/dev/null
    expect_paths
    rpm -qp --configfiles "$rpmfile" 2>/dev/null | grep -qx /etc/vxnet/vxnet.conf && pass || fail "vxnet.conf is not %config"
    rpm -qp --scripts "$rpmfile" >"$WORK/scripts" 2>/dev/null
    grep -q "postinstall scriptlet" "$WORK/scripts" && grep -q "postuninstall scriptlet" "$WORK/scripts" \
        && grep -q "pkill -HUP" "$WORK/scripts" && pass || fail "scriptlets missing: $(cat "$WORK/scripts")"
    rpm -qp --requires "$rpmfile" 2>/dev/null | grep -q "^openvswitch" && pass || fail "RPM does not require openvswitch"
    rpm -qp --changelog "$rpmfile" 2>/dev/null | grep -q . && pass || fail "RPM has no changelog"
    root=$WORK/rpmroot
    mkdir -p "$root"
    rpm --root "$root" --initdb
    # The scratch root has no shell for scriptlets and no dependencies.
    expect_run "rpm --root install" 0 rpm --root "$root" -i --nodeps --noscripts "$rpmfile"
    check_root "$root"
    ;;
deb)
    debfile=$PKG/vxnet_${VERSION}-1_$(dpkg --print-architecture).deb
    dpkg-deb -c "$debfile" | awk '{print $6}' | sed 's|^\.||; s|/$||' >"$WORK/list"
    expect_paths
    dpkg-deb -I "$debfile" >"$WORK/info"
    grep -q "Depends:.*openvswitch-switch" "$WORK/info" && pass || fail "deb does not depend on openvswitch-switch"
    grep -q " postinst" "$WORK/info" && grep -q " postrm" "$WORK/info" && pass || fail "deb lacks maintainer scripts"
    dpkg-deb -f "$debfile" Version | grep -qx "$VERSION-1" && pass || fail "deb version"
    root=$BUILD/packages/deb-root
    rm -rf "$root"
    dpkg-deb -x "$debfile" "$root"
    check_root "$root"
    ;;
esac
finish
