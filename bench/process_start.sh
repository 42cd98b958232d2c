#!/bin/sh
# What starting vxnet-hook costs, beside a trivial C program's start.
# Usage: bench/process_start.sh HOOK [REPS]    (HOOK: build/hook/vxnet-hook)
#
# 1. The dynamic loader's own statistics (LD_DEBUG=statistics) for
#    `HOOK --version`: median over 100 starts.
# 2. Wall time of a process start, median and 10th percentile over REPS
#    starts each, interleaved, from posix_spawn to waitpid: a trivial C
#    program, an empty C++ program, the same with libxml2 (built here with
#    the hook's link options: PIE, full RELRO, immediate binding), and the
#    hook: `--version`, another network's port-created (nothing parsed,
#    libxml2 not loaded) and a vxnet network's port-deleted (its hookData
#    parsed, libxml2 loaded; no OVSDB needed).
# 3. If perf is installed: `perf stat -r 100` of the trivial program and of
#    `HOOK --version`, side by side, five rounds alternating.
set -eu
HOOK=${1:?usage: $0 HOOK [REPS]}
REPS=${2:-500}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "## Dynamic loader (LD_DEBUG=statistics, $HOOK --version, median of 100)"
echo
i=0
while [ $i -lt 100 ]; do
    LD_DEBUG=statistics "$HOOK" --version 2>&1 >/dev/null |
        awk '/total startup time in dynamic loader/ {t=$(NF-1)} /time needed for relocation/ {r=$(NF-2)}
             /time needed to load objects/ {l=$(NF-2)} END {print t, r, l}'
    i=$((i + 1))
done >"$WORK/ld"
# The loader counts TSC cycles; /proc/cpuinfo's clock converts them (roughly).
MHZ=$(awk -F: '/cpu MHz/ {print $2 + 0; exit}' /proc/cpuinfo)
sort -n "$WORK/ld" | awk -v mhz="${MHZ:-0}" '{a[NR]=$0} END {split(a[int((NR+1)/2)], m, " ");
    f = mhz > 0 ? 1000 * mhz : 0
    printf "| total in the loader | relocation | loading objects |\n|---:|---:|---:|\n"
    if (f > 0) printf "| %d cycles (%.2f ms) | %d cycles (%.2f ms) | %d cycles (%.2f ms) |\n", m[1], m[1] / f, m[2], m[2] / f, m[3], m[3] / f
    else printf "| %d cycles | %d cycles | %d cycles |\n", m[1], m[2], m[3]}'
LD_DEBUG=statistics "$HOOK" --version 2>&1 >/dev/null | grep -E "number of relocations:|relative relocations" | sed 's/^ *[0-9]*: *//'
echo
echo "Shared objects loaded at start: $(ldd "$HOOK" | grep -c '=>')"
echo

# The hook's inputs, from the test data; its log in $WORK, OVSDB absent.
DATA=$(cd "$(dirname "$0")/../tests/data" && pwd)
printf 'log_file = %s/vxnet.log\n' "$WORK" >"$WORK/vxnet.conf"
export VXNET_CONFIG="$WORK/vxnet.conf" VXNET_OVSDB="unix:$WORK/absent.sock"
{ echo "<hookData>"; cat "$DATA/libvirt-networkxml/dhcp6-nat-network.xml"; echo "</hookData>"; } >"$WORK/other.xml"
cp "$DATA/hookdata/port-deleted.xml" "$WORK/vxnet.xml"

printf 'int main(void) { return 0; }\n' >"$WORK/trivial.c"
printf 'int main() { return 0; }\n' >"$WORK/empty.cc"
cat >"$WORK/spawn.cc" <<'END_OF_SPAWN'
// Starts each program in turn, REPS rounds, and prints the median and 10th
// percentile of each one's wall time from spawn to exit. A program is one
// argument: "PATH ARG... [<STDIN]", split on spaces.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>
extern char** environ;
int main(int argc, char** argv) {
  const int reps = std::atoi(argv[1]);
  struct Program {
    std::vector<std::string> args;
    std::string in = "/dev/null";
    std::vector<double> t;
  };
  std::vector<Program> programs;
  for (int i = 2; i < argc; ++i) {
    Program p;
    std::istringstream words(argv[i]);
    for (std::string w; words >> w;) {
      if (w[0] == '<')
        p.in = w.substr(1);
      else
        p.args.push_back(w);
    }
    programs.push_back(p);
  }
  for (int r = 0; r < reps; ++r)
    for (auto& p : programs) {
      posix_spawn_file_actions_t fa;
      posix_spawn_file_actions_init(&fa);
      posix_spawn_file_actions_addopen(&fa, 0, p.in.c_str(), O_RDONLY, 0);
      posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
      std::vector<char*> args;
      for (auto& a : p.args) args.push_back(a.data());
      args.push_back(nullptr);
      const auto t0 = std::chrono::steady_clock::now();
      pid_t pid;
      if (posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) return 1;
      int status;
      waitpid(pid, &status, 0);
      p.t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      posix_spawn_file_actions_destroy(&fa);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "%s failed\n", args[0]);
        return 1;
      }
    }
  for (auto& p : programs) {
    std::sort(p.t.begin(), p.t.end());
    std::printf("%.3f %.3f\n", p.t[p.t.size() / 2], p.t[p.t.size() / 10]);
  }
  return 0;
}
END_OF_SPAWN
CC=${CC:-cc}
CXX=${CXX:-c++}
LINK="-fPIE -pie -Wl,-z,relro -Wl,-z,now -Wl,--no-as-needed"
"$CXX" -O2 -o "$WORK/spawn" "$WORK/spawn.cc"
"$CC" -O2 -o "$WORK/trivial" "$WORK/trivial.c" $LINK
"$CXX" -O2 -o "$WORK/cxx" "$WORK/empty.cc" $LINK
"$CXX" -O2 -o "$WORK/xml" "$WORK/empty.cc" $LINK $(pkg-config --libs libxml-2.0)

echo "## Process start, wall time ($REPS starts each, interleaved)"
echo
"$WORK/spawn" "$REPS" "$WORK/trivial" "$WORK/cxx" "$WORK/xml" "$HOOK --version" \
    "$HOOK other port-created begin - <$WORK/other.xml" "$HOOK vxnet0 port-deleted begin - <$WORK/vxnet.xml" |
    awk '
    BEGIN {
      label[1] = "trivial C program"; objects[1] = "libc"
      label[2] = "empty C++ program"; objects[2] = "+ libstdc++, libm, libgcc_s"
      label[3] = "empty C++ program with libxml2"; objects[3] = "+ libxml2, libicuuc, libicudata, liblzma, libz"
      label[4] = "`vxnet-hook --version`"; objects[4] = "as the empty C++ program"
      label[5] = "vxnet-hook, another network'"'"'s `port-created`"; objects[5] = "the same: nothing parsed"
      label[6] = "vxnet-hook, a vxnet network'"'"'s `port-deleted`"; objects[6] = "+ libxml2 and its 4, loaded to parse hookData"
      print "| program | shared objects | median | 10th percentile | median / trivial C |"
      print "|---|---|---:|---:|---:|"
    }
    {
      if (NR == 1) base = $1
      printf "| %s | %s | %.2f ms | %.2f ms | %.2f |\n", label[NR], objects[NR], $1, $2, $1 / base
    }'

if command -v perf >/dev/null && perf stat -r 1 true >/dev/null 2>&1; then
    echo
    echo "## perf stat -r 100, side by side (five rounds, alternating)"
    echo
    echo "| round | trivial C program | \`vxnet-hook --version\` | ratio |"
    echo "|---:|---:|---:|---:|"
    elapsed() { perf stat -r 100 "$@" 2>&1 >/dev/null | awk '/seconds time elapsed/ {print $1 * 1000}'; }
    for round in 1 2 3 4 5; do
        t=$(elapsed "$WORK/trivial")
        h=$(elapsed "$HOOK" --version)
        awk -v r="$round" -v t="$t" -v h="$h" 'BEGIN {printf "| %d | %.2f ms | %.2f ms | %.2f |\n", r, t, h, h / t}'
    done
fi
