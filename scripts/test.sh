#!/bin/sh
# Builds vxnet and runs every test: the README's test command, and CI's.
#   1. the normal build: unit, CLI, integration (real OVS), packages, lab
#      (emulated hosts with libvirtd and guests)
#   2. the build matrix: the whole tree (tests included, none run) in
#      Release with GCC and in Debug with clang, so a warning either
#      compiler gives only at -O3 or only itself fails here, not a user
#   3. libFuzzer (clang): each target for VXNET_FUZZ_SECONDS (default 120)
#      from the seeds; a crash, leak or timeout fails the run
#   4. ASan+UBSan build: the whole suite again (lab and packages included)
# Every build here is configured with -DVXNET_WERROR=ON (a user's build
# keeps the default, OFF, so a newer compiler's new warning stops nobody).
# Each CTest stage prints how many tests ran and how many were skipped.
# Under CI (VXNET_CI=1, set by .ci/run) a skipped test is a failure: CI
# installs every prerequisite, so a skip there means a test did not run.
# Usage: scripts/test.sh [BUILD_DIR]   (default: build)
# VXNET_TEST_QUICK=1 runs step 1 only.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$top/build"}
# Absolute, since CTest and the stages below run from other directories.
case $build in /*) ;; *) build="$(pwd)/$build" ;; esac
jobs=$(nproc)
t_start=$(date +%s)

# run_ctest DIR LABEL [CTEST ARGS...]: runs CTest, then counts from its
# JUnit report; fails on any failure, and under CI on any skip.
run_ctest() {
    dir=$1 stage=$2
    shift 2
    status=0
    (cd "$dir" && ctest --output-on-failure --no-tests=error -j "$jobs" --output-junit "$dir/ctest-junit.xml" "$@") || status=$?
    python3 - "$dir/ctest-junit.xml" "$stage" "${VXNET_CI:-0}" <<'PY' || status=1
import sys, xml.etree.ElementTree as ET
path, stage, ci = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
cases = ET.parse(path).getroot().iter("testcase")
ran = skipped = failed = 0
names = []
for c in cases:
    status = c.get("status", "run")
    if status in ("notrun", "disabled") or c.find("skipped") is not None:
        skipped += 1
        names.append(c.get("name"))
    elif c.find("failure") is not None or status == "fail":
        failed += 1
    else:
        ran += 1
print(f"== {stage}: {ran + failed} tests ran ({failed} failed), {skipped} skipped")
for n in names:
    print(f"   skipped: {n}")
if ci and skipped:
    print(f"== {stage}: a skipped test is a failure under CI (every prerequisite is installed there)")
    sys.exit(1)
sys.exit(1 if failed else 0)
PY
    return $status
}

echo "== 1/4 build and test ($build)"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVXNET_WERROR=ON
cmake --build "$build" -j "$jobs"
run_ctest "$build" "1/4 normal build"
echo "== 1/4 done after $(($(date +%s) - t_start)) s"
[ "${VXNET_TEST_QUICK:-0}" = 1 ] && exit 0

echo "== 2/4 build matrix: GCC Release, clang Debug (every target, no test run)"
cmake -S "$top" -B "$build-release" -DCMAKE_BUILD_TYPE=Release -DVXNET_WERROR=ON >/dev/null
cmake --build "$build-release" -j "$jobs" >/dev/null
if command -v clang++ >/dev/null; then
    cmake -S "$top" -B "$build-clang" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DVXNET_WERROR=ON >/dev/null
    cmake --build "$build-clang" -j "$jobs" >/dev/null
else
    echo "== 2/4 clang++ is not installed (scripts/install-deps.sh installs it)" >&2
    [ "${VXNET_CI:-0}" = 1 ] && exit 1
fi
echo "== 2/4 done after $(($(date +%s) - t_start)) s"

if command -v clang++ >/dev/null; then
    seconds=${VXNET_FUZZ_SECONDS:-120}
    echo "== 3/4 libFuzzer, $seconds s per target"
    fuzz="$build-fuzz"
    cmake -S "$top" -B "$fuzz" -DCMAKE_CXX_COMPILER=clang++ -DVXNET_FUZZ=ON -DBUILD_TESTING=OFF -DVXNET_WERROR=ON >/dev/null
    cmake --build "$fuzz" -j "$jobs" --target fuzz_hookdata fuzz_ovsdb_stream >/dev/null
    rm -rf "$fuzz/corpus" "$fuzz/artifacts"
    mkdir -p "$fuzz/corpus/hookdata" "$fuzz/corpus/ovsdb" "$fuzz/artifacts"
    cp "$top"/tests/data/hookdata/*.xml "$top"/tests/data/networks/*.xml "$top"/tests/data/domains/*.xml \
        "$top"/tests/data/libvirt-networkxml/*.xml "$fuzz/corpus/hookdata/"
    cp "$top"/fuzz/seeds/ovsdb/* "$fuzz/corpus/ovsdb/"
    # No pipe: the fuzzer's own exit status decides. A crash, a leak or a
    # timeout exits 1 (libFuzzer's default, 77, would read as "skipped").
    for target in hookdata ovsdb_stream; do
        case $target in
            hookdata) corpus=$fuzz/corpus/hookdata extra="-dict=$top/fuzz/xml.dict -max_len=8192" ;;
            *) corpus=$fuzz/corpus/ovsdb extra="-dict=$top/fuzz/ovsdb.dict -max_len=4096" ;;
        esac
        log=$fuzz/fuzz_$target.log
        # shellcheck disable=SC2086
        if ! "$fuzz/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -error_exitcode=1 -timeout_exitcode=1 \
            -artifact_prefix="$fuzz/artifacts/" $extra "$corpus" >"$log" 2>&1; then
            tail -n 30 "$log" >&2
            echo "fuzzing fuzz_$target found a problem: $(ls "$fuzz"/artifacts/)" >&2
            exit 1
        fi
        echo "fuzz_$target: $(grep -ao 'Done [0-9]* runs in [0-9]* second(s)' "$log" | tail -n 1)," \
            "covered edges $(grep -a 'INITED' "$log" | grep -o 'cov: [0-9]*' | head -n 1) from the seeds," \
            "$(grep -a 'DONE' "$log" | grep -o 'cov: [0-9]*' | tail -n 1) at the end"
    done
else
    echo "== 3/4 clang++ is not installed (scripts/install-deps.sh installs it)" >&2
    [ "${VXNET_CI:-0}" = 1 ] && exit 1
fi
echo "== 3/4 done after $(($(date +%s) - t_start)) s"

echo "== 4/4 ASan+UBSan build and test (the whole suite)"
# The packages are built from the release tarball, not from this build, so
# the ASan stage tests the ones step 1 built rather than building them again.
asan="$build-asan"
cmake -S "$top" -B "$asan" -DCMAKE_BUILD_TYPE=Debug -DVXNET_SANITIZE=ON -DVXNET_WERROR=ON \
    -DVXNET_PREBUILT_PACKAGES="$build/packages" >/dev/null
cmake --build "$asan" -j "$jobs" >/dev/null
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_ctest "$asan" "4/4 ASan+UBSan"
echo "== all done after $(($(date +%s) - t_start)) s"
