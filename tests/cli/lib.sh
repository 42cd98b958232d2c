# Shared helpers for the CLI tests. Source it; it counts and reports.
set -u
FAILS=0
PASSES=0
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM

pass() { PASSES=$((PASSES + 1)); }
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }

# expect_run NAME STATUS CMD... : runs CMD, captures stdout/stderr in
# $WORK/out and $WORK/err, and checks the exit status.
expect_run() {
    name=$1 want=$2
    shift 2
    "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
    got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$name: exit $got, expected $want; stderr: $(head -c 300 "$WORK/err")"
        return 1
    fi
    pass
}

# The stderr of the last run is exactly one line and contains TEXT.
expect_one_line_error() {
    name=$1 text=$2
    lines=$(wc -l <"$WORK/err")
    if [ "$lines" -ne 1 ]; then
        fail "$name: stderr has $lines lines, expected 1: $(cat "$WORK/err")"
    elif ! grep -qF -- "$text" "$WORK/err"; then
        fail "$name: stderr lacks '$text': $(cat "$WORK/err")"
    else
        pass
    fi
}

# A prerequisite is missing: skip (77), except under CI (VXNET_CI=1 from
# .ci/run, or CI=true), where every tool scripts/install-deps.sh installs
# must be there and a skip is a failure.
under_ci() { [ "${VXNET_CI:-0}" = 1 ] || [ "${CI:-}" = true ]; }
skip() {
    if under_ci; then
        echo "FAIL (CI must not skip): $*" >&2
        exit 1
    fi
    echo "SKIP: $*"
    exit 77
}

finish() {
    echo "$PASSES passed, $FAILS failed"
    [ "$FAILS" -eq 0 ]
}
