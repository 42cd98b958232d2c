#!/bin/bash
# vxnet-hook as libvirt runs it. Args: VXNET_HOOK TEST_DATA_DIR
HOOK=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
# Never the host's OVS: an endpoint that does not exist, and no config file.
printf 'log_file = %s/vxnet.log\n' "$WORK" >"$WORK/vxnet.conf"
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
for op in stopped port-deleted; do
    sub=begin
    [ "$op" = stopped ] && sub=end
    "$HOOK" vxnet0 "$op" "$sub" - <"$DATA/hookdata/$op.xml" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    [ "$rc" -eq 0 ] && pass || fail "$op: exit $rc: $(cat "$WORK/err")"
done

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
# A vxnet network whose input is cut off (or carries a DTD) cannot be read:
# not known to be vxnet's either; the log says why.
head -c 400 "$DATA/hookdata/start.xml" >"$WORK/cut.xml"
"$HOOK" vxnet0 start begin - <"$WORK/cut.xml" >"$WORK/out" 2>"$WORK/err"
rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$WORK/err" ] && pass || fail "truncated vxnet stdin: exit $rc $(cat "$WORK/err")"
grep -q "warning: hook stdin cannot be read, so it is not known to be a vxnet network; left alone" "$WORK/vxnet.log" \
    && pass || fail "truncated stdin is not in the log"

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
