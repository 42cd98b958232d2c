#!/bin/bash
# The lab harness's skip path: outside CI a missing prerequisite skips
# (exit 77, the reason on stdout); under CI (VXNET_CI=1, or CI=true) it
# fails with the reason, since every prerequisite must be there and a
# skipped test would leave the stage green without having run.
. "$(dirname "$0")/lib.sh"
LAB=$(cd "$(dirname "$0")/../lab" && pwd)/lab.sh
# A PATH where no lab tool exists (id and readlink only, which the harness
# itself uses).
mkdir "$WORK/bin"
for tool in id readlink; do ln -s "$(command -v "$tool")" "$WORK/bin/$tool"; done
run_require() {
    env -i PATH="$WORK/bin" HOME="$WORK" "$@" /bin/bash -c ". '$LAB'; lab_require; echo not reached" \
        >"$WORK/out" 2>"$WORK/err"
}
run_require
rc=$?
[ "$rc" -eq 77 ] && pass || fail "outside CI: exit $rc, expected 77: $(cat "$WORK/err")"
grep -q "^SKIP: " "$WORK/out" && [ ! -s "$WORK/err" ] && pass || fail "outside CI: no SKIP reason: $(cat "$WORK/out" "$WORK/err")"
for ci in VXNET_CI=1 CI=true; do
    run_require "$ci"
    rc=$?
    [ "$rc" -eq 1 ] && pass || fail "$ci: exit $rc, expected 1"
    [ "$(wc -l <"$WORK/err")" -eq 1 ] && grep -q "^FAIL (CI must not skip): " "$WORK/err" && pass \
        || fail "$ci: no one-line reason: $(cat "$WORK/err")"
done
# lab_skip itself, as the scenarios call it.
env -i PATH=/usr/bin:/bin VXNET_CI=1 /bin/bash -c ". '$LAB'; lab_skip 'ovn-central is not installed'" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 1 ] && grep -qx "FAIL (CI must not skip): ovn-central is not installed" "$WORK/err" && pass \
    || fail "lab_skip under CI: $(cat "$WORK/err")"
env -i PATH="$WORK/bin" VXNET_CI=1 /bin/bash -c ". '$LAB'; lab_require_guest" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 1 ] && grep -q "^FAIL (CI must not skip): apt-cache is not installed" "$WORK/err" && pass \
    || fail "lab_require_guest under CI: $(cat "$WORK/err")"
env -i PATH=/usr/bin:/bin /bin/bash -c ". '$LAB'; lab_skip 'reason'" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 77 ] && grep -qx "SKIP: reason" "$WORK/out" && pass || fail "lab_skip outside CI: $(cat "$WORK/out" "$WORK/err")"
finish
