#!/bin/bash
# vxnet-hook as libvirt runs it. Args: VXNET_HOOK TEST_DATA_DIR
HOOK=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
# Never the host's OVS: an endpoint that does not exist, and no config file.
# libvirt's files and vxnet's records in a scratch tree, never the host's.
mkdir -p "$WORK/etc/qemu/networks" "$WORK/run/network" "$WORK/state/network"
printf 'log_file = %s/vxnet.log\nlibvirt_config_dir = %s/etc\nlibvirt_state_dir = %s/run\nstate_dir = %s/state\n' \
    "$WORK" "$WORK" "$WORK" "$WORK" >"$WORK/vxnet.conf"
export VXNET_OVSDB="unix:$WORK/absent.sock" VXNET_CONFIG="$WORK/vxnet.conf"

expect_run "help" 0 "$HOOK" --help && grep -q "Usage: vxnet-hook" "$WORK/out" || fail "--help"
expect_run "version" 0 "$HOOK" --version && grep -q "^vxnet-hook [0-9]" "$WORK/out" || fail "--version"

# Every operation libvirt sends, with the captured stdin. Those that need
# OVSDB refuse with one line (start, started, port-created abort libvirt's
# action); stopped and port-deleted cannot abort anything and exit 0.
for op in start started port-created; do
    "$HOOK" vxnet0 "$op" begin - <"$DATA/hookdata/$op.xml" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    [ "$rc" -eq 1 ] && pass || fail "$op without OVSDB: exit $rc"
    expect_one_line_error "$op without OVSDB" "vxnet: "
done
# Exit 0 is the contract there whatever happens, so the log says what was
# done: stopped tried to tear down (and could not reach OVSDB), port-deleted
# of a mesh network needs nothing and asked nothing.
for op in stopped port-deleted; do
    sub=begin
    [ "$op" = stopped ] && sub=end
    "$HOOK" vxnet0 "$op" "$sub" - <"$DATA/hookdata/$op.xml" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    [ "$rc" -eq 0 ] && pass || fail "$op: exit $rc: $(cat "$WORK/err")"
done
grep -q "network=vxnet0 op=stopped outcome=failed-ignored .*cannot connect" "$WORK/vxnet.log" && pass \
    || fail "stopped did not try to tear down: $(grep op=stopped "$WORK/vxnet.log")"
grep -q "network=vxnet0 op=port-deleted outcome=ok changes=0" "$WORK/vxnet.log" && pass \
    || fail "port-deleted did more than nothing: $(grep op=port-deleted "$WORK/vxnet.log")"

# Networks vxnet does not manage pass untouched, whatever the operation.
for f in "$DATA"/libvirt-networkxml/*.xml; do
    { echo "<hookData>"; cat "$f"; echo "</hookData>"; } >"$WORK/in.xml"
    "$HOOK" other start begin - <"$WORK/in.xml" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    [ "$rc" -eq 0 ] && [ ! -s "$WORK/err" ] && pass || fail "unmanaged $(basename "$f"): exit $rc $(cat "$WORK/err")"
done

# libxml2 (on Debian with ICU, liblzma, libz) is loaded only by a run that
# reads XML (hook/libxml2_on_demand.cc): not at start, not for --version,
# not for another network's operations, whose stdin lacks vxnet's namespace.
loads_libxml2() { LD_DEBUG=files "$@" 2>&1 >/dev/null | grep -q "file=libxml2"; }
if command -v readelf >/dev/null; then
    readelf -dW "$HOOK" | grep -q "NEEDED.*libxml2" && fail "libxml2 is a DT_NEEDED of the hook" || pass
fi
loads_libxml2 "$HOOK" --version </dev/null && fail "--version loads libxml2" || pass
{ echo "<hookData>"; cat "$DATA/libvirt-networkxml/dhcp6-nat-network.xml"; echo "</hookData>"; } >"$WORK/other.xml"
loads_libxml2 "$HOOK" other port-created begin - <"$WORK/other.xml" && fail "another network's port-created loads libxml2" || pass
loads_libxml2 "$HOOK" vxnet0 port-deleted begin - <"$DATA/hookdata/port-deleted.xml" && pass \
    || fail "a vxnet network's port-deleted did not load libxml2 to read it"
"$HOOK" vxnet0 port-deleted begin - <"$DATA/hookdata/port-deleted.xml" >"$WORK/out" 2>"$WORK/err"
rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$WORK/err" ] && pass || fail "port-deleted through libxml2 on demand: exit $rc $(cat "$WORK/err")"

# A broken vxnet network aborts start with one line.
{ echo "<hookData>"; cat "$DATA/networks/long-bridge.xml"; echo "</hookData>"; } >"$WORK/bad.xml"
"$HOOK" vxnet0 start begin - <"$WORK/bad.xml" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 1 ] && pass || fail "invalid network did not abort start"
expect_one_line_error "invalid network" "vxnet: bridge name 'ovs-sw0-too-long'"

# Hostile stdin is not known to be vxnet's: exit 0, nothing on stderr, no
# hang (the timeout is the test's own bound).
head -c 3000000 /dev/urandom >"$WORK/huge"
timeout 10 "$HOOK" vxnet0 start begin - <"$WORK/huge" >"$WORK/out" 2>"$WORK/err"
rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$WORK/err" ] && pass || fail "huge stdin: exit $rc $(cat "$WORK/err")"
"$HOOK" vxnet0 start begin - <"$DATA/networks/entities.xml" >"$WORK/out" 2>"$WORK/err"
rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$WORK/err" ] && pass || fail "entities: exit $rc $(cat "$WORK/err")"
# A vxnet network whose input is cut off before its metadata says so (or
# that carries a DTD) cannot be read and libvirt has no file for it: not
# known to be vxnet's either; the log says why. Cut off after the metadata,
# it is known to be vxnet's: refused, never left unbuilt.
head -c "$(($(grep -b -o 'vni=' "$DATA/hookdata/start.xml" | cut -d: -f1) + 3))" "$DATA/hookdata/start.xml" >"$WORK/cut.xml"
"$HOOK" vxnet0 start begin - <"$WORK/cut.xml" >"$WORK/out" 2>"$WORK/err"
rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$WORK/err" ] && pass || fail "truncated vxnet stdin: exit $rc $(cat "$WORK/err")"
grep -q "warning: network 'vxnet0': hook stdin cannot be read (.*); neither stdin nor libvirt's file for it tells whether it is a vxnet network: left alone" \
    "$WORK/vxnet.log" && pass || fail "truncated stdin is not in the log"
sed '/<\/metadata>/q' "$DATA/hookdata/start.xml" >"$WORK/cut.xml"
"$HOOK" vxnet0 start begin - <"$WORK/cut.xml" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 1 ] && pass || fail "vxnet stdin cut after its metadata was not refused"
expect_one_line_error "vxnet stdin cut after its metadata" \
    "vxnet: network 'vxnet0': hook stdin cannot be read (hook stdin line"

# Large objects (defect 4 of issue 24): the hook read 64 MiB but parsed
# 1 MiB, so a 2 MiB vxnet network went active unbuilt and a 1.1 MiB guest
# with <mtu size='9000'/> started on a 1450 overlay unchecked. What is read
# is parsed now (one limit, 16 MiB); above it, the object's own XML or
# libvirt's file for its name says whether it is vxnet's.
limit=16777216
python3 - "$WORK" "$DATA" "$limit" <<'PY'
import re, sys
work, data, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
start = open(data + "/hookdata/start.xml").read()
network = start[start.index("<network>"):start.index("</network>")]
metadata = network[network.index("<metadata>"):network.index("</metadata>") + 11]
def portgroups(size):
    return "".join("    <portgroup name='pg%07d'>\n    </portgroup>\n" % i for i in range(size // 40 + 1))
def write(name, text):
    with open(work + "/" + name, "w") as f:
        f.write(text)
pg2, pg17 = portgroups(2 << 20), portgroups(limit + (1 << 20))
write("net2m.xml", "<hookData>" + network + pg2 + "</network></hookData>\n")
write("net17m.xml", "<hookData>" + network + pg17 + "</network></hookData>\n")
# Metadata after the portgroups: only libvirt's file can tell.
late = network.replace(metadata, "")
write("late17m.xml", "<hookData>" + late + pg17 + metadata + "</network></hookData>\n")
write("late-definition.xml", late + pg17 + metadata + "</network>\n")
write("foreign17m.xml", "<hookData>" + late + pg17 + "</network></hookData>\n")
# libvirt's status file of the active vxnet0, and what its start recorded.
write("status-vxnet0.xml", "<networkstatus><class_id bitmap='0-2'/>" + network + "</network></networkstatus>\n")
write("record-vxnet0.json", '{"network":"vxnet0","bridge":"ovs-sw0","overlay_mtu":1450,"spec_digest":""}\n')
domain = open(data + "/domains/vm-mtu9000.xml").read()
def big_domain(size, text=domain, where="<memory"):
    return text.replace(where, "<description>" + "x" * size + "</description>\n  " + where, 1)
write("vm1m.xml", big_domain(1100 * 1024))
# The interfaces before the cut, or after it (then only the definition tells).
write("vm17m.xml", big_domain(limit + (1 << 20), where="</domain>"))
write("vm17m-late.xml", big_domain(limit + (1 << 20)))
write("vm17m-foreign.xml", big_domain(limit + (1 << 20), re.sub("network='vxnet0'", "network='default'", domain)))
PY
[ "$(stat -c %s "$WORK/net2m.xml")" -gt 2000000 ] && [ "$(stat -c %s "$WORK/vm1m.xml")" -gt 1100000 ] \
    && [ "$(stat -c %s "$WORK/net17m.xml")" -gt "$limit" ] && pass || fail "the large inputs are not large"

"$HOOK" vxnet0 start begin - <"$WORK/net2m.xml" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 1 ] && pass || fail "a 2 MiB vxnet network was not built (it passed)"
expect_one_line_error "2 MiB vxnet network" "vxnet: OVSDB endpoint"  # built: OVSDB is absent here
for op in start started; do
    "$HOOK" vxnet0 "$op" begin - <"$WORK/net17m.xml" >"$WORK/out" 2>"$WORK/err"
    [ $? -eq 1 ] && pass || fail "a vxnet network above the limit passed $op"
    expect_one_line_error "vxnet network above the limit, $op" \
        "vxnet: network 'vxnet0': hook stdin is larger than the limit of $limit bytes, and its XML on stdin says it is a vxnet network: refused rather than left unbuilt; make the network's XML smaller"
done
"$HOOK" vxnet0 start begin - <"$WORK/late17m.xml" >"$WORK/out" 2>"$WORK/err"
rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$WORK/err" ] && pass || fail "no file to tell: exit $rc $(cat "$WORK/err")"
cp "$WORK/late-definition.xml" "$WORK/etc/qemu/networks/vxnet0.xml"
"$HOOK" vxnet0 start begin - <"$WORK/late17m.xml" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 1 ] && pass || fail "a vxnet network above the limit whose definition says so passed start"
expect_one_line_error "vxnet network above the limit, by its definition" \
    "vxnet: network 'vxnet0': hook stdin is larger than the limit of $limit bytes, and libvirt's $WORK/etc/qemu/networks/vxnet0.xml says it is a vxnet network: refused"
rm "$WORK/etc/qemu/networks/vxnet0.xml"
for op in start started port-created updated stopped port-deleted; do
    "$HOOK" vxnet0 "$op" begin - <"$WORK/foreign17m.xml" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    [ "$rc" -eq 0 ] && [ ! -s "$WORK/err" ] && pass || fail "a foreign network above the limit, $op: exit $rc $(cat "$WORK/err")"
done

mkdir -p "$WORK/qemu.d"
ln -sf "$HOOK" "$WORK/qemu.d/vxnet"
cp "$WORK/status-vxnet0.xml" "$WORK/run/network/vxnet0.xml"  # vxnet0 is active, its overlay 1450
cp "$WORK/record-vxnet0.json" "$WORK/state/network/vxnet0.json"
"$WORK/qemu.d/vxnet" vm0 prepare begin - <"$WORK/vm1m.xml" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 1 ] && pass || fail "a 1.1 MiB guest with MTU 9000 on a 1450 overlay started"
expect_one_line_error "1.1 MiB guest with MTU 9000" \
    "vxnet: domain 'vm0' interface 52:54:00:e8:6a:6e MTU '9000': exceeds the overlay MTU 1450 of network 'vxnet0'"
"$WORK/qemu.d/vxnet" vm0 prepare begin - <"$WORK/vm17m.xml" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 1 ] && pass || fail "a guest above the limit on a vxnet network started"
expect_one_line_error "guest above the limit" \
    "vxnet: domain 'vm0': hook stdin is larger than the limit of $limit bytes, and its XML on stdin gives it an interface on vxnet network 'vxnet0', whose MTU cannot be checked: refused rather than started unchecked"
"$WORK/qemu.d/vxnet" vm0 prepare begin - <"$WORK/vm17m-late.xml" >"$WORK/out" 2>"$WORK/err"
rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$WORK/err" ] && pass || fail "no definition to tell: exit $rc $(cat "$WORK/err")"
cp "$WORK/vm17m-late.xml" "$WORK/etc/qemu/vm0.xml"
"$WORK/qemu.d/vxnet" vm0 prepare begin - <"$WORK/vm17m-late.xml" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 1 ] && pass || fail "a guest above the limit whose definition puts it on a vxnet network started"
expect_one_line_error "guest above the limit, by its definition" \
    "vxnet: domain 'vm0': hook stdin is larger than the limit of $limit bytes, and libvirt's $WORK/etc/qemu/vm0.xml gives it an interface on vxnet network 'vxnet0'"
rm "$WORK/etc/qemu/vm0.xml"
"$WORK/qemu.d/vxnet" vm0 prepare begin - <"$WORK/vm17m-foreign.xml" >"$WORK/out" 2>"$WORK/err"
rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$WORK/err" ] && pass || fail "a guest above the limit on no vxnet network: exit $rc $(cat "$WORK/err")"
rm -f "$WORK/run/network/vxnet0.xml" "$WORK/state/network/vxnet0.json" "$WORK"/*17m*.xml "$WORK"/net2m.xml "$WORK"/vm1m.xml

# A network of 1.2 MB (27,000 portgroups: libvirt accepts it) that is not
# vxnet's starts as any other.
python3 - "$WORK/big.xml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("<hookData><network><name>big</name><forward mode='bridge'/><bridge name='br-big'/>"
            "<virtualport type='openvswitch'/>\n")
    for i in range(27000):
        f.write("  <portgroup name='pg%05d'><vlan><tag id='%d'/></vlan></portgroup>\n" % (i, i % 4094 + 1))
    f.write("</network></hookData>\n")
PY
[ "$(stat -c %s "$WORK/big.xml")" -gt 1200000 ] && pass || fail "big.xml is not above 1.2 MB"
for op in start started port-created updated stopped; do
    "$HOOK" big "$op" begin - <"$WORK/big.xml" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    [ "$rc" -eq 0 ] && [ ! -s "$WORK/err" ] && pass || fail "1.2 MB unmanaged network, $op: exit $rc $(cat "$WORK/err")"
done

# A stdin that is never closed ends the run at the configured timeout,
# with exit 0 (not known to be vxnet's), not a hang.
printf 'log_file = %s/vxnet.log\ntimeout = 1\n' "$WORK" >"$WORK/short.conf"
mkfifo "$WORK/stdin.fifo"
(cat "$DATA/hookdata/start.xml"; sleep 5) >"$WORK/stdin.fifo" &
writer=$!
start=$(date +%s%N)
VXNET_CONFIG="$WORK/short.conf" timeout 10 "$HOOK" vxnet0 start begin - <"$WORK/stdin.fifo" >"$WORK/out" 2>"$WORK/err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
[ "$rc" -eq 0 ] && [ ! -s "$WORK/err" ] && pass || fail "unclosed stdin: exit $rc $(cat "$WORK/err")"
[ "$ms" -lt 1800 ] && pass || fail "unclosed stdin: the run took $ms ms with timeout = 1"

# A broken config file hurts nothing that is not vxnet's: every network
# operation on libvirt's own networks, every qemu operation on a guest with
# no vxnet interface (libvirtd restart: reconnect), exit 0 and silent. For
# vxnet's own admissions the refusal names file, line and key; stopped
# still runs (with defaults).
for conf in 'this is not valid' 'timeout = forever' 'ovn_nb_remote = tcp:10.0.0.1:6641' 'guest_mtu_polcy = strict'; do
    printf 'log_file = %s/vxnet.log\n%s\n' "$WORK" "$conf" >"$WORK/bad.conf"
    for f in "$DATA"/libvirt-networkxml/*.xml; do
        { echo "<hookData>"; cat "$f"; echo "</hookData>"; } >"$WORK/in.xml"
        for op in start started port-created updated stopped port-deleted; do
            VXNET_CONFIG="$WORK/bad.conf" "$HOOK" other "$op" begin - <"$WORK/in.xml" >"$WORK/out" 2>"$WORK/err"
            rc=$?
            [ "$rc" -eq 0 ] && [ ! -s "$WORK/err" ] || { fail "config '$conf': $(basename "$f") $op: exit $rc $(cat "$WORK/err")"; break 2; }
        done
    done
    pass
    mkdir -p "$WORK/qemu.d"
    ln -sf "$HOOK" "$WORK/qemu.d/vxnet"
    for op in "prepare begin" "start begin" "started begin" "reconnect begin" "stopped end" "release end" "migrate begin"; do
        # shellcheck disable=SC2086
        VXNET_CONFIG="$WORK/bad.conf" "$WORK/qemu.d/vxnet" vm0 $op - <"$DATA/domains/vm-nomtu.xml" >"$WORK/out" 2>"$WORK/err"
        rc=$?
        [ "$rc" -eq 0 ] && [ ! -s "$WORK/err" ] && pass || fail "config '$conf': qemu $op: exit $rc $(cat "$WORK/err")"
    done
done
printf 'log_file = %s/vxnet.log\nthis is not valid\n' "$WORK" >"$WORK/bad.conf"
VXNET_CONFIG="$WORK/bad.conf" "$HOOK" vxnet0 start begin - <"$DATA/hookdata/start.xml" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 1 ] && pass || fail "bad config accepted for a vxnet start"
expect_one_line_error "bad config" "vxnet: config file $WORK/bad.conf line 2 'this is not valid': is not 'key = value'"
printf 'log_file = %s/vxnet.log\ntimeout = forever\n' "$WORK" >"$WORK/bad.conf"
VXNET_CONFIG="$WORK/bad.conf" "$HOOK" vxnet0 start begin - <"$DATA/hookdata/start.xml" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 1 ] && pass || fail "bad timeout accepted for a vxnet start"
expect_one_line_error "bad config" "vxnet: config file $WORK/bad.conf line 2 key 'timeout' 'forever': timeout must be 1 to 600 seconds"
VXNET_CONFIG="$WORK/bad.conf" "$HOOK" vxnet0 stopped end - <"$DATA/hookdata/stopped.xml" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 0 ] && pass || fail "stopped with a bad config did not exit 0"
grep -q "network=vxnet0 op=stopped warning: config (defaults used): config file $WORK/bad.conf line 2" "$WORK/vxnet.log" \
    && pass || fail "stopped with a bad config: the log does not say so"

# The man pages render, and mandoc finds nothing to say about them (the
# packages' installed copies are linted again in tests/packaging).
for page in "$(dirname "$0")"/../../docs/man/*.[158]; do  # vxnet-gen.1 vxnet.conf.5 vxnet-hook.8 vxnetctl.8
    if command -v man >/dev/null; then
        MANWIDTH=80 man -l "$page" >"$WORK/man.txt" 2>"$WORK/man.err" && [ -s "$WORK/man.txt" ] && ! grep -q "warning" "$WORK/man.err" \
            && pass || fail "man page $(basename "$page"): $(head -3 "$WORK/man.err")"
    fi
    if command -v mandoc >/dev/null; then
        mandoc -T lint -W style "$page" >"$WORK/mandoc" 2>&1 && pass || fail "mandoc -T lint $(basename "$page"): $(cat "$WORK/mandoc")"
    elif under_ci; then
        fail "mandoc is not installed (scripts/install-deps.sh installs it)"
    fi
done

finish
