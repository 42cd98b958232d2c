#!/bin/bash
# The packages as an operator gets them. Args: BUILD_DIR rpm|deb
# Nothing is installed into the real system: the RPM goes into a scratch
# root (rpm --root), the .deb is unpacked (dpkg-deb -x). Each package is
# checked with its distribution's tool (rpmlint, lintian), and what it
# installs with hardening-check, mandoc and systemd-analyze.
BUILD=$(cd "$1" && pwd) KIND=$2
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
. "$HERE/../cli/lib.sh"
PKG=$BUILD/packages
VERSION=$(sed -n 's/^Version: *//p' "$PKG/vxnet.spec")
for tool in hardening-check mandoc systemd-analyze; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/install-deps.sh installs it)"
done

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

in_root() {  # ROOT PATH: where a link inside ROOT points, resolved inside ROOT
    local root=$1 path=$2 target
    target=$(readlink "$root$path") || { echo "$root$path"; return; }
    case $target in
    /*) echo "$root$target" ;;
    *) echo "$(dirname "$root$path")/$target" ;;
    esac
}

check_root() {  # an installed/unpacked root works
    local root=$1 hook
    for hook in network.d qemu.d; do
        [ -L "$root/etc/libvirt/hooks/$hook/vxnet" ] && [ -x "$(in_root "$root" /etc/libvirt/hooks/$hook/vxnet)" ] \
            && pass || fail "$KIND: $hook/vxnet is not a link to an executable inside the root"
    done
    hook=$(in_root "$root" /etc/libvirt/hooks/network.d/vxnet)
    expect_run "$KIND hook --version" 0 "$hook" --version \
        && grep -q "vxnet-hook $VERSION" "$WORK/out" || fail "$KIND hook version: $(cat "$WORK/out")"
    # The packaged programs are hardened (the distribution's flags).
    "$HERE/hardening_test.sh" "$hook" "$root/usr/bin/vxnet-gen" "$root/usr/bin/vxnetctl" >"$WORK/hardening" 2>&1 \
        && pass || fail "$KIND programs are not hardened: $(cat "$WORK/hardening")"
    # Every installed man page is clean for mandoc (it reads .gz itself).
    for page in "$root"/usr/share/man/man*/*; do
        mandoc -T lint -W style "$page" >"$WORK/mandoc" 2>&1 && pass || fail "$KIND mandoc -T lint $(basename "$page"): $(cat "$WORK/mandoc")"
    done
    # The unit is well-formed where systemd can say so (none runs here):
    # verified against this system with ExecStart pointing into the root.
    unit=$(ls "$root"/usr/lib/systemd/system/vxnet-reconcile.service "$root"/lib/systemd/system/vxnet-reconcile.service 2>/dev/null | head -1)
    sed "s|ExecStart=/usr/bin/vxnetctl|ExecStart=$root/usr/bin/vxnetctl|" "$unit" >"$WORK/vxnet-reconcile.service"
    expect_run "$KIND systemd-analyze verify" 0 systemd-analyze --man=no verify "$WORK/vxnet-reconcile.service"
    # The installed template, and the built-in one when none is installed.
    expect_run "$KIND vxnet-gen interface" 0 env VXNET_TEMPLATE_DIR="$root/usr/share/vxnet/templates" \
        "$root/usr/bin/vxnet-gen" interface --mtu 1450
    grep -q "<mtu size='1450'/>" "$WORK/out" && pass || fail "$KIND vxnet-gen output"
    expect_run "$KIND vxnet-gen interface, built-in template" 0 env -u VXNET_TEMPLATE_DIR "$root/usr/bin/vxnet-gen" interface --mtu 1450
    grep -q "<mtu size='1450'/>" "$WORK/out" && pass || fail "$KIND vxnet-gen output (built-in template)"
}

case $KIND in
rpm)
    rpmfile=$(ls "$PKG"/vxnet-"$VERSION"-*.rpm | grep -v "\.src\.rpm$")
    rpm -qlp "$rpmfile" >"$WORK/list" 2>/dev/null
    expect_paths
    rpm -qp --configfiles "$rpmfile" 2>/dev/null | grep -qx /etc/vxnet/vxnet.conf && pass || fail "vxnet.conf is not %config"
    rpm -qp --scripts "$rpmfile" >"$WORK/scripts" 2>/dev/null
    grep -q "postinstall scriptlet" "$WORK/scripts" && grep -q "postuninstall scriptlet" "$WORK/scripts" \
        && grep -q "kill -HUP" "$WORK/scripts" && pass || fail "scriptlets missing: $(cat "$WORK/scripts")"
    # %systemd_post/%systemd_preun: the unit is preset at install and
    # disabled at removal (no link left dangling).
    for phase in postinstall preuninstall; do
        sed -n "/^$phase scriptlet/,/scriptlet/p" "$WORK/scripts" | grep -q "vxnet-reconcile.service" \
            && pass || fail "the $phase scriptlet does not handle vxnet-reconcile.service"
    done
    # An upgrade reconciles the running networks after the files and the
    # libvirt reload, and only an upgrade ($1 >= 2).
    sed -n "/^postinstall scriptlet/,/scriptlet/p" "$WORK/scripts" | sed -n '/kill -HUP/,$p' |
        sed -n '/if \[ \$1 -ge 2 \]/,/^fi/p' | grep -q "/usr/bin/vxnetctl reconcile --all" \
        && pass || fail "the postinstall scriptlet does not reconcile after an upgrade: $(cat "$WORK/scripts")"
    rpm -qp --requires "$rpmfile" 2>/dev/null >"$WORK/requires"
    for req in /usr/sbin/ovs-vswitchd logrotate libvirt-daemon-driver-network libvirt-daemon-driver-qemu; do
        grep -q "^$req" "$WORK/requires" && pass || fail "RPM does not require $req"
    done
    # Directories it puts files in that no dependency owns are its own.
    for dir in /etc/libvirt/hooks /etc/libvirt/hooks/network.d /etc/libvirt/hooks/qemu.d \
        /usr/lib/systemd/system/libvirtd.service.d /usr/lib/systemd/system/virtnetworkd.service.d; do
        grep -qx "$dir" "$WORK/list" && pass || fail "RPM does not own $dir"
    done
    rpm -qp --changelog "$rpmfile" 2>/dev/null | grep -q . && pass || fail "RPM has no changelog"
    # Built from the release tarball (rpmbuild -ta), which carries exactly
    # one spec: rpmbuild reads every *.spec in it.
    tar -tzf "$PKG/vxnet-$VERSION.tar.gz" >"$WORK/tarlist"
    [ "$(grep -c '\.spec$' "$WORK/tarlist")" = 1 ] && grep -qx "vxnet-$VERSION/vxnet.spec" "$WORK/tarlist" \
        && pass || fail "the tarball must hold exactly vxnet-$VERSION/vxnet.spec: $(grep '\.spec$' "$WORK/tarlist")"
    rpm -qp --qf '%{SOURCERPM}\n' "$rpmfile" 2>/dev/null | grep -qx "vxnet-$VERSION-1.src.rpm" && [ -e "$PKG/vxnet-$VERSION-1.src.rpm" ] \
        && pass || fail "no source RPM"
    # rpmlint on the spec, the RPM and the SRPM: clean but for the waivers
    # packaging/rpm/vxnet.rpmlintrc lists (reasons in packaging/README.md).
    if command -v rpmlint >/dev/null; then
        rpmlint -c "$SRC/packaging/rpm/rpmlint.toml" -r "$SRC/packaging/rpm/vxnet.rpmlintrc" --ignore-unused-rpmlintrc \
            "$PKG/vxnet.spec" "$rpmfile" "$PKG/vxnet-$VERSION-1.src.rpm" >"$WORK/rpmlint" 2>&1 \
            && grep -q " 0 errors, 0 warnings" "$WORK/rpmlint" && pass || fail "rpmlint: $(grep -E ': [EW]: ' "$WORK/rpmlint")"
        for f in $(sed -n 's/^addFilter(r"\([a-z-]*\).*/\1/p' "$SRC/packaging/rpm/vxnet.rpmlintrc"); do
            grep -q "\`$f\`" "$SRC/packaging/README.md" && pass || fail "waiver $f has no reason in packaging/README.md"
        done
    else
        skip "rpmlint is not installed (scripts/install-deps.sh installs it)"
    fi
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
    depends=$(dpkg-deb -f "$debfile" Depends)
    for dep in openvswitch-switch libvirt-daemon logrotate "libc6 (>=" "libvirt0 (>=" "libstdc++6 (>="; do
        case $depends in *"$dep"*) pass ;; *) fail "deb does not depend on $dep: $depends" ;; esac
    done
    grep -q " postinst" "$WORK/info" && grep -q " postrm" "$WORK/info" && pass || fail "deb lacks maintainer scripts"
    dpkg-deb -f "$debfile" Version | grep -qx "$VERSION-1" && pass || fail "deb version"
    # dh_installsystemd: enabled at install, removed links at purge, and
    # systemd told of the new unit and drop-ins (daemon-reload).
    dpkg-deb -e "$debfile" "$WORK/control"
    grep -q "deb-systemd-helper enable 'vxnet-reconcile.service'" "$WORK/control/postinst" \
        && grep -q "daemon-reload" "$WORK/control/postinst" && grep -q "deb-systemd-helper purge 'vxnet-reconcile.service'" "$WORK/control/postrm" \
        && pass || fail "deb maintainer scripts do not handle the unit: $(cat "$WORK/control/postinst")"
    grep -q "kill -HUP" "$WORK/control/postinst" && grep -q "kill -HUP" "$WORK/control/postrm" \
        && pass || fail "deb maintainer scripts do not reload libvirt"
    sed -n '/kill -HUP/,$p' "$WORK/control/postinst" | sed -n '/"$1" = configure \] && \[ -n "$2" \]/,/^fi/p' |
        grep -q "/usr/bin/vxnetctl reconcile --all" \
        && pass || fail "deb postinst does not reconcile after an upgrade: $(cat "$WORK/control/postinst")"
    # The links from /etc into /usr are absolute, as Debian's policy wants.
    dpkg-deb -c "$debfile" | grep -q "etc/libvirt/hooks/network.d/vxnet -> /usr/libexec/vxnet/vxnet-hook" \
        && pass || fail "deb hook link is not absolute: $(dpkg-deb -c "$debfile" | grep hooks/)"
    for f in copyright changelog.Debian.gz; do
        grep -qx "/usr/share/doc/vxnet/$f" "$WORK/list" && pass || fail "deb lacks /usr/share/doc/vxnet/$f"
    done
    # lintian: no error, no warning that debian/vxnet.lintian-overrides
    # does not explain.
    if command -v lintian >/dev/null; then
        lintian --fail-on error,warning --no-tag-display-limit "$debfile" >"$WORK/lintian" 2>&1 \
            && pass || fail "lintian: $(cat "$WORK/lintian")"
        grep -q "^E: " "$WORK/lintian" && fail "lintian errors: $(grep '^E: ' "$WORK/lintian")"
    else
        skip "lintian is not installed (scripts/install-deps.sh installs it)"
    fi
    # The lab (lab.package) takes the hooks from this unpacked root.
    root=$BUILD/packages/deb-root
    rm -rf "$root"
    dpkg-deb -x "$debfile" "$root"
    check_root "$root"
    ;;
esac
finish
