#!/bin/bash
# vxnet-gen as a user runs it. Args: VXNET_GEN TEST_DATA_DIR TEMPLATE_DIR
GEN=$1 DATA=$2
export VXNET_TEMPLATE_DIR=$3
. "$(dirname "$0")/lib.sh"

for tool in virsh virt-xml-validate; do
    command -v "$tool" >/dev/null || skip "$tool not installed (scripts/install-deps.sh installs it)"
done

# --help and --version for the program and every subcommand.
expect_run "help" 0 "$GEN" --help && grep -q "network" "$WORK/out" || fail "--help lists no subcommands"
expect_run "version" 0 "$GEN" --version && grep -q "^vxnet-gen [0-9]" "$WORK/out" || fail "--version: $(cat "$WORK/out")"
for sub in network interface check; do
    expect_run "$sub --help" 0 "$GEN" "$sub" --help
done
for opt in --peer --name --bridge --vni --dst-port --local-ip --mtu --datapath --address -o; do
    "$GEN" network --help | grep -q -- "$opt" || fail "network --help does not document $opt"
done

# The generated XML is accepted by libvirt's schema and by libvirt itself,
# and its metadata survives net-define/net-dumpxml.
expect_run "network" 0 "$GEN" network --peer 198.18.0.2 --peer 2001:db8::3 --vni 100 \
    --address 10.100.0.1/16 --datapath netdev -o "$WORK/net.xml"
expect_run "virt-xml-validate" 0 virt-xml-validate "$WORK/net.xml" network
expect_run "virsh net-define" 0 virsh -q -c test:///default \
    "net-define $WORK/net.xml; net-dumpxml vxnet0"
grep -q "<bridge name='ovs-sw0'" "$WORK/out" || fail "net-dumpxml lost the bridge: $(cat "$WORK/out")"
grep -q 'vni="100"' "$WORK/out" || fail "net-dumpxml lost the vxnet metadata: $(cat "$WORK/out")"
grep -q '2001:db8::3' "$WORK/out" || fail "net-dumpxml lost a peer"
cp "$WORK/out" "$WORK/dumped.xml"
expect_run "check of libvirt's dump" 0 "$GEN" check "$WORK/dumped.xml"

# Deterministic: no uuid unless asked for; --uuid gives one libvirt keeps.
"$GEN" network --peer 198.18.0.2 >"$WORK/a.xml"
"$GEN" network --peer 198.18.0.2 >"$WORK/b.xml"
cmp -s "$WORK/a.xml" "$WORK/b.xml" || fail "two runs with the same flags differ"
grep -q "<uuid>" "$WORK/a.xml" && fail "uuid emitted without --uuid"
"$GEN" network --peer 198.18.0.2 --uuid >"$WORK/u.xml" && grep -qE "<uuid>[0-9a-f-]{36}</uuid>" "$WORK/u.xml" \
    || fail "--uuid gave no uuid"
# -o into something that is not a regular file (a FIFO here, /dev/null or
# /dev/stdout for a user) writes into it and never replaces it with a file.
mkfifo "$WORK/fifo"
cat "$WORK/fifo" >"$WORK/from-fifo" &
"$GEN" network --peer 198.18.0.2 -o "$WORK/fifo"
wait
[ -p "$WORK/fifo" ] && grep -q "<network>" "$WORK/from-fifo" && pass || fail "-o FIFO replaced the FIFO or wrote nothing"
# --uuid-from keeps the UUID of an existing definition, so the regenerated
# network redefines the same one (virsh net-define refuses another UUID).
uuid=$(sed -n 's|.*<uuid>\(.*\)</uuid>.*|\1|p' "$WORK/u.xml")
"$GEN" network --peer 198.18.0.2 --peer 198.18.0.3 --uuid-from "$WORK/u.xml" >"$WORK/u2.xml" \
    && grep -q "<uuid>$uuid</uuid>" "$WORK/u2.xml" && pass || fail "--uuid-from FILE did not keep $uuid"
expect_run "--uuid-from a file without uuid" 1 "$GEN" network --peer 198.18.0.2 --uuid-from "$WORK/a.xml"
expect_one_line_error "--uuid-from a file without uuid" "has no <uuid>"
expect_run "--uuid-from with --uuid" 1 "$GEN" network --peer 198.18.0.2 --uuid --uuid-from "$WORK/u.xml"
expect_one_line_error "--uuid-from with --uuid" "cannot be combined with --uuid"
"$GEN" network --peer 198.18.0.2 --uuid=0f6c3a5e-1b7d-4c0e-9a63-5d2b8f1e4c70 | grep -q "0f6c3a5e-1b7d-4c0e-9a63-5d2b8f1e4c70" \
    || fail "--uuid=VALUE not used"

# Bad inputs: exit 1, one line naming the value and the limit, no file left.
check_bad() {
    name=$1 text=$2
    shift 2
    rm -f "$WORK/bad.xml"
    expect_run "$name" 1 "$GEN" network "$@" -o "$WORK/bad.xml" && expect_one_line_error "$name" "$text"
    [ -e "$WORK/bad.xml" ] && fail "$name: left an output file behind"
    ls "$WORK" | grep -q vxnet-tmp && fail "$name: left a temporary file behind"
}
check_bad "16-character bridge" "bridge name 'ovs-sw0-too-long': is 16 characters, the kernel allows at most 15" \
    --peer 198.18.0.2 --bridge ovs-sw0-too-long
check_bad "VNI 16777216" "VNI '16777216': must be between 0 and 16777215" --peer 198.18.0.2 --vni 16777216
check_bad "port 70000" "UDP destination port '70000': must be between 1 and 65535" --peer 198.18.0.2 --dst-port 70000
check_bad "peer 300.1.1.1" "peer 1 '300.1.1.1': is not an IPv4 or IPv6 address" --peer 300.1.1.1
check_bad "empty name" "network name: must be 1 to 64 characters" --peer 198.18.0.2 --name ""
check_bad "duplicate peers" "peer 2 '198.18.0.2': is listed twice" --peer 198.18.0.2 --peer 198.18.0.2
check_bad "shell metacharacters" "network name 'a;reboot'" --peer 198.18.0.2 --name 'a;reboot'
check_bad "bad MTU" "MTU '9x'" --peer 198.18.0.2 --mtu 9x
check_bad "MTU too small" "MTU '40': must be between 68 and 65535" --peer 198.18.0.2 --mtu 40
check_bad "bad datapath" "datapath 'dpdk': must be 'system' or 'netdev'" --peer 198.18.0.2 --datapath dpdk
check_bad "bad address" "host overlay address '10.100.0.1'" --peer 198.18.0.2 --address 10.100.0.1

# Usage errors exit 2 with one line.
expect_run "no peer" 2 "$GEN" network && expect_one_line_error "no peer" "--peer is required"
expect_run "unknown flag" 2 "$GEN" network --peer 198.18.0.2 --frobnicate && expect_one_line_error "unknown flag" "frobnicate"
expect_run "no subcommand" 2 "$GEN"

# check: 0 valid, 1 invalid, 3 not managed.
expect_run "check valid" 0 "$GEN" check "$DATA/networks/full.xml"
expect_run "check from stdin" 0 sh -c "\"$GEN\" check - <\"$DATA/networks/minimal.xml\""
expect_run "check long bridge" 1 "$GEN" check "$DATA/networks/long-bridge.xml" \
    && expect_one_line_error "check long bridge" "is 16 characters"
expect_run "check entities" 1 "$GEN" check "$DATA/networks/entities.xml" \
    && expect_one_line_error "check entities" "DTDs and entity declarations are not accepted"
expect_run "check missing file" 1 "$GEN" check "$WORK/nope.xml" && expect_one_line_error "check missing file" "does not exist"
expect_run "check a directory" 1 "$GEN" check "$WORK" && expect_one_line_error "check a directory" "exists but cannot be read: Is a directory"
for f in "$DATA"/libvirt-networkxml/*.xml; do
    expect_run "check $(basename "$f")" 3 "$GEN" check "$f" \
        && expect_one_line_error "check $(basename "$f")" "is not managed by vxnet"
done

# host: files for NetworkManager, network-scripts and firewalls.
HOSTNET="--peer 198.18.0.2 --peer 198.18.0.3 --vni 100 --address 10.100.0.1/16"
mkdir -p "$WORK/nm"
expect_run "host nm" 0 "$GEN" host --format nm $HOSTNET --output-dir "$WORK/nm"
[ "$(ls "$WORK/nm" | wc -l)" = 3 ] && pass || fail "nm: expected 3 keyfiles, got $(ls "$WORK/nm")"
for f in "$WORK"/nm/*.nmconnection; do
    [ "$(stat -c %a "$f")" = 600 ] && pass || fail "nm: $f is not mode 600 (NetworkManager ignores it)"
    grep -qx "interface-name=ovs-sw0" "$f" && pass || fail "nm: $(basename "$f") is not named ovs-sw0"
done
grep -q "type=ovs-bridge" "$WORK/nm/ovs-sw0-bridge.nmconnection" && grep -q "slave-type=ovs-bridge" "$WORK/nm/ovs-sw0-port.nmconnection" \
    && grep -q "address1=10.100.0.1/16" "$WORK/nm/ovs-sw0-interface.nmconnection" && pass || fail "nm keyfiles incomplete"
bridge_uuid=$(sed -n 's/^uuid=//p' "$WORK/nm/ovs-sw0-bridge.nmconnection")
grep -qx "master=$bridge_uuid" "$WORK/nm/ovs-sw0-port.nmconnection" && pass || fail "nm: the port's master is not the bridge"
"$GEN" host --format nm $HOSTNET | grep -q "# ==> ovs-sw0-port.nmconnection <==" && pass || fail "nm to stdout"
"$GEN" host --format nm $HOSTNET >"$WORK/a" && "$GEN" host --format nm $HOSTNET >"$WORK/b" && cmp -s "$WORK/a" "$WORK/b" \
    && pass || fail "nm output is not deterministic"

expect_run "host ifcfg" 0 "$GEN" host --format ifcfg $HOSTNET --own-address 198.18.0.1
grep -q "TYPE=OVSBridge" "$WORK/out" && grep -q "IPADDR=10.100.0.1" "$WORK/out" && pass || fail "ifcfg bridge"
[ "$(grep -c "TYPE=OVSTunnel" "$WORK/out")" = 2 ] && pass || fail "ifcfg: expected one OVSTunnel per peer"
[ "$(grep -cx "NM_CONTROLLED=no" "$WORK/out")" = 3 ] && pass || fail "ifcfg: every file needs NM_CONTROLLED=no"
grep -q 'OVS_TUNNEL_TYPE=vxlan' "$WORK/out" && grep -q 'OVS_TUNNEL_OPTIONS="options:remote_ip=198.18.0.3 options:key=100"' "$WORK/out" \
    && pass || fail "ifcfg tunnel options"
# The host's own address among the peers gets no tunnel, as the hook skips
# it: named with --own-address, or read from the host (a private namespace
# holding 198.18.0.2 here).
expect_run "host ifcfg own address" 0 "$GEN" host --format ifcfg $HOSTNET --own-address 198.18.0.2
[ "$(grep -c "TYPE=OVSTunnel" "$WORK/out")" = 1 ] && ! grep -q "remote_ip=198.18.0.2" "$WORK/out" \
    && pass || fail "ifcfg made a tunnel to the host's own address: $(grep remote_ip "$WORK/out")"
if [ "$(id -u)" -eq 0 ]; then
    ns=vxgen$$
    ip netns add "$ns" && ip -n "$ns" addr add 198.18.0.2/32 dev lo
    expect_run "host ifcfg in a namespace holding a peer's address" 0 ip netns exec "$ns" "$GEN" host --format ifcfg $HOSTNET
    ip netns del "$ns"
    [ "$(grep -c "TYPE=OVSTunnel" "$WORK/out")" = 1 ] && ! grep -q "remote_ip=198.18.0.2" "$WORK/out" \
        && pass || fail "ifcfg did not skip the address the host holds: $(grep remote_ip "$WORK/out")"
fi
expect_run "host bad own address" 1 "$GEN" host --format ifcfg $HOSTNET --own-address 300.0.0.1 \
    && expect_one_line_error "host bad own address" "own address 1 '300.0.0.1': is not an IPv4 or IPv6 address"

# NetworkManager itself parses every keyfile (nmcli --offline reads one on
# stdin and fails on what it cannot load).
if command -v nmcli >/dev/null; then
    # Every shape of keyfile: IPv4 address (above), IPv6 address with a
    # fixed MTU on the userspace datapath, and no address at all.
    mkdir -p "$WORK/nm-v6" "$WORK/nm-none"
    "$GEN" host --format nm --peer 2001:db8::2 --address fd00:100::1/64 --mtu 1430 --datapath netdev \
        --bridge ovs-v6 --output-dir "$WORK/nm-v6" || fail "nm (IPv6)"
    "$GEN" host --format nm --peer 198.18.0.2 --bridge ovs-none --output-dir "$WORK/nm-none" || fail "nm (no address)"
    grep -q "datapath-type=netdev" "$WORK/nm-v6/ovs-v6-bridge.nmconnection" && grep -qx "mtu=1430" "$WORK/nm-v6/ovs-v6-interface.nmconnection" \
        && pass || fail "nm: netdev datapath or MTU missing"
    for f in "$WORK"/nm/*.nmconnection "$WORK"/nm-v6/*.nmconnection "$WORK"/nm-none/*.nmconnection; do
        nmcli --offline connection modify connection.id vxnet-check <"$f" >/dev/null 2>"$WORK/nm.err" \
            && pass || fail "nmcli --offline refuses $(basename "$f"): $(cat "$WORK/nm.err")"
    done
elif under_ci; then
    fail "nmcli is not installed (scripts/install-deps.sh installs network-manager)"
fi

"$GEN" network $HOSTNET -o "$WORK/fromnet.xml"
expect_run "host firewalld --from" 0 "$GEN" host --format firewalld --from "$WORK/fromnet.xml" --own-address 198.18.0.1
sed '1d' "$WORK/out" >"$WORK/policy.xml"
xmllint --noout "$WORK/policy.xml" && pass || fail "firewalld policy is not well-formed"
grep -q '<ingress-zone name="ANY"/>' "$WORK/policy.xml" && grep -q '<source address="198.18.0.3"/>' "$WORK/policy.xml" \
    && grep -q '<port protocol="udp" port="4789"/>' "$WORK/policy.xml" && pass || fail "firewalld policy content"
grep -q "<zone" "$WORK/policy.xml" && fail "firewalld output binds a zone" || pass
"$GEN" host --format firewalld --peer 198.18.0.2 --name a--b | sed 1d | xmllint --noout - && pass || fail "a name with -- breaks the policy file"
expect_run "host bad format" 1 "$GEN" host --format iptables $HOSTNET && expect_one_line_error "host bad format" "host format 'iptables'"
expect_run "host no network" 1 "$GEN" host --format nm && expect_one_line_error "host no network" "needs the network"
expect_run "host --from unmanaged" 1 "$GEN" host --format nm --from "$DATA/libvirt-networkxml/nat-network.xml" \
    && expect_one_line_error "host --from unmanaged" "is not managed by vxnet"

# interface: the snippet libvirt accepts in a domain.
expect_run "interface" 0 "$GEN" interface --network vxnet0 --mtu 1450
grep -q "<mtu size='1450'/>" "$WORK/out" || fail "interface snippet lacks the MTU"
# From the build tree, nothing installed: the built-in template, the same text.
cp "$WORK/out" "$WORK/iface-dir.xml"
expect_run "interface, built-in template" 0 env -u VXNET_TEMPLATE_DIR "$GEN" interface --network vxnet0 --mtu 1450
cmp -s "$WORK/out" "$WORK/iface-dir.xml" && pass || fail "the built-in template differs from libvirt-templates/"
{ echo "<domain type='qemu'><name>t</name><memory>65536</memory><os><type>hvm</type></os><devices>"
  cat "$WORK/out"; echo "</devices></domain>"; } >"$WORK/dom.xml"
virt-xml-validate "$WORK/dom.xml" domain >/dev/null 2>&1 && pass || fail "the interface snippet is not valid in a domain"
expect_run "interface bad mtu" 1 "$GEN" interface --mtu 99999 && expect_one_line_error "interface bad mtu" "guest MTU '99999'"

# OVN mode: the XML passes all three layers (libvirt's schema and parser
# keep the metadata); full-mesh settings and ssl: remotes are refused; no
# host files.
OVN="--mode ovn --ovn-nb tcp:198.18.0.100:6641 --ovn-sb tcp:198.18.0.100:6642 --address 10.100.0.1/16"
expect_run "ovn network" 0 "$GEN" network $OVN -o "$WORK/ovn.xml"
grep -q "<bridge name=\"br-int\"/>" "$WORK/ovn.xml" && grep -q 'mode="ovn"' "$WORK/ovn.xml" && grep -q 'encap="geneve"' "$WORK/ovn.xml" \
    && ! grep -q 'vni=' "$WORK/ovn.xml" && pass || fail "ovn network XML: $(cat "$WORK/ovn.xml")"
expect_run "check ovn" 0 "$GEN" check "$WORK/ovn.xml"
expect_run "ovn from config" 0 "$GEN" network --mode ovn
check_bad "ovn with peers" "peers '1': are not used in OVN mode" $OVN --peer 198.18.0.2
check_bad "ovn ssl" "ssl: remotes are not supported" --ovn-nb ssl:198.18.0.100:6641
check_bad "ovn bad encap" "encap 'gre': must be 'geneve' or 'vxlan'" --mode ovn --encap gre
check_bad "mesh with ovn options" "mode 'mesh': contradicts the OVN options" --mode mesh --ovn-nb tcp:198.18.0.100:6641 --peer 198.18.0.2
expect_run "host ovn" 1 "$GEN" host --format nftables --from "$WORK/ovn.xml" && expect_one_line_error "host ovn" "has no host files"

# A reader that is gone before the output comes (`| head -1`): no SIGPIPE
# (141), the run's own exit status, nothing on stderr. Output that cannot be
# written for another reason is one line and exit 1, never a silent 0.
for sub in "network --peer 198.18.0.2" "host --format nftables --peer 198.18.0.2" "interface --mtu 1450"; do
    { sleep 0.3; "$GEN" $sub 2>"$WORK/err"; } | true
    rc=${PIPESTATUS[0]}
    [ "$rc" = 0 ] && [ ! -s "$WORK/err" ] && pass || fail "$sub into a closed pipe: exit $rc: $(cat "$WORK/err")"
    "$GEN" $sub >/dev/full 2>"$WORK/err"
    rc=$?
    [ "$rc" = 1 ] && [ "$(cat "$WORK/err")" = "vxnet-gen: standard output could not be written" ] && pass \
        || fail "$sub to /dev/full: exit $rc: $(cat "$WORK/err")"
done
# An IPv4-mapped IPv6 peer is written as the IPv4 address it maps, and is
# the same peer as that address.
expect_run "mapped peer" 0 "$GEN" network --peer ::ffff:198.18.0.2 --peer 198.18.0.3
grep -q '<vxnet:peer address="198.18.0.2"/>' "$WORK/out" && ! grep -q ffff "$WORK/out" && pass \
    || fail "mapped peer: $(cat "$WORK/out")"
check_bad "mapped peer twice" "peer 2 '198.18.0.2': is listed twice" --peer 198.18.0.2 --peer ::ffff:198.18.0.2

finish
