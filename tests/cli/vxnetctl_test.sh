#!/bin/bash
# vxnetctl as a user runs it, without a host to inspect. Args: VXNETCTL
CTL=$1
. "$(dirname "$0")/lib.sh"
printf 'log_file = %s/vxnet.log\n' "$WORK" >"$WORK/vxnet.conf"
export VXNET_CONFIG="$WORK/vxnet.conf" VXNET_OVSDB="unix:$WORK/absent.sock"
expect_run "help" 0 "$CTL" --help
cp "$WORK/out" "$WORK/help"
for sub in status plan reconcile prune adopt apply; do
    grep -q "^  $sub " "$WORK/help" && pass || fail "--help does not list $sub"
    expect_run "$sub --help" 0 "$CTL" "$sub" --help
done
expect_run "version" 0 "$CTL" --version && grep -q "^vxnetctl [0-9]" "$WORK/out" || fail "--version"
# Usage errors are UNKNOWN (3), never CRITICAL (2), for every subcommand;
# status says so on stdout, where monitoring systems read it.
expect_run "no subcommand" 3 "$CTL" && expect_one_line_error "no subcommand" "A subcommand is required"
expect_run "status --no-such-flag" 3 "$CTL" status --no-such-flag \
    && [ "$(cat "$WORK/out")" = "UNKNOWN: The following argument was not expected: --no-such-flag (see vxnetctl --help)" ] \
    && pass || fail "status --no-such-flag: $(cat "$WORK/out" "$WORK/err")"
expect_run "plan without NETWORK" 3 "$CTL" plan && expect_one_line_error "plan without NETWORK" "NETWORK is required"
expect_run "reconcile --no-such-flag" 3 "$CTL" reconcile --no-such-flag \
    && expect_one_line_error "reconcile --no-such-flag" "vxnetctl: The following argument was not expected: --no-such-flag"
# A reader that is gone before the output comes (`| head -1`): no SIGPIPE
# (141), the run's own exit status, nothing on stderr.
{ sleep 0.3; "$CTL" --help 2>"$WORK/err"; } | true
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] && [ ! -s "$WORK/err" ] && pass || fail "--help into a closed pipe: exit $rc: $(cat "$WORK/err")"
{ sleep 0.3; "$CTL" -c test:///default status 2>"$WORK/err"; } | true
rc=${PIPESTATUS[0]}
[ "$rc" = 3 ] && [ ! -s "$WORK/err" ] && pass || fail "status into a closed pipe: exit $rc: $(cat "$WORK/err")"
# Output that cannot be written for another reason is not lost silently.
"$CTL" --help >/dev/full 2>"$WORK/err"
rc=$?
[ "$rc" = 1 ] && grep -q "^vxnetctl: standard output could not be written$" "$WORK/err" && pass \
    || fail "--help to /dev/full: exit $rc: $(cat "$WORK/err")"
expect_run "status without OVSDB" 3 "$CTL" -c test:///default status && grep -q "^UNKNOWN: OVSDB endpoint 'unix:$WORK/absent.sock'" "$WORK/out" \
    && pass || fail "status without OVSDB: $(cat "$WORK/out")"
expect_run "reconcile needs a target" 1 "$CTL" -c test:///default reconcile
expect_one_line_error "reconcile needs a target" "needs exactly one of NETWORK or --all"
expect_run "plan of a missing network" 1 "$CTL" -c test:///default plan nosuch
expect_one_line_error "plan of a missing network" "network 'nosuch': is not a network of test:///default"
# prune and reconcile act only through this host's own system libvirtd:
# another driver (or a remote host) does not know this host's networks.
expect_run "prune through test:///" 1 "$CTL" -c test:///default prune
expect_one_line_error "prune through test:///" "prune 'test:///default': refused: 'test:///default' is libvirt's 'test' driver"
expect_run "reconcile through test:///" 1 "$CTL" -c test:///default reconcile --all
expect_one_line_error "reconcile through test:///" "is not this host's own"
# A stuck libvirtd: a socket that accepts and never answers. status is
# UNKNOWN (3) within the configured timeout, not a hang.
python3 - "$WORK/libvirt-sock" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
conns = []
deadline = time.time() + 20
while time.time() < deadline:
    s.settimeout(deadline - time.time())
    try:
        conns.append(s.accept()[0])
    except OSError:
        break
PY
stuck=$!
for _ in $(seq 50); do [ -S "$WORK/libvirt-sock" ] && break; sleep 0.1; done
printf 'log_file = %s/vxnet.log\ntimeout = 2\n' "$WORK" >"$WORK/short.conf"
start=$(date +%s%N)
VXNET_CONFIG="$WORK/short.conf" "$CTL" -c "qemu+unix:///system?socket=$WORK/libvirt-sock" status >"$WORK/out" 2>"$WORK/err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
kill "$stuck" 2>/dev/null; wait "$stuck" 2>/dev/null
[ "$rc" = 3 ] && grep -q "^UNKNOWN: libvirt .* did not answer (connecting to libvirt did not answer within 2000 ms" "$WORK/out" \
    && pass || fail "stuck libvirtd: exit $rc: $(cat "$WORK/out" "$WORK/err")"
[ "$ms" -lt 4000 ] && pass || fail "stuck libvirtd: status took $ms ms with a 2 s timeout"
finish
