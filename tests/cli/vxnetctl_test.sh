#!/bin/bash
# vxnetctl as a user runs it, without a host to inspect. Args: VXNETCTL
CTL=$1
. "$(dirname "$0")/lib.sh"
printf 'log_file = %s/vxnet.log\n' "$WORK" >"$WORK/vxnet.conf"
export VXNET_CONFIG="$WORK/vxnet.conf" VXNET_OVSDB="unix:$WORK/absent.sock"
expect_run "help" 0 "$CTL" --help
cp "$WORK/out" "$WORK/help"
for sub in status plan reconcile prune adopt; do
    grep -q "^  $sub " "$WORK/help" && pass || fail "--help does not list $sub"
    expect_run "$sub --help" 0 "$CTL" "$sub" --help
done
expect_run "version" 0 "$CTL" --version && grep -q "^vxnetctl [0-9]" "$WORK/out" || fail "--version"
expect_run "no subcommand" 2 "$CTL" && expect_one_line_error "no subcommand" "A subcommand is required"
expect_run "status without OVSDB" 3 "$CTL" status && grep -q "^UNKNOWN: OVSDB endpoint 'unix:$WORK/absent.sock'" "$WORK/out" \
    && pass || fail "status without OVSDB: $(cat "$WORK/out")"
expect_run "reconcile needs a target" 1 "$CTL" -c test:///default reconcile
expect_one_line_error "reconcile needs a target" "needs exactly one of NETWORK or --all"
expect_run "plan of a missing network" 1 "$CTL" -c test:///default plan nosuch
expect_one_line_error "plan of a missing network" "network 'nosuch': is not an active vxnet network"
finish
