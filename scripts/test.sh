#!/bin/sh
# Builds vxnet and runs every test: the README's test command, and CI's.
#   1. the normal build: unit, CLI, integration (real OVS), packages, lab
#      (emulated hosts with libvirtd and guests)
#   2. libFuzzer (clang): each target for VXNET_FUZZ_SECONDS (default 30)
#      from the seeds, stopping at the first crash
#   3. ASan+UBSan build: unit, CLI and integration tests again
# Usage: scripts/test.sh [BUILD_DIR]   (default: build)
# VXNET_TEST_QUICK=1 runs step 1 only.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$top/build"}
jobs=$(nproc)

echo "== 1/3 build and test ($build)"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j "$jobs"
(cd "$build" && ctest --output-on-failure -j "$jobs")
[ "${VXNET_TEST_QUICK:-0}" = 1 ] && exit 0

if command -v clang++ >/dev/null; then
    echo "== 2/3 libFuzzer, ${VXNET_FUZZ_SECONDS:-30} s per target"
    fuzz="$build-fuzz"
    cmake -S "$top" -B "$fuzz" -DCMAKE_CXX_COMPILER=clang++ -DVXNET_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
    cmake --build "$fuzz" -j "$jobs" --target fuzz_hookdata fuzz_ovsdb_stream >/dev/null
    rm -rf "$fuzz/corpus"
    mkdir -p "$fuzz/corpus/hookdata" "$fuzz/corpus/ovsdb" "$fuzz/artifacts"
    cp "$top"/tests/data/hookdata/*.xml "$top"/tests/data/networks/*.xml "$top"/tests/data/domains/*.xml \
        "$top"/tests/data/libvirt-networkxml/*.xml "$fuzz/corpus/hookdata/"
    cp "$top"/fuzz/seeds/ovsdb/* "$fuzz/corpus/ovsdb/"
    "$fuzz/fuzz/fuzz_hookdata" -max_total_time="${VXNET_FUZZ_SECONDS:-30}" -dict="$top/fuzz/xml.dict" -max_len=8192 \
        -timeout=10 -artifact_prefix="$fuzz/artifacts/" "$fuzz/corpus/hookdata" 2>&1 | tail -n 2
    "$fuzz/fuzz/fuzz_ovsdb_stream" -max_total_time="${VXNET_FUZZ_SECONDS:-30}" -max_len=4096 -timeout=10 \
        -artifact_prefix="$fuzz/artifacts/" "$fuzz/corpus/ovsdb" 2>&1 | tail -n 2
    if ls "$fuzz"/artifacts/* >/dev/null 2>&1; then
        echo "fuzzing found a crash: $(ls "$fuzz"/artifacts/)" >&2
        exit 1
    fi
else
    echo "== 2/3 skipped: clang++ is not installed (scripts/install-deps.sh installs it)"
fi

echo "== 3/3 ASan+UBSan build and test"
asan="$build-asan"
cmake -S "$top" -B "$asan" -DCMAKE_BUILD_TYPE=Debug -DVXNET_SANITIZE=ON >/dev/null
cmake --build "$asan" -j "$jobs" >/dev/null
(cd "$asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j "$jobs" -LE "lab|package|bench")
