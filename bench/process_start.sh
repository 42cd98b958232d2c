#!/bin/sh
# What starting vxnet-hook costs, and which shared library costs what.
# Usage: bench/process_start.sh HOOK [REPS]    (HOOK: build/hook/vxnet-hook)
#
# 1. The dynamic loader's own statistics (LD_DEBUG=statistics) for
#    `HOOK --version`: median over 100 starts.
# 2. Wall time of a process start, median and 10th percentile over REPS
#    starts each, interleaved: /bin/true, an empty C++ program, the same
#    linked with the hook's shared libraries added one group at a time
#    (built here, with the hook's link options: full RELRO, immediate
#    binding), and the hook itself (`--version`).
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
echo "Shared objects loaded: $(ldd "$HOOK" | grep -c '=>')"
echo

cat >"$WORK/empty.cc" <<'EOF'
int main() { return 0; }
EOF
cat >"$WORK/spawn.cc" <<'EOF'
// Starts each program in turn, REPS rounds, and prints the median and 10th
// percentile of each one's wall time from spawn to exit.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>
extern char** environ;
int main(int argc, char** argv) {
  const int reps = std::atoi(argv[1]);
  std::vector<std::vector<double>> t(static_cast<std::size_t>(argc - 2));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  for (int r = 0; r < reps; ++r)
    for (int i = 2; i < argc; ++i) {
      char* args[] = {argv[i], const_cast<char*>("--version"), nullptr};
      const auto t0 = std::chrono::steady_clock::now();
      pid_t pid;
      if (posix_spawn(&pid, argv[i], &fa, nullptr, args, environ) != 0) return 1;
      int status;
      waitpid(pid, &status, 0);
      t[static_cast<std::size_t>(i - 2)].push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
  for (int i = 2; i < argc; ++i) {
    auto& v = t[static_cast<std::size_t>(i - 2)];
    std::sort(v.begin(), v.end());
    std::printf("%s %.2f %.2f\n", argv[i], v[v.size() / 2], v[v.size() / 10]);
  }
  return 0;
}
EOF
CXX=${CXX:-c++}
LINK="-Wl,-z,relro -Wl,-z,now -Wl,--no-as-needed"
"$CXX" -O2 -o "$WORK/spawn" "$WORK/spawn.cc"
"$CXX" -O2 -o "$WORK/cxx" "$WORK/empty.cc" $LINK
"$CXX" -O2 -o "$WORK/xml" "$WORK/empty.cc" $LINK $(pkg-config --libs libxml-2.0)
"$CXX" -O2 -o "$WORK/xml_nl" "$WORK/empty.cc" $LINK $(pkg-config --libs libxml-2.0 libnl-route-3.0)
"$CXX" -O2 -o "$WORK/xml_nl_spdlog" "$WORK/empty.cc" $LINK $(pkg-config --libs libxml-2.0 libnl-route-3.0) -lspdlog -lfmt

echo "## Process start, wall time ($REPS starts each, interleaved)"
echo
"$WORK/spawn" "$REPS" /bin/true "$WORK/cxx" "$WORK/xml" "$WORK/xml_nl" "$WORK/xml_nl_spdlog" "$HOOK" | awk -v hook="$HOOK" '
    BEGIN {
      name["/bin/true"] = "/bin/true (C, libc only)"
      print "| program | shared objects added | median | 10th percentile | added (10th percentile) |"
      print "|---|---|---:|---:|---:|"
    }
    {
      n = $1; sub(/.*\//, "", n)
      label = n; added = ""
      if (n == "true") { label = "/bin/true"; added = "libc" }
      if (n == "cxx") { label = "empty C++ program"; added = "libstdc++, libm, libgcc_s" }
      if (n == "xml") { label = "+ libxml2"; added = "libxml2, libicuuc, libicudata, liblzma, libz" }
      if (n == "xml_nl") { label = "+ libnl-route-3"; added = "libnl-route-3, libnl-3" }
      if (n == "xml_nl_spdlog") { label = "+ spdlog"; added = "libspdlog, libfmt" }
      if ($1 == hook) { label = "vxnet-hook --version"; added = "the hook itself (its code, data, static initialisers)" }
      delta = NR == 1 ? "" : sprintf("%+.2f ms", $3 - prev)
      printf "| %s | %s | %.2f ms | %.2f ms | %s |\n", label, added, $2, $3, delta
      prev = $3
    }'
