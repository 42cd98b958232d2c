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

# A broken vxnet network aborts start with one line.
{ echo "<hookData>"; cat "$DATA/networks/long-bridge.xml"; echo "</hookData>"; } >"$WORK/bad.xml"
"$HOOK" vxnet0 start begin - <"$WORK/bad.xml" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 1 ] && pass || fail "invalid network did not abort start"
expect_one_line_error "invalid network" "vxnet: bridge name 'ovs-sw0-too-long'"

# Hostile stdin: one line, no hang (the timeout is the test's own bound).
head -c 3000000 /dev/urandom >"$WORK/huge"
timeout 10 "$HOOK" vxnet0 start begin - <"$WORK/huge" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 1 ] && pass || fail "huge stdin not refused"
expect_one_line_error "huge stdin" "larger than the limit"
"$HOOK" vxnet0 start begin - <"$DATA/networks/entities.xml" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 1 ] && pass || fail "entities not refused"
expect_one_line_error "entities" "DTDs"

# A bad config file line is named.
printf 'log_file = %s/vxnet.log\ntimeout = forever\n' "$WORK" >"$WORK/bad.conf"
VXNET_CONFIG="$WORK/bad.conf" "$HOOK" vxnet0 start begin - <"$DATA/hookdata/start.xml" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 1 ] && pass || fail "bad config accepted"
expect_one_line_error "bad config" "config file $WORK/bad.conf line 2 'forever': timeout must be 1 to 600 seconds"

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
